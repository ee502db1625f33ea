"""SSOR-preconditioned deflated CG by Eisenstat's trick (``solve_defcg(..., ssor=omega)``).

def-CG (:mod:`._recycle`) run on the split-preconditioned matrix ``Ah = S L1^{-1} A L1^{-T} S``
of :mod:`._eisenstat_kernels`: CG on ``Ah`` is CG preconditioned by SSOR(``omega``), and a
product with ``Ah`` costs about one product with ``A`` (Eisenstat 1981), so the preconditioner
is free per iteration and built in one pass over ``A`` per system. The recycle space ``U``
lives in the coordinates of ``Ah`` (``xh = S^{-1} L1^T x``); across a sorted sequence ``L1``
changes little, so the previous system's harmonic Ritz vectors of ``Ah`` are reused as they are.

The iteration stops on ``||rh|| <= tolh`` with ``tolh = tol ||rh_0|| / ||r_0||`` (the
initial ratio of the two residual norms), then checks the true residual ``||b - A x|| <= tol``
and, if that fails, goes on with ``tolh`` lowered by the missing factor (the kernel leaves
``x, r, p`` consistent for that).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..._status import CONVERGED, MAXITER, PRECISION_LOSS
from ._cg_kernels import csr_residual1
from ._common import kernel_stop, outcome
from ._eisenstat_kernels import (
    eis_defcg_steps,
    eis_lower_solve,
    eis_matvec_dot,
    eis_split,
    eis_upper_mul,
    eis_upper_solve,
)

__all__ = ["SSORSplit", "defcg_ssor"]


class SSORSplit:
    """The data of ``Ah`` for one CSR matrix (one pass over ``A``) and its products."""

    def __init__(self, csr, n: int, omega: float):
        indptr, indices, data = csr
        out = eis_split(indptr, indices, np.asarray(data, dtype=np.float64), n, float(omega))
        if out[-1] >= 0:
            raise ValueError(f"ssor: A has a non-positive or missing diagonal entry in row "
                             f"{int(out[-1])} (A must be SPD)")
        self.parts = out[:-1]
        self.n = n
        self._t = np.empty(n)

    def matvec(self, v) -> np.ndarray:
        q = np.empty(self.n)
        eis_matvec_dot(*self.parts, np.ascontiguousarray(v, dtype=np.float64), self._t, q)
        return q

    def to_hat(self, x, r):
        """``(xh, rh) = (S^{-1} L1^T x, S L1^{-1} r)``."""
        Lp, Li, Lx, sub, Up, Ui, Ux, sup, dwinv, kd, s = self.parts
        xh, rh = np.empty(self.n), np.empty(self.n)
        eis_upper_mul(Up, Ui, Ux, sup, dwinv, s, x, xh)
        eis_lower_solve(Lp, Li, Lx, sub, dwinv, s, r, rh)
        return xh, rh

    def from_hat(self, xh, x) -> None:
        """``x = L1^{-T} S xh`` (in place)."""
        Lp, Li, Lx, sub, Up, Ui, Ux, sup, dwinv, kd, s = self.parts
        eis_upper_solve(Up, Ui, Ux, sup, dwinv, s, xh, x)


class _HatDeflation:
    """``W``, ``Ah W``, ``E = W^T Ah W`` in the coordinates of ``Ah`` (the attributes
    :func:`~numsolve.linalg.krylov._recycle.harmonic_ritz_lanczos` reads)."""

    def __init__(self, ops, split: SSORSplit, W):
        self.W = W  # orthonormal (the caller's job) or None
        self.k = 0 if W is None else int(W.shape[1])
        self.ok = True
        if not self.k:
            return
        self.AW = np.stack([split.matvec(self.W[:, j]) for j in range(self.k)], axis=1)
        ops.nmatvec += self.k
        E = self.W.T @ self.AW
        self.E = 0.5 * (E + E.T)
        try:
            chol = sla.cho_factor(self.E, lower=True, check_finite=True)
        except (np.linalg.LinAlgError, ValueError):
            self.ok = False
            return
        self.Einv = np.ascontiguousarray(sla.cho_solve(chol, np.eye(self.k)))


def _start(ops, split: SSORSplit, b, x, W):
    """Residuals, the transformed unknowns and the projected start (2.5)/(2.6) on ``Ah``."""
    n = ops.n
    x = np.ascontiguousarray(x, dtype=np.float64).copy()
    r = np.empty(n)
    indptr, indices, data = ops.sys.numba_csr
    r0 = float(np.sqrt(csr_residual1(indptr, indices, data, b, x, r)))
    ops.nmatvec += 1
    xh, rh = split.to_hat(x, r)
    rh0 = float(np.sqrt(rh @ rh))
    defl = _HatDeflation(ops, split, W) if W is not None else None
    if defl is not None and defl.ok and defl.k:
        mu = defl.Einv @ (defl.W.T @ rh)
        xh += defl.W @ mu
        rh -= defl.AW @ mu
        p = rh - defl.W @ (defl.Einv @ (defl.AW.T @ rh))
    else:
        p = rh.copy()
    return x, xh, rh, p, r0, rh0, defl


def defcg_ssor(ops, b, x, W, *, omega: float, tol: float, maxiter: int, n_store: int):
    """def-CG on ``Ah``; returns ``(outcome, x, defl, lanczos)`` (``defl`` None or without
    ``ok``: the caller reports the breakdown)."""
    n = ops.n
    split = SSORSplit(ops.sys.numba_csr, n, omega)
    b = np.ascontiguousarray(b, dtype=np.float64)
    x, xh, rh, p, r0, rh0, defl = _start(ops, split, b, x, W)
    if defl is not None and not defl.ok:
        return None, x, defl, None
    history = [r0]
    if r0 <= tol:
        return outcome(CONVERGED, 0, history), x, defl, None
    use = defl is not None and defl.k
    Wt = np.ascontiguousarray(defl.W.T) if use else np.zeros((0, n))
    AWt = np.ascontiguousarray(defl.AW.T) if use else np.zeros((0, n))
    Einv = defl.Einv if use else np.zeros((0, 0))
    P, coef, Gs = np.empty((n_store, n)), np.empty((n_store, 4)), np.empty((n_store + 1,
                                                                            Wt.shape[0]))
    Gs[0] = AWt @ rh
    q, t = np.empty(n), np.empty(n)
    state = np.array([float(rh @ rh)])
    tolh = tol * rh0 / r0
    hist = np.empty(maxiter)
    indptr, indices, data = ops.sys.numba_csr
    it, stored, best, out = 0, 0, np.inf, None
    while out is None:
        steps, code, stored = eis_defcg_steps(*split.parts, Wt, AWt, Einv, xh, rh, p, q, t,
                                              state, tolh, maxiter - it, hist, P, coef, Gs,
                                              stored)
        history.extend(hist[:steps].tolist())
        it += steps
        ops.nmatvec += steps
        if code == 1:  # ||rh|| reached tolh: check the true residual
            split.from_hat(xh, x)
            true = float(np.sqrt(csr_residual1(indptr, indices, data, b, x, q)))
            ops.nmatvec += 1
            history[-1] = true
            if true <= tol:
                out = outcome(CONVERGED, it, history)
            elif true >= 0.999 * best:
                out = outcome(PRECISION_LOSS, it, history, f"true residual {true:.3e} "
                              f"stagnates above the tolerance {tol:.3e}")
            best = min(best, true)
            tolh *= max(0.05, 0.9 * tol / true)
        else:
            out = kernel_stop(code, it, history)
        if out is None and it >= maxiter:
            out = outcome(MAXITER, it, history)
    split.from_hat(xh, x)
    return out, x, defl, (P[:stored], coef[:stored], Gs[: stored + 1])
