"""solve_monotone: known solutions, the Halpern certificate, the LP value of a matrix game,
the DRO reference solve, reproducibility, backends, callbacks and bad input.

Tolerances: on a mu-strongly monotone problem ||u - u*|| <= ||F(u)|| / mu, so a run stopped at
residual r is within r/mu of the closed-form solution; for the matrix game the gap of
u_hat = P(u - F(u)) is at most (1 + L_F) * Res(u) * diam (diam = 2 for two simplices)."""

import warnings

import numpy as np
import pytest
from scipy.optimize import OptimizeWarning

import numsolve
from numsolve import Status
from numsolve.monotone import MONOTONE_METHODS, Box, FiniteSumOperator, solve_monotone
from numsolve.problems import (
    dro_logistic,
    hard_qp,
    matrix_game,
    normalized_matrix_game,
    quadratic_minimax,
)

METHODS = ["vr-halpern", "vr-inexact-halpern", "halpern", "eg", "eag"]


@pytest.mark.parametrize("method", METHODS)
def test_strongly_monotone_closed_form(method):
    """Anchored methods converge as O(1/k) even here (the anchor's weight), so they get a
    looser rtol than EG (linear on strongly monotone problems)."""
    p = quadratic_minimax(10, 4, 3, mu=1.0, rng=0)
    rtol = 1e-9 if method == "eg" else 1e-3
    res = p.solve(method, rtol=rtol, rng=0, max_evals=200_000)
    assert res.success, res.message
    mu = 1.0
    assert res.residual <= rtol * res.residual_history[0] * (1 + 1e-12)
    assert np.linalg.norm(res.x - p.solution) <= res.residual / mu * (1 + 1e-9)
    assert res.n_component_evals >= res.evals_history[-1] > 0
    assert res.method == method and res.backend == "numpy"


def test_halpern_pep_certificate():
    """||u_N - T u_N|| <= 2 ||u0 - u*|| / (N + 1) for T = J(I - F/L) nonexpansive."""
    rng = np.random.default_rng(0)
    Q = rng.standard_normal((8, 8))
    M = Q @ Q.T / 8  # symmetric PSD: 1/||M||-cocoercive
    q = rng.standard_normal(8)
    F = FiniteSumOperator.from_matrix(M, q)
    box = Box(-0.5, 0.5)
    L = np.linalg.norm(M, 2)
    x0 = np.zeros(8)
    star = solve_monotone(F, x0, "eg", box, rtol=1e-14, max_evals=10**7).x
    for N in (5, 50, 500):
        u = solve_monotone(F, x0, "halpern", box, maxiter=N, rtol=0.0,
                           options={"eta": 1 / L}).x
        Tu = box(u - (M @ u + q) / L)
        assert np.linalg.norm(u - Tu) <= 2 * np.linalg.norm(x0 - star) / (N + 1) + 1e-9


@pytest.mark.parametrize("method", ["eg", "vr-halpern"])
def test_matrix_game_agrees_with_linprog(method):
    """The bounds hold at any accuracy; the run is short, so the gap is ~1e-3."""
    p = matrix_game(40, rng=3)
    res = p.solve(method, rtol=1e-6, rng=0, max_evals=40 * 1000)
    assert res.residual < 0.05 * res.residual_history[0]
    u = res.x
    u_hat = p.prox(u - p.operator.full(u))
    gap = p.gap(u_hat)
    assert 0 <= gap <= (1 + p.operator.lipschitz_full) * res.residual * 2
    value, _ = p.lp_value()
    A = p.info["A"]
    x, y = p.split(u_hat)
    assert np.min(A.T @ y) - 1e-12 <= value <= np.max(A @ x) + 1e-12
    assert abs(np.max(A @ x) - value) <= gap + 1e-12



def test_normalized_matrix_game_is_monotone_and_matches_linprog():
    """||A||_F = 1, the same A as matrix_game up to that scale; F is monotone (skew:
    <F(u) - F(v), u - v> = 0; the row/column components alone are not); Halpern and
    VR-Halpern with the problem's steps reach the absolute residual 1e-5, and
    u_hat = P(u - F(u)) brackets the LP value (HiGHS) within its gap and is close to the LP's
    (here unique) optimal x."""
    n = 30
    p = normalized_matrix_game(n, rng=3)
    A, F = p.info["A"], p.operator
    assert np.linalg.norm(A) == pytest.approx(1.0, rel=1e-14)
    np.testing.assert_allclose(A * p.info["scale"], matrix_game(n, rng=3).info["A"],
                               rtol=1e-13)
    rng = np.random.default_rng(0)
    for _ in range(5):
        u, v = rng.random(2 * n), rng.random(2 * n)
        assert abs((F.full(u) - F.full(v)) @ (u - v)) <= 1e-12
    value, x_lp = p.lp_value()
    for method in ("halpern", "vr-halpern"):
        res = p.solve(method, atol=1e-5, rtol=0.0, rng=0, max_evals=n * 10**5)
        assert res.success and res.residual <= 1e-5, res.message
        u_hat = p.prox(res.x - F.full(res.x))
        gap = p.gap(u_hat)
        assert 0 <= gap <= (1 + F.lipschitz_full) * res.residual * 2
        x, y = p.split(u_hat)
        assert np.min(A.T @ y) - 1e-12 <= value <= np.max(A @ x) + 1e-12
        assert np.abs(x - x_lp).max() <= 1e-3

