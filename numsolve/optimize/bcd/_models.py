"""The smooth part ``f`` of ``F = f + g`` as seen by block coordinate descent.

Every model keeps its state current under block steps ``x_b <- x_b + t d`` and offers:

* ``fval()``, ``grad_block(b)``, ``grad_full()`` (kept current in ``O(nnz)`` per step after
  ``keep_gradient()``, which greedy rules call);
* ``prepare(b, d)`` then ``change(t) = f(x + t U_b d) - f(x)`` (line searches, adaptive
  ``L_b``) and ``commit(t)``;
* ``hess(b, exact)``: the block Hessian bound ``H_b`` (``exact=False``; section 1.2) or the
  true block Hessian at ``x`` (``exact=True``, Newton updates);
* ``coord_lipschitz()``, ``gershgorin()`` (the GSD constants ``d_i = sum_j |H_ij|``),
  ``hessp_bound(v)`` (``H v`` for a global bound ``H``, IHT) and ``global_lipschitz()``;
* ``work``: the number of nonzeros touched so far (cost in units of work, spec section 4).

:class:`LinearModel` (least squares, logistic, softmax on ``A`` in CSC/CSR),
:class:`QuadraticModel` (sparse quadratics ``x^T Q x / 2 - c^T x``) and :class:`GenericModel`
(plain callables with ``jac`` and optionally ``hess``/``hessp``: the documented slow path, one
full gradient per iteration).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ...objectives import BinaryLogistic, LeastSquares, MultinomialLogistic, SparseQuadratic
from . import _kernels as kern

__all__ = ["LinearModel", "QuadraticModel", "GenericModel", "make_model"]


def _finite(name: str, arr) -> None:
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")


class LinearModel:
    """``f = sum_r phi(z_r) + (l2/2)||x||^2`` with ``Z = A W`` kept current (module notes of
    :mod:`._kernels`)."""

    def __init__(self, obj, x0: np.ndarray):
        A = obj.A.toarray() if hasattr(obj.A, "toarray") and not sp.issparse(obj.A) else obj.A
        Ac = sp.csc_matrix(A, dtype=np.float64)
        Ac.sum_duplicates()
        _finite("the data A", Ac.data)
        self.Ac, self.Ar = Ac, Ac.tocsr()
        N, d = Ac.shape
        if isinstance(obj, MultinomialLogistic):
            self.loss, self.K = kern.SOFTMAX, obj.n_classes
            Y = np.asarray(obj.Y, dtype=np.float64)
        elif isinstance(obj, BinaryLogistic):
            self.loss, self.K = kern.LOGISTIC, 1
            Y = np.asarray(obj.y, dtype=np.float64).reshape(N, 1)
        else:
            self.loss, self.K = kern.LS, 1
            Y = np.asarray(obj.b, dtype=np.float64).reshape(N, 1)
        _finite("the targets/labels", Y)
        self.Y = np.ascontiguousarray(Y)
        self.curv, self.l2, self.obj = float(obj._curv), float(obj.l2), obj
        self.n, self.N, self.d = d * self.K, N, d
        self.x = np.array(x0, dtype=np.float64)
        self.Z = np.ascontiguousarray(np.asarray(Ac @ self.x.reshape(d, self.K)))
        self.D = np.empty_like(self.Z)
        kern.dphi_all(self.loss, self.Z, self.Y, self.D)
        self.full, self.g, self.work = False, None, 0
        self._mark = np.zeros(N, np.int64)
        self._hmark = np.zeros(N, np.int64)
        self._stamp = 0
        self._pos = np.zeros(N, np.int64)
        self._rows = np.zeros(N, np.int64)
        self._dZ = np.zeros((N, self.K))
        self._zbuf, self._dold, self._work = np.zeros(self.K), np.zeros(self.K), np.zeros(N)
        self._prep = None

    # ---- constants ----------------------------------------------------------------------------
    def coord_lipschitz(self) -> np.ndarray:
        col = np.asarray(self.Ac.multiply(self.Ac).sum(axis=0)).ravel()
        return np.repeat(self.curv * col, self.K) + self.l2

    def gershgorin(self) -> np.ndarray:
        Aa = abs(self.Ac)
        row = Aa.T @ (Aa @ np.ones(self.d))
        return np.repeat(self.curv * np.asarray(row).ravel(), self.K) + self.l2

    def global_lipschitz(self) -> float:
        return float(self.obj.lipschitz())

    def hessp_bound(self, v: np.ndarray) -> np.ndarray:
        V = v.reshape(self.d, self.K)
        return (self.curv * (self.Ar.T @ (self.Ac @ V))).ravel() + self.l2 * v

    # ---- values and gradients ----------------------------------------------------------------
    def fval(self) -> float:
        l2 = 0.5 * self.l2 * float(np.sum(self.x * self.x))
        return kern.loss_total(self.loss, self.Z, self.Y) + l2

    def _grad_all(self) -> np.ndarray:
        self.work += self.Ac.nnz
        return np.asarray(self.Ar.T @ self.D).ravel() + self.l2 * self.x

    def keep_gradient(self) -> None:
        self.full, self.g = True, self._grad_all()

    def refresh(self) -> None:
        """Recompute ``Z = A W``, ``phi'(Z)`` and the kept gradient from ``x`` (once per epoch:
        removes the rounding drift of the incremental updates at ``O(nnz(A))``)."""
        self.Z[...] = np.asarray(self.Ac @ self.x.reshape(self.d, self.K))
        kern.dphi_all(self.loss, self.Z, self.Y, self.D)
        if self.full:
            self.g = self._grad_all()

    def grad_full(self) -> np.ndarray:
        return self.g if self.full else self._grad_all()

    def grad_block(self, b: np.ndarray) -> np.ndarray:
        if self.full:
            return self.g[b]
        out = np.empty(b.size)
        kern.grad_coords(self.Ac.indptr, self.Ac.indices, self.Ac.data, self.K, b, self.D,
                         self.x, self.l2, out)
        self.work += int(np.sum(np.diff(self.Ac.indptr)[b // self.K]))
        return out

    # ---- block steps --------------------------------------------------------------------------
    def prepare(self, b: np.ndarray, d: np.ndarray) -> None:
        self._stamp += 1
        m = kern.block_dz(self.Ac.indptr, self.Ac.indices, self.Ac.data, self.K, b, d,
                          self._mark, self._stamp, self._pos, self._rows, self._dZ)
        self._prep = (b, d, m)
        self.work += m * self.K

    def change(self, t: float) -> float:
        b, d, m = self._prep
        xb = self.x[b]
        dl2 = 0.5 * self.l2 * float(np.sum((xb + t * d) ** 2) - np.sum(xb ** 2))
        return kern.rows_loss_change(self.loss, self.Z, self.Y, self._rows, self._dZ, m, t,
                                     self._zbuf) + dl2

    def commit(self, t: float = 1.0) -> None:
        b, d, m = self._prep
        g = self.g if self.full else self._zbuf
        kern.commit_rows(self.loss, self.Z, self.Y, self.D, self._rows, self._dZ, m, t,
                         self.full, self.Ar.indptr, self.Ar.indices, self.Ar.data, g,
                         self._dold)
        if self.full:
            self.work += int(np.sum(np.diff(self.Ar.indptr)[self._rows[:m]])) * self.K
            self.g[b] += self.l2 * t * d
        self.x[b] += t * d
        self._prep = None

    def hess(self, b: np.ndarray, exact: bool) -> np.ndarray:
        H = np.zeros((b.size, b.size))
        kern.block_hessian(self.Ac.indptr, self.Ac.indices, self.Ac.data, self.K, b, exact,
                           self.loss, self.curv, self.l2, self.Z, self.D, self.Y, self._work,
                           self._hmark, H)
        return H


class QuadraticModel:
    """``f = x^T Q x / 2 - c^T x``; the gradient ``g = Q x - c`` is always kept current
    (``O(nnz(Q[:, b]))`` per step)."""

    def __init__(self, obj: SparseQuadratic, x0: np.ndarray):
        self.Q, self.c, self.obj = obj.Q, obj.c, obj
        self.n = obj.n
        self.lattice = obj.lattice
        self.qdiag = self.Q.diagonal().copy()
        self.x = np.array(x0, dtype=np.float64)
        self.g = np.asarray(self.Q @ self.x) - self.c
        self.full, self.work, self._prep = True, self.Q.nnz, None
        self._pos = np.full(self.n, -1, np.int64)

    def coord_lipschitz(self) -> np.ndarray:
        return self.qdiag.copy()

    def gershgorin(self) -> np.ndarray:
        return np.asarray(abs(self.Q).sum(axis=0)).ravel()

    def global_lipschitz(self) -> float:
        return self.obj.lipschitz()

    def hessp_bound(self, v: np.ndarray) -> np.ndarray:
        return self.Q @ v

    def fval(self) -> float:
        return 0.5 * float(np.sum(self.x * (self.g - self.c)))  # no BLAS call: cheap

    def keep_gradient(self) -> None:
        pass

    def refresh(self) -> None:
        """``g = Q x - c`` from scratch (removes the drift of the incremental updates)."""
        self.g = np.asarray(self.Q @ self.x) - self.c
        self.work += self.Q.nnz

    def grad_full(self) -> np.ndarray:
        return self.g

    def grad_block(self, b: np.ndarray) -> np.ndarray:
        return self.g[b]

    def prepare(self, b: np.ndarray, d: np.ndarray) -> None:
        dQd = float(d @ self.hess(b, True) @ d) if b.size <= 500 else float(
            d @ (self.Q[b][:, b] @ d))
        self._prep = (b, d, float(self.g[b] @ d), dQd)

    def change(self, t: float) -> float:
        _, _, gd, dQd = self._prep
        return t * gd + 0.5 * t * t * dQd

    def commit(self, t: float = 1.0) -> None:
        b, d = self._prep[:2]
        self.step(b, t * d)
        self._prep = None

    def step(self, b: np.ndarray, d: np.ndarray) -> None:
        """``x_b += d`` and ``g += Q[:, b] d``."""
        kern.sparse_axpy_cols(self.Q.indptr, self.Q.indices, self.Q.data, b, d, self.g)
        self.x[b] += d
        self.work += int(np.sum(np.diff(self.Q.indptr)[b]))

    def hess(self, b: np.ndarray, exact: bool) -> np.ndarray:
        H = np.zeros((b.size, b.size))
        kern.sub_block(self.Q.indptr, self.Q.indices, self.Q.data, b, self._pos, H)
        return H


class GenericModel:
    """Plain callables: ``fun(x, *args)``, ``jac`` (required) and optionally ``hess`` or
    ``hessp``. One full gradient per iteration and one ``fun`` call per trial step: slower than
    the structured models, for problems without the ``A`` or ``Q`` structure."""

    def __init__(self, fun, jac, hess, hessp, args, x0: np.ndarray):
        if jac is None and hasattr(fun, "grad"):
            jac = fun.grad
        if jac is None or isinstance(jac, str):
            raise ValueError("method 'bcd' needs the gradient for a plain callable: pass jac= "
                             "(a callable or True), or use a numsolve.objectives objective")
        self.fun, self.jac, self.hess_f, self.hessp_f, self.args = fun, jac, hess, hessp, args
        self.x = np.array(x0, dtype=np.float64)
        self.n = self.x.size
        self.full, self.work, self._prep = True, 0, None
        self.nfev = self.njev = 0
        self._f = self._eval(self.x)
        self.g = self._gradient()

    def _eval(self, z) -> float:
        self.nfev += 1
        v = self.fun(z, *self.args)
        return float(v[0] if self.jac is True else v)

    def _gradient(self) -> np.ndarray:
        self.njev += 1
        self.work += self.n
        g = self.fun(self.x, *self.args)[1] if self.jac is True else self.jac(self.x, *self.args)
        return np.asarray(g, dtype=np.float64).reshape(-1)

    def coord_lipschitz(self) -> np.ndarray:
        if self.hess_f is not None:
            H = self.hess_f(self.x, *self.args)
            diag = H.diagonal() if sp.issparse(H) else np.diag(np.asarray(H))
        elif self.hessp_f is not None and self.n <= 2000:
            diag = np.diag(self.hess(np.arange(self.n), True))
        else:
            return np.ones(self.n)
        return np.maximum(np.asarray(diag, dtype=np.float64), 1e-12)

    def gershgorin(self) -> np.ndarray:
        return self.coord_lipschitz()

    def global_lipschitz(self) -> float:
        return float(np.max(self.coord_lipschitz())) * self.n

    def hessp_bound(self, v: np.ndarray) -> np.ndarray:
        if self.hessp_f is not None:
            return np.asarray(self.hessp_f(self.x, v, *self.args))
        if self.hess_f is not None:
            return np.asarray(self.hess_f(self.x, *self.args) @ v)
        return self.global_lipschitz() * v

    def fval(self) -> float:
        return self._f

    def keep_gradient(self) -> None:
        pass

    def refresh(self) -> None:
        pass

    def grad_full(self) -> np.ndarray:
        return self.g

    def grad_block(self, b: np.ndarray) -> np.ndarray:
        return self.g[b]

    def prepare(self, b, d) -> None:
        self._prep = (b, d, {})

    def change(self, t: float) -> float:
        b, d, cache = self._prep
        z = self.x.copy()
        z[b] += t * d
        cache[t] = self._eval(z)
        return cache[t] - self._f

    def commit(self, t: float = 1.0) -> None:
        b, d, cache = self._prep
        self.x[b] += t * d
        self._f = cache[t] if t in cache else self._eval(self.x)
        self.g = self._gradient()
        self._prep = None

    def hess(self, b: np.ndarray, exact: bool) -> np.ndarray:
        if self.hess_f is not None:
            H = self.hess_f(self.x, *self.args)
            H = H.tocsr()[b][:, b].toarray() if sp.issparse(H) else np.asarray(H)[np.ix_(b, b)]
            return np.asarray(H, dtype=np.float64)
        if self.hessp_f is not None:
            cols = []
            for i in b:
                e = np.zeros(self.n)
                e[i] = 1.0
                cols.append(np.asarray(self.hessp_f(self.x, e, *self.args))[b])
            return np.array(cols).T
        raise ValueError("update='matrix'/'newton' on a plain callable needs hess= or hessp=")


def make_model(smooth, x0, jac, hess, hessp, args):
    """The model of ``smooth`` (structured objectives get the incremental paths)."""
    data = getattr(smooth, "A", getattr(smooth, "Q", None))
    if data is not None and not (sp.issparse(data) or isinstance(data, np.ndarray)):
        raise TypeError("method 'bcd' runs on the CPU only (Numba kernels on CSC data); the "
                        f"objective holds a {type(data).__module__} array - build it from "
                        "NumPy/SciPy data")
    if args == () and isinstance(smooth, (LeastSquares, BinaryLogistic, MultinomialLogistic)):
        if x0.size != smooth.dim:
            raise ValueError(f"x0 has {x0.size} elements, the objective has {smooth.dim}")
        return LinearModel(smooth, x0)
    if args == () and isinstance(smooth, SparseQuadratic):
        if x0.size != smooth.n:
            raise ValueError(f"x0 has {x0.size} elements, the objective has {smooth.n}")
        return QuadraticModel(smooth, x0)
    return GenericModel(smooth, jac, hess, hessp, args, x0)
