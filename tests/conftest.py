"""Shared fixtures: array backends and helpers.

``xp`` / ``backend`` run a test on every available array namespace: NumPy, ``array_api_strict``
(catches NumPy-only idioms in the generic code, standing in for CuPy on machines without a
GPU) and CuPy (only when a CUDA device is present).
"""

from __future__ import annotations

import numpy as np
import pytest

from numsolve._backend import cuda_available, module_available, to_numpy


def _backends():
    params = [pytest.param("numpy", id="numpy")]
    params.append(
        pytest.param(
            "array_api_strict",
            id="array_api_strict",
            marks=pytest.mark.skipif(
                not module_available("array_api_strict"), reason="array_api_strict missing"
            ),
        )
    )
    params.append(
        pytest.param(
            "cupy",
            id="cupy",
            marks=[pytest.mark.gpu,
                   pytest.mark.skipif(not cuda_available(), reason="no CUDA device")],
        )
    )
    return params


class Backend:
    """A namespace plus conversion helpers for tests."""

    def __init__(self, name: str):
        self.name = name
        if name == "numpy":
            import numpy as mod
        elif name == "array_api_strict":
            import array_api_strict as mod
        else:
            import cupy as mod
        self.xp = mod

    def asarray(self, a):
        if self.name == "numpy":
            return np.array(a, copy=True)
        return self.xp.asarray(np.asarray(a))

    def sparse(self, A):
        """Backend sparse matrix, or None when the backend has none (array_api_strict)."""
        if self.name == "numpy":
            return A
        if self.name == "cupy":
            import cupyx.scipy.sparse as csp

            return csp.csr_matrix(A.tocsr())
        return None

    @staticmethod
    def to_numpy(a):
        return to_numpy(a)

    def same_namespace(self, a) -> bool:
        if self.name == "numpy":
            return isinstance(a, np.ndarray)
        return type(a).__module__.split(".")[0] == self.name.split(".")[0]

    def __repr__(self):
        return f"Backend({self.name})"


@pytest.fixture(params=_backends())
def backend(request) -> Backend:
    return Backend(request.param)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
