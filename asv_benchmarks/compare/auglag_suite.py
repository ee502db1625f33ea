"""Robustness suite: minimize(method='auglag') vs trust-constr and SLSQP on EQ_SUITE (issue 14).

Every problem of :data:`numsolve.problems.EQ_SUITE` (equality constraints, free variables,
exact derivatives everywhere) is solved by four solvers with their default options:

* ``auglag``     - ``numsolve.minimize(method='auglag')``, default KKT solver;
* ``auglag-rk``  - the same with a sketching KKT solver, the paper's randomized Kaczmarz
  (``kkt_solver='kaczmarz'``, ``rng=0``; its default iteration cap per KKT solve);
* ``trust-constr`` - SciPy's, exact Hessians of ``f`` and of the constraints;
* ``SLSQP``      - SciPy's (``maxiter=1000``).

Success is judged by ONE function for every solver: the KKT residual
``||(grad f + G^T v, c)||_2`` at the returned ``x`` with least-squares multipliers ``v``
(:func:`numsolve.problems.kkt_residual_ls`) is at most 1e-5 (the solver's own ``success`` flag
is not used). Per problem and solver: ok, KKT residual, iterations, function evaluations, wall
time; then the totals, the median time ratio auglag / trust-constr, and the problems
trust-constr solves that auglag does not. Every run is stopped after ``--limit`` seconds (a
callback raising ``StopIteration``) and then counted by its returned ``x``.

Usage::

    python -m asv_benchmarks.compare.auglag_suite               # the whole suite, 1 rep
    python -m asv_benchmarks.compare.auglag_suite --reps 3      # medians of 3 runs
    python -m asv_benchmarks.compare.auglag_suite --quick       # without the 'large' class
    python -m asv_benchmarks.compare.auglag_suite --only hs7-x0=0,hs61
"""

from __future__ import annotations

import math
import statistics
import time
import warnings

import numpy as np
from scipy.optimize import minimize as sp_minimize

import numsolve
from numsolve.problems import EQ_SUITE, kkt_residual_ls

from ._common import interleaved, parser, start

KKT_TOL = 1e-5
SOLVERS = ("auglag", "auglag-rk", "trust-constr", "SLSQP")


def _limit_cb(limit):
    t0 = time.perf_counter()

    def cb(*args, **kwargs):
        if time.perf_counter() - t0 > limit:
            raise StopIteration

    return cb


def runners(p, limit):
    """``name -> callable`` returning an OptimizeResult, one per solver."""
    def auglag(**opts):
        return numsolve.minimize(p.fun, p.x0, method="auglag", jac=p.jac, hess=p.hess,
                                 constraints=p.constraints, callback=_limit_cb(limit),
                                 options=opts)

    def trust():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sp_minimize(p.fun, p.x0, jac=p.jac, hess=p.hess, method="trust-constr",
                               constraints=p.constraints, callback=_limit_cb(limit))

    def dense_jac(x):
        J = p.cons_jac(x)
        return J.toarray() if hasattr(J, "toarray") else J

    def slsqp():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sp_minimize(p.fun, p.x0, jac=p.jac, method="SLSQP",
                               constraints=[{"type": "eq", "fun": p.cons, "jac": dense_jac}],
                               callback=_limit_cb(limit), options={"maxiter": 1000})

    return {"auglag": auglag, "auglag-rk": lambda: auglag(kkt_solver="kaczmarz", rng=0),
            "trust-constr": trust, "SLSQP": slsqp}


def _safe(fn):
    def run():
        try:
            return fn()
        except Exception as exc:  # a solver crash is a failure of that solver, not the script
            return exc
    return run


