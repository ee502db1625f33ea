"""Command line interface: ``python -m numsolve {demo,info}`` (console script ``numsolve``).

``numsolve info``
    Print the configuration report of :func:`numsolve.show_config` (versions, Numba kernels,
    optional backends, CUDA device).
``numsolve demo [--quick] [--size N] [--rtol RTOL] [--repeat R] [--threads T]``
    A short tour: every demo row solves one problem with numsolve and the same problem with
    its SciPy/NumPy equivalent, on the same number of threads, printed as one aligned table
    (two lines per row: numsolve, then the reference).

The tour follows from the method registrations (see :mod:`numsolve._cli.demo`); the library
never imports this package.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from ._common import DemoSettings
from .demo import DEMO_ENTRIES, demo_command, format_table, run_demo
from .krylov import dcdm_entry
from .linear import solve_batch_entry, solve_entry, stack_entry
from .optimize import auglag_entry, minimize_entry
from .sketch import lstsq_entry, newton_sketch_entry

__all__ = [
    "DEMO_ENTRIES",
    "DemoSettings",
    "auglag_entry",
    "build_parser",
    "dcdm_entry",
    "format_table",
    "lstsq_entry",
    "main",
    "minimize_entry",
    "newton_sketch_entry",
    "run_demo",
    "solve_batch_entry",
    "solve_entry",
    "stack_entry",
]


def _info(args: argparse.Namespace) -> int:
    from .._backend import show_config

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
    from .._version import __version__

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
    demo.add_argument("--threads", type=_int_at_least(1), default=1, metavar="T",
                      help="threads for both sides of every row: BLAS, Numba and numsolve's "
                           "batch threads (default 1)")
    demo.set_defaults(func=demo_command)

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
    >>> from numsolve._cli import main
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
