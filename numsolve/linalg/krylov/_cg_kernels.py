"""Numba kernels for (batched) conjugate gradients on CSR matrices.

Block kernels work on C-contiguous ``(n, g)`` blocks: ``g`` independent right-hand sides share
one pass over the matrix (SpMM), and each pass fuses the column reductions CG needs next. The
single right-hand-side case has dedicated 1-D kernels (unit stride, so LLVM vectorises them).

Reductions accumulate in float64 whatever the data type. Block kernels sum each column in row
order (the four columns of a block give four independent add chains), so a column's iterates
are bit-identical in any grouping of a batch. The 1-D kernels use four interleaved partial sums
(rows ``i mod 4``, combined as ``(s0 + s1) + (s2 + s3)``) to hide the add latency; a column
solved alone by ``solve`` therefore agrees with the same column of a batch to rounding.

All helpers live in this one module (Numba's cache does not see changes across modules). No
``fastmath``: the callers test for NaN/inf.

The kernels are compiled with LLVM's SLP vectoriser switched on (see :func:`simd_njit`; Numba
leaves it off by default): it packs the four independent per-column operations of a block
row (the loads of ``P[j, c:c+4]``, the products, the four accumulators) into one AVX/SSE
vector operation. Each lane performs exactly the scalar operation it replaces (no
reassociation, no FMA contraction: neither is allowed without ``fastmath``), so the results
are bit-identical to the scalar code.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.core import config as _numba_config
from numba.core.compiler_lock import global_compiler_lock
from numba.core.registry import CPUDispatcher

__all__ = [
    "csr_spmm_coldot",
    "csr_residual_colnorm",
    "update_xr_colnorm",
    "update_p",
    "update_r_colnorm",
    "update_xp",
    "update_x",
    "coldot",
    "dot1",
    "csr_spmv_dot1",
    "csr_residual1",
    "update_xr1",
    "update_p1",
    "cg_steps_block",
    "cg_steps1",
    "multi_csr_spmm_coldot",
    "multi_csr_residual_colnorm",
    "simd_njit",
]


class _SLPDispatcher(CPUDispatcher):
    """A CPU dispatcher whose compilations run with LLVM's SLP vectoriser enabled.

    Numba reads ``numba.core.config.SLP_VECTORIZE`` (default 0, numba#8705) whenever it builds
    an LLVM pass pipeline; every compilation of these kernels - a first call from Python, a
    call from another jitted function (typing compiles the callee through this method) - sets
    it to 1 for its own duration only, under Numba's global compiler lock (which serialises all
    compilations of the process, so nothing else is compiled with the flag). Cached objects
    (``cache=True``) therefore always come from SLP compilations, in any checkout. (Numba
    re-reads its ``NUMBA_*`` environment variables at the start of a compilation when they
    have changed since the last one; a compilation right after such a change may then run
    without SLP. That costs speed only: the results are the same either way.)
    """

    def compile(self, sig):
        with global_compiler_lock:
            saved = _numba_config.SLP_VECTORIZE
            _numba_config.SLP_VECTORIZE = 1
            try:
                return super().compile(sig)
            finally:
                _numba_config.SLP_VECTORIZE = saved


def simd_njit(func):
    """``@simd_njit`` compiled with the SLP vectoriser (:class:`_SLPDispatcher`)."""
    if _numba_config.DISABLE_JIT:  # pragma: no cover - NUMBA_DISABLE_JIT=1 runs plain Python
        return func
    disp = _SLPDispatcher(py_func=func, locals={},
                          targetoptions={"nopython": True, "nogil": True, "boundscheck": None})
    disp.enable_caching()
    return disp


# ---------------------------------------------------------------------------------------------
# inline pieces shared by the kernels (inlined into the caller's Numba IR: the compiled loops are
# the same as if written out, with the same loads and stores in the same order)
# ---------------------------------------------------------------------------------------------
@njit(inline="always")
def _put4(out, c, s0, s1, s2, s3):  # pragma: no cover - jitted
    """``out[c:c + 4] = s0, s1, s2, s3``."""
    out[c] = s0
    out[c + 1] = s1
    out[c + 2] = s2
    out[c + 3] = s3


@njit(inline="always")
def _r_row4(R, Q, i, c, l0, l1, l2, l3, s0, s1, s2, s3):  # pragma: no cover - jitted
    """Row ``i`` of ``R[:, c:c + 4] -= l Q[:, c:c + 4]`` (all loads before the stores); returns
    the running sums of squares ``s_k + r_k * r_k``."""
    r0 = R[i, c] - l0 * Q[i, c]
    r1 = R[i, c + 1] - l1 * Q[i, c + 1]
    r2 = R[i, c + 2] - l2 * Q[i, c + 2]
    r3 = R[i, c + 3] - l3 * Q[i, c + 3]
    R[i, c] = r0
    R[i, c + 1] = r1
    R[i, c + 2] = r2
    R[i, c + 3] = r3
    return s0 + r0 * r0, s1 + r1 * r1, s2 + r2 * r2, s3 + r3 * r3


@njit(inline="always")
def _r_row1(R, Q, i, c, l0, s):  # pragma: no cover - jitted
    """Row ``i`` of ``R[:, c] -= l0 Q[:, c]``; returns ``s + r * r``."""
    r = R[i, c] - l0 * Q[i, c]
    R[i, c] = r
    return s + r * r


# ---------------------------------------------------------------------------------------------
# block kernels, (n, g) arrays: column blocks of four keep their row sums in registers (the
# kernels of the multi-step path then take a block of two), remaining columns run one at a
# time; per column the arithmetic is the same in every path
# ---------------------------------------------------------------------------------------------
@simd_njit
def csr_spmm_coldot(indptr, indices, data, P, Q, pq):  # pragma: no cover - jitted
    """``Q = A @ P`` and ``pq[c] = P[:, c] . Q[:, c]``."""
    n, g = P.shape
    c = 0
    while c + 4 <= g:
        s0 = s1 = s2 = s3 = 0.0
        lo = indptr[0]
        for i in range(n):
            hi = indptr[i + 1]
            a0 = a1 = a2 = a3 = 0.0
            for jj in range(lo, hi):
                a = data[jj]
                j = indices[jj]
                a0 += a * P[j, c]
                a1 += a * P[j, c + 1]
                a2 += a * P[j, c + 2]
                a3 += a * P[j, c + 3]
            lo = hi
            Q[i, c] = a0
            Q[i, c + 1] = a1
            Q[i, c + 2] = a2
            Q[i, c + 3] = a3
            s0 += P[i, c] * a0
            s1 += P[i, c + 1] * a1
            s2 += P[i, c + 2] * a2
            s3 += P[i, c + 3] * a3
        _put4(pq, c, s0, s1, s2, s3)
        c += 4
    if c + 2 <= g:  # two of the remaining columns share one pass over the matrix
        s0 = s1 = 0.0
        lo = indptr[0]
        for i in range(n):
            hi = indptr[i + 1]
            a0 = a1 = 0.0
            for jj in range(lo, hi):
                a = data[jj]
                j = indices[jj]
                a0 += a * P[j, c]
                a1 += a * P[j, c + 1]
            lo = hi
            Q[i, c] = a0
            Q[i, c + 1] = a1
            s0 += P[i, c] * a0
            s1 += P[i, c + 1] * a1
        pq[c] = s0
        pq[c + 1] = s1
        c += 2
    while c < g:
        s = 0.0
        lo = indptr[0]
        for i in range(n):
            hi = indptr[i + 1]
            acc = 0.0
            for jj in range(lo, hi):
                acc += data[jj] * P[indices[jj], c]
            lo = hi
            Q[i, c] = acc
            s += P[i, c] * acc
        pq[c] = s
        c += 1


@simd_njit
def coldot(U, V, out):  # pragma: no cover - jitted
    """``out[c] = U[:, c] . V[:, c]`` accumulated in float64."""
    n, g = U.shape
    for c in range(g):
        s = 0.0
        for i in range(n):
            s += U[i, c] * V[i, c]
        out[c] = s


@simd_njit
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


@simd_njit
def update_xr_colnorm(X, R, P, Q, alpha, rr):  # pragma: no cover - jitted
    """``X += alpha P``, ``R -= alpha Q`` (per column) and ``rr[c] = ||R[:, c]||^2``."""
    n, g = X.shape
    al = alpha.astype(X.dtype)
    c = 0
    while c + 4 <= g:
        l0, l1, l2, l3 = al[c], al[c + 1], al[c + 2], al[c + 3]
        s0 = s1 = s2 = s3 = 0.0
        for i in range(n):
            X[i, c] += l0 * P[i, c]
            X[i, c + 1] += l1 * P[i, c + 1]
            X[i, c + 2] += l2 * P[i, c + 2]
            X[i, c + 3] += l3 * P[i, c + 3]
            s0, s1, s2, s3 = _r_row4(R, Q, i, c, l0, l1, l2, l3, s0, s1, s2, s3)
        _put4(rr, c, s0, s1, s2, s3)
        c += 4
    while c < g:
        l0 = al[c]
        s = 0.0
        for i in range(n):
            X[i, c] += l0 * P[i, c]
            s = _r_row1(R, Q, i, c, l0, s)
        rr[c] = s
        c += 1


@simd_njit
def update_p(P, Z, beta):  # pragma: no cover - jitted
    """``P = Z + beta P`` (per column)."""
    n, g = P.shape
    be = beta.astype(P.dtype)
    c = 0
    while c + 4 <= g:
        b0, b1, b2, b3 = be[c], be[c + 1], be[c + 2], be[c + 3]
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


@simd_njit
def update_r_colnorm(R, Q, alpha, rr):  # pragma: no cover - jitted
    """``R -= alpha Q`` (per column) and ``rr[c] = ||R[:, c]||^2``: the ``R`` half of
    :func:`update_xr_colnorm` (same arithmetic); ``X`` is updated later by :func:`update_xp`."""
    n, g = R.shape
    al = alpha.astype(R.dtype)
    c = 0
    while c + 4 <= g:
        l0, l1, l2, l3 = al[c], al[c + 1], al[c + 2], al[c + 3]
        s0 = s1 = s2 = s3 = 0.0
        for i in range(n):
            s0, s1, s2, s3 = _r_row4(R, Q, i, c, l0, l1, l2, l3, s0, s1, s2, s3)
        _put4(rr, c, s0, s1, s2, s3)
        c += 4
    if c + 2 <= g:
        l0 = al[c]
        l1 = al[c + 1]
        s0 = 0.0
        s1 = 0.0
        for i in range(n):
            r0 = R[i, c] - l0 * Q[i, c]
            r1 = R[i, c + 1] - l1 * Q[i, c + 1]
            R[i, c] = r0
            R[i, c + 1] = r1
            s0 += r0 * r0
            s1 += r1 * r1
        rr[c] = s0
        rr[c + 1] = s1
        c += 2
    while c < g:
        l0 = al[c]
        s = 0.0
        for i in range(n):
            s = _r_row1(R, Q, i, c, l0, s)
        rr[c] = s
        c += 1


@simd_njit
def update_xp(X, P, Z, alpha, beta):  # pragma: no cover - jitted
    """``X += alpha P`` then ``P = Z + beta P`` (per column) in one pass over ``P``.

    Equal to the ``X`` half of :func:`update_xr_colnorm` followed by :func:`update_p`: both
    updates use the old ``P``, so deferring ``X``'s to this pass saves one read of ``P``.
    """
    n, g = X.shape
    al = alpha.astype(X.dtype)
    be = beta.astype(P.dtype)
    c = 0
    while c + 4 <= g:
        l0, l1, l2, l3 = al[c], al[c + 1], al[c + 2], al[c + 3]
        b0, b1, b2, b3 = be[c], be[c + 1], be[c + 2], be[c + 3]
        for i in range(n):
            p0 = P[i, c]
            p1 = P[i, c + 1]
            p2 = P[i, c + 2]
            p3 = P[i, c + 3]
            X[i, c] += l0 * p0
            X[i, c + 1] += l1 * p1
            X[i, c + 2] += l2 * p2
            X[i, c + 3] += l3 * p3
            P[i, c] = Z[i, c] + b0 * p0
            P[i, c + 1] = Z[i, c + 1] + b1 * p1
            P[i, c + 2] = Z[i, c + 2] + b2 * p2
            P[i, c + 3] = Z[i, c + 3] + b3 * p3
        c += 4
    if c + 2 <= g:
        l0 = al[c]
        l1 = al[c + 1]
        b0 = be[c]
        b1 = be[c + 1]
        for i in range(n):
            p0 = P[i, c]
            p1 = P[i, c + 1]
            X[i, c] += l0 * p0
            X[i, c + 1] += l1 * p1
            P[i, c] = Z[i, c] + b0 * p0
            P[i, c + 1] = Z[i, c + 1] + b1 * p1
        c += 2
    while c < g:
        l0 = al[c]
        b0 = be[c]
        for i in range(n):
            p0 = P[i, c]
            X[i, c] += l0 * p0
            P[i, c] = Z[i, c] + b0 * p0
        c += 1


@simd_njit
def update_x(X, P, alpha):  # pragma: no cover - jitted
    """``X += alpha P`` (per column), as in :func:`update_xr_colnorm`."""
    n, g = X.shape
    al = alpha.astype(X.dtype)
    for i in range(n):
        for c in range(g):
            X[i, c] += al[c] * P[i, c]


# ---------------------------------------------------------------------------------------------
# 1-D kernels for one right-hand side (contiguous vectors; same canonical reduction order)
# ---------------------------------------------------------------------------------------------
@simd_njit
def dot1(u, v):  # pragma: no cover - jitted
    """``u . v`` in the canonical order (float64)."""
    n = u.shape[0]
    m = n - (n & 3)
    s0 = s1 = s2 = s3 = 0.0
    for i in range(0, m, 4):
        s0 += u[i] * v[i]
        s1 += u[i + 1] * v[i + 1]
        s2 += u[i + 2] * v[i + 2]
        s3 += u[i + 3] * v[i + 3]
    if m < n:
        s0 += u[m] * v[m]
    if m + 1 < n:
        s1 += u[m + 1] * v[m + 1]
    if m + 2 < n:
        s2 += u[m + 2] * v[m + 2]
    return (s0 + s1) + (s2 + s3)


@simd_njit
def csr_spmv_dot1(indptr, indices, data, p, q):  # pragma: no cover - jitted
    """``q = A @ p`` and returns ``p . q`` (one pass; float64 accumulation)."""
    n = p.shape[0]
    s = 0.0
    lo = indptr[0]
    for i in range(n):
        hi = indptr[i + 1]
        a0 = 0.0
        for jj in range(lo, hi):
            a0 += data[jj] * p[indices[jj]]
        lo = hi
        q[i] = a0
        s += p[i] * a0
    return s


@simd_njit
def csr_residual1(indptr, indices, data, b, x, r):  # pragma: no cover - jitted
    """``r = b - A @ x``; returns ``||r||^2`` (canonical order).

    Not written as :func:`csr_spmv_dot1` plus a subtraction: here ``b - Ax`` is formed in
    float64 before the one rounding to the vectors' dtype (float32 residuals stay accurate).
    """
    n = x.shape[0]
    for i in range(n):
        a0 = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            a0 += data[jj] * x[indices[jj]]
        r[i] = b[i] - a0
    return dot1(r, r)


@simd_njit
def update_xr1(x, r, p, q, alpha):  # pragma: no cover - jitted
    """``x += alpha p``, ``r -= alpha q``; returns ``||r||^2`` (one pass).

    The norm is summed exactly as :func:`dot1` sums it (four interleaved partial sums), so the
    result equals ``dot1(r, r)`` after the update. ``alpha`` must have the vectors' dtype.
    """
    n = x.shape[0]
    m = n - (n & 3)
    s0 = s1 = s2 = s3 = 0.0
    for i in range(0, m, 4):
        x[i] += alpha * p[i]
        x[i + 1] += alpha * p[i + 1]
        x[i + 2] += alpha * p[i + 2]
        x[i + 3] += alpha * p[i + 3]
        r0 = r[i] - alpha * q[i]
        r1 = r[i + 1] - alpha * q[i + 1]
        r2 = r[i + 2] - alpha * q[i + 2]
        r3 = r[i + 3] - alpha * q[i + 3]
        r[i] = r0
        r[i + 1] = r1
        r[i + 2] = r2
        r[i + 3] = r3
        s0 += r[i] * r[i]
        s1 += r[i + 1] * r[i + 1]
        s2 += r[i + 2] * r[i + 2]
        s3 += r[i + 3] * r[i + 3]
    for i in range(m, n):
        x[i] += alpha * p[i]
        r[i] = r[i] - alpha * q[i]
    if m < n:
        s0 += r[m] * r[m]
    if m + 1 < n:
        s1 += r[m + 1] * r[m + 1]
    if m + 2 < n:
        s2 += r[m + 2] * r[m + 2]
    return (s0 + s1) + (s2 + s3)


@simd_njit
def update_p1(p, z, beta):  # pragma: no cover - jitted
    """``p = z + beta p``."""
    for i in range(p.shape[0]):
        p[i] = z[i] + beta * p[i]


# ---------------------------------------------------------------------------------------------
# one CSR matrix per column (batches of different systems)
# ---------------------------------------------------------------------------------------------
@simd_njit
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


@simd_njit
def multi_csr_residual_colnorm(indptr, indices, data, sys_ids, B, X, R, rr):  # pragma: no cover
    """``R[:, c] = B[:, c] - A_s @ X[:, c]`` with ``s = sys_ids[c]``, and ``rr[c]``."""
    multi_csr_spmm_coldot(indptr, indices, data, sys_ids, X, R, rr)
    n, g = X.shape
    for i in range(n):
        for c in range(g):
            R[i, c] = B[i, c] - R[i, c]
    coldot(R, R, rr)


# ---------------------------------------------------------------------------------------------
# several plain (unpreconditioned) CG iterations in one call: the engine's fast path
# ---------------------------------------------------------------------------------------------
@simd_njit
def cg_steps_block(indptr, indices, data, X, R, P, Q, rz, tol, max_steps, hist, pq,
                   rr):  # pragma: no cover - jitted
    """Up to ``max_steps`` CG iterations on ``(n, g)`` blocks, stopping at the first event.

    Each iteration is exactly the engine's: :func:`csr_spmm_coldot`, ``alpha = rz / pq``,
    :func:`update_xr_colnorm`, ``rz_new = sqrt(rr) * sqrt(rr)``, ``beta = rz_new / rz``,
    :func:`update_p` - the same arithmetic, so the iterates are bit-identical to one-by-one
    steps. Only the passes differ: :func:`update_r_colnorm` updates ``R``, and ``X += alpha P``
    waits for the pass that updates ``P`` (:func:`update_xp`; :func:`update_x` on return),
    so ``P`` is read once less per iteration. ``hist[s, c]`` receives the recursive residual
    norms; ``rz`` is updated in place.

    Returns ``(done, code)``. ``code == 0``: ``done >= 1`` iterations updated ``X`` and ``R``;
    the last of them stopped right after that update (``rr`` holds its squared norms; its
    ``P`` update is left to the caller) because a norm is at or below ``tol``, non-finite, or
    the budget is spent. ``code == 1``: ``done`` complete iterations, then the next SpMM gave
    ``p^T A p`` not > 0 or non-finite (``Q``, ``pq`` hold it; nothing else was changed).
    """
    g = X.shape[1]
    alpha = np.empty(g)
    beta = np.empty(g)
    for s in range(max_steps):
        csr_spmm_coldot(indptr, indices, data, P, Q, pq)
        for c in range(g):
            if not (pq[c] > 0.0) or not np.isfinite(pq[c]):
                return s, 1
        for c in range(g):
            alpha[c] = rz[c] / pq[c]
        update_r_colnorm(R, Q, alpha, rr)
        event = s == max_steps - 1
        for c in range(g):
            rn = np.sqrt(rr[c])
            hist[s, c] = rn
            if rn <= tol[c] or not np.isfinite(rn):
                event = True
        if event:
            update_x(X, P, alpha)
            return s + 1, 0
        for c in range(g):
            rn = np.sqrt(rr[c])
            rzn = rn * rn
            beta[c] = rzn / rz[c]
            rz[c] = rzn
        update_xp(X, P, R, alpha, beta)
    return max_steps, 0


@simd_njit
def cg_steps1(indptr, indices, data, x, r, p, q, rz, tol, max_steps, hist,
              rr):  # pragma: no cover - jitted
    """:func:`cg_steps_block` for one right-hand side with the 1-D kernels
    (:func:`csr_spmv_dot1`, :func:`update_xr1`, :func:`update_p1`); ``rz``, ``rr`` and the
    returned ``pq`` (``rr[1]`` on ``code == 1``) are length-1/2 arrays."""
    cast = np.empty(1, dtype=x.dtype)  # step sizes in the vectors' dtype, as the engine does
    for s in range(max_steps):
        pq = csr_spmv_dot1(indptr, indices, data, p, q)
        if not (pq > 0.0) or not np.isfinite(pq):
            rr[1] = pq
            return s, 1
        cast[0] = rz[0] / pq
        rr[0] = update_xr1(x, r, p, q, cast[0])
        rn = np.sqrt(rr[0])
        hist[s, 0] = rn
        if rn <= tol[0] or not np.isfinite(rn) or s == max_steps - 1:
            return s + 1, 0
        rzn = rn * rn
        cast[0] = rzn / rz[0]
        rz[0] = rzn
        update_p1(p, r, cast[0])
    return max_steps, 0
