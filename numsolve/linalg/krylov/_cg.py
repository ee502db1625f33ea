"""Preconditioned conjugate gradients: single and batched right-hand sides.

One engine (:func:`cg_engine`) runs ``k`` independent CG recurrences on an ``(n, k)`` block; the
expensive operations go through an *ops* object, so the same engine drives

* :class:`NumbaCSROps` - fused Numba kernels on host CSR matrices (one pass over ``A`` per
  iteration for all columns, reductions fused into the vector updates), and
* :class:`ArrayOps` - generic array-API code for NumPy dense/``LinearOperator`` input, CuPy
  arrays and ``cupyx`` sparse matrices, and any other array-API namespace.

Semantics follow :func:`scipy.sparse.linalg.cg`: converged when
``norm(b - A @ x) <= max(rtol * norm(b), atol)``; ``maxiter`` defaults to ``10 * n``; ``M``
approximates ``A^{-1}``. Beyond SciPy: the true residual is recomputed every
``true_residual_every`` iterations and whenever the recursive residual claims convergence
(guarding float32 drift), non-positive curvature ``p^T A p <= 0`` (A not SPD) or ``r^T M r <= 0``
(M not SPD) is reported as a breakdown, and NaN/inf stop the run with a clear status.
"""

from __future__ import annotations

import copy
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..._checks import check_int, check_maxiter, check_tolerances
from ..._result import OptimizeResult, SolveResult, wrap_callback
from ..._status import (
    BREAKDOWN,
    CALLBACK_STOP,
    CONVERGED,
    MAXITER,
    NONFINITE,
    PRECISION_LOSS,
    batch_message,
    status_message,
)
from .._system import LinearSystem, host_scalars, prepare_system

__all__ = ["solve_cg", "solve_batch_cg", "cg_engine", "check_engine_args", "ArrayOps",
           "NumbaCSROps"]

RUNNING = -1  # internal: a column still iterating


# --------------------------------------------------------------------------------------------
# ops: the expensive operations, per backend
# --------------------------------------------------------------------------------------------
class ArrayOps:
    """Generic array-API implementation of the CG building blocks."""

    name = "array"

    def __init__(self, system: LinearSystem):
        self.sys = system
        self.xp = system.xp
        self.complex = bool(self.xp.isdtype(system.dtype, "complex floating"))
        self.backend = system.backend

    def _dot(self, U, V):
        xp = self.xp
        prod = xp.conj(U) * V if self.complex else U * V
        s = xp.sum(prod, axis=0)
        return host_scalars(xp.real(s) if self.complex else s, xp)

    def copy(self, X):
        return self.xp.asarray(X, copy=True)

    def zeros(self, shape):
        return self.xp.zeros(shape, dtype=self.sys.dtype)

    def take(self, X, cols):
        return self.xp.take(X, self.xp.asarray(cols), axis=1)

    def put(self, X_out, cols, X):
        for j, c in enumerate(cols):
            X_out[:, int(c)] = X[:, j]

    def residual(self, B, X):
        R = B - self.sys.matmat(X)
        return R, self._dot(R, R)

    def matmat_dot(self, P):
        Q = self.xp.asarray(self.sys.matmat(P))
        return Q, self._dot(P, Q)

    def _scal(self, v):
        return self.xp.asarray(v, dtype=self.sys.dtype)

    def update_xr(self, X, R, P, Q, alpha):
        a = self._scal(alpha)
        X += a * P
        R -= a * Q
        return self._dot(R, R)

    def dot(self, U, V):
        return self._dot(U, V)

    def update_p(self, P, Z, beta):
        return Z + self._scal(beta) * P

    def psolve(self, R):
        return self.xp.asarray(self.sys.psolve(R))

    def set_active(self, active):
        """Columns still iterating (operators that differ per column need this)."""

    def norm_estimate(self):
        """Frobenius norm of ``A`` (an upper bound of its 2-norm) or None when unknown."""
        sys_ = self.sys
        if sys_.kind == "dense":
            return float(host_scalars(self.xp.sqrt(self.xp.sum(self.xp.abs(sys_.A) ** 2)),
                                      self.xp)[0])
        if sys_.kind == "sparse":
            data = sys_.A.data
            xp = self.xp
            return float(host_scalars(xp.sqrt(xp.sum(xp.abs(xp.asarray(data)) ** 2)), xp)[0])
        return None

    def fork(self):
        """A copy safe to use from another thread (own scratch buffers)."""
        twin = copy.copy(self)
        twin._qbuf = {}
        return twin


