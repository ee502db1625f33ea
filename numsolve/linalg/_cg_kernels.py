"""Numba kernels for (batched) conjugate gradients on CSR matrices.

Every kernel works on C-contiguous ``(n, g)`` blocks: ``g`` independent right-hand sides share
one pass over the matrix (SpMM), and each pass fuses the column reductions CG needs next, so a
CG iteration reads each vector the minimum number of times. A single right-hand side is the
``g = 1`` case (an ``(n,)`` vector viewed as ``(n, 1)``, no copy).

Reductions accumulate in float64 whatever the data type; the arithmetic per column never depends
on ``g``, so a column's iterates are bit-identical whether it is solved alone or in a batch.

All helpers live in this one module (Numba's cache does not see changes across modules). No
``fastmath``: the callers test for NaN/inf.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "csr_spmm_coldot",
    "csr_residual_colnorm",
    "update_xr_colnorm",
    "update_p",
    "coldot",
    "csr_runmax",
    "csr_update_p_spmm_coldot",
    "multi_csr_spmm_coldot",
    "multi_csr_residual_colnorm",
]


# Column blocks of four use scalar accumulators (kept in registers); remaining columns run one
# at a time. Per column, the order of every operation is the same in both paths.


@njit(cache=True, nogil=True)
def csr_spmm_coldot(indptr, indices, data, P, Q, pq):  # pragma: no cover - jitted
    """``Q = A @ P`` and ``pq[c] = P[:, c] . Q[:, c]``."""
    n, g = P.shape
    c = 0
    while c + 4 <= g:
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for i in range(n):
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                a = data[jj]
                j = indices[jj]
                a0 += a * P[j, c]
                a1 += a * P[j, c + 1]
                a2 += a * P[j, c + 2]
                a3 += a * P[j, c + 3]
            Q[i, c] = a0
            Q[i, c + 1] = a1
            Q[i, c + 2] = a2
            Q[i, c + 3] = a3
            s0 += P[i, c] * a0
            s1 += P[i, c + 1] * a1
            s2 += P[i, c + 2] * a2
            s3 += P[i, c + 3] * a3
        pq[c] = s0
        pq[c + 1] = s1
        pq[c + 2] = s2
        pq[c + 3] = s3
        c += 4
    while c < g:
        s = 0.0
        for i in range(n):
            acc = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                acc += data[jj] * P[indices[jj], c]
            Q[i, c] = acc
            s += P[i, c] * acc
        pq[c] = s
        c += 1


@njit(cache=True, nogil=True)
def csr_runmax(indptr, indices):  # pragma: no cover - jitted
    """``runmax[i]``: the largest column index in rows ``0..i`` (-1 while there is none)."""
    n = indptr.shape[0] - 1
    out = np.empty(n, dtype=np.int64)
    m = -1
    for i in range(n):
        for jj in range(indptr[i], indptr[i + 1]):
            if indices[jj] > m:
                m = indices[jj]
        out[i] = m
    return out


@njit(cache=True, nogil=True)
def csr_update_p_spmm_coldot(indptr, indices, data, runmax, P, Z, beta, Q, pq):  # pragma: no cover
    """``P = Z + beta P`` fused into ``Q = A @ P``, ``pq[c] = P[:, c] . Q[:, c]``.

    Row ``k`` of ``P`` is updated just before the first row of ``A`` that reads it (rows are
    swept in order; ``runmax`` says how far ahead each row reads), so the update costs no pass
    of its own for banded matrices. Every entry is updated exactly once, with the same
    arithmetic as :func:`update_p`.
    """
    n, g = P.shape
    be = beta.astype(P.dtype)
    done = 0
    for c in range(g):
        pq[c] = 0.0
    acc = np.empty(g, dtype=np.float64)
    for i in range(n):
        lim = max(runmax[i], i)
        while done <= lim:
            for c in range(g):
                P[done, c] = Z[done, c] + be[c] * P[done, c]
            done += 1
        for c in range(g):
            acc[c] = 0.0
        if g == 1:
            a0 = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                a0 += data[jj] * P[indices[jj], 0]
            acc[0] = a0
        elif g == 4:
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                a = data[jj]
                j = indices[jj]
                a0 += a * P[j, 0]
                a1 += a * P[j, 1]
                a2 += a * P[j, 2]
                a3 += a * P[j, 3]
            acc[0] = a0
            acc[1] = a1
            acc[2] = a2
            acc[3] = a3
        else:
            for jj in range(indptr[i], indptr[i + 1]):
                a = data[jj]
                j = indices[jj]
                for c in range(g):
                    acc[c] += a * P[j, c]
        for c in range(g):
            Q[i, c] = acc[c]
            pq[c] += P[i, c] * acc[c]


@njit(cache=True, nogil=True)
def csr_residual_colnorm(indptr, indices, data, B, X, R, rr):  # pragma: no cover - jitted
    """``R = B - A @ X`` and ``rr[c] = ||R[:, c]||^2``."""
    csr_spmm_coldot(indptr, indices, data, X, R, rr)
    n, g = X.shape
    for c in range(g):
        rr[c] = 0.0
    for i in range(n):
        for c in range(g):
            r = B[i, c] - R[i, c]
            R[i, c] = r
            rr[c] += r * r


@njit(cache=True, nogil=True)
def update_xr_colnorm(X, R, P, Q, alpha, rr):  # pragma: no cover - jitted
    """``X += alpha P``, ``R -= alpha Q`` (per column) and ``rr[c] = ||R[:, c]||^2``."""
    n, g = X.shape
    al = alpha.astype(X.dtype)
    c = 0
    while c + 4 <= g:
        l0 = al[c]
        l1 = al[c + 1]
        l2 = al[c + 2]
        l3 = al[c + 3]
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for i in range(n):
            X[i, c] += l0 * P[i, c]
            X[i, c + 1] += l1 * P[i, c + 1]
            X[i, c + 2] += l2 * P[i, c + 2]
            X[i, c + 3] += l3 * P[i, c + 3]
            r0 = R[i, c] - l0 * Q[i, c]
            r1 = R[i, c + 1] - l1 * Q[i, c + 1]
            r2 = R[i, c + 2] - l2 * Q[i, c + 2]
            r3 = R[i, c + 3] - l3 * Q[i, c + 3]
            R[i, c] = r0
            R[i, c + 1] = r1
            R[i, c + 2] = r2
            R[i, c + 3] = r3
            s0 += r0 * r0
            s1 += r1 * r1
            s2 += r2 * r2
            s3 += r3 * r3
        rr[c] = s0
        rr[c + 1] = s1
        rr[c + 2] = s2
        rr[c + 3] = s3
        c += 4
    while c < g:
        l0 = al[c]
        s = 0.0
        for i in range(n):
            X[i, c] += l0 * P[i, c]
            r = R[i, c] - l0 * Q[i, c]
            R[i, c] = r
            s += r * r
        rr[c] = s
        c += 1


@njit(cache=True, nogil=True)
def update_p(P, Z, beta):  # pragma: no cover - jitted
    """``P = Z + beta P`` (per column)."""
    n, g = P.shape
    be = beta.astype(P.dtype)
    c = 0
    while c + 4 <= g:
        b0 = be[c]
        b1 = be[c + 1]
        b2 = be[c + 2]
        b3 = be[c + 3]
        for i in range(n):
            P[i, c] = Z[i, c] + b0 * P[i, c]
            P[i, c + 1] = Z[i, c + 1] + b1 * P[i, c + 1]
            P[i, c + 2] = Z[i, c + 2] + b2 * P[i, c + 2]
            P[i, c + 3] = Z[i, c + 3] + b3 * P[i, c + 3]
        c += 4
    while c < g:
        b0 = be[c]
        for i in range(n):
            P[i, c] = Z[i, c] + b0 * P[i, c]
        c += 1


@njit(cache=True, nogil=True)
def coldot(U, V, out):  # pragma: no cover - jitted
    """``out[c] = U[:, c] . V[:, c]`` accumulated in float64."""
    n, g = U.shape
    for c in range(g):
        s = 0.0
        for i in range(n):
            s += U[i, c] * V[i, c]
        out[c] = s


@njit(cache=True, nogil=True)
def multi_csr_spmm_coldot(indptr, indices, data, sys_ids, P, Q, pq):  # pragma: no cover
    """Column ``c`` uses CSR system ``sys_ids[c]``: ``Q[:, c] = A_s @ P[:, c]``, ``pq[c]``.

    ``indptr`` is ``(m, n + 1)`` with offsets into the concatenated ``indices``/``data``.
    """
    n, g = P.shape
    for c in range(g):
        s = sys_ids[c]
        tot = 0.0
        for i in range(n):
            acc = 0.0
            for jj in range(indptr[s, i], indptr[s, i + 1]):
                acc += data[jj] * P[indices[jj], c]
            Q[i, c] = acc
            tot += P[i, c] * acc
        pq[c] = tot


@njit(cache=True, nogil=True)
def multi_csr_residual_colnorm(indptr, indices, data, sys_ids, B, X, R, rr):  # pragma: no cover
    """``R[:, c] = B[:, c] - A_s @ X[:, c]`` with ``s = sys_ids[c]``, and ``rr[c]``."""
    n, g = X.shape
    for c in range(g):
        s = sys_ids[c]
        tot = 0.0
        for i in range(n):
            acc = 0.0
            for jj in range(indptr[s, i], indptr[s, i + 1]):
                acc += data[jj] * X[indices[jj], c]
            r = B[i, c] - acc
            R[i, c] = r
            tot += r * r
        rr[c] = tot
