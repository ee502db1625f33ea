"""Side-by-side SOR / SSOR-CG / omega-tuner measurements (issue #3), in one process.

Parts (``--part``, default all):

``sweep``
    One forward SOR sweep on the 2-D Poisson matrix, 512 x 512 grid (CSR), same omega: numsolve's
    Numba kernel (and the public ``solve(..., method='sor', maxiter=1)`` with its validation)
    vs ``pyamg.relaxation.relaxation.sor(A, x, b, omega, iterations=1)``. Repetitions
    interleaved (A B, B A, ...); median and min times and the ratio numsolve / pyamg.

``bandit``
    The diagonally shifted Poisson sequence of *Learning to Relax* (``A + c I``, 10 x 10 grid,
    ``c = -0.15 + 0.6 Beta``, ``b ~ N(0, I)`` with ``|b| <= sqrt(n)``), SOR to ``rtol = 1e-8``
    from ``x0 = 0``, ``T`` systems, seeds given by ``--seeds``, both Beta distributions.
    The iteration count of every system for every arm of the grid ``linspace(1, 1.95, 20)``
    is computed once (it gives the best fixed omega in hindsight); the tuners are then run on
    that table (:func:`numsolve.linalg.relaxation._tuners.replay`: a tuner only sees the cost
    of the arm it plays, so this is the same run as solving the systems in a loop). The
    instance-optimal baseline solves every system with Young's omega (``young_omega``; for
    ``A + c I`` the Jacobi radius follows from the eigenvalues of ``A``). Reports mean
    iterations per system and the ratios of the issue's "Done when". ``--reference`` adds the
    tuners with the reference constants (``TsallisINF(estimator='iw')``, ``ChebCB(degree=6,
    eta_scale=1, adaptive_degree=False)``) for comparison with the defaults. The last columns
    (``TS-CB``) are the binned contextual Tsallis-INF, ``TsallisINFCB((-0.15, 0.65), n_bins=5,
    rng=seed)``, and its ratios to the best fixed omega and to instance-optimal.

``heat``
    The 2-D heat equation (Crank-Nicolson, ``kappa(t)`` between ~0.1 and ~10) on an
    ``nx x nx`` grid for ``--steps`` steps of ``dt`` (warm start, ``rtol = 1e-8``): SSOR-CG
    with omega in {1.0, 1.5}, Tsallis-INF, Tsallis-INF-CB (6 bins) and ChebCB (context kappa),
    against plain CG.
    Total iterations and wall-clock (each method's whole run; methods interleaved over
    ``--reps`` repetitions, median reported), ratios to plain CG.

Usage::

    python -m asv_benchmarks.compare.sor --part sweep
    python -m asv_benchmarks.compare.sor --part bandit --T 2000 --seeds 0 1 2 3 4 --reference \
        --cache /tmp/sor_tables     # cost tables cached: a re-run only replays the tuners
    python -m asv_benchmarks.compare.sor --part heat --nx 101 --steps 1000 --dt 1e-3
    python -m asv_benchmarks.compare.sor --quick     # small sizes, for a smoke run

Every solver runs with ``--blas-threads`` BLAS threads (default 1; 0: the library default).
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

import numsolve
from numsolve.linalg import ChebCB, SORSmoother, TsallisINF, TsallisINFCB
from numsolve.linalg.relaxation import DEFAULT_GRID, replay
from numsolve.problems import heat2d_sequence, poisson2d, shifted_poisson_sequence

from ._common import interleaved, med, parser, ratios, start


def _times(out: dict) -> dict:
    """The lists of times of :func:`interleaved`'s result."""
    return {k: t for k, (t, _) in out.items()}


