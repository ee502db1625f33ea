"""Krylov solvers: CG and batched CG, flexible CG / DCDM, (F)GMRES, MINRES, direction models.

The solvers are reached through :func:`numsolve.solve` and :func:`numsolve.solve_batch`
(``method='cg'``, ``'fcg'``, ``'dcdm'``, ``'gmres'``, ``'fgmres'``, ``'minres'``); the public
names below are re-exported by :mod:`numsolve.linalg`. The Numba kernels live beside the
solvers that use them (``_cg_kernels``, ``_kernels``).
"""

from ._amg import AMGPreconditioner
from ._fcg import dcdm, fcg
from ._gmres import fgmres, gmres
from ._minres import minres
from ._models import DirectionModel, MultilevelStencilModel, sine_training_vectors
from ._recycle import solve_defcg as defcg
from .gcrodr import gcrodr

__all__ = [
    "AMGPreconditioner",
    "DirectionModel",
    "MultilevelStencilModel",
    "dcdm",
    "defcg",
    "fcg",
    "gcrodr",
    "fgmres",
    "gmres",
    "minres",
    "sine_training_vectors",
]
