"""Numba kernels for the sparse sign (OSNAP / CountSketch) sketch.

The sketch ``S`` (``m x n``) is stored column-wise: column ``j`` has ``s`` nonzeros in rows
``rows[j, 0..s-1]`` with values ``vals[j, 0..s-1]`` (``+-1/sqrt(s)``). ``S @ A`` then scatters each
row of ``A`` into ``s`` rows of the output: ``O(s * nnz(A))`` work, one pass over ``A``.

Accumulation is in the output dtype (the dtype of ``A``). No ``fastmath``.
"""

from __future__ import annotations

from numba import njit, prange

__all__ = ["sparse_sign_dense", "sparse_sign_csc"]


@njit(parallel=True, cache=True, nogil=True)
def sparse_sign_dense(rows, vals, A, outs):  # pragma: no cover - jitted
    """``outs[c] = S[:, J_c] @ A[J_c]`` for a C-contiguous dense ``A`` of shape ``(n, d)``.

    The rows of ``A`` are cut into ``nchunks = outs.shape[0]`` contiguous chunks ``J_c``
    processed in parallel, each scattering into its own zero-initialised ``(m, d)`` output;
    ``S @ A = outs.sum(axis=0)``. The chunk count is chosen by the caller from the problem
    size only, so the result does not depend on the number of threads.
    """
    n, d = A.shape
    s = rows.shape[1]
    nch = outs.shape[0]
    for c in prange(nch):
        lo = (c * n) // nch
        hi = ((c + 1) * n) // nch
        out = outs[c]
        out[:, :] = 0.0
        for j in range(lo, hi):
            for k in range(s):
                r = rows[j, k]
                v = vals[j, k]
                for i in range(d):
                    out[r, i] += v * A[j, i]


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
