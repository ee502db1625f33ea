"""Pieces shared by the demo's family modules: settings, timing, residuals, result rows."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["DemoSettings", "Recipe", "timed", "relres", "scipy_cg", "row"]

#: A demo recipe: ``recipe(method, options) -> entry``, ``entry(settings) -> row``.
Recipe = Callable[[str, dict], Callable[["DemoSettings"], dict]]


@dataclasses.dataclass(frozen=True)
class DemoSettings:
    """Sizes and tolerances shared by every demo entry.

    Parameters
    ----------
    size : int
        Grid points per direction of the 2-D Poisson problem (``size**2`` unknowns). The 3-D
        problem uses ``size // 4`` points per direction, the many-right-hand-sides problem
        ``size // 2``.
    rtol : float
        Relative tolerance given to every iterative solver (numsolve and reference alike).
    repeat : int
        Each timed call runs ``repeat`` times; the best time is reported.
    nrhs : int
        Number of right-hand sides of the batch entries.
    stack_shape : tuple of int
        ``(m, n)``: number and size of the dense SPD systems of :func:`stack_entry`.
    seed : int
        Seed of every random right-hand side and matrix.
    threads : int
        Threads given to both sides of every row: BLAS (through threadpoolctl), Numba and
        numsolve's batched solvers, so that no reference runs on more (or fewer) threads than
        numsolve.
    """

    size: int = 128
    rtol: float = 1e-8
    repeat: int = 3
    nrhs: int = 32
    stack_shape: tuple[int, int] = (64, 50)
    seed: int = 0
    threads: int = 1

    @classmethod
    def quick(cls, size: int | None = None, **kwargs: Any) -> DemoSettings:
        """Tiny settings (a second or two in total), used by the test suite."""
        kwargs.setdefault("repeat", 1)
        kwargs.setdefault("nrhs", 8)
        kwargs.setdefault("stack_shape", (8, 20))
        return cls(size=16 if size is None else size, **kwargs)

    def tiny(self) -> DemoSettings:
        """Settings of the warm-up run (compiles/loads the Numba kernels before timing)."""
        return dataclasses.replace(self, size=8, nrhs=min(self.nrhs, 4), stack_shape=(2, 4),
                                   repeat=1)

    def rng(self, salt: int = 0) -> np.random.Generator:
        """A fresh generator, so that every entry sees the same data whatever runs first."""
        return np.random.default_rng([self.seed, salt])


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """Call ``fn`` ``repeat`` times; return the last result and the best wall-clock time."""
    best = float("inf")
    out = None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def relres(A, X, B) -> float:
    """Largest relative true residual ``||b - A x|| / ||b||`` over the columns of ``B``."""
    X = np.asarray(X)
    B = np.asarray(B)
    if X.ndim == 1:
        X, B = X[:, None], B[:, None]
    R = B - A @ X
    bn = np.linalg.norm(B, axis=0)
    bn[bn == 0] = 1.0
    return float(np.max(np.linalg.norm(R, axis=0) / bn))


def scipy_cg(A, b, rtol: float) -> tuple[np.ndarray, int, bool]:
    """:func:`scipy.sparse.linalg.cg`, counting its iterations with a callback."""
    import scipy.sparse.linalg as spla

    count = [0]

    def cb(xk):
        count[0] += 1

    x, info = spla.cg(A, b, rtol=rtol, atol=0.0, callback=cb)
    return x, count[0], info == 0


def row(task, method, problem, n, res_nit, residual, seconds, success, ref_method, ref_nit,
         ref_residual, ref_seconds, ref_success) -> dict:
    return {
        "task": task, "method": method, "problem": problem, "n": int(n),
        "iterations": res_nit, "residual": float(residual), "time": float(seconds),
        "success": bool(success),
        "ref_method": ref_method, "ref_iterations": ref_nit,
        "ref_residual": float(ref_residual), "ref_time": float(ref_seconds),
        "ref_success": bool(ref_success),
    }
