"""Numba kernels of SSOR-preconditioned (deflated) CG by Eisenstat's trick, host CSR float64.

With ``A = L + D + U`` (strict triangles ``L``, ``U = L^T``), ``Dw = D / omega`` and
``L1 = Dw + L``, the SSOR preconditioner is ``M = L1 Dw^{-1} L1^T`` (up to a scalar). CG on
the split-preconditioned matrix ``Ah = S L1^{-1} A L1^{-T} S`` (``S = Dw^{1/2}``) is SSOR-PCG;
Eisenstat (SISC 2, 1981) writes ``A = L1 + L1^T + K``, ``K = (1 - 2 / omega) D``, so that

* ``L1^{-1} A L1^{-T} u = t + L1^{-1} (u + K t)``,  ``t = L1^{-T} u``:

one backward and one forward triangular sweep, each reading half of ``A``: a product with
``Ah`` costs about one product with ``A``, and the preconditioner comes for free. The
unknowns are ``xh = S^{-1} L1^T x``, the right-hand side ``bh = S L1^{-1} b``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._cg_kernels import update_p1, update_xr1
from ._recycle_kernels import _axpy_rows, _gemv_t, store_step

__all__ = ["eis_split", "eis_matvec_dot", "eis_defcg_steps", "eis_lower_solve",
           "eis_upper_solve", "eis_upper_mul"]


@njit(cache=True, nogil=True)
def eis_split(indptr, indices, data, n, omega):  # pragma: no cover - jitted
    """The sweeps' data: strict triangles of ``Dw^{-1} A`` without the entries next to the
    diagonal (``Lp, Li, Lx``: row ``i`` scaled by ``1 / Dw_i``; ``Up, Ui, Ux`` likewise),
    those entries apart (``sub[i]``: column ``i - 1``, ``sup[i]``: column ``i + 1``, so the
    sweeps' serial chain is one multiply-add kept in a register), ``1 / Dw``, ``K / Dw`` and
    ``S``. Returns ``(Lp, Li, Lx, sub, Up, Ui, Ux, sup, dwinv, kd, s, bad)``; ``bad`` is the
    first row with a non-positive or missing diagonal (-1: none).
    """
    diag = np.zeros(n)
    nl = 0
    nu = 0
    for i in range(n):
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            if j < i - 1:
                nl += 1
            elif j > i + 1:
                nu += 1
            elif j == i:
                diag[i] += data[jj]
    bad = -1
    for i in range(n):
        if not diag[i] > 0:
            bad = i
            break
    Lp = np.zeros(n + 1, dtype=indptr.dtype)
    Up = np.zeros(n + 1, dtype=indptr.dtype)
    Li = np.empty(nl, dtype=indices.dtype)
    Ui = np.empty(nu, dtype=indices.dtype)
    Lx = np.empty(nl)
    Ux = np.empty(nu)
    sub = np.zeros(n)
    sup = np.zeros(n)
    dwinv = np.zeros(n)
    kd = np.zeros(n)
    s = np.zeros(n)
    if bad >= 0:
        return Lp, Li, Lx, sub, Up, Ui, Ux, sup, dwinv, kd, s, bad
    a = 0
    b = 0
    for i in range(n):
        dw = diag[i] / omega
        w = 1.0 / dw
        dwinv[i] = w
        kd[i] = (1.0 - 2.0 / omega) * diag[i] * w
        s[i] = np.sqrt(dw)
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            if j == i - 1:
                sub[i] += w * data[jj]
            elif j == i + 1:
                sup[i] += w * data[jj]
            elif j < i:
                Li[a] = j
                Lx[a] = w * data[jj]
                a += 1
            elif j > i:
                Ui[b] = j
                Ux[b] = w * data[jj]
                b += 1
        Lp[i + 1] = a
        Up[i + 1] = b
    return Lp, Li, Lx, sub, Up, Ui, Ux, sup, dwinv, kd, s, bad


@njit(cache=True, nogil=True)
def eis_matvec_dot(Lp, Li, Lx, sub, Up, Ui, Ux, sup, dwinv, kd, s, v, t,
                   q):  # pragma: no cover - jitted
    """``q = Ah v`` (``t`` is scratch); returns ``v . q``: a backward sweep ``t = L1^{-T} S v``,
    a forward sweep ``y = L1^{-1} (S v + K t)`` (``y_i`` overwrites ``t_i`` once read) fused
    with ``q = S (t + y)`` and ``v . q``."""
    n = v.shape[0]
    prev = 0.0
    for i in range(n - 1, -1, -1):
        acc = s[i] * v[i] * dwinv[i]
        for jj in range(Up[i], Up[i + 1]):
            acc -= Ux[jj] * t[Ui[jj]]
        prev = acc - sup[i] * prev
        t[i] = prev
    d = 0.0
    prev = 0.0
    for i in range(n):
        ti = t[i]
        acc = s[i] * v[i] * dwinv[i] + kd[i] * ti
        for jj in range(Lp[i], Lp[i + 1]):
            acc -= Lx[jj] * t[Li[jj]]
        prev = acc - sub[i] * prev
        t[i] = prev
        qi = s[i] * (ti + prev)
        q[i] = qi
        d += v[i] * qi
    return d


@njit(cache=True, nogil=True)
def eis_lower_solve(Lp, Li, Lx, sub, dwinv, s, w, out):  # pragma: no cover - jitted
    """``out = S L1^{-1} w``."""
    n = w.shape[0]
    prev = 0.0
    for i in range(n):
        acc = w[i] * dwinv[i]
        for jj in range(Lp[i], Lp[i + 1]):
            acc -= Lx[jj] * out[Li[jj]]
        prev = acc - sub[i] * prev
        out[i] = prev
    for i in range(n):
        out[i] *= s[i]


@njit(cache=True, nogil=True)
def eis_upper_solve(Up, Ui, Ux, sup, dwinv, s, v, out):  # pragma: no cover - jitted
    """``out = L1^{-T} S v``."""
    n = v.shape[0]
    prev = 0.0
    for i in range(n - 1, -1, -1):
        acc = s[i] * v[i] * dwinv[i]
        for jj in range(Up[i], Up[i + 1]):
            acc -= Ux[jj] * out[Ui[jj]]
        prev = acc - sup[i] * prev
        out[i] = prev


@njit(cache=True, nogil=True)
def eis_upper_mul(Up, Ui, Ux, sup, dwinv, s, x, out):  # pragma: no cover - jitted
    """``out = S^{-1} L1^T x`` (``L1^T = Dw (I + Dw^{-1} U)``)."""
    n = x.shape[0]
    for i in range(n):
        acc = x[i]
        if i + 1 < n:
            acc += sup[i] * x[i + 1]
        for jj in range(Up[i], Up[i + 1]):
            acc += Ux[jj] * x[Ui[jj]]
        out[i] = acc / (s[i] * dwinv[i])


@njit(cache=True, nogil=True)
def eis_defcg_steps(Lp, Li, Lx, sub, Up, Ui, Ux, sup, dwinv, kd, s, Wt, AWt, Einv, x, r, p,
                    q, t, state, tol, max_steps, hist, P, coef, Gs,
                    stored):  # pragma: no cover - jitted
    """:func:`~numsolve.linalg.krylov._recycle_kernels.defcg_steps` on ``Ah`` (same outputs
    and codes); ``t`` is scratch of length ``n``."""
    k = Wt.shape[0]
    g = np.zeros(k)
    mu = np.zeros(k)
    rz = state[0]
    for st in range(max_steps):
        pq = eis_matvec_dot(Lp, Li, Lx, sub, Up, Ui, Ux, sup, dwinv, kd, s, p, t, q)
        if not np.isfinite(pq):
            return st, 3, stored
        if pq <= 0.0:
            return st, 2, stored
        alpha = rz / pq
        rr = update_xr1(x, r, p, q, alpha)
        if k:
            _gemv_t(AWt, r, g)
        stored = store_step(P, coef, Gs, stored, p, alpha, pq, rz, rr, g)
        rn = np.sqrt(rr)
        hist[st] = rn
        if not np.isfinite(rn):
            return st + 1, 3, stored
        beta = rr / rz
        rz = rr
        update_p1(p, r, beta)
        if k:
            for a in range(k):
                acc = 0.0
                for c in range(k):
                    acc += Einv[a, c] * g[c]
                mu[a] = acc
            _axpy_rows(Wt, mu, p)
        if rn <= tol:  # p is already the next direction: a call may go on from here
            state[0] = rr
            return st + 1, 1, stored
    state[0] = rz
    return max_steps, 0, stored
