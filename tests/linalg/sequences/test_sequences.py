"""Sequences of related systems: deflated CG, GCRO-DR, SequenceSolver, sorting (issue 18)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import numsolve
from numsolve.linalg import SequenceSolver, sort_systems
from numsolve.problems import (
    convection_diffusion_sequence,
    darcy_sequence,
    heat_sweep,
    poisson2d,
)


def _direct(A, b):
    return spla.spsolve(sp.csc_matrix(A), b)


def _rel_err(x, A, b):
    xs = _direct(A, b)
    return np.linalg.norm(x - xs) / np.linalg.norm(xs)


# ---------------------------------------------------------------------------------- def-CG ---
def test_defcg_exact_eigenvectors_cut_iterations():
    """Deflating the 10 smallest exact eigenvectors: the same solution in far fewer steps."""
    A = poisson2d(20)
    b = np.random.default_rng(0).standard_normal(A.shape[0])
    w, V = np.linalg.eigh(A.toarray())
    plain = numsolve.solve(A, b, method="cg", rtol=1e-10)
    res = numsolve.solve(A, b, method="defcg", U=V[:, :10], k=0, rtol=1e-10)
    assert res.success and res.nit < 0.75 * plain.nit
    assert _rel_err(res.x, A, b) < 1e-8
    assert np.linalg.norm(b - A @ res.x) <= 1e-10 * np.linalg.norm(b)


def test_defcg_ritz_vectors_approach_eigenvectors():
    """Re-solving the same system: the recycled harmonic Ritz values approach the smallest
    eigenvalues, and the iteration count falls."""
    A, b, _ = darcy_sequence(1, 16, rng=0)[0]
    ev = np.linalg.eigvalsh(A.toarray())
    U, nits = None, []
    for _ in range(4):
        r = numsolve.solve(A, b, method="defcg", U=U, k=6, rtol=1e-8)
        assert r.success and _rel_err(r.x, A, b) < 1e-6
        U, nits = r.U, nits + [r.nit]
    ritz = np.linalg.eigvalsh(U.T @ (A @ U))
    assert ritz[0] == pytest.approx(ev[0], rel=1e-3)
    assert nits[-1] < nits[0]


def test_defcg_with_preconditioner_matches_direct():
    A, b, _ = darcy_sequence(1, 16, rng=1)[0]
    M = sp.diags(1.0 / A.diagonal())
    r1 = numsolve.solve(A, b, method="defcg", M=M, k=5, rtol=1e-10)
    r2 = numsolve.solve(A, b, method="defcg", M=M, U=r1.U, rtol=1e-10)
    assert r1.success and r2.success and r2.nit <= r1.nit
    assert _rel_err(r2.x, A, b) < 1e-7


def test_defcg_non_spd_is_a_breakdown():
    A = poisson2d(10) - 2.0 * sp.identity(100)  # indefinite
    b = np.ones(100)
    r = numsolve.solve(A, b, method="defcg", k=4, rtol=1e-8)
    assert not r.success and r.status == numsolve.Status.BREAKDOWN
    # a non-SPD system inside a CG sequence: that system fails, the others converge
    seq = [(poisson2d(10), b), (A, b), (poisson2d(10) * 1.1, b)]
    out = numsolve.solve_batch(seq, method="cg", recycle=4, rtol=1e-8)
    assert out.success.tolist() == [True, False, True]
    assert out.status[1] == numsolve.Status.BREAKDOWN and "not positive" in \
        out.results[1].message


@pytest.mark.parametrize("k", [-1, 1.5, "3", 100])
def test_bad_k(k):
    A = poisson2d(10)
    with pytest.raises((ValueError, TypeError), match="k"):
        numsolve.solve(A, np.ones(100), method="defcg", k=k)


def test_bad_recycle_and_U():
    A = poisson2d(5)
    with pytest.raises(ValueError, match="recycle"):
        SequenceSolver("cg", recycle=-2)
    with pytest.raises(ValueError, match="recycle"):
        SequenceSolver("cg", recycle=25).solve(A, np.ones(25))
    with pytest.raises(ValueError, match="U"):
        numsolve.solve(A, np.ones(25), method="defcg", U=np.ones((24, 2)))
    with pytest.raises(ValueError, match="k"):
        numsolve.solve(A, np.ones(25), method="gcrodr", k=40, restart=30)


# ---------------------------------------------------------------------------------- GCRO-DR --
def test_gcrodr_sequence_beats_restarted_gmres():
    seq = convection_diffusion_sequence(6, 32, angles=np.linspace(0.0, 1.0, 6))
    plain = sum(numsolve.solve(A, b, method="gmres", restart=40, rtol=1e-8).nit
                for A, b, _ in seq)
    out = numsolve.solve_batch(seq, method="gmres", recycle=20, restart=40, rtol=1e-8)
    assert out.success.all()
    assert out.totals["nit"] <= 0.6 * plain
    for (A, b, _), x in zip(seq, out.x):
        assert np.linalg.norm(b - A @ x) <= 1e-8 * np.linalg.norm(b) * (1 + 1e-9)
        assert _rel_err(x, A, b) < 1e-5


def test_gcrodr_single_system_matches_direct():
    A, b, _ = convection_diffusion_sequence(1, 12, rng=3)[0]
    r = numsolve.solve(A, b, method="gcrodr", k=5, restart=15, rtol=1e-10)
    assert r.success and r.U.shape[0] == A.shape[0]
    assert _rel_err(r.x, A, b) < 1e-7


# -------------------------------------------------------------------------- SequenceSolver --
def test_sequence_darcy_against_spsolve_and_plain_cg():
    seq = darcy_sequence(8, 24, rng=0, sigma=0.5)
    plain = [numsolve.solve(A, b, method="cg", rtol=1e-8).nit for A, b, _ in seq]
    out = numsolve.solve_batch(seq, method="cg", recycle=8, rtol=1e-8, sort=True)
    assert out.success.all() and sorted(out.order.tolist()) == list(range(8))
    for (A, b, _), x in zip(seq, out.x):
        assert _rel_err(x, A, b) < 1e-6
    assert out.totals["nit"] < sum(plain)
    assert out.totals["nmatvec"] >= out.totals["nit"]


def test_heat_sweep_recycling_cuts_iterations():
    seq = heat_sweep(np.linspace(1.0, 2.0, 10), 24, dt=0.1)
    plain = sum(numsolve.solve(A, b, method="cg", rtol=1e-10).nit for A, b, _ in seq)
    solver = SequenceSolver("cg", recycle=10, rtol=1e-10)
    res = solver.solve_all(seq)
    assert res.success.all() and res.totals["nit"] <= 0.8 * plain
    assert solver.totals["systems"] == 10


def test_state_save_load_round_trip(tmp_path):
    seq = heat_sweep(np.linspace(1.0, 2.0, 6), 12)
    a = SequenceSolver("cg", recycle=5, augment=2, rtol=1e-10)
    for A, b, _ in seq[:3]:
        a.solve(A, b)
    buf = io.BytesIO()
    a.save(buf)
    buf.seek(0)
    b_ = SequenceSolver("cg", recycle=5, augment=2, rtol=1e-10).load(buf)
    np.testing.assert_array_equal(b_.state["U"], a.state["U"])
    assert b_.totals == a.totals
    for A, b, _ in seq[3:]:
        ra, rb = a.solve(A, b), b_.solve(A, b)
        np.testing.assert_array_equal(ra.x, rb.x)
        assert ra.nit == rb.nit
    a.reset()
    assert a.state["U"] is None and a.totals["systems"] == 0
    with pytest.raises(ValueError, match="recycle"):
        SequenceSolver("cg", recycle=4).load_state_dict(b_.state_dict())
    np.savez(tmp_path / "s.npz", **b_.state_dict())
    SequenceSolver("cg", recycle=5, augment=2).load(tmp_path / "s.npz")


def test_size_change_starts_cold_and_bad_shapes():
    solver = SequenceSolver("cg", recycle=4, rtol=1e-8)
    r1 = solver.solve(poisson2d(6), np.ones(36))
    r2 = solver.solve(poisson2d(5), np.ones(25))  # other size: no warm start, no U
    assert r1.success and r2.success and solver.state["U"].shape == (25, 4)
    with pytest.raises(ValueError, match="b has shape"):
        solver.solve(poisson2d(5), np.ones(36))
    with pytest.raises(ValueError, match="B has"):
        numsolve.solve_batch([poisson2d(5)] * 2, [np.ones(25)], recycle=2)
    with pytest.raises(TypeError, match="system 0"):
        numsolve.solve_batch([np.ones(3)], recycle=2)


def test_sor_sequence_uses_tuner_and_amg_reuse():
    from numsolve.linalg import ChebCB
    from numsolve.problems import shifted_poisson_sequence

    seq = list(shifted_poisson_sequence(5, "low", rng=0))
    s = SequenceSolver("ssor-cg", recycle=0, rtol=1e-8, options={"omega": ChebCB(rng=0)})
    out = s.solve_all(seq)
    assert out.success.all() and len({r.omega for r in out.results}) >= 1
    amg = SequenceSolver("cg", recycle=4, rtol=1e-8, preconditioner="amg")
    out = amg.solve_all(heat_sweep(np.linspace(1, 1.2, 4), 16))
    assert out.success.all() and amg.totals["preconditioner_builds"] == 1


def test_sort_systems_orders_by_feature():
    kappas = [0.1, 5.0, 0.2, 4.0, 0.3]
    order = sort_systems(heat_sweep(kappas, 6))
    assert order.tolist() == [0, 2, 4, 3, 1]
    with pytest.raises(ValueError, match="empty"):
        sort_systems([])


def test_problems_validate():
    with pytest.raises(ValueError, match="T"):
        darcy_sequence(0)
    with pytest.raises(ValueError, match="angles"):
        convection_diffusion_sequence(3, 8, angles=[0.0])
    with pytest.raises(ValueError, match="kappas"):
        heat_sweep([-1.0])
    A, b, c = darcy_sequence(1, 10, rng=0)[0]
    assert (A != A.T).nnz == 0 and np.linalg.eigvalsh(A.toarray()).min() > 0


@pytest.mark.parametrize("method", ["defcg", "gcrodr"])
def test_array_api_strict_matches_numpy(method):
    """The generic (array-API) code path, standing in for CuPy: same iterates as NumPy."""
    xps = pytest.importorskip("array_api_strict")
    if method == "defcg":
        A = poisson2d(8).toarray()
    else:
        A = convection_diffusion_sequence(1, 8, angles=[0.4])[0][0].toarray()
    b = np.linspace(1.0, 2.0, A.shape[0])
    kw = dict(method=method, k=4, rtol=1e-10)
    ref = numsolve.solve(A, b, **kw)
    ref2 = numsolve.solve(A * 1.01, b, U=ref.U, **kw)
    out = numsolve.solve(xps.asarray(A), xps.asarray(b), **kw)
    out2 = numsolve.solve(xps.asarray(A * 1.01), xps.asarray(b), U=out.U, **kw)
    assert out2.success and type(out2.x).__module__.startswith("array_api_strict")
    np.testing.assert_allclose(np.asarray(out2.x), ref2.x, rtol=1e-8, atol=1e-12)
    assert out2.nit == ref2.nit


# ------------------------------------------------------------ SSOR by Eisenstat's trick ---
def test_ssor_pcg_matches_ssor_cg_and_direct():
    """``ssor=omega`` with ``k=0`` is SSOR-PCG: the iteration count of the existing
    ``method='ssor-cg'`` (same preconditioner), a third of plain CG's, the direct solution."""
    A, b, _ = darcy_sequence(1, 24, sigma=0.2, rng=3)[0]
    plain = numsolve.solve(A, b, method="cg", rtol=1e-10)
    ref = numsolve.solve(A, b, method="ssor-cg", omega=1.7, rtol=1e-10)
    res = numsolve.solve(A, b, method="defcg", k=0, ssor=1.7, rtol=1e-10)
    assert res.success and res.ssor == 1.7 and res.U is None
    assert abs(res.nit - ref.nit) <= 2 and res.nit < plain.nit / 3
    assert _rel_err(res.x, A, b) < 1e-8
    assert np.linalg.norm(b - A @ res.x) <= 1e-10 * np.linalg.norm(b)
    x0 = _direct(A, b) + 1e-3
    warm = numsolve.solve(A, b, x0, method="defcg", k=0, ssor=1.7, rtol=1e-10)
    assert warm.success and warm.nit < res.nit and _rel_err(warm.x, A, b) < 1e-8
    short = numsolve.solve(A, b, method="defcg", k=0, ssor=1.7, rtol=1e-10, maxiter=3)
    assert not short.success and short.nit == 3 and np.all(np.isfinite(short.x))
    assert np.linalg.norm(b - A @ short.x) < np.linalg.norm(b)


