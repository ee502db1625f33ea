"""Sketch-and-project (randomized block Kaczmarz) for ``A x = b``: ``method="sketch-project"``.

Gower & Richtarik (2015), "Randomized iterative methods for linear systems": with a random
``n x s`` sketch ``S`` drawn fresh every iteration,

    x <- x - A^T S (S^T A A^T S)^+ S^T (A x - b),

the projection of ``x`` onto the solution set of the sketched equations ``S^T A x = S^T b``.
``sketch='kaczmarz'`` (``S`` selects ``s`` random rows: block Kaczmarz, ``O(s n)`` per
iteration on dense rows, ``O(s nnz(row))`` on CSR), ``'gaussian'`` or ``'sparse-sign'`` (dense
``s x n`` blocks ``S^T A``; ``O(s nnz(A))`` per iteration). Converges linearly in expectation for
any consistent system (rate governed by the smallest eigenvalue of
``E[A^T S (S^T A A^T S)^+ S^T A]``), so it is a solver for well-conditioned systems, a
building block (KKT systems, ``s = 1`` randomized Kaczmarz or Gaussian-vector sketches), and a
memory-light alternative to factorizations.

Convergence is tested SciPy-style, ``||b - A x|| <= max(rtol ||b||, atol)``, on the true
residual every ``check_every`` iterations (default ``ceil(n / s)``: about one pass over ``A``).
"""

from __future__ import annotations

import math

import numpy as np

from ..._backend import is_numpy_namespace, is_sparse, to_numpy
from ..._checks import as_rng, check_choice, check_maxiter, check_tolerances
from ..._result import OptimizeResult, SolveResult, wrap_callback
from ..._status import CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, status_message
from .._system import prepare_system
from ._operators import check_sketch_size, make_sketch

__all__ = ["solve_sketch_project"]

_KINDS = ("kaczmarz", "gaussian", "sparse-sign")


def solve_sketch_project(
    A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
    sketch: str = "kaczmarz", block_size: int | None = None, check_every: int | None = None,
    rng: int | np.random.Generator | None = None,
) -> SolveResult:
    """Sketch-and-project for ``A x = b`` (see the module notes).

    Options: ``sketch`` (``'kaczmarz'``, ``'gaussian'``, ``'sparse-sign'``; a
    ``LinearOperator`` has no rows to sample, so ``'kaczmarz'`` uses Gaussian blocks there),
    ``block_size``
    (``s``, ``1 <= s <= n``; default ``min(n, 32)``), ``check_every``, ``rng``. ``maxiter``
    defaults to ``200 * ceil(n / s)``.
    """
    if M is not None:
        raise ValueError("method 'sketch-project' does not use a preconditioner M")
    system = prepare_system(A, b, x0, None)
    if system.k != 1:  # pragma: no cover - prepare_system enforces it for solve
        raise ValueError("sketch-project solves one right-hand side")
    xp, n = system.xp, system.n
    if xp.isdtype(system.dtype, "complex floating"):
        raise TypeError("method 'sketch-project' supports real systems only")
    rtol, atol = check_tolerances(rtol, atol)
    sketch = check_choice("sketch", sketch, _KINDS)
    s = check_sketch_size(min(n, 32) if block_size is None else block_size, n,
                          name="block_size", what="the number of equations n")
    passes = math.ceil(n / s)
    maxiter = check_maxiter(maxiter, 200 * passes)
    check_every = check_maxiter(check_every, passes)
    g = as_rng(rng)
    notify = wrap_callback(callback)

    Amat = system.A
    kind = system.kind
    if kind == "sparse" and Amat.format != "csr":
        Amat = Amat.tocsr()
    bvec = xp.reshape(system.b, (n,))
    x = xp.zeros(n, dtype=system.dtype) if system.x0 is None else xp.reshape(system.x0, (n,))

    def residual(x):
        return bvec - xp.reshape(system.matmat(xp.reshape(x, (n, 1))), (n,))

    bnorm = float(xp.linalg.vector_norm(bvec))
    tol = max(rtol * bnorm, atol)
    rnorm = float(xp.linalg.vector_norm(residual(x)))
    history = [rnorm]
    status = CONVERGED if rnorm <= tol else None
    nit = 0
    host = is_numpy_namespace(xp)
    while status is None:
        if nit >= maxiter:
            status = MAXITER
            break
        if sketch == "kaczmarz" and kind != "operator":
            J = np.sort(g.choice(n, size=s, replace=False))
            Jx = xp.asarray(J) if not host else J
            if kind == "sparse":
                AJ = Amat[Jx]
                AJ = AJ.toarray() if is_sparse(AJ) else AJ
                AJ = xp.asarray(AJ)
            else:
                AJ = xp.take(Amat, Jx, axis=0)
            cJ = AJ @ x - xp.take(bvec, Jx, axis=0)
        else:
            kw = {"nnz_per_column": min(8, s)} if sketch == "sparse-sign" else {}
            Sk = make_sketch("gaussian" if sketch == "kaczmarz" else sketch, s, n, rng=g, **kw)
            # (A and b were checked for NaN/inf once, by prepare_system)
            AJ = xp.asarray(Sk.apply(Amat, check_finite=False), dtype=system.dtype)
            cJ = AJ @ x - xp.asarray(Sk.apply(bvec, check_finite=False), dtype=system.dtype)
        G = AJ @ AJ.T
        z = _psolve(G, cJ, xp)
        x = x - AJ.T @ z
        nit += 1
        if nit % check_every == 0 or nit == maxiter:
            rnorm = float(xp.linalg.vector_norm(residual(x)))
            history.append(rnorm)
            if not math.isfinite(rnorm):
                status = NONFINITE
                break
            if rnorm <= tol:
                status = CONVERGED
                break
        if notify is not None and notify(OptimizeResult(x=x, nit=nit, residual_norm=rnorm)):
            status = CALLBACK_STOP
            break
    msg = status_message(status, kind="linear")
    return SolveResult(
        x=x, success=status == CONVERGED, status=status, message=msg, nit=nit,
        residual_norms=np.asarray(history), backend=system.backend, block_size=s,
    )


def _psolve(G, c, xp):
    """``G^+ c`` for the small symmetric PSD Gram matrix ``G`` (s x s)."""
    if is_numpy_namespace(xp):
        return np.linalg.lstsq(G, c, rcond=None)[0]
    try:
        return xp.linalg.solve(G, c)
    except Exception:  # singular block: host pseudo-inverse
        z = np.linalg.lstsq(to_numpy(G), to_numpy(c), rcond=None)[0]
        return xp.asarray(z)
