"""What every method of :func:`numsolve.solve_monotone` shares: the run (counted operator,
checked resolvent, anchor, rng), the residual certificate and its history, the stopping rules,
the Lipschitz estimate with backtracking, and the result.

Certificate (spec section 1): ``Res(u) = ||u - J_G(u - F(u))||`` (the natural map with step 1, as
in the authors' code), which is ``||F(u)||`` without ``G``. A check needs ``F(u)``; every method
checks at the points where it evaluates ``F`` in full anyway (every iteration of the
deterministic methods, every full refresh of the PAGE estimator, every outer step of the
inexact Halpern iteration), so certificates cost no component evaluations. The result's final
``residual`` is the certificate of the returned ``x`` (one more full evaluation when ``x`` was
not checked, counted in ``n_certificate_evals``, not in ``n_component_evals``).

Stopping: ``Res(u) <= max(rtol * Res(x0), atol)`` (success); the budget ``maxiter`` (iterations)
or ``max_evals`` (component evaluations) (status ``MAXITER``); a residual above ``divergence *
Res(x0)`` (status ``DIVERGED``: the operator is not monotone, or the step is too large); a
non-finite residual (``NONFINITE``); ``StopIteration`` from the callback (``CALLBACK_STOP``).
Along the way the checks test monotonicity on the checked points, ``<F(u) - F(v), u - v> >= 0``;
a violation is quoted in the message of a failed run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .._backend import backend_name, get_namespace
from .._checks import as_rng, check_real
from .._result import OptimizeResult, wrap_callback
from .._status import (
    CALLBACK_STOP,
    CONVERGED,
    DIVERGED,
    MAXITER,
    NONFINITE,
    status_message,
)
from ._operators import FiniteSumOperator
from ._prox import as_resolvent

__all__ = ["MonotoneRun", "norm"]


def norm(xp, v) -> float:
    """Euclidean norm as a host float (one sync)."""
    return float(xp.sqrt(xp.sum(v * v)))


class _Counted:
    """The operator with its component evaluations counted (spec section 8: a full evaluation
    costs ``n``, a batch ``|S|``, a batch difference ``2 |S|``)."""

    def __init__(self, op: FiniteSumOperator, x0):
        self.op, self.n, self.evals = op, op.n_components, 0
        self.dim = x0.shape[0]

    def full(self, x):
        self.evals += self.n
        return self.op.full(x)

    def batch(self, idx, x):
        self.evals += len(idx)
        return self.op.batch(idx, x)

    def batch_diff(self, idx, x, y):
        self.evals += 2 * len(idx)
        return self.op.batch_diff(idx, x, y)


def _check_output(xp, name: str, out, dim: int, hint: str):
    shape = tuple(getattr(out, "shape", np.shape(out)))
    if shape != (dim,):
        raise ValueError(f"{name} returned an array of shape {shape}; x0 has {dim} elements, "
                         f"so it must return shape ({dim},){hint}")
    if not bool(xp.all(xp.isfinite(out))):
        raise ValueError(f"{name} returned NaN or inf at x0")


class _Lipschitz:
    """The step-size constant: given (trusted) or estimated and increased by backtracking.

    Unknown constants are estimated at ``x0`` from difference quotients along a random
    direction of length ``1e-3 (1 + ||x0||)``: ``L_F`` from ``F``, ``L`` from up to
    ``sqrt(n)`` single components, each doubled for safety. During the run every observed
    quotient ``||F_S(u) - F_S(v)|| / ||u - v||`` above the estimate doubles it (backtracking),
    which shrinks the steps that depend on it.
    """

    def __init__(self, value: float, known: bool):
        self.value, self.known, self.increases = float(value), known, 0

    def observe(self, dF: float, du: float) -> bool:
        """Record a difference quotient; True when the estimate had to grow."""
        if self.known or du <= 0.0 or not dF > self.value * du * (1 + 1e-9):
            return False
        self.value = 2.0 * dF / du
        self.increases += 1
        return True


class MonotoneRun:
    """One run of a method: problem data, certificates, stopping rules and the result.

    Methods read ``x0``, ``xp``, ``F`` (counted operator), ``prox``, ``rng``, ``n``,
    ``L`` / ``L_F`` (:class:`_Lipschitz`); call :meth:`check` where they have ``F(u)``,
    :meth:`stop` once per iteration, and end with :meth:`result`.
    """

    def __init__(self, F: FiniteSumOperator, x0: Any, prox: Callable | None, *, rtol: float,
                 atol: float, maxiter: int | None, max_evals: int | None, callback,
                 rng: Any, divergence: float = 1e4):
        if not isinstance(F, FiniteSumOperator):
            raise TypeError("F must be a numsolve.monotone.FiniteSumOperator (build one with "
                            "FiniteSumOperator.from_callables / from_matrix / bilinear / "
                            f"from_saddle), got {type(F).__name__}")
        self.xp = xp = get_namespace(x0)
        x0 = xp.asarray(x0)
        if not xp.isdtype(x0.dtype, "real floating"):
            x0 = xp.astype(x0, xp.float64)
        if x0.ndim != 1 or x0.shape[0] != F.dim:
            raise ValueError(f"x0 must have shape ({F.dim},) (F.dim), got {tuple(x0.shape)}")
        if not bool(xp.all(xp.isfinite(x0))):
            raise ValueError("x0 contains NaN or inf")
        self.x0 = xp.asarray(x0, copy=True)
        self.F = _Counted(F, self.x0)
        self.n = F.n_components
        self.prox = as_resolvent(prox)
        self.rtol, self.atol = rtol, atol
        self.maxiter = maxiter
        self.max_evals = max(2000 * self.n, 10**5) if max_evals is None else max_evals
        self.divergence = check_real("divergence", divergence, low=1.0, low_open=True)
        self.notify = wrap_callback(callback)
        self.rng = as_rng(rng)
        self.t0 = time.perf_counter()
        self.hist_res: list[float] = []
        self.hist_evals: list[int] = []
        self.hist_time: list[float] = []
        self.res0 = self.tol = None
        self.monotone_violation: float | None = None
        self._last = None  # (u, F(u)) of the last check
        self.nit = 0
        self.status: int | None = None
        self._estimate_constants(F)

    # -- set-up ---------------------------------------------------------------------------------
    def _first_F(self):
        F0 = self.F.full(self.x0)
        _check_output(self.xp, "F.full", F0, self.F.dim, "")
        p0 = self.prox(self.x0 - F0, 1.0)
        _check_output(self.xp, "prox", p0, self.F.dim, " (the resolvent maps R^d to R^d)")
        return F0

    def _estimate_constants(self, F: FiniteSumOperator) -> None:
        self.F0 = self._first_F()
        xp, x0 = self.xp, self.x0
        LF, L = F.lipschitz_full, F.lipschitz
        if LF is None or L is None:
            d = xp.asarray(self.rng.standard_normal(F.dim), dtype=x0.dtype)
            d = d * (1e-3 * (1.0 + norm(xp, x0)) / norm(xp, d))
            dn = norm(xp, d)
            est_F = norm(xp, self.F.full(x0 + d) - self.F0) / dn
            if LF is None:
                LF = 2.0 * max(est_F, 1e-12)
            if L is None:
                k = min(self.n, max(1, math.isqrt(self.n)))
                idx = self.rng.choice(self.n, k, replace=False)
                q = [norm(xp, self.F.batch_diff(np.array([i]), x0 + d, x0)) / dn for i in idx]
                L = 2.0 * max(est_F, math.sqrt(float(np.mean(np.square(q)))), 1e-12)
        self.L_F = _Lipschitz(LF, F.lipschitz_full is not None)
        self.L = _Lipschitz(max(L, LF if F.lipschitz_full is not None else 0.0),
                            F.lipschitz is not None)

    # -- certificates -----------------------------------------------------------------------------
    def residual(self, u, Fu) -> float:
        """``||u - J_G(u - F(u))||``."""
        return norm(self.xp, u - self.prox(u - Fu, 1.0))

    def check(self, u, Fu) -> bool:
        """Certificate of ``u`` (``Fu = F(u)``): record it; True when the run must stop."""
        xp = self.xp
        r = self.residual(u, Fu)
        self.hist_res.append(r)
        self.hist_evals.append(self.F.evals)
        self.hist_time.append(time.perf_counter() - self.t0)
        if self.res0 is None:
            self.res0 = r
            self.tol = max(self.rtol * r, self.atol)
        if self._last is not None and math.isfinite(r):
            du, dF = u - self._last[0], Fu - self._last[1]
            scale = norm(xp, du) * norm(xp, dF)
            inner = float(xp.sum(du * dF))
            if scale > 0 and inner < -1e-8 * scale:
                ratio = inner / norm(xp, du) ** 2
                if self.monotone_violation is None or ratio < self.monotone_violation:
                    self.monotone_violation = ratio
        self._last = (u, Fu)
        if not math.isfinite(r):
            self.status = NONFINITE
        elif r <= self.tol:
            self.status = CONVERGED
        elif r > self.divergence * max(self.res0, 1e-300):
            self.status = DIVERGED
        return self.status is not None

    def stop(self, u) -> bool:
        """End of an iteration: count it, call the callback, test the budgets."""
        self.nit += 1
        if self.status is not None:
            return True
        if self.notify is not None:
            info = OptimizeResult(x=u, nit=self.nit, n_component_evals=self.F.evals,
                                  residual=self.hist_res[-1] if self.hist_res else None)
            if self.notify(info):
                self.status = CALLBACK_STOP
                return True
        if (self.maxiter is not None and self.nit >= self.maxiter) \
                or self.F.evals >= self.max_evals:
            self.status = MAXITER
            return True
        return False

    def over_budget(self) -> bool:
        """True when the component-evaluation budget is spent (inner loops test this)."""
        return self.F.evals >= self.max_evals

    # -- result -----------------------------------------------------------------------------------
    def _detail(self, res: float) -> str:
        parts = []
        if self.status == MAXITER:
            parts.append(f"{self.nit} iterations, {self.F.evals} component evaluations; "
                         f"residual {res:.3e} > tolerance {self.tol:.3e}")
        elif self.status == DIVERGED:
            parts.append(f"the residual grew from {self.res0:.3e} to {self.hist_res[-1]:.3e} "
                         f"(more than divergence={self.divergence:g} times)")
        elif self.status == NONFINITE:
            parts.append("the residual is not finite: F or prox returned NaN/inf")
        if self.monotone_violation is not None and self.status != CONVERGED:
            parts.append("F is not monotone: <F(u) - F(v), u - v> = "
                         f"{self.monotone_violation:.3e} ||u - v||^2 < 0 on two iterates")
        return "; ".join(parts)

    def result(self, x, method: str, **extra) -> OptimizeResult:
        """The :class:`~numsolve.OptimizeResult` of the run ending at ``x``."""
        xp = self.xp
        cert = 0
        if self._last is not None and self._last[0] is x:
            res = self.hist_res[-1]
        else:
            Fx = self.F.op.full(x)
            cert = self.n
            res = self.residual(x, Fx)
        if self.status is None:
            self.status = MAXITER
        if self.status == CONVERGED and not res <= self.tol:  # checked at another point
            self.status = MAXITER
        if not math.isfinite(res) and self.status != DIVERGED:
            self.status = NONFINITE
        return OptimizeResult(
            x=x, success=self.status == CONVERGED, status=self.status,
            message=status_message(self.status, self._detail(res) or None),
            residual=res, residual_history=np.asarray(self.hist_res),
            evals_history=np.asarray(self.hist_evals, dtype=np.int64),
            time_history=np.asarray(self.hist_time), nit=self.nit,
            n_component_evals=self.F.evals, n_certificate_evals=cert,
            epochs=self.F.evals / self.n, time=time.perf_counter() - self.t0,
            lipschitz=self.L.value, lipschitz_full=self.L_F.value,
            backend=backend_name(xp), method=method, **extra)
