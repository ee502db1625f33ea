"""Synthetic matrix-completion problems (spec altmin-completion.md §2), never densified.

The true matrix ``M = U V^T`` is kept as its factors; observed entries are sampled as
positions and their values computed from the factors (in blocks), so ``m = n = 20000`` costs
``O(|Omega| + (m + n) k)`` memory. Errors over *all* ``m n`` entries are computed from factors
too (:meth:`CompletionProblem.relative_error`, exact to rounding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import as_rng, check_choice, check_int, check_real

__all__ = ["CompletionProblem", "low_rank_completion", "factor_difference_norm"]

_CHUNK = 1 << 20


def _entries(U, V, rows, cols):
    out = np.empty(rows.shape[0])
    for e0 in range(0, rows.shape[0], _CHUNK):
        e1 = e0 + _CHUNK
        out[e0:e1] = np.einsum("ij,ij->i", U[rows[e0:e1]], V[cols[e0:e1]])
    return out


def factor_difference_norm(L, R) -> float:
    """``||L R^T||_F`` from thin QR factors (``O((m + n) k^2)``, no ``m x n`` product)."""
    return float(np.linalg.norm(np.linalg.qr(L)[1] @ np.linalg.qr(R)[1].T))


@dataclass
class CompletionProblem:
    """A completion problem: observations ``M`` of ``U_true V_true^T`` (+ noise).

    Attributes
    ----------
    M : scipy.sparse.coo_matrix
        The observed entries (the stored entries are the observations).
    rows, cols, values : ndarray
        The same, as arrays.
    U_true, V_true : ndarray
        Factors of the noiseless matrix (entries of unit variance).
    validation : tuple or None
        Held-out ``(rows, cols, values)`` (noisy like ``values``).
    noise : float
        Standard deviation of the Gaussian noise added to the observations.
    """

    M: Any
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    U_true: np.ndarray
    V_true: np.ndarray
    validation: tuple | None
    noise: float

    @property
    def shape(self) -> tuple[int, int]:
        return self.M.shape

    def truth(self, rows, cols) -> np.ndarray:
        """Entries of the noiseless matrix at the given positions."""
        return _entries(self.U_true, self.V_true, np.asarray(rows), np.asarray(cols))

    def relative_error(self, U, V, row_bias=None, col_bias=None, mean=0.0) -> float:
        """``||X - U_true V_true^T||_F / ||U_true V_true^T||_F`` over all ``m n`` entries,
        ``X = U V^T`` (+ ``row_bias 1^T + 1 col_bias^T + mean``), from the factors."""
        from .._backend import to_numpy

        U, V = np.asarray(to_numpy(U)), np.asarray(to_numpy(V))
        L, R = [self.U_true, -U], [self.V_true, V]
        if row_bias is not None:
            m, n = self.shape
            L += [-np.asarray(to_numpy(row_bias))[:, None], -np.ones((m, 1))]
            R += [np.ones((n, 1)), (np.asarray(to_numpy(col_bias)) + mean)[:, None]]
        num = factor_difference_norm(np.hstack(L), np.hstack(R))
        return num / factor_difference_norm(self.U_true, self.V_true)

    def oracle_error(self) -> float:
        """Error of the oracle rank-k least-squares fit: the true left factor ``U_true`` is
        known and every column's coefficients are fitted to the observations by least
        squares (what AltMin's V half-step returns given the exact column space)."""
        n = self.shape[1]
        order = np.argsort(self.cols, kind="stable")
        ptr = np.concatenate([[0], np.cumsum(np.bincount(self.cols, minlength=n))])
        r, y = self.rows[order], self.values[order]
        V = np.zeros_like(self.V_true)
        for j in range(n):
            sl = slice(ptr[j], ptr[j + 1])
            if ptr[j + 1] > ptr[j]:
                V[j] = np.linalg.lstsq(self.U_true[r[sl]], y[sl], rcond=None)[0]
        return self.relative_error(self.U_true, V)


def _sample_uniform(gen, m, n, count):
    lin = np.sort(gen.choice(m * n, size=count, replace=False))
    return lin // n, lin % n


def _sample_power(gen, m, n, count, exponent):
    """Rows and columns drawn with probabilities ``~ (1 + rank)^-exponent`` (random ranks),
    duplicates dropped and the draw topped up until ``count`` distinct positions."""
    pr = (1.0 + gen.permutation(m)) ** -exponent
    pc = (1.0 + gen.permutation(n)) ** -exponent
    pr, pc = pr / pr.sum(), pc / pc.sum()
    lin = np.empty(0, dtype=np.int64)
    while lin.size < count:
        need = int(1.2 * (count - lin.size)) + 16
        new = gen.choice(m, size=need, p=pr) * n + gen.choice(n, size=need, p=pc)
        lin = np.unique(np.concatenate([lin, new]))
    lin = np.sort(gen.choice(lin, size=count, replace=False))
    return lin // n, lin % n


def low_rank_completion(m: int, n: int, rank: int, frac: float, noise: float = 0.0,
                        sampling: str = "uniform", rng: Any = None, *,
                        exponent: float = 0.5, validation: float = 0.0) -> CompletionProblem:
    """Observed entries of a random rank-``rank`` matrix (spec §2), without forming it.

    ``M = U V^T`` with ``U``, ``V`` i.i.d. ``N(0, 1/sqrt(rank))`` (entries of unit variance;
    condition number about 2-3, incoherent with high probability).

    Parameters
    ----------
    m, n : int
        Shape.
    rank : int
        Rank of ``M``.
    frac : float
        Fraction of the ``m n`` entries observed (``round(frac m n)`` distinct positions).
    noise : float
        Standard deviation of Gaussian noise added to the observed (and held-out) values.
    sampling : {'uniform', 'power'}
        Uniformly at random, or with row/column probabilities following a power law
        ``(1 + rank)^-exponent`` (some rows and columns heavily, others sparsely observed).
    rng : int or numpy.random.Generator, optional
    exponent : float
        Power-law exponent of ``sampling='power'``.
    validation : float
        Fraction of the sampled positions held out (``problem.validation``), not in ``M``.

    Returns
    -------
    CompletionProblem

    Examples
    --------
    >>> from numsolve.problems import low_rank_completion
    >>> prob = low_rank_completion(1000, 800, 5, 0.05, rng=0)
    >>> prob.M.shape, prob.M.nnz
    ((1000, 800), 40000)
    """
    m, n = check_int("m", m, low=1), check_int("n", n, low=1)
    rank = check_int("rank", rank, low=1, high=min(m, n))
    frac = check_real("frac", frac, low=0.0, high=1.0, low_open=True)
    noise = check_real("noise", noise, low=0.0)
    check_choice("sampling", sampling, ("uniform", "power"))
    exponent = check_real("exponent", exponent, low=0.0)
    validation = check_real("validation", validation, low=0.0, high=1.0, high_open=True)
    gen = as_rng(rng)
    scale = rank ** -0.25
    U = gen.standard_normal((m, rank)) * scale
    V = gen.standard_normal((n, rank)) * scale
    count = max(1, int(round(frac * m * n)))
    if sampling == "uniform":
        rows, cols = _sample_uniform(gen, m, n, count)
    else:
        rows, cols = _sample_power(gen, m, n, count, exponent)
    vals = _entries(U, V, rows, cols)
    if noise > 0:
        vals += noise * gen.standard_normal(vals.shape[0])
    held = None
    if validation > 0:
        mask = gen.random(rows.shape[0]) < validation
        held = (rows[mask], cols[mask], vals[mask])
        rows, cols, vals = rows[~mask], cols[~mask], vals[~mask]
    M = sp.coo_matrix((vals, (rows, cols)), shape=(m, n))
    return CompletionProblem(M, rows, cols, vals, U, V, held, noise)
