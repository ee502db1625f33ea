"""L1 estimators (lasso, lasso_path, l1_logistic, l1_logistic_path): optimum against
scikit-learn and closed forms, duality-gap certificates, KKT conditions, sparse == dense, paths,
bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import numsolve
from numsolve._status import CALLBACK_STOP, MAXITER
from numsolve.optimize import (
    l1_logistic,
    l1_logistic_path,
    lasso,
    lasso_alpha_max,
    lasso_duality_gap,
    lasso_path,
    logistic_alpha_max,
    logistic_duality_gap,
)

sklm = pytest.importorskip("sklearn.linear_model")


def lasso_problem(n=200, p=50, k=5, rho=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if rho:
        for j in range(1, p):
            X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho ** 2) * X[:, j]
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.standard_normal(k) * 3
    return X, X @ w + 0.5 * rng.standard_normal(n)


def sparse_problem(n=500, p=300, density=0.05, seed=1):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, random_state=seed, format="csc",
                  data_rvs=rng.standard_normal)
    w = np.zeros(p)
    w[:10] = rng.standard_normal(10)
    return X, X @ w + 0.1 * rng.standard_normal(n)


def sk_lasso(X, y, alpha):
    m = sklm.Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=1_000_000)
    return m.fit(X, y).coef_


def lasso_obj(X, y, w, alpha):
    r = y - X @ w
    return r @ r / (2 * X.shape[0]) + alpha * np.abs(w).sum()


def check_kkt(X, y, w, alpha, tol):
    """|x_j^T r| / n <= alpha, and = alpha sign(w_j) on the support (to tol)."""
    g = X.T @ (y - X @ w) / X.shape[0]
    assert np.all(np.abs(g) <= alpha * (1 + tol))
    on = w != 0
    np.testing.assert_allclose(g[on], alpha * np.sign(w[on]), rtol=tol, atol=0)


# --------------------------------------------------------------------------------------------
# Lasso
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,rho", [((200, 50), 0.0), ((60, 150), 0.0), ((300, 80), 0.8)])
@pytest.mark.parametrize("frac", [0.5, 0.1, 0.02])
def test_lasso_matches_sklearn(shape, rho, frac):
    X, y = lasso_problem(*shape, rho=rho)
    alpha = frac * lasso_alpha_max(X, y)
    res = lasso(X, y, alpha, rtol=1e-12)
    assert res.success, res.message
    assert res.gap <= 1e-12 * res.fun
    w_sk = sk_lasso(X, y, alpha)
    # the objective is certified: P(w) - P* <= gap; sklearn's solution cannot be lower
    assert res.fun <= lasso_obj(X, y, w_sk, alpha) + 1e-12 * res.fun
    assert res.fun == pytest.approx(lasso_obj(X, y, w_sk, alpha), rel=1e-10)
    # strongly convex on the support here (n > |support|): same minimiser
    np.testing.assert_allclose(res.x, w_sk, atol=1e-6 * np.abs(w_sk).max())
    np.testing.assert_array_equal(np.sign(res.x), np.sign(w_sk))
    check_kkt(X, y, res.x, alpha, 1e-5)


def test_lasso_gap_certificate_and_fields():
    X, y = lasso_problem(300, 100, rho=0.5)
    alpha = 0.05 * lasso_alpha_max(X, y)
    res = lasso(X, y, alpha)
    gap, primal = lasso_duality_gap(X, y, res.x, alpha)
    assert res.success and res.status == 0
    assert res.gap == pytest.approx(gap, abs=1e-12 * primal)  # incremental vs fresh residual
    assert res.fun == pytest.approx(primal, rel=1e-12)
    assert 0 <= res.gap <= 1e-6 * res.fun
    assert res.coef is res.x
    assert res.nit == len(res.gap_history) == len(res.ws_sizes) == len(res.n_kept)
    assert res.gap_history[-1] == res.gap
    assert 0 < res.active_set_iter <= res.n_epochs
    assert np.all(res.n_kept <= 100) and res.n_kept[-1] >= np.count_nonzero(res.x)


def test_lasso_orthogonal_design_closed_form():
    # X^T X = n I: the solution is the soft threshold of X^T y / n
    n = 64
    X = np.sqrt(n) * np.linalg.qr(np.random.default_rng(3).standard_normal((n, 16)))[0]
    y = np.random.default_rng(4).standard_normal(n)
    alpha = 0.05
    z = X.T @ y / n
    w_star = np.sign(z) * np.maximum(np.abs(z) - alpha, 0)
    res = lasso(X, y, alpha, rtol=1e-14)
    np.testing.assert_allclose(res.x, w_star, atol=1e-12)


def test_lasso_anderson_and_working_set_knobs_same_optimum():
    X, y = lasso_problem(200, 120, rho=0.9, seed=5)
    alpha = 0.03 * lasso_alpha_max(X, y)
    ref = lasso(X, y, alpha, rtol=1e-12)
    for kw in ({"anderson": 0}, {"ws_min": 1}, {"inner_ratio": 0.9}, {"anderson": 3}):
        res = lasso(X, y, alpha, rtol=1e-12, **kw)
        assert res.success
        np.testing.assert_allclose(res.x, ref.x, atol=1e-7)


def test_lasso_screening_and_kappa_do_not_change_the_optimum():
    X, y = sparse_problem(400, 600, density=0.03, seed=7)
    alpha = 0.1 * lasso_alpha_max(X, y)
    ref = lasso(X, y, alpha, rtol=1e-12, screening=False)
    for kw in ({"screening": True}, {"kappa": 1.0}, {"kappa": 0.0}, {"ws_min": 5}):
        res = lasso(X, y, alpha, rtol=1e-12, **kw)
        assert res.success
        np.testing.assert_allclose(res.x, ref.x, atol=1e-9)
    # warm-started near the optimum (a path step) the first gap is small and screening
    # leaves only a fraction of the features in the outer passes
    near = lasso(X, y, 1.05 * alpha, rtol=1e-12).x
    res = lasso(X, y, alpha, x0=near, rtol=1e-12)
    assert res.n_kept[0] < 300, res.n_kept
    np.testing.assert_allclose(res.x, ref.x, atol=1e-9)


def test_lasso_accepts_lists_ints_float32_and_refuses_other_namespaces():
    X, y = lasso_problem(40, 6)
    alpha = 0.1 * lasso_alpha_max(X, y)
    ref = lasso(X, y, alpha, rtol=1e-12)
    np.testing.assert_allclose(lasso(X.tolist(), y.tolist(), alpha, rtol=1e-12).x, ref.x)
    r32 = lasso(X.astype(np.float32), y, alpha)
    assert r32.x.dtype == np.float64 and r32.success
    Xi = np.arange(40 * 3).reshape(40, 3) % 7
    assert lasso(Xi, np.arange(40) % 5, 0.1).success
    xps = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match="namespaces"):  # device X: y must be there too
        lasso(xps.asarray(X), y, alpha)


def test_lasso_sparse_equals_dense():
    X, y = sparse_problem()
    alpha = 0.05 * lasso_alpha_max(X, y)
    rs = lasso(X, y, alpha, rtol=1e-12)
    rd = lasso(X.toarray(), y, alpha, rtol=1e-12)
    rr = lasso(sp.csr_matrix(X), y, alpha, rtol=1e-12)  # converted to CSC
    # duplicate entries (non-canonical CSC) are summed, on a copy
    C = X.tocoo()
    dup = sp.csc_matrix((np.r_[C.data / 2, C.data / 2], (np.r_[C.row, C.row],
                                                          np.r_[C.col, C.col])), shape=X.shape)
    dup = sp.csc_matrix((dup.data, dup.indices, dup.indptr), shape=X.shape)
    if dup.has_canonical_format:  # scipy summed them already: build the duplicates by hand
        order = np.argsort(np.r_[C.col, C.col], kind="stable")
        rows, vals = np.r_[C.row, C.row][order], np.r_[C.data, C.data][order] / 2
        ptr = np.r_[0, np.cumsum(np.bincount(np.r_[C.col, C.col], minlength=X.shape[1]))]
        dup = sp.csc_matrix((vals, rows, ptr), shape=X.shape)
    data_before = dup.data.copy()
    np.testing.assert_allclose(lasso(dup, y, alpha, rtol=1e-12).x, rd.x, atol=1e-9)
    np.testing.assert_array_equal(dup.data, data_before)
    assert rs.success and rd.success
    np.testing.assert_allclose(rs.x, rd.x, atol=1e-9)
    np.testing.assert_allclose(rr.x, rd.x, atol=1e-9)
    assert lasso_duality_gap(X, y, rs.x, alpha)[0] <= 1e-12 * rs.fun
    np.testing.assert_allclose(rs.x, sk_lasso(X, y, alpha), atol=1e-7)


def test_lasso_alpha_max_gives_zero_and_below_does_not():
    X, y = lasso_problem()
    amax = lasso_alpha_max(X, y)
    assert amax == pytest.approx(np.abs(X.T @ y).max() / X.shape[0])
    assert not np.any(lasso(X, y, amax * (1 + 1e-12)).x)
    assert np.count_nonzero(lasso(X, y, 0.99 * amax).x) == 1


def test_lasso_zero_column_and_inputs_untouched():
    X, y = lasso_problem(100, 20)
    X[:, 3] = 0.0
    X0, y0, x0 = X.copy(), y.copy(), np.ones(20)
    res = lasso(X, y, 0.1 * lasso_alpha_max(X, y), x0=x0)
    assert res.success and res.x[3] == 0.0
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(x0, np.ones(20))


def test_lasso_warm_start_and_maxiter_and_callback():
    X, y = lasso_problem(200, 100, rho=0.8)
    alpha = 0.02 * lasso_alpha_max(X, y)
    ref = lasso(X, y, alpha, rtol=1e-10)
    warm = lasso(X, y, alpha, x0=ref.x, rtol=1e-10)
    assert warm.nit == 1 and warm.n_epochs == 0  # certified at once
    short = lasso(X, y, alpha, maxiter=1, rtol=1e-14)
    assert not short.success and short.status == MAXITER
    assert "gap" in short.message
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.gap)
        raise StopIteration

    res = lasso(X, y, alpha, callback=cb, rtol=1e-14)
    assert res.status == CALLBACK_STOP and not res.success and len(seen) == 1

    legacy = []
    res = lasso(X, y, alpha, callback=lambda xk: legacy.append(xk.copy()))
    assert res.success and len(legacy) == res.nit - 1
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)


# --------------------------------------------------------------------------------------------
# paths
# --------------------------------------------------------------------------------------------
def test_lasso_path_monotone_and_matches_sklearn():
    X, y = lasso_problem(150, 60, rho=0.5)
    path = lasso_path(X, y, n_alphas=20, eps=1e-2, rtol=1e-12)
    assert path.success and path.coefs.shape == (60, 20)
    a = path.alphas
    assert np.all(np.diff(a) < 0) and a[0] == pytest.approx(lasso_alpha_max(X, y))
    assert not np.any(path.coefs[:, 0])
    # optimal value increases with alpha, ||w||_1 decreases with alpha
    assert np.all(np.diff(path.funs) <= 1e-12)
    l1 = np.abs(path.coefs).sum(axis=0)
    assert np.all(np.diff(l1) >= -1e-9)
    assert np.all(path.gaps <= 1e-12 * path.funs + 1e-300)
    _, sk_coefs, _ = sklm.lasso_path(X, y, alphas=a, tol=1e-14, max_iter=100_000)
    np.testing.assert_allclose(path.coefs, sk_coefs, atol=1e-6)
    # warm starts: the fits along the path need fewer epochs than cold starts
    cold = sum(lasso(X, y, al, rtol=1e-12).n_epochs for al in a)
    assert path.n_epochs.sum() < cold


def test_lasso_path_given_alphas_sorted():
    X, y = lasso_problem(80, 30)
    amax = lasso_alpha_max(X, y)
    path = lasso_path(X, y, alphas=[0.1 * amax, 0.5 * amax])
    np.testing.assert_allclose(path.alphas, [0.5 * amax, 0.1 * amax])
    np.testing.assert_allclose(path.coefs[:, 1], lasso(X, y, 0.1 * amax).x, atol=1e-6)


# --------------------------------------------------------------------------------------------
# L1-logistic
# --------------------------------------------------------------------------------------------
def logistic_problem(n=300, p=40, seed=0, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:5] = 2 * rng.standard_normal(5)
    y = np.where(X @ w + rng.standard_normal(n) > 0, 3, 7)  # labels of any two values
    return (sp.csc_matrix(X * (rng.random((n, p)) < 0.3)) if sparse else X), y


def logistic_obj(X, y, w, alpha):
    s = np.where(y == y.max(), 1.0, -1.0)
    return np.mean(np.logaddexp(0, -s * (X @ w))) + alpha * np.abs(w).sum()


@pytest.mark.parametrize("frac", [0.5, 0.1, 0.01])
def test_l1_logistic_matches_sklearn(frac):
    X, y = logistic_problem()
    alpha = frac * logistic_alpha_max(X, y)
    res = l1_logistic(X, y, alpha, rtol=1e-12)
    assert res.success, res.message
    n = X.shape[0]
    sk = sklm.LogisticRegression(l1_ratio=1.0, C=1 / (n * alpha), solver="liblinear",
                                 fit_intercept=False, tol=1e-10, max_iter=2000).fit(X, y)
    w_sk = sk.coef_.ravel()
    assert res.fun <= logistic_obj(X, y, w_sk, alpha) + 1e-12 * res.fun
    assert res.fun == pytest.approx(logistic_obj(X, y, w_sk, alpha), rel=1e-7)
    np.testing.assert_allclose(res.x, w_sk, atol=1e-3 * max(1, np.abs(w_sk).max()))
    gap, primal = logistic_duality_gap(X, y, res.x, alpha)
    assert res.gap == pytest.approx(gap, rel=1e-6, abs=1e-14) and gap <= 1e-12 * primal
    # KKT: |grad_j| <= alpha, = alpha on the support
    s = np.where(y == 7, 1.0, -1.0)
    g = X.T @ (-s / (1 + np.exp(s * (X @ res.x)))) / n
    assert np.all(np.abs(g) <= alpha * (1 + 1e-5))
    on = res.x != 0
    np.testing.assert_allclose(g[on], -alpha * np.sign(res.x[on]), rtol=1e-5)


def test_l1_logistic_sparse_equals_dense_and_path():
    X, y = logistic_problem(400, 60, sparse=True)
    alpha = 0.05 * logistic_alpha_max(X, y)
    rs = l1_logistic(X, y, alpha, rtol=1e-10)
    rd = l1_logistic(X.toarray(), y, alpha, rtol=1e-10)
    assert rs.success and rd.success
    np.testing.assert_allclose(rs.x, rd.x, atol=1e-8)
    path = l1_logistic_path(X, y, n_alphas=8, eps=0.02, rtol=1e-10)
    assert path.success and not np.any(path.coefs[:, 0])
    assert np.all(np.diff(path.funs) <= 1e-12)
    assert np.all(np.diff(np.abs(path.coefs).sum(axis=0)) >= -1e-8)


def test_l1_logistic_alpha_max():
    X, y = logistic_problem()
    amax = logistic_alpha_max(X, y)
    assert not np.any(l1_logistic(X, y, amax * (1 + 1e-12)).x)
    assert np.count_nonzero(l1_logistic(X, y, 0.98 * amax).x) >= 1


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fit", [lasso, l1_logistic])
def test_bad_input_names_the_argument(fit):
    X, y = logistic_problem(50, 5)
    Xn = X.copy()
    Xn[3, 2] = np.nan
    cases = [
        ((Xn, y, 0.1), {}, ValueError, "X"),
        ((sp.csc_matrix(Xn), y, 0.1), {}, ValueError, "X"),
        ((X[0], y, 0.1), {}, ValueError, "X"),
        ((X, y[:-1], 0.1), {}, ValueError, "y"),
        ((X, y, -0.1), {}, ValueError, "alpha"),
        ((X, y, 0.0), {}, ValueError, "alpha"),
        ((X, y, np.nan), {}, ValueError, "alpha"),
        ((X, y, 0.1), {"x0": np.zeros(4)}, ValueError, "x0"),
        ((X, y, 0.1), {"rtol": -1.0}, ValueError, "rtol"),
        ((X, y, 0.1), {"maxiter": 0}, ValueError, "maxiter"),
        ((X, y, 0.1), {"inner_ratio": 1.5}, ValueError, "inner_ratio"),
        ((X, y, 0.1), {"callback": 3}, TypeError, "callback"),
        ((np.zeros((0, 3)), [], 0.1), {}, ValueError, "X"),
    ]
    for args, kw, err, name in cases:
        with pytest.raises(err, match=name):
            fit(*args, **kw)
    if fit is lasso:
        yn = y.astype(float)
        yn[0] = np.inf
        with pytest.raises(ValueError, match="y"):
            lasso(X, yn, 0.1)
    else:
        with pytest.raises(ValueError, match="y must hold exactly two classes"):
            l1_logistic(X, np.arange(50) % 3, 0.1)


def test_path_bad_alphas():
    X, y = lasso_problem(40, 5)
    with pytest.raises(ValueError, match="alphas"):
        lasso_path(X, y, alphas=[0.1, -1.0])
    with pytest.raises(ValueError, match="eps"):
        lasso_path(X, y, eps=0.0)
    with pytest.raises(ValueError, match="n_alphas"):
        lasso_path(X, y, n_alphas=0)


def test_exported_at_top_level():
    assert numsolve.lasso is lasso and numsolve.l1_logistic_path is l1_logistic_path
    assert numsolve.lasso_path is lasso_path and numsolve.l1_logistic is l1_logistic


def test_random_problems_converge_with_certified_gap():
    """p > n, strong correlation, duplicate columns, small alpha: every fit certifies its gap
    with the public gap function (the one the benchmarks use)."""
    rng = np.random.default_rng(0)
    for trial in range(20):
        n, p = int(rng.integers(20, 200)), int(rng.integers(5, 300))
        rho = float(rng.choice([0.0, 0.5, 0.9]))
        X, _ = lasso_problem(n, p, k=min(3, p), rho=rho, seed=trial)
        if trial % 5 == 0 and p > 1:
            X[:, 1] = X[:, 0]
        y = rng.standard_normal(n)
        frac = float(rng.choice([0.5, 0.1, 0.01]))
        alpha = frac * lasso_alpha_max(X, y)
        res = lasso(X, y, alpha)
        gap, primal = lasso_duality_gap(X, y, res.x, alpha)
        assert res.success and gap <= 1e-6 * primal * (1 + 1e-9), (n, p, rho, frac)
        lab = X[:, 0] + 0.3 * rng.standard_normal(n) > 0
        if len(np.unique(lab)) == 2:
            rl = l1_logistic(X, lab, frac * logistic_alpha_max(X, lab))
            g2, p2 = logistic_duality_gap(X, lab, rl.x, rl.alpha)
            assert rl.success and g2 <= 1e-6 * p2 * (1 + 1e-9), (n, p, rho, frac)


_hyp = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fit=st.sampled_from(["lasso", "l1_logistic"]), n=st.integers(0, 6), p=st.integers(0, 4),
       ylen=st.integers(0, 7), alpha=st.sampled_from([-1.0, 0.0, 1e-3, 0.5, np.nan, np.inf]),
       poison=st.sampled_from([None, "X-nan", "X-inf", "y-nan", "x0-nan", "x0-shape"]),
       sparse=st.booleans())
def test_malformed_inputs_raise_naming_the_argument_or_succeed(fit, n, p, ylen, alpha, poison,
                                                               sparse):
    rng = np.random.default_rng(n * 31 + p)
    X = rng.standard_normal((n, p))
    y = (rng.standard_normal(ylen) > 0).astype(float) if fit == "l1_logistic" \
        else rng.standard_normal(ylen)
    x0 = np.zeros(p)
    if poison == "X-nan" and X.size:
        X[0, 0] = np.nan
    elif poison == "X-inf" and X.size:
        X[-1, -1] = np.inf
    elif poison == "y-nan" and y.size:
        y[0] = np.nan
    elif poison == "x0-nan" and p:
        x0[0] = np.nan
    elif poison == "x0-shape":
        x0 = np.zeros(p + 1)
    copies = (X.copy(), y.copy(), x0.copy())
    Xin = sp.csc_matrix(np.nan_to_num(X, nan=0.5, posinf=2.0)) if sparse and poison not in \
        ("X-nan", "X-inf") else X
    f = lasso if fit == "lasso" else l1_logistic
    try:
        res = f(Xin, y, alpha, x0=x0, maxiter=50)
    except (ValueError, TypeError) as err:
        assert any(name in str(err) for name in ("X", "y", "alpha", "x0")), str(err)
    else:
        assert res.success == (res.gap <= 1e-6 * res.fun + 1e-300)
        assert np.all(np.isfinite(res.x))
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    np.testing.assert_array_equal(x0, copies[2])
