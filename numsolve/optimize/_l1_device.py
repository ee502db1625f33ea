"""The Lasso on array-API data (CuPy, ``array_api_strict``): FISTA with adaptive restart and
the host path's duality-gap certificate.

The working-set coordinate descent of :mod:`._l1path` is a sequential loop over coordinates;
on a device the vectorisable method is the accelerated proximal gradient (FISTA, Beck &
Teboulle 2009) on ``P(w) = ||y - X w||^2 / (2 n) + alpha ||w||_1``: two products with ``X``
per iteration, the soft-threshold, and the gradient restart of O'Donoghue & Candes (2015)
(momentum reset when ``(z - w_new) . (w_new - w) > 0``). The step ``1 / L`` starts from a
power-iteration estimate of ``lambda_max(X^T X) / n`` and is doubled whenever the exact
quadratic bound ``||X d||^2 / (2 n) <= L ||d||^2 / 2`` fails (backtracking, so the estimate
never needs to be an upper bound). Every ``check_every`` iterations the duality gap of
:func:`~numsolve.optimize.lasso_duality_gap` (dual point ``R / max(n alpha, ||X^T R||_inf)``,
every feature counted) is evaluated on the device; the run stops when ``gap <= max(rtol P,
atol)``, the same certificate as the host solver.
"""

from __future__ import annotations

import math

import numpy as np

from .._backend import backend_name, to_numpy
from .._result import OptimizeResult
from .._status import CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, status_message

__all__ = ["lasso_device", "lasso_gap_device"]


def lasso_gap_device(xp, X, y, w, alpha):
    """``(gap, primal)`` of the Lasso at ``w`` (device arrays; as :func:`._l1_kernels.
    lasso_gap`)."""
    n = int(X.shape[0])
    R = y - X @ w
    xtr_max = float(xp.max(xp.abs(X.T @ R)))
    rr = float(xp.sum(R * R))
    primal = 0.5 * rr / n + alpha * float(xp.sum(xp.abs(w)))
    scale = n * alpha / xtr_max if xtr_max > n * alpha else 1.0
    dual = scale * float(xp.sum(R * y)) / n - 0.5 * scale * scale * rr / n
    return primal - dual, primal


def _power(xp, X, n, iters=30) -> float:
    """An estimate of ``lambda_max(X^T X) / n`` (a lower bound; backtracking corrects it)."""
    v = xp.asarray(np.random.default_rng(0).standard_normal(int(X.shape[1])), dtype=X.dtype)
    lam = 0.0
    for _ in range(iters):
        u = X.T @ (X @ v)
        nu = float(xp.sqrt(xp.sum(u * u)))
        if nu == 0.0:
            return 1.0
        lam, v = nu / float(xp.sqrt(xp.sum(v * v))), u / nu
    return lam / n


def _check(xp, X, y, w):
    """Device inputs as float64 arrays of one namespace."""
    f64 = xp.float64
    X = xp.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {tuple(X.shape)}")
    X = X if X.dtype == f64 else xp.astype(X, f64)
    y = xp.asarray(y)
    if y.ndim != 1 or int(y.shape[0]) != int(X.shape[0]):
        raise ValueError(f"y must be 1-D with X.shape[0] = {int(X.shape[0])} entries, got "
                         f"shape {tuple(y.shape)}")
    y = y if y.dtype == f64 else xp.astype(y, f64)
    if not (bool(xp.all(xp.isfinite(X))) and bool(xp.all(xp.isfinite(y)))):
        raise ValueError("X and y must not contain NaN or inf")
    p = int(X.shape[1])
    if w is None:
        w = xp.zeros((p,), dtype=f64)
    else:
        w = xp.astype(xp.asarray(w), f64, copy=True)  # never write the caller's array
        if tuple(w.shape) != (p,):
            raise ValueError(f"x0 must have shape ({p},), got {tuple(w.shape)}")
    return X, y, w


def lasso_device(xp, X, y, alpha, x0, knobs, notify, check_every=10) -> OptimizeResult:
    """:func:`~numsolve.optimize.lasso` on array-API data (module notes)."""
    X, y, w = _check(xp, X, y, x0)
    n = int(X.shape[0])
    L = max(_power(xp, X, n), 1e-300)
    soft = lambda v, t: xp.sign(v) * xp.maximum(xp.abs(v) - t, 0.0)  # noqa: E731
    Xw = X @ w
    z, Xz, t = w, Xw, 1.0
    gap, primal = lasso_gap_device(xp, X, y, w, alpha)
    hist, status, k = [gap], None, 0
    while status is None:
        if gap <= max(knobs["rtol"] * primal, knobs["atol"]):
            status = CONVERGED
            break
        if k >= knobs["max_epochs"]:
            status = MAXITER
            break
        g = X.T @ (Xz - y) / n
        while True:  # backtracking on the exact quadratic bound
            w_new = soft(z - g / L, alpha / L)
            Xw_new = X @ w_new
            d, Xd = w_new - z, Xw_new - Xz
            vals = to_numpy(xp.stack([xp.sum(Xd * Xd) / n, xp.sum(d * d),
                                      xp.sum((z - w_new) * (w_new - w))]))
            if not np.all(np.isfinite(vals)) or vals[0] <= L * vals[1] * (1 + 1e-12):
                break
            L *= 2.0
        if vals[2] > 0:  # gradient restart: the momentum points uphill
            t = 1.0
        t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        beta = (t - 1.0) / t_new
        z, Xz = w_new + beta * (w_new - w), Xw_new + beta * (Xw_new - Xw)
        w, Xw, t, k = w_new, Xw_new, t_new, k + 1
        if k % check_every == 0 or k >= knobs["max_epochs"]:
            gap, primal = lasso_gap_device(xp, X, y, w, alpha)
            hist.append(gap)
            if not math.isfinite(gap):
                status = NONFINITE
            if notify is not None and notify(OptimizeResult(x=w, fun=primal, gap=gap, nit=k)):
                status = CALLBACK_STOP
    status = MAXITER if status is None else status
    detail = (f"duality gap {gap:.3e} <= max(rtol * P, atol)" if status == CONVERGED
              else f"duality gap {gap:.3e} after {k} FISTA iterations")
    return OptimizeResult(
        x=w, coef=w, fun=float(primal), gap=float(gap), success=status == CONVERGED,
        status=status, message=status_message(status, detail, kind="optimize"), nit=k,
        n_epochs=k, gap_history=np.asarray(hist), alpha=alpha, lipschitz=L,
        method="lasso-fista", backend=backend_name(xp))
