"""Deflated (recycled) conjugate gradients for sequences of SPD systems.

def-CG (Saad, Yeung, Erhel & Guyomarc'h, "A deflated version of the conjugate gradient
algorithm", SISC 21, 2000; Alg. 3.6 with a preconditioner): given ``W`` (``n x k``, the recycle
space) the iteration keeps every search direction ``A``-orthogonal to ``W``,

* (2.5)  ``x0 = x_-1 + W E^{-1} W^T r_-1``,  ``E = W^T A W``  (so ``W^T r0 = 0``),
* (2.6)  ``p0 = z0 - W mu0``,  ``E mu0 = (AW)^T z0``,  ``z = M r``,
* (2.7)  ``p_{j+1} = z_{j+1} + beta_j p_j - W mu_{j+1}``,  ``E mu_{j+1} = (AW)^T z_{j+1}``,

so the eigenvalues whose eigenvectors ``W`` captures drop out of the convergence rate. After a
solve the next recycle space is extracted from ``Z = [W, P]`` (``P`` the first ``n_store``
search directions, ``AP`` their products) by *harmonic Ritz* projection (the RMINRES /
GCRO-DR choice, Wang, de Sturler & Paulino 2007; Parks et al. 2006):

* (R1)  ``G y = theta F y``,  ``F = Z^T A Z``,  ``G = (AZ)^T M (AZ)``,

keeping the ``k`` smallest ``theta`` (approximations of the smallest eigenvalues of ``M A``).
``M (A p_j)`` is free: ``A p_j = (r_j - r_{j+1}) / alpha_j`` so ``M A p_j = (z_j - z_{j+1}) /
alpha_j`` (the CG/Lanczos coefficients); only ``M (AW)`` costs ``k`` preconditioner applications.

All vector work is array-API code through :class:`~numsolve.linalg.krylov._common.VectorOps`,
so the iteration runs on NumPy, CuPy and any array-API namespace; the small ``k x k`` and
``(k + l) x (k + l)`` problems are solved on the host.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla

from ..._backend import is_array, to_numpy
from ..._checks import check_int
from ..._result import SolveResult, wrap_callback
from ..._status import BREAKDOWN, CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, PRECISION_LOSS
from ._common import (
    VectorOps,
    initial_outcome,
    kernel_stop,
    make_result,
    notify_stop,
    outcome,
    prepare_vector_problem,
)

__all__ = ["solve_defcg", "defcg_iterate", "Deflation", "harmonic_ritz", "check_recycle_k",
           "as_basis"]


def check_recycle_k(k: Any, n: int | None = None, name: str = "k") -> int:
    """Validate a recycle-space size: an int with ``0 <= k`` (and ``k < n`` when ``n`` is known)."""
    k = check_int(name, k, low=0)
    if n is not None and k >= n:
        raise ValueError(f"{name} must be smaller than the system size n={n}, got {k}")
    return k


def as_basis(ops: VectorOps, U, name: str = "U"):
    """``U`` as an ``(n, j)`` array of the working dtype in the system's namespace, or None."""
    if U is None:
        return None
    xp = ops.xp
    if not is_array(U):
        raise TypeError(f"{name} must be an array of shape (n, k), got {type(U).__name__}")
    U = xp.asarray(U)
    if U.ndim == 1:
        U = xp.reshape(U, (U.shape[0], 1))
    if U.ndim != 2 or U.shape[0] != ops.n:
        raise ValueError(f"{name} has shape {tuple(U.shape)}, expected (n, k) with n={ops.n}")
    if U.shape[1] == 0:
        return None
    if U.shape[1] >= ops.n:
        raise ValueError(f"{name} has {U.shape[1]} columns; at most n-1={ops.n - 1} allowed")
    U = xp.astype(U, ops.dtype, copy=True)
    if not ops.all_finite(U):
        raise ValueError(f"{name} contains NaN or inf")
    return U


def _host(v) -> np.ndarray:
    return np.asarray(to_numpy(v), dtype=np.float64)


def _matvecs(ops: VectorOps, W):
    """``A W`` (``k`` products, counted): one sparse-times-block product for a host matrix
    (the same sums as ``k`` matvecs, one pass over ``A``), else column by column."""
    xp = ops.xp
    if ops.numpy and ops.sys.kind != "operator":
        ops.nmatvec += int(W.shape[1])
        return np.asarray(ops.sys.A @ W)
    return xp.stack([ops.Av(W[:, j]) for j in range(W.shape[1])], axis=1)


