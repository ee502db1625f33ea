"""Block coordinate descent on array-API data (CuPy, ``array_api_strict``): the vectorisable
part of the method.

Supported: :class:`~numsolve.objectives.LeastSquares` and
:class:`~numsolve.objectives.BinaryLogistic` (optionally in ``L1Regularized`` /
``BoundConstrained``, or with ``bounds=``) on a dense ``A`` of a non-NumPy namespace; fixed
partitions (``'order'``, ``'sort'``, ``'avg'`` or an explicit list); the selection rules
``'cyclic'``, ``'random'``, ``'lipschitz'``, ``'gs'``, ``'gsl'``, ``'gsd'``; the update
``'gradient'`` (``d_b = prox(x_b - g_b / L_b) - x_b``, the L1 soft-threshold then the clip).

Layout: the partition is fixed, so the columns of ``A`` are permuted (and padded with zero
columns) once, block after block, each block in ``tm`` consecutive slots. A block is then a
slice (array-API slice assignment, contiguous device memory) and the greedy block scores are a
segment reduction ``reshape(v, (nb, tm)).sum(axis=1)`` over the whole per-coordinate score.

Per iteration, on the device: the margins ``Z += A[:, b] d`` (``O(N tau)``), ``phi'(Z)`` and,
when the gradient is kept (greedy rules, L1 / bounds), ``g += A^T (phi'_new - phi'_old)``
(``O(N n)`` on dense data, as the host path's CSR update of the touched rows). On the host:
the partition and the block constants ``L_b = lambda_max(H_b)`` (once, from ``tau x tau``
matrices ``H_b = c A_b^T A_b + l2 I`` formed on the device by one batched product), the rng of
the random rules, the argmax over the ``nb`` block scores. Iterates equal the NumPy/Numba path's
up to rounding (same partition, same rng draws, same refresh schedule).
"""

from __future__ import annotations

import math

import numpy as np

from ..._backend import backend_name, to_numpy
from ..._checks import as_rng
from ..._result import OptimizeResult
from ..._status import CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, PRECISION_LOSS, status_message
from ...objectives import BinaryLogistic, LeastSquares, _Composite
from ._partitions import fixed_blocks
from ._rules import _lam_max, _positive, check_partition

__all__ = ["device_refusal", "minimize_bcd_device", "DEVICE_SELECTIONS"]

DEVICE_SELECTIONS = ("cyclic", "random", "lipschitz", "gs", "gsl", "gsd")
_SUPPORTED = ("on array-API (CuPy, array_api_strict) data it supports LeastSquares / "
              "BinaryLogistic (optionally L1Regularized / BoundConstrained) on a dense A, "
              "partition 'order'/'sort'/'avg'/a list, selection "
              + "/".join(DEVICE_SELECTIONS) + ", update='gradient'")


def _smooth_part(fun):
    return fun.parts()[0] if isinstance(fun, _Composite) else fun


def device_refusal(fun) -> str | None:
    """``None`` when ``fun`` can run on device data, else the reason (``minimize`` raises
    ``TypeError`` with it for a non-NumPy ``x0``)."""
    smooth = _smooth_part(fun)
    if type(smooth) in (LeastSquares, BinaryLogistic) and hasattr(smooth.A, "shape") \
            and not hasattr(smooth.A, "tocsc"):
        return None
    return ("; Numba kernels on CSC data for this objective (" + type(smooth).__name__
            + "); " + _SUPPORTED)


def check_device_options(opts, reg) -> None:
    """``TypeError`` naming what the device path supports when ``opts`` asks for more."""
    bad = []
    if isinstance(opts.partition, str) and opts.partition not in ("order", "sort", "avg"):
        bad.append(f"partition={opts.partition!r}")
    if opts.selection not in DEVICE_SELECTIONS:
        bad.append(f"selection={opts.selection!r}")
    if opts.update != "gradient":
        bad.append(f"update={opts.update!r}")
    if not reg["smooth"] and opts.switch_window:
        bad.append(f"switch_window={opts.switch_window} (the active-set switch to Newton "
                   "updates; pass switch_window=0)")
    if bad:
        raise TypeError("method 'bcd' runs " + ", ".join(bad) + " on the CPU only; "
                        + _SUPPORTED + " - or move the data with numsolve.to_numpy")