def test_eag_certificate_on_hard_qp():
    """EAG-C (eta = 1/(8 L_F)): ||F(u_k)|| <= 2 ||u0 - u*|| / (eta (k + 1)) (Yoon & Ryu 2021,
    Thm. 1); the default step is that constant."""
    p = hard_qp(20)
    assert np.linalg.norm(p.operator.full(p.solution)) < 1e-12
    eta = 1 / (8 * p.operator.lipschitz_full)
    d0 = np.linalg.norm(p.x0 - p.solution)
    for K in (10, 100, 1000):
        res = solve_monotone(p.operator, p.x0, "eag", maxiter=K, rtol=0.0)
        assert res.eta == pytest.approx(eta)
        assert res.residual <= 2 * d0 / (eta * (K + 1))


def test_dro_logistic_matches_reference():
    """lam-strong monotonicity in theta: with u_hat = P(u - F(u)), r = Res(u) and the ball
    radius rb, lam t^2 <= (1 + L_F) r (t + 2 rb) for t = ||theta_hat - theta*||."""
    p = dro_logistic("iris", rho=1.0, lam=0.1)
    F = p.operator
    res = p.solve("eg", rtol=1e-5, max_evals=10**7, options={"eta": 0.5 / F.lipschitz_full})
    assert res.success, res.message
    u_hat = p.prox(res.x - F.full(res.x))
    t = np.linalg.norm(p.split(u_hat)[0] - p.split(p.solution)[0])
    c = (1 + F.lipschitz_full) * res.residual
    assert 0.1 * t * t <= c * (t + 2 * p.info["radius"]) * (1 + 1e-9)


def test_same_seed_same_iterates():
    p = matrix_game(30, rng=0)
    a = p.solve("vr-halpern", max_evals=30 * 50, rng=5, rtol=0.0)
    b = p.solve("vr-halpern", max_evals=30 * 50, rng=5, rtol=0.0)
    c = p.solve("vr-halpern", max_evals=30 * 50, rng=6, rtol=0.0)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.residual_history, b.residual_history)
    assert not np.array_equal(a.x, c.x)
    d = p.solve("vr-inexact-halpern", max_evals=30 * 20, rng=np.random.default_rng(1))
    e = p.solve("vr-inexact-halpern", max_evals=30 * 20, rng=np.random.default_rng(1))
    assert np.array_equal(d.x, e.x)


@pytest.mark.parametrize("method", METHODS)
def test_array_api_strict_same_iterates(method):
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(4)
    A = rng.random((12, 10))
    from numsolve.monotone import Product, Simplex

    prox = Product([(10, Simplex()), (12, Simplex())])
    u0 = np.concatenate([np.full(10, 0.1), np.full(12, 1 / 12)])
    kw = dict(method=method, prox=prox, max_evals=12 * 40, rng=2, rtol=0.0)
    host = solve_monotone(FiniteSumOperator.bilinear(A), u0, **kw)
    dev = solve_monotone(FiniteSumOperator.bilinear(xps.asarray(A)), xps.asarray(u0), **kw)
    assert type(dev.x).__module__.startswith("array_api_strict")
    assert dev.backend == "array_api_strict"
    np.testing.assert_allclose(np.asarray(dev.x), host.x, rtol=1e-10, atol=1e-12)
    assert dev.n_component_evals == host.n_component_evals


def test_matrix_sparse_and_strict_from_matrix():
    xps = pytest.importorskip("array_api_strict")
    p = hard_qp(12)
    M, q = p.info["M"], p.info["q"]
    groups = np.concatenate([np.arange(12), np.arange(12)])
    kw = dict(method="vr-halpern", max_evals=24 * 100, rng=1, rtol=0.0, options={"eta": 0.3})
    host = solve_monotone(p.operator, np.zeros(24), **kw)
    import scipy.sparse as sp

    sparse = solve_monotone(FiniteSumOperator.from_matrix(sp.csr_matrix(M), q, groups=groups),
                            np.zeros(24), **kw)
    strict = solve_monotone(FiniteSumOperator.from_matrix(xps.asarray(M), xps.asarray(q),
                                                          groups=groups),
                            xps.zeros(24, dtype=xps.float64), **kw)
    np.testing.assert_allclose(sparse.x, host.x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(strict.x), host.x, rtol=1e-10, atol=1e-12)


