"""SOR and SSOR: stationary SOR (``method='sor'``), SSOR-preconditioned CG (``method='ssor-cg'``)
and :func:`ssor_preconditioner`.

Split ``A = D + L + U``. One forward SOR sweep is ``x <- x + (D/omega + L)^{-1} (b - A x)``; the
SSOR preconditioner is ``M = (D + omega L) D^{-1} (D + omega U) / (omega (2 - omega))`` (SPD for
SPD ``A`` and ``0 < omega < 2``); applying ``M^{-1}`` is one symmetric SOR sweep on ``A z = r``
from ``z = 0``.

Two orderings:

* ``'natural'`` - the rows in the order given; sequential Numba kernels on host CSR matrices
  (dense NumPy input is converted to CSR).
* ``'multicolor'`` - rows grouped by a greedy colouring of the sparsity pattern (red-black on
  5-/7-point stencils); the rows of one colour are independent, so a sweep is a few whole-array
  operations (one sparse product per colour). This generic code runs on any array namespace
  (NumPy, CuPy) and is the default where Numba cannot run (CuPy). The ordering changes the
  iteration counts and the best ``omega``.

``omega`` may be a number or a *tuner* (:class:`~numsolve.linalg.TsallisINF`,
:class:`~numsolve.linalg.ChebCB`, :class:`~numsolve.linalg.FixedOmega`, or any object with
``predict(context=None) -> float`` and ``update(iterations)``): the tuner chooses ``omega``
before the solve and observes the iteration count after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..._backend import (
    get_namespace,
    is_linear_operator,
    is_numpy_namespace,
    is_sparse,
    numba_available,
    to_numpy,
)
from ..._checks import check_choice, check_int, check_maxiter, check_real, check_tolerances
from ..._result import OptimizeResult, SolveResult, wrap_callback
from ..._status import CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, status_message
from .._system import host_scalars, prepare_system
from ..krylov._cg import solve_cg

__all__ = [
    "solve_sor",
    "solve_ssor_cg",
    "ssor_preconditioner",
    "SSORPreconditioner",
    "MulticolorSOR",
    "SORSmoother",
    "young_omega",
    "check_omega",
]

_MODES = {"forward": 0, "backward": 1, "symmetric": 2}
_ORDERINGS = {"natural": "natural", "multicolor": "multicolor", "multicolour": "multicolor",
              "red-black": "multicolor"}


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------
def check_omega(omega, name: str = "omega") -> float:
    """Validate a relaxation factor: a finite real number in the open interval (0, 2)."""
    return check_real(name, omega, low=0.0, high=2.0, low_open=True, high_open=True)


def _is_tuner(obj) -> bool:
    return callable(getattr(obj, "predict", None)) and callable(getattr(obj, "update", None))


def _choose_omega(omega, context):
    """``(omega value, tuner or None)``."""
    if _is_tuner(omega):
        return check_omega(omega.predict(context), "omega chosen by the tuner"), omega
    if context is not None:
        raise ValueError("context is only used with a tuner passed as omega")
    return check_omega(omega), None


def _refuse_preconditioner(M, message: str):
    if M is not None:
        raise ValueError(message)


def _check_ordering(ordering) -> str | None:
    """``None`` (the default for the system), ``'natural'`` or ``'multicolor'``."""
    if ordering is None:
        return None
    return _ORDERINGS[check_choice("ordering", ordering, tuple(_ORDERINGS))]


def _resolve_ordering(ordering: str | None, system) -> str:
    """The ordering of the sweeps (``ordering`` checked by :func:`_check_ordering`): by default
    natural (Numba) where it can run, else multicolour."""
    numba_ok = (
        numba_available()
        and is_numpy_namespace(system.xp)
        and np.dtype(system.dtype) in (np.float32, np.float64)
    )
    if ordering is None:
        return "natural" if numba_ok else "multicolor"
    if ordering == "natural" and not numba_ok:
        raise ValueError(
            "ordering='natural' needs Numba and a real float32/float64 matrix on the host; "
            "use ordering='multicolor' (whole-array sweeps, runs on CuPy)"
        )
    return ordering


def _matrix_of(system, what: str):
    if system.kind == "operator":
        raise TypeError(
            f"{what} needs the entries of A (its diagonal and triangular parts); got a "
            "LinearOperator. Pass a dense array or a sparse matrix."
        )
    return system.A


def _raise_bad_diagonal(row: int):
    raise ValueError(
        f"A has a zero or missing diagonal entry in row {row}; SOR/SSOR divide by the diagonal"
    )


class _HostCSR:
    """Host CSR arrays + diagonal for the natural-ordering Numba kernels."""

    def __init__(self, A, dtype, *, need_diagonal: bool = True):
        from . import _sor_kernels as K

        self.K = K
        if not is_sparse(A):
            A = sp.csr_array(np.asarray(A))
        A = A.tocsr() if A.format != "csr" else A
        if A.dtype != dtype:
            A = A.astype(dtype)
        if not A.has_canonical_format:
            A = A.copy()
            A.sum_duplicates()
        itype = np.int32 if A.nnz < 2**31 - 1 else np.int64
        self.indptr = np.ascontiguousarray(A.indptr, dtype=itype)
        self.indices = np.ascontiguousarray(A.indices, dtype=itype)
        self.data = np.ascontiguousarray(A.data)
        self.n = A.shape[0]
        self.diag = None
        if need_diagonal:
            diag, bad = K.csr_diagonal(self.indptr, self.indices, self.data, self.n)
            if bad >= 0:
                _raise_bad_diagonal(int(bad))
            self.diag = diag

    def winv(self, omega: float):
        return (omega / self.diag).astype(self.data.dtype)

    def scaled_triangles(self, omega: float):
        """``((Lp, Li, Lx), (Up, Ui, Ux), dinv)``: the strict triangles of ``omega D^{-1} A``
        (CSR) and ``D^{-1}``, in one Numba pass."""
        Lp, Li, Lx, Up, Ui, Ux, dinv, bad = self.K.split_scaled(
            self.indptr, self.indices, self.data, self.n, omega)
        if bad >= 0:
            _raise_bad_diagonal(int(bad))
        return (Lp, Li, Lx), (Up, Ui, Ux), dinv


# --------------------------------------------------------------------------------------------
# multicolour sweeps (generic array-API code)
# --------------------------------------------------------------------------------------------
def _colouring(A_host) -> np.ndarray:
    """Greedy colouring of the symmetrised pattern of a host matrix."""
    S = sp.csr_array(A_host) if not sp.issparse(A_host) else sp.csr_array(A_host)
    S = (abs(S) + abs(S).T).tocsr()
    S.sum_duplicates()
    n = S.shape[0]
    if numba_available():
        from . import _sor_kernels as K

        return np.asarray(K.greedy_colouring(S.indptr, S.indices, n))
    colour = np.full(n, -1, dtype=np.int64)  # pragma: no cover - Numba is a dependency
    for i in range(n):  # pragma: no cover
        used = {int(colour[j]) for j in S.indices[S.indptr[i]: S.indptr[i + 1]] if j != i}
        c = 0
        while c in used:
            c += 1
        colour[i] = c
    return colour


class SORSmoother:
    """SOR sweeps in natural row order on a fixed host matrix, in place (a multigrid smoother).

    ``smoother(x, b, omega)`` does what PyAMG's ``pyamg.relaxation.relaxation.sor(A, x, b,
    omega)`` does, with the compiled kernel of ``method='sor'``: the CSR arrays and the
    diagonal are prepared once, here, so that a call costs one pass over ``A``.

    Parameters
    ----------
    A : sparse matrix or array, shape (n, n)
        Real, with a nonzero diagonal (host memory: NumPy / SciPy sparse).
    dtype : {numpy.float64, numpy.float32}, optional
        Working precision (default: float32 for float32 ``A``, else float64).

    Notes
    -----
    The SOR sweep ``x <- x + (D/omega + L)^{-1} (b - A x)`` of Young [1]_ (see also Saad [2]_).

    References
    ----------
    .. [1] D. M. Young, "Iterative Solution of Large Linear Systems", Academic Press, 1971.
    .. [2] Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM, 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.linalg import SORSmoother
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(16)
    >>> b, x = np.ones(A.shape[0]), np.zeros(A.shape[0])
    >>> smooth = SORSmoother(A)
    >>> r0 = np.linalg.norm(b - A @ x)
    >>> _ = smooth(x, b, omega=1.5, iterations=10)
    >>> bool(np.linalg.norm(b - A @ x) < 0.5 * r0)
    True
    """

    def __init__(self, A, dtype=None):
        shape = tuple(getattr(A, "shape", np.shape(A)))
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"A must be square, got shape {shape}")
        if dtype is None:
            dtype = np.float32 if getattr(A, "dtype", None) == np.float32 else np.float64
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        self.dtype = np.dtype(dtype)
        self.n = shape[0]
        self._csr = _HostCSR(A, self.dtype)
        self._winv: dict[float, np.ndarray] = {}

    def _check(self, v, name: str):
        if not (isinstance(v, np.ndarray) and v.dtype == self.dtype and v.shape == (self.n,)
                and v.flags.c_contiguous):
            raise TypeError(f"{name} must be a C-contiguous {self.dtype} NumPy array of shape "
                            f"({self.n},)")
        return v

    def _weights(self, omega) -> np.ndarray:
        omega = check_omega(omega)
        if omega not in self._winv:
            self._winv[omega] = self._csr.winv(omega)
        return self._winv[omega]

    def __call__(self, x, b, omega=1.0, iterations: int = 1, sweep: str = "forward"):
        """``iterations`` sweeps (``'forward'``, ``'backward'`` or ``'symmetric'``) on ``x``,
        in place; returns ``x``."""
        h, winv = self._csr, self._weights(omega)
        mode = _MODES[check_choice("sweep", sweep, tuple(_MODES))]
        h.K.sor_sweeps(h.indptr, h.indices, h.data, winv, self._check(b, "b"),
                       self._check(x, "x"), mode, check_int("iterations", iterations, low=0))
        return x

    def iterations_to(self, x, b, omega, tol: float, maxiter: int,
                      sweep: str = "forward") -> tuple[int, int]:
        """Sweep until ``norm(b - A x) <= tol`` (``x`` in place): ``(sweeps, status)``."""
        h, winv = self._csr, self._weights(omega)
        mode = _MODES[check_choice("sweep", sweep, tuple(_MODES))]
        maxiter = check_int("maxiter", maxiter, low=0)
        hist = np.empty(maxiter + 1)
        nit, status = h.K.sor_solve(h.indptr, h.indices, h.data, winv, self._check(b, "b"),
                                    self._check(x, "x"), mode,
                                    check_real("tol", tol, low=0.0), maxiter, hist)
        return int(nit), int(status)


class MulticolorSOR:
    """SOR sweeps in multicolour order, written as whole-array operations.

    The rows are permuted so that each colour is a contiguous slice; a colour's rows are not
    coupled to each other, so the whole colour is updated at once,
    ``x[c] += omega / diag[c] * (b[c] - A[c, :] @ x)``. Works on NumPy and CuPy (dense arrays
    or sparse matrices) and on any array-API namespace for dense arrays.

    Parameters
    ----------
    A : array or sparse matrix, shape (n, n)
    xp : namespace, optional
        Defaults to the namespace of ``A``.
    colors : array of int, optional
        A colouring (rows of equal colour must not be coupled); default: greedy colouring of the
        pattern of ``A + A^T`` in natural order (red-black on 5-/7-point stencils).
    parallel : bool, optional
        For host sparse matrices in float32/float64: update each colour with a Numba ``prange``
        loop (threads) instead of the whole-array expression; same arithmetic per row.
        Default: True when Numba is available and ``A`` is a host sparse matrix.

    Attributes
    ----------
    n_colors : int
        Number of colours.
    perm, inv : array of int
        The row permutation that makes each colour contiguous, and its inverse.

    Notes
    -----
    The sweep methods work on *permuted* vectors: ``to_perm`` / ``from_perm`` move a vector
    into and out of colour order, ``winv(omega)`` is ``omega / diag`` in that order, and
    ``sweep(x, b, winv, mode)`` updates ``x`` in place (``mode`` 0 forward, 1 backward, 2 a
    symmetric sweep).

    Multicolour orderings for SOR and SSOR are described in Saad's book [1]_.

    References
    ----------
    .. [1] Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM, 2003.

    Examples
    --------
    Red-black SOR sweeps (``omega = 1.5``, close to Young's optimum here) on the 2-D Poisson
    matrix:

    >>> import numpy as np
    >>> from numsolve.linalg import MulticolorSOR
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(8)
    >>> mc = MulticolorSOR(A, parallel=False)
    >>> mc.n_colors
    2
    >>> b = np.ones(A.shape[0])
    >>> bp, x = mc.to_perm(b), np.zeros(A.shape[0])
    >>> for _ in range(60):
    ...     x = mc.sweep(x, bp, mc.winv(1.5), mode=0)
    >>> x = mc.from_perm(x)
    >>> bool(np.linalg.norm(b - A @ x) < 1e-8 * np.linalg.norm(b))
    True
    """

    def __init__(self, A, xp=None, colors=None, parallel=None):
        self.xp = xp if xp is not None else get_namespace(A)
        xp = self.xp
        self.sparse = is_sparse(A)
        self.n = int(A.shape[0])
        A_host = to_numpy(A)
        if colors is None:
            colors = _colouring(A_host)
        colors = np.asarray(colors, dtype=np.int64)
        if colors.shape != (self.n,):
            raise ValueError(f"colors must have shape ({self.n},), got {colors.shape}")
        perm = np.argsort(colors, kind="stable")
        counts = np.bincount(colors)
        counts = counts[counts > 0]
        self.bounds = np.concatenate([[0], np.cumsum(counts)]).astype(int)
        self.n_colors = len(counts)
        self.colors = colors
        inv = np.empty_like(perm)
        inv[perm] = np.arange(self.n)
        # check that no colour couples two of its own rows, and find the diagonal (host side)
        Ah = sp.csr_array(A_host)
        Ap = Ah[perm][:, perm].tocsr()
        Ap.sum_duplicates()
        diag = Ap.diagonal()
        bad = np.flatnonzero(diag == 0)
        if bad.size:
            _raise_bad_diagonal(int(perm[bad[0]]))
        coo = Ap.tocoo()
        cr = colors[perm][coo.row]
        cc = colors[perm][coo.col]
        clash = (cr == cc) & (coo.row != coo.col) & (coo.data != 0)
        if clash.any():
            raise ValueError("colors is not a valid colouring: two coupled rows share a colour")
        self.perm = xp.asarray(perm)
        self.inv = xp.asarray(inv)
        self.diag = xp.asarray(diag.astype(np.result_type(diag.dtype, np.float32)))
        if self.sparse:
            if is_numpy_namespace(xp):
                self.blocks = [Ap[s:e] for s, e in zip(self.bounds[:-1], self.bounds[1:])]
            else:  # CuPy: rebuild on the device
                import cupyx.scipy.sparse as csp

                Apd = csp.csr_matrix(sp.csr_matrix(Ap))
                self.blocks = [Apd[int(s):int(e)] for s, e in zip(self.bounds[:-1],
                                                                   self.bounds[1:])]
        else:
            Ad = xp.asarray(A)
            Ad = xp.take(xp.take(Ad, self.perm, axis=0), self.perm, axis=1)
            self.blocks = [Ad[int(s):int(e), :] for s, e in zip(self.bounds[:-1],
                                                                 self.bounds[1:])]

        can_par = (self.sparse and is_numpy_namespace(xp) and numba_available()
                   and Ap.dtype in (np.float32, np.float64))
        if parallel and not can_par:
            raise ValueError("parallel=True needs Numba and a host float32/float64 sparse matrix")
        self.parallel = bool(can_par if parallel is None else parallel)
        if self.parallel:
            from . import _sor_kernels as K

            self._K = K
            self._csr = (Ap.indptr.astype(np.int64), Ap.indices.astype(np.int64), Ap.data)

    def to_perm(self, v):
        return self.xp.take(v, self.perm, axis=0)

    def from_perm(self, v):
        return self.xp.take(v, self.inv, axis=0)

    def winv(self, omega: float, dtype=None):
        w = omega / self.diag
        return w if dtype is None else self.xp.astype(w, dtype)

    def _colour(self, c, x, b, winv):
        s, e = int(self.bounds[c]), int(self.bounds[c + 1])
        if self.parallel and x.ndim == 1 and x.flags.c_contiguous:
            ip, ix, dat = self._csr
            self._K.colour_sweep_parallel(ip, ix, dat, winv, np.ascontiguousarray(b), x, s, e)
            return
        ax = self.blocks[c] @ x
        w = winv[s:e] if x.ndim == 1 else winv[s:e][:, None]
        x[s:e] = x[s:e] + w * (b[s:e] - ax)

    def sweep(self, x, b, winv, mode: int = 0):
        """In-place sweep(s) on permuted vectors/blocks: mode 0 forward, 1 backward, 2 both."""
        order = range(self.n_colors)
        if mode in (0, 2):
            for c in order:
                self._colour(c, x, b, winv)
        if mode in (1, 2):
            for c in reversed(order):
                self._colour(c, x, b, winv)
        return x

    def resnorm(self, x, b) -> float:
        xp = self.xp
        r = b - self.matvec_perm(x)
        return float(host_scalars(xp.linalg.vector_norm(r), xp)[0])

    def matvec_perm(self, x):
        parts = [blk @ x for blk in self.blocks]
        return self.xp.concat(parts, axis=0)


# --------------------------------------------------------------------------------------------
# the SSOR preconditioner
# --------------------------------------------------------------------------------------------
class SSORPreconditioner(spla.LinearOperator):
    """The SSOR preconditioner ``M^{-1}`` as a :class:`scipy.sparse.linalg.LinearOperator`.

    Built by :func:`ssor_preconditioner` (use that function rather than the constructor);
    ``matvec(r)`` applies one symmetric SOR sweep on ``A z = r`` from ``z = 0``, i.e.
    ``z = M^{-1} r`` with ``M = (D + omega L) D^{-1} (D + omega U) / (omega (2 - omega))``.
    ``matmat`` sweeps all columns of a block at once.

    Parameters
    ----------
    A : array or sparse matrix, shape (n, n)
        The matrix (only its shape is kept; the sweeps use the prepared factors below).
    omega : float
        Relaxation factor in ``(0, 2)``.
    ordering : {'natural', 'multicolor'}
        Sweep order.
    dtype : dtype
        Value type of the operator.
    host : object, optional
        Prepared CSR triangles for the natural-order Numba sweeps (``ordering='natural'``).
    mc : MulticolorSOR, optional
        Prepared colouring for ``ordering='multicolor'``.

    Attributes
    ----------
    omega : float
    ordering : str

    Notes
    -----
    The standard SSOR preconditioner (e.g. Saad [1]_), in the form of the SSOR-PCG solver of
    Khodak et al. [2]_.

    References
    ----------
    .. [1] Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM, 2003.
    .. [2] M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting
       solver parameters across a sequence of linear system instances", ICLR 2024,
       arXiv:2310.02246.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.linalg import SSORPreconditioner, ssor_preconditioner
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(32)
    >>> M = ssor_preconditioner(A, omega=1.5)
    >>> isinstance(M, SSORPreconditioner), M.shape, M.omega
    (True, (1024, 1024), 1.5)
    >>> b = np.ones(A.shape[0])
    >>> plain = numsolve.solve(A, b, rtol=1e-8)
    >>> pcg = numsolve.solve(A, b, M=M, rtol=1e-8)
    >>> pcg.success, bool(pcg.nit < plain.nit / 2)
    (True, True)
    """

    def __init__(self, A, omega: float, ordering: str, dtype, host=None, mc=None):
        self.omega = float(omega)
        self.ordering = ordering
        self._host = host
        self._mc = mc
        if host is not None:
            lower, upper, self._dinv = host.scaled_triangles(self.omega)
            self._tri = (lower, upper)
            self._scale = self.omega * (2.0 - self.omega)
        else:
            self._winv = mc.winv(omega, dtype)
        try:
            np_dtype = np.dtype(dtype)
        except TypeError:  # another namespace's dtype object (metadata only)
            np_dtype = np.dtype(str(dtype).rsplit(".", 1)[-1])
        super().__init__(dtype=np_dtype, shape=tuple(A.shape))

    def _matvec(self, r):
        if self._complex_for_real(r):
            return self._by_parts(self._matvec, r)
        if self._host is not None:
            h = self._host
            r = np.ascontiguousarray(np.asarray(r).reshape(-1), dtype=h.data.dtype)
            z = np.empty_like(r)
            (Lp, Li, Lx), (Up, Ui, Ux) = self._tri
            h.K.ssor_apply_split(Lp, Li, Lx, Up, Ui, Ux, self._dinv, self._scale, r, z)
            return z
        mc = self._mc
        rp = mc.to_perm(r)
        z = mc.xp.zeros_like(rp)
        mc.sweep(z, rp, self._winv, mode=2)
        return mc.from_perm(z)

    def _matmat(self, R):
        if self._complex_for_real(R):
            return self._by_parts(self._matmat, R)
        if self._host is not None:
            return np.column_stack([self._matvec(R[:, c]) for c in range(R.shape[1])])
        mc = self._mc
        Rp = mc.to_perm(R)
        Z = mc.xp.zeros_like(Rp)
        mc.sweep(Z, Rp, self._winv, mode=2)
        return mc.from_perm(Z)

    def _adjoint(self):
        return self  # symmetric for symmetric A

    def _xp(self):
        return np if self._mc is None else self._mc.xp

    def _complex_for_real(self, r) -> bool:
        """A complex ``r`` for the real ``M^{-1}`` of a real ``A`` (complex right-hand side)."""
        if self.dtype.kind == "c":
            return False
        xp = self._xp()
        return xp.isdtype(xp.asarray(r).dtype, "complex floating")

    def _by_parts(self, apply, r):
        """``M^{-1} r = M^{-1} Re(r) + i M^{-1} Im(r)`` for a real ``M``: the real kernels (and
        their speed) serve complex right-hand sides unchanged."""
        xp = self._xp()
        r = xp.asarray(r)
        re, im = apply(xp.real(r)), apply(xp.imag(r))
        cdt = xp.complex64 if re.dtype == xp.float32 else xp.complex128
        return xp.astype(re, cdt) + xp.astype(im, cdt) * 1j


def _cupy_operator(shape, dtype, matvec, matmat):  # pragma: no cover - needs CUDA
    import cupyx.scipy.sparse.linalg as cspla

    return cspla.LinearOperator(shape, matvec=matvec, matmat=matmat, dtype=dtype)


def ssor_preconditioner(A: Any, omega: float = 1.0, *, ordering: str | None = None):
    """SSOR preconditioner ``M ~ A^{-1}`` for conjugate gradients, as a ``LinearOperator``.

    Parameters
    ----------
    A : array or sparse matrix, shape (n, n)
        Symmetric positive definite with a nonzero diagonal.
    omega : float
        Relaxation factor in ``(0, 2)``.
    ordering : {'natural', 'multicolor'}, optional
        ``'natural'`` (default on the CPU) uses sequential Numba triangular sweeps;
        ``'multicolor'`` (default on CuPy) sweeps colour by colour with whole-array
        operations (a different, equally valid SSOR preconditioner).

    Returns
    -------
    LinearOperator
        ``M.matvec(r)`` computes ``M^{-1} r`` with
        ``M = (D + omega L) D^{-1} (D + omega U) / (omega (2 - omega))``; usable as ``M=`` in
        :func:`numsolve.solve` and in :func:`scipy.sparse.linalg.cg`. A CuPy
        ``LinearOperator`` for CuPy input.

    Raises
    ------
    ValueError
        ``omega`` outside ``(0, 2)``; a zero or missing diagonal entry (the row is named).
    TypeError
        ``A`` is a ``LinearOperator`` (SSOR needs the matrix entries).

    Notes
    -----
    The standard SSOR preconditioner (e.g. Saad [1]_), as in the SSOR-preconditioned CG of
    Khodak et al. [2]_, whose ``omega`` the tuners of :mod:`numsolve.linalg` learn.

    References
    ----------
    .. [1] Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM, 2003.
    .. [2] M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting
       solver parameters across a sequence of linear system instances", ICLR 2024,
       arXiv:2310.02246.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(32)
    >>> b = np.ones(A.shape[0])
    >>> M = numsolve.linalg.ssor_preconditioner(A, omega=1.5)
    >>> plain = numsolve.solve(A, b, rtol=1e-8)
    >>> pre = numsolve.solve(A, b, rtol=1e-8, M=M)
    >>> bool(pre.nit < plain.nit / 2)
    True
    """
    omega = check_omega(omega)
    system = prepare_system(A, _dummy_b(A))
    A = _matrix_of(system, "the SSOR preconditioner")
    ordering = _resolve_ordering(_check_ordering(ordering), system)
    if ordering == "natural":
        host = _HostCSR(A, system.dtype, need_diagonal=False)
        return SSORPreconditioner(A, omega, ordering, system.dtype, host=host)
    mc = MulticolorSOR(A, system.xp)
    op = SSORPreconditioner(A, omega, ordering, system.dtype, mc=mc)
    if is_numpy_namespace(system.xp) or not system.backend.startswith("cupy"):
        return op
    return _cupy_operator(op.shape, system.dtype, op._matvec, op._matmat)  # pragma: no cover


def _dummy_b(A):
    """A zero right-hand side in the namespace of ``A`` (to reuse :func:`prepare_system`)."""
    if isinstance(A, (list, tuple)):  # nested lists: prepare_system makes them an array
        return np.zeros(len(A))
    shape = getattr(A, "shape", None)
    if is_linear_operator(A) or shape is None or len(shape) < 1:
        return np.zeros(1 if not shape else int(shape[0]))
    return get_namespace(A).zeros(int(shape[0]))


# --------------------------------------------------------------------------------------------
# stationary SOR
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SOROptions:
    """The options of ``method='sor'``, validated once (:mod:`numsolve._checks`).

    ``sweep`` in ``{'forward', 'backward', 'symmetric'}``; ``ordering`` ``None`` (the default
    for the system), ``'natural'`` or ``'multicolor'`` (aliases ``'multicolour'``,
    ``'red-black'``); ``rtol_reference`` in ``{'b', 'r0'}``; ``maxiter`` defaults to 10000.
    """

    sweep: str = "forward"
    ordering: str | None = None
    rtol_reference: str = "b"
    rtol: float = 1e-5
    atol: float = 0.0
    maxiter: int | None = None

    def __post_init__(self):
        rtol, atol = check_tolerances(self.rtol, self.atol)
        checked = dict(
            sweep=check_choice("sweep", self.sweep, tuple(_MODES)),
            rtol_reference=check_choice("rtol_reference", self.rtol_reference, ("b", "r0")),
            rtol=rtol,
            atol=atol,
            maxiter=check_maxiter(self.maxiter, 10000),
            ordering=_check_ordering(self.ordering),
        )
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def mode(self) -> int:
        """The kernels' sweep code: 0 forward, 1 backward, 2 symmetric."""
        return _MODES[self.sweep]


class _NaturalSweeps:
    """SOR sweeps in the given row order: the sequential Numba kernels on host CSR arrays.

    Vectors are contiguous NumPy arrays in the original order.
    """

    backend = "numba"

    def __init__(self, system, A):
        self.host = _HostCSR(A, system.dtype)  # checks the diagonal
        self.K = self.host.K
        self.csr = (self.host.indptr, self.host.indices, self.host.data)
        self.b = np.ascontiguousarray(system.b[:, 0])
        self.bnorm = float(np.linalg.norm(self.b))

    def start(self, system):
        """The first iterate: a copy of ``x0``, or zeros."""
        if system.x0 is None:
            return np.zeros(system.n, dtype=system.dtype)
        return np.ascontiguousarray(system.x0[:, 0]).copy()

    def set_omega(self, omega: float, mode: int):
        self.winv, self.mode = self.host.winv(omega), mode  # winv = omega / diag(A)

    def residual_norm(self, x) -> float:
        return float(self.K.csr_resnorm(*self.csr, self.b, x))

    def sweep(self, x):
        self.K.sor_sweeps(*self.csr, self.winv, self.b, x, self.mode, 1)

    def solution(self, x, copy: bool = False):
        return x.copy() if copy else x

    def run_compiled(self, x, tol: float, maxiter: int):
        """:func:`_sor_loop` as one Numba call (``sor_solve``: the same steps and tests)."""
        hist = np.empty(maxiter + 1)
        nit, status = self.K.sor_solve(*self.csr, self.winv, self.b, x, self.mode, tol, maxiter,
                                       hist)
        return int(nit), int(status), hist[: int(nit) + 1]


class _MulticolorSweeps:
    """SOR sweeps colour by colour (:class:`MulticolorSOR`), on any array namespace.

    Vectors are permuted so that each colour is a contiguous slice.
    """

    run_compiled = None

    def __init__(self, system, A):
        self.mc = MulticolorSOR(A, system.xp)  # checks the diagonal
        self.xp, self.dtype, self.backend = system.xp, system.dtype, system.backend
        self.b = self.mc.to_perm(system.b[:, 0])
        self.bnorm = float(host_scalars(self.xp.linalg.vector_norm(self.b), self.xp)[0])

    def start(self, system):
        """The first iterate (permuted): ``x0``, or zeros."""
        if system.x0 is None:
            return self.xp.zeros(system.n, dtype=system.dtype)
        return self.mc.to_perm(system.x0[:, 0])

    def set_omega(self, omega: float, mode: int):
        self.winv, self.mode = self.mc.winv(omega, self.dtype), mode

    def residual_norm(self, x) -> float:
        return self.mc.resnorm(x, self.b)

    def sweep(self, x):
        self.mc.sweep(x, self.b, self.winv, self.mode)

    def solution(self, x, copy: bool = False):
        return self.mc.from_perm(x)  # a new array in the original order


def _stop_status(r: float, tol: float, nit: int = 0, maxiter: int | None = None):
    """The status after a residual norm ``r``, or ``None`` to go on."""
    if not np.isfinite(r):
        return NONFINITE
    if r <= tol:
        return CONVERGED
    if maxiter is not None and nit >= maxiter:
        return MAXITER
    return None


def _sor_loop(sweeps, x, r0: float, tol: float, maxiter: int, notify):
    """SOR from ``x`` (updated in place) until ``norm(b - A x) <= tol`` (``solvers/sor.m``).

    ``r0 = norm(b - A x)`` on entry. Returns ``(nit, status, residual norms)``; ``notify``
    sees every iterate.
    """
    hist = [r0]
    nit = 0
    status = _stop_status(r0, tol)  # x0 may already be a solution
    while status is None:
        # x <- x + (D/omega + L)^{-1} (b - A x): one forward sweep (backward: D/omega + U;
        # symmetric: a forward then a backward sweep)
        sweeps.sweep(x)
        nit += 1
        r = sweeps.residual_norm(x)  # ||b - A x||_2
        hist.append(r)
        status = _stop_status(r, tol, nit, maxiter)  # converged, non-finite or maxiter
        if notify is not None and status in (None, MAXITER):
            xk = sweeps.solution(x, copy=True)
            if notify(OptimizeResult(x=xk, nit=nit, residual_norm=r)):
                status = CALLBACK_STOP
    return nit, status, np.asarray(hist)


def solve_sor(A, b, x0=None, *, rtol: float = 1e-5, atol: float = 0.0,
              maxiter: int | None = None, M=None, callback=None,
              omega: Any = 1.0, context: float | None = None, sweep: str = "forward",
              ordering: str | None = None, rtol_reference: str = "b",
              check_finite: bool = True) -> SolveResult:
    """Successive over-relaxation (``method='sor'``): ``x <- x + (D/omega + L)^{-1}(b - A x)``.

    Called through ``numsolve.solve(A, b, method='sor', omega=...)``.

    Parameters
    ----------
    A : array or sparse matrix, shape (n, n)
        Nonzero diagonal. SOR converges for SPD ``A`` and ``0 < omega < 2`` and for strictly
        diagonally dominant ``A`` with ``omega <= 1``.
    b : array, shape (n,)
    x0 : array, shape (n,), optional
        Initial guess (zeros by default). Never modified.
    rtol, atol : float
        Converged when ``norm(b - A @ x) <= max(rtol * norm(b), atol)`` (SciPy semantics), tested
        after every iteration (one sweep, or a forward and a backward sweep when
        ``sweep='symmetric'``).
    maxiter : int, optional
        Maximum iterations, default 10000 (the cap of the *Learning to Relax* experiments).
    M : None
        Not used (SOR is its own preconditioner); anything else raises ``ValueError``.
    callback : callable, optional
        ``callback(intermediate_result)`` (``x``, ``nit``, ``residual_norm``) or ``callback(xk)``.

    Options
    -------
    omega : float or tuner, default 1.0
        Relaxation factor in ``(0, 2)`` (1 is Gauss-Seidel), or a tuner
        (:class:`~numsolve.linalg.TsallisINF`, :class:`~numsolve.linalg.ChebCB`, ...), which
        picks ``omega`` now and learns from the iteration count afterwards.
    context : float, optional
        The context passed to a contextual tuner (e.g. :class:`~numsolve.linalg.ChebCB`).
    sweep : {'forward', 'backward', 'symmetric'}
    ordering : {'natural', 'multicolor'}, optional
        Row order of the sweeps (see :mod:`numsolve.linalg._sor`); default natural order on
        the CPU (Numba), multicolour elsewhere.
    rtol_reference : {'b', 'r0'}
        ``'r0'`` measures ``rtol`` against the initial residual, ``norm(b - A x0)``, as the
        *Learning to Relax* code does (identical to ``'b'`` for ``x0 = 0``).
    check_finite : bool, default True

    Returns
    -------
    SolveResult
        With ``omega``, the relaxation factor used.
    """
    _refuse_preconditioner(M, "M is not used by method='sor'; use method='ssor-cg' for a "
                              "preconditioned solve")
    opts = SOROptions(sweep, ordering, rtol_reference, rtol, atol, maxiter)
    system = prepare_system(A, b, x0, None, check_finite=check_finite)
    Amat = _matrix_of(system, "SOR")
    natural = _resolve_ordering(opts.ordering, system) == "natural"
    notify = wrap_callback(callback)
    # split A (and check its diagonal) before a tuner commits to a choice of omega
    sweeps = (_NaturalSweeps if natural else _MulticolorSweeps)(system, Amat)
    w, tuner = _choose_omega(omega, context)
    sweeps.set_omega(w, opts.mode)

    x = sweeps.start(system)  # x = x0 (a copy), or zeros
    r0 = sweeps.residual_norm(x)  # n0 = ||b - A x0||
    # stop when ||b - A x|| <= max(rtol * ||b||, atol), or rtol * n0 as in solvers/sor.m
    tol = max(opts.rtol * (sweeps.bnorm if opts.rtol_reference == "b" else r0), opts.atol)
    if notify is None and sweeps.run_compiled is not None:
        nit, status, hist = sweeps.run_compiled(x, tol, opts.maxiter)  # the loop in Numba
    else:
        nit, status, hist = _sor_loop(sweeps, x, r0, tol, opts.maxiter, notify)
    if tuner is not None:
        tuner.update(nit)  # the bandit's loss: the iteration count
    detail = ("rtol relative to the initial residual"
              if opts.rtol_reference == "r0" and status == CONVERGED else None)
    x = sweeps.solution(x)
    return SolveResult(
        x=x if system.vector_input else system.xp.reshape(x, (system.n, 1)),
        success=status == CONVERGED, status=status,
        message=status_message(status, detail, kind="linear"), nit=nit, residual_norms=hist,
        backend=sweeps.backend, method="sor", omega=w,
    )


# --------------------------------------------------------------------------------------------
# SSOR-preconditioned CG
# --------------------------------------------------------------------------------------------
def solve_ssor_cg(A, b, x0=None, *, rtol: float = 1e-5, atol: float = 0.0,
                  maxiter: int | None = None, M=None, callback=None,
                  omega: Any = 1.0, context: float | None = None, ordering: str | None = None,
                  true_residual_every: int = 50, check_finite: bool = True) -> SolveResult:
    """Conjugate gradients preconditioned by SSOR(``omega``) (``method='ssor-cg'``).

    Called through ``numsolve.solve(A, b, method='ssor-cg', omega=...)``. The CG iteration is
    numsolve's ``method='cg'`` with ``M = ssor_preconditioner(A, omega)``; tolerances, ``maxiter``
    (default ``10 * n``), ``callback`` and the result are as for ``'cg'``. A complex ``b`` with a
    real ``A`` is preconditioned part by part (the SSOR preconditioner is real).

    Options
    -------
    omega : float or tuner, default 1.0
        Relaxation factor in ``(0, 2)`` (SSOR is SPD there), or a tuner that picks it and then
        observes the CG iteration count.
    context : float, optional
        Context for a contextual tuner.
    ordering : {'natural', 'multicolor'}, optional
        As in :func:`ssor_preconditioner`.
    true_residual_every, check_finite
        As for ``method='cg'``.

    Returns
    -------
    SolveResult
        With ``omega``, the relaxation factor used.
    """
    _refuse_preconditioner(M, "method='ssor-cg' builds its own preconditioner; M must be None "
                              "(use method='cg' with M=... for another preconditioner)")
    w, tuner = _choose_omega(omega, context)
    try:
        P = ssor_preconditioner(A, w, ordering=ordering)
    except Exception:
        if tuner is not None:  # do not leave the tuner waiting for feedback
            _abandon(tuner)
        raise
    if isinstance(P, SSORPreconditioner) and P._mc is not None \
            and not is_numpy_namespace(P._mc.xp):
        P = P._matvec  # array-API namespaces without LinearOperator: a callable M
    res = solve_cg(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, M=P, callback=callback,
                   true_residual_every=true_residual_every, check_finite=check_finite)
    res["method"] = "ssor-cg"
    res["omega"] = w
    if tuner is not None:
        tuner.update(int(res.nit))
    return res


def _abandon(tuner):
    cancel = getattr(tuner, "cancel", None)
    if callable(cancel):
        cancel()


# --------------------------------------------------------------------------------------------
# Young's optimal omega (an oracle)
# --------------------------------------------------------------------------------------------
def young_omega(A: Any) -> float:
    """Young's [1]_ optimal SOR relaxation factor ``2 / (1 + sqrt(1 - rho_J^2))`` (an oracle).

    ``rho_J`` is the spectral radius of the Jacobi iteration matrix ``I - D^{-1} A``, computed
    from the eigenvalues of the symmetric ``D^{-1/2} A D^{-1/2}`` (dense for ``n <= 2000``,
    otherwise two extreme eigenvalues with ARPACK). Optimal for consistently ordered SPD
    matrices (e.g. 5-point stencils in natural order); expensive - the baseline that the
    tuners are measured against, not a practical way to choose ``omega``.

    Parameters
    ----------
    A : array or sparse matrix, shape (n, n)
        Symmetric with a positive diagonal, such that the Jacobi iteration converges
        (``rho_J < 1``).

    Returns
    -------
    float
        ``omega* = 2 / (1 + sqrt(1 - rho_J^2))`` in ``[1, 2)``.

    Raises
    ------
    ValueError
        ``A`` is not a square matrix; a diagonal entry is not positive; the Jacobi iteration
        does not converge.
    TypeError
        ``A`` is a ``LinearOperator``.

    References
    ----------
    .. [1] D. M. Young, "Iterative Solution of Large Linear Systems", Academic Press, 1971.

    Examples
    --------
    >>> from numsolve.linalg import young_omega
    >>> from numsolve.problems import poisson2d
    >>> round(young_omega(poisson2d(10)), 4)   # 2 / (1 + sin(pi h)), h = 1/11
    1.5604
    """
    A = to_numpy(A)
    if is_linear_operator(A):
        raise TypeError("young_omega needs the entries of A, got a LinearOperator")
    A = A if sp.issparse(A) else np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"young_omega: A must be square, got shape {tuple(A.shape)}")
    A = sp.csr_array(A)
    d = A.diagonal()
    if np.any(d <= 0):
        raise ValueError("young_omega needs a positive diagonal")
    s = 1.0 / np.sqrt(d)
    S = sp.diags_array(s) @ A @ sp.diags_array(s)
    n = A.shape[0]
    if n <= 2000:
        ev = np.linalg.eigvalsh(S.toarray())
        lo, hi = ev[0], ev[-1]
    else:
        hi = spla.eigsh(S, k=1, which="LA", return_eigenvectors=False)[0]
        lo = spla.eigsh(S, k=1, which="SA", return_eigenvectors=False)[0]
    beta = max(abs(1 - lo), abs(1 - hi))
    if beta >= 1:
        raise ValueError(f"the Jacobi iteration does not converge (rho = {beta:.4g} >= 1)")
    return float(2.0 / (1.0 + np.sqrt(1.0 - beta * beta)))
