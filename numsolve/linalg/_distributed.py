"""Batches of related systems on a Dask cluster (``solve_batch(..., client=)``, dask arrays).

The batch is cut into independent *sequences* (contiguous pieces of the solve order, after
sorting when asked), and every sequence runs on a worker with its own
:class:`~numsolve.linalg.SequenceSolver` (its own warm starts and recycle space), through
``client.map`` (conventions section 7: distribute outer work, not Krylov steps). When every
system shares one operator ``A`` (one matrix, many right-hand sides, or a ``dask.array`` batch
of right-hand sides chunked along the batch axis), ``A`` is scattered to the workers once
(``client.scatter(A, broadcast=True)``) and only the right-hand sides travel.

Because each sequence is solved by the same deterministic code on any worker, the results are
identical to ``solve_batch(..., recycle=k, n_sequences=<the same pieces>)`` without a client.
A worker that dies mid-batch loses nothing: Dask re-runs its sequences on the survivors; if no
worker is left (or a sequence keeps failing), the batch raises a ``RuntimeError`` naming the
failure instead of returning a partial result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._result import SolveResult
from ._sequence import batch_result, solve_chunk, solve_chunks

__all__ = ["solve_distributed", "default_sequences", "gather_all"]


def default_sequences(client) -> int:
    """One sequence per worker thread of ``client`` (at least 1)."""
    try:
        info = client.scheduler_info()["workers"]
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))
    except Exception:  # pragma: no cover - a client without scheduler info
        return 1


def _solve_shared(items: list, A, method: str, kw: dict) -> SolveResult:
    """A sequence of right-hand sides (``(b, context)`` pairs) of one shared ``A``."""
    return solve_chunk([(A, b, c) for b, c in items], method, **kw)


def _solve_rows(B, A, method: str, kw: dict) -> SolveResult:
    """One chunk of a dask batch: the rows of ``B`` (``(m_i, n)``) as one sequence."""
    return solve_chunk([(A, B[i]) for i in range(B.shape[0])], method, **kw)


def gather_all(client, futures, what: str = "solve_batch(client=...): the distributed "
               "batch") -> list:
    """``client.gather`` that turns any failure into one ``RuntimeError`` naming ``what``."""
    try:
        return client.gather(futures)
    except Exception as exc:
        raise RuntimeError(
            f"{what} failed ({type(exc).__name__}: {exc}); no partial result is returned - "
            "re-run, or run without client"
        ) from exc


_gather = gather_all


def _mapper(client, method: str, kw: dict, shared) -> Callable:
    """``chunks -> results`` through ``client.map`` (``shared``: the one ``A``, scattered)."""

    def run(chunks: list) -> list:
        # the data go to the workers with scatter (not inside the task graph)
        if shared is not None:
            A_f = client.scatter(shared, broadcast=True)
            items = client.scatter([[(s[1], s[2] if len(s) == 3 else None) for s in c]
                                    for c in chunks])
            futs = client.map(_solve_shared, items, A=A_f, method=method, kw=kw, pure=False)
        else:
            futs = client.map(solve_chunk, client.scatter(chunks), method=method, pure=False,
                              **kw)
        return _gather(client, futs)

    return run


def _shared_operator(systems: list):
    A0 = systems[0][0]
    return A0 if len(systems) > 1 and all(s[0] is A0 for s in systems) else None


def _dask_batch(A, B, method: str, client, kw: dict) -> SolveResult:
    """A ``dask.array`` batch ``B`` of shape ``(m, n)`` (rows = right-hand sides of ``A``),
    one independent sequence per chunk of the batch axis."""
    import dask

    if B.ndim != 2 or len(B.chunks[1]) != 1:
        raise ValueError("a dask.array B must have shape (m, n), chunked along the batch "
                         "axis only (chunks=(k, n))")
    blocks = list(B.to_delayed().ravel())
    if client is not None:
        A_f = client.scatter(A, broadcast=True)
        block_f = client.compute(blocks)
        outs = _gather(client, client.map(_solve_rows, block_f, A=A_f, method=method, kw=kw,
                                          pure=False))
    else:
        outs = dask.compute(*[dask.delayed(_solve_rows)(blk, A, method, kw) for blk in blocks])
    results = [r for out in outs for r in out["results"]]
    out = batch_result(results, np.arange(len(results)), method)
    out["n_sequences"] = len(blocks)
    return out


def solve_distributed(systems: list, method: str, *, client: Any = None, sort: bool = False,
                      feature: Callable | None = None, **kw) -> SolveResult:
    """``solve_batch(..., client=)`` / dask-array batches (see the module docstring)."""
    if len(systems) == 1 and "dask" in type(systems[0][1]).__module__:
        if sort:
            raise ValueError("sort=True is not supported for a dask.array batch")
        kw.pop("n_sequences", None)
        return _dask_batch(systems[0][0], systems[0][1], method, client, kw)
    if client is None:  # pragma: no cover - solve_systems sends only these two cases here
        raise ValueError("client is required")
    n_seq = kw.pop("n_sequences", None)
    n_seq = default_sequences(client) if n_seq is None else n_seq
    shared = _shared_operator(systems)
    out = solve_chunks(systems, method, n_seq, sort=sort, feature=feature,
                       mapper=_mapper(client, method, kw, shared), **kw)
    return out
