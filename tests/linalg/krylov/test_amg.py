"""AMGPreconditioner: PyAMG's hierarchy, the compiled V-cycle, and its reuse in sequences."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import numsolve
from numsolve.linalg import AMGPreconditioner, SequenceSolver
from numsolve.problems import darcy_sequence, poisson2d

pytest.importorskip("pyamg")


@pytest.fixture(scope="module")
def darcy():
    return darcy_sequence(6, 40, sigma=0.2, rng=3)


def test_symmetric_cycle_is_pyamgs(darcy):
    """The default cycle is ``hierarchy.aspreconditioner()`` to rounding, on several levels."""
    A = darcy[0][0]
    M = AMGPreconditioner(A, max_coarse=20)
    assert M.levels >= 3
    ref = M.hierarchy.aspreconditioner()
    rng = np.random.default_rng(0)
    for _ in range(3):
        v = rng.standard_normal(A.shape[0])
        np.testing.assert_allclose(M @ v, ref @ v, rtol=1e-12, atol=1e-14 * np.abs(ref @ v).max())


@pytest.mark.parametrize("smoothing", ["symmetric", "forward-backward"])
def test_cycle_is_spd_and_deterministic(darcy, smoothing):
    """CG needs a symmetric positive definite M; the same A gives the same M (PyAMG's random
    spectral-radius estimates are seeded), and the caller's global random state is kept."""
    A = darcy[1][0]
    state = np.random.get_state()  # noqa: NPY002 - the global state must be kept
    M1 = AMGPreconditioner(A, smoothing=smoothing)
    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(state[1:2], after[1:2]))
    M2 = AMGPreconditioner(A, smoothing=smoothing)
    n = A.shape[0]
    Md = np.column_stack([M1 @ e for e in np.eye(n)])
    np.testing.assert_allclose(Md, Md.T, atol=1e-12 * np.abs(Md).max())
    assert np.linalg.eigvalsh(0.5 * (Md + Md.T)).min() > 0
    v = np.random.default_rng(1).standard_normal(n)
    np.testing.assert_array_equal(M1 @ v, M2 @ v)
    assert M1.cycle_cost > M1.operator_complexity >= 1.0


def test_pcg_matches_direct_in_few_iterations(darcy):
    A, b, _ = darcy[2]
    exact = spla.spsolve(sp.csc_matrix(A), b)
    plain = numsolve.solve(A, b, method="cg", rtol=1e-10)
    for smoothing in ("symmetric", "forward-backward"):
        res = numsolve.solve(A, b, method="cg", M=AMGPreconditioner(A, smoothing=smoothing),
                             rtol=1e-10)
        assert res.success and 5 * res.nit < plain.nit
        assert np.linalg.norm(res.x - exact) <= 1e-8 * np.linalg.norm(exact)


def test_single_level_is_a_direct_solve():
    A = poisson2d(4)  # 16 unknowns <= max_coarse: one level, pinv(A)
    M = AMGPreconditioner(A, max_coarse=16)
    assert M.levels == 1
    v = np.arange(16.0)
    np.testing.assert_allclose(M @ v, np.linalg.solve(A.toarray(), v), rtol=1e-12)


def test_bad_input():
    A = poisson2d(8)
    with pytest.raises(TypeError, match="A must be a SciPy sparse"):
        AMGPreconditioner(A.toarray())
    with pytest.raises(ValueError, match="square"):
        AMGPreconditioner(sp.random(4, 5, density=0.5, format="csr"))
    with pytest.raises(ValueError, match="smoothing"):
        AMGPreconditioner(A, smoothing="jacobi")
    with pytest.raises(ValueError, match="presmoother"):
        AMGPreconditioner(A, presmoother="jacobi")


def test_sequence_reuses_the_hierarchy(darcy):
    """preconditioner='amg' builds once on this gently varying sequence (reuse needs < 3x the
    fresh count) and every system matches the direct solve."""
    s = SequenceSolver("cg", recycle=0, rtol=1e-10, preconditioner="amg")
    out = s.solve_all(darcy, sort=True)
    assert out.success.all()
    assert s.totals["preconditioner_builds"] == 1
    for (A, b, _), x in zip(darcy, out.x):
        exact = spla.spsolve(sp.csc_matrix(A), b)
        assert np.linalg.norm(x - exact) <= 1e-8 * np.linalg.norm(exact)
    fresh = sum(numsolve.solve(A, b, method="cg", rtol=1e-10).nit for A, b, _ in darcy)
    assert 5 * s.totals["nit"] < fresh


def test_rebuild_on_drift():
    """A sequence whose operator jumps (log-permeability spread 0.1 -> 2.5, contrast ~e^15):
    a hierarchy reused across the jump, or from one wild field on another, needs thousands
    of iterations (it hit maxiter before the mid-solve rebuild); a solve that passes
    rebuild_factor x the post-build count rebuilds M from its own system and goes on, so
    every system converges at a few times the cost of a fresh hierarchy."""
    calm = darcy_sequence(3, 24, sigma=0.1, rng=0)
    wild = darcy_sequence(3, 24, sigma=2.5, rng=1)
    seq = calm + wild
    fresh = [numsolve.solve(A, b, method="cg", rtol=1e-10,
                            M=AMGPreconditioner(A, smoothing="forward-backward")).nit
             for A, b, _ in seq]
    s = SequenceSolver("cg", recycle=0, rtol=1e-10, preconditioner="amg")
    out = s.solve_all(seq)
    assert out.success.all()
    assert s.totals["preconditioner_builds"] >= 3
    assert s.totals["nit"] <= 4 * sum(fresh)
    for (A, b, _), x in zip(seq, out.x):
        assert np.linalg.norm(b - A @ x) <= 1e-10 * np.linalg.norm(b)
