"""Message passing for forest-structured blocks of sparse quadratics (section 1.5 of the spec).

For ``f(x) = x^T Q x / 2 - c^T x`` (``Q`` sparse SPD, CSC) and a block ``b`` whose induced
graph (edge ``i - j`` when ``Q_ij != 0``) is a forest, the exact block update solves
``Q_bb d = -g_b`` (``g = Q x - c``) by Gaussian elimination on the trees: no fill-in,
``O(|b|)`` work after an ``O(nnz(Q[:, b]))`` pass to find the tree edges. This is Gaussian
belief propagation, exact on trees:

1. order the nodes of each tree by BFS from a root (parent array ``par``);
2. leaves first (reverse BFS order): ``Q_pp -= Q_pc^2 / Q_cc``, ``rhs_p -= Q_pc rhs_c / Q_cc``;
3. roots: ``d_root = rhs_root / Q_root,root``; BFS order: ``d_c = (rhs_c - Q_cp d_p) / Q_cc``.

Returned flags: ``0`` solved, ``1`` the block is not a forest (a cycle was met), ``2`` a pivot
was not positive (``Q_bb`` not SPD), ``3`` non-finite values.
"""

from __future__ import annotations

import numba as nb
import numpy as np

NOT_FOREST, NOT_SPD, NONFINITE = 1, 2, 3


@nb.njit(cache=True)
def forest_order(indptr, indices, data, block, pos, order, par, off):
    """BFS order of the forest induced by ``block`` (local indices in ``order``), the local
    parent of each node (``-1`` for roots) and ``off[c] = Q[c, par[c]]``. ``pos`` maps a
    global index to its local one (``-1`` outside the block; left clean). Returns ``0`` or
    ``NOT_FOREST``."""
    m = block.size
    for i in range(m):
        pos[block[i]] = i
        par[i] = -2  # unvisited
    head = 0
    tail = 0
    flag = 0
    for s in range(m):
        if par[s] != -2:
            continue
        par[s] = -1
        off[s] = 0.0
        order[tail] = s
        tail += 1
        while head < tail:
            u = order[head]
            head += 1
            gu = block[u]
            for p in range(indptr[gu], indptr[gu + 1]):
                v = pos[indices[p]]
                if v < 0 or v == u or data[p] == 0.0:
                    continue
                if par[v] == -2:
                    par[v] = u
                    off[v] = data[p]
                    order[tail] = v
                    tail += 1
                elif v != par[u]:
                    flag = NOT_FOREST  # an edge to a visited non-parent: a cycle
    for i in range(m):
        pos[block[i]] = -1
    return flag


@nb.njit(cache=True)
def tree_solve(order, par, off, diag, rhs, out):
    """Solve the tree-structured SPD system (``diag``: ``Q_bb``'s diagonal, ``off``: the
    tree edges) by leaf-to-root elimination and back-substitution (steps 2-3). ``diag`` and
    ``rhs`` are overwritten. Returns ``0``, ``NOT_SPD`` or ``NONFINITE``."""
    m = order.size
    for t in range(m - 1, -1, -1):  # step 2: leaves first
        c = order[t]
        p = par[c]
        if not diag[c] > 0.0:
            return NOT_SPD if diag[c] <= 0.0 else NONFINITE
        if p >= 0:
            a = off[c]
            diag[p] -= a * a / diag[c]
            rhs[p] -= a * rhs[c] / diag[c]
    for t in range(m):  # step 3: roots, then down the trees
        c = order[t]
        p = par[c]
        if p < 0:
            out[c] = rhs[c] / diag[c]
        else:
            out[c] = (rhs[c] - off[c] * out[p]) / diag[c]
        if not np.isfinite(out[c]):
            return NONFINITE
    return 0


@nb.njit(cache=True)
def forest_block_step(indptr, indices, data, qdiag, block, g, pos, work_i, work_f, out):
    """Exact block update ``out = -Q_bb^{-1} g_b`` for a forest block (``O(nnz(Q[:, b]))``).
    ``work_i`` (int, ``2 |b|``) and ``work_f`` (float, ``3 |b|``) are scratch. Returns a
    flag (module notes)."""
    m = block.size
    order = work_i[:m]
    par = work_i[m:2 * m]
    off = work_f[:m]
    dg = work_f[m:2 * m]
    rhs = work_f[2 * m:3 * m]
    flag = forest_order(indptr, indices, data, block, pos, order, par, off)
    if flag != 0:
        return flag
    for i in range(m):
        dg[i] = qdiag[block[i]]
        rhs[i] = -g[block[i]]
    return tree_solve(order, par, off, dg, rhs, out)


