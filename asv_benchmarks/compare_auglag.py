#!/usr/bin/env python
"""Side-by-side: numsolve.minimize(method='auglag') vs SciPy's SLSQP and trust-constr.

(a) the Hock-Schittkowski equality problems: success, |f - f*|, iterations, function and
    gradient evaluations and time for SLSQP, trust-constr, auglag with the direct KKT solver and
    with randomized Kaczmarz sketching;
(b) Poisson optimal control on an N x N grid (default N = 128: n = 32 768, m = 16 384): time
    to a KKT residual <= 1e-6 for auglag (direct sparse KKT solve) and for trust-constr with the
    same exact derivatives (its run is stopped after --limit seconds and reported as such).

Every problem gets the same exact derivatives in every solver. Times are wall-clock medians of
--reps interleaved repetitions (one for the large trust-constr run).

Usage::

    python asv_benchmarks/compare_auglag.py                 # both parts, N = 128
    python asv_benchmarks/compare_auglag.py --part hs
    python asv_benchmarks/compare_auglag.py --part control --N 64 --limit 600
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy.optimize import minimize as sp_minimize

import numsolve
from numsolve.problems import HS_PROBLEMS, hock_schittkowski, poisson_control


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


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
        times = {k: [] for k in runs}
        outs = {}
        for r in range(reps):
            order = list(runs)[r % 4:] + list(runs)[: r % 4]
            for k in order:
                dt, outs[k] = _timed(runs[k])
                times[k].append(dt)
        med = {k: 1e3 * statistics.median(v) for k, v in times.items()}

        def err(res, p=p):
            return abs(res.fun - p.f_star)

        s, t, a, k = outs["slsqp"], outs["trust"], outs["auglag"], outs["rk"]
        wins += a.success and med["auglag"] < med["trust"]
        def ev(res):  # function / gradient evaluations
            return f"{res.nfev}/{res.njev}"

        print(f"{name:5s} {p.n:2d} {p.m:2d} | {str(s.success):5s} {err(s):8.1e} {s.nit:4d} "
              f"{ev(s):>7s} {med['slsqp']:6.1f} | {str(t.success):5s} {err(t):12.1e} "
              f"{t.nit:5d} {ev(t):>7s} {med['trust']:6.1f} | {str(a.success):5s} "
              f"{err(a):8.1e} {a.nit:3d} {ev(a):>7s} {med['auglag']:5.1f} | "
              f"{str(k.success):5s} {k.nit:3d} {k.inner_nit:7d} {med['rk']:6.1f}")
    print(f"auglag (direct) faster than trust-constr on {wins}/{len(HS_PROBLEMS)} problems; "
          "|f-f*| absolute; fev/gev = objective / gradient evaluations (auglag evaluates the "
          "gradient at every line-search trial: its merit contains ||grad L||^2); "
          "ms = median wall time")


def part_control(N: int, limit: float):
    p = poisson_control(N)
    print(f"\n(b) Poisson optimal control, N = {N}: n = {p.n}, m = {p.m}")
    x_star, _ = p.info["solution"]()
    t_a, a = _timed(lambda: numsolve.minimize(p.fun, p.x0, method="auglag", jac=p.jac,
                                              hess=p.hess, constraints=p.constraints,
                                              options={"v0": p.v0}))
    print(f"auglag (direct)   : success={a.success} nit={a.nit} KKT={a.kkt_residual:.2e} "
          f"max|x-x*|={np.abs(a.x - x_star).max():.1e} time={t_a:.2f} s")
    best = None
    for gtol in (1e-6, 1e-8):
        t_t, t = _timed(lambda gtol=gtol: _trust(p, gtol=gtol, limit=limit))
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("hs", "control", "all"), default="all")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--N", type=int, default=128)
    ap.add_argument("--limit", type=float, default=600.0,
                    help="seconds after which trust-constr is stopped (part b)")
    args = ap.parse_args()
    # compile the Numba sketch loops before timing anything
    _auglag(hock_schittkowski("hs28"), "kaczmarz")
    if args.part in ("hs", "all"):
        part_hs(args.reps)
    if args.part in ("control", "all"):
        part_control(args.N, args.limit)


if __name__ == "__main__":
    main()
