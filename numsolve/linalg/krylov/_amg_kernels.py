"""Numba kernels of :mod:`._amg`: one multigrid V-cycle over a packed hierarchy.

The hierarchy's levels ``0 .. L-2`` are packed into flat arrays: the CSR arrays of ``A_l``
without its diagonal (``diag``/``dinv`` hold the diagonal and its inverse, as vectors),
``P_l`` and ``R_l`` laid end to end, with ``*_rows[l]`` / ``*_nz[l]`` the offsets of level
``l``'s row pointer and of its entries, and ``voff[l]`` the offset of level ``l``'s vectors in
the work arrays (``voff[L]`` their length). Indices are local to each level.
"""

from __future__ import annotations

from numba import njit

__all__ = ["vcycle"]


@njit(cache=True, nogil=True)
def _gs_sweep(ptr, idx, val, dinv, x, b, lo, hi, step):  # pragma: no cover - jitted
    """One Gauss–Seidel sweep over rows ``lo, lo+step, ..`` up to (not including) ``hi`` on
    the off-diagonal part (``dinv`` = 1/diagonal; rows with ``dinv == 0`` are skipped, as
    ``pyamg.relaxation.gauss_seidel`` skips a zero diagonal)."""
    i = lo
    while i != hi:
        if dinv[i] != 0.0:
            acc = b[i]
            for jj in range(ptr[i], ptr[i + 1]):
                acc -= val[jj] * x[idx[jj]]
            x[i] = acc * dinv[i]
        i += step


@njit(cache=True, nogil=True)
def _smooth(ptr, idx, val, dinv, x, b, forward, backward):  # pragma: no cover - jitted
    """``forward`` sweeps in row order, then ``backward`` in reverse order."""
    n = ptr.shape[0] - 1
    for _ in range(forward):
        _gs_sweep(ptr, idx, val, dinv, x, b, 0, n, 1)
    for _ in range(backward):
        _gs_sweep(ptr, idx, val, dinv, x, b, n - 1, -1, -1)


@njit(cache=True, nogil=True)
def _residual(ptr, idx, val, diag, x, b, r):  # pragma: no cover - jitted
    """``r = b - (D + A_off) x``."""
    for i in range(ptr.shape[0] - 1):
        acc = b[i] - diag[i] * x[i]
        for jj in range(ptr[i], ptr[i + 1]):
            acc -= val[jj] * x[idx[jj]]
        r[i] = acc


@njit(cache=True, nogil=True)
def _spmv(ptr, idx, val, v, out, accumulate):  # pragma: no cover - jitted
    for i in range(ptr.shape[0] - 1):
        acc = 0.0
        for jj in range(ptr[i], ptr[i + 1]):
            acc += val[jj] * v[idx[jj]]
        out[i] = out[i] + acc if accumulate else acc


@njit(cache=True, nogil=True)
def vcycle(a_rows, a_nz, ap, ai, ax, diag, dinv, p_rows, p_nz, pp, pi, px, r_rows, r_nz, rp, ri, rx,
           voff, cinv, symmetric, b0, xs, bs, rs, out):  # pragma: no cover - jitted
    """``out = V(b0)``: one V-cycle from a zero guess with a dense (pseudo-)inverse ``cinv``
    on the coarsest level. Smoothing: ``symmetric`` — a symmetric Gauss–Seidel sweep
    (forward, backward) before and after the coarse correction, the cycle of
    ``pyamg.MultilevelSolver.aspreconditioner()``; otherwise a forward sweep before and a
    backward sweep after (half the work; the cycle is still a symmetric operator).
    ``xs, bs, rs`` are work arrays of length ``voff[-1]``."""
    L = voff.shape[0] - 1  # number of levels
    n0 = voff[1] - voff[0]
    for i in range(n0):
        bs[i] = b0[i]
    for lev in range(L - 1):  # restriction leg (pre-smoothing, residual, R)
        v0, v1, v2 = voff[lev], voff[lev + 1], voff[lev + 2]
        Ap = ap[a_rows[lev]:a_rows[lev + 1] + 1]
        Ai, Ax = ai[a_nz[lev]:a_nz[lev + 1]], ax[a_nz[lev]:a_nz[lev + 1]]
        x, b, r = xs[v0:v1], bs[v0:v1], rs[v0:v1]
        d, di = diag[v0:v1], dinv[v0:v1]
        x[:] = 0.0
        _smooth(Ap, Ai, Ax, di, x, b, 1, 1 if symmetric else 0)
        _residual(Ap, Ai, Ax, d, x, b, r)
        Rp = rp[r_rows[lev]:r_rows[lev + 1] + 1]
        _spmv(Rp, ri[r_nz[lev]:r_nz[lev + 1]], rx[r_nz[lev]:r_nz[lev + 1]], r, bs[v1:v2],
              False)
    vc, ve = voff[L - 1], voff[L]  # coarsest level: x = C^+ b
    for i in range(ve - vc):
        acc = 0.0
        for j in range(ve - vc):
            acc += cinv[i, j] * bs[vc + j]
        xs[vc + i] = acc
    for lev in range(L - 2, -1, -1):  # interpolation leg (P, post-smoothing)
        v0, v1, v2 = voff[lev], voff[lev + 1], voff[lev + 2]
        Pp = pp[p_rows[lev]:p_rows[lev + 1] + 1]
        _spmv(Pp, pi[p_nz[lev]:p_nz[lev + 1]], px[p_nz[lev]:p_nz[lev + 1]], xs[v1:v2],
              xs[v0:v1], True)
        Ap = ap[a_rows[lev]:a_rows[lev + 1] + 1]
        _smooth(Ap, ai[a_nz[lev]:a_nz[lev + 1]], ax[a_nz[lev]:a_nz[lev + 1]], dinv[v0:v1],
                xs[v0:v1], bs[v0:v1], 1 if symmetric else 0, 1)
    for i in range(n0):
        out[i] = xs[i]
