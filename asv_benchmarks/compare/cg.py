"""Side-by-side CG timings: numsolve vs SciPy, in one process, repetitions interleaved.

(a) single right-hand side on the 2-D Poisson matrix, 256 x 256 grid (65,536 unknowns):
    per-iteration time of ``numsolve.solve(method='cg')`` vs ``scipy.sparse.linalg.cg``,
    the ratio numsolve/scipy, both iteration counts, the relative difference of the two
    solutions and their true relative residuals;
(b) 32 right-hand sides on the same matrix: ``numsolve.solve_batch`` vs 32 separate
    ``scipy.sparse.linalg.cg`` calls (and, for reference, 32 separate ``numsolve.solve``
    calls), speedup;
(c) the per-iteration comparison of (a) on the 64 x 64 and 512 x 512 grids.

Every solve: zero initial guess, ``rtol=1e-5``, ``atol=0``, seeded standard-normal
right-hand sides. Repetitions are interleaved (A B, B A, A B, ...) so slow drifts of a
shared machine hit both solvers alike; the median and the minimum over the repetitions are
reported. "Per iteration" is the wall time of a whole solve divided by its iteration count
(so it includes the small per-solve set-up cost). Numba kernels are compiled before any
timing.

Note: SciPy's CG does its inner products with NumPy's BLAS ``dot``, which OpenBLAS runs on
several threads for long vectors; on small or shared (virtual) machines those thread hand-offs
can dominate and make SciPy's timings slow and erratic. Both sides run with
``--blas-threads`` BLAS threads (default 1, the single-threaded baseline; 0 leaves the
library default). numsolve's single-vector CG does not use BLAS threads (Numba kernels +
SciPy's CSR mat-vec).

Usage::

    python -m asv_benchmarks.compare.cg            # 5 repetitions
    python -m asv_benchmarks.compare.cg --quick    # 2 repetitions
    python -m asv_benchmarks.compare.cg --reps 9 --sizes 64 256
    python -m asv_benchmarks.compare.cg --blas-threads 0   # the BLAS library's default
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from ..benchmarks.common import warm_numba
from ..benchmarks.problems import scipy_cg
from ._common import fmt_t, interleaved, med, parser, ratios, section, start

RTOL = 1e-5
SEED = 1234


def rel_residual(A, b, x) -> float:
    return float(np.linalg.norm(b - A @ x) / np.linalg.norm(b))


# --------------------------------------------------------------------------------------------
# solvers
# --------------------------------------------------------------------------------------------
def numsolve_cg(A, b):
    import numsolve

    res = numsolve.solve(A, b, method="cg", rtol=RTOL, atol=0.0)
    return int(res.nit), res.x, bool(res.success)


def numsolve_batch(A, B):
    import numsolve

    res = numsolve.solve_batch(A, B, method="cg", rtol=RTOL, atol=0.0)
    return np.asarray(res.nit), res.x, np.asarray(res.success)


def warm_up():
    """Compile / cache-load numsolve's Numba kernels and touch SciPy's CG once."""
    from numsolve.problems import poisson2d

    t0 = time.perf_counter()
    warm_numba()
    A = poisson2d(8)
    scipy_cg(A, np.random.default_rng(0).standard_normal(A.shape[0]), RTOL)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------------------------
# the comparisons
# --------------------------------------------------------------------------------------------
def compare_single(N: int, reps: int) -> dict:
    from numsolve.problems import poisson2d

    A = poisson2d(N)
    b = np.random.default_rng(SEED).standard_normal(A.shape[0])
    out = interleaved({"numsolve": lambda: numsolve_cg(A, b),
                       "scipy": lambda: scipy_cg(A, b, RTOL)}, reps)
    (t_ns, (nit_ns, x_ns, ok_ns)), (t_sp, (nit_sp, x_sp, ok_sp)) = out["numsolve"], out["scipy"]
    pi_ns = [t / max(nit_ns, 1) for t in t_ns]
    pi_sp = [t / max(nit_sp, 1) for t in t_sp]
    ratio_med, ratio_min = ratios(pi_ns, pi_sp)
    return {
        "N": N, "n": A.shape[0], "nnz": A.nnz,
        "nit_ns": nit_ns, "nit_sp": nit_sp, "ok_ns": ok_ns, "ok_sp": ok_sp,
        "t_ns": t_ns, "t_sp": t_sp, "pi_ns": pi_ns, "pi_sp": pi_sp,
        "ratio_med": ratio_med, "ratio_min": ratio_min,
        "xdiff": float(np.linalg.norm(x_ns - x_sp) / np.linalg.norm(x_sp)),
        "res_ns": rel_residual(A, b, x_ns), "res_sp": rel_residual(A, b, x_sp),
    }


def compare_block(N: int, k: int, reps: int, with_numsolve_loop: bool) -> dict:
    from numsolve.problems import poisson2d

    A = poisson2d(N)
    B = np.random.default_rng(SEED).standard_normal((A.shape[0], k))
    cols = [np.ascontiguousarray(B[:, j]) for j in range(k)]

    def loop(solver):
        def run():
            outs = [solver(A, c) for c in cols]
            return (np.array([o[0] for o in outs]), np.column_stack([o[1] for o in outs]),
                    np.array([o[2] for o in outs]))
        return run

    runners = {"numsolve-batch": lambda: numsolve_batch(A, B),
               "scipy-loop": loop(lambda A, b: scipy_cg(A, b, RTOL))}
    if with_numsolve_loop:
        runners["numsolve-loop"] = loop(numsolve_cg)
    out = interleaved(runners, reps)
    nit_b, X_b, ok_b = out["numsolve-batch"][1]
    nit_s, X_s, ok_s = out["scipy-loop"][1]
    xdiff = np.linalg.norm(X_b - X_s, axis=0) / np.linalg.norm(X_s, axis=0)
    R = B - A @ X_b
    res_b = np.linalg.norm(R, axis=0) / np.linalg.norm(B, axis=0)
    return {
        "N": N, "k": k, "out": out,
        "nit_b": nit_b, "nit_s": nit_s, "ok_b": bool(np.all(ok_b)), "ok_s": bool(np.all(ok_s)),
        "xdiff_max": float(xdiff.max()), "res_b_max": float(res_b.max()),
        "nit_equal": int(np.sum(nit_b == nit_s)),
    }


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------
def _print_header(hdr: str) -> None:
    print(hdr)
    print("-" * len(hdr))


def print_single_table(rows: list[dict], reps: int) -> None:
    _print_header(f"{'grid':>9} {'unknowns':>9} | {'nit ns':>6} {'nit sp':>6} | "
                  f"{'numsolve/it med':>15} {'min':>11} | {'scipy/it med':>13} {'min':>11} | "
                  f"{'ratio med':>9} {'ratio min':>9} | {'rel diff x':>10}")
    for r in rows:
        print(f"{r['N']:>4}x{r['N']:<4} {r['n']:>9} | {r['nit_ns']:>6} {r['nit_sp']:>6} | "
              f"{fmt_t(med(r['pi_ns'])):>15} {fmt_t(min(r['pi_ns'])):>11} | "
              f"{fmt_t(med(r['pi_sp'])):>13} {fmt_t(min(r['pi_sp'])):>11} | "
              f"{r['ratio_med']:>9.3f} {r['ratio_min']:>9.3f} | {r['xdiff']:>10.2e}")
    print(f"(ratio = numsolve / scipy time per iteration, < 1 means numsolve is faster; "
          f"{reps} interleaved repetitions)")
    print()
    _print_header(f"{'grid':>9} | {'numsolve solve med':>18} {'min':>11} | "
                  f"{'scipy solve med':>15} {'min':>11} | {'converged ns/sp':>15} | "
                  f"{'rel res ns':>10} {'rel res sp':>10}")
    for r in rows:
        print(f"{r['N']:>4}x{r['N']:<4} | "
              f"{fmt_t(med(r['t_ns'])):>18} {fmt_t(min(r['t_ns'])):>11} | "
              f"{fmt_t(med(r['t_sp'])):>15} {fmt_t(min(r['t_sp'])):>11} | "
              f"{str(r['ok_ns']) + '/' + str(r['ok_sp']):>15} | "
              f"{r['res_ns']:>10.3e} {r['res_sp']:>10.3e}")
    print("(rel res = ||b - A x|| / ||b|| of the returned solutions; target rtol = "
          f"{RTOL:g})")


def print_block_table(res: dict, reps: int) -> None:
    out = res["out"]
    base = out["scipy-loop"][0]
    _print_header(f"{'solver':<16} | {'time med':>11} {'min':>11} | "
                  f"{'speedup vs scipy-loop med':>25} {'min':>7}")
    for name, (ts, _) in out.items():
        up_med, up_min = ratios(base, ts)
        print(f"{name:<16} | {fmt_t(med(ts)):>11} {fmt_t(min(ts)):>11} | "
              f"{up_med:>25.2f} {up_min:>7.2f}")
    nb, ns = res["nit_b"], res["nit_s"]
    print(f"(speedup = scipy-loop time / solver time; {reps} interleaved repetitions; "
          f"numsolve threads: NUMSOLVE_NUM_THREADS or the usable CPUs)")
    print(f"iterations per column: numsolve-batch {nb.min()}..{nb.max()} (total {nb.sum()}), "
          f"scipy {ns.min()}..{ns.max()} (total {ns.sum()}); equal in "
          f"{res['nit_equal']}/{res['k']} columns")
    print(f"all converged: numsolve-batch {res['ok_b']}, scipy {res['ok_s']}; "
          f"max column rel diff of x {res['xdiff_max']:.2e}; "
          f"max rel residual (batch) {res['res_b_max']:.3e}")


def _run_all(args, reps: int):
    """(rows of the single right-hand-side comparisons by grid size, block comparison)."""
    sizes = list(dict.fromkeys(args.sizes))
    rows = {}
    print("(a) single right-hand side, Poisson 256x256 ... ", end="", flush=True)
    if 256 in sizes:
        rows[256] = compare_single(256, reps)
        print("done", flush=True)
    else:
        print("skipped (--sizes)", flush=True)
    print(f"(b) {args.k} right-hand sides, Poisson 256x256 ... ", end="", flush=True)
    block = compare_block(256, args.k, reps, not args.no_numsolve_loop)
    print("done", flush=True)
    for N in sizes:
        if N in rows:
            continue
        print(f"(c) single right-hand side, Poisson {N}x{N} ... ", end="", flush=True)
        rows[N] = compare_single(N, reps)
        print("done", flush=True)
    print()
    return rows, block


def main(argv=None) -> int:
    p = parser(__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="2 repetitions instead of 5")
    p.add_argument("--reps", type=int, default=None, help="repetitions (default 5, quick 2)")
    p.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 512],
                   help="grid sizes N for the single right-hand-side comparison")
    p.add_argument("--k", type=int, default=32, help="right-hand sides for (b)")
    p.add_argument("--no-numsolve-loop", action="store_true",
                   help="in (b), skip the reference loop of single numsolve.solve calls")
    args = p.parse_args(argv)
    reps = args.reps if args.reps is not None else (2 if args.quick else 5)
    if reps < 1:
        p.error("--reps must be at least 1")
    start(args, "numsolve vs SciPy: conjugate gradients on 2-D Poisson (rtol=1e-5, x0=0)",
          [f"repetitions        {reps} (interleaved)"])
    print(f"warm-up            {warm_up():.2f} s (Numba compile or cache load; not timed)")
    print(flush=True)

    t_start = time.perf_counter()
    rows, block = _run_all(args, reps)
    if 256 in rows:
        section("(a) per-iteration time, one right-hand side, Poisson 256x256 (65,536 unknowns)")
        print_single_table([rows[256]], reps)
        print()
    section(f"(b) {args.k} right-hand sides, Poisson 256x256: numsolve.solve_batch vs "
            f"{args.k} scipy cg calls")
    print_block_table(block, reps)
    print()
    section("(c) per-iteration time, one right-hand side, all grid sizes")
    print_single_table([rows[N] for N in sorted(rows)], reps)
    print()
    print(f"total benchmark time {time.perf_counter() - t_start:.1f} s")
    bad = [N for N, r in rows.items() if not (r["ok_ns"] and r["ok_sp"])]
    if bad or not (block["ok_b"] and block["ok_s"]):
        print(f"WARNING: some solves did not converge (grids {bad}, block ok "
              f"{block['ok_b']}/{block['ok_s']})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
