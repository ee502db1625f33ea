import numpy as np
import pytest
import scipy.optimize as sopt

from numsolve import OptimizeResult, SolveResult
from numsolve._result import wrap_callback
from numsolve._status import CALLBACK_STOP


def test_results_are_scipy_results():
    r = OptimizeResult(x=np.ones(2), fun=1.0, success=True)
    assert isinstance(r, sopt.OptimizeResult)
    assert r.x is r["x"]
    s = SolveResult(x=np.ones(2), success=True, status=0, nit=3)
    assert isinstance(s, sopt.OptimizeResult)
    assert "nit" in repr(s)


@pytest.mark.parametrize(
    "status, nit, info", [(0, 5, 0), (1, 7, 7), (3, 2, -1), (4, 2, -1), (CALLBACK_STOP, 4, 4)]
)
def test_info_flag(status, nit, info):
    assert SolveResult(status=status, nit=nit).info == info


def test_info_flag_batched():
    assert SolveResult(status=np.array([0, 0]), nit=np.array([3, 4])).info == 0
    assert SolveResult(status=np.array([0, 1]), nit=np.array([3, 9])).info == 9
    assert SolveResult(status=np.array([0, 3]), nit=np.array([3, 9])).info == -1


def test_wrap_callback_modern_and_legacy():
    seen = []

    def modern(intermediate_result):
        seen.append(("modern", intermediate_result.nit))

    def legacy(xk):
        seen.append(("legacy", float(xk[0])))

    inter = OptimizeResult(x=np.array([2.0]), nit=3)
    assert wrap_callback(modern)(inter) is False
    assert wrap_callback(legacy)(inter) is False
    assert seen == [("modern", 3), ("legacy", 2.0)]
    assert wrap_callback(None) is None


def test_wrap_callback_stop_iteration():
    def stopper(xk):
        raise StopIteration

    assert wrap_callback(stopper)(OptimizeResult(x=np.zeros(1))) is True


def test_wrap_callback_rejects_non_callable():
    with pytest.raises(TypeError, match="callback"):
        wrap_callback(3)
