"""Direction models for :func:`numsolve.solve` ``method='dcdm'`` (and preconditioners for FCG).

* :class:`DirectionModel` - the protocol a user model follows: a callable ``r -> direction``
  (NumPy in, NumPy out; CuPy in, CuPy out), optionally with ``fit``, ``save`` and ``load``.
* :class:`MultilevelStencilModel` - a small *linear* multilevel filter bank for structured
  2-D/3-D grids, ``q = sum_l P^l (K_l * R^l r)``, fitted in seconds on a CPU by least squares
  (the CPU-trainable substitute of DCDM's convolutional network).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..._backend import get_namespace, is_linear_operator, is_sparse, numba_available
from ..._checks import as_rng, check_choice, check_int

__all__ = ["DirectionModel", "MultilevelStencilModel", "sine_training_vectors"]


@runtime_checkable
class DirectionModel(Protocol):
    """Protocol of a search-direction model ``r -> q``.

    Only ``__call__`` is required. ``numsolve.solve(A, b, method='dcdm', model=m)`` calls
    ``m(r / norm(r))`` once per iteration with a 1-D residual of ``b``'s namespace and dtype
    (NumPy or CuPy) and expects an array of the same shape and namespace back. The direction's
    scale and sign do not matter (the solver does an exact line search); it may be nonlinear
    (the network of DCDM [1]_ is).

    Optional methods used by numsolve's tooling and recommended for user models:

    ``fit(A, ...) -> self``
        Train on the system matrix ``A`` (or on a family of them).
    ``save(path)`` / ``load(path)`` (a classmethod)
        Persist the trained parameters.

    Parameters
    ----------
    r : array, shape (n,)
        The argument of ``__call__``: the normalised residual ``r / norm(r)``, in the
        namespace and dtype of ``b``. The call returns the direction ``q``, an array of the
        same shape and namespace.

    References
    ----------
    .. [1] A. Kaneda, O. Akar, J. Chen, V. A. T. Kala, D. Hyde and J. Teran, "A deep
       conjugate direction method for iteratively solving linear systems", ICML 2023.

    Examples
    --------
    A PyTorch network wrapped for DCDM (not run here)::

        class TorchModel:
            def __init__(self, net, shape):
                self.net, self.shape = net, shape
            def __call__(self, r):
                t = torch.from_dlpack(r).reshape(1, 1, *self.shape).float()
                with torch.no_grad():
                    q = self.net(t).reshape(-1).double()
                return type(r)(q.numpy()) if isinstance(r, np.ndarray) else cupy.from_dlpack(q)

    Any callable qualifies:

    >>> from numsolve.linalg import DirectionModel
    >>> isinstance(lambda r: r, DirectionModel)
    True
    """

    def __call__(self, r: Any) -> Any: ...


# --------------------------------------------------------------------------------------------
# grid transfer operators (generic array-API code, any number of dimensions)
# --------------------------------------------------------------------------------------------
def _sl(d: int, ax: int, s: slice) -> tuple:
    idx = [slice(None)] * d
    idx[ax] = s
    return tuple(idx)


def _restrict(u, xp):
    """Full-weighting restriction (tensor product of ``[1/4, 1/2, 1/4]``) on every axis."""
    d = u.ndim
    for ax in range(d):
        if u.shape[ax] % 2 == 0:  # even size: a zero plane at the end makes it odd
            zshape = list(u.shape)
            zshape[ax] = 1
            u = xp.concat([u, xp.zeros(tuple(zshape), dtype=u.dtype)], axis=ax)
        nc = (u.shape[ax] - 1) // 2
        a = u[_sl(d, ax, slice(0, 2 * nc - 1, 2))]
        b = u[_sl(d, ax, slice(1, 2 * nc, 2))]
        c = u[_sl(d, ax, slice(2, 2 * nc + 1, 2))]
        u = 0.5 * b + 0.25 * (a + c)
    return u


def _prolong(c, shape, xp):
    """Multilinear prolongation ``P = 2^d R^T`` (the transpose of :func:`_restrict`, scaled)."""
    d = c.ndim
    for ax in range(d):
        nf = shape[ax]
        nc = c.shape[ax]
        fshape = list(c.shape)
        fshape[ax] = 2 * nc + 1
        f = xp.zeros(tuple(fshape), dtype=c.dtype)
        half = 0.5 * c
        f[_sl(d, ax, slice(1, 2 * nc, 2))] = c
        f[_sl(d, ax, slice(0, 2 * nc - 1, 2))] = half
        lo = _sl(d, ax, slice(2, 2 * nc + 1, 2))
        f[lo] = f[lo] + half
        c = f if nf == 2 * nc + 1 else f[_sl(d, ax, slice(0, nf))]
    return c


def _pad(u, rad: int, xp):
    if rad == 0:
        return u
    d = u.ndim
    for ax in range(d):
        zshape = list(u.shape)
        zshape[ax] = rad
        z = xp.zeros(tuple(zshape), dtype=u.dtype)
        u = xp.concat([z, u, z], axis=ax)
    return u


def _shifted(upad, offset: Sequence[int], shape, rad: int):
    """``u[i + offset]`` (zero outside) from the padded array."""
    return upad[tuple(slice(rad + o, rad + o + s) for o, s in zip(offset, shape))]


def _level_shapes(shape: tuple[int, ...], levels: int | None) -> list[tuple[int, ...]]:
    shapes = [tuple(shape)]
    while min(shapes[-1]) >= 7 and (levels is None or len(shapes) < levels):
        shapes.append(tuple(s // 2 for s in shapes[-1]))
    return shapes


def _orbits(d: int, size: int, symmetric: bool) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """Stencil offsets and, per offset, the index of its parameter (symmetry orbits)."""
    rad = size // 2
    offsets = list(itertools.product(range(-rad, rad + 1), repeat=d))
    if not symmetric:
        return offsets, np.arange(len(offsets))
    keys: dict[tuple[int, ...], int] = {}
    idx = []
    for o in offsets:
        key = tuple(sorted(abs(v) for v in o))
        idx.append(keys.setdefault(key, len(keys)))
    return offsets, np.asarray(idx)


# --------------------------------------------------------------------------------------------
# training data
# --------------------------------------------------------------------------------------------
def sine_training_vectors(
    shape: Sequence[int],
    n_samples: int = 100,
    *,
    low_fraction: float = 0.6,
    low_weight: float = 9.0,
    rng=None,
) -> np.ndarray:
    """DCDM-style training vectors: random sine-mode (DST-I) mixtures on a grid.

    The coefficients of the lowest ``low_fraction`` of the Laplacian's modes (by eigenvalue)
    are multiplied by ``low_weight``; every vector has unit 2-norm.

    Parameters
    ----------
    shape : sequence of int
        The grid (interior points per axis), e.g. ``(N, N)`` for :func:`poisson2d(N)
        <numsolve.problems.poisson2d>`.
    n_samples : int
        Number of vectors.
    low_fraction : float
        Fraction of the modes, the lowest by Laplacian eigenvalue, that are weighted up.
    low_weight : float
        Weight of those modes' random coefficients.
    rng : int or numpy.random.Generator, optional
        Seed of the random coefficients.

    Returns
    -------
    ndarray, shape (n_samples, prod(shape))
        One unit-norm training vector per row, in the lexicographic order of the grid.

    Examples
    --------
    >>> from numsolve.linalg import sine_training_vectors
    >>> V = sine_training_vectors((7, 7), 3, rng=0)
    >>> V.shape, bool(abs(V[0] @ V[0] - 1) < 1e-12)
    ((3, 49), True)
    """
    from scipy.fft import idstn

    shape = tuple(int(s) for s in shape)
    gen = as_rng(rng)
    lam = np.zeros(shape)
    for ax, s in enumerate(shape):
        k = np.arange(1, s + 1)
        e = 2.0 - 2.0 * np.cos(np.pi * k / (s + 1))
        lam = lam + e.reshape([-1 if i == ax else 1 for i in range(len(shape))])
    cut = np.quantile(lam, low_fraction)
    weight = np.where(lam <= cut, low_weight, 1.0)
    out = np.empty((n_samples, int(np.prod(shape))))
    for j in range(n_samples):
        c = gen.standard_normal(shape) * weight
        v = idstn(c, type=1).reshape(-1)
        out[j] = v / np.linalg.norm(v)
    return out


# --------------------------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------------------------
class MultilevelStencilModel:
    """Linear multilevel stencil model ``q = sum_l P^l (K_l * R^l r)`` on a structured grid.

    ``R`` is full-weighting restriction and ``P = 2^d R^T`` multilinear prolongation; the grid is
    coarsened (``N -> N // 2``; even sides are padded with one zero plane) while every side is at
    least 7 points (a 63 x 63 grid has 5 levels: 63, 31, 15, 7 and 3; sizes ``2^k - 1`` work
    best). ``K_l`` is a small learned stencil (``stencil`` points per axis) per level,
    correlated with the level's restricted residual under zero padding. All parameters enter
    linearly, so :meth:`fit` is a closed-form least-squares problem: it minimises
    ``sum_j ||r_j - A q(r_j)||^2`` over training vectors ``r_j`` (by default the DCDM-style
    low-frequency-weighted sine mixtures of :func:`sine_training_vectors`). It is a small
    linear CPU substitute for the convolutional network of DCDM [1]_.

    The model is resolution-agnostic: applied on a finer grid than it was trained on, the
    extra coarse levels reuse the stencil of the coarsest trained level (``extrapolate``).
    Grids with solid cells (obstacles) are handled by scattering the residual of the fluid
    unknowns into the full grid (zeros in solids) and gathering the result back.

    Parameters
    ----------
    stencil : int, default 3
        Stencil width per axis (odd).
    levels : int, optional
        Maximum number of levels (default: all).
    symmetric : bool, default True
        Tie the stencil weights under axis reflections and permutations (3 parameters per
        level for a 3 x 3 stencil instead of 9); the model is then a symmetric operator.
    extrapolate : {'repeat', 'none'}
        Levels deeper than the trained ones reuse the coarsest trained stencil (``'repeat'``)
        or are dropped (``'none'``).

    Attributes
    ----------
    weights_ : list of ndarray
        One ``(stencil,) * d`` array per trained level, finest first.
    shape_ : tuple of int
        Grid the model is bound to (from :meth:`fit` or :meth:`with_grid`).
    fit_seconds_ : float
        Wall time of the last :meth:`fit`.

    References
    ----------
    .. [1] A. Kaneda, O. Akar, J. Chen, V. A. T. Kala, D. Hyde and J. Teran, "A deep
       conjugate direction method for iteratively solving linear systems", ICML 2023
       (PMLR 202:15720-15736), arXiv:2205.10763.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.linalg import MultilevelStencilModel
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(31)
    >>> model = MultilevelStencilModel().fit(A, shape=(31, 31), n_samples=20, rng=0)
    >>> len(model.weights_), model.weights_[0].shape
    (4, (3, 3))
    >>> res = numsolve.solve(A, np.ones(A.shape[0]), method="dcdm", model=model, rtol=1e-8)
    >>> res.success
    True
    """

    def __init__(self, stencil: int = 3, levels: int | None = None, *, symmetric: bool = True,
                 extrapolate: str = "repeat"):
        self.stencil = check_int("stencil", stencil, low=1)
        if self.stencil % 2 == 0:
            raise ValueError(f"stencil must be a positive odd integer, got {stencil!r}")
        self.levels = check_int("levels", levels, low=1, allow_none=True)
        self.symmetric = bool(symmetric)
        self.extrapolate = check_choice("extrapolate", extrapolate, ("repeat", "none"))
        self.weights_: list[np.ndarray] | None = None
        self.shape_: tuple[int, ...] | None = None
        self.mask_: np.ndarray | None = None
        self.fit_seconds_: float | None = None
        self._cache: dict = {}

    # -- grid binding ---------------------------------------------------------------------------
    def with_grid(self, shape: Sequence[int], mask=None) -> MultilevelStencilModel:
        """A copy (sharing the weights) applied on grid ``shape``; ``mask`` marks the cells
        that are unknowns (``True``) when solid cells were removed from the system (as in
        :func:`~numsolve.problems.poisson2d` with ``obstacle=``: pass ``mask=~obstacle``)."""
        twin = MultilevelStencilModel(self.stencil, self.levels, symmetric=self.symmetric,
                                      extrapolate=self.extrapolate)
        twin.weights_ = self.weights_
        twin.fit_seconds_ = self.fit_seconds_
        twin._bind(shape, mask)
        return twin

    def _bind(self, shape, mask):
        shape = tuple(int(s) for s in shape)
        if len(shape) not in (1, 2, 3) or min(shape) < 1:
            raise ValueError(f"shape must be a tuple of 1 to 3 positive sizes, got {shape}")
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != shape:
                raise ValueError(f"mask must have the grid shape {shape}, got {mask.shape}")
        self.shape_ = shape
        self.mask_ = mask
        self._cache = {}

    def _grid_for(self, n: int) -> tuple[tuple[int, ...], np.ndarray | None]:
        if self.shape_ is not None:
            m = int(self.mask_.sum()) if self.mask_ is not None else int(np.prod(self.shape_))
            if m == n:
                return self.shape_, self.mask_
        d = len(self.shape_) if self.shape_ is not None else 2
        N = int(round(n ** (1.0 / d)))
        for cand in (N - 1, N, N + 1):
            if cand > 0 and cand**d == n:
                return (cand,) * d, None
        raise ValueError(
            f"MultilevelStencilModel: a residual of size {n} does not fit the bound grid "
            f"{self.shape_}; call model.with_grid(shape, mask) for this system"
        )

    @staticmethod
    def _infer_shape(n: int, shape) -> tuple[int, ...]:
        if shape is not None:
            return tuple(int(s) for s in shape)
        for d in (2, 3):
            N = int(round(n ** (1.0 / d)))
            for cand in (N - 1, N, N + 1):
                if cand > 0 and cand**d == n:
                    return (cand,) * d
        raise ValueError(f"cannot infer a square/cubic grid from n = {n}; pass shape=")

    # -- application ----------------------------------------------------------------------------
    def _level_weights(self, nlev: int) -> list[np.ndarray]:
        W = list(self.weights_)
        if nlev <= len(W):
            return W[:nlev]
        if self.extrapolate == "repeat":
            return W + [W[-1]] * (nlev - len(W))
        return W

    def apply_grid(self, u):
        """Apply the model to a residual given on the full grid (shape ``shape_``)."""
        if self.weights_ is None:
            raise RuntimeError("MultilevelStencilModel is not fitted: call fit() or load()")
        xp = get_namespace(u)
        shapes = _level_shapes(tuple(u.shape), self.levels)
        W = self._level_weights(len(shapes))
        if isinstance(u, np.ndarray) and u.ndim == 2 and u.dtype in (np.float32, np.float64) \
                and numba_available():
            return self._apply_grid_numba(u, W)
        rad = self.stencil // 2
        offsets = list(itertools.product(range(-rad, rad + 1), repeat=u.ndim))
        dtype = u.dtype
        # restrict down
        coarse = [u]
        for _ in range(1, len(W)):
            coarse.append(_restrict(coarse[-1], xp))
        # stencil per level, then prolong up accumulating (Horner-like: P(c_l + P(c_{l+1} ...)))
        acc = None
        for lev in range(len(W) - 1, -1, -1):
            v = coarse[lev]
            vp = _pad(v, rad, xp)
            w = W[lev].reshape(-1)
            out = None
            for o, wo in zip(offsets, w):
                if wo == 0.0:
                    continue
                term = _shifted(vp, o, v.shape, rad) * xp.asarray(float(wo), dtype=dtype)
                out = term if out is None else out + term
            if out is None:
                out = xp.zeros(v.shape, dtype=dtype)
            if acc is not None:
                out = out + _prolong(acc, v.shape, xp)
            acc = out
        return acc

    @staticmethod
    def _apply_grid_numba(u, W):
        """Fused Numba passes for 2-D host grids (same arithmetic as the array-API path)."""
        from ._kernels import prolong_add2, restrict2, stencil2

        u = np.ascontiguousarray(u)
        coarse = [u]
        for _ in range(1, len(W)):
            f = coarse[-1]
            c = np.empty((f.shape[0] // 2, f.shape[1] // 2), dtype=u.dtype)
            restrict2(f, c)
            coarse.append(c)
        acc = None
        for lev in range(len(W) - 1, -1, -1):
            v = coarse[lev]
            out = np.empty_like(v)
            stencil2(v, np.asarray(W[lev], dtype=np.float64), out)
            if acc is not None:
                prolong_add2(acc, out)
            acc = out
        return acc

    def __call__(self, r):
        """Direction ``q`` for residual ``r`` (1-D, same namespace/dtype as ``r``)."""
        xp = get_namespace(r)
        if r.ndim != 1:
            raise ValueError(f"MultilevelStencilModel expects a 1-D residual, got shape {r.shape}")
        n = r.shape[0]
        shape, mask = self._grid_for(n)
        if mask is None:
            return xp.reshape(self.apply_grid(xp.reshape(r, shape)), (n,))
        idx = self._cache.get(("idx", id(xp)))
        if idx is None:
            idx = xp.asarray(np.flatnonzero(mask.reshape(-1)))
            self._cache[("idx", id(xp))] = idx
        full = xp.zeros((int(np.prod(shape)),), dtype=r.dtype)
        full[idx] = r
        q = self.apply_grid(xp.reshape(full, shape))
        return xp.take(xp.reshape(q, (-1,)), idx)

    def aslinearoperator(self, n: int | None = None, dtype=np.float64):
        """The (linear) model as a :class:`scipy.sparse.linalg.LinearOperator` (for ``M=``)."""
        from scipy.sparse.linalg import LinearOperator

        if n is None:
            if self.shape_ is None:
                raise ValueError("n is required for an unbound model")
            n = int(self.mask_.sum()) if self.mask_ is not None else int(np.prod(self.shape_))
        return LinearOperator((n, n), matvec=lambda v: self(np.asarray(v).reshape(-1)),
                              dtype=dtype)

    # -- training -------------------------------------------------------------------------------
    def _features(self, u, shapes, offsets, orbit, nparam_level):
        """Columns ``phi_{l,o}(u)`` (summed over symmetry orbits) on the full grid."""
        cols = []
        coarse = [u]
        for _ in range(1, len(shapes)):
            coarse.append(_restrict(coarse[-1], np))
        rad = self.stencil // 2
        for lev, v in enumerate(coarse):
            vp = _pad(v, rad, np)
            fe = [np.zeros(v.shape) for _ in range(nparam_level)]
            for o, k in zip(offsets, orbit):
                fe[k] += _shifted(vp, o, v.shape, rad)
            for f in fe:
                for lw in range(lev - 1, -1, -1):
                    f = _prolong(f, shapes[lw], np)
                cols.append(f.reshape(-1))
        return np.stack(cols, axis=1)

    def fit(
        self,
        A,
        shape: Sequence[int] | None = None,
        mask=None,
        *,
        n_samples: int = 100,
        samples=None,
        low_fraction: float = 0.6,
        low_weight: float = 9.0,
        ridge: float = 1e-10,
        rng=None,
    ) -> MultilevelStencilModel:
        """Fit the stencils by least squares on ``A`` (a host sparse matrix/array/operator).

        Parameters
        ----------
        A : sparse matrix, array or LinearOperator, shape (n, n)
            The training system (e.g. ``poisson2d(63)``).
        shape : tuple of int, optional
            Grid shape (default: square, or cubic, inferred from ``n``).
        mask : bool array of grid shape, optional
            Cells that are unknowns (``~obstacle``) if solid cells were removed.
        n_samples : int, default 100
            Number of training vectors (ignored with ``samples``).
        samples : array of shape (m, n), optional
            Your own training residuals (one per row) instead of sine mixtures.
        low_fraction, low_weight : float
            See :func:`sine_training_vectors`.
        ridge : float
            Tikhonov term relative to the normal matrix's trace (numerical safety).
        rng : int or numpy.random.Generator, optional
            Seed of the training vectors.

        Returns
        -------
        self
        """
        import contextlib
        import time

        t0 = time.perf_counter()
        try:  # small BLAS products: threads only add hand-off cost (optional dependency)
            from threadpoolctl import threadpool_limits

            limit = threadpool_limits(1)
        except ImportError:  # pragma: no cover
            limit = contextlib.nullcontext()
        with limit:
            self._fit(A, shape, mask, n_samples, samples, low_fraction, low_weight, ridge, rng)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _fit(self, A, shape, mask, n_samples, samples, low_fraction, low_weight, ridge, rng):
        if not (is_sparse(A) or is_linear_operator(A) or hasattr(A, "shape")):
            raise TypeError(f"A must be a sparse matrix, array or LinearOperator, got "
                            f"{type(A).__name__}")
        n = int(A.shape[0])
        if mask is not None:
            if shape is None:
                shape = np.asarray(mask).shape
            mask = np.asarray(mask, dtype=bool)
            if int(mask.sum()) != n:
                raise ValueError(f"mask has {int(mask.sum())} unknown cells but A has {n} rows")
        shape = self._infer_shape(n, shape)
        if mask is None and int(np.prod(shape)) != n:
            raise ValueError(f"shape {shape} has {int(np.prod(shape))} cells but A has {n} rows")
        self._bind(shape, mask)
        if samples is None:
            n_samples = check_int("n_samples", n_samples, low=1)
            V = sine_training_vectors(shape, n_samples, low_fraction=low_fraction,
                                      low_weight=low_weight, rng=rng)
            if mask is not None:
                V = V[:, mask.reshape(-1)]
                V /= np.linalg.norm(V, axis=1, keepdims=True)
        else:
            V = np.asarray(samples, dtype=np.float64)
            if V.ndim != 2 or V.shape[1] != n:
                raise ValueError(f"samples must have shape (m, {n}), got {V.shape}")
            if not np.all(np.isfinite(V)):
                raise ValueError("samples contains NaN or inf")
        d = len(shape)
        shapes = _level_shapes(shape, self.levels)
        offsets, orbit = _orbits(d, self.stencil, self.symmetric)
        npl = int(orbit.max()) + 1
        p = npl * len(shapes)
        G = np.zeros((p, p))
        h = np.zeros(p)
        keep = None if mask is None else np.flatnonzero(mask.reshape(-1))
        for v in V:
            full = v if keep is None else np.zeros(int(np.prod(shape)))
            if keep is not None:
                full[keep] = v
            Phi = self._features(full.reshape(shape), shapes, offsets, orbit, npl)
            if keep is not None:
                Phi = Phi[keep]
            APhi = A @ Phi if not is_linear_operator(A) else A.matmat(Phi)
            APhi = np.asarray(APhi)
            G += APhi.T @ APhi
            h += APhi.T @ v
        G[np.diag_indices_from(G)] += ridge * np.trace(G) / p
        theta = np.linalg.solve(G, h)
        W = []
        for lev in range(len(shapes)):
            t = theta[lev * npl:(lev + 1) * npl]
            W.append(t[orbit].reshape((self.stencil,) * d))
        self.weights_ = W

    # -- persistence ----------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Save the weights and settings to an ``.npz`` file."""
        if self.weights_ is None:
            raise RuntimeError("MultilevelStencilModel is not fitted: nothing to save")
        meta = dict(stencil=self.stencil, levels=self.levels, symmetric=self.symmetric,
                    extrapolate=self.extrapolate, shape=list(self.shape_ or ()),
                    fit_seconds=self.fit_seconds_)
        arrays = {f"w{i}": w for i, w in enumerate(self.weights_)}
        if self.mask_ is not None:
            arrays["mask"] = self.mask_
        np.savez(path, meta=np.asarray(json.dumps(meta)), **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> MultilevelStencilModel:
        """Load a model written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            nw = sum(1 for k in data.files if k.startswith("w"))
            W = [np.array(data[f"w{i}"]) for i in range(nw)]
            mask = np.array(data["mask"]) if "mask" in data.files else None
        model = cls(meta["stencil"], meta["levels"], symmetric=meta["symmetric"],
                    extrapolate=meta["extrapolate"])
        model.weights_ = W
        model.fit_seconds_ = meta.get("fit_seconds")
        if meta["shape"]:
            model._bind(tuple(meta["shape"]), mask)
        return model

    def __repr__(self) -> str:
        lv = "unfitted" if self.weights_ is None else f"{len(self.weights_)} levels"
        return (f"MultilevelStencilModel(stencil={self.stencil}, symmetric={self.symmetric}, "
                f"{lv}, grid={self.shape_})")

