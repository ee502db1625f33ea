"""group_dro: the operator against finite differences of the saddle function, the batches
against the full operator, monotonicity and the Lipschitz bounds on random pairs, and the
solutions of solve_monotone against the reference solve (L-BFGS on the max-over-q primal).

Tolerance of the solution checks: F is m-strongly monotone with m = min(lam, mu) and
L_F-Lipschitz, so the natural-map residual r = ||u - P(u - F(u))|| bounds the distance to the
solution, ||u - u*|| <= (1 + L_F) r / m (the error bound of strongly monotone variational
inequalities; L_F = the operator's upper bound)."""

import numpy as np
import pytest

from numsolve.monotone import Simplex
from numsolve.problems import group_dro


def _saddle(p, u, i=None):
    """f(x, q) = sum_k q_k L_k(x) + lam |x|^2/2 - mu |q - 1/K|^2/2 (or component f_i)."""
    F = p.operator
    X, y, g = p.info["X"], p.info["y"], p.info["groups"]
    K, n = F.n_groups, F.n_components
    x, q = p.split(u)
    loss = np.log1p(np.exp(-y * (X @ x)))
    if i is None:
        data = sum(q[k] * loss[g == k].mean() for k in range(K))
    else:
        data = n / np.sum(g == g[i]) * q[g[i]] * loss[i]
    return data + 0.5 * F.lam * x @ x - 0.5 * F.mu * np.sum((q - 1.0 / K) ** 2)


def _point(p, rng):
    d = p.dim_x
    return np.concatenate([rng.standard_normal(d), Simplex()(rng.random(p.x0.size - d))])


def _fd(p, u, i=None, h=1e-6):
    g = np.zeros_like(u)
    for j in range(u.size):
        e = np.zeros_like(u)
        e[j] = h
        g[j] = (_saddle(p, u + e, i) - _saddle(p, u - e, i)) / (2 * h)
    g[p.dim_x:] *= -1.0  # F = (grad_x f, -grad_q f)
    return g


def test_operator_is_the_saddle_gradient():
    p = group_dro(60, n_groups=3, dim=5, lam=0.05, mu=0.2, reference=False, rng=1)
    rng = np.random.default_rng(0)
    for _ in range(3):
        u = _point(p, rng)
        np.testing.assert_allclose(p.operator.full(u), _fd(p, u), atol=1e-7)
        for i in (0, 17, 59):
            np.testing.assert_allclose(p.operator.batch(np.array([i]), u), _fd(p, u, i),
                                       atol=1e-6)


def test_batches_average_to_full():
    p = group_dro(90, n_groups=4, dim=6, reference=False, rng=2)
    F = p.operator
    rng = np.random.default_rng(1)
    u, v = _point(p, rng), _point(p, rng)
    parts = np.array_split(rng.permutation(90), 5)
    mean = sum(len(s) * F.batch(s, u) for s in parts) / 90
    np.testing.assert_allclose(mean, F.full(u), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(F.batch(np.arange(90), u), F.full(u), rtol=1e-12, atol=1e-14)
    s = parts[0]
    np.testing.assert_allclose(F.batch_diff(s, u, v), F.batch(s, u) - F.batch(s, v),
                               rtol=1e-12, atol=1e-12)


def test_strongly_monotone_and_lipschitz_bounds_on_random_pairs():
    p = group_dro(200, n_groups=4, dim=8, lam=0.03, mu=0.07, noise=1.0, reference=False)
    F = p.operator
    n, m = F.n_components, 0.03
    rng = np.random.default_rng(3)
    for _ in range(50):
        u, v = _point(p, rng), _point(p, rng)
        if rng.random() < 0.5:  # also nearby pairs
            v = u + 1e-3 * (v - u)
        du, dF = u - v, F.full(u) - F.full(v)
        assert du @ dF >= m * (du @ du) * (1 - 1e-9)
        assert np.linalg.norm(dF) <= F.lipschitz_full * np.linalg.norm(du)
        comp = [np.sum(F.batch_diff(np.array([i]), u, v) ** 2) for i in range(n)]
        assert np.mean(comp) <= F.lipschitz ** 2 * (du @ du)


def test_reference_satisfies_kkt():
    p = group_dro(300, lam=0.05, mu=0.05, rng=4)
    F, u = p.operator, p.solution
    x, q = p.split(u)
    assert np.linalg.norm(u - p.prox(u - F.full(u))) < 1e-8
    np.testing.assert_allclose(q, F.best_q(x), atol=1e-12)
    L, G = F.group_losses(x)
    assert np.linalg.norm(G @ q + F.lam * x) < 1e-8  # stationarity in x
    assert abs(q.sum() - 1) < 1e-12 and q.min() >= 0


@pytest.mark.parametrize("method, eta, atol", [("eg", 1.0, 1e-9), ("halpern", 2.0, 1e-4),
                                                ("vr-halpern", 2.0, 1e-4)])
def test_solve_monotone_matches_reference(method, eta, atol):
    p = group_dro(200, lam=0.1, mu=0.1, rng=5)
    F = p.operator
    res = p.solve(method, atol=atol, rtol=0.0, rng=0, max_evals=10**7,
                  options={"eta": eta})
    assert res.success, res.message
    assert res.residual <= atol
    bound = (1 + F.lipschitz_full) * res.residual / 0.1
    assert np.linalg.norm(res.x - p.solution) <= bound + 1e-8
    if method == "eg":
        assert np.linalg.norm(res.x - p.solution) < 1e-6


def test_components_are_whole_operators():
    """The sampled mean-square component quotient is a small multiple of ||dF|| (not ~sqrt(n)
    as for row/column slices); it does not grow with n."""
    ratios = []
    for n in (200, 800):
        p = group_dro(n, reference=False, rng=0)
        F = p.operator
        rng = np.random.default_rng(0)
        u = _point(p, rng)
        v = u + 1e-4 * rng.standard_normal(u.size)
        comp = np.mean([np.sum(F.batch_diff(np.array([i]), u, v) ** 2) for i in range(n)])
        ratios.append(np.sqrt(comp) / np.linalg.norm(F.full(u) - F.full(v)))
    assert max(ratios) < 6 and ratios[1] < 1.5 * ratios[0]


def test_reproducible_and_validated():
    a = group_dro(40, reference=False, rng=3)
    b = group_dro(40, reference=False, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.info["X"], b.info["X"])
    assert np.bincount(a.info["groups"]).tolist() == [10, 10, 10, 10]
    for kw, name in ((dict(n=7), "n"), (dict(n_groups=1), "n_groups"), (dict(dim=0), "dim"),
                     (dict(lam=0.0), "lam"), (dict(mu=-1.0), "mu"), (dict(noise=-1.0), "noise"),
                     (dict(overlap=1.5), "overlap")):
        with pytest.raises(ValueError, match=name):
            group_dro(**{"n": 40, **kw}, reference=False)
    with pytest.raises(TypeError, match="rng"):
        group_dro(40, reference=False, rng="seed")
