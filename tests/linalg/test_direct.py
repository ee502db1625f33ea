import numpy as np
import scipy.sparse as sp

import numsolve
from numsolve.problems import poisson2d, random_spd


def test_direct_dense_and_sparse(backend, rng):
    A = random_spd(20, 100, rng=3)
    b = rng.standard_normal(20)
    r = numsolve.solve(backend.asarray(A), backend.asarray(b), method="direct")
    assert r.success and backend.same_namespace(r.x)
    np.testing.assert_allclose(backend.to_numpy(r.x), np.linalg.solve(A, b), rtol=1e-10)
    As = poisson2d(10)
    bs = rng.standard_normal(100)
    r = numsolve.solve(As, bs, method="DIRECT")
    assert r.success and np.linalg.norm(As @ r.x - bs) < 1e-10


def test_direct_singular_reports_failure():
    r = numsolve.solve(np.zeros((3, 3)), np.ones(3), method="direct")
    assert not r.success and r.status == 3 and "singular" in r.message
    S = sp.csr_array(np.array([[1.0, 0], [0, 0]]))
    r = numsolve.solve(S, np.ones(2), method="direct")
    assert not r.success and "singular" in r.message
