"""Reusable test-problem generators.

==============================  ===================================================================
``poisson2d``                   5-point Poisson / variable-coefficient diffusion, optional obstacles
``poisson3d``                   7-point Poisson / variable-coefficient diffusion, optional obstacles
``poisson``                     either, by dimension
``random_spd``                  dense SPD matrix with a chosen condition number and spectrum
``obstacle_mask``               solid-cell masks (disk/ball, random boxes or balls)
``hock_schittkowski``           Hock-Schittkowski equality problems (exact derivatives)
``poisson_control``             sparse Poisson optimal control (equality constrained)
``constrained_logistic``        logistic regression with linear and sphere constraints
``EQ_SUITE``, ``eq_problem``    equality-constrained robustness suite (62 problems, issue 14)
``kkt_residual_ls``             KKT residual with least-squares multipliers (any solver's x)
``shifted_poisson_sequence``    diagonally shifted Poisson systems (SOR tuning)
``heat2d_sequence``             Crank-Nicolson heat steps with time-varying diffusion
==============================  ===================================================================
"""

from ._constrained import (
    HS_PROBLEMS,
    ConstrainedProblem,
    constrained_logistic,
    hock_schittkowski,
    poisson_control,
)
from ._eq_suite import EQ_SUITE, eq_problem, kkt_residual_ls
from ._obstacles import obstacle_mask
from ._poisson import poisson, poisson2d, poisson3d
from ._sequences import heat2d_sequence, shifted_poisson_sequence
from ._spd import random_spd

__all__ = [
    "HS_PROBLEMS",
    "ConstrainedProblem",
    "EQ_SUITE",
    "eq_problem",
    "kkt_residual_ls",
    "constrained_logistic",
    "heat2d_sequence",
    "hock_schittkowski",
    "obstacle_mask",
    "poisson",
    "poisson2d",
    "poisson3d",
    "poisson_control",
    "random_spd",
    "shifted_poisson_sequence",
]