def _is_orthonormal(ops: VectorOps, W, tol: float = 1e-12) -> bool:
    """``W^T W = I`` to ``tol`` (a basis from :func:`harmonic_ritz_lanczos` already is: one
    Gram matrix instead of the two of Cholesky-QR twice)."""
    G = _host(W.T @ W)
    return bool(np.all(np.isfinite(G)) and np.max(np.abs(G - np.eye(G.shape[0]))) <= tol)


def _orthonormalize(ops: VectorOps, W):
    """An orthonormal basis of ``range(W)``: Cholesky-QR twice (two small Gram matrices, no
    Householder sweeps), falling back to QR with near-dependent columns dropped."""
    xp = ops.xp
    Q = W
    try:
        for _ in range(2):
            L = np.linalg.cholesky(_host(Q.T @ Q))
            Linv = sla.solve_triangular(L, np.eye(L.shape[0]), lower=True)
            Q = Q @ xp.asarray(Linv.T, dtype=ops.dtype)
        if np.linalg.cond(L) < 1e6:
            return Q
    except (np.linalg.LinAlgError, ValueError):
        pass
    Q, R = xp.linalg.qr(W)
    d = np.abs(np.diag(_host(R)))
    keep = np.flatnonzero(d > 1e-10 * max(float(d.max(initial=0.0)), 1e-300))
    if keep.size == 0:
        return None
    return xp.take(Q, xp.asarray(keep), axis=1) if keep.size < W.shape[1] else Q


class Deflation:
    """The projection data of def-CG for one system: ``W``, ``AW``, ``E = W^T A W`` (Cholesky).

    ``W`` is orthonormalised first; ``E`` not positive definite means ``A`` is not SPD on
    ``range(W)`` (:attr:`ok` is False).
    """

    def __init__(self, ops: VectorOps, W):
        self.ops = ops
        self.W = W if W is not None and _is_orthonormal(ops, W) else _orthonormalize(ops, W)
        self.k = 0 if self.W is None else int(self.W.shape[1])
        self.ok = True
        if not self.k:
            return
        self.AW = _matvecs(ops, self.W)
        E = _host(self.W.T @ self.AW)
        self.E = E = 0.5 * (E + E.T)
        try:
            self.chol = sla.cho_factor(E, lower=True, check_finite=True)
        except (np.linalg.LinAlgError, ValueError):
            self.ok = False

    def coeffs(self, v, Wt_or_AWt):
        """``E^{-1} (B^T v)`` as a namespace vector (``B`` = ``W`` or ``AW``)."""
        ops = self.ops
        g = _host(Wt_or_AWt.T @ v)
        mu = sla.cho_solve(self.chol, g, check_finite=False)
        return ops.xp.asarray(mu, dtype=ops.dtype)

    def project_x0(self, x, r):
        """(2.5): ``x += W mu``, ``r -= AW mu`` with ``E mu = W^T r``."""
        mu = self.coeffs(r, self.W)
        return x + self.W @ mu, r - self.AW @ mu

    def deflate(self, z):
        """(2.6)/(2.7): ``z - W mu`` with ``E mu = (AW)^T z``."""
        return z - self.W @ self.coeffs(z, self.AW)


class _Store:
    """The first ``limit`` search directions ``p_j``, ``A p_j`` and ``M A p_j`` (for (R1))."""

    def __init__(self, limit: int):
        self.limit = limit
        self.P, self.AP, self.MAP = [], [], []
        self._z = None

    def add(self, p, q, z_before, alpha):
        if len(self.P) < self.limit:
            self.P.append(p)
            self.AP.append(q)
            self._z = (z_before, alpha)

    def close(self, z_after):
        """``M A p_j = (z_j - z_{j+1}) / alpha_j`` once ``z_{j+1}`` is known."""
        if self._z is not None:
            z_before, alpha = self._z
            self.MAP.append((z_before - z_after) / alpha)
            self._z = None


