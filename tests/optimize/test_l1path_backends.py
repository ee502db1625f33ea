"""``numsolve.lasso`` on array-API data (FISTA with restart, :mod:`numsolve.optimize.
_l1_device`) on ``array_api_strict`` and CuPy (skipped without CUDA), against the NumPy
working-set solver: the same duality-gap certificate (``gap <= rtol * P``; the device gap
equals :func:`lasso_duality_gap` recomputed on the host at the device solution to 1e-9
relative to ``P``), objectives within ``gap`` of each other, coefficients to 1e-5 (1e-4
with correlated columns). Other L1
entry points refuse device data with a TypeError naming ``numsolve.lasso``."""

import numpy as np
import pytest

from numsolve.optimize import (
    l1_logistic,
    lasso,
    lasso_alpha_max,
    lasso_duality_gap,
    lasso_path,
)


def _problem(n, p, rho=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if rho:
        for j in range(1, p):
            X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho ** 2) * X[:, j]
    w = np.zeros(p)
    w[rng.choice(p, 5, replace=False)] = rng.standard_normal(5) * 3
    return X, X @ w + 0.5 * rng.standard_normal(n)


@pytest.mark.parametrize("shape,rho", [((200, 50), 0.0), ((80, 300), 0.0), ((150, 40), 0.8)])
@pytest.mark.parametrize("frac", [0.5, 0.05])
def test_device_lasso_matches_host(backend, shape, rho, frac):
    X, y = _problem(*shape, rho=rho)
    alpha = frac * lasso_alpha_max(X, y)
    host = lasso(X, y, alpha, rtol=1e-9)
    dev = lasso(backend.asarray(X), backend.asarray(y), alpha, rtol=1e-9)
    assert dev.success and host.success, dev.message
    assert backend.same_namespace(dev.x)
    xd = backend.to_numpy(dev.x)
    assert dev.gap <= 1e-9 * dev.fun
    gap_h, fun_h = lasso_duality_gap(X, y, xd, alpha)  # the certificate, on the host
    assert abs(gap_h - dev.gap) <= 1e-9 * dev.fun and abs(fun_h - dev.fun) <= 1e-12 * dev.fun
    assert abs(dev.fun - host.fun) <= max(dev.gap, host.gap) + 1e-13 * host.fun
    np.testing.assert_allclose(xd, host.x, atol=1e-4 if rho else 1e-5)  # correlated: flatter


def test_device_lasso_warm_start_callback_and_maxiter(backend):
    if backend.name == "numpy":
        pytest.skip("the device path")
    X, y = _problem(100, 30)
    alpha = 0.1 * lasso_alpha_max(X, y)
    ref = lasso(X, y, alpha, rtol=1e-10)
    x0 = backend.asarray(ref.x)
    warm = lasso(backend.asarray(X), backend.asarray(y), alpha, x0=x0, rtol=1e-10)
    assert warm.success and warm.nit <= 10
    np.testing.assert_array_equal(backend.to_numpy(x0), ref.x)  # x0 never written
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.gap)
        raise StopIteration

    res = lasso(backend.asarray(X), backend.asarray(y), alpha, rtol=1e-14, callback=cb)
    assert res.status == 99 and len(seen) == 1
    res = lasso(backend.asarray(X), backend.asarray(y), alpha, rtol=1e-14, max_epochs=7)
    assert not res.success and res.nit == 7 and "FISTA" in res.message


def test_other_l1_entry_points_refuse_device_data(backend):
    if backend.name == "numpy":
        pytest.skip("device refusals")
    X, y = _problem(60, 8)
    Xd, yd = backend.asarray(X), backend.asarray(np.sign(y))
    with pytest.raises(TypeError, match="numsolve.lasso"):
        l1_logistic(Xd, yd, 0.01)
    with pytest.raises(TypeError, match="numsolve.lasso"):
        lasso_path(Xd, backend.asarray(y), n_alphas=3)
    with pytest.raises(TypeError, match="namespaces"):
        lasso(Xd, y, 0.1)
