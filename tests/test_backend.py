import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import numsolve
from numsolve import _backend as B


def test_namespace_numpy_and_sparse():
    xp = B.get_namespace(np.ones(3), sp.eye(3, format="csr"), None)
    assert B.backend_name(xp) == "numpy"
    assert B.is_numpy_namespace(xp)


def test_namespace_ignores_operators_and_callables():
    op = spla.aslinearoperator(np.eye(3))
    assert B.backend_name(B.get_namespace(op, len, None, np.ones(3))) == "numpy"
    assert B.is_linear_operator(op)
    assert not B.is_linear_operator(np.eye(3))


def test_namespace_default_and_lists():
    assert B.backend_name(B.get_namespace()) == "numpy"
    assert B.backend_name(B.get_namespace([1.0, 2.0])) == "numpy"


def test_mixed_namespaces_raise():
    xs = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match="different array namespaces"):
        B.get_namespace(np.ones(3), xs.ones(3))
    with pytest.raises(TypeError, match="different array namespaces"):
        numsolve.solve(sp.eye(3, format="csr"), xs.ones(3))


def test_is_sparse():
    assert B.is_sparse(sp.eye(3, format="csr"))
    assert B.is_sparse(sp.csr_array(np.eye(2)))
    assert not B.is_sparse(np.eye(3))


def test_to_numpy_roundtrip():
    xs = pytest.importorskip("array_api_strict")
    a = xs.asarray([1.0, 2.0])
    out = B.to_numpy(a)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [1.0, 2.0])
    back = B.to_namespace(out, B.get_namespace(a))
    assert type(back) is type(a)
    assert B.to_numpy(None) is None
    M = sp.eye(2, format="csr")
    assert B.to_numpy(M) is M


def test_show_config(capsys):
    numsolve.show_config()
    out = capsys.readouterr().out
    assert "numpy" in out and "numba" in out and "CUDA device" in out
    cfg = numsolve.show_config(mode="dicts")
    assert cfg["numpy"] == np.__version__
    assert isinstance(cfg["cuda_device"], bool)
    with pytest.raises(ValueError, match="mode"):
        numsolve.show_config(mode="yaml")


def test_numba_disable_env(monkeypatch):
    B.numba_available.cache_clear()
    monkeypatch.setenv("NUMSOLVE_DISABLE_NUMBA", "1")
    try:
        assert not B.numba_available()
        A = numsolve.problems.poisson2d(8)
        res = numsolve.solve(A, np.ones(64), rtol=1e-10)
        assert res.backend == "numpy" and res.success
    finally:
        monkeypatch.delenv("NUMSOLVE_DISABLE_NUMBA")
        B.numba_available.cache_clear()
    assert B.numba_available()


def test_cuda_probe_is_boolean():
    assert B.cuda_available() in (True, False)
