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


# ---------------------------------------------------------------------------------------------
# 2-D multilevel stencil model (MultilevelStencilModel.apply_grid on host arrays)
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def restrict2(u, out):  # pragma: no cover - jitted
    """Full weighting ``out[I, J] = sum w_a w_b u[2I+1+a, 2J+1+b]`` (zero beyond the edge)."""
    n0, n1 = u.shape
    m0, m1 = out.shape
    for I in range(m0):
        for J in range(m1):
            s = 0.0
            for a in range(-1, 2):
                i = 2 * I + 1 + a
                if i >= n0:
                    continue
                wa = 0.5 if a == 0 else 0.25
                for b in range(-1, 2):
                    j = 2 * J + 1 + b
                    if j >= n1:
                        continue
                    wb = 0.5 if b == 0 else 0.25
                    s += wa * wb * u[i, j]
            out[I, J] = s


@njit(cache=True, nogil=True)
def _stencil_point(v, w, i, j):  # pragma: no cover - jitted
    n0, n1 = v.shape
    k = w.shape[0]
    r = k // 2
    s = 0.0
    for a in range(k):
        ii = i + a - r
        if ii < 0 or ii >= n0:
            continue
        for b in range(k):
            jj = j + b - r
            if jj < 0 or jj >= n1:
                continue
            s += w[a, b] * v[ii, jj]
    return s


@njit(cache=True, nogil=True)
def stencil2(v, w, out):  # pragma: no cover - jitted
    """``out[i, j] = sum_ab w[a, b] v[i + a - r, j + b - r]`` (zero padding)."""
    n0, n1 = v.shape
    k = w.shape[0]
    r = k // 2
    if k == 3 and n0 >= 3 and n1 >= 3:
        w00, w01, w02 = w[0, 0], w[0, 1], w[0, 2]
        w10, w11, w12 = w[1, 0], w[1, 1], w[1, 2]
        w20, w21, w22 = w[2, 0], w[2, 1], w[2, 2]
        for i in range(1, n0 - 1):
            for j in range(1, n1 - 1):  # interior rows: straight-line code, vectorisable
                out[i, j] = (w00 * v[i - 1, j - 1] + w01 * v[i - 1, j] + w02 * v[i - 1, j + 1]
                             + w10 * v[i, j - 1] + w11 * v[i, j] + w12 * v[i, j + 1]
                             + w20 * v[i + 1, j - 1] + w21 * v[i + 1, j]
                             + w22 * v[i + 1, j + 1])
        for j in range(n1):
            out[0, j] = _stencil_point(v, w, 0, j)
            out[n0 - 1, j] = _stencil_point(v, w, n0 - 1, j)
        for i in range(1, n0 - 1):
            out[i, 0] = _stencil_point(v, w, i, 0)
            out[i, n1 - 1] = _stencil_point(v, w, i, n1 - 1)
        return
    for i in range(n0):
        for j in range(n1):
            if i >= r and i < n0 - r and j >= r and j < n1 - r:
                s = 0.0
                for a in range(k):
                    for b in range(k):
                        s += w[a, b] * v[i + a - r, j + b - r]
                out[i, j] = s
            else:
                out[i, j] = _stencil_point(v, w, i, j)


@njit(cache=True, nogil=True)
def prolong_add2(c, out):  # pragma: no cover - jitted
    """``out += P c`` with ``P = 4 R^T`` (bilinear interpolation)."""
    n0, n1 = out.shape
    m0, m1 = c.shape
    for I in range(m0):
        for J in range(m1):
            cv = c[I, J]
            for a in range(-1, 2):
                i = 2 * I + 1 + a
                if i >= n0:
                    continue
                wa = 1.0 if a == 0 else 0.5
                for b in range(-1, 2):
                    j = 2 * J + 1 + b
                    if j >= n1:
                        continue
                    wb = 1.0 if b == 0 else 0.5
                    out[i, j] += wa * wb * cv
