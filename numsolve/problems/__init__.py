"""Reusable test-problem generators.

=====================  =========================================================================
``poisson2d``          5-point Poisson / variable-coefficient diffusion, optional obstacles
``poisson3d``          7-point Poisson / variable-coefficient diffusion, optional obstacles
``poisson``            either, by dimension
``random_spd``         dense SPD matrix with a chosen condition number and spectrum
``obstacle_mask``      solid-cell masks (disk/ball, random boxes or balls) for ``obstacle=``
=====================  =========================================================================
"""

from ._poisson import poisson, poisson2d, poisson3d
from ._spd import random_spd

__all__ = ["poisson", "poisson2d", "poisson3d", "random_spd"]

from ._obstacles import obstacle_mask  # issue 4

__all__ += ["obstacle_mask"]
