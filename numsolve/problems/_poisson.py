"""Finite-volume Poisson / diffusion matrices on structured grids.

``-div(a grad u) = f`` on the unit square/cube with Dirichlet boundary conditions, discretised
with the standard 5-point (2-D) or 7-point (3-D) stencil on an ``N x N (x N)`` grid of interior
unknowns (lexicographic ordering, last axis fastest). With ``a = 1`` the matrix is the familiar
``[2d, -1, ...]`` stencil (as ``pyamg.gallery.poisson``); with variable coefficients each face
gets the harmonic mean of its two cells. Optional solid obstacles remove unknowns.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

__all__ = ["poisson2d", "poisson3d", "poisson"]


def _grid_shape(N, d: int) -> tuple[int, ...]:
    shape = (N,) * d if np.isscalar(N) else tuple(N)
    if len(shape) != d or any(int(s) != s or s < 1 for s in shape):
        raise ValueError(
            f"N must be a positive integer or a tuple of {d} positive integers, got {N!r}"
        )
    return tuple(int(s) for s in shape)


def _coefficients(coefficients, shape) -> np.ndarray | None:
    if coefficients is None:
        return None
    if callable(coefficients):
        axes = [np.arange(1, s + 1) / (s + 1) for s in shape]
        grids = np.meshgrid(*axes, indexing="ij")
        c = np.asarray(coefficients(*grids), dtype=np.float64)
        c = np.broadcast_to(c, shape)
    else:
        c = np.asarray(coefficients, dtype=np.float64)
        if c.shape != shape:
            raise ValueError(f"coefficients must have the grid shape {shape}, got {c.shape}")
    if not np.all(np.isfinite(c)) or np.any(c <= 0):
        raise ValueError("coefficients must be finite and strictly positive")
    return np.array(c, dtype=np.float64)


def _obstacle(obstacle, shape) -> np.ndarray | None:
    if obstacle is None:
        return None
    solid = np.asarray(obstacle, dtype=bool)
    if solid.shape != shape:
        raise ValueError(
            f"obstacle must be a boolean mask of the grid shape {shape}, got {solid.shape}"
        )
    if solid.all():
        raise ValueError("obstacle covers the whole grid: no unknowns left")
    return solid


def _assemble(shape, c, solid, obstacle_bc) -> sp.csr_array:
    """The stencil on the whole grid (solid cells still present, but decoupled)."""
    d = len(shape)
    n = int(np.prod(shape))
    idx = np.arange(n).reshape(shape)
    diag = np.zeros(shape)
    rows, cols, vals = [], [], []
    cc = np.ones(shape) if c is None else c
    for ax in range(d):
        lo = [slice(None)] * d
        hi = [slice(None)] * d
        lo[ax] = slice(0, shape[ax] - 1)
        hi[ax] = slice(1, shape[ax])
        lo, hi = tuple(lo), tuple(hi)
        ca, cb = cc[lo], cc[hi]
        face = 2.0 * ca * cb / (ca + cb) if c is not None else np.ones(ca.shape)
        ia, ib = idx[lo].ravel(), idx[hi].ravel()
        f = face.ravel()
        fluid = slice(None)  # interior faces between fluid cells
        if solid is not None:
            sa, sb = solid[lo].ravel(), solid[hi].ravel()
            fluid = ~sa & ~sb
        rows += [ia[fluid], ib[fluid]]
        cols += [ib[fluid], ia[fluid]]
        vals += [-f[fluid], -f[fluid]]
        np.add.at(diag.reshape(-1), ia[fluid], f[fluid])
        np.add.at(diag.reshape(-1), ib[fluid], f[fluid])
        if solid is not None and obstacle_bc == "dirichlet":  # walls act as u = 0 boundaries
            wa = ~sa & sb
            wb = sa & ~sb
            np.add.at(diag.reshape(-1), ia[wa], cc.reshape(-1)[ia[wa]])
            np.add.at(diag.reshape(-1), ib[wb], cc.reshape(-1)[ib[wb]])
        # the two Dirichlet boundary faces along this axis
        first = [slice(None)] * d
        last = [slice(None)] * d
        first[ax] = 0
        last[ax] = shape[ax] - 1
        diag[tuple(first)] += cc[tuple(first)]
        diag[tuple(last)] += cc[tuple(last)]
    rows.append(idx.ravel())
    cols.append(idx.ravel())
    vals.append(diag.ravel())
    A = sp.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    A.sum_duplicates()
    A.sort_indices()
    return A


def poisson(N, d: int = 2, *, coefficients: np.ndarray | Callable | None = None,
            obstacle: np.ndarray | None = None, obstacle_bc: str = "dirichlet",
            scaled: bool = False, dtype=np.float64, format: str = "csr"):
    """Poisson/diffusion matrix in ``d = 1, 2, 3`` dimensions, Dirichlet boundary.

    :func:`poisson2d` and :func:`poisson3d` are this function with ``d = 2`` and ``d = 3``;
    ``d = 1`` gives the tridiagonal ``[-1, 2, -1]`` matrix.

    Parameters
    ----------
    N : int or tuple of int
        Interior grid points per direction (one int for a cube, or one per axis); the matrix
        has ``prod(shape)`` rows.
    d : {1, 2, 3}
        Number of space dimensions.
    coefficients : array of the grid's shape or callable, optional
        Diffusion coefficient ``a > 0`` per cell, or ``a(x, ...)`` evaluated at the grid
        points (coordinates in ``(0, 1)``). Faces use the harmonic mean of their cells.
    obstacle : bool array of the grid's shape, optional
        Solid cells, removed from the system (one row per fluid cell, lexicographic order).
    obstacle_bc : {'dirichlet', 'neumann'}
        Condition on the obstacle walls: ``u = 0`` or zero flux.
    scaled : bool
        Divide by ``h**2`` with ``h = 1/(max(shape) + 1)``; default unscaled (integer stencil).
    dtype : dtype
        Value type of the returned matrix (default float64).
    format : str
        Sparse format of the returned ``scipy.sparse`` array (default ``'csr'``).

    Returns
    -------
    A : scipy.sparse array
        The ``(2 d)``-neighbour stencil matrix, symmetric positive definite (for Neumann
        obstacle walls: as long as every fluid region touches the outer boundary).

    See Also
    --------
    poisson2d, poisson3d

    Examples
    --------
    >>> from numsolve.problems import poisson
    >>> poisson(4, d=1).toarray()[1]
    array([-1.,  2., -1.,  0.])
    >>> poisson((3, 5), d=2).shape
    (15, 15)
    """
    if d not in (1, 2, 3):
        raise ValueError(f"d must be 1, 2 or 3, got {d}")
    shape = _grid_shape(N, d)
    c = _coefficients(coefficients, shape)
    if obstacle_bc not in ("dirichlet", "neumann"):
        raise ValueError(f"obstacle_bc must be 'dirichlet' or 'neumann', got {obstacle_bc!r}")
    solid = _obstacle(obstacle, shape)
    A = _assemble(shape, c, solid, obstacle_bc)
    if solid is not None:
        keep = np.flatnonzero(~solid.ravel())
        A = A[keep][:, keep]
    if scaled:
        h = 1.0 / (max(shape) + 1)
        A = A / h**2
    A = A.astype(dtype).asformat(format)
    if format in ("csr", "csc") and A.nnz < 2**31 - 1:  # SciPy's canonical index type
        A.indices = A.indices.astype(np.int32)
        A.indptr = A.indptr.astype(np.int32)
    return A


def poisson2d(N, *, coefficients: np.ndarray | Callable | None = None,
              obstacle: np.ndarray | None = None, obstacle_bc: str = "dirichlet",
              scaled: bool = False, dtype=np.float64, format: str = "csr"):
    """2-D Poisson (5-point) or variable-coefficient diffusion matrix, Dirichlet boundary.

    Parameters
    ----------
    N : int or (int, int)
        Interior grid points per direction; the matrix has ``N**2`` rows.
    coefficients : array of shape (N, N) or callable, optional
        Diffusion coefficient ``a > 0`` per cell, or ``a(x, y)`` evaluated at the grid points
        (``x, y`` in ``(0, 1)``). Faces use the harmonic mean of their cells.
    obstacle : bool array of shape (N, N), optional
        Solid cells, removed from the system (the matrix has one row per fluid cell, in
        lexicographic order of ``~obstacle``).
    obstacle_bc : {'dirichlet', 'neumann'}
        Condition on the obstacle walls: ``u = 0`` (keeps any obstacle layout SPD) or zero
        flux (SPD as long as every fluid region touches the outer boundary).
    scaled : bool
        Divide by ``h**2`` with ``h = 1/(N+1)`` (the true discretisation); default unscaled
        (integer stencil, as ``pyamg.gallery.poisson``).
    dtype, format
        Value type and sparse format of the returned ``scipy.sparse`` array.

    Returns
    -------
    A : scipy.sparse array, symmetric positive definite

    Examples
    --------
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(3)
    >>> A.shape
    (9, 9)
    >>> A.toarray()[4]
    array([ 0., -1.,  0., -1.,  4., -1.,  0., -1.,  0.])
    """
    return poisson(N, 2, coefficients=coefficients, obstacle=obstacle, obstacle_bc=obstacle_bc,
                   scaled=scaled, dtype=dtype, format=format)


def poisson3d(N, *, coefficients: np.ndarray | Callable | None = None,
              obstacle: np.ndarray | None = None, obstacle_bc: str = "dirichlet",
              scaled: bool = False, dtype=np.float64, format: str = "csr"):
    """3-D Poisson (7-point) or variable-coefficient diffusion matrix, Dirichlet boundary.

    Parameters
    ----------
    N : int or (int, int, int)
        Interior grid points per direction; the matrix has ``N**3`` rows.
    coefficients : array of shape (N, N, N) or callable, optional
        Diffusion coefficient per cell, or ``a(x, y, z)`` at the grid points; faces use the
        harmonic mean of their cells.
    obstacle : bool array of shape (N, N, N), optional
        Solid cells, removed from the system.
    obstacle_bc : {'dirichlet', 'neumann'}
        Condition on the obstacle walls (see :func:`poisson2d`).
    scaled : bool
        Divide by ``h**2`` with ``h = 1/(N+1)``; default unscaled (integer stencil).
    dtype, format
        Value type and sparse format of the returned ``scipy.sparse`` array.

    Returns
    -------
    A : scipy.sparse array, symmetric positive definite
        The 7-point stencil matrix.

    Examples
    --------
    >>> from numsolve.problems import poisson3d
    >>> A = poisson3d(4)
    >>> A.shape, float(A.diagonal().max())
    ((64, 64), 6.0)
    """
    return poisson(N, 3, coefficients=coefficients, obstacle=obstacle, obstacle_bc=obstacle_bc,
                   scaled=scaled, dtype=dtype, format=format)
