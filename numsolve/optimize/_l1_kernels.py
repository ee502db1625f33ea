"""Numba kernels of the L1 estimators (:mod:`numsolve.optimize._l1path`).

The design ``X`` reaches every kernel as one tuple ``Xt = (Xd, data, indices, indptr, sparse)``:
a Fortran-ordered dense array ``Xd`` (``sparse = False``) or the three CSC arrays of a sparse
matrix (``sparse = True``; the unused member is an empty placeholder). One compiled solver thus
serves both storages; only the column primitives (:func:`_col_dot`, :func:`_col_axpy`, ...)
branch on the flag, once per column.

Solvers (Nutini, Laradji & Schmidt, JMLR 2022, section 1.6 of the spec; working sets as in
Massias et al. 2018/2020 and Bertrand et al. 2022):

* :func:`lasso_ws` - Lasso ``P(w) = ||y - X w||^2 / (2n) + alpha ||w||_1`` by coordinate descent
  on working sets, with Anderson extrapolation of the coordinate-descent iterates, gap-safe
  screening and a duality-gap stop;
* :func:`logistic_ws` - L1-logistic ``P(w) = (1/n) sum log(1 + exp(-y_i x_i^T w)) +
  alpha ||w||_1`` by proximal Newton on working sets, the Newton subproblems solved by
  coordinate descent, the step accepted by an Armijo backtracking search.

The residual ``R = y - X w`` (Lasso) or the margins ``z = X w`` (logistic) are updated
incrementally: an update of coordinate ``j`` costs ``O(nnz(X[:, j]))``.

Only the dot-product primitives are compiled with ``fastmath={'reassoc', 'contract'}`` (so that
their reductions vectorise); no kernel with a convergence or NaN check uses fast-math flags.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_FM = {"reassoc", "contract"}
_ANDERSON_REG = 1e-10


# --------------------------------------------------------------------------------------------
# column primitives (dense Fortran / CSC)
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, fastmath=_FM)
def _col_dot(Xt, j, v):
    """x_j^T v."""
    Xd, data, ind, ptr, sparse = Xt
    s = 0.0
    if sparse:
        for k in range(ptr[j], ptr[j + 1]):
            s += data[k] * v[ind[k]]
    else:
        for i in range(Xd.shape[0]):
            s += Xd[i, j] * v[i]
    return s


@njit(cache=True, nogil=True, fastmath=_FM)
def _col_wdot(Xt, j, h, v):
    """sum_i h_i x_ij v_i."""
    Xd, data, ind, ptr, sparse = Xt
    s = 0.0
    if sparse:
        for k in range(ptr[j], ptr[j + 1]):
            i = ind[k]
            s += data[k] * h[i] * v[i]
    else:
        for i in range(Xd.shape[0]):
            s += Xd[i, j] * h[i] * v[i]
    return s


@njit(cache=True, nogil=True, fastmath=_FM)
def _col_wsq(Xt, j, h):
    """sum_i h_i x_ij^2."""
    Xd, data, ind, ptr, sparse = Xt
    s = 0.0
    if sparse:
        for k in range(ptr[j], ptr[j + 1]):
            s += data[k] * data[k] * h[ind[k]]
    else:
        for i in range(Xd.shape[0]):
            s += Xd[i, j] * Xd[i, j] * h[i]
    return s


@njit(cache=True, nogil=True)
def _col_axpy(Xt, j, a, v):
    """v += a x_j."""
    Xd, data, ind, ptr, sparse = Xt
    if sparse:
        for k in range(ptr[j], ptr[j + 1]):
            v[ind[k]] += a * data[k]
    else:
        for i in range(Xd.shape[0]):
            v[i] += a * Xd[i, j]


@njit(cache=True, nogil=True, fastmath=_FM)
def _sumsq(v):
    s = 0.0
    for i in range(v.shape[0]):
        s += v[i] * v[i]
    return s


@njit(cache=True, nogil=True, fastmath=_FM)
def _vdot(u, v):
    s = 0.0
    for i in range(u.shape[0]):
        s += u[i] * v[i]
    return s


@njit(cache=True, nogil=True, fastmath=_FM)
def col_norms_and_dot(Xt, v, sq_norms, xtv):
    """One pass over X: sq_norms[j] = ||x_j||^2 and xtv[j] = x_j^T v (a non-finite entry of X
    makes its column's squared norm non-finite: the caller's NaN/inf check)."""
    Xd, data, ind, ptr, sparse = Xt
    for j in range(sq_norms.shape[0]):
        s = 0.0
        d = 0.0
        if sparse:
            for k in range(ptr[j], ptr[j + 1]):
                s += data[k] * data[k]
                d += data[k] * v[ind[k]]
        else:
            for i in range(Xd.shape[0]):
                s += Xd[i, j] * Xd[i, j]
                d += Xd[i, j] * v[i]
        sq_norms[j] = s
        xtv[j] = d


@njit(cache=True, nogil=True)
def xt_dot(Xt, v, keep, out):
    """out[j] = x_j^T v for every j with keep[j] (the others are left as they are)."""
    for j in range(out.shape[0]):
        if keep[j]:
            out[j] = _col_dot(Xt, j, v)


@njit(cache=True, nogil=True)
def x_dot(Xt, w, n):
    """X w."""
    out = np.zeros(n)
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            _col_axpy(Xt, j, w[j], out)
    return out


@njit(cache=True, nogil=True)
def _soft(x, t):
    """Soft thresholding, the proximal operator of t |.|."""
    if x > t:
        return x - t
    if x < -t:
        return x + t
    return 0.0


@njit(cache=True, nogil=True)
def _sign(x):
    return (x > 0.0) - (x < 0.0)


@njit(cache=True, nogil=True)
def _subdiff_dist(g, wj, alpha):
    """Distance of -g to alpha * d|w_j| (the optimality violation of coordinate j)."""
    if wj == 0.0:
        return max(abs(g) - alpha, 0.0)
    if wj > 0.0:
        return abs(g + alpha)
    return abs(g - alpha)


@njit(cache=True, nogil=True)
def _l1(w):
    s = 0.0
    for j in range(w.shape[0]):
        s += abs(w[j])
    return s


# --------------------------------------------------------------------------------------------
# working sets and gap-safe screening
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _select_ws(grad, w, keep, alpha, ws_min, kappa):
    """Working set: every nonzero coefficient plus the largest optimality violators.

    Size ``max(ws_min, 2 nnz(w))`` (Massias et al. 2018; skglm's doubling rule), drawn from the
    unscreened features in decreasing order of ``|grad_j| - alpha`` (the violation of
    ``|grad_j| <= alpha`` for zero coefficients: the greedy Gauss-Southwell-type choice),
    among those with ``|grad_j| >= kappa alpha``: near-violators (``kappa < 1``) often become
    violators once the others move, and admitting them early saves outer passes. Returns the
    sorted index array, the largest violation over all unscreened features and whether every
    violator fitted in (then the working set likely holds the support, and the inner solver
    aims at the final tolerance).
    """
    p = w.shape[0]
    score = np.full(p, -np.inf)
    nnz = 0
    n_cand = 0
    n_viol = 0
    viol_max = 0.0
    for j in range(p):
        if not keep[j]:
            continue
        viol_max = max(viol_max, _subdiff_dist(grad[j], w[j], alpha))
        if w[j] != 0.0:
            score[j] = np.inf
            nnz += 1
        elif abs(grad[j]) >= kappa * alpha and abs(grad[j]) > 0.0:
            score[j] = abs(grad[j]) - alpha
            n_cand += 1
            n_viol += score[j] > 0.0
    size = min(max(ws_min, 2 * nnz), nnz + n_cand)
    if size == 0 or viol_max == 0.0:
        return np.empty(0, np.int64), viol_max, True
    order = np.argsort(-score)[:size]
    return np.sort(order), viol_max, size >= nnz + n_viol


@njit(cache=True, nogil=True)
def _screen(grad_abs_scaled, radius_norms, keep, w):
    """Gap-safe sphere test (Ndiaye et al. 2017): drop j when |x_j^T theta| + r ||x_j|| < 1.

    ``grad_abs_scaled[j] = |x_j^T theta|`` for the rescaled dual point theta and
    ``radius_norms[j] = r ||x_j||``. Returns the number of features kept.
    """
    kept = 0
    for j in range(keep.shape[0]):
        if keep[j]:
            if w[j] == 0.0 and grad_abs_scaled[j] + radius_norms[j] < 1.0:
                keep[j] = False
            else:
                kept += 1
    return kept


@njit(cache=True, nogil=True)
def _anderson(last, K):
    """Anderson extrapolation of the K+1 stored iterates ``last`` (rows): c = (U U^T)^-1 1 /
    (1^T (U U^T)^-1 1) with U the K successive differences; returns sum_k c_k last[k+1]
    (Anderson 1965; Bertrand & Massias 2021 for coordinate descent). ``ok`` is False when the
    regularised system is singular."""
    m = last.shape[1]
    U = np.empty((K, m))
    for k in range(K):
        for i in range(m):
            U[k, i] = last[k + 1, i] - last[k, i]
    C = U @ U.T
    tr = 0.0
    for k in range(K):
        tr += C[k, k]
    if not tr > 0.0:
        return last[K].copy(), False
    for k in range(K):
        C[k, k] += _ANDERSON_REG * tr
    z = np.linalg.solve(C, np.ones(K))
    sz = z.sum()
    if not np.isfinite(sz) or sz == 0.0:
        return last[K].copy(), False
    c = z / sz
    out = np.zeros(m)
    for k in range(K):
        for i in range(m):
            out[i] += c[k] * last[k + 1, i]
    return out, True


@njit(cache=True, nogil=True)
def _outer_record(hist, counters, it, gap, kept, tol, primal, best, stalled):
    """Book-keeping of outer iteration ``it``: history, counters, the stop tests. Returns
    (status, best, stalled): status 0 converged, 2 stalled at rounding level (the gap, below
    1e-9 P, did not decrease in 5 outer iterations), -1 go on."""
    hist[it, 0] = gap
    hist[it, 2] = kept
    counters[2] = it + 1
    if gap <= tol:
        return 0, best, stalled
    stalled = stalled + 1 if gap >= best else 0
    best = min(best, gap)
    if stalled >= 5 and best <= 1e-9 * abs(primal):
        return 2, best, stalled
    return -1, best, stalled


@njit(cache=True, nogil=True)
def _next_ws(grad, w, keep, alpha, ws_min, kappa, inner_ratio, hist, it):
    """The working set of outer iteration ``it`` and the violation its inner solve aims at: 0
    (only the gap test, i.e. the final tolerance) when it holds every violator, else
    ``inner_ratio`` times the outer violation."""
    ws, viol, complete = _select_ws(grad, w, keep, alpha, ws_min, kappa)
    hist[it, 1] = ws.shape[0]
    return ws, 0.0 if complete else inner_ratio * viol


# --------------------------------------------------------------------------------------------
# Lasso
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def lasso_gap(y, R, w, xtr_max, alpha):
    """Duality gap of the Lasso at w (R = y - X w, xtr_max = ||X^T R||_inf over the features
    that count): the dual point theta = R / max(n alpha, xtr_max) (sklearn's rescaling).

    Returns (gap, primal, scale) with scale = min(1, n alpha / xtr_max).
    """
    n = y.shape[0]
    rr = _sumsq(R)
    primal = 0.5 * rr / n + alpha * _l1(w)
    scale = 1.0
    if xtr_max > n * alpha:
        scale = n * alpha / xtr_max
    dual = scale * _vdot(R, y) / n - 0.5 * scale * scale * rr / n
    return primal - dual, primal, scale


@njit(cache=True, nogil=True)
def _lasso_epoch(Xt, ws, w, R, inv_lc, alpha, n, out):
    """One cyclic coordinate-descent pass over ``ws`` (spec section 1.4, exact coordinate
    minimisation): w_j <- ST(w_j + x_j^T R / (n lc_j), alpha / lc_j), R -= delta x_j.

    ``out = [max optimality violation, max |x_j^T R|, number of sign changes]``, measured at
    each coordinate before its update."""
    viol = 0.0
    xtr_max = 0.0
    changes = 0
    for jj in range(ws.shape[0]):
        j = ws[jj]
        if inv_lc[j] == 0.0:
            continue
        xr = _col_dot(Xt, j, R)
        g = -xr / n  # gradient of the smooth part
        old = w[j]
        viol = max(viol, _subdiff_dist(g, old, alpha))
        xtr_max = max(xtr_max, abs(xr))
        new = _soft(old - g * inv_lc[j], alpha * inv_lc[j])
        if new != old:
            _col_axpy(Xt, j, old - new, R)
            w[j] = new
            if _sign(new) != _sign(old):
                changes += 1
    out[0] = viol
    out[1] = xtr_max
    out[2] = changes


@njit(cache=True, nogil=True)
def _lasso_primal_ws(Xt, y, ws, wws, alpha, R_out):
    """R_out = y - X_ws wws; returns the primal value (the coefficients outside ws are 0)."""
    n = y.shape[0]
    R_out[:] = y
    for jj in range(ws.shape[0]):
        if wws[jj] != 0.0:
            _col_axpy(Xt, ws[jj], -wws[jj], R_out)
    return 0.5 * _sumsq(R_out) / n + alpha * _l1(wws)


@njit(cache=True, nogil=True)
def _lasso_anderson_step(Xt, y, ws, w, R, alpha, last, K, Rtmp, counters):
    """Replace w (on ws) by the Anderson extrapolation of ``last`` when it lowers P."""
    n = y.shape[0]
    m = ws.shape[0]
    wacc, ok = _anderson(last, K)
    if not ok:
        return
    p_cur = 0.5 * _sumsq(R) / n + alpha * _l1(w)
    p_acc = _lasso_primal_ws(Xt, y, ws, wacc, alpha, Rtmp)
    if p_acc < p_cur:
        for jj in range(m):
            if _sign(wacc[jj]) != _sign(w[ws[jj]]):
                counters[1] = counters[0]
            w[ws[jj]] = wacc[jj]
        R[:] = Rtmp


@njit(cache=True, nogil=True)
def _lasso_inner(Xt, y, ws, w, R, inv_lc, alpha, tol_viol, rtol, atol, min_epochs,
                 max_epochs, K, counters):
    """Coordinate descent on the working set (Anderson extrapolation every K epochs).

    Stops when the working-set duality gap is below ``0.3 max(rtol P, atol)`` (the working
    set then solves the whole problem if it holds the support), or when the optimality
    violation on it is below ``tol_viol`` after at least ``min_epochs`` epochs (about one
    pass over X worth of work: inner epochs on a small working set are cheap next to the
    outer pass), or when the gap, below 1e-9 P, has not dropped by 10% in 50 epochs
    (rounding).
    ``counters`` = [epochs, last sign-change epoch]. Returns the epochs."""
    n = y.shape[0]
    m = ws.shape[0]
    last = np.empty((K + 1, m))
    Rtmp = np.empty(n)
    out = np.empty(3)
    ep = 0
    best = np.inf
    since_best = 0
    while ep < max_epochs:
        _lasso_epoch(Xt, ws, w, R, inv_lc, alpha, n, out)
        ep += 1
        counters[0] += 1
        if out[2] > 0:
            counters[1] = counters[0]
        if out[0] == 0.0 or out[0] <= tol_viol and ep >= min_epochs:
            break
        gap, primal, _ = lasso_gap(y, R, w, out[1], alpha)
        if gap <= 0.3 * max(rtol * primal, atol):
            break
        since_best = 0 if gap < 0.9 * best else since_best + 1
        best = min(best, gap)
        if since_best >= 50 and best <= 1e-9 * primal:  # stuck at rounding level
            break
        if K > 0:
            slot = (ep - 1) % (K + 1)
            for jj in range(m):
                last[slot, jj] = w[ws[jj]]
            if slot == K:
                _lasso_anderson_step(Xt, y, ws, w, R, alpha, last, K, Rtmp, counters)
    return ep


@njit(cache=True, nogil=True)
def lasso_ws(Xt, y, alpha, w, R, lc, norms, keep, xtr, xtr_fresh, rtol, atol, max_outer,
             max_epochs, ws_min, kappa, K, inner_ratio, screen, hist, counters):
    """Working-set coordinate descent for the Lasso (outer loop; see the module docstring).

    Per outer iteration: (1) grad = -X^T R / n on the unscreened features, (2) the duality gap
    (:func:`lasso_gap`, restricted to the unscreened features, which gap-safe screening
    proves to be zero at the optimum; a last pass over every feature certifies the full gap),
    (3) stop when gap <= max(rtol P, atol), (4) gap-safe screening, (5) working set
    (:func:`_select_ws`), (6) :func:`_lasso_inner` to ``inner_ratio`` times the outer
    violation.

    ``xtr`` holds X^T R on entry when ``xtr_fresh`` (the first pass is then skipped).
    ``hist[k] = (gap, working-set size, features kept)`` of outer iteration k;
    ``counters = [epochs, last sign-change epoch, outer iterations]``.
    Returns (status, gap, primal): status 0 converged, 1 max_outer reached, 2 the gap, already
    below 1e-9 P, did not decrease in 5 outer iterations (rounding: the tolerance is out of
    reach).
    """
    n = y.shape[0]
    p = w.shape[0]
    inv_lc = np.zeros(p)
    for j in range(p):
        if lc[j] > 0.0:
            inv_lc[j] = 1.0 / lc[j]
        else:
            w[j] = 0.0  # a zero column: w_j = 0 at the optimum, and R does not change
    everything = np.ones(p, np.bool_)
    gap = np.inf
    primal = np.inf
    best = np.inf
    stalled = 0
    for it in range(max_outer):
        if it > 0 or not xtr_fresh:
            xt_dot(Xt, R, keep, xtr)
        m = 0.0
        for j in range(p):
            if keep[j]:
                m = max(m, abs(xtr[j]))
        gap, primal, scale = lasso_gap(y, R, w, m, alpha)
        tol = max(rtol * primal, atol)
        kept = 0
        for j in range(p):
            kept += keep[j]
        if gap <= tol and kept < p:  # certify with every feature
            xt_dot(Xt, R, everything, xtr)
            m = np.max(np.abs(xtr))
            gap, primal, scale = lasso_gap(y, R, w, m, alpha)
        st, best, stalled = _outer_record(hist, counters, it, gap, kept, tol, primal, best,
                                          stalled)
        if st >= 0:
            return st, gap, primal
        if screen:
            radius = np.sqrt(2.0 * n * max(gap, 0.0)) / (n * alpha)
            c = scale / (n * alpha)
            kept = _screen(np.abs(xtr) * c, radius * norms, keep, w)
            hist[it, 2] = kept
        grad = -xtr / n
        ws, tol_viol = _next_ws(grad, w, keep, alpha, ws_min, kappa, inner_ratio, hist, it)
        if ws.shape[0] == 0:
            continue
        _lasso_inner(Xt, y, ws, w, R, inv_lc, alpha, tol_viol, rtol, atol,
                     max(1, kept // ws.shape[0]), max_epochs, K, counters)
    return 1, gap, primal


# --------------------------------------------------------------------------------------------
# L1-logistic
# --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _log1pexp_neg(m):
    """log(1 + exp(-m)), stable."""
    if m > 0.0:
        return np.log1p(np.exp(-m))
    return -m + np.log1p(np.exp(m))


@njit(cache=True, nogil=True)
def _sigmoid(t):
    if t >= 0.0:
        return 1.0 / (1.0 + np.exp(-t))
    e = np.exp(t)
    return e / (1.0 + e)


@njit(cache=True, nogil=True)
def logistic_loss(y, z):
    """(1/n) sum log(1 + exp(-y_i z_i))."""
    s = 0.0
    for i in range(y.shape[0]):
        s += _log1pexp_neg(y[i] * z[i])
    return s / y.shape[0]


@njit(cache=True, nogil=True)
def logistic_derivs(y, z, d1, h):
    """d1_i = d/dz_i of the mean loss = -y_i sigma(-y_i z_i) / n; h_i its second derivative."""
    n = y.shape[0]
    for i in range(n):
        t = _sigmoid(-y[i] * z[i])
        d1[i] = -y[i] * t / n
        h[i] = t * (1.0 - t) / n


@njit(cache=True, nogil=True)
def logistic_gap(y, z, w, d1, grad_max, alpha):
    """Duality gap of the L1-logistic problem at w (z = X w, d1 from :func:`logistic_derivs`,
    grad_max = ||X^T d1||_inf). Dual point u = -s d1 with s = min(1, alpha / grad_max); the
    dual objective is -(1/n) sum H(s sigma(-y_i z_i)), H(t) = t log t + (1-t) log(1-t).

    Returns (gap, primal)."""
    n = y.shape[0]
    s = 1.0
    if grad_max > alpha:
        s = alpha / grad_max
    dual = 0.0
    for i in range(n):
        t = -s * d1[i] * y[i] * n  # = s sigma(-y_i z_i) in [0, 1]
        if t > 0.0:
            dual -= t * np.log(t)
        if t < 1.0:
            dual -= (1.0 - t) * np.log1p(-t)
    dual /= n
    primal = logistic_loss(y, z) + alpha * _l1(w)
    return primal - dual, primal


@njit(cache=True, nogil=True)
def _newton_direction(Xt, ws, w, grad_ws, hess_d, h, alpha, d, Xd, max_cd, tol_cd):
    """Coordinate descent on the Newton model of the working set (glmnet / newGLMNET):
    min_d grad^T d + 1/2 d^T X^T diag(h) X d + alpha ||w + d||_1 over the working set, with
    Xd = X d kept current. Returns the number of passes."""
    m = ws.shape[0]
    for ep in range(max_cd):
        dmax = 0.0
        for jj in range(m):
            j = ws[jj]
            if hess_d[jj] <= 0.0:
                continue
            g = grad_ws[jj] + _col_wdot(Xt, j, h, Xd)
            old = w[j] + d[jj]
            new = _soft(old - g / hess_d[jj], alpha / hess_d[jj])
            if new != old:
                _col_axpy(Xt, j, new - old, Xd)
                d[jj] += new - old
                dmax = max(dmax, abs(new - old) * hess_d[jj])  # gradient units
        if dmax <= tol_cd:
            return ep + 1
    return max_cd


@njit(cache=True, nogil=True)
def _logistic_linesearch(y, z, Xd, w, ws, d, grad_ws, alpha, p_cur, ztmp):
    """Armijo backtracking on P(w + t d) (Tseng & Yun 2009): accept the first t in 1, 1/2, ...
    with P(w + t d) <= P(w) + 0.25 t (grad^T d + alpha (||w + d||_1 - ||w||_1)); updates
    w and z in place. Returns the step t (0.0 when no step was accepted)."""
    n = y.shape[0]
    decr = 0.0
    l1_old = 0.0
    l1_new = 0.0
    for jj in range(ws.shape[0]):
        decr += grad_ws[jj] * d[jj]
        l1_old += abs(w[ws[jj]])
        l1_new += abs(w[ws[jj]] + d[jj])
    decr += alpha * (l1_new - l1_old)
    l1_rest = _l1(w) - l1_old
    t = 1.0
    for _ in range(30):
        for i in range(n):
            ztmp[i] = z[i] + t * Xd[i]
        l1_t = 0.0
        for jj in range(ws.shape[0]):
            l1_t += abs(w[ws[jj]] + t * d[jj])
        p_t = logistic_loss(y, ztmp) + alpha * (l1_rest + l1_t)
        # the slack of a few ulps of P lets full Newton steps through once the decrease is
        # below rounding (the gap is first order in ||w - w*||, P - P* second order)
        if p_t <= p_cur + 0.25 * t * decr + 4e-16 * abs(p_cur):
            z[:] = ztmp
            for jj in range(ws.shape[0]):
                w[ws[jj]] += t * d[jj]
            return t
        t *= 0.5
    return 0.0


@njit(cache=True, nogil=True)
def _logistic_inner(Xt, y, ws, w, z, alpha, tol_viol, rtol, atol, min_steps, max_newton,
                    max_cd, counters):
    """Proximal Newton on the working set until its duality gap is below
    ``0.3 max(rtol P, atol)``, or its optimality violation is below ``tol_viol`` after at
    least ``min_steps`` steps. Returns the number of Newton steps."""
    n = y.shape[0]
    m = ws.shape[0]
    d1 = np.empty(n)
    h = np.empty(n)
    Xd = np.empty(n)
    ztmp = np.empty(n)
    grad_ws = np.empty(m)
    hess_d = np.empty(m)
    d = np.empty(m)
    signs = np.empty(m)
    for k in range(max_newton):
        logistic_derivs(y, z, d1, h)
        viol = 0.0
        gmax = 0.0
        for jj in range(m):
            j = ws[jj]
            grad_ws[jj] = _col_dot(Xt, j, d1)
            hess_d[jj] = _col_wsq(Xt, j, h)
            viol = max(viol, _subdiff_dist(grad_ws[jj], w[j], alpha))
            gmax = max(gmax, abs(grad_ws[jj]))
            signs[jj] = _sign(w[j])
        if viol == 0.0 or viol <= tol_viol and k >= min_steps:
            return k
        gap, primal = logistic_gap(y, z, w, d1, gmax, alpha)
        if gap <= 0.3 * max(rtol * primal, atol):
            return k
        d[:] = 0.0
        Xd[:] = 0.0
        # inexact Newton: the model is solved to 0.3 times the current violation
        counters[3] += _newton_direction(Xt, ws, w, grad_ws, hess_d, h, alpha, d, Xd, max_cd,
                                         max(0.1 * viol, 0.3 * tol_viol))
        t = _logistic_linesearch(y, z, Xd, w, ws, d, grad_ws, alpha, primal, ztmp)
        counters[0] += 1
        for jj in range(m):
            if _sign(w[ws[jj]]) != signs[jj]:
                counters[1] = counters[0]
        if t == 0.0:
            return k + 1
    return max_newton


@njit(cache=True, nogil=True)
def logistic_ws(Xt, y, alpha, w, z, keep, norms, rtol, atol, max_outer, max_newton, max_cd,
                ws_min, kappa, inner_ratio, screen, hist, counters):
    """Working-set proximal Newton for the L1-logistic problem (outer loop like
    :func:`lasso_ws`; gap from :func:`logistic_gap`; gap-safe screening with the radius
    sqrt(n gap / 2) / (n alpha) of the 1/4-smooth logistic loss).

    ``counters = [Newton steps, last sign-change step, outer iterations, coordinate-descent
    passes on the Newton models]``.
    Returns (status, gap, primal)."""
    n = y.shape[0]
    p = w.shape[0]
    d1 = np.empty(n)
    h = np.empty(n)
    grad = np.zeros(p)
    everything = np.ones(p, np.bool_)
    for j in range(p):
        if norms[j] == 0.0:
            w[j] = 0.0  # a zero column: w_j = 0 at the optimum, z does not change
    gap = np.inf
    primal = np.inf
    best = np.inf
    stalled = 0
    for it in range(max_outer):
        logistic_derivs(y, z, d1, h)
        xt_dot(Xt, d1, keep, grad)
        gmax = 0.0
        kept = 0
        for j in range(p):
            if keep[j]:
                gmax = max(gmax, abs(grad[j]))
                kept += 1
        gap, primal = logistic_gap(y, z, w, d1, gmax, alpha)
        tol = max(rtol * primal, atol)
        if gap <= tol and kept < p:
            xt_dot(Xt, d1, everything, grad)
            gap, primal = logistic_gap(y, z, w, d1, np.max(np.abs(grad)), alpha)
        st, best, stalled = _outer_record(hist, counters, it, gap, kept, tol, primal, best,
                                          stalled)
        if st >= 0:
            return st, gap, primal
        if screen:
            # theta = -s d1 / alpha is dual feasible, |x_j^T theta| = s |grad_j| / alpha
            s = min(1.0, alpha / gmax) if gmax > 0.0 else 1.0
            radius = np.sqrt(0.5 * n * max(gap, 0.0)) / (n * alpha)
            kept = _screen(np.abs(grad) * (s / alpha), radius * norms, keep, w)
            hist[it, 2] = kept
        ws, tol_viol = _next_ws(grad, w, keep, alpha, ws_min, kappa, inner_ratio, hist, it)
        if ws.shape[0] == 0:
            continue
        _logistic_inner(Xt, y, ws, w, z, alpha, tol_viol, rtol, atol,
                        max(1, kept // (4 * ws.shape[0])), max_newton, max_cd, counters)
    return 1, gap, primal
