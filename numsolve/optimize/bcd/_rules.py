"""Block selection rules (spec sections 1.2-1.3 and 1.5).

Fixed blocks (a partition): ``'cyclic'``, ``'random'``, ``'lipschitz'`` (``P(b) ~ L_b``) and the
greedy ``'gs'`` (``||g_b||^2``), ``'gsl'`` (``||g_b||^2 / L_b``), ``'gsd'``
(``sum_i g_i^2 / d_i``, Gershgorin ``d_i = sum_j |H_ij|``), ``'gsq'`` (``g_b^T H_b^{-1} g_b``,
``H_b^{-1}`` precomputed once per block). Variable blocks: the ``tau`` best coordinates of the
separable scores (GS, GSL, GSD), the IHT approximation of GSQ (``'gsq'`` or ``'iht'``), or
``tau`` random / Lipschitz-sampled / permuted-cyclic coordinates. With an L1 term or bounds the
greedy scores are those of the proximal step (``gs``: the unit-step prox residual squared;
``gsl``/``gsd``: the guaranteed progress with ``L_b``/``d_i``; ``gsq``: the ``gsq-nn`` sum of
per-coordinate progress with ``L_i``). ``'greedy-tree'`` grows a forest block each iteration in
the order of the GS (``|g_i|``), GSL (``|g_i| / sqrt(L_i)``) or a random score.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sl

from ._message import greedy_forest
from ._partitions import fixed_blocks, graph_blocks

__all__ = ["Selector", "GREEDY"]

GREEDY = ("gs", "gsl", "gsd", "gsq", "iht")


def _positive(v: np.ndarray) -> np.ndarray:
    return np.where(v > 0, v, 1.0)


def _lam_max(H: np.ndarray) -> float:
    if H.shape[0] <= 300:
        return float(np.linalg.eigvalsh(H)[-1])
    return float(np.max(np.abs(H).sum(axis=1)))  # Gershgorin bound for big blocks


class Selector:
    """Partition, per-block constants (computed once) and the selection rule."""

    def __init__(self, opts, model, reg, rng):
        self.rule, self.tau, self.rng, self.reg = opts.selection, opts.block_size, rng, reg
        self.iht_steps = opts.iht_steps
        self.model, self.n = model, model.n
        # a coordinate with L_i = 0 (an empty column) has g_i = 0: any positive constant
        # gives it a zero step and a zero score
        self.L = _positive(model.coord_lipschitz())
        self.dG = _positive(model.gershgorin()) if self.rule == "gsd" else None
        self.forest = opts.partition in ("tree", "red-black", "greedy-tree")
        self.variable = opts.partition in ("variable", "greedy-tree")
        self.blocks = None if self.variable else self._partition(opts.partition)
        self.free = None  # set by the active-set switch: select among free coordinates only
        self._perm, self._Lb, self._H, self._Hinv = None, {}, {}, None
        self.Ladapt = self.L.copy()
        if self.blocks is not None:
            self.nb = len(self.blocks)
            tm = max(b.size for b in self.blocks)
            self.pad = np.full((self.nb, tm), self.n, np.int64)
            for i, b in enumerate(self.blocks):
                self.pad[i, :b.size] = b
            needs_lb = self.rule in ("gsl", "lipschitz") or (
                self.rule in ("gs", "gsd") and not reg.smooth)
            if needs_lb or (self.rule == "gsq" and not reg.smooth):
                self.Lb_coord = np.empty(self.n)
                for i, b in enumerate(self.blocks):
                    self.Lb_coord[b] = self.block_L(b, i)
            if self.rule == "gsq" and reg.smooth:
                self._Hinv = np.zeros((self.nb, tm, tm))
                for i, b in enumerate(self.blocks):
                    self._Hinv[i, :b.size, :b.size] = np.linalg.pinv(self.block_H(b, i),
                                                                     hermitian=True)
        if self.rule in ("gsq", "iht") and self.variable and reg.smooth:
            self.Lglob = model.global_lipschitz()
        if opts.partition == "greedy-tree":
            self._label = np.full(self.n, -1, np.int64)
            self._uf = np.arange(self.n)
            self._roots = np.empty(self.n + 1, np.int64)

    # ---- partitions and per-block constants --------------------------------------------------
    def _partition(self, kind):
        if isinstance(kind, list):
            return kind
        if kind in ("tree", "red-black"):
            return graph_blocks(kind, self.model.Q, self.L, self.model.lattice)
        return fixed_blocks(kind, self.L, self.tau)

    def block_H(self, b: np.ndarray, bi: int) -> np.ndarray:
        """``H_b`` (the block Hessian bound), cached for fixed blocks."""
        if bi < 0:
            return self.model.hess(b, False)
        if bi not in self._H:
            self._H[bi] = self.model.hess(b, False)
        return self._H[bi]

    def block_L(self, b: np.ndarray, bi: int) -> float:
        """``L_b = lambda_max(H_b)`` (once per fixed block; a Gershgorin bound over 300)."""
        if b.size == 1:
            return float(self.L[b[0]])
        if bi >= 0 and bi in self._Lb:
            return self._Lb[bi]
        if b.size > 300:
            Lb = float(np.max(self.model.gershgorin()[b]))
        else:
            Lb = _lam_max(self.block_H(b, bi))
        Lb = Lb if Lb > 0 else 1.0  # an all-zero block: g_b = 0, any step size
        if bi >= 0:
            self._Lb[bi] = Lb
        return Lb

    # ---- scores ------------------------------------------------------------------------------
    def _coord_scores(self, g, x, L_for_gsl):
        """Per-coordinate scores of the greedy rule (smooth or proximal forms)."""
        reg, rule = self.reg, self.rule
        if reg.smooth:
            if rule == "gs":
                return g * g
            if rule == "gsd":
                return g * g / self.dG
            return g * g / L_for_gsl
        if rule == "gs":
            return reg.step(x, g, 1.0) ** 2
        if rule == "gsd":
            return reg.progress(x, g, self.dG)
        if rule in ("gsq", "iht"):
            return reg.progress(x, g, self.L)
        return reg.progress(x, g, L_for_gsl)

    def select(self, k: int, g, x) -> tuple[np.ndarray, int]:
        """Block ``b_k`` (sorted coordinates) and its index in the partition (``-1``: a
        variable block). An empty block means every greedy score is zero."""
        if self.free is not None:
            return self._variable(k, g, x, self.free), -1
        if self.blocks is None:
            if self.forest:
                return self._greedy_tree(g), -1
            return self._variable(k, g, x, None), -1
        return self._fixed(k, g, x)

    def _fixed(self, k, g, x):
        rule, nb = self.rule, self.nb
        if rule == "cyclic":
            bi = k % nb
        elif rule == "random":
            bi = int(self.rng.integers(nb))
        elif rule == "lipschitz":
            Lb = np.array([self._Lb[i] for i in range(nb)])
            bi = int(self.rng.choice(nb, p=Lb / Lb.sum()))
        else:
            if rule == "gsq" and self.reg.smooth:
                G = np.append(g, 0.0)[self.pad]
                scores = np.einsum("bi,bij,bj->b", G, self._Hinv, G)
            else:
                if rule == "gs" and self.reg.smooth:
                    v = g * g
                else:
                    Lg = getattr(self, "Lb_coord", None)
                    v = self._coord_scores(g, x, Lg)
                scores = np.append(v, 0.0)[self.pad].sum(axis=1)  # gsl: sum g_i^2 / L_b
            bi = int(np.argmax(scores))
            if not scores[bi] > 0:
                return np.empty(0, np.int64), -1
        return self.blocks[bi], bi

    def _variable(self, k, g, x, free):
        rule, n = self.rule, self.n
        tau = min(self.tau, n if free is None else int(free.sum()))
        pool = np.arange(n) if free is None else np.flatnonzero(free)
        if rule == "cyclic":  # "Perm": a fresh permutation every epoch
            per = -(-pool.size // tau)
            if self._perm is None or k % per == 0 or self._perm.size != pool.size:
                self._perm = self.rng.permutation(pool)  # (also when the pool changed)
            i = (k % per) * tau
            return np.sort(self._perm[i:i + tau])
        if rule == "random":
            return np.sort(self.rng.choice(pool, tau, replace=False))
        if rule == "lipschitz":
            p = self.L[pool] / self.L[pool].sum()
            return np.sort(self.rng.choice(pool, tau, replace=False, p=p))
        s = self._coord_scores(g, x, self.L)
        if free is not None:
            s = np.where(free, s, -1.0)
        top = np.argpartition(-s, tau - 1)[:tau] if tau < n else np.arange(n)
        top = top[s[top] > 0]
        if rule in ("gsq", "iht") and self.reg.smooth and top.size and free is None:
            top = self._iht(g, top)
        return np.sort(top)

    def _iht(self, g, start):
        """Variable-block GSQ by iterative hard thresholding on
        ``min_{||d||_0 <= tau} <g, d> + d^T H d / 2`` (section 1.3), at most ``iht_steps``."""
        tau = start.size
        d = np.zeros(self.n)
        d[start] = -g[start] / self.L[start]
        mu = 1.0 / self.Lglob
        for _ in range(self.iht_steps):
            dn = d - mu * (g + self.model.hessp_bound(d))
            keep = np.argpartition(-np.abs(dn), tau - 1)[:tau]
            out = np.zeros(self.n)
            out[keep] = dn[keep]
            done = np.max(np.abs(out - d)) <= 1e-10
            d = out
            if done:
                break
        sup = np.flatnonzero(d)
        return sup if sup.size else start

    def _greedy_tree(self, g):
        if self.rule == "random":
            visit = self.rng.permutation(self.n)
        else:
            s = np.abs(g) if self.rule == "gs" else np.abs(g) / np.sqrt(self.L)
            visit = np.argsort(-s, kind="stable")
            visit = visit[s[visit] > 0]
        Q = self.model.Q
        return greedy_forest(Q.indptr, Q.indices, visit.astype(np.int64), self.tau,
                             self._label, self._uf, self._roots)


def check_partition(blocks, n: int) -> list[np.ndarray]:
    """A user partition: a list of index arrays, none empty, covering ``0..n-1`` once."""
    out = []
    seen = np.zeros(n, np.int64)
    for i, b in enumerate(blocks):
        b = np.asarray(b)
        if b.size == 0:
            raise ValueError(f"partition: block {i} is empty")
        if b.ndim != 1 or not np.issubdtype(b.dtype, np.integer):
            raise ValueError(f"partition: block {i} must be a 1-D integer index array")
        if b.min() < 0 or b.max() >= n:
            raise ValueError(f"partition: block {i} has indices outside 0..{n - 1}")
        seen[b] += 1
        out.append(np.sort(b.astype(np.int64)))
    if np.any(seen != 1):
        raise ValueError("partition: every coordinate must lie in exactly one block "
                         f"({int(np.sum(seen == 0))} missing, {int(np.sum(seen > 1))} repeated)")
    return out


def cho_solve_or_lstsq(H: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``H^{-1} v`` by Cholesky (least squares if ``H`` is not positive definite)."""
    try:
        return sl.cho_solve(sl.cho_factor(H, check_finite=False), v, check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        return np.linalg.lstsq(H, v, rcond=None)[0]