def test_unknown_lipschitz_estimated_with_backtracking():
    """A monotone nonlinear operator without constants: u + u^3 - b is steeper away from
    x0 = 0 than at it, so the estimate must grow; the solution solves u + u^3 = b."""
    bs = np.linspace(1.0, 3.0, 5)
    funcs = [lambda u, b=b: u + u ** 3 - b for b in bs]
    F = FiniteSumOperator.from_callables(funcs, dim=1)
    for method, rtol in (("eg", 1e-8), ("halpern", 1e-3), ("vr-halpern", 1e-3)):
        res = solve_monotone(F, np.zeros(1), method, rtol=rtol, rng=0, max_evals=10**5)
        assert res.success, (method, res.message)
        u = res.x[0]
        assert abs(u + u ** 3 - bs.mean()) <= res.residual * (1 + 1e-9)  # F' >= 1
    res = solve_monotone(F, np.zeros(1), "eg", rtol=1e-8, rng=0)
    assert res.lipschitz_full > 3.0  # |F'(u*)| = 1 + 3 u*^2 with u* ~ 1.21


def test_callback_and_stop():
    p = quadratic_minimax(10, 3, 3)
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.n_component_evals)
        if intermediate_result.nit == 3:
            raise StopIteration

    res = p.solve("eg", callback=cb)
    assert res.status == Status.CALLBACK_STOP and not res.success and len(seen) == 3
    xs = []
    p.solve("halpern", callback=lambda xk: xs.append(xk.copy()), maxiter=4)
    assert len(xs) == 4 and xs[0].shape == (6,)


def test_minimax_front_end():
    p = quadratic_minimax(8, 2, 3, rng=1)
    F = p.operator
    res = numsolve.minimax(F.grad_x, F.grad_y, np.zeros(2), np.zeros(3), n_components=8,
                           method="eg", rtol=1e-9, lipschitz=F.lipschitz,
                           lipschitz_full=F.lipschitz_full)
    assert res.success
    np.testing.assert_allclose(np.concatenate([res.x, res.y]), p.solution, atol=1e-7)


def test_registry_and_docs():
    assert MONOTONE_METHODS.names() == sorted(METHODS)
    for m in METHODS:
        assert f"``'{m}'``" in solve_monotone.__doc__


# -- bad input --------------------------------------------------------------------------------
def test_non_monotone_operator_is_detected():
    rng = np.random.default_rng(0)
    M = -np.eye(4) + 0.1 * rng.standard_normal((4, 4))  # <Mu, u> < 0: not monotone
    F = FiniteSumOperator.from_matrix(M, np.ones(4))
    for method in METHODS:
        res = solve_monotone(F, np.zeros(4), method, rng=0, max_evals=10**6)
        assert not res.success and res.status == Status.DIVERGED, (method, res.message)
        assert "not monotone" in res.message, (method, res.message)