# ----------------------------------------------------------------------------------------------
# forest construction: greedy colouring, union-find forest partitions, greedy forest growth
# ----------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def _find(uf, a):
    while uf[a] != a:
        uf[a] = uf[uf[a]]
        a = uf[a]
    return a


@nb.njit(cache=True)
def greedy_colouring(indptr, indices, visit):
    """Colour nodes in the order ``visit`` with the smallest colour no neighbour has (red-black
    on a lattice); returns the colour of every node. (The SOR module's colouring visits in
    natural order; the BCD spec visits in descending ``L_i``.)"""
    n = indptr.size - 1
    colour = np.full(n, -1, np.int64)
    used = np.full(n + 1, -1, np.int64)
    for v in visit:
        for p in range(indptr[v], indptr[v + 1]):
            u = indices[p]
            if u != v and colour[u] >= 0:
                used[colour[u]] = v
        c = 0
        while used[c] == v:
            c += 1
        colour[v] = c
    return colour


@nb.njit(cache=True)
def bipartite_colouring(indptr, indices, visit):
    """Two-colour the graph by breadth-first search from the nodes of ``visit`` in order
    (a true red-black colouring of a lattice); returns ``(colour, ok)``, ``ok`` False when
    an odd cycle makes two colours impossible."""
    n = indptr.size - 1
    colour = np.full(n, -1, np.int64)
    queue = np.empty(n, np.int64)
    for s in visit:
        if colour[s] >= 0:
            continue
        colour[s] = 0
        head, tail = 0, 1
        queue[0] = s
        while head < tail:
            v = queue[head]
            head += 1
            for p in range(indptr[v], indptr[v + 1]):
                u = indices[p]
                if u == v:
                    continue
                if colour[u] < 0:
                    colour[u] = 1 - colour[v]
                    queue[tail] = u
                    tail += 1
                elif colour[u] == colour[v]:
                    return colour, False
    return colour, True


@nb.njit(cache=True)
def _joins_as_forest(indptr, indices, v, label, which, uf, roots):
    """Can ``v`` join forest ``which`` without closing a cycle? (its neighbours already in
    that forest lie in different trees); returns the number of those roots (-1: no)."""
    nr = 0
    for p in range(indptr[v], indptr[v + 1]):
        u = indices[p]
        if u == v or label[u] != which:
            continue
        r = _find(uf, u)
        for q in range(nr):
            if roots[q] == r:
                return -1
        roots[nr] = r
        nr += 1
    return nr


@nb.njit(cache=True)
def forest_partition(indptr, indices, visit):
    """Split the nodes into disjoint forests: visit nodes (descending ``L_i``) and put each
    into the first forest where it closes no cycle (union-find). Returns the forest label of
    every node."""
    n = indptr.size - 1
    label = np.full(n, -1, np.int64)
    uf = np.arange(n)
    roots = np.empty(n + 1, np.int64)
    for v in visit:
        f = 0
        while True:
            nr = _joins_as_forest(indptr, indices, v, label, f, uf, roots)
            if nr >= 0:
                label[v] = f
                for q in range(nr):
                    uf[roots[q]] = v
                break
            f += 1
    return label


@nb.njit(cache=True)
def greedy_forest(indptr, indices, visit, cap, label, uf, roots):
    """Grow one forest block greedily ("GSTree"): visit nodes in ``visit`` (best score first)
    and keep each that closes no cycle, up to ``cap`` nodes. ``label`` (all -1) and ``uf``
    are scratch, left clean. Returns the block (sorted)."""
    out = np.empty(min(cap, visit.size), np.int64)
    m = 0
    for v in visit:
        if m >= cap:
            break
        uf[v] = v
        nr = _joins_as_forest(indptr, indices, v, label, 1, uf, roots)
        if nr >= 0:
            label[v] = 1
            for q in range(nr):
                uf[roots[q]] = v
            out[m] = v
            m += 1
    for i in range(m):
        label[out[i]] = -1
        uf[out[i]] = out[i]
    return np.sort(out[:m])