class NumbaCSROps(ArrayOps):
    """Fused Numba kernels for host CSR matrices (float32/float64)."""

    name = "numba"

    def __init__(self, system: LinearSystem, csr):
        super().__init__(system)
        from . import _cg_kernels as K

        self.K = K
        self.indptr, self.indices, self.data = csr
        self.backend = "numba"
        self._qbuf: dict[tuple, np.ndarray] = {}
        # one right-hand side (solve): unit-stride 1-D kernels (SpMV fused with p.q); batches
        # keep the block kernels even for single columns, so grouping never changes results
        self._one = system.vector_input and system.k == 1

    def _buffer(self, shape):
        # Q is only used within one iteration: reuse its memory (fresh allocations of large
        # arrays cost page faults every iteration).
        buf = self._qbuf.get(shape)
        if buf is None:
            buf = self._qbuf[shape] = np.empty(shape, dtype=self.sys.dtype)
        return buf

    def copy(self, X):
        return np.ascontiguousarray(X).copy()

    def zeros(self, shape):
        return np.zeros(shape, dtype=self.sys.dtype)

    def take(self, X, cols):
        return np.ascontiguousarray(X[:, cols])

    def residual(self, B, X):
        R = np.empty_like(X)
        rr = np.empty(X.shape[1])
        if self._one:
            rr[0] = self.K.csr_residual1(self.indptr, self.indices, self.data, B.reshape(-1),
                                         X.reshape(-1), R.reshape(-1))
            return R, rr
        self.K.csr_residual_colnorm(self.indptr, self.indices, self.data, B, X, R, rr)
        return R, rr

    def matmat_dot(self, P):
        pq = np.empty(P.shape[1])
        Q = self._buffer(P.shape)
        if self._one:
            pq[0] = self.K.csr_spmv_dot1(self.indptr, self.indices, self.data, P.reshape(-1),
                                         Q.reshape(-1))
            return Q, pq
        self.K.csr_spmm_coldot(self.indptr, self.indices, self.data, P, Q, pq)
        return Q, pq

    #: plain CG iterations can run several at a time in one compiled call (:meth:`steps`)
    supports_steps = True

    def steps(self, X, R, P, rz, tol, max_steps):
        """Up to ``max_steps`` unpreconditioned iterations in Numba (see ``cg_steps_block``).

        Returns ``(done, code, Q, pq, rr, rz, hist)``.
        """
        g = P.shape[1]
        hist = np.empty((max_steps, g))
        Q = self._buffer(P.shape)
        rz = np.array(rz, dtype=np.float64)
        tol = np.ascontiguousarray(tol, dtype=np.float64)
        if self._one:
            buf = np.zeros(2)
            done, code = self.K.cg_steps1(self.indptr, self.indices, self.data, X.reshape(-1),
                                          R.reshape(-1), P.reshape(-1), Q.reshape(-1), rz, tol,
                                          max_steps, hist, buf)
            return done, code, Q, buf[1:2].copy(), buf[:1].copy(), rz, hist
        pq = np.empty(g)
        rr = np.empty(g)
        done, code = self.K.cg_steps_block(self.indptr, self.indices, self.data, X, R, P, Q, rz,
                                           tol, max_steps, hist, pq, rr)
        return done, code, Q, pq, rr, rz, hist

    def update_xr(self, X, R, P, Q, alpha):
        if self._one:
            a = self._scalar(alpha[0])
            return np.array([self.K.update_xr1(X.reshape(-1), R.reshape(-1), P.reshape(-1),
                                               Q.reshape(-1), a)])
        rr = np.empty(X.shape[1])
        self.K.update_xr_colnorm(X, R, P, Q, np.ascontiguousarray(alpha, dtype=np.float64), rr)
        return rr

    def dot(self, U, V):
        U, V = np.ascontiguousarray(U), np.ascontiguousarray(V)
        if self._one:
            return np.array([self.K.dot1(U.reshape(-1), V.reshape(-1))])
        out = np.empty(U.shape[1])
        self.K.coldot(U, V, out)
        return out

    def update_p(self, P, Z, beta):
        Z = np.ascontiguousarray(Z)
        if self._one:
            self.K.update_p1(P.reshape(-1), Z.reshape(-1), self._scalar(beta[0]))
            return P
        self.K.update_p(P, Z, np.ascontiguousarray(beta, dtype=np.float64))
        return P

    def _scalar(self, v):
        return np.dtype(self.sys.dtype).type(v)

    def psolve(self, R):
        Z = np.asarray(self.sys.psolve(R), dtype=self.sys.dtype)
        if Z.shape != R.shape:
            raise ValueError(f"preconditioner M returned shape {Z.shape}; expected {R.shape}")
        return np.ascontiguousarray(Z)


