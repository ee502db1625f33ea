"""Extragradient (``'eg'``, Korpelevich 1976) and anchored extragradient (``'eag'``, Yoon & Ryu
2021, EAG-C with the resolvent of ``G``): the deterministic baselines of spec section 4.

EG::

    ubar    = J(u_k - eta F(u_k))
    u_{k+1} = J(u_k - eta F(ubar))

EAG (``lam_k = 1/(k+2)``, spec section 8)::

    ubar    = J(u_k + lam_k (u0 - u_k) - eta F(u_k))
    u_{k+1} = J(u_k + lam_k (u0 - u_k) - eta F(ubar))

Two full evaluations (``2n`` components) per iteration. Default steps: ``eta = 0.5 / L_F`` (EG
needs ``eta < 1/L_F``) and ``eta = 1 / (8 L_F)`` (EAG-C's constant). With an unknown ``L_F`` the
extrapolation is recomputed with a halved step whenever ``||F(ubar) - F(u_k)|| > L_F ||ubar -
u_k||`` for the current estimate (backtracking; each retry is counted).
"""

from __future__ import annotations

from .._checks import check_real
from ._common import MonotoneRun, norm

__all__ = ["eg", "eag"]


def _extragradient(run: MonotoneRun, eta: float | None, factor: float, anchored: bool,
                   name: str):
    fixed = check_real("eta", eta, low=0.0, low_open=True, allow_none=True)
    xp, u0, F, J = run.xp, run.x0, run.F, run.prox
    u, Fu = u0, run.F0
    k = 0
    step = fixed if fixed is not None else factor / run.L_F.value
    while not run.check(u, Fu):
        lam = 1.0 / (k + 2) if anchored else 0.0
        base = u + lam * (u0 - u) if anchored else u
        for _ in range(60):  # backtracking (only when L_F is estimated)
            step = fixed if fixed is not None else factor / run.L_F.value
            ubar = J(base - step * Fu, step)
            Fbar = F.full(ubar)
            if fixed is not None or not run.L_F.observe(norm(xp, Fbar - Fu),
                                                        norm(xp, ubar - u)):
                break
        u = J(base - step * Fbar, step)
        k += 1
        if run.stop(u):
            break
        Fu = F.full(u)
    return run.result(u, name, eta=step)


def eg(run: MonotoneRun, *, eta: float | None = None):
    """Extragradient.

    Options
    -------
    eta : float, optional
        Step; default ``0.5 / L_F``.
    """
    return _extragradient(run, eta, 0.5, False, "eg")


def eag(run: MonotoneRun, *, eta: float | None = None):
    """Anchored extragradient (EAG-C).

    Options
    -------
    eta : float, optional
        Step; default ``1 / (8 L_F)``.
    """
    return _extragradient(run, eta, 0.125, True, "eag")
