"""Restarted GMRES and flexible GMRES (right preconditioning) for general square systems.

``gmres`` and ``fgmres`` share one engine (:func:`gmres_iterate`): Arnoldi with modified
Gram-Schmidt (re-orthogonalised once when cancellation is detected), Givens rotations on the
host, and a restart every ``restart`` inner iterations. Preconditioning is on the right,
``A M u = b, x = M u``, so the residual the method minimises is the true residual ``b - A x``.

* ``gmres`` applies a *fixed linear* ``M`` once per cycle (``x += M (V y)``).
* ``fgmres`` (Saad 1993) stores ``z_j = M(v_j)`` and updates ``x += Z y``: ``M`` may be nonlinear
  or change between iterations (an inner solve, an AMG cycle, a learned model).

SciPy semantics: converged when ``norm(b - A x) <= max(rtol * norm(b), atol)`` (checked on the
true residual at every restart and whenever the Arnoldi estimate claims convergence);
``maxiter`` counts restart cycles as in :func:`scipy.sparse.linalg.gmres` (default
``min(10000, 10 n)``), ``nit`` counts inner iterations (products with ``A``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..._checks import check_int
from ..._result import SolveResult, wrap_callback
from ..._status import CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE
from ._common import (
    STAGNATION,
    VectorOps,
    initial_outcome,
    notify_stop,
    outcome,
    prepare_vector_problem,
)

__all__ = ["gmres", "fgmres", "solve_gmres", "solve_fgmres", "gmres_iterate"]


def _givens(a, b):
    """``(c, s, r)`` with ``[c, s; -conj(s), c] [a; b] = [r; 0]`` (c real)."""
    if b == 0:
        return 1.0, 0.0 * b, a
    if a == 0:
        return 0.0, np.conj(b) / abs(b), abs(b)
    t = float(np.hypot(abs(a), abs(b)))
    c = abs(a) / t
    s = (a / abs(a)) * np.conj(b) / t
    return c, s, (a / abs(a)) * t


def gmres_iterate(
    ops: VectorOps,
    b,
    x,
    precond: Callable[[Any], Any] | None,
    *,
    tol: float,
    restart: int,
    maxiter: int,
    flexible: bool,
    notify=None,
    who: str = "M",
) -> dict[str, Any]:
    """The restarted (F)GMRES loop on 1-D vectors (internal; ``x`` updated in place)."""
    hdtype = np.complex128 if ops.complex else np.float64
    r = ops.residual(b, x)
    beta = ops.norm(r)
    history = [beta]
    start = initial_outcome(beta, tol, history)
    if start is not None:
        return start
    nit = 0
    best = beta
    for _cycle in range(maxiter):
        V = [r / ops.scal(beta)]
        Z = []
        H = np.zeros((restart + 1, restart), dtype=hdtype)
        g = np.zeros(restart + 1, dtype=hdtype)
        g[0] = beta
        cs = np.zeros(restart)
        sn = np.zeros(restart, dtype=hdtype)
        j_done = 0
        est = np.inf
        stop = None
        for j in range(restart):
            if precond is None:
                z = V[j]
            else:
                z = ops.vec(precond(V[j]), who)
                if not ops.all_finite(z):
                    stop = (NONFINITE, f"{who} returned NaN or inf at iteration {nit + 1}")
                    break
            if flexible:
                Z.append(z)
            w = ops.Av(z)
            hcol = np.zeros(j + 2, dtype=hdtype)
            wnorm0 = ops.norm(w)
            for i in range(j + 1):
                h = ops.cdot(V[i], w)
                hcol[i] = h
                w = w - ops.scal(h) * V[i]
            hn = ops.norm(w)
            if hn < 0.5 * wnorm0:  # cancellation: one more Gram-Schmidt pass
                for i in range(j + 1):
                    h = ops.cdot(V[i], w)
                    hcol[i] += h
                    w = w - ops.scal(h) * V[i]
                hn = ops.norm(w)
            hcol[j + 1] = hn
            if not np.all(np.isfinite(hcol)):
                stop = (NONFINITE, f"non-finite Arnoldi coefficients at iteration {nit + 1}")
                break
            for i in range(j):  # previous rotations
                a, bb = hcol[i], hcol[i + 1]
                hcol[i] = cs[i] * a + sn[i] * bb
                hcol[i + 1] = -np.conj(sn[i]) * a + cs[i] * bb
            c, s, rr = _givens(hcol[j], hcol[j + 1])
            cs[j], sn[j] = c, s
            hcol[j], hcol[j + 1] = rr, 0.0
            g[j + 1] = -np.conj(s) * g[j]
            g[j] = c * g[j]
            H[: j + 2, j] = hcol
            nit += 1
            j_done = j + 1
            est = float(abs(g[j + 1]))
            history.append(est)
            if notify is not None:
                xk = _update(ops, x, V, Z, H, g, j_done, precond, flexible, inplace=False)
                if notify_stop(notify, xk, nit, est):
                    _update(ops, x, V, Z, H, g, j_done, precond, flexible)
                    return outcome(CALLBACK_STOP, nit, history)
            if est <= tol or hn == 0.0:
                break
            V.append(w / ops.scal(hn))
        if j_done:
            _update(ops, x, V, Z, H, g, j_done, precond, flexible)
        if stop is not None:
            return outcome(stop[0], nit, history, stop[1])
        r = ops.residual(b, x)
        beta = ops.norm(r)
        if len(history) > 1:
            history[-1] = beta
        if not np.isfinite(beta):
            return outcome(NONFINITE, nit, history, f"non-finite residual at iteration {nit}")
        if beta <= tol:
            return outcome(CONVERGED, nit, history)
        if beta >= 0.999 * best and (est <= tol or j_done < restart):
            # the Arnoldi estimate claimed convergence (or the space was exhausted) but the true
            # residual did not improve: no accuracy left to gain
            return outcome(STAGNATION, nit, history, f"true residual {beta:.3e} above the "
                           f"tolerance {tol:.3e} after the Krylov space was exhausted")
        best = min(best, beta)
    return outcome(MAXITER, nit, history)


def _update(ops, x, V, Z, H, g, j, precond, flexible, inplace=True):
    """``x + Z y`` (flexible) or ``x + M (V y)``, ``y = H[:j, :j]^{-1} g[:j]``."""
    from scipy.linalg import solve_triangular

    y = solve_triangular(H[:j, :j], g[:j], lower=False, check_finite=False)
    basis = Z if flexible else V
    upd = None
    for i in range(j):
        term = ops.scal(y[i]) * basis[i]
        upd = term if upd is None else upd + term
    if not flexible and precond is not None:
        upd = ops.vec(precond(upd), "M")
    if inplace:
        x += upd
        return x
    return x + upd


def _run(A, b, x0, M, rtol, atol, maxiter, callback, restart, flexible, check_finite, method):
    restart = check_int("restart", restart, low=1)
    pb = prepare_vector_problem(A, b, x0, M, rtol, atol, maxiter, check_finite=check_finite,
                                default_maxiter=lambda n: min(10000, 10 * n))
    out = gmres_iterate(pb.ops, pb.b, pb.x, pb.ops.psolve, tol=pb.tol,
                        restart=min(restart, pb.system.n), maxiter=pb.maxiter,
                        flexible=flexible, notify=wrap_callback(callback))
    return pb.result(out, method)


_DOC_EXAMPLE_SETUP = """
    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> import numsolve
    >>> n = 200
    >>> A = sp.diags([-1.2, 2.5, -0.8], [-1, 0, 1], shape=(n, n), format="csr")
