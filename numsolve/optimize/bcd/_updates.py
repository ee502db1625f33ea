"""Block update rules (spec section 1.4) and the message-passing block solve (section 1.5).

``'gradient'`` (``"Lb"``): ``d = -g_b / L_b``; ``'matrix'`` (``"Hb"``): ``d = -H_b^{-1} g_b`` with
the Hessian bound ``H_b`` (exact block minimiser of a quadratic; forest blocks of a sparse
quadratic are solved by message passing); ``'newton'`` (``"LS"``): the true block Hessian with
backtracking Armijo from ``t = 1``; ``'adaptive'`` (``"LA"``): ``L_b`` from a stored
per-coordinate estimate, doubled until ``f(x + d) <= f(x) + g_b^T d + L_b ||d||^2 / 2``.

With an L1 term or bounds: ``'gradient'`` is the proximal/projected gradient step ("PG");
``'matrix'`` and ``'newton'`` solve the block problem ``min_d g_b^T d + d^T H d / 2 +
g(x_b + d)`` exactly ("PN", a small-block coordinate-descent QP solve to ``1e-13``);
``'tmp'`` is the two-metric projection (bounds, or an L1 term on a non-negative orthant):
active set ``{x_i <= l_i + 1e-4 and g_i > 0}`` (or at the upper bound with ``g_i < 0``) takes a
diagonally scaled step, the free coordinates a Newton step, the result is projected and
accepted by an Armijo search.

Every function returns ``None`` (step taken) or a status code.
"""

from __future__ import annotations

import numpy as np

from ..._status import BREAKDOWN, LINESEARCH, NONFINITE
from ._kernels import box_l1_qp
from ._message import NOT_FOREST, NOT_SPD, forest_block_step
from ._rules import cho_solve_or_lstsq

__all__ = ["UPDATES", "block_update"]

UPDATES = ("gradient", "matrix", "newton", "adaptive", "tmp")

_ARMIJO, _SHRINK = 1e-4, 0.5


def _qp(reg, H, gb, xb, b, maxsweeps):
    """PN: ``d = argmin g_b^T d + d^T H d / 2 + g(x_b + d)`` (exact small-block solve)."""
    q = gb - H @ xb  # in u = x_b + d: q^T u + u^T H u / 2 + g(u)
    u = np.empty(b.size)
    box_l1_qp(np.ascontiguousarray(H), q, xb.copy(), reg.alpha, reg.lo[b].copy(),
              reg.hi[b].copy(), maxsweeps, 1e-13, u)
    return u - xb


def _direction(H, gb, xb, b, reg, opts):
    if reg.smooth:
        return -cho_solve_or_lstsq(H, gb)
    return _qp(reg, H, gb, xb, b, opts.qp_maxsweeps)


def _forest_solve(model, b):
    """Message passing on a forest block (``-Q_bb^{-1} g_b``); a block that is not a forest
    falls back to a sparse direct solve. Returns ``(d, status)``."""
    m = b.size
    out = np.empty(m)
    flag = forest_block_step(model.Q.indptr, model.Q.indices, model.Q.data, model.qdiag, b,
                             model.g, model._pos, np.empty(2 * m, np.int64), np.empty(3 * m),
                             out)
    if flag == NOT_FOREST:
        from scipy.sparse.linalg import spsolve

        out = spsolve(model.Q[b][:, b].tocsc(), -model.g[b])
        flag = 0 if np.all(np.isfinite(out)) else NONFINITE
    if flag:
        return None, BREAKDOWN if flag == NOT_SPD else NONFINITE
    return out, None


