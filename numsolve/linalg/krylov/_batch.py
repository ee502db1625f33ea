"""Batches of *different* systems for batched CG: a dense stack ``(m, n, n)`` or a list of sparse
matrices. Each system is one column of the CG engine's ``(n, m)`` block, with its own operator:

* :class:`StackedDenseOps` - batched matrix-vector products (``matmul`` on the stack), any
  array-API namespace (NumPy, CuPy, ...);
* :class:`MultiCSROps` - one Numba pass per iteration over all the CSR matrices.

Systems of different sizes in a sparse list are padded to the largest size with identity rows
and zero right-hand sides; the padding stays exactly zero through the iteration and is dropped
from the returned solutions.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..._backend import (
    get_namespace,
    is_array,
    is_linear_operator,
    is_numpy_namespace,
    is_sparse,
    numba_available,
)
from ..._result import SolveResult, wrap_callback
from ..._status import CONVERGED, batch_message
from .._system import LinearSystem, _check_array, _sparse_finite
from ._cg import ArrayOps, NumbaCSROps, cg_engine, check_engine_args, solve_batch_cg

__all__ = ["solve_batch_cg_any", "classify_batch"]


class StackedDenseOps(ArrayOps):
    """Column ``c`` of the block is multiplied by ``A[c]`` (a stack of dense matrices)."""

    def __init__(self, system: LinearSystem, stack):
        super().__init__(system)
        self.stack = stack
        self.cur = stack

    def set_active(self, active):
        xp = self.xp
        if active.size == self.stack.shape[0]:
            self.cur = self.stack
        else:
            self.cur = xp.take(self.stack, xp.asarray(active), axis=0)

    def _apply(self, V):
        xp = self.xp
        Vt = xp.permute_dims(V, (1, 0))[:, :, None]  # (g, n, 1)
        return xp.permute_dims(xp.matmul(self.cur, Vt)[:, :, 0], (1, 0))

    def residual(self, B, X):
        R = B - self._apply(X)
        return R, self._dot(R, R)

    def matmat_dot(self, P):
        Q = self._apply(P)
        return Q, self._dot(P, Q)


class MultiCSROps(NumbaCSROps):
    """Column ``c`` of the block is multiplied by CSR matrix ``sys_ids[c]`` (Numba)."""

    supports_steps = False  # one operator per column: the engine steps one iteration at a time

    def __init__(self, system: LinearSystem, mats):
        ArrayOps.__init__(self, system)
        from . import _cg_kernels as K

        self.K = K
        m = len(mats)
        n = system.n
        nnz = np.array([A.nnz for A in mats], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(nnz)])
        self.indptr = np.empty((m, n + 1), dtype=np.uint64)
        self.indices = np.empty(int(offsets[-1]), dtype=np.uint64)
        self.data = np.empty(int(offsets[-1]), dtype=system.dtype)
        for s, A in enumerate(mats):
            self.indptr[s] = A.indptr + offsets[s]
            self.indices[offsets[s]: offsets[s + 1]] = A.indices
            self.data[offsets[s]: offsets[s + 1]] = A.data
        self.ids = np.arange(m, dtype=np.int64)
        self.backend = "numba"
        self._one = False

    def set_active(self, active):
        self.ids = np.ascontiguousarray(active, dtype=np.int64)

    def norm_estimate(self):
        return float(np.sqrt(np.sum(np.abs(self.data) ** 2)))

    def residual(self, B, X):
        R = np.empty_like(X)
        rr = np.empty(X.shape[1])
        self.K.multi_csr_residual_colnorm(self.indptr, self.indices, self.data, self.ids,
                                          np.ascontiguousarray(B), X, R, rr)
        return R, rr

    def matmat_dot(self, P):
        Q = np.empty_like(P)
        pq = np.empty(P.shape[1])
        self.K.multi_csr_spmm_coldot(self.indptr, self.indices, self.data, self.ids, P, Q, pq)
        return Q, pq


def classify_batch(A) -> str:
    """``'shared'`` (one operator), ``'stack'`` (dense ``(m, n, n)``) or ``'list'``."""
    if isinstance(A, (list, tuple)):
        if not A:
            raise ValueError("A is an empty list of systems")
        return "list"
    if is_sparse(A) or is_linear_operator(A):
        return "shared"
    ndim = getattr(A, "ndim", None)
    if ndim is None:
        A = np.asarray(A)
        ndim = A.ndim
    if ndim == 3:
        return "stack"
    if ndim == 2:
        return "shared"
    raise ValueError(
        f"A must be one (n, n) operator, an (m, n, n) stack or a list of matrices; "
        f"got an array with {ndim} dimensions"
    )


def _batch_result(X, status, nit, hist, detail, backend) -> SolveResult:
    status = np.asarray(status)
    ok = status == CONVERGED
    msg = batch_message(status, detail, kind="linear")
    return SolveResult(x=X, success=ok, status=status, message=msg, nit=np.asarray(nit),
                       residual_norms=hist, backend=backend, method="cg")


def _prepare_stack(A, B, X0, check_finite):
    xp = get_namespace(A, B, X0)
    A = xp.asarray(A)
    if A.ndim != 3 or A.shape[1] != A.shape[2]:
        raise ValueError(f"a stack of systems A must have shape (m, n, n), got {tuple(A.shape)}")
    m, n = A.shape[0], A.shape[1]
    if m == 0 or n == 0:
        raise ValueError(f"A must not be empty, got shape {tuple(A.shape)}")
    _check_array(A, "A", xp, finite=check_finite)
    B = xp.asarray(B)
    _check_array(B, "B", xp, finite=check_finite)
    if tuple(B.shape) != (m, n):
        raise ValueError(f"B must have shape (m, n) = ({m}, {n}) for A of shape "
                         f"{tuple(A.shape)}, got {tuple(B.shape)}")
    dts = [A.dtype, B.dtype]
    if X0 is not None:
        X0 = xp.asarray(X0)
        _check_array(X0, "X0", xp, finite=check_finite)
        if tuple(X0.shape) != (m, n):
            raise ValueError(f"X0 must have the shape of B {(m, n)}, got {tuple(X0.shape)}")
        dts.append(X0.dtype)
    dts = [xp.float64 if xp.isdtype(d, "integral") else d for d in dts]
    dtype = xp.result_type(*dts)
    A = xp.astype(A, dtype)
    Bt = xp.astype(xp.permute_dims(B, (1, 0)), dtype, copy=True)
    X0t = None if X0 is None else xp.astype(xp.permute_dims(X0, (1, 0)), dtype, copy=True)
    system = LinearSystem(A=A, b=Bt, x0=X0t, M=None, xp=xp, n=n, k=m, dtype=dtype,
                          vector_input=False, kind="dense", matmat=None, psolve=None)
    return system, StackedDenseOps(system, A)


def _prepare_list(As, B, X0, check_finite):
    m = len(As)
    if isinstance(B, (list, tuple)):
        if len(B) != m:
            raise ValueError(f"B has {len(B)} right-hand sides for {m} systems")
        bs = list(B)
    else:
        Barr = np.asarray(B) if not is_array(B) else B
        if Barr.ndim != 2 or Barr.shape[0] != m:
            raise ValueError(f"B must have shape (m, n) with m = {m} systems, got "
                             f"{tuple(Barr.shape)}")
        bs = [Barr[i] for i in range(m)]
    xp = get_namespace(*As, *bs)
    if not is_numpy_namespace(xp):
        raise TypeError("a list of systems is supported for NumPy/SciPy inputs; on the GPU "
                        "stack dense systems as an (m, n, n) array")
    mats, sizes = [], []
    for i, A in enumerate(As):
        if is_linear_operator(A):
            raise TypeError(f"A[{i}] is a LinearOperator; a list of systems needs matrices")
        A = sp.csr_array(A) if not is_sparse(A) else A.tocsr()
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"A[{i}] must be square, got shape {A.shape}")
        if check_finite and not _sparse_finite(A):
            raise ValueError(f"A[{i}] contains NaN or inf")
        b = np.asarray(bs[i])
        _check_array(b, f"B[{i}]", np, finite=check_finite)
        if b.shape != (A.shape[0],):
            raise ValueError(f"B[{i}] has shape {b.shape}, expected ({A.shape[0]},) for A[{i}]")
        mats.append(A)
        sizes.append(A.shape[0])
        bs[i] = b
    x0s = None
    if X0 is not None:
        x0s = list(X0) if isinstance(X0, (list, tuple)) else [np.asarray(X0)[i] for i in range(m)]
        if len(x0s) != m:
            raise ValueError(f"X0 has {len(x0s)} entries for {m} systems")
        for i, x in enumerate(x0s):
            x = np.asarray(x)
            _check_array(x, f"X0[{i}]", np, finite=check_finite)
            if x.shape != (sizes[i],):
                raise ValueError(f"X0[{i}] has shape {x.shape}, expected ({sizes[i]},)")
            x0s[i] = x
    dts = [A.dtype for A in mats] + [b.dtype for b in bs] + [x.dtype for x in (x0s or [])]
    dtype = np.result_type(np.float32, *[np.float64 if np.dtype(d).kind in "iub" else d
                                         for d in dts])
    n = max(sizes)
    padded = []
    for A, sz in zip(mats, sizes):
        A = A.astype(dtype)
        if sz < n:
            A = sp.block_diag([A, sp.identity(n - sz, dtype=dtype)], format="csr")
        A = sp.csr_array(A)
        A.sum_duplicates()
        padded.append(A)
    Bt = np.zeros((n, m), dtype=dtype)
    for i, b in enumerate(bs):
        Bt[: sizes[i], i] = b
    X0t = None
    if x0s is not None:
        X0t = np.zeros((n, m), dtype=dtype)
        for i, x in enumerate(x0s):
            X0t[: sizes[i], i] = x
    xp_np = get_namespace(np.empty(0))
    if numba_available() and np.dtype(dtype) in (np.float32, np.float64):
        system = LinearSystem(A=padded, b=Bt, x0=X0t, M=None, xp=xp_np, n=n, k=m, dtype=dtype,
                              vector_input=False, kind="sparse", matmat=None, psolve=None)
        return system, MultiCSROps(system, padded), sizes
    # complex systems, or Numba off: the systems as a dense stack (the array-API path)
    stack = np.stack([A.toarray() for A in padded])
    system = LinearSystem(A=stack, b=Bt, x0=X0t, M=None, xp=xp_np, n=n, k=m, dtype=dtype,
                          vector_input=False, kind="dense", matmat=None, psolve=None)
    return system, StackedDenseOps(system, stack), sizes


def solve_batch_cg_any(A, B, X0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None,
                       callback=None, true_residual_every: int = 50,
                       use_numba: bool | None = None, group_size: int | None = None,
                       threads: int | None = None, check_finite: bool = True) -> SolveResult:
    """Batched CG over any batch form (see :func:`numsolve.solve_batch`)."""
    form = classify_batch(A)
    if form == "shared":
        return solve_batch_cg(A, B, X0, rtol=rtol, atol=atol, maxiter=maxiter, M=M,
                              callback=callback, true_residual_every=true_residual_every,
                              use_numba=use_numba, group_size=group_size, threads=threads,
                              check_finite=check_finite)
    if M is not None:
        raise ValueError("M (a shared preconditioner) is only supported with one shared "
                         "operator A; pass systems already preconditioned")
    if form == "stack":
        system, ops = _prepare_stack(A, B, X0, check_finite)
        sizes = None
    else:
        system, ops, sizes = _prepare_list(list(A), B, X0, check_finite)
    tol, maxiter, true_residual_every = check_engine_args(system, rtol, atol, maxiter,
                                                          true_residual_every)
    xp = system.xp
    X = system.x0 if system.x0 is not None else ops.zeros((system.n, system.k))
    notify = wrap_callback(callback)
    if notify is not None:
        user_notify = notify

        def notify(inter):  # report (m, n) iterates, batch first
            inter["x"] = xp.permute_dims(inter["x"], (1, 0))
            return user_notify(inter)

    out = cg_engine(ops, system.b, X, tol, maxiter, notify=notify,
                    true_residual_every=true_residual_every)
    Xt = xp.permute_dims(X, (1, 0))
    if sizes is not None:
        if len(set(sizes)) == 1:
            Xt = np.ascontiguousarray(Xt)
        else:
            Xt = [np.array(Xt[i, : sizes[i]]) for i in range(system.k)]
    return _batch_result(Xt, out["status"], out["nit"], np.asarray(out["history"]),
                         out["detail"], ops.backend)
