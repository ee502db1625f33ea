"""Reusable test-problem generators.

=====================  =========================================================================
``poisson2d``          5-point Poisson / variable-coefficient diffusion, optional obstacles
``poisson3d``          7-point Poisson / variable-coefficient diffusion, optional obstacles
``poisson``            either, by dimension
``random_spd``         dense SPD matrix with a chosen condition number and spectrum
=====================  =========================================================================
"""

from ._poisson import poisson, poisson2d, poisson3d
from ._spd import random_spd

__all__ = ["poisson", "poisson2d", "poisson3d", "random_spd"]
from ._sequences import heat2d_sequence, shifted_poisson_sequence

__all__ += ["shifted_poisson_sequence", "heat2d_sequence"]
