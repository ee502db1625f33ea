"""Sketch operators: subspace embedding at the documented size, determinism, all input kinds."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import aslinearoperator

from numsolve.linalg.sketch import (
    SKETCH_KINDS,
    embedding_sketch_size,
    leverage_scores,
    make_sketch,
    sketch,
)

EPS = 0.5


def _orthonormal(n, d, seed):
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((n, d)))[0]


def _kw(kind, U):
    return {"leverage_scores": np.einsum("ij,ij->i", U, U)} if kind == "leverage" else {}


@pytest.mark.parametrize("kind", SKETCH_KINDS)
def test_subspace_embedding_documented_size(kind):
    n, d = 6000, 12
    m = embedding_sketch_size(kind, d, EPS)
    assert m < n
    U = _orthonormal(n, d, 0)
    worst = 0.0
    for seed in range(6):
        S = make_sketch(kind, m, n, rng=seed, **_kw(kind, U))
        sv = np.linalg.svd(S @ U, compute_uv=False)
        worst = max(worst, abs(sv.max() - 1), abs(1 - sv.min()))
    assert worst <= EPS, (kind, m, worst)


def test_leverage_sampling_handles_coherent_subspace_uniform_does_not():
    # U contains d coordinate directions: rows with leverage 1. Uniform sampling of 5% of the
    # rows almost surely misses one of them (S U rank deficient); leverage sampling does not.
    n, d = 4000, 6
    rng = np.random.default_rng(1)
    U = np.zeros((n, d))
    U[rng.choice(n, d, replace=False), np.arange(d)] = 1.0
    U = np.hstack([U, _orthonormal(n, 4, 2)])
    U = np.linalg.qr(U)[0]
    lev = np.einsum("ij,ij->i", U, U)
    m = embedding_sketch_size("leverage", U.shape[1], EPS)
    for seed in range(4):
        sv = np.linalg.svd(make_sketch("leverage", m, n, rng=seed, leverage_scores=lev) @ U,
                           compute_uv=False)
        assert 1 - EPS <= sv.min() and sv.max() <= 1 + EPS
    sv_u = np.linalg.svd(make_sketch("uniform", m, n, rng=0) @ U, compute_uv=False)
    assert sv_u.min() < 1 - EPS


@pytest.mark.parametrize("kind", SKETCH_KINDS)
def test_same_seed_same_sketch(kind):
    n, d = 700, 5
    A = np.random.default_rng(3).standard_normal((n, d))
    kw = _kw(kind, np.linalg.qr(A)[0])
    S1 = make_sketch(kind, 60, n, rng=7, **kw) @ A
    S2 = make_sketch(kind, 60, n, rng=np.random.default_rng(7), **kw) @ A
    S3 = make_sketch(kind, 60, n, rng=8, **kw) @ A
    np.testing.assert_array_equal(S1, S2)
    assert not np.array_equal(S1, S3)
    # convenience function with the same seed: same result as the explicit operator
    np.testing.assert_array_equal(sketch(A, 60, kind, rng=7, **kw), S1)


@pytest.mark.parametrize("kind", SKETCH_KINDS)
def test_dense_sparse_operator_left_right_agree(kind):
    rng = np.random.default_rng(4)
    n = 300
    A = sp.random(n, 17, density=0.2, random_state=5, format="csr")
    Ad = A.toarray()
    kw = {"leverage_scores": rng.random(n) + 0.1} if kind == "leverage" else {}
    S = make_sketch(kind, 40, n, rng=2, **kw)
    ref = S.toarray() @ Ad
    np.testing.assert_allclose(S @ Ad, ref, atol=1e-12)
    out_sp = S @ A
    np.testing.assert_allclose(out_sp.toarray() if sp.issparse(out_sp) else out_sp, ref,
                               atol=1e-12)
    np.testing.assert_allclose(S.apply(A.tocsc()) if kind not in ("uniform", "leverage")
                               else S.apply(A.tocsc()).toarray(), ref, atol=1e-12)
    np.testing.assert_allclose(S.apply(aslinearoperator(A)), ref, atol=1e-12)
    B = rng.standard_normal((9, n))
    np.testing.assert_allclose(S.apply(B, side="right"), B @ S.toarray().T, atol=1e-12)
    np.testing.assert_allclose(S.apply(aslinearoperator(B), side="right"), B @ S.toarray().T,
                               atol=1e-12)
    Y = rng.standard_normal((40, 3))
    np.testing.assert_allclose(S.rmatmat(Y), S.toarray().T @ Y, atol=1e-12)
    v = rng.standard_normal(n)
    np.testing.assert_allclose(S @ v, S.toarray() @ v, atol=1e-12)


def test_float32_preserved_and_caller_not_mutated():
    A = np.random.default_rng(0).standard_normal((200, 4)).astype(np.float32)
    A0 = A.copy()
    for kind in ("gaussian", "sparse-sign", "srht", "uniform"):
        out = make_sketch(kind, 30, 200, rng=0) @ A
        assert out.dtype == np.float32, kind
    np.testing.assert_array_equal(A, A0)


def test_hadamard_srht_embeds():
    n, d = 3000, 8  # padded to 4096
    U = _orthonormal(n, d, 9)
    m = embedding_sketch_size("srht", d, EPS)
    S = make_sketch("srht", m, n, rng=0, transform="hadamard")
    sv = np.linalg.svd(S @ U, compute_uv=False)
    assert 1 - EPS <= sv.min() and sv.max() <= 1 + EPS
    np.testing.assert_allclose(S @ U, S.toarray() @ U, atol=1e-12)


@pytest.mark.parametrize("kind", ["gaussian", "sparse-sign", "srht", "uniform"])
def test_generic_namespace_matches_numpy(backend, kind):
    if backend.name == "numpy":
        pytest.skip("NumPy is the reference the other namespaces are compared with")
    n = 256
    A = np.random.default_rng(0).standard_normal((n, 5))
    for transform in (("dct", "hadamard") if kind == "srht" else ("dct",)):
        S = make_sketch(kind, 32, n, rng=1, transform=transform)
        out = S @ backend.asarray(A)
        assert backend.same_namespace(out)
        np.testing.assert_allclose(backend.to_numpy(out), S @ A, atol=1e-10)


def test_leverage_scores_approx_close_to_exact():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3000, 10)) * np.exp(rng.standard_normal((3000, 1)))
    exact = leverage_scores(A, method="exact")
    approx = leverage_scores(A, rng=0)
    assert exact.sum() == pytest.approx(10)
    ratio = approx / exact
    assert 0.6 < np.median(ratio) < 1.6
    assert np.quantile(ratio, 0.01) > 0.3 and np.quantile(ratio, 0.99) < 3
    # leverage sketch of A via the convenience function embeds A's range
    Q = np.linalg.qr(A)[0]
    SA = sketch(A, embedding_sketch_size("leverage", 10, EPS), "leverage", rng=1)
    sv = np.linalg.svd(SA @ np.linalg.inv(np.linalg.qr(A)[1]), compute_uv=False)
    assert 1 - EPS <= sv.min() and sv.max() <= 1 + EPS
    assert Q.shape == (3000, 10)


_BAD_SKETCHES = [  # (error, match, args, kwargs) of make_sketch
    (ValueError, "sketch_size=20 is larger", ("gaussian", 20, 10), {}),
    (ValueError, "sketch_size must be >= 1", ("gaussian", 0, 10), {}),
    (TypeError, "sketch_size must be an integer", ("gaussian", 2.5, 10), {}),
    (ValueError, "unknown sketch kind", ("fancy", 2, 10), {}),
    (ValueError, "nnz_per_column must be <= 4", ("sparse-sign", 4, 10), {"nnz_per_column": 5}),
    (ValueError, "nnz_per_column must be >= 1", ("sparse-sign", 4, 10), {"nnz_per_column": 0}),
    (TypeError, "nnz_per_column must be an integer", ("sparse-sign", 4, 10),
     {"nnz_per_column": 2.0}),
    (ValueError, "leverage_scores", ("leverage", 4, 10), {}),
    (TypeError, "rng", ("gaussian", 4, 10), {"rng": "seed"}),
    (TypeError, "rng", ("gaussian", 4, 10), {"rng": True}),
    (ValueError, "n must be >= 1", ("gaussian", 1, 0), {}),
    (TypeError, "n must be an integer", ("gaussian", 1, 10.0), {}),
    (ValueError, "transform must be one of", ("srht", 4, 10), {"transform": "fft"}),
]


@pytest.mark.parametrize("error, match, args, kwargs", _BAD_SKETCHES)
def test_make_sketch_rejects(error, match, args, kwargs):
    with pytest.raises(error, match=match):
        make_sketch(*args, **kwargs)


def test_validation():
    S = make_sketch("gaussian", 4, 10)
    with pytest.raises(ValueError, match="rows"):
        S @ np.ones((11, 2))
    with pytest.raises(ValueError, match="side"):
        S.apply(np.ones((10, 2)), side="up")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_sign_dense_kernel_row_chunks(dtype):
    # n >= 4096 rows: the dense kernel splits the rows into parallel chunks with their own
    # outputs; the sum must equal the explicit product, whatever the thread count
    numba = pytest.importorskip("numba")
    from numsolve.linalg.sketch._operators import _sketch_chunks

    n, d, m = 9000, 7, 60
    assert _sketch_chunks(n, m * d * 8) == 4
    A = np.random.default_rng(4).standard_normal((n, d)).astype(dtype)
    S = make_sketch("sparse-sign", m, n, rng=1)
    ref = S.toarray() @ A.astype(np.float64)
    outs = []
    for nt in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
        numba.set_num_threads(nt)
        try:
            outs.append(S @ A)
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert outs[0].dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(outs[0], ref, rtol=tol, atol=tol * np.abs(ref).max())
    np.testing.assert_array_equal(outs[0], outs[-1])


def test_embedding_sketch_size_validation():
    # d < 1 used to give a negative size (-16 for d = -1): errors name the argument
    for d in (-1, 0):
        with pytest.raises(ValueError, match="d must be >= 1"):
            embedding_sketch_size("gaussian", d)
    for d in (2.5, 10.0, True, "3"):
        with pytest.raises(TypeError, match="d must be an integer"):
            embedding_sketch_size("srht", d)
    for eps in (0.0, 1.0, -0.5, 2.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="eps must be"):
            embedding_sketch_size("gaussian", 5, eps)
    with pytest.raises(TypeError, match="eps must be a real number"):
        embedding_sketch_size("gaussian", 5, "0.5")
    for coherence in (0.0, -2.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="coherence must be"):
            embedding_sketch_size("uniform", 5, coherence=coherence)
    with pytest.raises(ValueError, match="unknown sketch kind"):
        embedding_sketch_size("fancy", 5)
    # valid input: unchanged (a coherence below 1 counts as 1)
    assert embedding_sketch_size("gaussian", np.int64(50)) == 800
    assert embedding_sketch_size("countsketch", 10, 0.5) == 800
    assert embedding_sketch_size("uniform", 10, coherence=0.5) == embedding_sketch_size("srht", 10)
    assert embedding_sketch_size("uniform", 10, coherence=3) == int(np.ceil(
        3 * 2 * 10 * np.log(11) / 0.25))


def _rank_deficient(n, d, r, seed):
    """A random n x d matrix of rank r with rows of varied scale, and its exact leverage
    scores (squared row norms of the first r left singular vectors)."""
    rng = np.random.default_rng(seed)
    A = (rng.standard_normal((n, r)) * np.exp(rng.standard_normal((n, 1)))) @ (
        rng.standard_normal((r, d)))
    U = np.linalg.svd(A, full_matrices=False)[0][:, :r]
    return A, np.einsum("ij,ij->i", U, U)


def test_leverage_scores_rank_deficient_exact():
    # n x 10 of rank 9: the scores are those of the 9-dimensional column space (they used
    # to sum to 10)
    A, ref = _rank_deficient(800, 10, 9, 0)
    for AA in (A, sp.csr_matrix(A), sp.csc_matrix(A)):
        lev = leverage_scores(AA, method="exact")
        assert lev.sum() == pytest.approx(9, abs=1e-9)
        np.testing.assert_allclose(lev, ref, rtol=1e-8, atol=1e-12)
    # a sparse matrix with a duplicated column (rank 5 of 6)
    S = sp.random(400, 5, density=0.3, random_state=1, format="csc")
    S = sp.hstack([S, S[:, [2]]], format="csr")
    U = np.linalg.svd(S.toarray(), full_matrices=False)[0][:, :5]
    lev = leverage_scores(S, method="exact")
    np.testing.assert_allclose(lev, np.einsum("ij,ij->i", U, U), rtol=1e-8, atol=1e-12)
    assert lev.sum() == pytest.approx(5, abs=1e-9)
    # rank 0 and a wide matrix of full row rank
    np.testing.assert_array_equal(leverage_scores(np.zeros((7, 3)), method="exact"), 0.0)
    wide = np.random.default_rng(2).standard_normal((3, 6))
    np.testing.assert_allclose(leverage_scores(wide, method="exact"), 1.0, rtol=1e-12)


def test_leverage_scores_rank_deficient_approx():
    A, ref = _rank_deficient(4000, 10, 9, 3)
    # a large sketch and JL dimension: the approximation error is the sketch's distortion
    # (the null direction used to add O(1) noise: sum 10.2, ratios up to 2.3)
    lev = leverage_scores(A, rng=0, oversampling=200, jl_dim=4000)
    assert lev.sum() == pytest.approx(9, abs=0.5)
    ratio = lev / ref
    assert 0.8 < ratio.min() and ratio.max() < 1.25
    # the defaults: within a constant factor, as for a full-rank A
    for AA in (A, sp.csr_matrix(A)):
        ratio = leverage_scores(AA, rng=1) / ref
        assert 0.6 < np.median(ratio) < 1.6
        assert np.quantile(ratio, 0.01) > 0.3 and np.quantile(ratio, 0.99) < 3


def test_leverage_scores_full_rank_unchanged():
    # full column rank: exactly the QR-based scores and the R^{-1} G estimate of before
    import scipy.linalg as sl

    rng = np.random.default_rng(5)
    A = rng.standard_normal((1500, 8)) * np.logspace(-6, 0, 8)
    Q = np.linalg.qr(A)[0]
    np.testing.assert_array_equal(leverage_scores(A, method="exact"),
                                  np.einsum("ij,ij->i", Q, Q))
    g = np.random.default_rng(4)
    S = make_sketch("sparse-sign", 80, 1500, rng=g, nnz_per_column=8)
    R = np.linalg.qr(S @ A, mode="r")
    Z = A @ sl.solve_triangular(R, g.standard_normal((8, 32)) / np.sqrt(32))
    np.testing.assert_array_equal(leverage_scores(A, rng=4), np.einsum("ij,ij->i", Z, Z))


def test_leverage_scores_array_api(backend):
    A, ref = _rank_deficient(300, 6, 4, 6)
    lev = leverage_scores(backend.asarray(A), method="exact")
    assert isinstance(lev, np.ndarray)
    np.testing.assert_allclose(lev, ref, rtol=1e-8, atol=1e-12)
    approx = leverage_scores(backend.asarray(A), rng=0)
    np.testing.assert_allclose(approx, leverage_scores(A, rng=0), rtol=1e-10)
    As = backend.sparse(sp.csr_matrix(A))
    if As is not None:
        np.testing.assert_allclose(leverage_scores(As, method="exact"), ref, rtol=1e-8,
                                   atol=1e-12)


def test_leverage_sketch_and_lstsq_on_rank_deficient_matrix():
    # the 'leverage' sketch built from the scores of a rank-deficient A embeds its column
    # space; lstsq reports the rank deficiency, and with ridge > 0 solves the problem
    import scipy.linalg as sl

    import numsolve

    A, _ = _rank_deficient(3000, 10, 9, 7)
    U = np.linalg.svd(A, full_matrices=False)[0][:, :9]
    m = embedding_sketch_size("leverage", 9, EPS)
    for seed in range(3):
        lev = leverage_scores(A, rng=seed)
        sv = np.linalg.svd(make_sketch("leverage", m, 3000, rng=seed, leverage_scores=lev) @ U,
                           compute_uv=False)
        assert 1 - EPS <= sv.min() and sv.max() <= 1 + EPS
    assert sketch(A, m, "leverage", rng=0).shape == (m, 10)
    b = np.random.default_rng(8).standard_normal(3000)
    assert numsolve.lstsq(A, b, options={"sketch": "leverage", "rng": 0}).status == 3
    lam = 1e-3
    ref = sl.lstsq(np.vstack([A, np.sqrt(lam) * np.eye(10)]), np.r_[b, np.zeros(10)])[0]
    for AA, solver in ((A, "fused"), (A, "lsqr"), (sp.csr_matrix(A), "lsqr")):
        res = numsolve.lstsq(AA, b, options={"sketch": "leverage", "rng": 0, "ridge": lam,
                                             "solver": solver})
        assert res.success
        np.testing.assert_allclose(res.x, ref, rtol=1e-7, atol=1e-7 * np.abs(ref).max())


def test_leverage_scores_validation():
    A = np.ones((20, 3))
    with pytest.raises(ValueError, match="method must be one of"):
        leverage_scores(A, method="svd")
    with pytest.raises(ValueError, match="oversampling must be >= 1"):
        leverage_scores(A, oversampling=0)
    with pytest.raises(TypeError, match="jl_dim must be an integer"):
        leverage_scores(A, jl_dim=2.5)
    with pytest.raises(ValueError, match="A must be 2-D"):
        leverage_scores(np.ones(5))
    with pytest.raises(TypeError, match="LinearOperator"):
        leverage_scores(aslinearoperator(A))
    Abad = np.random.default_rng(0).standard_normal((20, 3))
    Abad[4, 1] = np.nan
    with pytest.raises(ValueError, match="A contains NaN or inf"):
        leverage_scores(Abad, method="exact")


@pytest.mark.parametrize("kind", SKETCH_KINDS)
def test_nan_or_inf_in_A_raises(kind):
    # S @ A used to return NaN silently; every kind and input type now raises, wherever the
    # non-finite entry is (row sampling: also in a row that is not sampled)
    n = 300
    rng = np.random.default_rng(0)
    lev = rng.random(n) + 0.1
    for trial, bad in enumerate((np.nan, np.inf, -np.inf)):
        for dtype in (np.float64, np.float32):
            A = rng.standard_normal((n, 4)).astype(dtype)
            i = int(rng.integers(n))
            A[i, trial] = bad
            S = make_sketch(kind, 20, n, rng=trial, leverage_scores=lev)
            cases = [A, sp.csr_matrix(A), sp.csc_matrix(A), A[:, trial],
                     aslinearoperator(A.astype(np.float64))]
            for AA in cases:
                with pytest.raises(ValueError, match="A contains NaN or inf"):
                    S @ AA
            with pytest.raises(ValueError, match="A contains NaN or inf"):
                S.apply(np.ascontiguousarray(A.T), side="right")
            with pytest.raises(ValueError, match="A contains NaN or inf"):
                sketch(A, 20, kind, rng=0, **({"leverage_scores": lev} if kind == "leverage"
                                              else {}))
            # check_finite=False: the old behaviour (no check, NaN/inf propagate)
            out = S.apply(A, check_finite=False)
            assert out.shape == (20, 4)
            if kind not in ("uniform", "leverage"):
                assert not np.all(np.isfinite(out))


def test_finite_check_keeps_overflow_and_valid_results():
    # huge but finite entries are not mistaken for NaN/inf: an overflowing sketch is returned
    n = 200
    A = np.full((n, 3), 1e307)
    for kind in ("gaussian", "sparse-sign", "srht", "uniform"):
        S = make_sketch(kind, 10, n, rng=0)
        with np.errstate(over="ignore", invalid="ignore"):
            out = S @ A
        np.testing.assert_array_equal(out, S.apply(A, check_finite=False))
    B = np.random.default_rng(1).standard_normal((n, 3))
    for kind in ("gaussian", "sparse-sign", "srht", "uniform"):
        S = make_sketch(kind, 10, n, rng=0)
        np.testing.assert_array_equal(S @ B, S.apply(B, check_finite=False))
        np.testing.assert_array_equal(S @ np.arange(n), S.apply(np.arange(n),
                                                               check_finite=False))
