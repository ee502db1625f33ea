"""The one timing / ratio / table module of the side-by-side comparisons.

Every module of :mod:`asv_benchmarks.compare` builds its command line with :func:`parser` (which
adds ``--blas-threads``, default 1), calls :func:`start` (BLAS thread limit, then the machine
header) and times its competitors with :func:`interleaved`:

* :func:`timed` - seconds of one call, the garbage collector off while timing;
* :func:`interleaved` - repetitions in rotated order (A B C, B C A, C A B, ...) so that the
  drifts of a shared machine hit every competitor alike;
* :func:`med`, :func:`ratios` - median, and the ratios median/median and min/min;
* :func:`fmt_t` - seconds in a readable unit; :func:`section` - a ruled title;
  :func:`print_timing_table` - one row per competitor: median, min, time / the reference's;
* :func:`machine_info`, :func:`load` - the machine, the libraries, their threads, the load.

BLAS threads: both sides of every comparison run under the same limit, set with threadpoolctl
on every loaded BLAS library (NumPy's, SciPy's) after they are imported. ``--blas-threads 1``
(the default) is the stable single-threaded baseline; ``--blas-threads 0`` leaves the
libraries' own default. numsolve's Numba kernels do not use BLAS threads (``solve_batch``
runs column groups on ``NUMSOLVE_NUM_THREADS`` threads).
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

RULE = "-" * 78
_BLAS_LIMIT = []  # the threadpoolctl limiter: the limit holds while it is referenced


# --------------------------------------------------------------------------------------------
# timing
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

    Returns, per name, ``(times, out)``: the list of seconds of every run and the output of the
    last run.
    """
    names = list(runners)
    times = {k: [] for k in names}
    last = {}
    for r in range(reps):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            dt, last[name] = timed(runners[name])
            times[name].append(dt)
    return {k: (times[k], last[k]) for k in names}


def med(v) -> float:
    """Median of a sequence of times."""
    return statistics.median(v)


def ratios(num, den) -> tuple[float, float]:
    """(median(num) / median(den), min(num) / min(den)) of two lists of times."""
    return med(num) / med(den), min(num) / min(den)


def fmt_t(s: float) -> str:
    """Seconds in a readable unit (11 characters)."""
    if s < 1e-3:
        return f"{s * 1e6:8.1f} us"
    if s < 1.0:
        return f"{s * 1e3:8.3f} ms"
    return f"{s:8.3f} s "


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------
def section(title: str) -> None:
    """A title between two rules."""
    print(RULE)
    print(title)
    print(RULE)


def print_timing_table(out: dict, base: str, extra_header: str, cells, width: int = 28) -> None:
    """One row per competitor of ``out`` (from :func:`interleaved`): median and min time, the
    ratio of its median to the median of ``base`` ("time/numsolve"), then ``cells(name, out)``
    (a string, under ``extra_header``)."""
    ref = med(out[base][0])
    print(f"{'solver':{width}s} {'median':>11s} {'min':>11s} {'time/numsolve':>14s} "
          f"{extra_header}")
    for name, (times, res) in out.items():
        print(f"{name:{width}s} {fmt_t(med(times))} {fmt_t(min(times))} "
              f"{med(times) / ref:14.2f} {cells(name, res)}")


# --------------------------------------------------------------------------------------------
# machine, command line, BLAS threads
# --------------------------------------------------------------------------------------------
def load() -> str:
    """The 1/5/15-minute load averages (timings on a shared machine are only comparable
    within one run)."""
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg()) + f" on {os.cpu_count()} CPUs"
    except (AttributeError, OSError):  # pragma: no cover - not on every platform
        return "n/a"


def blas_info() -> str:
    """Loaded BLAS libraries (NumPy's, SciPy's) and their thread counts (via threadpoolctl)."""
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not pools:
        return "unknown"
    return "; ".join(f"{p.get('internal_api')} {p.get('version')} "
                     f"({p.get('threading_layer', '?')}), {p.get('num_threads')} threads"
                     for p in pools)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            return next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")),
                        platform.processor() or "unknown")
    except OSError:
        return platform.processor() or "unknown"


def machine_info() -> list[str]:
    """The lines of the machine header: platform, CPUs, load, library versions and threads."""
    import numba
    import scipy

    import numsolve

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS/Windows
        affinity = None
    try:
        avg = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except (AttributeError, OSError):
        avg = "n/a"
    env = os.environ.get
    return [
        f"platform           {platform.platform()}",
        f"cpu                {_cpu_model()}",
        f"cpu count          {os.cpu_count()} (usable by this process: {affinity})",
        f"load average       {avg}",
        f"python             {sys.version.split()[0]} ({platform.python_implementation()})",
        f"numpy              {np.__version__}",
        f"scipy              {scipy.__version__}",
        f"numba              {numba.__version__} "
        f"(NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS})",
        f"numsolve           {numsolve.__version__} ({os.path.dirname(numsolve.__file__)})",
        f"NUMSOLVE_NUM_THREADS {env('NUMSOLVE_NUM_THREADS', '(unset)')}",
        f"OMP/MKL/OPENBLAS   {env('OMP_NUM_THREADS', '-')}/{env('MKL_NUM_THREADS', '-')}/"
        f"{env('OPENBLAS_NUM_THREADS', '-')} (OMP/MKL/OPENBLAS_NUM_THREADS)",
        f"BLAS libraries     {blas_info()}",
    ]


def parser(doc: str, **kw) -> argparse.ArgumentParser:
    """The module's argument parser (description: the first line of ``doc``), with the shared
    ``--blas-threads`` option."""
    p = argparse.ArgumentParser(description=doc.strip().splitlines()[0], **kw)
    p.add_argument("--blas-threads", type=int, default=1,
                   help="BLAS threads for every solver, set with threadpoolctl (default 1, "
                        "the stable single-threaded baseline; 0: the libraries' default)")
    return p


def limit_blas(threads: int) -> None:
    """Limit every loaded BLAS library to ``threads`` threads (0: leave them as they are).

    NumPy, SciPy's linear algebra and numsolve are imported first, so that the limit reaches
    every BLAS they load.
    """
    if threads < 0:
        raise ValueError(f"--blas-threads must be >= 0, got {threads}")
    if threads == 0:
        return
    # load every BLAS before limiting them
    import scipy.linalg
    import scipy.sparse.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    import numsolve  # noqa: F401

    _BLAS_LIMIT[:] = [threadpool_limits(limits=threads, user_api="blas")]


def start(args, title: str, extra=()) -> None:
    """Apply ``args.blas_threads``, then print the header: ``title``, the machine, the BLAS
    thread setting (the same for every solver) and the ``extra`` lines, then flush."""
    limit_blas(args.blas_threads)
    print("=" * 78)
    print(title)
    print("=" * 78)
    print("\n".join(machine_info()))
    setting = (f"{args.blas_threads} per BLAS library" if args.blas_threads
               else "the libraries' default")
    print(f"BLAS threads       {setting}, the same for every solver (--blas-threads)")
    for line in extra:
        print(line)
    sys.stdout.flush()
