"""Linear systems: :func:`solve`, :func:`solve_batch` and the solvers behind them.

========================  ======================================================================
method                    what it is
========================  ======================================================================
``'cg'``                  preconditioned conjugate gradients (SPD ``A``); fused Numba kernels on
                          CSR, array-API code on CuPy and dense/``LinearOperator`` input
``'direct'``              LU factorisation (LAPACK dense, SuperLU sparse)
========================  ======================================================================
"""

from ._solve import SOLVE_BATCH_METHODS, SOLVE_METHODS, solve, solve_batch

__all__ = ["solve", "solve_batch", "SOLVE_METHODS", "SOLVE_BATCH_METHODS"]

# sketching toolkit and least squares (issue 5)
from . import sketch
from ._lstsq import LSTSQ_METHODS, lstsq

__all__ += ["sketch", "lstsq", "LSTSQ_METHODS"]
