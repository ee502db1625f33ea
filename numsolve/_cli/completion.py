"""Demo recipes of ``complete``: a random low-rank matrix from a fraction of its entries."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import scipy.sparse.linalg as spla

import numsolve

from ..problems import low_rank_completion
from ._common import DemoSettings, row, timed

__all__ = ["RECIPES", "complete_entry", "numpy_altmin"]


def _rows_lstsq(ptr, idx, y, D):
    """Every row's least squares from its normal equations (``np.add.reduceat`` segment
    sums, one batched ``np.linalg.solve``); rows are assumed non-empty."""
    A = D[idx]
    G = np.add.reduceat(np.einsum("ea,eb->eab", A, A), ptr[:-1], axis=0)
    r = np.add.reduceat(A * y[:, None], ptr[:-1], axis=0)
    return np.linalg.solve(G, r[:, :, None])[:, :, 0]


def numpy_altmin(prob, k, passes=100, rtol=1e-10):
    """Reference: plain NumPy AltMin (spectral start, QR, batched normal equations) until the
    observed-entry residual is below ``rtol``."""
    m, n = prob.shape
    rows, cols, vals = prob.rows, prob.cols, prob.values
    ro, co = np.lexsort((cols, rows)), np.lexsort((rows, cols))
    rptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=m))])
    cptr = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=n))])
    U = spla.svds(prob.M.tocsr(), k=k, random_state=0)[0]
    nit = 0
    while nit < passes:
        nit += 1
        V = np.linalg.qr(_rows_lstsq(cptr, rows[co], vals[co], U))[0]
        U = _rows_lstsq(rptr, cols[ro], vals[ro], V)
        res = vals - np.einsum("ij,ij->i", U[rows], V[cols])
        if np.linalg.norm(res) <= rtol * np.linalg.norm(vals):
            break
        U = np.linalg.qr(U)[0]
    return U, V, nit


def complete_entry(method: str = "altmin",
                   options: Mapping | None = None) -> Callable[[DemoSettings], dict]:
    """``numsolve.complete`` on a ``10 size x 10 size`` rank-5 matrix with a fraction
    ``min(0.5, 80 / (10 size))`` of its entries observed (about 8x the degrees of freedom),
    next to a plain NumPy AltMin (:func:`numpy_altmin`, batched normal equations). The
    residual column is the relative Frobenius error over all entries (from the factors; the
    dense matrix is never formed)."""
    options = dict(options or {})

    def entry(settings: DemoSettings) -> dict:
        m = 10 * settings.size
        k = 5
        frac = min(0.5, 80.0 / m)
        prob = low_rank_completion(m, m, k, frac, rng=settings.rng(17))
        opts = {"rng": 0, **options}
        rng = opts.pop("rng")
        res, t = timed(lambda: numsolve.complete(prob.M, k, method=method, rng=rng,
                                                 options=opts), settings.repeat)

        (U, V, nit), tr = timed(lambda: numpy_altmin(prob, k), settings.repeat)
        err = prob.relative_error(res.U, res.V)
        ref_err = prob.relative_error(U, V)
        return row("complete", method + (f" ({options['solver']})" if "solver" in options
                                         else ""),
                   f"rank-{k} {m}x{m}, {100 * frac:.3g}% observed", m, int(res.nit), err, t,
                   bool(res.success) and err < 1e-6, "numpy altmin", nit, ref_err, tr,
                   bool(ref_err < 1e-6))

    entry.__name__ = f"complete_entry[{method}]"
    return entry


#: ``(entry point, problem) -> recipe(method, options) -> entry``
RECIPES = {
    ("complete", "low-rank"): lambda m, o: complete_entry(m, o),
}
