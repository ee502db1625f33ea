"""GCRO-DR: GMRES with deflated restarting and subspace recycling (nonsymmetric sequences).

Parks, de Sturler, Mackey, Johnson & Maiti, "Recycling Krylov subspaces for sequences of linear
systems", SISC 28 (2006), Algorithm 2 (the numbers below are its steps):

* (3)-(5)  with a recycle space ``U`` from the previous system: ``[Q, R] = qr(A U)``,
  ``C = Q``, ``U = U R^{-1}``; ``x += U C^T r``, ``r -= C C^T r`` (so ``r`` is orthogonal to
  ``C = A U``);
* (7)-(14) without one: one GMRES(m) cycle, then ``k`` harmonic Ritz vectors
  ``(H_m + h^2 H_m^{-T} e_m e_m^T) z = theta z`` give ``U`` and ``C``;
* (17)-(21) each cycle: ``m - k`` Arnoldi steps with ``(I - C C^T) A``, ``B = C^T A V``;
  minimise ``norm(r - [C, V] G y)`` with ``G = [[D, B], [0, H]]``,
  ``D = diag(1 / norm(u_i))``, and update ``x += [U D, V] y``;
* (23)-(26) harmonic Ritz update: ``G^T G z = theta G^T W^T [U D, V] z``, ``k`` smallest
  ``|theta|`` give the next ``U`` and ``C``.

The recycle space left after the solve (``res.U``) is what the next system's step (3) uses.
``M`` is a right preconditioner applied as ``A M`` (fixed across the sequence, e.g. a reused
AMG hierarchy): ``U`` then lives in the preconditioned variables and ``x = x0 + M (...)``.
Vector work is array-API code (NumPy, CuPy, ...); the small projected problems run on the host.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..._checks import check_int
from ..._result import SolveResult, wrap_callback
from ..._status import CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE
from ._common import (
    VectorOps,
    initial_outcome,
    make_result,
    notify_stop,
    outcome,
    prepare_vector_problem,
)
from ._recycle import _host, as_basis, check_recycle_k

__all__ = ["solve_gcrodr", "gcrodr"]


class _Op:
    """``v -> A M v`` (counted) and the map back ``y -> M y`` to the solution space."""

    def __init__(self, ops: VectorOps):
        self.ops = ops
        self.pre = ops.psolve

    def __call__(self, v):
        return self.ops.Av(v if self.pre is None else self.ops.vec(self.pre(v)))

    def back(self, y):
        return y if self.pre is None else self.ops.vec(self.pre(y))


def _arnoldi(op: _Op, v0, steps: int, C):
    """``steps`` Arnoldi steps with ``(I - C C^T) A`` (MGS, one re-orthogonalisation):
    ``V`` ``(n, j+1)``, ``H`` ``(j+1, j)``, ``B = C^T A V_j``; ``j < steps`` on breakdown."""
    ops, xp = op.ops, op.ops.xp
    V = [v0]
    H = np.zeros((steps + 1, steps))
    kc = 0 if C is None else int(C.shape[1])
    B = np.zeros((kc, steps))
    for j in range(steps):
        w = op(V[j])
        if kc:
            b = _host(C.T @ w)
            w = w - C @ xp.asarray(b, dtype=ops.dtype)
            B[:, j] = b
        for _ in range(2):
            for i in range(j + 1):
                h = ops.dot(V[i], w)
                H[i, j] += h
                w = w - ops.scal(h) * V[i]
        H[j + 1, j] = hn = ops.norm(w)
        if not np.isfinite(hn):
            return None
        if hn <= 1e-14 * max(abs(H[: j + 1, j]).max(), 1e-300):
            # happy breakdown: H[j+1, j] ~ 0, so a zero V[j+1] keeps V (n, j+2) consistent
            V.append(0 * w)
            return V, H[: j + 2, : j + 1], B[:, : j + 1], True
        V.append(w / ops.scal(hn))
    return V, H, B, False


def _harmonic_first(H: np.ndarray, k: int) -> np.ndarray:
    """(9): eigenvectors of ``H_m + h^2 H_m^{-T} e_m e_m^T`` for the ``k`` smallest |theta|."""
    m = H.shape[1]
    Hm = H[:m, :m]
    em = np.zeros(m)
    em[-1] = 1.0
    f = sla.solve(Hm.T, em)
    T = Hm + (H[m, m - 1] ** 2) * np.outer(f, em)
    theta, Z = sla.eig(T)
    return _real_basis(theta, Z, k)


def _real_basis(theta, Z, k: int) -> np.ndarray:
    """A real orthonormal basis of the eigenvectors of the ``k`` smallest ``|theta|``
    (a conjugate pair contributes its real and imaginary parts; exactly ``k`` columns when
    there are enough eigenvectors)."""
    cols: list = []
    for i in np.argsort(np.abs(theta)):
        if len(cols) >= k:
            break
        z = Z[:, i]
        if abs(theta[i].imag) > 1e-12 * max(abs(theta[i]), 1e-300):
            if theta[i].imag > 0:  # one vector of each pair: its real and imaginary parts
                cols += [z.real, z.imag][: k - len(cols)]
        else:
            cols.append(z.real)
    return np.linalg.qr(np.stack(cols, axis=1))[0]


def _recycle_from(op: _Op, W, Gbar, What, P):
    """(11)-(14) / (24)-(26): ``[Q, R] = qr(G P)``, ``C = What Q``, ``U = W P R^{-1}``."""
    xp = op.ops.xp
    Q, R = np.linalg.qr(Gbar @ P)
    if not np.all(np.isfinite(R)) or np.min(np.abs(np.diag(R))) <= 1e-14 * np.abs(R).max():
        return None, None
    C = What @ xp.asarray(Q, dtype=op.ops.dtype)
    Rinv = sla.solve_triangular(R, np.eye(R.shape[0]), lower=False)
    U = W @ xp.asarray(P @ Rinv, dtype=op.ops.dtype)
    return U, C


def _stack(xp, cols):
    return xp.stack(cols, axis=1)


def _first_cycle(op: _Op, y, r, beta, m, k, tol, nit):
    """(7)-(14): one GMRES(m) cycle from ``r``; returns ``(y, r, nit, U, C, est)``."""
    ops, xp = op.ops, op.ops.xp
    arn = _arnoldi(op, r / ops.scal(beta), m, None)
    if arn is None:
        return None
    V, H, _, _ = arn
    j = H.shape[1]
    rhs = np.zeros(j + 1)
    rhs[0] = beta
    z = np.linalg.lstsq(H, rhs, rcond=None)[0]
    Vm = _stack(xp, V[:j])
    y = y + Vm @ xp.asarray(z, dtype=ops.dtype)
    Vm1 = _stack(xp, V[: j + 1])
    r = Vm1 @ xp.asarray(rhs - H @ z, dtype=ops.dtype)
    U = C = None
    if k and j > k:
        U, C = _recycle_from(op, Vm, H, Vm1, _harmonic_first(H, k))
    return y, r, nit + j, U, C


def _cycle(op: _Op, y, r, beta, U, C, m: int):
    """(17)-(26): one GCRO-DR cycle; returns ``(y, r, steps, U, C)``."""
    ops, xp = op.ops, op.ops.xp
    kc = int(C.shape[1])
    arn = _arnoldi(op, r / ops.scal(beta), max(m - kc, 1), C)
    if arn is None:
        return None
    V, H, B, _ = arn
    j = H.shape[1]
    dn = np.array([1.0 / ops.norm(U[:, i]) for i in range(kc)])
    Ut = U * xp.asarray(dn, dtype=ops.dtype)
    G = np.zeros((kc + j + 1, kc + j))
    G[:kc, :kc] = np.diag(dn)
    G[:kc, kc:] = B
    G[kc:, kc:] = H
    rhs = np.zeros(kc + j + 1)
    rhs[kc] = beta  # W^T r = [C^T r; V^T r] = [0; beta e1]
    z = np.linalg.lstsq(G, rhs, rcond=None)[0]
    Wm = xp.concat([Ut, _stack(xp, V[:j])], axis=1)
    What = xp.concat([C, _stack(xp, V[: j + 1])], axis=1)
    y = y + Wm @ xp.asarray(z, dtype=ops.dtype)
    r = What @ xp.asarray(rhs - G @ z, dtype=ops.dtype)
    # (23): G^T G p = theta G^T (What^T Wm) p
    WW = _host(What.T @ Wm)
    try:
        theta, Z = sla.eig(G.T @ G, G.T @ WW)
    except (np.linalg.LinAlgError, ValueError):
        return y, r, j, U, C
    ok = np.isfinite(theta)
    if ok.sum() < kc:
        return y, r, j, U, C
    P = _real_basis(theta[ok], Z[:, ok], kc)
    U2, C2 = _recycle_from(op, Wm, G, What, P)
    if U2 is None:
        return y, r, j, U, C
    return y, r, j, U2, C2


def _gcrodr_iterate(ops: VectorOps, b, x, U, *, m: int, k: int, tol: float, maxiter: int,
                    notify=None):
    """The GCRO-DR loop; returns ``(outcome, x, U)``."""
    xp = ops.xp
    op = _Op(ops)
    r = ops.residual(b, x)
    history = [ops.norm(r)]
    start = initial_outcome(history[0], tol, history)
    if start is not None:
        return start, x, U
    y = ops.zeros()  # correction in the (preconditioned) variables: x = x0 + M y
    C = None
    if U is not None:  # (3)-(5)
        AU = xp.stack([op(U[:, i]) for i in range(U.shape[1])], axis=1)
        Q, R = xp.linalg.qr(AU)
        Rh = _host(R)
        if np.all(np.isfinite(Rh)) and np.min(np.abs(np.diag(Rh))) > 1e-12 * np.abs(Rh).max():
            C = Q
            U = U @ xp.asarray(sla.solve_triangular(Rh, np.eye(Rh.shape[0])), dtype=ops.dtype)
            c = C.T @ r
            y = y + U @ c
            r = r - C @ c
            history.append(ops.norm(r))
        else:
            U = None
    nit = 0
    for _cyc in range(maxiter):
        beta = ops.norm(r)
        if not np.isfinite(beta):
            return outcome(NONFINITE, nit, history, "non-finite residual"), x + op.back(y), U
        if beta <= tol:
            break
        if C is None:
            res = _first_cycle(op, y, r, beta, m, k, tol, nit)
            if res is None:
                return outcome(NONFINITE, nit, history, "non-finite Arnoldi coefficients"), \
                    x + op.back(y), U
            y, r, nit, U, C = res
        else:
            res = _cycle(op, y, r, beta, U, C, m)
            if res is None:
                return outcome(NONFINITE, nit, history, "non-finite Arnoldi coefficients"), \
                    x + op.back(y), U
            y, r, steps, U, C = res
            nit += steps
        history.append(ops.norm(r))
        if notify_stop(notify, x + op.back(y), nit, history[-1]):
            return outcome(CALLBACK_STOP, nit, history), x + op.back(y), U
        if history[-1] <= tol:  # check the true residual
            xt = x + op.back(y)
            rt = ops.residual(b, xt)
            history[-1] = ops.norm(rt)
            if history[-1] <= tol:
                return outcome(CONVERGED, nit, history), xt, U
            r = rt - (0 if C is None else C @ (C.T @ rt))
            if C is not None:
                y = y + U @ (C.T @ rt)
    x = x + op.back(y)
    rt = ops.norm(ops.residual(b, x))
    history[-1] = rt
    return outcome(CONVERGED if rt <= tol else MAXITER, nit, history), x, U


def solve_gcrodr(A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
                 U=None, k: int = 10, restart: int = 30, check_finite: bool = True
                 ) -> SolveResult:
    """GCRO-DR(m, k): restarted GMRES with deflated restarting and a recycled subspace.

    Called through ``numsolve.solve(A, b, method='gcrodr', U=..., k=...)``; over a sequence of
    systems use :class:`numsolve.linalg.SequenceSolver` (``method='gmres'``) or
    ``solve_batch(systems, method='gmres', recycle=k)``, which pass ``res.U`` on.

    Parameters
    ----------
    A : array, sparse matrix or LinearOperator, shape (n, n)
        Nonsingular, need not be symmetric. Real dtypes.
    b : array, shape (n,)
    x0 : array, shape (n,), optional
    rtol, atol : float
        Converged when ``norm(b - A x) <= max(rtol * norm(b), atol)`` (checked on the true
        residual).
    maxiter : int, optional
        Maximum number of cycles (default ``min(10000, 10 n)``); ``nit`` counts Arnoldi steps.
    M : optional
        Right preconditioner, fixed across a sequence.
    callback : callable, optional
        Called once per cycle (``x``, ``nit``, ``residual_norm``).
    U : array, shape (n, j), optional
        Recycle space from a previous solve (``res.U``).
    k : int, default 10
        Recycle-space size (``0 <= k < restart``).
    restart : int, default 30
        ``m``: Arnoldi steps per cycle, the ``k`` recycled directions included.

    Returns
    -------
    SolveResult
        With ``U`` (the recycle space for the next system) and ``nmatvec``.

    Notes
    -----
    Algorithm 2 of [1]_: steps (3)-(5) use the given recycle space, steps (7)-(14) (one
    GMRES(m) cycle and harmonic Ritz vectors) build one when none is given, steps (17)-(21)
    are the cycles and steps (23)-(26) the harmonic Ritz update of ``U``.

    References
    ----------
    .. [1] M. L. Parks, E. de Sturler, G. Mackey, D. D. Johnson and S. Maiti, "Recycling Krylov
       subspaces for sequences of linear systems", SIAM J. Sci. Comput. 28(5):1651-1674, 2006.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.problems import convection_diffusion_sequence
    >>> seq = convection_diffusion_sequence(2, 16, angles=[0.3, 0.35])
    >>> r1 = numsolve.solve(seq[0][0], seq[0][1], method="gcrodr", k=8, rtol=1e-8)
    >>> r2 = numsolve.solve(seq[1][0], seq[1][1], method="gcrodr", U=r1.U, rtol=1e-8)
    >>> plain = numsolve.solve(seq[1][0], seq[1][1], method="gmres", restart=30, rtol=1e-8)
    >>> bool(r1.success and r2.success and r2.nit < plain.nit), r2.U.shape[0]
    (True, 256)
    """
    restart = check_int("restart", restart, low=2)
    pb = prepare_vector_problem(A, b, x0, M, rtol, atol, maxiter, check_finite=check_finite,
                                default_maxiter=lambda n: min(10000, 10 * n))
    ops = pb.ops
    if ops.complex:
        raise TypeError("method='gcrodr' supports real floating dtypes only")
    k = check_recycle_k(k, ops.n)
    if k >= restart:
        raise ValueError(f"k must be smaller than restart={restart}, got {k}")
    m = min(restart, ops.n)
    W = as_basis(ops, U)
    if W is not None and W.shape[1] >= m:
        raise ValueError(f"U has {W.shape[1]} columns; at most restart-1={m - 1} allowed")
    out, x, Unew = _gcrodr_iterate(ops, pb.b, pb.x, W, m=m, k=min(k, m - 1), tol=pb.tol,
                                   maxiter=pb.maxiter, notify=wrap_callback(callback))
    if not k:
        Unew = None
    return make_result(pb.system, ops, x, out["status"], out["nit"], out["history"], "gcrodr",
                       out["detail"], U=Unew)


#: public alias
gcrodr = solve_gcrodr
