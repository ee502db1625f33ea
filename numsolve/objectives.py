"""Structured smooth objectives: least squares, binary and multinomial logistic regression.

Each objective is a callable ``f(x) -> float`` (so :func:`scipy.optimize.minimize` and
:func:`numsolve.minimize` accept it directly) that also provides

* ``grad(x)`` (alias ``jac``), ``hessp(x, p)`` and ``hess(x)`` (dense, for small problems);
* ``hess_sqrt(x)``: a matrix ``M`` with ``hess(x) = M.T @ M + l2 * I`` (the ``A^T D^{1/2}``
  form, returned as ``D^{1/2} A``, ``N x d``), which :func:`numsolve.minimize` with
  ``method='newton-sketch'`` sketches instead of forming the Hessian;
* ``lipschitz()``, ``coordinate_lipschitz()`` and ``block_lipschitz(blocks)``: global,
  per-coordinate and per-block Lipschitz constants of the gradient (for coordinate descent).

``A`` may be a NumPy/CuPy array or a SciPy/CuPy sparse matrix; every method works in the
namespace of ``A`` (``x`` must live there too). The ridge term is ``(l2 / 2) ||x||^2``; losses
are sums over the ``N`` samples (not means).

Examples
--------
>>> import numpy as np
>>> from scipy.optimize import minimize, check_grad
>>> from numsolve.objectives import BinaryLogistic
>>> rng = np.random.default_rng(0)
>>> A = rng.standard_normal((200, 5)); y = np.sign(A @ np.ones(5) + rng.standard_normal(200))
>>> f = BinaryLogistic(A, y, l2=1.0)
>>> bool(check_grad(f, f.grad, np.zeros(5)) < 1e-5)
True
>>> res = minimize(f, np.zeros(5), jac=f.grad, hessp=f.hessp, method="newton-cg")
>>> bool(res.success and np.linalg.norm(f.grad(res.x)) < 1e-4)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._backend import get_namespace, is_numpy_namespace, is_sparse, to_numpy
from ._checks import check_real

__all__ = ["Objective", "LeastSquares", "BinaryLogistic", "MultinomialLogistic"]


def _col_sq_norms(A, xp):
    if is_sparse(A):
        return xp.asarray((A.multiply(A)).sum(axis=0)).reshape(-1)
    return xp.sum(A * A, axis=0)


def _lam_max_gram(A) -> float:
    """Largest eigenvalue of ``A.T @ A`` (dense exact for small d, else Lanczos)."""
    from scipy.sparse.linalg import LinearOperator, eigsh

    Ah = to_numpy(A)
    d = Ah.shape[1]
    if d <= 200:
        G = Ah.T @ Ah
        G = G.toarray() if hasattr(G, "toarray") else np.asarray(G)
        return float(np.linalg.eigvalsh(G)[-1]) if d else 0.0
    op = LinearOperator((d, d), matvec=lambda v: Ah.T @ (Ah @ v), dtype=np.float64)
    return float(eigsh(op, k=1, which="LA", tol=1e-6, return_eigenvectors=False)[0])


class Objective:
    """Base class of the objectives: data ``A`` (``N x d``), ridge ``l2``, curvature bound.

    A subclass defines ``fun``, ``grad``, ``hessp`` and ``hess_sqrt`` and sets ``_curv``, a
    bound on the second derivative of its per-sample loss; the base class derives ``hess``,
    ``jac``, ``__call__`` and the Lipschitz constants from them.

    Parameters
    ----------
    A : array or sparse matrix, shape (N, d)
        Data, one sample per row (NumPy/CuPy array or SciPy/CuPy sparse matrix; sparse input
        is converted to CSR, integer arrays to float64).
    l2 : float
        Ridge weight (``>= 0``): the objective includes ``(l2 / 2) ||x||^2``.

    Attributes
    ----------
    A : array or sparse matrix
    xp : namespace
        The array namespace of ``A``.
    n_samples, n_features : int
        ``N`` and ``d``.

    Examples
    --------
    Every objective is an ``Objective``; the Lipschitz constants bound the curvature:

    >>> import numpy as np
    >>> from numsolve.objectives import LeastSquares, Objective
    >>> A = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    >>> f = LeastSquares(A, np.zeros(3), l2=0.5)
    >>> isinstance(f, Objective), f.n_samples, f.n_features
    (True, 3, 2)
    >>> f.lipschitz(), f.coordinate_lipschitz()         # lambda_max(A^T A) + l2, ||A_j||^2 + l2
    (4.5, array([1.5, 4.5]))
    """

    _curv = 1.0  # bound on the second derivative of the per-sample loss (least squares: 1)

    def __init__(self, A: Any, l2: float = 0.0):
        if is_sparse(A):
            A = A.tocsr()
        else:
            xp = get_namespace(A)
            A = xp.asarray(A)
            if not xp.isdtype(A.dtype, "real floating"):
                A = xp.astype(A, xp.float64)
        if A.ndim != 2:
            raise ValueError(f"A must be 2-D (N, d), got shape {tuple(A.shape)}")
        self.A = A
        self.xp = get_namespace(A)
        self.l2 = check_real("l2", l2, low=0.0)
        self.n_samples, self.n_features = int(A.shape[0]), int(A.shape[1])

    # dimension of x
    @property
    def dim(self) -> int:
        return self.n_features

    def __call__(self, x) -> float:
        return self.fun(x)

    def jac(self, x):
        return self.grad(x)

    def _labels(self, y, dtype=None) -> np.ndarray:
        """The labels ``y`` as a flat host array with one entry per sample."""
        yh = np.asarray(to_numpy(y), dtype=dtype).reshape(-1)
        if yh.shape[0] != self.n_samples:
            raise ValueError(f"y has {yh.shape[0]} entries, expected {self.n_samples}")
        return yh

    def _x(self, x):
        x = self.xp.asarray(x)
        if tuple(x.shape) != (self.dim,):
            raise ValueError(f"x has shape {tuple(x.shape)}, expected ({self.dim},)")
        return x

    def hess(self, x):
        """Dense Hessian ``M.T @ M + l2 I`` (``d x d``; small problems)."""
        M = self.hess_sqrt(x)
        if not (is_sparse(M) or hasattr(M, "__array_namespace__") or isinstance(M, np.ndarray)):
            # a LinearOperator: assemble from Hessian-vector products
            return self.xp.stack([self.hessp(x, e) for e in self.xp.eye(self.dim)], axis=1)
        H = M.T @ M
        H = H.toarray() if is_sparse(H) else H
        return self.xp.asarray(H) + self.l2 * self.xp.eye(self.dim, dtype=H.dtype)

    # Lipschitz constants of the gradient
    def lipschitz(self) -> float:
        """Global Lipschitz constant of ``grad``: ``c * lambda_max(A.T A) + l2``."""
        return self._curv * _lam_max_gram(self.A) + self.l2

    def coordinate_lipschitz(self):
        """Per-coordinate constants ``L_j = c * ||A[:, j]||^2 + l2`` (array of length d)."""
        return self._curv * _col_sq_norms(self.A, self.xp) + self.l2

    def block_lipschitz(self, blocks: Sequence[Any]) -> np.ndarray:
        """Per-block constants ``c * lambda_max(A_B.T A_B) + l2`` for index arrays ``blocks``."""
        out = []
        for B in blocks:
            B = np.asarray(to_numpy(B)).reshape(-1)
            AB = self.A[:, B] if not is_sparse(self.A) else self.A[:, B]
            if not is_sparse(AB) and not is_numpy_namespace(self.xp):
                AB = self.xp.take(self.A, self.xp.asarray(B), axis=1)
            out.append(self._curv * _lam_max_gram(AB) + self.l2)
        return np.asarray(out)


class LeastSquares(Objective):
    """``f(x) = 0.5 ||A x - b||^2 + (l2/2) ||x||^2``.

    Parameters
    ----------
    A : array or sparse matrix, shape (N, d)
        Data, one sample per row.
    b : array, shape (N,)
        Targets.
    l2 : float
        Ridge weight (``>= 0``).

    Examples
    --------
    Ridge regression; the minimiser solves ``(A^T A + l2 I) x = A^T b``:

    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.objectives import LeastSquares
    >>> rng = np.random.default_rng(0)
    >>> A, b = rng.standard_normal((100, 4)), rng.standard_normal(100)
    >>> f = LeastSquares(A, b, l2=1.0)
    >>> res = numsolve.minimize(f, np.zeros(4), method="newton-sketch",
    ...                         options={"grtol": 1e-12, "rng": 0})
    >>> x_ref = np.linalg.solve(A.T @ A + np.eye(4), A.T @ b)
    >>> bool(np.allclose(res.x, x_ref)), bool(np.allclose(f.hessp(res.x, np.ones(4)),
    ...                                                   f.hess(res.x) @ np.ones(4)))
    (True, True)
    """

    def __init__(self, A, b, l2: float = 0.0):
        super().__init__(A, l2)
        b = self.xp.asarray(b)
        if tuple(b.shape) != (self.n_samples,):
            raise ValueError(f"b has shape {tuple(b.shape)}, expected ({self.n_samples},)")
        self.b = self.xp.astype(b, self.A.dtype) if b.dtype != self.A.dtype else b

    def fun(self, x) -> float:
        x = self._x(x)
        r = self.A @ x - self.b
        return float(0.5 * self.xp.sum(r * r) + 0.5 * self.l2 * self.xp.sum(x * x))

    def grad(self, x):
        x = self._x(x)
        return self.A.T @ (self.A @ x - self.b) + self.l2 * x

    def hessp(self, x, p):
        p = self._x(p)
        return self.A.T @ (self.A @ p) + self.l2 * p

    def hess_sqrt(self, x):
        return self.A

    def hess_sqrt_factors(self, x):
        """``(w, A)`` with ``hess_sqrt(x) = diag(w) @ A`` (here ``w = 1``)."""
        return self.xp.ones(self.n_samples, dtype=self.A.dtype), self.A


class BinaryLogistic(Objective):
    """``f(x) = sum_i log(1 + exp(-y_i a_i^T x)) + (l2/2) ||x||^2`` with labels ``y_i = +-1``.

    Labels ``{0, 1}`` are mapped to ``{-1, +1}``. Add a column of ones to ``A`` for an
    intercept.

    Parameters
    ----------
    A : array or sparse matrix, shape (N, d)
        Data, one sample per row.
    y : array, shape (N,)
        Labels, ``-1/+1`` or ``0/1``.
    l2 : float
        Ridge weight (``>= 0``).

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.objectives import BinaryLogistic
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((500, 10))
    >>> y = (A @ np.ones(10) + rng.standard_normal(500) > 0).astype(float)   # 0/1 labels
    >>> f = BinaryLogistic(A, y, l2=1.0)
    >>> res = numsolve.minimize(f, np.zeros(10), method="newton-sketch",
    ...                         options={"grtol": 1e-10, "rng": 0})
    >>> res.success, bool(np.linalg.norm(f.grad(res.x)) < 1e-6)
    (True, True)
    >>> f.hess_sqrt(res.x).shape      # D^{1/2} A, what the Newton sketch sketches
    (500, 10)
    """

    _curv = 0.25

    def __init__(self, A, y, l2: float = 0.0):
        super().__init__(A, l2)
        yh = self._labels(y, np.float64)
        vals = np.unique(yh)
        if set(vals) <= {0.0, 1.0}:
            yh = 2 * yh - 1
        elif not set(vals) <= {-1.0, 1.0}:
            raise ValueError(f"y must hold two classes coded -1/+1 or 0/1, got values {vals[:5]}")
        self.y = self.xp.asarray(yh, dtype=self.A.dtype)

    def _margins(self, x):
        return self.y * (self.A @ x)

    def fun(self, x) -> float:
        x = self._x(x)
        xp = self.xp
        t = self._margins(x)
        return float(xp.sum(xp.logaddexp(xp.zeros_like(t), -t)) + 0.5 * self.l2 * xp.sum(x * x))

    def grad(self, x):
        x = self._x(x)
        xp = self.xp
        t = self._margins(x)
        s = xp.exp(-xp.logaddexp(xp.zeros_like(t), t))  # sigma(-t)
        return self.A.T @ (-self.y * s) + self.l2 * x

    def fun_and_grad(self, x):
        """``(f(x), grad(x))`` sharing the product ``A @ x``."""
        x = self._x(x)
        xp = self.xp
        t = self._margins(x)
        lp = xp.logaddexp(xp.zeros_like(t), -t)
        s = xp.exp(-xp.logaddexp(xp.zeros_like(t), t))
        f = float(xp.sum(lp) + 0.5 * self.l2 * xp.sum(x * x))
        return f, self.A.T @ (-self.y * s) + self.l2 * x

    def _weights(self, x):
        # cached for the last x (Newton-type methods ask for several Hessian products at
        # the same point): saves a pass over A per product
        # (keyed on a private copy of x: callers may update their x in place)
        xp = self.xp
        cache = getattr(self, "_wcache", None)
        if cache is not None and bool(xp.all(cache[0] == x)):
            return cache[1]
        z = self.A @ x
        p = xp.exp(-xp.logaddexp(xp.zeros_like(z), -z))
        w = p * (1 - p)
        self._wcache = (xp.asarray(x, copy=True), w)
        return w

    def hessp(self, x, p):
        x = self._x(x)
        p = self._x(p)
        return self.A.T @ (self._weights(x) * (self.A @ p)) + self.l2 * p

    def hess_sqrt_factors(self, x):
        """``(w, A)`` with ``hess_sqrt(x) = diag(w) @ A``, ``w = sqrt(p (1 - p))``: lets a
        sketch fold the weights in instead of forming the scaled copy of ``A``."""
        return self.xp.sqrt(self._weights(self._x(x))), self.A

    def hess_sqrt(self, x):
        """``D^{1/2} A`` with ``D = diag(p_i (1 - p_i))`` (same sparsity as ``A``)."""
        x = self._x(x)
        w = self.xp.sqrt(self._weights(x))
        if is_sparse(self.A):
            return self.A.multiply(w[:, None] if not is_numpy_namespace(self.xp)
                                   else np.asarray(w)[:, None]).tocsr()
        return w[:, None] * self.A


class MultinomialLogistic(Objective):
    """Softmax regression: ``f(W) = sum_i [logsumexp(x_i^T W) - x_i^T w_{y_i}] + (l2/2)||W||^2``.

    The variable is ``W`` (``d x K``) flattened row-major: ``x = W.ravel()``, length ``d K``.

    Parameters
    ----------
    A : array or sparse matrix, shape (N, d)
        Data, one sample per row.
    y : array of int, shape (N,)
        Class labels ``0 .. K-1``.
    l2 : float
        Ridge weight (``>= 0``).
    n_classes : int, optional
        ``K`` (default ``max(y) + 1``).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.optimize import check_grad
    >>> import numsolve
    >>> from numsolve.objectives import MultinomialLogistic
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((300, 4))
    >>> y = np.argmax(A[:, :3], axis=1)                     # three classes
    >>> f = MultinomialLogistic(A, y, l2=1.0)
    >>> f.n_classes, f.dim                                  # x holds d * K coefficients
    (3, 12)
    >>> bool(check_grad(f, f.grad, np.zeros(f.dim)) < 1e-4)
    True
    >>> res = numsolve.minimize(f, np.zeros(f.dim), method="newton-sketch",
    ...                         options={"grtol": 1e-10, "rng": 0})
    >>> res.success
    True
    """

    _curv = 0.5  # diag(p) - p p^T <= I/2

    def __init__(self, A, y, l2: float = 0.0, n_classes: int | None = None):
        super().__init__(A, l2)
        yh = self._labels(y)
        if not np.all(yh == np.round(yh)) or yh.min() < 0:
            raise ValueError("y must hold integer class labels 0 .. K-1")
        yh = yh.astype(np.int64)
        K = int(yh.max()) + 1 if n_classes is None else int(n_classes)
        if K < 2 or yh.max() >= K:
            raise ValueError(f"need at least 2 classes and labels < n_classes={K}")
        self.n_classes = K
        Y = np.zeros((self.n_samples, K))
        Y[np.arange(self.n_samples), yh] = 1.0
        self.Y = self.xp.asarray(Y, dtype=self.A.dtype)

    @property
    def dim(self) -> int:
        return self.n_features * self.n_classes

    def _W(self, x):
        return self.xp.reshape(self._x(x), (self.n_features, self.n_classes))

    def _probs(self, W):
        xp = self.xp
        Z = self.A @ W
        Z = Z - xp.max(Z, axis=1, keepdims=True)
        E = xp.exp(Z)
        s = xp.sum(E, axis=1, keepdims=True)
        return Z, E / s, xp.log(s)

    def fun(self, x) -> float:
        xp = self.xp
        W = self._W(x)
        Z, _, lse = self._probs(W)
        return float(xp.sum(lse) - xp.sum(Z * self.Y) + 0.5 * self.l2 * xp.sum(W * W))

    def grad(self, x):
        W = self._W(x)
        _, P, _ = self._probs(W)
        G = self.A.T @ (P - self.Y) + self.l2 * W
        return self.xp.reshape(G, (self.dim,))

    def hessp(self, x, p):
        xp = self.xp
        W, V = self._W(x), self._W(p)
        _, P, _ = self._probs(W)
        Zv = self.A @ V
        PZ = P * Zv
        T = PZ - P * xp.sum(PZ, axis=1, keepdims=True)
        return xp.reshape(self.A.T @ T + self.l2 * V, (self.dim,))

    def hess_sqrt(self, x):
        """``M`` (``N K x d K``) with ``M.T M = hess - l2 I``, as a ``LinearOperator``.

        Row ``(i, k)`` of ``M`` is ``a_i (x) B_i[:, k]`` with ``B_i = diag(sqrt(p_i)) -
        p_i sqrt(p_i)^T`` (``B_i B_i^T = diag(p_i) - p_i p_i^T``). NumPy only.
        """
        from scipy.sparse.linalg import LinearOperator

        W = self._W(x)
        _, P, _ = self._probs(W)
        P = np.asarray(to_numpy(P))
        A = to_numpy(self.A)
        N, d, K = self.n_samples, self.n_features, self.n_classes
        sq = np.sqrt(P)

        def matvec(v):  # v: (d K,) -> (N K,)
            Zv = A @ np.reshape(v, (d, K))  # (N, K): a_i^T V
            # (B_i^T z)_k = sqrt(p_k) z_k - sqrt(p_k) (p . z)
            out = sq * Zv - sq * np.sum(P * Zv, axis=1, keepdims=True)
            return out.reshape(-1)

        def rmatvec(u):  # u: (N K,) -> (d K,)
            U = np.reshape(u, (N, K))
            # (B_i u_i)_l = sqrt(p_l) u_l - p_l (sqrt(p) . u_i)
            T = sq * U - P * np.sum(sq * U, axis=1, keepdims=True)
            return np.asarray(A.T @ T).reshape(-1)

        def matmat(V):
            return np.stack([matvec(V[:, j]) for j in range(V.shape[1])], axis=1)

        def rmatmat(U):
            return np.stack([rmatvec(U[:, j]) for j in range(U.shape[1])], axis=1)

        return LinearOperator((N * K, d * K), matvec=matvec, rmatvec=rmatvec, matmat=matmat,
                              rmatmat=rmatmat, dtype=np.float64)
