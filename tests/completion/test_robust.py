"""Robustness of numsolve.complete: bad input, empty rows, biases, power-law sampling, an
over-specified rank, clipping, the array (GPU) path on NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import numsolve
from numsolve.problems import low_rank_completion


@pytest.fixture(scope="module")
def prob():
    return low_rank_completion(200, 150, 3, 0.25, rng=2)


def _triplets(prob):
    return prob.rows.copy(), prob.cols.copy(), prob.values.copy(), prob.shape


def test_nan_values_rejected(prob):
    r, c, v, s = _triplets(prob)
    v[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        numsolve.complete((r, c, v, s), 3)


def test_duplicate_entries_rejected(prob):
    r, c, v, s = _triplets(prob)
    r = np.append(r, r[7])
    c = np.append(c, c[7])
    v = np.append(v, 1.0)
    with pytest.raises(ValueError, match=rf"duplicate entry \(row, col\) = \({r[7]}, {c[7]}\)"):
        numsolve.complete((r, c, v, s), 3)
    coo = sp.coo_matrix((v, (r, c)), shape=s)  # COO keeps duplicates: refused too
    with pytest.raises(ValueError, match="duplicate"):
        numsolve.complete(coo, 3)


@pytest.mark.parametrize("which,bad", [("row", 200), ("row", -1), ("column", 150)])
def test_out_of_range_rejected(prob, which, bad):
    r, c, v, s = _triplets(prob)
    if which == "row":
        r[0] = bad
    else:
        c[0] = bad
    with pytest.raises(ValueError, match=f"{which} index out of range"):
        numsolve.complete((r, c, v, s), 3)


def test_other_bad_arguments(prob):
    r, c, v, s = _triplets(prob)
    with pytest.raises(ValueError, match="same length"):
        numsolve.complete((r[:-1], c, v, s), 3)
    with pytest.raises(TypeError, match="integers"):
        numsolve.complete((r.astype(float), c, v, s), 3)
    with pytest.raises(TypeError, match="tuple"):
        numsolve.complete(np.ones((3, 3)), 1)
    with pytest.raises(ValueError, match="rank"):
        numsolve.complete(prob.M, 0)
    with pytest.raises(ValueError, match="rank=151 exceeds"):
        numsolve.complete(prob.M, 151)
    with pytest.raises(ValueError, match="l2"):
        numsolve.complete(prob.M, 3, l2=-1.0)
    with pytest.raises(ValueError, match="solver"):
        numsolve.complete(prob.M, 3, options={"solver": "nope"})
    with pytest.raises(ValueError, match="no observed entries"):
        numsolve.complete(sp.coo_matrix((3, 3)), 1)


def test_empty_row_and_column_get_defined_answers(prob):
    """Drop every observation of row 0 and column 1: their factor rows are exactly zero
    (prediction 0), or the bias model's prediction (``mean + col_bias``) with biases."""
    r, c, v, s = _triplets(prob)
    keep = (r != 0) & (c != 1)
    res = numsolve.complete((r[keep], c[keep], v[keep], s), 3, rng=0, maxiter=30)
    assert np.all(res.U[0] == 0) and np.all(res.V[1] == 0)
    np.testing.assert_array_equal(res.predict([0, 0, 5], [4, 9, 1]), 0.0)
    assert np.all(np.isfinite(res.U)) and np.all(np.isfinite(res.V))
    resb = numsolve.complete((r[keep], c[keep], v[keep] + 3.0, s), 3, rng=0, maxiter=30,
                             l2=1e-6, options={"biases": True})
    assert resb.row_bias[0] == 0.0 and resb.col_bias[1] == 0.0
    np.testing.assert_allclose(resb.predict([0], [4]), resb.mean + resb.col_bias[4])


def test_rows_with_fewer_entries_than_rank():
    """Rows with 1 or 2 observations (rank 3): finite minimum-norm-like answers, and the
    well-observed part of the matrix is still fitted."""
    prob = low_rank_completion(120, 100, 3, 0.4, rng=3)
    r, c, v = prob.rows, prob.cols, prob.values
    first = np.flatnonzero(r == 0)[:2]
    keep = (r != 0) | np.isin(np.arange(r.size), first)
    res = numsolve.complete((r[keep], c[keep], v[keep], prob.shape), 3, rng=0)
    assert np.all(np.isfinite(res.U)) and res.residuals[-1] < 1e-6


