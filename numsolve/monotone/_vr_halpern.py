"""Algorithm 1 (``'vr-halpern'``): Halpern iteration with a PAGE-style recursive
variance-reduced estimator, cocoercive case (spec section 2; Cai, Alacaoglu & Diakonikolas,
ICLR 2024). The constants are the authors' (spec section 2)::

    g = F(u0); u_prev = u = u0; b = floor(sqrt(n))
    for k = 0, 1, ...:
        lam_k = 2 / (k + 4)                       # not 1/(k+2): spec section 8
        full  = k <= 1, or Bernoulli(4/(k+4)) while k - 1 <= sqrt(n), else Bernoulli(4/(sqrt(n)+5))
        g     = F(u)                              if full    (n components)
        g     = g + mean_{i in S}(F_i(u) - F_i(u_prev)), |S| = b without replacement  (2b)
        u_prev, u = u, J_{eta G}(lam_k u0 + (1 - lam_k) u - eta g)   # anchor inside J

A full refresh evaluates ``F(u)`` exactly, so the certificate ``Res(u)`` is checked there at no
cost. Default step ``eta = 1/L`` (``L`` the components' Lipschitz constant in mean; theory: of
order ``1/L``); the authors tune ``eta = 0.3`` on the QP and ``5/||A||_F`` on the matrix game
(the problems of :mod:`numsolve.problems` carry these as ``options``). With an unknown ``L`` the
estimate doubles whenever a mini-batch difference quotient exceeds it (backtracking).
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_int, check_real
from ._common import MonotoneRun, norm

__all__ = ["vr_halpern"]


def _refresh(rng, k: int, sqrt_n: float) -> bool:
    """Whether iteration ``k`` evaluates ``F`` in full (the PAGE probabilities of Alg. 1)."""
    if k <= 1:
        return True
    p = 4.0 / (k + 4) if k - 1 <= sqrt_n else 4.0 / (sqrt_n + 5)
    return bool(rng.random() < p)


def vr_halpern(run: MonotoneRun, *, eta: float | None = None, batch_size: int | None = None):
    """Variance-reduced Halpern iteration (Algorithm 1).

    Options
    -------
    eta : float, optional
        Step; default ``1 / L``.
    batch_size : int, optional
        Mini-batch ``b`` of the recursive updates; default ``floor(sqrt(n))``.
    """
    fixed = check_real("eta", eta, low=0.0, low_open=True, allow_none=True)
    n = run.n
    b = check_int("batch_size", batch_size, low=1, high=n, allow_none=True) or math.isqrt(n)
    xp, u0, F, J, rng = run.xp, run.x0, run.F, run.prox, run.rng
    sqrt_n = math.sqrt(n)
    u = u_prev = u0
    g = run.F0
    k = 0
    step = fixed if fixed is not None else 1.0 / run.L.value
    while True:
        lam = 2.0 / (k + 4)
        if k == 0:
            full = True  # g = F(u0) already
        elif _refresh(rng, k, sqrt_n):
            g = F.full(u)
            full = True
        else:
            S = rng.choice(n, b, replace=False) if b < n else np.arange(n)
            diff = F.batch_diff(S, u, u_prev)
            if fixed is None:  # ||mean_S (F_i(u) - F_i(u_prev))|| <= L ||u - u_prev||
                run.L.observe(norm(xp, diff), norm(xp, u - u_prev))
            g = g + diff
            full = False
        if full and run.check(u, g):
            break
        step = fixed if fixed is not None else 1.0 / run.L.value
        u_prev = u
        u = J(lam * u0 + (1 - lam) * u - step * g, step)
        k += 1
        if run.stop(u):
            break
    return run.result(u, "vr-halpern", eta=step, batch_size=b)
