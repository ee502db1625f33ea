"""Newton sketch and randomized subspace Newton: ``minimize(fun, x0, method='newton-sketch')``.

Two modes, chosen from what the problem provides:

* **Newton sketch** (Pilanci & Wainwright 2017) when a Hessian square root is available
  (``options['hess_sqrt']``, or ``fun`` is a :mod:`numsolve.objectives` objective): with
  ``H(x) = M(x)^T M(x) + gamma I`` (``M`` is ``N x d``), each iteration draws a fresh sketch
  ``S`` (``m x N``), factors ``Ht = (S M)^T (S M) + gamma I`` (Cholesky, ``O(m d^2)``) and
  takes the step ``-Ht^{-1} g`` (``solver='sketch'``), or uses ``Ht`` as the preconditioner of
  CG on the exact Newton system ``H p = -g`` through ``hessp`` (``solver='pcg'``, the default
  when ``hessp`` is known: an inexact Newton step with a forcing term, so the convergence is
  superlinear and the inner iterations few because ``Ht`` is spectrally close to ``H``).
* **Randomized subspace Newton** (Gower, Kovalev, Lieder & Richtarik 2019) for plain callables
  with ``hessp`` (or ``hess``): a random ``d x s`` matrix ``S`` (Gaussian or ``s`` random
  coordinates), ``s`` Hessian-vector products, and the step ``-S (S^T H S)^+ S^T g``.

Both use backtracking Armijo line search ``f(x + t p) <= f(x) + a t g^T p`` (``t = 1, b,
b^2, ...``). Converged when ``||g|| <= max(gtol, grtol * ||g(x0)||)`` (2-norm).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._backend import backend_name, is_cupy_namespace, is_numpy_namespace, is_sparse, to_numpy
from .._result import OptimizeResult, wrap_callback
from .._status import CALLBACK_STOP, CONVERGED, LINESEARCH, MAXITER, NONFINITE, status_message
from ..linalg._system import check_maxiter
from ..linalg.sketch._operators import _as_rng, _canonical_kind, check_sketch_size, make_sketch

__all__ = ["minimize_newton_sketch"]

#: detail of a status message
_DETAIL = {CONVERGED: "gradient norm below the tolerance",
           LINESEARCH: "along the Newton-sketch direction"}


def _pos_float(name, v, *, allow_zero=True, upper=None):
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real scalar, got {v!r}") from None
    if not math.isfinite(f) or f < 0 or (f == 0 and not allow_zero) or (upper and f >= upper):
        raise ValueError(f"{name} must be a finite number in the allowed range, got {v!r}")
    return f


class _Factor:
    """Cholesky of the sketched Hessian ``Ht``; ``solve(v) = Ht^{-1} v``."""

    def __init__(self, H, xp):
        self.xp = xp
        if is_numpy_namespace(xp):
            import scipy.linalg as sl

            try:
                self.c = sl.cho_factor(np.asarray(H), check_finite=False)
                self.kind = "chol"
            except np.linalg.LinAlgError:
                self.c = np.linalg.pinv(np.asarray(H), hermitian=True)
                self.kind = "pinv"
        elif is_cupy_namespace(xp):
            self.L = xp.linalg.cholesky(H)
            self.kind = "cupy"
        else:
            self.H = H
            self.kind = "generic"

    def solve(self, v):
        xp = self.xp
        if self.kind == "chol":
            import scipy.linalg as sl

            return sl.cho_solve(self.c, np.asarray(v), check_finite=False)
        if self.kind == "pinv":
            return self.c @ v
        if self.kind == "cupy":
            import cupyx.scipy.linalg as cl

            y = cl.solve_triangular(self.L, v, lower=True)
            return cl.solve_triangular(self.L, y, lower=True, trans="T")
        return xp.linalg.solve(self.H, v)


def minimize_newton_sketch(
    fun: Callable, x0: Any, *, args=(), jac=None, hess=None, hessp=None, bounds=None,
    constraints=(), tol=None, callback=None,
    sketch: str = "sparse-sign", sketch_size: int | None = None, hess_sqrt: Callable | None = None,
    hess_shift: float | None = None, solver: str = "auto", gtol: float = 1e-5,
    grtol: float = 0.0, maxiter: int | None = None, inner_maxiter: int = 50,
    armijo: float = 0.1, backtrack: float = 0.5, max_backtracks: int = 40,
    nnz_per_column: int = 8, rng: int | np.random.Generator | None = None,
) -> OptimizeResult:
    """Newton sketch / randomized subspace Newton (see the module notes).

    Options
    -------
    sketch : str
        Sketch of the Hessian square root's rows (Newton sketch: ``'sparse-sign'`` default,
        ``'gaussian'``, ``'srht'``, ``'countsketch'``, ``'uniform'`` = sub-sampled Newton), or
        of the variables (subspace Newton: ``'gaussian'`` or ``'uniform'`` coordinates; any
        other kind means ``'gaussian'``).
    sketch_size : int
        Newton sketch: ``m`` with ``d <= m <= N`` (default ``min(N, 4 d)``). Subspace Newton:
        ``s`` with ``1 <= s <= d`` (default ``min(d, 50)``).
    hess_sqrt : callable, optional
        ``hess_sqrt(x, *args) -> M`` (``N x d`` array, sparse matrix or LinearOperator) with
        ``hess = M.T M + hess_shift * I``. Taken from ``fun.hess_sqrt_factors`` /
        ``fun.hess_sqrt`` for :mod:`numsolve.objectives` objectives.
    hess_shift : float, optional
        ``gamma`` above (default ``fun.l2`` for objectives, else 0).
    solver : {'auto', 'sketch', 'pcg'}
        Newton sketch step: sketched Hessian solve, or sketch-preconditioned CG on the exact
        Newton system (needs ``hessp``). ``'auto'``: ``'pcg'`` when ``hessp`` is known.
    gtol, grtol : float
        Stop when ``||g|| <= max(gtol, grtol * ||g(x0)||)``. ``tol`` (the ``minimize``
        argument) sets ``gtol``.
    maxiter : int
        Newton iterations (default 100 for Newton sketch, 1000 for subspace Newton).
    inner_maxiter : int
        CG iterations per step for ``solver='pcg'``.
    armijo, backtrack, max_backtracks : float, float, int
        Line-search constants ``a`` in (0, 1/2), ``b`` in (0, 1), and the number of halvings.
    rng : int or numpy.random.Generator
        A fresh sketch is drawn from it every iteration.
    """
    xp = _namespace(x0)
    x = xp.asarray(x0)
    if not xp.isdtype(x.dtype, "real floating"):
        x = xp.astype(x, xp.float64)
    x = xp.asarray(x, copy=True)
    d = int(x.shape[0])
    if tol is not None:
        gtol = tol
    gtol = _pos_float("gtol", gtol)
    grtol = _pos_float("grtol", grtol)
    armijo = _pos_float("armijo", armijo, allow_zero=False, upper=0.5)
    backtrack = _pos_float("backtrack", backtrack, allow_zero=False, upper=1.0)
    max_backtracks = check_maxiter(max_backtracks, 40)
    inner_maxiter = check_maxiter(inner_maxiter, 50)
    if solver not in ("auto", "sketch", "pcg"):
        raise ValueError(f"solver must be 'auto', 'sketch' or 'pcg', got {solver!r}")
    kind = _canonical_kind(sketch)
    g_rng = _as_rng(rng)

    # ---- derivatives
    if jac is None and hasattr(fun, "grad"):
        jac = fun.grad
    if hessp is None and hess is None and hasattr(fun, "hessp"):
        hessp = fun.hessp
    factors = None
    if hess_sqrt is None:
        if hasattr(fun, "hess_sqrt_factors"):
            factors = fun.hess_sqrt_factors
        elif hasattr(fun, "hess_sqrt"):
            hess_sqrt = fun.hess_sqrt
    elif not callable(hess_sqrt):
        raise TypeError("hess_sqrt must be callable: hess_sqrt(x, *args) -> (N, d) matrix")
    if hess_shift is None:
        hess_shift = float(getattr(fun, "l2", 0.0) or 0.0)
    gamma = _pos_float("hess_shift", hess_shift)
    mode = "sketch" if (factors is not None or hess_sqrt is not None) else "subspace"
    if mode == "subspace" and hessp is None and hess is None:
        raise ValueError(
            "method 'newton-sketch' needs second-order information: pass hessp= (or hess=), "
            "options={'hess_sqrt': ...}, or a numsolve.objectives objective as fun"
        )
    if jac is None or (isinstance(jac, str)):
        raise ValueError("method 'newton-sketch' needs the gradient: pass jac= (a callable "
                         "or True)")
    if solver == "pcg" and hessp is None and hess is None:
        raise ValueError("solver='pcg' needs hessp= (or hess=)")
    use_pcg = mode == "sketch" and (solver == "pcg" or (solver == "auto" and
                                                        (hessp is not None or hess is not None)))
    maxiter = check_maxiter(maxiter, 100 if mode == "sketch" else 1000)

    counts = {"nfev": 0, "njev": 0, "nhev": 0, "nsketch": 0}
    fun_and_grad = jac is True

    def f_eval(z):
        counts["nfev"] += 1
        v = fun(z, *args)
        if fun_and_grad:
            v = v[0]
        return float(to_numpy(v)) if not isinstance(v, float) else v

    def g_eval(z):
        counts["njev"] += 1
        if fun_and_grad:
            counts["nfev"] += 1
            return xp.asarray(fun(z, *args)[1])
        return xp.asarray(jac(z, *args))

    def hvp(z, p):
        counts["nhev"] += 1
        if hessp is not None:
            return xp.asarray(hessp(z, p, *args))
        return xp.asarray(hess(z, *args)) @ p

    notify = wrap_callback(callback)
    f = f_eval(x)
    g = g_eval(x)
    gnorm0 = _norm(g, xp)
    status = None
    if not (math.isfinite(f) and math.isfinite(gnorm0)):
        status = NONFINITE
    gtol_eff = max(gtol, grtol * gnorm0)
    m = None
    nit = 0
    decrement = float("nan")
    gnorm = gnorm0
    while status is None:
        if gnorm <= gtol_eff:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        # ---- direction
        if mode == "sketch":
            if factors is not None:
                w, Amat = factors(x)
                N = int(Amat.shape[0])
            else:
                Amat = hess_sqrt(x, *args)
                w = None
                N = int(Amat.shape[0])
            if tuple(Amat.shape)[1] != d:
                raise ValueError(f"hess_sqrt returned shape {tuple(Amat.shape)}; expected "
                                 f"(N, {d})")
            if m is None:
                m = check_sketch_size(min(N, 4 * d) if sketch_size is None else sketch_size, N,
                                      minimum=d, what="the number of rows N of the Hessian "
                                      "square root (a sketch must reduce the data)")
            kw = {"nnz_per_column": min(nnz_per_column, m)} if kind == "sparse-sign" else {}
            S = make_sketch(kind if kind != "leverage" else "uniform", m, N, rng=g_rng, **kw)
            if w is not None:
                S = S.weighted(w)
            SM = S @ Amat
            SM = SM.toarray() if is_sparse(SM) else SM
            SM = xp.asarray(SM, dtype=x.dtype)
            counts["nsketch"] += 1
            Ht = SM.T @ SM + gamma * xp.eye(d, dtype=x.dtype)
            fac = _Factor(Ht, xp)
            p = -fac.solve(g)
            if use_pcg:
                p = _pcg(functools.partial(hvp, x), fac.solve, g, p, xp,
                         eta=min(0.5, math.sqrt(gnorm / max(gnorm0, 1e-300))),
                         maxiter=inner_maxiter)
        else:
            if m is None:
                m = check_sketch_size(min(d, 50) if sketch_size is None else sketch_size, d,
                                      what="the number of variables")
            if kind == "uniform":
                idx = np.sort(g_rng.choice(d, size=m, replace=False))
                Sm = np.zeros((d, m))
                Sm[idx, np.arange(m)] = 1.0
            else:
                Sm = g_rng.standard_normal((d, m)) / math.sqrt(m)
            Sx = xp.asarray(Sm, dtype=x.dtype)
            HS = xp.stack([hvp(x, Sx[:, j]) for j in range(m)], axis=1)
            counts["nsketch"] += 1
            Hs = Sx.T @ HS
            rhs = Sx.T @ g
            z = xp.asarray(np.linalg.lstsq(np.asarray(to_numpy(Hs)), -np.asarray(to_numpy(rhs)),
                                           rcond=None)[0], dtype=x.dtype)
            p = Sx @ z
        slope = float(xp.sum(g * p))
        if not math.isfinite(slope):
            status = NONFINITE
            break
        if slope >= 0:  # not a descent direction (poor sketch): fall back to steepest descent
            p = -g
            slope = -gnorm * gnorm
        decrement = -slope
        # ---- backtracking Armijo line search
        t = 1.0
        accepted = False
        any_finite = False
        # when the predicted decrease is at the rounding level of f, function values cannot
        # rank trial points: take the unit Newton step if f stays (within rounding) put
        noise = 64 * np.finfo(np.float64).eps * max(1.0, abs(f))
        for _ in range(max_backtracks):
            xt = x + t * p
            ft = f_eval(xt)
            if math.isfinite(ft):
                any_finite = True
                if ft <= f + armijo * t * slope or (decrement <= noise and ft <= f + noise):
                    accepted = True
                    break
            t *= backtrack
        if not accepted:
            status = LINESEARCH if any_finite else NONFINITE
            break
        x, f = xt, ft
        g = g_eval(x)
        gnorm = _norm(g, xp)
        nit += 1
        if not math.isfinite(gnorm):
            status = NONFINITE
            break
        if notify is not None and notify(OptimizeResult(x=x, fun=f, jac=g, nit=nit)):
            status = CALLBACK_STOP
            break
    return OptimizeResult(
        x=x, fun=f, jac=g, nit=nit, success=status == CONVERGED, status=status,
        message=status_message(status, _DETAIL.get(status), kind="optimize"),
        newton_decrement=decrement,
        sketch_size=m, mode="newton-sketch" if mode == "sketch" else "subspace-newton",
        backend=backend_name(xp), **counts,
    )


minimize_newton_sketch.capabilities = {"bounds": False, "constraints": False, "jac": True,
                                       "hess": True}


def _namespace(x0):
    from .._backend import get_namespace

    return get_namespace(x0)


def _norm(v, xp) -> float:
    return float(xp.linalg.vector_norm(v))


def _pcg(hv, psolve, g, p0, xp, *, eta, maxiter):
    """Preconditioned CG for ``H p = -g`` from ``p0`` until ``||H p + g|| <= eta ||g||``."""
    p = p0
    r = -g - hv(p)
    gn = _norm(g, xp)
    if _norm(r, xp) <= eta * gn:
        return p
    z = psolve(r)
    q = z
    rz = float(xp.sum(r * z))
    for _ in range(maxiter):
        Hq = hv(q)
        qHq = float(xp.sum(q * Hq))
        if not (qHq > 0 and math.isfinite(qHq)):
            break
        a = rz / qHq
        p = p + a * q
        r = r - a * Hq
        if _norm(r, xp) <= eta * gn:
            break
        z = psolve(r)
        rz_new = float(xp.sum(r * z))
        q = z + (rz_new / rz) * q
        rz = rz_new
    return p
