"""Flexible CG against SciPy's CG, PCG iteration counts and direct solves."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import numsolve
from numsolve._backend import module_available
from numsolve.linalg import fcg
from numsolve.problems import poisson2d, random_spd


def rel_res(A, x, b):
    return np.linalg.norm(b - A @ x) / np.linalg.norm(b)


def test_dense_spd_matches_scipy_on_every_backend(backend, rng):
    A = random_spd(60, cond=1e3, rng=1)
    b = rng.standard_normal(60)
    res = numsolve.solve(backend.asarray(A), backend.asarray(b), method="fcg", rtol=1e-10)
    assert res.success and res.status == 0
    assert backend.same_namespace(res.x)
    x = backend.to_numpy(res.x)
    x_ref, info = spla.cg(A, b, rtol=1e-12)
    assert info == 0
    # both residuals <= 1e-10 ||b||: solutions agree to cond(A) * 1e-10
    np.testing.assert_allclose(x, x_ref, atol=1e3 * 1e-10 * np.linalg.norm(x_ref) * 10)
    assert rel_res(A, x, b) <= 1e-10
    assert res.residual_norms.shape == (res.nit + 1,)


@pytest.mark.parametrize("mmax", [1, 2, 30])
def test_linear_spd_preconditioner_matches_pcg(mmax, rng):
    # with a fixed SPD M, FCG is PCG in exact arithmetic: counts agree within a few iterations
    A = poisson2d(40, coefficients=lambda x, y: 1 + 50 * x * y)
    b = rng.standard_normal(A.shape[0])
    Minv = sp.diags(1.0 / A.diagonal())
    pcg = numsolve.solve(A, b, method="cg", M=Minv, rtol=1e-8)
    res = numsolve.solve(A, b, method="fcg", M=Minv, rtol=1e-8, options={"mmax": mmax})
    assert res.success and pcg.success
    assert abs(res.nit - pcg.nit) <= 3
    assert rel_res(A, res.x, b) <= 1e-8
    x_direct = spla.spsolve(A.tocsc(), b)
    np.testing.assert_allclose(res.x, x_direct, atol=1e-4 * np.abs(x_direct).max())


def test_nonlinear_preconditioner(rng):
    # an inner CG with 3 iterations is a nonlinear preconditioner: CG may fail, FCG converges
    A = poisson2d(32)
    b = rng.standard_normal(A.shape[0])

    def inner(r):
        return numsolve.solve(A, r, method="cg", maxiter=3).x

    res = fcg(A, b, M=inner, rtol=1e-8, mmax=10)
    plain = numsolve.solve(A, b, method="cg", rtol=1e-8)
    assert res.success
    assert res.nit < plain.nit / 2
    assert rel_res(A, res.x, b) <= 1e-8


@pytest.mark.parametrize("truncation", ["standard", "notay"])
def test_truncation_modes(truncation, rng):
    A = poisson2d(24)
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(A, b, method="fcg", rtol=1e-8,
                         options={"mmax": 4, "truncation": truncation})
    assert res.success and rel_res(A, res.x, b) <= 1e-8


def test_no_preconditioner_is_cg(rng):
    A = poisson2d(20)
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(A, b, method="fcg", rtol=1e-8)
    cg = numsolve.solve(A, b, method="cg", rtol=1e-8)
    assert abs(res.nit - cg.nit) <= 2


@pytest.mark.skipif(not module_available("pyamg"), reason="pyamg missing")
@pytest.mark.parametrize("method", ["cg", "fcg", "gmres", "fgmres"])
def test_pyamg_preconditioner(method, rng):
    import pyamg

    A = poisson2d(48)
    M = pyamg.smoothed_aggregation_solver(A).aspreconditioner()
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(A, b, method=method, M=M, rtol=1e-8)
    plain = numsolve.solve(A, b, method="cg", rtol=1e-8)
    assert res.success and rel_res(A, res.x, b) <= 1e-8
    assert res.nit < plain.nit / 4


def test_inputs_not_mutated_and_x0(rng):
    A = poisson2d(12)
    b = rng.standard_normal(A.shape[0])
    x0 = rng.standard_normal(A.shape[0])
    b_c, x0_c = b.copy(), x0.copy()
    res = numsolve.solve(A, b, x0, method="fcg", rtol=1e-9)
    assert res.success
    np.testing.assert_array_equal(b, b_c)
    np.testing.assert_array_equal(x0, x0_c)
    assert res.residual_norms[0] == pytest.approx(np.linalg.norm(b - A @ x0))


def test_maxiter_callback_and_breakdown(rng):
    A = poisson2d(20)
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(A, b, method="fcg", rtol=1e-12, maxiter=5)
    assert not res.success and res.status == 1 and res.nit == 5 and res.info == 5

    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.residual_norm)
        if intermediate_result.nit == 3:
            raise StopIteration

    res = numsolve.solve(A, b, method="fcg", callback=cb)
    assert res.status == 99 and res.nit == 3 and len(seen) == 3

    indefinite = sp.diags(np.r_[np.ones(10), -np.ones(10)]).tocsr()
    res = numsolve.solve(indefinite, np.ones(20), method="fcg")
    assert not res.success and res.status == 3


def test_bad_options():
    A = poisson2d(4)
    b = np.ones(16)
    with pytest.raises(ValueError, match="truncation"):
        numsolve.solve(A, b, method="fcg", options={"truncation": "bogus"})
    with pytest.raises(ValueError, match="mmax"):
        numsolve.solve(A, b, method="fcg", options={"mmax": -1})
    with pytest.raises(ValueError, match="square"):
        numsolve.solve(np.ones((3, 4)), np.ones(3), method="fcg")
    with pytest.raises(ValueError, match="rtol"):
        numsolve.solve(A, b, method="fcg", rtol=-1)
    with pytest.raises(ValueError, match="takes no `model`"):
        numsolve.solve(A, b, method="fcg", model=lambda r: r)


def test_complex_hermitian(rng):
    n = 40
    B = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    A = B @ B.conj().T + n * np.eye(n)
    b = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    for mmax in (1, 5):
        res = numsolve.solve(A, b, method="fcg", rtol=1e-10, options={"mmax": mmax})
        assert res.success
        np.testing.assert_allclose(res.x, np.linalg.solve(A, b), atol=1e-8)
