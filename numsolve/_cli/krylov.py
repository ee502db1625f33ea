"""Demo recipe of the Krylov family: DCDM with a fitted :class:`MultilevelStencilModel`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numsolve

from ..linalg import MultilevelStencilModel
from ..problems import poisson2d
from ._common import DemoSettings, relres, row, scipy_cg, timed

__all__ = ["RECIPES", "dcdm_entry"]


def _odd_poisson2d(settings: DemoSettings):
    """2-D Poisson on an odd grid (``size - 1`` for even sizes): multigrid-friendly sizes."""
    N = max(settings.size - 1 + settings.size % 2, 3)
    return poisson2d(N), f"poisson2d {N}x{N}"


def dcdm_entry(method: str = "dcdm", options: Mapping | None = None) -> Callable:
    """Demo entry: fit a :class:`MultilevelStencilModel` (timed separately), then
    ``numsolve.solve(A, b, method='dcdm', model=model)`` vs :func:`scipy.sparse.linalg.cg`.

    The problem is 2-D Poisson on an odd grid (``size - 1`` points for an even ``size``): the
    model's coarsening is exact on ``2^k - 1`` grids.
    """

    def entry(settings: DemoSettings) -> dict:
        A, label = _odd_poisson2d(settings)
        model = MultilevelStencilModel().fit(A, n_samples=50, rng=settings.seed)
        b = settings.rng(1).standard_normal(A.shape[0])
        res, t = timed(lambda: numsolve.solve(A, b, method=method, model=model,
                                              rtol=settings.rtol, options=options),
                       settings.repeat)
        (xr, nr, okr), tr = timed(lambda: scipy_cg(A, b, settings.rtol), settings.repeat)
        return row("solve", f"{method} (fit {model.fit_seconds_:.1f} s)", label, A.shape[0],
                   int(res.nit), relres(A, res.x, b), t, res.success, "scipy cg", nr,
                   relres(A, xr, b), tr, okr)

    entry.__name__ = f"dcdm_entry[{method}]"
    return entry


#: ``(entry point, problem) -> recipe(method, options) -> entry``
RECIPES = {
    ("solve", "poisson2d-fitted-model"): lambda m, o: dcdm_entry(m, o),
}
