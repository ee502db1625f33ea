"""Recoveries of ``method='auglag'`` on degenerate problems (issue 14).

* :func:`ls_multipliers` - the least-squares multiplier estimate
  ``v = argmin ||grad f + G^T v||`` (minimum-norm when ``G`` is rank deficient; a regularised
  normal-equations solve ``(G G^T + delta I) v = -G grad f`` for sparse ``G``);
* :func:`restore_feasibility` - the feasibility-restoration phase: minimise
  ``phi(x) = 1/2 ||c(x)||^2`` by Levenberg-Marquardt steps on the exact Hessian of ``phi``,
  ``G^T G + sum_i c_i hess c_i``, shifted to be positive definite, with a negative-curvature
  step where ``grad phi = G^T c`` vanishes but ``phi`` has negative curvature (a starting point
  where the constraint gradients vanish, e.g. ``c = ||x||^2 - 1`` at ``x = 0``); at scale the
  minimum-norm Gauss-Newton step ``-G^T (G G^T + sigma I)^-1 c``. It ends feasible, or at a
  local minimiser of ``phi`` that is not feasible (the constraints look infeasible).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

__all__ = ["RestorationResult", "ls_multipliers", "restore_feasibility"]

_DENSE_RESTORATION_MAX = 1500  # exact Hessian of phi and its eigenvalues up to this n


def _dense(A):
    return A.toarray() if sp.issparse(A) else np.asarray(A, dtype=float)


def ls_multipliers(G, g: np.ndarray) -> np.ndarray:
    """``argmin_v ||g + G^T v||``: dense ``lstsq`` (minimum norm), or for a sparse ``G``
    one sparse LU of ``G G^T + delta I``, ``delta = 1e-10 ||G||_F^2`` (rank deficiency
    tolerated)."""
    m = G.shape[0]
    if not sp.issparse(G) or m <= 200:
        return np.linalg.lstsq(_dense(G).T, -g, rcond=None)[0]
    Gs = sp.csr_matrix(G)
    delta = 1e-10 * max(float(sp.linalg.norm(Gs)) ** 2, 1.0)
    lu = spla.splu((Gs @ Gs.T + delta * sp.identity(m)).tocsc())
    return lu.solve(-np.asarray(Gs @ g).reshape(-1))


@dataclass
class RestorationResult:
    """Outcome of :func:`restore_feasibility`: the last point, ``||c||`` there, the
    verdict (``'feasible'``, ``'infeasible'``: a local minimiser of ``||c||`` with ``c != 0``,
    or ``'stalled'``: the iteration cap) and the number of steps."""

    x: np.ndarray
    cnorm: float
    verdict: str
    nit: int


def _phi_step(G, c, Sc, n):
    """The step on ``phi = 1/2 ||c||^2`` and its model Hessian ``M``: LM on the exact
    Hessian (dense), a negative-curvature direction where the gradient vanishes, or the
    minimum-norm Gauss-Newton step (at scale). Returns ``(d, M)`` (``M`` None at scale)."""
    gphi = np.asarray(G.T @ c).reshape(-1)
    cn = float(np.linalg.norm(c))
    if n > _DENSE_RESTORATION_MAX:
        Gs = sp.csr_matrix(G)
        sigma = max(1e-10 * float(sp.linalg.norm(Gs)) ** 2, min(cn, 1e-2), 1e-14)
        lu = spla.splu((Gs @ Gs.T + sigma * sp.identity(G.shape[0])).tocsc())
        return -np.asarray(Gs.T @ lu.solve(c)).reshape(-1), None
    Gd = _dense(G)
    M = Gd.T @ Gd + (np.zeros((n, n)) if Sc is None else _dense(Sc))
    M = 0.5 * (M + M.T)
    w, V = np.linalg.eigh(M)
    scale = max(1.0, float(np.abs(w).max()))
    if np.linalg.norm(gphi) <= 1e-10 * scale * max(cn, 1.0) and w[0] < -1e-8 * scale:
        # a saddle of phi: along the eigenvector of the most negative eigenvalue the model
        # 1/2 ||c||^2 + 1/2 a^2 w_0 reaches 0 at a = ||c|| / sqrt(|w_0|)
        return V[:, 0] * (cn / np.sqrt(-w[0])), M
    # Levenberg-Marquardt: M + shift I > 0, the shift mirroring the most negative curvature
    # and growing with ||c|| (far from feasibility: shorter, better-scaled steps)
    shift = 2 * max(0.0, -w[0]) + scale * (1e-8 + 1e-4 * min(1.0, cn))
    return -(V @ ((V.T @ gphi) / (w + shift))), M


def restore_feasibility(cons, x: np.ndarray, tol: float, maxiter: int = 200,
                        min_step: float = 1e-12) -> RestorationResult:
    """Feasibility restoration: minimise ``1/2 ||c(x)||^2`` from ``x`` until ``||c|| <= tol``.

    ``cons`` is the stacked constraints of ``minimize_auglag`` (``c``, ``J``,
    ``hess(x, v)``, all counted). Each step is accepted by backtracking on the actual against
    the predicted reduction of ``phi`` (sufficient decrease, 1e-4); the phase ends feasible,
    at a local minimiser of ``phi`` with ``c != 0`` (no step decreases ``phi``: the verdict
    ``'infeasible'``), or after ``maxiter`` steps (``'stalled'``).
    """
    x = np.array(x, dtype=float, copy=True)
    n = x.shape[0]
    c = cons.c(x)
    for k in range(maxiter):
        cn = float(np.linalg.norm(c))
        if cn <= tol:
            return RestorationResult(x, cn, "feasible", k)
        G = cons.J(x)
        Sc = cons.hess(x, c) if n <= _DENSE_RESTORATION_MAX else None
        if Sc is not None and not isinstance(Sc, np.ndarray) and not sp.issparse(Sc):
            Sc = Sc.matmat(np.eye(n))  # a LinearOperator: materialise (small n)
        d, M = _phi_step(G, c, Sc, n)
        gphi = np.asarray(G.T @ c).reshape(-1)
        phi0 = 0.5 * cn**2
        alpha, accepted = 1.0, False
        while alpha >= min_step and np.all(np.isfinite(d)):
            Md = (M @ d) if M is not None else np.asarray(G.T @ (G @ d)).reshape(-1)
            pred = -(alpha * gphi @ d + 0.5 * alpha**2 * d @ Md)
            c_new = cons.c(x + alpha * d)
            if pred > 0 and np.all(np.isfinite(c_new)) and \
                    0.5 * c_new @ c_new <= phi0 - 1e-4 * pred:
                x, c, accepted = x + alpha * d, c_new, True
                break
            alpha *= 0.5
        if not accepted:
            return RestorationResult(x, cn, "infeasible", k)
    cn = float(np.linalg.norm(c))
    if cn <= tol:
        return RestorationResult(x, cn, "feasible", maxiter)
    # out of steps at a stationary point of phi (G^T c = 0, c != 0): a local minimiser of ||c||
    # reached slowly (a degenerate one: HS77 from a far start ends where a row of G vanishes)
    G = cons.J(x)
    stationary = np.linalg.norm(G.T @ c) <= 1e-10 * max(1.0, cn) * max(
        1.0, float(sp.linalg.norm(G) if sp.issparse(G) else np.linalg.norm(G)))
    return RestorationResult(x, cn, "infeasible" if stationary else "stalled", maxiter)