def make_ops(system: LinearSystem, *, use_numba: bool | None = None) -> ArrayOps:
    """Pick the fastest ops implementation for ``system``."""
    csr = system.numba_csr if use_numba in (None, True) else None
    if csr is not None:
        return NumbaCSROps(system, csr)
    if use_numba:
        raise ValueError("use_numba=True needs a host (NumPy/SciPy) CSR matrix in float32/float64")
    return ArrayOps(system)


# --------------------------------------------------------------------------------------------
# the engine
# --------------------------------------------------------------------------------------------
class _Columns:
    """The state of a CG run on the columns of an ``(n, k)`` block.

    Per column of the batch: ``status`` (``RUNNING`` while iterating), ``nit``, ``detail``
    messages and the best true residual norm seen. The columns still iterating, ``active``
    (indices into the batch), have their own compact blocks ``X``, ``R``, ``B``, ``P`` and the
    per-column ``rz = r^H z`` and ``tol``; ``X`` is the output block ``X_out`` itself until a
    column first retires.
    """

    def __init__(self, ops: ArrayOps, B, X, atol):
        k = B.shape[1]
        self.ops, self.X_out = ops, X
        self.atol = np.asarray(atol, dtype=np.float64)
        self.status = np.full(k, RUNNING)
        self.nit = np.zeros(k, dtype=np.int64)
        self.detail: dict[int, str] = {}
        self.rows: list = []  # (active columns, residual norms) per iteration
        self.active = np.arange(k)
        self.X, self.B, self.R, self.P = X, B, None, None
        self.rz, self.tol = None, self.atol
        self.best_true = None  # per column: the smallest true residual norm seen
        # for the precision floor of the true-residual check: |A| (when known), eps, |b|
        self.norm_A = ops.norm_estimate()
        self.eps = float(ops.xp.finfo(ops.sys.dtype).eps)
        self.bnorm = np.sqrt(ops.dot(B, B))

    def retire(self, *groups) -> np.ndarray:
        """End columns: ``groups`` of (indices into ``active``, status, detail or None).

        Their iterates go to ``X_out``; the working blocks keep the other columns. Returns the
        indices (into the old ``active``) of the columns kept.
        """
        ops = self.ops
        retired = np.zeros(self.active.size, dtype=bool)
        for local, code, msg in groups:
            local = np.asarray(local, dtype=np.int64)
            if not local.size:
                continue
            retired[local] = True
            cols = self.active[local]
            self.status[cols] = code
            if msg is not None:
                for c in cols:
                    self.detail[int(c)] = msg
            if self.X is not self.X_out:
                ops.put(self.X_out, cols, ops.take(self.X, local))
        keep = np.flatnonzero(~retired)
        if keep.size == self.active.size:
            return keep
        if keep.size:
            # the first compaction gives the remaining columns arrays of their own
            self.X = ops.take(self.X, self.active[keep] if self.X is self.X_out else keep)
            self.R, self.B = ops.take(self.R, keep), ops.take(self.B, keep)
            if self.P is not None:
                self.P, self.rz = ops.take(self.P, keep), self.rz[keep]
        self.active = self.active[keep]
        self.tol = self.atol[self.active]
        ops.set_active(self.active)
        return keep

    def retire_all(self, code: int) -> None:
        self.retire((np.arange(self.active.size), code, None))

    def record(self, rnorm) -> None:
        """This iteration's residual norms of the active columns (the history's next row)."""
        self.rows.append((self.active, rnorm))

    def outcome(self, r0norm) -> dict[str, Any]:
        history = [r0norm]
        for cols, vals in self.rows:
            row = np.full(self.status.size, np.nan)
            row[cols] = vals
            history.append(row)
        return {"status": self.status, "nit": self.nit, "history": history,
                "detail": self.detail}


