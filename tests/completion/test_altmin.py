"""numsolve.complete: recovery, half-step against a dense lstsq, noise vs the oracle, options."""

from __future__ import annotations

import numpy as np
import pytest

import numsolve
from numsolve.completion._data import observed_entries
from numsolve.completion._halfstep import StepOptions, half_step, make_side
from numsolve.problems import low_rank_completion


@pytest.fixture(scope="module")
def prob():
    return low_rank_completion(400, 300, 4, 0.15, rng=1)


@pytest.mark.parametrize("solver", ["exact", "sketch"])
def test_exact_recovery_noiseless(prob, solver):
    """Noiseless rank-4 data, ~8x oversampled: AltMin recovers the whole matrix (all 120 000
    entries, measured from factors) to 1e-8; the sketched solver reaches the same error."""
    res = numsolve.complete(prob.M, 4, rtol=1e-11, rng=0, options={"solver": solver})
    assert res.success, res.message
    assert prob.relative_error(res.U, res.V) < 1e-8
    assert res.residuals[-1] <= 1e-11 and res.nit == len(res.residuals)
    # linear convergence: the residual falls by a decade within every 3 passes
    h = res.residuals
    assert np.all(h[3:] < 0.1 * h[:-3])


def _dense_half_step(D, rows, cols, vals, m, l2):
    """Reference: every row's ridge regression by numpy.linalg.lstsq on the stacked design."""
    k = D.shape[1]
    X = np.zeros((m, k))
    for i in range(m):
        sel = rows == i
        if sel.any():
            A = np.vstack([D[cols[sel]], np.sqrt(l2) * np.eye(k)])
            b = np.concatenate([vals[sel], np.zeros(k)])
            X[i] = np.linalg.lstsq(A, b, rcond=None)[0]
    return X


@pytest.mark.parametrize("solver", ["exact", "sketch"])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_half_step_matches_dense_lstsq(solver, l2):
    """One half-step (all rows together) equals a dense lstsq per row."""
    rng = np.random.default_rng(3)
    m, n, k = 60, 500, 5
    prob = low_rank_completion(m, n, 3, 0.3, noise=0.5, rng=4)
    obs = observed_entries(prob.M)
    D = rng.standard_normal((n, k))
    side = make_side(obs.xp, obs.row_ptr, obs.row_col, obs.row_val, k)
    opts = StepOptions(l2, solver, 4 * k, 50, 1e-14)
    X, rss, _ = half_step(side, D, np.zeros(n), np.zeros((m, k)), opts, seed=7)
    ref = _dense_half_step(D, prob.rows, prob.cols, prob.values, m, l2)
    np.testing.assert_allclose(X, ref, rtol=1e-9, atol=1e-11)
    r = prob.values - np.einsum("ij,ij->i", ref[prob.rows], D[prob.cols])
    assert rss == pytest.approx(float(r @ r), rel=1e-9)


def test_noise_within_twice_the_oracle():
    """Gaussian noise sigma = 0.1 on unit-scale entries: the completed matrix is within 2x
    the error of the oracle least-squares fit that knows the true column space."""
    prob = low_rank_completion(600, 500, 5, 0.1, noise=0.1, rng=5)
    res = numsolve.complete(prob.M, 5, rng=0)
    assert res.success, res.message
    err, oracle = prob.relative_error(res.U, res.V), prob.oracle_error()
    assert err <= 2.0 * oracle, (err, oracle)


def test_triplets_and_sparse_formats_agree(prob):
    r1 = numsolve.complete(prob.M, 4, rng=0, maxiter=5)
    r2 = numsolve.complete((prob.rows, prob.cols, prob.values, prob.shape), 4, rng=0,
                           maxiter=5)
    r3 = numsolve.complete(prob.M.tocsr(), 4, rng=0, maxiter=5)
    np.testing.assert_array_equal(r1.residuals, r2.residuals)
    np.testing.assert_array_equal(r1.residuals, r3.residuals)


def test_predict_and_validation(prob):
    p2 = low_rank_completion(400, 300, 4, 0.15, rng=1, validation=0.1)
    res = numsolve.complete(p2.M, 4, rng=0, validation=p2.validation, rtol=1e-10)
    assert res.validation_errors.shape == res.residuals.shape
    assert res.validation_errors[-1] < 1e-7
    r, c, v = p2.validation
    np.testing.assert_allclose(res.predict(r, c), v, atol=1e-6)


def test_same_seed_same_result(prob):
    a = numsolve.complete(prob.M, 4, rng=3, maxiter=4, options={"solver": "sketch"})
    b = numsolve.complete(prob.M, 4, rng=3, maxiter=4, options={"solver": "sketch"})
    np.testing.assert_array_equal(a.U, b.U)


def test_maxiter_and_callback(prob):
    res = numsolve.complete(prob.M, 4, rng=0, maxiter=2)
    assert not res.success and res.status == numsolve.Status.MAXITER and res.nit == 2
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.residual)
        if len(seen) == 3:
            raise StopIteration

    res = numsolve.complete(prob.M, 4, rng=0, callback=cb)
    assert res.status == 99 and res.nit == 3 and len(seen) == 3


def test_never_mutates_input(prob):
    M = prob.M.copy()
    numsolve.complete(M, 4, rng=0, maxiter=2, options={"biases": True})
    assert (M != prob.M).nnz == 0
