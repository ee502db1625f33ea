"""Result objects and callback plumbing shared by every numsolve method.

* :class:`OptimizeResult` subclasses :class:`scipy.optimize.OptimizeResult`, so code written for
  SciPy's results (``res.x``, ``res.fun``, ``res.success``, ``isinstance`` checks) keeps working.
* :class:`SolveResult` is its counterpart for linear systems: ``x``, ``success``, ``status``,
  ``message``, ``nit``, ``residual_norms`` (history), ``backend`` and SciPy's integer ``info``.
* :func:`wrap_callback` implements SciPy's callback convention: a callable whose single
  parameter is named ``intermediate_result`` receives a result object, any other callable
  receives the current iterate ``xk``; raising ``StopIteration`` ends the run with
  ``status=99``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from scipy.optimize import OptimizeResult as _ScipyOptimizeResult

from ._status import CALLBACK_STOP, MAXITER

__all__ = ["OptimizeResult", "SolveResult", "wrap_callback"]


class OptimizeResult(_ScipyOptimizeResult):
    """Result of :func:`numsolve.minimize`; a :class:`scipy.optimize.OptimizeResult`.

    Attributes
    ----------
    x : array
        The solution, in the namespace (device) of ``x0``.
    fun : float
        Objective value at ``x``.
    jac : array
        Gradient at ``x`` (when the method has it).
    nit, nfev, njev, nhev : int
        Iterations and function/gradient/Hessian evaluations.
    success : bool
        Whether the method reports convergence.
    status : int
        A code of numsolve's status table (:class:`~numsolve.Status`): ``0`` success, ``1``
        ``maxiter`` reached, ``99`` a callback stop; the others name the failure.
    message : str
        Human-readable description of ``status``.
    method : str
        Name of the method that produced the result.

    Notes
    -----
    Like SciPy's results this is a ``dict`` with attribute access; methods may add further
    fields (e.g. ``residual_norms``, ``backend``).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.optimize
    >>> import numsolve
    >>> res = numsolve.minimize(scipy.optimize.rosen, np.zeros(2), method="scipy:bfgs")
    >>> isinstance(res, scipy.optimize.OptimizeResult), res.success, res.method
    (True, True, 'scipy:bfgs')
    >>> np.allclose(res.x, 1.0, atol=1e-4)
    True
    """


class SolveResult(_ScipyOptimizeResult):
    """Result of :func:`numsolve.solve` and :func:`numsolve.solve_batch`.

    Attributes
    ----------
    x : array
        The solution, in the namespace (device) of ``b``. For :func:`numsolve.solve_batch`,
        the stacked solutions.
    success : bool or array of bool
        Whether the convergence criterion ``norm(b - A @ x) <= max(rtol * norm(b), atol)``
        was met (per system for batches).
    status : int or array of int
        A code of numsolve's status table (:class:`~numsolve.Status`): ``0`` converged, ``1``
        ``maxiter`` reached, ``2`` precision loss (the true residual stagnated above the
        tolerance), ``3`` breakdown (``A`` or ``M`` not positive definite), ``4`` non-finite
        values encountered, ``99`` stopped by the callback.
    message : str
        Human-readable description of ``status``.
    nit : int or array of int
        Iterations performed (per system for batches).
    residual_norms : array
        History of residual 2-norms, starting with the initial residual (one column per
        system for batches).
    info : int
        SciPy's convention: ``0`` success, ``> 0`` iterations performed without convergence,
        ``< 0`` breakdown or illegal input.
    backend : str
        ``'numpy'``, ``'numba'``, ``'cupy'`` or another array-API namespace name: where the
        iterations ran.
    method : str
        The method used.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(16)
    >>> res = numsolve.solve(A, np.ones(A.shape[0]), rtol=1e-8)
    >>> res.success, res.status, res.info, res.method
    (True, 0, 0, 'cg')
    >>> bool(res.residual_norms[-1] <= 1e-8 * np.sqrt(A.shape[0]))
    True
    """

    @property
    def info(self) -> int:  # SciPy-compatible integer flag
        status = self.get("status", 0)
        try:
            status = int(status)
        except TypeError:  # batched: summarise
            import numpy as np

            st = np.asarray(status)
            if (st == 0).all():
                return 0
            if ((st == 0) | (st == 1)).all():
                return int(np.max(self["nit"]))
            return -1
        if status == 0:
            return 0
        if status in (MAXITER, CALLBACK_STOP):
            return int(self.get("nit", 1)) or 1
        return -1


# --------------------------------------------------------------------------------------------
# callbacks
# --------------------------------------------------------------------------------------------
def _wants_intermediate_result(callback: Callable) -> bool:
    try:
        sig = inspect.signature(callback)
    except (TypeError, ValueError):
        return False
    return set(sig.parameters) == {"intermediate_result"}


def wrap_callback(callback: Callable | None) -> Callable[[Any], bool] | None:
    """Wrap a user callback in SciPy's convention.

    Returns ``None`` when ``callback`` is ``None``; otherwise a function
    ``notify(intermediate_result) -> bool`` that calls the user's callback with either the
    result object (parameter named ``intermediate_result``) or ``intermediate_result.x`` (legacy
    form), and returns ``True`` when the callback asked to stop by raising ``StopIteration``.
    """
    if callback is None:
        return None
    if not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    modern = _wants_intermediate_result(callback)

    def notify(intermediate_result) -> bool:
        try:
            if modern:
                callback(intermediate_result=intermediate_result)
            else:
                callback(intermediate_result["x"])
        except StopIteration:
            return True
        return False

    notify.wrapped = callback  # type: ignore[attr-defined]
    return notify