def _initial_residual(run: _Columns):
    """``r_0 = b - A x_0``; columns non-finite or already converged end here.

    Returns ``(||r_0||^2, ||r_0||)`` of all columns.
    """
    ops = run.ops
    ops.set_active(run.active)
    run.R, rr = ops.residual(run.B, run.X)
    rnorm = np.sqrt(rr)
    run.best_true = rnorm.copy()
    finite = np.isfinite(rnorm)
    run.retire((np.flatnonzero(~finite), NONFINITE, None),
               (np.flatnonzero(finite & (rnorm <= run.atol)), CONVERGED, None))
    return rr, rnorm


def _retire_if_M_not_spd(run: _Columns, rz, it: int):
    """Columns with ``r^H M r <= 0`` (or NaN) end with a breakdown; returns the kept indices."""
    bad = np.flatnonzero(~(rz > 0))
    if not bad.size:
        return None
    return run.retire((bad, BREAKDOWN, "the preconditioner M is not positive definite "
                       f"(r^T M r = {rz[bad[0]]:.3e} <= 0 at iteration {it})"))


def _first_direction(run: _Columns, rr, precond: bool) -> None:
    """``z_0 = M r_0``, ``p_0 = z_0``, ``rz_0 = r_0^H z_0``."""
    ops = run.ops
    Z = ops.psolve(run.R) if precond else run.R
    run.rz = ops.dot(run.R, Z) if precond else rr[run.active].copy()
    run.P = ops.copy(Z)
    if precond:
        _retire_if_M_not_spd(run, run.rz, 0)


def _compiled_steps(run: _Columns, it: int, maxiter: int, every: int):
    """Unpreconditioned iterations run in compiled code up to the next event (see
    :meth:`NumbaCSROps.steps`). Returns ``(it, pending, rr)``: the iterations fully done, the
    pending ``(A p, p^H A p)`` of an iteration that met bad curvature (else None) and the
    squared residual norms of the last iteration."""
    budget = maxiter - it
    if every:
        budget = min(budget, every - it % every)
    done, code, Q, pq, rr, run.rz, hist = run.ops.steps(run.X, run.R, run.P, run.rz, run.tol,
                                                        budget)
    full = done - 1 if code == 0 else done  # the caller counts and records the last one
    for j in range(full):
        run.record(hist[j].copy())
    it += full
    run.nit[run.active] = it
    return it, ((Q, pq) if code == 1 else None), rr


