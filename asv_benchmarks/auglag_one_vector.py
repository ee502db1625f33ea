#!/usr/bin/env python
"""The one-vector sketch KKT solvers of ``minimize(method='auglag')`` on the HS set.

For every Hock-Schittkowski problem and every chosen configuration of the Gaussian-vector
(``'gaussian'``, GV) and randomized-Kaczmarz (``'kaczmarz'``, RK) KKT solvers: success,
``|f - f*|``, KKT residual, outer iterations against the direct (LU) solver's, total sketch
steps and wall time (median of ``--reps`` interleaved repetitions; the Numba loops are
compiled before timing). ``--kappa`` adds, per problem, the largest
``kappa_F(K)^2 = ||K||_F^2 / sigma_min(K)^2`` met along the direct solver's path (plain GV/RK
need about ``kappa_F^2 ln(1/tol)`` steps per solve).

Usage::

    python asv_benchmarks/auglag_one_vector.py                       # defaults vs plain
    python asv_benchmarks/auglag_one_vector.py --configs gv,gv-momentum,gv-recycle,gv-plain
    python asv_benchmarks/auglag_one_vector.py --problems hs26,hs27 --kappa
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import numsolve
from numsolve.problems import HS_PROBLEMS, hock_schittkowski

CONFIGS = {  # defaults: momentum + recycled warm start; "plain": the paper's GV/RK
    "gv": {"kkt_solver": "gaussian"},
    "rk": {"kkt_solver": "kaczmarz"},
    "gv-plain": {"kkt_solver": "gaussian", "recycle": 0, "acceleration": "none"},
    "rk-plain": {"kkt_solver": "kaczmarz", "recycle": 0, "acceleration": "none"},
    "gv-momentum": {"kkt_solver": "gaussian", "recycle": 0},
    "rk-momentum": {"kkt_solver": "kaczmarz", "recycle": 0},
    "gv-recycle": {"kkt_solver": "gaussian", "acceleration": "none"},
    "rk-recycle": {"kkt_solver": "kaczmarz", "acceleration": "none"},
}


def _run(p, **opts):
    return numsolve.minimize(p.fun, p.x0, method="auglag", jac=p.jac, hess=p.hess,
                             constraints=p.constraints, options=opts)


def _max_kappa(p):
    import numsolve.optimize._auglag as al

    seen = []
    orig = al.solve_kkt

    def spy(K, b, z0, **kw):
        sv = np.linalg.svd(np.asarray(K), compute_uv=False)
        seen.append(float(np.sum(sv**2) / sv[-1] ** 2))
        return orig(K, b, z0, **kw)

    al.solve_kkt = spy
    try:
        _run(p, kkt_solver="direct")
    finally:
        al.solve_kkt = orig
    return max(seen)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", default=",".join(HS_PROBLEMS))
    ap.add_argument("--configs", default="gv,rk,gv-plain,rk-plain")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument("--kappa", action="store_true")
    args = ap.parse_args(argv)
    names = args.problems.split(",")
    configs = args.configs.split(",")
    _run(hock_schittkowski("hs28"), kkt_solver="gaussian")  # compile the Numba loops
    _run(hock_schittkowski("hs28"), kkt_solver="kaczmarz")
    head = f"{'problem':8s} {'direct':>6s}" + (f" {'max kF^2':>9s}" if args.kappa else "")
    for c in configs:
        head += f" | {c + ': ok it inner time':>34s}"
    print(head)
    for name in names:
        p = hock_schittkowski(name)
        direct = _run(p, kkt_solver="direct")
        line = f"{name:8s} {direct.nit:6d}" + (f" {_max_kappa(p):9.1e}" if args.kappa else "")
        times = {c: [] for c in configs}
        results = {}
        for r in range(args.reps):  # interleave the configurations, alternate the order
            order = configs if r % 2 == 0 else configs[::-1]
            for c in order:
                t0 = time.perf_counter()
                res = _run(p, rng=args.seed, **CONFIGS[c])
                times[c].append(time.perf_counter() - t0)
                results[c] = res
        for c in configs:
            res = results[c]
            ok = (res.success and res.kkt_residual <= 1e-6
                  and abs(res.fun - p.f_star) <= 1e-6 * max(1.0, abs(p.f_star))
                  and abs(res.nit - direct.nit) <= 2)
            tag = "yes" if ok else f"NO(s{res.status})"
            line += (f" | {tag:>8s} {res.nit:4d} {res.inner_nit:10d} "
                     f"{statistics.median(times[c]):8.2f}s")
        print(line, flush=True)


if __name__ == "__main__":
    main()
