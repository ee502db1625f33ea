"""L1 estimators: the Lasso and L1-regularised logistic regression, single fits and paths.

Objectives (scikit-learn's scaling, ``n`` samples, ``p`` features):

* Lasso: ``P(w) = ||y - X w||_2^2 / (2 n) + alpha ||w||_1``; ``alpha_max = ||X^T y||_inf / n``
  is the smallest ``alpha`` with ``w = 0`` optimal (``sklearn.linear_model.Lasso(alpha,
  fit_intercept=False)`` minimises the same function).
* L1-logistic, labels mapped to ``{-1, +1}``: ``P(w) = (1/n) sum_i log(1 + exp(-y_i x_i^T w))
  + alpha ||w||_1``; ``alpha_max = ||X^T y||_inf / (2 n)``. scikit-learn's
  ``LogisticRegression(penalty='l1', C=C, fit_intercept=False)`` minimises ``n C`` times this
  function when ``C = 1 / (n alpha)``.

Both are solved on **working sets** (Massias, Gramfort & Salmon 2018; skglm, Bertrand et al.
2022): the outer loop computes the full gradient ``X^T r``, the **duality gap** (a certificate:
``P(w) - P* <= gap``), discards features with the **gap-safe sphere test** (Ndiaye et al. 2017)
and picks the nonzero coefficients plus the largest optimality violators (the greedy
Gauss-Southwell-type choice of Nutini, Laradji & Schmidt 2022, section 1.2 of the spec; the
working set holds ``max(ws_min, 2 nnz(w))`` features). The inner solver is cyclic coordinate
descent with the residual updated incrementally plus **Anderson extrapolation** every
``anderson`` epochs (Bertrand & Massias 2021) for the Lasso, and **proximal Newton** with
coordinate descent on the Newton model and an Armijo search for the logistic loss (glmnet,
newGLMNET). The run stops when ``gap <= max(rtol * P(w), atol)``; the final gap is certified
over every feature. The sign pattern of ``w`` after the last change is the identified active
manifold (spec section 1.6); ``active_set_iter`` reports the epoch (Lasso) or Newton step
(logistic) at which it was reached.

Dense ``X`` is used in Fortran order (copied once if it is not); sparse ``X`` in CSC.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._backend import get_namespace, is_numpy_namespace, is_sparse
from .._checks import check_int, check_real, check_tolerances
from .._result import OptimizeResult, wrap_callback
from .._status import CALLBACK_STOP, CONVERGED, MAXITER, PRECISION_LOSS, status_message
from . import _l1_kernels as K

__all__ = ["lasso", "lasso_path", "l1_logistic", "l1_logistic_path", "lasso_alpha_max",
           "logistic_alpha_max", "lasso_duality_gap", "logistic_duality_gap"]


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------
class _Design:
    """X prepared once: the kernel tuple, column norms, shape."""

    def __init__(self, X: Any):
        if is_sparse(X):
            if not sp.issparse(X):
                raise TypeError("X must be a NumPy array or a scipy.sparse matrix (the L1 "
                                "estimators run on the host; pass X.get() for CuPy input)")
            A = sp.csc_array(X, dtype=np.float64)
            if A.ndim != 2:
                raise ValueError(f"X must be 2-D, got shape {A.shape}")
            if not A.has_canonical_format:  # duplicates would break the column norms
                A = A.copy()  # never touch the caller's matrix
                A.sum_duplicates()
            self.n, self.p = A.shape
            idx = np.int32 if A.nnz < 2 ** 31 - 1 else np.int64
            self.tuple = (np.empty((0, 0), order="F"), A.data, A.indices.astype(idx, copy=False),
                          A.indptr.astype(idx, copy=False), True)
        else:
            if not isinstance(X, (np.ndarray, list, tuple)) and type(X).__module__ != "numpy":
                if hasattr(X, "__array_namespace__"):
                    raise TypeError("X must be a NumPy array or a scipy.sparse matrix (the L1 "
                                    "estimators run on the host; only numsolve.lasso accepts "
                                    "a dense array-API X, e.g. CuPy)")
            A = np.asarray(X)
            if A.dtype.kind not in "biuf":
                raise TypeError(f"X must be a real numeric array, got dtype {A.dtype}")
            if A.ndim != 2:
                raise ValueError(f"X must be 2-D, got shape {A.shape}")
            A = np.asfortranarray(A, dtype=np.float64)
            self.n, self.p = A.shape
            self.tuple = (A, np.empty(0), np.empty(0, np.int32), np.empty(0, np.int32), False)
        if self.n == 0 or self.p == 0:
            raise ValueError(f"X must have at least one row and one column, got shape "
                             f"{(self.n, self.p)}")
        self.sq_norms = None
        self.norms = None

    def prepare(self, v: np.ndarray) -> np.ndarray:
        """X^T v; the first call also computes the column norms in the same pass over X and
        checks that X is finite."""
        if self.sq_norms is not None:
            return self.xt(v)
        sq, xtv = np.empty(self.p), np.empty(self.p)
        K.col_norms_and_dot(self.tuple, v, sq, xtv)
        if not np.all(np.isfinite(sq)):
            raise ValueError("X must not contain NaN or inf (or entries too large to square)")
        self.sq_norms, self.norms = sq, np.sqrt(sq)
        return xtv

    def xt(self, v: np.ndarray) -> np.ndarray:
        out = np.empty(self.p)
        K.xt_dot(self.tuple, v, np.ones(self.p, np.bool_), out)
        return out

    def dot(self, w: np.ndarray) -> np.ndarray:
        return K.x_dot(self.tuple, w, self.n)


def _design(X) -> _Design:
    return X if isinstance(X, _Design) else _Design(X)


def _check_y(y: Any, n: int, *, binary: bool = False) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"y must be 1-D with X.shape[0] = {n} entries, got shape {y.shape}")
    if binary:
        classes = np.unique(y)
        if classes.shape[0] != 2:
            raise ValueError(f"y must hold exactly two classes, got {classes.shape[0]}")
        return np.where(y == classes[1], 1.0, -1.0)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"y must be a real numeric array, got dtype {y.dtype}")
    y = np.array(y, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        raise ValueError("y must not contain NaN or inf")
    return y


def _check_x0(x0: Any, p: int) -> np.ndarray:
    if x0 is None:
        return np.zeros(p)
    w = np.array(x0, dtype=np.float64)  # a copy: the caller's array is never written
    if w.shape != (p,):
        raise ValueError(f"x0 must have shape ({p},), got {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("x0 must not contain NaN or inf")
    return w


def _check_knobs(rtol, atol, maxiter, max_epochs, ws_min, kappa, anderson, inner_ratio,
                 screening):
    rtol, atol = check_tolerances(rtol, atol)
    if not isinstance(screening, (bool, np.bool_)):
        raise TypeError(f"screening must be True or False, got {screening!r}")
    return dict(screening=bool(screening), rtol=rtol, atol=atol,
                maxiter=check_int("maxiter", maxiter, low=1),
                max_epochs=check_int("max_epochs", max_epochs, low=1),
                ws_min=check_int("ws_min", ws_min, low=1, allow_none=True),
                kappa=check_real("kappa", kappa, low=0.0, high=1.0),
                anderson=check_int("anderson", anderson, low=0),
                inner_ratio=check_real("inner_ratio", inner_ratio, low=0.0, high=1.0,
                                       low_open=True, high_open=True))


# --------------------------------------------------------------------------------------------
# the one gap function of each problem (also used by the benchmarks for every solver)
# --------------------------------------------------------------------------------------------
def lasso_alpha_max(X: Any, y: Any) -> float:
    """``||X^T y||_inf / n``: the smallest ``alpha`` at which ``w = 0`` solves the Lasso.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
        The design (dense, CSC or CSR; host arrays only).
    y : array_like, shape (n,)
        The targets.

    Returns
    -------
    float
        ``alpha_max`` on scikit-learn's scale ``(1/(2n)) ||y - X w||^2 + alpha ||w||_1``.

    Notes
    -----
    From the optimality condition ``|x_j^T (y - X w)| / n <= alpha`` at ``w = 0``; the top of
    the glmnet path [1]_.

    References
    ----------
    .. [1] J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for generalized
       linear models via coordinate descent", J. Stat. Softw. 33(1):1-22, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.optimize import lasso_alpha_max
    >>> lasso_alpha_max(np.eye(2), [1.0, -3.0])
    1.5
    """
    D = _design(X)
    return float(np.max(np.abs(D.prepare(_check_y(y, D.n)))) / D.n)


def logistic_alpha_max(X: Any, y: Any) -> float:
    """``||X^T y||_inf / (2 n)`` (labels as +-1): the smallest ``alpha`` with ``w = 0``
    optimal for the L1-logistic problem.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
        The design (dense, CSC or CSR; host arrays only).
    y : array_like, shape (n,)
        Binary labels (two distinct values, mapped to -1 and +1).

    Returns
    -------
    float
        ``alpha_max`` on the scale ``(1/n) sum log(1 + exp(-y x^T w)) + alpha ||w||_1``.

    Notes
    -----
    The gradient of the loss at ``w = 0`` is ``-X^T y / (2 n)``; ``w = 0`` is optimal when its
    largest entry is at most ``alpha`` (the top of the glmnet path [1]_).

    References
    ----------
    .. [1] J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for generalized
       linear models via coordinate descent", J. Stat. Softw. 33(1):1-22, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.optimize import logistic_alpha_max
    >>> logistic_alpha_max(np.eye(2), [1, -1])
    0.25
    """
    D = _design(X)
    return float(np.max(np.abs(D.prepare(_check_y(y, D.n, binary=True)))) / (2 * D.n))


def lasso_duality_gap(X: Any, y: Any, w: Any, alpha: float) -> tuple[float, float]:
    """``(gap, primal)`` of the Lasso at ``w``: the dual point ``(y - X w) / max(n alpha,
    ||X^T (y - X w)||_inf)`` (scikit-learn's rescaling), every feature counted.

    ``primal - gap`` is a lower bound of the optimum; numsolve's solvers stop on this gap and
    the comparison benchmark checks every competitor's solution with this function.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
        The design (dense, CSC or CSR; host arrays only).
    y : array_like, shape (n,)
        The targets.
    w : array_like, shape (p,)
        The coefficients to certify.
    alpha : float
        The L1 weight.

    Returns
    -------
    gap : float
        The duality gap, an upper bound of ``primal - P*``.
    primal : float
        The Lasso objective at ``w``.

    Notes
    -----
    The rescaled residual is the dual point of the gap-safe screening rules [1]_, [2]_; the
    same gap drives the solvers' stopping test and their screening.

    References
    ----------
    .. [1] O. Fercoq, A. Gramfort and J. Salmon, "Mind the duality gap: safer rules for the
       Lasso", ICML 2015.
    .. [2] E. Ndiaye, O. Fercoq, A. Gramfort and J. Salmon, "Gap safe screening rules for
       sparsity enforcing penalties", JMLR 18(128):1-33, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.optimize import lasso_duality_gap
    >>> gap, primal = lasso_duality_gap(np.eye(2), [2.0, 0.0], [1.0, 0.0], 0.5)
    >>> round(gap, 12), primal
    (0.0, 0.75)
    """
    D = _design(X)
    y = _check_y(y, D.n)
    w = np.asarray(w, dtype=np.float64)
    R = y - D.dot(w)
    gap, primal, _ = K.lasso_gap(y, R, w, float(np.max(np.abs(D.prepare(R)))), float(alpha))
    return float(gap), float(primal)


def logistic_duality_gap(X: Any, y: Any, w: Any, alpha: float) -> tuple[float, float]:
    """``(gap, primal)`` of the L1-logistic problem at ``w`` (labels mapped to +-1; the dual
    point ``-s grad_z`` rescaled to feasibility, every feature counted).

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
        The design (dense, CSC or CSR; host arrays only).
    y : array_like, shape (n,)
        Binary labels (two distinct values, mapped to -1 and +1).
    w : array_like, shape (p,)
        The coefficients to certify.
    alpha : float
        The L1 weight.

    Returns
    -------
    gap : float
        The duality gap, an upper bound of ``primal - P*``.
    primal : float
        The L1-logistic objective at ``w``.

    Notes
    -----
    The dual point and the dual objective (the negative binary entropy) of the gap-safe rules
    for L1-logistic regression [1]_.

    References
    ----------
    .. [1] E. Ndiaye, O. Fercoq, A. Gramfort and J. Salmon, "Gap safe screening rules for
       sparsity enforcing penalties", JMLR 18(128):1-33, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.optimize import logistic_alpha_max, logistic_duality_gap
    >>> X, y = np.eye(2), [1, -1]
    >>> gap, primal = logistic_duality_gap(X, y, np.zeros(2), logistic_alpha_max(X, y))
    >>> round(gap, 12), round(primal, 6)   # w = 0 is optimal at alpha_max: zero gap
    (0.0, 0.693147)
    """
    D = _design(X)
    y = _check_y(y, D.n, binary=True)
    w = np.asarray(w, dtype=np.float64)
    z = D.dot(w)
    d1, h = np.empty(D.n), np.empty(D.n)
    K.logistic_derivs(y, z, d1, h)
    gap, primal = K.logistic_gap(y, z, w, d1, float(np.max(np.abs(D.prepare(d1)))),
                                 float(alpha))
    return float(gap), float(primal)


# --------------------------------------------------------------------------------------------
# one fit
# --------------------------------------------------------------------------------------------
def _run(kind, D, y, alpha, w, state, knobs, notify):
    """The outer loop: the kernel runs all outer iterations at once, or one at a time when a
    callback listens. Returns (status, gap, primal, hist, counters, outer iterations)."""
    xtr = D.prepare(state) if kind == "lasso" else D.prepare(np.zeros(D.n))
    fresh = kind == "lasso"
    maxiter = knobs["maxiter"]
    hist = np.full((maxiter, 3), np.nan)
    counters = np.zeros(4, np.int64)
    keep = np.ones(D.p, np.bool_)
    chunk = maxiter if notify is None else 1
    done = 0
    while True:
        sub = hist[done:done + chunk]
        c = np.zeros(4, np.int64)
        c[[0, 1, 3]] = counters[[0, 1, 3]]
        if kind == "lasso":
            st, gap, primal = K.lasso_ws(
                D.tuple, y, alpha, w, state, D.sq_norms / D.n, D.norms, keep, xtr, fresh,
                knobs["rtol"], knobs["atol"], min(chunk, maxiter - done),
                knobs["max_epochs"], _ws_min(knobs, D), knobs["kappa"], knobs["anderson"],
                knobs["inner_ratio"], knobs["screening"], sub, c)
            fresh = False
        else:
            st, gap, primal = K.logistic_ws(
                D.tuple, y, alpha, w, state, keep, D.norms, knobs["rtol"], knobs["atol"],
                min(chunk, maxiter - done), knobs["max_epochs"], 100, _ws_min(knobs, D),
                knobs["kappa"],
                knobs["inner_ratio"], knobs["screening"], sub, c)
        counters[[0, 1, 3]] = c[[0, 1, 3]]
        done += int(c[2])
        if st != 1 or done >= maxiter:
            return int(st), gap, primal, hist[:done], counters, done
        if notify is not None and notify(OptimizeResult(x=w.copy(), fun=primal, gap=gap,
                                                        nit=done)):
            return CALLBACK_STOP, gap, primal, hist[:done], counters, done


def _ws_min(knobs, D):
    """``ws_min`` or, by default, ``max(10, p // 10)``: about a tenth of a pass over X per
    epoch on the working set."""
    return knobs["ws_min"] if knobs["ws_min"] is not None else max(10, D.p // 10)


def _fit(kind, X, y, alpha, x0, knobs, callback):
    D = _design(X)
    y = _check_y(y, D.n, binary=(kind == "logistic"))
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    w = _check_x0(x0, D.p)
    notify = wrap_callback(callback)
    state = y - D.dot(w) if kind == "lasso" else D.dot(w)  # residual or margins
    st, gap, primal, hist, counters, nit = _run(kind, D, y, alpha, w, state, knobs, notify)
    st = {0: CONVERGED, 1: MAXITER, 2: PRECISION_LOSS}.get(st, st)
    unit = "epoch" if kind == "lasso" else "Newton step"
    detail = (f"duality gap {gap:.3e} <= max(rtol * P, atol)" if st == CONVERGED
              else f"duality gap {gap:.3e} after {nit} outer iterations")
    return OptimizeResult(
        x=w, coef=w, fun=float(primal), gap=float(gap), success=st == CONVERGED, status=st,
        message=status_message(st, detail, kind="optimize"), nit=nit,
        n_epochs=int(counters[0]), active_set_iter=int(counters[1]),
        **({"n_cd_passes": int(counters[3])} if kind == "logistic" else {}),
        active_set_unit=unit, ws_sizes=np.nan_to_num(hist[:, 1]).astype(np.int64),
        n_kept=hist[:, 2].astype(np.int64), gap_history=hist[:, 0].copy(), alpha=alpha,
        method=f"{kind}-ws", backend="numba")


def lasso(X: Any, y: Any, alpha: float, *, x0: Any = None, rtol: float = 1e-6,
          atol: float = 0.0, maxiter: int = 100, max_epochs: int = 100_000,
          ws_min: int | None = None, kappa: float = 0.5, anderson: int = 5,
          inner_ratio: float = 0.3, screening: bool = True,
          callback=None) -> OptimizeResult:
    """Lasso by working-set coordinate descent with Anderson extrapolation and a duality-gap
    certificate.

    Minimises ``||y - X w||^2 / (2 n) + alpha ||w||_1`` (scikit-learn's ``Lasso`` without
    intercept).

    Parameters
    ----------
    X : (n, p) array_like or scipy.sparse matrix
        Design; dense input is used in Fortran order, sparse input in CSC (copied once if
        needed).
    y : (n,) array_like
        Targets.
    alpha : float
        L1 weight, ``> 0``. ``w = 0`` is optimal from :func:`~numsolve.optimize.lasso_alpha_max` on.
    x0 : (p,) array_like, optional
        Warm start (default zeros); never written to.
    rtol, atol : float
        Stop when the duality gap ``<= max(rtol * P(w), atol)``.
    maxiter : int
        Outer (working-set) iterations.
    max_epochs : int
        Coordinate-descent epochs per working-set solve.
    ws_min : int, optional
        Smallest working set (default ``max(10, p // 10)``); it holds ``max(ws_min,
        2 nnz(w))`` features, the nonzero coefficients first, then the zero ones in decreasing
        order of ``|grad_j| - alpha``.
    kappa : float in [0, 1]
        Zero coefficients enter a working set only when ``|grad_j| >= kappa * alpha``
        (``kappa = 1``: violators only; smaller values admit near-violators early).
    anderson : int
        Extrapolate every ``anderson`` epochs from the last ``anderson + 1`` iterates (0: off).
    inner_ratio : float in (0, 1)
        A working set is solved until its optimality violation is ``inner_ratio`` times the
        outer one (or its duality gap is below ``0.3`` times the tolerance).
    screening : bool
        Gap-safe screening: features proven to be zero at the optimum leave the outer passes
        (the final gap is still certified over every feature).
    callback : callable, optional
        ``callback(intermediate_result)`` after each outer iteration (``x``, ``fun``, ``gap``,
        ``nit``); raise ``StopIteration`` to stop (``status = 99``).

    Returns
    -------
    OptimizeResult
        ``x`` (also ``coef``), ``fun`` = P(x), ``gap`` (duality gap at ``x``: ``fun - gap``
        bounds the optimum from below), ``success``, ``status``, ``message``, ``nit`` (outer
        iterations), ``n_epochs``, ``active_set_iter`` (the epoch after which the sign pattern
        of ``x`` never changed), ``ws_sizes``, ``n_kept`` (features left by screening),
        ``gap_history`` (per outer iteration).

    Notes
    -----
    Working sets as in celer [1]_ and skglm [2]_: the nonzero coefficients plus the largest
    optimality violators ``|grad_j| - alpha``, ``max(ws_min, 2 nnz(w))`` features (skglm's
    growth rule); coordinate descent on the working set with Anderson extrapolation of the
    iterates [3]_; gap-safe sphere screening [4]_, [5]_ with the dual point of
    :func:`~numsolve.optimize.lasso_duality_gap`. celer's dual extrapolation is not used.

    A dense CuPy / array-API ``X`` (with ``y`` and ``x0`` in the same namespace) is solved
    on the device by FISTA with restart (``method='lasso-fista'``, at most ``max_epochs``
    iterations) to the same duality-gap certificate; ``x`` stays on the device.

    References
    ----------
    .. [1] M. Massias, A. Gramfort and J. Salmon, "Celer: a fast solver for the Lasso with dual
       extrapolation", ICML 2018.
    .. [2] Q. Bertrand, Q. Klopfenstein, P.-A. Bannier, G. Gidel and M. Massias, "Beyond L1:
       faster and better sparse models with skglm", NeurIPS 2022.
    .. [3] Q. Bertrand and M. Massias, "Anderson acceleration of coordinate descent",
       AISTATS 2021.
    .. [4] O. Fercoq, A. Gramfort and J. Salmon, "Mind the duality gap: safer rules for the
       Lasso", ICML 2015.
    .. [5] E. Ndiaye, O. Fercoq, A. Gramfort and J. Salmon, "Gap safe screening rules for
       sparsity enforcing penalties", JMLR 18(128):1-33, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.optimize import lasso, lasso_alpha_max
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 30)); y = X[:, 0] - 2 * X[:, 1]
    >>> res = lasso(X, y, 0.1 * lasso_alpha_max(X, y))
    >>> res.success, bool(res.gap <= 1e-6 * res.fun), np.flatnonzero(res.x).tolist()[:2]
    (True, True, [0, 1])
    """
    knobs = _check_knobs(rtol, atol, maxiter, max_epochs, ws_min, kappa, anderson,
                         inner_ratio, screening)
    xp = None if is_sparse(X) else get_namespace(X, y, x0)
    if xp is not None and not is_numpy_namespace(xp):  # dense array-API data: FISTA
        from ._l1_device import lasso_device

        alpha = check_real("alpha", alpha, low=0.0, low_open=True)
        return lasso_device(xp, X, y, alpha, x0, knobs, wrap_callback(callback))
    return _fit("lasso", X, y, alpha, x0, knobs, callback)


def l1_logistic(X: Any, y: Any, alpha: float, *, x0: Any = None, rtol: float = 1e-6,
                atol: float = 0.0, maxiter: int = 100, max_newton: int = 200,
                ws_min: int | None = None, kappa: float = 0.5, inner_ratio: float = 0.1,
                screening: bool = True,
                callback=None) -> OptimizeResult:
    """L1-regularised logistic regression by working-set proximal Newton with a duality-gap
    certificate.

    Minimises ``(1/n) sum_i log(1 + exp(-y_i x_i^T w)) + alpha ||w||_1`` with the two classes
    of ``y`` mapped to ``-1`` (the smaller) and ``+1``. scikit-learn's
    ``LogisticRegression(penalty='l1', C=1 / (n * alpha), fit_intercept=False)`` has the same
    minimiser.

    Parameters
    ----------
    X, x0, rtol, atol, maxiter, ws_min, kappa, screening, callback
        As in :func:`lasso`.
    y : (n,) array_like
        Labels of exactly two classes.
    alpha : float
        L1 weight, ``> 0``; ``w = 0`` is optimal from
        :func:`~numsolve.optimize.logistic_alpha_max` on.
    max_newton : int
        Proximal Newton steps per working-set solve.
    inner_ratio : float in (0, 1)
        As in :func:`lasso` (default ``0.1``: a Newton step is worth more than an epoch).

    Returns
    -------
    OptimizeResult
        As :func:`lasso`; ``n_epochs`` counts Newton steps and ``active_set_iter`` is the
        Newton step after which the sign pattern never changed.

    Notes
    -----
    Working sets and gap-safe screening as in :func:`lasso` ([1]_, [2]_, [3]_); each working
    set is solved by proximal Newton with coordinate descent on the quadratic model and an
    Armijo backtracking search, as in newGLMNET [4]_.

    References
    ----------
    .. [1] M. Massias, A. Gramfort and J. Salmon, "Celer: a fast solver for the Lasso with dual
       extrapolation", ICML 2018.
    .. [2] Q. Bertrand, Q. Klopfenstein, P.-A. Bannier, G. Gidel and M. Massias, "Beyond L1:
       faster and better sparse models with skglm", NeurIPS 2022.
    .. [3] E. Ndiaye, O. Fercoq, A. Gramfort and J. Salmon, "Gap safe screening rules for
       sparsity enforcing penalties", JMLR 18(128):1-33, 2017.
    .. [4] G.-X. Yuan, C.-H. Ho and C.-J. Lin, "An improved GLMNET for L1-regularized
       logistic regression", JMLR 13:1999-2030, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.optimize import l1_logistic, logistic_alpha_max
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 20)); y = X[:, 0] + 0.1 * rng.standard_normal(200) > 0
    >>> res = l1_logistic(X, y, 0.1 * logistic_alpha_max(X, y))
    >>> res.success, bool(res.gap <= 1e-6 * res.fun), int(np.argmax(np.abs(res.x)))
    (True, True, 0)
    """
    knobs = _check_knobs(rtol, atol, maxiter, max_newton, ws_min, kappa, 1, inner_ratio,
                         screening)
    return _fit("logistic", X, y, alpha, x0, knobs, callback)


# --------------------------------------------------------------------------------------------
# paths
# --------------------------------------------------------------------------------------------
def _alpha_grid(alphas, n_alphas, eps, amax):
    if alphas is None:
        n_alphas = check_int("n_alphas", n_alphas, low=1)
        eps = check_real("eps", eps, low=0.0, high=1.0, low_open=True)
        return np.geomspace(amax, amax * eps, n_alphas)
    a = np.asarray(alphas, dtype=np.float64)
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("alphas must be a non-empty 1-D array of finite positive numbers")
    return np.sort(a)[::-1]


def _path(kind, X, y, alphas, n_alphas, eps, x0, fit_kw):
    D = _design(X)
    yy = _check_y(y, D.n, binary=(kind == "logistic"))
    amax = (np.max(np.abs(D.prepare(yy))) / D.n) * (1.0 if kind == "lasso" else 0.5)
    grid = _alpha_grid(alphas, n_alphas, eps, amax)
    fit = lasso if kind == "lasso" else l1_logistic
    w = _check_x0(x0, D.p)
    coefs = np.zeros((D.p, grid.size))
    fields = {k: [] for k in ("gap", "fun", "nit", "n_epochs", "active_set_iter", "status")}
    for k, a in enumerate(grid):
        res = fit(D, yy, a, x0=w, **fit_kw)  # warm start from the previous alpha
        w = res.x
        coefs[:, k] = w
        for f in fields:
            fields[f].append(res[f])
    status = np.asarray(fields["status"])
    ok = bool(np.all(status == CONVERGED))
    worst = int(status[status != CONVERGED][0]) if not ok else CONVERGED
    return OptimizeResult(
        alphas=grid, coefs=coefs, x=coefs, gaps=np.asarray(fields["gap"]),
        funs=np.asarray(fields["fun"]), nit=np.asarray(fields["nit"]),
        n_epochs=np.asarray(fields["n_epochs"]),
        active_set_iters=np.asarray(fields["active_set_iter"]), statuses=status,
        success=ok, status=worst,
        message=status_message(worst, f"{grid.size} values of alpha", kind="optimize"),
        method=f"{kind}-path", backend="numba")


def lasso_path(X: Any, y: Any, alphas: Any = None, *, n_alphas: int = 100, eps: float = 1e-3,
               x0: Any = None, **fit_kw) -> OptimizeResult:
    """Lasso solutions on a decreasing grid of ``alpha``, each fit warm-started from the last.

    Parameters
    ----------
    X, y
        As in :func:`lasso`.
    alphas : array_like, optional
        The grid (sorted decreasing); default ``n_alphas`` values geometrically spaced from
        ``alpha_max`` down to ``eps * alpha_max`` (scikit-learn's ``lasso_path`` grid).
    n_alphas, eps
        The default grid.
    x0 : array_like, optional
        Warm start of the first fit.
    **fit_kw
        Passed to :func:`lasso` (``rtol``, ``atol``, ``maxiter``, ...).

    Returns
    -------
    OptimizeResult
        ``alphas``, ``coefs`` (``p x len(alphas)``, also ``x``), ``gaps``, ``funs``, ``nit``,
        ``n_epochs``, ``active_set_iters``, ``statuses`` (one per alpha), ``success`` (all
        converged), ``status``, ``message``.

    Notes
    -----
    The pathwise strategy of glmnet [1]_: decreasing ``alpha`` from ``alpha_max``, each fit
    warm-started from the previous solution. Each fit is :func:`lasso`.

    References
    ----------
    .. [1] J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for generalized
       linear models via coordinate descent", J. Stat. Softw. 33(1):1-22, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.optimize import lasso_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 10)); y = X @ np.arange(10.0)
    >>> path = lasso_path(X, y, n_alphas=5)
    >>> path.coefs.shape, bool(path.success), int(np.count_nonzero(path.coefs[:, 0]))
    ((10, 5), True, 0)
    """
    return _path("lasso", X, y, alphas, n_alphas, eps, x0, fit_kw)


def l1_logistic_path(X: Any, y: Any, alphas: Any = None, *, n_alphas: int = 100,
                     eps: float = 1e-3, x0: Any = None, **fit_kw) -> OptimizeResult:
    """L1-logistic solutions on a decreasing grid of ``alpha`` (warm starts), as
    :func:`lasso_path` with :func:`l1_logistic` and ``alpha_max`` of
    :func:`~numsolve.optimize.logistic_alpha_max`.

    Parameters
    ----------
    X, y
        As in :func:`l1_logistic` (``y``: binary labels).
    alphas : array_like, optional
        The grid (sorted decreasing); default ``n_alphas`` values geometrically spaced from
        ``alpha_max`` down to ``eps * alpha_max``.
    n_alphas, eps
        The default grid.
    x0 : array_like, optional
        Warm start of the first fit.
    **fit_kw
        Passed to :func:`l1_logistic` (``rtol``, ``atol``, ``maxiter``, ...).

    Returns
    -------
    OptimizeResult
        As :func:`lasso_path`: ``alphas``, ``coefs`` (``p x len(alphas)``, also ``x``),
        ``gaps``, ``funs``, ``nit``, ``statuses``, ``success``, ``status``, ``message``.

    Notes
    -----
    The pathwise strategy of glmnet [1]_ (warm starts down a decreasing grid); each fit is
    :func:`l1_logistic`.

    References
    ----------
    .. [1] J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for generalized
       linear models via coordinate descent", J. Stat. Softw. 33(1):1-22, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.optimize import l1_logistic_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((80, 6)); y = X[:, 0] > 0
    >>> path = l1_logistic_path(X, y, n_alphas=4, eps=0.05)
    >>> path.coefs.shape, bool(path.success)
    ((6, 4), True)
    """
    return _path("logistic", X, y, alphas, n_alphas, eps, x0, fit_kw)
