"""The linear-system front doors :func:`solve` and :func:`solve_batch`, and their registries.

Adding a method = one new module with a function following the calling convention below, plus
one entry in :data:`SOLVE_METHODS` (or :data:`SOLVE_BATCH_METHODS`). Nothing else is edited.

Calling convention (``solve``)::

    impl(A, b, x0, *, rtol, atol, maxiter, M, callback, **options) -> SolveResult

and for ``solve_batch`` the same with ``(A, B, X0)``. The function's keyword parameters are its
options: unknown options are dropped with an ``OptimizeWarning``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from .._registry import MethodRegistry, split_options
from .._result import SolveResult

__all__ = ["solve", "solve_batch", "SOLVE_METHODS", "SOLVE_BATCH_METHODS"]

#: ``numsolve.solve`` methods: name -> "module:function" (imported on first use).
SOLVE_METHODS = MethodRegistry(
    "solve",
    {
        "cg": "numsolve.linalg._cg:solve_cg",
        "direct": "numsolve.linalg._direct:solve_direct",
        "fcg": "numsolve.linalg._fcg:solve_fcg",
        "dcdm": "numsolve.linalg._fcg:solve_dcdm",
        "gmres": "numsolve.linalg._gmres:solve_gmres",
        "fgmres": "numsolve.linalg._gmres:solve_fgmres",
        "minres": "numsolve.linalg._minres:solve_minres",
        "sor": "numsolve.linalg._sor:solve_sor",
        "ssor-cg": "numsolve.linalg._sor:solve_ssor_cg",
        "sketch-project": "numsolve.linalg._sketch_project:solve_sketch_project",
    },
)

#: ``numsolve.solve_batch`` methods.
SOLVE_BATCH_METHODS = MethodRegistry(
    "solve_batch",
    {
        "cg": "numsolve.linalg._batch:solve_batch_cg_any",
        "direct": "numsolve.linalg._direct:solve_batch_direct",
        "sor": "numsolve.linalg._sequence:solve_batch_sor",
        "ssor-cg": "numsolve.linalg._sequence:solve_batch_ssor_cg",
    },
)

_ARGS = ("rtol", "atol", "maxiter", "M", "callback", "x0", "X0")


def solve(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    method: str | Callable | None = None,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable | None = None,
    options: Mapping[str, Any] | None = None,
    model: Any = None,
    **method_options: Any,
) -> SolveResult:
    """Solve the linear system ``A x = b``.

    Parameters
    ----------
    A : array, sparse matrix or LinearOperator, shape (n, n)
        NumPy/CuPy array, ``scipy.sparse``/``cupyx.scipy.sparse`` matrix or array, or a
        ``LinearOperator``. The solve runs where ``A`` and ``b`` live (CPU or GPU).
    b : array, shape (n,) or (n, 1)
        Right-hand side. Several right-hand sides: :func:`solve_batch`.
    x0 : array, shape (n,), optional
        Initial guess. Never modified.
    method : str or callable, optional
        Case-insensitive name: ``'cg'`` (default; conjugate gradients, ``A`` SPD) or
        ``'direct'`` (LU factorisation); ``'fcg'``, ``'dcdm'``, ``'gmres'``, ``'fgmres'``,
        ``'minres'`` (flexible Krylov solvers, see :doc:`/krylov`). A callable
        ``method(A, b, x0, rtol=, atol=, maxiter=, M=, callback=, **options)`` is called as is
        (SciPy's custom-method hook).
    rtol, atol : float
        Converged when ``norm(b - A @ x) <= max(rtol * norm(b), atol)``, exactly as
        :func:`scipy.sparse.linalg.cg`.
    maxiter : int, optional
        Maximum number of iterations (method default, ``10 * n`` for CG).
    M : array, sparse matrix, LinearOperator or callable, optional
        Preconditioner: an approximation of ``A^{-1}`` (SciPy's convention).
    callback : callable, optional
        ``callback(intermediate_result)`` if its single parameter is named
        ``intermediate_result`` (an :class:`~numsolve.OptimizeResult` with ``x``, ``nit``,
        ``residual_norm``), else ``callback(xk)``; called once per iteration. Raising
        ``StopIteration`` stops the solve with ``status=99``.
    options : dict, optional
        Method-specific options (see each method's documentation); unknown options give an
        ``OptimizeWarning``.
    model : callable, optional
        Search-direction model ``r -> q`` of ``method='dcdm'`` (see
        :class:`~numsolve.linalg.DirectionModel`); same as ``options={'model': model}``.
    **method_options
        Method options may also be given as keywords, e.g. ``method='sor', omega=1.5``
        (merged into ``options``).

    Returns
    -------
    SolveResult
        ``x`` (on the device of ``b``), ``success``, ``status``, ``message``, ``nit``,
        ``residual_norms`` (history), ``backend`` and SciPy's ``info`` flag.

    Raises
    ------
    ValueError
        Unknown method; non-square ``A``; ``b`` or ``x0`` of the wrong shape; NaN or inf in the
        input; invalid tolerances or ``maxiter``.
    TypeError
        Non-numeric dtypes; inputs on different devices; ``A`` of an unsupported type.

    See Also
    --------
    solve_batch : many right-hand sides or many systems at once.
    scipy.sparse.linalg.cg : SciPy's conjugate gradients (same tolerance semantics).

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(32)
    >>> b = np.ones(A.shape[0])
    >>> res = numsolve.solve(A, b, method="cg", rtol=1e-8)
    >>> res.success
    True
    >>> bool(np.linalg.norm(b - A @ res.x) <= 1e-8 * np.linalg.norm(b))
    True
    """
    name, impl = SOLVE_METHODS.resolve("cg" if method is None else method)
    options = {**(options or {}), **method_options}
    if name == "_custom":
        opts = dict(options or {})
    else:
        opts = split_options(impl, options, reserved=_ARGS)
    if model is not None:
        if name != "_custom" and "model" not in inspect.signature(impl).parameters:
            raise ValueError(f"solve: method {name!r} takes no `model` (use method='dcdm')")
        opts["model"] = model
    res = impl(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, M=M, callback=callback, **opts)
    if name != "_custom" and isinstance(res, SolveResult):
        res.setdefault("method", name)
    return res


def solve_batch(
    A: Any,
    B: Any = None,
    X0: Any = None,
    *,
    method: str | Callable | None = None,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable | None = None,
    options: Mapping[str, Any] | None = None,
    **method_options: Any,
) -> SolveResult:
    """Solve many linear systems at once.

    Three batch forms are accepted:

    * **one operator, many right-hand sides** - ``A`` of shape ``(n, n)`` (dense, sparse or
      ``LinearOperator``) and ``B`` of shape ``(n, k)``: every column is solved, all columns
      sharing each product with ``A`` (one sparse-matrix x dense-block product per iteration,
      not a loop over columns). ``x`` has shape ``(n, k)``.
    * **a stack of dense systems** - ``A`` of shape ``(m, n, n)`` and ``B`` of shape
      ``(m, n)`` (batch dimension first, as in SciPy/NumPy). ``x`` has shape ``(m, n)``.
    * **a list of matrices** - ``A`` a list of ``m`` sparse (or dense) matrices and ``B`` an
      ``(m, n)`` array or a list of vectors; sizes may differ (``x`` is then a list).
    * **a sequence of systems** (``method='sor'`` or ``'ssor-cg'``) - ``A`` an iterable of
      ``(A_t, b_t)`` or ``(A_t, b_t, context_t)`` tuples and ``B`` omitted, solved in turn so
      that a tuner passed as ``omega`` learns across them (see :ref:`sor`).

    Parameters
    ----------
    A, B : see above
    X0 : array, optional
        Initial guesses, same layout as ``B``. Never modified.
    method : str or callable, optional
        ``'cg'`` (default; batched conjugate gradients: each system keeps its own recurrence
        and convergence test, converged systems are dropped from the working set) or
        ``'direct'``.
    rtol, atol, maxiter, M, callback, options
        As in :func:`solve`; the tolerance applies to every system separately. ``M`` is only
        supported with one shared operator.

    Returns
    -------
    SolveResult
        ``x``, and per system ``success``, ``status``, ``nit``; ``residual_norms`` has one
        column per system (NaN after a system stopped); ``success``/``status`` arrays.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(16)
    >>> B = np.random.default_rng(0).standard_normal((A.shape[0], 8))
    >>> res = numsolve.solve_batch(A, B, rtol=1e-8)
    >>> res.x.shape, bool(res.success.all())
    ((256, 8), True)
    >>> stack = np.stack([np.eye(3) * (i + 1) for i in range(4)])
    >>> res = numsolve.solve_batch(stack, np.ones((4, 3)), rtol=1e-10)
    >>> np.round(res.x[:, 0], 4)
    array([1.    , 0.5   , 0.3333, 0.25  ])
    """
    name, impl = SOLVE_BATCH_METHODS.resolve("cg" if method is None else method)
    options = {**(options or {}), **method_options}
    if name == "_custom":
        opts = dict(options or {})
    else:
        opts = split_options(impl, options, reserved=_ARGS)
    res = impl(A, B, X0, rtol=rtol, atol=atol, maxiter=maxiter, M=M, callback=callback, **opts)
    if name != "_custom" and isinstance(res, SolveResult):
        res.setdefault("method", name)
    return res
