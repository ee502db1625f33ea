"""The linear-system front doors :func:`solve`, :func:`solve_batch`, :func:`lstsq`, and their
method registries.

Adding a method = one new module with a function following the calling convention below, plus
one :class:`~numsolve._registry.Method` line in :data:`SOLVE_METHODS`,
:data:`SOLVE_BATCH_METHODS` or :data:`LSTSQ_METHODS`: the entry point's docstring, the docs
test and the ``numsolve demo`` tour follow from that line.

Calling convention (``solve``)::

    impl(A, b, x0, *, rtol, atol, maxiter, M, callback, **options) -> SolveResult

for ``solve_batch`` the same with ``(A, B, X0)``, for ``lstsq`` the same without ``M``. The
function's keyword parameters are its options: unknown options are dropped with an
``OptimizeWarning``. The front doors validate the arguments every method shares
(:func:`~numsolve.linalg._system.check_solve_args`) before dispatching.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from .._registry import Demo, Method, MethodRegistry, dispatch, document_methods
from .._result import SolveResult
from ._direct import solve_batch_direct, solve_direct
from ._sequence_batch import solve_batch_defcg, solve_batch_gcrodr, solve_systems
from ._system import check_batch_args, check_lstsq_args, check_solve_args
from .krylov._batch import solve_batch_cg_any
from .krylov._cg import solve_cg
from .krylov._fcg import solve_dcdm, solve_fcg
from .krylov._gmres import solve_fgmres, solve_gmres
from .krylov._minres import solve_minres
from .krylov._recycle import solve_defcg
from .krylov.gcrodr import solve_gcrodr
from .relaxation._sequence import solve_batch_sor, solve_batch_ssor_cg
from .relaxation._sor import solve_sor, solve_ssor_cg
from .sketch._lstsq import lstsq_sketch
from .sketch._project import solve_sketch_project

__all__ = ["solve", "solve_batch", "lstsq", "SOLVE_METHODS", "SOLVE_BATCH_METHODS",
           "LSTSQ_METHODS"]

#: ``numsolve.solve`` methods.
SOLVE_METHODS = MethodRegistry("solve", [
    Method("cg", solve_cg, "preconditioned conjugate gradients (Hermitian positive definite "
           "``A``); fused Numba kernels on CSR, array-API code elsewhere", "linear",
           demo=[Demo("poisson2d"), Demo("poisson3d")]),
    Method("direct", solve_direct, "LU factorisation (LAPACK dense, SuperLU sparse, cuSOLVER "
           "on the GPU)", "linear"),
    Method("fcg", solve_fcg, "flexible CG: truncated A-orthogonalisation against ``mmax`` "
           "previous directions, for nonlinear or varying ``M``", "krylov",
           demo=[Demo("poisson2d")]),
    Method("dcdm", solve_dcdm, "deep conjugate-direction method: FCG whose directions come "
           "from a learned model ``r -> q`` (pass ``model=``)", "krylov",
           demo=[Demo("poisson2d-fitted-model")]),
    Method("gmres", solve_gmres, "restarted GMRES with right preconditioning (nonsymmetric "
           "``A``)", "krylov"),
    Method("fgmres", solve_fgmres, "flexible restarted GMRES (a different ``M`` every step)",
           "krylov"),
    Method("defcg", solve_defcg, "deflated CG recycling a subspace ``U`` of harmonic Ritz "
           "vectors (pass ``U=res.U`` of the previous system; SPD ``A``)", "sequences",
           demo=[Demo("poisson2d", {"k": 8})]),
    Method("gcrodr", solve_gcrodr, "GCRO-DR(m, k): GMRES with deflated restarting and a "
           "recycled subspace ``U`` (nonsymmetric ``A``)", "sequences"),
    Method("minres", solve_minres, "MINRES for symmetric indefinite ``A`` (KKT systems)",
           "krylov"),
    Method("sor", solve_sor, "successive over-relaxation; ``omega`` fixed or tuned online by "
           "a bandit over sequences of systems", "sor"),
    Method("ssor-cg", solve_ssor_cg, "CG preconditioned by SSOR(``omega``), ``omega`` fixed "
           "or tuned", "sor", demo=[Demo("poisson2d", {"omega": 1.5})]),
    Method("sketch-project", solve_sketch_project, "randomized block Kaczmarz / Gaussian / "
           "sparse-sign sketch-and-project", "sketching"),
])

#: ``numsolve.solve_batch`` methods.
SOLVE_BATCH_METHODS = MethodRegistry("solve_batch", [
    Method("cg", solve_batch_cg_any, "batched conjugate gradients: every system keeps its own "
           "recurrence and convergence test, converged systems leave the working set",
           "linear", demo=[Demo("poisson2d-many-rhs"), Demo("spd-stack")]),
    Method("direct", solve_batch_direct, "LU factorisations (batched LAPACK for stacks)",
           "linear"),
    Method("defcg", solve_batch_defcg, "a sequence of SPD systems by deflated CG, each solve "
           "recycling the previous one's harmonic Ritz vectors and solution (``recycle=k``, "
           "``sort=True``)", "sequences"),
    Method("gcrodr", solve_batch_gcrodr, "a sequence of nonsymmetric systems by GCRO-DR with "
           "a recycled subspace (``recycle=k``, ``sort=True``)", "sequences"),
    Method("sor", solve_batch_sor, "SOR over a sequence of systems, a tuner passed as "
           "``omega`` learning across them", "sor"),
    Method("ssor-cg", solve_batch_ssor_cg, "SSOR-preconditioned CG over a sequence of systems "
           "(tuned ``omega``)", "sor"),
])

#: ``numsolve.lstsq`` methods.
LSTSQ_METHODS = MethodRegistry("lstsq", [
    Method("sketch", lstsq_sketch, "sketch-preconditioned LSQR (Blendenpik / LSRN), or the "
           "fused normal-equations CG for dense NumPy ``A``", "sketching",
           demo=[Demo("ill-conditioned", {"rng": 0})]),
])

_ARGS = ("rtol", "atol", "maxiter", "M", "callback", "x0", "X0")
_LSTSQ_ARGS = ("rtol", "atol", "maxiter", "callback", "x0")


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
        Case-insensitive name of a method of :data:`~numsolve.linalg.SOLVE_METHODS` (default
        ``'cg'``):

        {methods}

        A callable ``method(A, b, x0, rtol=, atol=, maxiter=, M=, callback=, **options)`` is
        called as is (SciPy's custom-method hook).
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
    A, b, x0 = check_solve_args(A, b, x0, rtol, atol, maxiter, M)
    options = {**(options or {}), **method_options}
    if model is not None:
        options["model"] = model

    def check_model(name, impl, opts):
        if model is not None and "model" not in inspect.signature(impl).parameters:
            raise ValueError(f"solve: method {name!r} takes no `model` (use method='dcdm')")

    return dispatch(SOLVE_METHODS, "cg" if method is None else method, (A, b, x0),
                    dict(rtol=rtol, atol=atol, maxiter=maxiter, M=M, callback=callback),
                    options, reserved=_ARGS, result_type=SolveResult, prepare=check_model)


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
    recycle: int | None = None,
    sort: bool = False,
    client: Any = None,
    **method_options: Any,
) -> SolveResult:
    """Solve many linear systems at once.

    Four batch forms are accepted:

    * **one operator, many right-hand sides** - ``A`` of shape ``(n, n)`` (dense, sparse or
      ``LinearOperator``) and ``B`` of shape ``(n, k)``: every column is solved (``'cg'``: all
      columns sharing each product with ``A``, one sparse-matrix x dense-block product per
      iteration; ``'sor'``/``'ssor-cg'``: the columns in turn). ``x`` has shape ``(n, k)``;
      ``B`` of shape ``(n,)`` gives ``x`` of shape ``(n,)``.
    * **a stack of dense systems** - ``A`` of shape ``(m, n, n)`` and ``B`` of shape
      ``(m, n)`` (batch dimension first, as in SciPy/NumPy). ``x`` has shape ``(m, n)``.
    * **a list of matrices** - ``A`` a list of ``m`` sparse (or dense) matrices and ``B`` an
      ``(m, n)`` array or a list of vectors; sizes may differ (``x`` is then a list).
    * **a sequence of systems** (``method='sor'`` or ``'ssor-cg'``) - ``A`` an iterable of
      ``(A_t, b_t)`` or ``(A_t, b_t, context_t)`` tuples and ``B`` omitted, solved in turn so
      that a tuner passed as ``omega`` learns across them (see :ref:`sor`). As for a list,
      ``x`` has shape ``(m, n)`` when all systems have the same size, else it is a list.

    Parameters
    ----------
    A, B : see above
    X0 : array, optional
        Initial guesses, same layout as ``B``. Never modified.
    method : str or callable, optional
        Case-insensitive name of a method of :data:`~numsolve.linalg.SOLVE_BATCH_METHODS`
        (default ``'cg'``):

        {methods}

        A callable is called as ``method(A, B, X0, rtol=, atol=, maxiter=, M=, callback=,
        **options)``.
    rtol, atol, maxiter, M, callback, options
        As in :func:`solve`; the tolerance applies to every system separately. ``M`` is only
        supported with one shared operator.
    recycle : int, optional
        Solve the systems in turn with a :class:`~numsolve.linalg.SequenceSolver`: warm starts
        plus a recycled subspace of size ``recycle`` (``method='cg'``: deflated CG;
        ``'gmres'``: GCRO-DR; 0: warm starts only). Further options (``augment``,
        ``preconditioner='amg'``, ``restart``) go to the sequence solver. See :doc:`/sequences`.
    sort : bool, default False
        Reorder the systems by greedy nearest-neighbour similarity first
        (:func:`~numsolve.linalg.sort_systems`, option ``feature``); results stay in the
        input order, ``res.order`` is the solve order.
    client : dask.distributed.Client, optional
        Distribute the batch on a Dask cluster: ``n_sequences`` (option, default one per
        worker thread) independent sequences, each with its own recycle state, via
        ``client.map``; a shared operator is scattered once. A ``dask.array`` ``B`` (chunked
        along the batch axis) is solved chunk by chunk the same way. Results are identical to
        ``solve_batch(..., recycle=..., n_sequences=...)`` without ``client``.

    Returns
    -------
    SolveResult
        ``x``, and per system ``success``, ``status``, ``nit``; ``residual_norms`` has one
        column per system (NaN after a system stopped); ``success``/``status`` arrays
        (``'sor'``/``'ssor-cg'``: a list of per-system histories, plus ``omega``,
        ``context``, ``trajectory`` and the per-system ``results``).

    Notes
    -----
    ``recycle``/``sort`` follow SKR [1]_ (sort, then recycle): deflated CG [2]_ or GCRO-DR
    [3]_ carry a subspace from system to system.

    References
    ----------
    .. [1] H. Wang, Z. Hao, J. Wang, Z. Geng, Z. Wang, B. Li and F. Wu, "Accelerating data
       generation for neural operators via Krylov subspace recycling", ICLR 2024.
    .. [2] Y. Saad, M. Yeung, J. Erhel and F. Guyomarc'h, "A deflated version of the
       conjugate gradient algorithm", SIAM J. Sci. Comput. 21(5):1909-1926, 2000.
    .. [3] M. L. Parks, E. de Sturler, G. Mackey, D. D. Johnson and S. Maiti, "Recycling Krylov
       subspaces for sequences of linear systems", SIAM J. Sci. Comput. 28(5):1651-1674, 2006.

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
    if recycle is not None or sort or client is not None or "dask" in type(B).__module__:
        return solve_systems(A, B, X0, method=method, recycle=recycle, sort=sort, client=client,
                             rtol=rtol, atol=atol, maxiter=maxiter, M=M, callback=callback,
                             **{**(options or {}), **method_options})
    A, B, X0 = check_batch_args(A, B, X0, rtol, atol, maxiter, M)
    return dispatch(SOLVE_BATCH_METHODS, "cg" if method is None else method, (A, B, X0),
                    dict(rtol=rtol, atol=atol, maxiter=maxiter, M=M, callback=callback),
                    {**(options or {}), **method_options}, reserved=_ARGS,
                    result_type=SolveResult)


