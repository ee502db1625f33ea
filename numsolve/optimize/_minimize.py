"""The optimization front door :func:`minimize` and its method registry.

Calling convention of a registered method::

    impl(fun, x0, *, args, jac, hess, hessp, bounds, constraints, tol, callback, **options)
        -> OptimizeResult

Its keyword parameters are its options (unknown options are dropped with an
``OptimizeWarning``). A method may declare ``impl.capabilities = {"bounds": bool,
"constraints": bool, "jac": bool, "hess": bool}``; the dispatcher refuses bounds/constraints a
method cannot honour (instead of silently ignoring them) and warns about unused derivatives.

``method='scipy:<name>'`` passes the problem through to :func:`scipy.optimize.minimize`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import scipy.optimize as _sopt

from .._backend import get_namespace, is_numpy_namespace
from .._registry import MethodRegistry, split_options
from .._result import OptimizeResult

__all__ = ["minimize", "MINIMIZE_METHODS", "SCIPY_METHODS"]

#: SciPy methods reachable as ``method='scipy:<name>'``.
SCIPY_METHODS = (
    "nelder-mead", "powell", "cg", "bfgs", "newton-cg", "l-bfgs-b", "tnc", "cobyla", "cobyqa",
    "slsqp", "trust-constr", "dogleg", "trust-ncg", "trust-exact", "trust-krylov",
)

#: ``numsolve.minimize`` methods: name -> "module:function" (imported on first use).
MINIMIZE_METHODS = MethodRegistry(
    "minimize",
    {
        "newton-sketch": "numsolve.optimize._newton_sketch:minimize_newton_sketch",
        "auglag": "numsolve.optimize._auglag:minimize_auglag",
    },
)


def _scipy_method(name: str) -> Callable[..., OptimizeResult]:
    if name not in SCIPY_METHODS:
        raise ValueError(
            f"minimize: unknown SciPy method 'scipy:{name}'; valid SciPy methods are: "
            + ", ".join(f"scipy:{m}" for m in SCIPY_METHODS)
        )

    def impl(fun, x0, *, args=(), jac=None, hess=None, hessp=None, bounds=None,
             constraints=(), tol=None, callback=None, **options):
        res = _sopt.minimize(fun, x0, args=args, method=name, jac=jac, hess=hess, hessp=hessp,
                             bounds=bounds, constraints=constraints, tol=tol, callback=callback,
                             options=options or None)
        out = OptimizeResult(res)
        out["method"] = f"scipy:{name}"
        out.setdefault("backend", "numpy")
        return out

    impl.__name__ = f"scipy_{name.replace('-', '_')}"
    impl.capabilities = {"bounds": True, "constraints": True, "jac": True, "hess": True}
    impl.host_only = True
    return impl


MINIMIZE_METHODS.register_prefix("scipy", _scipy_method)


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
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError("x0 contains NaN or inf")
    return x, xp


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
        Case-insensitive method name from :data:`MINIMIZE_METHODS`, or ``'scipy:<name>'`` for
        any :func:`scipy.optimize.minimize` method (``'scipy:BFGS'``, ``'scipy:trust-constr'``,
        ...). A callable is called as SciPy does for custom methods. Default: as SciPy
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
    if not isinstance(args, tuple):
        args = (args,)
    if name == "_custom":
        return impl(fun, x0, args=args, jac=jac, hess=hess, hessp=hessp, bounds=bounds,
                    constraints=constraints, callback=callback, **dict(options or {}))
    if getattr(impl, "host_only", False) and not is_numpy_namespace(xp):
        raise TypeError(
            f"method {method!r} runs on the CPU only; x0 is a {type(x0).__module__} array - "
            "move it with numsolve.to_numpy(x0) or choose a numsolve method"
        )
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
