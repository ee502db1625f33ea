"""Forest partitions on the label-propagation lattice: predicted and measured rates (issue #15).

For ``f(x) = x^T Q x / 2 - c^T x`` from :func:`numsolve.problems.label_propagation` and a
fixed set of forest blocks ``b_1..b_m`` swept cyclically with the exact block update
(message passing, :func:`numsolve.optimize.bcd._message.forest_block_step`, the library's
own kernel), the error ``e = x - x*`` obeys ``e <- S e`` per sweep, with ``S`` the sweep
applied to the problem with ``c = 0``. Its spectral radius ``rho_sweep`` (ARPACK on ``S`` as a
linear operator, checked against plain power iteration) gives the per-iteration rate
``rho = rho_sweep^(1/m)``, and since ``f - f* = e^T Q e / 2`` decays like ``rho^(2k)`` the
predicted iteration ratio of two partitions is ``log rho_rb / log rho_forest``.

Partitions (every block a forest of the lattice graph; one block per iteration):

* ``red-black``: the library's greedy colouring (``Q_bb`` diagonal);
* ``checkerboard``: the 2-colouring by ``(r + col) mod 2`` (the greedy colouring above
  visits nodes in descending ``L_i`` and needs a third colour near the boundary and the
  labelled nodes);
* ``comb``: the library's two comb forests (``partition='tree'``);
* ``comb4``: the two combs and the two transposed combs, cyclic over 4 blocks;
* ``staircase``: three forests, forest ``c`` deletes the anti-diagonals ``i + j = c mod 3``;
  each is a set of zigzag paths covering 2/3 of the nodes (every node lies in two forests;
  the densest induced forests of the lattice have density about 2/3);
* ``union-find``: the library's forest partition for general graphs (nodes in descending
  ``L_i``, each into the first forest where it closes no cycle);
* ``*-gsq``: the same forests chosen greedily each iteration by the exact progress
  ``g_b^T Q_bb^{-1} g_b / 2`` (the GSQ rule over a fixed set of blocks; one tree solve per
  candidate, so it is a bound on what any greedy forest choice can do).

Iterations are counted as in ``minimize(method='bcd')``: one block update = one iteration,
``x0 = 0``, until ``(f - f*) / |f*| <= 1e-8`` (``f*`` from a sparse direct solve).

Usage::

    python -m asv_benchmarks.compare.bcd_lattice            # 32, 64, 128, 256 and recipe D
    python -m asv_benchmarks.compare.bcd_lattice --quick    # 32 x 32 and recipe D
    python -m asv_benchmarks.compare.bcd_lattice --variants --sides 64  # overlapping covers
"""

from __future__ import annotations

import numpy as np
import scipy.sparse.linalg as spla

from numsolve.optimize.bcd._message import forest_block_step
from numsolve.optimize.bcd._partitions import comb_forests, graph_blocks
from numsolve.problems import label_propagation

from ._common import parser, section, start


def staircase_forests(index: np.ndarray) -> list[np.ndarray]:
    """Three forests of an ``nrows x ncols`` lattice: forest ``c`` keeps the nodes with
    ``(r + col) mod 3 != c`` (two adjacent anti-diagonals form one zigzag path)."""
    nr, nc = index.shape
    rr, cc = np.meshgrid(np.arange(nr), np.arange(nc), indexing="ij")
    out = []
    for c in range(3):
        v = index[(rr + cc) % 3 != c]
        out.append(np.sort(v[v >= 0]).astype(np.int64))
    return out


def partitions(q, variants: bool = False) -> dict:
    """``{name: list of forest blocks}`` for a lattice quadratic ``q``; ``variants`` adds the
    overlapping covers ``staircase6`` (the staircases of both diagonal directions),
    ``staircase-sym`` (forests 1, 2, 3, 2) and ``comb+staircase``."""
    L = np.asarray(q.Q.diagonal())
    comb = comb_forests(q.lattice)
    nr, nc = q.lattice.shape
    parity = np.add.outer(np.arange(nr), np.arange(nc)) % 2
    board = [np.sort(q.lattice[(parity == k) & (q.lattice >= 0)]).astype(np.int64)
             for k in (0, 1)]
    out = {"red-black": graph_blocks("red-black", q.Q, L, None), "checkerboard": board,
            "comb": comb,
            "comb4": comb + comb_forests(np.ascontiguousarray(q.lattice.T)),
            "staircase": staircase_forests(q.lattice),
            "union-find": graph_blocks("tree", q.Q, L, None)}
    if variants:
        stairs = out["staircase"]
        out["staircase6"] = stairs + staircase_forests(np.ascontiguousarray(q.lattice[:, ::-1]))
        out["staircase-sym"] = stairs + stairs[1:2]
        out["comb+staircase"] = comb + stairs
    return out


class Sweeper:
    """Exact forest-block updates of ``x^T Q x / 2 - c^T x`` with the gradient kept current
    (``g += Q[:, b] d``, O(nnz(Q[:, b])))."""

    def __init__(self, q, blocks):
        self.Q = q.Q.tocsc()
        self.qd = np.asarray(self.Q.diagonal()).copy()
        self.blocks = blocks
        self.cols = [self.Q[:, b] for b in blocks]
        self.pos = np.full(q.n, -1, np.int64)
        m = max(b.size for b in blocks)
        self.wi, self.wf = np.empty(2 * m, np.int64), np.empty(3 * m)

    def step(self, i, x, g):
        """Exact minimisation over block ``i``; returns ``d`` (``x``, ``g`` updated)."""
        b = self.blocks[i]
        d = np.empty(b.size)
        flag = forest_block_step(self.Q.indptr, self.Q.indices, self.Q.data, self.qd, b, g,
                                 self.pos, self.wi, self.wf, d)
        if flag:
            raise RuntimeError(f"block {i}: flag {flag} (not a forest / not SPD)")
        x[b] += d
        g += self.cols[i] @ d
        return d

    def progress(self, i, g):
        """Exact decrease of block ``i``'s update, ``g_b^T Q_bb^{-1} g_b / 2``."""
        b = self.blocks[i]
        d = np.empty(b.size)
        forest_block_step(self.Q.indptr, self.Q.indices, self.Q.data, self.qd, b, g,
                          self.pos, self.wi, self.wf, d)
        return -0.5 * float(d @ g[b])

    def sweep(self, e):
        """One cyclic sweep on the error (``c = 0``)."""
        e = np.array(e, dtype=float)
        g = self.Q @ e
        for i in range(len(self.blocks)):
            self.step(i, e, g)
        return e


