"""``numsolve.complete``: the entry point of matrix completion and its method registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._checks import check_int, check_real
from .._registry import Demo, Method, MethodRegistry, dispatch, document_methods
from ._altmin import altmin
from ._data import observed_entries
from ._result import CompletionResult

__all__ = ["COMPLETION_METHODS", "complete"]

#: Methods of :func:`complete`.
COMPLETION_METHODS = MethodRegistry("complete", [
    Method("altmin", altmin, "alternating minimization with exact batched k x k normal "
           "equations (JNS13) or sketch-preconditioned CG half-steps (Gu-Song-Yin-Zhang, ICLR "
           "2024; ``options={'solver': 'sketch'}``)", "completion",
           demo=[Demo("low-rank", {"rng": 0}),
                 Demo("low-rank", {"rng": 0, "solver": "sketch"})]),
])

_ARGS = ("l2", "rtol", "maxiter", "validation", "callback", "rng", "client")


def complete(
    M: Any,
    rank: int,
    method: str | Callable = "altmin",
    *,
    l2: float = 0.0,
    rtol: float = 1e-9,
    maxiter: int = 100,
    validation: Any = None,
    callback: Callable | None = None,
    rng: Any = None,
    options: Mapping[str, Any] | None = None,
    client: Any = None,
) -> CompletionResult:
    """Complete a low-rank matrix from a subset of its entries: ``X = U V^T ~ M``.

    Minimises ``||P_Omega(U V^T - M)||_F^2 + l2 (||U||_F^2 + ||V||_F^2)`` over ``U``
    (``m x rank``) and ``V`` (``n x rank``), where ``Omega`` is the set of observed entries.
    Only the observed entries are ever read; the dense ``m x n`` matrix is never formed.

    Parameters
    ----------
    M : sparse matrix or tuple
        The observed entries: a ``scipy.sparse`` (or ``cupyx.scipy.sparse``) matrix whose
        *stored* entries are the observations (explicit zeros included, implicit zeros are
        unobserved), or ``(rows, cols, values, shape)`` with NumPy (or CuPy) arrays.
    rank : int
        Rank ``k`` of the factorisation. A rank above the true one is handled by ``l2 > 0``.
    method : str or callable
        Case-insensitive name of a method of
        :data:`~numsolve.completion.COMPLETION_METHODS` (default ``'altmin'``):

        {methods}

        A callable is called as ``method(obs, rank, l2=, rtol=, maxiter=, validation=,
        callback=, rng=, **options)`` with the validated observations ``obs``.
    l2 : float
        Ridge weight (``>= 0``). With ``l2 = 0`` the factors are re-orthonormalised after every
        half-step ([1]_, [2]_); with ``l2 > 0`` the iteration is ridge ALS on the objective above.
    rtol : float
        Stop when the relative residual on the observed entries
        ``||P_Omega(X - M)||_F / ||P_Omega(M)||_F`` is ``<= rtol``.
    maxiter : int
        Passes (one half-step for ``V`` and one for ``U`` each).
    validation : tuple or sparse matrix, optional
        Held-out entries ``(rows, cols, values)``; their relative error is recorded after every
        pass (``validation_errors``).
    callback : callable, optional
        ``callback(intermediate_result)`` (fields ``U``, ``V``, ``nit``, ``residual``) or
        ``callback(xk)`` (``xk = U``) once per pass; ``StopIteration`` stops with
        ``status=99``.
    rng : int or numpy.random.Generator, optional
        Seed of the initialisation and of the sketches (same seed, same result).
    options : dict, optional
        Method options. For ``'altmin'``: ``solver`` (``'exact'`` (default) batched Cholesky of
        the ``k x k`` normal equations, ``O(|Omega| k^2)`` per pass; ``'sketch'``
        preconditioned CG, ``O(|Omega| k)`` per CG iteration), ``preconditioner``
        (``'global'`` (default): one Gram of the fixed factor per half-step; ``'row'``: a
        CountSketch per row, ``O(k^3)`` each; see the docs), ``sketch_size`` (of ``'row'``,
        default ``4 k``), ``inner_maxiter`` (CG iterations per row, default 10),
        ``inner_rtol`` (relative gradient of each row's CG; default adaptive: a tenth of the
        last relative residual and of its last relative decrease), ``biases`` (row/column
        bias terms and the global mean, default False), ``init`` (``'randomized'`` (default)
        randomized SVD, ``'svds'`` :func:`scipy.sparse.linalg.svds`, ``'random'``),
        ``incoherence`` (``mu`` of the clipping; default: from the 90th percentile of the row
        norms), ``normalize`` (QR after each half-step; default ``l2 == 0``), ``ftol`` (stop
        when the residual decreases by less than ``ftol`` relatively; default 1e-6),
        ``power_iterations`` (default 2), ``blocks`` (row blocks with ``client``).
    client : dask.distributed.Client, optional
        Run the half-steps on this Dask cluster by row blocks; same result (host data only).

    Returns
    -------
    CompletionResult
        ``U``, ``V``, ``singular_values``, ``predict(rows, cols)``, ``residuals`` (per pass),
        ``validation_errors``, ``row_bias``/``col_bias``/``mean``, ``nit``, ``success``,
        ``status``, ``message``, ``backend``. Arrays live where ``M`` lives.

    Raises
    ------
    ValueError
        NaN/inf values, duplicate entries, indices out of range, no entries, invalid options.
    TypeError
        ``M`` of an unsupported type, non-integer indices, inputs on different devices.

    Notes
    -----
    A row (column) without observations gets a zero factor row (prediction ``0``, or the
    biases with ``biases=True``); one with fewer observations than unknowns gets the
    minimum-norm solution of its regression (a ridge of ``1e-12 tr(G)/k``).

    References
    ----------
    .. [1] Y. Gu, Z. Song, J. Yin, L. Zhang, "Low Rank Matrix Completion via Robust
       Alternating Minimization in Nearly Linear Time", ICLR 2024, arXiv:2302.11068.
    .. [2] P. Jain, P. Netrapalli, S. Sanghavi, "Low-rank matrix completion using alternating
       minimization", STOC 2013.

    Examples
    --------
    >>> import numsolve
    >>> from numsolve.problems import low_rank_completion
    >>> prob = low_rank_completion(300, 200, 3, 0.2, rng=0)
    >>> res = numsolve.complete(prob.M, 3, rng=0)
    >>> res.success, prob.relative_error(res.U, res.V) < 1e-6
    (True, True)
    >>> res.predict([0, 1], [5, 7]).shape
    (2,)
    """
    rank = check_int("rank", rank, low=1)
    check_real("l2", l2, low=0.0)
    check_real("rtol", rtol, low=0.0)
    check_int("maxiter", maxiter, low=1)
    obs = observed_entries(M)
    if rank > min(obs.shape):
        raise ValueError(f"rank={rank} exceeds min(m, n) = {min(obs.shape)}")
    kwargs = dict(l2=l2, rtol=rtol, maxiter=maxiter, validation=validation, callback=callback,
                  rng=rng, **({} if client is None else {"client": client}))
    return dispatch(COMPLETION_METHODS, method, (obs, rank), kwargs, options, reserved=_ARGS,
                    result_type=CompletionResult)


document_methods(complete, COMPLETION_METHODS)
