"""Array-namespace dispatch: NumPy or CuPy, dense, sparse or ``LinearOperator``.

This module is the single place that answers the backend questions every solver asks:

* which array namespace do the inputs live in (:func:`get_namespace`, built on
  ``array_api_compat.array_namespace``);
* is an object a sparse matrix (:func:`is_sparse`) or a ``LinearOperator``
  (:func:`is_linear_operator`);
* can Numba kernels be used (:func:`numba_available`), is a CUDA device present
  (:func:`cuda_available`);
* explicit device moves (:func:`to_numpy`, :func:`to_namespace`).

Rules enforced here: inputs from different namespaces (a CuPy vector with a SciPy sparse matrix,
say) raise a clear ``TypeError``; nothing is moved between host and device implicitly; results
are created in the namespace of the inputs.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from typing import Any

import array_api_compat
import numpy as np
import scipy.sparse as _sp
import scipy.sparse.linalg as _spla

__all__ = [
    "backend_name",
    "cuda_available",
    "get_namespace",
    "is_cupy_namespace",
    "is_linear_operator",
    "is_numpy_namespace",
    "is_sparse",
    "module_available",
    "numba_available",
    "show_config",
    "to_namespace",
    "to_numpy",
]


# --------------------------------------------------------------------------------------------
# optional modules
# --------------------------------------------------------------------------------------------
@functools.cache
def module_available(name: str) -> bool:
    """Return True when ``name`` can be imported (probed with ``find_spec``, not imported)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=1)
def numba_available() -> bool:
    """Return True when Numba kernels can be used.

    Setting the environment variable ``NUMSOLVE_DISABLE_NUMBA=1`` forces the pure array-API
    code paths (useful for debugging and for testing the generic code on NumPy).
    """
    if os.environ.get("NUMSOLVE_DISABLE_NUMBA", "0") not in ("", "0", "false", "False"):
        return False
    try:
        import numba  # noqa: F401
    except Exception:  # pragma: no cover - numba is a hard dependency
        return False
    return True


@functools.lru_cache(maxsize=1)
def cuda_available() -> bool:
    """Return True when CuPy is importable and at least one CUDA device is visible."""
    if not module_available("cupy"):
        return False
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def _cupy_loaded() -> bool:
    # Only look at CuPy types if the user already imported CuPy: a NumPy-only session never
    # pays for (or fails on) a CuPy import.
    return "cupy" in sys.modules


# --------------------------------------------------------------------------------------------
# type predicates
# --------------------------------------------------------------------------------------------
def is_sparse(A: Any) -> bool:
    """Return True for ``scipy.sparse`` and ``cupyx.scipy.sparse`` matrices/arrays."""
    if _sp.issparse(A):
        return True
    if _cupy_loaded() and "cupyx.scipy.sparse" in sys.modules:
        import cupyx.scipy.sparse as csp

        return bool(csp.issparse(A))
    return False


def is_cupy_sparse(A: Any) -> bool:
    """Return True for ``cupyx.scipy.sparse`` matrices."""
    return is_sparse(A) and not _sp.issparse(A)


def is_linear_operator(A: Any) -> bool:
    """Return True for SciPy (or CuPy) ``LinearOperator`` instances."""
    if isinstance(A, _spla.LinearOperator):
        return True
    if _cupy_loaded() and "cupyx.scipy.sparse.linalg" in sys.modules:
        import cupyx.scipy.sparse.linalg as cspla

        return isinstance(A, cspla.LinearOperator)
    return False


def is_array(x: Any) -> bool:
    """Return True for an array of any supported namespace (not sparse, not an operator)."""
    return array_api_compat.is_array_api_obj(x) and not is_sparse(x)


# --------------------------------------------------------------------------------------------
# namespaces
# --------------------------------------------------------------------------------------------
def _namespace_of(obj: Any):
    """Namespace of a single object, or None when it carries none (operator, callable, None)."""
    if obj is None or is_linear_operator(obj) or callable(obj) and not is_array(obj):
        return None
    if is_sparse(obj):
        if _sp.issparse(obj):
            return array_api_compat.array_namespace(np.empty(0))
        import cupy

        return array_api_compat.array_namespace(cupy.empty(0))
    if isinstance(obj, (np.ndarray, np.generic)):
        return array_api_compat.array_namespace(np.asarray(obj))
    if array_api_compat.is_array_api_obj(obj):
        return array_api_compat.array_namespace(obj)
    return None


