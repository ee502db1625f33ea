"""Side-by-side: numsolve.minimize(method='auglag') vs SciPy's SLSQP and trust-constr.

(a) the Hock-Schittkowski equality problems: success, |f - f*|, iterations, function and
    gradient evaluations and time for SLSQP, trust-constr, auglag with the direct KKT solver and
    with randomized Kaczmarz sketching;
(b) Poisson optimal control on an N x N grid (default N = 128: n = 32 768, m = 16 384): time
    to a KKT residual <= 1e-6 for auglag (direct sparse KKT solve) and for trust-constr with the
    same exact derivatives (its run is stopped after --limit seconds and reported as such).

Every problem gets the same exact derivatives in every solver. Times are wall-clock medians of
--reps interleaved repetitions (one for the large trust-constr run). Every solver runs with
``--blas-threads`` BLAS threads (default 1; 0: the library default).

Usage::

    python -m asv_benchmarks.compare.auglag                 # both parts, N = 128
    python -m asv_benchmarks.compare.auglag --part hs
    python -m asv_benchmarks.compare.auglag --part control --N 64 --limit 600
    python -m asv_benchmarks.compare.auglag --quick         # 1 repetition, N = 16: a smoke run
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import minimize as sp_minimize

import numsolve
from numsolve.problems import HS_PROBLEMS, hock_schittkowski, poisson_control

from ._common import interleaved, med, parser, start, timed


def _auglag(p, solver, **opts):
    return numsolve.minimize(p.fun, p.x0, method="auglag", jac=p.jac, hess=p.hess,
                             constraints=p.constraints,
                             options={"kkt_solver": solver, "rng": 2023, **opts})


def _slsqp(p):
    return sp_minimize(p.fun, p.x0, jac=p.jac, method="SLSQP",
                       constraints=[{"type": "eq", "fun": p.cons, "jac": p.cons_jac}],
                       options={"maxiter": 1000})


def _trust(p, gtol=1e-8, limit=None):
    t0 = time.perf_counter()

    def cb(intermediate_result):
        if limit is not None and time.perf_counter() - t0 > limit:
            raise StopIteration

    return sp_minimize(p.fun, p.x0, jac=p.jac, hess=p.hess, method="trust-constr",
                       constraints=p.constraints, callback=cb,
                       options={"gtol": gtol, "xtol": 1e-14, "maxiter": 5000})


def part_hs(reps: int):
    print("(a) Hock-Schittkowski equality problems (exact derivatives everywhere)")
    hdr = (f"{'prob':5s} {'n':>2s} {'m':>2s} | {'SLSQP ok  |f-f*|  nit fev/gev    ms':36s} | "
           f"{'trust-constr ok |f-f*|  nit fev/gev    ms':42s} | "
           f"{'auglag ok |f-f*|  nit fev/gev   ms':35s} | {'auglag-RK ok nit  inner    ms':30s}")
    print(hdr)
    print("-" * len(hdr))
    wins = 0
    for name in HS_PROBLEMS:
        p = hock_schittkowski(name)
        runs = {"slsqp": lambda p=p: _slsqp(p), "trust": lambda p=p: _trust(p),
                "auglag": lambda p=p: _auglag(p, "direct"),
                "rk": lambda p=p: _auglag(p, "kaczmarz")}
        out = interleaved(runs, reps)
        ms = {k: 1e3 * med(times) for k, (times, _) in out.items()}

        def err(res, p=p):
            return abs(res.fun - p.f_star)

        s, t, a, k = (out[key][1] for key in ("slsqp", "trust", "auglag", "rk"))
        wins += a.success and ms["auglag"] < ms["trust"]

        def ev(res):  # function / gradient evaluations
            return f"{res.nfev}/{res.njev}"

        print(f"{name:5s} {p.n:2d} {p.m:2d} | {str(s.success):5s} {err(s):8.1e} {s.nit:4d} "
              f"{ev(s):>7s} {ms['slsqp']:6.1f} | {str(t.success):5s} {err(t):12.1e} "
              f"{t.nit:5d} {ev(t):>7s} {ms['trust']:6.1f} | {str(a.success):5s} "
              f"{err(a):8.1e} {a.nit:3d} {ev(a):>7s} {ms['auglag']:5.1f} | "
              f"{str(k.success):5s} {k.nit:3d} {k.inner_nit:7d} {ms['rk']:6.1f}")
    print(f"auglag (direct) faster than trust-constr on {wins}/{len(HS_PROBLEMS)} problems; "
          "|f-f*| absolute; fev/gev = objective / gradient evaluations (auglag evaluates the "
          "gradient at every line-search trial: its merit contains ||grad L||^2); "
          "ms = median wall time")


def part_control(N: int, limit: float):
    p = poisson_control(N)
    print(f"\n(b) Poisson optimal control, N = {N}: n = {p.n}, m = {p.m}")
    x_star, _ = p.info["solution"]()
    t_a, a = timed(lambda: numsolve.minimize(p.fun, p.x0, method="auglag", jac=p.jac,
                                              hess=p.hess, constraints=p.constraints,
                                              options={"v0": p.v0}))
    print(f"auglag (direct)   : success={a.success} nit={a.nit} KKT={a.kkt_residual:.2e} "
          f"max|x-x*|={np.abs(a.x - x_star).max():.1e} time={t_a:.2f} s")
    best = None
    for gtol in (1e-6, 1e-8):
        t_t, t = timed(lambda gtol=gtol: _trust(p, gtol=gtol, limit=limit))
        kkt_t = p.kkt_residual(t.x, np.concatenate(t.v))  # SciPy's L = f + v^T c
        stopped = t.status == 99 or t_t >= limit
        print(f"trust-constr gtol={gtol:g}: success={t.success} status={t.status} nit={t.nit} "
              f"KKT={kkt_t:.2e} max|x-x*|={np.abs(t.x - x_star).max():.1e} time={t_t:.2f} s"
              + (" (stopped at the time limit)" if stopped else ""))
        if best is None or (kkt_t <= 1e-6 and best[1] > 1e-6):
            best = (t_t, kkt_t, gtol, stopped)
    t_t, kkt_t, gtol, stopped = best
    reached = "reached" if kkt_t <= 1e-6 else "did NOT reach"
    print(f"time ratio auglag / trust-constr(gtol={gtol:g}, {reached} KKT <= 1e-6) = "
          f"{t_a / t_t:.3f}" + (" (trust-constr's time is a lower bound)" if stopped else ""))


def main(argv=None):
    ap = parser(__doc__)
    ap.add_argument("--part", choices=("hs", "control", "all"), default="all")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--N", type=int, default=128)
    ap.add_argument("--limit", type=float, default=600.0,
                    help="seconds after which trust-constr is stopped (part b)")
    ap.add_argument("--quick", action="store_true",
                    help="1 repetition, N = 16, trust-constr stopped after 60 s (a smoke run)")
    args = ap.parse_args(argv)
    if args.quick:
        args.reps, args.N, args.limit = 1, 16, 60.0
    start(args, __doc__.splitlines()[0])
    print()
    # compile the Numba sketch loops before timing anything
    _auglag(hock_schittkowski("hs28"), "kaczmarz")
    if args.part in ("hs", "all"):
        part_hs(args.reps)
    if args.part in ("control", "all"):
        part_control(args.N, args.limit)


if __name__ == "__main__":
    main()