def measure(p, reps, limit, solvers):
    """``{solver: dict(ok, kkt, nit, nfev, t, status, message)}`` for problem ``p``."""
    run = {k: _safe(v) for k, v in runners(p, limit).items() if k in solvers}
    out = interleaved(run, reps)
    rows = {}
    for name, (times, res) in out.items():
        if isinstance(res, Exception):
            rows[name] = dict(ok=False, kkt=np.inf, nit=-1, nfev=-1, t=statistics.median(times),
                              status="exc", message=f"{type(res).__name__}: {res}")
            continue
        kkt = kkt_residual_ls(p, res.x)
        rows[name] = dict(ok=bool(kkt <= KKT_TOL), kkt=kkt, nit=int(res.get("nit", -1)),
                          nfev=int(res.get("nfev", -1)), t=statistics.median(times),
                          status=res.get("status"), message=str(res.get("message", "")))
    return rows


def _fmt(r):
    return (f"{'ok ' if r['ok'] else 'NO '}{r['kkt']:8.1e} {r['nit']:5d} {r['nfev']:5d} "
            f"{1e3 * r['t']:8.1f}")


def totals(table, solvers):
    """Print the totals, the time ratios and the exceptions; return the summary dict."""
    names = list(table)
    solved = {s: sum(table[n][s]["ok"] for n in names) for s in solvers}
    print("\nsolved (KKT residual <= 1e-5 at the returned x):  "
          + "  ".join(f"{s} {solved[s]}/{len(names)}" for s in solvers))
    summary = {"solved": solved, "n": len(names)}
    if "auglag" in solvers and "trust-constr" in solvers:
        ratios = [table[n]["auglag"]["t"] / table[n]["trust-constr"]["t"] for n in names]
        both = [table[n]["auglag"]["t"] / table[n]["trust-constr"]["t"] for n in names
                if table[n]["auglag"]["ok"] and table[n]["trust-constr"]["ok"]]
        med_all = statistics.median(ratios)
        med_both = statistics.median(both) if both else math.nan
        print(f"median time ratio auglag / trust-constr: {med_all:.3f} (all problems), "
              f"{med_both:.3f} (the {len(both)} problems both solve)")
        missed = [n for n in names if table[n]["trust-constr"]["ok"]
                  and not table[n]["auglag"]["ok"]]
        print("solved by trust-constr, not by auglag: " + (", ".join(missed) or "none"))
        for n in missed:
            print(f"    {n}: {table[n]['auglag']['message']}")
        sing = [n for n in names if table[n]["auglag"]["status"] == 6]
        print("auglag 'singular Jacobian' stops: " + (", ".join(sing) or "none"))
        summary.update(median_ratio=med_all, median_ratio_both=med_both, missed=missed)
    return summary


def main(argv=None):
    ap = parser(__doc__)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--limit", type=float, default=60.0,
                    help="seconds after which a run is stopped (its x is then judged)")
    ap.add_argument("--quick", action="store_true", help="skip the 'large' class")
    ap.add_argument("--only", default="", help="comma-separated problem names")
    ap.add_argument("--solvers", default=",".join(SOLVERS))
    ap.add_argument("--messages", action="store_true", help="print auglag's failure messages")
    args = ap.parse_args(argv)
    start(args, __doc__.splitlines()[0])
    solvers = tuple(s for s in args.solvers.split(",") if s)
    names = [n for n in EQ_SUITE if (not args.only or n in args.only.split(","))]
    # compile the Numba sketch loops before timing anything
    runners(EQ_SUITE["hs28"](), 60)["auglag-rk"]()
    hdr = f"{'problem':26s} {'n':>5s} {'m':>4s} " + " | ".join(
        f"{s:>12s} {'KKT':>8s} {'nit':>5s} {'nfev':>5s} {'ms':>8s}"[-36:] for s in solvers)
    print(f"\n{hdr}\n{'-' * len(hdr)}")
    table = {}
    for name in names:
        p = EQ_SUITE[name]()
        if args.quick and p.info.get("class") == "large":
            continue
        table[name] = measure(p, args.reps, args.limit, solvers)
        print(f"{name:26s} {p.n:5d} {p.m:4d} "
              + " | ".join(_fmt(table[name][s]) for s in solvers), flush=True)
        if args.messages and not table[name].get("auglag", {"ok": True})["ok"]:
            print(f"    auglag: {table[name]['auglag']['message']}")
    totals(table, solvers)


if __name__ == "__main__":
    main()
