"""Monotone inclusions and min-max problems: the variance-reduced Halpern iteration.

:func:`solve_monotone` solves ``0 in F(u) + G(u)`` for a finite-sum operator
``F = (1/n) sum_i F_i`` (:class:`FiniteSumOperator`) and a simple ``G`` given by its resolvent
(:class:`Simplex`, :class:`Box`, :class:`L1`, :class:`Chi2BallSimplex`, :class:`Product`), with
the methods of :data:`MONOTONE_METHODS` and a computable residual certificate;
:func:`minimax` is the front end for convex-concave saddle problems.
"""

from ._minimax import minimax
from ._operators import FiniteSumOperator, spectral_norm
from ._prox import (
    L1,
    Box,
    Chi2BallSimplex,
    Identity,
    Product,
    Simplex,
    as_resolvent,
    project_simplex,
)
from ._solve import MONOTONE_METHODS, solve_monotone

__all__ = [
    "MONOTONE_METHODS",
    "Box",
    "Chi2BallSimplex",
    "FiniteSumOperator",
    "Identity",
    "L1",
    "Product",
    "Simplex",
    "as_resolvent",
    "minimax",
    "project_simplex",
    "solve_monotone",
    "spectral_norm",
]