# --------------------------------------------------------------------------------------------
# (a) one sweep vs pyamg
# --------------------------------------------------------------------------------------------
def part_sweep(N: int, reps: int, omega: float = 1.5) -> dict:
    from pyamg.relaxation.relaxation import sor as pyamg_sor

    A = poisson2d(N).tocsr()
    n = A.shape[0]
    b = np.random.default_rng(0).standard_normal(n)
    smooth = SORSmoother(A)
    x_ns, x_pa, x_api = np.zeros(n), np.zeros(n), np.zeros(n)
    # correctness first: identical iterates
    smooth(x_ns, b, omega)
    pyamg_sor(A, x_pa, b, omega, iterations=1)
    diff = float(np.abs(x_ns - x_pa).max() / np.abs(x_pa).max())
    numsolve.solve(A, b, method="sor", omega=omega, maxiter=1)  # compile

    def kern():
        smooth(x_ns, b, omega)

    def amg():
        pyamg_sor(A, x_pa, b, omega, iterations=1)

    def api():  # includes validation, CSR preparation, and a residual norm per iteration
        return numsolve.solve(A, b, x_api, method="sor", omega=omega, maxiter=1, rtol=0.0)

    times = _times(interleaved({"numsolve smoother": kern, "pyamg sor": amg,
                                "numsolve.solve": api}, reps))
    md = {k: med(v) for k, v in times.items()}
    mn = {k: min(v) for k, v in times.items()}
    print(f"\n(a) one forward SOR sweep, 2-D Poisson {N}^2 (n = {n}, nnz = {A.nnz}), "
          f"omega = {omega}, {reps} interleaved repetitions")
    print(f"    max relative difference of the swept x, numsolve vs pyamg: {diff:.2e}")
    print(f"    {'':18s} {'median ms':>10s} {'min ms':>10s} {'ratio/pyamg (med)':>18s} "
          f"{'(min)':>7s}")
    for k in times:
        r_med, r_min = ratios(times[k], times["pyamg sor"])
        print(f"    {k:18s} {md[k] * 1e3:10.3f} {mn[k] * 1e3:10.3f} {r_med:18.3f} {r_min:7.3f}")
    r_med, r_min = ratios(times["numsolve smoother"], times["pyamg sor"])
    return {"median_ms": {k: v * 1e3 for k, v in md.items()},
            "min_ms": {k: v * 1e3 for k, v in mn.items()},
            "ratio_kernel_median": r_med, "ratio_kernel_min": r_min, "max_rel_diff": diff}


# --------------------------------------------------------------------------------------------
# (b) bandit experiment on the shifted Poisson sequence
# --------------------------------------------------------------------------------------------
def cost_table(T: int, dist: str, seed: int, cache_dir: str | None):
    """(costs (T, 20), contexts (T,), instance-optimal iterations (T,))."""
    path = None
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        path = os.path.join(cache_dir, f"sor_table_{dist}_T{T}_seed{seed}.npz")
        if os.path.exists(path):
            z = np.load(path)
            return z["costs"], z["contexts"], z["opt"], z["opt_omega"]
    seq = shifted_poisson_sequence(T, dist, rng=seed)
    base = poisson2d(10)
    lam = np.linalg.eigvalsh(base.toarray())  # A_t = A + c I: Jacobi matrix I - (A + c I)/(4 + c)
    costs = np.zeros((T, DEFAULT_GRID.size))
    contexts = np.zeros(T)
    opt = np.zeros(T)
    opt_omega = np.zeros(T)
    for t, (A, b, c) in enumerate(seq):
        smooth = SORSmoother(A)
        tol = 1e-8 * np.linalg.norm(b)
        beta = np.max(np.abs(1.0 - (lam + c) / (4.0 + c)))
        w_star = 2.0 / (1.0 + np.sqrt(1.0 - beta * beta))
        for j, w in enumerate([*DEFAULT_GRID, w_star]):
            x = np.zeros(b.size)
            nit, _ = smooth.iterations_to(x, b, w, tol, 10000)
            if j < DEFAULT_GRID.size:
                costs[t, j] = nit
            else:
                opt[t] = nit
        contexts[t] = c
        opt_omega[t] = w_star
    if path:
        np.savez(path, costs=costs, contexts=contexts, opt=opt, opt_omega=opt_omega)
    return costs, contexts, opt, opt_omega


