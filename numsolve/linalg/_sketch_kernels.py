"""Numba kernels for the sparse sign (OSNAP / CountSketch) sketch.

The sketch ``S`` (``m x n``) is stored column-wise: column ``j`` has ``s`` nonzeros in rows
``rows[j, 0..s-1]`` with values ``vals[j, 0..s-1]`` (``+-1/sqrt(s)``). ``S @ A`` then scatters each
row of ``A`` into ``s`` rows of the output: ``O(s * nnz(A))`` work, one pass over ``A``.

Accumulation is in the output dtype (the dtype of ``A``). No ``fastmath``.
"""

from __future__ import annotations

from numba import njit

__all__ = ["sparse_sign_dense", "sparse_sign_csc"]


@njit(cache=True, nogil=True)
def sparse_sign_dense(rows, vals, A, out):  # pragma: no cover - jitted
    """``out += S @ A`` for a C-contiguous dense ``A`` of shape ``(n, d)``."""
    n, d = A.shape
    s = rows.shape[1]
    for j in range(n):
        for k in range(s):
            r = rows[j, k]
            v = vals[j, k]
            for c in range(d):
                out[r, c] += v * A[j, c]


@njit(cache=True, nogil=True)
def sparse_sign_csc(rows, vals, indptr, indices, data, outT):  # pragma: no cover - jitted
    """``outT += (S @ A).T`` for a CSC matrix ``A`` (``indptr, indices, data``).

    Column by column: the ``m`` output entries of one column of ``S @ A`` (a row of ``outT``)
    stay in cache while that column's nonzeros are scattered into them; the ``s`` targets of
    a nonzero in row ``j`` are one cache line of ``rows``.
    """
    d = indptr.shape[0] - 1
    s = rows.shape[1]
    for c in range(d):
        for jj in range(indptr[c], indptr[c + 1]):
            j = indices[jj]
            a = data[jj]
            for k in range(s):
                outT[c, rows[j, k]] += vals[j, k] * a
