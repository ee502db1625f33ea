"""Sequences of related systems: recycling and sorting (issue 18).

* :class:`DarcySequence` - 20 Darcy-flow systems (``darcy_sequence``, 48 x 48 grid,
  sigma = 0.2) solved to ``rtol = 1e-8`` by independent CG, by deflated CG with recycling
  (``solve_batch(recycle=20)``), by recycling after sorting, and by AMG-PCG with one reused
  hierarchy (``preconditioner='amg'``, sorted): wall time, total iterations and products
  with ``A`` (``track_``), peak memory.
* :class:`AMGCycle` - one V-cycle of :class:`numsolve.linalg.AMGPreconditioner` against
  PyAMG's own ``aspreconditioner()`` on the same hierarchy (Darcy 128 x 128).
* :class:`ConvectionDiffusionSequence` - 10 convection-diffusion systems (24 x 24, random
  wind): restarted GMRES(40) vs GCRO-DR(40, 20), time and iterations.

Side-by-side figures (gcrotmk with CU, reused AMG, Dask): ``python -m
asv_benchmarks.compare.recycling``.
"""

from __future__ import annotations

from .common import Benchmark, safe_import

with safe_import():
    import numsolve
    from numsolve.problems import convection_diffusion_sequence, darcy_sequence


def _darcy(variant, seq):
    if variant == "cg":
        rs = [numsolve.solve(A, b, method="cg", rtol=1e-8) for A, b, _ in seq]
        return sum(r.nit for r in rs), sum(r.nit + 2 for r in rs)
    if variant == "amg-reused+sort":
        r = numsolve.solve_batch(seq, method="cg", recycle=0, rtol=1e-8, sort=True,
                                 preconditioner="amg")
        return r.totals["nit"], r.totals["nmatvec"]
    r = numsolve.solve_batch(seq, method="cg", recycle=20, rtol=1e-8,
                             sort=variant == "recycle+sort")
    return r.totals["nit"], r.totals["nmatvec"]


class DarcySequence(Benchmark):
    """20 Darcy systems: independent CG vs recycling (+ sorting)."""

    params = [["cg", "recycle", "recycle+sort", "amg-reused+sort"]]
    param_names = ["variant"]

    def setup(self, variant):
        self.seq = darcy_sequence(20, 48, sigma=0.2, rng=0)
        _darcy(variant, self.seq[:2])  # compile the kernels

    def time_solve(self, variant):
        _darcy(variant, self.seq)

    def track_iterations(self, variant):
        return _darcy(variant, self.seq)[0]

    def track_matvecs(self, variant):
        return _darcy(variant, self.seq)[1]

    def peakmem_solve(self, variant):
        _darcy(variant, self.seq)


class AMGCycle(Benchmark):
    """One smoothed-aggregation V-cycle: numsolve's compiled cycle vs PyAMG's."""

    params = [["numsolve", "numsolve-fb", "pyamg"]]
    param_names = ["cycle"]

    def setup(self, cycle):
        from numsolve.linalg import AMGPreconditioner

        A, self.b, _ = darcy_sequence(1, 128, sigma=0.2, rng=0)[0]
        smoothing = "forward-backward" if cycle == "numsolve-fb" else "symmetric"
        M = AMGPreconditioner(A, smoothing=smoothing)
        self.M = M.hierarchy.aspreconditioner() if cycle == "pyamg" else M
        self.M @ self.b  # compile

    def time_cycle(self, cycle):
        self.M @ self.b


def _cd(variant, seq):
    if variant == "gmres":
        return sum(numsolve.solve(A, b, method="gmres", restart=40, rtol=1e-8).nit
                   for A, b, _ in seq)
    return numsolve.solve_batch(seq, method="gmres", recycle=20, restart=40, rtol=1e-8,
                                sort=True).totals["nit"]


class ConvectionDiffusionSequence(Benchmark):
    """10 nonsymmetric systems: GMRES(40) vs GCRO-DR(40, 20) with sorting."""

    params = [["gmres", "gcrodr"]]
    param_names = ["variant"]

    def setup(self, variant):
        self.seq = convection_diffusion_sequence(10, 24, rng=0)

    def time_solve(self, variant):
        _cd(variant, self.seq)

    def track_iterations(self, variant):
        return _cd(variant, self.seq)
