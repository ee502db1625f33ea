"""Numba kernels of the fused dense least-squares path (:func:`numsolve.lstsq`, ``'sketch'``).

For a C-contiguous dense ``A`` (``n x d``) the normal-equation product ``A^T (b - A z)`` (or
``A^T A z``) is computed in ONE sweep over ``A``: each row ``a_j`` is read once, ``t_j = b_j -
a_j . z`` is formed while the row is in L1, and ``t_j a_j`` is added to a partial sum. Rows are
cut into a fixed number of chunks (independent of the thread count, so results do not depend on
it); chunk ``c`` accumulates into its own row ``Y[c]`` and the chunks run in parallel
(``prange``). All accumulation is in float64, whatever the dtype of ``A``. No ``fastmath``: the
row dot products use a fixed 4-way split of the summation (a deterministic order with more
instruction-level parallelism than one running sum).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["normal_apply"]

_BLOCK = 32


@njit(cache=True, nogil=True, inline="always")
def _row_dot(A, j, z, d):  # pragma: no cover - jitted
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    d4 = d - d % 4
    for i in range(0, d4, 4):
        s0 += A[j, i] * z[i]
        s1 += A[j, i + 1] * z[i + 1]
        s2 += A[j, i + 2] * z[i + 2]
        s3 += A[j, i + 3] * z[i + 3]
    for i in range(d4, d):
        s0 += A[j, i] * z[i]
    return (s0 + s1) + (s2 + s3)


@njit(parallel=True, cache=True, nogil=True)
def normal_apply(A, z, b, use_b, Y, rr):  # pragma: no cover - jitted
    """``Y[c] = sum_{j in chunk c} t_j a_j`` and ``rr[c] = sum t_j^2``, ``t_j = b_j - a_j.z``
    (``use_b``) or ``t_j = a_j.z``; ``A`` is C-contiguous, ``Y`` is ``(nchunks, d)`` float64.

    Within a chunk, rows are summed in blocks of ``_BLOCK`` into a block accumulator that is
    then added to the chunk's sum (two-level summation: the rounding error grows like
    ``sqrt(_BLOCK) + sqrt(rows / _BLOCK)`` instead of ``sqrt(rows)``; it is what limits the
    accuracy of the true gradient, hence of the refined solution).
    """
    n, d = A.shape
    nch = Y.shape[0]
    for c in prange(nch):
        lo = (c * n) // nch
        hi = ((c + 1) * n) // nch
        y = Y[c]
        yb = np.empty(d)
        for i in range(d):
            y[i] = 0.0
        acc = 0.0
        for j0 in range(lo, hi, _BLOCK):
            j1 = min(hi, j0 + _BLOCK)
            for i in range(d):
                yb[i] = 0.0
            accb = 0.0
            for j in range(j0, j1):
                t = _row_dot(A, j, z, d)
                if use_b:
                    t = b[j] - t
                accb += t * t
                for i in range(d):
                    yb[i] += t * A[j, i]
            for i in range(d):
                y[i] += yb[i]
            acc += accb
        rr[c] = acc