def part_bandit(T: int, seeds, dists, cache_dir, reference: bool = False) -> dict:
    out = {}
    for dist in dists:
        rows = []
        print(f"\n(b) shifted Poisson, {dist}-variance Beta, T = {T}: mean SOR iterations "
              "per system (rtol 1e-8)")
        hdr = (f"    {'seed':>4s} {'w=1 (GS)':>9s} {'best fix':>9s} {'(w)':>5s} "
               f"{'Tsallis':>8s} {'ChebCB':>8s} {'inst-opt':>9s} | {'CB/best':>7s} "
               f"{'CB/opt':>7s} {'TS/best':>7s} {'TS/GS':>6s} {'CB/GS':>6s} | "
               f"{'TS-CB':>7s} {'TSCB/bst':>8s} {'TSCB/opt':>8s}")
        print(hdr)
        for seed in seeds:
            t0 = time.perf_counter()
            costs, ctx, opt, _ = cost_table(T, dist, seed, cache_dir)
            t_table = time.perf_counter() - t0
            ts = replay(TsallisINF(rng=seed), costs).mean()
            cb = replay(ChebCB((-0.15, 0.65), rng=seed), costs, ctx).mean()
            tscb = replay(TsallisINFCB((-0.15, 0.65), n_bins=5, rng=seed), costs, ctx).mean()
            ref = {}
            if reference:  # the reference constants of learners/TsallisINF.m and ChebCB.m
                ref["tsallis_ref"] = float(replay(TsallisINF(estimator="iw", rng=seed),
                                                  costs).mean())
                ref["chebcb_ref"] = float(replay(
                    ChebCB((-0.15, 0.65), degree=6, eta_scale=1.0, adaptive_degree=False,
                           rng=seed), costs, ctx).mean())
            means = costs.mean(axis=0)
            j = int(np.argmin(means))
            r = {"seed": seed, "gs": float(means[0]), "best_fixed": float(means[j]),
                 "best_omega": float(DEFAULT_GRID[j]), "tsallis": float(ts), "chebcb": float(cb),
                 "tsallis_cb": float(tscb),
                 "instance_opt": float(opt.mean()), "grid_argmin": float(costs.min(1).mean()),
                 "fixed_5": {f"{w:.1f}": float(means[np.argmin(abs(DEFAULT_GRID - w))])
                             for w in (1.0, 1.2, 1.4, 1.6, 1.8)},
                 "table_seconds": t_table, **ref}
            rows.append(r)
            print(f"    {seed:4d} {r['gs']:9.1f} {r['best_fixed']:9.1f} {r['best_omega']:5.2f} "
                  f"{ts:8.1f} {cb:8.1f} {r['instance_opt']:9.1f} | "
                  f"{cb / r['best_fixed']:7.3f} {cb / r['instance_opt']:7.3f} "
                  f"{ts / r['best_fixed']:7.3f} {ts / r['gs']:6.3f} {cb / r['gs']:6.3f} | "
                  f"{tscb:7.1f} {tscb / r['best_fixed']:8.3f} {tscb / r['instance_opt']:8.3f}")
            if ref:
                print(f"    {'':4s} reference constants: Tsallis-INF (iw) {ref['tsallis_ref']:.1f} "
                      f"(/best {ref['tsallis_ref'] / r['best_fixed']:.3f}), ChebCB (m=6, "
                      f"eta_scale=1, fixed degree) {ref['chebcb_ref']:.1f} (/best "
                      f"{ref['chebcb_ref'] / r['best_fixed']:.3f}, /opt "
                      f"{ref['chebcb_ref'] / r['instance_opt']:.3f})")
        agg = {k: float(np.mean([r[k] for r in rows]))
               for k in ("gs", "best_fixed", "tsallis", "chebcb", "tsallis_cb", "instance_opt")}
        print(f"    {'mean':>4s} {agg['gs']:9.1f} {agg['best_fixed']:9.1f} {'':5s} "
              f"{agg['tsallis']:8.1f} {agg['chebcb']:8.1f} {agg['instance_opt']:9.1f} | "
              f"{agg['chebcb'] / agg['best_fixed']:7.3f} "
              f"{agg['chebcb'] / agg['instance_opt']:7.3f} "
              f"{agg['tsallis'] / agg['best_fixed']:7.3f} {agg['tsallis'] / agg['gs']:6.3f} "
              f"{agg['chebcb'] / agg['gs']:6.3f} | {agg['tsallis_cb']:7.1f} "
              f"{agg['tsallis_cb'] / agg['best_fixed']:8.3f} "
              f"{agg['tsallis_cb'] / agg['instance_opt']:8.3f}")
        tot = {k: float(np.sum([r[k] for r in rows]))
               for k in ("best_fixed", "tsallis", "chebcb", "tsallis_cb", "instance_opt")}
        print(f"    per seed: max CB/best {max(r['chebcb'] / r['best_fixed'] for r in rows):.3f}, "
              f"max CB/opt {max(r['chebcb'] / r['instance_opt'] for r in rows):.3f}, "
              f"max TS/best {max(r['tsallis'] / r['best_fixed'] for r in rows):.3f}")
        if reference:
            ra = {k: float(np.mean([r[k] for r in rows])) for k in ("tsallis_ref", "chebcb_ref")}
            print(f"    reference constants, mean: Tsallis-INF (iw) {ra['tsallis_ref']:.1f} "
                  f"(/best {ra['tsallis_ref'] / agg['best_fixed']:.3f}), ChebCB "
                  f"{ra['chebcb_ref']:.1f} (/best {ra['chebcb_ref'] / agg['best_fixed']:.3f}, "
                  f"/opt {ra['chebcb_ref'] / agg['instance_opt']:.3f})")
            agg.update(ra)
        print("    targets: CB/best <= 0.8, CB/opt <= 1.3, TS/best <= 1.15, TS/GS and CB/GS <= 0.5")
        agg["ratio_of_totals"] = {"chebcb/best": tot["chebcb"] / tot["best_fixed"],
                                  "chebcb/opt": tot["chebcb"] / tot["instance_opt"],
                                  "tsallis/best": tot["tsallis"] / tot["best_fixed"],
                                  "tsallis_cb/best": tot["tsallis_cb"] / tot["best_fixed"],
                                  "tsallis_cb/opt": tot["tsallis_cb"] / tot["instance_opt"]}
        out[dist] = {"rows": rows, "mean": agg}
    return out


