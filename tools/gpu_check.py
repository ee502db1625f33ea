#!/usr/bin/env python3
"""The GPU check of issue 19: numsolve's CuPy path on a real GPU, in one prepared run.

Usage (from the repository root; ``tools/gpu_check.sh`` installs the carried wheels first)::

    python tools/gpu_check.py [--out DIR] [--size full|small] [--parts tests,methods,bench]
    python tools/gpu_check.py --dry-run        # no GPU: NumPy stands in for CuPy, tiny sizes

Parts, in order, each in its own process with its own time box (a crash, a hang or a failure
in one part does not stop the others):

``tests``   every CuPy test: ``pytest -m gpu`` (the ``cupy`` parameter of the ``backend``
            fixture carries the ``gpu`` mark); every test must pass, none may skip. In the dry
            run: ``--collect-only`` (the selection is checked, nothing runs).
``methods`` each public method once on device inputs against its NumPy result, the result's
            type checked (it must stay on the device) and host <-> device copies counted
            (``tools/gpu_check_methods.py``).
``bench``   CG on 2-D Poisson 2048^2 vs cupyx and vs the host, batched CG vs 32 cupyx calls,
            the multicolour SOR sweep, sketched lstsq 1e6 x 500 vs cupy.linalg.lstsq
            (``tools/gpu_check_bench.py``).

Everything goes to ``--out`` (default ``$OUT``, else ``./gpu_check_out``): ``summary.txt``
(PASS/FAIL/SKIP per item and the issue's Done-when figures), ``results.json`` (every number),
``env.txt`` (device, driver, library versions and where they were imported from),
``pytest_gpu.log`` and ``pytest_gpu.xml``. Without a CUDA device (and without ``--dry-run``)
it says so and exits 0. Exit status: 0 when no item failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _p in (ROOT, HERE):  # numsolve from the working tree; the sibling modules
    if _p not in sys.path:
        sys.path.insert(0, _p)

from gpu_check_common import (  # noqa: E402
    SIZES,
    Deadline,
    Device,
    Item,
    append_jsonl,
    read_jsonl,
    run_item,
)

PARTS = ("tests", "methods", "bench")
#: Seconds per part; ``--total`` (440 s) caps the three together, so that with the wheel
#: install and the start-up the check stays under 8 minutes.
BUDGETS = {"tests": 150, "methods": 110, "bench": 170}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.environ.get("OUT") or os.path.join(ROOT, "gpu_check_out"))
    p.add_argument("--dry-run", "--cpu", dest="dry", action="store_true",
                   help="no GPU needed: NumPy stands in for CuPy at tiny sizes")
    p.add_argument("--parts", default=",".join(PARTS),
                   help=f"comma-separated subset of {','.join(PARTS)}")
    p.add_argument("--size", choices=sorted(SIZES), default=None,
                   help="problem sizes of the benchmark (default: full; tiny in the dry run)")
    for part in PARTS:
        p.add_argument(f"--budget-{part}", type=float, default=BUDGETS[part],
                       help=f"time box of part {part!r} in seconds")
    p.add_argument("--total", type=float, default=440,
                   help="seconds for all parts together (each part gets at most what is left)")
    p.add_argument("--inline", action="store_true",
                   help="run the parts in this process (no isolation; for the test suite)")
    p.add_argument("--part", choices=PARTS, help=argparse.SUPPRESS)  # internal: one part
    p.add_argument("--jsonl", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.size = args.size or ("tiny" if args.dry else "full")
    args.parts = [s.strip() for s in args.parts.split(",") if s.strip()]
    bad = set(args.parts) - set(PARTS)
    if bad:
        p.error(f"unknown parts {sorted(bad)}; choose from {PARTS}")
    return args


def cuda_status() -> tuple[bool, str]:
    try:
        import cupy
    except Exception as exc:
        return False, f"CuPy is not importable ({type(exc).__name__}: {exc})"
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        return False, f"CuPy {cupy.__version__} finds no CUDA device ({exc})"
    return n > 0, f"CuPy {cupy.__version__}, {n} CUDA device(s)"


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise TimeoutError in the block after ``seconds`` (main thread, POSIX; else no-op)."""
    if not hasattr(signal, "setitimer") or seconds <= 0:
        yield
        return

    def handler(signum, frame):
        raise TimeoutError(f"time box of {seconds:.0f} s exceeded")

    try:
        old = signal.signal(signal.SIGALRM, handler)
    except ValueError:  # not the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------------------------
