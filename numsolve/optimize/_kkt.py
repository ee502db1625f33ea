"""Solvers for the KKT systems of equality-constrained Newton methods.

``K z = b`` with ``K = [[B, G^T], [G, 0]]`` (symmetric indefinite, ``(n + m) x (n + m)``). Each
solver runs until ``||K z - b|| <= tol`` (an absolute residual target chosen by the caller),
warm-started from ``z0``, and reports ``(z, residual_norm, iterations, converged)``.

=====================  ===================================================================
``'direct'``           LU factorisation (LAPACK dense, SuperLU sparse): exact solve
``'minres'``           MINRES (symmetric indefinite Krylov; :func:`numsolve.solve` ``'minres'``)
``'gaussian'``         sketch-and-project with one Gaussian vector per step (GV)
``'kaczmarz'``         randomized Kaczmarz: one uniformly chosen row per step (RK)
                       (both with optional acceleration for dense ``K``:
                       ``acceleration='momentum'``, error-minimising heavy ball;
                       ``'nesterov'``, accelerated sketch-and-project with adaptive
                       restarts; ``'hybrid'``, momentum then Nesterov)
``'block-gaussian'``   Gaussian block sketch of ``sketch_size`` columns per step
``'block-kaczmarz'``   ``sketch_size`` uniformly chosen rows per step (block Kaczmarz)
=====================  ===================================================================

The block sketches adapt their size by default: after a pass over the rows (``ceil(N / s)``
steps) that did not halve the residual, ``s`` doubles (up to ``N`` for dense ``K``, where a
Gaussian step is an exact projection, and up to 512 for sparse ``K``).

=====================  ===================================================================
=====================  ===================================================================

Randomness: the Numba loops use Numba's own per-thread generator, seeded at the start of every
solve from the caller's :class:`numpy.random.Generator`, so the same ``rng`` gives the same
iterates. The randomized solvers are Numba loops for dense ``K`` (the small problems where every
step costs ``O((n + m)^2)`` or less) and, for sparse ``K``, a Numba row-action loop (randomized
Kaczmarz; a step costs the non-zeros of one row) or numsolve's shared sketch-and-project engine
(:func:`numsolve.solve` ``method='sketch-project'``) for Gaussian and block sketches, which
also takes a matrix-free (``LinearOperator``) KKT matrix.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit

__all__ = ["KKT_SOLVERS", "KKTSolveInfo", "assemble_kkt", "solve_kkt"]

KKT_SOLVERS = ("direct", "minres", "gaussian", "kaczmarz", "block-gaussian", "block-kaczmarz")


@dataclass
class KKTSolveInfo:
    """Outcome of one KKT solve."""

    z: np.ndarray
    residual: float
    nit: int
    converged: bool
    message: str = ""
    sketch_size: int = 0


def assemble_kkt(B, G, reg: float = 0.0):
    """``[[B, G^T], [G, -reg I]]``: dense (both dense), CSR, or a ``LinearOperator`` when
    ``B`` is one (matrix-free Hessians: only ``'minres'`` and the Gaussian sketches use it).
    ``reg > 0`` regularises a rank-deficient ``G`` (``minimize_auglag``'s
    ``singular_jacobian='regularize'``)."""
    n = B.shape[0]
    m = G.shape[0]
    if isinstance(B, spla.LinearOperator):
        def mv(z):
            z = np.asarray(z).reshape(-1)
            zx, zv = z[:n], z[n:]
            return np.concatenate([B.matvec(zx) + np.asarray(G.T @ zv).reshape(-1),
                                   np.asarray(G @ zx).reshape(-1) - reg * zv])

        # K is symmetric: rmatvec = matvec; matmat is LinearOperator's column loop
        return spla.LinearOperator((n + m, n + m), matvec=mv, rmatvec=mv, dtype=float)
    if sp.issparse(B) or sp.issparse(G):
        return sp.bmat([[sp.csr_matrix(B), sp.csr_matrix(G).T],
                        [sp.csr_matrix(G), -reg * sp.identity(m) if reg else None]],
                       format="csr")
    K = np.zeros((n + m, n + m))
    K[:n, :n] = B
    K[:n, n:] = G.T
    K[n:, :n] = G
    if reg:
        K[n:, n:] = -reg * np.eye(m)
    return K


# ---------------------------------------------------------------------------------------------
# Numba loops (dense K)
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _dense_gaussian(K, b, z, tol, maxiter, seed):  # pragma: no cover - jitted
    np.random.seed(seed)  # noqa: NPY002
    N = K.shape[0]
    r = K @ z - b
    rn = np.sqrt(np.dot(r, r))
    it = 0
    s = np.empty(N)
    while rn > tol and it < maxiter:
        for i in range(N):
            s[i] = np.random.standard_normal()  # noqa: NPY002
        w = K.T @ s
        ww = np.dot(w, w)
        if ww > 0.0:
            step = np.dot(s, r) / ww
            z -= step * w
            r -= step * (K @ w)
        it += 1
        if it % 64 == 0:  # re-anchor the recursive residual
            r = K @ z - b
        rn = np.sqrt(np.dot(r, r))
    r = K @ z - b
    return it, np.sqrt(np.dot(r, r))


@njit(cache=True, nogil=True)
def _dense_kaczmarz(K, b, z, tol, maxiter, seed):  # pragma: no cover - jitted
    np.random.seed(seed)  # noqa: NPY002
    N = K.shape[0]
    rownorm2 = np.empty(N)
    for i in range(N):
        rownorm2[i] = np.dot(K[i], K[i])
    r = K @ z - b
    rn = np.sqrt(np.dot(r, r))
    it = 0
    KKt = K @ K.T  # column i of K K^T: the residual change of a step on row i
    while rn > tol and it < maxiter:
        i = np.random.randint(0, N)  # noqa: NPY002
        if rownorm2[i] > 0.0:
            step = r[i] / rownorm2[i]
            z -= step * K[i]
            r -= step * KKt[:, i]
        it += 1
        if it % 64 == 0:
            r = K @ z - b
            rn = np.sqrt(np.dot(r, r))
        elif it % 8 == 0:
            rn = np.sqrt(np.dot(r, r))
    r = K @ z - b
    return it, np.sqrt(np.dot(r, r))


@njit(cache=True, nogil=True)
def _dense_momentum(K, b, z, tol, maxiter, seed, gaussian):  # pragma: no cover - jitted
    """GV (``gaussian``) or RK with an error-minimising momentum term.

    Step ``z <- z - a w - c p``: ``w = K^T s`` the sketched direction (``s`` one Gaussian
    vector, or ``e_i`` for a uniformly chosen row ``i``), ``p`` the previous step, and
    ``(a, c)`` minimise the error ``||z - a w - c p - z*||`` -- computable because
    ``w^T (z - z*) = s^T r`` and the error stays orthogonal to the previous step. With ``c = 0``
    this is the plain projection, so (in exact arithmetic) no step increases the error; the
    adaptive stochastic heavy-ball idea of Zeng, Han, Su & Xie (arXiv:2305.05482), needing no
    spectral estimate. Every 64 steps the recursive residual and ``K p`` are recomputed. A
    non-finite step (rounding when ``w`` and ``p`` are nearly parallel) rolls back to the last
    re-anchored iterate with ``p = 0``.
    """
    np.random.seed(seed)  # noqa: NPY002
    N = K.shape[0]
    KKt = K @ K.T
    r = K @ z - b
    rn = np.sqrt(np.dot(r, r))
    z_anchor = z.copy()
    p = np.zeros(N)
    q = np.zeros(N)  # K p
    pp = 0.0
    s = np.empty(N)
    w = np.empty(N)
    Kw = np.empty(N)
    it = 0
    while rn > tol and it < maxiter:
        if gaussian:
            for i in range(N):
                s[i] = np.random.standard_normal()  # noqa: NPY002
            w[:] = K.T @ s
            Kw[:] = K @ w
            eta = np.dot(s, r)
        else:
            i = np.random.randint(0, N)  # noqa: NPY002
            w[:] = K[i]
            Kw[:] = KKt[:, i]
            eta = r[i]
        ww = np.dot(w, w)
        if ww > 0.0:
            a = eta / ww
            c = 0.0
            if pp > 0.0:
                wp = np.dot(w, p)
                det = ww * pp - wp * wp
                if det > 1e-8 * ww * pp:  # w and p not (nearly) parallel
                    a = eta * pp / det
                    c = -eta * wp / det
            for j in range(N):
                p[j] = -(a * w[j] + c * p[j])
                q[j] = -(a * Kw[j] + c * q[j])
            z += p
            r += q
            pp = np.dot(p, p)
        it += 1
        rn = np.sqrt(np.dot(r, r))
        if not np.isfinite(rn) or not np.isfinite(pp):
            z[:] = z_anchor
            r = K @ z - b
            rn = np.sqrt(np.dot(r, r))
            p[:] = 0.0
            q[:] = 0.0
            pp = 0.0
        elif it % 64 == 0:  # re-anchor the recursive residual and K p
            r = K @ z - b
            rn = np.sqrt(np.dot(r, r))
            z_anchor[:] = z
            q = K @ p
    r = K @ z - b
    return it, np.sqrt(np.dot(r, r))


@njit(cache=True, nogil=True)
def _dense_nesterov(K, b, x, tol, maxiter, seed, gaussian):  # pragma: no cover - jitted
    """Accelerated sketch-and-project (Gower, Hanzely, Richtarik & Stich, NeurIPS 2018) with
    one Gaussian vector (``gaussian``) or one uniformly chosen row per step.

    ``y = a v + (1 - a) x``;  ``g = w (s^T (K y - b)) / ||w||^2`` (``w = K^T s``: the plain
    projection step from ``y``);  ``x <- y - g``;  ``v <- beta v + (1 - beta) y - gamma g``,
    with ``beta = 1 - sqrt(mu / nu)``, ``gamma = 1 / sqrt(mu nu)``, ``a = 1 / (1 + gamma nu)``.
    ``mu`` (the smallest eigenvalue of the expected projection) is unknown: it is guessed,
    starting from ``1 / (4 nu)``, and the run goes in phases of ``4 sqrt(nu / mu)`` steps, each
    a restart (``v = x``); a phase that does not halve the residual divides the guess by 4 (and
    is rolled back if the residual grew). A phase that blows up (residual up 100-fold, or not
    finite) means ``nu`` was too small: it is rolled back and ``nu`` is multiplied by 4 (with
    ``mu <= 1 / (4 nu)``). ``mu`` never reaches 0 and the phase length is capped by ``maxiter``,
    so every call ends by ``maxiter``. ``nu = N`` for row sampling (the bound
    ``1 / min_i p_i``) and ``3 N`` for Gaussian vectors (measured ``1.5 N - 2.7 N`` on most
    HS KKT matrices, but ~50 N on HS50's first one and more on HS27's late ones; this variant
    then stalls until ``nu`` has grown: the reason ``'auto'`` starts with the momentum loop).
    ``x`` is updated in place; returns ``(steps, residual norm)``.
    """
    np.random.seed(seed)  # noqa: NPY002
    N = K.shape[0]
    nu = 3.0 * N if gaussian else 1.0 * N
    mu = 0.25 / nu
    rownorm2 = np.empty(N)
    for i in range(N):
        rownorm2[i] = np.dot(K[i], K[i])
    s = np.empty(N)
    w = np.empty(N)
    y = np.empty(N)
    v = np.empty(N)
    x_start = np.empty(N)
    chk = max(32, 4 * N)
    rn = np.sqrt(np.sum((K @ x - b) ** 2))
    it = 0
    while rn > tol and it < maxiter:
        beta = 1.0 - np.sqrt(mu / nu)
        gamma = 1.0 / np.sqrt(mu * nu)
        a = 1.0 / (1.0 + gamma * nu)
        T = int(min(np.ceil(4.0 * np.sqrt(nu / mu)), float(maxiter)))  # no int overflow
        x_start[:] = x
        r_start = rn
        v[:] = x
        t = 0
        while t < T and it < maxiter:
            for j in range(N):
                y[j] = a * v[j] + (1.0 - a) * x[j]
            if gaussian:
                for j in range(N):
                    s[j] = np.random.standard_normal()  # noqa: NPY002
                w[:] = K.T @ s
                ww = np.dot(w, w)
                eta = np.dot(w, y) - np.dot(s, b)
            else:
                i = np.random.randint(0, N)  # noqa: NPY002
                w[:] = K[i]
                ww = rownorm2[i]
                eta = np.dot(w, y) - b[i]
            step = eta / ww if ww > 0.0 else 0.0
            for j in range(N):
                g = step * w[j]
                x[j] = y[j] - g
                v[j] = beta * v[j] + (1.0 - beta) * y[j] - gamma * g
            t += 1
            it += 1
            if t % chk == 0:
                rn = np.sqrt(np.sum((K @ x - b) ** 2))
                if rn <= tol or not np.isfinite(rn):
                    break
        rn = np.sqrt(np.sum((K @ x - b) ** 2))
        if rn <= tol:
            break
        if not (rn <= 100.0 * r_start):  # blew up (or NaN): nu was too small
            x[:] = x_start
            rn = r_start
            nu *= 4.0
            mu = min(mu, 0.25 / nu)
        elif rn > 0.5 * r_start:
            mu = max(0.25 * mu, 1e-300)  # never 0: gamma = 1 / sqrt(mu nu)
            if rn > r_start:
                x[:] = x_start
                rn = r_start
    return it, np.sqrt(np.sum((K @ x - b) ** 2))


@njit(cache=True, nogil=True)
def _dense_block(K, b, z, tol, maxiter, seed, s, gaussian, adaptive):  # pragma: no cover
    """``z <- z - K^T S (S^T K K^T S)^+ S^T r`` with an ``N x s`` Gaussian or row sketch.

    ``adaptive``: after every pass (``ceil(N / s)`` steps) that did not halve the residual,
    the block size doubles (up to ``N``, where one Gaussian step is an exact solve). Returns
    ``(steps, residual norm, final block size)``.
    """
    np.random.seed(seed)  # noqa: NPY002
    N = K.shape[0]
    r = K @ z - b
    rn = np.sqrt(np.dot(r, r))
    it = 0
    check = (N + s - 1) // s
    since = 0
    last = rn
    while rn > tol and it < maxiter:
        if gaussian:
            S = np.empty((N, s))
            for i in range(N):
                for j in range(s):
                    S[i, j] = np.random.standard_normal()  # noqa: NPY002
            W = K.T @ S  # N x s
            Sr = S.T @ r
        else:
            rows = np.random.permutation(N)[:s]  # noqa: NPY002
            W = np.empty((N, s))
            Sr = np.empty(s)
            for j in range(s):
                W[:, j] = K[rows[j]]
                Sr[j] = r[rows[j]]
        M = W.T @ W
        y = np.linalg.solve(M, Sr)  # W has full column rank when K is nonsingular
        dz = W @ y
        z -= dz
        r -= K @ dz
        it += 1
        since += 1
        if it % 32 == 0:
            r = K @ z - b
        rn = np.sqrt(np.dot(r, r))
        if adaptive and since >= check:
            if rn > 0.5 * last and s < N:
                s = min(2 * s, N)
                check = (N + s - 1) // s
            since = 0
            last = rn
    r = K @ z - b
    return it, np.sqrt(np.dot(r, r)), s


# ---------------------------------------------------------------------------------------------
# sparse K: row actions on CSR
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _csr_kaczmarz_sweeps(indptr, indices, data, rownorm2, b, z, rows):  # pragma: no cover
    """One Kaczmarz step per entry of ``rows`` (row residuals computed on the fly)."""
    for t in range(rows.shape[0]):
        i = rows[t]
        nr = rownorm2[i]
        if nr <= 0.0:
            continue
        ri = -b[i]
        for jj in range(indptr[i], indptr[i + 1]):
            ri += data[jj] * z[indices[jj]]
        step = ri / nr
        for jj in range(indptr[i], indptr[i + 1]):
            z[indices[jj]] -= step * data[jj]


def _sparse_kaczmarz(K, b, z, tol, maxiter, rng):
    """Randomized Kaczmarz (one uniformly chosen row per step) on CSR, in Numba sweeps."""
    K = sp.csr_matrix(K)
    N = K.shape[0]
    indptr = K.indptr.astype(np.int64)
    indices = K.indices.astype(np.int64)
    data = K.data.astype(np.float64)
    rownorm2 = np.asarray(K.multiply(K).sum(axis=1)).ravel()
    rn = float(np.linalg.norm(K @ z - b))
    it = 0
    while rn > tol and it < maxiter:
        steps = min(N, maxiter - it)
        rows = rng.integers(0, N, size=steps)
        _csr_kaczmarz_sweeps(indptr, indices, data, rownorm2, b, z, rows)
        it += steps
        rn = float(np.linalg.norm(K @ z - b))
    return it, rn


_ADAPTIVE_MAX_BLOCK = 512  # sparse/operator K: the s x s Gram solves stay cheap

# Default step cap of the compiled sketch loops: a work budget of about 5e8 multiply-adds per
# solve (a one-vector step on a dense N x N matrix costs ~2 N^2), between 1e6 and 1e7 steps.
# Small dense KKT systems near a degenerate solution (HS49: N = 7, kappa_F^2 ~ 9e9) need up to
# ~3e6 accelerated Gaussian-vector steps per solve; 1e6 stopped them. 1e7 steps take ~5 s at
# N = 7 (per-step overhead dominates there).
_COMPILED_WORK_BUDGET = 500_000_000
_HYBRID_MOMENTUM = 250_000  # momentum steps of acceleration='hybrid' before Nesterov takes over


def default_sketch_cap(N: int, compiled: bool, s: int = 1) -> int:
    """Default iteration cap of one KKT solve of size ``N`` (see ``inner_maxiter``)."""
    if compiled:
        return int(max(1_000_000, min(10_000_000, _COMPILED_WORK_BUDGET // (N * N))))
    return 200 * math.ceil(N / s)


def _shared_sketch_project(K, b, z, tol, maxiter, rng, method, s, adaptive):
    """Gaussian and block sketches on sparse/operator ``K``: numsolve's sketch-and-project,
    run pass by pass; with ``adaptive`` the block size doubles after a pass that did not halve
    the residual (up to ``min(N, 512)``). Returns ``(steps, residual norm, block size)``."""
    from ..linalg.sketch._project import solve_sketch_project

    kind = "kaczmarz" if method == "block-kaczmarz" else "gaussian"
    N = K.shape[0]
    it = 0
    rn = last = float(np.linalg.norm(K @ z - b))
    while rn > tol and it < maxiter:
        chunk = min(maxiter - it, math.ceil(N / s) if adaptive else maxiter - it)
        res = solve_sketch_project(K, b, z, rtol=0.0, atol=float(tol), maxiter=int(chunk),
                                   sketch=kind, block_size=int(s), rng=rng)
        z[:] = np.asarray(res.x, dtype=np.float64)
        it += int(res.nit)
        rn = float(np.linalg.norm(K @ z - b))
        if adaptive and rn > 0.5 * last and s < min(N, _ADAPTIVE_MAX_BLOCK):
            s = min(2 * s, N, _ADAPTIVE_MAX_BLOCK)
        last = rn
    return it, rn, s


def spd_splu(S):
    """SuperLU factorisation of a sparse symmetric positive (semi)definite ``S`` (``G G^T``,
    ``G D^-1 G^T``): a symmetric ordering and diagonal pivots, several times faster than
    COLAMD with partial pivoting and with less fill. ``RuntimeError`` when exactly singular."""
    with np.errstate(all="ignore"):
        return spla.splu(sp.csc_matrix(S), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                         options={"SymmetricMode": True})


def _positive_diagonal(B):
    """The diagonal of a sparse ``B`` without off-diagonal entries when it is positive,
    else None."""
    if not sp.issparse(B):
        return None
    Bc = sp.coo_matrix(B)
    if np.any(Bc.data[Bc.row != Bc.col]):
        return None
    d = np.asarray(Bc.diagonal(), dtype=np.float64)
    return d if d.size and np.all(d > 0) and np.all(np.isfinite(d)) else None


def _schur_solver(B, G):
    """Solver of ``[[D, G^T], [G, 0]] z = b`` for a positive diagonal ``D`` (the range-space
    method): one sparse LU of ``S = G D^-1 G^T`` (:func:`spd_splu`: positive definite when
    ``G`` has full rank; several times faster than an LU of the indefinite ``K``). None when
    it does not apply."""
    d = _positive_diagonal(B)
    if d is None or not sp.issparse(G) or G.shape[0] == 0:
        return None
    n = d.size
    Gs = sp.csr_matrix(G, dtype=np.float64)
    dinv = 1.0 / d
    lu = spd_splu(Gs.multiply(dinv[None, :]).tocsr() @ Gs.T)

    def solve(rhs):
        r1, r2 = rhs[:n], rhs[n:]
        dv = lu.solve(np.asarray(Gs @ (dinv * r1)).reshape(-1) - r2)
        dx = dinv * (r1 - np.asarray(Gs.T @ dv).reshape(-1))
        return np.concatenate([dx, dv])

    return solve


def _direct_solve(K, b, tol, blocks, cache):
    """``K^-1 b`` by a factorisation kept in ``cache`` (the KKT matrix of one outer iteration
    is solved again after every penalty update): the Schur complement with iterative
    refinement when ``B`` is a positive diagonal and the result meets ``tol``, else SuperLU
    (sparse) or LAPACK's LU (dense)."""
    cache = {} if cache is None else cache
    if "solve" not in cache:
        solver = None
        if blocks is not None and sp.issparse(K):
            try:
                solver = _schur_solver(*blocks)
            except RuntimeError:  # S singular (rank-deficient G): leave it to the full LU
                solver = None
        cache["solve"], cache["schur"] = solver, solver is not None
    if cache["solve"] is not None:
        # S can be ill-conditioned (kappa(G)^2): iterative refinement, up to 3 steps while
        # each at least halves the residual, brings the solve to LU accuracy or better
        with np.errstate(all="ignore"):
            z = cache["solve"](b)
            r = b - K @ z
            rn = float(np.linalg.norm(r))
            for _ in range(3):
                if not rn > 1e-14 * float(np.linalg.norm(b)):
                    break
                z_new = z + cache["solve"](r)
                r_new = b - K @ z_new
                rn_new = float(np.linalg.norm(r_new))
                if not rn_new < 0.5 * rn:
                    break
                z, r, rn = z_new, r_new, rn_new
        if rn <= tol:
            return z
        cache["solve"] = None  # not accurate enough here: the general factorisation
    if "lu" not in cache:
        if sp.issparse(K):
            with np.errstate(all="ignore"):
                cache["lu"] = spla.splu(sp.csc_matrix(K)).solve
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", sla.LinAlgWarning)
                lu_piv = sla.lu_factor(K, check_finite=True)
            if not np.all(np.diag(lu_piv[0])):
                raise np.linalg.LinAlgError("exactly singular")
            cache["lu"] = lu_piv
    lu = cache["lu"]
    if callable(lu):
        with np.errstate(all="ignore"):
            return lu(b)
    return sla.lu_solve(lu, b)


