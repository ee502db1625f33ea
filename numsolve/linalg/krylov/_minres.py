"""MINRES (Paige & Saunders 1975) for symmetric, possibly indefinite systems.

Needs only products with ``A`` (a ``LinearOperator`` is enough: KKT systems of constrained
optimisation are the typical use) and, optionally, a symmetric *positive definite*
preconditioner ``M``. The recurrence follows SciPy's :func:`scipy.sparse.linalg.minres`
(including ``shift``: solve ``(A - shift I) x = b``), but the stopping rule is SciPy's CG rule
``norm(b - A x) <= max(rtol * norm(b), atol)`` on the *true* residual, checked whenever the
recurrence's residual estimate (scaled by the last observed true/estimate ratio) claims it.
"""

from __future__ import annotations

import numpy as np

from ..._checks import check_int, check_real
from ..._result import SolveResult, wrap_callback
from ..._status import BREAKDOWN, CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE
from ._common import (
    STAGNATION,
    StallGuard,
    VectorOps,
    initial_outcome,
    notify_stop,
    outcome,
    prepare_vector_problem,
)

__all__ = ["minres", "solve_minres", "minres_iterate"]


def minres_iterate(ops: VectorOps, b, x, *, tol: float, maxiter: int, shift: float = 0.0,
                   notify=None, stall_iterations: int = 200) -> dict:
    """The MINRES recurrence on 1-D vectors (internal; ``x`` updated in place)."""
    xp = ops.xp
    psolve = ops.psolve
    eps = float(xp.finfo(ops.dtype).eps)

    def Aop(v):
        y = ops.Av(v)
        return y - ops.scal(shift) * v if shift else y

    r1 = ops.residual(b, x) if shift == 0.0 else b - Aop(x)
    r0norm = ops.norm(r1)
    history = [r0norm]
    start = initial_outcome(r0norm, tol, history, "non-finite residual")
    if start is not None:
        return start
    y = ops.vec(psolve(r1)) if psolve is not None else r1
    beta1 = ops.dot(r1, y)
    if not np.isfinite(beta1):
        return outcome(NONFINITE, 0, history, "M returned NaN or inf at iteration 0")
    if beta1 <= 0:
        return outcome(BREAKDOWN, 0, history, "the preconditioner M is not positive definite "
                       f"(r^T M r = {beta1:.3e})")
    beta1 = float(np.sqrt(beta1))
    corr = r0norm / beta1  # true residual / recurrence estimate
    oldb, beta, dbar, epsln = 0.0, beta1, 0.0, 0.0
    phibar = beta1
    cs, sn = -1.0, 0.0
    w = ops.zeros()
    w2 = ops.zeros()
    r2 = r1
    stall = StallGuard(phibar, stall_iterations)
    best_true = r0norm
    for itn in range(1, maxiter + 1):
        s = 1.0 / beta
        v = ops.scal(s) * y
        y = Aop(v)
        if itn >= 2:
            y = y - ops.scal(beta / oldb) * r1
        alfa = ops.dot(v, y)
        y = y - ops.scal(alfa / beta) * r2
        r1 = r2
        r2 = y
        y = ops.vec(psolve(r2)) if psolve is not None else r2
        oldb = beta
        bb = ops.dot(r2, y)
        if not np.isfinite(bb) or not np.isfinite(alfa):
            return outcome(NONFINITE, itn - 1, history, f"non-finite values at iteration {itn}")
        if bb < 0:
            return outcome(BREAKDOWN, itn - 1, history,
                           f"the preconditioner M is not positive definite at iteration {itn}")
        beta = float(np.sqrt(bb))
        oldeps = epsln
        delta = cs * dbar + sn * alfa
        gbar = sn * dbar - cs * alfa
        epsln = sn * beta
        dbar = -cs * beta
        gamma = max(float(np.hypot(gbar, beta)), eps)
        cs = gbar / gamma
        sn = beta / gamma
        phi = cs * phibar
        phibar = sn * phibar
        w1 = w2
        w2 = w
        w = (v - ops.scal(oldeps) * w1 - ops.scal(delta) * w2) * ops.scal(1.0 / gamma)
        x += ops.scal(phi) * w
        est = abs(phibar) * corr
        history.append(est)
        exhausted = beta <= eps * beta1
        if est <= tol or exhausted:
            r = b - Aop(x)
            tnorm = ops.norm(r)
            history[-1] = tnorm
            stop = notify_stop(notify, x, itn, tnorm)
            if tnorm <= tol:
                return outcome(CONVERGED, itn, history)
            if exhausted or tnorm >= 0.9 * best_true:
                return outcome(STAGNATION, itn, history,
                               f"true residual {tnorm:.3e} stagnated above the tolerance "
                               f"{tol:.3e} (A singular or the accuracy is not attainable)")
            if stop:
                return outcome(CALLBACK_STOP, itn, history)
            best_true = tnorm
            corr = tnorm / max(abs(phibar), np.finfo(float).tiny)
        elif notify_stop(notify, x, itn, est):
            return outcome(CALLBACK_STOP, itn, history)
        if stall.stalled(abs(phibar)):
            return stall.outcome(itn, history)
    return outcome(MAXITER, maxiter, history)