def test_bad_inputs():
    A = np.random.default_rng(0).random((5, 5))
    F = FiniteSumOperator.bilinear(A)
    u0 = np.full(10, 0.2)
    u0_copy = u0.copy()
    with pytest.raises(ValueError, match="x0 must have shape"):
        solve_monotone(F, np.ones(9))
    with pytest.raises(ValueError, match="x0 contains NaN"):
        solve_monotone(F, np.full(10, np.nan))
    with pytest.raises(TypeError, match="FiniteSumOperator"):
        solve_monotone(lambda u: u, u0)
    with pytest.raises(ValueError, match="prox returned an array of shape"):
        solve_monotone(F, u0, prox=lambda v: v[:3])
    with pytest.raises(ValueError, match="prox returned NaN"):
        solve_monotone(F, u0, prox=lambda v: v * np.nan)
    with pytest.raises(TypeError, match="prox must be None or a callable"):
        solve_monotone(F, u0, prox=3)
    bad = FiniteSumOperator.from_callables([lambda u: u[:2]], dim=10)
    with pytest.raises(ValueError, match="F.full returned an array of shape"):
        solve_monotone(bad, u0)
    with pytest.raises(ValueError, match="n_components"):
        FiniteSumOperator.from_callables([], dim=2)
    with pytest.raises(ValueError, match="n_components"):
        FiniteSumOperator(0, 3)
    with pytest.raises(ValueError, match="n_components"):
        FiniteSumOperator.from_matrix(np.eye(3), n_components=0)
    with pytest.raises(ValueError, match="square"):
        FiniteSumOperator.from_matrix(np.ones((3, 4)))
    with pytest.raises(ValueError, match="unknown method"):
        solve_monotone(F, u0, method="nope")
    with pytest.raises(ValueError, match="eta"):
        solve_monotone(F, u0, method="eg", options={"eta": -1.0})
    with pytest.raises(ValueError, match="rtol"):
        solve_monotone(F, u0, rtol=-1)
    with pytest.raises(ValueError, match="max_evals"):
        solve_monotone(F, u0, max_evals=0)
    with pytest.raises(ValueError, match="batch_size"):
        solve_monotone(F, u0, options={"batch_size": 50})
    with pytest.raises(ValueError, match="anchoring"):
        solve_monotone(F, u0, method="halpern", options={"anchoring": "inside"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(OptimizeWarning, match="Unknown solver options: bogus"):
            solve_monotone(F, u0, options={"bogus": 1})
    assert np.array_equal(u0, u0_copy)


def test_prox_nan_later_is_nonfinite():
    calls = {"n": 0}

    def prox(v, eta):
        calls["n"] += 1
        return v if calls["n"] < 5 else v * np.nan

    F = FiniteSumOperator.from_matrix(np.eye(3))
    res = solve_monotone(F, np.ones(3), "eg", prox=prox)
    assert not res.success and res.status == Status.NONFINITE
    assert "NaN" in res.message


@pytest.mark.parametrize("method", ["vr-halpern", "eg"])
def test_backends_same_iterates(backend, method):
    """NumPy, array_api_strict and CuPy (skipped without CUDA): same seed, same iterates, the
    result in the input's namespace; sparse input where the backend has sparse matrices."""
    import scipy.sparse as sp

    from numsolve.monotone import Product, Simplex

    A = np.random.default_rng(5).random((16, 12))
    u0 = np.concatenate([np.full(12, 1 / 12), np.full(16, 1 / 16)])
    prox = Product([(12, Simplex()), (16, Simplex())])
    kw = dict(method=method, prox=prox, max_evals=16 * 30, rng=4, rtol=0.0)
    ref = solve_monotone(FiniteSumOperator.bilinear(A), u0, **kw)
    out = solve_monotone(FiniteSumOperator.bilinear(backend.asarray(A)), backend.asarray(u0),
                         **kw)
    assert backend.same_namespace(out.x)
    np.testing.assert_allclose(backend.to_numpy(out.x), ref.x, rtol=1e-10, atol=1e-12)
    As = backend.sparse(sp.csr_matrix(A))
    if As is not None:
        outs = solve_monotone(FiniteSumOperator.bilinear(As), backend.asarray(u0), **kw)
        assert backend.same_namespace(outs.x)
        np.testing.assert_allclose(backend.to_numpy(outs.x), ref.x, rtol=1e-10, atol=1e-12)


def test_minimax_matrix_game_with_simplices():
    """minimax with prox_x/prox_y on a bilinear game: the value brackets the LP value."""
    from numsolve.monotone import Simplex

    p = matrix_game(20, rng=2)
    A = p.info["A"]

    def gx(x, y, idx):  # mean over idx of n A[i, :] y_i
        return A[idx].T @ y[idx] * (20 / len(idx))

    def gy(x, y, idx):
        return A[:, idx] @ x[idx] * (20 / len(idx))

    res = numsolve.minimax(gx, gy, np.full(20, 0.05), np.full(20, 0.05), n_components=20,
                           prox_x=Simplex(), prox_y=Simplex(), method="eg", rtol=1e-2,
                           lipschitz_full=np.linalg.norm(A, 2), lipschitz=20 * 20.0,
                           max_evals=10**6)
    assert res.success, res.message
    value, _ = p.lp_value()
    u = np.concatenate([res.x, res.y])
    assert np.min(A.T @ res.y) - 1e-12 <= value <= np.max(A @ res.x) + 1e-12
    assert p.gap(u) <= (1 + np.linalg.norm(A, 2)) * res.residual * 2 + 1e-3


def test_vr_inexact_backtracks_unknown_lipschitz():
    bs = np.linspace(1.0, 3.0, 5)
    F = FiniteSumOperator.from_callables([lambda u, b=b: u + u ** 3 - b for b in bs], dim=1)
    res = solve_monotone(F, np.zeros(1), "vr-inexact-halpern", rtol=1e-3, rng=0,
                         max_evals=2 * 10**5)
    assert res.success, res.message
    assert abs(res.x[0] + res.x[0] ** 3 - bs.mean()) <= res.residual * (1 + 1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_start_at_the_solution(method):
    F = FiniteSumOperator.from_matrix(np.eye(3), -np.ones(3))
    res = solve_monotone(F, np.ones(3), method, rng=0)
    assert res.success and res.nit == 0 and res.residual == 0.0
    assert res.n_component_evals == F.n_components  # F(x0) only