def test_ssor_recycling_sequence_beats_independent_pcg():
    """Recycled + sorted SSOR-PCG: the spsolve solutions, fewer iterations than independent
    SSOR-PCG with the same preconditioner, far fewer than plain CG."""
    seq = darcy_sequence(8, 32, sigma=0.2, rng=0)
    rec = numsolve.solve_batch(seq, method="cg", recycle=4, sort=True, rtol=1e-10,
                               preconditioner="ssor", omega=1.8)
    indep = [numsolve.solve(A, b, method="defcg", k=0, ssor=1.8, rtol=1e-10) for A, b, _ in seq]
    plain = [numsolve.solve(A, b, method="cg", rtol=1e-10) for A, b, _ in seq]
    assert rec.success.all() and all(r.success for r in indep)
    assert rec.totals["nit"] < 0.9 * sum(r.nit for r in indep)
    assert rec.totals["nit"] < 0.2 * sum(r.nit for r in plain)
    for (A, b, _), x in zip(seq, rec.x):
        assert _rel_err(x, A, b) < 1e-8
    assert max(r.k for r in rec.results) == 4
    s = SequenceSolver("cg", recycle=0, warm_start=False, preconditioner="ssor",
                       options={"omega": 1.8}, rtol=1e-10)
    out = s.solve_all(seq)
    assert out.totals["nit"] == sum(r.nit for r in indep)


def test_ssor_validation():
    A, b, _ = darcy_sequence(1, 8, rng=0)[0]
    for bad in (0.0, 2.0, -1.0, np.nan):
        with pytest.raises(ValueError, match="ssor"):
            numsolve.solve(A, b, method="defcg", ssor=bad)
    with pytest.raises(ValueError, match="no M"):
        numsolve.solve(A, b, method="defcg", ssor=1.0, M=sp.identity(A.shape[0]))
    with pytest.raises(ValueError, match="callback"):
        numsolve.solve(A, b, method="defcg", ssor=1.0, callback=lambda x: None)
    with pytest.raises(ValueError, match="host sparse"):
        numsolve.solve(A.toarray(), b, method="defcg", ssor=1.0)
    with pytest.raises(ValueError, match="diagonal"):
        numsolve.solve(A - sp.diags(A.diagonal()), b, method="defcg", ssor=1.0)
    with pytest.raises(ValueError, match="method='cg'"):
        SequenceSolver("gmres", preconditioner="ssor")
    with pytest.raises(ValueError, match="preconditioner"):
        SequenceSolver("cg", preconditioner="ilu")
