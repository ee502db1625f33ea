"""The CG Numba kernels: SLP-vectorised compilation, bit-identical to the scalar code."""

import platform

import numpy as np
import pytest
import scipy.sparse as sp
from numba import njit
from numba.core import config as numba_config

from numsolve.linalg.krylov import _cg_kernels as K
from numsolve.problems import poisson2d


def _plain(kernel):
    """The same Python kernel compiled by plain ``njit`` (SLP vectoriser off, no cache)."""
    return njit(nogil=True)(kernel.py_func)


def _csr(A):
    A = A.tocsr()
    return (A.indptr.astype(np.uint32), A.indices.astype(np.uint32), A.data)


@pytest.fixture(scope="module")
def plain_kernels():
    names = ["csr_spmm_coldot", "update_xr_colnorm", "update_p", "csr_residual_colnorm"]
    return {name: _plain(getattr(K, name)) for name in names}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("g", [1, 3, 4, 5, 9])
def test_simd_kernels_bit_identical_to_scalar_compilation(plain_kernels, dtype, g):
    rng = np.random.default_rng(g)
    S = sp.random(81, 81, density=0.05, rng=rng)
    A = (poisson2d(9) + 0.3 * (S + S.T)).astype(dtype)  # irregular rows next to stencil rows
    ip, ix, data = _csr(A)
    n = A.shape[0]
    P, X, R, B = (rng.standard_normal((n, g)).astype(dtype) for _ in range(4))
    alpha, beta = rng.uniform(0.1, 2.0, g), rng.uniform(0.1, 2.0, g)

    out = {}
    for tag, kern in (("simd", {k: getattr(K, k) for k in plain_kernels}),
                      ("plain", plain_kernels)):
        Q, pq = np.empty_like(P), np.empty(g)
        kern["csr_spmm_coldot"](ip, ix, data, P, Q, pq)
        X1, R1, rr = X.copy(), R.copy(), np.empty(g)
        kern["update_xr_colnorm"](X1, R1, P, Q, alpha, rr)
        P1 = P.copy()
        kern["update_p"](P1, R1, beta)
        R2, rr2 = np.empty_like(X), np.empty(g)
        kern["csr_residual_colnorm"](ip, ix, data, B, X, R2, rr2)
        out[tag] = (Q, pq, X1, R1, rr, P1, R2, rr2)
    for a, b in zip(out["simd"], out["plain"]):
        np.testing.assert_array_equal(a, b)
    # and the block product is the right one
    np.testing.assert_allclose(out["simd"][0], A @ P, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-5 if dtype == np.float32 else 1e-12)


def test_slp_flag_is_scoped_to_the_kernels_compilation():
    seen = []

    def probe(x):  # a trivial kernel; records the flag while its pass pipeline is built
        return x + 1.0

    disp = K._SLPDispatcher(py_func=probe, locals={},
                            targetoptions={"nopython": True, "nogil": True, "boundscheck": None})
    orig = type(disp).__mro__[1].compile

    def spy(self, sig):
        seen.append(numba_config.SLP_VECTORIZE)
        return orig(self, sig)

    before = numba_config.SLP_VECTORIZE
    mp = pytest.MonkeyPatch()
    mp.setattr(type(disp).__mro__[1], "compile", spy)
    try:
        assert disp(1.0) == 2.0
    finally:
        mp.undo()
    assert seen == [1]
    assert numba_config.SLP_VECTORIZE == before


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="checks x86 packed instructions")
def test_block_spmm_is_vectorised_across_columns():
    # a fresh, uncached compilation (inspection is disabled for cache-loaded code)
    disp = K._SLPDispatcher(py_func=K.csr_spmm_coldot.py_func, locals={},
                            targetoptions={"nopython": True, "nogil": True, "boundscheck": None})
    ip, ix, data = _csr(poisson2d(4))
    P = np.ones((16, 4))
    disp(ip, ix, data, P, np.empty_like(P), np.empty(4))
    asm = disp.inspect_asm(disp.signatures[0])
    assert "mulpd" in asm  # packed double multiply (vmulpd on AVX): four columns per instruction
    plain = _plain(K.csr_spmm_coldot)
    plain(ip, ix, data, P, np.empty_like(P), np.empty(4))
    assert "mulpd" not in plain.inspect_asm(plain.signatures[0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("g", [1, 2, 3, 4, 6, 7])
def test_split_updates_equal_update_xr_then_update_p(dtype, g):
    # the compiled multi-step path uses update_r_colnorm + update_xp (X's update deferred to
    # the pass over P); they must reproduce update_xr_colnorm + update_p exactly
    rng = np.random.default_rng(10 + g)
    n = 37
    X, R, P, Q = (rng.standard_normal((n, g)).astype(dtype) for _ in range(4))
    alpha, beta = rng.uniform(0.1, 2.0, g), rng.uniform(0.1, 2.0, g)

    X1, R1, P1, rr1 = X.copy(), R.copy(), P.copy(), np.empty(g)
    K.update_xr_colnorm(X1, R1, P1, Q, alpha, rr1)
    K.update_p(P1, R1, beta)

    X2, R2, P2, rr2 = X.copy(), R.copy(), P.copy(), np.empty(g)
    K.update_r_colnorm(R2, Q, alpha, rr2)
    K.update_xp(X2, P2, R2, alpha, beta)
    for a, b in ((X1, X2), (R1, R2), (P1, P2), (rr1, rr2)):
        np.testing.assert_array_equal(a, b)

    X3 = X.copy()
    K.update_x(X3, P, alpha)
    X4, R4 = X.copy(), R.copy()
    K.update_xr_colnorm(X4, R4, P, Q, alpha, np.empty(g))
    np.testing.assert_array_equal(X3, X4)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("g", [2, 3, 5, 6, 7])
def test_block_spmm_columns_equal_single_column_products(dtype, g):
    # four-, two- and one-column paths: a column's product and p.q do not depend on its block
    rng = np.random.default_rng(20 + g)
    S = sp.random(50, 50, density=0.1, rng=rng)
    A = (4 * sp.eye(50) + S + S.T).astype(dtype)
    ip, ix, data = _csr(A)
    P = rng.standard_normal((50, g)).astype(dtype)
    Q, pq = np.empty_like(P), np.empty(g)
    K.csr_spmm_coldot(ip, ix, data, P, Q, pq)
    for c in range(g):
        Pc = np.ascontiguousarray(P[:, c:c + 1])
        Qc, pqc = np.empty_like(Pc), np.empty(1)
        K.csr_spmm_coldot(ip, ix, data, Pc, Qc, pqc)
        np.testing.assert_array_equal(Q[:, c], Qc[:, 0])
        assert pq[c] == pqc[0]
        R = rng.standard_normal((50, g)).astype(dtype)
        Rc = np.ascontiguousarray(R[:, c:c + 1])
        rr, rrc = np.empty(g), np.empty(1)
        alpha = np.linspace(0.5, 1.5, g)
        K.update_r_colnorm(R, Q, alpha, rr)
        K.update_r_colnorm(Rc, Qc, alpha[c:c + 1], rrc)
        np.testing.assert_array_equal(R[:, c], Rc[:, 0])
        assert rr[c] == rrc[0]
