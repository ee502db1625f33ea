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
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._checks import check_choice, check_int
from ..._result import SolveResult, wrap_callback
from ..._status import BREAKDOWN, CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE
from ._common import (
    StallGuard,
    VectorOps,
    initial_outcome,
    notify_stop,
    outcome,
    prepare_vector_problem,
    set_checked,
)

__all__ = ["fcg", "dcdm", "solve_fcg", "solve_dcdm", "fcg_iterate", "FCGOptions"]


@dataclass(frozen=True)
class FCGOptions:
    """The options of FCG/DCDM, validated once (see :func:`solve_fcg` for their meaning)."""

    mmax: int = 30
    truncation: str = "standard"
    normalize: bool = False
    true_residual_every: int = 50
    stall_iterations: int = 200

    def __post_init__(self):
        set_checked(
            self,
            mmax=check_int("mmax", self.mmax, low=0),
            truncation=check_choice("truncation", self.truncation, ("standard", "notay")),
            normalize=bool(self.normalize),
            true_residual_every=check_int("true_residual_every", self.true_residual_every,
                                          low=0),
            stall_iterations=check_int("stall_iterations", self.stall_iterations, low=0),
        )

    def window(self, i: int) -> int:
        """How many previous directions iteration ``i`` (from 0) A-orthogonalises against:
        ``mmax`` ('standard'), or ``max(1, (i + 1) mod mmax)`` ('notay', a periodic restart)."""
        if self.truncation == "notay":
            return max(1, (i + 1) % self.mmax) if self.mmax > 0 else 0
        return self.mmax

    def true_residual_due(self, nit: int) -> bool:
        """Whether ``b - A x`` is recomputed after iteration ``nit`` regardless of convergence."""
        return bool(self.true_residual_every) and nit % self.true_residual_every == 0


class _Directions:
    """Ring buffers of the last ``mmax`` directions ``p_j``, ``A p_j`` (rows) and
    ``p_j^H A p_j``; direction ``j`` (counted from 0) lives in slot ``j mod mmax``."""

    def __init__(self, ops: VectorOps, mmax: int):
        xp = ops.xp
        self.ops, self.cap, self.stored = ops, max(mmax, 1), 0
        self.P = xp.zeros((self.cap, ops.n), dtype=ops.dtype)
        self.AP = xp.zeros((self.cap, ops.n), dtype=ops.dtype)
        self.d = xp.zeros((self.cap,), dtype=ops.dtype)
        self.kernel = None
        if ops._dot1 is not None:  # host float vectors with Numba: no BLAS thread hand-offs
            from ._kernels import a_orthogonalize

            self.kernel = a_orthogonalize
            self.d = np.zeros(self.cap)  # float64 denominators

    def orthogonalize(self, z, i: int, window: int):
        """``p_i = z_i - sum_j (z_i^H A p_j / p_j^H A p_j) p_j`` over the last ``window``
        directions ``j = i-1, i-2, ...`` (as many as are stored)."""
        m = min(window, self.stored)
        if not m:
            return z
        ops, xp = self.ops, self.ops.xp
        if self.kernel is not None:
            p = xp.empty_like(z)
            slots = np.asarray([(i - 1 - j) % self.cap for j in range(m)], dtype=np.int64)
            self.kernel(self.P, self.AP, self.d, slots, z, p)
            return p
        if m == self.stored:
            Pm, APm, dm = self.P[:m, :], self.AP[:m, :], self.d[:m]
        else:
            sel = xp.asarray([(i - 1 - j) % self.cap for j in range(m)])
            Pm, APm, dm = (xp.take(self.P, sel, axis=0), xp.take(self.AP, sel, axis=0),
                           xp.take(self.d, sel))
        coef = (xp.conj(APm) @ z if ops.complex else APm @ z) / dm  # two mat-vec products
        return z - coef @ Pm

    def push(self, i: int, p, Ap, d: float) -> None:
        """Store direction ``i``: ``p_i``, ``A p_i`` and ``p_i^H A p_i``."""
        slot = i % self.cap
        self.P[slot, :] = p
        self.AP[slot, :] = Ap
        self.d[slot] = d
        self.stored = min(self.stored + 1, self.cap)


def _new_direction(ops, direction, r, rnorm, normalize, who, i):
    """``z_i = B(r_i)`` (``r_i`` itself without a preconditioner, ``B(r_i / ||r_i||)`` with
    ``normalize``). Returns ``(z, None)`` or ``(None, (status, detail))``."""
    if direction is None:
        z = ops.xp.asarray(r, copy=True)
    else:
        z = ops.vec(direction(r / ops.scal(rnorm) if normalize else r), who)
    if not ops.all_finite(z):
        return None, (NONFINITE, f"{who} returned NaN or inf at iteration {i + 1}")
    if ops.norm(z) == 0.0:
        return None, (BREAKDOWN, f"{who} returned a zero direction at iteration {i + 1}")
    return z, None


def _step_failure(ops, p, d, pr, rnorm, eps, who, i):
    """``(status, detail)`` when ``p_i`` cannot make progress (non-finite or non-positive
    curvature ``d = p^H A p``, ``p`` orthogonal to the residual), else None."""
    if not np.isfinite(d):
        return NONFINITE, f"non-finite p^T A p at iteration {i + 1}"
    pn = ops.norm(p)
    if d <= 0.0 or pn == 0.0:
        return BREAKDOWN, (f"p^T A p = {d:.3e} <= 0 at iteration {i + 1} (A not positive "
                           "definite, or the direction lies in span of the previous ones)")
    if abs(pr) <= 100 * eps * pn * rnorm:
        return BREAKDOWN, (f"the direction from {who} is orthogonal to the residual at "
                           f"iteration {i + 1} (p.r = {pr:.3e}): no progress possible")
    return None