def _cg_update(run: _Columns, Q, pq, it: int):
    """``alpha = rz / p^H A p``, ``x += alpha p``, ``r -= alpha A p``; columns with
    non-positive or non-finite curvature end first. Returns ``||r||^2`` (None: no column left)."""
    ops = run.ops
    if not (pq > 0).all():
        bad = np.flatnonzero(~(pq > 0))
        nonfin, neg = bad[~np.isfinite(pq[bad])], bad[np.isfinite(pq[bad])]
        keep = run.retire(
            (nonfin, NONFINITE, f"non-finite p^T A p at iteration {it + 1}"),
            (neg, BREAKDOWN, "A is not positive definite (p^T A p = "
             f"{pq[neg[0]] if neg.size else 0.0:.3e} <= 0 at iteration {it + 1})"),
        )
        if not run.active.size:
            return None
        Q, pq = ops.take(Q, keep), pq[keep]
    alpha = run.rz / pq
    return ops.update_xr(run.X, run.R, run.P, Q, alpha)


def _true_residual_check(run: _Columns, rnorm, it: int, periodic: bool):
    """Recompute ``b - A x`` for the columns whose recursive residual claims convergence (only
    those residuals are replaced, so a column never depends on its neighbours), or for all of
    them when ``periodic``. Columns converge on the true residual, or end with a precision loss
    when it stagnates above the tolerance. Returns the residual norms of the columns kept."""
    ops, tol = run.ops, run.tol
    claim = rnorm <= tol
    if not (periodic or claim.any()):
        return rnorm
    Rt, rrt = ops.residual(run.B, run.X)
    tnorm = np.sqrt(rrt)
    if periodic:
        run.R, rnorm = Rt, tnorm
        checked = np.ones(rnorm.size, dtype=bool)
        if run.norm_A is not None:
            # below ~eps * (|A| |x| + |b|) no precision is left to gain
            floor = 100 * run.eps * (run.norm_A * np.sqrt(ops.dot(run.X, run.X))
                                     + run.bnorm[run.active])
            claim = claim | (tnorm <= floor)
    else:
        sel = np.flatnonzero(claim)
        ops.put(run.R, sel, ops.take(Rt, sel))
        rnorm = rnorm.copy()
        rnorm[sel] = tnorm[sel]
        checked = claim
    run.rows[-1] = (run.active, rnorm.copy())
    best = run.best_true[run.active]
    done = np.flatnonzero(checked & (tnorm <= tol))
    stalled = np.flatnonzero(claim & (tnorm > tol) & (tnorm >= 0.9 * best))
    run.best_true[run.active] = np.where(checked, np.minimum(best, tnorm), best)
    keep = run.retire(
        (done, CONVERGED, None),
        (stalled, PRECISION_LOSS, "true residual stagnated at "
         f"{tnorm[stalled[0]] if stalled.size else 0.0:.3e} above the tolerance "
         f"{tol[stalled[0]] if stalled.size else 0.0:.3e}"),
    )
    return rnorm[keep]


def _report(run: _Columns, notify, it: int, vector_output: bool) -> bool:
    """Call the user's callback with the current iterates; True when it asks to stop."""
    if run.X is not run.X_out and run.active.size:
        run.ops.put(run.X_out, run.active, run.X)
    xk = run.X_out[:, 0] if vector_output else run.X_out
    last = run.rows[-1][1]
    last = last[np.isfinite(last)]
    inter = OptimizeResult(x=xk, nit=it, residual_norm=float(last.max()) if last.size else np.nan)
    if notify(inter):
        run.retire_all(CALLBACK_STOP)
        return True
    return False


