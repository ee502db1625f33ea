"""numsolve.lstsq(method='sketch'): accuracy against SciPy on ill-conditioned problems."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl
import scipy.sparse as sp
from scipy.sparse.linalg import aslinearoperator

import numsolve


def ill_conditioned(n, d, cond, seed, resid=1.0):
    """A = U diag(s) V^T with cond(A) = cond, b = A x_true + r with r orthogonal to range(A)."""
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((n, d)))[0]
    V = np.linalg.qr(rng.standard_normal((d, d)))[0]
    s = np.logspace(0, -np.log10(cond), d)
    A = (U * s) @ V.T
    x_true = rng.standard_normal(d)
    r = rng.standard_normal(n)
    r -= U @ (U.T @ r)
    r *= resid / np.linalg.norm(r)
    return A, x_true, A @ x_true + r


def rel_err(x, x_true):
    return np.linalg.norm(x - x_true) / np.linalg.norm(x_true)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["sparse-sign", "gaussian", "srht"])
def test_dense_ill_conditioned_as_accurate_as_scipy(kind, seed):
    A, x_true, b = ill_conditioned(3000, 30, 1e8, seed)
    A0, b0 = A.copy(), b.copy()
    ref = rel_err(sl.lstsq(A, b)[0], x_true)
    res = numsolve.lstsq(A, b, options={"sketch": kind, "rng": seed})
    assert res.success, res.message
    assert rel_err(res.x, x_true) <= 10 * ref
    assert res.nit <= 60
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(b, b0)
    # the reported final residual is the true one
    assert res.residual_norm == pytest.approx(np.linalg.norm(b - A @ res.x), rel=1e-10)


def test_sparse_and_operator_inputs():
    rng = np.random.default_rng(2)
    n, d = 5000, 40
    A = sp.random(n, d, density=0.05, random_state=3, format="csr") @ sp.diags(
        np.logspace(-3, 3, d))
    A = A + sp.csr_matrix((np.ones(d), (np.arange(d), np.arange(d))), shape=(n, d))
    x_true = rng.standard_normal(d)
    b = A @ x_true + 1e-2 * rng.standard_normal(n)
    ref = sl.lstsq(A.toarray(), b)[0]
    for AA in (A, A.tocsc(), aslinearoperator(A)):
        res = numsolve.lstsq(AA, b, options={"rng": 0})
        assert res.success, res.message
        assert rel_err(res.x, ref) < 1e-8


def test_ridge_matches_augmented_lstsq():
    A, _, b = ill_conditioned(2000, 25, 1e6, 4)
    lam = 1e-4
    aug = np.vstack([A, np.sqrt(lam) * np.eye(25)])
    ref = sl.lstsq(aug, np.concatenate([b, np.zeros(25)]))[0]
    res = numsolve.lstsq(A, b, options={"ridge": lam, "rng": 0})
    assert res.success
    assert rel_err(res.x, ref) < 1e-9
    assert res.normal_residual_norm < 1e-8 * np.linalg.norm(A.T @ b)
    # ridge also makes a rank-deficient problem solvable
    Ad = np.hstack([A, A[:, :1]])
    bad = numsolve.lstsq(Ad, b, options={"rng": 0})
    assert not bad.success and bad.status == 3 and "rank deficient" in bad.message
    ok = numsolve.lstsq(Ad, b, options={"rng": 0, "ridge": lam})
    refd = sl.lstsq(np.vstack([Ad, np.sqrt(lam) * np.eye(26)]),
                    np.concatenate([b, np.zeros(26)]))[0]
    assert ok.success and rel_err(ok.x, refd) < 1e-8


def test_generic_namespace(backend):
    A, x_true, b = ill_conditioned(600, 10, 1e4, 5)
    res = numsolve.lstsq(backend.asarray(A), backend.asarray(b), options={"rng": 0})
    assert res.success
    assert backend.same_namespace(res.x)
    ref = rel_err(sl.lstsq(A, b)[0], x_true)
    assert rel_err(backend.to_numpy(res.x), x_true) <= 10 * ref


def test_same_seed_same_result_and_float32():
    A, x_true, b = ill_conditioned(1000, 10, 1e3, 6)
    r1 = numsolve.lstsq(A, b, options={"rng": 5})
    r2 = numsolve.lstsq(A, b, options={"rng": 5})
    np.testing.assert_array_equal(r1.x, r2.x)
    r32 = numsolve.lstsq(A.astype(np.float32), b.astype(np.float32), rtol=1e-5,
                         options={"rng": 5})
    assert r32.x.dtype == np.float32 and r32.success
    assert rel_err(r32.x, x_true) < 1e-2


def test_stops_x0_callback_maxiter():
    A, x_true, b = ill_conditioned(1000, 20, 1e6, 7)
    ref = rel_err(sl.lstsq(A, b)[0], x_true)
    res = numsolve.lstsq(A, b, x0=np.zeros(20), options={"rng": 0})
    assert res.success and rel_err(res.x, x_true) <= 10 * ref
    short = numsolve.lstsq(A, b, x0=np.zeros(20), maxiter=1, options={"rng": 0})
    assert not short.success and short.status == 1 and short.nit == 1
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.nit)
        if len(seen) == 2:
            raise StopIteration

    stop = numsolve.lstsq(A, b, x0=np.zeros(20), callback=cb, options={"rng": 0})
    assert stop.status == 99 and not stop.success and seen == [1, 2]


def test_validation():
    A = np.random.default_rng(0).standard_normal((50, 5))
    b = np.ones(50)
    with pytest.raises(ValueError, match="sketch_size must be >= 5"):
        numsolve.lstsq(A, b, options={"sketch_size": 4})
    with pytest.raises(ValueError, match="larger than the number of rows"):
        numsolve.lstsq(A, b, options={"sketch_size": 51})
    with pytest.raises(ValueError, match="tall"):
        numsolve.lstsq(A.T, np.ones(5))
    with pytest.raises(ValueError, match="b has shape"):
        numsolve.lstsq(A, np.ones(49))
    with pytest.raises(ValueError, match="A contains NaN"):
        numsolve.lstsq(np.where(A > 2, np.nan, A), b)
    with pytest.raises(ValueError, match="ridge"):
        numsolve.lstsq(A, b, options={"ridge": -1.0})
    with pytest.raises(ValueError, match="unknown method"):
        numsolve.lstsq(A, b, method="nope")
    with pytest.raises(ValueError, match="x0 has shape"):
        numsolve.lstsq(A, b, x0=np.ones(4))
