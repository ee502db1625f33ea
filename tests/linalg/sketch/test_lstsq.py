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


def scipy_error(A, b, x_true):
    """The largest forward error of SciPy's backward-stable drivers (gelsd, gelsy, gelss).

    At cond 1e8 with a residual of norm 1 the forward error of any backward-stable solver is
    set by rounding (perturbation bound ~ cond^2 eps |r| / (|A| |x|) ~ 4e-2 here); the drivers
    themselves differ by up to ~12x on one instance (seed 1: gelsd 4.0e-4, gelsy 4.8e-3), so
    "as accurate as SciPy" is measured against the least accurate of them.
    """
    return max(rel_err(sl.lstsq(A, b, lapack_driver=drv)[0], x_true)
               for drv in ("gelsd", "gelsy", "gelss"))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["sparse-sign", "gaussian", "srht"])
def test_dense_ill_conditioned_as_accurate_as_scipy(kind, seed):
    A, x_true, b = ill_conditioned(3000, 30, 1e8, seed)
    A0, b0 = A.copy(), b.copy()
    ref = scipy_error(A, b, x_true)
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
    ref = scipy_error(A, b, x_true)
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


@pytest.mark.parametrize("solver", ["fused", "lsqr"])
def test_stops_x0_callback_maxiter(solver):
    A, x_true, b = ill_conditioned(1000, 20, 1e6, 7)
    ref = scipy_error(A, b, x_true)
    opts = {"rng": 0, "solver": solver}
    res = numsolve.lstsq(A, b, x0=np.zeros(20), options=opts)
    assert res.success and rel_err(res.x, x_true) <= 10 * ref and res.solver == solver
    short = numsolve.lstsq(A, b, x0=np.zeros(20), maxiter=1, options=opts)
    assert not short.success and short.status == 1 and short.nit == 1
    # maxiter counts iterations over all refinement stages
    capped = numsolve.lstsq(A, b, x0=np.zeros(20), maxiter=res.nit - 1, options=opts)
    assert not capped.success and capped.status == 1 and capped.nit == res.nit - 1
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.nit)
        if len(seen) == 2:
            raise StopIteration

    stop = numsolve.lstsq(A, b, x0=np.zeros(20), callback=cb, options=opts)
    assert stop.status == 99 and not stop.success and seen == [1, 2] and stop.nit == 2
    # legacy callback(xk): the iterate itself
    xs = []
    full = numsolve.lstsq(A, b, callback=lambda xk: xs.append(np.array(xk, copy=True)),
                          options=opts)
    assert full.success and len(xs) == full.nit
    np.testing.assert_allclose(xs[-1], full.x, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# the fused dense path (CG on the preconditioned normal equations, one sweep per iteration)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ridge", [0.0, 1e-3])
def test_fused_agrees_with_lsqr_and_scipy(ridge):
    # (cond 1e8 is covered by test_dense_ill_conditioned_as_accurate_as_scipy, where the
    # fused path is the default; here cond 1e6 keeps both solvers well above their
    # rounding floors, so their agreement is a meaningful check)
    A, x_true, b = ill_conditioned(4000, 40, 1e6, 11)
    d = A.shape[1]
    if ridge > 0:
        ref = sl.lstsq(np.vstack([A, np.sqrt(ridge) * np.eye(d)]),
                       np.concatenate([b, np.zeros(d)]))[0]
        tol = 1e-9  # ridge makes the problem well conditioned: both solvers reach ~eps cond
    else:
        ref = sl.lstsq(A, b)[0]
        tol = 10 * scipy_error(A, b, x_true)  # within 10x of SciPy's drivers' errors
    out = {}
    for solver in ("fused", "lsqr"):
        res = numsolve.lstsq(A, b, options={"rng": 3, "solver": solver, "ridge": ridge})
        assert res.success and res.solver == solver, res.message
        out[solver] = res
        target = ref if ridge > 0 else x_true
        assert rel_err(res.x, target) <= tol
        # reported residuals are the true ones
        r = b - A @ res.x
        assert res.residual_norm == pytest.approx(np.linalg.norm(r), rel=1e-10)
        # (at cond 1e8 the normal residual is rounding noise: compare on the scale of it)
        assert abs(res.normal_residual_norm - np.linalg.norm(A.T @ r - ridge * res.x)) <= (
            1e-10 * np.linalg.norm(b))
    assert rel_err(out["fused"].x, out["lsqr"].x) <= 2 * tol
    assert out["fused"].sketch_size == 12 * d and out["lsqr"].sketch_size == 8 * d


def test_fused_is_default_for_dense_numpy_only():
    A, _, b = ill_conditioned(800, 8, 1e3, 12)
    assert numsolve.lstsq(A, b, options={"rng": 0}).solver == "fused"
    assert numsolve.lstsq(sp.csr_matrix(A), b, options={"rng": 0}).solver == "lsqr"
    assert numsolve.lstsq(aslinearoperator(A), b, options={"rng": 0}).solver == "lsqr"
    with pytest.raises(ValueError, match="solver='fused' needs a dense NumPy"):
        numsolve.lstsq(sp.csr_matrix(A), b, options={"solver": "fused"})
    with pytest.raises(ValueError, match="solver must be"):
        numsolve.lstsq(A, b, options={"solver": "cg"})


def test_fused_float32():
    A, x_true, b = ill_conditioned(3000, 20, 1e3, 13)
    A32, b32 = A.astype(np.float32), b.astype(np.float32)
    # reference: the exact least-squares solution of the float32 data
    ref = sl.lstsq(A32.astype(np.float64), b32.astype(np.float64))[0]
    res = numsolve.lstsq(A32, b32, options={"rng": 0, "solver": "fused"})
    assert res.success and res.x.dtype == np.float32
    # the sweeps accumulate in float64: only the final rounding to float32 remains
    assert rel_err(res.x, ref) < 1e-6
    lsqr = numsolve.lstsq(A32, b32, rtol=1e-5, options={"rng": 0, "solver": "lsqr"})
    assert rel_err(lsqr.x, ref) < 1e-3 and rel_err(res.x, lsqr.x) < 1e-3
    # mixed: float32 A with float64 b is solved in float64
    r64 = numsolve.lstsq(A32, b32.astype(np.float64), options={"rng": 0})
    assert r64.x.dtype == np.float64 and rel_err(r64.x, ref) < 1e-9


def test_fused_memory_layouts_and_no_mutation():
    A, x_true, b = ill_conditioned(2500, 15, 1e6, 14)
    opts = {"rng": 2, "solver": "fused"}
    base = numsolve.lstsq(A, b, options=opts)
    AF = np.asfortranarray(A)
    AF0, b0 = AF.copy(order="F"), b.copy()
    resF = numsolve.lstsq(AF, b, options=opts)
    np.testing.assert_array_equal(resF.x, base.x)  # same data, same arithmetic
    np.testing.assert_array_equal(AF, AF0)
    np.testing.assert_array_equal(b, b0)
    assert AF.flags.f_contiguous
    # a strided view (every other row)
    big = np.zeros((2 * A.shape[0], A.shape[1] + 3))
    big[::2, :A.shape[1]] = A
    view = big[::2, :A.shape[1]]
    resV = numsolve.lstsq(view, b, options=opts)
    np.testing.assert_array_equal(resV.x, base.x)
    assert rel_err(base.x, x_true) <= 10 * rel_err(sl.lstsq(A, b)[0], x_true)


def test_fused_consistent_system_and_breakdown():
    rng = np.random.default_rng(15)
    A = rng.standard_normal((1500, 12)) * np.logspace(-2, 2, 12)
    x_true = rng.standard_normal(12)
    res = numsolve.lstsq(A, A @ x_true, options={"rng": 0, "solver": "fused"})
    assert res.success and rel_err(res.x, x_true) < 1e-10
    assert res.residual_norm <= 1e-10 * np.linalg.norm(A @ x_true)
    Ad = np.hstack([A, A[:, :2] @ np.ones((2, 1))])
    bad = numsolve.lstsq(Ad, A @ x_true, options={"rng": 0, "solver": "fused"})
    assert not bad.success and bad.status == 3


def test_fused_kernel_matches_numpy_and_is_thread_count_independent():
    numba = pytest.importorskip("numba")
    from numsolve.linalg.sketch import _lstsq_kernels as K

    rng = np.random.default_rng(16)
    for dt in (np.float64, np.float32):
        A = rng.standard_normal((5000, 37)).astype(dt)
        z = rng.standard_normal(37)
        b = rng.standard_normal(5000).astype(dt)
        A64, b64 = A.astype(np.float64), b.astype(np.float64)
        for use_b in (True, False):
            t = b64 - A64 @ z if use_b else A64 @ z
            outs = []
            for nt in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
                numba.set_num_threads(nt)
                try:
                    Y = np.empty((4, 37))
                    rr = np.empty(4)
                    K.normal_apply(A, z, b, use_b, Y, rr)
                finally:
                    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
                outs.append((Y.sum(axis=0), rr.sum()))
                np.testing.assert_allclose(Y.sum(axis=0), A64.T @ t, rtol=1e-12, atol=1e-10)
                assert rr.sum() == pytest.approx(t @ t, rel=1e-12)
            np.testing.assert_array_equal(outs[0][0], outs[-1][0])


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
    for solver in ("fused", "lsqr"):
        for bad in (np.nan, np.inf, -np.inf):
            Abad = A.copy()
            Abad[17, 3] = bad
            with pytest.raises(ValueError, match="A contains NaN"):
                numsolve.lstsq(Abad, b, options={"solver": solver})
            with pytest.raises(ValueError, match="A contains NaN"):  # sampling sketches
                numsolve.lstsq(Abad, b, options={"solver": solver, "sketch": "uniform",
                                                 "sketch_size": 10, "rng": 0})
        with pytest.raises(ValueError, match="b contains NaN"):
            numsolve.lstsq(A, np.where(b > 0, np.inf, b), options={"solver": solver})
    # huge but finite entries are not mistaken for NaN/inf (the sketch may overflow)
    with np.errstate(over="ignore", invalid="ignore"):
        big = numsolve.lstsq(A * 1e307, b, options={"solver": "fused"})
    assert big.status in (0, 3, 4)
    with pytest.raises(ValueError, match="ridge"):
        numsolve.lstsq(A, b, options={"ridge": -1.0})
    with pytest.raises(ValueError, match="unknown method"):
        numsolve.lstsq(A, b, method="nope")
    with pytest.raises(ValueError, match="x0 has shape"):
        numsolve.lstsq(A, b, x0=np.ones(4))


@pytest.mark.parametrize("refine", [0, 1, 3])
def test_fused_refine_counts(refine):
    # refine=0: a single CG stage to rtol. At cond 1e4 the default rtol=1e-12 would limit the
    # forward error to ~cond * rtol, above a direct solver's ~cond * eps: ask for 1e-14
    A, x_true, b = ill_conditioned(2000, 20, 1e4, 17)
    res = numsolve.lstsq(A, b, rtol=1e-14,
                         options={"rng": 0, "solver": "fused", "refine": refine})
    assert res.success
    assert rel_err(res.x, x_true) <= 10 * scipy_error(A, b, x_true)


def test_option_validation_names_the_option():
    A = np.random.default_rng(0).standard_normal((60, 4))
    b = np.ones(60)
    for value in (-1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="ridge must be a finite non-negative number"):
            numsolve.lstsq(A, b, options={"ridge": value})
    with pytest.raises(TypeError, match="ridge must be a real number"):
        numsolve.lstsq(A, b, options={"ridge": "1e-3"})
    with pytest.raises(ValueError, match="refine must be >= 0"):
        numsolve.lstsq(A, b, options={"refine": -1})
    with pytest.raises(TypeError, match="refine must be an integer"):
        numsolve.lstsq(A, b, options={"refine": 1.5})
    with pytest.raises(ValueError, match="nnz_per_column must be >= 1"):
        numsolve.lstsq(A, b, options={"nnz_per_column": 0})
    with pytest.raises(ValueError, match="solver must be one of"):
        numsolve.lstsq(A, b, options={"solver": 3})
    with pytest.raises(TypeError, match="rng"):
        numsolve.lstsq(A, b, options={"rng": "seed"})
    with pytest.raises(TypeError, match="complex"):
        numsolve.lstsq(A, b + 1j)
    with pytest.raises(TypeError, match="A must have a real numeric dtype"):
        numsolve.lstsq(sp.csr_matrix(A > 0), b)
    # lists and np.matrix are arrays; (n, 1) b is a vector; integer data computes in float64
    ref = numsolve.lstsq(A, b, options={"rng": 0})
    for AA, bb in ((A.tolist(), b), (np.asmatrix(A), b[:, None]), (A, b.tolist())):
        res = numsolve.lstsq(AA, bb, options={"rng": 0})
        np.testing.assert_array_equal(res.x, ref.x)
    Ai = np.round(A * 10).astype(np.int64)
    np.testing.assert_array_equal(numsolve.lstsq(Ai, b, options={"rng": 0}).x,
                                  numsolve.lstsq(Ai.astype(float), b, options={"rng": 0}).x)


@pytest.mark.parametrize("kind", ["sparse-sign", "countsketch", "gaussian", "srht", "uniform",
                                  "leverage"])
def test_nan_in_A_raises_for_every_sketch(kind):
    A = np.random.default_rng(1).standard_normal((200, 5))
    b = np.ones(200)
    A[123, 2] = np.nan
    for solver in ("fused", "lsqr"):
        for AA in ((A, sp.csr_matrix(A)) if solver == "lsqr" else (A,)):
            with pytest.raises(ValueError, match="A contains NaN or inf"):
                numsolve.lstsq(AA, b, options={"sketch": kind, "solver": solver,
                                               "sketch_size": 40, "rng": 0})