"""

_DOC_PARAMS = """
    Parameters
    ----------
    A : array, sparse matrix or LinearOperator, shape (n, n)
        Any nonsingular square matrix (need not be symmetric).
    b : array, shape (n,)
    x0 : array, shape (n,), optional
        Initial guess (zeros by default). Never modified.
    rtol, atol : float
        Converged when ``norm(b - A @ x) <= max(rtol * norm(b), atol)`` (SciPy semantics).
    maxiter : int, optional
        Maximum number of restart cycles (SciPy's meaning), default ``min(10000, 10 n)``.
    M : array, sparse matrix, LinearOperator or callable, optional
        Right preconditioner approximating ``A^{-1}`` (PyAMG's ``aspreconditioner()`` works).
    callback : callable, optional
        ``callback(intermediate_result)`` (``x``, ``nit``, ``residual_norm``: the Arnoldi
        estimate) or legacy ``callback(xk)``, once per inner iteration.
    restart : int, default 20
        Inner iterations per cycle (SciPy's default).
    check_finite : bool, default True
        Reject NaN/inf in the inputs.

    Returns
    -------
    SolveResult
        ``nit`` counts inner iterations; ``residual_norms`` holds the per-iteration estimates,
        replaced by the true residual at the end of every cycle.
"""


def solve_gmres(A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
                restart: int = 20, check_finite: bool = True) -> SolveResult:
    return _run(A, b, x0, M, rtol, atol, maxiter, callback, restart, False, check_finite, "gmres")


def solve_fgmres(A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None,
                 restart: int = 20, check_finite: bool = True) -> SolveResult:
    return _run(A, b, x0, M, rtol, atol, maxiter, callback, restart, True, check_finite, "fgmres")


solve_gmres.__doc__ = (
    """Restarted GMRES with right preconditioning for general (nonsymmetric) systems.

    Called through ``numsolve.solve(A, b, method='gmres', ...)`` or directly as
    :func:`numsolve.linalg.gmres`. ``M`` must be a fixed linear operator; use
    ``method='fgmres'`` for a nonlinear or varying one. GMRES is the method of Saad and
    Schultz [1]_.
"""
    + _DOC_PARAMS
    + """
    References
    ----------
    .. [1] Y. Saad and M. H. Schultz, "GMRES: a generalized minimal residual algorithm for
       solving nonsymmetric linear systems", SIAM J. Sci. Stat. Comput. 7(3):856-869, 1986.
"""
    + _DOC_EXAMPLE_SETUP
    + """    >>> b = np.ones(n)
    >>> res = numsolve.solve(A, b, method="gmres", rtol=1e-10)
    >>> res.success, bool(np.linalg.norm(b - A @ res.x) <= 1e-10 * np.linalg.norm(b))
    (True, True)
"""
)

solve_fgmres.__doc__ = (
    """Flexible GMRES (Saad 1993 [1]_): right preconditioning with a nonlinear or varying ``M``.

    Called through ``numsolve.solve(A, b, method='fgmres', ...)`` or directly as
    :func:`numsolve.linalg.fgmres`. Stores ``z_j = M(v_j)`` (twice the memory of GMRES).
"""
    + _DOC_PARAMS
    + """
    References
    ----------
    .. [1] Y. Saad, "A flexible inner-outer preconditioned GMRES algorithm", SIAM J. Sci.
       Comput. 14(2):461-469, 1993.
"""
    + _DOC_EXAMPLE_SETUP
    + """    >>> inner = lambda r: numsolve.solve(A, r, method="gmres", rtol=1e-1, maxiter=1).x
    >>> res = numsolve.solve(A, np.ones(n), method="fgmres", M=inner, rtol=1e-10)
    >>> res.success
    True
"""
)

#: public aliases
gmres = solve_gmres
fgmres = solve_fgmres
