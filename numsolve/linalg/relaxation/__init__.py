"""Relaxation: SOR and SSOR-preconditioned CG, omega tuners (bandits) and sequences of systems.

Reached through :func:`numsolve.solve` (``method='sor'``, ``'ssor-cg'``) and
:func:`numsolve.solve_batch` (sequences of systems, a tuner learning omega across them); the
tuners, :class:`SORSmoother` and :class:`MulticolorSOR` are re-exported by
:mod:`numsolve.linalg`; :func:`replay` (run a tuner on a table of costs), ``DEFAULT_GRID`` (the
omega grid of the bandits) and :func:`chebyshev_features` are the tools of the benchmarks. The
Numba sweep kernels live in ``_sor_kernels``.
"""

from ._sor import (
    MulticolorSOR,
    SORSmoother,
    SSORPreconditioner,
    ssor_preconditioner,
    young_omega,
)
from ._tuners import (
    DEFAULT_GRID,
    ChebCB,
    FixedOmega,
    TsallisINF,
    TsallisINFCB,
    chebyshev_features,
    replay,
)

__all__ = [
    "DEFAULT_GRID",
    "ChebCB",
    "FixedOmega",
    "MulticolorSOR",
    "SORSmoother",
    "SSORPreconditioner",
    "TsallisINF",
    "TsallisINFCB",
    "chebyshev_features",
    "replay",
    "ssor_preconditioner",
    "young_omega",
]
