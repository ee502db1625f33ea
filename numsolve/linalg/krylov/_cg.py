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
from .._system import LinearSystem, check_maxiter, check_tolerances, host_scalars, prepare_system

__all__ = ["solve_cg", "solve_batch_cg", "cg_engine", "ArrayOps", "NumbaCSROps"]

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
    """
    k = B.shape[1]
    status = np.full(k, RUNNING)
    nit = np.zeros(k, dtype=np.int64)
    detail: dict[int, str] = {}
    atol = np.asarray(atol, dtype=np.float64)

    ops.set_active(np.arange(k))
    R, rr = ops.residual(B, X)
    rnorm = np.sqrt(rr)
    history = [rnorm.copy()]
    best_true = rnorm.copy()
    if not np.all(np.isfinite(rnorm)):
        bad = ~np.isfinite(rnorm)
        status[bad] = NONFINITE
    status[(status == RUNNING) & (rnorm <= atol)] = CONVERGED

    active = np.flatnonzero(status == RUNNING)
    ops.set_active(active)
    X_out = X
    if active.size < k:
        Xa, Ra, Ba = ops.take(X, active), ops.take(R, active), ops.take(B, active)
    else:
        Xa, Ra, Ba = X, R, B
    precond = ops.sys.psolve is not None
    norm_A = ops.norm_estimate()
    eps = float(ops.xp.finfo(ops.sys.dtype).eps)
    bnorm = np.sqrt(ops.dot(B, B))

    def finish(*groups):
        """Retire columns: groups of (local indices, status, detail). Returns kept indices."""
        nonlocal active, Xa, Ra, Ba, P, rz, tol_a
        retire = np.zeros(active.size, dtype=bool)
        for cols_local, code, msg in groups:
            cols_local = np.asarray(cols_local, dtype=np.int64)
            if not cols_local.size:
                continue
            retire[cols_local] = True
            cols = active[cols_local]
            status[cols] = code
            if msg is not None:
                for c in cols:
                    detail[int(c)] = msg
            if Xa is not X_out:
                ops.put(X_out, cols, ops.take(Xa, cols_local))
        keep = np.flatnonzero(~retire)
        if keep.size == active.size:
            return keep
        if keep.size:
            if Xa is X_out:  # first compaction: the remaining columns get their own arrays
                Xa = ops.take(Xa, active[keep])
            else:
                Xa = ops.take(Xa, keep)
            Ra, Ba = ops.take(Ra, keep), ops.take(Ba, keep)
            if P is not None:
                P = ops.take(P, keep)
            rz = rz[keep]
        active = active[keep]
        tol_a = atol[active]
        ops.set_active(active)
        return keep

    P = None
    rz = np.zeros(0)
    if active.size:
        Z = ops.psolve(Ra) if precond else Ra
        rz = ops.dot(Ra, Z) if precond else rr[active].copy()
        P = ops.copy(Z)
        if precond:
            bad = np.flatnonzero(~(rz > 0))
            finish((bad, BREAKDOWN, "the preconditioner M is not positive definite "
                    f"(r^T M r = {rz[bad[0]]:.3e} <= 0 at iteration 0)" if bad.size else None))

    it = 0
    tol_a = atol[active]
    hist_cols: list = []  # (active columns, residual norms) per iteration, expanded at the end
    # Plain CG without a callback: iterations with nothing to report run several at a time in
    # compiled code (identical arithmetic); control comes back here at the first event.
    fast = not precond and notify is None and getattr(ops, "supports_steps", False)
    while active.size and it < maxiter:
        pending = None
        if fast:
            budget = maxiter - it
            if true_residual_every:
                budget = min(budget, true_residual_every - it % true_residual_every)
            done, code, Qf, pqf, rrf, rz, hrows = ops.steps(Xa, Ra, P, rz, tol_a, budget)
            full = done - 1 if code == 0 else done
            for j in range(full):
                hist_cols.append((active, hrows[j].copy()))
            it += full
            nit[active] = it
            if code == 1:
                pending = (Qf, pqf)
            else:
                rr = rrf
        else:
            pending = ops.matmat_dot(P)
        if pending is not None:
            Q, pq = pending
            if not (pq > 0).all():
                bad = np.flatnonzero(~(pq > 0))
                nonfin = bad[~np.isfinite(pq[bad])]
                neg = bad[np.isfinite(pq[bad])]
                keep = finish(
                    (nonfin, NONFINITE, f"non-finite p^T A p at iteration {it + 1}"),
                    (neg, BREAKDOWN, "A is not positive definite (p^T A p = "
                     f"{pq[neg[0]] if neg.size else 0.0:.3e} <= 0 at iteration {it + 1})"),
                )
                if not active.size:
                    break
                Q, pq = ops.take(Q, keep), pq[keep]
            alpha = rz / pq
            rr = ops.update_xr(Xa, Ra, P, Q, alpha)
        it += 1
        nit[active] = it
        rnorm = np.sqrt(rr)
        hist_cols.append((active, rnorm))

        if not np.isfinite(rnorm).all():
            nonfin = np.flatnonzero(~np.isfinite(rnorm))
            keep = finish((nonfin, NONFINITE, f"non-finite residual at iteration {it}"))
            rnorm = rnorm[keep]
            if not active.size:
                break

        # true residual: periodically, and for the columns whose recursive residual claims
        # convergence (only those are replaced, so a column never depends on its neighbours)
        claim = rnorm <= tol_a
        periodic = bool(true_residual_every) and it % true_residual_every == 0
        if periodic or claim.any():
            Rt, rrt = ops.residual(Ba, Xa)
            tnorm = np.sqrt(rrt)
            if periodic:
                Ra = Rt
                rnorm = tnorm
                checked = np.ones(rnorm.size, dtype=bool)
                if norm_A is not None:
                    # below ~eps * (|A| |x| + |b|) no precision is left to gain
                    floor = 100 * eps * (norm_A * np.sqrt(ops.dot(Xa, Xa)) + bnorm[active])
                    claim = claim | (tnorm <= floor)
            else:
                sel = np.flatnonzero(claim)
                ops.put(Ra, sel, ops.take(Rt, sel))
                rnorm = rnorm.copy()
                rnorm[sel] = tnorm[sel]
                checked = claim
            hist_cols[-1] = (active, rnorm.copy())
            done = np.flatnonzero(checked & (tnorm <= tol_a))
            stalled = np.flatnonzero(claim & (tnorm > tol_a) & (tnorm >= 0.9 * best_true[active]))
            best_true[active] = np.where(checked, np.minimum(best_true[active], tnorm),
                                         best_true[active])
            keep = finish(
                (done, CONVERGED, None),
                (stalled, PRECISION_LOSS, "true residual stagnated at "
                 f"{tnorm[stalled[0]] if stalled.size else 0.0:.3e} above the tolerance "
                 f"{tol_a[stalled[0]] if stalled.size else 0.0:.3e}"),
            )
            rnorm = rnorm[keep]

        if notify is not None:
            if Xa is not X_out and active.size:
                ops.put(X_out, active, Xa)
            xk = X_out[:, 0] if vector_output else X_out
            last = hist_cols[-1][1]
            last = last[np.isfinite(last)]
            inter = OptimizeResult(x=xk, nit=it,
                                   residual_norm=float(last.max()) if last.size else np.nan)
            if notify(inter):
                finish((np.arange(active.size), CALLBACK_STOP, None))
                break
        if not active.size:
            break

        if precond:
            Z = ops.psolve(Ra)
            rz_new = ops.dot(Ra, Z)
            if not (rz_new > 0).all():
                bad = np.flatnonzero(~(rz_new > 0))
                keep = finish((bad, BREAKDOWN, "the preconditioner M is not positive definite "
                               f"(r^T M r = {rz_new[bad[0]]:.3e} <= 0 at iteration {it})"))
                if not active.size:
                    break
                Z, rz_new = ops.take(Z, keep), rz_new[keep]
        else:
            Z = Ra
            rz_new = rnorm * rnorm
        beta = rz_new / rz
        P = ops.update_p(P, Z, beta)
        rz = rz_new

    for cols, vals in hist_cols:
        row = np.full(k, np.nan)
        row[cols] = vals
        history.append(row)
    if active.size:
        finish((np.arange(active.size), MAXITER, None))
    return {"status": status, "nit": nit, "history": history, "detail": detail}


# --------------------------------------------------------------------------------------------
# drivers
# --------------------------------------------------------------------------------------------
def _atol_for(system: LinearSystem, rtol: float, atol: float) -> np.ndarray:
    bnorm = host_scalars(system.xp.linalg.vector_norm(system.b, axis=0), system.xp)
    return np.maximum(atol, rtol * bnorm)


def _run(system, ops, rtol, atol, maxiter, callback, true_residual_every, group_size=None,
         threads=None):
    rtol, atol = check_tolerances(rtol, atol)
    maxiter = check_maxiter(maxiter, 10 * system.n)
    if not isinstance(true_residual_every, (int, np.integer)) or true_residual_every < 0:
        raise ValueError(
            f"true_residual_every must be a non-negative integer, got {true_residual_every!r}"
        )
    tol = _atol_for(system, rtol, atol)
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
        return X, out, maxiter

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
    return X, {"status": status, "nit": nit, "history": list(hist), "detail": detail}, maxiter


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


def solve_cg(
    A,
    b,
    x0=None,
    *,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M=None,
    callback=None,
    true_residual_every: int = 50,
    use_numba: bool | None = None,
    check_finite: bool = True,
) -> SolveResult:
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
    X, out, _ = _run(system, ops, rtol, atol, maxiter, callback, true_residual_every)
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


def solve_batch_cg(
    A,
    B,
    X0=None,
    *,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M=None,
    callback=None,
    true_residual_every: int = 50,
    use_numba: bool | None = None,
    group_size: int | None = None,
    threads: int | None = None,
    check_finite: bool = True,
) -> SolveResult:
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
    if group_size is not None and (
        not isinstance(group_size, (int, np.integer)) or group_size < 1
    ):
        raise ValueError(f"group_size must be a positive integer, got {group_size!r}")
    ops = make_ops(system, use_numba=use_numba)
    X, out, _ = _run(system, ops, rtol, atol, maxiter, callback, true_residual_every,
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
