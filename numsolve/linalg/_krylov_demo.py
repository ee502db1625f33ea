"""Demo entry of ``python -m numsolve demo`` for DCDM with the shipped stencil model."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["dcdm_entry"]


def _odd_poisson2d(settings):
    """2-D Poisson on an odd grid (``size - 1`` for even sizes): multigrid-friendly sizes."""
    from numsolve.problems import poisson2d

    N = settings.size - 1 + settings.size % 2
    N = max(N, 3)
    return poisson2d(N), f"poisson2d {N}x{N}"


def dcdm_entry(problem="odd-poisson2d") -> Callable:
    """Demo entry: fit a :class:`MultilevelStencilModel` (timed separately), then
    ``numsolve.solve(A, b, method='dcdm', model=model)`` vs :func:`scipy.sparse.linalg.cg`.

    The default problem is 2-D Poisson on an odd grid (``size - 1`` points for an even
    ``size``): the model's coarsening is exact on ``2^k - 1`` grids.
    """
    if problem == "odd-poisson2d":
        problem = _odd_poisson2d

    def entry(settings) -> dict:
        import numsolve
        from numsolve.__main__ import _problem, _relres, _row, _scipy_cg, _timed

        from ._models import MultilevelStencilModel

        A, label = _problem(problem, settings)
        model = MultilevelStencilModel().fit(A, n_samples=50, rng=settings.seed)
        b = settings.rng(1).standard_normal(A.shape[0])
        res, t = _timed(lambda: numsolve.solve(A, b, method="dcdm", model=model,
                                               rtol=settings.rtol), settings.repeat)
        (xr, nr, okr), tr = _timed(lambda: _scipy_cg(A, b, settings.rtol), settings.repeat)
        return _row("solve", f"dcdm (fit {model.fit_seconds_:.1f} s)", label, A.shape[0],
                    int(res.nit), _relres(A, res.x, b), t, res.success, "scipy cg", nr,
                    _relres(A, xr, b), tr, okr)

    entry.__name__ = f"dcdm_entry[{getattr(problem, '__name__', problem)}]"
    return entry
