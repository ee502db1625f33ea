import numpy as np
import pytest
import scipy.optimize as sopt
from scipy.optimize import OptimizeWarning, rosen, rosen_der, rosen_hess

import numsolve
from numsolve.optimize import MINIMIZE_METHODS

X0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B", "Newton-CG", "trust-ncg", "Nelder-Mead"])
def test_scipy_passthrough_same_result(method):
    kw = {"jac": rosen_der} if method != "Nelder-Mead" else {}
    if method in ("Newton-CG", "trust-ncg"):
        kw["hess"] = rosen_hess
    opts = {"maxiter": 20000} if method == "Nelder-Mead" else None
    ours = numsolve.minimize(rosen, X0, method=f"scipy:{method}", options=opts, **kw)
    ref = sopt.minimize(rosen, X0, method=method, options=opts, **kw)
    assert isinstance(ours, sopt.OptimizeResult) and isinstance(ours, numsolve.OptimizeResult)
    assert set(ref.keys()) <= set(ours.keys())
    for key in ("fun", "nit", "nfev", "success", "status", "message"):
        if key in ref:
            assert ours[key] == ref[key] if not isinstance(ref[key], float) else np.isclose(
                ours[key], ref[key])
    np.testing.assert_array_equal(ours.x, ref.x)
    assert ours.method == f"scipy:{method.lower()}"


def test_bfgs_rosen_default_method():
    res = numsolve.minimize(rosen, X0, jac=rosen_der)
    assert res.method == "scipy:bfgs" and res.success
    np.testing.assert_allclose(res.x, 1.0, atol=1e-4)


def test_defaults_follow_scipy_with_bounds_and_constraints():
    res = numsolve.minimize(rosen, X0, bounds=[(0, 2)] * 5)
    assert res.method == "scipy:l-bfgs-b"
    cons = {"type": "eq", "fun": lambda x: x.sum() - 5}
    res = numsolve.minimize(rosen, X0, constraints=cons)
    assert res.method == "scipy:slsqp"
    assert abs(res.x.sum() - 5) < 1e-6


def test_args_tol_callback_passthrough():
    seen = []

    def f(x, a):
        return np.sum((x - a) ** 2)

    res = numsolve.minimize(f, np.zeros(3), args=(2.0,), method="scipy:bfgs", tol=1e-10,
                            callback=lambda xk: seen.append(xk.copy()))
    np.testing.assert_allclose(res.x, 2.0, atol=1e-6)
    assert len(seen) == res.nit
    res = numsolve.minimize(f, np.zeros(3), args=2.0, method="scipy:bfgs")  # non-tuple args
    np.testing.assert_allclose(res.x, 2.0, atol=1e-5)


def test_callback_stop_iteration_scipy():
    def stop(intermediate_result):
        raise StopIteration

    res = numsolve.minimize(rosen, X0, method="scipy:bfgs", callback=stop)
    assert res.status == 99 and not res.success


def test_unknown_methods():
    with pytest.raises(ValueError, match="valid methods are"):
        numsolve.minimize(rosen, X0, method="magic")
    with pytest.raises(ValueError, match="valid SciPy methods are"):
        numsolve.minimize(rosen, X0, method="scipy:magic")


def test_unknown_option_warns():
    with pytest.warns(OptimizeWarning, match="Unknown solver options"):
        numsolve.minimize(rosen, X0, method="scipy:bfgs", options={"bogus": 1})


def test_bad_x0_and_fun():
    with pytest.raises(ValueError, match="x0 contains NaN"):
        numsolve.minimize(rosen, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="x0 must be 1-D"):
        numsolve.minimize(rosen, np.ones((2, 2)))
    with pytest.raises(TypeError, match="x0 must have a numeric"):
        numsolve.minimize(rosen, np.array(["a", "b"]))
    with pytest.raises(TypeError, match="fun must be callable"):
        numsolve.minimize(3, X0)


def test_x0_not_mutated():
    x0 = X0.copy()
    numsolve.minimize(rosen, x0, method="scipy:bfgs")
    np.testing.assert_array_equal(x0, X0)


def test_custom_callable_method():
    def my_method(fun, x0, args=(), **kw):
        return sopt.OptimizeResult(x=x0 * 0, fun=fun(x0 * 0), success=True, seen=sorted(kw))

    res = numsolve.minimize(rosen, X0, method=my_method, options={"foo": 1})
    assert res.success and "foo" in res.seen and "callback" in res.seen


def test_registered_method_capabilities():
    def impl(fun, x0, *, args, jac, hess, hessp, bounds, constraints, tol, callback, step=0.1):
        return numsolve.OptimizeResult(x=x0 - step, fun=fun(x0 - step), success=True)

    impl.capabilities = {"bounds": False, "constraints": False, "jac": False}
    MINIMIZE_METHODS.register("test-shift", impl, overwrite=True)
    try:
        res = numsolve.minimize(rosen, X0, method="test-shift", options={"step": 0.5})
        np.testing.assert_allclose(res.x, X0 - 0.5)
        assert res.method == "test-shift"
        with pytest.raises(ValueError, match="does not support bounds"):
            numsolve.minimize(rosen, X0, method="test-shift", bounds=[(0, 1)] * 5)
        with pytest.raises(ValueError, match="does not support constraints"):
            numsolve.minimize(rosen, X0, method="test-shift",
                              constraints={"type": "eq", "fun": np.sum})
        with pytest.warns(RuntimeWarning, match="does not use jac"):
            numsolve.minimize(rosen, X0, method="test-shift", jac=rosen_der)
    finally:
        MINIMIZE_METHODS._entries.pop("test-shift")


def test_scipy_methods_reject_non_numpy_x0():
    xs = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match="CPU only"):
        numsolve.minimize(rosen, xs.asarray(X0), method="scipy:bfgs")
