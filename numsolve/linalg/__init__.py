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
``'defcg'``/``'gcrodr'``     deflated CG and GCRO-DR recycling a subspace over a sequence of
                            systems (:class:`SequenceSolver`, ``solve_batch(recycle=k)``)
``'sketch-project'``        randomized block Kaczmarz / Gaussian / sparse-sign sketch-and-project
==========================  ====================================================================
"""

from . import krylov, relaxation, sketch  # noqa: F401  (the family packages)
from ._sequence import SequenceSolver, sort_systems
from ._solve import (
    LSTSQ_METHODS,
    SOLVE_BATCH_METHODS,
    SOLVE_METHODS,
    lstsq,
    solve,
    solve_batch,
)
from .krylov import (
    AMGPreconditioner,
    DirectionModel,
    MultilevelStencilModel,
    dcdm,
    defcg,
    fcg,
    fgmres,
    gcrodr,
    gmres,
    minres,
    sine_training_vectors,
)
from .relaxation import (
    ChebCB,
    FixedOmega,
    MulticolorSOR,
    SORSmoother,
    SSORPreconditioner,
    TsallisINF,
    TsallisINFCB,
    ssor_preconditioner,
    young_omega,
)

__all__ = [
    "AMGPreconditioner",
    "LSTSQ_METHODS",
    "SOLVE_BATCH_METHODS",
    "SOLVE_METHODS",
    "ChebCB",
    "DirectionModel",
    "FixedOmega",
    "MulticolorSOR",
    "MultilevelStencilModel",
    "SORSmoother",
    "SSORPreconditioner",
    "TsallisINF",
    "SequenceSolver",
    "TsallisINFCB",
    "dcdm",
    "defcg",
    "fcg",
    "fgmres",
    "gcrodr",
    "gmres",
    "lstsq",
    "minres",
    "sine_training_vectors",
    "sketch",
    "solve",
    "solve_batch",
    "sort_systems",
    "ssor_preconditioner",
    "young_omega",
]
