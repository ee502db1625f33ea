"""The observed entries: validation and the two compressed orientations AltMin sweeps.

:func:`observed_entries` turns the user's ``M`` (a ``scipy.sparse``/``cupyx.scipy.sparse``
matrix whose *stored* entries are the observations, or a ``(rows, cols, values, shape)`` tuple)
into an :class:`Observed` record: the entries sorted by row (a CSR structure: ``row_ptr``,
``row_col``, ``row_val``) and by column (``col_ptr``, ``col_row``, ``col_val``). Memory is
``O(|Omega|)``; the dense ``m x n`` matrix is never formed. Explicitly stored zeros of a sparse
``M`` are observations like any other stored value; implicit zeros are not observed.

Bad input raises ``ValueError`` naming the problem: NaN/inf values, duplicate ``(row, col)``
pairs, indices out of range, mismatched lengths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._backend import get_namespace, is_cupy_namespace, is_numpy_namespace, is_sparse

__all__ = ["Observed", "observed_entries", "as_triplets"]


@dataclass
class Observed:
    """Observed entries of an ``m x n`` matrix in both orientations (host or device arrays).

    ``row_*`` is the CSR structure of the observations (rows ``0..m-1``), ``col_*`` that of
    their transpose; ``norm`` is ``||P_Omega(M)||_F`` (of the values given, before any mean is
    removed). ``nnz_row``/``nnz_col`` count the observations of each row/column.
    """

    shape: tuple[int, int]
    row_ptr: Any
    row_col: Any
    row_val: Any
    col_ptr: Any
    col_row: Any
    col_val: Any
    norm: float
    xp: Any

    @property
    def nnz(self) -> int:
        return int(self.row_val.shape[0])


def _to_triplet_arrays(M, name):
    """``(rows, cols, values, shape, xp)`` from a sparse matrix or a 4-tuple (no copies kept)."""
    if is_sparse(M):
        xp = get_namespace(M)
        C = M.tocoo()
        return C.row, C.col, C.data, tuple(int(s) for s in M.shape), xp
    if isinstance(M, (tuple, list)) and len(M) == 4:
        rows, cols, vals, shape = M
        xp = get_namespace(rows, cols, vals)
        try:
            shape = tuple(int(s) for s in shape)
        except (TypeError, ValueError):
            raise TypeError(f"{name}: shape must be a pair of ints, got {shape!r}") from None
        return xp.asarray(rows), xp.asarray(cols), xp.asarray(vals), shape, xp
    raise TypeError(
        f"{name} must be a scipy.sparse / cupyx.scipy.sparse matrix of the observed entries or "
        f"a (rows, cols, values, shape) tuple, got {type(M).__name__}"
    )


def as_triplets(M, name: str = "M"):
    """Validated ``(rows, cols, values, shape, xp)``: int64 indices, float64 values."""
    rows, cols, vals, shape, xp = _to_triplet_arrays(M, name)
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"{name}: shape must be two positive ints, got {shape}")
    if not (rows.ndim == cols.ndim == vals.ndim == 1):
        raise ValueError(f"{name}: rows, cols and values must be 1-D arrays")
    if not (rows.shape[0] == cols.shape[0] == vals.shape[0]):
        raise ValueError(f"{name}: rows, cols and values must have the same length, got "
                         f"{rows.shape[0]}, {cols.shape[0]}, {vals.shape[0]}")
    for label, a in (("rows", rows), ("cols", cols)):
        if not xp.isdtype(a.dtype, "integral"):
            raise TypeError(f"{name}: {label} must be integers, got dtype {a.dtype}")
    if xp.isdtype(vals.dtype, "complex floating"):
        raise TypeError(f"{name}: complex values are not supported")
    rows = xp.astype(rows, xp.int64)
    cols = xp.astype(cols, xp.int64)
    vals = xp.astype(vals, xp.float64)
    if rows.shape[0] == 0:
        raise ValueError(f"{name}: no observed entries")
    if not bool(xp.all(xp.isfinite(vals))):
        raise ValueError(f"{name}: values contain NaN or inf; drop unobserved entries instead "
                         "of marking them with NaN")
    m, n = shape
    if bool(xp.any(rows < 0)) or bool(xp.any(rows >= m)):
        raise ValueError(f"{name}: row index out of range [0, {m})")
    if bool(xp.any(cols < 0)) or bool(xp.any(cols >= n)):
        raise ValueError(f"{name}: column index out of range [0, {n})")
    return rows, cols, vals, (m, n), xp


def _compress(xp, major, minor, vals, nmajor):
    """Sort by ``(major, minor)``; return ``(ptr, minor_sorted, vals_sorted, order)``."""
    key = major * (int(xp.max(minor)) + 1) + minor
    order = xp.argsort(key, stable=True)
    counts = _bincount(xp, major, nmajor)
    ptr = xp.concat([xp.zeros(1, dtype=xp.int64), xp.cumulative_sum(counts)])
    return ptr, xp.take(minor, order), xp.take(vals, order), xp.take(key, order)


def _bincount(xp, idx, n):
    if is_numpy_namespace(xp):
        return xp.asarray(np.bincount(np.asarray(idx), minlength=n).astype(np.int64))
    if is_cupy_namespace(xp):
        import cupy

        return cupy.bincount(idx, minlength=n).astype(cupy.int64)
    raise TypeError("numsolve.complete runs on NumPy/SciPy or CuPy/cupyx inputs, "
                    f"got namespace {getattr(xp, '__name__', xp)}")


def observed_entries(M, name: str = "M") -> Observed:
    """Validate ``M`` and build both orientations (see the module docstring)."""
    rows, cols, vals, (m, n), xp = as_triplets(M, name)
    row_ptr, row_col, row_val, key = _compress(xp, rows, cols, vals, m)
    if row_val.shape[0] > 1 and bool(xp.any(key[1:] == key[:-1])):
        first = int(xp.argmax(xp.astype(key[1:] == key[:-1], xp.int8)))
        k = int(key[first])
        ncol = int(xp.max(cols)) + 1
        raise ValueError(f"{name}: duplicate entry (row, col) = ({k // ncol}, {k % ncol}); "
                         "each position may be observed once (sum or average duplicates "
                         "first)")
    col_ptr, col_row, col_val, _ = _compress(xp, cols, rows, vals, n)
    idx_t = xp.int32 if max(m, n) < 2**31 - 1 else xp.int64
    norm = float(xp.linalg.vector_norm(vals))
    return Observed((m, n), row_ptr, xp.astype(row_col, idx_t), row_val, col_ptr,
                    xp.astype(col_row, idx_t), col_val, norm, xp)


def csr_matrix(obs: Observed, values=None):
    """The observations as a (SciPy or cupyx) CSR matrix, sharing the arrays."""
    vals = obs.row_val if values is None else values
    if is_cupy_namespace(obs.xp):
        import cupyx.scipy.sparse as csp

        return csp.csr_matrix((vals, obs.row_col, obs.row_ptr), shape=obs.shape)
    return sp.csr_matrix((np.asarray(vals), np.asarray(obs.row_col), np.asarray(obs.row_ptr)),
                         shape=obs.shape)
