"""Numba kernels of deflated CG on host CSR matrices (one right-hand side, no ``M``).

:func:`defcg_steps` runs up to ``max_steps`` iterations of def-CG (Saad et al. 2000, (2.7))
in one compiled call, with three passes over the vectors per iteration:

1. ``q = A p`` fused with ``p . q`` (the CG kernel ``csr_spmv_dot1``);
2. ``x += alpha p``, ``r -= alpha q`` fused with ``r . r`` (``update_xr1``), then
   ``g = (AW)^T r`` in blocks of four rows (``W``, ``AW`` stored transposed, ``k x n``);
3. ``p = r + beta p - W mu`` with ``mu = E^{-1} g`` (``E^{-1}`` precomputed, ``k x k``), as
   ``k`` unit-stride axpys.

The first ``P.shape[0]`` directions and the CG (Lanczos) coefficients are recorded for the
harmonic Ritz extraction (:func:`~numsolve.linalg.krylov._recycle.harmonic_ritz_lanczos`).
``nogil=True``: threaded Dask workers run kernels concurrently.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._cg_kernels import csr_spmv_dot1, update_p1, update_xr1

__all__ = ["defcg_steps"]


@njit(cache=True, nogil=True)
def _dot4(u, v):  # pragma: no cover - jitted
    """``u . v`` with four independent accumulators (no serial add chain)."""
    n = u.shape[0]
    m = n - (n & 3)
    s0 = s1 = s2 = s3 = 0.0
    for i in range(0, m, 4):
        s0 += u[i] * v[i]
        s1 += u[i + 1] * v[i + 1]
        s2 += u[i + 2] * v[i + 2]
        s3 += u[i + 3] * v[i + 3]
    for i in range(m, n):
        s0 += u[i] * v[i]
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, nogil=True)
def _gemv_t(Vt, r, g):  # pragma: no cover - jitted
    """``g = Vt @ r`` (``Vt`` is ``k x n``): rows in blocks of four sharing each load of
    ``r``, a single row by :func:`_dot4`."""
    k, n = Vt.shape
    j = 0
    while j + 4 <= k:
        a0, a1, a2, a3 = Vt[j], Vt[j + 1], Vt[j + 2], Vt[j + 3]
        s0 = s1 = s2 = s3 = 0.0
        t0 = t1 = t2 = t3 = 0.0
        m = n - (n & 1)
        for i in range(0, m, 2):
            ri, rj = r[i], r[i + 1]
            s0 += a0[i] * ri
            s1 += a1[i] * ri
            s2 += a2[i] * ri
            s3 += a3[i] * ri
            t0 += a0[i + 1] * rj
            t1 += a1[i + 1] * rj
            t2 += a2[i + 1] * rj
            t3 += a3[i + 1] * rj
        if m < n:
            s0 += a0[m] * r[m]
            s1 += a1[m] * r[m]
            s2 += a2[m] * r[m]
            s3 += a3[m] * r[m]
        g[j], g[j + 1], g[j + 2], g[j + 3] = s0 + t0, s1 + t1, s2 + t2, s3 + t3
        j += 4
    while j < k:
        g[j] = _dot4(Vt[j], r)
        j += 1


@njit(cache=True, nogil=True)
def _axpy_rows(Vt, mu, p):  # pragma: no cover - jitted
    """``p -= Vt^T mu``: rows in blocks of four (one pass over ``p`` per block)."""
    k, n = Vt.shape
    j = 0
    while j + 4 <= k:
        a0, a1, a2, a3 = Vt[j], Vt[j + 1], Vt[j + 2], Vt[j + 3]
        m0, m1, m2, m3 = mu[j], mu[j + 1], mu[j + 2], mu[j + 3]
        for i in range(n):
            p[i] -= (m0 * a0[i] + m1 * a1[i]) + (m2 * a2[i] + m3 * a3[i])
        j += 4
    while j < k:
        mj = mu[j]
        row = Vt[j]
        for i in range(n):
            p[i] -= mj * row[i]
        j += 1


@njit(cache=True, nogil=True)
def store_step(P, coef, Gs, stored, p, alpha, pq, rz, rr, g):  # pragma: no cover - jitted
    """Keep step ``stored`` of the run for the harmonic Ritz update (direction, CG
    coefficients, ``(AW)^T r``) while there is room; returns the new count."""
    if stored < P.shape[0]:
        P[stored, :] = p
        coef[stored, 0] = alpha
        coef[stored, 1] = pq
        coef[stored, 2] = rz
        coef[stored, 3] = rr
        Gs[stored + 1, :] = g
        stored += 1
    return stored


@njit(cache=True, nogil=True)
def defcg_steps(indptr, indices, data, Wt, AWt, Einv, x, r, p, q, state, tol, max_steps, hist,
                P, coef, Gs, stored):  # pragma: no cover - jitted
    """Up to ``max_steps`` def-CG iterations; returns ``(steps, code, stored)``.

    For the first ``P.shape[0]`` iterations ``j`` it records ``P[j] = p_j`` and the Lanczos
    data of the harmonic Ritz pencil: ``coef[j] = (alpha_j, p_j^T A p_j, ||r_j||^2,
    ||r_{j+1}||^2)`` and ``Gs[j + 1] = (AW)^T r_{j+1}`` (the caller sets ``Gs[0]``).

    ``state = [r.r]`` (updated); ``code``: 0 step budget used, 1 the recursive residual
    reached ``tol``, 2 ``p^T A p <= 0`` (A not SPD), 3 non-finite values.
    """
    k = Wt.shape[0]
    g = np.zeros(k)
    mu = np.zeros(k)
    rz = state[0]
    for s in range(max_steps):
        pq = csr_spmv_dot1(indptr, indices, data, p, q)  # q = A p, p . q
        if not np.isfinite(pq):
            return s, 3, stored
        if pq <= 0.0:
            return s, 2, stored
        alpha = rz / pq
        rr = update_xr1(x, r, p, q, alpha)  # x += alpha p, r -= alpha q, r . r
        _gemv_t(AWt, r, g)  # g = (AW)^T r
        stored = store_step(P, coef, Gs, stored, p, alpha, pq, rz, rr, g)
        rn = np.sqrt(rr)
        hist[s] = rn
        if not np.isfinite(rn):
            return s + 1, 3, stored
        if rn <= tol:
            state[0] = rr
            return s + 1, 1, stored
        beta = rr / rz
        rz = rr
        for a in range(k):
            acc = 0.0
            for c in range(k):
                acc += Einv[a, c] * g[c]
            mu[a] = acc
        update_p1(p, r, beta)  # p = r + beta p
        _axpy_rows(Wt, mu, p)  # p -= W mu
    state[0] = rz
    return max_steps, 0, stored
