"""solve(method='sketch-project'): randomized block Kaczmarz / Gaussian / sparse-sign blocks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import aslinearoperator

import numsolve


def system(n=200, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n)) / np.sqrt(n) + 2 * np.eye(n)  # nonsymmetric, cond ~ 3
    x_true = rng.standard_normal(n)
    return A, x_true, A @ x_true


@pytest.mark.parametrize("kind", ["kaczmarz", "gaussian", "sparse-sign"])
def test_converges_to_solution(kind):
    A, x_true, b = system(100)
    A0 = A.copy()
    res = numsolve.solve(A, b, method="sketch-project", rtol=1e-10,
                         options={"sketch": kind, "block_size": 20, "rng": 1})
    assert res.success, res.message
    assert np.linalg.norm(b - A @ res.x) <= 1e-10 * np.linalg.norm(b)
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-7, atol=1e-8)
    np.testing.assert_array_equal(A, A0)
    assert res.method == "sketch-project" and res.block_size == 20


def test_sparse_operator_and_single_row_kaczmarz():
    A, x_true, b = system(60, 3)
    As = sp.csr_matrix(np.where(np.abs(A) > 0.05, A, 0.0))
    b = As @ x_true
    for AA, opts in ((As, {}), (As.tocsc(), {"block_size": 1}),
                     (aslinearoperator(As), {"sketch": "gaussian"})):
        res = numsolve.solve(AA, b, method="sketch-project", rtol=1e-8,
                             options={"rng": 0, **opts})
        assert res.success, (type(AA), res.message)
        assert np.linalg.norm(x_true - res.x) <= 1e-6 * np.linalg.norm(x_true)


def test_same_seed_deterministic_and_generic_namespace(backend):
    A, _, b = system(80, 4)
    r1 = numsolve.solve(backend.asarray(A), backend.asarray(b), method="sketch-project",
                        rtol=1e-9, options={"rng": 7, "block_size": 8})
    r2 = numsolve.solve(backend.asarray(A), backend.asarray(b), method="sketch-project",
                        rtol=1e-9, options={"rng": 7, "block_size": 8})
    assert r1.success and backend.same_namespace(r1.x)
    np.testing.assert_array_equal(backend.to_numpy(r1.x), backend.to_numpy(r2.x))
    np.testing.assert_allclose(backend.to_numpy(r1.x), np.linalg.solve(A, b), rtol=1e-6,
                               atol=1e-8)


def test_maxiter_callback_x0():
    A, x_true, b = system(100, 5)
    res = numsolve.solve(A, b, method="sketch-project", rtol=1e-12, maxiter=3,
                         options={"rng": 0})
    assert not res.success and res.status == 1 and res.nit == 3 and res.info == 3
    res = numsolve.solve(A, b, x_true, method="sketch-project", options={"rng": 0})
    assert res.success and res.nit == 0

    def cb(xk):
        raise StopIteration

    res = numsolve.solve(A, b, method="sketch-project", callback=cb, options={"rng": 0})
    assert res.status == 99 and res.nit == 1


def test_validation():
    A, _, b = system(30, 6)
    with pytest.raises(ValueError, match="block_size=31 is larger"):
        numsolve.solve(A, b, method="sketch-project", options={"block_size": 31})
    with pytest.raises(ValueError, match="block_size must be >= 1"):
        numsolve.solve(A, b, method="sketch-project", options={"block_size": 0})
    with pytest.raises(ValueError, match="sketch must be one of"):
        numsolve.solve(A, b, method="sketch-project", options={"sketch": "srht"})
    with pytest.raises(ValueError, match="preconditioner"):
        numsolve.solve(A, b, method="sketch-project", M=np.eye(30))
    with pytest.raises(ValueError, match="square"):
        numsolve.solve(A[:, :20], b, method="sketch-project")
    with pytest.raises(ValueError, match="NaN"):
        numsolve.solve(A, b * np.nan, method="sketch-project")
