"""Bad input: clear errors naming the argument."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import numsolve
from numsolve.problems import poisson2d

A = poisson2d(4)
b = np.ones(16)


@pytest.mark.parametrize("method", ["cg", "direct"])
def test_non_square(method):
    with pytest.raises(ValueError, match="A must be square"):
        numsolve.solve(np.ones((3, 4)), np.ones(3), method=method)
    with pytest.raises(ValueError, match="A must be square"):
        numsolve.solve(sp.random(3, 4, density=0.5, format="csr"), np.ones(3), method=method)


def test_wrong_shapes():
    with pytest.raises(ValueError, match="A must be 2-D"):
        numsolve.solve(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="b has shape"):
        numsolve.solve(A, np.ones(15))
    with pytest.raises(ValueError, match="solve_batch"):
        numsolve.solve(A, np.ones((16, 3)))
    with pytest.raises(ValueError, match="x0 has shape"):
        numsolve.solve(A, b, np.ones(5))
    with pytest.raises(ValueError, match="M must have shape"):
        numsolve.solve(A, b, M=np.eye(3))
    with pytest.raises(ValueError, match="must not be empty"):
        numsolve.solve(np.ones((0, 0)), np.ones(0))


def test_b_column_vector_accepted():
    res = numsolve.solve(A, np.ones((16, 1)), rtol=1e-10)
    assert res.x.shape == (16,) and res.success


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite(bad):
    bb = b.copy()
    bb[3] = bad
    with pytest.raises(ValueError, match="b contains NaN or inf"):
        numsolve.solve(A, bb)
    Ad = A.toarray()
    Ad[0, 0] = bad
    with pytest.raises(ValueError, match="A contains NaN or inf"):
        numsolve.solve(Ad, b)
    As = A.copy()
    As.data[0] = bad
    with pytest.raises(ValueError, match="A contains NaN or inf"):
        numsolve.solve(As, b)
    with pytest.raises(ValueError, match="x0 contains NaN or inf"):
        numsolve.solve(A, b, bb)


def test_dtypes():
    with pytest.raises(TypeError, match="b must have a numeric"):
        numsolve.solve(A, np.array(["a"] * 16))
    with pytest.raises(TypeError, match="b must have a numeric"):
        numsolve.solve(A, np.ones(16, dtype=bool))
    with pytest.raises(TypeError, match="A must have a numeric"):
        numsolve.solve(np.full((2, 2), "x"), np.ones(2))
    # mixed precisions promote like NumPy
    r = numsolve.solve(A.astype(np.float32), b.astype(np.float64), rtol=1e-8)
    assert r.x.dtype == np.float64 and r.success
    r = numsolve.solve(A.astype(np.float32), b.astype(np.float32), rtol=1e-4)
    assert r.x.dtype == np.float32
    r = numsolve.solve(A.astype(np.int64), np.ones(16, dtype=np.int64), rtol=1e-8)
    assert r.x.dtype == np.float64 and r.success


def test_bad_A_types():
    with pytest.raises(TypeError, match="LinearOperator"):
        numsolve.solve(lambda v: v, b)
    with pytest.raises(TypeError, match="b must be an array"):
        numsolve.solve(A, None)
    with pytest.raises(TypeError, match="M must be"):
        numsolve.solve(A, b, M="jacobi")
    with pytest.raises(TypeError, match="not a LinearOperator"):
        numsolve.solve(spla.aslinearoperator(A), b, method="direct")


@pytest.mark.parametrize("kw, err, match", [
    ({"rtol": -1}, ValueError, "rtol"),
    ({"rtol": np.nan}, ValueError, "rtol"),
    ({"atol": "x"}, TypeError, "atol"),
    ({"maxiter": 0}, ValueError, "maxiter"),
    ({"maxiter": 2.5}, TypeError, "maxiter"),
    ({"options": {"true_residual_every": -1}}, ValueError, "true_residual_every"),
    ({"options": {"rtol": 1}}, ValueError, "argument, not an option"),
])
def test_bad_parameters(kw, err, match):
    with pytest.raises(err, match=match):
        numsolve.solve(A, b, **kw)


def test_bad_preconditioner_output_shape():
    with pytest.raises(ValueError, match="preconditioner M returned"):
        numsolve.solve(A, b, M=lambda r: r[:3])


def test_use_numba_true_needs_csr():
    with pytest.raises(ValueError, match="use_numba=True"):
        numsolve.solve(A.toarray(), b, options={"use_numba": True})


def test_np_matrix_input():
    with pytest.warns(PendingDeprecationWarning):
        M = np.asmatrix(A.toarray())
    res = numsolve.solve(M, b, rtol=1e-10)
    assert res.success and isinstance(res.x, np.ndarray) and res.x.shape == (16,)
