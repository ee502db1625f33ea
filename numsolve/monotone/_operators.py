"""Finite-sum operators ``F = (1/n) sum_i F_i`` (spec section 1).

:class:`FiniteSumOperator` is the interface every method of :func:`numsolve.solve_monotone`
uses: ``n_components``, ``dim``, ``full(x)`` (``F(x)``, cost ``n`` component evaluations),
``batch(idx, x)`` (the mean of ``F_i(x)`` over the indices ``idx``, an unbiased estimate of
``F(x)``, cost ``len(idx)``), ``batch_diff(idx, x, y)`` (``batch(idx, x) - batch(idx, y)``, cost
``2 len(idx)``) and the optional Lipschitz constants ``lipschitz`` (``L``, the components'
Lipschitz constant in mean: ``E_i ||F_i(u) - F_i(v)||^2 <= L^2 ||u - v||^2``) and
``lipschitz_full`` (``L_F``, that of ``F``).

Components are scaled so that ``F`` is their *mean* (the authors' scripts use sums with
``n F_i``; the iterations are the same). Indices ``idx`` are host (NumPy) integer arrays: the
methods draw them with a NumPy ``Generator``, so the same seed gives the same iterates on every
backend; an operator moves them to its namespace (a few integers per step).

Constructors:

* :meth:`FiniteSumOperator.from_callables` - a list of callables ``F_i(x)`` (a Python loop over
  the batch: for a vectorised batch use the other constructors or subclass);
* :meth:`FiniteSumOperator.from_matrix` - a linear operator ``F(u) = M u + q`` split into column
  groups (dense array of any namespace, or a SciPy/CuPy sparse matrix);
* :meth:`FiniteSumOperator.bilinear` - the game ``min_x max_y y^T A x + c^T x - b^T y``, ``F =
  (A^T y + c, b - A x)``, component ``i`` holding row ``i`` and column ``i`` of ``A``;
* :meth:`FiniteSumOperator.from_saddle` - a smooth finite-sum saddle function given by
  vectorised partial gradients ``grad_x(x, y, idx)``, ``grad_y(x, y, idx)``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._backend import get_namespace, is_cupy_namespace, is_numpy_namespace, is_sparse, to_numpy
from .._checks import check_int, check_real

__all__ = ["FiniteSumOperator", "spectral_norm"]


def spectral_norm(M, *, iters: int = 300) -> float:
    """``||M||_2`` of a dense array (any namespace) or a sparse matrix.

    Exact (an SVD in the array's namespace, so every backend gets the same number) for dense
    matrices up to 2000 columns and sparse ones up to 4e6 entries (densified); else 300 power
    iterations on ``M^T M`` from a fixed start, inflated by 1 % (an upper estimate, as the
    step sizes need).

    Parameters
    ----------
    M : array_like or sparse matrix, shape (m, n)
        Dense (any array-API namespace) or SciPy/CuPy sparse.
    iters : int, optional
        Power iterations for the large case.

    Returns
    -------
    float
        ``||M||_2`` (exact), or an upper estimate for large matrices.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.monotone import spectral_norm
    >>> spectral_norm(np.diag([3.0, -4.0]))
    4.0
    """
    xp = get_namespace(M)
    if is_sparse(M) and M.shape[0] * M.shape[1] <= 4_000_000:
        M = M.toarray()  # small: the exact norm, the same as for the dense matrix
    if not is_sparse(M) and min(M.shape) <= 2000:
        if is_numpy_namespace(xp):
            return float(np.linalg.norm(np.asarray(M), 2))
        return float(xp.linalg.matrix_norm(M, ord=2))
    v = xp.ones(M.shape[1], dtype=xp.float64) / math.sqrt(M.shape[1])
    v = v + xp.asarray(np.linspace(0.0, 1e-3, M.shape[1]))  # not orthogonal to the top vector
    s = 0.0
    for _ in range(iters):
        w = M.T @ (M @ v)
        s = float(xp.sqrt(xp.sum(w * w)))
        if s == 0.0:
            return 0.0
        v = w / s
    return 1.01 * math.sqrt(s)


def _row_major(xp, M):
    """A C-ordered copy of ``M`` (NumPy/CuPy), or a plain copy in other namespaces."""
    if is_numpy_namespace(xp):
        return np.ascontiguousarray(M)
    if is_cupy_namespace(xp):  # pragma: no cover - needs a GPU
        import cupy

        return cupy.ascontiguousarray(M)
    return xp.asarray(M, copy=True)


def _scatter(xp, n: int, idx, vals):
    """A length-``n`` vector holding ``vals`` at ``idx`` (zeros elsewhere)."""
    if is_numpy_namespace(xp) or is_cupy_namespace(xp):
        out = xp.zeros(n, dtype=vals.dtype)
        out[idx] = vals
        return out
    onehot = xp.astype(xp.arange(n)[None, :] == idx[:, None], vals.dtype)  # array_api_strict
    return vals @ onehot


class FiniteSumOperator:
    """``F = (1/n) sum_i F_i`` on vectors of length ``dim``: the interface of the methods.

    Subclass and implement :meth:`full` and :meth:`batch` (and :meth:`batch_diff` when the
    difference is cheaper than two batches, e.g. for linear operators), or use a constructor.

    Attributes
    ----------
    n_components : int
        ``n``, the number of components (``>= 1``).
    dim : int
        Length of the vectors ``F`` acts on.
    lipschitz : float or None
        ``L``: Lipschitz constant of the components in mean; ``None`` when unknown (the methods
        then estimate it and backtrack).
    lipschitz_full : float or None
        ``L_F``: Lipschitz constant of ``F``; ``None`` when unknown.

    Notes
    -----
    The finite-sum setting of [1]_: a full evaluation costs ``n`` component evaluations, a
    batch ``len(idx)``, and complexity is counted in these units.

    References
    ----------
    .. [1] X. Cai, A. Alacaoglu and J. Diakonikolas, "Variance reduced Halpern iteration for
       finite-sum monotone inclusions", ICLR 2024, arXiv:2310.02987.

    Examples
    --------
    A subclass with ``F_i(x) = i x`` (``i = 1, 2``), so ``F(x) = 1.5 x``:

    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.monotone import FiniteSumOperator
    >>> class Scaled(FiniteSumOperator):
    ...     def batch(self, idx, x):
    ...         return np.mean(idx + 1.0) * x
    >>> F = Scaled(2, 3, lipschitz=2.0, lipschitz_full=1.5)
    >>> F.full(np.ones(3))
    array([1.5, 1.5, 1.5])
    >>> res = numsolve.solve_monotone(F, np.ones(3), method="eg", rtol=1e-6)
    >>> bool(res.success), bool(np.abs(res.x).max() < 1e-5)
    (True, True)
    """

    def __init__(self, n_components: int, dim: int, *, lipschitz: float | None = None,
                 lipschitz_full: float | None = None):
        self.n_components = check_int("n_components", n_components, low=1)
        self.dim = check_int("dim", dim, low=1)
        self._lipschitz = check_real("lipschitz", lipschitz, low=0.0, low_open=True,
                                     allow_none=True)
        self._lipschitz_full = check_real("lipschitz_full", lipschitz_full, low=0.0,
                                          low_open=True, allow_none=True)

    @property
    def lipschitz(self) -> float | None:
        return self._lipschitz

    @property
    def lipschitz_full(self) -> float | None:
        return self._lipschitz_full

    def full(self, x):
        """``F(x) = (1/n) sum_i F_i(x)``."""
        return self.batch(np.arange(self.n_components), x)

    def batch(self, idx, x):
        """``(1/len(idx)) sum_{i in idx} F_i(x)`` for a host integer array ``idx``."""
        raise NotImplementedError

    def batch_diff(self, idx, x, y):
        """``batch(idx, x) - batch(idx, y)``."""
        return self.batch(idx, x) - self.batch(idx, y)

    def __call__(self, x):
        return self.full(x)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(n_components={self.n_components}, dim={self.dim}, "
                f"lipschitz={self.lipschitz}, lipschitz_full={self.lipschitz_full})")

    # -- constructors ---------------------------------------------------------------------------
    @classmethod
    def from_callables(cls, funcs: Sequence[Callable], dim: int, *,
                       lipschitz: float | None = None,
                       lipschitz_full: float | None = None) -> FiniteSumOperator:
        """Components given as callables ``F_i(x) -> array (dim,)``.

        Examples
        --------
        >>> import numpy as np
        >>> from numsolve.monotone import FiniteSumOperator
        >>> F = FiniteSumOperator.from_callables([lambda x: x, lambda x: 3 * x], dim=2)
        >>> F.full(np.ones(2)), F.batch(np.array([1]), np.ones(2))
        (array([2., 2.]), array([3., 3.]))
        """
        return _CallableSum(funcs, dim, lipschitz, lipschitz_full)

    @classmethod
    def from_matrix(cls, M: Any, q: Any = None, *, n_components: int | None = None,
                    groups: Any = None) -> FiniteSumOperator:
        """The linear (affine) operator ``F(u) = M u + q``, split into column groups.

        ``M u = sum_j M[:, j] u_j``; component ``i`` is ``n M[:, J_i] u[J_i] + q`` with ``J_i``
        the columns of group ``i``. A batch is one slice-and-multiply (no loop over
        components); the difference of two batches is one product with ``u - v``.

        Parameters
        ----------
        M : array or sparse matrix, shape (d, d)
            Dense (NumPy, CuPy, any array-API namespace) or SciPy/CuPy sparse.
        q : array, shape (d,), optional
            Constant term.
        n_components : int, optional
            Number of contiguous column blocks of near-equal size (default ``d``: one column
            per component). Ignored when ``groups`` is given.
        groups : int array, shape (d,), optional
            Component of every column (values ``0 .. n-1``, each used).

        Notes
        -----
        ``L_F = ||M||_2`` and ``L = sqrt(n) max_i ||M[:, J_i]||_F`` (an upper bound of the
        constant in mean, exact for one column per component).

        Examples
        --------
        >>> import numpy as np
        >>> from numsolve.monotone import FiniteSumOperator
        >>> F = FiniteSumOperator.from_matrix(np.array([[1.0, 2.0], [-2.0, 1.0]]))
        >>> F.full(np.ones(2)), F.batch(np.array([0]), np.ones(2))
        (array([ 3., -1.]), array([ 2., -4.]))
        """
        return _MatrixSum(M, q, n_components, groups)

    @classmethod
    def bilinear(cls, A: Any, b: Any = None, c: Any = None) -> FiniteSumOperator:
        """The game ``min_x max_y y^T A x + c^T x - b^T y``: ``F(x, y) = (A^T y + c, b - A x)``.

        ``u = (x, y)`` with ``x`` of length ``A.shape[1]`` and ``y`` of length ``A.shape[0]``;
        ``n = max(A.shape)`` components, component ``i`` holding row ``i`` and column ``i`` of
        ``A`` (the authors' row/column slices). ``L_F = ||A||_2``, ``L = sqrt(n) max(largest
        row norm, largest column norm)``.

        Examples
        --------
        >>> import numpy as np
        >>> from numsolve.monotone import FiniteSumOperator
        >>> F = FiniteSumOperator.bilinear(np.array([[1.0, 2.0], [3.0, 4.0]]))
        >>> F.full(np.array([1.0, 0.0, 0.0, 1.0]))
        array([ 3.,  4., -1., -3.])
        """
        return _BilinearSum(A, b, c)

    @classmethod
    def from_saddle(cls, grad_x: Callable, grad_y: Callable, n_components: int, dim_x: int,
                    dim_y: int, *, lipschitz: float | None = None,
                    lipschitz_full: float | None = None) -> FiniteSumOperator:
        """``min_x max_y f(x, y) = (1/n) sum_i f_i(x, y)`` from its partial gradients.

        ``grad_x(x, y, idx)`` and ``grad_y(x, y, idx)`` return the mean over the integer array
        ``idx`` of ``grad_x f_i`` and ``grad_y f_i`` (vectorised over ``idx``); ``F(x, y) =
        (grad_x f, -grad_y f)`` on ``u = (x, y)``, monotone when ``f`` is convex-concave.

        Examples
        --------
        >>> import numpy as np
        >>> from numsolve.monotone import FiniteSumOperator
        >>> a = np.array([1.0, 3.0])            # f_i(x, y) = a_i x y + x^2 / 2 - y^2 / 2
        >>> F = FiniteSumOperator.from_saddle(
        ...     lambda x, y, i: a[i].mean() * y + x, lambda x, y, i: a[i].mean() * x - y,
        ...     2, 1, 1)
        >>> F.full(np.array([1.0, 1.0]))
        array([ 3., -1.])
        """
        return _SaddleSum(grad_x, grad_y, n_components, dim_x, dim_y, lipschitz,
                          lipschitz_full)


class _CallableSum(FiniteSumOperator):
    def __init__(self, funcs, dim, lipschitz, lipschitz_full):
        funcs = list(funcs)
        if not funcs:
            raise ValueError("funcs must hold at least one component (n_components >= 1)")
        bad = [i for i, f in enumerate(funcs) if not callable(f)]
        if bad:
            raise TypeError(f"funcs[{bad[0]}] is not callable")
        super().__init__(len(funcs), dim, lipschitz=lipschitz, lipschitz_full=lipschitz_full)
        self.funcs = funcs

    def batch(self, idx, x):
        xp = get_namespace(x)
        total = None
        for i in np.asarray(idx).tolist():
            v = xp.asarray(self.funcs[i](x))
            total = v if total is None else total + v
        return total / len(idx)


def _column_groups(d: int, n_components: int | None, groups: Any):
    """``(n, indptr, order)``: the columns of group ``i`` are ``order[indptr[i]:indptr[i+1]]``."""
    if groups is None:
        n = d if n_components is None else check_int("n_components", n_components, low=1)
        if n > d:
            raise ValueError(f"n_components={n} exceeds the number of columns {d}")
        groups = np.repeat(np.arange(n), [len(c) for c in np.array_split(np.arange(d), n)])
    groups = np.asarray(to_numpy(groups))
    if groups.shape != (d,) or groups.dtype.kind not in "iu":
        raise ValueError(f"groups must be an integer array of shape ({d},)")
    n = int(groups.max()) + 1 if d else 0
    counts = np.bincount(groups, minlength=n)
    if groups.min() < 0 or (counts == 0).any():
        raise ValueError("groups must use every component 0 .. n-1 (n_components >= 1)")
    order = np.argsort(groups, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return n, indptr, order


def _gather(indptr, order, idx) -> np.ndarray:
    """Columns of the groups ``idx``, vectorised (no loop over components)."""
    idx = np.asarray(idx)
    starts, lengths = indptr[idx], indptr[idx + 1] - indptr[idx]
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return order[np.repeat(starts, lengths) + offsets]


class _MatrixSum(FiniteSumOperator):
    def __init__(self, M, q, n_components, groups):
        if M is None or not hasattr(M, "shape") or len(M.shape) != 2:
            raise TypeError("M must be a 2-D array or sparse matrix")
        d = M.shape[0]
        if M.shape != (d, d):
            raise ValueError(f"M must be square (a monotone operator on R^d), got {M.shape}")
        self.xp = get_namespace(M, q)
        self.sparse = is_sparse(M)
        self.M = M.tocsc() if self.sparse else M
        self.Mt = None if self.sparse else _row_major(self.xp, M.T)  # columns of M as rows
        self.q = None if q is None else self.xp.asarray(q)
        if self.q is not None and tuple(self.q.shape) != (d,):
            raise ValueError(f"q must have shape ({d},), got {tuple(self.q.shape)}")
        n, self.indptr, self.order = _column_groups(d, n_components, groups)
        super().__init__(n, d)

    @functools.cached_property
    def lipschitz_full(self) -> float:
        return spectral_norm(self.M)

    @functools.cached_property
    def lipschitz(self) -> float:
        if self.sparse:
            sq = np.asarray(to_numpy(self.M.multiply(self.M).sum(axis=0))).ravel()
        else:
            sq = np.asarray(to_numpy(self.xp.sum(self.M * self.M, axis=0)))
        group_sq = np.add.reduceat(sq[self.order], self.indptr[:-1])
        return math.sqrt(self.n_components * float(group_sq.max())) or 1e-300

    def _apply(self, idx, x):
        cols = _gather(self.indptr, self.order, idx)
        scale = self.n_components / len(idx)
        c = self.xp.asarray(cols)
        if self.sparse:
            return scale * (self.M[:, c] @ x[c])
        return scale * (self.xp.take(x, c, axis=0) @ self.xp.take(self.Mt, c, axis=0))

    def full(self, x):
        y = self.M @ x
        return y if self.q is None else y + self.q

    def batch(self, idx, x):
        y = self._apply(idx, x)
        return y if self.q is None else y + self.q

    def batch_diff(self, idx, x, y):
        return self._apply(idx, x - y)


class _BilinearSum(FiniteSumOperator):
    def __init__(self, A, b, c):
        if A is None or not hasattr(A, "shape") or len(A.shape) != 2:
            raise TypeError("A must be a 2-D array or sparse matrix")
        self.m, self.k = A.shape  # y in R^m, x in R^k
        self.xp = get_namespace(A, b, c)
        self.sparse = is_sparse(A)
        self.A = A.tocsr() if self.sparse else A
        # rows of A^T are the columns of A: a row-major copy makes a batch's column gather
        # contiguous (the strided gather dominated the batch at n = 5000)
        self.At = A.T.tocsr() if self.sparse else _row_major(self.xp, A.T)
        self.b = None if b is None else self.xp.asarray(b)
        self.c = None if c is None else self.xp.asarray(c)
        for name, v, size in (("b", self.b, self.m), ("c", self.c, self.k)):
            if v is not None and tuple(v.shape) != (size,):
                raise ValueError(f"{name} must have shape ({size},), got {tuple(v.shape)}")
        super().__init__(max(self.m, self.k), self.m + self.k)

    @functools.cached_property
    def lipschitz_full(self) -> float:
        return spectral_norm(self.A)

    @functools.cached_property
    def lipschitz(self) -> float:
        A = self.A
        sq = A.multiply(A) if self.sparse else A * A
        rows = np.asarray(to_numpy(sq.sum(axis=1) if self.sparse else self.xp.sum(sq, axis=1)))
        cols = np.asarray(to_numpy(sq.sum(axis=0) if self.sparse else self.xp.sum(sq, axis=0)))
        return math.sqrt(self.n_components * float(max(rows.max(), cols.max()))) or 1e-300

    def _split(self, u):
        return u[:self.k], u[self.k:]

    def _apply(self, idx, u):
        """``n/|idx| (A[rows]^T y[rows], -A[:, cols] x[cols])``, rows/cols = idx in range."""
        xp = self.xp
        x, y = self._split(u)
        idx = np.asarray(idx)
        rows, cols = idx[idx < self.m], idx[idx < self.k]
        scale = self.n_components / len(idx)
        r, c = xp.asarray(rows), xp.asarray(cols)
        if self.sparse:
            gx = self.At[:, r] @ y[r] if rows.size else xp.zeros(self.k, dtype=u.dtype)
            gy = self.A[:, c] @ x[c] if cols.size else xp.zeros(self.m, dtype=u.dtype)
        else:
            gx = xp.take(y, r, axis=0) @ xp.take(self.A, r, axis=0)
            gy = xp.take(x, c, axis=0) @ xp.take(self.At, c, axis=0)
        return xp.concat([scale * gx, -scale * gy])

    def _shift(self, g):
        if self.b is None and self.c is None:
            return g
        xp = self.xp
        c = self.c if self.c is not None else xp.zeros(self.k, dtype=g.dtype)
        b = self.b if self.b is not None else xp.zeros(self.m, dtype=g.dtype)
        return g + xp.concat([c, b])

    def full(self, u):
        x, y = self._split(u)
        return self._shift(self.xp.concat([self.At @ y, -(self.A @ x)]))

    def batch(self, idx, u):
        return self._shift(self._apply(idx, u))

    def batch_diff(self, idx, u, v):
        return self._apply(idx, u - v)


class _SaddleSum(FiniteSumOperator):
    def __init__(self, grad_x, grad_y, n_components, dim_x, dim_y, lipschitz, lipschitz_full):
        for name, g in (("grad_x", grad_x), ("grad_y", grad_y)):
            if not callable(g):
                raise TypeError(f"{name} must be callable, got {type(g).__name__}")
        self.dim_x = check_int("dim_x", dim_x, low=1)
        check_int("dim_y", dim_y, low=1)
        super().__init__(n_components, dim_x + dim_y, lipschitz=lipschitz,
                         lipschitz_full=lipschitz_full)
        self.grad_x, self.grad_y = grad_x, grad_y

    def batch(self, idx, u):
        xp = get_namespace(u)
        x, y = u[:self.dim_x], u[self.dim_x:]
        return xp.concat([xp.asarray(self.grad_x(x, y, idx)),
                          -xp.asarray(self.grad_y(x, y, idx))])
