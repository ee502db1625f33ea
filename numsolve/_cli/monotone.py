"""Demo recipes of ``solve_monotone``: the policeman-burglar matrix game (against the LP solve by
``scipy.optimize.linprog``, HiGHS) and the hard QP (against a direct solve of ``F(u) = 0``).

The residual column holds the certificate ``||u - P(u - F(u))||`` (``||F(u)||`` for the QP) of
both lines' solutions; iterations are epochs (``n`` component evaluations each) for numsolve.
Every run stops at ``rtol`` = ``_RTOL`` of its initial residual (anchored methods converge as
``O(1/k)``, so the demo asks for two to three digits).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy.optimize import linprog

from ..problems import hard_qp, matrix_game
from ._common import DemoSettings, row, timed

__all__ = ["RECIPES", "game_entry", "qp_entry"]

_RTOL = {"matrix-game": 3e-2, "hard-qp": 0.1}


def _lp_point(A: np.ndarray) -> np.ndarray:
    """Both players' optimal strategies from one LP (the duals of ``A x <= t`` give ``y``)."""
    m, k = A.shape
    c = np.r_[np.zeros(k), 1.0]
    r = linprog(c, A_ub=np.hstack([A, -np.ones((m, 1))]), b_ub=np.zeros(m),
                A_eq=np.r_[np.ones(k), 0.0][None, :], b_eq=[1.0],
                bounds=[(0, None)] * k + [(None, None)], method="highs")
    return np.concatenate([r.x[:k], -r.ineqlin.marginals])


def game_entry(method: str, options: Mapping[str, Any] | None = None
               ) -> Callable[[DemoSettings], dict]:
    """Demo entry: ``method`` on a ``size/4 x size/4`` (at least 32 x 32) policeman-burglar game
    vs ``linprog``."""
    options = dict(options or {})

    def entry(settings: DemoSettings) -> dict:
        n = max(32, settings.size // 4)
        p = matrix_game(n, rng=settings.seed + 1)
        res, t = timed(lambda: p.solve(method, rtol=_RTOL["matrix-game"], rng=settings.seed,
                                       max_evals=20000 * n, options=options), settings.repeat)
        u_lp, tr = timed(lambda: _lp_point(p.info["A"]), settings.repeat)
        F = p.operator
        ref_res = float(np.linalg.norm(u_lp - p.prox(u_lp - F.full(u_lp))))
        return row("solve_monotone", method, f"matrix game {n}x{n}", 2 * n,
                   round(res.epochs), res.residual, t, res.success, "scipy linprog (HiGHS)",
                   1, ref_res, tr, True)

    entry.__name__ = f"game_entry[{method}]"
    return entry


def qp_entry(method: str, options: Mapping[str, Any] | None = None
             ) -> Callable[[DemoSettings], dict]:
    """Demo entry: ``method`` on the hard QP with ``size/4`` variables vs a direct solve."""
    options = dict(options or {})

    def entry(settings: DemoSettings) -> dict:
        n = max(4, settings.size // 4)
        p = hard_qp(n)
        res, t = timed(lambda: p.solve(method, rtol=_RTOL["hard-qp"], rng=settings.seed,
                                       max_evals=50000 * n, options=options), settings.repeat)
        M, q = p.info["M"], p.info["q"]
        u, tr = timed(lambda: np.linalg.solve(M, -q), settings.repeat)
        return row("solve_monotone", method, f"hard QP n={n}", 2 * n, round(res.epochs),
                   res.residual, t, res.success, "numpy.linalg.solve (KKT)", 1,
                   float(np.linalg.norm(M @ u + q)), tr, True)

    entry.__name__ = f"qp_entry[{method}]"
    return entry


#: ``(entry point, problem) -> recipe(method, options) -> entry``
RECIPES = {
    ("solve_monotone", "matrix-game"): lambda m, o: game_entry(m, o),
    ("solve_monotone", "hard-qp"): lambda m, o: qp_entry(m, o),
}



