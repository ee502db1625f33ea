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
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._backend import backend_name, is_cupy_namespace, is_numpy_namespace, is_sparse, to_numpy
from .._checks import as_rng, check_choice, check_int, check_maxiter, check_real
from .._result import OptimizeResult, wrap_callback
from .._status import CALLBACK_STOP, CONVERGED, LINESEARCH, MAXITER, NONFINITE, status_message
from ..linalg.sketch._operators import _canonical_kind, check_sketch_size, make_sketch

__all__ = ["minimize_newton_sketch"]

#: detail of a status message
_DETAIL = {CONVERGED: "gradient norm below the tolerance",
           LINESEARCH: "along the Newton-sketch direction"}


def _count(name: str, value: Any, default: int) -> int:
    """A positive integer option; ``None`` gives ``default``."""
    v = check_int(name, value, low=1, allow_none=True)
    return default if v is None else v


@dataclass(frozen=True)
class _Options:
    """The method's options, validated once (``__post_init__``); see the public docstring."""

    gtol: float = 1e-5
    grtol: float = 0.0
    armijo: float = 0.1
    backtrack: float = 0.5
    max_backtracks: int | None = 40
    inner_maxiter: int | None = 50
    solver: str = "auto"
    sketch: str = "sparse-sign"
    sketch_size: int | None = None  # checked against N (or d) at the first iteration
    nnz_per_column: int = 8
    rng: Any = None

    def __post_init__(self):
        put = functools.partial(object.__setattr__, self)
        put("gtol", check_real("gtol", self.gtol, low=0.0))
        put("grtol", check_real("grtol", self.grtol, low=0.0))
        put("armijo", check_real("armijo", self.armijo, low=0.0, high=0.5, low_open=True,
                                 high_open=True))
        put("backtrack", check_real("backtrack", self.backtrack, low=0.0, high=1.0,
                                    low_open=True, high_open=True))
        put("max_backtracks", _count("max_backtracks", self.max_backtracks, 40))
        put("inner_maxiter", _count("inner_maxiter", self.inner_maxiter, 50))
        put("solver", check_choice("solver", self.solver, ("auto", "sketch", "pcg")))
        put("sketch", _canonical_kind(self.sketch))
        put("rng", as_rng(self.rng))