# part (a): the CuPy tests
# --------------------------------------------------------------------------------------------
def _junit_counts(path: str) -> dict:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    c = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors",
                                                            "skipped")}
    bad = []
    for case in root.iter("testcase"):
        for tag in ("failure", "error", "skipped"):
            el = case.find(tag)
            if el is not None:
                msg = (el.get("message") or "").splitlines()[0][:120] if el.get("message") else ""
                bad.append(f"{tag}: {case.get('classname')}::{case.get('name')} {msg}")
    c["problems"] = bad
    return c


def part_tests(args, emit) -> None:
    log = os.path.join(args.out, "pytest_gpu.log")
    xml = os.path.join(args.out, "pytest_gpu.xml")
    cmd = [sys.executable, "-m", "pytest", "-m", "gpu", "-p", "no:cacheprovider", "tests"]
    cmd += ["--collect-only", "-q"] if args.dry else ["-q", "-rA", "--timeout=120",
                                                      f"--junitxml={xml}"]
    t0 = time.perf_counter()
    try:
        with open(log, "w") as fh:
            proc = subprocess.run(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
                                  env=_child_env(), timeout=args.budget_tests)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        rc = "timeout"
    dt = round(time.perf_counter() - t0, 1)
    with open(log) as fh:
        text = fh.read()
    if args.dry:
        m = re.search(r"(\d+)(?:/\d+)? tests? collected", text)
        n = int(m.group(1)) if m else 0
        emit(Item("tests", "pytest -m gpu (collect only)", n > 0 and rc == 0,
                  f"{n} CuPy tests selected (not run: no GPU); rc {rc}", dt, {"selected": n}))
        return
    if rc == "timeout" or not os.path.exists(xml):
        tail = " | ".join(text.strip().splitlines()[-3:])
        emit(Item("tests", "pytest -m gpu", False, f"rc {rc} after {dt} s: {tail}", dt))
        return
    c = _junit_counts(xml)
    passed = c["tests"] - c["failures"] - c["errors"] - c["skipped"]
    ok = c["tests"] > 0 and not (c["failures"] or c["errors"] or c["skipped"])
    detail = (f"{passed} passed, {c['failures']} failed, {c['errors']} errors, "
              f"{c['skipped']} skipped")
    if c["problems"]:
        detail += "; " + "; ".join(c["problems"][:8])
    emit(Item("tests", "pytest -m gpu", ok, detail, dt, c))


# --------------------------------------------------------------------------------------------
# parts (b) and (c)
# --------------------------------------------------------------------------------------------
def part_methods(args, emit) -> None:
    import gpu_check_methods as M

    dev = Device(args.dry)
    dl = Deadline(args.budget_methods - 5)
    for name, _covers, fn, fargs in M.checks():
        if dl.left() <= 1:
            emit(Item("methods", name, None, "skipped: the part's time box is spent"))
            continue
        with time_limit(min(60.0, dl.left())):
            emit(run_item("methods", name, fn, dev, *fargs))
    emit(run_item("methods", "coverage of the registries", M.check_coverage, dev))


