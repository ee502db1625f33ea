"""Block coordinate descent test problems: the data-set recipes A-D of the BCD spec
(Nutini, Laradji & Schmidt, JMLR 2022, section 2 of ``specs/block-coordinate-descent.md``) and
label propagation on a lattice.

* :func:`bcd_dataset` ``'A'`` least squares, ``'A-l1'`` non-negative least squares with an L1
  term, ``'B'`` binary logistic, ``'C'`` softmax, ``'D'`` lattice label propagation, each as a
  ``numsolve.objectives`` objective plus ``x0``;
* :func:`label_propagation`: the quadratic ``sum_{ij} w_ij (x_i - x_j)^2 / 2`` over the
  4-neighbour edges of an ``nrows x ncols`` lattice with some nodes labelled (fixed), as a
  :class:`~numsolve.objectives.SparseQuadratic` in the unlabelled nodes with its lattice map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import as_rng, check_choice, check_int, check_real

__all__ = ["BCDProblem", "bcd_dataset", "bcd_design", "label_propagation"]


@dataclass
class BCDProblem:
    """A BCD benchmark problem: ``objective`` (callable ``F``), ``x0``, and a name.

    Parameters
    ----------
    name : str
        The recipe (``'A'``, ``'A-l1'``, ``'B'``, ``'C'`` or ``'D'``).
    objective : callable
        ``F``, a ``numsolve.objectives`` object.
    x0 : numpy.ndarray
        The starting point (zeros).

    Examples
    --------
    >>> from numsolve.problems import bcd_dataset
    >>> bcd_dataset("D", n_features=8).name
    'D'
    """

    name: str
    objective: Any
    x0: np.ndarray


def bcd_design(n_samples: int = 1000, n_features: int = 10000, rng=None) -> sp.csc_matrix:
    """Recipe A's design: ``A = N(0,1) + 1``, columns scaled by ``10 N(0,1)``, entries kept with
    probability ``10 log(m) / m`` (``m = n_samples``; about 6.9% dense for ``m = 1000``, the
    spec's density).

    Parameters
    ----------
    n_samples, n_features : int
        Shape of the design.
    rng : int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    scipy.sparse.csc_matrix
        The ``n_samples x n_features`` design.

    Examples
    --------
    >>> from numsolve.problems import bcd_design
    >>> bcd_design(20, 30, rng=0).shape
    (20, 30)
    """
    rng = as_rng(rng)
    n_samples = check_int("n_samples", n_samples, low=1)
    n = check_int("n_features", n_features, low=1)
    p = min(1.0, 10 * np.log(max(n_samples, 2)) / max(n_samples, 2))
    mask = rng.random((n_samples, n)) < p
    A = (rng.standard_normal((n_samples, n)) + 1.0) * (10 * rng.standard_normal(n))
    return sp.csc_matrix(np.where(mask, A, 0.0))


def bcd_dataset(name: str, n_samples: int | None = None, n_features: int | None = None,
                rng=0, alpha: float | None = None) -> BCDProblem:
    """One of the spec's data sets A-D (section 2), by default at the spec's sizes.

    Parameters
    ----------
    name : {'A', 'A-l1', 'B', 'C', 'D'}
        ``A``: ``1/2 ||Ax - b||^2`` (``w`` kept with probability 0.1, ``b = Aw + N(0,1)``);
        ``A-l1``: the same with ``x >= 0`` and an L1 weight ``alpha``; ``B``: logistic with
        ``b = sign(Aw)``, 10% flipped; ``C``: 50-class softmax (``1000 x 1000``); ``D``: label
        propagation on a 50 x 50 lattice (``w = 1e5``, 100 labelled nodes).
    n_samples, n_features : int, optional
        Smaller sizes for tests (``D``: the lattice side is ``n_features``).
    rng : int or Generator
    alpha : float, optional
        L1 weight of ``A-l1``. The spec's ``lambda = 50000`` exceeds ``max(A^T b)`` (about
        4e4) for this generator, which makes ``x* = 0``; the default is ``0.05 max(A^T b)``
        (about 370 nonzeros at the full size).

    Returns
    -------
    BCDProblem
        The objective, ``x0 = 0`` and the name.

    Notes
    -----
    The data-set recipes A-D of the experiments of Nutini, Laradji & Schmidt [1]_, as their
    released code builds them (numsolve's generator, so the digits differ).

    References
    ----------
    .. [1] J. Nutini, I. Laradji and M. Schmidt, "Let's make block coordinate descent converge
       faster: faster greedy rules, message-passing, active-set complexity, and superlinear
       convergence", JMLR 23(131):1-74, 2022, arXiv:1712.08859.

    Examples
    --------
    >>> from numsolve.problems import bcd_dataset
    >>> p = bcd_dataset("A", n_samples=50, n_features=200)
    >>> p.objective.A.shape, p.x0.shape
    ((50, 200), (200,))
    """
    from ..objectives import (
        BinaryLogistic,
        BoundConstrained,
        L1Regularized,
        LeastSquares,
        MultinomialLogistic,
    )

    name = check_choice("name", name, ("a", "a-l1", "b", "c", "d")).upper()
    rng = as_rng(rng)
    if name == "D":
        side = 50 if n_features is None else n_features
        f = label_propagation(side, side, n_labelled=max(2, side * side // 25), rng=rng)
        return BCDProblem("D", f, np.zeros(f.n))
    N = 1000 if n_samples is None else n_samples
    d = (1000 if name == "C" else 10000) if n_features is None else n_features
    A = bcd_design(N, d, rng)
    if name == "C":
        W = rng.standard_normal((d, 50))
        y = np.argmax(A @ W + rng.standard_normal((N, 50)), axis=1)
        f = MultinomialLogistic(A, y, n_classes=50)
        return BCDProblem("C", f, np.zeros(f.dim))
    w = rng.standard_normal(d) * (rng.random(d) < 0.1)
    if name == "B":
        y = np.sign(A @ w)
        y[y == 0] = 1
        y[rng.random(N) < 0.1] *= -1
        return BCDProblem("B", BinaryLogistic(A, y), np.zeros(d))
    b = A @ w + rng.standard_normal(N)
    f = LeastSquares(A, b)
    if name == "A-L1":
        if alpha is None:
            alpha = 0.05 * max(float(np.max(A.T @ b)), 0.0)
        alpha = check_real("alpha", alpha, low=0.0)
        f = BoundConstrained(L1Regularized(f, alpha), 0.0, np.inf)
    return BCDProblem(name, f, np.zeros(d))


def label_propagation(nrows: int, ncols: int, n_labelled: int = 100, weight: float = 1e5,
                      label_scale: float = 10.0, rng=None):
    """Label propagation on an ``nrows x ncols`` 4-neighbour lattice (recipe D).

    ``n_labelled`` random nodes get labels ``y ~ label_scale N(0,1)``; the unlabelled values
    minimise ``sum_{edges} w (x_i - x_j)^2 / 2``, a quadratic ``x^T Q x / 2 - c^T x`` with ``Q``
    the graph Laplacian restricted to the unlabelled nodes (SPD when every component holds a
    label) and ``c`` the pull of the labelled neighbours.

    Parameters
    ----------
    nrows, ncols : int
        Lattice shape.
    n_labelled : int
        Number of labelled nodes (``1 <= n_labelled < nrows * ncols``).
    weight : float
        Edge weight ``w > 0`` (the spec's ``1e5``; it scales ``Q`` and ``c`` together, so
        iteration counts do not depend on it).
    label_scale : float
        Standard deviation of the labels.
    rng : int or numpy.random.Generator, optional
        Seed or generator (labelled nodes and labels).

    Returns
    -------
    SparseQuadratic
        With ``lattice`` set (``lattice[r, c]``: the variable of node ``(r, c)``, ``-1`` for a
        labelled node), so ``partition='tree'`` uses the comb forests.

    Notes
    -----
    Recipe D of the experiments of [1]_ (label propagation on a lattice), where forest blocks
    solved by message passing are compared with other partitions.

    References
    ----------
    .. [1] J. Nutini, I. Laradji and M. Schmidt, "Let's make block coordinate descent converge
       faster: faster greedy rules, message-passing, active-set complexity, and superlinear
       convergence", JMLR 23(131):1-74, 2022, arXiv:1712.08859.

    Examples
    --------
    >>> from numsolve.problems import label_propagation
    >>> f = label_propagation(8, 8, n_labelled=6, rng=0)
    >>> f.n, f.lattice.shape
    (58, (8, 8))
    """
    from ..objectives import SparseQuadratic

    nrows = check_int("nrows", nrows, low=1)
    ncols = check_int("ncols", ncols, low=1)
    N = nrows * ncols
    n_labelled = check_int("n_labelled", n_labelled, low=1, high=N - 1)
    weight = check_real("weight", weight, low=0.0, low_open=True)
    rng = as_rng(rng)
    idx = np.arange(N).reshape(nrows, ncols)
    edges = np.concatenate([np.stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()], 1),
                            np.stack([idx[:-1, :].ravel(), idx[1:, :].ravel()], 1)])
    W = sp.coo_matrix((np.full(len(edges), weight), (edges[:, 0], edges[:, 1])), (N, N))
    W = (W + W.T).tocsr()
    Lap = (sp.diags(np.asarray(W.sum(axis=1)).ravel()) - W).tocsr()
    lab = np.sort(rng.choice(N, n_labelled, replace=False))
    y = label_scale * rng.standard_normal(n_labelled)
    unl = np.setdiff1d(np.arange(N), lab)
    Q = Lap[unl][:, unl].tocsc()
    c = -np.asarray(Lap[unl][:, lab] @ y).ravel()
    lattice = np.full(N, -1, np.int64)
    lattice[unl] = np.arange(unl.size)
    return SparseQuadratic(Q, c, lattice=lattice.reshape(nrows, ncols))