def get_namespace(*objs: Any, default=None):
    """Return the array namespace shared by ``objs``.

    Parameters
    ----------
    *objs
        Arrays, sparse matrices, ``LinearOperator`` objects, callables or ``None``. Operators,
        callables and ``None`` carry no namespace and are ignored; Python lists and scalars are
        treated as NumPy data.
    default : namespace, optional
        Returned when no object carries a namespace. Defaults to the NumPy namespace.

    Returns
    -------
    xp : module
        An array-API compatible namespace (``array_api_compat`` wrapper for NumPy/CuPy).

    Raises
    ------
    TypeError
        If the objects come from different namespaces or devices (e.g. a CuPy array with a
        SciPy sparse matrix). numsolve never moves data between devices implicitly.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve._backend import get_namespace, backend_name
    >>> backend_name(get_namespace(np.ones(3), None))
    'numpy'
    """
    spaces = []
    for obj in objs:
        if isinstance(obj, (list, tuple)) and not is_array(obj):
            ns = array_api_compat.array_namespace(np.empty(0))
        else:
            ns = _namespace_of(obj)
        if ns is not None:
            spaces.append((ns, obj))
    if not spaces:
        return default if default is not None else array_api_compat.array_namespace(np.empty(0))
    first_ns = spaces[0][0]
    for ns, _obj in spaces[1:]:
        if ns is not first_ns:
            names = sorted({backend_name(s) for s, _ in spaces})
            raise TypeError(
                "inputs live in different array namespaces/devices "
                f"({', '.join(names)}); numsolve does not move data between devices "
                "implicitly - move them explicitly (numsolve.to_numpy / cupy.asarray) first"
            )
    return first_ns


def backend_name(xp) -> str:
    """Short name of a namespace: ``'numpy'``, ``'cupy'``, ``'array_api_strict'``, ..."""
    if array_api_compat.is_numpy_namespace(xp):
        return "numpy"
    if array_api_compat.is_cupy_namespace(xp):
        return "cupy"
    name = getattr(xp, "__name__", str(xp))
    return name.split(".")[0]


def is_numpy_namespace(xp) -> bool:
    """True for NumPy (plain or the ``array_api_compat`` wrapper)."""
    return array_api_compat.is_numpy_namespace(xp)


def is_cupy_namespace(xp) -> bool:
    """True for CuPy (plain or the ``array_api_compat`` wrapper)."""
    return array_api_compat.is_cupy_namespace(xp)


# --------------------------------------------------------------------------------------------
# explicit device moves
# --------------------------------------------------------------------------------------------
def to_numpy(x: Any) -> Any:
    """Explicitly move an array (or sparse matrix) to the host as NumPy/SciPy.

    Parameters
    ----------
    x : array, sparse matrix or None
        A NumPy, CuPy or other array-API array, or a SciPy / ``cupyx.scipy.sparse`` matrix.
        NumPy arrays and SciPy sparse matrices are returned as they are (no copy).

    Returns
    -------
    numpy.ndarray, scipy sparse matrix or None
        ``x`` on the host; CuPy arrays are copied with ``cupy.asnumpy``, CuPy sparse matrices
        with ``.get()``, other array-API arrays through DLPack.

    See Also
    --------
    to_namespace : move an array into a given namespace (host or device).

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve import to_numpy
    >>> to_numpy(np.arange(3.0))
    array([0., 1., 2.])
    """
    if x is None:
        return None
    if _sp.issparse(x) or isinstance(x, np.ndarray):
        return x
    if is_cupy_sparse(x):
        return x.get()
    if _cupy_loaded():
        import cupy

        if isinstance(x, cupy.ndarray):
            return cupy.asnumpy(x)
    if array_api_compat.is_array_api_obj(x):
        # array_api_strict & friends: go through the buffer/DLPack protocol
        try:
            return np.from_dlpack(x)
        except Exception:
            return np.asarray(x)
    return np.asarray(x)