def part_bench(args, emit) -> None:
    import gpu_check_bench as B

    dev = Device(args.dry)
    size = SIZES[args.size]
    dl = Deadline(args.budget_bench - 5)
    copy = run_item("bench", "device copy bandwidth", B.copy_bandwidth, dev, size)
    emit(copy)
    prob = None
    t0 = time.perf_counter()
    try:
        prob = B.Problem(dev, size["N"])
        emit(Item("bench", "set-up", True, f"2-D Poisson {size['N']}^2: n={prob.n:,}, "
                  f"nnz={prob.nnz:,}, built and uploaded", round(time.perf_counter() - t0, 2)))
    except Exception as exc:
        emit(Item("bench", "set-up", False, f"{type(exc).__name__}: {exc}"))
    runs = [("CG 2-D Poisson", B.bench_cg, (prob, size, dl, copy.data.get("copy_bandwidth"))),
            ("batched CG", B.bench_batched_cg, (prob, size, dl)),
            ("multicolour SOR sweep", B.bench_sor, (prob, size, dl)),
            ("sketched lstsq", B.bench_lstsq, (size, dl))]
    for name, fn, fargs in runs:
        if prob is None and fn is not B.bench_lstsq:
            emit(Item("bench", name, None, "skipped: no problem (set-up failed)"))
        elif dl.left() <= 2:
            emit(Item("bench", name, None, "skipped: the part's time box is spent"))
        else:
            dev.free()  # the previous benchmark's arrays back to the device
            with time_limit(dl.left()):
                emit(run_item("bench", name, fn, dev, *fargs))


PART_FUNCS = {"tests": part_tests, "methods": part_methods, "bench": part_bench}


def _child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def run_part(args, part: str, jsonl: str) -> None:
    """Run one part: in this process (``--inline``, and the tests part, which is a pytest
    subprocess already) or in a child process killed at the part's time box."""
    budget = getattr(args, f"budget_{part}")

    def emit(item: Item) -> None:
        print(item.line(), flush=True)
        append_jsonl(jsonl, item)

    if args.inline or part == "tests":
        try:
            PART_FUNCS[part](args, emit)
        except Exception as exc:
            emit(Item(part, "part", False, f"{type(exc).__name__}: {exc}"))
        return
    cmd = [sys.executable, os.path.abspath(__file__), "--part", part, "--jsonl", jsonl,
           "--out", args.out, "--size", args.size, f"--budget-{part}", str(budget)]
    cmd += ["--dry-run"] if args.dry else []
    before = len(read_jsonl(jsonl))
    try:
        rc = subprocess.run(cmd, cwd=ROOT, env=_child_env(), timeout=budget + 5).returncode
    except subprocess.TimeoutExpired:
        emit(Item(part, "time box", False, f"killed after {budget + 5:.0f} s; the items "
                  "above finished"))
        return
    if rc != 0:
        done = len(read_jsonl(jsonl)) - before
        emit(Item(part, "process", False, f"exited with status {rc} after {done} items "
                  "(crash? see check.log)"))


# --------------------------------------------------------------------------------------------
# environment and summary
# --------------------------------------------------------------------------------------------
def _module_line(name: str) -> str:
    try:
        mod = __import__(name)
    except Exception as exc:
        return f"{name:<18} not importable ({type(exc).__name__})"
    return f"{name:<18} {getattr(mod, '__version__', '?'):<12} {getattr(mod, '__file__', '')}"