def spectral_radius(q, blocks, power_iters: int = 0, seed: int = 0) -> tuple[float, float]:
    """``(rho_sweep (ARPACK), rho_sweep (power iteration, nan if not run))``."""
    sw = Sweeper(q, blocks)
    op = spla.LinearOperator((q.n, q.n), matvec=sw.sweep, dtype=float)
    v0 = np.random.default_rng(seed).standard_normal(q.n)
    lam = spla.eigs(op, k=1, which="LM", v0=v0, tol=1e-10, maxiter=20000,
                    return_eigenvectors=False)
    rho = float(np.max(np.abs(lam)))
    rho_pow = np.nan
    if power_iters:
        e = v0 / np.linalg.norm(v0)
        for _ in range(power_iters):
            e2 = sw.sweep(e)
            rho_pow = np.linalg.norm(e2)
            e = e2 / rho_pow
    return rho, float(rho_pow)


def iterations(q, blocks, f_star, rule: str = "cyclic", maxiter: int = 200000,
               tol: float = 1e-8) -> int | None:
    """Block updates from ``x0 = 0`` to ``(f - f*) / |f*| <= tol`` (``None``: not reached)."""
    sw = Sweeper(q, blocks)
    x = np.zeros(q.n)
    g = -q.c.astype(float).copy()
    m = len(blocks)
    for k in range(1, maxiter + 1):
        if rule == "cyclic":
            i = (k - 1) % m
        else:  # 'gsq': the best exact progress among the fixed forests
            i = int(np.argmax([sw.progress(j, g) for j in range(m)]))
        sw.step(i, x, g)
        f = 0.5 * float(x @ (g + q.c)) - float(q.c @ x)  # Q x = g + c
        if (f - f_star) / abs(f_star) <= tol:
            return k
    return None


def run(side: int, n_labelled: int, seed: int = 0, eig: bool = True, power: int = 0,
        greedy: bool = True, variants: bool = False) -> None:
    q = label_propagation(side, side, n_labelled=n_labelled, rng=seed)
    f_star = q(q.solve())
    parts = partitions(q, variants)
    rows = {}
    for name, blocks in parts.items():
        rho_s, rho_p = spectral_radius(q, blocks, power) if eig else (np.nan, np.nan)
        rows[name] = (len(blocks), rho_s, rho_p, iterations(q, blocks, f_star))
        if greedy and name in ("comb", "staircase", "staircase6"):
            rows[name + "-gsq"] = (len(blocks), np.nan, np.nan,
                                   iterations(q, blocks, f_star, rule="gsq"))
    print("block sizes (fraction of n): " + "; ".join(
        f"{k}: " + ", ".join(f"{b.size / q.n:.3f}" for b in v) for k, v in parts.items()))
    rb_rate = np.log(rows["red-black"][1]) / rows["red-black"][0]
    rb_it = rows["red-black"][3]
    print(f"{'partition':14s} {'m':>2s} {'rho_sweep':>12s} {'(power)':>12s} {'rho/iter':>10s} "
          f"{'pred. ratio':>11s} {'iters':>7s} {'meas. ratio':>11s} {'nodes/iter':>10s}")
    for name, (m, rho_s, rho_p, it) in rows.items():
        rate = np.log(rho_s) / m
        nodes = sum(b.size for b in parts[name.replace("-gsq", "")]) / m / q.n
        print(f"{name:14s} {m:2d} {rho_s:12.8f} {rho_p:12.8f} {np.exp(rate):10.6f} "
              f"{rate / rb_rate:11.2f} {str(it):>7s} "
              f"{(rb_it / it if it else np.nan):11.2f} {nodes:10.2f}")


def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--quick", action="store_true", help="32 x 32 and recipe D only")
    p.add_argument("--sides", default=None, help="comma-separated lattice sides")
    p.add_argument("--power", type=int, default=0, help="power-iteration sweeps (check)")
    p.add_argument("--variants", action="store_true",
                   help="add the overlapping covers (staircase6, staircase-sym, comb+staircase)")
    args = p.parse_args(argv)
    start(args, "forest partitions on the label-propagation lattice: rates",
          ["command            python -m asv_benchmarks.compare.bcd_lattice"
           + (" --quick" if args.quick else "")])
    sides = [32] if args.quick else [32, 64, 128, 256]
    if args.sides:
        sides = [int(s) for s in args.sides.split(",")]
    section("recipe D as in the spec: 50 x 50, 100 labelled, w = 1e5")
    run(50, 100, power=args.power, variants=args.variants)
    for side in sides:
        section(f"{side} x {side}, {side * side // 25} labelled (4%), w = 1e5")
        run(side, side * side // 25, eig=True, power=args.power if side <= 64 else 0,
            greedy=side <= 128, variants=args.variants)


if __name__ == "__main__":
    main()
