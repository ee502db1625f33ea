"""Numba kernels for SOR / SSOR on CSR matrices (natural ordering) and greedy colouring.

The sweeps are written branch-free: with ``winv[i] = omega / a_ii`` precomputed, row ``i`` of a
forward sweep is ``x_i += winv[i] * (b_i - sum_j a_ij x_j)`` where the sum runs over the whole
row (``x_i`` still holds its old value), which equals the textbook
``x_i = (1 - omega) x_i + omega (b_i - sum_{j != i} a_ij x_j) / a_ii``.

All helpers live in this one module (Numba's cache does not see changes across modules). No
``fastmath``: the callers test for NaN/inf.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "csr_diagonal",
    "sor_sweep",
    "sor_sweeps",
    "csr_resnorm",
    "sor_solve",
    "greedy_colouring",
    "colour_sweep_parallel",
    "ssor_apply_split",
    "split_scaled",
]


@njit(cache=True, nogil=True)
def csr_diagonal(indptr, indices, data, n):  # pragma: no cover - jitted
    """Diagonal of a CSR matrix and the first row whose diagonal is zero or missing (-1: none)."""
    diag = np.zeros(n, dtype=data.dtype)
    bad = -1
    for i in range(n):
        for jj in range(indptr[i], indptr[i + 1]):
            if indices[jj] == i:
                diag[i] += data[jj]
        if diag[i] == 0 and bad < 0:
            bad = i
    return diag, bad


@njit(cache=True, nogil=True)
def sor_sweep(indptr, indices, data, winv, b, x, forward):  # pragma: no cover - jitted
    """One in-place SOR sweep on ``x`` (forward or backward row order)."""
    n = x.shape[0]
    if forward:
        for i in range(n):
            s = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                s += data[jj] * x[indices[jj]]
            x[i] += winv[i] * (b[i] - s)
    else:
        for i in range(n - 1, -1, -1):
            s = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                s += data[jj] * x[indices[jj]]
            x[i] += winv[i] * (b[i] - s)


@njit(cache=True, nogil=True)
def sor_sweeps(indptr, indices, data, winv, b, x, mode, iterations):  # pragma: no cover
    """``iterations`` sweeps: mode 0 forward, 1 backward, 2 symmetric (forward then backward)."""
    for _ in range(iterations):
        if mode == 0 or mode == 2:
            sor_sweep(indptr, indices, data, winv, b, x, True)
        if mode == 1 or mode == 2:
            sor_sweep(indptr, indices, data, winv, b, x, False)


@njit(cache=True, nogil=True)
def csr_resnorm(indptr, indices, data, b, x):  # pragma: no cover - jitted
    """``norm(b - A @ x)`` accumulated in float64."""
    n = x.shape[0]
    acc = 0.0
    for i in range(n):
        s = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            s += data[jj] * x[indices[jj]]
        r = b[i] - s
        acc += r * r
    return np.sqrt(acc)


@njit(cache=True, nogil=True)
def sor_solve(indptr, indices, data, winv, b, x, mode, tol, maxiter, hist):  # pragma: no cover
    """Stationary SOR until ``norm(b - A x) <= tol``.

    ``hist`` (length ``maxiter + 1``) receives the residual norms, ``hist[0]`` the initial one.
    Returns ``(nit, status)`` with status 0 converged, 1 maxiter, 4 non-finite.
    """
    r = csr_resnorm(indptr, indices, data, b, x)
    hist[0] = r
    if not np.isfinite(r):
        return 0, 4
    if r <= tol:
        return 0, 0
    for k in range(1, maxiter + 1):
        sor_sweeps(indptr, indices, data, winv, b, x, mode, 1)
        r = csr_resnorm(indptr, indices, data, b, x)
        hist[k] = r
        if not np.isfinite(r):
            return k, 4
        if r <= tol:
            return k, 0
    return maxiter, 1


@njit(cache=True, nogil=True)
def greedy_colouring(indptr, indices, n):  # pragma: no cover - jitted
    """Greedy (first-fit, natural order) colouring of a symmetric sparsity pattern.

    On 5-point / 7-point stencils in lexicographic order this is the red-black colouring.
    """
    colour = np.full(n, -1, dtype=np.int64)
    mark = np.full(n + 1, -1, dtype=np.int64)
    for i in range(n):
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            if j != i and colour[j] >= 0:
                mark[colour[j]] = i
        c = 0
        while mark[c] == i:
            c += 1
        colour[i] = c
    return colour


@njit(cache=True, nogil=True, parallel=True)
def colour_sweep_parallel(indptr, indices, data, winv, b, x, start, stop):  # pragma: no cover
    """Update rows ``start:stop`` (one colour: mutually uncoupled rows) in parallel."""
    for i in prange(start, stop):
        s = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            s += data[jj] * x[indices[jj]]
        x[i] += winv[i] * (b[i] - s)


@njit(cache=True, nogil=True)
def ssor_apply_split(Lp, Li, Lx, Up, Ui, Ux, dinv, scale, r, z):  # pragma: no cover - jitted
    """``z = M^{-1} r`` from the strict triangles pre-scaled by ``omega D^{-1}``:
    ``y = (I + omega D^{-1} L)^{-1} D^{-1} r``, ``v = (I + omega D^{-1} U)^{-1} y``,
    ``z = omega (2 - omega) v``; every off-diagonal entry is read once and the recurrences
    carry no division."""
    n = r.shape[0]
    for i in range(n):
        s = r[i] * dinv[i]
        for jj in range(Lp[i], Lp[i + 1]):
            s -= Lx[jj] * z[Li[jj]]
        z[i] = s
    for i in range(n - 1, -1, -1):
        s = z[i]
        for jj in range(Up[i], Up[i + 1]):
            s -= Ux[jj] * z[Ui[jj]]
        z[i] = s
    for i in range(n):
        z[i] *= scale


@njit(cache=True, nogil=True)
def split_scaled(indptr, indices, data, n, omega):  # pragma: no cover - jitted
    """Strict triangles of ``omega D^{-1} A`` (CSR, column order kept) and ``D^{-1}``.

    Returns ``(Lp, Li, Lx, Up, Ui, Ux, dinv, bad)``; ``bad`` is the first row with a zero or
    missing diagonal (-1: none), in which case the other outputs are meaningless.
    """
    diag = np.zeros(n, dtype=data.dtype)
    nl = 0
    nu = 0
    for i in range(n):
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            if j < i:
                nl += 1
            elif j > i:
                nu += 1
            else:
                diag[i] += data[jj]
    bad = -1
    for i in range(n):
        if diag[i] == 0:
            bad = i
            break
    Lp = np.zeros(n + 1, dtype=indptr.dtype)
    Up = np.zeros(n + 1, dtype=indptr.dtype)
    Li = np.empty(nl, dtype=indices.dtype)
    Ui = np.empty(nu, dtype=indices.dtype)
    Lx = np.empty(nl, dtype=data.dtype)
    Ux = np.empty(nu, dtype=data.dtype)
    dinv = np.zeros(n, dtype=data.dtype)
    if bad >= 0:
        return Lp, Li, Lx, Up, Ui, Ux, dinv, bad
    a = 0
    b = 0
    for i in range(n):
        dinv[i] = 1.0 / diag[i]
        w = omega * dinv[i]
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            if j < i:
                Li[a] = j
                Lx[a] = w * data[jj]
                a += 1
            elif j > i:
                Ui[b] = j
                Ux[b] = w * data[jj]
                b += 1
        Lp[i + 1] = a
        Up[i + 1] = b
    return Lp, Li, Lx, Up, Ui, Ux, dinv, bad
