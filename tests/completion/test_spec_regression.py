"""The spec's regression checks (altmin-completion.md §3), m = n = 2000, rank 10: relative
error over all entries <= 1e-6 after 15 passes at p = 0.05 and <= 1e-10 at p = 0.10, exact
and sketched half-steps alike. A few seconds each: marked slow."""

from __future__ import annotations

import pytest

import numsolve
from numsolve.problems import low_rank_completion


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["exact", "sketch"])
@pytest.mark.parametrize("frac,bound", [(0.05, 1e-6), (0.10, 1e-10)])
def test_spec_regression(frac, bound, solver):
    prob = low_rank_completion(2000, 2000, 10, frac, rng=0)
    res = numsolve.complete(prob.M, 10, rng=0, rtol=0.0, maxiter=15,
                            options={"solver": solver})
    assert res.nit == 15
    assert prob.relative_error(res.U, res.V) <= bound
