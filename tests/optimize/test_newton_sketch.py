"""minimize(method='newton-sketch'): optimum against exact Newton / SciPy, counts, failures."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl
import scipy.sparse as sp
from scipy.optimize import minimize as sp_minimize

import numsolve
from numsolve._status import NONFINITE
from numsolve.objectives import BinaryLogistic, LeastSquares, MultinomialLogistic


def logistic_problem(n=3000, d=20, seed=0, spread=2):
    rng = np.random.default_rng(seed)
    sc = np.logspace(-spread, spread, d)
    A = rng.standard_normal((n, d)) * sc
    y = np.sign(A @ (rng.standard_normal(d) / sc) + rng.standard_normal(n))
    return BinaryLogistic(A, y, l2=1.0)


def exact_newton(f, d, iters=50):
    x = np.zeros(d)
    for _ in range(iters):
        g = f.grad(x)
        if np.linalg.norm(g) < 1e-13 * max(1, abs(f(x))):
            break
        x = x - sl.solve(f.hess(x), g, assume_a="pos")
    return x


@pytest.mark.parametrize("solver", ["sketch", "pcg"])
@pytest.mark.parametrize("kind", ["sparse-sign", "srht", "gaussian", "uniform"])
def test_logistic_same_optimum_as_exact_newton(kind, solver):
    f = logistic_problem()
    x_star = exact_newton(f, 20)
    g0 = np.linalg.norm(f.grad(np.zeros(20)))
    res = numsolve.minimize(f, np.zeros(20), method="newton-sketch",
                            options={"sketch": kind, "solver": solver, "grtol": 1e-10,
                                     "gtol": 0.0, "rng": 0})
    assert res.success, res.message
    assert np.linalg.norm(res.jac) <= 1e-10 * g0
    np.testing.assert_allclose(res.x, x_star, rtol=1e-6, atol=1e-8)
    assert res.fun == pytest.approx(f(x_star), rel=1e-12)
    # counts are reported and consistent
    assert res.nit >= 1 and res.nfev >= res.nit + 1 and res.njev == res.nit + 1
    assert res.nsketch == res.nit and res.sketch_size == 80
    assert (res.nhev > 0) == (solver == "pcg")
    # Newton-like iteration counts with PCG (exact Newton needs ~8 here); the pure sketched
    # step converges linearly (rate ~ the sketch's distortion), sub-sampling the slowest
    assert res.nit <= (15 if solver == "pcg" else 100 if kind == "uniform" else 60)


def test_sparse_data_and_scipy_agreement():
    rng = np.random.default_rng(1)
    A = sp.random(4000, 30, density=0.1, random_state=2, format="csr")
    y = np.where(rng.random(4000) < 0.5, -1, 1)
    f = BinaryLogistic(A, y, l2=0.5)
    res = numsolve.minimize(f, np.zeros(30), method="newton-sketch",
                            options={"gtol": 1e-9, "rng": 3})
    ref = sp_minimize(f, np.zeros(30), jac=f.grad, hessp=f.hessp, method="newton-cg",
                      options={"xtol": 1e-12})
    assert res.success
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-6, atol=1e-8)


def test_least_squares_and_multinomial():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((2000, 15))
    b = rng.standard_normal(2000)
    f = LeastSquares(A, b, l2=0.1)
    res = numsolve.minimize(f, np.zeros(15), method="newton-sketch",
                            options={"gtol": 1e-9, "rng": 0})
    np.testing.assert_allclose(res.x, np.linalg.solve(A.T @ A + 0.1 * np.eye(15), A.T @ b),
                               rtol=1e-8)
    m = MultinomialLogistic(A[:600, :5], rng.integers(0, 3, 600), l2=1.0)
    res = numsolve.minimize(m, np.zeros(m.dim), method="newton-sketch",
                            options={"gtol": 1e-8, "rng": 0, "sketch": "gaussian"})
    ref = sp_minimize(m, np.zeros(m.dim), jac=m.grad, hessp=m.hessp, method="trust-ncg",
                      options={"gtol": 1e-9})
    assert res.success
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)


def test_hess_sqrt_option_and_subspace_newton_for_plain_callables():
    f = logistic_problem(n=1500, d=10, spread=0.5)
    x_star = exact_newton(f, 10)
    # plain callables + explicit Hessian square root
    res = numsolve.minimize(lambda x: f(x), np.zeros(10), jac=lambda x: f.grad(x),
                            method="newton-sketch",
                            options={"hess_sqrt": f.hess_sqrt, "hess_shift": 1.0,
                                     "gtol": 1e-9, "rng": 0})
    assert res.success and res.mode == "newton-sketch"
    np.testing.assert_allclose(res.x, x_star, rtol=1e-7, atol=1e-9)
    # plain callables with hessp only: randomized subspace Newton
    res = numsolve.minimize(lambda x: f(x), np.zeros(10), jac=lambda x: f.grad(x),
                            hessp=lambda x, p: f.hessp(x, p), method="newton-sketch",
                            options={"sketch_size": 5, "gtol": 1e-8, "rng": 0})
    assert res.success and res.mode == "subspace-newton", res.message
    np.testing.assert_allclose(res.x, x_star, rtol=1e-6, atol=1e-8)
    assert res.nhev == 5 * res.nit
    # jac=True (fun returns value and gradient) and hess= (dense Hessian)
    res = numsolve.minimize(lambda x: (f(x), f.grad(x)), np.zeros(10), jac=True,
                            hess=lambda x: f.hess(x), method="newton-sketch",
                            options={"sketch_size": 10, "sketch": "uniform", "gtol": 1e-9})
    assert res.success
    np.testing.assert_allclose(res.x, x_star, rtol=1e-7, atol=1e-9)


def test_same_seed_same_run():
    f = logistic_problem(n=1000, d=8)
    r1 = numsolve.minimize(f, np.zeros(8), method="newton-sketch", options={"rng": 5})
    r2 = numsolve.minimize(f, np.zeros(8), method="newton-sketch", options={"rng": 5})
    np.testing.assert_array_equal(r1.x, r2.x)
    assert r1.nit == r2.nit


def test_generic_namespace(backend):
    f_np = logistic_problem(n=800, d=6)
    A, y = f_np.A, f_np.y
    f = BinaryLogistic(backend.asarray(A), backend.asarray(y), l2=1.0)
    for kind in ("sparse-sign", "srht", "gaussian", "uniform"):
        res = numsolve.minimize(f, backend.asarray(np.zeros(6)), method="newton-sketch",
                                options={"gtol": 1e-9, "rng": 0, "sketch": kind})
        assert res.success and backend.same_namespace(res.x)
        np.testing.assert_allclose(backend.to_numpy(res.x), exact_newton(f_np, 6), rtol=1e-7,
                                   atol=1e-9)


def test_nonfinite_values_stop_with_message():
    f = logistic_problem(n=500, d=5)
    calls = {"n": 0}

    def bad_fun(x):
        calls["n"] += 1
        return f(x) if calls["n"] < 3 else np.nan

    res = numsolve.minimize(bad_fun, np.zeros(5), jac=f.grad, method="newton-sketch",
                            options={"hess_sqrt": f.hess_sqrt, "hess_shift": 1.0, "rng": 0,
                                     "gtol": 1e-12})
    assert not res.success and res.status == NONFINITE and "Non-finite" in res.message
    gcalls = {"n": 0}

    def bad_grad(x):
        gcalls["n"] += 1
        g = f.grad(x)
        return g if gcalls["n"] < 2 else g * np.inf

    res = numsolve.minimize(f, np.zeros(5), jac=bad_grad, method="newton-sketch",
                            options={"rng": 0, "gtol": 1e-12})
    assert not res.success and res.status == NONFINITE and "Non-finite" in res.message
    res = numsolve.minimize(lambda x: np.inf, np.zeros(5), jac=f.grad, hessp=f.hessp,
                            method="newton-sketch")
    assert not res.success and res.status == NONFINITE


def test_callback_and_maxiter():
    f = logistic_problem(n=800, d=6)
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.nit)
        raise StopIteration

    res = numsolve.minimize(f, np.zeros(6), method="newton-sketch", callback=cb)
    assert res.status == 99 and seen == [1] and not res.success
    res = numsolve.minimize(f, np.zeros(6), method="newton-sketch",
                            options={"maxiter": 1, "gtol": 0.0, "solver": "sketch"})
    assert res.status == 1 and res.nit == 1 and not res.success


def test_validation():
    f = logistic_problem(n=200, d=5)
    with pytest.raises(ValueError, match="sketch_size=201 is larger than the number of rows"):
        numsolve.minimize(f, np.zeros(5), method="newton-sketch",
                          options={"sketch_size": 201})
    with pytest.raises(ValueError, match="sketch_size must be >= 5"):
        numsolve.minimize(f, np.zeros(5), method="newton-sketch", options={"sketch_size": 4})
    with pytest.raises(ValueError, match="larger than the number of variables"):
        numsolve.minimize(lambda x: f(x), np.zeros(5), jac=f.grad, hessp=f.hessp,
                          method="newton-sketch", options={"sketch_size": 6})
    with pytest.raises(ValueError, match="second-order"):
        numsolve.minimize(lambda x: f(x), np.zeros(5), jac=f.grad, method="newton-sketch")
    with pytest.raises(ValueError, match="gradient"):
        numsolve.minimize(lambda x: f(x), np.zeros(5), hessp=f.hessp, method="newton-sketch")
    with pytest.raises(ValueError, match="does not support bounds"):
        numsolve.minimize(f, np.zeros(5), method="newton-sketch", bounds=[(0, 1)] * 5)
    with pytest.raises(ValueError, match="armijo"):
        numsolve.minimize(f, np.zeros(5), method="newton-sketch", options={"armijo": 0.7})


@pytest.mark.parametrize("option, value, error", [
    ("gtol", -1.0, ValueError), ("grtol", np.nan, ValueError), ("armijo", 0.0, ValueError),
    ("armijo", "0.1", TypeError), ("backtrack", 1.0, ValueError),
    ("max_backtracks", 0, ValueError), ("inner_maxiter", 2.5, TypeError),
    ("hess_shift", -1.0, ValueError), ("solver", "lu", ValueError), ("rng", "seed", TypeError),
])
def test_invalid_options_are_named(option, value, error):
    f = logistic_problem(n=200, d=5)
    with pytest.raises(error, match=option):
        numsolve.minimize(f, np.zeros(5), method="newton-sketch", options={option: value})


def test_sketch_size_checked_only_when_a_step_is_taken():
    # the sketch size is validated against N at the first iteration: a start point that
    # already meets the tolerance returns without drawing a sketch
    f = logistic_problem(n=200, d=5)
    res = numsolve.minimize(f, np.zeros(5), method="newton-sketch",
                            options={"gtol": 1e9, "sketch_size": 1000})
    assert res.success and res.nit == 0 and res.sketch_size is None and res.nsketch == 0


def test_generator_rng_advances_between_runs():
    f = logistic_problem(n=600, d=6)
    gen = np.random.default_rng(11)
    r1 = numsolve.minimize(f, np.zeros(6), method="newton-sketch",
                           options={"rng": gen, "solver": "sketch", "maxiter": 2, "gtol": 0.0})
    r2 = numsolve.minimize(f, np.zeros(6), method="newton-sketch",
                           options={"rng": gen, "solver": "sketch", "maxiter": 2, "gtol": 0.0})
    r3 = numsolve.minimize(f, np.zeros(6), method="newton-sketch",
                           options={"rng": 11, "solver": "sketch", "maxiter": 2, "gtol": 0.0})
    np.testing.assert_array_equal(r1.x, r3.x)
    assert not np.array_equal(r1.x, r2.x)
