"""Robust alternating minimization (Gu, Song, Yin, Zhang, ICLR 2024; JNS13), spec §1.

    0. (theory only) split Omega; numsolve reuses all of Omega in every half-step (spec §6).
    1. U_0 = top-k left singular vectors of (1/p) P_Omega(M); clip rows with norm
       > 2 mu sqrt(k/m) to zero; U_0 <- QR(U_0).Q.
    2. for t = 0..T-1:  V <- argmin_V ||P_Omega(U V^T - M)||^2 (+ l2 ||V||^2), QR;
                        U <- argmin_U ||P_Omega(U V^T - M)||^2 (+ l2 ||U||^2), QR (not the last).
    3. X = U V^T, the last U un-normalised (it carries the scale).

Each half-step is :func:`numsolve.completion._halfstep.half_step`: exact ``k x k`` normal
equations (``O(|Omega| k^2)``, JNS13) or the sketch-preconditioned CG of spec §1.1
(``O(|Omega| k)`` per CG iteration). With ``l2 > 0`` the factors are not re-orthonormalised
(QR would change the ridge objective): the iteration is then plain ridge ALS on
``||P_Omega(U V^T - M)||^2 + l2 (||U||^2 + ||V||^2)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._backend import is_cupy_namespace
from .._checks import as_rng, check_choice, check_int, check_real
from .._result import wrap_callback
from .._status import CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, status_message
from ..linalg.sketch import check_sketch_size
from ._data import Observed, csr_matrix
from ._halfstep import StepOptions, half_step, make_side
from ._result import CompletionResult, Validation

__all__ = ["altmin", "AltMinOptions", "initial_factor"]

SOLVERS = ("exact", "sketch")
#: preconditioners of the sketched solver: per-row CountSketch (spec §1.1) or one global Gram
PRECONDITIONERS = ("row", "global")
INITS = ("randomized", "svds", "random")


@dataclass(frozen=True)
class AltMinOptions:
    """Validated options of :func:`altmin` (checked once, here)."""

    l2: float = 0.0
    rtol: float = 1e-9
    ftol: float = 1e-6
    maxiter: int = 100
    biases: bool = False
    solver: str = "exact"
    sketch_size: int | None = None
    inner_maxiter: int = 10
    inner_rtol: float | None = None
    init: str = "randomized"
    incoherence: float | None = None
    normalize: bool | None = None
    power_iterations: int = 2
    blocks: int | None = None
    preconditioner: str = "global"

    def __post_init__(self):
        check_real("l2", self.l2, low=0.0)
        check_real("rtol", self.rtol, low=0.0)
        check_real("ftol", self.ftol, low=0.0)
        check_int("maxiter", self.maxiter, low=1)
        if not isinstance(self.biases, (bool, np.bool_)):
            raise TypeError(f"biases must be True or False, got {self.biases!r}")
        check_choice("solver", self.solver, SOLVERS)
        check_int("sketch_size", self.sketch_size, low=1, allow_none=True)
        check_int("inner_maxiter", self.inner_maxiter, low=1)
        check_real("inner_rtol", self.inner_rtol, low=0.0, allow_none=True)
        check_choice("init", self.init, INITS)
        check_real("incoherence", self.incoherence, low=0.0, low_open=True, allow_none=True)
        if self.normalize is not None and not isinstance(self.normalize, (bool, np.bool_)):
            raise TypeError(f"normalize must be None, True or False, got {self.normalize!r}")
        check_int("power_iterations", self.power_iterations, low=0)
        check_int("blocks", self.blocks, low=1, allow_none=True)
        check_choice("preconditioner", self.preconditioner, PRECONDITIONERS)

    @property
    def orthonormalize(self) -> bool:
        return (self.l2 == 0.0) if self.normalize is None else bool(self.normalize)


# --------------------------------------------------------------------------------------------
# step 1: initialisation
# --------------------------------------------------------------------------------------------
def qr_tall(xp, A):
    """Thin QR of a tall ``A`` by CholeskyQR2 (two Gram-Cholesky passes: two ``k x k``
    factorisations and BLAS-3 products, no LAPACK Householder QR, which is slow on tall-skinny
    blocks when BLAS threads compete); Householder when ``A`` is numerically rank deficient."""
    R = None
    Q = A
    for _ in range(2):
        G = xp.matrix_transpose(Q) @ Q
        try:
            Rt = xp.linalg.cholesky(G)  # lower, G = Rt Rt^T
        except Exception:  # LinAlgError: rank deficient
            return xp.linalg.qr(A)
        if not bool(xp.all(xp.isfinite(Rt))) or float(xp.min(xp.abs(xp.linalg.diagonal(Rt)))) \
                <= 1e-7 * float(xp.max(xp.abs(xp.linalg.diagonal(Rt)))):
            return xp.linalg.qr(A)
        Q = Q @ xp.matrix_transpose(xp.linalg.inv(Rt))
        Ri = xp.matrix_transpose(Rt)
        R = Ri if R is None else Ri @ R
    return Q, R


def _orth(xp, A):
    return qr_tall(xp, A)[0]


def _randomized_range(xp, A, k, q, gen):
    """Top-``k`` left singular vectors of sparse ``A`` (Halko-Martinsson-Tropp, ``q`` power
    iterations with re-orthonormalisation; oversampling ``k + 10``)."""
    m, n = A.shape
    ell = min(n, m, k + 10)
    Q = _orth(xp, A @ xp.asarray(gen.standard_normal((n, ell))))
    for _ in range(q):
        Z = _orth(xp, (A.T @ Q))
        Q = _orth(xp, A @ Z)
    B = xp.matrix_transpose(A.T @ Q)  # (ell, n) = Q^T A
    Ub = xp.linalg.svd(B, full_matrices=False)[0]
    return Q @ Ub[:, :k]


def initial_factor(obs: Observed, values, k: int, opts: AltMinOptions, gen):
    """Step 1 of the spec: SVD of ``(1/p) P_Omega(M)`` (``values`` on ``Omega``), clipping of
    the rows with norm above ``2 mu sqrt(k/m)``, QR. Returns ``(U0, n_clipped)``."""
    xp = obs.xp
    m, n = obs.shape
    p = obs.nnz / (m * n)
    if opts.init == "random":
        return _orth(xp, xp.asarray(gen.standard_normal((m, k)))), 0
    A = csr_matrix(obs, values / p)
    kk = min(k, min(m, n) - 1)
    if opts.init == "svds" and kk >= 1:
        if is_cupy_namespace(xp):
            import cupyx.scipy.sparse.linalg as cspla

            U0 = cspla.svds(A, k=kk)[0]
        else:
            import scipy.sparse.linalg as spla

            U0 = spla.svds(A, k=kk, random_state=gen)[0]
        U0 = xp.asarray(U0)
    else:
        U0 = _randomized_range(xp, A, min(k, min(m, n)), opts.power_iterations, gen)
    if U0.shape[1] < k:  # rank above min(m, n) - 1: pad with random directions
        U0 = xp.concat([U0, xp.asarray(gen.standard_normal((m, k - U0.shape[1])))], axis=1)
    norms = xp.linalg.vector_norm(U0, axis=1)
    if opts.incoherence is None:  # mu estimated from the 90th percentile of the row norms
        srt = xp.sort(norms)
        thresh = 2.0 * float(srt[int(0.9 * (m - 1))])
    else:
        thresh = 2.0 * opts.incoherence * math.sqrt(k / m)
    clip = norms > thresh
    n_clip = int(xp.sum(xp.astype(clip, xp.int64)))
    U0 = xp.where(clip[:, None], xp.zeros_like(U0), U0)
    return _orth(xp, U0), n_clip


# --------------------------------------------------------------------------------------------
# step 3: output
# --------------------------------------------------------------------------------------------
def balance(xp, U, V):
    """Balanced factors of ``U V^T``: ``U = Q_u W S^{1/2}``, ``V = Q_v Z S^{1/2}`` with
    ``R_u R_v^T = W S Z^T`` (same product; orthogonal columns, by decreasing ``S``)."""
    Qu, Ru = qr_tall(xp, U)
    Qv, Rv = qr_tall(xp, V)
    W, S, Zt = xp.linalg.svd(Ru @ xp.matrix_transpose(Rv))
    sq = xp.sqrt(S)
    return Qu @ (W * sq), Qv @ (xp.matrix_transpose(Zt) * sq), S


# --------------------------------------------------------------------------------------------
# step 2: the alternating updates
# --------------------------------------------------------------------------------------------
def _design(xp, F, biases):
    """Design of a half-step: the fixed factor, plus a column of ones for the bias term."""
    return xp.concat([F, xp.ones((F.shape[0], 1), dtype=F.dtype)], axis=1) if biases else F


def _split(X, k, biases):
    """Factor rows and (with biases) the bias column of a half-step solution."""
    return (X[:, :k], X[:, k]) if biases else (X, None)


def _half_step(side, *args, **kw):
    """:func:`~._halfstep.half_step` in-process, or on the cluster for a ``RemoteSide``."""
    return side.half_step(*args, **kw) if hasattr(side, "half_step") else half_step(side, *args,
                                                                                     **kw)


class _Loop:
    """State of step 2: factors, biases, warm starts, histories."""

    def __init__(self, obs: Observed, U0, k: int, opts: AltMinOptions, gen, client=None):
        xp = self.xp = obs.xp
        m, n = obs.shape
        self.k, self.opts, self.gen, self.obs = k, opts, gen, obs
        vals = obs.row_val
        self.mean = float(xp.mean(vals)) if opts.biases else 0.0
        kd = k + int(opts.biases)
        if client is None:
            self.rows = make_side(xp, obs.row_ptr, obs.row_col, obs.row_val - self.mean, kd)
            self.cols = make_side(xp, obs.col_ptr, obs.col_row, obs.col_val - self.mean, kd)
        else:  # row blocks of both orientations scattered to the workers once
            from ._distributed import RemoteSide, n_blocks

            nb = n_blocks(client, opts.blocks)
            self.rows = RemoteSide(client, obs.row_ptr, obs.row_col, obs.row_val - self.mean,
                                   kd, nb)
            self.cols = RemoteSide(client, obs.col_ptr, obs.col_row, obs.col_val - self.mean,
                                   kd, nb)
        # the global preconditioner weighs each design row by its number of observations
        self.rows.design_counts, self.cols.design_counts = self.cols.counts, self.rows.counts
        s = opts.sketch_size if opts.sketch_size is not None else min(4 * kd, max(m, n))
        if opts.solver == "sketch":
            s = check_sketch_size(s, max(m, n), minimum=min(kd, max(m, n)),
                                  what="the larger dimension of M")
        self.step = StepOptions(opts.l2, opts.solver, int(s), opts.inner_maxiter,
                                1e-8 if opts.inner_rtol is None else opts.inner_rtol,
                                opts.preconditioner)
        self.hist: list[float] = []
        self.U, self.V = U0, xp.zeros((n, k), dtype=xp.float64)
        self.a, self.b = xp.zeros(m, dtype=xp.float64), xp.zeros(n, dtype=xp.float64)
        self.U_warm = self.V_warm = None
        self.inner: list[tuple[int, int]] = []

    def _warm(self, F, bias, R):
        """Warm start of the next solve: ``F R^T`` undoes the QR of the other factor."""
        if self.opts.solver != "sketch":
            return None
        F = F if R is None else F @ self.xp.matrix_transpose(R)
        return F if bias is None else self.xp.concat([F, bias[:, None]], axis=1)

    def one_pass(self) -> float:
        """V half-step, then U half-step; returns the relative observed-entry residual of
        the output ``U V^T`` (+ biases)."""
        xp, k, biases, orth = self.xp, self.k, self.opts.biases, self.opts.orthonormalize
        seed = int(self.gen.integers(2**62))
        if self.opts.solver == "sketch" and self.opts.inner_rtol is None:
            self.step = replace(self.step, inner_rtol=self.forcing())
        Vw = self.V_warm if self.V_warm is not None else xp.zeros(
            (self.V.shape[0], k + int(biases)), dtype=xp.float64)
        Y, _, itv = _half_step(self.cols, _design(xp, self.U, biases),
                              self.a if biases else xp.zeros(self.U.shape[0]), Vw, self.step,
                              seed, want_rss=False)
        V, self.b = _split(Y, k, biases)
        Rv = None
        if orth:
            V, Rv = qr_tall(xp, V)
        self.V = V
        Uw = self._warm(self.U, self.a if biases else None, Rv)
        Uw = Uw if Uw is not None else xp.zeros((self.U.shape[0], k + int(biases)))
        X, rss, itu = _half_step(self.rows, _design(xp, V, biases),
                                self.b if biases else xp.zeros(V.shape[0]), Uw, self.step,
                                seed + 1)
        self.U, self.a = _split(X, k, biases)
        self.inner.append((itv, itu))
        res = math.sqrt(max(rss, 0.0)) / self.obs.norm if self.obs.norm > 0 else math.sqrt(rss)
        self.hist.append(res)
        return res

    def forcing(self) -> float:
        """Adaptive inner tolerance of the sketched solves (inexact AltMin, the paper's
        ``eps_t``): a tenth of the last relative residual and of its last relative decrease,
        so that the inner error stays below the outer progress; 1e-13 at the least."""
        h = self.hist
        if not h:
            return 1e-2
        eta = 0.1 * h[-1]
        if len(h) >= 2:
            eta = min(eta, 0.1 * abs(h[-2] - h[-1]) / max(h[-1], 1e-300))
        return max(eta, 1e-13)

    def objective(self, res: float) -> float:
        """``||P_Omega(X - M)||^2 + l2 (||U||^2 + ||V||^2 + biases^2)`` (relative to
        ``||P_Omega(M)||^2``), or the relative residual when ``l2 = 0``."""
        if self.opts.l2 == 0.0:
            return res
        xp = self.xp
        reg = sum(float(xp.sum(F * F)) for F in (self.U, self.V))
        if self.opts.biases:
            reg += float(xp.sum(self.a * self.a)) + float(xp.sum(self.b * self.b))
        return res * res + self.opts.l2 * reg / max(self.obs.norm, 1e-300) ** 2

    def renormalize(self):
        """QR of ``U`` before the next pass (JNS); the next V-solve's warm start is
        ``V R^T``."""
        if not self.opts.orthonormalize:
            self.V_warm = self._warm(self.V, self.b if self.opts.biases else None, None)
            return
        Q, R = qr_tall(self.xp, self.U)
        self.V_warm = self._warm(self.V, self.b if self.opts.biases else None, R)
        self.U = Q


def _stop(res: float, obj: list, opts: AltMinOptions) -> tuple[int, str] | None:
    """Status and detail when the pass with relative residual ``res`` ends the run; ``obj``
    is the objective history (the residual itself without ridge)."""
    if not (math.isfinite(res) and math.isfinite(obj[-1])):
        return NONFINITE, "non-finite residual"
    if res <= opts.rtol:
        return CONVERGED, f"observed-entry relative residual {res:.2e} <= rtol"
    if len(obj) >= 2 and obj[-2] - obj[-1] <= opts.ftol * obj[-2]:
        what = "objective" if opts.l2 > 0 else "observed-entry residual"
        return CONVERGED, (f"{what} stopped decreasing (relative decrease <= ftol = "
                           f"{opts.ftol:g}); relative residual {res:.2e}")
    return None


def altmin(obs: Observed, rank: int, *, l2: float = 0.0, rtol: float = 1e-9,
           ftol: float = 1e-6, maxiter: int = 100, validation=None, callback=None, rng=None,
           biases: bool = False, solver: str = "exact", sketch_size: int | None = None,
           inner_maxiter: int = 10, inner_rtol: float | None = None, init: str = "randomized",
           incoherence: float | None = None, normalize: bool | None = None,
           power_iterations: int = 2, blocks: int | None = None,
           preconditioner: str = "global", client: Any = None) -> CompletionResult:
    """Robust alternating minimization (spec §1) on validated observations ``obs``.

    The options are those of :func:`numsolve.complete` (``options=``); see its docstring.
    This is the implementation behind ``numsolve.complete(M, rank, method='altmin')``.

    Parameters
    ----------
    obs : Observed
        The observed entries, validated and stored in both orientations (built by
        :func:`numsolve.complete` from ``M``).
    rank : int
        Target rank ``k``.
    l2, rtol, ftol, maxiter, validation, callback, rng : optional
        Ridge weight, stopping tolerances, pass budget, held-out entries, callback and seed
        (as in :func:`numsolve.complete`).
    biases, solver, sketch_size, inner_maxiter, inner_rtol, init, incoherence, normalize, \
