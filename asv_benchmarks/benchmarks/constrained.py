"""Equality-constrained optimization: ``minimize(method='auglag')`` vs SciPy (asv).

* :class:`AuglagPoissonControl` - Poisson optimal control on an ``N x N`` grid (``n = 2 N^2``,
  ``m = N^2``, sparse): numsolve's exact augmented Lagrangian with a direct or MINRES KKT
  solve against ``scipy.optimize.minimize(method='trust-constr')`` with the same exact
  derivatives; tracks the final KKT residual.
* :class:`AuglagHS` - Hock-Schittkowski problems: auglag (direct and randomized Kaczmarz KKT
  solves) vs SLSQP; tracks outer iterations.
"""

from __future__ import annotations

import numpy as np

from .common import Benchmark, safe_import

with safe_import():
    from scipy.optimize import minimize as sp_minimize

with safe_import():
    import numsolve
    from numsolve.problems import hock_schittkowski, poisson_control


def _auglag(p, solver):
    opts = {"kkt_solver": solver, "rng": 2023}
    if p.v0 is not None:
        opts["v0"] = p.v0
    return numsolve.minimize(p.fun, p.x0, method="auglag", jac=p.jac, hess=p.hess,
                             constraints=p.constraints, options=opts)


class AuglagPoissonControl(Benchmark):
    params = [[32, 64], ["auglag-direct", "auglag-minres", "scipy-trust-constr"]]
    param_names = ["N", "solver"]
    timeout = 300

    def setup(self, N, solver):
        self.p = poisson_control(N)
        _auglag(poisson_control(4), "direct")  # imports and first-call costs out of the timing

    def _run(self, solver):
        p = self.p
        if solver == "scipy-trust-constr":
            return sp_minimize(p.fun, p.x0, jac=p.jac, hess=p.hess, method="trust-constr",
                               constraints=p.constraints, options={"gtol": 1e-6})
        return _auglag(p, solver.split("-", 1)[1])

    def time_solve(self, N, solver):
        self._run(solver)

    def track_kkt_residual(self, N, solver):
        res = self._run(solver)
        if solver == "scipy-trust-constr":
            return self.p.kkt_residual(res.x, np.concatenate(res.v))  # L = f + v^T c
        return res.kkt_residual

    track_kkt_residual.unit = "KKT residual"


class AuglagHS(Benchmark):
    params = [["hs7", "hs40", "hs47", "hs77"], ["auglag-direct", "auglag-kaczmarz", "slsqp"]]
    param_names = ["problem", "solver"]

    def setup(self, problem, solver):
        self.p = hock_schittkowski(problem)
        _auglag(hock_schittkowski("hs28"), "kaczmarz")  # compile the sketch loops

    def _run(self, solver):
        p = self.p
        if solver == "slsqp":
            return sp_minimize(p.fun, p.x0, jac=p.jac, method="SLSQP",
                               constraints=[{"type": "eq", "fun": p.cons, "jac": p.cons_jac}])
        return _auglag(p, solver.split("-", 1)[1])

    def time_minimize(self, problem, solver):
        self._run(solver)

    def track_iterations(self, problem, solver):
        return int(self._run(solver).nit)

    track_iterations.unit = "iterations"
