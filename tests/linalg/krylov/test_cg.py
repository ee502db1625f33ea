"""Conjugate gradients against SciPy, closed forms and direct solves, on every backend."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from hypothesis import given, settings
from hypothesis import strategies as st

import numsolve
from numsolve.problems import poisson2d, poisson3d, random_spd


def scipy_cg(A, b, **kw):
    count = [0]

    def cb(xk):
        count[0] += 1

    x, info = spla.cg(A, b, callback=cb, **kw)
    return x, info, count[0]


def rel_res(A, x, b):
    return np.linalg.norm(b - A @ x) / np.linalg.norm(b)


@pytest.mark.parametrize("N", [16, 64])
def test_matches_scipy_cg_on_poisson(N, rng):
    A = poisson2d(N)
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(A, b, method="cg", rtol=1e-8)
    x_ref, info, nit_ref = scipy_cg(A, b, rtol=1e-8)
    assert res.success and info == 0
    assert res.backend == "numba"
    # same recurrence, same stopping test: the iteration counts agree up to the final check
    assert abs(res.nit - nit_ref) <= 1
    assert rel_res(A, res.x, b) <= 1e-8
    x_direct = spla.spsolve(A.tocsc(), b)
    # both solve to rtol 1e-8 in the residual; errors are bounded by cond(A) * 1e-8
    np.testing.assert_allclose(res.x, x_direct, rtol=0, atol=1e-8 * np.linalg.norm(x_direct)
                               * 4 * N**2)
    np.testing.assert_allclose(res.x, x_ref, atol=1e-6 * np.abs(x_ref).max())
    assert res.residual_norms.shape == (res.nit + 1,)
    assert res.residual_norms[0] == pytest.approx(np.linalg.norm(b))


def test_poisson256_same_tolerance_as_scipy(rng):
    A = poisson2d(256)
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(A, b, rtol=1e-5)
    x_ref, info, nit_ref = scipy_cg(A, b, rtol=1e-5)
    assert res.success and info == 0
    assert abs(res.nit - nit_ref) <= 1
    assert rel_res(A, res.x, b) <= 1e-5
    assert rel_res(A, x_ref, b) <= 1e-5


def test_poisson3d_and_variable_coefficients(rng):
    A = poisson3d(12)
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(A, b, rtol=1e-10)
    assert res.success and rel_res(A, res.x, b) <= 1e-10
    coef = np.exp(rng.standard_normal((20, 20)))
    A = poisson2d(20, coefficients=coef)
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(A, b, rtol=1e-10)
    np.testing.assert_allclose(res.x, spla.spsolve(A.tocsc(), b), rtol=1e-7, atol=1e-9)


def test_generic_backends_dense(backend, rng):
    A = random_spd(40, cond=1e3, rng=1)
    b = rng.standard_normal(40)
    res = numsolve.solve(backend.asarray(A), backend.asarray(b), rtol=1e-10)
    assert backend.same_namespace(res.x)
    assert res.backend == backend.name
    assert res.success
    x = backend.to_numpy(res.x)
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-7)


def test_generic_backends_sparse(backend, rng):
    A = poisson2d(10)
    As = backend.sparse(A)
    if As is None:
        pytest.skip(f"{backend.name} has no sparse matrices")
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(As, backend.asarray(b), rtol=1e-10, options={"use_numba": False})
    assert backend.same_namespace(res.x) and res.success
    np.testing.assert_allclose(backend.to_numpy(res.x), spla.spsolve(A.tocsc(), b), rtol=1e-7)


def test_numba_and_generic_paths_agree(rng):
    A = poisson2d(20)
    b = rng.standard_normal(A.shape[0])
    r1 = numsolve.solve(A, b, rtol=1e-9, options={"use_numba": True})
    r2 = numsolve.solve(A, b, rtol=1e-9, options={"use_numba": False})
    assert r1.backend == "numba" and r2.backend == "numpy"
    assert r1.nit == r2.nit
    np.testing.assert_allclose(r1.x, r2.x, rtol=1e-10, atol=1e-12)


def test_linear_operator_and_preconditioners(rng):
    A = poisson2d(24)
    n = A.shape[0]
    b = rng.standard_normal(n)
    op = spla.aslinearoperator(A)
    r_op = numsolve.solve(op, b, rtol=1e-10)
    assert r_op.success and rel_res(A, r_op.x, b) <= 1e-10
    dinv = 1.0 / A.diagonal()
    forms = {
        "matrix": sp.diags(dinv),
        "operator": spla.LinearOperator((n, n), matvec=lambda r: dinv * r, dtype=float),
        "callable": lambda r: dinv * r,
        "dense": np.diag(dinv),
    }
    its = set()
    for name, M in forms.items():
        res = numsolve.solve(A, b, rtol=1e-10, M=M)
        assert res.success, name
        assert rel_res(A, res.x, b) <= 1e-10, name
        its.add(res.nit)
    assert len(its) == 1  # all forms are the same Jacobi preconditioner
    x_ref, info, nit_ref = scipy_cg(A, b, rtol=1e-10, M=sp.diags(dinv))
    assert abs(its.pop() - nit_ref) <= 1


def test_ic_like_preconditioner_reduces_iterations(rng):
    A = poisson2d(32).tocsc()
    b = rng.standard_normal(A.shape[0])
    ilu = spla.spilu(A, drop_tol=1e-4, fill_factor=10)
    M = spla.LinearOperator(A.shape, matvec=ilu.solve)
    plain = numsolve.solve(A, b, rtol=1e-8)
    pre = numsolve.solve(A, b, rtol=1e-8, M=M)
    assert pre.success and pre.nit < plain.nit / 3


def test_x0_and_not_mutated(rng):
    A = poisson2d(16)
    b = rng.standard_normal(A.shape[0])
    x0 = rng.standard_normal(A.shape[0])
    b_copy, x0_copy, data_copy = b.copy(), x0.copy(), A.data.copy()
    res = numsolve.solve(A, b, x0, rtol=1e-10)
    assert res.success
    np.testing.assert_array_equal(b, b_copy)
    np.testing.assert_array_equal(x0, x0_copy)
    np.testing.assert_array_equal(A.data, data_copy)
    # starting at the solution: converged with zero iterations
    res2 = numsolve.solve(A, b, res.x, rtol=1e-8)
    assert res2.nit == 0 and res2.success


def test_zero_rhs_returns_zero():
    A = poisson2d(8)
    res = numsolve.solve(A, np.zeros(64))
    assert res.success and res.nit == 0
    np.testing.assert_array_equal(res.x, 0)


def test_atol_semantics(rng):
    A = poisson2d(16)
    b = rng.standard_normal(A.shape[0])
    res = numsolve.solve(A, b, rtol=0.0, atol=1e-3)
    assert res.success
    assert np.linalg.norm(b - A @ res.x) <= 1e-3
    # max(rtol*|b|, atol): the looser wins
    res2 = numsolve.solve(A, b, rtol=1e-12, atol=1e-1)
    assert np.linalg.norm(b - A @ res2.x) <= 1e-1 and res2.nit < res.nit


def test_maxiter_exhaustion():
    A = poisson2d(32)
    res = numsolve.solve(A, np.ones(A.shape[0]), rtol=1e-12, maxiter=5)
    assert not res.success and res.status == 1 and res.nit == 5
    assert res.info == 5
    assert "Maximum number of iterations" in res.message


def test_non_spd_breakdown_detected():
    A = sp.diags([1.0, 2.0, -3.0, 4.0]).tocsr()
    res = numsolve.solve(A, np.ones(4))
    assert not res.success and res.status == 3
    assert "not positive definite" in res.message
    assert res.info < 0
    # generic path too
    res = numsolve.solve(A.toarray(), np.ones(4))
    assert res.status == 3


def test_non_spd_preconditioner_detected(rng):
    A = poisson2d(8)
    res = numsolve.solve(A, rng.standard_normal(64), M=-sp.eye(64))
    assert res.status == 3 and "preconditioner M is not positive definite" in res.message


def test_nonfinite_during_iteration_is_reported():
    A = poisson2d(8)
    calls = [0]

    def bad_M(r):
        calls[0] += 1
        return r * np.nan if calls[0] > 3 else r

    res = numsolve.solve(A, np.ones(64), M=bad_M, rtol=1e-12)
    assert not res.success and res.status in (3, 4)


def test_float32_true_residual_guard():
    """float32 CG: the reported success must hold for the *true* residual."""
    A = poisson2d(64, dtype=np.float32)
    b = np.random.default_rng(0).standard_normal(A.shape[0]).astype(np.float32)
    res = numsolve.solve(A, b, rtol=1e-6)
    x64 = res.x.astype(np.float64)
    true = np.linalg.norm(b - A.astype(np.float64) @ x64) / np.linalg.norm(b)
    assert res.x.dtype == np.float32
    if res.success:
        assert true <= 1e-6 * 1.01
    else:
        assert res.status in (1, 2)
    # an unattainable tolerance ends with precision loss, not a false success or a hang
    res = numsolve.solve(A, b, rtol=1e-12)
    assert not res.success and res.status == 2
    assert "Precision loss" in res.message


def test_callback_forms_and_stop(rng):
    A = poisson2d(16)
    b = rng.standard_normal(A.shape[0])
    xs, inter = [], []
    res = numsolve.solve(A, b, callback=lambda xk: xs.append(xk.copy()))
    assert len(xs) == res.nit  # once per iteration, never with x0
    np.testing.assert_allclose(xs[-1], res.x)

    def modern(intermediate_result):
        inter.append((intermediate_result.nit, intermediate_result.residual_norm))

    res = numsolve.solve(A, b, callback=modern)
    assert [i for i, _ in inter] == list(range(1, res.nit + 1))
    assert inter[-1][1] == pytest.approx(res.residual_norms[-1])

    def stop(intermediate_result):
        if intermediate_result.nit == 3:
            raise StopIteration

    res = numsolve.solve(A, b, callback=stop)
    assert res.status == 99 and res.nit == 3 and not res.success
    assert "StopIteration" in res.message


def test_complex_hermitian(rng):
    n = 30
    G = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    A = G @ G.conj().T + n * np.eye(n)
    b = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    res = numsolve.solve(A, b, rtol=1e-10)
    assert res.success and np.iscomplexobj(res.x)
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-7)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 40), logcond=st.floats(0, 6), seed=st.integers(0, 2**31),
       rtol=st.sampled_from([1e-4, 1e-8, 1e-10]))
def test_property_random_spd(n, logcond, seed, rtol):
    A = random_spd(n, cond=10.0**logcond, rng=seed)
    b = np.random.default_rng(seed + 1).standard_normal(n)
    res = numsolve.solve(A, b, rtol=rtol, maxiter=50 * n)
    # in exact arithmetic CG ends in n steps; with rounding we allow the maxiter budget but
    # whatever is reported as success must hold for the true residual
    assert res.success
    assert np.linalg.norm(b - A @ res.x) <= rtol * np.linalg.norm(b) * (1 + 1e-8)


@settings(max_examples=15, deadline=None)
@given(N=st.integers(2, 20), seed=st.integers(0, 2**31))
def test_property_poisson_numba(N, seed):
    A = poisson2d(N)
    b = np.random.default_rng(seed).standard_normal(N * N)
    res = numsolve.solve(A, b, rtol=1e-9)
    assert res.success and rel_res(A, res.x, b) <= 1e-9


def _fast_and_stepwise(monkeypatch, run):
    """Run with the compiled multi-step path and with one Python step per iteration."""
    from numsolve.linalg.krylov import _cg

    monkeypatch.setattr(_cg.NumbaCSROps, "supports_steps", True)
    fast = run()
    monkeypatch.setattr(_cg.NumbaCSROps, "supports_steps", False)
    slow = run()
    return fast, slow


@pytest.mark.parametrize("case", ["single", "single-f32", "x0-maxiter", "no-periodic",
                                  "batch-groups", "f32-precision-floor", "breakdown-mid-run"])
def test_compiled_multi_step_path_is_bit_identical(monkeypatch, case):
    rng = np.random.default_rng(0)
    A = poisson2d(30).tocsr()
    n = A.shape[0]
    b = rng.standard_normal(n)
    B = rng.standard_normal((n, 7))
    b400 = rng.standard_normal(400)
    runs = {
        "single": lambda: numsolve.solve(A, b, rtol=1e-10),
        "single-f32": lambda: numsolve.solve(A.astype(np.float32), b.astype(np.float32)),
        "x0-maxiter": lambda: numsolve.solve(A, b, x0=np.ones(n), rtol=1e-12, maxiter=37),
        "no-periodic": lambda: numsolve.solve(A, b, rtol=1e-8,
                                              options={"true_residual_every": 0}),
        "batch-groups": lambda: numsolve.solve_batch(A, B, rtol=1e-9,
                                                     options={"group_size": 3, "threads": 2}),
        "f32-precision-floor": lambda: numsolve.solve_batch(A.astype(np.float32),
                                                            B.astype(np.float32), rtol=1e-9),
        "breakdown-mid-run": lambda: numsolve.solve(
            sp.diags(np.r_[-0.5, np.linspace(1, 100, 399)]).tocsr(),
            b400, rtol=1e-10),
    }
    fast, slow = _fast_and_stepwise(monkeypatch, runs[case])
    np.testing.assert_array_equal(fast.x, slow.x)
    np.testing.assert_array_equal(fast.nit, slow.nit)
    np.testing.assert_array_equal(fast.status, slow.status)
    np.testing.assert_array_equal(fast.residual_norms, slow.residual_norms)
    assert fast.message == slow.message
    if case == "breakdown-mid-run":
        assert fast.status == 3 and fast.nit > 0


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 1001])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_update_xr1_matches_update_then_dot(n, dtype):
    from numsolve.linalg.krylov import _cg_kernels as K

    rng = np.random.default_rng(n)
    x, r, p, q = (rng.standard_normal(n).astype(dtype) for _ in range(4))
    x2, r2 = x.copy(), r.copy()
    a = dtype(0.37)
    rr = K.update_xr1(x, r, p, q, a)
    x2 += a * p
    r2 = r2 - a * q
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(r, r2)
    assert rr == K.dot1(r2, r2)
