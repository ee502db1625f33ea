"""Validation and normalisation of linear systems ``A x = b`` for every linear solver.

:func:`prepare_system` turns user input (dense arrays, sparse matrices, ``LinearOperator``,
preconditioners given as matrix/operator/callable) into a :class:`LinearSystem`: validated shapes,
dtypes and finiteness, the working dtype, the namespace, and ``matmat``/``psolve`` functions
that act on ``(n, k)`` blocks. Every check raises an error naming the offending argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._backend import (
    backend_name,
    get_namespace,
    is_array,
    is_linear_operator,
    is_numpy_namespace,
    is_sparse,
    numba_available,
    to_numpy,
)
from .._checks import check_maxiter, check_tolerances

__all__ = ["LinearSystem", "prepare_system", "check_tolerances", "check_maxiter"]


def _dtype_kind_ok(dtype, xp) -> bool:
    try:
        return bool(xp.isdtype(dtype, ("integral", "real floating", "complex floating")))
    except Exception:
        return np.dtype(dtype).kind in "iufc"


def _as_float_dtype(dtype, xp):
    """Integer dtypes compute in float64 (as SciPy does)."""
    if xp.isdtype(dtype, "integral"):
        return xp.float64
    return dtype


def _check_array(x, name: str, xp, *, finite: bool = True):
    if not _dtype_kind_ok(x.dtype, xp):
        raise TypeError(
            f"{name} must have a numeric (integer, real or complex) dtype, got {x.dtype}"
        )
    if finite and x.shape and not bool(xp.all(xp.isfinite(x))):
        raise ValueError(f"{name} contains NaN or inf")
    return x


def _sparse_finite(A) -> bool:
    data = A.data
    if is_numpy_namespace(get_namespace(A)):
        return bool(np.isfinite(data).all())
    return bool(get_namespace(A).all(get_namespace(A).isfinite(data)))


# --------------------------------------------------------------------------------------------
# the system
# --------------------------------------------------------------------------------------------
@dataclass
class LinearSystem:
    """A validated linear system (internal)."""

    A: Any
    b: Any  # (n, k) block in the working dtype (a fresh array; never the caller's)
    x0: Any  # (n, k) initial guess (fresh array) or None
    M: Any
    xp: Any
    n: int
    k: int
    dtype: Any
    vector_input: bool  # b was 1-D (or (n,1) for solve): return a 1-D x
    kind: str  # 'dense' | 'sparse' | 'operator'
    matmat: Callable[[Any], Any]
    psolve: Callable[[Any], Any] | None

    @property
    def backend(self) -> str:
        return backend_name(self.xp)

    @property
    def numba_csr(self):
        """``(indptr, indices, data)`` of a host CSR copy usable by Numba kernels, or None."""
        if not (numba_available() and self.kind == "sparse" and is_numpy_namespace(self.xp)):
            return None
        if np.dtype(self.dtype) not in (np.float32, np.float64):
            return None
        A = self.A
        if A.format != "csr":
            A = A.tocsr()
        if A.data.dtype != self.dtype:
            A = A.astype(self.dtype)
        if not A.has_canonical_format:
            A = A.copy()
            A.sum_duplicates()
        # 32-bit indices halve the index traffic of every SpMV when they fit; unsigned indices
        # spare the kernels Numba's negative-index wraparound test on every gather
        itype = np.uint32 if A.nnz < 2**32 - 1 and self.n < 2**32 - 1 else np.uint64
        return (
            np.ascontiguousarray(A.indptr, dtype=itype),
            np.ascontiguousarray(A.indices, dtype=itype),
            np.ascontiguousarray(A.data),
        )


def _operator_shape(A) -> tuple[int, ...]:
    shape = getattr(A, "shape", None)
    if shape is None:
        raise TypeError(
            "A must be an array, a sparse matrix or a LinearOperator, "
            f"got {type(A).__name__}"
        )
    return tuple(int(s) for s in shape)


def _make_matmat(A, kind: str, xp):
    if kind == "operator":
        def matmat(V):
            return A.matvec(V[:, 0])[:, None] if V.shape[1] == 1 else A.matmat(V)

        return matmat

    def matmat(V):
        return A @ V

    return matmat


def _make_psolve(M, n: int, xp, dtype):
    if M is None:
        return None
    if is_linear_operator(M):
        shape = _operator_shape(M)
        if shape != (n, n):
            raise ValueError(f"M must have shape ({n}, {n}) like A, got {shape}")

        def psolve(R):
            if R.shape[1] == 1:
                return xp.reshape(xp.asarray(M.matvec(R[:, 0])), (n, 1))
            return xp.asarray(M.matmat(R))

        return psolve
    if is_sparse(M) or is_array(M):
        if not is_sparse(M):
            M = xp.asarray(M)
        shape = tuple(M.shape)
        if shape != (n, n):
            raise ValueError(f"M must have shape ({n}, {n}) like A, got {shape}")
        if is_sparse(M):
            if not _sparse_finite(M):
                raise ValueError("M contains NaN or inf")
        else:
            _check_array(M, "M", xp)
            if M.dtype != dtype and _dtype_kind_ok(M.dtype, xp):
                M = xp.astype(M, dtype) if not xp.isdtype(M.dtype, "complex floating") else M

        def psolve(R):
            return M @ R

        return psolve
    if callable(M):
        def psolve(R):
            cols = []
            for j in range(R.shape[1]):
                z = M(R[:, j])
                if not hasattr(z, "shape") or tuple(z.shape) not in ((n,), (n, 1)):
                    got = getattr(z, "shape", type(z).__name__)
                    raise ValueError(
                        f"preconditioner M returned an object of shape {got}; expected ({n},)"
                    )
                cols.append(xp.reshape(xp.asarray(z), (n,)))
            return xp.stack(cols, axis=1)

        return psolve
    raise TypeError(
        "M must be None, an array, a sparse matrix, a LinearOperator or a callable, "
        f"got {type(M).__name__}"
    )


def prepare_system(
    A, b, x0=None, M=None, *, block: bool = False, check_finite: bool = True
) -> LinearSystem:
    """Validate ``A x = b`` and return a :class:`LinearSystem`.

    Parameters
    ----------
    A : array, sparse matrix or LinearOperator, shape (n, n)
    b : array, shape (n,) or (n, 1); with ``block=True`` also (n, k)
    x0 : array, optional, same shape as ``b``
    M : array, sparse matrix, LinearOperator or callable, optional
        Approximation of ``A^{-1}`` (SciPy's convention).
    block : bool
        Accept ``b`` with several columns.
    check_finite : bool
        Reject NaN/inf in ``A`` (dense or sparse data), ``b`` and ``x0``.
    """
    if b is None:
        raise TypeError("b must be an array, got None")
    if callable(A) and not (is_linear_operator(A) or is_sparse(A) or is_array(A)):
        raise TypeError(
            "A must be an array, a sparse matrix or a LinearOperator; wrap a function with "
            "scipy.sparse.linalg.LinearOperator(shape, matvec=f)"
        )
    xp = get_namespace(A, b, x0, M)

    # ---- A
    if is_linear_operator(A):
        kind = "operator"
    elif is_sparse(A):
        kind = "sparse"
    else:
        kind = "dense"
        if isinstance(A, np.matrix):
            A = np.asarray(A)
        try:
            A = xp.asarray(A)
        except Exception as exc:
            raise TypeError(f"A could not be converted to an array: {exc}") from None
    shape = _operator_shape(A)
    if len(shape) != 2:
        raise ValueError(f"A must be 2-D (n, n), got shape {shape}")
    if shape[0] != shape[1]:
        raise ValueError(f"A must be square, got shape {shape}")
    n = shape[0]
    if n == 0:
        raise ValueError("A must not be empty")
    if kind == "dense":
        _check_array(A, "A", xp, finite=check_finite)
    elif kind == "sparse":
        if not _dtype_kind_ok(A.dtype, xp):
            raise TypeError(f"A must have a numeric dtype, got {A.dtype}")
        if check_finite and not _sparse_finite(A):
            raise ValueError("A contains NaN or inf")

    # ---- b
    try:
        b = xp.asarray(b)
    except Exception as exc:
        raise TypeError(f"b could not be converted to an array: {exc}") from None
    _check_array(b, "b", xp, finite=check_finite)
    if b.ndim == 1:
        if b.shape[0] != n:
            raise ValueError(f"b has shape {tuple(b.shape)}, incompatible with A of shape {shape}")
        vector_input = True
        b2 = xp.reshape(b, (n, 1))
    elif b.ndim == 2 and b.shape[0] == n and (block or b.shape[1] == 1):
        vector_input = not block
        b2 = b
    else:
        hint = " (use numsolve.solve_batch for several right-hand sides)" if b.ndim == 2 else ""
        expected = "(n,) or (n, k)" if block else "(n,) or (n, 1)"
        raise ValueError(
            f"b has shape {tuple(b.shape)}, expected {expected} with n = {n}{hint}"
        )
    k = b2.shape[1]

    # ---- dtype
    dtypes = [b2.dtype]
    A_dtype = getattr(A, "dtype", None)
    if A_dtype is not None:
        if kind == "operator":
            A_dtype = np.dtype(A_dtype) if is_numpy_namespace(xp) else A_dtype
        dtypes.append(A_dtype)
    if x0 is not None:
        x0 = xp.asarray(x0)
        _check_array(x0, "x0", xp, finite=check_finite)
        dtypes.append(x0.dtype)
    float_dtypes = [_as_float_dtype(d, xp) for d in dtypes]
    try:
        dtype = xp.result_type(*float_dtypes)
    except TypeError:
        dtype = np.result_type(*[np.dtype(str(d)) for d in float_dtypes])
    b2 = xp.astype(b2, dtype, copy=True)

    if x0 is not None:
        if tuple(x0.shape) not in ((n, k), (n,) if k == 1 else (n, k)):
            raise ValueError(f"x0 has shape {tuple(x0.shape)}, expected the shape of b "
                             f"{tuple(b.shape)}")
        x0_2 = xp.reshape(x0, (n, 1)) if x0.ndim == 1 else x0
        x0 = xp.astype(x0_2, dtype, copy=True)

    if kind == "dense" and A.dtype != dtype:
        A = xp.astype(A, dtype)
    elif kind == "sparse" and A.dtype != dtype:
        A = A.astype(dtype)

    matmat = _make_matmat(A, kind, xp)
    psolve = _make_psolve(M, n, xp, dtype)
    return LinearSystem(
        A=A, b=b2, x0=x0, M=M, xp=xp, n=n, k=k, dtype=dtype, vector_input=vector_input,
        kind=kind, matmat=matmat, psolve=psolve,
    )


def host_scalars(v, xp) -> np.ndarray:
    """Copy a small device vector of reductions to a host float64 array."""
    return np.asarray(to_numpy(v), dtype=np.float64).reshape(-1)


def is_scipy_sparse(A) -> bool:
    return sp.issparse(A)


# --------------------------------------------------------------------------------------------
# the front doors' shared checks (solve, solve_batch, lstsq): every method gets them
# --------------------------------------------------------------------------------------------
def _as_operand(x, name: str):
    """Python lists/tuples and ``np.matrix`` become NumPy arrays; arrays of any namespace,
    sparse matrices and operators pass unchanged."""
    if isinstance(x, np.matrix):
        return np.asarray(x)
    if isinstance(x, (list, tuple)):
        try:
            return np.asarray(x)
        except Exception as exc:
            raise TypeError(f"{name} could not be converted to an array: {exc}") from None
    return x


def _check_guess(x0, name: str, shapes: tuple, what: str):
    """Validate an initial guess against its allowed shapes; returns it as an array."""
    if x0 is None:
        return None
    xp = get_namespace(x0)
    try:
        x0 = xp.asarray(_as_operand(x0, name))
    except Exception as exc:
        raise TypeError(f"{name} could not be converted to an array: {exc}") from None
    _check_array(x0, name, xp)
    if tuple(x0.shape) not in shapes:
        raise ValueError(f"{name} has shape {tuple(x0.shape)}, expected {what}")
    return x0


def _check_preconditioner_shape(M, n: int) -> None:
    if M is None or not (is_linear_operator(M) or is_sparse(M) or is_array(M)
                         or isinstance(M, (np.ndarray, list, tuple))):
        return
    shape = tuple(np.shape(M)) if isinstance(M, (list, tuple)) else _operator_shape(M)
    if shape != (n, n):
        raise ValueError(f"M must have shape ({n}, {n}) like A, got {shape}")


def check_solve_args(A, b, x0, rtol, atol, maxiter, M):
    """The checks of :func:`numsolve.solve` shared by every method, made once before dispatch.

    Tolerances and ``maxiter`` are validated; lists become arrays; ``x0`` (finite, shape
    ``(n,)`` or ``(n, 1)``) and an array/operator ``M`` (shape ``(n, n)``) are checked against
    ``A`` when ``A`` is a square operator. The method checks the rest (:func:`prepare_system`).
    Returns ``(A, b, x0)``.
    """
    check_tolerances(rtol, atol)
    check_maxiter(maxiter, None)
    A, b = _as_operand(A, "A"), _as_operand(b, "b")
    shape = getattr(A, "shape", None)
    if shape is not None and len(shape) == 2 and shape[0] == shape[1]:
        n = int(shape[0])
        x0 = _check_guess(x0, "x0", ((n,), (n, 1)), f"({n},) like the columns of A")
        _check_preconditioner_shape(M, n)
    else:
        x0 = _as_operand(x0, "x0")
    return A, b, x0


def check_batch_args(A, B, X0, rtol, atol, maxiter, M):
    """The checks of :func:`numsolve.solve_batch` shared by every method (see
    :func:`check_solve_args`); ``X0`` must be finite and, with one shared ``(n, n)`` operator,
    of the shape of ``B``. Returns ``(A, B, X0)``."""
    check_tolerances(rtol, atol)
    check_maxiter(maxiter, None)
    if isinstance(A, np.matrix):
        A = np.asarray(A)
    B = _as_operand(B, "B") if isinstance(B, np.matrix) else B
    shape = getattr(A, "shape", None)
    shared = shape is not None and len(shape) == 2 and shape[0] == shape[1]
    if shared and B is not None:
        n = int(shape[0])
        B = _as_operand(B, "B")
        bshape = tuple(getattr(B, "shape", ()))
        X0 = _check_guess(X0, "X0", (bshape,), f"{bshape}, the shape of B")
        _check_preconditioner_shape(M, n)
    elif X0 is not None and not isinstance(X0, (list, tuple)):
        X0 = _check_guess(X0, "X0", (tuple(X0.shape),), "")
    return A, B, X0


def check_lstsq_args(A, b, x0, rtol, atol, maxiter):
    """The checks of :func:`numsolve.lstsq` shared by every method: tolerances, ``maxiter``,
    and a finite ``x0`` of shape ``(d,)`` for ``A`` of shape ``(n, d)``. Returns ``(b, x0)``."""
    check_tolerances(rtol, atol)
    check_maxiter(maxiter, None)
    shape = getattr(A, "shape", None)
    if shape is not None and len(shape) == 2:
        d = int(shape[1])
        x0 = _check_guess(x0, "x0", ((d,),), f"({d},) for A of shape {tuple(shape)}")
    return _as_operand(b, "b"), x0
