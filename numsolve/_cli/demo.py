"""The ``numsolve demo`` tour, built from the method registries.

Every registered method (:class:`~numsolve._registry.Method`) names the demo problems it runs on
(:class:`~numsolve._registry.Demo`); this module turns each into an *entry*, a callable
``entry(settings) -> row`` made by the recipe of that ``(entry point, problem)`` pair in the
family modules (``linear``, ``krylov``, ``sketch``, ``optimize``). A method joins the tour by
naming a problem in its registration; a new kind of problem is one recipe in its family module.

Both sides of every row run under the same thread budget (``DemoSettings.threads``): BLAS
threads through threadpoolctl, Numba threads and numsolve's batch threads.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..completion import COMPLETION_METHODS
from ..linalg import LSTSQ_METHODS, SOLVE_BATCH_METHODS, SOLVE_METHODS
from ..monotone import MONOTONE_METHODS
from ..optimize import MINIMIZE_METHODS
from . import bcd, completion, krylov, linear, monotone, optimize, sketch
from ._common import DemoSettings

__all__ = ["DEMO_ENTRIES", "RECIPES", "REGISTRIES", "demo_entries", "format_table",
           "run_demo", "thread_budget"]

#: Entry point -> registry, in the order of the tour.
REGISTRIES = {"solve": SOLVE_METHODS, "solve_batch": SOLVE_BATCH_METHODS,
              "lstsq": LSTSQ_METHODS, "minimize": MINIMIZE_METHODS,
              "complete": COMPLETION_METHODS, "solve_monotone": MONOTONE_METHODS}

#: ``(entry point, problem) -> recipe(method, options) -> entry``, from every family module.
RECIPES: dict[tuple[str, str], Callable] = {
    **linear.RECIPES, **krylov.RECIPES, **sketch.RECIPES, **optimize.RECIPES,
    **completion.RECIPES,
    **bcd.RECIPES,
    **monotone.RECIPES}


def demo_entries() -> list[Callable[[DemoSettings], dict]]:
    """One entry per :class:`~numsolve._registry.Demo` of every registered method."""
    entries = []
    for entry_point, registry in REGISTRIES.items():
        for method in registry.methods():
            for case in method.demo:
                recipe = RECIPES[(entry_point, case.problem)]
                entries.append(recipe(case.method or method.name, dict(case.options)))
    return entries


#: The demo tour, in order (built from the registries).
DEMO_ENTRIES: list[Callable[[DemoSettings], dict]] = demo_entries()


@contextlib.contextmanager
def thread_budget(threads: int) -> Iterator[None]:
    """Run numsolve and the references on ``threads`` threads: BLAS (threadpoolctl), Numba and
    ``NUMSOLVE_NUM_THREADS``; everything is restored afterwards."""
    from threadpoolctl import threadpool_limits

    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency
        numba = None
    old_env = os.environ.get("NUMSOLVE_NUM_THREADS")
    old_numba = numba.get_num_threads() if numba is not None else None
    os.environ["NUMSOLVE_NUM_THREADS"] = str(threads)
    if numba is not None:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        if old_env is None:
            os.environ.pop("NUMSOLVE_NUM_THREADS", None)
        else:
            os.environ["NUMSOLVE_NUM_THREADS"] = old_env
        if numba is not None:
            numba.set_num_threads(old_numba)


def run_demo(settings: DemoSettings | None = None,
             entries: Sequence[Callable[[DemoSettings], dict]] | None = None) -> list[dict]:
    """Run the demo entries and return their rows.

    Parameters
    ----------
    settings : DemoSettings, optional
        Sizes and tolerances (default: ``DemoSettings()``).
    entries : sequence of callables, optional
        The entries to run (default: :data:`DEMO_ENTRIES`).

    Returns
    -------
    rows : list of dict
        One dict per entry with keys ``task``, ``method``, ``problem``, ``n``, ``iterations``,
        ``residual`` (relative true residual ``||b - A x|| / ||b||``, the largest over a batch;
        ``||grad f||`` for minimization), ``time`` (seconds), ``success``, and the same for the
        reference solver prefixed ``ref_`` (``ref_method``, ``ref_iterations``, ...). An entry
        that raises gives a row with ``success=False`` and the exception in ``error``.
    """
    settings = DemoSettings() if settings is None else settings
    entries = DEMO_ENTRIES if entries is None else entries
    rows = []
    with thread_budget(settings.threads):
        for entry in entries:
            try:
                rows.append(entry(settings))
            except Exception as exc:  # report and carry on: the demo shows what works
                rows.append({"task": getattr(entry, "__name__", repr(entry)), "success": False,
                             "error": f"{type(exc).__name__}: {exc}"})
    return rows


_COLUMNS = (  # header, key (numsolve line), key (reference line), right-aligned
    ("task", "task", None, False),
    ("method", "method", "ref_method", False),
    ("problem", "problem", None, False),
    ("size (n)", "n", None, True),
    ("iterations", "iterations", "ref_iterations", True),
    ("residual", "residual", "ref_residual", True),
    ("time [s]", "time", "ref_time", True),
    ("speedup", "speedup", None, True),
)


def _cell(key: str | None, row: Mapping[str, Any]) -> str:
    if key is None:
        return ""
    if key == "speedup":
        t, tr = row.get("time"), row.get("ref_time")
        return f"{tr / t:.2f}x" if t and tr is not None else "-"
    value = row.get(key, "")
    if key.endswith("residual"):
        return f"{value:.1e}"
    if key.endswith("time"):
        return f"{value:.4f}"
    if key.endswith("method") and not key.startswith("ref") and row.get("success") is False:
        return f"{value} (FAILED)"
    return str(value)


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Format demo rows as a plain-text table with aligned columns.

    Each row gives two lines: numsolve's result, then the reference solver's on the same
    problem (``speedup`` = reference time / numsolve time). Rows carrying an ``error`` give
    one line with the message.

    Parameters
    ----------
    rows : sequence of dict
        As returned by :func:`run_demo`.

    Returns
    -------
    table : str
    """
    header = [c[0] for c in _COLUMNS]
    lines: list[list[str] | str] = []
    for row in rows:
        if "error" in row:
            lines.append(f"{row.get('task', '?')}: ERROR {row['error']}")
            continue
        lines.append([_cell(c[1], row) for c in _COLUMNS])
        lines.append([_cell(c[2], row) for c in _COLUMNS])
    cells = [header] + [ln for ln in lines if isinstance(ln, list)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def fmt(r: list[str]) -> str:
        parts = [v.rjust(w) if col[3] else v.ljust(w)
                 for v, w, col in zip(r, widths, _COLUMNS, strict=True)]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [fmt(header), rule]
    for ln in lines:
        out.append(fmt(ln) if isinstance(ln, list) else ln)
    return "\n".join(out)


def demo_command(args) -> int:
    """``numsolve demo``: run the tour and print the table; 1 when an entry failed."""
    from .._backend import config_dict
    from .._version import __version__

    threads = getattr(args, "threads", 1)
    if args.quick:
        settings = DemoSettings.quick(size=args.size, rtol=args.rtol, threads=threads,
                                      **({"repeat": args.repeat} if args.repeat else {}))
    else:
        settings = DemoSettings(size=args.size or 128, rtol=args.rtol, repeat=args.repeat or 3,
                                threads=threads)
    cfg = config_dict()
    kernels = "numba kernels on" if cfg["numba_kernels"] else "numba kernels off"
    print(f"numsolve {__version__} demo ({kernels}; {settings.threads} thread(s) for BLAS, "
          f"Numba and numsolve on both sides; rtol={settings.rtol:g}; best of "
          f"{settings.repeat})")
    print()
    t0 = time.perf_counter()
    rows = run_demo(settings)
    elapsed = time.perf_counter() - t0
    print(format_table(rows))
    print()
    print("residual: ||b - A x|| / ||b|| (largest over a batch); minimize: ||grad f(x)||, "
          "or the KKT residual with constraints.")
    print("iterations: largest over a batch. speedup: reference time / numsolve time.")
    print("Numba kernels are warmed up on a tiny problem first; compile time is not timed.")
    failed = [r for r in rows if not r.get("success", False)]
    print(f"total {elapsed:.1f} s; {len(rows) - len(failed)} of {len(rows)} entries succeeded")
    return 1 if failed else 0
