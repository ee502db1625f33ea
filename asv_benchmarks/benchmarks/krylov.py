"""Flexible Krylov solvers and DCDM: numsolve vs SciPy (asv).

* :class:`DCDMPoisson2D` - ``numsolve.solve(method='dcdm')`` with a
  :class:`~numsolve.linalg.MultilevelStencilModel` (fitted in ``setup``) against
  ``scipy.sparse.linalg.cg`` and numsolve's CG on ``poisson2d(N)``, ``N`` in {127, 255},
  tolerance 1e-8; also tracks the iteration counts.
* :class:`StencilModelFit` - time to fit the model (closed-form least squares).
* :class:`GMRESNonsymmetric` - ``gmres`` / ``fgmres`` vs ``scipy.sparse.linalg.gmres``.
* :class:`MINRESIndefinite` - ``minres`` vs ``scipy.sparse.linalg.minres``.
"""

from __future__ import annotations

import numpy as np

from .common import Benchmark, safe_import, warm_numba
from .problems import scipy_cg

with safe_import():
    import scipy.sparse as sp
    import scipy.sparse.linalg as sla

with safe_import():
    import numsolve
    from numsolve.linalg import MultilevelStencilModel
    from numsolve.problems import poisson2d

SEED = 1234
RTOL = 1e-8


class DCDMPoisson2D(Benchmark):
    params = [[127, 255], ["numsolve-dcdm", "numsolve-cg", "scipy-cg"]]
    param_names = ["N", "solver"]
    warmup_time = 0.0

    def setup(self, N, solver):
        warm_numba()
        self.A = poisson2d(N)
        self.b = np.random.default_rng(SEED).standard_normal(self.A.shape[0])
        self.model = MultilevelStencilModel().fit(self.A, rng=0) if solver == "numsolve-dcdm" \
            else None
        self._solve(solver)  # warm-up (kernels, page faults)

    def _solve(self, solver):
        if solver == "numsolve-dcdm":
            return numsolve.solve(self.A, self.b, method="dcdm", model=self.model,
                                  rtol=RTOL).nit
        if solver == "numsolve-cg":
            return numsolve.solve(self.A, self.b, method="cg", rtol=RTOL).nit
        return scipy_cg(self.A, self.b, RTOL)[0]

    def time_solve(self, N, solver):
        self._solve(solver)

    def track_iterations(self, N, solver):
        return self._solve(solver)

    track_iterations.unit = "iterations"


class StencilModelFit(Benchmark):
    params = [[63, 127]]
    param_names = ["N"]

    def setup(self, N):
        self.A = poisson2d(N)

    def time_fit(self, N):
        MultilevelStencilModel().fit(self.A, rng=0)


def _nonsymmetric(n):
    R = sp.random(n, n, density=5.0 / n, random_state=1)
    return (R + sp.diags(np.full(n, 4.0)) + sp.diags(np.full(n - 1, -1.5), 1)).tocsr()


class GMRESNonsymmetric(Benchmark):
    params = [[2000, 20000], ["numsolve-gmres", "numsolve-fgmres", "scipy-gmres"]]
    param_names = ["n", "solver"]

    def setup(self, n, solver):
        self.A = _nonsymmetric(n)
        self.b = np.random.default_rng(SEED).standard_normal(n)

    def time_solve(self, n, solver):
        if solver == "scipy-gmres":
            sla.gmres(self.A, self.b, rtol=RTOL, atol=0.0, restart=20)
        else:
            numsolve.solve(self.A, self.b, method=solver.split("-")[1], rtol=RTOL)


class MINRESIndefinite(Benchmark):
    params = [[64, 128], ["numsolve-minres", "scipy-minres"]]
    param_names = ["N", "solver"]

    def setup(self, N, solver):
        self.A = (poisson2d(N) - 0.05 * sp.eye(N * N)).tocsr()
        self.b = np.random.default_rng(SEED).standard_normal(N * N)

    def time_solve(self, N, solver):
        if solver == "scipy-minres":
            sla.minres(self.A, self.b, rtol=RTOL)
        else:
            numsolve.solve(self.A, self.b, method="minres", rtol=RTOL)