def solve_minres(A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
                 shift: float = 0.0, stall_iterations: int = 200,
                 check_finite: bool = True) -> SolveResult:
    """MINRES [1]_ for symmetric (possibly indefinite) ``A``.

    Called through ``numsolve.solve(A, b, method='minres', ...)`` or directly as
    :func:`numsolve.linalg.minres` (operator in, :class:`~numsolve.SolveResult` out).

    Parameters
    ----------
    A : array, sparse matrix or LinearOperator, shape (n, n)
        Real symmetric (indefinite allowed, e.g. a KKT/saddle-point matrix).
    b : array, shape (n,)
    x0 : array, shape (n,), optional
        Initial guess (zeros by default). Never modified.
    rtol, atol : float
        Converged when ``norm(b - (A - shift I) x) <= max(rtol * norm(b), atol)``.
    maxiter : int, optional
        Maximum iterations, default ``5 * n`` (SciPy's default).
    M : array, sparse matrix, LinearOperator or callable, optional
        Symmetric positive definite preconditioner approximating ``|A|^{-1}``.
    callback : callable, optional
        ``callback(intermediate_result)`` or legacy ``callback(xk)``, once per iteration.
    shift : float, default 0
        Solve ``(A - shift I) x = b`` (SciPy's ``shift``).
    stall_iterations : int, default 200
        Stop with ``status=2`` when the residual estimate has not decreased by 0.1 % for this
        many iterations (singular, inconsistent systems); 0 disables.
    check_finite : bool, default True
        Reject NaN/inf in the inputs.

    Returns
    -------
    SolveResult
        ``residual_norms`` holds MINRES's recurrence estimate of ``norm(b - A x)`` (exact in
        exact arithmetic without ``M``), replaced by the true residual norm at every
        convergence check.

    References
    ----------
    .. [1] C. C. Paige and M. A. Saunders, "Solution of sparse indefinite systems of linear
       equations", SIAM J. Numer. Anal. 12(4):617-629, 1975.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> A = np.diag(np.arange(-5.0, 6.0) + 0.5)          # symmetric indefinite
    >>> b = np.ones(11)
    >>> res = numsolve.solve(A, b, method="minres", rtol=1e-10)
    >>> res.success, bool(np.allclose(res.x, 1 / np.diag(A)))
    (True, True)
    """
    shift = check_real("shift", shift)
    stall_iterations = check_int("stall_iterations", stall_iterations, low=0)
    pb = prepare_vector_problem(A, b, x0, M, rtol, atol, maxiter, check_finite=check_finite,
                                default_maxiter=lambda n: 5 * n)
    if pb.system.xp.isdtype(pb.system.dtype, "complex floating"):
        raise TypeError("minres supports real symmetric systems only")
    out = minres_iterate(pb.ops, pb.b, pb.x, tol=pb.tol, maxiter=pb.maxiter, shift=shift,
                         notify=wrap_callback(callback), stall_iterations=stall_iterations)
    return pb.result(out, "minres")


#: public alias
minres = solve_minres