def _search(model, reg, b, xb, gb, d, opts):
    """Backtracking Armijo from ``t = 1`` on ``F`` along ``d``: ``F(x + t d) <= F(x) +
    a t Delta`` with ``Delta = g_b^T d + g(x_b + d) - g(x_b)`` (valid for convex ``g``)."""
    delta = float(gb @ d) + reg.change_b(xb, d)
    if not np.isfinite(delta):
        return NONFINITE
    if delta >= 0:
        return None  # no decrease available along d: nothing to do on this block
    model.prepare(b, d)
    t, slack = 1.0, None
    for _ in range(opts.max_backtracks):
        ch = model.change(t) + reg.change_b(xb, t * d)
        if slack is None and ch > _ARMIJO * t * delta:  # rounding near the optimum
            slack = 1e-13 * (1.0 + abs(model.fval()))
        if ch <= _ARMIJO * t * delta + (slack or 0.0):
            model.commit(t)
            return None
        t *= _SHRINK
    return LINESEARCH


def _adaptive(model, reg, sel, b, xb, gb):
    """``"LA"``: double the stored ``L_b`` until the step's decrease bound holds."""
    Lb = float(np.max(sel.Ladapt[b]))
    for _ in range(60):
        d = reg.step(xb, gb, Lb, b)
        model.prepare(b, d)
        ch = model.change(1.0)
        if ch <= float(gb @ d) + 0.5 * Lb * float(d @ d) + 1e-12 * (1 + abs(model.fval())):
            model.commit(1.0)
            sel.Ladapt[b] = Lb
            return None
        Lb *= 2.0
    return LINESEARCH


def _two_metric(model, reg, b, xb, gb, opts):
    """``"TMP"``: two-metric projection with an Armijo search on the projected arc."""
    ge = gb + reg.alpha  # g(x) = alpha * sum(x) on the non-negative orthant
    lo, hi = reg.lo[b], reg.hi[b]
    act = ((xb <= lo + 1e-4) & (ge > 0)) | ((xb >= hi - 1e-4) & (ge < 0))
    H = model.hess(b, True)
    d = np.empty(b.size)
    fr = ~act
    d[act] = -ge[act] / np.maximum(np.diag(H)[act], 1e-300)
    if fr.any():
        d[fr] = -cho_solve_or_lstsq(H[np.ix_(fr, fr)], ge[fr])
    t, slack = 1.0, None
    for _ in range(opts.max_backtracks):
        step = np.clip(xb + t * d, lo, hi) - xb
        dec = float(ge @ step)
        if dec >= 0 and t == 1.0 and not np.any(step):
            return None
        model.prepare(b, step)
        ch = model.change(1.0) + reg.alpha * float(step.sum())
        if slack is None and ch > _ARMIJO * min(dec, 0.0):  # rounding near the optimum
            slack = 1e-13 * (1.0 + abs(model.fval()))
        if ch <= _ARMIJO * min(dec, 0.0) + (slack or 0.0):
            model.commit(1.0)
            return None
        t *= _SHRINK
    return LINESEARCH


def block_update(mode, model, reg, sel, opts, b, bi, gb):
    """Apply one block update of kind ``mode`` to block ``b`` (index ``bi`` in the
    partition, ``-1`` for a variable block) with gradient ``g_b``."""
    xb = model.x[b].copy()
    quad = hasattr(model, "Q")
    if mode == "gradient":
        d = reg.step(xb, gb, sel.block_L(b, bi), b)
    elif mode == "adaptive":
        return _adaptive(model, reg, sel, b, xb, gb)
    elif mode == "tmp" and reg.bounded:
        return _two_metric(model, reg, b, xb, gb, opts)
    elif quad and reg.smooth and (sel.forest or b.size > 500):
        d, status = _forest_solve(model, b)  # section 1.5: O(|b|) exact block solve
        if status:
            return status
    elif mode == "matrix" or quad:
        d = _direction(sel.block_H(b, bi), gb, xb, b, reg, opts)
    else:  # 'newton' with a line search (also 'tmp' without bounds: no active set)
        d = _direction(model.hess(b, True), gb, xb, b, reg, opts)
        return _search(model, reg, b, xb, gb, d, opts)
    if not np.all(np.isfinite(d)):
        return NONFINITE
    if quad:  # the gradient update of a quadratic needs no trial value
        model.step(b, d)
        return None
    model.prepare(b, d)
    model.commit(1.0)
    return None