def _next_direction(run: _Columns, rnorm, precond: bool, it: int) -> bool:
    """``z = M r``, ``beta = (r^H z) / rz``, ``p = z + beta p``; False when no column is left
    (M not positive definite for all of them)."""
    ops = run.ops
    if precond:
        Z = ops.psolve(run.R)
        rz_new = ops.dot(run.R, Z)
        keep = _retire_if_M_not_spd(run, rz_new, it)
        if keep is not None:
            if not run.active.size:
                return False
            Z, rz_new = ops.take(Z, keep), rz_new[keep]
    else:
        Z = run.R
        rz_new = rnorm * rnorm
    beta = rz_new / run.rz
    run.P = ops.update_p(run.P, Z, beta)
    run.rz = rz_new
    return True


def cg_engine(
    ops: ArrayOps,
    B,
    X,
    atol: np.ndarray,
    maxiter: int,
    *,
    notify=None,
    true_residual_every: int = 50,
    vector_output: bool = False,
) -> dict[str, Any]:
    """Run independent (preconditioned) CG recurrences on the columns of ``B``.

    ``X`` (modified in place, the initial guess on entry) and ``B`` are ``(n, k)`` blocks;
    ``atol`` holds each column's absolute tolerance. Returns per-column ``status``, ``nit``,
    ``history`` (list of per-iteration residual-norm arrays) and a ``detail`` message.

    Per column this is the standard preconditioned CG (Hestenes-Stiefel):
    ``r_0 = b - A x_0, z_0 = M r_0, p_0 = z_0``, then for ``i = 0, 1, ...``:
    ``alpha_i = r_i^H z_i / p_i^H A p_i``, ``x_{i+1} = x_i + alpha_i p_i``,
    ``r_{i+1} = r_i - alpha_i A p_i``, (convergence test), ``z_{i+1} = M r_{i+1}``,
    ``beta_i = r_{i+1}^H z_{i+1} / r_i^H z_i``, ``p_{i+1} = z_{i+1} + beta_i p_i``.
    """
    run = _Columns(ops, B, X, atol)
    precond = ops.sys.psolve is not None
    rr, r0norm = _initial_residual(run)  # r_0 = b - A x_0
    if run.active.size:
        _first_direction(run, rr, precond)  # z_0 = M r_0, p_0 = z_0
    it = 0
    # Plain CG without a callback: iterations with nothing to report run several at a time in
    # compiled code (identical arithmetic); control comes back here at the first event.
    fast = not precond and notify is None and getattr(ops, "supports_steps", False)
    while run.active.size and it < maxiter:
        pending = None
        if fast:
            it, pending, rr = _compiled_steps(run, it, maxiter, true_residual_every)
        else:
            pending = ops.matmat_dot(run.P)  # A p_i and p_i^H A p_i
        if pending is not None:
            rr = _cg_update(run, *pending, it)  # x_{i+1}, r_{i+1}
            if rr is None:
                break
        it += 1
        run.nit[run.active] = it
        rnorm = np.sqrt(rr)
        run.record(rnorm)
        if not np.isfinite(rnorm).all():
            keep = run.retire((np.flatnonzero(~np.isfinite(rnorm)), NONFINITE,
                               f"non-finite residual at iteration {it}"))
            rnorm = rnorm[keep]
            if not run.active.size:
                break
        periodic = bool(true_residual_every) and it % true_residual_every == 0
        rnorm = _true_residual_check(run, rnorm, it, periodic)
        if notify is not None and _report(run, notify, it, vector_output):
            break
        if not run.active.size or not _next_direction(run, rnorm, precond, it):
            break  # z_{i+1} = M r_{i+1}, p_{i+1} = z_{i+1} + beta_i p_i
    if run.active.size:
        run.retire_all(MAXITER)
    return run.outcome(r0norm.copy())


# --------------------------------------------------------------------------------------------
# drivers
# --------------------------------------------------------------------------------------------
def _atol_for(system: LinearSystem, rtol: float, atol: float) -> np.ndarray:
    bnorm = host_scalars(system.xp.linalg.vector_norm(system.b, axis=0), system.xp)
    return np.maximum(atol, rtol * bnorm)


