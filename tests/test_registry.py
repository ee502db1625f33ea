import warnings

import numpy as np
import pytest
from scipy.optimize import OptimizeWarning

import numsolve
from numsolve._registry import MethodRegistry, split_options
from numsolve.linalg import SOLVE_METHODS


def test_case_insensitive_and_lazy():
    reg = MethodRegistry("demo", {"Abs": "builtins:abs"})
    name, f = reg.resolve("aBS")
    assert name == "abs" and f(-3) == 3
    assert "abs" in reg and "nope" not in reg


def test_unknown_method_lists_valid_names():
    with pytest.raises(ValueError, match="valid methods are: cg, .*direct"):
        numsolve.solve(np.eye(2), np.ones(2), method="nope")
    with pytest.raises(TypeError, match="string or a callable"):
        numsolve.solve(np.eye(2), np.ones(2), method=3)


def test_register_and_duplicate():
    reg = MethodRegistry("demo", {})
    reg.register("mine", lambda: 1)
    with pytest.raises(ValueError, match="already registered"):
        reg.register("MINE", lambda: 2)
    reg.register("mine", lambda: 3, overwrite=True)
    assert reg.resolve("mine")[1]() == 3
    with pytest.raises(TypeError):
        reg.register("bad", 5)


def test_decorator_registration_into_solve():
    @SOLVE_METHODS.register("test-jacobi-once", overwrite=True)
    def jacobi_once(A, b, x0, *, rtol, atol, maxiter, M, callback, damping=1.0):
        d = np.asarray(A.diagonal())
        return numsolve.SolveResult(x=damping * b / d, success=True, status=0, nit=1)

    try:
        res = numsolve.solve(2.0 * np.eye(3), np.ones(3), method="TEST-jacobi-once",
                             options={"damping": 0.5})
        np.testing.assert_allclose(res.x, 0.25)
        assert res.method == "test-jacobi-once"
        with pytest.warns(OptimizeWarning, match="Unknown solver options: bogus"):
            numsolve.solve(2.0 * np.eye(3), np.ones(3), method="test-jacobi-once",
                           options={"bogus": 1})
    finally:
        SOLVE_METHODS._entries.pop("test-jacobi-once")


def test_callable_method_is_called_as_is():
    calls = {}

    def custom(A, b, x0, **kw):
        calls.update(kw)
        return "ok"

    assert numsolve.solve(np.eye(2), np.ones(2), method=custom, options={"foo": 1}) == "ok"
    assert calls["foo"] == 1 and calls["rtol"] == 1e-5


def test_split_options_reserved_and_kwargs():
    def f(a, *, known=1):
        return a

    with pytest.raises(ValueError, match="argument, not an option"):
        split_options(f, {"rtol": 1}, reserved=("rtol",))

    def g(a, **kw):
        return a

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert split_options(g, {"anything": 1}) == {"anything": 1}