class _Oracle:
    """The problem's derivatives, resolved once from ``fun`` and the arguments, and the counts
    of their evaluations (``nfev``, ``njev``, ``nhev``, and ``nsketch`` sketched Hessians).

    ``mode`` is ``'sketch'`` (Newton sketch: a Hessian square root is known) or
    ``'subspace'`` (randomized subspace Newton: Hessian-vector products only).
    """

    def __init__(self, fun, args, jac, hess, hessp, hess_sqrt, hess_shift, solver, xp):
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
        self.gamma = check_real("hess_shift", hess_shift, low=0.0)
        self.mode = "sketch" if (factors is not None or hess_sqrt is not None) else "subspace"
        second_order = hessp is not None or hess is not None
        if self.mode == "subspace" and not second_order:
            raise ValueError(
                "method 'newton-sketch' needs second-order information: pass hessp= (or hess=), "
                "options={'hess_sqrt': ...}, or a numsolve.objectives objective as fun"
            )
        if jac is None or isinstance(jac, str):
            raise ValueError("method 'newton-sketch' needs the gradient: pass jac= (a callable "
                             "or True)")
        if solver == "pcg" and not second_order:
            raise ValueError("solver='pcg' needs hessp= (or hess=)")
        self.use_pcg = self.mode == "sketch" and (solver == "pcg"
                                                  or (solver == "auto" and second_order))
        self.fun, self.args, self.jac, self.hess, self.hessp = fun, args, jac, hess, hessp
        self.factors, self.hess_sqrt, self.xp = factors, hess_sqrt, xp
        self.counts = {"nfev": 0, "njev": 0, "nhev": 0, "nsketch": 0}

    def f(self, z) -> float:
        self.counts["nfev"] += 1
        v = self.fun(z, *self.args)
        if self.jac is True:
            v = v[0]
        return float(to_numpy(v)) if not isinstance(v, float) else v

    def grad(self, z):
        self.counts["njev"] += 1
        if self.jac is True:
            self.counts["nfev"] += 1
            return self.xp.asarray(self.fun(z, *self.args)[1])
        return self.xp.asarray(self.jac(z, *self.args))

    def hvp(self, z, p):
        self.counts["nhev"] += 1
        if self.hessp is not None:
            return self.xp.asarray(self.hessp(z, p, *self.args))
        return self.xp.asarray(self.hess(z, *self.args)) @ p

    def hess_root(self, z):
        """``(w, M)``: the Hessian square root is ``diag(w) M`` (``w = None``: ``M``)."""
        if self.factors is not None:
            return self.factors(z)
        return None, self.hess_sqrt(z, *self.args)


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
    """Newton sketch [1]_ / randomized subspace Newton [2]_ (see the module notes).

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

    References
    ----------
    .. [1] M. Pilanci and M. J. Wainwright, "Newton sketch: a near linear-time optimization
       algorithm with linear-quadratic convergence", SIAM J. Optim. 27(1):205-245, 2017,
       arXiv:1505.02250.
    .. [2] R. M. Gower, D. Kovalev, F. Lieder and P. Richtarik, "RSN: randomized subspace
       Newton", NeurIPS 2019.
    """
    xp = _namespace(x0)
    x = xp.asarray(x0)
    if not xp.isdtype(x.dtype, "real floating"):
        x = xp.astype(x, xp.float64)
    x = xp.asarray(x, copy=True)
    opts = _Options(gtol=gtol if tol is None else tol, grtol=grtol, armijo=armijo,
                    backtrack=backtrack, max_backtracks=max_backtracks,
                    inner_maxiter=inner_maxiter, solver=solver, sketch=sketch,
                    sketch_size=sketch_size, nnz_per_column=nnz_per_column, rng=rng)
    oracle = _Oracle(fun, args, jac, hess, hessp, hess_sqrt, hess_shift, opts.solver, xp)
    maxiter = check_maxiter(maxiter, 100 if oracle.mode == "sketch" else 1000)
    notify = wrap_callback(callback)
    return _result(oracle, *_iterate(oracle, opts, x, maxiter, notify))


minimize_newton_sketch.capabilities = {"bounds": False, "constraints": False, "jac": True,
                                       "hess": True}