def harmonic_ritz(ops: VectorOps, defl: Deflation | None, store: _Store, k: int, M_AW=None):
    """(R1): the ``k`` harmonic Ritz vectors of ``A`` (``M A``) for its smallest eigenvalues
    from ``Z = [W, P]``; an orthonormal ``(n, k')`` array (``k' <= k``), or None."""
    xp = ops.xp
    m = min(len(store.P), len(store.MAP))
    cols, acols, mcols = [], [], []
    if defl is not None and defl.k:
        cols.append(defl.W)
        acols.append(defl.AW)
        mcols.append(defl.AW if M_AW is None else M_AW)
    if m:
        cols.append(xp.stack(store.P[:m], axis=1))
        acols.append(xp.stack(store.AP[:m], axis=1))
        mcols.append(xp.stack(store.MAP[:m], axis=1))
    if not cols or k == 0:
        return None
    Z, AZ, MAZ = (xp.concat(c, axis=1) for c in (cols, acols, mcols))
    F = _host(Z.T @ AZ)
    G = _host(AZ.T @ MAZ)
    F, G = 0.5 * (F + F.T), 0.5 * (G + G.T)
    d = np.sqrt(np.abs(np.diag(F)))
    if not np.all(np.isfinite(F)) or not np.all(d > 0):
        return None
    s = 1.0 / d  # A-normalised columns: a well-scaled pencil
    try:
        theta, Y = sla.eigh(G * s[:, None] * s[None, :], F * s[:, None] * s[None, :])
    except (np.linalg.LinAlgError, ValueError):
        return None
    keep = Y[:, np.argsort(theta)[: min(k, Y.shape[1])]] * s[:, None]
    return _orthonormalize(ops, Z @ xp.asarray(keep, dtype=ops.dtype))


def harmonic_ritz_lanczos(ops: VectorOps, defl: Deflation | None, lanczos, k: int):
    """(R1) from the CG coefficients (no products with ``A``): with ``Z = [W, P]``,

    * ``F = Z^T A Z = diag(E, p_j^T A p_j)`` (directions ``A``-orthogonal to each other and to
      ``W``),
    * ``A p_j = (r_j - r_{j+1}) / alpha_j`` with orthogonal residuals, so ``(AP)^T AP`` is
      tridiagonal in ``||r_j||^2`` and ``(AW)^T A p_j = (g_j - g_{j+1}) / alpha_j``,
      ``g_j = (AW)^T r_j`` (recorded by the kernel).
    """
    P, coef, Gs = lanczos
    m = P.shape[0]
    kw = 0 if defl is None else defl.k
    if k == 0 or m + kw == 0:
        return None
    alpha, pq, rho0, rho1 = coef.T
    F = np.zeros((kw + m, kw + m))
    G = np.zeros_like(F)
    if kw:
        F[:kw, :kw] = defl.E
        G[:kw, :kw] = _host(defl.AW.T @ defl.AW)
        GWP = (Gs[:m] - Gs[1: m + 1]).T / alpha
        G[:kw, kw:] = GWP
        G[kw:, :kw] = GWP.T
    idx = np.arange(m)
    F[kw + idx, kw + idx] = pq
    G[kw + idx, kw + idx] = (rho0 + rho1) / alpha ** 2
    off = -rho1[:-1] / (alpha[:-1] * alpha[1:])
    G[kw + idx[:-1], kw + idx[1:]] = off
    G[kw + idx[1:], kw + idx[:-1]] = off
    d = np.sqrt(np.abs(np.diag(F)))
    if not (np.all(np.isfinite(F)) and np.all(np.isfinite(G)) and np.all(d > 0)):
        return None
    s = 1.0 / d
    try:
        theta, Y = sla.eigh(G * s[:, None] * s[None, :], F * s[:, None] * s[None, :])
    except (np.linalg.LinAlgError, ValueError):
        return None
    Y = Y[:, np.argsort(theta)[: min(k, Y.shape[1])]] * s[:, None]
    U = P.T @ Y[kw:]
    if kw:
        U = U + defl.W @ Y[:kw]
    return _orthonormalize(ops, U)


