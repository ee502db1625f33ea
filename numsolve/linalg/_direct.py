"""Direct (factorisation) solves: the reference every iterative method is compared with.

``solve(A, b, method='direct')`` uses LAPACK (``xp.linalg.solve``) for dense ``A`` and SuperLU
(``scipy.sparse.linalg.spsolve``/``splu``; ``cupyx`` equivalents on the GPU) for sparse ``A``.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse.linalg as spla

from .._backend import is_cupy_namespace, is_sparse
from .._result import SolveResult
from ._system import host_scalars, prepare_system

__all__ = ["solve_direct", "solve_batch_direct"]


def _sparse_solve(A, B, xp):
    if is_cupy_namespace(xp):  # pragma: no cover - needs a GPU
        import cupyx.scipy.sparse.linalg as cspla

        if B.shape[1] == 1:
            return cspla.spsolve(A.tocsr(), B[:, 0])[:, None]
        lu = cspla.splu(A.tocsc())
        return lu.solve(B)
    with warnings.catch_warnings():
        warnings.simplefilter("error", spla.MatrixRankWarning)
        lu = spla.splu(A.tocsc())
    return lu.solve(np.asarray(B))


def _direct(system, what: str = "A"):
    xp = system.xp
    if system.kind == "operator":
        raise TypeError("method='direct' needs A as a dense or sparse matrix, not a LinearOperator")
    try:
        if is_sparse(system.A):
            X = _sparse_solve(system.A, system.b, xp)
        else:
            X = xp.linalg.solve(system.A, system.b)
    except (np.linalg.LinAlgError, RuntimeError, spla.MatrixRankWarning) as exc:
        return None, f"{what} is singular: {exc}"
    X = xp.asarray(X)
    if not bool(xp.all(xp.isfinite(X))):
        return None, f"{what} is singular or too ill-conditioned (non-finite solution)"
    return X, None


def _result(system, X, err, k_shape=False):
    xp = system.xp
    if X is None:
        X = xp.full((system.n, system.k), float("nan"), dtype=system.dtype)
        rn = np.full(system.k, np.nan)
    else:
        R = system.b - system.matmat(X)
        rn = host_scalars(xp.linalg.vector_norm(R, axis=0), xp)
    ok = err is None
    x = xp.reshape(X, (system.n,)) if system.vector_input else X
    if k_shape:
        return SolveResult(x=x, success=np.full(system.k, ok),
                           status=np.full(system.k, 0 if ok else 3),
                           message="Solved by factorisation." if ok else err,
                           nit=np.zeros(system.k, dtype=np.int64), residual_norms=rn[None, :],
                           backend=system.backend, method="direct")
    return SolveResult(x=x, success=ok, status=0 if ok else 3,
                       message="Solved by factorisation." if ok else err, nit=0,
                       residual_norms=rn, backend=system.backend, method="direct")


def solve_direct(A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
                 check_finite: bool = True) -> SolveResult:
    """Solve by LU factorisation (dense LAPACK or sparse SuperLU).

    ``x0``, ``rtol``, ``atol``, ``maxiter``, ``M`` and ``callback`` are accepted for a uniform
    interface and ignored. A singular matrix gives ``success=False`` (``status=3``).
    """
    system = prepare_system(A, b, None, None, check_finite=check_finite)
    X, err = _direct(system)
    return _result(system, X, err)


def solve_batch_direct(A, B, X0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None,
                       callback=None, check_finite: bool = True) -> SolveResult:
    """Direct solves for every batch form of :func:`numsolve.solve_batch`."""
    from .krylov._batch import _prepare_stack, classify_batch

    form = classify_batch(A)
    if form == "shared":
        system = prepare_system(A, B, None, None, block=True, check_finite=check_finite)
        X, err = _direct(system)
        return _result(system, X, err, k_shape=True)
    if form == "stack":
        system, _ = _prepare_stack(A, B, X0, check_finite)
        xp = system.xp
        Bt = xp.permute_dims(system.b, (1, 0))
        try:
            X = xp.linalg.solve(system.A, Bt[:, :, None])[:, :, 0]
            err = None if bool(xp.all(xp.isfinite(X))) else "a system is singular"
        except (np.linalg.LinAlgError, RuntimeError) as exc:
            X, err = None, f"a system is singular: {exc}"
        m = system.k
        if X is None:
            X = xp.full((m, system.n), float("nan"), dtype=system.dtype)
            rn = np.full(m, np.nan)
        else:
            R = Bt - xp.matmul(system.A, X[:, :, None])[:, :, 0]
            rn = host_scalars(xp.linalg.vector_norm(R, axis=1), xp)
        ok = np.isfinite(rn)
        return SolveResult(x=X, success=ok, status=np.where(ok, 0, 3), nit=np.zeros(m, np.int64),
                           message="Solved by factorisation." if err is None else err,
                           residual_norms=rn[None, :], backend=system.backend, method="direct")
    xs, ok, rn, msgs = [], [], [], []
    Bl = list(B) if isinstance(B, (list, tuple)) else [B[i] for i in range(len(A))]
    if len(Bl) != len(A):
        raise ValueError(f"B has {len(Bl)} right-hand sides for {len(A)} systems")
    for i, (Ai, bi) in enumerate(zip(A, Bl)):
        system = prepare_system(Ai, bi, None, None, check_finite=check_finite)
        X, err = _direct(system, what=f"A[{i}]")
        res = _result(system, X, err)
        xs.append(res.x)
        ok.append(res.success)
        rn.append(float(res.residual_norms[0]))
        if err:
            msgs.append(err)
    sizes = {x.shape[0] for x in xs}
    X = np.stack(xs) if len(sizes) == 1 else xs
    ok = np.asarray(ok)
    return SolveResult(x=X, success=ok, status=np.where(ok, 0, 3), nit=np.zeros(len(xs), np.int64),
                       message="Solved by factorisation." if not msgs else "; ".join(msgs),
                       residual_norms=np.asarray(rn)[None, :], backend="numpy", method="direct")
