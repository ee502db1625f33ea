"""Fixed block partitions (section 1.1 of the spec) and forest partitions (section 1.5).

* ``'order'``: consecutive indices; ``'sort'``: sort the coordinate Lipschitz constants
  ``L_i`` and cut the sorted list into groups of ``tau`` (the paper's recommended "FB");
  ``'avg'``: pair large ``L_i`` with small ones so every block has a similar average.
* ``'red-black'``: a colouring of a sparse quadratic's graph with no edge inside a colour
  (``Q_bb`` diagonal): the two colours of a bipartite graph (a lattice's checkerboard), else
  a greedy colouring (nodes visited in descending ``L_i``).
* ``'tree'``: disjoint forests; on a lattice the two comb forests, on general graphs the
  union-find forest partition (nodes in descending ``L_i``).
"""

from __future__ import annotations

import numpy as np

from ._message import bipartite_colouring, forest_partition, greedy_colouring

__all__ = ["fixed_blocks", "comb_forests", "graph_blocks"]


def fixed_blocks(kind: str, L: np.ndarray, tau: int) -> list[np.ndarray]:
    """Blocks of ``tau`` coordinates (the last may be smaller) by ``kind`` in
    ``('order', 'sort', 'avg')``; each block sorted."""
    n = L.size
    if kind == "order":
        perm = np.arange(n)
    elif kind == "sort":
        perm = np.argsort(-L, kind="stable")
    else:  # 'avg': deal the sorted list so each block takes from both ends
        srt = np.argsort(-L, kind="stable")
        nb = -(-n // tau)
        lo, hi = 0, n - 1
        buckets: list[list[int]] = [[] for _ in range(nb)]
        k = 0
        while lo <= hi:
            b = k % nb
            if len(buckets[b]) % 2 == 0:
                buckets[b].append(int(srt[lo]))
                lo += 1
            else:
                buckets[b].append(int(srt[hi]))
                hi -= 1
            k += 1
        return [np.sort(np.asarray(b, dtype=np.int64)) for b in buckets if b]
    return [np.sort(perm[i:i + tau]).astype(np.int64) for i in range(0, n, tau)]


def comb_forests(index: np.ndarray) -> list[np.ndarray]:
    """The two comb forests of an ``nrows x ncols`` lattice (``index[r, c]`` = variable of
    node ``(r, c)``, ``-1`` for a node that is not a variable): (i) the first row plus the
    even columns without their last row; (ii) the last row plus the odd columns without their
    first row."""
    nr, nc = index.shape
    rr, cc = np.meshgrid(np.arange(nr), np.arange(nc), indexing="ij")
    first = (rr == 0) | ((cc % 2 == 0) & (rr < nr - 1))
    out = []
    for mask in (first, ~first):
        v = index[mask]
        out.append(np.sort(v[v >= 0]).astype(np.int64))
    return [b for b in out if b.size]


def graph_blocks(kind: str, Q, L: np.ndarray, lattice: np.ndarray | None) -> list[np.ndarray]:
    """``'red-black'`` (two colours when the graph is bipartite, else greedy colouring) or
    ``'tree'`` (comb forests on a lattice, else the union-find forest partition) blocks of
    the graph of ``Q`` (CSC)."""
    visit = np.argsort(-L, kind="stable").astype(np.int64)
    if kind == "tree" and lattice is not None:
        return comb_forests(lattice)
    if kind == "red-black":
        labels, two = bipartite_colouring(Q.indptr, Q.indices, visit)
        if not two:  # an odd cycle: as few colours as the greedy order finds
            labels = greedy_colouring(Q.indptr, Q.indices, visit)
    else:
        labels = forest_partition(Q.indptr, Q.indices, visit)
    return [np.flatnonzero(labels == c).astype(np.int64) for c in range(int(labels.max()) + 1)]
