"""numsolve.complete on every backend: NumPy (Numba), CuPy (batched array path; skipped
without CUDA) and array_api_strict (refused with a TypeError: the half-steps need a sparse
segment sum, which only SciPy and cupyx provide)."""

from __future__ import annotations

import numpy as np
import pytest

import numsolve
from numsolve.problems import low_rank_completion


@pytest.fixture(scope="module")
def prob():
    return low_rank_completion(150, 120, 3, 0.3, rng=0, validation=0.1)


@pytest.mark.parametrize("solver", ["exact", "sketch"])
def test_backend_result_matches_host(backend, prob, solver):
    r, c, v = prob.validation
    opts = {"solver": solver, "inner_maxiter": 30, "inner_rtol": 1e-12}
    host = numsolve.complete(prob.M, 3, rng=0, rtol=1e-10, options=opts)
    rows, cols, vals = (backend.asarray(a) for a in (prob.rows, prob.cols, prob.values))
    if backend.name == "array_api_strict":
        with pytest.raises(TypeError, match="NumPy/SciPy or CuPy"):
            numsolve.complete((rows, cols, vals, prob.shape), 3, rng=0)
        return
    M = backend.sparse(prob.M.tocsr())
    for data in ((rows, cols, vals, prob.shape), M):
        res = numsolve.complete(data, 3, rng=0, rtol=1e-10, options=opts)
        assert res.success, res.message
        assert backend.same_namespace(res.U) and backend.same_namespace(res.V)
        pred = backend.to_numpy(res.predict(backend.asarray(r), backend.asarray(c)))
        np.testing.assert_allclose(pred, host.predict(r, c), rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(pred, v, rtol=1e-6, atol=1e-7)