# --------------------------------------------------------------------------------------------
# (c) heat equation
# --------------------------------------------------------------------------------------------
def part_heat(nx: int, steps: int, dt: float, reps: int, seed: int = 0) -> dict:
    def seq():
        return heat2d_sequence(nx, steps, dt=dt)

    kappa = [k for _, _, k in heat2d_sequence(8, steps, dt=dt)]
    crange = (0.0, max(kappa) * 1.0001 + 1e-12)
    results = {}

    def runner(name):
        def run():
            common = dict(rtol=1e-8, warm_start=True)
            if name == "cg":
                res = _cg_sequence(seq(), **common)
            elif name.startswith("ssor w="):
                res = numsolve.solve_batch(seq(), method="ssor-cg", omega=float(name[7:]),
                                           **common)
            elif name == "ssor TsallisINF":
                res = numsolve.solve_batch(seq(), method="ssor-cg", omega=TsallisINF(rng=seed),
                                           **common)
            elif name == "ssor TsallisINFCB":  # 6 bins of kappa, as in the paper's h2d.m
                res = numsolve.solve_batch(seq(), method="ssor-cg",
                                           omega=TsallisINFCB(crange, n_bins=6, rng=seed),
                                           **common)
            else:
                res = numsolve.solve_batch(seq(), method="ssor-cg",
                                           omega=ChebCB(crange, rng=seed), **common)
            assert bool(np.all(res.success)), name
            results[name] = res
            return res
        return run

    names = ["cg", "ssor w=1.0", "ssor w=1.5", "ssor TsallisINF", "ssor TsallisINFCB",
             "ssor ChebCB"]
    numsolve.solve_batch(heat2d_sequence(8, 2), method="ssor-cg", omega=1.2)  # compile
    md = {k: med(t) for k, t in _times(interleaved({k: runner(k) for k in names},
                                                   reps)).items()}
    print(f"\n(c) heat equation, {nx - 1}^2 unknowns, {steps} steps of dt = {dt} "
          f"(kappa in [{min(kappa):.3g}, {max(kappa):.3g}]), rtol 1e-8, warm start, "
          f"{reps} interleaved repetitions")
    print(f"    {'method':18s} {'total it':>9s} {'it/step':>8s} {'median s':>9s} "
          f"{'time/CG':>8s} {'it/CG':>7s}")
    out = {}
    for k in names:
        tot = int(np.sum(results[k].nit))
        out[k] = {"total_iterations": tot, "median_seconds": md[k],
                  "time_ratio_to_cg": md[k] / md["cg"]}
        print(f"    {k:18s} {tot:9d} {tot / steps:8.1f} {md[k]:9.3f} {md[k] / md['cg']:8.3f} "
              f"{tot / np.sum(results['cg'].nit):7.3f}")
    for k in ("ssor TsallisINF", "ssor TsallisINFCB", "ssor ChebCB"):
        om = results[k].omega
        print(f"    {k}: omega chosen, last 20% of steps: mean {om[-steps // 5:].mean():.3f}")
    return out