def _iterate(oracle: _Oracle, opts: _Options, x, maxiter: int, notify):
    """The Newton-sketch iteration, or randomized subspace Newton when ``oracle.mode ==
    'subspace'`` (steps 1-4 then come from :func:`_subspace_direction`).

    Newton sketch (Pilanci & Wainwright, SIAM J. Optim. 27(1), 2017), iteration ``t``:

    1. draw a fresh sketch ``S_t`` (``m x N``);
    2. ``M_t = S_t D_t^{1/2} A``, the sketched Hessian square root (``m x d``);
    3. ``H~_t = M_t^T M_t + gamma I``;
    4. ``Delta_t = -H~_t^{-1} g_t``;
    5. ``lambda~_t^2 = -g_t^T Delta_t``, the approximate Newton decrement;
    6. stop test (here ``||g_t|| <= max(gtol, grtol ||g_0||)``, tested first);
    7. backtracking: ``s = 1, b, b^2, ...`` until ``f(x_t + s Delta_t) <= f(x_t) + a s
       g_t^T Delta_t``;
    8. ``x_{t+1} = x_t + s Delta_t``.

    Returns ``(x, f, g, nit, status, decrement, m)`` (``m``: the sketch size, ``None`` when no
    step was taken).
    """
    xp = oracle.xp
    direction = _newton_sketch_direction if oracle.mode == "sketch" else _subspace_direction
    f = oracle.f(x)
    g = oracle.grad(x)
    gnorm0 = gnorm = _norm(g, xp)
    status = None if math.isfinite(f) and math.isfinite(gnorm0) else NONFINITE
    gtol_eff = max(opts.gtol, opts.grtol * gnorm0)
    m, nit, decrement = None, 0, float("nan")
    while status is None:
        # step 6, first: ||g|| <= max(gtol, grtol ||g0||) (the paper stops when
        # lambda~^2 / 2 <= eps; the decrement of step 5 is reported in the result)
        if gnorm <= gtol_eff:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        # steps 1-4: sketch, sketched Hessian factor, direction Delta_t (eta: PCG forcing term)
        eta = min(0.5, math.sqrt(gnorm / max(gnorm0, 1e-300)))
        p, m = direction(oracle, opts, x, g, m, eta)
        # step 5: approximate Newton decrement lambda~^2 = -g^T Delta_t
        slope = float(xp.sum(g * p))
        if not math.isfinite(slope):
            status = NONFINITE
            break
        if slope >= 0:  # not a descent direction (poor sketch): fall back to steepest descent
            p = -g
            slope = -gnorm * gnorm
        decrement = -slope
        # steps 7-8: backtracking line search, x_{t+1} = x_t + s Delta_t
        x_new, f_new, status = _backtracking(oracle, opts, x, f, p, slope)
        if status is not None:
            break
        x, f = x_new, f_new
        g = oracle.grad(x)
        gnorm = _norm(g, xp)
        nit += 1
        if not math.isfinite(gnorm):
            status = NONFINITE
            break
        if notify is not None and notify(OptimizeResult(x=x, fun=f, jac=g, nit=nit)):
            status = CALLBACK_STOP
            break
    return x, f, g, nit, status, decrement, m


def _result(oracle: _Oracle, x, f, g, nit, status, decrement, m) -> OptimizeResult:
    """The ``OptimizeResult`` of a run (the outputs of :func:`_iterate` and the counts)."""
    return OptimizeResult(
        x=x, fun=f, jac=g, nit=nit, success=status == CONVERGED, status=status,
        message=status_message(status, _DETAIL.get(status), kind="optimize"),
        newton_decrement=decrement, sketch_size=m,
        mode="newton-sketch" if oracle.mode == "sketch" else "subspace-newton",
        backend=backend_name(oracle.xp), **oracle.counts,
    )


def _newton_sketch_direction(oracle: _Oracle, opts: _Options, x, g, m, eta):
    """Steps 1-4 of the Newton sketch (:func:`_iterate`): ``Delta = -Ht^{-1} g`` with ``Ht =
    (S M)^T (S M) + gamma I``, ``M`` the Hessian square root (``N x d``) and ``S`` a fresh ``m x
    N`` sketch; with ``oracle.use_pcg``, ``Delta`` then starts PCG on ``H p = -g``
    preconditioned by ``Ht``.

    Returns ``(Delta, m)`` (``m`` is chosen and checked at the first call).
    """
    xp, d = oracle.xp, int(x.shape[0])
    w, Amat = oracle.hess_root(x)
    N = int(Amat.shape[0])
    if tuple(Amat.shape)[1] != d:
        raise ValueError(f"hess_sqrt returned shape {tuple(Amat.shape)}; expected (N, {d})")
    if m is None:  # sketch size: a small multiple of d (d <= m <= N), fixed at the start
        m = check_sketch_size(min(N, 4 * d) if opts.sketch_size is None else opts.sketch_size,
                              N, minimum=d, what="the number of rows N of the Hessian square "
                              "root (a sketch must reduce the data)")
    # step 1: draw S_t (m x N), fresh each iteration (the weights w folded in: S_t D_t^{1/2})
    S = _row_sketch(opts, m, N, w)
    # step 2: M_t = S_t D_t^{1/2} A (m x d)
    SM = S.apply(Amat, check_finite=False)  # a NaN here is caught as a non-finite step
    SM = SM.toarray() if is_sparse(SM) else SM
    SM = xp.asarray(SM, dtype=x.dtype)
    oracle.counts["nsketch"] += 1
    # step 3: H~_t = M_t^T M_t + gamma I, factored once (Cholesky, O(m d^2))
    fac = _Factor(SM.T @ SM + oracle.gamma * xp.eye(d, dtype=x.dtype), xp)
    # step 4: Delta_t = -H~_t^{-1} g (or sketch-preconditioned CG on the exact Newton system)
    p = -fac.solve(g)
    if oracle.use_pcg:
        p = _pcg(functools.partial(oracle.hvp, x), fac.solve, g, p, xp, eta=eta,
                 maxiter=opts.inner_maxiter)
    return p, m


