"""The sketched solver's global preconditioner (``options={'solver': 'sketch',
'preconditioner': 'global'}``): one weighted Gram of the design per half-step, PCG per row.

Checked against a dense per-row solve (uniform and power-law sampling, rows with fewer
entries than ``k``, ridge or not), against the exact solver end to end, across backends
(the batched array path CuPy runs) and for reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

import numsolve
from numsolve.completion._data import observed_entries
from numsolve.completion._halfstep import StepOptions, global_gram, half_step, make_side
from numsolve.problems import low_rank_completion


def _reference(D, rows, cols, vals, m, l2):
    """Every row's ridge regression ``(A^T A + l2 I)^{-1} A^T y``; the minimum-norm
    least-squares solution (``pinv``) when ``l2 = 0`` (rows with fewer entries than ``k``)."""
    k = D.shape[1]
    X = np.zeros((m, k))
    for i in range(m):
        sel = rows == i
        if sel.any():
            A, y = D[cols[sel]], vals[sel]
            X[i] = (np.linalg.pinv(A) @ y if l2 == 0 else
                    np.linalg.solve(A.T @ A + l2 * np.eye(k), A.T @ y))
    return X


def _short_rows(prob, lengths):
    """``prob``'s entries with row ``i`` cut to ``lengths[i]`` entries (where given)."""
    r, c, v = prob.rows, prob.cols, prob.values
    keep = np.ones(r.size, dtype=bool)
    for i, t in lengths.items():
        pos = np.flatnonzero(r == i)
        keep[pos[t:]] = False
    return r[keep], c[keep], v[keep]


@pytest.mark.parametrize("sampling", ["uniform", "power"])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_global_half_step_matches_dense_solve(sampling, l2):
    """One half-step with the global preconditioner equals the dense per-row solve to
    1e-10, including rows with 1 and 3 entries (< k = 5: minimum-norm, dual solve), rows
    with k..2k entries (normal equations) and long rows (PCG to a tight tolerance); an
    ill-conditioned design (column scales 1..1e2) so PCG has work to do."""
    rng = np.random.default_rng(3)
    m, n, k = 60, 400, 5
    prob = low_rank_completion(m, n, 3, 0.3, noise=0.5, rng=4, sampling=sampling)
    r, c, v = _short_rows(prob, {0: 1, 1: 3, 2: 7, 3: 10, 4: 0})
    obs = observed_entries((r, c, v, (m, n)))
    D = rng.standard_normal((n, k)) * np.geomspace(1.0, 1e2, k)
    side = make_side(obs.xp, obs.row_ptr, obs.row_col, obs.row_val, k)
    side.design_counts = np.diff(obs.col_ptr)
    opts = StepOptions(l2, "sketch", 4 * k, 200, 1e-15, "global")
    X, rss, its = half_step(side, D, np.zeros(n), rng.standard_normal((m, k)), opts, seed=7)
    ref = _reference(D, r, c, v, m, l2)
    scale = np.abs(ref).max()
    np.testing.assert_allclose(X, ref, rtol=1e-10, atol=1e-10 * scale)
    assert np.all(X[4] == 0.0) and its >= 1
    res = v - np.einsum("ij,ij->i", ref[r], D[c])
    assert rss == pytest.approx(float(res @ res), rel=1e-9)


def test_global_gram_weights():
    """``W = sum_j w_j D_j D_j^T`` with ``w`` the normalised counts (uniform without)."""
    rng = np.random.default_rng(0)
    D, cnt = rng.standard_normal((50, 4)), rng.integers(0, 9, 50)
    for counts, w in ((None, np.full(50, 1 / 50)), (cnt, cnt / cnt.sum())):
        Q, lam = global_gram(np, D, counts)
        np.testing.assert_allclose(Q @ np.diag(lam) @ Q.T, D.T @ (w[:, None] * D),
                                   rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("sampling", ["uniform", "power"])
def test_global_reaches_the_exact_solvers_error(sampling):
    """End to end, the sketched solver with the global preconditioner reaches the exact
    solver's error (noiseless rank 4), under uniform and under power-law sampling."""
    frac = 0.15 if sampling == "uniform" else 0.25
    prob = low_rank_completion(400, 300, 4, frac, sampling=sampling, rng=1)
    out = {}
    for name, opt in (("exact", {"solver": "exact"}),
                      ("global", {"solver": "sketch", "preconditioner": "global"})):
        res = numsolve.complete(prob.M, 4, rtol=1e-11, rng=0, maxiter=300, options=opt)
        assert res.success, (name, res.message)
        out[name] = prob.relative_error(res.U, res.V)
    assert out["global"] < 1e-8 and out["exact"] < 1e-8, out


def test_global_same_seed_same_result():
    prob = low_rank_completion(300, 200, 4, 0.2, sampling="power", rng=5)
    opt = {"solver": "sketch", "preconditioner": "global"}
    a = numsolve.complete(prob.M, 4, rng=3, maxiter=5, options=opt)
    b = numsolve.complete(prob.M, 4, rng=3, maxiter=5, options=opt)
    np.testing.assert_array_equal(a.U, b.U)
    np.testing.assert_array_equal(a.V, b.V)
    assert a.inner_iterations == b.inner_iterations


@pytest.mark.parametrize("precond", ["row", "global"])
def test_array_path_matches_numba_both_preconditioners(precond, monkeypatch):
    """The batched array path (the one CuPy runs) gives the Numba kernel's iterates with
    either preconditioner, to 1e-7 here because of the rows with fewer than k entries: the
    array path solves them by the primal normal equations with the tiny ridge (condition
    ~1e12; Numba's per-row sketch does too, but rounds differently: Cholesky against LU),
    the global kernel by the well-conditioned dual system; without such rows the paths
    agree to 1e-9 (test_robust.py::test_array_path_matches_numba)."""
    from numsolve.completion import _halfstep

    prob = low_rank_completion(200, 150, 3, 0.2, sampling="power", rng=2)
    M = (*_short_rows(prob, {0: 2, 1: 5}), prob.shape)
    opt = {"solver": "sketch", "preconditioner": precond}
    ref = numsolve.complete(M, 3, rng=0, maxiter=6, options=opt)
    monkeypatch.setattr(_halfstep, "numba_available", lambda: False)
    monkeypatch.setattr(_halfstep, "_BLOCK_FLOATS", 2000)
    res = numsolve.complete(M, 3, rng=0, maxiter=6, options=opt)
    assert res.backend == "numpy" and ref.backend == "numba"
    np.testing.assert_allclose(res.residuals, ref.residuals, rtol=1e-7)


def test_bad_preconditioner_rejected():
    prob = low_rank_completion(50, 40, 2, 0.4, rng=0)
    with pytest.raises(ValueError, match="preconditioner"):
        numsolve.complete(prob.M, 2, options={"solver": "sketch", "preconditioner": "jacobi"})
