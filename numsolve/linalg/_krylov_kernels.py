"""Numba kernels of the flexible Krylov solvers (host float32/float64 vectors).

No BLAS: on small or shared machines BLAS thread hand-offs cost more than these loops.
Reductions accumulate in float64. No ``fastmath`` (the callers test for NaN/inf).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["a_orthogonalize"]


@njit(cache=True, nogil=True)
def a_orthogonalize(P, AP, d, slots, z, p):  # pragma: no cover - jitted
    """``p = z - sum_k (AP[s_k] . z / d[s_k]) P[s_k]`` over the rows ``s_k = slots[k]``."""
    m = slots.shape[0]
    n = z.shape[0]
    coef = np.empty(m)
    for k in range(m):
        s = slots[k]
        acc = 0.0
        row = AP[s]
        for i in range(n):
            acc += row[i] * z[i]
        coef[k] = acc / d[s]
    for i in range(n):
        p[i] = z[i]
    for k in range(m):
        s = slots[k]
        c = coef[k]
        row = P[s]
        for i in range(n):
            p[i] -= c * row[i]