def write_env(args, describe: dict) -> None:
    lines = [f"date        {datetime.datetime.now().isoformat(timespec='seconds')}",
             f"host        {platform.node()} {platform.machine()} ({os.cpu_count()} CPUs)",
             f"python      {sys.version.split()[0]} {sys.executable}",
             "", "device: " + json.dumps(describe), ""]
    mods = ("numsolve", "numpy", "scipy", "numba", "array_api_compat", "array_api_strict",
            "threadpoolctl", "cupy", "pytest", "pytest_timeout", "hypothesis")
    lines += [_module_line(m) for m in mods]
    if not args.dry:
        try:
            smi = subprocess.run(["nvidia-smi"], capture_output=True, text=True, timeout=20)
            lines += ["", smi.stdout]
        except Exception as exc:
            lines += ["", f"nvidia-smi: {exc}"]
    try:
        import numsolve

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            numsolve.show_config()
        lines += ["", buf.getvalue()]
    except Exception as exc:
        lines += ["", f"numsolve.show_config: {type(exc).__name__}: {exc}"]
    with open(os.path.join(args.out, "env.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")


def summarize(args, items: list[Item], describe: dict, seconds: float) -> tuple[str, int]:
    import gpu_check_bench as B

    n_fail = sum(it.ok is False for it in items)
    n_pass = sum(it.ok is True for it in items)
    head = (f"numsolve GPU check ({'DRY RUN: NumPy stands in for CuPy' if args.dry else 'GPU'}"
            f", size {args.size}) - {describe.get('device')} "
            f"{describe.get('compute_capability', '')} cupy {describe.get('cupy', '-')}")
    lines = [head, "=" * min(len(head), 100)]
    lines += [it.line() for it in items]
    lines += ["", "Done-when figures of issue 19" + (" (dry run: the stand-in's numbers, not a "
                                                     "GPU's)" if args.dry else "") + ":",
              *B.targets(items)]
    lines += ["", f"{n_pass} passed, {n_fail} failed, {sum(it.ok is None for it in items)} "
              f"skipped in {seconds:.0f} s"]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "summary.txt"), "w") as fh:
        fh.write(text)
    with open(os.path.join(args.out, "results.json"), "w") as fh:
        json.dump({"describe": describe, "args": {k: v for k, v in vars(args).items()},
                   "items": [asdict(it) for it in items], "targets": B.targets(items),
                   "seconds": seconds}, fh, indent=1, default=str)
    return text, int(n_fail > 0)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.part:  # internal: one part in this (child) process
        PART_FUNCS[args.part](args, lambda it: (print(it.line(), flush=True),
                                               append_jsonl(args.jsonl, it)))
        return 0
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    if args.dry:
        # the stand-in runs numsolve's generic array-API code, the code CuPy input takes
        # (and no Numba compilation); NUMSOLVE_DISABLE_NUMBA=0 keeps the kernels
        os.environ.setdefault("NUMSOLVE_DISABLE_NUMBA", "1")
    if not args.dry:
        ok, why = cuda_status()
        if not ok:
            msg = (f"numsolve GPU check: no CUDA device - {why}. Nothing to check here; "
                   "`python tools/gpu_check.py --dry-run` runs the driver with NumPy "
                   "standing in for CuPy.\n")
            print(msg, end="")
            with open(os.path.join(args.out, "summary.txt"), "w") as fh:
                fh.write(msg)
            return 0
    try:
        describe = Device(args.dry).describe()
    except Exception as exc:  # the parts still run (each reports its own failures)
        describe = {"device": f"not described ({type(exc).__name__}: {exc})"}
    try:
        write_env(args, describe)
    except Exception as exc:
        print(f"env.txt not written: {type(exc).__name__}: {exc}", flush=True)
    jsonl = os.path.join(args.out if args.inline else _scratch(), "items.jsonl")
    if os.path.exists(jsonl):
        os.remove(jsonl)
    total = Deadline(args.total - (time.perf_counter() - t0))
    for part in args.parts:
        budget = min(getattr(args, f"budget_{part}"), total.left() - 20)
        if budget < 10:
            append_jsonl(jsonl, Item(part, "part", None, "skipped: the total time box is spent"))
            continue
        setattr(args, f"budget_{part}", budget)
        print(f"--- part {part} (time box {budget:.0f} s)", flush=True)
        run_part(args, part, jsonl)
    items = read_jsonl(jsonl)
    if args.inline:
        os.remove(jsonl)
    text, rc = summarize(args, items, describe, time.perf_counter() - t0)
    print("\n" + text, end="")
    return rc


def _scratch() -> str:
    """A folder outside $OUT for the parts' item files (at most 8 files come back)."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"gpu_check_{os.getpid()}")
    os.makedirs(path, exist_ok=True)
    return path


if __name__ == "__main__":
    sys.exit(main())
