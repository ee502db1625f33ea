"""Conjugate gradients on the 2-D Poisson matrix: numsolve vs SciPy.

* :class:`CGPoisson2D` - one right-hand side on ``N x N`` grids (``N^2`` unknowns):
  wall time, iteration count and time per iteration of ``numsolve.solve(method='cg')``
  (fused Numba kernels) against ``scipy.sparse.linalg.cg``.
* :class:`BlockCG32` - 32 right-hand sides on the ``256 x 256`` grid:
  ``numsolve.solve_batch`` (batched CG, one SpMM per iteration, column groups on threads)
  against 32 separate ``scipy.sparse.linalg.cg`` calls; time and peak memory.

All solves use ``rtol=1e-5`` (SciPy's default), ``atol=0`` and a zero initial guess; the
right-hand sides are seeded standard normal vectors. Numba kernels are compiled (or loaded
from Numba's cache) in ``setup`` by :func:`warm_numba`, so compile time is never measured.
"""

from __future__ import annotations

import time

import numpy as np

from .common import Benchmark, safe_import, synchronize, warm_numba
from .problems import scipy_cg

with safe_import():
    import scipy.sparse.linalg as sla

with safe_import():
    import numsolve
    from numsolve.problems import poisson2d

RTOL = 1e-5
SEED = 1234


def _scipy_cg(A, b):
    # ``rtol`` is SciPy >= 1.12's name (``tol`` before); atol=0 as numsolve's default.
    x, info = sla.cg(A, b, rtol=RTOL, atol=0.0)
    return x, info


def _warm_scipy():
    A = poisson2d(8)
    _scipy_cg(A, np.ones(A.shape[0]))


class CGPoisson2D(Benchmark):
    """Single right-hand side CG on ``poisson2d(n)`` (``n^2`` unknowns)."""

    params = [[64, 256, 512], ["numsolve", "scipy"]]
    param_names = ["n", "solver"]
    # setup already compiled the kernels; a warm-up solve would only double the cost of the
    # slow cases (512^2 with SciPy takes ~10 s)
    warmup_time = 0.0

    def setup(self, n, solver):
        self.A = poisson2d(n)
        self.b = np.random.default_rng(SEED).standard_normal(self.A.shape[0])
        warm_numba()
        _warm_scipy()

    def _solve(self, solver):
        """Solve once; return (x, nit, converged)."""
        if solver == "numsolve":
            res = numsolve.solve(self.A, self.b, method="cg", rtol=RTOL, atol=0.0)
            synchronize(res.x)
            return res.x, int(res.nit), bool(res.success)
        nit, x, ok = scipy_cg(self.A, self.b, RTOL)
        return x, nit, ok

    def time_solve(self, n, solver):
        if solver == "numsolve":
            res = numsolve.solve(self.A, self.b, method="cg", rtol=RTOL, atol=0.0)
            synchronize(res.x)
        else:
            _scipy_cg(self.A, self.b)

    def track_iterations(self, n, solver):
        _, nit, ok = self._solve(solver)
        if not ok:
            raise RuntimeError(f"{solver} CG did not converge on poisson2d({n})")
        return nit

    track_iterations.unit = "iterations"

    def track_time_per_iteration(self, n, solver):
        # SciPy's iterations are counted with a trivial callback (one Python call per
        # iteration, negligible next to an SpMV on these sizes)
        t0 = time.perf_counter()
        _, nit, ok = self._solve(solver)
        elapsed = time.perf_counter() - t0
        if not ok:
            raise RuntimeError(f"{solver} CG did not converge on poisson2d({n})")
        return elapsed / max(nit, 1)

    track_time_per_iteration.unit = "seconds"


class BlockCG32(Benchmark):
    """32 right-hand sides on ``poisson2d(256)``: batched CG vs a loop of SciPy solves."""

    params = [["numsolve-batch", "scipy-loop"]]
    param_names = ["solver"]
    warmup_time = 0.0
    timeout = 900  # the SciPy loop takes ~10 s idle, minutes on a loaded 2-core machine
    N = 256
    K = 32

    def setup(self, solver):
        self.A = poisson2d(self.N)
        rng = np.random.default_rng(SEED)
        self.B = rng.standard_normal((self.A.shape[0], self.K))
        # contiguous columns for the loop (no copy inside the timed body)
        self.cols = [np.ascontiguousarray(self.B[:, j]) for j in range(self.K)]
        warm_numba()
        _warm_scipy()

    def _run(self, solver):
        if solver == "numsolve-batch":
            res = numsolve.solve_batch(self.A, self.B, method="cg", rtol=RTOL, atol=0.0)
            synchronize(res.x)
            return res
        return [_scipy_cg(self.A, b)[0] for b in self.cols]

    def time_solve(self, solver):
        self._run(solver)

    def peakmem_solve(self, solver):
        self._run(solver)
