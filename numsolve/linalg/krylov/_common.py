"""Shared plumbing of the single-right-hand-side Krylov solvers (FCG, DCDM, GMRES, MINRES).

:func:`prepare_vector_problem` is every solver's preamble (validation of the system, the
tolerances and ``maxiter``; the right-hand side, the initial guess and the absolute tolerance as
1-D vectors); :class:`VectorProblem` turns a solver's :func:`outcome` into a
:class:`~numsolve.SolveResult`. :class:`VectorOps` wraps a validated
:class:`~numsolve.linalg._system.LinearSystem` with 1-D vector operations (``matvec``,
``psolve``, ``dot``, ``norm``) written against the array namespace ``xp``, so the solvers run
unchanged on NumPy, CuPy and any array-API namespace. On NumPy, inner products use BLAS
(``numpy.vdot``) and host sparse matrices their compiled mat-vec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._backend import is_numpy_namespace, numba_available
from ..._checks import check_maxiter, check_tolerances
from ..._result import OptimizeResult, SolveResult
from ..._status import (
    BREAKDOWN,
    CONVERGED,
    NONFINITE,
    PRECISION_LOSS,
    status_message,
)
from .._system import LinearSystem, host_scalars, prepare_system

__all__ = [
    "VectorOps",
    "VectorProblem",
    "prepare_vector_problem",
    "make_result",
    "intermediate",
    "outcome",
    "initial_outcome",
    "StallGuard",
    "set_checked",
    "STAGNATION",
]

#: alias used by the flexible solvers: "no progress" is reported as precision loss (status 2)
STAGNATION = PRECISION_LOSS


class VectorOps:
    """1-D vector operations on a validated system (internal)."""

    def __init__(self, system: LinearSystem):
        self.sys = system
        self.xp = xp = system.xp
        self.n = system.n
        self.dtype = system.dtype
        self.numpy = is_numpy_namespace(xp)
        self.complex = bool(xp.isdtype(system.dtype, "complex floating"))
        A = system.A
        n = self.n
        if system.kind == "operator":
            def matvec(v):
                return xp.reshape(xp.asarray(A.matvec(v)), (n,))
        else:
            def matvec(v):
                return A @ v
        self.matvec = matvec
        self.nmatvec = 0
        self.backend = system.backend
        # NumPy float vectors: Numba's dot (no BLAS thread hand-offs, which dominate on small or
        # shared machines); other namespaces: xp code
        self._dot1 = None
        if self.numpy and not self.complex and np.dtype(self.dtype) in (np.float32, np.float64) \
                and numba_available():
            from . import _cg_kernels

            self._dot1 = _cg_kernels.dot1
        psolve = system.psolve
        self.has_psolve = psolve is not None
        if psolve is not None:
            def _psolve(v):
                z = psolve(xp.reshape(v, (n, 1)))
                return xp.reshape(xp.asarray(z), (n,))
            self.psolve = _psolve
        else:
            self.psolve = None

    # -- reductions (host floats) ------------------------------------------------------------
    def dot(self, u, v) -> float:
        """Real part of ``conj(u) . v`` as a Python float."""
        if self._dot1 is not None and u.dtype == v.dtype and u.flags.c_contiguous \
                and v.flags.c_contiguous:
            return float(self._dot1(u, v))
        if self.numpy:
            s = np.vdot(u, v)
            return float(s.real) if self.complex else float(s)
        xp = self.xp
        s = xp.sum(xp.conj(u) * v) if self.complex else xp.sum(u * v)
        return float(host_scalars(xp.real(s) if self.complex else s, xp)[0])

    def cdot(self, u, v) -> complex | float:
        """``conj(u) . v`` (complex for complex systems)."""
        if not self.complex:
            return self.dot(u, v)
        if self.numpy:
            return complex(np.vdot(u, v))
        xp = self.xp
        return complex(np.asarray(xp.sum(xp.conj(u) * v)).item())

    def norm(self, v) -> float:
        return float(np.sqrt(max(self.dot(v, v), 0.0)))

    def scal(self, a):
        """A scalar in the working dtype (keeps float32 vectors float32)."""
        return np.dtype(self.dtype).type(a) if self.numpy else self.xp.asarray(
            a, dtype=self.dtype)

    def zeros(self):
        return self.xp.zeros((self.n,), dtype=self.dtype)

    def residual(self, b, x):
        self.nmatvec += 1
        return b - self.matvec(x)

    def Av(self, v):
        self.nmatvec += 1
        return self.xp.asarray(self.matvec(v))

    def all_finite(self, v) -> bool:
        return bool(self.xp.all(self.xp.isfinite(v)))

    def vec(self, z, who: str = "M"):
        """Validate a user-produced direction: an array of shape (n,) or (n, 1)."""
        xp = self.xp
        shape = getattr(z, "shape", None)
        if shape is None or tuple(shape) not in ((self.n,), (self.n, 1)):
            got = shape if shape is not None else type(z).__name__
            raise ValueError(
                f"{who} returned an object of shape {got}; expected ({self.n},)"
            )
        z = xp.reshape(xp.asarray(z), (self.n,))
        if z.dtype != self.dtype:
            z = xp.astype(z, self.dtype)
        return z


def intermediate(x, nit: int, rnorm: float) -> OptimizeResult:
    return OptimizeResult(x=x, nit=nit, residual_norm=rnorm)


def make_result(
    system: LinearSystem,
    ops: VectorOps,
    x,
    status: int,
    nit: int,
    history: list[float],
    method: str,
    detail: str | None = None,
    **extra: Any,
) -> SolveResult:
    msg = status_message(status, detail, kind="linear")
    xp = system.xp
    x = xp.reshape(x, (system.n,)) if system.vector_input else xp.reshape(x, (system.n, 1))
    return SolveResult(
        x=x,
        success=status == CONVERGED,
        status=int(status),
        message=msg,
        nit=int(nit),
        residual_norms=np.asarray(history, dtype=np.float64),
        backend=ops.backend,
        method=method,
        nmatvec=int(ops.nmatvec),
        **extra,
    )


def notify_stop(notify: Callable | None, x, nit: int, rnorm: float) -> bool:
    return notify is not None and bool(notify(intermediate(x, nit, rnorm)))


def outcome(status: int, nit: int, history: list[float], detail: str | None = None) -> dict:
    """How a solver's iteration ended: the dictionary every ``*_iterate`` function returns."""
    return dict(status=status, nit=nit, history=history, detail=detail)