def _direct_info(K, b, z0, tol, blocks, cache) -> KKTSolveInfo:
    """``'direct'``: :func:`_direct_solve`, a singular ``K`` reported (not raised)."""
    try:
        z = _direct_solve(K, b, tol, blocks, cache)
    except (np.linalg.LinAlgError, RuntimeError, ValueError) as exc:
        return KKTSolveInfo(z=z0, residual=np.inf, nit=0, converged=False,
                            message=f"the KKT matrix is singular ({exc})")
    res = float(np.linalg.norm(K @ z - b))
    ok = bool(np.isfinite(res))
    return KKTSolveInfo(z=z, residual=res, nit=1, converged=ok,
                        message="" if ok else "the KKT matrix is singular")


def _minres_info(K, b, z0, tol, maxiter) -> KKTSolveInfo:
    """``'minres'``: numsolve's MINRES to the absolute residual ``tol`` (cap ``10 N``)."""
    from ..linalg.krylov._minres import solve_minres

    res = solve_minres(K, b, z0, rtol=0.0, atol=float(tol),
                       maxiter=10 * K.shape[0] if maxiter is None else int(maxiter))
    z = np.asarray(res.x, dtype=np.float64)
    rn = float(np.linalg.norm(K @ z - b))
    ok = bool(rn <= tol * (1 + 1e-12))
    return KKTSolveInfo(z=z, residual=rn, nit=int(res.nit), converged=ok,
                        message="" if ok else f"MINRES stopped: {res.message}")


