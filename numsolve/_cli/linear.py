"""Demo recipes of the linear solvers (``solve``, ``solve_batch``): Poisson problems against
:func:`scipy.sparse.linalg.cg`, dense stacks against :func:`numpy.linalg.solve`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import numsolve

from ..problems import poisson2d, poisson3d, random_spd
from ._common import DemoSettings, relres, row, scipy_cg, timed

__all__ = ["DEMO_PROBLEMS", "RECIPES", "solve_entry", "solve_batch_entry", "stack_entry"]


def _poisson2d(settings: DemoSettings, N: int):
    return poisson2d(N), f"poisson2d {N}x{N}"


def _poisson3d(settings: DemoSettings, N: int):
    return poisson3d(N), f"poisson3d {N}^3"


#: Named demo problems: ``name -> builder(settings) -> (A, label)``.
DEMO_PROBLEMS: dict[str, Callable[[DemoSettings], tuple[Any, str]]] = {
    "poisson2d": lambda s: _poisson2d(s, s.size),
    "poisson2d-small": lambda s: _poisson2d(s, max(2, s.size // 2)),
    "poisson3d": lambda s: _poisson3d(s, max(2, s.size // 4)),
}


def _problem(problem: str | Callable, settings: DemoSettings):
    builder = DEMO_PROBLEMS[problem] if isinstance(problem, str) else problem
    return builder(settings)


def solve_entry(method: str, problem: str | Callable = "poisson2d", *,
                options: Mapping[str, Any] | None = None) -> Callable[[DemoSettings], dict]:
    """Demo entry: ``numsolve.solve(A, b, method=method)`` vs :func:`scipy.sparse.linalg.cg`.

    Parameters
    ----------
    method : str
        A :data:`numsolve.linalg.SOLVE_METHODS` name.
    problem : str or callable
        A :data:`DEMO_PROBLEMS` name or a builder ``(settings) -> (A, label)`` giving an SPD
        matrix.
    options : dict, optional
        Passed as ``options=`` to :func:`numsolve.solve`.

    Returns
    -------
    entry : callable
        ``entry(settings) -> row`` (see :func:`run_demo`).
    """

    def entry(settings: DemoSettings) -> dict:
        def run(s: DemoSettings):
            A, label = _problem(problem, s)
            b = s.rng(1).standard_normal(A.shape[0])
            return A, label, b, lambda: numsolve.solve(A, b, method=method, rtol=s.rtol,
                                                        options=options)

        run(settings.tiny())[3]()  # warm-up: Numba compile / cache load is not timed
        A, label, b, call = run(settings)
        res, t = timed(call, settings.repeat)
        (xr, nr, okr), tr = timed(lambda: scipy_cg(A, b, settings.rtol), settings.repeat)
        return row("solve", method, label, A.shape[0], int(res.nit), relres(A, res.x, b), t,
                    res.success, "scipy cg", nr, relres(A, xr, b), tr, okr)

    entry.__name__ = f"solve_entry[{method}, {getattr(problem, '__name__', problem)}]"
    return entry


def solve_batch_entry(method: str, problem: str | Callable = "poisson2d-small", *,
                      options: Mapping[str, Any] | None = None) -> Callable[[DemoSettings], dict]:
    """Demo entry: ``numsolve.solve_batch`` with many right-hand sides vs SciPy CG per column.

    ``B`` has ``settings.nrhs`` random columns; the reference is one
    :func:`scipy.sparse.linalg.cg` call per column.

    Parameters
    ----------
    method : str
        A :data:`numsolve.linalg.SOLVE_BATCH_METHODS` name.
    problem : str or callable
        A :data:`DEMO_PROBLEMS` name or a builder ``(settings) -> (A, label)``.
    options : dict, optional
        Passed as ``options=`` to :func:`numsolve.solve_batch`.

    Returns
    -------
    entry : callable
        ``entry(settings) -> row``; iterations are the maximum over the columns.
    """

    def entry(settings: DemoSettings) -> dict:
        def run(s: DemoSettings):
            A, label = _problem(problem, s)
            B = s.rng(2).standard_normal((A.shape[0], s.nrhs))
            return A, label, B, lambda: numsolve.solve_batch(A, B, method=method, rtol=s.rtol,
                                                              options=options)

        run(settings.tiny())[3]()
        A, label, B, call = run(settings)
        k = B.shape[1]
        res, t = timed(call, settings.repeat)

        def reference():
            outs = [scipy_cg(A, B[:, j], settings.rtol) for j in range(k)]
            return np.column_stack([o[0] for o in outs]), max(o[1] for o in outs), all(
                o[2] for o in outs)

        (Xr, nr, okr), tr = timed(reference, settings.repeat)
        return row("solve_batch", method, f"{label}, {k} rhs", A.shape[0],
                    int(np.max(res.nit)), relres(A, res.x, B), t, np.all(res.success),
                    f"{k}x scipy cg", nr, relres(A, Xr, B), tr, okr)

    entry.__name__ = f"solve_batch_entry[{method}, {getattr(problem, '__name__', problem)}]"
    return entry


def stack_entry(method: str, *, cond: float = 1e2,
                options: Mapping[str, Any] | None = None) -> Callable[[DemoSettings], dict]:
    """Demo entry: ``numsolve.solve_batch`` on a dense stack vs :func:`numpy.linalg.solve`.

    The stack holds ``m`` random SPD ``(n, n)`` matrices, ``(m, n) = settings.stack_shape``.

    Parameters
    ----------
    method : str
        A :data:`numsolve.linalg.SOLVE_BATCH_METHODS` name.
    cond : float
        Condition number of every matrix (:func:`numsolve.problems.random_spd`).
    options : dict, optional
        Passed as ``options=`` to :func:`numsolve.solve_batch`.

    Returns
    -------
    entry : callable
        ``entry(settings) -> row``; iterations are the maximum over the systems.
    """

    def entry(settings: DemoSettings) -> dict:
        def run(s: DemoSettings):
            m, n = s.stack_shape
            rng = s.rng(3)
            A = np.stack([random_spd(n, cond, rng=rng) for _ in range(m)])
            B = rng.standard_normal((m, n))
            return A, B, lambda: numsolve.solve_batch(A, B, method=method, rtol=s.rtol,
                                                      options=options)

        run(settings.tiny())[2]()
        A, B, call = run(settings)
        m, n = settings.stack_shape
        res, t = timed(call, settings.repeat)
        Xr, tr = timed(lambda: np.linalg.solve(A, B[:, :, None])[:, :, 0], settings.repeat)

        def relres(X):
            R = B - np.einsum("mij,mj->mi", A, np.asarray(X))
            return float(np.max(np.linalg.norm(R, axis=1) / np.linalg.norm(B, axis=1)))

        return row("solve_batch", method, f"{m} random SPD {n}x{n} (cond {cond:g})", n,
                    int(np.max(res.nit)), relres(res.x), t, np.all(res.success),
                    "numpy.linalg.solve", "-", relres(Xr), tr, True)

    entry.__name__ = f"stack_entry[{method}]"
    return entry


#: ``(entry point, problem) -> recipe(method, options) -> entry`` (see :mod:`numsolve._cli.demo`)
RECIPES = {
    ("solve", "poisson2d"): lambda m, o: solve_entry(m, "poisson2d", options=o),
    ("solve", "poisson3d"): lambda m, o: solve_entry(m, "poisson3d", options=o),
    ("solve_batch", "poisson2d-many-rhs"): lambda m, o: solve_batch_entry(m, "poisson2d-small",
                                                                          options=o),
    ("solve_batch", "spd-stack"): lambda m, o: stack_entry(m, options=o),
}