def defcg_iterate(ops: VectorOps, b, x, defl: Deflation | None, precond, *, tol: float,
                  maxiter: int, notify=None, store: _Store | None = None):
    """The def-CG loop (2.5)-(2.7); returns ``(outcome, x)`` (``x`` a new array)."""
    r = ops.residual(b, x)
    history = [ops.norm(r)]
    if defl is not None and defl.k:
        x, r = defl.project_x0(x, r)  # (2.5)
        history.append(ops.norm(r))
    start = initial_outcome(history[-1], tol, history)
    if start is not None:
        return start, x
    z = r if precond is None else ops.vec(precond(r))
    p = z if defl is None or not defl.k else defl.deflate(z)  # (2.6)
    rz = ops.dot(r, z)
    if rz <= 0:
        return outcome(BREAKDOWN, 0, history, "r^T M r <= 0: M is not positive definite"), x
    for it in range(1, maxiter + 1):
        q = ops.Av(p)
        pq = ops.dot(p, q)
        if not pq > 0:
            st = NONFINITE if not np.isfinite(pq) else BREAKDOWN
            return outcome(st, it - 1, history, f"p^T A p = {pq:.3e} at iteration {it}: A is "
                           "not positive definite"), x
        alpha = rz / pq
        a = ops.scal(alpha)
        x = x + a * p
        r = r - a * q
        rnorm = ops.norm(r)
        history.append(rnorm)
        if store is not None:
            store.add(p, q, z, a)
        if notify_stop(notify, x, it, rnorm):
            return outcome(CALLBACK_STOP, it, history), x
        if not np.isfinite(rnorm):
            return outcome(NONFINITE, it, history, f"non-finite residual at iteration {it}"), x
        if rnorm <= tol:
            r = ops.residual(b, x)  # the recursive residual claims convergence: check
            history[-1] = true = ops.norm(r)
            if true <= tol:
                if store is not None:
                    store.close(z if precond is None else ops.vec(precond(r)))
                return outcome(CONVERGED, it, history), x
        z = r if precond is None else ops.vec(precond(r))
        if store is not None:
            store.close(z)
        rz_new = ops.dot(r, z)
        if not rz_new > 0:
            return outcome(BREAKDOWN, it, history, "r^T M r <= 0: M is not positive "
                           "definite"), x
        beta = ops.scal(rz_new / rz)
        rz = rz_new
        p = z + beta * p
        if defl is not None and defl.k:
            p = defl.deflate(p)  # (2.7), re-projecting the whole direction (stabler)
    return outcome(MAXITER, maxiter, history), x


def _numba_ready(ops: VectorOps, notify) -> bool:
    return (ops.numpy and notify is None and ops.psolve is None
            and np.dtype(ops.dtype) == np.float64 and ops.sys.numba_csr is not None)


def defcg_numba(ops: VectorOps, b, x, defl: Deflation | None, *, tol: float, maxiter: int,
                store: _Store | None):
    """:func:`defcg_iterate` in the fused Numba kernel (host CSR, float64, no ``M``)."""
    from ._recycle_kernels import defcg_steps

    r = ops.residual(b, x)
    history = [ops.norm(r)]
    n = ops.n
    if defl is not None and defl.k:
        x, r = defl.project_x0(x, r)  # (2.5)
        history.append(ops.norm(r))
        W, AW = np.ascontiguousarray(defl.W), np.ascontiguousarray(defl.AW)
        Einv = np.ascontiguousarray(sla.cho_solve(defl.chol, np.eye(defl.k)))
        p = r - W @ (Einv @ (AW.T @ r))  # (2.6)
    else:
        W = AW = np.zeros((n, 0))
        Einv = np.zeros((0, 0))
        p = r.copy()
    start = initial_outcome(history[-1], tol, history)
    if start is not None:
        return start, x
    x, r, p = (np.ascontiguousarray(v, dtype=np.float64).copy() for v in (x, r, p))
    q = np.empty(n)
    indptr, indices, data = ops.sys.numba_csr
    limit = 0 if store is None else store.limit
    P, coef, Gs = np.empty((limit, n)), np.empty((limit, 4)), np.empty((limit + 1, W.shape[1]))
    Wt, AWt = np.ascontiguousarray(W.T), np.ascontiguousarray(AW.T)
    Gs[0] = AW.T @ r
    state = np.array([float(r @ r)])
    hist = np.empty(maxiter)
    it, stored, best = 0, 0, np.inf
    out = None
    while out is None:
        steps, code, stored = defcg_steps(indptr, indices, data, Wt, AWt, Einv, x, r, p, q, state,
                                          tol, maxiter - it, hist, P[:limit], coef, Gs, stored)
        history.extend(hist[:steps].tolist())
        it += steps
        ops.nmatvec += steps
        if code == 1:  # the recursive residual claims convergence: check the true one
            r = ops.residual(b, x)
            history[-1] = true = ops.norm(r)
            if true <= tol:
                out = outcome(CONVERGED, it, history)
            elif true >= 0.999 * best:
                out = outcome(PRECISION_LOSS, it, history, f"true residual {true:.3e} stagnates "
                              f"above the tolerance {tol:.3e}")
            best = min(best, true)
            state[0] = float(r @ r)
            limit = stored  # the residual was replaced: the Lanczos relations end here
        else:
            out = kernel_stop(code, it, history)
        if out is None and it >= maxiter:
            out = outcome(MAXITER, it, history)
    if store is not None:
        store.lanczos = (P[:stored], coef[:stored], Gs[: stored + 1])
    return out, x