def to_namespace(x: Any, xp) -> Any:
    """Explicitly move ``x`` into namespace ``xp`` (host to device or back).

    numsolve never moves data between devices on its own: results come back on the device of
    the input. Use this function (or :func:`to_numpy`) when you want a copy elsewhere.

    Parameters
    ----------
    x : array, sparse matrix or None
        The array (NumPy, CuPy or another array-API array) or sparse matrix to move.
    xp : module
        The target array namespace, e.g. ``numpy``, ``cupy`` or ``array_api_strict`` (or the
        namespace returned by ``array_api_compat.array_namespace``).

    Returns
    -------
    array, sparse matrix or None
        ``x`` in namespace ``xp``: a NumPy array or SciPy sparse matrix for NumPy, a CuPy
        array or ``cupyx.scipy.sparse`` CSR matrix for CuPy, ``xp.asarray(...)`` otherwise.
        ``None`` stays ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from numsolve import to_namespace
    >>> to_namespace([0.0, 1.0, 2.0], np)
    array([0., 1., 2.])
    >>> A = sp.eye(3, format="csr")
    >>> to_namespace(A, np) is A                      # host data stays as it is, no copy
    True

    On a machine with CuPy, ``to_namespace(A, cupy)`` returns a
    ``cupyx.scipy.sparse.csr_matrix`` and ``to_namespace(x, cupy)`` a ``cupy.ndarray``.
    """
    if x is None:
        return None
    if is_cupy_namespace(xp):
        import cupy

        if _sp.issparse(x):
            import cupyx.scipy.sparse as csp

            return csp.csr_matrix(x.tocsr())
        return cupy.asarray(x)
    if is_numpy_namespace(xp):
        return to_numpy(x)
    return xp.asarray(to_numpy(x))


# --------------------------------------------------------------------------------------------
# configuration report
# --------------------------------------------------------------------------------------------
def _version(name: str) -> str | None:
    if not module_available(name):
        return None
    try:
        from importlib.metadata import version

        dist = {"sklearn": "scikit-learn"}.get(name, name)
        return version(dist)
    except Exception:
        try:
            mod = importlib.import_module(name)  # pragma: no cover
            return getattr(mod, "__version__", "unknown")
        except Exception:  # pragma: no cover
            return "unknown"


def config_dict() -> dict:
    """Return the configuration reported by :func:`show_config` as a dictionary."""
    from ._version import __version__

    info: dict[str, Any] = {"numsolve": __version__, "python": sys.version.split()[0]}
    for name in ("numpy", "scipy", "numba", "array_api_compat"):
        info[name] = _version(name)
    info["numba_kernels"] = numba_available()
    if numba_available():
        import numba

        info["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    optional = {}
    for name in ("cupy", "array_api_strict", "pyamg", "sklearn", "tqdm", "dask", "torch"):
        optional[name] = _version(name)
    info["optional"] = optional
    info["cuda_device"] = cuda_available()
    if cuda_available():  # pragma: no cover - needs a GPU
        import cupy

        props = cupy.cuda.runtime.getDeviceProperties(0)
        info["cuda_device_name"] = props["name"].decode()
    return info


def show_config(mode: str = "stdout") -> dict | None:
    """Report the backends numsolve found: versions, Numba, CuPy and CUDA devices.

    Parameters
    ----------
    mode : {'stdout', 'dicts'}
        ``'stdout'`` prints a readable report (the default, like ``numpy.show_config``);
        ``'dicts'`` returns it as a dictionary instead.

    Returns
    -------
    dict or None
        With ``mode='dicts'``, the report: versions of numsolve's dependencies, whether the
        Numba kernels are enabled and with how many threads, the optional backends found and
        the CUDA devices. ``None`` with ``mode='stdout'``.

    Examples
    --------
    >>> import numsolve
    >>> cfg = numsolve.show_config(mode="dicts")
    >>> cfg["numba_kernels"] in (True, False)
    True
    """
    info = config_dict()
    if mode == "dicts":
        return info
    if mode != "stdout":
        raise ValueError(f"mode must be 'stdout' or 'dicts', got {mode!r}")
    w = 20
    threads = f" ({info.get('numba_threads')} threads)" if info["numba_kernels"] else ""
    rows = [("numsolve", info["numsolve"]), ("python", info["python"])]
    rows += [(name, info[name]) for name in ("numpy", "scipy", "numba", "array_api_compat")]
    rows.append(("numba kernels",
                 ("enabled" if info["numba_kernels"] else "disabled") + threads))
    lines = ["numsolve configuration", "======================"]
    lines += [f"{k:<{w}}{v}" for k, v in rows]
    lines.append("optional backends:")
    for name, ver in info["optional"].items():
        lines.append(f"  {name:<{w - 2}}{ver if ver else 'not installed'}")
    dev = info.get("cuda_device_name", "yes") if info["cuda_device"] else "none found"
    lines.append(f"{'CUDA device':<{w}}{dev}")
    print("\n".join(lines))
    return None
