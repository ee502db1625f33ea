"""``minimize(method='bcd')`` on array-API data: the vectorised path (fixed blocks, the
cyclic / random / Lipschitz / GS / GSL / GSD rules, the 1/L_b proximal gradient update) on
``array_api_strict`` (standing in for CuPy) and CuPy (skipped without CUDA). Compared with
the NumPy/Numba path on the same problem and seed (the same iterates to rounding: x and the
objective history to 1e-11) and with SciPy's L-BFGS-B (final objective to 1e-9 relative);
everything else refuses device input with a TypeError naming what is supported."""

import numpy as np
import pytest
from scipy.optimize import minimize as sp_minimize

import numsolve
from numsolve.objectives import BinaryLogistic, BoundConstrained, L1Regularized, LeastSquares

_SMOOTH = {"partition": "sort", "update": "gradient", "block_size": 4, "rng": 3}


def _data(seed=0, N=60, d=22):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((N, d)) * np.logspace(-1, 0.5, d)
    b = A @ rng.standard_normal(d) + 0.3 * rng.standard_normal(N)
    return A, b, np.where(b > 0, 1.0, -1.0)


def _objectives(A, b, y):
    """name -> builder(A_) of the same problem on any namespace."""
    return {
        "ls": lambda A_: LeastSquares(A_, b, l2=0.1),
        "logistic": lambda A_: BinaryLogistic(A_, y, l2=0.5),
        "lasso": lambda A_: L1Regularized(LeastSquares(A_, b), 2.0),
        "l1-logistic": lambda A_: L1Regularized(BinaryLogistic(A_, y), 1.0),
        "box-ls": lambda A_: BoundConstrained(LeastSquares(A_, b), 0.0, 0.5),
    }


def _run(f, x0, **opts):
    o = dict(_SMOOTH, switch_window=0)
    o.update(opts)
    return numsolve.minimize(f, x0, method="bcd", options=o)


@pytest.mark.parametrize("name", ["ls", "logistic", "lasso", "l1-logistic", "box-ls"])
@pytest.mark.parametrize("selection", ["cyclic", "random", "lipschitz", "gs", "gsl", "gsd"])
@pytest.mark.parametrize("partition", ["order", "sort", "avg"])
def test_same_iterates_as_numpy(backend, name, selection, partition):
    A, b, y = _data()
    build = _objectives(A, b, y)[name]
    opts = {"selection": selection, "partition": partition, "maxiter": 150, "gtol": 0.0}
    host = _run(build(A), np.zeros(A.shape[1]), **opts)
    dev = _run(build(backend.asarray(A)), backend.asarray(np.zeros(A.shape[1])), **opts)
    assert backend.same_namespace(dev.x)
    assert dev.backend == backend.name
    if (dev.nit, dev.status) != (host.nit, host.status):
        # gtol=0 reached on one side only: a prox-gradient residual of exactly 0 vs ~1e-17
        assert max(dev.optimality, host.optimality) <= 1e-12, (dev.message, host.message)
    k = min(dev.nit, host.nit) + 1
    np.testing.assert_allclose(backend.to_numpy(dev.x), host.x, rtol=0, atol=1e-11)
    np.testing.assert_allclose(dev.f_history[:k], host.f_history[:k], rtol=1e-12, atol=1e-11)
    assert dev.active_set_iteration == host.active_set_iteration


@pytest.mark.parametrize("name,selection", [("ls", "gsl"), ("logistic", "gs"),
                                            ("box-ls", "cyclic"), ("logistic", "random")])
def test_converges_to_lbfgsb(backend, name, selection):
    A, b, y = _data(1)
    f_host = _objectives(A, b, y)[name](A)
    smooth = f_host.parts()[0] if name == "box-ls" else f_host
    bounds = [(0.0, 0.5)] * A.shape[1] if name == "box-ls" else None
    ref = sp_minimize(smooth.fun, np.zeros(A.shape[1]), jac=smooth.grad, method="L-BFGS-B",
                      bounds=bounds, options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 5000})
    f = _objectives(A, b, y)[name](backend.asarray(A))
    res = _run(f, backend.asarray(np.zeros(A.shape[1])), selection=selection, maxiter=40000,
               gtol=1e-9)
    assert res.success, res.message
    assert abs(res.fun - ref.fun) <= 1e-9 * abs(ref.fun)
    np.testing.assert_allclose(backend.to_numpy(res.x), ref.x, atol=1e-5)


def test_bounds_argument_and_user_partition(backend):
    A, b, _ = _data(2)
    blocks = [np.arange(i, 22, 3) for i in range(3)]
    opts = {"selection": "gsl", "partition": blocks, "maxiter": 200, "gtol": 0.0}
    kw = {"bounds": [(-0.2, 0.2)] * 22}
    host = numsolve.minimize(LeastSquares(A, b), np.full(22, 0.3), method="bcd",
                             options=dict(_SMOOTH, switch_window=0, **opts), **kw)
    dev = numsolve.minimize(LeastSquares(backend.asarray(A), b),
                            backend.asarray(np.full(22, 0.3)), method="bcd",
                            options=dict(_SMOOTH, switch_window=0, **opts), **kw)
    np.testing.assert_allclose(backend.to_numpy(dev.x), host.x, rtol=0, atol=1e-11)
    assert np.all(np.abs(backend.to_numpy(dev.x)) <= 0.2)


def test_callback_sees_device_iterates(backend):
    if backend.name == "numpy":
        pytest.skip("the device path")
    A, b, _ = _data()
    seen = []

    def cb(intermediate_result):
        seen.append(backend.same_namespace(intermediate_result.x))
        if intermediate_result.nit == 5:
            raise StopIteration

    res = numsolve.minimize(LeastSquares(backend.asarray(A), b),
                            backend.asarray(np.zeros(22)), method="bcd", callback=cb,
                            options=dict(_SMOOTH, selection="gs"))
    assert res.nit == 5 and all(seen) and len(seen) == 5


def test_unsupported_device_input_is_refused(backend):
    if backend.name == "numpy":
        pytest.skip("device refusals")
    A, b, y = _data()
    Ad, x0 = backend.asarray(A), backend.asarray(np.zeros(22))
    f = LeastSquares(Ad, b)
    for opts, what in [({}, "partition='variable'"), ({"partition": "sort"}, "update='matrix'"),
                       ({"partition": "sort", "selection": "gsq", "update": "gradient"},
                        "selection='gsq'"),
                       ({"partition": "sort", "selection": "gs"}, "update='matrix'")]:
        with pytest.raises(TypeError, match="CPU only") as exc:
            numsolve.minimize(f, x0, method="bcd", options=opts)
        assert what in str(exc.value) and "update='gradient'" in str(exc.value)
    with pytest.raises(TypeError, match="switch_window"):
        numsolve.minimize(L1Regularized(f, 1.0), x0, method="bcd",
                          options=dict(_SMOOTH, selection="gs"))
    with pytest.raises(TypeError, match="CPU only.*LeastSquares / BinaryLogistic"):
        numsolve.minimize(lambda x: float((x * x).sum()), x0, method="bcd",
                          jac=lambda x: 2 * x)
    with pytest.raises(TypeError, match="namespaces"):  # no implicit moves
        numsolve.minimize(f, np.zeros(22), method="bcd", options=dict(_SMOOTH, selection="gs"))
