import pathlib
import warnings

import numpy as np
import pytest
from scipy.optimize import OptimizeWarning

import numsolve
from numsolve._registry import Method, MethodRegistry, split_options
from numsolve.completion import COMPLETION_METHODS
from numsolve.linalg import LSTSQ_METHODS, SOLVE_BATCH_METHODS, SOLVE_METHODS
from numsolve.monotone import MONOTONE_METHODS
from numsolve.optimize import MINIMIZE_METHODS

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
REGISTRIES = {
    "solve": (SOLVE_METHODS, numsolve.solve),
    "solve_batch": (SOLVE_BATCH_METHODS, numsolve.solve_batch),
    "lstsq": (LSTSQ_METHODS, numsolve.lstsq),
    "minimize": (MINIMIZE_METHODS, numsolve.minimize),
    "complete": (COMPLETION_METHODS, numsolve.complete),
    "solve_monotone": (MONOTONE_METHODS, numsolve.solve_monotone),
}


def test_case_insensitive():
    reg = MethodRegistry("demo", [Method("Abs", abs, "absolute value")])
    name, f = reg.resolve("aBS")
    assert name == "abs" and f(-3) == 3
    assert "abs" in reg and "nope" not in reg and 3 not in reg


def test_registries_hold_their_functions():
    """A registration holds the function itself (no lazy strings): readers and static tools
    see what each name dispatches to."""
    for registry, _ in REGISTRIES.values():
        for m in registry.methods():
            assert callable(m.func) and not isinstance(m.func, str), m.name
            assert m.summary and m.doc, m.name


@pytest.mark.parametrize("entry_point", sorted(REGISTRIES))
def test_every_method_is_documented(entry_point):
    """Every registered method is listed in its entry point's docstring and named on the
    user-guide page its registration points to."""
    registry, func = REGISTRIES[entry_point]
    for m in registry.methods():
        assert f"``'{m.name}'``" in func.__doc__, (entry_point, m.name)
        page = DOCS / f"{m.doc}.rst"
        assert page.is_file(), (m.name, page)
        name = m.name.split(":")[0] + ":" if ":" in m.name else m.name
        assert f"'{name}" in page.read_text(), (entry_point, m.name, page.name)


def test_every_demo_has_a_recipe():
    from numsolve._cli.demo import DEMO_ENTRIES, RECIPES

    cases = [(ep, d.problem) for ep, (reg, _) in REGISTRIES.items()
             for m in reg.methods() for d in m.demo]
    assert cases and all(c in RECIPES for c in cases), set(cases) - set(RECIPES)
    assert len(DEMO_ENTRIES) == len(cases)


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
        SOLVE_METHODS.unregister("test-jacobi-once")


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
