"""Sequences of related systems: recycling + sorting vs independent solves, gcrotmk, reused AMG.

Parts (``--part``, default all):

``darcy``
    ``T`` Darcy-flow systems (:func:`numsolve.problems.darcy_sequence`, ``n x n`` grid,
    log-normal permeability with ``--sigma``), ``rtol`` (default 1e-8), all in one process:

    * ``cg``: independent CG from zero (numsolve's fused CG, ``solve(method='cg')``);
    * ``defcg``: ``solve_batch(seq, method='cg', recycle=k)`` (warm start + deflated CG);
    * ``defcg+sort``: the same after ``sort=True`` (SKR);
    * ``gcrotmk-CU``: ``scipy.sparse.linalg.gcrotmk(A, b, x0, m=20, k=k, CU=CU,
      discard_C=True)`` carrying ``CU`` and the warm start (its products with ``A`` counted
      by a ``LinearOperator`` wrapper), on the sorted order;
    * ``amg-fresh``: independent AMG-PCG from zero, a new smoothed-aggregation hierarchy
      for every system (PyAMG setup, numsolve's compiled V-cycle, forward/backward Gauss–
      Seidel: ``solve(A, b, method='cg', M=AMGPreconditioner(A, smoothing=
      'forward-backward'))``): the fair baseline of the next row;
    * ``amg-reused``: the same PCG with one hierarchy reused along the sorted sequence
      (rebuilt when a solve passes ``rebuild_factor`` x the post-build count), warm starts
      (``SequenceSolver('cg', recycle=0, preconditioner='amg').solve_all(seq, sort=True)``);
    * ``ssor-cg``: numsolve's existing SSOR-preconditioned CG (``solve(method='ssor-cg',
      omega=w)``, ``--omega``), independent, from zero;
    * ``ssor-pcg``: independent SSOR(``w``)-PCG from zero in the Eisenstat-trick kernel
      (``solve(method='defcg', k=0, ssor=w)``): the fair baseline of the next row (same
      preconditioner, same kernel, no recycling);
    * ``defcg-ssor+sort``: ``solve_batch(seq, method='cg', recycle=--k-ssor, sort=True,
      preconditioner='ssor', omega=w)`` (warm start + deflated SSOR-PCG, Eisenstat's trick).

    Reports total iterations, products with ``A`` (``nmatvec``; AMG cycles not counted there
    but in an extra line, in units of one product with ``A``; an Eisenstat product with the
    preconditioned matrix counts as one), wall-clock of each
    whole run, the worst relative residual and the worst relative error against ``spsolve``
    on ``--check`` systems, and ratios to ``cg`` and to ``ssor-pcg``.

``convdiff``
    ``T`` convection-diffusion systems with random wind directions
    (:func:`numsolve.problems.convection_diffusion_sequence`): GMRES(m) from zero vs GCRO-DR
    (m, k) (``solve_batch(method='gmres', recycle=k, sort=True)``); total inner iterations,
    time and the ratio.

``dask``
    ``--dask-systems`` Darcy systems on a local ``dask.distributed`` cluster of 1 and of 2
    process workers (loopback): wall-clock per batch, throughput ratio, the per-task overhead
    (a batch of 2x2 systems), and whether the results equal the in-process ones exactly.

Usage::

    python -m asv_benchmarks.compare.recycling --part darcy --T 200 --n 128
    python -m asv_benchmarks.compare.recycling --part convdiff --T 100 --n 48
    python -m asv_benchmarks.compare.recycling --part dask --dask-systems 64 --n 96
    python -m asv_benchmarks.compare.recycling --quick

Every solver runs with ``--blas-threads`` BLAS threads (default 1).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from ._common import RULE, parser, section, start


def _relres(A, b, x) -> float:
    return float(np.linalg.norm(b - A @ x) / np.linalg.norm(b))


def _gcrotmk_run(seq, order, rtol, k):
    """gcrotmk over the sequence in ``order``, carrying CU (discard_C=True) and x."""
    import scipy.sparse.linalg as spla

    CU, x, nit, nmv, xs = None, None, 0, 0, {}
    for i in order:
        A, b, _ = seq[i]
        count = [0]

        def mv(v, A=A, count=count):
            count[0] += 1
            return A @ v

        op = spla.LinearOperator(A.shape, matvec=mv, dtype=A.dtype)
        CU = [] if CU is None else CU
        sol, info = spla.gcrotmk(op, b, x0=x, rtol=rtol, atol=0.0, m=20, k=k, CU=CU,
                                 discard_C=True, maxiter=1000)
        xs[int(i)], x = sol, sol
        nmv += count[0]
        nit += count[0]
    return {"nit": nit, "nmatvec": nmv, "x": [xs[i] for i in range(len(seq))]}


def _row(name, t, nit, nmv, res, err, base, fair=None):
    line = (f"{name:15s} {t:9.2f} s {nit:8d} {nmv:8d} {res:10.1e} {err:10.1e}   "
            f"time {t / base['t']:5.2f}x iters {nit / base['nit']:5.2f}x "
            f"matvecs {nmv / base['nmv']:5.2f}x")
    if fair is not None:
        line += (f" | time {t / fair['t']:5.2f}x iters {nit / fair['nit']:5.2f}x "
                 f"matvecs {nmv / fair['nmv']:5.2f}x")
    print(line)


def _ssor_competitors(seq, args) -> dict:
    """SSOR rows of ``part_darcy``: the existing ``ssor-cg``, independent Eisenstat SSOR-PCG
    (the fair baseline) and recycled + sorted SSOR-PCG."""
    import numsolve

    w = args.omega

    def ssor_cg():
        rs = [numsolve.solve(A, b, method="ssor-cg", omega=w, rtol=args.rtol) for A, b, _ in seq]
        return {"nit": sum(r.nit for r in rs), "nmatvec": sum(r.nit + 2 for r in rs),
                "x": [r.x for r in rs]}

    def ssor_pcg():
        rs = [numsolve.solve(A, b, method="defcg", k=0, ssor=w, rtol=args.rtol)
              for A, b, _ in seq]
        return {"nit": sum(r.nit for r in rs), "nmatvec": sum(r.nmatvec for r in rs),
                "x": [r.x for r in rs]}

    def recycled():
        r = numsolve.solve_batch(seq, method="cg", recycle=args.k_ssor, rtol=args.rtol,
                                 sort=True, preconditioner="ssor", omega=w)
        return {"nit": r.totals["nit"], "nmatvec": r.totals["nmatvec"], "x": list(r.x)}

    return {"ssor-cg": ssor_cg, "ssor-pcg": ssor_pcg, "defcg-ssor+sort": recycled}


def part_darcy(args) -> None:
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    import numsolve
    from numsolve.linalg import AMGPreconditioner, SequenceSolver, sort_systems
    from numsolve.problems import darcy_sequence

    section(f"Darcy flow: T={args.T} systems, {args.n}x{args.n} grid, sigma={args.sigma}, "
            f"rtol={args.rtol}, k={args.k}")
    seq = darcy_sequence(args.T, args.n, sigma=args.sigma, rng=0)
    numsolve.solve_batch(seq[:2], method="cg", recycle=2, rtol=1e-2)  # compile the kernels
    numsolve.solve(seq[0][0], seq[0][1], method="cg", rtol=1e-2)
    numsolve.solve_batch(seq[:2], method="cg", recycle=2, rtol=1e-2, preconditioner="ssor",
                         omega=args.omega)
    numsolve.solve(seq[0][0], seq[0][1], method="ssor-cg", omega=args.omega, rtol=1e-2)
    cycle = AMGPreconditioner(seq[0][0], smoothing="forward-backward")
    cycle @ seq[0][1]  # compile the V-cycle
    check = np.linspace(0, args.T - 1, min(args.check, args.T)).astype(int)
    exact = {int(i): spla.spsolve(sp.csc_matrix(seq[i][0]), seq[i][1]) for i in check}
    runs = {}

    def indep():
        rs = [numsolve.solve(A, b, method="cg", rtol=args.rtol) for A, b, _ in seq]
        return {"nit": sum(r.nit for r in rs), "nmatvec": sum(r.nit + 2 for r in rs),
                "x": [r.x for r in rs]}

    def recyc(sort):
        def run():
            r = numsolve.solve_batch(seq, method="cg", recycle=args.k, rtol=args.rtol, sort=sort)
            return {"nit": r.totals["nit"], "nmatvec": r.totals["nmatvec"], "x": list(r.x)}
        return run

    def amg():
        s = SequenceSolver("cg", recycle=0, rtol=args.rtol, preconditioner="amg")
        r = s.solve_all(seq, sort=True)
        return {"nit": r.totals["nit"], "nmatvec": r.totals["nmatvec"], "x": list(r.x),
                "builds": s.totals["preconditioner_builds"]}

    def amg_fresh():
        rs = [numsolve.solve(A, b, method="cg", rtol=args.rtol,
                             M=AMGPreconditioner(A, smoothing="forward-backward"))
              for A, b, _ in seq]
        return {"nit": sum(r.nit for r in rs), "nmatvec": sum(r.nit + 2 for r in rs),
                "x": [r.x for r in rs], "builds": len(rs)}

    order = sort_systems(seq)
    competitors = {"cg": indep, "defcg": recyc(False), "defcg+sort": recyc(True),
                   "amg-fresh": amg_fresh, "amg-reused": amg, **_ssor_competitors(seq, args)}
    if not args.no_gcrotmk:
        competitors["gcrotmk-CU"] = lambda: _gcrotmk_run(seq, order, args.rtol, args.k)
    for name, fn in competitors.items():
        t0 = time.perf_counter()
        out = fn()
        out["t"] = time.perf_counter() - t0
        out["res"] = max(_relres(A, b, x) for (A, b, _), x in zip(seq, out["x"]))
        out["err"] = max(float(np.linalg.norm(out["x"][i] - exact[i]) / np.linalg.norm(exact[i]))
                         for i in exact)
        runs[name] = out
        print(f"  {name}: {out['t']:.2f} s", flush=True)
    base = {"t": runs["cg"]["t"], "nit": runs["cg"]["nit"], "nmv": runs["cg"]["nmatvec"]}
    f = runs["ssor-pcg"]
    fair = {"t": f["t"], "nit": f["nit"], "nmv": f["nmatvec"]}
    print(f"SSOR omega={args.omega}, defcg-ssor+sort k={args.k_ssor}")
    print(f"{'method':15s} {'time':>11s} {'iters':>8s} {'matvecs':>8s} {'max relres':>10s} "
          f"{'max relerr':>10s}   ratios to cg | ratios to ssor-pcg")
    for name, o in runs.items():
        _row(name, o["t"], o["nit"], o["nmatvec"], o["res"], o["err"], base,
             fair if name.startswith(("ssor", "defcg-ssor")) else None)
    for name in ("amg-fresh", "amg-reused"):
        o = runs[name]
        work = o["nmatvec"] + o["nit"] * cycle.cycle_cost
        print(f"{name}: {o['builds']} hierarchy builds; products with A + V-cycle work "
              f"({cycle.cycle_cost:.2f} products each) = {work:.0f} product-equivalents")
    print(f"amg-reused / amg-fresh: time {runs['amg-reused']['t'] / runs['amg-fresh']['t']:.2f}x, "
          f"iterations {runs['amg-reused']['nit'] / runs['amg-fresh']['nit']:.2f}x")
    if "gcrotmk-CU" in runs:
        print(f"defcg+sort matvecs / gcrotmk-CU matvecs = "
              f"{runs['defcg+sort']['nmatvec'] / runs['gcrotmk-CU']['nmatvec']:.2f}")


def part_convdiff(args) -> None:
    import numsolve
    from numsolve.problems import convection_diffusion_sequence

    m, k = args.restart, args.k_gmres
    section(f"convection-diffusion: T={args.T_cd} systems, {args.n_cd}^2 grid, random wind, "
            f"GMRES({m}) vs GCRO-DR({m},{k}), rtol={args.rtol}")
    seq = convection_diffusion_sequence(args.T_cd, args.n_cd, rng=0)
    t0 = time.perf_counter()
    its = [numsolve.solve(A, b, method="gmres", restart=m, rtol=args.rtol) for A, b, _ in seq]
    t_g = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = numsolve.solve_batch(seq, method="gmres", recycle=k, restart=m, rtol=args.rtol,
                             sort=True)
    t_r = time.perf_counter() - t0
    n_g = sum(x.nit for x in its)
    print(f"GMRES({m}):      {n_g:8d} iterations {t_g:8.2f} s   all converged: "
          f"{all(x.success for x in its)}")
    print(f"GCRO-DR({m},{k}): {r.totals['nit']:8d} iterations {t_r:8.2f} s   all converged: "
          f"{bool(r.success.all())}")
    print(f"ratio iterations {r.totals['nit'] / n_g:.3f}, time {t_r / t_g:.3f}")


def _cluster(nworkers):
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=nworkers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    return cluster, Client(cluster)


def part_dask(args) -> None:
    import numsolve
    from numsolve.problems import darcy_sequence

    m = args.dask_systems
    section(f"Dask: {m} Darcy systems ({args.n_dask}^2 grid), process workers on loopback")
    seq = darcy_sequence(m, args.n_dask, sigma=args.sigma, rng=1)
    tiny = darcy_sequence(2 * m, 3, rng=2)
    tkw = dict(method="cg", recycle=2, rtol=args.rtol)
    kw = dict(method="cg", recycle=args.k, rtol=args.rtol, n_sequences=8)
    local = numsolve.solve_batch(seq, **kw)
    times = {}
    for nw in (1, 2):
        cluster, client = _cluster(nw)
        try:
            numsolve.solve_batch(tiny, client=client, n_sequences=2, **tkw)  # warm up
            t0 = time.perf_counter()
            out = numsolve.solve_batch(seq, client=client, **kw)
            times[nw] = time.perf_counter() - t0
            same = bool(np.array_equal(out.x, local.x) and np.array_equal(out.nit, local.nit))
            t0 = time.perf_counter()
            numsolve.solve_batch(tiny, client=client, n_sequences=2 * m, **tkw)
            over = (time.perf_counter() - t0) / (2 * m)
            print(f"{nw} worker(s): {times[nw]:7.2f} s for {m} systems ({m / times[nw]:.2f} "
                  f"systems/s); identical to local: {same}; per-task overhead ~{over * 1e3:.1f}"
                  " ms (3x3 systems, one task each)", flush=True)
        finally:
            client.close()
            cluster.close()
    print(f"throughput 2 workers / 1 worker = {times[1] / times[2]:.2f}x")


def main(argv=None) -> int:
    p = parser(__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--part", choices=("darcy", "convdiff", "dask", "all"), default="all")
    p.add_argument("--T", type=int, default=200)
    p.add_argument("--n", type=int, default=128)
    p.add_argument("--sigma", type=float, default=0.2)
    p.add_argument("--k", type=int, default=20)
    p.add_argument("--omega", type=float, default=1.9, help="SSOR relaxation factor")
    p.add_argument("--k-ssor", type=int, default=4, help="recycle size of defcg-ssor+sort")
    p.add_argument("--rtol", type=float, default=1e-8)
    p.add_argument("--check", type=int, default=5, help="systems checked against spsolve")
    p.add_argument("--no-gcrotmk", action="store_true")
    p.add_argument("--T-cd", type=int, default=100)
    p.add_argument("--n-cd", type=int, default=48)
    p.add_argument("--restart", type=int, default=40)
    p.add_argument("--k-gmres", type=int, default=20)
    p.add_argument("--dask-systems", type=int, default=64)
    p.add_argument("--n-dask", type=int, default=96)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.T, args.n, args.T_cd, args.n_cd, args.dask_systems, args.n_dask = 8, 24, 8, 16, 8, 24
    start(args, "numsolve sequences: recycling + sorting vs independent solves",
          [f"command: python -m asv_benchmarks.compare.recycling {' '.join(sys.argv[1:])}"])
    parts = ("darcy", "convdiff", "dask") if args.part == "all" else (args.part,)
    for part in parts:
        {"darcy": part_darcy, "convdiff": part_convdiff, "dask": part_dask}[part](args)
    print(RULE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
