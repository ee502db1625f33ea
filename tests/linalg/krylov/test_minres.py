"""MINRES on symmetric indefinite systems against SciPy and direct solves."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import numsolve
from numsolve.linalg import minres
from numsolve.problems import poisson2d


def rel_res(A, x, b):
    return np.linalg.norm(b - A @ x) / np.linalg.norm(b)


def indefinite(N=20, shift=1.3):
    return (poisson2d(N) - shift * sp.eye(N * N)).tocsr()


def test_indefinite_matches_scipy(rng):
    K = indefinite()
    ev = np.linalg.eigvalsh(K.toarray())
    assert ev.min() < 0 < ev.max()
    b = rng.standard_normal(K.shape[0])
    res = numsolve.solve(K, b, method="minres", rtol=1e-10)
    x_ref, info = spla.minres(K, b, rtol=1e-12)
    x_dir = spla.spsolve(K.tocsc(), b)
    assert res.success and rel_res(K, res.x, b) <= 1e-10
    np.testing.assert_allclose(res.x, x_dir, atol=1e-7 * np.abs(x_dir).max())
    np.testing.assert_allclose(res.x, x_ref, atol=1e-6 * np.abs(x_dir).max())
    # CG on the same indefinite matrix breaks down
    assert not numsolve.solve(K, b, method="cg").success


def test_dense_every_backend(backend, rng):
    Q, _ = np.linalg.qr(rng.standard_normal((40, 40)))
    A = Q @ np.diag(np.linspace(-3, 5, 40) + 0.05) @ Q.T
    A = (A + A.T) / 2
    b = rng.standard_normal(40)
    res = numsolve.solve(backend.asarray(A), backend.asarray(b), method="minres", rtol=1e-10)
    assert res.success and backend.same_namespace(res.x)
    np.testing.assert_allclose(backend.to_numpy(res.x), np.linalg.solve(A, b), atol=1e-7)


def test_kkt_linear_operator(rng):
    H = poisson2d(10)
    C = sp.random(20, 100, density=0.1, random_state=2)
    KKT = sp.bmat([[H, C.T], [C, None]]).tocsr()
    b = rng.standard_normal(120)
    res = minres(spla.aslinearoperator(KKT), b, rtol=1e-10)
    assert res.success and rel_res(KKT, res.x, b) <= 1e-10
    x_dir = spla.spsolve(KKT.tocsc(), b)
    np.testing.assert_allclose(res.x, x_dir, atol=1e-7 * np.abs(x_dir).max())


def test_shift_and_preconditioner(rng):
    A = poisson2d(16)
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(A, b, method="minres", rtol=1e-10, options={"shift": 2.0})
    x_dir = spla.spsolve((A - 2.0 * sp.eye(A.shape[0])).tocsc(), b)
    assert res.success
    np.testing.assert_allclose(res.x, x_dir, atol=1e-7 * np.abs(x_dir).max())
    K = indefinite(16)
    M = sp.diags(1 / np.abs(K.diagonal()))
    res = numsolve.solve(K, b, method="minres", M=M, rtol=1e-9)
    assert res.success and rel_res(K, res.x, b) <= 1e-9
    bad = numsolve.solve(K, b, method="minres", M=-sp.eye(K.shape[0]))
    assert not bad.success and bad.status == 3


def test_singular_inconsistent_ends(rng):
    A = sp.diags(np.r_[np.zeros(5), np.linspace(1, 2, 45)]).tocsr()
    b = np.ones(50)
    res = numsolve.solve(A, b, method="minres", rtol=1e-10, maxiter=10_000)
    assert not res.success and res.status in (1, 2)
    assert res.nit < 10_000


def test_callback_and_errors(rng):
    K = indefinite(10)
    b = rng.standard_normal(K.shape[0])
    seen = []
    res = numsolve.solve(K, b, method="minres",
                         callback=lambda xk: seen.append(xk.copy()), rtol=1e-8)
    assert res.success and len(seen) == res.nit
    with pytest.raises(TypeError, match="real symmetric"):
        numsolve.solve(np.eye(3) * 1j, np.ones(3), method="minres")
    with pytest.raises(ValueError, match="shift"):
        numsolve.solve(K, b, method="minres", options={"shift": np.inf})