def _row_sketch(opts: _Options, m: int, N: int, w):
    """A fresh ``m x N`` sketch of kind ``opts.sketch`` (``'leverage'`` draws uniform rows),
    times ``diag(w)`` unless ``w`` is ``None``."""
    kind = opts.sketch
    kw = {"nnz_per_column": min(opts.nnz_per_column, m)} if kind == "sparse-sign" else {}
    S = make_sketch(kind if kind != "leverage" else "uniform", m, N, rng=opts.rng, **kw)
    return S if w is None else S.weighted(w)


def _subspace_direction(oracle: _Oracle, opts: _Options, x, g, m, eta):
    """Randomized subspace Newton (Gower, Kovalev, Lieder & Richtarik, NeurIPS 2019) in place
    of steps 1-4: ``Delta = -S (S^T H S)^+ S^T g`` with ``S`` (``d x m``) Gaussian or ``m``
    random coordinates, from ``m`` Hessian-vector products (the line search replaces the
    paper's ``1/L`` step). ``eta`` is unused (the signature of
    :func:`_newton_sketch_direction`)."""
    xp, d = oracle.xp, int(x.shape[0])
    if m is None:
        m = check_sketch_size(min(d, 50) if opts.sketch_size is None else opts.sketch_size, d,
                              what="the number of variables")
    if opts.sketch == "uniform":
        idx = np.sort(opts.rng.choice(d, size=m, replace=False))
        Sm = np.zeros((d, m))
        Sm[idx, np.arange(m)] = 1.0
    else:
        Sm = opts.rng.standard_normal((d, m)) / math.sqrt(m)
    Sx = xp.asarray(Sm, dtype=x.dtype)
    HS = xp.stack([oracle.hvp(x, Sx[:, j]) for j in range(m)], axis=1)
    oracle.counts["nsketch"] += 1
    Hs = Sx.T @ HS
    rhs = Sx.T @ g
    z = xp.asarray(np.linalg.lstsq(np.asarray(to_numpy(Hs)), -np.asarray(to_numpy(rhs)),
                                   rcond=None)[0], dtype=x.dtype)
    return Sx @ z, m


def _backtracking(oracle: _Oracle, opts: _Options, x, f: float, p, slope: float):
    """Backtracking Armijo line search (step 7 of :func:`_iterate`): the first ``s = 1, b,
    b^2, ...`` (at most ``max_backtracks``) with ``f(x + s p) <= f(x) + a s g^T p``.

    Returns ``(x + s p, f(x + s p), None)``, or ``(None, None, status)`` when no trial point
    is accepted (``LINESEARCH``; ``NONFINITE`` if no trial value was finite).
    """
    decrement = -slope
    t = 1.0
    any_finite = False
    # when the predicted decrease is at the rounding level of f, function values cannot
    # rank trial points: take the unit Newton step if f stays (within rounding) put
    noise = 64 * np.finfo(np.float64).eps * max(1.0, abs(f))
    for _ in range(opts.max_backtracks):
        xt = x + t * p
        ft = oracle.f(xt)
        if math.isfinite(ft):
            any_finite = True
            if ft <= f + opts.armijo * t * slope or (decrement <= noise and ft <= f + noise):
                return xt, ft, None
        t *= opts.backtrack
    return None, None, LINESEARCH if any_finite else NONFINITE


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
