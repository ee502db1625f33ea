"""The optimization front door :func:`minimize` and its method registry.

Adding a method = one new module plus one :class:`~numsolve._registry.Method` line in
:data:`MINIMIZE_METHODS`: the docstring of :func:`minimize`, the docs test and the ``numsolve
demo`` tour follow from it.

Calling convention of a registered method::

    impl(fun, x0, *, args, jac, hess, hessp, bounds, constraints, tol, callback, **options)
        -> OptimizeResult

Its keyword parameters are its options (unknown options are dropped with an
``OptimizeWarning``). A method may declare ``impl.capabilities = {"bounds": bool,
"constraints": bool, "jac": bool, "hess": bool}``; the dispatcher refuses bounds/constraints a
method cannot honour (instead of silently ignoring them) and warns about unused derivatives.

``method='scipy:<name>'`` passes the problem through to :func:`scipy.optimize.minimize`.

The front door checks what every method shares once: ``fun`` callable, ``x0`` a non-empty
finite 1-D numeric array, ``tol`` non-negative, and the first gradient of the right shape (a
``jac`` returning the wrong length raises ``ValueError`` naming ``jac``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import scipy.optimize as _sopt

from .._backend import get_namespace, is_numpy_namespace
from .._checks import check_real
from .._registry import Demo, Method, MethodRegistry, document_methods, split_options
from .._result import OptimizeResult
from .._status import NONFINITE, status_message
from ._auglag import minimize_auglag
from ._newton_sketch import minimize_newton_sketch
from .bcd import minimize_bcd

__all__ = ["minimize", "MINIMIZE_METHODS", "SCIPY_METHODS"]

#: SciPy methods reachable as ``method='scipy:<name>'``.
SCIPY_METHODS = (
    "nelder-mead", "powell", "cg", "bfgs", "newton-cg", "l-bfgs-b", "tnc", "cobyla", "cobyqa",
    "slsqp", "trust-constr", "dogleg", "trust-ncg", "trust-exact", "trust-krylov",
)

#: ``numsolve.minimize`` methods.
MINIMIZE_METHODS = MethodRegistry("minimize", [
    Method("newton-sketch", minimize_newton_sketch, "Newton sketch: Newton steps with a "
           "randomly sketched Hessian square root (structured objectives, "
           ":mod:`numsolve.objectives`)", "sketching", demo=[Demo("logistic")]),
    Method("auglag", minimize_auglag, "exact augmented Lagrangian with KKT systems solved by "
           "randomized sketching, MINRES or LU (equality constraints)", "optimize",
           demo=[Demo("hs77", {"kkt_solver": "kaczmarz"}),
                 Demo("poisson-control", {"kkt_solver": "direct"})]),
    Method("bcd", minimize_bcd, "greedy block coordinate descent (Nutini, Laradji & Schmidt "
           "2022): GS/GSL/GSD/GSQ rules, fixed or variable blocks, matrix/Newton updates, "
           "message passing on forest blocks of sparse quadratics, proximal updates for L1 "
           "and bounds", "bcd", demo=[Demo("bcd-least-squares"), Demo("bcd-lattice")]),
])


def _scipy_method(name: str) -> Callable[..., OptimizeResult]:
    if name not in SCIPY_METHODS:
        raise ValueError(
            f"minimize: unknown SciPy method 'scipy:{name}'; valid SciPy methods are: "
            + ", ".join(f"scipy:{m}" for m in SCIPY_METHODS)
        )

    def impl(fun, x0, *, args=(), jac=None, hess=None, hessp=None, bounds=None,
             constraints=(), tol=None, callback=None, **options):
        x0 = np.asarray(x0, dtype=np.float64)  # SciPy's methods work in float64 (SLSQP must)
        res = _sopt.minimize(fun, x0, args=args, method=name, jac=jac, hess=hess, hessp=hessp,
                             bounds=bounds, constraints=constraints, tol=tol, callback=callback,
                             options=options or None)
        out = OptimizeResult(res)
        out["method"] = f"scipy:{name}"
        out.setdefault("backend", "numpy")
        finite = np.all(np.isfinite(np.asarray(out.get("x", np.nan), dtype=float)))
        if out.get("fun") is not None:
            finite = finite and np.all(np.isfinite(np.asarray(out["fun"], dtype=float)))
        if out.get("success") and not finite:  # SciPy can end "successfully" on NaN
            out.update(success=False, status=NONFINITE, message=status_message(
                NONFINITE, f"scipy:{name} reported success: {out.get('message', '')}",
                kind="optimize"))
        return out

    impl.__name__ = f"scipy_{name.replace('-', '_')}"
    impl.capabilities = {"bounds": True, "constraints": True, "jac": True, "hess": True}
    impl.host_only = True
    return impl


MINIMIZE_METHODS.register_prefix(
    "scipy", _scipy_method, summary="any :func:`scipy.optimize.minimize` method, e.g. "
    "``'scipy:BFGS'``, ``'scipy:trust-constr'`` (SciPy's own result, ``x0`` cast to float64, "
    "non-finite final values reported as failures)", doc="optimize",
    demo=[Demo("rosenbrock", {"gtol": 1e-8}, method="scipy:BFGS")])


def _refuse_device(impl, method, fun, x0, xp) -> None:
    """``TypeError`` for non-NumPy ``x0`` and a host-only method. ``impl.host_only`` is
    ``True`` or a callable ``host_only(fun)``: ``None`` when this problem runs on device data,
    else the reason (appended to the message)."""
    host_only = getattr(impl, "host_only", False)
    if is_numpy_namespace(xp) or not host_only:
        return
    why = host_only(fun) if callable(host_only) else ""
    if why is None:
        return
    raise TypeError(
        f"method {method!r} runs on the CPU only{why}; x0 is a {type(x0).__module__} "
        "array - move it with numsolve.to_numpy(x0) or choose a numsolve method"
    )


def _default_method(bounds, constraints) -> str:
    if constraints:
        return "scipy:slsqp"
    if bounds is not None:
        return "scipy:l-bfgs-b"
    return "scipy:bfgs"


def _check_x0(x0):
    xp = get_namespace(x0)
    try:
        x = xp.asarray(x0)
    except Exception as exc:
        raise TypeError(f"x0 could not be converted to an array: {exc}") from None
    try:
        numeric = xp.isdtype(x.dtype, ("integral", "real floating", "complex floating"))
    except Exception:
        numeric = np.dtype(x.dtype).kind in "iufc"
    if not numeric:
        raise TypeError(f"x0 must have a numeric dtype, got {x.dtype}")
    if x.ndim > 1:
        raise ValueError(f"x0 must be 1-D (or a scalar), got shape {tuple(x.shape)}")
    if x.ndim == 1 and x.shape[0] == 0:
        raise ValueError("x0 must not be empty")
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError("x0 contains NaN or inf")
    return x, xp


class _FirstGradientCheck:
    """Callable wrapper of ``jac`` (or of ``fun`` with ``jac=True``) whose first gradient is
    checked for shape ``(n,)``; later calls pass straight through. Other attributes (those of
    structured objectives, e.g. ``hess_sqrt``) are the wrapped function's."""

    def __init__(self, func: Callable, n: int, pair: bool):
        self._func, self._n, self._pair, self._checked = func, n, pair, False

    def __getattr__(self, name: str):
        return getattr(self._func, name)

    def __call__(self, x, *args):
        out = self._func(x, *args)
        if not self._checked:
            who = "fun (with jac=True)" if self._pair else "jac"
            if self._pair and (not isinstance(out, tuple) or len(out) != 2):
                raise ValueError("with jac=True, fun must return a pair (f, gradient)")
            g = out[1] if self._pair else out
            shape = tuple(g.shape) if hasattr(g, "shape") else tuple(np.shape(g))
            if shape not in ((self._n,), (self._n, 1), (1, self._n)):
                raise ValueError(f"{who} returned a gradient of shape {shape}; x0 has "
                                 f"{self._n} elements, so it must have shape ({self._n},)")
            self._checked = True
        return out


