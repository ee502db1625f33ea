"""Batched solves: one operator with many right-hand sides, stacks and lists of systems."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import numsolve
from numsolve.problems import poisson2d, random_spd


def colres(A, X, B):
    return np.linalg.norm(B - A @ X, axis=0) / np.linalg.norm(B, axis=0)


@pytest.mark.parametrize("k", [1, 3, 4, 9])
def test_shared_operator_matches_separate_solves(k, rng):
    A = poisson2d(24)
    B = rng.standard_normal((A.shape[0], k))
    res = numsolve.solve_batch(A, B, rtol=1e-9)
    assert res.x.shape == B.shape and res.success.all()
    assert res.nit.shape == (k,) and res.status.shape == (k,)
    assert (colres(A, res.x, B) <= 1e-9).all()
    for j in range(k):
        single = numsolve.solve(A, B[:, j], rtol=1e-9)
        # each column runs the single-RHS recurrence (reductions may round differently)
        assert abs(single.nit - res.nit[j]) <= 1
        np.testing.assert_allclose(res.x[:, j], single.x, rtol=1e-9, atol=1e-12)
    assert res.residual_norms.shape == (res.nit.max() + 1, k)


def test_grouping_and_threads_do_not_change_results(rng):
    A = poisson2d(20)
    B = rng.standard_normal((A.shape[0], 11))
    ref = numsolve.solve_batch(A, B, rtol=1e-8, options={"group_size": 11, "threads": 1})
    for gs, th in [(1, 1), (4, 2), (3, 2), (5, 1), (2, 2)]:
        res = numsolve.solve_batch(A, B, rtol=1e-8, options={"group_size": gs, "threads": th})
        np.testing.assert_array_equal(res.nit, ref.nit)
        np.testing.assert_array_equal(res.x, ref.x)


def test_against_scipy_cg_columns(rng):
    A = poisson2d(32)
    B = rng.standard_normal((A.shape[0], 5))
    res = numsolve.solve_batch(A, B, rtol=1e-6)
    for j in range(5):
        x, info = spla.cg(A, B[:, j], rtol=1e-6)
        assert info == 0
        np.testing.assert_allclose(res.x[:, j], x, atol=1e-4 * np.abs(x).max())


def test_batch_generic_backends(backend, rng):
    A = random_spd(30, cond=100, rng=2)
    B = rng.standard_normal((30, 4))
    res = numsolve.solve_batch(backend.asarray(A), backend.asarray(B), rtol=1e-10)
    assert backend.same_namespace(res.x) and res.success.all()
    np.testing.assert_allclose(backend.to_numpy(res.x), np.linalg.solve(A, B), rtol=1e-7)


def test_batch_x0_mixed_convergence_and_not_mutated(rng):
    A = poisson2d(16)
    B = rng.standard_normal((256, 3))
    X_exact = spla.spsolve(A.tocsc(), B)
    X0 = np.zeros_like(B)
    X0[:, 1] = X_exact[:, 1]  # column 1 starts converged
    X0c, Bc = X0.copy(), B.copy()
    res = numsolve.solve_batch(A, B, X0, rtol=1e-8)
    assert res.nit[1] == 0 and res.nit[0] > 0 and res.success.all()
    np.testing.assert_array_equal(X0, X0c)
    np.testing.assert_array_equal(B, Bc)
    assert np.isnan(res.residual_norms[1:, 1]).all()


def test_batch_maxiter_and_message(rng):
    A = poisson2d(32)
    B = rng.standard_normal((A.shape[0], 3))
    B[:, 2] = 0.0
    res = numsolve.solve_batch(A, B, rtol=1e-12, maxiter=4)
    np.testing.assert_array_equal(res.status, [1, 1, 0])
    np.testing.assert_array_equal(res.nit, [4, 4, 0])
    assert "2 of 3 systems did not converge" in res.message
    assert res.info == 4


def test_batch_breakdown_per_column():
    A = sp.diags([1.0, 2.0, -3.0, 4.0]).tocsr()
    B = np.zeros((4, 2))
    B[:, 0] = [1, 1, 0, 1]  # never sees the negative eigenvalue
    B[:, 1] = [1, 1, 1, 1]
    res = numsolve.solve_batch(A, B, rtol=1e-10)
    assert res.status[0] == 0 and res.status[1] == 3
    np.testing.assert_allclose(res.x[:, 0], [1, 0.5, 0, 0.25])


def test_batch_callback(rng):
    A = poisson2d(12)
    B = rng.standard_normal((144, 3))
    shapes = []
    res = numsolve.solve_batch(A, B, callback=lambda xk: shapes.append(xk.shape))
    assert len(shapes) == res.nit.max() and set(shapes) == {(144, 3)}

    def stop(intermediate_result):
        if intermediate_result.nit == 2:
            raise StopIteration

    res = numsolve.solve_batch(A, B, callback=stop)
    assert (res.status == 99).all() and (res.nit == 2).all()


def test_batch_preconditioned(rng):
    A = poisson2d(20)
    B = rng.standard_normal((400, 4))
    M = sp.diags(1.0 / A.diagonal())
    res = numsolve.solve_batch(A, B, M=M, rtol=1e-9)
    assert res.success.all() and (colres(A, res.x, B) <= 1e-9).all()
    res_cb = numsolve.solve_batch(A, B, M=lambda r: r / A.diagonal(), rtol=1e-9)
    np.testing.assert_array_equal(res.nit, res_cb.nit)


# ---- stacks of dense systems -----------------------------------------------------------------
def test_dense_stack_against_numpy(backend, rng):
    As = np.stack([random_spd(12, cond=50, rng=i) for i in range(6)])
    Bs = rng.standard_normal((6, 12))
    res = numsolve.solve_batch(backend.asarray(As), backend.asarray(Bs), rtol=1e-11)
    assert backend.same_namespace(res.x) and res.x.shape == (6, 12)
    assert res.success.all() and res.nit.shape == (6,)
    ref = np.linalg.solve(As, Bs[..., None])[..., 0]
    np.testing.assert_allclose(backend.to_numpy(res.x), ref, rtol=1e-8)


def test_dense_stack_independent_iterations(rng):
    easy = np.eye(10) * 3.0
    hard = random_spd(10, cond=1e4, rng=0)
    res = numsolve.solve_batch(np.stack([easy, hard]), np.ones((2, 10)), rtol=1e-10)
    assert res.nit[0] == 1 and res.nit[1] > 5


def test_dense_stack_validation():
    with pytest.raises(ValueError, match=r"B must have shape \(m, n\)"):
        numsolve.solve_batch(np.ones((2, 3, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"\(m, n, n\)"):
        numsolve.solve_batch(np.ones((2, 3, 4)), np.ones((2, 3)))
    bad = np.stack([np.eye(3)] * 2)
    bad[1, 0, 0] = np.nan
    with pytest.raises(ValueError, match="A contains NaN"):
        numsolve.solve_batch(bad, np.ones((2, 3)))
    with pytest.raises(ValueError, match="M"):
        numsolve.solve_batch(np.stack([np.eye(3)] * 2), np.ones((2, 3)), M=np.eye(3))
    with pytest.raises(ValueError, match="dimensions"):
        numsolve.solve_batch(np.ones((2, 2, 2, 2)), np.ones((2, 2)))


# ---- lists of sparse systems -----------------------------------------------------------------
def test_sparse_list_equal_sizes(rng):
    mats = [poisson2d(8) * (1 + i) for i in range(4)]
    Bs = rng.standard_normal((4, 64))
    res = numsolve.solve_batch(mats, Bs, rtol=1e-10)
    assert isinstance(res.x, np.ndarray) and res.x.shape == (4, 64)
    assert res.backend == "numba"
    for i, A in enumerate(mats):
        np.testing.assert_allclose(res.x[i], spla.spsolve(A.tocsc(), Bs[i]), rtol=1e-8)
        single = numsolve.solve(A, Bs[i], rtol=1e-10)
        assert abs(single.nit - res.nit[i]) <= 1


def test_sparse_list_different_sizes(rng):
    mats = [poisson2d(n) for n in (3, 6, 9)]
    bs = [rng.standard_normal(A.shape[0]) for A in mats]
    res = numsolve.solve_batch(mats, bs, rtol=1e-10)
    assert isinstance(res.x, list) and [x.shape for x in res.x] == [(9,), (36,), (81,)]
    for A, b, x in zip(mats, bs, res.x):
        np.testing.assert_allclose(x, spla.spsolve(A.tocsc(), b), rtol=1e-8)
        assert abs(numsolve.solve(A, b, rtol=1e-10).nit - res.nit[mats.index(A)]) <= 1


def test_sparse_list_validation():
    with pytest.raises(ValueError, match="empty list"):
        numsolve.solve_batch([], np.ones((0, 3)))
    with pytest.raises(ValueError, match=r"B\[1\] has shape"):
        numsolve.solve_batch([sp.eye(3), sp.eye(3)], [np.ones(3), np.ones(4)])
    with pytest.raises(ValueError, match="right-hand sides for 2 systems"):
        numsolve.solve_batch([sp.eye(3), sp.eye(3)], [np.ones(3)])
    with pytest.raises(ValueError, match=r"A\[0\] must be square"):
        numsolve.solve_batch([sp.csr_array(np.ones((2, 3)))], [np.ones(2)])
    with pytest.raises(TypeError, match="LinearOperator"):
        numsolve.solve_batch([spla.aslinearoperator(np.eye(2))], [np.ones(2)])


def test_shared_validation():
    A = poisson2d(4)
    with pytest.raises(ValueError, match="b has shape"):
        numsolve.solve_batch(A, np.ones((15, 2)))
    with pytest.raises(ValueError, match="group_size"):
        numsolve.solve_batch(A, np.ones((16, 2)), options={"group_size": 0})


# ---- direct ----------------------------------------------------------------------------------
def test_batch_direct_all_forms(rng):
    A = poisson2d(6)
    B = rng.standard_normal((36, 3))
    r = numsolve.solve_batch(A, B, method="direct")
    np.testing.assert_allclose(A @ r.x, B, atol=1e-10)
    assert r.success.all() and r.method == "direct"
    As = np.stack([random_spd(5, 10, rng=i) for i in range(3)])
    Bs = rng.standard_normal((3, 5))
    r = numsolve.solve_batch(As, Bs, method="direct")
    np.testing.assert_allclose(r.x, np.linalg.solve(As, Bs[..., None])[..., 0])
    r = numsolve.solve_batch([A, 2 * A], [B[:, 0], B[:, 1]], method="direct")
    np.testing.assert_allclose(r.x[1], spla.spsolve((2 * A).tocsc(), B[:, 1]))


@pytest.mark.parametrize("numba_off", [False, True])
def test_list_of_sparse_systems_without_numba_kernels(monkeypatch, numba_off):
    """Complex lists, or Numba switched off, take the dense-stack path (found by the GPU
    check's dry run: it used to read ``.data`` of a list)."""
    from numsolve.problems import poisson2d

    if numba_off:
        monkeypatch.setenv("NUMSOLVE_DISABLE_NUMBA", "1")
    dtype = float if numba_off else complex
    As = [poisson2d(4).astype(dtype), poisson2d(5).astype(dtype)]
    bs = [np.arange(1.0, A.shape[0] + 1).astype(dtype) * (1 + 1j if dtype is complex else 1)
          for A in As]
    res = numsolve.solve_batch(As, bs, rtol=1e-10)
    assert res.success.all()
    for A, b, x in zip(As, bs, res.x, strict=True):
        np.testing.assert_allclose(x, spla.spsolve(A.tocsc(), b), rtol=1e-8)
