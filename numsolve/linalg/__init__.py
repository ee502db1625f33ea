"""Linear systems: :func:`solve`, :func:`solve_batch` and the solvers behind them.

========================  ======================================================================
method                    what it is
========================  ======================================================================
``'cg'``                  preconditioned conjugate gradients (SPD ``A``); fused Numba kernels on
                          CSR, array-API code on CuPy and dense/``LinearOperator`` input
``'direct'``              LU factorisation (LAPACK dense, SuperLU sparse)
``'fcg'``/``'dcdm'``      flexible CG (nonlinear ``M``); DCDM = FCG with a learned direction model
``'gmres'``/``'fgmres'``  restarted (flexible) GMRES, right preconditioning, nonsymmetric ``A``
``'minres'``              MINRES for symmetric indefinite ``A`` (KKT systems)
========================  ======================================================================
"""

from ._solve import SOLVE_BATCH_METHODS, SOLVE_METHODS, solve, solve_batch

__all__ = ["solve", "solve_batch", "SOLVE_METHODS", "SOLVE_BATCH_METHODS"]

# flexible Krylov solvers and direction models (issue 4)
from ._fcg import dcdm, fcg
from ._gmres import fgmres, gmres
from ._minres import minres
from ._models import DirectionModel, MultilevelStencilModel, sine_training_vectors

__all__ += ["fcg", "dcdm", "gmres", "fgmres", "minres", "DirectionModel",
            "MultilevelStencilModel", "sine_training_vectors"]

# SOR/SSOR and omega tuners (issue 3)
from ._sor import MulticolorSOR, SSORPreconditioner, ssor_preconditioner, young_omega
from ._tuners import ChebCB, FixedOmega, TsallisINF

__all__ += ["ssor_preconditioner", "SSORPreconditioner", "MulticolorSOR", "young_omega",
            "TsallisINF", "ChebCB", "FixedOmega"]
