"""Block coordinate descent (``minimize(method='bcd')``, issue #15).

* :class:`RecipeARules` - 200 block iterations on recipe A (1000 x 10000, 6.9% dense,
  ``tau = 5``) per selection rule and update; ``track_`` the final ``f`` (``f* = 0``).
* :class:`TreeSolve` - the message-passing solve of one comb forest of a 256 x 256 lattice
  (about 32k nodes) against a sparse direct solve of the same block (``spsolve``);
  ``peakmem_`` of both.
* :class:`LatticeToTolerance` - tree vs red-black blocks to ``||Q x - c||_inf <= 1e-8
  ||c||_inf`` on a 128 x 128 lattice; ``track_`` the iterations.

The side-by-side rule ranking and the 256 x 256 lattice comparison are
``python -m asv_benchmarks.compare.bcd_rules``.
"""

from __future__ import annotations

import numpy as np

from .common import Benchmark, safe_import

with safe_import():
    from scipy.sparse.linalg import spsolve

    import numsolve
    from numsolve.optimize.bcd._message import forest_block_step
    from numsolve.optimize.bcd._partitions import comb_forests
    from numsolve.problems import bcd_dataset, label_propagation

_CACHE = {}


def _recipe_a():
    if "A" not in _CACHE:
        _CACHE["A"] = bcd_dataset("A", rng=0)
    return _CACHE["A"]


class RecipeARules(Benchmark):
    params = [["cyclic/sort", "random/sort", "gsl/sort", "gsq/sort", "gsd/variable",
               "gsq/variable"], ["gradient", "matrix"]]
    param_names = ["rule", "update"]

    def setup(self, rule, update):
        self.p = _recipe_a()
        sel, part = rule.split("/")
        self.opts = {"selection": sel, "partition": part, "update": update, "block_size": 5,
                     "maxiter": 200, "gtol": 0.0, "rng": 0}
        numsolve.minimize(self.p.objective, self.p.x0, method="bcd",
                          options={**self.opts, "maxiter": 2})  # compile

    def time_200_iterations(self, rule, update):
        numsolve.minimize(self.p.objective, self.p.x0, method="bcd", options=self.opts)

    def track_f_after_200(self, rule, update):
        return float(numsolve.minimize(self.p.objective, self.p.x0, method="bcd",
                                       options=self.opts).fun)


class TreeSolve(Benchmark):
    def setup(self):
        self.q = label_propagation(256, 256, n_labelled=256 * 256 // 25, rng=0)
        self.b = comb_forests(self.q.lattice)[0]
        self.g = np.random.default_rng(0).standard_normal(self.q.n)
        self.Qbb = self.q.Q[self.b][:, self.b].tocsc()
        self._tree()

    def _tree(self):
        Q, m = self.q.Q, self.b.size
        out = np.empty(m)
        forest_block_step(Q.indptr, Q.indices, Q.data, Q.diagonal(), self.b, self.g,
                          np.full(Q.shape[0], -1, np.int64), np.empty(2 * m, np.int64),
                          np.empty(3 * m), out)
        return out

    def time_message_passing(self):
        self._tree()

    def time_spsolve_block(self):
        spsolve(self.Qbb, -self.g[self.b])

    def peakmem_message_passing(self):
        self._tree()

    def peakmem_spsolve_block(self):
        spsolve(self.Qbb, -self.g[self.b])


class LatticeToTolerance(Benchmark):
    params = [["tree", "red-black"]]
    param_names = ["partition"]

    def setup(self, partition):
        self.q = label_propagation(128, 128, n_labelled=128 * 128 // 25, rng=0)
        self.opts = {"partition": partition, "selection": "cyclic", "maxiter": 100000,
                     "gtol": 1e-8 * float(np.max(np.abs(self.q.c)))}

    def time_solve(self, partition):
        numsolve.minimize(self.q, np.zeros(self.q.n), method="bcd", options=self.opts)

    def track_iterations(self, partition):
        return int(numsolve.minimize(self.q, np.zeros(self.q.n), method="bcd",
                                     options=self.opts).nit)
