"""Sketch operators: construction, application, leverage scores and sketch sizes.

The public names are re-exported by :mod:`numsolve.linalg.sketch` (documented there; its
``__all__`` lists them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..._backend import (
    get_namespace,
    is_cupy_namespace,
    is_linear_operator,
    is_numpy_namespace,
    is_sparse,
    numba_available,
)
from ..._backend import to_numpy as to_numpy_
from ..._checks import as_rng, check_choice, check_int, check_real
from .._system import _check_array

#: Sketch kinds accepted by :func:`make_sketch` (with aliases).
SKETCH_KINDS = ("gaussian", "sparse-sign", "countsketch", "srht", "uniform", "leverage")
_ALIASES = {
    "gauss": "gaussian", "normal": "gaussian", "osnap": "sparse-sign", "sparse_sign": "sparse-sign",
    "sparsesign": "sparse-sign", "count-sketch": "countsketch", "count_sketch": "countsketch",
    "ros": "srht", "subsample": "uniform", "sample": "uniform", "leverage-score": "leverage",
    "leverage_score": "leverage",
}


def check_sketch_size(sketch_size: Any, n: int, *, name: str = "sketch_size",
                      minimum: int = 1, what: str = "the sketched dimension") -> int:
    """Validate a sketch size: an integer with ``minimum <= sketch_size <= n``.

    Parameters
    ----------
    sketch_size : int
        The size to check.
    n : int
        The dimension being sketched (the largest allowed size).
    name : str
        Name of the argument, for the error message.
    minimum : int
        The smallest allowed size (at least 1).
    what : str
        What ``n`` is, for the error message.

    Returns
    -------
    int
        ``sketch_size`` as a Python ``int``.

    Raises
    ------
    ValueError
        ``sketch_size`` is below ``minimum`` or above ``n``.
    TypeError
        ``sketch_size`` is not an integer.

    Examples
    --------
    >>> from numsolve.linalg.sketch import check_sketch_size
    >>> check_sketch_size(40, 1000)
    40
    >>> check_sketch_size(2000, 1000)
    Traceback (most recent call last):
    ...
    ValueError: sketch_size=2000 is larger than the sketched dimension (1000); ...
    """
    m = check_int(name, sketch_size, low=max(1, minimum))
    if m > n:
        raise ValueError(f"{name}={m} is larger than {what} ({n}); a sketch must reduce it")
    return m


def _canonical_kind(kind: str) -> str:
    if not isinstance(kind, str):
        raise TypeError(f"sketch kind must be a string, got {type(kind).__name__}")
    k = kind.lower()
    k = _ALIASES.get(k, k)
    if k not in SKETCH_KINDS:
        raise ValueError(
            f"unknown sketch kind {kind!r}; valid kinds are: {', '.join(SKETCH_KINDS)}"
        )
    return k


def embedding_sketch_size(kind: str, d: int, eps: float = 0.5, *, coherence: float = 1.0) -> int:
    """Documented sketch size for a subspace embedding of a ``d``-dimensional subspace [1]_, [2]_.

    With this ``m`` the singular values of ``S @ U`` (``U`` with ``d`` orthonormal columns)
    lie in ``[1 - eps, 1 + eps]`` with high probability (numsolve's tests check it over many
    seeds):

    * ``'gaussian'``, ``'sparse-sign'``: ``ceil(4 d / eps**2)``;
    * ``'countsketch'``: ``ceil(2 d**2 / eps**2)``;
    * ``'srht'``, ``'leverage'``: ``ceil(2 d ln(d + 1) / eps**2)``;
    * ``'uniform'``: ``coherence`` times the SRHT size, where ``coherence = n * max_i
      lev_i / d`` (``1`` for an incoherent subspace, up to ``n / d``).

    The result is not capped by ``n``.

    Parameters
    ----------
    kind : str
        A sketch kind of :data:`SKETCH_KINDS` (or an alias).
    d : int
        Dimension of the subspace to embed (the number of columns of ``A``).
    eps : float
        Distortion, in ``(0, 1)``.
    coherence : float
        For ``'uniform'`` sampling: ``n * max_i lev_i / d`` (``>= 1``; ``1`` is incoherent).

    Returns
    -------
    int
        The sketch size ``m``.

    References
    ----------
    .. [1] D. P. Woodruff, "Sketching as a tool for numerical linear algebra", Foundations
       and Trends in Theoretical Computer Science 10 (2014).
    .. [2] P.-G. Martinsson and J. A. Tropp, "Randomized numerical linear algebra:
       foundations and algorithms", Acta Numerica 29 (2020).

    Examples
    --------
    >>> from numsolve.linalg.sketch import embedding_sketch_size
    >>> embedding_sketch_size("sparse-sign", 50)
    800
    """
    kind = _canonical_kind(kind)
    d = check_int("d", d, low=1)
    eps = check_real("eps", eps, low=0.0, high=1.0, low_open=True, high_open=True)
    coherence = check_real("coherence", coherence, low=0.0, low_open=True)
    if kind in ("gaussian", "sparse-sign"):
        m = 4 * d / eps**2
    elif kind == "countsketch":
        m = 2 * d * d / eps**2
    else:
        m = 2 * d * np.log(d + 1) / eps**2
        if kind == "uniform":
            m *= max(1.0, coherence)
    return int(np.ceil(m))


# --------------------------------------------------------------------------------------------
# transforms used by the SRHT
# --------------------------------------------------------------------------------------------
def _dct(X, xp, inverse: bool = False):
    """Orthonormal DCT-II (or its inverse) along axis 0 of a 2-D array."""
    if is_numpy_namespace(xp):
        import scipy.fft as sfft

        f = sfft.idct if inverse else sfft.dct
        return f(np.asarray(X), type=2, norm="ortho", axis=0)
    if is_cupy_namespace(xp):
        import cupyx.scipy.fft as cfft

        f = cfft.idct if inverse else cfft.dct
        return f(X, type=2, norm="ortho", axis=0)
    # generic namespace: explicit DCT matrix (small problems)
    n = X.shape[0]
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    C = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    C[0] /= np.sqrt(2.0)
    C = xp.asarray(C.T if inverse else C, dtype=X.dtype)
    return C @ X


def _fwht(X, xp):
    """Orthonormal fast Walsh-Hadamard transform along axis 0 (length a power of two)."""
    n, d = X.shape
    h = 1
    while h < n:
        Y = xp.reshape(X, (n // (2 * h), 2, h, d))
        a = Y[:, 0, :, :]
        b = Y[:, 1, :, :]
        X = xp.reshape(xp.stack([a + b, a - b], axis=1), (n, d))
        h *= 2
    return X / float(np.sqrt(n))


# --------------------------------------------------------------------------------------------
# the operator
# --------------------------------------------------------------------------------------------
class Sketch:
    """A random sketching matrix ``S`` of shape ``(sketch_size, n)``.

    Build one with :func:`make_sketch`. ``S @ A`` (or ``S.apply(A)``) sketches the rows of
    ``A``; ``S.apply(A, side='right')`` computes ``A @ S.T``; ``S.rmatmat(Y)`` computes
    ``S.T @ Y``; ``S.toarray()`` gives the dense matrix (for tests and small problems).

    Attributes
    ----------
    kind : str
    sketch_size : int
        ``m``, the number of rows of ``S``.
    n : int
        The dimension being sketched (columns of ``S``).

    Parameters
    ----------
    kind : str
        The sketch kind (one of :data:`SKETCH_KINDS`).
    sketch_size : int
        Number of rows ``m``.
    n : int
        Number of columns.
    params : dict
        The drawn randomness (indices, signs, scales); built by :func:`make_sketch`.

    Notes
    -----
    The sketch families of :func:`make_sketch`; see Woodruff [1]_ for a survey.

    References
    ----------
    .. [1] D. P. Woodruff, "Sketching as a tool for numerical linear algebra", Foundations
       and Trends in Theoretical Computer Science 10(1-2):1-157, 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.linalg.sketch import Sketch, make_sketch
    >>> S = make_sketch("sparse-sign", 40, 1000, rng=0)
    >>> isinstance(S, Sketch), S.shape
    (True, (40, 1000))
    >>> A = np.random.default_rng(1).standard_normal((1000, 5))
    >>> SA = S @ A
    >>> SA.shape, bool(np.allclose(SA, S.toarray() @ A))
    ((40, 5), True)
    >>> S.apply(A.T, side="right").shape      # A.T @ S.T
    (5, 40)
    """

    def __init__(self, kind: str, sketch_size: int, n: int, params: dict):
        self.kind = kind
        self.sketch_size = int(sketch_size)
        self.n = int(n)
        self._p = params
        self._cache: dict = {}

    @property
    def shape(self) -> tuple[int, int]:
        return (self.sketch_size, self.n)

    def __repr__(self) -> str:
        return f"Sketch(kind={self.kind!r}, shape={self.shape})"

    # ---------------------------------------------------------------- helpers
    def _scipy_matrix(self) -> sp.csr_matrix:
        """``S`` as a SciPy sparse matrix (sparse sign and sampling sketches)."""
        if "sp" in self._cache:
            return self._cache["sp"]
        m, n = self.shape
        p = self._p
        if self.kind in ("sparse-sign", "countsketch"):
            rows, vals = p["rows"], p["vals"]
            s = rows.shape[1]
            cols = np.repeat(np.arange(n), s)
            S = sp.csr_matrix((vals.ravel(), (rows.ravel(), cols)), shape=(m, n))
        elif self.kind in ("uniform", "leverage"):
            S = sp.csr_matrix((p["scale"], (np.arange(m), p["idx"])), shape=(m, n))
        elif self.kind == "gaussian":
            S = sp.csr_matrix(p["G"])
        else:
            S = sp.csr_matrix(self.toarray())
        self._cache["sp"] = S
        return S

    def toarray(self, xp=None):
        """The dense ``(m, n)`` matrix ``S`` (NumPy unless ``xp`` is given)."""
        if self.kind == "gaussian":
            S = self._p["G"]
        elif self.kind == "srht":
            S = self.rmatmat(np.eye(self.sketch_size)).T
        else:
            S = self._scipy_matrix().toarray()
        S = np.ascontiguousarray(S)
        return S if xp is None or is_numpy_namespace(xp) else xp.asarray(S)

    def _xp_matrix(self, xp, dtype):
        """``S`` in namespace ``xp``: CuPy sparse for sparse kinds on CuPy, else dense."""
        key = ("xp", id(xp), str(dtype))
        if key in self._cache:
            return self._cache[key]
        if is_cupy_namespace(xp) and self.kind != "gaussian":
            import cupyx.scipy.sparse as csp

            S = csp.csr_matrix(self._scipy_matrix().astype(np.dtype(str(dtype))))
        else:
            S = xp.asarray(self.toarray(), dtype=dtype)
        self._cache[key] = S
        return S

    # ---------------------------------------------------------------- application
    def __matmul__(self, A):
        return self.apply(A)

    def weighted(self, w) -> Sketch:
        """The sketch ``S @ diag(w)`` (``w`` of length ``n``, host or device array).

        Sketching ``diag(w) @ A`` this way never forms the scaled copy of ``A``: the weights
        are folded into the sketch (Newton sketch uses it with ``w = sqrt(D)``).
        """
        w = np.asarray(to_numpy_(w), dtype=np.float64).reshape(-1)
        if w.shape[0] != self.n:
            raise ValueError(f"w has {w.shape[0]} entries, expected n = {self.n}")
        p = dict(self._p)
        if self.kind == "gaussian":
            p["G"] = p["G"] * w[None, :]
        elif self.kind in ("sparse-sign", "countsketch"):
            p["vals"] = np.ascontiguousarray(p["vals"] * w[:, None])
        elif self.kind == "srht":
            p["signs"] = p["signs"] * w
        else:
            p["scale"] = p["scale"] * w[p["idx"]]
        return Sketch(self.kind, self.sketch_size, self.n, p)

    def apply(self, A, side: str = "left", *, check_finite: bool = True):
        """Sketch ``A``.

        Parameters
        ----------
        A : array, sparse matrix or LinearOperator
            ``side='left'``: ``A`` has ``n`` rows (a 1-D array of length ``n`` is allowed),
            the result is ``S @ A``. ``side='right'``: ``A`` has ``n`` columns, the result
            is ``A @ S.T``.
        side : {'left', 'right'}
        check_finite : bool, default True
            Raise ``ValueError`` if ``A`` contains NaN or inf (for a ``LinearOperator``: if
            its sketch does). The Gaussian, sparse sign and SRHT sketches mix every entry of
            ``A`` into ``S @ A``, so only a non-finite result costs a pass over ``A`` (NaN/inf
            in ``A``, or an overflow, which is returned as it is); row sampling checks ``A``
            (its ``data`` if sparse) in one pass.

        Returns
        -------
        array
            Dense, in the namespace of ``A`` (``LinearOperator``: NumPy). Row sampling of a
            sparse matrix returns a sparse matrix (the selected, rescaled rows).
        """
        side = check_choice("side", side, ("left", "right"))
        operator = is_linear_operator(A)
        if not (operator or is_sparse(A)):
            A = get_namespace(A).asarray(A)
        out = self._apply_operator(A, side) if operator else self._apply_array(A, side)
        if check_finite:
            if operator:
                finite = _all_finite(out)
            elif self.kind in _SAMPLING:
                finite = _all_finite(A)
            else:
                finite = _all_finite(out) or _all_finite(A)
            if not finite:
                raise ValueError("A contains NaN or inf" + (
                    " (its sketch through the LinearOperator is not finite)" if operator else ""))
        return out

    def _apply_array(self, A, side):
        """``S @ A`` or ``A @ S.T`` for an array (1-D or 2-D) or a sparse matrix."""
        if not is_sparse(A):
            xp = get_namespace(A)
            if A.ndim == 1:
                if side == "right":
                    raise ValueError("side='right' needs a 2-D A")
                if A.shape[0] != self.n:
                    raise ValueError(f"A has {A.shape[0]} entries, the sketch expects {self.n}")
                return xp.reshape(self._left(xp.reshape(A, (self.n, 1)), xp), (self.sketch_size,))
        if A.ndim != 2:
            raise ValueError(f"A must be 1-D or 2-D, got {A.ndim} dimensions")
        if side == "right":
            if A.shape[1] != self.n:
                raise ValueError(f"A has {A.shape[1]} columns, the sketch expects n = {self.n}")
            At = A.T
            if is_sparse(At) and At.format not in ("csr", "csc"):
                At = At.tocsr()
            elif isinstance(At, np.ndarray):
                At = np.ascontiguousarray(At)
            return self._left(At, get_namespace(A)).T
        if A.shape[0] != self.n:
            raise ValueError(f"A has {A.shape[0]} rows, the sketch expects n = {self.n}")
        return self._left(A, get_namespace(A))

    def _apply_operator(self, A, side):
        shape = tuple(A.shape)
        St = self.rmatmat(np.eye(self.sketch_size, dtype=np.float64))  # (n, m)
        if side == "left":
            if shape[0] != self.n:
                raise ValueError(f"A has {shape[0]} rows, the sketch expects n = {self.n}")
            return np.asarray(A.rmatmat(St)).conj().T
        if shape[1] != self.n:
            raise ValueError(f"A has {shape[1]} columns, the sketch expects n = {self.n}")
        return np.asarray(A.matmat(St))

    def _out_dtype(self, A, xp):
        dt = A.dtype
        try:
            if xp.isdtype(dt, ("real floating", "complex floating")):
                return dt
        except Exception:
            if np.dtype(dt).kind in "fc":
                return dt
        return xp.float64

    def _left(self, A, xp):
        """``S @ A`` for ``A`` with ``n`` rows (dense 2-D array or sparse matrix)."""
        kind, m, n = self.kind, self.sketch_size, self.n
        dtype = self._out_dtype(A, xp)
        host = is_numpy_namespace(xp)
        if kind in ("sparse-sign", "countsketch"):
            if host and numba_available() and np.dtype(dtype) in (np.float32, np.float64):
                from . import _kernels as K

                vals = self._p["vals"].astype(dtype)
                rows = self._p["rows"]
                if sp.issparse(A):
                    # column-wise (CSC) scatter keeps one output column in cache
                    A = A.tocsc() if A.format != "csc" else A
                    if A.dtype != dtype:
                        A = A.astype(dtype)
                    outT = np.zeros((A.shape[1], m), dtype=dtype)
                    K.sparse_sign_csc(rows, vals, A.indptr, A.indices, A.data, outT)
                    return outT.T
                A = np.ascontiguousarray(A, dtype=dtype)
                nch = _sketch_chunks(A.shape[0], m * A.shape[1] * A.itemsize)
                outs = np.empty((nch, m, A.shape[1]), dtype=dtype)
                K.sparse_sign_dense(rows, vals, A, outs)
                return outs[0] if nch == 1 else outs.sum(axis=0)
            return self._generic_product(A, xp, dtype)
        if kind in ("uniform", "leverage"):
            idx, scale = self._p["idx"], self._p["scale"]
            if is_sparse(A):
                A = A.tocsr()
                rows = A[idx] if host else A[xp.asarray(idx)]
                D = sp.diags(scale) if host else _cupy_diags(scale)
                return (D @ rows).astype(dtype)
            sel = xp.take(A, xp.asarray(idx), axis=0)
            return xp.asarray(scale[:, None], dtype=dtype) * sel
        if kind == "gaussian":
            G = self._xp_matrix(xp, dtype)
            if is_sparse(A):
                return xp.asarray((A.T @ G.T).T)
            return G @ A
        # srht
        if is_sparse(A):
            A = A.toarray()
        A = xp.asarray(A, dtype=dtype)
        signs = xp.asarray(self._p["signs"][:, None], dtype=dtype)
        X = signs * A
        if self._p["transform"] == "hadamard":
            n2 = self._p["n2"]
            if n2 > n:
                X = xp.concat([X, xp.zeros((n2 - n, X.shape[1]), dtype=dtype)], axis=0)
            X = _fwht(X, xp)
        else:
            X = _dct(X, xp)
            X = xp.asarray(X)
        sel = xp.take(X, xp.asarray(self._p["idx"]), axis=0)
        return sel * float(self._p["scale"])

    def _generic_product(self, A, xp, dtype):
        S = self._xp_matrix(xp, dtype)
        if is_sparse(A):
            out = S @ A
            return out.toarray() if is_sparse(out) else out
        return S @ A

    def rmatmat(self, Y):
        """``S.T @ Y`` for ``Y`` of shape ``(m, k)`` (or ``(m,)``), in ``Y``'s namespace."""
        xp = get_namespace(Y)
        Y = xp.asarray(Y)
        vec = Y.ndim == 1
        if vec:
            Y = xp.reshape(Y, (Y.shape[0], 1))
        if Y.shape[0] != self.sketch_size:
            raise ValueError(f"Y has {Y.shape[0]} rows, expected sketch_size = {self.sketch_size}")
        dtype = self._out_dtype(Y, xp)
        if self.kind == "srht":
            p = self._p
            n2 = p["n2"] if p["transform"] == "hadamard" else self.n
            idx = np.asarray(p["idx"])
            Z = _scatter_rows(Y, idx, n2, float(p["scale"]), xp, dtype)
            if p["transform"] == "hadamard":
                Z = _fwht(Z, xp)[: self.n]
            else:
                Z = xp.asarray(_dct(Z, xp, inverse=True))
            out = xp.asarray(p["signs"][:, None], dtype=dtype) * Z
        else:
            if self.kind == "gaussian":
                St = self._xp_matrix(xp, dtype).T
            elif is_numpy_namespace(xp):
                St = self._scipy_matrix().T.tocsr()
            else:
                St = self._xp_matrix(xp, dtype).T
            out = St @ Y
            if is_sparse(out):
                out = out.toarray()
        return xp.reshape(out, (self.n,)) if vec else out


