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
``matrix_game``                 policeman-and-burglar bilinear game over simplices (min-max)
``normalized_matrix_game``      the same game scaled to ``||A||_F = 1`` (absolute residuals)
``hard_qp``                     Ouyang-Xu hard linearly constrained QP as a min-max problem
``quadratic_minimax``           regularised finite-sum quadratic min-max (closed-form solution)
``dro_logistic``                distributionally robust logistic regression (chi-square ball)
``group_dro``                   group-DRO logistic regression, synthetic group shifts (min-max)
``low_rank_completion``         observed entries of a random low-rank matrix (never densified)
``darcy_sequence``              Darcy flow, random log-normal permeabilities (SPD batch)
``convection_diffusion_sequence``  upwind convection-diffusion, varying wind (nonsymmetric batch)
``heat_sweep``                  implicit heat steps over a sweep of diffusion coefficients
``gaussian_random_field``       periodic Gaussian random fields (spectral synthesis)
``bcd_dataset``                 block coordinate descent data sets A-D (least squares, logistic...)
``label_propagation``           label propagation on a lattice (sparse quadratic, lattice map)
==============================  ===================================================================
"""

from ._bcd import BCDProblem, bcd_dataset, bcd_design, label_propagation
from ._completion import CompletionProblem, low_rank_completion
from ._constrained import (
    HS_PROBLEMS,
    ConstrainedProblem,
    constrained_logistic,
    hock_schittkowski,
    poisson_control,
)
from ._eq_suite import EQ_SUITE, eq_problem, kkt_residual_ls
from ._minimax import (
    MinimaxProblem,
    dro_logistic,
    group_dro,
    hard_qp,
    matrix_game,
    normalized_matrix_game,
    quadratic_minimax,
)
from ._obstacles import obstacle_mask
from ._pde_sequences import (
    convection_diffusion_sequence,
    darcy_sequence,
    gaussian_random_field,
    heat_sweep,
)
from ._poisson import poisson, poisson2d, poisson3d
from ._sequences import heat2d_sequence, shifted_poisson_sequence
from ._spd import random_spd

__all__ = [
    "BCDProblem",
    "bcd_dataset",
    "bcd_design",
    "label_propagation",
    "HS_PROBLEMS",
    "CompletionProblem",
    "ConstrainedProblem",
    "MinimaxProblem",
    "constrained_logistic",
    "dro_logistic",
    "group_dro",
    "hard_qp",
    "matrix_game",
    "normalized_matrix_game",
    "EQ_SUITE",
    "eq_problem",
    "kkt_residual_ls",
    "convection_diffusion_sequence",
    "darcy_sequence",
    "gaussian_random_field",
    "heat_sweep",
    "heat2d_sequence",
    "hock_schittkowski",
    "low_rank_completion",
    "obstacle_mask",
    "poisson",
    "poisson2d",
    "poisson3d",
    "poisson_control",
    "quadratic_minimax",
    "random_spd",
    "shifted_poisson_sequence",
]
