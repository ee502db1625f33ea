"""Numba hot loops of block coordinate descent (no ``fastmath``: they hold NaN checks).

Linear models ``f(x) = sum_r phi(z_r, y_r) + (l2/2)||x||^2`` with margins ``Z = A W`` (``N x K``,
``x = W.ravel()`` row-major, coordinate ``c = j K + k``): ``A`` is held in CSC (column access for
the block step, ``O(nnz(A[:, b]))``) and, when a greedy rule needs the whole gradient, in CSR
too (the rows the step touched push their change of ``phi'`` into the gradient).

Loss codes: ``0`` least squares ``phi = (z - y)^2 / 2``; ``1`` binary logistic
``phi = log(1 + exp(-y z))``; ``2`` softmax ``phi = logsumexp(z) - z . y`` (``y`` one-hot).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

LS, LOGISTIC, SOFTMAX = 0, 1, 2


@nb.njit(cache=True)
def _log1pexp(t):
    if t > 30.0:
        return t + math.log1p(math.exp(-t))
    return math.log1p(math.exp(t))


@nb.njit(cache=True)
def _sigmoid(t):
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


@nb.njit(cache=True)
def _phi(loss, z, y, K):
    """``phi(z_r, y_r)`` of one row (``z``, ``y``: length ``K``)."""
    if loss == 0:
        s = 0.0
        for k in range(K):
            t = z[k] - y[k]
            s += 0.5 * t * t
        return s
    if loss == 1:
        return _log1pexp(-y[0] * z[0])
    m = z[0]
    for k in range(1, K):
        m = max(m, z[k])
    s, dot = 0.0, 0.0
    for k in range(K):
        s += math.exp(z[k] - m)
        dot += z[k] * y[k]
    return m + math.log(s) - dot


@nb.njit(cache=True)
def _dphi(loss, z, y, K, out):
    """``phi'(z_r)`` into ``out`` (least squares ``z - y``, logistic ``-y sigma(-y z)``,
    softmax ``p - y``)."""
    if loss == 0:
        for k in range(K):
            out[k] = z[k] - y[k]
    elif loss == 1:
        out[0] = -y[0] * _sigmoid(-y[0] * z[0])
    else:
        m = z[0]
        for k in range(1, K):
            m = max(m, z[k])
        s = 0.0
        for k in range(K):
            out[k] = math.exp(z[k] - m)
            s += out[k]
        for k in range(K):
            out[k] = out[k] / s - y[k]


@nb.njit(cache=True)
def loss_total(loss, Z, Y):
    """``sum_r phi(Z_r, Y_r)``."""
    s = 0.0
    for r in range(Z.shape[0]):
        s += _phi(loss, Z[r], Y[r], Z.shape[1])
    return s


@nb.njit(cache=True)
def dphi_all(loss, Z, Y, D):
    for r in range(Z.shape[0]):
        _dphi(loss, Z[r], Y[r], Z.shape[1], D[r])


@nb.njit(cache=True)
def grad_coords(indptr, indices, data, K, coords, D, x, l2, out):
    """``out[i] = A[:, j]^T D[:, k] + l2 x_c`` for the coordinates ``c = j K + k``."""
    for i in range(coords.size):
        c = coords[i]
        j = c // K
        k = c - j * K
        s = 0.0
        for p in range(indptr[j], indptr[j + 1]):
            s += data[p] * D[indices[p], k]
        out[i] = s + l2 * x[c]


@nb.njit(cache=True)
def block_dz(indptr, indices, data, K, coords, d, mark, stamp, pos, rows, dZ):
    """``dZ = A[:, b] d`` on the rows it touches (``rows[:m]``, returns ``m``):
    ``O(nnz(A[:, b]))``, the spec's residual update (section 1, step 3)."""
    m = 0
    for i in range(coords.size):
        c = coords[i]
        j = c // K
        k = c - j * K
        for p in range(indptr[j], indptr[j + 1]):
            r = indices[p]
            if mark[r] != stamp:
                mark[r] = stamp
                pos[r] = m
                rows[m] = r
                for kk in range(K):
                    dZ[m, kk] = 0.0
                m += 1
            dZ[pos[r], k] += data[p] * d[i]
    return m


@nb.njit(cache=True)
def rows_loss_change(loss, Z, Y, rows, dZ, m, t, zbuf):
    """``sum_{r in rows} phi(Z_r + t dZ_r) - phi(Z_r)`` (a trial step, nothing committed)."""
    K = Z.shape[1]
    s = 0.0
    for i in range(m):
        r = rows[i]
        for k in range(K):
            zbuf[k] = Z[r, k] + t * dZ[i, k]
        s += _phi(loss, zbuf, Y[r], K) - _phi(loss, Z[r], Y[r], K)
    return s


