"""Relaxation: SOR and SSOR-preconditioned CG, omega tuners (bandits) and sequences of systems.

Reached through :func:`numsolve.solve` (``method='sor'``, ``'ssor-cg'``) and
:func:`numsolve.solve_batch` (sequences of systems, a tuner learning omega across them); the
public names below are re-exported by :mod:`numsolve.linalg`. The Numba sweep kernels live in
``_sor_kernels``.
"""

from ._sor import MulticolorSOR, SSORPreconditioner, ssor_preconditioner, young_omega
from ._tuners import ChebCB, FixedOmega, TsallisINF, TsallisINFCB

__all__ = [
    "ChebCB",
    "FixedOmega",
    "MulticolorSOR",
    "SSORPreconditioner",
    "TsallisINF",
    "TsallisINFCB",
    "ssor_preconditioner",
    "young_omega",
]
