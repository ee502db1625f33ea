"""Numba kernels of deflated CG on host CSR matrices (one right-hand side, no ``M``).

:func:`defcg_steps` runs up to ``max_steps`` iterations of def-CG (Saad et al. 2000, (2.7))
in one compiled call, with three passes over the vectors per iteration:

1. ``q = A p`` fused with ``p . q``;
2. ``x += alpha p``, ``r -= alpha q`` fused with ``r . r``, then ``g = (AW)^T r`` as ``k``
   unit-stride dot products (``W`` and ``AW`` are stored transposed, ``k x n``);
3. ``p = r + beta p - W mu`` with ``mu = E^{-1} g`` (``E^{-1}`` precomputed, ``k x k``), as
   ``k`` unit-stride axpys.

The first ``P.shape[0]`` directions and the CG (Lanczos) coefficients are recorded for the
harmonic Ritz extraction (:func:`~numsolve.linalg.krylov._recycle.harmonic_ritz_lanczos`).
``nogil=True``: threaded Dask workers run kernels concurrently.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["defcg_steps"]


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
    n = x.shape[0]
    k = Wt.shape[0]
    g = np.zeros(k)
    mu = np.zeros(k)
    rz = state[0]
    for s in range(max_steps):
        pq = 0.0
        for i in range(n):
            acc = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                acc += data[jj] * p[indices[jj]]
            q[i] = acc
            pq += p[i] * acc
        if not np.isfinite(pq):
            return s, 3, stored
        if pq <= 0.0:
            return s, 2, stored
        alpha = rz / pq
        rr = 0.0
        for i in range(n):
            x[i] += alpha * p[i]
            ri = r[i] - alpha * q[i]
            r[i] = ri
            rr += ri * ri
        for j in range(k):  # g = (AW)^T r: k unit-stride dot products (AWt is k x n)
            acc = 0.0
            row = AWt[j]
            for i in range(n):
                acc += row[i] * r[i]
            g[j] = acc
        if stored < P.shape[0]:
            P[stored, :] = p
            coef[stored, 0] = alpha
            coef[stored, 1] = pq
            coef[stored, 2] = rz
            coef[stored, 3] = rr
            Gs[stored + 1, :] = g
            stored += 1
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
        for i in range(n):
            p[i] = r[i] + beta * p[i]
        for j in range(k):  # p -= W mu: k unit-stride axpys (Wt is k x n)
            row = Wt[j]
            mj = mu[j]
            for i in range(n):
                p[i] -= mj * row[i]
    state[0] = rz
    return max_steps, 0, stored
