"""numsolve.complete(..., client=) on a Dask cluster: identical to the in-process run
(issue 18 item 2)."""

from __future__ import annotations

import numpy as np
import pytest

import numsolve
from numsolve.problems import low_rank_completion

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.mark.parametrize("opts", [{}, {"solver": "sketch"}, {"biases": True, "blocks": 3}])
def test_distributed_matches_local(client, opts):
    prob = low_rank_completion(120, 90, 3, 0.25, noise=0.01, rng=1)
    local = numsolve.complete(prob.M, 3, rng=0, maxiter=8, options=opts)
    remote = numsolve.complete(prob.M, 3, rng=0, maxiter=8, options=opts, client=client)
    assert remote.nit == local.nit and remote.status == local.status
    np.testing.assert_allclose(remote.U, local.U, rtol=0, atol=1e-12)
    np.testing.assert_allclose(remote.V, local.V, rtol=0, atol=1e-12)
    np.testing.assert_allclose(remote.residuals, local.residuals, rtol=1e-12, atol=0)


def test_distributed_ridge_recovers(client):
    prob = low_rank_completion(150, 100, 2, 0.3, rng=2)
    res = numsolve.complete(prob.M, 2, rng=0, client=client)
    assert res.success
    assert prob.relative_error(res.U, res.V) < 1e-6


def test_bad_client():
    prob = low_rank_completion(30, 20, 2, 0.5, rng=0)
    with pytest.raises(TypeError, match="client"):
        numsolve.complete(prob.M, 2, rng=0, client=object())
    with pytest.raises(ValueError, match="blocks"):
        numsolve.complete(prob.M, 2, rng=0, options={"blocks": 0})


class _FailingClient:
    """Scatters and maps locally, but every gather fails (a lost cluster)."""

    def scatter(self, data, broadcast=False):
        return data

    def map(self, func, *iterables, pure=True, **kw):
        return [None for _ in iterables[0]]

    def gather(self, futures):
        raise OSError("connection lost")


def test_failed_half_step_raises_runtime_error():
    prob = low_rank_completion(40, 30, 2, 0.4, rng=0)
    with pytest.raises(RuntimeError, match="half-step failed .*connection lost"):
        numsolve.complete(prob.M, 2, rng=0, client=_FailingClient())
