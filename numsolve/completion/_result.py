"""The result of :func:`numsolve.complete`: factors, biases, histories and ``predict``."""

from __future__ import annotations

from .._backend import get_namespace
from .._result import OptimizeResult
from ._data import as_triplets

__all__ = ["CompletionResult", "Validation", "predict_entries"]

_CHUNK = 1 << 20  # entries per block of predict (k floats each)


def predict_entries(xp, U, V, rows, cols, row_bias=None, col_bias=None, mean=0.0):
    """``U[rows] . V[cols] (+ row_bias[rows] + col_bias[cols] + mean)``, in blocks."""
    out = []
    for e0 in range(0, rows.shape[0], _CHUNK):
        r, c = rows[e0:e0 + _CHUNK], cols[e0:e0 + _CHUNK]
        p = xp.sum(xp.take(U, r, axis=0) * xp.take(V, c, axis=0), axis=1)
        if row_bias is not None:
            p = p + xp.take(row_bias, r) + xp.take(col_bias, c) + mean
        out.append(p)
    return xp.concat(out) if len(out) != 1 else out[0]


class CompletionResult(OptimizeResult):
    """Result of :func:`numsolve.complete` (a :class:`scipy.optimize.OptimizeResult`).

    Attributes
    ----------
    U, V : array, shapes (m, rank), (n, rank)
        Balanced factors, ``X = U @ V.T`` (+ biases); orthogonal columns, ordered by
        ``singular_values``.
    singular_values : array, shape (rank,)
        Singular values of ``U @ V.T``.
    row_bias, col_bias : array or None
        Bias terms (``biases=True``); ``mean`` is the mean of the observed values then
        (``0.0`` otherwise).
    residuals : ndarray
        Relative residual on the observed entries ``||P_Omega(X - M)||_F / ||P_Omega(M)||_F``
        after each pass.
    validation_errors : ndarray or None
        ``||X[held out] - values||_2 / ||values||_2`` after each pass, when ``validation`` was
        given.
    nit : int
        Passes (a pass = one V half-step and one U half-step).
    success, status, message : bool, int, str
        From numsolve's status table (:class:`~numsolve.Status`).
    n_clipped : int
        Rows of the initial factor zeroed by the incoherence clipping.
    inner_iterations : list of (int, int)
        Largest PCG iteration count of each half-step (``'sketch'``; zeros for ``'exact'``).
    backend : str
        ``'numba'`` (host kernels), ``'numpy'`` or ``'cupy'``.
    """

    def predict(self, rows, cols):
        """Completed entries ``X[rows, cols]`` (never the whole matrix).

        Parameters
        ----------
        rows, cols : array of int
            Positions, in the namespace of the factors.

        Returns
        -------
        values : array
        """
        xp = get_namespace(self.U)
        m, n = self["shape"]
        r, c, _, _, _ = as_triplets((rows, cols, xp.zeros(xp.asarray(rows).shape[0]),
                                     (m, n)), "predict")
        return predict_entries(xp, self.U, self.V, r, c, self.get("row_bias"),
                               self.get("col_bias"), self.get("mean", 0.0))


class Validation:
    """A held-out split ``(rows, cols, values)`` (or a sparse matrix) scored every pass."""

    def __init__(self, data, shape, xp):
        if not (isinstance(data, (tuple, list)) and len(data) == 3):
            if isinstance(data, (tuple, list)) and len(data) == 4:
                data = tuple(data[:3])
            elif hasattr(data, "tocoo"):
                C = data.tocoo()
                data = (C.row, C.col, C.data)
            else:
                raise TypeError("validation must be (rows, cols, values) or a sparse matrix "
                                "of held-out entries")
        self.rows, self.cols, self.vals, _, vxp = as_triplets((*data, shape), "validation")
        if vxp is not xp:
            raise TypeError("validation lives in a different array namespace than M")
        self.norm = float(xp.linalg.vector_norm(self.vals)) or 1.0
        self.xp = xp

    def error(self, U, V, row_bias=None, col_bias=None, mean=0.0) -> float:
        p = predict_entries(self.xp, U, V, self.rows, self.cols, row_bias, col_bias, mean)
        return float(self.xp.linalg.vector_norm(p - self.vals)) / self.norm