power_iterations, blocks, preconditioner : optional
        The method options of :func:`numsolve.complete` (``options=``).
    client : dask.distributed.Client, optional
        Run the half-steps on this cluster (see :func:`numsolve.complete`).

    Returns
    -------
    CompletionResult
        The balanced factors ``U``, ``V``, the residual history and the status.

    Notes
    -----
    Alternating minimization in the framework of Jain, Netrapalli & Sanghavi [2]_ (exact
    half-steps, ``solver='exact'``), with the sketch-preconditioned approximate half-steps of
    Gu, Song, Yin & Zhang [1]_ (``solver='sketch'``); all of ``Omega`` is reused in every
    half-step rather than split into fresh samples as in the analyses.

    References
    ----------
    .. [1] Y. Gu, Z. Song, J. Yin and L. Zhang, "Low rank matrix completion via robust
       alternating minimization in nearly linear time", ICLR 2024, arXiv:2302.11068.
    .. [2] P. Jain, P. Netrapalli and S. Sanghavi, "Low-rank matrix completion using
       alternating minimization", STOC 2013.

    Examples
    --------
    Called through :func:`numsolve.complete`:

    >>> import numsolve
    >>> from numsolve.problems import low_rank_completion
    >>> prob = low_rank_completion(200, 150, 2, 0.3, rng=0)
    >>> res = numsolve.complete(prob.M, 2, method="altmin", rng=0,
    ...                         options={"solver": "exact"})
    >>> res.success, bool(prob.relative_error(res.U, res.V) < 1e-6)
    (True, True)
    """
    opts = AltMinOptions(l2, rtol, ftol, maxiter, biases, solver, sketch_size, inner_maxiter,
                         inner_rtol, init, incoherence, normalize, power_iterations, blocks,
                         preconditioner)
    xp, gen = obs.xp, as_rng(rng)
    if client is not None:
        from ._distributed import check_client

        check_client(client, xp)
    m, n = obs.shape
    k = check_int("rank", rank, low=1)
    val = Validation(validation, obs.shape, xp) if validation is not None else None
    notify = wrap_callback(callback)
    mean = float(xp.mean(obs.row_val)) if biases else 0.0
    U0, n_clip = initial_factor(obs, obs.row_val - mean, k, opts, gen)   # step 1
    if not opts.orthonormalize:  # ridge ALS: start at the scale of balanced factors,
        # sigma ~ ||M||_F / sqrt(k) ~ ||P_Omega(M)||_F / sqrt(p k), else the ridge can
        # shrink a unit-scale start to the zero fixed point
        p = obs.nnz / (m * n)
        U0 = U0 * math.sqrt(float(xp.linalg.vector_norm(obs.row_val - mean))
                            / math.sqrt(p * k))
    loop = _Loop(obs, U0, k, opts, gen, client)
    hist: list[float] = []
    vhist: list[float] = []
    obj: list[float] = []
    status, detail = MAXITER, f"{maxiter} passes"
    for it in range(maxiter):                                              # step 2
        res = loop.one_pass()
        hist.append(res)
        obj.append(loop.objective(res))
        if val is not None:
            vhist.append(val.error(loop.U, loop.V, loop.a if biases else None,
                                   loop.b if biases else None, loop.mean))
        stop = _stop(res, obj, opts)
        if notify is not None and stop is None:
            if notify(CompletionResult(U=loop.U, V=loop.V, nit=len(hist), residual=res,
                                       x=loop.U)):
                stop = CALLBACK_STOP, None
        if stop is not None:
            status, detail = stop
            break
        if it + 1 < maxiter:  # the last U keeps its scale
            loop.renormalize()
    U, V, S = balance(xp, loop.U, loop.V)                                  # step 3
    return CompletionResult(
        U=U, V=V, singular_values=S, row_bias=loop.a if biases else None,
        col_bias=loop.b if biases else None, mean=loop.mean, shape=(m, n),
        residuals=np.asarray(hist), validation_errors=np.asarray(vhist) if val else None,
        nit=len(hist), success=status == CONVERGED, status=status,
        message=status_message(status, detail), n_clipped=n_clip, inner_iterations=loop.inner,
        backend="numba" if loop.rows.numba else ("cupy" if "cupy" in str(xp) else "numpy"))