def test_biases_recover_offsets():
    """X = U V^T + a 1^T + 1 b^T + 5: with biases the completed matrix matches on held-out
    entries (the bias model is a rank-(k+2) model with two fixed columns)."""
    prob = low_rank_completion(300, 250, 3, 0.3, rng=4, validation=0.1)
    gen = np.random.default_rng(0)
    a, b = gen.standard_normal(300), gen.standard_normal(250)
    shift = a[prob.rows] + b[prob.cols] + 5.0
    rv, cv, vv = prob.validation
    res = numsolve.complete((prob.rows, prob.cols, prob.values + shift, prob.shape), 3,
                            rng=0, validation=(rv, cv, vv + a[rv] + b[cv] + 5.0),
                            options={"biases": True}, rtol=1e-10)
    assert res.success, res.message
    assert res.validation_errors[-1] < 1e-6
    assert abs(res.mean - np.mean(prob.values + shift)) < 1e-12


def test_power_law_sampling():
    prob = low_rank_completion(500, 400, 4, 0.12, sampling="power", rng=6)
    deg = np.bincount(prob.rows, minlength=500)
    assert deg.max() > 4 * np.median(deg)  # really non-uniform
    res = numsolve.complete(prob.M, 4, rng=0, l2=1e-8, maxiter=200)
    # the sparsely observed rows limit the accuracy; the bulk must be recovered
    assert prob.relative_error(res.U, res.V) < 1e-3


def test_over_specified_rank_with_ridge():
    """Rank 8 asked for rank-3 noisy data: the ridge keeps the extra directions small and
    the error close to that of the right rank."""
    prob = low_rank_completion(400, 300, 3, 0.2, noise=0.05, rng=7)
    right = numsolve.complete(prob.M, 3, rng=0)
    over = numsolve.complete(prob.M, 8, rng=0, l2=0.5, maxiter=300)
    e3, e8 = prob.relative_error(right.U, right.V), prob.relative_error(over.U, over.V)
    assert over.success and e8 < 2.0 * e3, (e3, e8)
    s = over.singular_values
    assert s[3] < 0.1 * s[2]


def test_clipping_zeroes_dominant_rows():
    """A matrix with a few huge, heavily observed rows: the initial factor concentrates on
    them and clipping (``incoherence``) zeroes those rows before the QR."""
    prob = low_rank_completion(300, 200, 2, 0.3, rng=8)
    v = prob.values.copy()
    v[prob.rows < 3] *= 1e3
    res = numsolve.complete((prob.rows, prob.cols, v, prob.shape), 2, rng=0, maxiter=3)
    assert res.n_clipped >= 1
    res = numsolve.complete((prob.rows, prob.cols, v, prob.shape), 2, rng=0, maxiter=3,
                            options={"incoherence": 1e6})
    assert res.n_clipped == 0


@pytest.mark.parametrize("solver", ["exact", "sketch"])
def test_array_path_matches_numba(prob, solver, monkeypatch):
    """The batched array path (the one CuPy runs) gives the Numba kernels' iterates."""
    from numsolve.completion import _halfstep

    ref = numsolve.complete(prob.M, 3, rng=0, maxiter=6, options={"solver": solver,
                                                                 "inner_maxiter": 30})
    monkeypatch.setattr(_halfstep, "numba_available", lambda: False)
    monkeypatch.setattr(_halfstep, "_BLOCK_FLOATS", 2000)  # many blocks
    res = numsolve.complete(prob.M, 3, rng=0, maxiter=6, options={"solver": solver,
                                                                 "inner_maxiter": 30})
    assert res.backend == "numpy" and ref.backend == "numba"
    np.testing.assert_allclose(res.residuals, ref.residuals, rtol=1e-6)


@pytest.mark.parametrize("init", ["svds", "random"])
def test_other_inits_converge(prob, init):
    res = numsolve.complete(prob.M, 3, rng=0, options={"init": init}, maxiter=300)
    assert res.success and prob.relative_error(res.U, res.V) < 1e-6


def test_unknown_option_warns(prob):
    from scipy.optimize import OptimizeWarning

    with pytest.warns(OptimizeWarning, match="bogus"):
        numsolve.complete(prob.M, 3, maxiter=1, options={"bogus": 1})
