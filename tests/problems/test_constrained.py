"""Equality-constrained test problems: derivatives against finite differences, known optima."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from numsolve.problems import (
    HS_PROBLEMS,
    constrained_logistic,
    hock_schittkowski,
    poisson_control,
)


def _fd(f, x, h=1e-7):
    return approx_fprime(x, f, h)


@pytest.mark.parametrize("name", HS_PROBLEMS)
def test_hs_derivatives_match_finite_differences(name):
    p = hock_schittkowski(name)
    rng = np.random.default_rng(0)
    x = p.x0 + 0.3 * rng.standard_normal(p.n)
    v = rng.standard_normal(p.m)
    scale = 1 + np.abs(p.jac(x)).max()
    np.testing.assert_allclose(p.jac(x), _fd(p.fun, x), atol=1e-5 * scale)
    H_fd = np.array([_fd(lambda y, i=i: p.jac(y)[i], x) for i in range(p.n)])
    np.testing.assert_allclose(p.hess(x), H_fd, atol=1e-4 * (1 + np.abs(H_fd).max()))
    J_fd = np.array([_fd(lambda y, i=i: p.cons(y)[i], x) for i in range(p.m)])
    np.testing.assert_allclose(p.cons_jac(x), J_fd, atol=1e-5 * (1 + np.abs(J_fd).max()))
    Hc_fd = np.array([_fd(lambda y, i=i: (p.cons_jac(y).T @ v)[i], x) for i in range(p.n)])
    np.testing.assert_allclose(p.cons_hess(x, v), Hc_fd, atol=1e-4 * (1 + np.abs(Hc_fd).max()))
    assert p.x0.shape == (p.n,) and p.cons(x).shape == (p.m,)


@pytest.mark.parametrize("name", [n for n in HS_PROBLEMS if hock_schittkowski(n).x_star
                                  is not None])
def test_hs_known_minimisers_are_feasible_with_known_value(name):
    p = hock_schittkowski(name)
    np.testing.assert_allclose(p.cons(p.x_star), 0.0, atol=1e-12)
    assert p.fun(p.x_star) == pytest.approx(p.f_star, abs=1e-12)


def test_hs_unknown_name():
    with pytest.raises(ValueError, match="hs6"):
        hock_schittkowski("hs999")


def test_poisson_control_solution_satisfies_kkt():
    p = poisson_control(10)
    assert (p.n, p.m) == (200, 100)
    x, v = p.info["solution"]()
    assert p.kkt_residual(x, v) <= 1e-9
    rng = np.random.default_rng(1)
    y = rng.standard_normal(p.n)
    np.testing.assert_allclose(p.jac(y), _fd(p.fun, y), atol=1e-4)
    with pytest.raises(ValueError, match="N"):
        poisson_control(0)


def test_constrained_logistic_derivatives():
    p = constrained_logistic("breast_cancer", rng=3)
    assert (p.n, p.m) == (30, 11)
    x = np.random.default_rng(0).standard_normal(p.n) * 0.1
    np.testing.assert_allclose(p.jac(x), _fd(p.fun, x), atol=1e-6)
    H_fd = np.array([_fd(lambda y, i=i: p.jac(y)[i], x) for i in range(p.n)])
    np.testing.assert_allclose(p.hess(x), H_fd, atol=1e-5)
    # same seed, same constraints
    q = constrained_logistic("breast_cancer", rng=3)
    np.testing.assert_array_equal(p.cons(x), q.cons(x))
    with pytest.raises(ValueError, match="n_linear"):
        constrained_logistic("iris")  # d = 4 < 10 linear constraints
    # wine (d = 13): 10 random constraints leave the unit sphere (nearest point ~6.2 away)
    with pytest.raises(ValueError, match="infeasible.*n_linear"):
        constrained_logistic("wine")
    w = constrained_logistic("wine", n_linear=5)
    x = np.linalg.lstsq(np.vstack([w.cons_jac(np.zeros(w.n))[:-1]]), -w.cons(np.zeros(w.n))[:-1],
                        rcond=None)[0]
    assert np.linalg.norm(x) == pytest.approx(w.info["min_norm"]) and w.info["min_norm"] <= 1
    Z = np.ones((5, 3))
    with pytest.raises(ValueError, match="labels"):
        constrained_logistic((Z, np.arange(5.0)), n_linear=1)


def test_hs_problem_table():
    assert HS_PROBLEMS == ("hs6", "hs7", "hs9", "hs26", "hs27", "hs28", "hs40", "hs42", "hs47",
                           "hs48", "hs49", "hs50", "hs51", "hs52", "hs56", "hs77")
    for name in HS_PROBLEMS:
        p = hock_schittkowski(name.upper())
        assert p.name == name.upper() and p.x0.shape == (p.n,)
        assert p.constraints.lb.shape == (p.m,)
    # each call builds a fresh problem (callers may change x0 in place)
    assert hock_schittkowski("hs-28").x0 is not hock_schittkowski("hs28").x0
