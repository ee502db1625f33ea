"""Shared pieces of the GPU check (``tools/gpu_check.py``): the device, transfer counting, timing.

:class:`Device` hides where the "device" arrays live. On a CUDA machine it is CuPy
(``cupy`` arrays, ``cupyx.scipy.sparse`` CSR, ``cupyx.scipy.sparse.linalg.cg`` and
``cupy.linalg.lstsq`` as the references); in the CPU dry run NumPy stands in for CuPy (SciPy CSR,
``scipy.sparse.linalg.cg``, ``numpy.linalg.lstsq``) so that every code path of the driver runs
on a machine without a GPU. :class:`TransferCounter` counts host <-> device copies made through
the array module's functions while a method runs.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

#: The H200's memory bandwidth used for "fraction of the device's" (KINDS.md: a large
#: device-to-device copy moved about 4.3 TB/s on this workplace's H200; the datasheet says 4.8).
NOMINAL_BANDWIDTH = 4.3e12

#: Problem sizes per scale: 2-D Poisson grid side, least-squares shape, right-hand sides.
SIZES = {
    "full": dict(N=2048, lstsq=(1_000_000, 500), nrhs=32, cg_iters=300, batch_iters=100,
                 host_iters=20, sweeps=50, host_sweeps=5, reps=3),
    "small": dict(N=512, lstsq=(100_000, 200), nrhs=32, cg_iters=200, batch_iters=50,
                  host_iters=20, sweeps=20, host_sweeps=5, reps=3),
    "tiny": dict(N=24, lstsq=(2000, 20), nrhs=4, cg_iters=20, batch_iters=10,
                 host_iters=10, sweeps=3, host_sweeps=2, reps=2),
}


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
@dataclass
class Item:
    """One line of the summary: a check or a benchmark, passed (True), failed (False) or
    skipped (None)."""

    part: str
    name: str
    ok: bool | None
    detail: str = ""
    seconds: float = 0.0
    data: dict = field(default_factory=dict)

    def line(self) -> str:
        tag = {True: "PASS", False: "FAIL", None: "SKIP"}[self.ok]
        return f"{tag}  {self.part:<8} {self.name}: {self.detail}"


class Skip(Exception):
    """Raised by a check that does not apply (e.g. to the NumPy stand-in)."""


def append_jsonl(path: str, item: Item) -> None:
    """Append one item to a JSON-lines file (a killed part keeps what it finished)."""
    with open(path, "a") as fh:
        fh.write(json.dumps(asdict(item), default=_jsonable) + "\n")


def read_jsonl(path: str) -> list[Item]:
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        return [Item(**json.loads(line)) for line in fh if line.strip()]


def _jsonable(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def run_item(part: str, name: str, fn, *args) -> Item:
    """Run ``fn(*args)`` (returning ``(detail, data)``) as one item: an exception fails it,
    :class:`Skip` skips it; never raises."""
    t0 = time.perf_counter()
    try:
        detail, data = fn(*args)
        ok = True
    except Skip as exc:
        ok, detail, data = None, str(exc), {}
    except Exception as exc:  # a failing check must not stop the others
        ok, detail, data = False, f"{type(exc).__name__}: {exc}", {}
    return Item(part, name, ok, detail, round(time.perf_counter() - t0, 3), data)


# --------------------------------------------------------------------------------------------
# transfer counting
# --------------------------------------------------------------------------------------------
class TransferCounter:
    """Count host -> device and device -> host copies made through an array module.

    While active, ``mod.asarray`` / ``mod.array`` called with host data count as host-to-device
    copies, ``mod.asnumpy`` and the ``get()`` of the given sparse classes as device-to-host
    copies (numsolve's ``to_numpy`` and ``host_scalars`` go through these). Scalar conversions
    of device arrays (``float(x)``, ``x.item()``, ``bool(x)``) are synchronisations the
    counter does not see.
    """

    def __init__(self, mod, device_type: type, sparse_classes=()):
        self.mod, self.device_type = mod, device_type
        self.sparse_classes = tuple(sparse_classes)
        self.h2d = [0, 0]  # calls, bytes
        self.d2h = [0, 0]
        self.largest_d2h = 0
        self._saved: list[tuple[Any, str, Any]] = []

    @staticmethod
    def _nbytes(x) -> int:
        return int(getattr(x, "nbytes", 0) or np.asarray(x).nbytes)

    def _up(self, orig):
        def wrapper(obj, *args, **kwargs):
            if not isinstance(obj, self.device_type):
                self.h2d[0] += 1
                try:
                    self.h2d[1] += self._nbytes(obj)
                except Exception:
                    pass
            return orig(obj, *args, **kwargs)

        return wrapper

    def _down(self, orig, size_of=None):
        def wrapper(obj, *args, **kwargs):
            out = orig(obj, *args, **kwargs)
            nbytes = self._nbytes(out) if size_of is None else size_of(out)
            self.d2h[0] += 1
            self.d2h[1] += nbytes
            self.largest_d2h = max(self.largest_d2h, nbytes)
            return out

        return wrapper

    def _patch(self, owner, name, new):
        self._saved.append((owner, name, owner.__dict__[name] if isinstance(owner, type)
                            else getattr(owner, name)))
        setattr(owner, name, new)

    def __enter__(self):
        for name in ("asarray", "array"):
            if hasattr(self.mod, name):
                self._patch(self.mod, name, self._up(getattr(self.mod, name)))
        if hasattr(self.mod, "asnumpy"):
            self._patch(self.mod, "asnumpy", self._down(self.mod.asnumpy))
        seen = set()
        for cls in self.sparse_classes:
            for klass in cls.__mro__:
                if "get" in klass.__dict__ and klass not in seen:
                    seen.add(klass)
                    self._patch(klass, "get", self._down(klass.__dict__["get"], _sparse_nbytes))
        return self

    def __exit__(self, *exc):
        for owner, name, orig in reversed(self._saved):
            setattr(owner, name, orig)
        self._saved.clear()
        return False

    def summary(self) -> dict:
        return {"h2d_calls": self.h2d[0], "h2d_bytes": self.h2d[1], "d2h_calls": self.d2h[0],
                "d2h_bytes": self.d2h[1], "largest_d2h_bytes": self.largest_d2h}


def _sparse_nbytes(m) -> int:
    """Bytes of a host sparse matrix's arrays."""
    return sum(int(getattr(m, a).nbytes) for a in ("data", "indices", "indptr", "row", "col")
               if hasattr(m, a))


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def fmt_transfers(t: dict) -> str:
    if not t:
        return "transfers not counted"
    return (f"H2D {t['h2d_calls']} ({fmt_bytes(t['h2d_bytes'])}), D2H {t['d2h_calls']} "
            f"({fmt_bytes(t['d2h_bytes'])}, largest {fmt_bytes(t['largest_d2h_bytes'])})")


# --------------------------------------------------------------------------------------------
# the device
# --------------------------------------------------------------------------------------------
class Device:
    """The arrays under test: CuPy on a GPU, or NumPy standing in for it (``dry=True``)."""

    def __init__(self, dry: bool):
        self.dry = dry
        if dry:
            self.xp, self.name = np, "numpy-standin"
            self.array_type = np.ndarray
        else:
            import cupy
            import cupyx.scipy.sparse as csp
            import cupyx.scipy.sparse.linalg  # noqa: F401  (is_linear_operator looks for it)

            self.xp, self.name, self._csp = cupy, "cupy", csp
            self.array_type = cupy.ndarray

    # -- arrays -----------------------------------------------------------------------------
    def asarray(self, a):
        return np.array(a, copy=True) if self.dry else self.xp.asarray(a)

    def sparse(self, A):
        """A CSR matrix on the device (SciPy CSR in the dry run)."""
        A = sp.csr_matrix(A)
        return A.copy() if self.dry else self._csp.csr_matrix(A)

    def host(self, x):
        from numsolve import to_numpy

        return to_numpy(x)

    def is_device(self, x) -> bool:
        return isinstance(x, self.array_type)

    def foreign(self, a):
        """``a`` in a namespace numsolve's host-only methods must refuse: CuPy on a GPU,
        ``array_api_strict`` in the dry run (None when it is not installed)."""
        if not self.dry:
            return self.xp.asarray(a)
        try:
            import array_api_strict
        except ImportError:
            return None
        return array_api_strict.asarray(np.asarray(a))

    def sync(self) -> None:
        if not self.dry:
            self.xp.cuda.get_current_stream().synchronize()

    def standard_normal(self, shape, seed: int):
        """Random data generated where the arrays live (no host copy of big matrices)."""
        if self.dry:
            return np.random.default_rng(seed).standard_normal(shape)
        return self.xp.random.default_rng(seed).standard_normal(shape)

    def free(self) -> None:
        if not self.dry:
            self.xp.get_default_memory_pool().free_all_blocks()

    @contextlib.contextmanager
    def transfers(self):
        """Count host <-> device copies inside the block (a no-op counter in the dry run)."""
        if self.dry:
            yield TransferCounter(np, np.ndarray)
            return
        csp = self._csp
        classes = [getattr(csp, n) for n in ("csr_matrix", "csc_matrix", "coo_matrix")
                   if hasattr(csp, n)]
        with TransferCounter(self.xp, self.xp.ndarray, classes) as counter:
            yield counter

    # -- references ---------------------------------------------------------------------------
    def ref_cg(self, A, b, maxiter: int):
        """The library CG (cupyx or SciPy) run for exactly ``maxiter`` iterations (tolerance 0)."""
        if self.dry:
            import scipy.sparse.linalg as spla

            return spla.cg(A, b, rtol=0.0, atol=0.0, maxiter=maxiter)[0]
        import cupyx.scipy.sparse.linalg as cspla

        params = inspect.signature(cspla.cg).parameters
        tol = {"rtol": 0.0} if "rtol" in params else {"tol": 0.0}
        return cspla.cg(A, b, maxiter=maxiter, atol=0.0, **tol)[0]

    def ref_lstsq(self, A, b):
        return self.xp.linalg.lstsq(A, b, rcond=None)[0]

    def ref_qr_lstsq(self, A, b):
        """Least squares by the reduced QR: ``x = R^{-1} Q^T b``."""
        Q, R = self.xp.linalg.qr(A)
        if self.dry:
            import scipy.linalg as sl

            return sl.solve_triangular(R, Q.T @ b)
        import cupyx.scipy.linalg as cl

        return cl.solve_triangular(R, Q.T @ b)

    # -- description ----------------------------------------------------------------------------
    def describe(self) -> dict:
        if self.dry:
            return {"device": "none (NumPy stands in for CuPy)", "mode": "dry-run"}
        cp = self.xp
        props = cp.cuda.runtime.getDeviceProperties(0)
        free, total = cp.cuda.runtime.memGetInfo()
        # theoretical DRAM bandwidth: 2 (double data rate) x memory clock x bus width
        clock_khz, bus_bits = props.get("memoryClockRate", 0), props.get("memoryBusWidth", 0)
        return {
            "device": props["name"].decode() if isinstance(props["name"], bytes)
            else str(props["name"]),
            "compute_capability": f"{props['major']}.{props['minor']}",
            "memory_total_GiB": round(total / 2**30, 1),
            "memory_free_GiB": round(free / 2**30, 1),
            "theoretical_bandwidth_TBps": round(2 * clock_khz * 1e3 * bus_bits / 8 / 1e12, 2),
            "cupy": cp.__version__,
            "cuda_runtime": cp.cuda.runtime.runtimeGetVersion(),
            "cuda_driver": cp.cuda.runtime.driverGetVersion(),
            "mode": "gpu",
        }


# --------------------------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------------------------
class Deadline:
    """Seconds left of a part's time box."""

    def __init__(self, seconds: float):
        self.end = time.perf_counter() + seconds

    def left(self) -> float:
        return self.end - time.perf_counter()


def timed(dev: Device, fn) -> tuple[float, Any]:
    """(seconds, result) of ``fn()``, the device synchronised before and after."""
    dev.sync()
    t0 = time.perf_counter()
    out = fn()
    dev.sync()
    return time.perf_counter() - t0, out


def interleaved(dev: Device, runners: dict, reps: int) -> dict[str, list[float]]:
    """Times of ``reps`` runs of each runner, the order rotated every repetition."""
    names = list(runners)
    times: dict[str, list[float]] = {k: [] for k in names}
    for r in range(reps):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(timed(dev, runners[name])[0])
    return times


def median(v) -> float:
    return float(np.median(np.asarray(v, dtype=float)))


def rel_diff(a, b) -> float:
    """``||a - b|| / ||b||`` of host arrays (0 when both are zero)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    nb = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / nb) if nb else float(np.linalg.norm(a))
