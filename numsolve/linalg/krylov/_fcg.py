"""Flexible conjugate gradients (FCG) and the deep conjugate-direction method (DCDM).

FCG (Notay 2000; Axelsson-Vassilevski's GCG) is CG whose preconditioner may be nonlinear or
change between iterations: each new direction ``p = f(r)`` is explicitly A-orthogonalised
against the last ``mmax`` directions and the step is an exact line search,

.. code-block:: text

    z = f(r)                          # M(r), or model(r / ||r||) for DCDM
    p = z - sum_j (z . A p_j / p_j . A p_j) p_j     (last mmax directions)
    alpha = (p . r) / (p . A p);  x += alpha p;  r -= alpha A p

DCDM (Kaneda et al., ICML 2023) is exactly FCG with ``mmax = 2``, "standard" truncation and a
learned direction model applied to the normalised residual (PETSc:
``-ksp_type fcg -ksp_fcg_mmax 2 -ksp_fcg_truncation_type standard -pc_type shell``).

Stopping rule: SciPy's ``norm(b - A x) <= max(rtol * norm(b), atol)``, checked on the true
residual whenever the recursive residual claims convergence (and every ``true_residual_every``
iterations). Guards: a direction with NaN/inf (status 4), a zero direction, ``p . A p <= 0`` or a
direction orthogonal to the residual (status 3, breakdown), and ``stall_iterations`` iterations
without reducing the residual (status 2) all end the run with ``success=False``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..._result import SolveResult, wrap_callback
from ..._status import BREAKDOWN, CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE
from .._system import check_maxiter, check_tolerances, prepare_system
from ._common import (
    STAGNATION,
    VectorOps,
    make_result,
    notify_stop,
)

__all__ = ["fcg", "dcdm", "solve_fcg", "solve_dcdm", "fcg_iterate"]


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def fcg_iterate(
    ops: VectorOps,
    b,
    x,
    direction: Callable[[Any], Any] | None,
    *,
    tol: float,
    maxiter: int,
    mmax: int = 30,
    truncation: str = "standard",
    normalize: bool = False,
    notify=None,
    true_residual_every: int = 50,
    stall_iterations: int = 200,
    who: str = "M",
) -> dict[str, Any]:
    """The FCG loop on 1-D vectors (internal; ``x`` is updated in place).

    ``direction(r)`` returns the (unorthogonalised) new direction; ``None`` means ``z = r``
    (plain CG directions, then FCG equals CG in exact arithmetic).
    """
    xp = ops.xp
    r = ops.residual(b, x)
    rnorm = ops.norm(r)
    history = [rnorm]
    best = rnorm
    since_best = 0
    eps = float(xp.finfo(ops.dtype).eps)
    if not np.isfinite(rnorm):
        return dict(status=NONFINITE, nit=0, history=history, detail="non-finite initial "
                    "residual")
    if rnorm <= tol:
        return dict(status=CONVERGED, nit=0, history=history, detail=None)
    # ring buffers of the last mmax directions p_j, A p_j (rows) and p_j^T A p_j
    cap = max(mmax, 1)
    Pbuf = xp.zeros((cap, ops.n), dtype=ops.dtype)
    APbuf = xp.zeros((cap, ops.n), dtype=ops.dtype)
    dbuf = xp.zeros((cap,), dtype=ops.dtype)
    kern = None
    if ops._dot1 is not None:  # host float vectors with Numba: no BLAS thread hand-offs
        from ._kernels import a_orthogonalize as kern

        dbuf = np.zeros(cap)  # float64 denominators
    stored = 0
    it = 0
    while it < maxiter:
        # ---- new direction
        if direction is None:
            z = xp.asarray(r, copy=True)
        else:
            arg = r / ops.scal(rnorm) if normalize else r
            z = ops.vec(direction(arg), who)
        if not ops.all_finite(z):
            return dict(status=NONFINITE, nit=it, history=history,
                        detail=f"{who} returned NaN or inf at iteration {it + 1}")
        znorm = ops.norm(z)
        if znorm == 0.0:
            return dict(status=BREAKDOWN, nit=it, history=history,
                        detail=f"{who} returned a zero direction at iteration {it + 1}")
        # ---- A-orthogonalise against the last m directions
        if truncation == "notay":
            m = max(1, (it + 1) % mmax) if mmax > 0 else 0
        else:
            m = mmax
        p = z
        m = min(m, stored)
        if m and kern is not None:
            p = xp.empty_like(z)
            kern(Pbuf, APbuf, dbuf, np.asarray([(it - 1 - j) % cap for j in range(m)],
                                               dtype=np.int64), z, p)
        elif m:
            # p = z - sum_j (z . A p_j / p_j . A p_j) p_j: two matrix-vector products
            if m == stored:
                Pm, APm, dm = Pbuf[:m, :], APbuf[:m, :], dbuf[:m]
            else:
                sel = xp.asarray([(it - 1 - j) % cap for j in range(m)])
                Pm, APm, dm = (xp.take(Pbuf, sel, axis=0), xp.take(APbuf, sel, axis=0),
                               xp.take(dbuf, sel))
            coef = (xp.conj(APm) @ z if ops.complex else APm @ z) / dm
            p = z - coef @ Pm
        Ap = ops.Av(p)
        d = ops.dot(p, Ap)
        if not np.isfinite(d):
            return dict(status=NONFINITE, nit=it, history=history,
                        detail=f"non-finite p^T A p at iteration {it + 1}")
        pn = ops.norm(p)
        if d <= 0.0 or pn == 0.0:
            return dict(status=BREAKDOWN, nit=it, history=history,
                        detail=f"p^T A p = {d:.3e} <= 0 at iteration {it + 1} (A not "
                        "positive definite, or the direction lies in span of the previous ones)")
        pr = ops.cdot(p, r)  # complex for Hermitian systems
        if abs(pr) <= 100 * eps * pn * rnorm:
            return dict(status=BREAKDOWN, nit=it, history=history,
                        detail=f"the direction from {who} is orthogonal to the residual at "
                        f"iteration {it + 1} (p.r = {pr:.3e}): no progress possible")
        alpha = ops.scal(pr / d)
        x += alpha * p
        r = r - alpha * Ap
        slot = it % cap
        Pbuf[slot, :] = p
        APbuf[slot, :] = Ap
        dbuf[slot] = d
        stored = min(stored + 1, cap)
        it += 1
        rnorm = ops.norm(r)
        if not np.isfinite(rnorm):
            return dict(status=NONFINITE, nit=it, history=history + [rnorm],
                        detail=f"non-finite residual at iteration {it}")
        periodic = bool(true_residual_every) and it % true_residual_every == 0
        if rnorm <= tol or periodic:
            r = ops.residual(b, x)
            rnorm = ops.norm(r)
        history.append(rnorm)
        stop = notify_stop(notify, x, it, rnorm)
        if rnorm <= tol:
            return dict(status=CONVERGED, nit=it, history=history, detail=None)
        if stop:
            return dict(status=CALLBACK_STOP, nit=it, history=history, detail=None)
        if rnorm < 0.999 * best:
            best, since_best = rnorm, 0
        else:
            since_best += 1
            if stall_iterations and since_best >= stall_iterations:
                return dict(status=STAGNATION, nit=it, history=history,
                            detail=f"no residual reduction in {stall_iterations} iterations")
    return dict(status=MAXITER, nit=it, history=history, detail=None)


def _run(A, b, x0, M, direction, rtol, atol, maxiter, callback, method, who, *, mmax,
         truncation, normalize, true_residual_every, stall_iterations, check_finite,
         default_maxiter=None):
    system = prepare_system(A, b, x0, M if direction is None else None,
                            check_finite=check_finite)
    rtol, atol = check_tolerances(rtol, atol)
    maxiter = check_maxiter(maxiter, default_maxiter or 10 * system.n)
    mmax = _check_int("mmax", mmax, 0)
    true_residual_every = _check_int("true_residual_every", true_residual_every, 0)
    stall_iterations = _check_int("stall_iterations", stall_iterations, 0)
    if truncation not in ("standard", "notay"):
        raise ValueError(f"truncation must be 'standard' or 'notay', got {truncation!r}")
    ops = VectorOps(system)
    xp = system.xp
    b1 = xp.reshape(system.b, (system.n,))
    x = (xp.reshape(system.x0, (system.n,)) if system.x0 is not None else ops.zeros())
    if direction is None and ops.has_psolve:
        direction = ops.psolve
    bnorm = ops.norm(b1)
    tol = max(atol, rtol * bnorm)
    out = fcg_iterate(ops, b1, x, direction, tol=tol, maxiter=maxiter, mmax=mmax,
                      truncation=truncation, normalize=normalize,
                      notify=wrap_callback(callback), true_residual_every=true_residual_every,
                      stall_iterations=stall_iterations, who=who)
    return make_result(system, ops, x, out["status"], out["nit"], out["history"], method,
                       out["detail"])


def solve_fcg(
    A,
    b,
    x0=None,
    *,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M=None,
    callback=None,
    mmax: int = 30,
    truncation: str = "standard",
    normalize: bool = False,
    true_residual_every: int = 50,
    stall_iterations: int = 200,
    check_finite: bool = True,
) -> SolveResult:
    """Flexible conjugate gradients for SPD ``A`` with a possibly nonlinear preconditioner.

    Called through ``numsolve.solve(A, b, method='fcg', M=..., options=...)`` or directly as
    :func:`numsolve.linalg.fcg`.

    Parameters
    ----------
    A : array, sparse matrix or LinearOperator, shape (n, n)
        Symmetric positive definite.
    b : array, shape (n,)
    x0 : array, shape (n,), optional
        Initial guess (zeros by default). Never modified.
    rtol, atol : float
        Converged when ``norm(b - A @ x) <= max(rtol * norm(b), atol)`` (SciPy semantics).
    maxiter : int, optional
        Maximum iterations (default ``10 * n``).
    M : array, sparse matrix, LinearOperator or callable, optional
        Preconditioner ``r -> z`` approximating ``A^{-1} r``. Unlike CG it need not be
        symmetric, nor even linear: a PyAMG cycle, an inner solve or a learned model all work.
    callback : callable, optional
        ``callback(intermediate_result)`` or legacy ``callback(xk)``, once per iteration.
    mmax : int, default 30
        Directions kept for the A-orthogonalisation (PETSc's ``-ksp_fcg_mmax``). ``mmax=1``
        with a fixed SPD ``M`` is ordinary PCG.
    truncation : {'standard', 'notay'}
        ``'standard'``: orthogonalise against the last ``mmax`` directions; ``'notay'``:
        against the last ``max(1, i mod mmax)`` (PETSc's default, a periodic restart).
    normalize : bool, default False
        Call ``M(r / norm(r))`` instead of ``M(r)`` (for non-homogeneous models).
    true_residual_every : int, default 50
        Recompute ``b - A x`` every this many iterations (0: only at claimed convergence).
    stall_iterations : int, default 200
        Stop with ``status=2`` when the residual has not decreased by 0.1 % for this many
        iterations (0 disables).
    check_finite : bool, default True
        Reject NaN/inf in the inputs.

    Returns
    -------
    SolveResult
        Also ``nmatvec``, the number of products with ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(16)
    >>> b = np.ones(A.shape[0])
    >>> jacobi = lambda r: r / 4.0
    >>> res = numsolve.solve(A, b, method="fcg", M=jacobi, rtol=1e-8)
    >>> res.success, bool(np.linalg.norm(b - A @ res.x) <= 1e-8 * np.linalg.norm(b))
    (True, True)
    """
    return _run(A, b, x0, M, None, rtol, atol, maxiter, callback, "fcg", "M", mmax=mmax,
                truncation=truncation, normalize=normalize,
                true_residual_every=true_residual_every, stall_iterations=stall_iterations,
                check_finite=check_finite)


def solve_dcdm(
    A,
    b,
    x0=None,
    *,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M=None,
    callback=None,
    model=None,
    k: int = 2,
    normalize: bool = True,
    truncation: str = "standard",
    true_residual_every: int = 50,
    stall_iterations: int = 200,
    check_finite: bool = True,
) -> SolveResult:
    """Deep conjugate-direction method: FCG with a learned direction model.

    Called through ``numsolve.solve(A, b, method='dcdm', model=f, options={'k': 2})`` or
    directly as :func:`numsolve.linalg.dcdm`.

    Parameters
    ----------
    A : array, sparse matrix or LinearOperator, shape (n, n)
        Symmetric positive definite.
    b : array, shape (n,)
    x0 : array, optional
        Initial guess (zeros by default).
    rtol, atol, maxiter, callback
        As for ``method='fcg'``.
    M : callable, optional
        Accepted as a synonym of ``model`` (one of the two must be given).
    model : callable or DirectionModel
        Maps a residual of shape ``(n,)`` (in the namespace of ``b``: NumPy or CuPy) to a search
        direction of the same shape, e.g. a
        :class:`~numsolve.linalg.MultilevelStencilModel`, a PyTorch/JAX network wrapped in a
        function, or an AMG cycle. It may be nonlinear; its scale is irrelevant.
    k : int, default 2
        Number of previous directions the new one is A-orthogonalised against (DCDM uses 2).
    normalize : bool, default True
        Feed the model ``r / norm(r)`` (as DCDM trains its network).
    truncation, true_residual_every, stall_iterations, check_finite
        As for ``method='fcg'``.

    Returns
    -------
    SolveResult
        A model returning NaN/inf (``status=4``) or a zero or useless direction (``status=3``)
        ends the run with ``success=False``; a direction of the wrong shape raises
        ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.linalg import MultilevelStencilModel
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(31)
    >>> model = MultilevelStencilModel().fit(A, shape=(31, 31), n_samples=20, rng=0)
    >>> b = np.random.default_rng(0).standard_normal(A.shape[0])
    >>> res = numsolve.solve(A, b, method="dcdm", model=model, rtol=1e-8)
    >>> cg = numsolve.solve(A, b, method="cg", rtol=1e-8)
    >>> res.success, bool(res.nit < 0.5 * cg.nit)
    (True, True)
    """
    if model is None:
        model = M
    elif M is not None:
        raise ValueError("give the direction model as `model` or as `M`, not both")
    if model is None:
        raise ValueError("method='dcdm' needs a direction model: model=callable(r) -> direction")
    if not callable(model):
        raise TypeError(f"model must be callable (r -> direction), got {type(model).__name__}")
    k = _check_int("k", k, 0)
    return _run(A, b, x0, None, model, rtol, atol, maxiter, callback, "dcdm", "model",
                mmax=k, truncation=truncation, normalize=bool(normalize),
                true_residual_every=true_residual_every, stall_iterations=stall_iterations,
                check_finite=check_finite)


#: public aliases (``numsolve.linalg.fcg`` / ``numsolve.linalg.dcdm``)
fcg = solve_fcg
dcdm = solve_dcdm
