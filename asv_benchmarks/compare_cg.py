#!/usr/bin/env python
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
can dominate and make SciPy's timings slow and erratic. The BLAS thread count is printed;
``--blas-threads 1`` (or ``OPENBLAS_NUM_THREADS=1``) gives the single-threaded baseline.
numsolve's single-vector CG does not use BLAS threads (Numba kernels + SciPy's CSR mat-vec).

Usage::

    python asv_benchmarks/compare_cg.py            # 5 repetitions
    python asv_benchmarks/compare_cg.py --quick    # 2 repetitions
    python asv_benchmarks/compare_cg.py --reps 9 --sizes 64 256
    python asv_benchmarks/compare_cg.py --blas-threads 1
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time

import numpy as np

RTOL = 1e-5
SEED = 1234


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def timed(fn):
    """(seconds, result) of one call of ``fn``, with the garbage collector off while timing."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
    finally:
        if enabled:
            gc.enable()
    return dt, out


def interleaved(runners: dict, reps: int) -> dict:
    """Run each named runner ``reps`` times, rotating the order every repetition (AB, BA, ...).

    ``runners[name]()`` returns a (nit, x, converged) triple; returns per name the list of
    times and the outputs of the last run.
    """
    names = list(runners)
    times = {k: [] for k in names}
    last = {}
    for r in range(reps):
        shift = r % len(names)
        order = names[shift:] + names[:shift]
        for name in order:
            dt, out = timed(runners[name])
            times[name].append(dt)
            last[name] = out
    return {k: (times[k], last[k]) for k in names}


def med(v):
    return statistics.median(v)


def fmt_t(s: float) -> str:
    """Seconds in a readable unit."""
    if s < 1e-3:
        return f"{s * 1e6:8.1f} us"
    if s < 1.0:
        return f"{s * 1e3:8.3f} ms"
    return f"{s:8.3f} s "


def rel_residual(A, b, x) -> float:
    return float(np.linalg.norm(b - A @ x) / np.linalg.norm(b))


def machine_info() -> list[str]:
    import numba
    import scipy

    import numsolve

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS/Windows
        affinity = None
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")),
                         platform.processor() or "unknown")
    except OSError:
        model = platform.processor() or "unknown"
    try:
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except (AttributeError, OSError):
        load = "n/a"
    return [
        f"platform           {platform.platform()}",
        f"cpu                {model}",
        f"cpu count          {os.cpu_count()} (usable by this process: {affinity})",
        f"load average       {load}",
        f"python             {sys.version.split()[0]} ({platform.python_implementation()})",
        f"numpy              {np.__version__}",
        f"scipy              {scipy.__version__}",
        f"numba              {numba.__version__} "
        f"(NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS})",
        f"numsolve           {numsolve.__version__} ({os.path.dirname(numsolve.__file__)})",
        f"NUMSOLVE_NUM_THREADS {os.environ.get('NUMSOLVE_NUM_THREADS', '(unset)')}",
        f"OMP/MKL/OPENBLAS   {os.environ.get('OMP_NUM_THREADS', '-')}/"
        f"{os.environ.get('MKL_NUM_THREADS', '-')}/{os.environ.get('OPENBLAS_NUM_THREADS', '-')}"
        " (OMP/MKL/OPENBLAS_NUM_THREADS)",
        f"BLAS libraries     {blas_info()}",
    ]


def blas_info() -> str:
    """Loaded BLAS libraries (NumPy's, SciPy's) and their thread counts (via threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not pools:
        return "unknown"
    return "; ".join(f"{p.get('internal_api')} {p.get('version')} "
                     f"({p.get('threading_layer', '?')}), {p.get('num_threads')} threads"
                     for p in pools)


# --------------------------------------------------------------------------------------------
# solvers
# --------------------------------------------------------------------------------------------
def scipy_cg(A, b):
    import scipy.sparse.linalg as sla

    count = [0]

    def cb(xk):  # one trivial Python call per iteration: negligible next to an SpMV
        count[0] += 1

    x, info = sla.cg(A, b, rtol=RTOL, atol=0.0, callback=cb)
    return count[0], x, info == 0


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
    import numsolve
    from numsolve.problems import poisson2d

    A = poisson2d(8)
    rng = np.random.default_rng(0)
    b = rng.standard_normal(A.shape[0])
    t0 = time.perf_counter()
    numsolve.solve(A, b, method="cg", rtol=1e-8)
    numsolve.solve_batch(A, rng.standard_normal((A.shape[0], 6)), method="cg", rtol=1e-8)
    numsolve.solve_batch(A, rng.standard_normal((A.shape[0], 6)), method="cg", rtol=1e-8,
                         options={"group_size": 4, "threads": 2})
    scipy_cg(A, b)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------------------------
# the comparisons
# --------------------------------------------------------------------------------------------
def compare_single(N: int, reps: int) -> dict:
    from numsolve.problems import poisson2d

    A = poisson2d(N)
    b = np.random.default_rng(SEED).standard_normal(A.shape[0])
    out = interleaved({"numsolve": lambda: numsolve_cg(A, b),
                       "scipy": lambda: scipy_cg(A, b)}, reps)
    (t_ns, (nit_ns, x_ns, ok_ns)), (t_sp, (nit_sp, x_sp, ok_sp)) = out["numsolve"], out["scipy"]
    pi_ns = [t / max(nit_ns, 1) for t in t_ns]
    pi_sp = [t / max(nit_sp, 1) for t in t_sp]
    return {
        "N": N, "n": A.shape[0], "nnz": A.nnz,
        "nit_ns": nit_ns, "nit_sp": nit_sp, "ok_ns": ok_ns, "ok_sp": ok_sp,
        "t_ns": t_ns, "t_sp": t_sp, "pi_ns": pi_ns, "pi_sp": pi_sp,
        "ratio_med": med(pi_ns) / med(pi_sp), "ratio_min": min(pi_ns) / min(pi_sp),
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

    runners = {"numsolve-batch": lambda: numsolve_batch(A, B), "scipy-loop": loop(scipy_cg)}
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
def print_single_table(rows: list[dict], reps: int) -> None:
    hdr = (f"{'grid':>9} {'unknowns':>9} | {'nit ns':>6} {'nit sp':>6} | "
           f"{'numsolve/it med':>15} {'min':>11} | {'scipy/it med':>13} {'min':>11} | "
           f"{'ratio med':>9} {'ratio min':>9} | {'rel diff x':>10}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(f"{r['N']:>4}x{r['N']:<4} {r['n']:>9} | {r['nit_ns']:>6} {r['nit_sp']:>6} | "
              f"{fmt_t(med(r['pi_ns'])):>15} {fmt_t(min(r['pi_ns'])):>11} | "
              f"{fmt_t(med(r['pi_sp'])):>13} {fmt_t(min(r['pi_sp'])):>11} | "
              f"{r['ratio_med']:>9.3f} {r['ratio_min']:>9.3f} | {r['xdiff']:>10.2e}")
    print(f"(ratio = numsolve / scipy time per iteration, < 1 means numsolve is faster; "
          f"{reps} interleaved repetitions)")
    print()
    hdr = (f"{'grid':>9} | {'numsolve solve med':>18} {'min':>11} | {'scipy solve med':>15} "
           f"{'min':>11} | {'converged ns/sp':>15} | {'rel res ns':>10} {'rel res sp':>10}")
    print(hdr)
    print("-" * len(hdr))
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
    base = med(out["scipy-loop"][0])
    base_min = min(out["scipy-loop"][0])
    hdr = (f"{'solver':<16} | {'time med':>11} {'min':>11} | {'speedup vs scipy-loop med':>25} "
           f"{'min':>7}")
    print(hdr)
    print("-" * len(hdr))
    for name, (ts, _) in out.items():
        print(f"{name:<16} | {fmt_t(med(ts)):>11} {fmt_t(min(ts)):>11} | "
              f"{base / med(ts):>25.2f} {base_min / min(ts):>7.2f}")
    nb, ns = res["nit_b"], res["nit_s"]
    print(f"(speedup = scipy-loop time / solver time; {reps} interleaved repetitions; "
          f"numsolve threads: NUMSOLVE_NUM_THREADS or the usable CPUs)")
    print(f"iterations per column: numsolve-batch {nb.min()}..{nb.max()} (total {nb.sum()}), "
          f"scipy {ns.min()}..{ns.max()} (total {ns.sum()}); equal in "
          f"{res['nit_equal']}/{res['k']} columns")
    print(f"all converged: numsolve-batch {res['ok_b']}, scipy {res['ok_s']}; "
          f"max column rel diff of x {res['xdiff_max']:.2e}; "
          f"max rel residual (batch) {res['res_b_max']:.3e}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="2 repetitions instead of 5")
    p.add_argument("--reps", type=int, default=None, help="repetitions (default 5, quick 2)")
    p.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 512],
                   help="grid sizes N for the single right-hand-side comparison")
    p.add_argument("--k", type=int, default=32, help="right-hand sides for (b)")
    p.add_argument("--no-numsolve-loop", action="store_true",
                   help="in (b), skip the reference loop of single numsolve.solve calls")
    p.add_argument("--blas-threads", type=int, default=None,
                   help="limit NumPy's BLAS threads (SciPy's CG inner products are BLAS dot "
                        "calls) with threadpoolctl; default: leave the library default")
    args = p.parse_args(argv)
    if args.blas_threads is not None:
        import scipy.sparse.linalg  # noqa: F401 - load every BLAS before limiting them

        import numsolve  # noqa: F401
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            p.error("--blas-threads needs threadpoolctl; or set OPENBLAS_NUM_THREADS / "
                    "MKL_NUM_THREADS / OMP_NUM_THREADS in the environment instead")
        # keep a reference: the limit holds while the object is alive
        args._blas_limit = threadpool_limits(limits=args.blas_threads, user_api="blas")
    reps = args.reps if args.reps is not None else (2 if args.quick else 5)
    if reps < 1:
        p.error("--reps must be at least 1")

    print("=" * 78)
    print("numsolve vs SciPy: conjugate gradients on 2-D Poisson (rtol=1e-5, x0=0)")
    print("=" * 78)
    for line in machine_info():
        print(line)
    print(f"repetitions        {reps} (interleaved)")
    print(f"warm-up            {warm_up():.2f} s (Numba compile or cache load; not timed)")
    print(flush=True)

    t_start = time.perf_counter()
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

    if 256 in rows:
        print("-" * 78)
        print("(a) per-iteration time, one right-hand side, Poisson 256x256 (65,536 unknowns)")
        print("-" * 78)
        print_single_table([rows[256]], reps)
        print()
    print("-" * 78)
    print(f"(b) {args.k} right-hand sides, Poisson 256x256: numsolve.solve_batch vs "
          f"{args.k} scipy cg calls")
    print("-" * 78)
    print_block_table(block, reps)
    print()
    print("-" * 78)
    print("(c) per-iteration time, one right-hand side, all grid sizes")
    print("-" * 78)
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
