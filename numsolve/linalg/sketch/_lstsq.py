"""Sketch-preconditioned least squares: LSQR and the fused normal-equations CG (``lstsq`` method
``'sketch'``; the front door :func:`numsolve.lstsq` is in ``numsolve/linalg/_solve.py``).

``method='sketch'`` (Blendenpik / LSRN style; Avron, Maymounkov & Toledo 2010, Meng, Saunders &
Mahoney 2014): draw a sketch ``S`` (``m x n``, ``d <= m <= n``), factor ``S A = Q R``, and run
LSQR on the right-preconditioned problem ``min_y ||A R^{-1} y - b||`` whose matrix has singular
values in ``[1 - eps, 1 + eps]`` (``eps ~ sqrt(d/m)``): the iteration count depends on ``m/d``,
not on the condition number of ``A``. The sketch-and-solve solution ``R^{-1} Q^T S b`` is the
starting point. A ridge term ``lam ||x||^2`` is handled exactly by sketching ``[A; sqrt(lam) I]``
(only the ``A`` block is sketched).

Calling convention of a registered method (as for :func:`numsolve.solve`)::

    impl(A, b, x0, *, rtol, atol, maxiter, callback, **options) -> SolveResult
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._backend import (
    backend_name,
    get_namespace,
    is_cupy_namespace,
    is_linear_operator,
    is_numpy_namespace,
    is_sparse,
    numba_available,
    to_numpy,
)
from ..._checks import (
    as_rng,
    check_choice,
    check_int,
    check_maxiter,
    check_real,
    check_tolerances,
)
from ..._result import OptimizeResult, SolveResult, wrap_callback
from ..._status import BREAKDOWN, CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, status_message
from .._system import (
    _as_float_dtype,
    _as_operand,
    _check_array,
    _check_guess,
    _dtype_kind_ok,
    _operator_shape,
    _sparse_finite,
)
from ._operators import _canonical_kind, check_sketch_size, make_sketch

__all__ = ["lstsq_sketch"]


# --------------------------------------------------------------------------------------------
# validation: the checks of prepare_system (numsolve/linalg/_system.py) for a tall A
# --------------------------------------------------------------------------------------------
def _as_array(x, name: str, xp):
    """``x`` (array, list or ``np.matrix``) as an array of namespace ``xp``."""
    try:
        return xp.asarray(_as_operand(x, name))
    except TypeError:
        raise
    except Exception as exc:
        raise TypeError(f"{name} could not be converted to an array: {exc}") from None


def _check_real_dtype(dtype, name: str, xp) -> None:
    if dtype is not None and xp.isdtype(dtype, "complex floating"):
        raise TypeError(f"{name} must be real (complex least squares is not supported)")


def _prepare_matrix(A, xp):
    """Check ``A`` (``n x d``, ``n >= d``): returns ``(A, kind, n, d)``. A dense ``A`` is not
    yet checked for NaN/inf: :func:`lstsq_sketch` does it, or on the fused path the sketch
    does (:meth:`Sketch.apply`: a finite sketch proves ``A`` finite, no separate pass)."""
    if callable(A) and not is_linear_operator(A) and not hasattr(A, "shape"):
        raise TypeError("A must be an array, a sparse matrix or a LinearOperator")
    kind = "operator" if is_linear_operator(A) else "sparse" if is_sparse(A) else "dense"
    if kind == "dense":
        A = _as_array(A, "A", xp)
    shape = _operator_shape(A)
    if len(shape) != 2:
        raise ValueError(f"A must be 2-D (n, d), got shape {shape}")
    n, d = shape
    if n == 0 or d == 0:
        raise ValueError("A must not be empty")
    if n < d:
        raise ValueError(
            f"A has shape {shape}: the sketch solver needs a tall matrix (n >= d); for an "
            "underdetermined problem solve the minimum-norm problem with A.T"
        )
    if kind == "dense":
        _check_array(A, "A", xp, finite=False)
    elif kind == "sparse":
        if not _dtype_kind_ok(A.dtype, xp):
            raise TypeError(f"A must have a real numeric dtype, got {A.dtype}")
        if not _sparse_finite(A):
            raise ValueError("A contains NaN or inf")
    _check_real_dtype(getattr(A, "dtype", None), "A", xp)
    return A, kind, n, d


def _prepare(A, b, x0):
    """Validate and convert: ``(A, b, x0, xp, kind, n, d, dtype)``, ``b`` and ``x0`` fresh
    arrays of the working dtype (integers compute in float64)."""
    if b is None:
        raise TypeError("b must be an array, got None")
    xp = get_namespace(A, b, x0)
    A, kind, n, d = _prepare_matrix(A, xp)
    b = _as_array(b, "b", xp)
    _check_array(b, "b", xp)
    _check_real_dtype(b.dtype, "b", xp)
    if b.ndim == 2 and b.shape[1] == 1:
        b = xp.reshape(b, (b.shape[0],))
    if b.ndim != 1 or b.shape[0] != n:
        raise ValueError(f"b has shape {tuple(b.shape)}, expected ({n},) for A of shape {(n, d)}")
    fl = [_as_float_dtype(t, xp) for t in (b.dtype, getattr(A, "dtype", None)) if t is not None]
    try:
        dtype = xp.result_type(*fl)
    except TypeError:
        dtype = np.result_type(*[np.dtype(str(t)) for t in fl])
    x0 = _check_guess(x0, "x0", ((d,),), f"({d},)")
    if x0 is not None:
        x0 = xp.astype(x0, dtype, copy=True)
    b = xp.astype(b, dtype, copy=True)
    if kind == "dense" and A.dtype != dtype:
        A = xp.astype(A, dtype)
    elif kind == "sparse":
        A = A.tocsr() if A.format != "csr" else A
        if A.dtype != dtype:
            A = A.astype(dtype)
    return A, b, x0, xp, kind, n, d, dtype


def _products(A, kind, xp):
    if kind == "operator":
        def mv(v):
            return xp.asarray(A.matvec(v)).reshape(-1)

        def rmv(u):
            return xp.asarray(A.rmatvec(u)).reshape(-1)

        return mv, rmv
    At = A.T

    def mv(v):
        return A @ v

    def rmv(u):
        return At @ u

    return mv, rmv


def _triangular(R, xp):
    """Functions ``v -> R^{-1} v`` and ``v -> R^{-T} v`` in namespace ``xp``."""
    if is_numpy_namespace(xp):
        import scipy.linalg as sl

        R = np.asarray(R)
        return (lambda v: sl.solve_triangular(R, v, check_finite=False),
                lambda v: sl.solve_triangular(R, v, trans="T", check_finite=False))
    if is_cupy_namespace(xp):
        import cupyx.scipy.linalg as cl

        return (lambda v: cl.solve_triangular(R, v),
                lambda v: cl.solve_triangular(R, v, trans="T"))
    Rinv = xp.linalg.inv(R)
    RinvT = Rinv.T
    return (lambda v: Rinv @ v), (lambda v: RinvT @ v)


def _norm(v, xp) -> float:
    return float(xp.linalg.vector_norm(v))


# --------------------------------------------------------------------------------------------
# the options
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Options:
    """The options of ``lstsq(method='sketch')``, validated once, defaults filled in."""

    fused: bool  # the fused CG path (else LSQR)
    kind: str  # canonical sketch kind
    m: int  # sketch size, d <= m <= n
    nnz_per_column: int
    ridge: float
    refine: int
    rtol: float
    atol: float
    maxiter: int


def _options(kind, xp, n, d, dtype, *, rtol, atol, maxiter, sketch, sketch_size,
             nnz_per_column, ridge, refine, solver) -> _Options:
    """Validate the options (``kind``: of ``A``, from :func:`_prepare`)."""
    solver = check_choice("solver", solver, ("auto", "lsqr", "fused"))
    fusable = (kind == "dense" and is_numpy_namespace(xp) and numba_available()
               and np.dtype(dtype) in (np.float32, np.float64))
    if solver == "fused" and not fusable:
        raise ValueError("solver='fused' needs a dense NumPy float32/float64 A (and Numba); "
                         "use solver='lsqr' for sparse, LinearOperator or CuPy input")
    fused = solver == "fused" or (solver == "auto" and fusable)
    rtol, atol = check_tolerances(rtol, atol)
    nnz = check_int("nnz_per_column", nnz_per_column, low=1, allow_none=True)
    refine = check_int("refine", refine, low=0, allow_none=True)
    if sketch_size is None:
        sketch_size = min(n, (_FUSED_SKETCH_FACTOR if fused else 8) * d)
    return _Options(
        fused=fused, kind=_canonical_kind(sketch),
        m=check_sketch_size(sketch_size, n, minimum=d,
                            what="the number of rows of A (a sketch must reduce the data)"),
        nnz_per_column=(_FUSED_NNZ if fused else 8) if nnz is None else nnz,
        ridge=check_real("ridge", ridge, low=0.0),
        refine=(1 if fused else 2) if refine is None else refine,
        rtol=rtol, atol=atol, maxiter=check_maxiter(maxiter, max(100, 2 * d)),
    )


# --------------------------------------------------------------------------------------------
# the solver
# --------------------------------------------------------------------------------------------
def lstsq_sketch(
    A, b, x0=None, *, rtol=1e-12, atol=0.0, maxiter=None, callback=None,
    sketch: str = "sparse-sign", sketch_size: int | None = None,
    nnz_per_column: int | None = None,
    ridge: float = 0.0, refine: int | None = None, solver: str = "auto",
    rng: int | np.random.Generator | None = None,
) -> SolveResult:
    """Sketch-preconditioned LSQR or fused CG (see :func:`lstsq` and the module notes)."""
    A, b, x0, xp, kind, n, d, dtype = _prepare(A, b, x0)
    opt = _options(kind, xp, n, d, dtype, rtol=rtol, atol=atol, maxiter=maxiter,
                   sketch=sketch, sketch_size=sketch_size, nnz_per_column=nnz_per_column,
                   ridge=ridge, refine=refine, solver=solver)
    if kind == "dense" and not opt.fused:
        _check_array(A, "A", xp)  # (the fused path checks the sketch of A instead)
    g = as_rng(rng)
    notify = wrap_callback(callback)
    if opt.fused:
        A = np.ascontiguousarray(A)  # one copy for a non-C-contiguous A (sketch and sweeps)
    S = _draw_sketch(A, kind, n, opt, g)
    if opt.fused:
        return _lstsq_fused(A, b, x0, S, opt, d, dtype, xp, notify)
    return _lstsq_lsqr(A, b, x0, S, opt, kind, d, dtype, xp, notify)


def _draw_sketch(A, kind, n, opt, g):
    """The sketch ``S`` (``opt.m x n``); leverage-score sampling computes the scores of A."""
    kw: dict = {}
    if opt.kind == "sparse-sign":
        kw["nnz_per_column"] = min(opt.nnz_per_column, opt.m)
    if opt.kind == "leverage":
        from ._operators import leverage_scores

        if kind == "operator":
            raise ValueError("sketch='leverage' needs an array or sparse A, not a LinearOperator")
        kw["leverage_scores"] = leverage_scores(A, rng=g)
    return make_sketch(opt.kind, opt.m, n, rng=g, **kw)


def _breakdown(dR, rows, d, dtype, xp, m):
    """The BREAKDOWN result when ``R`` of the sketch's QR (diagonal magnitudes ``dR``, of a
    matrix with ``rows`` rows) is numerically singular, else None."""
    eps = float(xp.finfo(dtype).eps)
    if np.all(np.isfinite(dR)) and dR.min() > rows * eps * dR.max():
        return None
    return SolveResult(
        x=xp.zeros(d, dtype=dtype), success=False, status=BREAKDOWN,
        message=status_message(BREAKDOWN, kind="lstsq"), nit=0, residual_norms=np.array([]),
        backend=backend_name(xp), sketch_size=m,
    )


def _lstsq_lsqr(A, b, x0, S, opt, kind, d, dtype, xp, notify):
    """LSQR on the right-preconditioned problem (any input: dense, sparse, operator, CuPy)."""
    m, ridge, rtol = opt.m, opt.ridge, opt.rtol
    SA = S.apply(A, check_finite=False)  # (A and b were checked up front)
    if is_sparse(SA):
        SA = SA.toarray()
    SA = xp.asarray(SA, dtype=dtype)
    Sb = xp.asarray(S.apply(b, check_finite=False), dtype=dtype)
    if ridge > 0:
        SA = xp.concat([SA, math.sqrt(ridge) * xp.eye(d, dtype=dtype)], axis=0)
        Sb = xp.concat([Sb, xp.zeros(d, dtype=dtype)])
    Q, R = xp.linalg.qr(SA)
    diag = xp.abs(xp.linalg.diagonal(R)) if hasattr(xp.linalg, "diagonal") else None
    dR = to_numpy(diag) if diag is not None else np.abs(np.diag(to_numpy(R)))
    failed = _breakdown(dR, max(SA.shape), d, dtype, xp, m)
    if failed is not None:
        return failed
    Rinv, RinvT = _triangular(R, xp)
    mv, rmv = _products(A, kind, xp)
    sq = math.sqrt(ridge)

    # ---- LSQR on Ahat = [A; sqrt(ridge) I] R^{-1}, in y = R x, restarted from the true
    # residual ``refine`` times (iterative refinement: the recursions of one LSQR pass drift
    # by ~eps*cond(A); recomputing b - A x and restarting restores accuracy comparable to a
    # QR-based direct solver)
    if x0 is None:
        x = Rinv(Q.T @ Sb)  # sketch-and-solve start
    else:
        x = x0
    bnorm = _norm(b, xp)
    tol_r = max(rtol * bnorm, opt.atol)
    history: list[float] = []
    nit = 0
    status = MAXITER
    for npass in range(1 + opt.refine):
        x, status, k = _lsqr_pass(
            x, b, mv, rmv, Rinv, RinvT, sq, xp, rtol, tol_r, opt.maxiter - nit, notify, nit,
            history,
        )
        nit += k
        # a restart that needs at most one iteration confirms convergence; with the budget
        # spent before that, the next pass gets no iterations and reports MAXITER
        if status != CONVERGED or (npass > 0 and k <= 1):
            break
    # final true residuals
    r = b - mv(x)
    rn = _norm(r, xp)
    gr = rmv(r) - ridge * x
    res = SolveResult(
        x=x, success=status == CONVERGED, status=status,
        message=status_message(status, kind="lstsq"), nit=nit,
        residual_norms=np.asarray(history), residual_norm=rn,
        normal_residual_norm=_norm(gr, xp), backend=backend_name(xp), sketch_size=m,
        solver="lsqr",
    )
    return res


def _lsqr_pass(x, b, mv, rmv, Rinv, RinvT, sq, xp, rtol, tol_r, maxiter, notify, nit0, history):
    """One LSQR pass for the correction ``R^{-1} dy`` from ``x``; returns (x, status, nit)."""
    ridge = sq * sq
    u1 = b - mv(x)
    u2 = -sq * x if ridge > 0 else None

    def unorm(u1, u2):
        t = _norm(u1, xp) ** 2
        if u2 is not None:
            t += _norm(u2, xp) ** 2
        return math.sqrt(t)

    beta = unorm(u1, u2)
    history.append(beta)
    if beta <= tol_r or beta == 0.0:
        return x, CONVERGED, 0
    u1 = u1 / beta
    u2 = u2 / beta if u2 is not None else None
    v = RinvT(rmv(u1) + sq * u2) if u2 is not None else RinvT(rmv(u1))
    alpha = _norm(v, xp)
    if alpha == 0.0:
        return x, CONVERGED, 0
    if maxiter <= 0:
        return x, MAXITER, 0
    v = v / alpha
    w = v
    dy = xp.zeros_like(v)
    phibar, rhobar = beta, alpha
    anorm2 = 0.0
    status = MAXITER
    nit = 0
    for it in range(1, maxiter + 1):
        Rv = Rinv(v)
        u1 = mv(Rv) - alpha * u1
        if u2 is not None:
            u2 = sq * Rv - alpha * u2
        beta = unorm(u1, u2)
        anorm2 += alpha * alpha + beta * beta
        if beta > 0:
            u1 = u1 / beta
            if u2 is not None:
                u2 = u2 / beta
            t = rmv(u1) + sq * u2 if u2 is not None else rmv(u1)
            v = RinvT(t) - beta * v
            alpha = _norm(v, xp)
            if alpha > 0:
                v = v / alpha
        rho = math.hypot(rhobar, beta)
        c, s = rhobar / rho, beta / rho
        theta = s * alpha
        rhobar = -c * alpha
        phi = c * phibar
        phibar = s * phibar
        dy = dy + (phi / rho) * w
        w = v - (theta / rho) * w
        nit = it
        rnorm = phibar
        arnorm = alpha * abs(c) * phibar
        history.append(rnorm)
        if not (math.isfinite(rnorm) and math.isfinite(arnorm)):
            return x, NONFINITE, nit
        if notify is not None:
            xk = x + Rinv(dy)
            if notify(OptimizeResult(x=xk, nit=nit0 + it, residual_norm=rnorm)):
                return xk, CALLBACK_STOP, nit
        if rnorm <= tol_r or arnorm <= rtol * math.sqrt(anorm2) * rnorm or arnorm == 0.0:
            status = CONVERGED
            break
    return x + Rinv(dy), status, nit


# --------------------------------------------------------------------------------------------
# fused CPU path: CG on the preconditioned normal equations, one sweep over A per iteration
# --------------------------------------------------------------------------------------------
#: default sketch size of the fused path, in multiples of d (``eps ~ sqrt(d / m)`` sets CG's
#: rate; a larger sketch costs a larger QR but saves sweeps over A)
_FUSED_SKETCH_FACTOR = 12
#: default nonzeros per column of the sparse sign sketch on the fused path (the sketch
#: costs ~nnz times a sweep over A; 4 embeds as well as 8 at 8-16 d rows, also for
#: coherent subspaces, while 2 does not)
_FUSED_NNZ = 4
#: relative tolerance of the first stage when refinement follows (~sqrt(float64 eps): the
#: true gradient of an ill-conditioned problem cannot be resolved much below it, so the
#: remaining accuracy is left to the restart from the true residual)
_STAGE0_RTOL = 1.5e-8


#: a restart solves for the correction down to this fraction of the gradient's rounding
#: level (0.1 .. 1 give the same forward error on the benchmark problem; 0.5 saves 1-2 sweeps)
_FLOOR_FACTOR = 0.5
_FUSED_CONVERGED = (  # detail of the fused path's CONVERGED message
    "or the gradient below half its rounding level after a restart from the true residual"
)


def _normal_chunks(n: int) -> int:
    """Parallel row chunks of the fused sweep: a function of ``n`` only (thread-count
    independent results), at least 1024 rows each, at most 16."""
    return max(1, min(16, n // 1024))


def _lstsq_fused(A, b, x0, S, opt, d, dtype, xp, notify):
    """Dense NumPy fast path (``solver='fused'``): see :func:`lstsq`, Notes."""
    import scipy.linalg as sl

    from . import _lstsq_kernels as K

    m, ridge, refine, rtol, maxiter = opt.m, opt.ridge, opt.refine, opt.rtol, opt.maxiter
    backend = "numpy"
    n = A.shape[0]
    # sketch [A, b] and factor it: R, and Q^T S b from the last column (no Q formed)
    # (A was not checked for NaN/inf up front: the sketch checks it, and every sketch but row
    # sampling mixes every entry of A into S A, so a finite S A proves A finite without a
    # separate pass over A; see Sketch.apply)
    SA = np.asarray(S @ A, dtype=np.float64)
    Sb = np.asarray(S.apply(b, check_finite=False), dtype=np.float64).reshape(-1, 1)
    # [S A, S b] (and [sqrt(ridge) I, 0] below it), assembled in Fortran order so that
    # LAPACK factors it in place
    W = np.zeros((m + (d if ridge > 0 else 0), d + 1), order="F")
    W[:m, :d] = SA
    W[:m, d:] = Sb
    if ridge > 0:
        W[m:, :d] = math.sqrt(ridge) * np.eye(d)
    Ra = sl.qr(W, mode="r", overwrite_a=True, check_finite=False)[0]
    R = np.ascontiguousarray(Ra[:d, :d])
    failed = _breakdown(np.abs(np.diag(R)), W.shape[0], d, dtype, xp, m)
    if failed is not None:
        return failed

    def Rinv(v):
        return sl.solve_triangular(R, v, check_finite=False)

    def RinvT(v):
        return sl.solve_triangular(R, v, trans="T", check_finite=False)

    nch = _normal_chunks(n)
    Y = np.empty((nch, d))
    rr = np.empty(nch)

    def gradient(x):
        """``A^T (b - A x) - ridge x``, ``||b - A x||^2 + ridge ||x||^2`` and ``||b - A x||``
        (one sweep)."""
        K.normal_apply(A, x, b, True, Y, rr)
        gv = Y.sum(axis=0)
        r2 = float(rr.sum())
        rn = math.sqrt(r2)
        if ridge > 0:
            gv -= ridge * x
            r2 += ridge * float(x @ x)
        return gv, r2, rn

    def normal(z):
        """``A^T A z + ridge z`` and ``||A z||^2 + ridge ||z||^2`` (one sweep)."""
        K.normal_apply(A, z, b, False, Y, rr)
        w = Y.sum(axis=0)
        q2 = float(rr.sum())
        if ridge > 0:
            w += ridge * z
            q2 += ridge * float(z @ z)
        return w, q2

    x = Rinv(Ra[:d, d]) if x0 is None else np.asarray(x0, dtype=np.float64)
    bnorm = float(np.linalg.norm(b))
    tol_r = max(rtol * bnorm, opt.atol)
    history: list[float] = []
    nit = 0
    status = MAXITER
    anorm = 1.0
    gv, r2, rn = gradient(x)
    floor = 0.0
    for stage in range(1 + refine):
        # the first stage of a refined solve stops at a moderate tolerance; each restart
        # from the true residual (``gv``, ``r2`` just recomputed) solves for the correction
        # down to rtol, or to half the rounding level of the computed gradient
        stol = max(rtol, _STAGE0_RTOL) if stage == 0 and refine > 0 else rtol
        x, status, k, anorm, s_rec = _cg_stage(
            x, gv, r2, normal, Rinv, RinvT, stol, floor, tol_r, anorm, maxiter - nit, notify,
            nit, history,
        )
        nit += k
        if k > 0:
            gv, r2, rn = gradient(x)  # true gradient: next stage's start and the final report
            # rounding level: how far the recursively updated gradient has drifted from the
            # true one; below ~ this, the computed gradient is noise
            floor = _FLOOR_FACTOR * float(np.linalg.norm(RinvT(gv) - s_rec))
        # a restart that needs no iteration confirms convergence; with the budget spent,
        # the next stage only checks the true gradient (CONVERGED or MAXITER, no iteration)
        if status != CONVERGED or (stage > 0 and k == 0):
            break
    res = SolveResult(
        x=x.astype(dtype, copy=False), success=status == CONVERGED, status=status,
        message=status_message(status, _FUSED_CONVERGED if status == CONVERGED else None,
                               kind="lstsq"),
        nit=nit,
        residual_norms=np.asarray(history), residual_norm=rn,
        normal_residual_norm=float(np.linalg.norm(gv)), backend=backend, sketch_size=m,
        solver="fused",
    )
    return res


def _cg_stage(x, gv, r2, normal, Rinv, RinvT, rtol, floor, tol_r, anorm, maxiter, notify,
              nit0, history):
    """CG on ``Ahat^T Ahat dy = Ahat^T rhat`` (``Ahat = [A; sqrt(ridge) I] R^{-1}``) for the
    correction ``x + R^{-1} dy``, from the true gradient ``gv`` and squared residual ``r2``.

    Stops when the recursively updated preconditioned gradient ``s`` satisfies ``||s|| <=
    max(rtol * ||Ahat|| * ||rhat||, floor)`` (``||Ahat||`` estimated by the largest Rayleigh
    quotient seen, ``||rhat||^2`` updated by ``||r_{k+1}||^2 = ||r_k||^2 - alpha_k gamma_k``)
    or ``||rhat|| <= tol_r``. Returns ``(x, status, iterations, anorm, s)``.
    """
    s = RinvT(gv)
    gamma = float(s @ s)
    history.append(math.sqrt(max(r2, 0.0)))
    p = s.copy()
    dy = np.zeros_like(s)
    k = 0
    status = MAXITER
    while True:
        rn = math.sqrt(max(r2, 0.0))
        if not (math.isfinite(gamma) and math.isfinite(rn)):
            status = NONFINITE
            break
        gn = math.sqrt(gamma)
        if gn <= rtol * anorm * rn or gn <= floor or rn <= tol_r or gamma == 0.0:
            status = CONVERGED
            break
        if k >= maxiter:
            break
        z = Rinv(p)
        w, q2 = normal(z)
        if not math.isfinite(q2):
            status = NONFINITE
            break
        if q2 <= 0.0:
            status = BREAKDOWN
            break
        alpha = gamma / q2
        anorm = max(anorm, math.sqrt(q2 / float(p @ p)))
        dy += alpha * p
        s -= alpha * RinvT(w)
        r2 -= alpha * gamma
        gnew = float(s @ s)
        k += 1
        history.append(math.sqrt(max(r2, 0.0)))
        if notify is not None:
            xk = x + Rinv(dy)
            if notify(OptimizeResult(x=xk, nit=nit0 + k, residual_norm=history[-1])):
                return xk, CALLBACK_STOP, k, anorm, s
        p = s + (gnew / gamma) * p
        gamma = gnew
    return x + Rinv(dy), status, k, anorm, s