def _checked_gradient(fun: Callable, jac: Any, n: int) -> tuple[Callable, Any]:
    """``(fun, jac)`` with the first gradient's shape checked (see :class:`_FirstGradientCheck`)."""
    if jac is True:
        return _FirstGradientCheck(fun, n, pair=True), jac
    if callable(jac):
        return fun, _FirstGradientCheck(jac, n, pair=False)
    return fun, jac


def minimize(
    fun: Callable,
    x0: Any,
    args: tuple = (),
    method: str | Callable | None = None,
    jac: Callable | str | bool | None = None,
    hess: Callable | str | None = None,
    hessp: Callable | None = None,
    bounds: Any = None,
    constraints: Any = (),
    tol: float | None = None,
    callback: Callable | None = None,
    options: Mapping[str, Any] | None = None,
) -> OptimizeResult:
    """Minimize a scalar function of one or more variables.

    The signature is :func:`scipy.optimize.minimize`'s; the methods are numsolve's registry.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``.
    x0 : array, shape (n,)
        Initial guess (NumPy or CuPy; results come back on the same device). Never modified.
    args : tuple, optional
        Extra arguments passed to ``fun``, ``jac``, ``hess`` and ``hessp``.
    method : str or callable, optional
        Case-insensitive name of a method of :data:`~numsolve.optimize.MINIMIZE_METHODS`:

        {methods}

        A callable is called as SciPy does for custom methods. Default: as SciPy
        (``'scipy:bfgs'``, ``'scipy:l-bfgs-b'`` with bounds, ``'scipy:slsqp'`` with
        constraints).
    jac, hess, hessp : optional
        Gradient, Hessian and Hessian-vector product, as in SciPy.
    bounds, constraints : optional
        As in SciPy. A method that cannot honour them raises ``ValueError`` rather than
        ignoring them.
    tol : float, optional
        Tolerance for termination (method-specific meaning, as in SciPy).
    callback : callable, optional
        ``callback(intermediate_result)`` or legacy ``callback(xk)``; ``StopIteration`` stops
        the run with ``status=99``.
    options : dict, optional
        Method options (``maxiter``, ``disp``, and method-specific ones); unknown options give
        an ``OptimizeWarning``.

    Returns
    -------
    OptimizeResult
        A :class:`scipy.optimize.OptimizeResult` subclass: ``x``, ``fun``, ``jac``, ``nit``,
        ``nfev``, ``success``, ``status``, ``message`` (and ``method``).

    Notes
    -----
    The numsolve methods implement published algorithms: ``'auglag'`` is AdaSketch-Newton
    [1]_ (inexact Newton on the KKT system, Armijo search on the exact augmented Lagrangian
    merit); ``'newton-sketch'`` is the Newton sketch of [2]_ when a Hessian square root is
    known, else randomized subspace Newton [3]_; ``'bcd'`` is the greedy block coordinate
    descent of [4]_. ``'scipy:<name>'`` methods are SciPy's own (see its references).

    References
    ----------
    .. [1] I. Hong, S. Na, M. W. Mahoney and M. Kolar, "Constrained optimization via exact
       augmented Lagrangian and randomized iterative sketching", ICML 2023,
       arXiv:2305.18379.
    .. [2] M. Pilanci and M. J. Wainwright, "Newton sketch: a near linear-time optimization
       algorithm with linear-quadratic convergence", SIAM J. Optim. 27(1):205-245, 2017,
       arXiv:1505.02250.
    .. [3] R. M. Gower, D. Kovalev, F. Lieder and P. Richtarik, "RSN: randomized subspace
       Newton", NeurIPS 2019.
    .. [4] J. Nutini, I. Laradji and M. Schmidt, "Let's make block coordinate descent converge
       faster: faster greedy rules, message-passing, active-set complexity, and superlinear
       convergence", JMLR 23(131):1-74, 2022, arXiv:1712.08859.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.optimize import rosen, rosen_der
    >>> import numsolve
    >>> res = numsolve.minimize(rosen, np.array([1.3, 0.7, 0.8]), jac=rosen_der,
    ...                         method="scipy:BFGS")
    >>> res.success, np.allclose(res.x, 1.0, atol=1e-4)
    (True, True)
    """
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    if method is None:
        method = _default_method(bounds, constraints)
    name, impl = MINIMIZE_METHODS.resolve(method)
    x0, xp = _check_x0(x0)
    check_real("tol", tol, low=0.0, allow_none=True)
    if not isinstance(args, tuple):
        args = (args,)
    fun, jac = _checked_gradient(fun, jac, int(x0.shape[0]) if x0.ndim else 1)
    if name == "_custom":
        return impl(fun, x0, args=args, jac=jac, hess=hess, hessp=hessp, bounds=bounds,
                    constraints=constraints, callback=callback, **dict(options or {}))
    _refuse_device(impl, method, fun, x0, xp)
    caps = getattr(impl, "capabilities", {})
    if bounds is not None and not caps.get("bounds", False):
        raise ValueError(f"method {method!r} does not support bounds")
    if constraints and not caps.get("constraints", False):
        raise ValueError(f"method {method!r} does not support constraints")
    for what, given in (("jac", jac), ("hess", hess if hessp is None else hessp)):
        if given is not None and given is not False and not caps.get(what, True):
            warnings.warn(f"Method {method} does not use {what} information",
                          RuntimeWarning, stacklevel=2)
    opts = split_options(impl, options)
    res = impl(fun, x0, args=args, jac=jac, hess=hess, hessp=hessp, bounds=bounds,
               constraints=constraints, tol=tol, callback=callback, **opts)
    if isinstance(res, OptimizeResult):
        res.setdefault("method", name)
    return res


document_methods(minimize, MINIMIZE_METHODS)