def check_engine_args(system: LinearSystem, rtol, atol, maxiter, true_residual_every):
    """Validate the engine's arguments; returns each column's absolute tolerance
    ``max(atol, rtol * norm(b))``, ``maxiter`` (default ``10 n``) and ``true_residual_every``."""
    rtol, atol = check_tolerances(rtol, atol)
    maxiter = check_maxiter(maxiter, 10 * system.n)
    every = check_int("true_residual_every", true_residual_every, low=0)
    return _atol_for(system, rtol, atol), maxiter, every


def _run(system, ops, rtol, atol, maxiter, callback, true_residual_every, group_size=None,
         threads=None):
    tol, maxiter, true_residual_every = check_engine_args(system, rtol, atol, maxiter,
                                                          true_residual_every)
    X = system.x0 if system.x0 is not None else ops.zeros((system.n, system.k))
    X = ops.copy(X) if isinstance(ops, NumbaCSROps) else X
    B = ops.copy(system.b) if isinstance(ops, NumbaCSROps) else system.b
    notify = wrap_callback(callback)
    k = system.k

    groups = [np.arange(k)]
    if notify is None and isinstance(ops, NumbaCSROps) and k > 1:
        g = group_size or _default_group_size(system.n, np.dtype(system.dtype).itemsize, k)
        groups = [np.arange(s, min(s + g, k)) for s in range(0, k, g)]
    if len(groups) == 1:
        out = cg_engine(ops, B, X, tol, maxiter, notify=notify,
                        true_residual_every=true_residual_every,
                        vector_output=system.vector_input)
        return X, out

    # Independent column groups sized for the cache, solved concurrently (kernels release the GIL).
    def solve_group(cols):
        Xg, Bg = np.ascontiguousarray(X[:, cols]), np.ascontiguousarray(B[:, cols])
        res = cg_engine(ops.fork(), Bg, Xg, tol[cols], maxiter,
                        true_residual_every=true_residual_every)
        return cols, Xg, res

    nthreads = threads or _default_threads()
    if nthreads > 1:
        with ThreadPoolExecutor(max_workers=min(nthreads, len(groups))) as pool:
            parts = list(pool.map(solve_group, groups))
    else:
        parts = [solve_group(c) for c in groups]
    status = np.empty(k, dtype=np.int64)
    nit = np.empty(k, dtype=np.int64)
    detail: dict[int, str] = {}
    depth = max(len(p[2]["history"]) for p in parts)
    hist = np.full((depth, k), np.nan)
    for cols, Xg, res in parts:
        X[:, cols] = Xg
        status[cols] = res["status"]
        nit[cols] = res["nit"]
        h = np.asarray(res["history"])
        hist[: h.shape[0], cols] = h
        for j, m in res["detail"].items():
            detail[int(cols[j])] = m
    return X, {"status": status, "nit": nit, "history": list(hist), "detail": detail}