def lstsq(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    method: str | Callable = "sketch",
    rtol: float = 1e-12,
    atol: float = 0.0,
    maxiter: int | None = None,
    callback: Callable | None = None,
    options: Mapping[str, Any] | None = None,
) -> SolveResult:
    """Solve the linear least-squares problem ``min_x ||A x - b||_2`` (optionally with ridge).

    The default ``'sketch'`` method is sketch-preconditioned LSQR (Blendenpik [1]_, LSRN
    [2]_).

    Parameters
    ----------
    A : array, sparse matrix or LinearOperator, shape (n, d), n >= d
        Tall matrix of full column rank (or any rank with ``ridge > 0``): NumPy/CuPy array,
        SciPy/CuPy sparse matrix or ``LinearOperator`` (sketched through ``rmatmat``).
    b : array, shape (n,)
        Right-hand side. Never modified.
    x0 : array, shape (d,), optional
        Initial guess (default: the sketch-and-solve solution).
    method : str or callable
        Case-insensitive name of a method of :data:`~numsolve.linalg.LSTSQ_METHODS` (default
        ``'sketch'``):

        {methods}

        A callable is called as ``method(A, b, x0, rtol=, atol=, maxiter=, callback=,
        **options)``.
    rtol, atol : float
        Stop when ``norm(Ahat.T r) <= rtol * norm(Ahat) * norm(r)`` (LSQR's optimality test on
        the preconditioned matrix ``Ahat = A R^{-1}``, whose norm is ~1), or when
        ``norm(r) <= max(rtol * norm(b), atol)`` (consistent systems). ``r = b - A x``.
        The fused path applies the test to its recursively updated gradient, and after a
        restart also stops at half the gradient's rounding level (Notes).
    maxiter : int, optional
        Iterations, over all refinement restarts (default ``max(100, 2 d)``; the
        preconditioned iteration needs a few dozen).
    callback : callable, optional
        ``callback(intermediate_result)`` or ``callback(xk)`` once per iteration;
        ``StopIteration`` stops with ``status=99``.
    options : dict, optional
        Method options. For ``'sketch'``: ``sketch`` (kind, default ``'sparse-sign'``; see
        :func:`numsolve.linalg.sketch.make_sketch`), ``sketch_size`` (``d <= m <= n``; default
        ``min(n, 8 d)``, fused path ``min(n, 12 d)``), ``nnz_per_column`` (sparse sign,
        default 8, fused path 4), ``ridge`` (``lam >= 0``: minimises ``||A x - b||^2 + lam
        ||x||^2``), ``refine`` (restarts from the true residual; default 2, fused path 1),
        ``solver`` (``'auto'`` (default): ``'fused'`` for a dense NumPy float32/float64 ``A``
        when Numba is available, else ``'lsqr'``), ``rng``.

    Returns
    -------
    SolveResult
        ``x`` (namespace of ``b``), ``success``, ``status``, ``message``, ``nit``,
        ``residual_norms`` (LSQR's estimates of ``norm(r)`` per iteration), ``residual_norm``
        (``norm(b - A x)`` recomputed at the end), ``normal_residual_norm`` (``norm(A.T r -
        ridge x)``), ``sketch_size``, ``backend``.

    Raises
    ------
    ValueError
        ``A`` not 2-D or wider than tall; ``b``/``x0`` of the wrong shape; NaN or inf in the
        input; ``sketch_size`` outside ``[d, n]``; invalid tolerances.
    TypeError
        Non-numeric or complex data; inputs on different devices.

    See Also
    --------
    scipy.linalg.lstsq, scipy.sparse.linalg.lsqr

    Notes
    -----
    ``solver='fused'`` (CPU fast path for dense NumPy ``A``): CG on the preconditioned normal
    equations ``R^-T (A^T A + lam I) R^-1 y = R^-T A^T b``, whose condition number is that of
    ``Ahat`` squared (~3-5), with ``A^T (A z)`` computed in one threaded sweep over the rows
    of ``A`` (float64 accumulation) instead of LSQR's two passes. The first stage stops at
    ``max(rtol, 1.5e-8)``; each restart (``refine``, default 1) recomputes the true gradient
    ``A^T (b - A x) - lam x`` and solves for the correction down to ``rtol`` or to half
    the drift between the recursive and the true gradient (the rounding level, below which
    the gradient is noise). A non-C-contiguous ``A`` is copied once; the result also reports
    ``solver``.

    References
    ----------
    .. [1] H. Avron, P. Maymounkov and S. Toledo, "Blendenpik: supercharging LAPACK's
       least-squares solver", SIAM J. Sci. Comput. 32(3):1217-1236, 2010.
    .. [2] X. Meng, M. A. Saunders and M. W. Mahoney, "LSRN: a parallel iterative solver for
       strongly over- or underdetermined systems", SIAM J. Sci. Comput. 36(2):C95-C118, 2014.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((2000, 20)) * np.logspace(-4, 4, 20)
    >>> x_true = rng.standard_normal(20)
    >>> res = numsolve.lstsq(A, A @ x_true, options={"rng": 0})
    >>> res.success, bool(np.allclose(res.x, x_true, rtol=1e-6))
    (True, True)
    """
    b, x0 = check_lstsq_args(A, b, x0, rtol, atol, maxiter)
    return dispatch(LSTSQ_METHODS, method, (A, b, x0),
                    dict(rtol=rtol, atol=atol, maxiter=maxiter, callback=callback), options,
                    reserved=_LSTSQ_ARGS, result_type=SolveResult)


document_methods(solve, SOLVE_METHODS)
document_methods(solve_batch, SOLVE_BATCH_METHODS)
document_methods(lstsq, LSTSQ_METHODS)
