"""Deterministic Halpern iteration (baseline ``'halpern'``; spec sections 4 and 8).

``T = J_{eta G}(I - eta F)`` is nonexpansive when ``F`` is ``1/L_F``-cocoercive and
``eta <= 2 / L_F``; Halpern's iteration anchors it at ``u0`` with ``lam_k = 1/(k+2)``:

* ``anchoring='classic'``:   ``u_{k+1} = lam_k u0 + (1 - lam_k) T(u_k)``, whose last iterate
  satisfies ``||u_N - T u_N|| <= 2 ||u0 - u*|| / (N + 1)`` (the PEP certificate of the spec);
* ``anchoring='resolvent'``: ``u_{k+1} = J(lam_k u0 + (1 - lam_k) u_k - eta F(u_k))``, the
  anchor inside the resolvent as in Algorithm 1 (its deterministic counterpart).

One full evaluation of ``F`` (``n`` components) per iteration.
"""

from __future__ import annotations

from .._checks import check_choice, check_real
from ._common import MonotoneRun, norm

__all__ = ["halpern"]


def halpern(run: MonotoneRun, *, eta: float | None = None, anchoring: str = "classic"):
    """Halpern iteration on ``T = J_{eta G}(I - eta F)``.

    Options
    -------
    eta : float, optional
        Forward step; default ``1 / L_F`` (``L_F`` estimated with backtracking when the
        operator does not know it).
    anchoring : {'classic', 'resolvent'}
        Where the anchor ``u0`` enters (module docstring).
    """
    anchoring = check_choice("anchoring", anchoring, ("classic", "resolvent"))
    fixed = check_real("eta", eta, low=0.0, low_open=True, allow_none=True)
    xp, u0, F, J = run.xp, run.x0, run.F, run.prox
    u, Fu = u0, run.F0
    u_old = Fu_old = None
    k = 0
    step = fixed if fixed is not None else 1.0 / run.L_F.value
    while True:
        if run.check(u, Fu):
            break
        if u_old is not None:  # backtracking on ||F(u_k) - F(u_{k-1})|| <= L_F ||u_k - u_{k-1}||
            run.L_F.observe(norm(xp, Fu - Fu_old), norm(xp, u - u_old))
        step = fixed if fixed is not None else 1.0 / run.L_F.value
        lam = 1.0 / (k + 2)
        if anchoring == "classic":
            u_new = lam * u0 + (1 - lam) * J(u - step * Fu, step)
        else:
            u_new = J(lam * u0 + (1 - lam) * u - step * Fu, step)
        u_old, Fu_old = u, Fu
        u = u_new
        k += 1
        if run.stop(u):
            break
        Fu = F.full(u)
    return run.result(u, "halpern", eta=step, anchoring=anchoring)