def kernel_stop(code: int, it: int, history: list[float]) -> dict | None:
    """The outcome of a fused CG kernel's stop code: 2 (``p^T A p <= 0``), 3 (non-finite)."""
    if code == 2:
        return outcome(BREAKDOWN, it, history, f"p^T A p <= 0 at iteration {it + 1}: A is "
                       "not positive definite")
    if code == 3:
        return outcome(NONFINITE, it, history, f"non-finite values at iteration {it}")
    return None


def initial_outcome(rnorm: float, tol: float, history: list[float],
                    detail: str = "non-finite initial residual") -> dict | None:
    """The outcome decided by the initial residual norm alone (non-finite or converged)."""
    if not np.isfinite(rnorm):
        return outcome(NONFINITE, 0, history, detail)
    if rnorm <= tol:
        return outcome(CONVERGED, 0, history)
    return None


class StallGuard:
    """Counts the iterations since a residual measure last dropped by 0.1 % (``limit=0``: off)."""

    def __init__(self, value: float, limit: int):
        self.best, self.since, self.limit = value, 0, limit

    def stalled(self, value: float) -> bool:
        """Record this iteration's ``value``; True when ``limit`` iterations brought no gain."""
        if value < 0.999 * self.best:
            self.best, self.since = value, 0
            return False
        self.since += 1
        return bool(self.limit) and self.since >= self.limit

    def outcome(self, nit: int, history: list[float]) -> dict:
        return outcome(STAGNATION, nit, history,
                       f"no residual reduction in {self.limit} iterations")


def set_checked(options: Any, **values: Any) -> None:
    """Store validated ``values`` on a frozen options dataclass (from its ``__post_init__``)."""
    for name, value in values.items():
        object.__setattr__(options, name, value)


@dataclass(frozen=True)
class VectorProblem:
    """A validated single-right-hand-side system ``A x = b`` ready for a Krylov iteration.

    ``b`` and ``x`` are 1-D (``x`` is the iterate, updated in place, a copy of ``x0``); ``tol``
    is the absolute tolerance ``max(atol, rtol * norm(b))``.
    """

    system: LinearSystem
    ops: VectorOps
    b: Any
    x: Any
    tol: float
    maxiter: int

    def result(self, out: dict, method: str, **extra: Any) -> SolveResult:
        """The :class:`~numsolve.SolveResult` of an iteration's ``out`` (see :func:`outcome`)."""
        return make_result(self.system, self.ops, self.x, out["status"], out["nit"],
                           out["history"], method, out["detail"], **extra)


def prepare_vector_problem(A, b, x0, M, rtol, atol, maxiter, *,
                           default_maxiter: Callable[[int], int],
                           check_finite: bool = True) -> VectorProblem:
    """The solvers' common preamble: validate the system, ``rtol``/``atol`` and ``maxiter``
    (``None`` gives ``default_maxiter(n)``), then set up the vectors and the tolerance."""
    system = prepare_system(A, b, x0, M, check_finite=check_finite)
    rtol, atol = check_tolerances(rtol, atol)
    maxiter = check_maxiter(maxiter, default_maxiter(system.n))
    ops = VectorOps(system)
    xp, n = system.xp, system.n
    b1 = xp.reshape(system.b, (n,))
    x = xp.reshape(system.x0, (n,)) if system.x0 is not None else ops.zeros()
    return VectorProblem(system, ops, b1, x, max(atol, rtol * ops.norm(b1)), maxiter)
