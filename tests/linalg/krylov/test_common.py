"""The shared plumbing of the Krylov solvers: preamble, options objects, stall guard."""

import numpy as np
import pytest

import numsolve
from numsolve.linalg.krylov._common import StallGuard, prepare_vector_problem
from numsolve.linalg.krylov._fcg import FCGOptions
from numsolve.problems import poisson2d


def test_prepare_vector_problem():
    A = poisson2d(4)
    b = np.arange(16.0)
    x0 = np.ones(16)
    pb = prepare_vector_problem(A, b, x0, None, 1e-3, 0.5, None, default_maxiter=lambda n: 7 * n)
    assert pb.maxiter == 7 * 16
    assert pb.tol == max(0.5, 1e-3 * np.linalg.norm(b))
    assert pb.b.shape == (16,) and pb.x.shape == (16,)
    pb.x[:] = 5.0  # the iterate is a copy: x0 is never modified
    assert (x0 == 1.0).all()
    with pytest.raises(ValueError, match="rtol"):
        prepare_vector_problem(A, b, None, None, -1.0, 0.0, None, default_maxiter=lambda n: n)
    with pytest.raises(ValueError, match="maxiter"):
        prepare_vector_problem(A, b, None, None, 1e-5, 0.0, 0, default_maxiter=lambda n: n)


def test_stall_guard():
    guard = StallGuard(1.0, 2)
    assert not guard.stalled(0.5)  # a 0.1 % gain resets the count
    assert not guard.stalled(0.4999)
    assert guard.stalled(0.49995)
    out = guard.outcome(7, [1.0])
    assert out["status"] == numsolve.Status.PRECISION_LOSS and out["nit"] == 7
    assert "2 iterations" in out["detail"]
    off = StallGuard(1.0, 0)
    assert not any(off.stalled(1.0) for _ in range(10))


def test_fcg_options():
    opts = FCGOptions(mmax=3, truncation="Notay")
    assert opts.truncation == "notay"
    assert [opts.window(i) for i in range(6)] == [1, 2, 1, 1, 2, 1]
    assert FCGOptions(mmax=0, truncation="notay").window(4) == 0
    assert FCGOptions(mmax=5).window(0) == 5
    assert FCGOptions(true_residual_every=3).true_residual_due(6)
    assert not FCGOptions(true_residual_every=0).true_residual_due(6)
    with pytest.raises(ValueError, match="mmax"):
        FCGOptions(mmax=-1)
    with pytest.raises(TypeError, match="stall_iterations"):
        FCGOptions(stall_iterations=2.5)
    with pytest.raises(ValueError, match="truncation"):
        FCGOptions(truncation="bogus")


@pytest.mark.parametrize("method,option", [("fcg", "mmax"), ("dcdm", "k"), ("gmres", "restart"),
                                           ("minres", "stall_iterations")])
def test_integer_options_refuse_floats(method, option):
    A = poisson2d(4)
    extra = {"model": lambda r: r} if method == "dcdm" else {}
    with pytest.raises(TypeError, match=option):
        numsolve.solve(A, np.ones(16), method=method, options={option: 2.5}, **extra)


def test_batch_forms_validate_true_residual_every():
    stack = np.stack([np.eye(3)] * 2)
    with pytest.raises(ValueError, match="true_residual_every"):
        numsolve.solve_batch(stack, np.ones((2, 3)), options={"true_residual_every": -1})
