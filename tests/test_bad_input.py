"""Bad input at the front doors, tried as a new user would (issue #13, item 6).

Each case either raises a ``ValueError``/``TypeError`` naming the argument, or returns a result
whose ``success`` is truthful. The explicit cases come first (each failed on the code before the
house refactor); the property-based tests at the end drive every entry point and every
registered method with malformed inputs and check: no hang, no mutation of the inputs, either
a documented exception or a truthful ``success``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import NonlinearConstraint, rosen, rosen_der, rosen_hess_prod

import numsolve
from numsolve._status import CONVERGED, NONFINITE
from numsolve.linalg import LSTSQ_METHODS, SOLVE_BATCH_METHODS, SOLVE_METHODS
from numsolve.problems import poisson2d

A16 = poisson2d(4).toarray()  # SPD, n = 16, cond ~ 10
B16 = np.arange(1.0, 17.0)


# --------------------------------------------------------------------------------------------
# solve / solve_batch: the shared front door, for every method
# --------------------------------------------------------------------------------------------
BAD_SOLVE_ARGS = [
    ({"x0": np.full(16, np.nan)}, ValueError, "x0 contains NaN"),
    ({"x0": np.ones(3)}, ValueError, "x0 has shape"),
    ({"maxiter": -3}, ValueError, "maxiter"),
    ({"maxiter": 2.5}, TypeError, "maxiter"),
    ({"rtol": -1.0}, ValueError, "rtol"),
    ({"rtol": np.nan}, ValueError, "rtol"),
    ({"rtol": "tight"}, TypeError, "rtol"),
    ({"atol": -1.0}, ValueError, "atol"),
    ({"M": np.eye(3)}, ValueError, "M must have shape"),
]


@pytest.mark.parametrize("method", [m.name for m in SOLVE_METHODS.methods()])
@pytest.mark.parametrize("kwargs, exc, match", BAD_SOLVE_ARGS)
def test_solve_front_door_checks_every_method(method, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        numsolve.solve(A16, B16, method=method, **kwargs)


@pytest.mark.parametrize("method", [m.name for m in SOLVE_BATCH_METHODS.methods()])
@pytest.mark.parametrize("kwargs, exc, match", [
    ({"X0": np.full((16, 2), np.nan)}, ValueError, "X0 contains NaN"),
    ({"X0": np.ones((16, 3))}, ValueError, "X0 has shape"),
    ({"maxiter": -3}, ValueError, "maxiter"),
    ({"rtol": -1.0}, ValueError, "rtol"),
    ({"atol": np.inf}, ValueError, "atol"),
    ({"M": np.eye(3)}, ValueError, "M must have shape"),
])
def test_solve_batch_front_door_checks_every_method(method, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        numsolve.solve_batch(A16, np.ones((16, 2)), method=method, **kwargs)


@pytest.mark.parametrize("method", [m.name for m in SOLVE_METHODS.methods() if m.name != "dcdm"])
def test_lists_work_for_every_method(method):
    opts = {"rng": 0} if method == "sketch-project" else {}
    res = numsolve.solve(A16.tolist(), B16.tolist(), method=method, rtol=1e-8,
                         maxiter=100_000, options=opts)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, np.linalg.solve(A16, B16), rtol=1e-6)


def test_lstsq_front_door():
    A = np.random.default_rng(0).standard_normal((50, 4))
    b = np.ones(50)
    for kwargs, exc in [({"x0": np.ones(3)}, ValueError), ({"x0": np.full(4, np.inf)}, ValueError),
                        ({"rtol": -1}, ValueError), ({"maxiter": 0}, ValueError)]:
        with pytest.raises(exc):
            numsolve.lstsq(A, b, **kwargs)


# --------------------------------------------------------------------------------------------
# minimize: what every method shares
# --------------------------------------------------------------------------------------------
def _sphere_constraint():
    return NonlinearConstraint(lambda x: x @ x, 1.0, 1.0, jac=lambda x: 2 * x[None, :],
                               hess=lambda x, v: 2 * v[0] * np.eye(x.size))


@pytest.mark.parametrize("method, extra", [
    ("newton-sketch", {"hessp": rosen_hess_prod}),
    ("auglag", {"hess": lambda x: np.eye(3), "constraints": None}),
    ("scipy:bfgs", {}),
    ("scipy:trust-constr", {}),
])
def test_wrong_length_gradient_names_jac(method, extra):
    if "constraints" in extra:
        extra = {**extra, "constraints": _sphere_constraint()}
    with pytest.raises(ValueError, match=r"jac returned a gradient of shape \(2,\)"):
        numsolve.minimize(rosen, np.full(3, 0.5), jac=lambda x: rosen_der(x)[:-1],
                          method=method, **extra)


def test_wrong_length_gradient_with_jac_true():
    def fun(x):
        return rosen(x), rosen_der(x)[:2]

    with pytest.raises(ValueError, match="fun \\(with jac=True\\)"):
        numsolve.minimize(fun, np.full(3, 0.5), jac=True, method="scipy:bfgs")


@pytest.mark.parametrize("method", ["newton-sketch", "auglag", "scipy:slsqp", "scipy:bfgs"])
def test_empty_x0_is_rejected(method):
    with pytest.raises(ValueError, match="x0 must not be empty"):
        numsolve.minimize(lambda x: 0.0, np.array([]), jac=lambda x: x, method=method)


@pytest.mark.parametrize("tol", [-1.0, np.nan, np.inf])
def test_negative_tol_rejected(tol):
    with pytest.raises(ValueError, match="tol"):
        numsolve.minimize(rosen, np.ones(3), method="scipy:bfgs", tol=tol)


def test_float32_x0_with_slsqp():
    res = numsolve.minimize(rosen, np.full(3, 0.5, dtype=np.float32), jac=rosen_der,
                            method="scipy:slsqp")
    assert res.success and np.allclose(res.x, 1.0, atol=1e-3)


def test_non_finite_result_of_scipy_is_a_failure():
    # Powell "succeeds" at fun = -inf on this function (SciPy 1.17)
    def f(x):
        return -np.inf if x[0] > 0.7 else rosen(x)

    res = numsolve.minimize(f, np.full(3, 0.5), method="scipy:powell")
    assert not res.success and res.status == NONFINITE
    assert "Non-finite" in res.message


# --------------------------------------------------------------------------------------------
# property-based: every entry point, every method, malformed inputs
# --------------------------------------------------------------------------------------------
def _snapshot(*objs):
    out = []
    for o in objs:
        if sp.issparse(o):
            out.append(("sp", o.toarray().copy()))
        elif isinstance(o, np.ndarray):
            out.append(("np", o.copy()))
        else:
            out.append(("other", None))
    return out


def _unchanged(before, objs):
    for (kind, arr), o in zip(before, objs, strict=True):
        if kind == "other":
            continue
        now = o.toarray() if kind == "sp" else o
        numeric = arr.dtype.kind in "biufc"
        if arr.shape != now.shape or not np.array_equal(arr, now, equal_nan=numeric):
            return False
    return True


_n = 6
_SPD = np.diag(np.full(_n, 4.0)) - np.eye(_n, k=1) - np.eye(_n, k=-1)


def _mostly(valid, bad):
    """Valid values three times as likely as malformed ones, so that both the error paths and
    the result paths are exercised."""
    return st.sampled_from(list(valid) * 3 + list(bad))


matrices = _mostly(
    [("spd", _SPD), ("spd-sparse", sp.csr_matrix(_SPD)), ("spd-list", _SPD.tolist())],
    [("nonsquare", np.ones((_n, _n + 1))), ("3d", np.ones((2, _n, _n))),
     ("nan", np.where(np.eye(_n) > 0, np.nan, _SPD)), ("empty", np.ones((0, 0))),
     ("strings", np.full((_n, _n), "a")), ("none", None)])
vectors = _mostly(
    [("ok", np.linspace(1.0, 2.0, _n)), ("ok-list", list(np.linspace(1.0, 2.0, _n)))],
    [("short", np.ones(_n - 2)), ("nan", np.full(_n, np.nan)), ("2d", np.ones((_n, 2))),
     ("inf", np.full(_n, np.inf)), ("none", None), ("complex", np.ones(_n) * (1 + 1j))])
guesses = _mostly([None, np.zeros(_n)], [np.ones(_n - 1), np.full(_n, np.nan),
                                          np.ones((_n, 1))])
tolerances = _mostly([1e-8, 1e-6], [0.0, -1.0, np.nan, np.inf, "x", None])
maxiters = _mostly([None, 50], [1, 0, -3, 2.5, True])
preconditioners = _mostly([None, np.eye(_n)], [np.eye(_n + 1), "bad"])

DOCUMENTED = (ValueError, TypeError)


def _residual_ok(A, b, x, rtol, atol, slack=10.0):
    A = np.asarray(A.toarray() if sp.issparse(A) else A, dtype=complex)
    b = np.asarray(b, dtype=complex).reshape(-1)
    r = np.linalg.norm(b - A @ np.asarray(x).reshape(-1))
    return r <= slack * max(rtol * np.linalg.norm(b), atol) + 1e-12 * np.linalg.norm(b)


PROPERTY = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(method=st.sampled_from([m.name for m in SOLVE_METHODS.methods()]), A=matrices,
       b=vectors, x0=guesses, rtol=tolerances, atol=st.sampled_from([0.0, -1.0, 1e-10]),
       maxiter=maxiters, M=preconditioners)
def test_solve_malformed_inputs(method, A, b, x0, rtol, atol, maxiter, M):
    (_, A), (_, b) = A, b
    before = _snapshot(A, b, x0, M)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = numsolve.solve(A, b, x0, method=method, rtol=rtol, atol=atol,
                                 maxiter=maxiter, M=M, options={"rng": 0}
                                 if method == "sketch-project" else None)
    except DOCUMENTED:
        pass
    else:
        assert bool(res.success) == (res.status == CONVERGED), res
        if res.success:
            assert _residual_ok(A, b, res.x, rtol, atol), (method, res.message)
        else:
            assert res.message
    assert _unchanged(before, (A, b, x0, M))


@PROPERTY
@given(method=st.sampled_from([m.name for m in SOLVE_BATCH_METHODS.methods()]), A=matrices,
       k=st.sampled_from([1, 3]), bad=_mostly(["none"], ["nan", "short", "X0"]),
       rtol=tolerances, maxiter=maxiters)
def test_solve_batch_malformed_inputs(method, A, k, bad, rtol, maxiter):
    _, A = A
    B = np.outer(np.linspace(1.0, 2.0, _n), np.arange(1.0, k + 1))
    X0 = None
    if bad == "nan":
        B[0, 0] = np.nan
    elif bad == "short":
        B = B[:-1]
    elif bad == "X0":
        X0 = np.zeros((_n, k + 1))
    before = _snapshot(A, B, X0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = numsolve.solve_batch(A, B, X0, method=method, rtol=rtol, maxiter=maxiter)
    except DOCUMENTED:
        pass
    else:
        ok = np.asarray(res.success)
        assert np.array_equal(ok, np.asarray(res.status) == CONVERGED)
        X = np.asarray(res.x).reshape(_n, -1)
        for j in np.flatnonzero(ok.reshape(-1)):
            assert _residual_ok(A, B[:, j], X[:, j], rtol, 0.0)
    assert _unchanged(before, (A, B, X0))


@PROPERTY
@given(method=st.sampled_from([m.name for m in LSTSQ_METHODS.methods()]),
       shape=_mostly([(40, 3)], [(3, 40), (40, 0)]), b=_mostly(["ok"], ["short", "nan", "2d"]),
       rtol=tolerances, maxiter=maxiters,
       x0=_mostly([None, "ok"], ["short", "nan"]))
def test_lstsq_malformed_inputs(method, shape, b, rtol, maxiter, x0):
    rng = np.random.default_rng(1)
    A = rng.standard_normal(shape)
    bb = {"ok": rng.standard_normal(shape[0]), "short": np.ones(2),
          "nan": np.full(shape[0], np.nan), "2d": np.ones((shape[0], 2))}[b]
    xx = {None: None, "ok": np.zeros(shape[1]), "short": np.zeros(shape[1] + 1),
          "nan": np.full(shape[1], np.nan)}[x0]
    before = _snapshot(A, bb, xx)
    try:
        res = numsolve.lstsq(A, bb, xx, method=method, rtol=rtol, maxiter=maxiter,
                             options={"rng": 0})
    except DOCUMENTED:
        pass
    else:
        assert bool(res.success) == (res.status == CONVERGED)
        if res.success:
            ref = np.linalg.lstsq(A, bb, rcond=None)[0]
            assert np.allclose(res.x, ref, rtol=1e-6, atol=1e-8)
    assert _unchanged(before, (A, bb, xx))


def _quadratic_problem(kind):
    """f = 0.5 ||x - c||^2 with its derivatives, and malformed variants."""
    c = np.linspace(-1.0, 1.0, 4)

    def fun(x):
        return 0.5 * float(np.sum((np.asarray(x) - c) ** 2))

    def jac(x):
        return np.asarray(x) - c

    if kind == "nan-fun":
        return (lambda x: np.nan), jac, c
    if kind == "short-jac":
        return fun, (lambda x: jac(x)[:-1]), c
    if kind == "string-fun":
        return (lambda x: "f"), jac, c
    return fun, jac, c


@PROPERTY
@given(method=st.sampled_from(["newton-sketch", "auglag", "scipy:bfgs", "scipy:nelder-mead",
                               "scipy:slsqp"]),
       kind=_mostly(["ok"], ["nan-fun", "short-jac", "string-fun"]),
       x0=_mostly(["ok", "f32", "list"], ["empty", "nan", "2d"]),
       tol=_mostly([None, 1e-10], [-1.0, np.nan]),
       maxiter=_mostly([None, 100], [3, 0, -1]))
def test_minimize_malformed_inputs(method, kind, x0, tol, maxiter):
    fun, jac, c = _quadratic_problem(kind)
    xx = {"ok": np.zeros(4), "empty": np.zeros(0), "nan": np.full(4, np.nan),
          "2d": np.zeros((2, 2)), "f32": np.zeros(4, np.float32), "list": [0.0] * 4}[x0]
    extra = {}
    if method == "newton-sketch":
        extra["hessp"] = lambda x, p: p
    if method == "auglag":
        extra["hess"] = lambda x: np.eye(4)
        extra["constraints"] = NonlinearConstraint(lambda x: np.sum(x), 0.0, 0.0,
                                                   jac=lambda x: np.ones((1, 4)),
                                                   hess=lambda x, v: np.zeros((4, 4)))
    options = {} if maxiter is None else {"maxiter": maxiter}
    before = _snapshot(xx)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = numsolve.minimize(fun, xx, jac=jac, method=method, tol=tol,
                                    options=options, **extra)
    except DOCUMENTED:
        pass
    else:
        if res.success:
            assert np.all(np.isfinite(res.x)) and math.isfinite(res.fun)
            target = c - c.mean() if method == "auglag" else c
            assert np.allclose(res.x, target, atol=1e-3), (method, res.x)
    assert _unchanged(before, (xx,))