def _default_threads() -> int:
    env = os.environ.get("NUMSOLVE_NUM_THREADS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS/Windows
        return max(1, os.cpu_count() or 1)


def _default_group_size(n: int, itemsize: int, k: int) -> int:
    """Columns per group so a group's five work vectors stay within a few MB of cache."""
    budget = 2 * 1024 * 1024  # bytes per (n, g) block
    g = max(1, budget // max(1, n * itemsize))
    return int(min(k, g, 64))


def _to_output(system: LinearSystem, X):
    xp = system.xp
    if isinstance(X, np.ndarray) and type(xp.asarray(X)) is not np.ndarray:  # pragma: no cover
        X = xp.asarray(X)
    return xp.reshape(X, (system.n,)) if system.vector_input else X


def solve_cg(A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
             true_residual_every: int = 50, use_numba: bool | None = None,
             check_finite: bool = True) -> SolveResult:
    """Preconditioned conjugate gradients for Hermitian positive definite ``A``.

    Called through ``numsolve.solve(A, b, method='cg', ...)``.

    Parameters
    ----------
    A : array, sparse matrix or LinearOperator, shape (n, n)
        Symmetric (Hermitian) positive definite.
    b : array, shape (n,)
    x0 : array, shape (n,), optional
        Initial guess (zeros by default). Never modified.
    rtol, atol : float
        Converged when ``norm(b - A @ x) <= max(rtol * norm(b), atol)`` (SciPy semantics).
    maxiter : int, optional
        Maximum iterations, default ``10 * n``.
    M : array, sparse matrix, LinearOperator or callable, optional
        Preconditioner approximating ``A^{-1}``; must be SPD.
    callback : callable, optional
        ``callback(intermediate_result)`` (an :class:`~numsolve.OptimizeResult` with ``x``,
        ``nit``, ``residual_norm``) or legacy ``callback(xk)``, once per iteration.

    Options
    -------
    true_residual_every : int, default 50
        Recompute ``b - A x`` every this many iterations (0 disables the periodic check; the
        check at claimed convergence always happens).
    use_numba : bool, optional
        Force (True) or forbid (False) the fused Numba CSR kernels; default: use them when
        ``A`` is a host sparse matrix in float32/float64.
    check_finite : bool, default True
        Reject NaN/inf in the inputs.

    Returns
    -------
    SolveResult
    """
    system = prepare_system(A, b, x0, M, check_finite=check_finite)
    ops = make_ops(system, use_numba=use_numba)
    X, out = _run(system, ops, rtol, atol, maxiter, callback, true_residual_every)
    st = int(out["status"][0])
    hist = np.asarray([h[0] for h in out["history"]])
    return SolveResult(
        x=_to_output(system, X),
        success=st == CONVERGED,
        status=st,
        message=status_message(st, out["detail"].get(0), kind="linear"),
        nit=int(out["nit"][0]),
        residual_norms=hist[np.isfinite(hist)] if hist.size else hist,
        backend=ops.backend,
        method="cg",
    )


def solve_batch_cg(A, B, X0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
                   true_residual_every: int = 50, use_numba: bool | None = None,
                   group_size: int | None = None, threads: int | None = None,
                   check_finite: bool = True) -> SolveResult:
    """Batched CG: one operator, many right-hand sides ``B`` of shape ``(n, k)``.

    Each column runs its own CG recurrence (own step sizes and convergence test, exactly as a
    separate :func:`solve_cg` call), but all columns share every product with ``A``: one
    sparse-matrix/dense-block product (SpMM) per iteration instead of ``k`` SpMVs. Converged
    columns are dropped from the working block. On host CSR matrices the columns are split
    into cache-sized groups solved concurrently by ``threads`` threads (the Numba kernels
    release the GIL); a column's iterates do not depend on the grouping.

    Options
    -------
    group_size : int, optional
        Columns per group (default: as many as keep a group's vectors within ~2 MB each).
    threads : int, optional
        Threads for the groups (default: the CPUs available, or ``NUMSOLVE_NUM_THREADS``).
    true_residual_every, use_numba, check_finite
        As for ``method='cg'`` in :func:`numsolve.solve`.
    """
    system = prepare_system(A, B, X0, M, block=True, check_finite=check_finite)
    group_size = check_int("group_size", group_size, low=1, allow_none=True)
    ops = make_ops(system, use_numba=use_numba)
    X, out = _run(system, ops, rtol, atol, maxiter, callback, true_residual_every,
                     group_size=group_size, threads=threads)
    status = np.asarray(out["status"])
    hist = np.asarray(out["history"])
    ok = status == CONVERGED
    msg = batch_message(status, out["detail"], label="column", kind="linear")
    X = system.xp.reshape(X, (system.n,)) if system.b.shape[1] == 1 and system.vector_input else X
    return SolveResult(
        x=X,
        success=ok,
        status=status,
        message=msg,
        nit=np.asarray(out["nit"]),
        residual_norms=hist,
        backend=ops.backend,
        method="cg",
    )
