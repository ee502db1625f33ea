"""solve_batch on a Dask cluster: identical to the in-process path (issue 18)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import numsolve
from numsolve.problems import darcy_sequence, heat_sweep, poisson2d

distributed = pytest.importorskip("dask.distributed")
da = pytest.importorskip("dask.array")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _same(a, b):
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.nit, b.nit)
    np.testing.assert_array_equal(a.status, b.status)


def test_list_of_systems_matches_local(client):
    seq = darcy_sequence(12, 12, rng=0)
    kw = dict(method="cg", recycle=4, rtol=1e-8, sort=True, n_sequences=3)
    remote = numsolve.solve_batch(seq, client=client, **kw)
    local = numsolve.solve_batch(seq, **kw)
    _same(remote, local)
    assert remote.success.all() and remote.n_sequences == 3


def test_shared_operator_is_scattered_once_and_matches(client):
    A = poisson2d(12)
    B = np.random.default_rng(0).standard_normal((A.shape[0], 64))
    remote = numsolve.solve_batch(A, B, client=client, recycle=4, rtol=1e-8, n_sequences=4)
    local = numsolve.solve_batch(A, B, recycle=4, rtol=1e-8, n_sequences=4)
    _same(remote, local)
    assert remote.x.shape == (A.shape[0], 64)
    assert np.linalg.norm(A @ remote.x - B) <= 1e-7 * np.linalg.norm(B)


def test_dask_array_batch_matches_local(client):
    A = poisson2d(10)
    Bnp = np.random.default_rng(1).standard_normal((64, A.shape[0]))
    B = da.from_array(Bnp, chunks=(16, A.shape[0]))
    remote = numsolve.solve_batch(A, B, client=client, recycle=4, rtol=1e-8)
    no_client = numsolve.solve_batch(A, B, recycle=4, rtol=1e-8)
    local = numsolve.solve_batch(A, Bnp.T, recycle=4, rtol=1e-8, n_sequences=B.chunks[0])
    _same(remote, no_client)
    np.testing.assert_array_equal(remote.x, local.x.T)
    with pytest.raises(ValueError, match="chunked along the batch"):
        numsolve.solve_batch(A, da.from_array(Bnp, chunks=(16, 50)), recycle=2)


def test_nonsymmetric_sequences_on_cluster(client):
    from numsolve.problems import convection_diffusion_sequence

    seq = convection_diffusion_sequence(6, 10, rng=0)
    kw = dict(method="gmres", recycle=4, restart=12, rtol=1e-8, n_sequences=2)
    _same(numsolve.solve_batch(seq, client=client, **kw), numsolve.solve_batch(seq, **kw))


@pytest.mark.slow
def test_worker_dies_mid_batch_nothing_lost():
    """A process worker killed mid-batch: the batch completes on the survivor, identical."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        seq = heat_sweep(np.linspace(1, 3, 16), 48)
        kw = dict(method="cg", recycle=4, rtol=1e-10, n_sequences=8)
        out = {}
        t = threading.Thread(target=lambda: out.update(r=numsolve.solve_batch(
            seq, client=client, **kw)))
        t.start()
        time.sleep(1.0)
        assert t.is_alive(), "the batch finished before the worker could be killed"
        victim = list(cluster.workers.values())[0]
        victim.process.process.kill()  # hard kill of one worker process
        t.join(120)
        assert "r" in out, "the batch did not complete"
        _same(out["r"], numsolve.solve_batch(seq, **kw))
    finally:
        client.close()
        cluster.close()