def solve_defcg(A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
                U=None, k: int = 10, n_store: int | None = None, ssor: float | None = None,
                use_numba: bool | None = None, check_finite: bool = True) -> SolveResult:
    """Deflated conjugate gradients (def-CG) with a recycled subspace, for SPD ``A``.

    Called through ``numsolve.solve(A, b, method='defcg', U=..., k=...)``; over a sequence of
    systems use :class:`numsolve.linalg.SequenceSolver` (or ``solve_batch(systems,
    method='cg', recycle=k)``), which passes each solve's ``U`` on to the next.

    Parameters
    ----------
    A : array, sparse matrix or LinearOperator, shape (n, n)
        Symmetric positive definite.
    b : array, shape (n,)
    x0 : array, shape (n,), optional
        Initial guess; it is first corrected by the Galerkin projection onto ``U`` (2.5).
    rtol, atol, maxiter, M, callback
        As for ``method='cg'`` (``maxiter`` default ``10 n``; ``M`` SPD).
    U : array, shape (n, j), optional
        Recycle space (e.g. ``res.U`` of the previous solve); orthonormalised internally.
        Without it the first iterations behave as plain CG.
    k : int, default 10
        Size of the recycle space returned in ``res.U`` (0: none).
    n_store : int, optional
        Search directions kept for the harmonic Ritz extraction (default ``max(3 k, 20)``).
    ssor : float, optional
        Precondition by SSOR with this relaxation factor ``omega`` (``0 < omega < 2``;
        diffusion problems on an ``m x m`` grid like ``omega ~ 2 - 6 / m``), applied by
        Eisenstat's trick in a fused Numba kernel: an iteration costs about one product with
        ``A``, as unpreconditioned CG does. Needs a host sparse ``A`` with a positive
        diagonal, float64, no ``M`` and no ``callback``. ``U`` and ``res.U`` then live in the
        coordinates of the split-preconditioned matrix ``S L1^{-1} A L1^{-T} S`` (pass
        ``res.U`` on unchanged, as :class:`~numsolve.linalg.SequenceSolver` does);
        ``history`` holds the norms of its residuals, the last one the true residual.
    use_numba : bool, optional
        ``False`` forbids the fused Numba kernel (host CSR, float64, no ``M``, no callback),
        used by default when it applies.
    check_finite : bool, default True

    Returns
    -------
    SolveResult
        Also ``U`` (the new recycle space, ``(n, k)`` or None), ``nmatvec`` (products with
        ``A``, including the ``k`` of ``A U``) and ``k`` (the deflation size used).

    Notes
    -----
    Algorithm 3.6 of [1]_ with a preconditioner: the initial guess (2.5) and the deflated
    search directions (2.6)-(2.7) of [1]_. The next recycle space comes from a harmonic Ritz
    projection onto the recycle space and the stored search directions, the choice of
    RMINRES [2]_ and GCRO-DR [3]_.

    References
    ----------
    .. [1] Y. Saad, M. Yeung, J. Erhel and F. Guyomarc'h, "A deflated version of the
       conjugate gradient algorithm", SIAM J. Sci. Comput. 21(5):1909-1926, 2000.
    .. [2] S. Wang, E. de Sturler and G. H. Paulino, "Large-scale topology optimization using
       preconditioned Krylov subspace methods with recycling", Int. J. Numer. Methods Eng.
       69(12):2441-2468, 2007.
    .. [3] M. L. Parks, E. de Sturler, G. Mackey, D. D. Johnson and S. Maiti, "Recycling Krylov
       subspaces for sequences of linear systems", SIAM J. Sci. Comput. 28(5):1651-1674, 2006.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(24)
    >>> b = np.ones(A.shape[0])
    >>> first = numsolve.solve(A, b, method="defcg", k=8, rtol=1e-8)
    >>> again = numsolve.solve(1.1 * A, b, method="defcg", U=first.U, rtol=1e-8)
    >>> bool(again.success and again.nit < first.nit)
    True
    """
    pb = prepare_vector_problem(A, b, x0, M, rtol, atol, maxiter, check_finite=check_finite,
                                default_maxiter=lambda n: 10 * n)
    ops = pb.ops
    if ops.complex:
        raise TypeError("method='defcg' supports real floating dtypes only")
    k = check_recycle_k(k, ops.n)
    n_store = max(3 * k, 20) if n_store is None else check_int("n_store", n_store, low=0)
    W = as_basis(ops, U)
    if ssor is not None:
        return _solve_ssor(pb, W, k, n_store if k else 0, ssor, callback)
    defl = Deflation(ops, W) if W is not None else None
    if defl is not None and not defl.ok:
        out = outcome(BREAKDOWN, 0, [ops.norm(pb.b)], "U^T A U is not positive definite: A is "
                      "not SPD (or U is rank deficient)")
        return make_result(pb.system, ops, pb.x, out["status"], out["nit"], out["history"],
                           "defcg", out["detail"], U=None, k=0)
    store = _Store(n_store) if k else None
    notify = wrap_callback(callback)
    if _numba_ready(ops, notify) and use_numba is not False:
        out, x = defcg_numba(ops, pb.b, pb.x, defl, tol=pb.tol, maxiter=pb.maxiter, store=store)
    else:
        out, x = defcg_iterate(ops, pb.b, pb.x, defl, ops.psolve, tol=pb.tol,
                               maxiter=pb.maxiter, notify=notify, store=store)
    Unew = None
    if k and out["status"] in (CONVERGED, MAXITER):
        M_AW = None
        if defl is not None and defl.k and ops.psolve is not None:
            M_AW = ops.xp.stack([ops.vec(ops.psolve(defl.AW[:, j]))
                                 for j in range(defl.k)], axis=1)
        lanczos = getattr(store, "lanczos", None)
        Unew = (harmonic_ritz_lanczos(ops, defl, lanczos, k) if lanczos is not None
                else harmonic_ritz(ops, defl, store, k, M_AW))
    return make_result(pb.system, ops, x, out["status"], out["nit"], out["history"], "defcg",
                       out["detail"], U=Unew, k=0 if defl is None else defl.k)