def fcg_iterate(ops: VectorOps, b, x, direction: Callable[[Any], Any] | None, *, tol: float,
                maxiter: int, options: FCGOptions, notify=None, who: str = "M") -> dict:
    """The FCG loop on 1-D vectors (internal; ``x`` is updated in place).

    ``direction(r)`` returns the (unorthogonalised) new direction; ``None`` means ``z = r``
    (plain CG directions, then FCG equals CG in exact arithmetic). Returns an
    :func:`~numsolve.linalg.krylov._common.outcome`.
    """
    eps = float(ops.xp.finfo(ops.dtype).eps)
    r = ops.residual(b, x)  # r_0 = b - A x_0
    rnorm = ops.norm(r)
    history = [rnorm]
    start = initial_outcome(rnorm, tol, history)
    if start is not None:
        return start
    dirs = _Directions(ops, options.mmax)
    stall = StallGuard(rnorm, options.stall_iterations)
    for i in range(maxiter):
        # z_i = B(r_i): the preconditioner or the direction model, possibly nonlinear
        z, failed = _new_direction(ops, direction, r, rnorm, options.normalize, who, i)
        if failed:
            return outcome(failed[0], i, history, failed[1])
        # p_i = z_i - sum_j (z_i^H A p_j / p_j^H A p_j) p_j  (truncated A-orthogonalisation)
        p = dirs.orthogonalize(z, i, options.window(i))
        Ap = ops.Av(p)
        d = ops.dot(p, Ap)
        pr = ops.cdot(p, r)  # complex for Hermitian systems
        failed = _step_failure(ops, p, d, pr, rnorm, eps, who, i)
        if failed:
            return outcome(failed[0], i, history, failed[1])
        # exact line search: alpha_i = p_i^H r_i / p_i^H A p_i
        alpha = ops.scal(pr / d)
        x += alpha * p  # x_{i+1} = x_i + alpha_i p_i
        r = r - alpha * Ap  # r_{i+1} = r_i - alpha_i A p_i
        dirs.push(i, p, Ap, d)
        nit = i + 1
        rnorm = ops.norm(r)
        if not np.isfinite(rnorm):
            return outcome(NONFINITE, nit, history + [rnorm],
                           f"non-finite residual at iteration {nit}")
        # the true residual replaces the recursive one at claimed convergence and periodically
        if rnorm <= tol or options.true_residual_due(nit):
            r = ops.residual(b, x)
            rnorm = ops.norm(r)
        history.append(rnorm)
        stop = notify_stop(notify, x, nit, rnorm)
        if rnorm <= tol:
            return outcome(CONVERGED, nit, history)
        if stop:
            return outcome(CALLBACK_STOP, nit, history)
        if stall.stalled(rnorm):
            return stall.outcome(nit, history)
    return outcome(MAXITER, maxiter, history)


def _run(A, b, x0, M, direction, rtol, atol, maxiter, callback, method, who, options,
         check_finite):
    pb = prepare_vector_problem(A, b, x0, M if direction is None else None, rtol, atol,
                                maxiter, check_finite=check_finite,
                                default_maxiter=lambda n: 10 * n)
    if direction is None and pb.ops.has_psolve:
        direction = pb.ops.psolve
    out = fcg_iterate(pb.ops, pb.b, pb.x, direction, tol=pb.tol, maxiter=pb.maxiter,
                      options=options, notify=wrap_callback(callback), who=who)
    return pb.result(out, method)


def solve_fcg(A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
              mmax: int = 30, truncation: str = "standard", normalize: bool = False,
              true_residual_every: int = 50, stall_iterations: int = 200,
              check_finite: bool = True) -> SolveResult:
    """Flexible conjugate gradients for SPD ``A`` with a possibly nonlinear preconditioner.

    Called through ``numsolve.solve(A, b, method='fcg', M=..., options=...)`` or directly as
    :func:`numsolve.linalg.fcg`. FCG is Notay's flexible CG [1]_.

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

    References
    ----------
    .. [1] Y. Notay, "Flexible conjugate gradients", SIAM J. Sci. Comput. 22(4):1444-1460,
       2000.

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
    options = FCGOptions(mmax, truncation, normalize, true_residual_every, stall_iterations)
    return _run(A, b, x0, M, None, rtol, atol, maxiter, callback, "fcg", "M", options,
                check_finite)


def solve_dcdm(A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
               model=None, k: int = 2, normalize: bool = True, truncation: str = "standard",
               true_residual_every: int = 50, stall_iterations: int = 200,
               check_finite: bool = True) -> SolveResult:
    """Deep conjugate-direction method: FCG with a learned direction model.

    Called through ``numsolve.solve(A, b, method='dcdm', model=f, options={'k': 2})`` or
    directly as :func:`numsolve.linalg.dcdm`. DCDM [1]_ is flexible CG [2]_ whose
    preconditioner is the model applied to the normalised residual.

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

    References
    ----------
    .. [1] A. Kaneda, O. Akar, J. Chen, V. A. T. Kala, D. Hyde and J. Teran, "A deep
       conjugate direction method for iteratively solving linear systems", ICML 2023
       (PMLR 202:15720-15736), arXiv:2205.10763.
    .. [2] Y. Notay, "Flexible conjugate gradients", SIAM J. Sci. Comput. 22(4):1444-1460,
       2000.

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
    options = FCGOptions(check_int("k", k, low=0), truncation, normalize, true_residual_every,
                         stall_iterations)
    return _run(A, b, x0, None, model, rtol, atol, maxiter, callback, "dcdm", "model", options,
                check_finite)


#: public aliases (``numsolve.linalg.fcg`` / ``numsolve.linalg.dcdm``)
fcg = solve_fcg
dcdm = solve_dcdm
