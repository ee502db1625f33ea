"""Algorithm 2 (``'vr-inexact-halpern'``): inexact Halpern iteration whose resolvent steps are
computed by a variance-reduced forward-reflected-backward (VR-FoRB, Alacaoglu & Malitsky 2022)
inner solver; monotone Lipschitz case (spec section 3). Constants are the authors'::

    eta = sqrt(n) / L                           # resolvent step
    for k = 0, 1, ...:
        lam_k = 1 / (k + 2)
        v ~= J_{eta (F + G)}(u_k): M_k = ceil(0.05 n log(k + 2)) VR-FoRB steps on
             0 in Phi(v) + eta G(v),  Phi(v) = eta F(v) + v - u_k
        u_{k+1} = lam_k u0 + (1 - lam_k) v

    VR-FoRB (p = 1/n, alpha = 1 - p, gamma = min(5 sqrt(p (1 - p)), 1/2) / (eta L + 1)):
        v = w = w_prev = u_k; Phi_w = Phi(w)    (full, n components)
        repeat M_k times:
            vbar  = alpha v + (1 - alpha) w
            i     ~ Uniform[n]
            v_new = J_{gamma eta G}(vbar - gamma (Phi_w + Phi_i(v) - Phi_i(w_prev)))
            w_prev = w
            with probability p: w = v_new, Phi_w = Phi(w)    (full; spec section 8: w <- v,
                                                              not the authors' reset to u_k)
            v = v_new

The outer step's full evaluation ``F(u_k)`` gives the certificate ``Res(u_k)`` at no cost. With
an unknown ``L`` the single-component differences of the inner loop double the estimate when
they exceed it (backtracking), and the next outer step uses the new ``eta`` and ``gamma``. For
``n <= 2`` the snapshot probability is ``1/2`` (``sqrt(p (1 - p))`` would vanish at ``n = 1``).
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_real
from ._common import MonotoneRun, norm

__all__ = ["vr_inexact_halpern"]


def _forb(run: MonotoneRun, u, Fu, eta: float, gamma: float, p: float, steps: int,
          backtrack: bool):
    """``steps`` VR-FoRB iterations for ``J_{eta (F + G)}(u)``, started at ``u``."""
    F, J, rng, n, xp = run.F, run.prox, run.rng, run.n, run.xp
    v = w = w_prev = u
    phi_w = eta * Fu
    alpha = 1.0 - p
    for _ in range(steps):
        vbar = alpha * v + (1.0 - alpha) * w
        i = rng.integers(n, size=1)
        diff = F.batch_diff(i, v, w_prev)
        if backtrack:  # ||F_i(v) - F_i(w_prev)|| above the estimate: L grows (next outer step)
            run.L.observe(norm(xp, diff), norm(xp, v - w_prev))
        est = phi_w + eta * diff + (v - w_prev)
        v_new = J(vbar - gamma * est, gamma * eta)
        w_prev = w
        if rng.random() < p:
            w = v_new
            phi_w = eta * F.full(w) + (w - u)
        v = v_new
        if run.over_budget():
            break
    return v


def vr_inexact_halpern(run: MonotoneRun, *, eta: float | None = None,
                       inner_step: float = 5.0, inner_iters: float = 0.05):
    """Inexact Halpern iteration with VR-FoRB inner solves (Algorithm 2).

    Options
    -------
    eta : float, optional
        Resolvent step; default ``sqrt(n) / L``.
    inner_step : float
        ``c`` in the inner step ``gamma = min(c sqrt(p (1 - p)), 1/2) / (eta L + 1)`` (authors:
        5; theory: of order 1; the cap keeps ``gamma L_inner <= 1/2`` for small ``n``).
    inner_iters : float
        ``c`` in the inner iteration count ``M_k = ceil(c n log(k + 2))`` (authors: 0.05).
    """
    fixed = check_real("eta", eta, low=0.0, low_open=True, allow_none=True)
    c_step = check_real("inner_step", inner_step, low=0.0, low_open=True)
    c_iters = check_real("inner_iters", inner_iters, low=0.0, low_open=True)
    n, u0, F = run.n, run.x0, run.F
    p = 1.0 / n if n > 2 else 0.5
    step = fixed if fixed is not None else math.sqrt(n) / run.L.value
    # the authors' c = 5 with the cap gamma L_inner <= 1/2 (a bound their n = 500 runs meet,
    # 5 sqrt(p (1 - p)) = 0.22; small n would otherwise diverge)
    gamma = min(c_step * math.sqrt(p * (1 - p)), 0.5) / (step * run.L.value + 1.0)
    u, Fu = u0, run.F0
    k = 0
    while not run.check(u, Fu):
        if fixed is None:  # the estimate of L may have grown (backtracking)
            step = math.sqrt(n) / run.L.value
        gamma = min(c_step * math.sqrt(p * (1 - p)), 0.5) / (step * run.L.value + 1.0)
        lam = 1.0 / (k + 2)
        steps = max(1, math.ceil(c_iters * n * np.log(k + 2)))
        v = _forb(run, u, Fu, step, gamma, p, steps, fixed is None and not run.L.known)
        u = lam * u0 + (1 - lam) * v
        k += 1
        if run.stop(u):
            break
        Fu = F.full(u)
    return run.result(u, "vr-inexact-halpern", eta=step, inner_step=gamma)
