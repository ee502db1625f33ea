"""Linear systems: :func:`solve`, :func:`solve_batch`, :func:`lstsq` and the solvers behind them.

==========================  ====================================================================
method                      what it is
==========================  ====================================================================
``'cg'``                    preconditioned conjugate gradients (SPD ``A``); fused Numba kernels
                            on CSR, array-API code on CuPy and dense/``LinearOperator`` input
``'direct'``                LU factorisation (LAPACK dense, SuperLU sparse)
``'fcg'``/``'dcdm'``        flexible CG (nonlinear ``M``); DCDM = FCG with a learned direction
                            model
``'gmres'``/``'fgmres'``    restarted (flexible) GMRES, right preconditioning, nonsymmetric ``A``
``'minres'``                MINRES for symmetric indefinite ``A`` (KKT systems)
``'sor'``/``'ssor-cg'``     SOR, and CG preconditioned by SSOR(omega); omega fixed or tuned
                            online by a bandit over sequences of systems
``'sketch-project'``        randomized block Kaczmarz / Gaussian / sparse-sign sketch-and-project
==========================  ====================================================================
"""

from . import sketch
from ._fcg import dcdm, fcg
from ._gmres import fgmres, gmres
from ._lstsq import LSTSQ_METHODS, lstsq
from ._minres import minres
from ._models import DirectionModel, MultilevelStencilModel, sine_training_vectors
from ._solve import SOLVE_BATCH_METHODS, SOLVE_METHODS, solve, solve_batch
from ._sor import MulticolorSOR, SSORPreconditioner, ssor_preconditioner, young_omega
from ._tuners import ChebCB, FixedOmega, TsallisINF, TsallisINFCB

__all__ = [
    "LSTSQ_METHODS",
    "SOLVE_BATCH_METHODS",
    "SOLVE_METHODS",
    "ChebCB",
    "DirectionModel",
    "FixedOmega",
    "MulticolorSOR",
    "MultilevelStencilModel",
    "SSORPreconditioner",
    "TsallisINF",
    "TsallisINFCB",
    "dcdm",
    "fcg",
    "fgmres",
    "gmres",
    "lstsq",
    "minres",
    "sine_training_vectors",
    "sketch",
    "solve",
    "solve_batch",
    "ssor_preconditioner",
    "young_omega",
]
