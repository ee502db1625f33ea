"""Demo recipes of ``minimize(method='bcd')``: recipe-A least squares (greedy BCD next to
SciPy's L-BFGS-B) and lattice label propagation (message passing on comb forests next to a
sparse direct solve)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import scipy.optimize as sopt
from scipy.sparse.linalg import spsolve

import numsolve

from ..objectives import LeastSquares
from ..problems import bcd_dataset, label_propagation
from ._common import DemoSettings, row, timed

__all__ = ["RECIPES", "bcd_least_squares_entry", "bcd_lattice_entry"]


def bcd_least_squares_entry(method: str = "bcd", options: Mapping[str, Any] | None = None
                            ) -> Callable[[DemoSettings], dict]:
    """Recipe A's design (``4 size`` samples, ``size`` features, ridge 1) by variable-block
    GSD with the matrix update, next to L-BFGS-B, both stopped at ``||grad f||_inf <= 1e-6
    ||grad f(0)||_inf``; the residual column is that relative gradient norm."""
    options = dict(options or {})

    def entry(settings: DemoSettings) -> dict:
        p = bcd_dataset("A", n_samples=4 * settings.size, n_features=settings.size,
                        rng=settings.seed)
        f = LeastSquares(p.objective.A, p.objective.b, l2=1.0)
        g0 = float(np.max(np.abs(f.grad(p.x0))))
        opts = {"gtol": 1e-6 * g0, "maxiter": 100000, "block_size": 5, **options}
        res, t = timed(lambda: numsolve.minimize(f, p.x0, method=method, options=opts),
                       settings.repeat)
        ref, tr = timed(lambda: sopt.minimize(f, p.x0, jac=f.grad, method="L-BFGS-B",
                                              options={"gtol": 1e-6 * g0, "maxiter": 100000,
                                                       "ftol": 0.0}), settings.repeat)

        def rel(x):
            return float(np.max(np.abs(f.grad(x)))) / g0

        return row("minimize", f"{method} (gsd, variable)", f"recipe A {f.A.shape}", f.dim,
                   int(res.nit), rel(res.x), t, res.success, "scipy L-BFGS-B", int(ref.nit),
                   rel(ref.x), tr, ref.success)

    entry.__name__ = "bcd_least_squares_entry"
    return entry


def bcd_lattice_entry(method: str = "bcd", options: Mapping[str, Any] | None = None
                      ) -> Callable[[DemoSettings], dict]:
    """Label propagation on a ``size/2 x size/2`` lattice: tree blocks with message passing;
    reference a sparse direct solve. Residual: ``||Q x - c||_inf / ||c||_inf`` (BCD stops
    at 1e-8)."""
    options = dict(options or {})

    def entry(settings: DemoSettings) -> dict:
        side = max(4, settings.size // 2)
        q = label_propagation(side, side, n_labelled=max(2, side * side // 25),
                              rng=settings.seed)
        opts = {"partition": "tree", "selection": "cyclic", "maxiter": 100000,
                "gtol": 1e-8 * float(np.max(np.abs(q.c))), **options}
        res, t = timed(lambda: numsolve.minimize(q, np.zeros(q.n), method=method,
                                                 options=opts), settings.repeat)
        ref, tr = timed(lambda: spsolve(q.Q.tocsc(), q.c), settings.repeat)

        def rel(x):
            return float(np.max(np.abs(q.grad(x))) / np.max(np.abs(q.c)))

        return row("minimize", f"{method} (tree)", f"lattice {side}x{side}", q.n,
                   int(res.nit), rel(res.x), t, res.success, "scipy spsolve", 1, rel(ref),
                   tr, True)

    entry.__name__ = "bcd_lattice_entry"
    return entry


#: ``(entry point, problem) -> recipe(method, options) -> entry``
RECIPES = {
    ("minimize", "bcd-least-squares"): lambda m, o: bcd_least_squares_entry(m, o),
    ("minimize", "bcd-lattice"): lambda m, o: bcd_lattice_entry(m, o),
}
