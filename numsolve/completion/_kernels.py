"""Numba kernels of the AltMin half-step: all row least-squares problems of one side at once.

A half-step of alternating minimization (spec §1, step 2) fixes one factor, the *design* ``D``
(``n x k``), and solves for every row ``i`` of the other factor the ridge regression

    x_i = argmin_x  sum_{j in Omega_i} (D_j . x - (y_ij - off_j))^2 + l2 ||x||^2        (1)

over the observed entries ``Omega_i`` of row ``i`` (a CSR row: ``idx[indptr[i]:indptr[i+1]]``).
``off`` is a fixed per-column offset (the other side's bias term, zero without biases). Only
the observed entries are read; implicit zeros are never touched.

* :func:`exact_rows` forms the ``k x k`` normal equations of (1) (``O(|Omega_i| k^2)``) and
  solves them by Cholesky: the exact JNS13 update, ``O(|Omega| k^2)`` per half-step.
* :func:`sketch_rows` is the paper's approximate solver (spec §1.1): a CountSketch ``S`` of
  ``s`` rows of the design ``A_i = D[Omega_i]`` (``O(|Omega_i| k)``), ``R`` from the ``k x k``
  Gram of ``S A_i`` (``O(s k^2)``), then preconditioned CG on (1) warm-started at the previous
  ``x_i``, each iteration one pass over ``Omega_i`` (``O(|Omega_i| k)``). Rows with
  ``|Omega_i| <= s`` are solved exactly (the sketch would not be smaller than ``A_i``).

Rows run in parallel (``prange``); each row's arithmetic is sequential, so the results do not
depend on the thread count. No ``fastmath``. Both kernels also return the residual sum of
squares of each row at the new ``x_i`` (``rss``), which gives the observed-entry residual of
the pass for free.

A row whose Gram matrix is singular (fewer observations than ``k``, no ridge) gets the
ridge-``1e-12 tr(G)/k`` solution, i.e. the minimum-norm least-squares solution up to rounding;
an empty row gets ``x_i = 0``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["exact_rows", "sketch_rows", "global_rows", "rss_rows", "TINY_RIDGE"]

#: Relative ridge (times ``tr(G)/k``) added to a singular row Gram matrix.
TINY_RIDGE = 1e-12


@njit(cache=True, nogil=True)
def _cholesky(G, shift, L):  # pragma: no cover - jitted
    """Lower Cholesky factor of ``G + shift I`` (``G`` lower triangle read) into ``L``;
    False when a pivot is not positive."""
    k = G.shape[0]
    for a in range(k):
        for b in range(a + 1):
            s = G[a, b] + (shift if a == b else 0.0)
            for c in range(b):
                s -= L[a, c] * L[b, c]
            if a == b:
                if not s > 0.0:
                    return False
                L[a, a] = np.sqrt(s)
            else:
                L[a, b] = s / L[b, b]
    return True


@njit(cache=True, nogil=True)
def _chol_solve(L, r, x):  # pragma: no cover - jitted
    """``x = (L L^T)^{-1} r``."""
    k = L.shape[0]
    for a in range(k):
        s = r[a]
        for c in range(a):
            s -= L[a, c] * x[c]
        x[a] = s / L[a, a]
    for a in range(k - 1, -1, -1):
        s = x[a]
        for c in range(a + 1, k):
            s -= L[c, a] * x[c]
        x[a] = s / L[a, a]


@njit(cache=True, nogil=True)
def _factor(G, l2, n_obs, L):  # pragma: no cover - jitted
    """Cholesky of ``G + l2 I`` (plus the tiny ridge when ``n_obs < k``: ``G`` is singular);
    on failure (numerically singular ``G``) once more with the tiny ridge added."""
    k = G.shape[0]
    tr = 0.0
    for a in range(k):
        tr += G[a, a]
    if tr == 0.0 and l2 == 0.0:
        return False
    shift = l2 + (TINY_RIDGE * tr / k if n_obs < k else 0.0)
    if _cholesky(G, shift, L):
        return True
    return _cholesky(G, shift + TINY_RIDGE * tr / k, L)


@njit(cache=True, nogil=True)
def _gram(lo, hi, idx, vals, D, off, G, r):  # pragma: no cover - jitted
    """Lower triangle of ``G = A^T A`` and ``r = A^T (y - off)`` for one row, four entries
    at a time (each load/store of ``G`` carries four products)."""
    k = D.shape[1]
    G[:, :] = 0.0
    r[:] = 0.0
    p = lo
    while p + 4 <= hi:
        j0, j1, j2, j3 = idx[p], idx[p + 1], idx[p + 2], idx[p + 3]
        y0, y1 = vals[p] - off[j0], vals[p + 1] - off[j1]
        y2, y3 = vals[p + 2] - off[j2], vals[p + 3] - off[j3]
        for a in range(k):
            a0, a1, a2, a3 = D[j0, a], D[j1, a], D[j2, a], D[j3, a]
            r[a] += (a0 * y0 + a1 * y1) + (a2 * y2 + a3 * y3)
            for b in range(a + 1):
                G[a, b] += (a0 * D[j0, b] + a1 * D[j1, b]) + (a2 * D[j2, b] + a3 * D[j3, b])
        p += 4
    while p < hi:
        j = idx[p]
        y = vals[p] - off[j]
        for a in range(k):
            da = D[j, a]
            r[a] += da * y
            for b in range(a + 1):
                G[a, b] += da * D[j, b]
        p += 1


@njit(cache=True, nogil=True)
def _gram_solve(lo, hi, idx, vals, D, off, l2, x, G, r, L):  # pragma: no cover - jitted
    """Exact solve of (1) for one row: normal equations ``(A^T A + l2 I) x = A^T y``."""
    _gram(lo, hi, idx, vals, D, off, G, r)
    if _factor(G, l2, hi - lo, L):
        _chol_solve(L, r, x)
    else:
        x[:] = 0.0


@njit(cache=True, nogil=True)
def _row_rss(lo, hi, idx, vals, D, off, x):  # pragma: no cover - jitted
    k = D.shape[1]
    s = 0.0
    for p in range(lo, hi):
        j = idx[p]
        t = vals[p] - off[j]
        for a in range(k):
            t -= D[j, a] * x[a]
        s += t * t
    return s


@njit(parallel=True, cache=True, nogil=True)
def exact_rows(indptr, idx, vals, D, off, l2, X, rss, want_rss):  # pragma: no cover - jitted
    """Exact half-step: ``X[i]`` solves (1) for every row ``i``; ``rss[i]`` its residual
    (when ``want_rss``; the V half-step does not need it)."""
    m = indptr.shape[0] - 1
    k = D.shape[1]
    for i in prange(m):
        lo = indptr[i]
        hi = indptr[i + 1]
        x = np.zeros(k)
        if hi > lo:
            G = np.empty((k, k))
            r = np.empty(k)
            L = np.zeros((k, k))
            _gram_solve(lo, hi, idx, vals, D, off, l2, x, G, r, L)
        X[i, :] = x
        rss[i] = _row_rss(lo, hi, idx, vals, D, off, x) if want_rss else 0.0


@njit(parallel=True, cache=True, nogil=True)
def rss_rows(indptr, idx, vals, D, off, X, rss):  # pragma: no cover - jitted
    """``rss[i] = sum_{j in Omega_i} (y_ij - off_j - D_j . X_i)^2``."""
    m = indptr.shape[0] - 1
    for i in prange(m):
        rss[i] = _row_rss(indptr[i], indptr[i + 1], idx, vals, D, off, X[i])


@njit(cache=True, nogil=True, inline="always")
def _hash(seed, p):  # pragma: no cover - jitted
    """splitmix64 of ``seed + p``: the CountSketch bucket and sign of entry ``p``."""
    z = np.uint64(seed) + np.uint64(p) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def _normal_pass(lo, hi, idx, vals, D, off, x, g, use_y):  # pragma: no cover - jitted
    """``g = A^T (y - A x)`` (``use_y``) or ``g = A^T A x``: one pass, ``O(|Omega_i| k)``."""
    k = D.shape[1]
    g[:] = 0.0
    for p in range(lo, hi):
        j = idx[p]
        t = 0.0
        for a in range(k):
            t += D[j, a] * x[a]
        if use_y:
            t = vals[p] - off[j] - t
        for a in range(k):
            g[a] += t * D[j, a]


@njit(cache=True, nogil=True)
def _precond(L, Q, dinv, g, z, w):  # pragma: no cover - jitted
    """``z = P^{-1} g``: per-row Cholesky ``P = L L^T`` (``dinv`` empty) or the global
    preconditioner ``P = Q diag(1 / dinv) Q^T`` (two ``k x k`` products; ``w`` scratch)."""
    if dinv.shape[0] == 0:
        _chol_solve(L, g, z)
        return
    k = g.shape[0]
    t = Q.T @ g
    for a in range(k):
        w[a] = t[a] * dinv[a]
    z[:] = Q @ w


@njit(cache=True, nogil=True)
def _pcg(lo, hi, idx, vals, D, off, l2, maxit, itol, x, L, Q, dinv):  # pragma: no cover
    """PCG on the normal equations of (1) from the warm start ``x`` (spec §1.1 step 3),
    each iteration one ``O(|Omega_i| k)`` pass plus one preconditioner application; stops
    when the gradient fell below ``itol`` times its initial norm. Returns the iterations.

    The row's design ``A_i = D[Omega_i]`` is gathered once (``|Omega_i| x k``, contiguous)
    so that each pass is two BLAS matrix-vector products (the dot products of a plain loop
    do not vectorise without fastmath)."""
    k = D.shape[1]
    A = np.empty((hi - lo, k))
    y = np.empty(hi - lo)
    for p in range(lo, hi):
        j = idx[p]
        A[p - lo, :] = D[j, :]
        y[p - lo] = vals[p] - off[j]
    g = A.T @ (y - A @ x)
    for a in range(k):
        g[a] -= l2 * x[a]
    gn0 = 0.0
    for a in range(k):
        gn0 += g[a] * g[a]
    z = np.empty(k)
    w = np.empty(k)
    _precond(L, Q, dinv, g, z, w)
    d = z.copy()
    rz = g @ z
    q = np.empty(k)
    it = 0
    while it < maxit and rz > 0.0:
        gn = g @ g
        if gn <= itol * itol * gn0:
            break
        q = A.T @ (A @ d)
        for a in range(k):
            q[a] += l2 * d[a]
        dq = d @ q
        if not dq > 0.0:
            break
        alpha = rz / dq
        for a in range(k):
            x[a] += alpha * d[a]
            g[a] -= alpha * q[a]
        _precond(L, Q, dinv, g, z, w)
        rz_new = g @ z
        beta = rz_new / rz
        rz = rz_new
        for a in range(k):
            d[a] = z[a] + beta * d[a]
        it += 1
    return it


@njit(cache=True, nogil=True)
def _sketch_pcg(lo, hi, idx, vals, D, off, l2, s, seed, maxit, itol, x, L):  # pragma: no cover
    """Spec §1.1 for one row: CountSketch ``S A_i`` (s rows), ``L L^T = (S A_i)^T S A_i +
    l2 I``, then PCG on the normal equations of (1) from the warm start ``x``. Returns the
    number of PCG iterations."""
    k = D.shape[1]
    SA = np.zeros((s, k))
    for p in range(lo, hi):                      # step 1: sketch, O(|Omega_i| k)
        h = _hash(seed, p)
        b = np.int64(h % np.uint64(s))
        sg = 1.0 if (h >> np.uint64(63)) == np.uint64(0) else -1.0
        j = idx[p]
        for a in range(k):
            SA[b, a] += sg * D[j, a]
    G = SA.T @ SA                                 # step 2: the preconditioner, O(s k^2)
    if not _factor(G, l2, hi - lo, L):
        x[:] = 0.0
        return 0
    return _pcg(lo, hi, idx, vals, D, off, l2, maxit, itol, x, L,   # step 3
                np.empty((0, 0)), np.empty(0))


@njit(cache=True, nogil=True)
def _dual_solve(lo, hi, idx, vals, D, off, l2, x):  # pragma: no cover - jitted
    """Exact solve of (1) for a row with fewer observations ``t`` than unknowns ``k``, in
    the dual form ``x = A^T (A A^T + shift I)^{-1} y`` (``O(t^2 k + t^3)``): the same
    ridge-``shift`` solution as :func:`_gram_solve` (push-through identity), same shift
    (``l2`` plus the tiny ridge), computed from the well-conditioned ``t x t`` system."""
    k = D.shape[1]
    t = hi - lo
    K = np.empty((t, t))
    y = np.empty(t)
    tr = 0.0
    for a in range(t):
        ja = idx[lo + a]
        y[a] = vals[lo + a] - off[ja]
        for b in range(a + 1):
            jb = idx[lo + b]
            acc = 0.0
            for c in range(k):
                acc += D[ja, c] * D[jb, c]
            K[a, b] = acc
        tr += K[a, a]
    x[:] = 0.0
    if tr == 0.0 and l2 == 0.0:
        return
    shift = l2 + TINY_RIDGE * tr / k
    L = np.zeros((t, t))
    if not _cholesky(K, shift, L):
        if not _cholesky(K, shift + TINY_RIDGE * tr / k, L):
            return
    c_ = np.empty(t)
    _chol_solve(L, y, c_)
    for a in range(t):
        ja = idx[lo + a]
        for c in range(k):
            x[c] += c_[a] * D[ja, c]


@njit(parallel=True, cache=True, nogil=True)
def sketch_rows(indptr, idx, vals, D, off, l2, s, seed, maxit, itol, X, rss,
                nits):  # pragma: no cover - jitted
    """Sketch-preconditioned half-step (spec §1.1): ``X[i]`` (read as the warm start)
    approximately solves (1); rows with at most ``s`` entries are solved exactly."""
    m = indptr.shape[0] - 1
    k = D.shape[1]
    for i in prange(m):
        lo = indptr[i]
        hi = indptr[i + 1]
        x = X[i, :].copy()
        L = np.zeros((k, k))
        nits[i] = 0
        if hi == lo:
            x[:] = 0.0
        elif hi - lo <= s:
            G = np.empty((k, k))
            r = np.empty(k)
            _gram_solve(lo, hi, idx, vals, D, off, l2, x, G, r, L)
        else:
            nits[i] = _sketch_pcg(lo, hi, idx, vals, D, off, l2, s, seed + i, maxit, itol,
                                  x, L)
        X[i, :] = x
        rss[i] = _row_rss(lo, hi, idx, vals, D, off, x)


@njit(parallel=True, cache=True, nogil=True)
def global_rows(indptr, idx, vals, D, off, l2, Q, lam, maxit, itol, X, rss,
                nits):  # pragma: no cover - jitted
    """Half-step with the global preconditioner: row ``i``'s normal matrix
    ``A_i^T A_i + l2 I`` is preconditioned by ``|Omega_i| W + l2 I`` with the one weighted
    Gram ``W = Q diag(lam) Q^T`` of the whole design (computed once per half-step by the
    caller), then PCG from the warm start ``X[i]``: ``O(|Omega_i| k + k^2)`` per iteration,
    no per-row factorisation. Rows with fewer than ``k`` entries are solved exactly in the
    dual form, rows with ``k..2k`` entries by their normal equations (too few samples for
    ``|Omega_i| W`` to approximate ``A_i^T A_i``)."""
    m = indptr.shape[0] - 1
    k = D.shape[1]
    L0 = np.empty((0, 0))
    for i in prange(m):
        lo = indptr[i]
        hi = indptr[i + 1]
        x = X[i, :].copy()
        nits[i] = 0
        t = hi - lo
        if t == 0:
            x[:] = 0.0
        elif t < k:
            _dual_solve(lo, hi, idx, vals, D, off, l2, x)
        elif t <= 2 * k:
            G = np.empty((k, k))
            r = np.empty(k)
            L = np.zeros((k, k))
            _gram_solve(lo, hi, idx, vals, D, off, l2, x, G, r, L)
        else:
            dinv = np.empty(k)
            for a in range(k):
                dinv[a] = 1.0 / (t * lam[a] + l2)
            nits[i] = _pcg(lo, hi, idx, vals, D, off, l2, maxit, itol, x, L0, Q, dinv)
        X[i, :] = x
        rss[i] = _row_rss(lo, hi, idx, vals, D, off, x)
