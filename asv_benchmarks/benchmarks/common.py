"""Shared helpers for numsolve's asv benchmarks (modelled on SciPy's ``benchmarks/common.py``).

* :class:`Benchmark` - base class for every benchmark class.
* :class:`safe_import` - ``with safe_import(): import numsolve`` so that a missing or broken
  optional import does not stop asv from *discovering* the other benchmarks; set
  ``NUMSOLVE_ALLOW_BENCH_IMPORT_ERRORS=0`` to make import errors fatal.
* :class:`XPBenchmark` - base class for benchmarks that may run on CuPy arrays: call
  :meth:`XPBenchmark.synchronize` at the end of a timed body so asynchronous GPU work is
  inside the measurement (a no-op for NumPy/SciPy inputs; CuPy is imported lazily).
* :func:`warm_numba` - one tiny solve so that numsolve's Numba kernels are compiled (or
  loaded from Numba's on-disk cache) in ``setup``, never inside a timed body.
"""

from __future__ import annotations

import os
import sys

import numpy as np

__all__ = [
    "Benchmark",
    "XPBenchmark",
    "is_cupy_array",
    "safe_import",
    "synchronize",
    "warm_numba",
]


class Benchmark:
    """Base class with the defaults shared by all numsolve benchmarks.

    Solves on the larger grids take seconds, so allow generous time and do not let asv
    repeat them for long.
    """

    timeout = 300
    # asv: (min repeats, max repeats, max seconds spent repeating)
    repeat = (1, 5, 60.0)


class safe_import:
    """Context manager: swallow ``ImportError`` (only) while importing optional modules.

    Usage, as in SciPy's benchmarks::

        with safe_import():
            import numsolve

    A benchmark whose module failed to import then fails in ``setup`` with a ``NameError``
    instead of breaking benchmark discovery for the whole suite.
    """

    def __enter__(self):
        self.error = False
        return self

    def __exit__(self, type_, value, traceback):
        if type_ is None:
            return False
        self.error = True
        strict = os.getenv("NUMSOLVE_ALLOW_BENCH_IMPORT_ERRORS", "1").lower() in ("0", "false")
        if strict or not issubclass(type_, ImportError):
            return False  # re-raise
        print(f"benchmarks: optional import failed: {value}", file=sys.stderr)
        return True


def is_cupy_array(obj) -> bool:
    """True for CuPy arrays and ``cupyx.scipy.sparse`` matrices (without importing CuPy)."""
    mod = type(obj).__module__ or ""
    return mod == "cupy" or mod.startswith(("cupy.", "cupyx."))


def synchronize(*objs) -> None:
    """Wait for queued GPU work when any of ``objs`` lives on a CuPy device.

    ``cupy`` is imported only when one of the objects is a CuPy array (or when no objects are
    given and CuPy has already been imported by someone else), so this costs nothing on the
    CPU and works where CuPy is not installed.
    """
    if objs:
        if not any(is_cupy_array(o) for o in objs):
            return
    elif "cupy" not in sys.modules:
        return
    import cupy  # lazy: only reached when CuPy is in use

    cupy.cuda.get_current_stream().synchronize()


class XPBenchmark(Benchmark):
    """Base for benchmarks that can run with NumPy/SciPy or CuPy inputs.

    Subclasses set ``self.xp`` (the array module) in ``setup`` (``self.use_backend(name)``) and
    call :meth:`synchronize` at the end of every timed body, so the time of asynchronous GPU
    kernels is counted. On the CPU it does nothing.
    """

    xp = np

    def use_backend(self, name: str = "numpy"):
        """Select ``'numpy'`` or ``'cupy'``; raises ``NotImplementedError`` (asv: skipped)
        when the backend is not importable."""
        if name == "numpy":
            self.xp = np
        elif name == "cupy":
            try:
                import cupy
            except ImportError as exc:
                raise NotImplementedError("cupy is not installed") from exc
            self.xp = cupy
        else:
            raise ValueError(f"unknown array backend {name!r}")
        return self.xp

    def asarray(self, x):
        """``x`` moved to the selected backend (SciPy sparse -> ``cupyx.scipy.sparse``)."""
        if self.xp is np:
            return x
        import scipy.sparse as sp

        if sp.issparse(x):
            import cupyx.scipy.sparse as csp

            return csp.csr_matrix(x)
        return self.xp.asarray(x)

    def synchronize(self, *objs) -> None:
        if self.xp is not np:
            self.xp.cuda.get_current_stream().synchronize()
        elif objs:
            synchronize(*objs)


_WARMED = False


def warm_numba() -> None:
    """Compile (or load from cache) numsolve's Numba CG kernels with a tiny Poisson solve.

    Runs one single-vector solve (the vector kernels) and one small batched solve (the SpMM
    kernels, including the threaded column-group path) in float64. Cheap after the first
    call in a process.
    """
    global _WARMED
    if _WARMED:
        return
    import numsolve
    from numsolve.problems import poisson2d

    A = poisson2d(8)
    n = A.shape[0]
    rng = np.random.default_rng(0)
    res = numsolve.solve(A, rng.standard_normal(n), method="cg", rtol=1e-8)
    if not res.success:
        raise RuntimeError(f"warm-up solve failed: {res.message}")
    B = rng.standard_normal((n, 6))
    res = numsolve.solve_batch(A, B, method="cg", rtol=1e-8)
    numsolve.solve_batch(A, B, method="cg", rtol=1e-8, options={"group_size": 4, "threads": 2})
    if not np.all(res.success):
        raise RuntimeError(f"warm-up batched solve failed: {res.message}")
    _WARMED = True
