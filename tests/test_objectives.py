"""Structured objectives: derivatives against finite differences and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import approx_fprime, check_grad, minimize

from numsolve.objectives import BinaryLogistic, LeastSquares, MultinomialLogistic


def _data(seed=0, n=120, d=6):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d)) * np.logspace(-1, 1, d)
    return rng, A


def _objectives(A, rng):
    n = A.shape[0]
    return [
        LeastSquares(A, rng.standard_normal(n), l2=0.3),
        BinaryLogistic(A, np.sign(rng.standard_normal(n)), l2=0.3),
        MultinomialLogistic(A, rng.integers(0, 3, n), l2=0.3),
    ]


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("sparse", [False, True])
def test_derivatives(which, sparse):
    rng, A = _data()
    f = _objectives(sp.csr_matrix(A) if sparse else A, np.random.default_rng(1))[which]
    fd = _objectives(A, np.random.default_rng(1))[which]
    x = 0.3 * rng.standard_normal(f.dim)
    assert f(x) == pytest.approx(fd(x), rel=1e-12)
    assert check_grad(f, f.grad, x) < 1e-5 * max(1, np.linalg.norm(f.grad(x)))
    p = rng.standard_normal(f.dim)
    fd_hp = (f.grad(x + 1e-6 * p) - f.grad(x - 1e-6 * p)) / 2e-6
    np.testing.assert_allclose(f.hessp(x, p), fd_hp, rtol=1e-5, atol=1e-5)
    # Hessian square root: M^T M + l2 I == H
    M = f.hess_sqrt(x)
    if hasattr(M, "matmat") and not sp.issparse(M) and not isinstance(M, np.ndarray):
        MtM = M.rmatmat(M.matmat(np.eye(f.dim)))
    else:
        MtM = M.T @ M
        MtM = MtM.toarray() if sp.issparse(MtM) else MtM
    H = np.column_stack([f.hessp(x, e) for e in np.eye(f.dim)])
    np.testing.assert_allclose(MtM + f.l2 * np.eye(f.dim), H, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(f.hess(x), H, rtol=1e-10, atol=1e-10)


def test_lipschitz_constants_bound_curvature():
    rng, A = _data(2)
    for f in _objectives(A, rng):
        L = f.lipschitz()
        for _ in range(3):
            x = rng.standard_normal(f.dim)
            H = np.column_stack([f.hessp(x, e) for e in np.eye(f.dim)])
            assert np.linalg.eigvalsh((H + H.T) / 2)[-1] <= L * (1 + 1e-10)
        if isinstance(f, MultinomialLogistic):
            continue
        Lj = f.coordinate_lipschitz()
        x = rng.standard_normal(f.dim)
        H = f.hess(x)
        assert np.all(np.diag(H) <= Lj * (1 + 1e-10))
        Lb = f.block_lipschitz([np.arange(0, 3), np.arange(3, 6)])
        for k, B in enumerate([np.arange(0, 3), np.arange(3, 6)]):
            assert np.linalg.eigvalsh(H[np.ix_(B, B)])[-1] <= Lb[k] * (1 + 1e-10)
        # least squares: the constants are exact
        if isinstance(f, LeastSquares):
            np.testing.assert_allclose(Lj, (A * A).sum(0) + f.l2)
            assert L == pytest.approx(np.linalg.eigvalsh(A.T @ A)[-1] + f.l2)


def test_scipy_minimize_accepts_objectives_and_matches_closed_form():
    rng, A = _data(3)
    b = rng.standard_normal(A.shape[0])
    f = LeastSquares(A, b, l2=0.5)
    res = minimize(f, np.zeros(6), jac=f.grad, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-16, "maxiter": 10000})
    x_star = np.linalg.solve(A.T @ A + 0.5 * np.eye(6), A.T @ b)
    np.testing.assert_allclose(res.x, x_star, rtol=1e-6)
    g = BinaryLogistic(A, (rng.random(A.shape[0]) < 0.5).astype(int), l2=1.0)  # 0/1 labels
    res = minimize(g, np.zeros(6), jac=g.grad, hessp=g.hessp, method="newton-cg",
                   options={"xtol": 1e-12})
    assert res.success and np.linalg.norm(g.grad(res.x)) < 1e-7


def test_generic_namespace(backend):
    rng, A = _data(4)
    y = np.sign(rng.standard_normal(A.shape[0]))
    f_np = BinaryLogistic(A, y, l2=0.1)
    f = BinaryLogistic(backend.asarray(A), backend.asarray(y), l2=0.1)
    x = rng.standard_normal(6)
    xb = backend.asarray(x)
    assert f(xb) == pytest.approx(f_np(x), rel=1e-12)
    g = f.grad(xb)
    assert backend.same_namespace(g)
    np.testing.assert_allclose(backend.to_numpy(g), f_np.grad(x), rtol=1e-12)
    np.testing.assert_allclose(backend.to_numpy(f.hessp(xb, xb)), f_np.hessp(x, x), rtol=1e-12)
    np.testing.assert_allclose(backend.to_numpy(f.hess_sqrt(xb)), f_np.hess_sqrt(x), rtol=1e-12)
    m = MultinomialLogistic(backend.asarray(A), rng.integers(0, 3, A.shape[0]))
    m_np = MultinomialLogistic(A, backend.to_numpy(m.Y).argmax(1))
    w = rng.standard_normal(m.dim)
    np.testing.assert_allclose(backend.to_numpy(m.grad(backend.asarray(w))), m_np.grad(w),
                               rtol=1e-11)


def test_large_margins_are_finite():
    A = np.array([[1000.0], [-1000.0]])
    f = BinaryLogistic(A, [1, 1])
    x = np.array([5.0])
    assert np.isfinite(f(x)) and np.all(np.isfinite(f.grad(x)))
    assert f(x) == pytest.approx(5000.0)
    m = MultinomialLogistic(np.array([[1000.0, 1.0]]), [0], n_classes=2)
    assert np.isfinite(m(np.array([5.0, -5.0, 0.0, 0.0])))


def test_validation():
    A = np.ones((4, 2))
    with pytest.raises(ValueError, match="b has shape"):
        LeastSquares(A, np.ones(3))
    with pytest.raises(ValueError, match="two classes"):
        BinaryLogistic(A, [0, 1, 2, 1])
    with pytest.raises(ValueError, match="l2"):
        BinaryLogistic(A, [0, 1, 1, 1], l2=-1)
    with pytest.raises(ValueError, match="integer class labels"):
        MultinomialLogistic(A, [0, 1.5, 1, 1])
    with pytest.raises(ValueError, match="x has shape"):
        LeastSquares(A, np.ones(4)).grad(np.ones(3))
    assert approx_fprime is not None


def test_label_and_ridge_checks():
    A = np.ones((4, 2))
    with pytest.raises(ValueError, match="y has 3 entries, expected 4"):
        BinaryLogistic(A, [0, 1, 1])
    with pytest.raises(ValueError, match="y has 5 entries, expected 4"):
        MultinomialLogistic(A, [0, 1, 1, 2, 0])
    with pytest.raises(TypeError, match="l2"):
        LeastSquares(A, np.ones(4), l2="big")
    assert LeastSquares(A, np.ones(4), l2=np.float32(0.5)).l2 == 0.5
    assert LeastSquares(A, np.ones(4))._curv == 1.0
