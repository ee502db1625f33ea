"""AltMin half-steps on a Dask cluster (``numsolve.complete(..., client=)``, issue 18 item 2).

A half-step solves one independent ``k x k`` regression per row of one orientation of the
observations (the CSR of ``M`` for ``U``, of ``M^T`` for ``V``), so it distributes by rows,
the pattern of :func:`numsolve.linalg._distributed._mapper` (distribute outer work; data by
``scatter``, not inside the task graph):

* once per run, each orientation is cut into contiguous row blocks of about equal numbers of
  entries (one per worker thread by default) and each block's CSR slice is scattered to the
  workers, where it stays for the whole run;
* per half-step, the fixed factor ``D`` (and the offsets) is scattered once
  (``broadcast=True``), ``client.map`` runs :func:`~._halfstep.half_step` on every block, and
  the updated rows are gathered and stacked in row order.

The per-row arithmetic is the same as in-process (the kernels treat rows independently), and
the residuals are returned per row and summed in one array as in-process, so the run - and
every stopping decision - is identical to ``complete(...)`` without a client. The sketched
solver's CountSketch hashes ``seed + row + entry * C`` (``C`` the splitmix64 increment, mod
``2^64``) with global row and entry numbers; a block starting at row ``r0`` and entry ``e0``
therefore runs with the seed ``seed + r0 + e0 * C`` (mod ``2^64``, as an int64) and draws the
same sketch on its local numbering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._halfstep import StepOptions, half_step, make_side

__all__ = ["RemoteSide", "check_client", "n_blocks"]

_C = 0x9E3779B97F4A7C15  # the splitmix64 increment of the sketch hash (_kernels._hash)


def check_client(client: Any, xp) -> None:
    """``client`` must be a ``dask.distributed.Client`` (duck-typed) and the data on the host."""
    if not all(hasattr(client, a) for a in ("scatter", "map", "gather")):
        raise TypeError("client must be a dask.distributed.Client (with scatter, map and "
                        f"gather), got {type(client).__name__}")
    if "numpy" not in getattr(xp, "__name__", str(xp)):
        raise TypeError("client= distributes host (NumPy/SciPy) data only; got arrays of "
                        f"{getattr(xp, '__name__', xp)}")


def _block_seed(seed: int, r0: int, e0: int) -> int:
    """``seed + r0 + e0 * C`` modulo ``2^64`` as a signed 64-bit int (module docstring)."""
    v = (seed + r0 + e0 * _C) % (1 << 64)
    return v - (1 << 64) if v >= 1 << 63 else v


def _run_block(block: tuple, X, seed: int, D, off, step: StepOptions, want_rss: bool, k: int):
    """One row block's half-step on a worker: ``(X_block, rss per row, inner)``."""
    ptr, idx, val = block
    side = make_side(np, ptr, idx, val, k)
    return half_step(side, D, off, X, step, seed, want_rss, per_row=True)


def _gather(client, futures) -> list:
    from ..linalg._distributed import gather_all

    return gather_all(client, futures, "complete(client=...): a distributed half-step")


@dataclass
class _Block:
    r0: int
    r1: int
    e0: int
    data: Any  # the future of (ptr, idx, val) on the cluster


class RemoteSide:
    """One orientation of the observations, cut into row blocks that live on the cluster;
    :meth:`half_step` has the signature and results of :func:`~._halfstep.half_step`."""

    def __init__(self, client, ptr, idx, val, k: int, n_blocks: int):
        self.client, self.k = client, k
        self.numba = make_side(np, ptr[:1], idx[:0], val[:0], k).numba
        ptr = np.asarray(ptr)
        m, nnz = ptr.shape[0] - 1, int(ptr[-1])
        targets = [nnz * j // n_blocks for j in range(1, n_blocks)]
        cuts = np.unique(np.concatenate([[0], np.searchsorted(ptr, targets), [m]]))
        cuts = np.clip(cuts, 0, m)
        spans = [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a] or [(0, m)]
        local = [(ptr[a:b + 1] - ptr[a], np.asarray(idx[ptr[a]:ptr[b]]),
                  np.asarray(val[ptr[a]:ptr[b]])) for a, b in spans]
        futs = client.scatter(local)  # once per run: the blocks stay on the workers
        self.blocks = [_Block(a, b, int(ptr[a]), f) for (a, b), f in zip(spans, futs)]
        self.m = m

    def half_step(self, D, off, X, opts: StepOptions, seed: int, want_rss: bool = True):
        client = self.client
        D_f = client.scatter(np.ascontiguousarray(D, dtype=np.float64), broadcast=True)
        off_f = client.scatter(np.asarray(off, dtype=np.float64), broadcast=True)
        X = np.asarray(X, dtype=np.float64)
        X_f = client.scatter([X[b.r0:b.r1] for b in self.blocks])
        seeds = [_block_seed(seed, b.r0, b.e0) for b in self.blocks]
        futs = client.map(_run_block, [b.data for b in self.blocks], X_f, seeds, D=D_f,
                          off=off_f, step=opts, want_rss=want_rss, k=self.k, pure=False)
        outs = _gather(client, futs)
        Xn = np.concatenate([o[0] for o in outs], axis=0)
        rss = np.concatenate([np.atleast_1d(o[1]) for o in outs])
        return Xn, float(rss.sum()), max(int(o[2]) for o in outs)


def n_blocks(client, blocks: int | None) -> int:
    """Row blocks per orientation: ``blocks``, or one per worker thread of ``client``."""
    if blocks is not None:
        return int(blocks)
    from ..linalg._distributed import default_sequences

    return default_sequences(client)
