"""Solid-obstacle masks for the Poisson generators (DCDM's smoke-around-a-solid setting).

Use with :func:`~numsolve.problems.poisson2d` / :func:`~numsolve.problems.poisson3d`::

    solid = obstacle_mask((127, 127), "disk")
    A = poisson2d(127, obstacle=solid, obstacle_bc="neumann")
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._checks import as_rng

__all__ = ["obstacle_mask"]


def obstacle_mask(
    shape: Sequence[int],
    kind: str = "disk",
    *,
    count: int = 6,
    radius: float = 0.15,
    rng=None,
) -> np.ndarray:
    """Boolean mask of solid cells on a 2-D or 3-D grid of interior points.

    Parameters
    ----------
    shape : tuple of 2 or 3 ints
        Grid shape (interior points per axis), as given to ``poisson2d``/``poisson3d``.
    kind : {'disk', 'boxes', 'random'}
        ``'disk'``: a disk (ball in 3-D) of ``radius`` at ``(0.5, 0.4[, 0.5])`` plus a thin
        plate, a fixed layout (no randomness); ``'boxes'``: ``count`` random axis-aligned
        boxes; ``'random'``: ``count`` random balls.
    count : int
        Number of random shapes (``'boxes'``, ``'random'``).
    radius : float
        Disk/ball radius in units of the unit square/cube (``'disk'``; the random balls use
        radii in ``[radius / 3, radius]``).
    rng : int or numpy.random.Generator, optional
        Seed of the random layouts (same seed, same mask).

    Returns
    -------
    ndarray of bool, shape ``shape``
        ``True`` on solid cells. Cells on the outer boundary layer are never solid, so every
        fluid region touches the Dirichlet boundary only if the layout allows it; with
        ``obstacle_bc='dirichlet'`` the matrix is SPD for any layout.

    Examples
    --------
    >>> from numsolve.problems import obstacle_mask, poisson2d
    >>> solid = obstacle_mask((31, 31), "disk")
    >>> A = poisson2d(31, obstacle=solid)
    >>> A.shape[0] == 31 * 31 - int(solid.sum())
    True
    """
    shape = tuple(int(s) for s in shape)
    d = len(shape)
    if d not in (2, 3) or min(shape) < 1:
        raise ValueError(f"shape must have 2 or 3 positive sizes, got {shape}")
    if kind not in ("disk", "boxes", "random"):
        raise ValueError(f"kind must be 'disk', 'boxes' or 'random', got {kind!r}")
    if not (np.isfinite(radius) and 0 < radius < 0.5):
        raise ValueError(f"radius must be in (0, 0.5), got {radius!r}")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ValueError(f"count must be a non-negative integer, got {count!r}")
    X = np.meshgrid(*[np.arange(1, s + 1) / (s + 1) for s in shape], indexing="ij")
    solid = np.zeros(shape, dtype=bool)
    if kind == "disk":
        center = (0.5, 0.4, 0.5)[:d]
        solid |= sum((x - c) ** 2 for x, c in zip(X, center)) < radius**2
        plate = (X[0] > 0.2) & (X[0] < 0.3) & (X[1] > 0.6) & (X[1] < 0.9)
        solid |= plate
    else:
        gen = as_rng(rng)
        for _ in range(int(count)):
            c = gen.uniform(0.15, 0.85, size=d)
            if kind == "boxes":
                h = gen.uniform(0.03, radius, size=d)
                solid |= np.logical_and.reduce([np.abs(x - ci) < hi
                                                for x, ci, hi in zip(X, c, h)])
            else:
                r = gen.uniform(radius / 3, radius)
                solid |= sum((x - ci) ** 2 for x, ci in zip(X, c)) < r**2
    # keep the outer layer fluid
    inner = np.zeros(shape, dtype=bool)
    inner[tuple(slice(1, s - 1) for s in shape)] = True
    return solid & inner