def _cg_sequence(systems, rtol, warm_start):
    """Plain CG over the heat sequence (same send protocol)."""
    it = iter(systems)
    nit, ok = [], []
    prev = None
    item = next(it)
    while True:
        A, b, _ = item
        res = numsolve.solve(A, b, prev if warm_start else None, method="cg", rtol=rtol)
        nit.append(res.nit)
        ok.append(res.success)
        prev = res.x
        try:
            item = it.send(res.x)
        except StopIteration:
            break
    return numsolve.SolveResult(nit=np.array(nit), success=np.array(ok))


def plot_cumulative(T: int, seed: int, dists, cache_dir, path: str) -> None:
    """Cumulative iterations vs t for omega = 1, best fixed, Tsallis-INF, ChebCB, instance-opt."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(dists), figsize=(5.2 * len(dists), 3.8), squeeze=False)
    for ax, dist in zip(axes[0], dists):
        costs, ctx, opt, _ = cost_table(T, dist, seed, cache_dir)
        j = int(np.argmin(costs.mean(axis=0)))
        curves = {
            "omega = 1 (Gauss-Seidel)": costs[:, 0],
            f"best fixed omega = {DEFAULT_GRID[j]:.2f} (hindsight)": costs[:, j],
            "Tsallis-INF": replay(TsallisINF(rng=seed), costs),
            "ChebCB (context c)": replay(ChebCB((-0.15, 0.65), rng=seed), costs, ctx),
            "instance-optimal (Young)": opt,
        }
        t = np.arange(1, T + 1)
        for label, c in curves.items():
            ax.plot(t, np.cumsum(c), label=label)
        ax.set_yscale("log")
        ax.set_xlabel("system t")
        ax.set_ylabel("cumulative SOR iterations")
        ax.set_title(f"{dist}-variance Beta, seed {seed}")
        ax.grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--part", choices=["sweep", "bandit", "heat", "all", "none"], default="all")
    p.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    p.add_argument("--reps", type=int, default=9)
    p.add_argument("--N", type=int, default=512, help="grid of the sweep benchmark")
    p.add_argument("--T", type=int, default=2000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--dists", nargs="+", default=["high", "low"])
    p.add_argument("--cache", default=None, help="directory caching the bandit cost tables")
    p.add_argument("--reference", action="store_true",
                   help="bandit part: also run the tuners with the reference constants")
    p.add_argument("--nx", type=int, default=101)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--dt", type=float, default=1e-3)
    p.add_argument("--heat-reps", type=int, default=3)
    p.add_argument("--json", default=None, help="write the figures to this JSON file")
    p.add_argument("--plot", default=None,
                   help="write the cumulative-iterations plot (first seed) to this PNG")
    a = p.parse_args(argv)
    if a.quick:
        a.N, a.T, a.seeds, a.nx, a.steps, a.reps, a.heat_reps = 128, 200, [0], 33, 50, 3, 1
    start(a, __doc__.splitlines()[0])
    out = {}
    if a.part in ("sweep", "all"):
        out["sweep"] = part_sweep(a.N, a.reps)
    if a.part in ("bandit", "all"):
        out["bandit"] = part_bandit(a.T, a.seeds, a.dists, a.cache, a.reference)
    if a.part in ("heat", "all"):
        out["heat"] = part_heat(a.nx, a.steps, a.dt, a.heat_reps)
    if a.plot:
        plot_cumulative(a.T, a.seeds[0], a.dists, a.cache, a.plot)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
