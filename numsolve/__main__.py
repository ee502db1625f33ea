"""Command line interface: ``python -m numsolve {demo,info}`` (console script ``numsolve``).

``numsolve info``
    Print the configuration report of :func:`numsolve.show_config` (versions, Numba kernels,
    optional backends, CUDA device).
``numsolve demo [--quick] [--size N] [--rtol RTOL] [--repeat R]``
    A short tour: every *demo entry* solves one problem with numsolve and the same problem with
    its SciPy/NumPy equivalent, and the results are printed as one aligned table (two lines per
    entry: numsolve, then the reference).

Adding a method to the demo
---------------------------
The tour is the list :data:`DEMO_ENTRIES`. An entry is any callable ``entry(settings) -> dict``
(see :func:`run_demo` for the keys of the returned row); the factories :func:`solve_entry`,
:func:`solve_batch_entry`, :func:`stack_entry` and :func:`minimize_entry` build the usual ones,
so a new method joins the demo with one line, e.g.::

    DEMO_ENTRIES.append(solve_entry("my-method", "poisson2d"))
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ._demo_sketch import lstsq_entry, newton_sketch_entry

__all__ = [
    "DEMO_ENTRIES",
    "DEMO_PROBLEMS",
    "DemoSettings",
    "build_parser",
    "format_table",
    "main",
    "minimize_entry",
    "run_demo",
    "solve_batch_entry",
    "solve_entry",
    "stack_entry",
]


# --------------------------------------------------------------------------------------------
# settings and problems
# --------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class DemoSettings:
    """Sizes and tolerances shared by every demo entry.

    Parameters
    ----------
    size : int
        Grid points per direction of the 2-D Poisson problem (``size**2`` unknowns). The 3-D
        problem uses ``size // 4`` points per direction, the many-right-hand-sides problem
        ``size // 2``.
    rtol : float
        Relative tolerance given to every iterative solver (numsolve and reference alike).
    repeat : int
        Each timed call runs ``repeat`` times; the best time is reported.
    nrhs : int
        Number of right-hand sides of the batch entries.
    stack_shape : tuple of int
        ``(m, n)``: number and size of the dense SPD systems of :func:`stack_entry`.
    seed : int
        Seed of every random right-hand side and matrix.
    """

    size: int = 128
    rtol: float = 1e-8
    repeat: int = 3
    nrhs: int = 32
    stack_shape: tuple[int, int] = (64, 50)
    seed: int = 0

    @classmethod
    def quick(cls, size: int | None = None, **kwargs: Any) -> DemoSettings:
        """Tiny settings (a second or two in total), used by the test suite."""
        kwargs.setdefault("repeat", 1)
        kwargs.setdefault("nrhs", 8)
        kwargs.setdefault("stack_shape", (8, 20))
        return cls(size=16 if size is None else size, **kwargs)

    def tiny(self) -> DemoSettings:
        """Settings of the warm-up run (compiles/loads the Numba kernels before timing)."""
        return dataclasses.replace(self, size=8, nrhs=min(self.nrhs, 4), stack_shape=(2, 4),
                                   repeat=1)

    def rng(self, salt: int = 0) -> np.random.Generator:
        """A fresh generator, so that every entry sees the same data whatever runs first."""
        return np.random.default_rng([self.seed, salt])


def _poisson2d(settings: DemoSettings, N: int):
    from .problems import poisson2d

    return poisson2d(N), f"poisson2d {N}x{N}"


def _poisson3d(settings: DemoSettings, N: int):
    from .problems import poisson3d

    return poisson3d(N), f"poisson3d {N}^3"


#: Named demo problems: ``name -> builder(settings) -> (A, label)``.
DEMO_PROBLEMS: dict[str, Callable[[DemoSettings], tuple[Any, str]]] = {
    "poisson2d": lambda s: _poisson2d(s, s.size),
    "poisson2d-small": lambda s: _poisson2d(s, max(2, s.size // 2)),
    "poisson3d": lambda s: _poisson3d(s, max(2, s.size // 4)),
}


def _problem(problem: str | Callable, settings: DemoSettings):
    builder = DEMO_PROBLEMS[problem] if isinstance(problem, str) else problem
    return builder(settings)


# --------------------------------------------------------------------------------------------
# measuring helpers
# --------------------------------------------------------------------------------------------
def _timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """Call ``fn`` ``repeat`` times; return the last result and the best wall-clock time."""
    best = float("inf")
    out = None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def _relres(A, X, B) -> float:
    """Largest relative true residual ``||b - A x|| / ||b||`` over the columns of ``B``."""
    X = np.asarray(X)
    B = np.asarray(B)
    if X.ndim == 1:
        X, B = X[:, None], B[:, None]
    R = B - A @ X
    bn = np.linalg.norm(B, axis=0)
    bn[bn == 0] = 1.0
    return float(np.max(np.linalg.norm(R, axis=0) / bn))


def _scipy_cg(A, b, rtol: float) -> tuple[np.ndarray, int, bool]:
    """:func:`scipy.sparse.linalg.cg`, counting its iterations with a callback."""
    import scipy.sparse.linalg as spla

    count = [0]

    def cb(xk):
        count[0] += 1

    x, info = spla.cg(A, b, rtol=rtol, atol=0.0, callback=cb)
    return x, count[0], info == 0


def _row(task, method, problem, n, res_nit, residual, seconds, success, ref_method, ref_nit,
         ref_residual, ref_seconds, ref_success) -> dict:
    return {
        "task": task, "method": method, "problem": problem, "n": int(n),
        "iterations": res_nit, "residual": float(residual), "time": float(seconds),
        "success": bool(success),
        "ref_method": ref_method, "ref_iterations": ref_nit,
        "ref_residual": float(ref_residual), "ref_time": float(ref_seconds),
        "ref_success": bool(ref_success),
    }


# --------------------------------------------------------------------------------------------
# entry factories
# --------------------------------------------------------------------------------------------
def solve_entry(method: str, problem: str | Callable = "poisson2d", *,
                options: Mapping[str, Any] | None = None) -> Callable[[DemoSettings], dict]:
    """Demo entry: ``numsolve.solve(A, b, method=method)`` vs :func:`scipy.sparse.linalg.cg`.

    Parameters
    ----------
    method : str
        A :data:`numsolve.linalg.SOLVE_METHODS` name.
    problem : str or callable
        A :data:`DEMO_PROBLEMS` name or a builder ``(settings) -> (A, label)`` giving an SPD
        matrix.
    options : dict, optional
        Passed as ``options=`` to :func:`numsolve.solve`.

    Returns
    -------
    entry : callable
        ``entry(settings) -> row`` (see :func:`run_demo`).
    """

    def entry(settings: DemoSettings) -> dict:
        import numsolve

        def run(s: DemoSettings):
            A, label = _problem(problem, s)
            b = s.rng(1).standard_normal(A.shape[0])
            return A, label, b, lambda: numsolve.solve(A, b, method=method, rtol=s.rtol,
                                                        options=options)

        run(settings.tiny())[3]()  # warm-up: Numba compile / cache load is not timed
        A, label, b, call = run(settings)
        res, t = _timed(call, settings.repeat)
        (xr, nr, okr), tr = _timed(lambda: _scipy_cg(A, b, settings.rtol), settings.repeat)
        return _row("solve", method, label, A.shape[0], int(res.nit), _relres(A, res.x, b), t,
                    res.success, "scipy cg", nr, _relres(A, xr, b), tr, okr)

    entry.__name__ = f"solve_entry[{method}, {getattr(problem, '__name__', problem)}]"
    return entry


def solve_batch_entry(method: str, problem: str | Callable = "poisson2d-small", *,
                      options: Mapping[str, Any] | None = None) -> Callable[[DemoSettings], dict]:
    """Demo entry: ``numsolve.solve_batch`` with many right-hand sides vs SciPy CG per column.

    ``B`` has ``settings.nrhs`` random columns; the reference is one
    :func:`scipy.sparse.linalg.cg` call per column.

    Parameters
    ----------
    method : str
        A :data:`numsolve.linalg.SOLVE_BATCH_METHODS` name.
    problem : str or callable
        A :data:`DEMO_PROBLEMS` name or a builder ``(settings) -> (A, label)``.
    options : dict, optional
        Passed as ``options=`` to :func:`numsolve.solve_batch`.

    Returns
    -------
    entry : callable
        ``entry(settings) -> row``; iterations are the maximum over the columns.
    """

    def entry(settings: DemoSettings) -> dict:
        import numsolve

        def run(s: DemoSettings):
            A, label = _problem(problem, s)
            B = s.rng(2).standard_normal((A.shape[0], s.nrhs))
            return A, label, B, lambda: numsolve.solve_batch(A, B, method=method, rtol=s.rtol,
                                                              options=options)

        run(settings.tiny())[3]()
        A, label, B, call = run(settings)
        k = B.shape[1]
        res, t = _timed(call, settings.repeat)

        def reference():
            outs = [_scipy_cg(A, B[:, j], settings.rtol) for j in range(k)]
            return np.column_stack([o[0] for o in outs]), max(o[1] for o in outs), all(
                o[2] for o in outs)

        (Xr, nr, okr), tr = _timed(reference, settings.repeat)
        return _row("solve_batch", method, f"{label}, {k} rhs", A.shape[0],
                    int(np.max(res.nit)), _relres(A, res.x, B), t, np.all(res.success),
                    f"{k}x scipy cg", nr, _relres(A, Xr, B), tr, okr)

    entry.__name__ = f"solve_batch_entry[{method}, {getattr(problem, '__name__', problem)}]"
    return entry


def stack_entry(method: str, *, cond: float = 1e2,
                options: Mapping[str, Any] | None = None) -> Callable[[DemoSettings], dict]:
    """Demo entry: ``numsolve.solve_batch`` on a dense stack vs :func:`numpy.linalg.solve`.

    The stack holds ``m`` random SPD ``(n, n)`` matrices, ``(m, n) = settings.stack_shape``.

    Parameters
    ----------
    method : str
        A :data:`numsolve.linalg.SOLVE_BATCH_METHODS` name.
    cond : float
        Condition number of every matrix (:func:`numsolve.problems.random_spd`).
    options : dict, optional
        Passed as ``options=`` to :func:`numsolve.solve_batch`.

    Returns
    -------
    entry : callable
        ``entry(settings) -> row``; iterations are the maximum over the systems.
    """

    def entry(settings: DemoSettings) -> dict:
        import numsolve
        from numsolve.problems import random_spd

        def run(s: DemoSettings):
            m, n = s.stack_shape
            rng = s.rng(3)
            A = np.stack([random_spd(n, cond, rng=rng) for _ in range(m)])
            B = rng.standard_normal((m, n))
            return A, B, lambda: numsolve.solve_batch(A, B, method=method, rtol=s.rtol,
                                                      options=options)

        run(settings.tiny())[2]()
        A, B, call = run(settings)
        m, n = settings.stack_shape
        res, t = _timed(call, settings.repeat)
        Xr, tr = _timed(lambda: np.linalg.solve(A, B[:, :, None])[:, :, 0], settings.repeat)

        def relres(X):
            R = B - np.einsum("mij,mj->mi", A, np.asarray(X))
            return float(np.max(np.linalg.norm(R, axis=1) / np.linalg.norm(B, axis=1)))

        return _row("solve_batch", method, f"{m} random SPD {n}x{n} (cond {cond:g})", n,
                    int(np.max(res.nit)), relres(res.x), t, np.all(res.success),
                    "numpy.linalg.solve", "-", relres(Xr), tr, True)

    entry.__name__ = f"stack_entry[{method}]"
    return entry


_ROSEN_X0 = (1.3, 0.7, 0.8, 1.9, 1.2)


def minimize_entry(method: str, *,
                   options: Mapping[str, Any] | None = None) -> Callable[[DemoSettings], dict]:
    """Demo entry: ``numsolve.minimize`` on the 5-D Rosenbrock function vs SciPy's BFGS.

    The residual column holds the gradient norm ``||grad f(x)||`` at the returned point. For a
    ``'scipy:<name>'`` method the reference is ``scipy.optimize.minimize(method=<name>)``: the
    two lines must agree exactly, which checks the pass-through routing (the entry reports
    failure otherwise).

    Parameters
    ----------
    method : str
        A :data:`numsolve.optimize.MINIMIZE_METHODS` name or ``'scipy:<name>'``.
    options : dict, optional
        Passed as ``options=`` to both minimizers when the method is a SciPy one, to numsolve
        only otherwise.

    Returns
    -------
    entry : callable
        ``entry(settings) -> row``.
    """
    passthrough = method.lower().startswith("scipy:")
    ref_method = method.split(":", 1)[1] if passthrough else "BFGS"

    def entry(settings: DemoSettings) -> dict:
        import scipy.optimize as sopt

        import numsolve

        x0 = np.array(_ROSEN_X0)
        res, t = _timed(lambda: numsolve.minimize(sopt.rosen, x0, method=method,
                                                  jac=sopt.rosen_der, options=options),
                        settings.repeat)
        ref_opts = dict(options) if passthrough and options else None
        ref, tr = _timed(lambda: sopt.minimize(sopt.rosen, x0, method=ref_method,
                                               jac=sopt.rosen_der, options=ref_opts),
                         settings.repeat)
        ok = bool(res.success)
        if passthrough:  # same numbers: proves the routing
            ok = ok and int(res.nit) == int(ref.nit) and np.array_equal(res.x, ref.x)
        gnorm = float(np.linalg.norm(sopt.rosen_der(res.x)))
        ref_gnorm = float(np.linalg.norm(sopt.rosen_der(ref.x)))
        return _row("minimize", method, f"rosenbrock {x0.size}-D", x0.size, int(res.nit),
                    gnorm, t, ok, f"scipy {ref_method}", int(ref.nit), ref_gnorm, tr,
                    ref.success)

    entry.__name__ = f"minimize_entry[{method}]"
    return entry


#: The demo tour, in order. Add a method with one line (see the module docstring).
DEMO_ENTRIES: list[Callable[[DemoSettings], dict]] = [
    solve_entry("cg", "poisson2d"),
    solve_entry("cg", "poisson3d"),
    solve_batch_entry("cg", "poisson2d-small"),
    stack_entry("cg"),
    minimize_entry("scipy:BFGS", options={"gtol": 1e-8}),
    solve_entry("ssor-cg", "poisson2d", options={"omega": 1.5}),
    lstsq_entry,  # sketching toolkit (issue 5)
    newton_sketch_entry,  # sketching toolkit (issue 5)
]
# issue 4: flexible Krylov / DCDM
from .linalg._krylov_demo import dcdm_entry  # noqa: E402

DEMO_ENTRIES += [solve_entry("fcg", "poisson2d"), dcdm_entry()]
# issue 6: equality-constrained optimization (exact augmented Lagrangian)
from .optimize._auglag_demo import auglag_entry  # noqa: E402

DEMO_ENTRIES += [auglag_entry("hs77", "kaczmarz"), auglag_entry("control", "direct")]


# --------------------------------------------------------------------------------------------
# running and printing
# --------------------------------------------------------------------------------------------
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


def _demo(args: argparse.Namespace) -> int:
    from ._backend import config_dict
    from ._version import __version__

    if args.quick:
        settings = DemoSettings.quick(size=args.size, rtol=args.rtol,
                                      **({"repeat": args.repeat} if args.repeat else {}))
    else:
        settings = DemoSettings(size=args.size or 128, rtol=args.rtol, repeat=args.repeat or 3)
    cfg = config_dict()
    kernels = (f"numba kernels on, {cfg.get('numba_threads')} threads" if cfg["numba_kernels"]
               else "numba kernels off")
    print(f"numsolve {__version__} demo ({kernels}; rtol={settings.rtol:g}; "
          f"best of {settings.repeat})")
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


def _info(args: argparse.Namespace) -> int:
    from ._backend import show_config

    if args.json:
        print(json.dumps(show_config(mode="dicts"), indent=2, default=str))
    else:
        show_config()
    return 0


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text}")
        return value

    return parse


def _rtol(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1), got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the ``numsolve`` argument parser.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog="numsolve",
        description="numsolve: SciPy-style optimization and linear-system solvers.",
    )
    parser.add_argument("--version", action="version", version=f"numsolve {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{demo,info}", required=True)

    demo = sub.add_parser("demo", help="run a short tour, compared with SciPy",
                          description="Solve a few problems with numsolve and with SciPy/NumPy "
                                      "and print a comparison table.")
    demo.add_argument("--quick", action="store_true",
                      help="tiny problems (a second or two; used by the tests)")
    demo.add_argument("--size", type=_int_at_least(2), default=None, metavar="N",
                      help="grid points per direction of the 2-D Poisson problem "
                           "(default 128, 16 with --quick)")
    demo.add_argument("--rtol", type=_rtol, default=1e-8,
                      help="relative tolerance of the iterative solvers (default 1e-8)")
    demo.add_argument("--repeat", type=_int_at_least(1), default=None, metavar="R",
                      help="report the best of R timed runs (default 3, 1 with --quick)")
    demo.set_defaults(func=_demo)

    info = sub.add_parser("info", help="show versions, Numba kernels and devices found",
                          description="Print numsolve's configuration report "
                                      "(numsolve.show_config).")
    info.add_argument("--json", action="store_true", help="print the report as JSON")
    info.set_defaults(func=_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``numsolve`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        ``0`` on success, ``1`` when a demo entry failed. Invalid arguments raise
        ``SystemExit`` (status 2), as :mod:`argparse` does.

    Examples
    --------
    >>> from numsolve.__main__ import main
    >>> main(["info"])  # doctest: +SKIP
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into e.g. ``head``: stop quietly
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # pragma: no cover - stdout without a file descriptor
            pass
        return 1


if __name__ == "__main__":
    sys.exit(main())
