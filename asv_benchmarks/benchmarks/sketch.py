"""Sketching toolkit: sketch operators, sketch-preconditioned least squares, Newton sketch.

* :class:`SketchApply` - time of ``S @ A`` for each sketch kind on a dense 20,000 x 200 matrix
  and a sparse 100,000 x 500 (0.5 %) matrix.
* :class:`LstsqDense` - ``numsolve.lstsq(method='sketch')`` (fused CG path and LSQR path) vs
  ``scipy.linalg.lstsq`` (gelsd, gelsy) on a dense ill-conditioned (cond 1e8) 20,000 x 200
  problem; ``track_`` the relative error.
* :class:`LstsqSparse` - ``numsolve.lstsq`` vs ``scipy.sparse.linalg.lsqr`` (same ``atol=btol``
  stopping rule) on a sparse 100,000 x 300 problem with column scales 1e-1 .. 1e1.
* :class:`LogisticNewtonSketch` - L2 logistic regression (20,000 x 100, column scales
  1e-3 .. 1e3) to ``||g|| <= 1e-8 ||g0||``: newton-sketch vs scikit-learn newton-cholesky.

The full-size side-by-side comparisons (100,000 x 500 dense, 1e6 x 1e3 sparse, 200,000 x 500
logistic) are ``asv_benchmarks/compare_lstsq.py`` and ``asv_benchmarks/compare_logistic.py``.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from .common import Benchmark, safe_import

with safe_import():
    import scipy.linalg as sl
    import scipy.sparse.linalg as sla

with safe_import():
    import numsolve
    from numsolve.linalg.sketch import make_sketch
    from numsolve.objectives import BinaryLogistic

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with safe_import():
    from compare_lstsq import dense_problem, sparse_problem


def _warm():
    A = np.random.default_rng(0).standard_normal((300, 10))
    numsolve.lstsq(A, A[:, 0] + 1.0, options={"rng": 0})
    import scipy.sparse as sp

    make_sketch("sparse-sign", 20, 300, rng=0) @ sp.csr_matrix(A)


class SketchApply(Benchmark):
    params = [["gaussian", "sparse-sign", "countsketch", "srht", "uniform"],
              ["dense", "sparse"]]
    param_names = ["kind", "matrix"]

    def setup(self, kind, matrix):
        _warm()
        rng = np.random.default_rng(0)
        if matrix == "dense":
            self.A = rng.standard_normal((20_000, 200))
        else:
            import scipy.sparse as sp

            if kind == "gaussian":
                raise NotImplementedError("dense Gaussian sketch of a 1e5-row matrix: skipped")
            self.A = sp.random(100_000, 500, density=0.005, format="csr", random_state=0)
        n, d = self.A.shape
        self.S = make_sketch(kind, 4 * d, n, rng=0)

    def time_apply(self, kind, matrix):
        self.S @ self.A


class LstsqDense(Benchmark):
    # numsolve: the default (fused CG path for dense NumPy input); numsolve-lsqr: the LSQR path
    params = [["numsolve", "numsolve-lsqr", "scipy-gelsd", "scipy-gelsy"]]
    param_names = ["solver"]

    def setup(self, solver):
        _warm()
        self.A, self.x_true, self.b = dense_problem(20_000, 200, 1e8)

    def _solve(self, solver):
        if solver.startswith("numsolve"):
            opts = {"rng": 0, "solver": "lsqr" if solver == "numsolve-lsqr" else "auto"}
            return numsolve.lstsq(self.A, self.b, options=opts).x
        return sl.lstsq(self.A, self.b, lapack_driver=solver.split("-")[1])[0]

    def time_lstsq(self, solver):
        self._solve(solver)

    def track_relative_error(self, solver):
        x = self._solve(solver)
        return float(np.linalg.norm(x - self.x_true) / np.linalg.norm(self.x_true))


class LstsqSparse(Benchmark):
    params = [["numsolve", "scipy-lsqr"]]
    param_names = ["solver"]

    def setup(self, solver):
        _warm()
        self.A, self.b = sparse_problem(100_000, 300, 0.005, 1)

    def time_lstsq(self, solver):
        if solver == "numsolve":
            numsolve.lstsq(self.A, self.b, rtol=1e-10, options={"rng": 0})
        else:
            sla.lsqr(self.A, self.b, atol=1e-10, btol=1e-10, iter_lim=20000)


class LogisticNewtonSketch(Benchmark):
    params = [["numsolve", "sklearn-newton-cholesky"]]
    param_names = ["solver"]

    def setup(self, solver):
        rng = np.random.default_rng(0)
        n, d = 20_000, 100
        sc = 10.0 ** np.linspace(-3, 3, d)
        self.A = rng.standard_normal((n, d)) * sc
        self.y = np.sign(self.A @ (rng.standard_normal(d) / sc) + rng.standard_normal(n))
        self.f = BinaryLogistic(self.A, self.y, l2=1.0)
        self.g0 = float(np.linalg.norm(self.f.grad(np.zeros(d))))
        if solver != "numsolve":
            try:
                import sklearn  # noqa: F401
            except ImportError as exc:
                raise NotImplementedError("scikit-learn not installed") from exc
        fw = BinaryLogistic(self.A[:500, :5], self.y[:500], l2=1.0)
        numsolve.minimize(fw, np.zeros(5), method="newton-sketch", options={"rng": 0})

    def time_fit(self, solver):
        d = self.A.shape[1]
        if solver == "numsolve":
            numsolve.minimize(self.f, np.zeros(d), method="newton-sketch",
                              options={"grtol": 1e-8, "gtol": 0.0, "rng": 0})
        else:
            from sklearn.linear_model import LogisticRegression

            tol = 1e-8 * self.g0 / (self.A.shape[0] * np.sqrt(d))
            LogisticRegression(solver="newton-cholesky", fit_intercept=False, C=1.0,
                               tol=tol, max_iter=200).fit(self.A, self.y)
