"""One half-step of AltMin on every backend: Numba kernels on the host, batched array code
elsewhere (CuPy on the GPU; NumPy when Numba is disabled).

The half-step solves, for every row ``i`` of one side, the ridge regression (1) of
:mod:`numsolve.completion._kernels`. The array path forms the same ``k x k`` normal equations
with segment sums over the CSR rows (a sparse indicator matrix times the per-entry outer
products, in blocks of rows so that the ``|block| x k^2`` temporaries stay bounded) and solves
them with one batched ``xp.linalg.solve``; its sketched variant builds the per-row CountSketch
the same way (the same hash as the Numba kernel, so both paths draw the same sketch) and runs
the preconditioned CG of spec §1.1 batched over all rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._backend import is_cupy_namespace, numba_available
from ._kernels import TINY_RIDGE

__all__ = ["Side", "make_side", "half_step", "side_rss"]

_BLOCK_FLOATS = 1 << 23  # entries x k^2 floats per block of the array path (64 MiB)


@dataclass
class Side:
    """The observations of one orientation (rows of ``M`` or of ``M^T``) for a half-step."""

    ptr: Any
    idx: Any
    val: Any
    counts: Any
    numba: bool
    xp: Any
    blocks: list  # array path: [(r0, r1, e0, e1, S_block, seg_ids)]


def _indicator(xp, ptr_h, r0, r1):
    """``S`` (``(r1 - r0) x nnz_block``) with ``S[i, e] = 1`` when entry ``e`` is in row
    ``r0 + i``: ``S @ P`` sums ``P`` over the entries of each row."""
    p = ptr_h[r0:r1 + 1] - ptr_h[r0]
    ne = int(p[-1])
    if is_cupy_namespace(xp):
        import cupy
        import cupyx.scipy.sparse as csp

        return csp.csr_matrix((cupy.ones(ne), cupy.arange(ne, dtype=cupy.int32),
                               cupy.asarray(p.astype(np.int32))), shape=(r1 - r0, ne))
    return sp.csr_matrix((np.ones(ne), np.arange(ne, dtype=np.int32), p.astype(np.int32)),
                         shape=(r1 - r0, ne))


def make_side(xp, ptr, idx, val, k: int) -> Side:
    """Prepare one orientation; the array path cuts the rows into blocks of bounded work."""
    use_numba = numba_available() and not is_cupy_namespace(xp) and isinstance(val, np.ndarray)
    ptr_h = np.asarray(ptr.get() if hasattr(ptr, "get") else ptr)
    counts = xp.asarray(ptr[1:] - ptr[:-1])
    blocks = []
    if not use_numba:
        budget = max(1, _BLOCK_FLOATS // max(1, k * k))
        m = ptr_h.shape[0] - 1
        r0 = 0
        while r0 < m:
            r1 = int(np.searchsorted(ptr_h, ptr_h[r0] + budget, side="right")) - 1
            r1 = min(m, max(r1, r0 + 1))
            S = _indicator(xp, ptr_h, r0, r1)
            seg = np.repeat(np.arange(r1 - r0), np.diff(ptr_h[r0:r1 + 1]))
            blocks.append((r0, r1, int(ptr_h[r0]), int(ptr_h[r1]), S, xp.asarray(seg)))
            r0 = r1
    return Side(ptr, idx, val, counts, use_numba, xp, blocks)


# --------------------------------------------------------------------------------------------
# array path
# --------------------------------------------------------------------------------------------
def _shift(xp, G, counts, l2):
    """``l2`` plus the tiny ridge of rows with fewer observations than unknowns (singular
    Gram), plus 1 on empty rows (their right-hand side is 0, so ``x_i = 0``)."""
    k = G.shape[-1]
    tr = xp.sum(xp.linalg.diagonal(G), axis=-1)
    tiny = xp.where(counts < k, TINY_RIDGE * tr / k, xp.zeros_like(tr))
    empty = xp.astype(tr == 0, G.dtype)
    return l2 + tiny + empty * float(l2 == 0.0)


def _normal_equations(side: Side, D, off, Xentries=None):
    """Per-row ``G_i = A_i^T A_i`` and ``r_i = A_i^T (y_i - off)`` (segment sums by block);
    with ``Xentries`` (a callable block -> per-entry x), ``r_i = A_i^T A_i x_i`` instead."""
    xp = side.xp
    m, k = side.counts.shape[0], D.shape[1]
    G = xp.zeros((m, k * k), dtype=D.dtype)
    r = xp.zeros((m, k), dtype=D.dtype)
    for r0, r1, e0, e1, S, _seg in side.blocks:
        A = xp.take(D, side.idx[e0:e1], axis=0)
        y = side.val[e0:e1] - xp.take(off, side.idx[e0:e1])
        P = xp.reshape(A[:, :, None] * A[:, None, :], (e1 - e0, k * k))
        G[r0:r1, :] = S @ P
        r[r0:r1, :] = S @ (A * y[:, None])
    return xp.reshape(G, (m, k, k)), r


def _solve_batched(xp, G, r, shift):
    k = G.shape[-1]
    eye = xp.eye(k, dtype=G.dtype)
    return xp.linalg.solve(G + shift[:, None, None] * eye, r[:, :, None])[:, :, 0]


def _rss_array(side: Side, D, off, X):
    xp = side.xp
    total = 0.0
    for r0, r1, e0, e1, _S, seg in side.blocks:
        A = xp.take(D, side.idx[e0:e1], axis=0)
        y = side.val[e0:e1] - xp.take(off, side.idx[e0:e1])
        t = y - xp.sum(A * xp.take(X[r0:r1, :], seg, axis=0), axis=1)
        total += float(xp.sum(t * t))
    return total


def _apply_normal(side: Side, D, Xd):
    """Per row ``A_i^T A_i x_i`` (batched, one pass over the entries)."""
    xp = side.xp
    out = xp.zeros(Xd.shape, dtype=D.dtype)
    for r0, r1, e0, e1, S, seg in side.blocks:
        A = xp.take(D, side.idx[e0:e1], axis=0)
        t = xp.sum(A * xp.take(Xd[r0:r1, :], seg, axis=0), axis=1)
        out[r0:r1, :] = S @ (A * t[:, None])
    return out


def _hash(xp, seed, rows, pos):
    """The Numba kernel's CountSketch hash (splitmix64 of ``seed + row`` and the entry's
    position ``pos``), so that both paths draw the same sketch."""
    u = xp.uint64
    z = xp.astype(rows + seed, u) + xp.astype(pos, u) * 0x9E3779B97F4A7C15
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB
    return z ^ (z >> 31)


def _sketch_array(side: Side, D, off, X, l2, s, seed, maxit, itol):
    """Spec §1.1 batched over rows: CountSketch Gram per row (segment sums over the
    ``(row, bucket)`` pairs), Cholesky preconditioner, PCG from the warm start ``X``."""
    xp = side.xp
    m, k = X.shape
    SA = xp.zeros((m * s, k), dtype=D.dtype)
    for r0, r1, e0, e1, _S, seg in side.blocks:
        h = _hash(xp, seed, seg + r0, xp.arange(e0, e1, dtype=xp.int64))
        bucket = xp.astype(h % s, xp.int64)
        sign = 1.0 - 2.0 * xp.astype(h >> 63, D.dtype)
        A = xp.take(D, side.idx[e0:e1], axis=0) * sign[:, None]
        key = (seg + r0) * s + bucket
        Sb = _segment_matrix(xp, key, r0 * s, r1 * s)
        SA[r0 * s:r1 * s, :] = Sb @ A
    SA = xp.reshape(SA, (m, s, k))
    H = xp.matmul(xp.matrix_transpose(SA), SA)
    L = xp.linalg.cholesky(H + _shift(xp, H, side.counts, l2)[:, None, None] * xp.eye(k))
    G, b = _normal_equations(side, D, off)
    g = b - _apply_normal(side, D, X) - l2 * X
    small = side.counts <= s  # solved exactly, as in the Numba kernel
    X_small = _solve_batched(xp, G, b, _shift(xp, G, side.counts, l2))
    z = _prec(xp, L, g)
    d, rz = z, xp.sum(g * z, axis=1)
    gn0 = xp.sum(g * g, axis=1)
    its = 0
    for _ in range(maxit):
        active = (xp.sum(g * g, axis=1) > (itol * itol) * gn0) & ~small
        if not bool(xp.any(active)):
            break
        its += 1
        q = _apply_normal(side, D, d) + l2 * d
        dq = xp.sum(d * q, axis=1)
        alpha = xp.where(active & (dq > 0), rz / xp.where(dq > 0, dq, 1.0), 0.0)
        X = X + alpha[:, None] * d
        g = g - alpha[:, None] * q
        z = _prec(xp, L, g)
        rz_new = xp.sum(g * z, axis=1)
        d = z + xp.where(rz > 0, rz_new / xp.where(rz > 0, rz, 1.0), 0.0)[:, None] * d
        rz = rz_new
    return xp.where(small[:, None], X_small, X), its


def _segment_matrix(xp, key, lo, hi):
    """Indicator ``(hi - lo) x len(key)`` with a one in row ``key[e] - lo`` of column ``e``."""
    ne = key.shape[0]
    if is_cupy_namespace(xp):
        import cupy
        import cupyx.scipy.sparse as csp

        return csp.csr_matrix(csp.coo_matrix((cupy.ones(ne), (key - lo, cupy.arange(ne))),
                                             shape=(hi - lo, ne)))
    return sp.csr_matrix((np.ones(ne), (np.asarray(key) - lo, np.arange(ne))),
                         shape=(hi - lo, ne))


def _prec(xp, L, g):
    """``(L L^T)^{-1} g`` for a stack of lower triangular ``L``."""
    y = xp.linalg.solve(L, g[:, :, None])
    return xp.linalg.solve(xp.matrix_transpose(L), y)[:, :, 0]


# --------------------------------------------------------------------------------------------
# the half-step
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepOptions:
    l2: float
    solver: str
    sketch_size: int
    inner_maxiter: int
    inner_rtol: float


def half_step(side: Side, D, off, X, opts: StepOptions, seed: int, want_rss: bool = True,
              per_row: bool = False):
    """Solve (1) for every row of ``side`` with design ``D``; returns ``(X, rss, inner)``:
    the new rows, the residual sum of squares and the PCG iterations (0 when exact).
    ``per_row`` (host kernels): ``rss`` is the array of the rows' residuals (summed by the
    caller, so that a half-step cut into row blocks sums them exactly as here)."""
    xp = side.xp
    k = D.shape[1]
    if side.numba:
        from . import _kernels as kern

        Xn = np.array(X, dtype=np.float64, order="C", copy=True)
        rss = np.empty(Xn.shape[0])
        D = np.ascontiguousarray(D)
        if opts.solver == "exact":
            kern.exact_rows(side.ptr, side.idx, side.val, D, off, opts.l2, Xn, rss, want_rss)
            return Xn, (rss if per_row else float(rss.sum())), 0
        nits = np.zeros(Xn.shape[0], dtype=np.int64)
        kern.sketch_rows(side.ptr, side.idx, side.val, D, off, opts.l2, opts.sketch_size,
                         seed, opts.inner_maxiter, opts.inner_rtol, Xn, rss, nits)
        return Xn, (rss if per_row else float(rss.sum())), int(nits.max(initial=0))
    if opts.solver == "exact":
        G, r = _normal_equations(side, D, off)
        Xn = _solve_batched(xp, G, r, _shift(xp, G, side.counts, opts.l2))
        inner = 0
    else:
        Xn, inner = _sketch_array(side, D, off, X, opts.l2, opts.sketch_size, seed,
                                  opts.inner_maxiter, opts.inner_rtol)
    del k
    return Xn, (_rss_array(side, D, off, Xn) if want_rss else 0.0), inner


def side_rss(side: Side, D, off, X) -> float:
    """Residual sum of squares of the rows ``X`` of ``side`` against design ``D``."""
    if side.numba:
        from . import _kernels as kern

        rss = np.empty(X.shape[0])
        kern.rss_rows(side.ptr, side.idx, side.val, np.ascontiguousarray(D), off,
                      np.ascontiguousarray(X), rss)
        return float(rss.sum())
    return _rss_array(side, D, off, X)
