"""GMRES and flexible GMRES against SciPy's gmres and direct solves."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import numsolve
from numsolve.linalg import fgmres, gmres


def nonsymmetric(n, seed=1):
    # convection-diffusion-like: diagonally dominant, clearly nonsymmetric
    R = sp.random(n, n, density=0.02, random_state=seed)
    A = R + sp.diags(np.full(n, 4.0)) + sp.diags(np.full(n - 1, -1.5), 1) \
        + sp.diags(np.full(n - 1, -0.5), -1)
    return A.tocsr()


def rel_res(A, x, b):
    return np.linalg.norm(b - A @ x) / np.linalg.norm(b)


@pytest.mark.parametrize("method", ["gmres", "fgmres"])
def test_matches_scipy_gmres_sparse(method, rng):
    A = nonsymmetric(300)
    assert abs(A - A.T).max() > 0.5
    b = rng.standard_normal(300)
    res = numsolve.solve(A, b, method=method, rtol=1e-10)
    x_ref, info = spla.gmres(A, b, rtol=1e-10, restart=20)
    x_dir = spla.spsolve(A.tocsc(), b)
    assert res.success and info == 0
    assert rel_res(A, res.x, b) <= 1e-10
    np.testing.assert_allclose(res.x, x_ref, atol=1e-8 * np.abs(x_dir).max())
    np.testing.assert_allclose(res.x, x_dir, atol=1e-8 * np.abs(x_dir).max())


@pytest.mark.parametrize("method", ["gmres", "fgmres"])
def test_dense_every_backend(method, backend, rng):
    n = 50
    A = np.eye(n) * 3 + rng.standard_normal((n, n)) / np.sqrt(n)
    b = rng.standard_normal(n)
    res = numsolve.solve(backend.asarray(A), backend.asarray(b), method=method, rtol=1e-10,
                         options={"restart": 10})
    assert res.success and backend.same_namespace(res.x)
    x = backend.to_numpy(res.x)
    np.testing.assert_allclose(x, np.linalg.solve(A, b), atol=1e-8)


def test_preconditioned_ilu_and_flexible_inner_solve(rng):
    A = nonsymmetric(400, seed=3)
    b = rng.standard_normal(400)
    ilu = spla.spilu(A.tocsc(), drop_tol=1e-3)
    M = spla.LinearOperator(A.shape, matvec=ilu.solve)
    plain = gmres(A, b, rtol=1e-10)
    res = gmres(A, b, M=M, rtol=1e-10)
    assert res.success and res.nit < plain.nit
    assert rel_res(A, res.x, b) <= 1e-10

    def inner(r):  # nonlinear: a truncated inner GMRES
        return gmres(A, r, rtol=1e-1, maxiter=1, restart=5).x

    res = fgmres(A, b, M=inner, rtol=1e-10)
    assert res.success and rel_res(A, res.x, b) <= 1e-10
    assert res.nit < plain.nit


def test_complex_system(rng):
    n = 80
    A = np.eye(n) * (3 + 1j) + (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))) \
        / (2 * np.sqrt(n))
    b = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    res = numsolve.solve(A, b, method="gmres", rtol=1e-10)
    assert res.success
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), atol=1e-8)


def test_maxiter_counts_restart_cycles_and_callback(rng):
    A = nonsymmetric(200)
    b = rng.standard_normal(200)
    res = numsolve.solve(A, b, method="gmres", rtol=1e-14, maxiter=1,
                         options={"restart": 5})
    assert not res.success and res.status == 1 and res.nit == 5
    calls = []

    def cb(xk):
        calls.append(np.linalg.norm(b - A @ xk))
        if len(calls) == 4:
            raise StopIteration

    res = numsolve.solve(A, b, method="fgmres", callback=cb)
    assert res.status == 99 and res.nit == 4
    assert np.linalg.norm(b - A @ res.x) == pytest.approx(calls[-1], rel=1e-8)


def test_zero_rhs_and_nonfinite_preconditioner():
    A = nonsymmetric(30)
    res = numsolve.solve(A, np.zeros(30), method="gmres")
    assert res.success and res.nit == 0 and not np.any(res.x)
    res = numsolve.solve(A, np.ones(30), method="fgmres", M=lambda r: r * np.nan)
    assert not res.success and res.status == 4
    with pytest.raises(ValueError, match="restart"):
        numsolve.solve(A, np.ones(30), method="gmres", options={"restart": 0})