@nb.njit(cache=True)
def commit_rows(loss, Z, Y, D, rows, dZ, m, t, full, rptr, ridx, rdat, g, dold):
    """``Z_r += t dZ_r`` and ``D_r = phi'(Z_r)`` on the touched rows; with ``full`` also
    ``g += A[rows, :]^T (D_new - D_old)`` (CSR rows: keeps the whole gradient current)."""
    K = Z.shape[1]
    for i in range(m):
        r = rows[i]
        for k in range(K):
            dold[k] = D[r, k]
            Z[r, k] += t * dZ[i, k]
        _dphi(loss, Z[r], Y[r], K, D[r])
        if full:
            for p in range(rptr[r], rptr[r + 1]):
                j = ridx[p]
                v = rdat[p]
                for k in range(K):
                    g[j * K + k] += v * (D[r, k] - dold[k])


@nb.njit(cache=True)
def _row_weight(loss, Z, D, Y, r, k1, k2):
    """Entry ``(k1, k2)`` of ``phi''(Z_r)`` (softmax: ``p = D + Y``)."""
    if loss == 0:
        return 1.0 if k1 == k2 else 0.0
    if loss == 1:
        s = _sigmoid(Z[r, 0])
        return s * (1.0 - s)
    p1 = D[r, k1] + Y[r, k1]
    if k1 == k2:
        return p1 - p1 * p1
    return -p1 * (D[r, k2] + Y[r, k2])


@nb.njit(cache=True)
def block_hessian(indptr, indices, data, K, coords, exact, loss, curv, l2, Z, D, Y, work,
                  mark, H):
    """Block Hessian into ``H`` (``tau x tau``): ``exact`` the true ``A_b^T phi'' A_b``, else
    the bound ``curv A_b^T A_b`` per class (section 1.2, GSQ's ``H_b``); plus ``l2 I``."""
    tau = coords.size
    for a in range(tau):
        c1 = coords[a]
        j1 = c1 // K
        k1 = c1 - j1 * K
        for p in range(indptr[j1], indptr[j1 + 1]):
            work[indices[p]] = data[p]
            mark[indices[p]] = a + 1
        for b2 in range(a, tau):
            c2 = coords[b2]
            j2 = c2 // K
            k2 = c2 - j2 * K
            s = 0.0
            if exact or k1 == k2:
                for p in range(indptr[j2], indptr[j2 + 1]):
                    r = indices[p]
                    if mark[r] == a + 1:
                        w = _row_weight(loss, Z, D, Y, r, k1, k2) if exact else curv
                        s += work[r] * data[p] * w
            H[a, b2] = s
            H[b2, a] = s
        H[a, a] += l2
    for a in range(tau):  # leave the marks clean for the next call
        j1 = coords[a] // K
        for p in range(indptr[j1], indptr[j1 + 1]):
            mark[indices[p]] = 0


@nb.njit(cache=True)
def sparse_axpy_cols(indptr, indices, data, cols, d, g):
    """``g += Q[:, cols] d`` (``O(nnz(Q[:, cols]))``)."""
    for i in range(cols.size):
        j = cols[i]
        for p in range(indptr[j], indptr[j + 1]):
            g[indices[p]] += data[p] * d[i]


@nb.njit(cache=True)
def sub_block(indptr, indices, data, cols, pos, H):
    """Dense ``Q[cols][:, cols]`` into ``H`` (``pos``: -1 except ``pos[cols[i]] = i``)."""
    for i in range(cols.size):
        pos[cols[i]] = i
    for i in range(cols.size):
        j = cols[i]
        for p in range(indptr[j], indptr[j + 1]):
            q = pos[indices[p]]
            if q >= 0:
                H[q, i] = data[p]
    for i in range(cols.size):
        pos[cols[i]] = -1


@nb.njit(cache=True)
def box_l1_qp(H, q, u0, alpha, lo, hi, maxsweeps, tol, u):
    """Exact small-block solve of ``min_u q^T u + u^T H u / 2 + alpha ||u||_1``,
    ``lo <= u <= hi`` (the proximal-Newton / PN block problem, section 1.4) by coordinate
    descent from ``u0`` until the largest move is ``<= tol * (1 + max|u|)``. Returns the
    number of sweeps."""
    n = q.size
    for i in range(n):
        u[i] = u0[i]
    grad = np.empty(n)
    for i in range(n):
        s = q[i]
        for j in range(n):
            s += H[i, j] * u[j]
        grad[i] = s
    for sweep in range(maxsweeps):
        big, umax = 0.0, 0.0
        for i in range(n):
            hii = H[i, i]
            if hii <= 0:
                continue
            v = u[i] - grad[i] / hii
            a = alpha / hii
            w = v - a if v > a else (v + a if v < -a else 0.0)
            w = min(max(w, lo[i]), hi[i])
            dlt = w - u[i]
            if dlt != 0.0:
                u[i] = w
                for j in range(n):
                    grad[j] += H[j, i] * dlt
                big = max(big, abs(dlt))
            umax = max(umax, abs(u[i]))
        if big <= tol * (1.0 + umax):
            return sweep + 1
    return maxsweeps
