"""SOR sweeps and omega tuning over a short sequence of systems.

* :class:`SORSweep` - one forward SOR sweep on ``poisson2d(N)`` (CSR, omega = 1.5): numsolve's
  Numba kernel against ``pyamg.relaxation.relaxation.sor`` (skipped without PyAMG).
* :class:`SORSequence` - 100 systems of the shifted-Poisson sequence (high-variance Beta, seed 0)
  solved by ``numsolve.solve_batch(..., method='sor', omega=...)`` with omega = 1 (Gauss-Seidel),
  1.8, Tsallis-INF, ChebCB and Tsallis-INF-CB (5 bins): wall time and total iterations (``track_``).

Side-by-side figures with interleaved repetitions: ``python -m asv_benchmarks.compare.sor``.
"""

from __future__ import annotations

import numpy as np

from .common import Benchmark, safe_import

with safe_import():
    import numsolve
    from numsolve.linalg import ChebCB, SORSmoother, TsallisINF, TsallisINFCB
    from numsolve.problems import poisson2d, shifted_poisson_sequence


class SORSweep(Benchmark):
    """One forward sweep (in place) on the 2-D Poisson matrix."""

    params = [[256, 512], ["numsolve", "pyamg"]]
    param_names = ["N", "solver"]

    def setup(self, N, solver):
        self.A = poisson2d(N).tocsr()
        n = self.A.shape[0]
        self.b = np.random.default_rng(0).standard_normal(n)
        self.x = np.zeros(n)
        self.omega = 1.5
        if solver == "pyamg":
            try:
                from pyamg.relaxation.relaxation import sor
            except ImportError:
                raise NotImplementedError("pyamg not installed") from None
            self.sor = sor
        else:
            self.smooth = SORSmoother(self.A)
            self.smooth(self.x.copy(), self.b, self.omega)  # compile / load from cache

    def time_sweep(self, N, solver):
        if solver == "pyamg":
            self.sor(self.A, self.x, self.b, self.omega, iterations=1)
        else:
            self.smooth(self.x, self.b, self.omega)


class SORSequence(Benchmark):
    """100 shifted-Poisson systems, SOR to rtol 1e-8, omega fixed or tuned."""

    params = [["1.0", "1.8", "tsallis-inf", "chebcb", "tsallis-inf-cb"]]
    param_names = ["omega"]
    T = 100

    def setup(self, omega):
        self.seq = list(shifted_poisson_sequence(self.T, "high", rng=0))
        numsolve.solve_batch(self.seq[:2], method="sor", omega=1.2, rtol=1e-8)  # compile

    def _omega(self, omega):
        if omega == "tsallis-inf":
            return TsallisINF(rng=0)
        if omega == "chebcb":
            return ChebCB((-0.15, 0.65), rng=0)
        if omega == "tsallis-inf-cb":
            return TsallisINFCB((-0.15, 0.65), n_bins=5, rng=0)
        return float(omega)

    def _run(self, omega):
        return numsolve.solve_batch(self.seq, method="sor", omega=self._omega(omega), rtol=1e-8)

    def time_sequence(self, omega):
        self._run(omega)

    def track_total_iterations(self, omega):
        return int(np.sum(self._run(omega).nit))

    track_total_iterations.unit = "iterations"