def _solve_ssor(pb, W, k: int, n_store: int, omega, callback) -> SolveResult:
    """``solve_defcg(..., ssor=omega)``: :func:`~numsolve.linalg.krylov._eisenstat.defcg_ssor`
    and the harmonic Ritz extraction on its Lanczos data."""
    from ..relaxation._sor import check_omega
    from ._eisenstat import defcg_ssor

    omega = check_omega(omega, "ssor")
    ops = pb.ops
    if callback is not None or ops.psolve is not None:
        raise ValueError("ssor= takes no M and no callback (the preconditioner is SSOR)")
    if not (ops.numpy and np.dtype(ops.dtype) == np.float64 and ops.sys.numba_csr is not None):
        raise ValueError("ssor= needs a host sparse float64 matrix A (and Numba); got "
                         f"{ops.sys.kind} {np.dtype(ops.dtype).name} on {ops.sys.backend}")
    if W is not None and not _is_orthonormal(ops, W):
        W = _orthonormalize(ops, W)
    out, x, defl, lanczos = defcg_ssor(ops, pb.b, pb.x, W, omega=omega, tol=pb.tol,
                                       maxiter=pb.maxiter, n_store=n_store)
    if out is None:
        out = outcome(BREAKDOWN, 0, [ops.norm(pb.b)], "U^T Ah U is not positive definite: A "
                      "is not SPD (or U is rank deficient)")
    Unew = None
    if k and lanczos is not None and out["status"] in (CONVERGED, MAXITER):
        Unew = harmonic_ritz_lanczos(ops, defl if defl is not None and defl.k else None,
                                     lanczos, k)
    return make_result(pb.system, ops, x, out["status"], out["nit"], out["history"], "defcg",
                       out["detail"], U=Unew, k=0 if defl is None else defl.k, ssor=omega)
