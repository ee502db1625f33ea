"""Finite-sum operators and resolvents: every batch is the mean of its components, the full
operator is the mean of all, Lipschitz constants bound observed quotients, resolvents match
closed forms / brute-force projections."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize

from numsolve.monotone import (
    L1,
    Box,
    Chi2BallSimplex,
    FiniteSumOperator,
    Product,
    Simplex,
    project_simplex,
)


def _components(F, u):
    return np.array([F.batch(np.array([i]), u) for i in range(F.n_components)])


def _check_mean(F, u, rng):
    comps = _components(F, u)
    np.testing.assert_allclose(F.full(u), comps.mean(axis=0), rtol=1e-12, atol=1e-12)
    idx = rng.choice(F.n_components, 3, replace=False)
    np.testing.assert_allclose(F.batch(idx, u), comps[idx].mean(axis=0), rtol=1e-12,
                               atol=1e-12)
    v = u + rng.standard_normal(u.shape)
    np.testing.assert_allclose(F.batch_diff(idx, u, v),
                               comps[idx].mean(axis=0) - _components(F, v)[idx].mean(axis=0),
                               rtol=1e-10, atol=1e-10)
    # Lipschitz in mean: E_i ||F_i(u) - F_i(v)||^2 <= L^2 ||u - v||^2, and ||F(u)-F(v)|| <= L_F
    dist = np.linalg.norm(u - v)
    mean_sq = np.mean(np.sum((comps - _components(F, v)) ** 2, axis=1))
    assert mean_sq <= (F.lipschitz * dist) ** 2 * (1 + 1e-9)
    assert np.linalg.norm(F.full(u) - F.full(v)) <= F.lipschitz_full * dist * (1 + 1e-9)


@pytest.mark.parametrize("kind", ["dense", "csr", "groups"])
def test_from_matrix(kind, rng):
    M = rng.standard_normal((7, 7))
    q = rng.standard_normal(7)
    if kind == "csr":
        F = FiniteSumOperator.from_matrix(sp.csr_matrix(M), q)
    elif kind == "groups":
        F = FiniteSumOperator.from_matrix(M, q, groups=np.array([0, 1, 2, 0, 1, 2, 2]))
        assert F.n_components == 3
    else:
        F = FiniteSumOperator.from_matrix(M, q, n_components=7)
    u = rng.standard_normal(7)
    np.testing.assert_allclose(F.full(u), M @ u + q)
    _check_mean(F, u, rng)


@pytest.mark.parametrize("shape, sparse", [((5, 5), False), ((6, 4), False), ((4, 6), True)])
def test_bilinear(shape, sparse, rng):
    A = rng.standard_normal(shape)
    b, c = rng.standard_normal(shape[0]), rng.standard_normal(shape[1])
    F = FiniteSumOperator.bilinear(sp.csr_matrix(A) if sparse else A, b, c)
    x, y = rng.standard_normal(shape[1]), rng.standard_normal(shape[0])
    u = np.concatenate([x, y])
    np.testing.assert_allclose(F.full(u), np.concatenate([A.T @ y + c, b - A @ x]))
    assert F.n_components == max(shape)
    _check_mean(F, u, rng)


def test_from_saddle_and_callables(rng):
    a = rng.standard_normal(4)
    F = FiniteSumOperator.from_saddle(lambda x, y, i: a[i].mean() * y + x,
                                      lambda x, y, i: a[i].mean() * x - y, 4, 1, 1,
                                      lipschitz=10.0, lipschitz_full=10.0)
    u = rng.standard_normal(2)
    np.testing.assert_allclose(F.full(u), [a.mean() * u[1] + u[0], u[1] - a.mean() * u[0]])
    G = FiniteSumOperator.from_callables(
        [lambda v, s=s: s * v for s in (1.0, 2.0, 6.0)], dim=2, lipschitz=10.0,
        lipschitz_full=10.0)
    np.testing.assert_allclose(G.full(np.ones(2)), [3.0, 3.0])
    _check_mean(F, u, rng)
    _check_mean(G, u, rng)


def test_project_simplex_matches_qp(rng):
    for _ in range(5):
        v = 2 * rng.standard_normal(6)
        p = project_simplex(v)
        cons = [{"type": "eq", "fun": lambda z: z.sum() - 1}]
        ref = minimize(lambda z, v=v: 0.5 * np.sum((z - v) ** 2), np.full(6, 1 / 6),
                       jac=lambda z, v=v: z - v, bounds=[(0, None)] * 6, constraints=cons,
                       method="SLSQP", options={"ftol": 1e-14}).x
        np.testing.assert_allclose(p, ref, atol=1e-7)
    V = rng.standard_normal((3, 5))
    np.testing.assert_allclose(project_simplex(V, 2.0).sum(axis=1), 2.0)
    np.testing.assert_allclose(Simplex(2.0)(V[0]), project_simplex(V[0], 2.0))


def test_chi2_ball_projection_is_optimal(rng):
    v = rng.standard_normal(8)
    r = 0.1
    p = Chi2BallSimplex(r)(v)
    assert abs(p.sum() - 1) < 1e-12 and p.min() >= 0
    assert np.linalg.norm(p - 1 / 8) <= r * (1 + 1e-9)
    cons = [{"type": "eq", "fun": lambda z: z.sum() - 1},
            {"type": "ineq", "fun": lambda z: r ** 2 - np.sum((z - 1 / 8) ** 2)}]
    ref = minimize(lambda z: 0.5 * np.sum((z - v) ** 2), np.full(8, 1 / 8), jac=lambda z: z - v,
                   bounds=[(0, None)] * 8, constraints=cons, method="SLSQP",
                   options={"ftol": 1e-15, "maxiter": 500}).x
    np.testing.assert_allclose(p, ref, atol=1e-6)
    inside = np.full(8, 1 / 8) + 1e-3 * np.array([1, -1] * 4)
    np.testing.assert_allclose(Chi2BallSimplex(r)(inside), inside)


def test_box_l1_product():
    v = np.array([-2.0, 0.3, 5.0, 0.2, 0.9, -0.4])
    np.testing.assert_allclose(Box(-1, 1)(v), np.clip(v, -1, 1))
    np.testing.assert_allclose(L1(2.0)(v, 0.25), np.sign(v) * np.maximum(np.abs(v) - 0.5, 0))
    P = Product([(3, Box(0, 1)), (3, L1(1.0))])
    np.testing.assert_allclose(P(v, 0.1), np.concatenate([np.clip(v[:3], 0, 1),
                                                          L1(1.0)(v[3:], 0.1)]))
    with pytest.raises(ValueError, match="dimension 6"):
        P(np.ones(5))
