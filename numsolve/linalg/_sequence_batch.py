"""The ``solve_batch`` front door of sequences: ``recycle=``, ``sort=``, ``client=``.

:func:`solve_systems` turns every batch form of :func:`numsolve.solve_batch` into a list of
``(A_i, b_i[, context_i])`` systems and solves them with
:class:`~numsolve.linalg.SequenceSolver` in ``n_sequences`` independent sequences, in turn
(:func:`~numsolve.linalg._sequence.solve_chunks`) or on a Dask cluster
(:mod:`numsolve.linalg._distributed`). The ``solve_batch`` methods ``'defcg'`` and
``'gcrodr'`` are entry points to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._backend import is_array, is_sparse
from .._result import SolveResult
from ._distributed import solve_distributed
from ._sequence import _ALIASES, solve_chunks

__all__ = ["solve_systems", "solve_batch_defcg", "solve_batch_gcrodr"]


def solve_systems(A, B=None, X0=None, *, method: str | None = None, recycle: int | None = None,
                  sort: bool = False, feature: Callable | None = None, client: Any = None,
                  rtol: float = 1e-5, atol: float = 0.0, maxiter: int | None = None, M=None,
                  callback=None, **options) -> SolveResult:
    """``solve_batch(..., recycle=, sort=, client=)``: a :class:`SequenceSolver` over the batch
    (or, with ``client``, independent sequences on a Dask cluster)."""
    if callback is not None:
        raise ValueError("callback is not supported with recycle/sort/client")
    if X0 is not None:
        raise ValueError("X0 is not supported with recycle/sort/client (warm starts are "
                         "carried from system to system)")
    systems, columns = _as_system_list(A, B)
    method = "cg" if method is None else str(method).lower()
    method = _ALIASES.get(method, method)
    recycle = 10 if recycle is None else recycle
    kw = dict(recycle=recycle, rtol=rtol, atol=atol, maxiter=maxiter, M=M, **options)
    if client is not None or _is_dask(B):
        out = solve_distributed(systems, method, client=client, sort=sort, feature=feature,
                                **kw)
    else:
        n_seq = kw.pop("n_sequences", 1)
        out = solve_chunks(systems, method, n_seq, sort=sort, feature=feature, **kw)
    if columns:
        out["x"] = out["x"].T
    return out


def _entry(method: str, doc: str):
    def entry(A, B=None, X0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None,
              callback=None, recycle: int = 10, sort: bool = False, augment: int = 0,
              warm_start: bool = True, preconditioner=None, n_sequences: int = 1,
              **options) -> SolveResult:
        return solve_systems(A, B, X0, method=method, recycle=recycle, sort=sort, rtol=rtol,
                             atol=atol, maxiter=maxiter, M=M, callback=callback,
                             augment=augment, warm_start=warm_start,
                             preconditioner=preconditioner, n_sequences=n_sequences, **options)
    entry.__doc__ = doc
    entry.__name__ = f"solve_batch_{method}"
    return entry


solve_batch_defcg = _entry("defcg", """Deflated CG over a sequence of SPD systems
(``solve_batch(systems, method='defcg')``, same as ``method='cg', recycle=10``).

Options: ``recycle`` (k), ``sort``, ``augment``, ``warm_start``, ``preconditioner``,
``n_sequences``, ``n_store``; see :class:`~numsolve.linalg.SequenceSolver`.
""")
solve_batch_gcrodr = _entry("gcrodr", """GCRO-DR over a sequence of nonsymmetric systems
(``solve_batch(systems, method='gcrodr')``, same as ``method='gmres', recycle=10``).

Options as for ``'defcg'`` plus ``restart``.
""")


def _is_dask(v) -> bool:
    return type(v).__module__.startswith("dask.")


def _as_system_list(A, B) -> list:
    """The batch forms of ``solve_batch`` as a list of ``(A_i, b_i[, context])`` tuples."""
    if _is_dask(B):
        return [(A, B, None)], False  # resolved by the distributed path (shared A, dask rows)
    if B is None:
        if is_sparse(A) or is_array(A):
            raise TypeError("solve_batch(systems, recycle=...) without B expects an iterable "
                            "of (A, b) or (A, b, context) tuples")
        try:
            return list(A), False
        except TypeError:
            raise TypeError(f"systems must be an iterable of (A, b[, context]) tuples, got "
                            f"{type(A).__name__}") from None
    if isinstance(A, (list, tuple)) and A and not is_sparse(A[0]) and np.ndim(A[0]) == 1:
        A = np.asarray(A, dtype=float)  # one matrix written as nested lists, not a list of them
    if isinstance(B, (list, tuple)) and not isinstance(A, (list, tuple)):
        B = np.asarray(B, dtype=float)
    if isinstance(A, (list, tuple)) or getattr(A, "ndim", None) == 3:
        As = list(A) if isinstance(A, (list, tuple)) else [A[i] for i in range(A.shape[0])]
        bs = list(B) if isinstance(B, (list, tuple)) else [B[i] for i in range(B.shape[0])]
        if len(bs) != len(As):
            raise ValueError(f"B has {len(bs)} right-hand sides for {len(As)} systems")
        return list(zip(As, bs)), False
    if getattr(B, "ndim", None) == 2:  # one A, the columns of B (n, k)
        return [(A, B[:, j]) for j in range(B.shape[1])], True
    return [(A, B)], False