class _DeviceModel:
    """``f = sum_r phi(z_r) + (l2/2)||x||^2`` on permuted, padded columns (module notes)."""

    def __init__(self, xp, smooth, x0, perm, nb, tm, lo, hi, alpha):
        self.xp, self.nb, self.tm = xp, nb, tm
        self.sizes = np.bincount(np.flatnonzero(perm >= 0) // tm, minlength=nb)
        f64 = xp.float64
        A = xp.astype(smooth.A, f64) if smooth.A.dtype != f64 else smooth.A
        N = int(A.shape[0])
        self.logistic = isinstance(smooth, BinaryLogistic)
        y = smooth.y if self.logistic else smooth.b
        self.y = xp.reshape(xp.astype(xp.asarray(y), f64), (N,))
        self.curv, self.l2, self.N = float(smooth._curv), float(smooth.l2), N
        self.coords = perm[perm >= 0]  # the coordinates in slot order
        self.pos = np.flatnonzero(perm >= 0)  # their slots
        # slot of coordinate j: the caller's order back from the slot order
        self.src = self.pos[np.argsort(self.coords, kind="stable")]
        self.A = self._scatter_cols(xp.take(A, xp.asarray(self.coords), axis=1), N)
        self.lo, self.hi, self.alpha = self._pad(lo, -math.inf), self._pad(hi, math.inf), alpha
        self.x = self._pad(x0, 0.0)
        self.x = xp.minimum(xp.maximum(self.x, self.lo), self.hi)
        self.full, self.g, self.work = False, None, 0
        self.refresh()

    def _scatter_cols(self, Ap, N):
        """``A`` with its columns in slot order (zero columns in the padding slots)."""
        xp, n = self.xp, self.nb * self.tm
        if self.pos.size == n:
            return Ap
        # a zero column per padding slot, then a take that interleaves them
        src = np.full(n, Ap.shape[1], np.int64)
        src[self.pos] = np.arange(self.pos.size)
        Az = xp.concat([Ap, xp.zeros((N, 1), dtype=Ap.dtype)], axis=1)
        return xp.take(Az, xp.asarray(src), axis=1)

    def _pad(self, v, fill):
        out = np.full(self.nb * self.tm, fill)
        out[self.pos] = np.broadcast_to(np.asarray(v, dtype=np.float64), (self.src.size,))[
            self.coords]
        return self.xp.asarray(out)

    # ---- loss ------------------------------------------------------------------------------
    def _dphi(self, Z):
        xp = self.xp
        if self.logistic:  # -y sigma(-y z)
            t = self.y * Z
            return -self.y * xp.exp(-xp.logaddexp(xp.zeros_like(t), t))
        return Z - self.y

    def fval(self) -> float:
        xp = self.xp
        if self.logistic:
            t = self.y * self.Z
            s = xp.sum(xp.logaddexp(xp.zeros_like(t), -t))
        else:
            r = self.Z - self.y
            s = 0.5 * xp.sum(r * r)
        return float(s + 0.5 * self.l2 * xp.sum(self.x * self.x))

    def _grad_all(self):
        self.work += self.N * self.pos.size
        return self.A.T @ self.D + self.l2 * self.x

    def refresh(self) -> None:
        """``Z = A x``, ``phi'(Z)`` and the kept gradient from scratch (the host schedule)."""
        self.Z = self.A @ self.x
        self.D = self._dphi(self.Z)
        if self.full:
            self.g = self._grad_all()

    def keep_gradient(self) -> None:
        self.full, self.g = True, self._grad_all()

    def grad_full(self):
        return self.g if self.full else self._grad_all()

    def grad_block(self, bi: int):
        s, e = bi * self.tm, (bi + 1) * self.tm
        if self.full:
            return self.g[s:e]
        self.work += self.N * int(self.sizes[bi])
        return self.A[:, s:e].T @ self.D + self.l2 * self.x[s:e]

    def step(self, bi: int, d) -> None:
        """``x_b += d``; ``Z += A[:, b] d`` (the spec's residual update); ``phi'`` and the kept
        gradient follow."""
        s, e = bi * self.tm, (bi + 1) * self.tm
        self.Z = self.Z + self.A[:, s:e] @ d
        Dn = self._dphi(self.Z)
        self.work += self.N * int(self.sizes[bi])
        if self.full:
            self.g = self.g + self.A.T @ (Dn - self.D)
            self.g[s:e] = self.g[s:e] + self.l2 * d
            self.work += self.N * self.pos.size
        self.D = Dn
        self.x[s:e] = self.x[s:e] + d

    def x_out(self):
        """``x`` in the caller's coordinate order."""
        return self.xp.take(self.x, self.xp.asarray(self.src), axis=0)

    def pad_host(self, v: np.ndarray, fill: float) -> np.ndarray:
        """A host vector of the caller's order in slot order (``fill`` in the padding)."""
        out = np.full(self.nb * self.tm, fill)
        out[self.pos] = v[self.coords]
        return out


class _Reg:
    """``alpha ||x||_1 + indicator(lo <= x <= hi)`` on device arrays (as :mod:`._reg`)."""

    def __init__(self, xp, alpha, smooth, bounded):
        self.xp, self.alpha, self.smooth, self.bounded = xp, alpha, smooth, bounded

    def step(self, x, g, L, lo, hi):
        xp, v = self.xp, x - g / L
        if self.smooth:
            return v - x
        u = v
        if self.alpha:
            u = xp.sign(v) * xp.maximum(xp.abs(v) - self.alpha / L, 0.0)
        if self.bounded:
            u = xp.minimum(xp.maximum(u, lo), hi)
        return u - x

    def progress(self, x, g, L, lo, hi):
        xp = self.xp
        d = self.step(x, g, L, lo, hi)
        p = -(g * d + 0.5 * L * d * d)
        if self.alpha:
            p = p - self.alpha * (xp.abs(x + d) - xp.abs(x))
        return xp.maximum(p, 0.0)

    def value(self, x) -> float:
        return self.alpha * float(self.xp.sum(self.xp.abs(x))) if self.alpha else 0.0

    def opt_measure(self, x, g, lo, hi) -> float:
        return float(self.xp.max(self.xp.abs(self.step(x, g, 1.0, lo, hi))))

    def active(self, x, lo, hi):
        xp = self.xp
        act = xp.zeros(x.shape, dtype=xp.bool)
        if self.alpha:
            act = act | (x == 0)
        if self.bounded:
            act = act | (x <= lo) | (x >= hi)
        return act


def _layout(blocks, n):
    """Slot order: block ``i`` in slots ``i tm .. i tm + |b_i| - 1``; ``perm[slot]`` is the
    coordinate there (``-1`` for padding)."""
    nb, tm = len(blocks), max(b.size for b in blocks)
    perm = np.full(nb * tm, -1, np.int64)
    for i, b in enumerate(blocks):
        perm[i * tm:i * tm + b.size] = b
    return perm, nb, tm


def _host_bounds(fun, bounds, n):
    """``(alpha, lo, hi)`` on the host from the wrappers and ``bounds=`` (as the host path)."""
    from . import _bounds_arrays

    _, alpha, lo, hi = fun.parts() if isinstance(fun, _Composite) else (fun, 0.0, None, None)
    lo = np.full(n, -np.inf) if lo is None else np.broadcast_to(
        np.asarray(to_numpy(lo), float), (n,)).copy()
    hi = np.full(n, np.inf) if hi is None else np.broadcast_to(
        np.asarray(to_numpy(hi), float), (n,)).copy()
    blo, bhi = _bounds_arrays(bounds, n)
    if blo is not None:
        lo, hi = np.maximum(lo, blo), np.minimum(hi, bhi)
    return float(alpha), lo, hi


def _constants(xp, smooth, opts, n):
    """Host ``L_i`` (``_positive``), the partition and the Gershgorin ``d_i`` when needed."""
    A = smooth.A if smooth.A.dtype == xp.float64 else xp.astype(smooth.A, xp.float64)
    curv, l2 = float(smooth._curv), float(smooth.l2)
    L = _positive(curv * np.asarray(to_numpy(xp.sum(A * A, axis=0)), float) + l2)
    if isinstance(opts.partition, (list, tuple)):
        blocks = check_partition(opts.partition, n)
    else:
        blocks = fixed_blocks(opts.partition, L, opts.block_size)
    dG = None
    if opts.selection == "gsd" or max(b.size for b in blocks) > 300:
        Aa = xp.abs(A)
        row = Aa.T @ (Aa @ xp.ones((n,), dtype=A.dtype))
        dG = _positive(curv * np.asarray(to_numpy(row), float) + l2)
    return L, blocks, dG


def _block_lipschitz(model, blocks, L, dG, curv, l2) -> np.ndarray:
    """``L_b = lambda_max(c A_b^T A_b + l2 I)`` per block (host ``eigvalsh`` on ``tau x tau``
    matrices formed on the device by one batched product; a Gershgorin bound over 300)."""
    xp, nb, tm = model.xp, model.nb, model.tm
    H = None
    if tm <= 300:
        Ab = xp.permute_dims(xp.reshape(model.A, (model.N, nb, tm)), (1, 2, 0))
        H = np.asarray(to_numpy(Ab @ xp.permute_dims(Ab, (0, 2, 1))))
    out = np.empty(nb)
    for i, b in enumerate(blocks):
        m = b.size
        if m == 1:
            out[i] = L[b[0]]
            continue
        if m > 300:
            Lb = float(np.max(dG[b]))
        else:
            if H is None:
                Ai = model.A[:, i * tm:i * tm + m]
                Hb = np.asarray(to_numpy(Ai.T @ Ai))
            else:
                Hb = H[i, :m, :m]
            Lb = _lam_max(curv * Hb + l2 * np.eye(m))
        out[i] = Lb if Lb > 0 else 1.0
    return out


class _Rule:
    """Selection among the fixed blocks (as :meth:`._rules.Selector._fixed`)."""

    def __init__(self, opts, model, reg, Lb, dG, rng):
        self.rule, self.rng, self.nb, self.Lb = opts.selection, rng, model.nb, Lb
        self.model, self.reg = model, reg
        tm, xp = model.tm, model.xp
        Lb_coord = np.repeat(Lb, tm)  # the block's L_b in each of its slots
        self.Lg = xp.asarray(Lb_coord)
        self.dG = None if dG is None else xp.asarray(model.pad_host(dG, 1.0))

    def _coord_scores(self, g, x):
        reg, rule, m = self.reg, self.rule, self.model
        if reg.smooth:
            if rule == "gs":
                return g * g
            return g * g / (self.dG if rule == "gsd" else self.Lg)
        if rule == "gs":
            s = reg.step(x, g, 1.0, m.lo, m.hi)
            return s * s
        return reg.progress(x, g, self.dG if rule == "gsd" else self.Lg, m.lo, m.hi)

    def select(self, k: int) -> int:
        """Block index, ``-1`` when every greedy score is zero."""
        if self.rule == "cyclic":
            return k % self.nb
        if self.rule == "random":
            return int(self.rng.integers(self.nb))
        if self.rule == "lipschitz":
            return int(self.rng.choice(self.nb, p=self.Lb / self.Lb.sum()))
        m, xp = self.model, self.model.xp
        v = self._coord_scores(m.g, m.x)
        scores = np.asarray(to_numpy(xp.sum(xp.reshape(v, (self.nb, m.tm)), axis=1)))
        bi = int(np.argmax(scores))
        return bi if scores[bi] > 0 else -1


def minimize_bcd_device(fun, x0, xp, opts, bounds, rng, notify) -> OptimizeResult:
    """:func:`~numsolve.optimize.bcd.minimize_bcd` on array-API data (module notes)."""
    smooth = _smooth_part(fun)
    n = int(smooth.dim)
    object.__setattr__(opts, "block_size", min(opts.block_size or 5, n))
    if int(x0.shape[0]) != n:
        raise ValueError(f"x0 has {int(x0.shape[0])} elements, the objective has {n}")
    alpha, lo, hi = _host_bounds(fun, bounds, n)
    if np.any(lo > hi) or np.any(np.isnan(lo)) or np.any(np.isnan(hi)):
        raise ValueError("bounds must satisfy lower <= upper (no NaN)")
    bounded = bool(np.any(np.isfinite(lo)) or np.any(np.isfinite(hi)))
    smooth_g = alpha == 0.0 and not bounded
    check_device_options(opts, {"smooth": smooth_g})
    if not bool(xp.all(xp.isfinite(smooth.A))):
        raise ValueError("the data A contains NaN or inf")
    L, blocks, dG = _constants(xp, smooth, opts, n)
    perm, nb, tm = _layout(blocks, n)
    x0h = np.asarray(to_numpy(x0), dtype=np.float64).reshape(-1)
    model = _DeviceModel(xp, smooth, x0h, perm, nb, tm, lo, hi, alpha)
    reg = _Reg(xp, alpha, smooth_g, bounded)
    Lb = _block_lipschitz(model, blocks, L, dG, model.curv, model.l2)
    rule = _Rule(opts, model, reg, Lb, dG, as_rng(rng))
    if opts.selection in ("gs", "gsl", "gsd") or not smooth_g:
        model.keep_gradient()
    return _loop(model, reg, rule, opts, notify, xp)


def _loop(model, reg, rule, opts, notify, xp) -> OptimizeResult:
    """The loop of :func:`._run` (fixed blocks, gradient updates, no manifold switch)."""
    F = model.fval() + reg.value(model.x)
    hist, status, k = [F], None, 0
    act = None if reg.smooth else reg.active(model.x, model.lo, model.hi)
    changed_at = 0
    every = opts.check_every or max(1, -(-model.pos.size // opts.block_size))
    measure, tm = math.inf, model.tm
    while status is None:
        if k and k % max(every, 100) == 0:
            model.refresh()
        if model.full or k % every == 0:
            measure = reg.opt_measure(model.x, model.grad_full(), model.lo, model.hi)
            if not math.isfinite(measure) or not math.isfinite(F):
                status = NONFINITE
                break
            if measure <= opts.gtol:
                status = CONVERGED
                break
        if k >= opts.maxiter:
            status = MAXITER
            break
        bi = rule.select(k)
        if bi < 0:
            measure = reg.opt_measure(model.x, model.grad_full(), model.lo, model.hi)
            status = CONVERGED if measure <= opts.gtol else PRECISION_LOSS
            break
        s, e = bi * tm, (bi + 1) * tm
        d = reg.step(model.x[s:e], model.grad_block(bi), float(rule.Lb[bi]), model.lo[s:e],
                     model.hi[s:e])
        if not bool(xp.all(xp.isfinite(d))):
            status = NONFINITE
        else:
            model.step(bi, d)
        k += 1
        F = model.fval() + reg.value(model.x)
        hist.append(F)
        if act is not None:
            new = reg.active(model.x, model.lo, model.hi)
            if not bool(xp.all(new == act)):
                act, changed_at = new, k
        if status is None and notify is not None and notify(
                OptimizeResult(x=model.x_out(), fun=F, nit=k)):
            status = CALLBACK_STOP
    detail = {CONVERGED: "prox-gradient residual below gtol",
              PRECISION_LOSS: "every greedy score is zero while the prox-gradient residual "
                              "is above gtol",
              MAXITER: f"after {k} block iterations"}.get(status)
    return OptimizeResult(
        x=model.x_out(), fun=hist[-1], nit=k, success=status == CONVERGED, status=status,
        message=status_message(status, detail, kind="optimize"), f_history=np.array(hist),
        optimality=measure, work=int(model.work), block_size=opts.block_size,
        partition=opts.partition if isinstance(opts.partition, str) else "user",
        selection=opts.selection, update=opts.update, backend=backend_name(xp),
        active_set_iteration=None if reg.smooth else changed_at, switch_iteration=None)