def _check_sketch(K, method, acceleration) -> None:
    """Refuse what the sketch solvers cannot do: Kaczmarz without rows, acceleration off the
    one-vector sketches on a dense ``K``."""
    if isinstance(K, spla.LinearOperator) and "kaczmarz" in method:
        raise TypeError("Kaczmarz sketches need the rows of the KKT matrix: give the Hessian "
                        "as a matrix, or use kkt_solver='minres' or a Gaussian sketch")
    if acceleration not in ("none", "momentum", "nesterov", "hybrid"):
        raise ValueError("acceleration must be 'none', 'momentum', 'nesterov' or 'hybrid', "
                         f"got {acceleration!r}")
    if acceleration != "none" and (method not in ("gaussian", "kaczmarz") or sp.issparse(K)
                                   or isinstance(K, spla.LinearOperator)):
        raise ValueError("acceleration ('momentum', 'nesterov') is implemented for the "
                         "one-vector sketches ('gaussian', 'kaczmarz') on dense KKT matrices; got "
                         f"{method!r} on a {'dense' if isinstance(K, np.ndarray) else 'sparse'}"
                         " KKT matrix")


def _dense_sketch(K, b, z, tol, maxiter, seed, method, s, adaptive, acceleration, equilibrate):
    """The compiled loops on a dense ``K`` (``z`` updated in place); returns ``(steps,
    residual norm, block size)``. ``equilibrate`` (``'gaussian'``): the loops run on
    ``D K z = D b``, ``D = diag(1 / ||K_i||)``, and the residual is that of ``K z = b``."""
    K = np.ascontiguousarray(K, dtype=np.float64)
    K_orig, b_orig = K, b
    gaussian = method == "gaussian"
    if equilibrate and gaussian:
        w = np.sqrt(np.einsum("ij,ij->i", K, K))
        w[w == 0] = 1.0
        K, b, tol = np.ascontiguousarray(K / w[:, None]), b / w, tol / float(w.max())
    if acceleration == "hybrid":  # momentum for a while, then Nesterov
        warm = max(1, min(maxiter // 4, _HYBRID_MOMENTUM))
        it, rn = _dense_momentum(K, b, z, tol, warm, seed, gaussian)
        if rn > tol and it < maxiter:
            it2, rn = _dense_nesterov(K, b, z, tol, maxiter - it, seed + 1, gaussian)
            it += it2
    elif acceleration == "nesterov":
        it, rn = _dense_nesterov(K, b, z, tol, maxiter, seed, gaussian)
    elif acceleration == "momentum":
        it, rn = _dense_momentum(K, b, z, tol, maxiter, seed, gaussian)
    elif gaussian:
        it, rn = _dense_gaussian(K, b, z, tol, maxiter, seed)
    elif method == "kaczmarz":
        it, rn = _dense_kaczmarz(K, b, z, tol, maxiter, seed)
    else:
        it, rn, s = _dense_block(K, b, z, tol, maxiter, seed, s, method == "block-gaussian",
                                 adaptive)
    if K is not K_orig:  # back to the caller's system
        rn = float(np.linalg.norm(K_orig @ z - b_orig))
    return it, rn, s


def solve_kkt(K, b, z0, *, method: str, tol: float, maxiter: int | None,
              rng: np.random.Generator, sketch_size: int | None = None,
              adaptive: bool = True, acceleration: str = "none", blocks=None,
              cache: dict | None = None, equilibrate: bool = False) -> KKTSolveInfo:
    """Solve ``K z = b`` to ``||K z - b|| <= tol`` with the chosen KKT solver (see module doc).

    ``maxiter=None`` takes each solver's default cap (see ``minimize_auglag``'s
    ``inner_maxiter``). ``acceleration`` (one-vector sketches ``'gaussian'``/``'kaczmarz'``
    on a dense ``K`` only): ``'none'`` (plain steps), ``'momentum'`` (``_dense_momentum``),
    ``'nesterov'`` (``_dense_nesterov``) or ``'hybrid'`` (momentum for
    ``min(cap / 4, 250 000)`` steps, then Nesterov from where it stopped). ``'direct'``:
    ``blocks=(B, G)`` enables the Schur-complement solve for a positive diagonal ``B``, and
    ``cache`` (a dict, one per ``K``) keeps the factorisation between calls. ``equilibrate``
    (``'gaussian'`` on a dense ``K``): Gaussian vectors with covariance ``D^2``,
    ``D = diag(1 / ||K_i||)``, i.e. sketch-and-project on the row-equilibrated system
    ``D K z = D b`` (same solution); it stops at ``||D (K z - b)|| <= tol / max_i ||K_i||``,
    which implies ``||K z - b|| <= tol``.
    """
    N = K.shape[0]
    z = np.array(z0, dtype=np.float64, copy=True)
    b = np.asarray(b, dtype=np.float64)
    if method == "direct":
        return _direct_info(K, b, z, tol, blocks, cache)
    if method == "minres":
        return _minres_info(K, b, z, tol, maxiter)
    if method not in KKT_SOLVERS:
        raise ValueError(f"kkt_solver must be one of {', '.join(KKT_SOLVERS)}; got {method!r}")
    if method.startswith("block-"):
        s = int(sketch_size) if sketch_size is not None else max(2, int(np.ceil(np.sqrt(N))))
        s = min(s, N)
    else:
        s = 1
    compiled = not (sp.issparse(K) or isinstance(K, spla.LinearOperator)) or method == "kaczmarz"
    if maxiter is None:
        maxiter = default_sketch_cap(N, compiled, s)
    seed = int(rng.integers(0, 2**31 - 1))
    _check_sketch(K, method, acceleration)
    adaptive = bool(adaptive) and method.startswith("block-")
    if sp.issparse(K) and method == "kaczmarz":
        it, rn = _sparse_kaczmarz(K, b, z, tol, maxiter, rng)
    elif sp.issparse(K) or isinstance(K, spla.LinearOperator):
        it, rn, s = _shared_sketch_project(K, b, z, tol, maxiter, rng, method, s, adaptive)
    else:
        try:
            it, rn, s = _dense_sketch(K, b, z, tol, maxiter, seed, method, s, adaptive,
                                      acceleration, equilibrate)
        except np.linalg.LinAlgError as exc:  # a singular sketched system (block sketches)
            return KKTSolveInfo(z=z, residual=np.inf, nit=0, converged=False,
                                message=f"singular sketched system in {method} ({exc})")
    ok = bool(rn <= tol)
    msg = "" if ok else (f"the {method} sketch solver reached its iteration cap ({maxiter}) "
                         f"with residual {rn:.3e} > {tol:.3e}")
    return KKTSolveInfo(z=z, residual=float(rn), nit=int(it), converged=ok, message=msg,
                        sketch_size=int(s))