#: the row-sampling kinds: ``S @ A`` sees only the sampled rows of ``A``
_SAMPLING = ("uniform", "leverage")


def _all_finite(X) -> bool:
    """Whether a dense array or a sparse matrix (its ``data``) has no NaN or inf: a sum
    first (NaN and inf always reach it; no temporary of the size of ``X``), the entrywise
    test only when the sum is not finite (NaN/inf, or an overflow of finite entries)."""
    data = X.data if is_sparse(X) else X
    xp = get_namespace(data)
    if not xp.isdtype(data.dtype, ("real floating", "complex floating")):
        return True
    with np.errstate(over="ignore", invalid="ignore"):  # (NumPy's warnings of the sum)
        return bool(xp.isfinite(xp.sum(data))) or bool(xp.all(xp.isfinite(data)))


def _sketch_chunks(n: int, out_bytes: int) -> int:
    """Number of parallel row chunks of the dense sparse-sign kernel: up to 4 (each chunk
    has its own ``m x d`` output), at least 2048 rows each and at most 256 MB of outputs;
    a function of the sizes only, so results do not depend on the thread count."""
    return max(1, min(4, n // 2048, (256 << 20) // max(out_bytes, 1)))


def _scatter_rows(Y, idx, n2, scale, xp, dtype):
    if is_numpy_namespace(xp) or is_cupy_namespace(xp):
        Z = xp.zeros((n2, Y.shape[1]), dtype=dtype)
        Z[xp.asarray(idx)] = Y * scale
        return Z
    P = np.zeros((n2, Y.shape[0]))
    P[idx, np.arange(Y.shape[0])] = scale
    return xp.asarray(P, dtype=dtype) @ Y


def _cupy_diags(scale):
    import cupy
    import cupyx.scipy.sparse as csp

    return csp.diags(cupy.asarray(scale))


# --------------------------------------------------------------------------------------------
# construction
# --------------------------------------------------------------------------------------------
def make_sketch(
    kind: str,
    sketch_size: int,
    n: int,
    *,
    rng: int | np.random.Generator | None = None,
    nnz_per_column: int = 8,
    transform: str = "dct",
    leverage_scores: Any = None,
) -> Sketch:
    """Draw a random sketching matrix ``S`` of shape ``(sketch_size, n)``.

    Parameters
    ----------
    kind : str
        ``'gaussian'``, ``'sparse-sign'`` (alias ``'osnap'``), ``'countsketch'``, ``'srht'``,
        ``'uniform'`` (row sampling without replacement) or ``'leverage'`` (leverage-score row
        sampling; needs ``leverage_scores``).
    sketch_size : int
        ``m``, the number of rows of ``S``; ``1 <= m <= n``.
    n : int
        The dimension being sketched.
    rng : int or numpy.random.Generator, optional
        Source of randomness; the same seed gives the same sketch.
    nnz_per_column : int
        Nonzeros per column ``s`` of the sparse sign sketch (``1 <= s <= m``; default 8).
    transform : {'dct', 'hadamard'}
        Orthonormal transform of the SRHT: DCT-II (any ``n``; ``scipy.fft`` /
        ``cupyx.scipy.fft``) or Walsh-Hadamard (``n`` padded to a power of two).
    leverage_scores : array of shape (n,), optional
        Non-negative (approximate) leverage scores for ``kind='leverage'``, e.g. from
        :func:`leverage_scores`.

    Returns
    -------
    Sketch

    Notes
    -----
    ``'gaussian'``: i.i.d. ``N(0, 1/m)`` entries (see [1]_); ``'countsketch'``: one ``+-1``
    per column (Clarkson & Woodruff [2]_); ``'sparse-sign'``: ``s`` nonzeros ``+-1/sqrt(s)``
    per column, one in each of ``s`` row blocks (the OSNAP construction of Nelson & Nguyen
    [3]_); ``'srht'``: random signs, an orthonormal transform and uniform row sampling (the
    subsampled randomized Hadamard transform [4]_, [5]_); ``'leverage'``: leverage-score
    row sampling [6]_.

    References
    ----------
    .. [1] D. P. Woodruff, "Sketching as a tool for numerical linear algebra", Foundations
       and Trends in Theoretical Computer Science 10(1-2):1-157, 2014.
    .. [2] K. L. Clarkson and D. P. Woodruff, "Low rank approximation and regression in input
       sparsity time", STOC 2013.
    .. [3] J. Nelson and H. L. Nguyen, "OSNAP: faster numerical linear algebra algorithms via
       sparser subspace embeddings", FOCS 2013.
    .. [4] N. Ailon and B. Chazelle, "The fast Johnson-Lindenstrauss transform and approximate
       nearest neighbors", SIAM J. Comput. 39(1):302-322, 2009.
    .. [5] J. A. Tropp, "Improved analysis of the subsampled randomized Hadamard transform",
       Adv. Adapt. Data Anal. 3(1-2):115-126, 2011.
    .. [6] P. Drineas, M. Magdon-Ismail, M. W. Mahoney and D. P. Woodruff, "Fast
       approximation of matrix coherence and statistical leverage", JMLR 13 (2012).

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.linalg.sketch import make_sketch
    >>> U, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((2000, 10)))
    >>> S = make_sketch("sparse-sign", 200, 2000, rng=1)
    >>> sv = np.linalg.svd(S @ U, compute_uv=False)
    >>> bool(0.5 < sv.min() and sv.max() < 1.5)
    True
    """
    kind = _canonical_kind(kind)
    n = check_int("n", n, low=1)
    m = check_sketch_size(sketch_size, n)
    g = as_rng(rng)
    params: dict = {}
    if kind == "gaussian":
        params["G"] = g.standard_normal((m, n)) / np.sqrt(m)
    elif kind in ("sparse-sign", "countsketch"):
        s = 1 if kind == "countsketch" else check_int("nnz_per_column", nnz_per_column,
                                                       low=1, high=m)
        # OSNAP block construction: the m rows are cut into s blocks, one nonzero per block
        bounds = (np.arange(s + 1) * m) // s
        lo, width = bounds[:-1], np.diff(bounds)
        u = g.random((n, s))
        itype = np.int32 if m < 2**31 - 1 else np.int64
        rows = (lo[None, :] + np.floor(u * width[None, :]).astype(np.int64)).astype(itype)
        signs = g.integers(0, 2, size=(n, s)) * 2.0 - 1.0
        params["rows"] = np.ascontiguousarray(rows)
        params["vals"] = np.ascontiguousarray(signs / np.sqrt(s))
    elif kind == "srht":
        transform = check_choice("transform", transform, ("dct", "hadamard"))
        n2 = 1 << (n - 1).bit_length() if transform == "hadamard" else n
        params.update(
            transform=transform, n2=n2,
            signs=g.integers(0, 2, size=n) * 2.0 - 1.0,
            idx=np.sort(g.choice(n2, size=m, replace=False)),
            scale=np.sqrt(n2 / m),
        )
    elif kind == "uniform":
        params["idx"] = np.sort(g.choice(n, size=m, replace=False))
        params["scale"] = np.full(m, np.sqrt(n / m))
    else:  # leverage
        if leverage_scores is None:
            raise ValueError("kind='leverage' needs leverage_scores (see numsolve.linalg.sketch."
                             "leverage_scores), or use sketch(A, ..., kind='leverage')")
        lev = np.asarray(leverage_scores, dtype=np.float64).reshape(-1)
        if lev.shape[0] != n:
            raise ValueError(f"leverage_scores has {lev.shape[0]} entries, expected n = {n}")
        if not np.all(np.isfinite(lev)) or np.any(lev < 0) or lev.sum() <= 0:
            raise ValueError("leverage_scores must be finite, non-negative and not all zero")
        prob = lev / lev.sum()
        idx = np.sort(g.choice(n, size=m, replace=True, p=prob))
        params["idx"] = idx
        params["scale"] = 1.0 / np.sqrt(m * prob[idx])
    return Sketch(kind, m, n, params)


def leverage_scores(A, *, method: str = "approx", rng=None, oversampling: int = 10,
                    jl_dim: int = 32) -> np.ndarray:
    """Row leverage scores of a tall matrix ``A`` (``n x d``), exact or approximate [1]_.

    The leverage score of row ``i`` is the squared norm of row ``i`` of an orthonormal basis
    ``U`` of the column space of ``A``; the scores sum to ``rank(A)``. The rank is decided as
    by :func:`numpy.linalg.matrix_rank`: singular values above ``max(n, d) * eps * s_max``
    (they are those of ``R`` from a QR of ``A``, or of its sketch), so a rank-deficient ``A``
    gets the scores of its column space.

    ``method='exact'``: squared row norms of ``Q`` from a QR of ``A`` (dense, ``O(n d^2)``;
    with ``A = Q R`` rank deficient, of ``Q U_r`` from the SVD ``R = U_r S_r V_r^T``).
    ``method='approx'`` (Drineas et al. 2012): ``R`` from the QR of a sparse sign sketch of
    ``A`` (``oversampling * d`` rows), then squared row norms of ``A R^{-1} G`` with a Gaussian
    ``G`` of ``jl_dim`` columns (``R^+`` restricted to the rank's singular triplets when
    ``A`` is rank deficient): ``O(nnz(A) (s + jl_dim) + d^3)``, within a constant factor of
    the exact scores with high probability. ``A`` may be a NumPy/CuPy array or a SciPy/CuPy
    sparse matrix; the QR and the SVD of the exact method run in ``A``'s namespace.

    Parameters
    ----------
    A : array or sparse matrix, shape (n, d)
        A tall matrix (``n >= d``), dense or sparse, NumPy/SciPy or CuPy.
    method : {'approx', 'exact'}
        Sketched estimate (default) or exact scores from a QR.
    rng : int or numpy.random.Generator, optional
        Seed of the sketch and of ``G`` (``method='approx'``).
    oversampling : int
        Rows of the sparse sign sketch, in multiples of ``d``.
    jl_dim : int
        Columns of the Gaussian Johnson-Lindenstrauss matrix ``G``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        The leverage scores (host array), summing to ``rank(A)`` (exactly for
        ``method='exact'``, approximately for ``'approx'``).

    References
    ----------
    .. [1] P. Drineas, M. Magdon-Ismail, M. W. Mahoney and D. P. Woodruff, "Fast
       approximation of matrix coherence and statistical leverage", JMLR 13 (2012).

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.linalg.sketch import leverage_scores
    >>> A = np.random.default_rng(0).standard_normal((500, 5))
    >>> round(float(leverage_scores(A, method="exact").sum()), 6)
    5.0
    >>> B = np.hstack([A, A[:, :1] + A[:, 1:2]])  # rank 5
    >>> round(float(leverage_scores(B, method="exact").sum()), 6)
    5.0
    """
    if is_linear_operator(A):
        raise TypeError("leverage_scores needs an array or a sparse matrix, not a LinearOperator")
    method = check_choice("method", method, ("approx", "exact"))
    oversampling = check_int("oversampling", oversampling, low=1)
    jl_dim = check_int("jl_dim", jl_dim, low=1)
    xp = get_namespace(A)
    if not is_sparse(A):
        A = xp.asarray(A)
    if A.ndim != 2:
        raise ValueError(f"A must be 2-D (n, d), got shape {tuple(A.shape)}")
    if method == "exact":
        return _exact_leverage(A, xp)
    return _approx_leverage(A, xp, as_rng(rng), oversampling, jl_dim)


def _numerical_rank(sv, shape) -> int:
    """Number of singular values ``sv`` above ``max(shape) * eps * max(sv)``: the rank
    :func:`numpy.linalg.matrix_rank` gives a matrix of this shape and these singular values."""
    sv = np.asarray(to_numpy_(sv), dtype=np.float64)
    if sv.size == 0:
        return 0
    return int(np.count_nonzero(sv > sv.max() * max(shape) * np.finfo(np.float64).eps))


def _row_norms2(Z, xp):
    """Squared row norms of a 2-D array, as a host NumPy array."""
    if is_numpy_namespace(xp):
        Z = np.asarray(Z)
        return np.einsum("ij,ij->i", Z, Z)
    return np.asarray(to_numpy_(xp.sum(Z * Z, axis=1)))


def _exact_leverage(A, xp) -> np.ndarray:
    """Squared row norms of an orthonormal basis of range(A), from a QR of A (and, when A is
    rank deficient, the SVD of R)."""
    Ad = xp.asarray(A.toarray() if is_sparse(A) else A, dtype=xp.float64)
    _check_array(Ad, "A", xp)
    Q, R = xp.linalg.qr(Ad)
    U_R, sv, _ = xp.linalg.svd(R, full_matrices=False)
    r = _numerical_rank(sv, Ad.shape)
    if r < min(R.shape):  # A = (Q U_R) diag(sv) V^T: its first r columns span range(A)
        Q = Q @ U_R[:, :r]
    return _row_norms2(Q, xp)


def _approx_leverage(A, xp, g, oversampling: int, jl_dim: int) -> np.ndarray:
    """Squared row norms of ``A R^+ G``: ``R`` from the QR of a sparse sign sketch of A, ``G``
    a Gaussian JL matrix with ``jl_dim`` columns (Drineas et al. 2012)."""
    import scipy.linalg as sl

    n, d = A.shape
    m = min(n, max(oversampling * d, d + 1))
    S = make_sketch("sparse-sign", m, n, rng=g, nnz_per_column=min(8, m))
    SA = to_numpy_(S @ A)
    SA = SA.toarray() if sp.issparse(SA) else SA
    R = np.linalg.qr(np.asarray(SA, dtype=np.float64), mode="r")
    G = g.standard_normal((d, jl_dim)) / np.sqrt(jl_dim)
    _, sv, Vt = np.linalg.svd(R, full_matrices=False)
    r = _numerical_rank(sv, A.shape)
    if r == d:
        W = sl.solve_triangular(R, G)  # R^{-1} G
    else:  # R^+ on the rank's singular triplets: S A V_r diag(1/sv_r) is orthonormal
        W = Vt[:r].T @ (G[:r] / sv[:r, None])
    Z = A @ (W if is_numpy_namespace(xp) else xp.asarray(W))
    return _row_norms2(to_numpy_(Z), np)


def sketch(
    A,
    sketch_size: int,
    kind: str = "sparse-sign",
    *,
    side: str = "left",
    rng: int | np.random.Generator | None = None,
    check_finite: bool = True,
    **kwargs,
):
    """Sketch ``A`` with a fresh random sketch: ``S @ A`` (``side='left'``) or ``A @ S.T``.

    Parameters
    ----------
    A : array, sparse matrix or LinearOperator
    sketch_size : int
        Rows of ``S``: at least 1 and at most the sketched dimension.
    kind : str
        See :func:`make_sketch`. ``'leverage'`` computes approximate leverage scores of ``A``
        (or of ``A.T`` for ``side='right'``) unless ``leverage_scores`` is given.
    side : {'left', 'right'}
    rng : int or numpy.random.Generator, optional
    check_finite : bool, default True
        Raise ``ValueError`` if ``A`` contains NaN or inf (see :meth:`Sketch.apply`).
    **kwargs
        Passed to :func:`make_sketch`.

    Returns
    -------
    array
        The sketch (see :meth:`Sketch.apply`).

    Notes
    -----
    The sketch families and their sources are listed in :func:`make_sketch`; see
    Woodruff [1]_ for a survey.

    References
    ----------
    .. [1] D. P. Woodruff, "Sketching as a tool for numerical linear algebra", Foundations
       and Trends in Theoretical Computer Science 10(1-2):1-157, 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.linalg.sketch import sketch
    >>> A = np.random.default_rng(0).standard_normal((1000, 4))
    >>> sketch(A, 40, "srht", rng=0).shape
    (40, 4)
    >>> np.array_equal(sketch(A, 40, rng=3), sketch(A, 40, rng=3))
    True
    """
    side = check_choice("side", side, ("left", "right"))
    shape = getattr(A, "shape", None)
    if shape is None:
        A = np.asarray(A)
        shape = A.shape
    n = shape[0] if side == "left" else shape[1]
    g = as_rng(rng)
    if _canonical_kind(kind) == "leverage" and kwargs.get("leverage_scores") is None:
        kwargs["leverage_scores"] = leverage_scores(A if side == "left" else A.T, rng=g)
    S = make_sketch(kind, sketch_size, n, rng=g, **kwargs)
    return S.apply(A, side=side, check_finite=check_finite)
