"""Finite-sum monotone inclusions: ``solve_monotone`` methods at equal component budgets (asv).

* :class:`MonotoneGame` - the policeman-burglar matrix game (``n x n``, two simplices): the
  five methods with a budget of 200 epochs and the authors' tuned steps; times the run, tracks
  the final residual certificate (side-by-side table with the Done-when ratios:
  ``python -m asv_benchmarks.compare.monotone``).
* :class:`MonotoneHardQP` - the hard QP (``n = 200``), 2000 epochs: VR-Halpern, Halpern, EG,
  EAG; time and residual.
* :class:`MonotoneKernels` - the building blocks: a mini-batch difference of the bilinear
  operator, the exact simplex projection and the chi-square-ball projection; ``peakmem_`` of
  the operator set-up (it stores ``A`` only, not the ``2n x 2n`` saddle matrix).
"""

from __future__ import annotations

import numpy as np

from .common import Benchmark, safe_import

with safe_import():
    from numsolve.monotone import Chi2BallSimplex, FiniteSumOperator, project_simplex
    from numsolve.problems import hard_qp, matrix_game

METHODS = ["vr-halpern", "vr-inexact-halpern", "halpern", "eg", "eag"]


class MonotoneGame(Benchmark):
    params = [[200, 500], METHODS]
    param_names = ["n", "method"]
    timeout = 300

    def setup(self, n, method):
        self.p = matrix_game(n)
        self.budget = 200 * n if method != "vr-inexact-halpern" else 50 * n

    def _run(self, method):
        return self.p.solve(method, max_evals=self.budget, rng=0, rtol=0.0)

    def time_solve(self, n, method):
        self._run(method)

    def track_residual(self, n, method):
        return float(self._run(method).residual)


class MonotoneHardQP(Benchmark):
    params = [["vr-halpern", "halpern", "eg", "eag"]]
    param_names = ["method"]
    timeout = 300

    def setup(self, method):
        self.p = hard_qp(200)

    def _run(self, method):
        return self.p.solve(method, max_evals=2000 * 200, rng=0, rtol=0.0)

    def time_solve(self, method):
        self._run(method)

    def track_residual(self, method):
        return float(self._run(method).residual)


class MonotoneKernels(Benchmark):
    params = [[500, 5000]]
    param_names = ["n"]

    def setup(self, n):
        rng = np.random.default_rng(0)
        self.A = rng.random((n, n))
        self.F = FiniteSumOperator.bilinear(self.A)
        self.u = np.full(2 * n, 1.0 / n)
        self.v = self.u + 1e-3 * rng.standard_normal(2 * n)
        self.idx = rng.choice(n, int(np.sqrt(n)), replace=False)
        self.w = rng.standard_normal(n)
        self.ball = Chi2BallSimplex(np.sqrt(1.0 / n))

    def time_batch_diff(self, n):
        self.F.batch_diff(self.idx, self.u, self.v)

    def time_full(self, n):
        self.F.full(self.u)

    def time_project_simplex(self, n):
        project_simplex(self.w)

    def time_chi2_ball(self, n):
        self.ball(self.w)

    def peakmem_bilinear_setup(self, n):
        FiniteSumOperator.bilinear(self.A).full(self.u)
