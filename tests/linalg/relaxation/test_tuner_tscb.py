"""TsallisINFCB, the binned contextual Tsallis-INF (learners/TsallisINFCB.m, Learning to Relax)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import numsolve
from numsolve.linalg import ChebCB, TsallisINF, TsallisINFCB
from numsolve.linalg.relaxation._tuners import DEFAULT_GRID, replay
from numsolve.problems import shifted_poisson_sequence


def _cost_table(T, seed, best=1.6):
    """Integer iteration counts: a bowl around ``best`` plus noise, on the default grid."""
    gen = np.random.default_rng(seed)
    base = 12.0 + 150.0 * (DEFAULT_GRID - best) ** 2
    return np.rint(base * gen.uniform(0.8, 1.25, size=(T, DEFAULT_GRID.size)))


def _spec_bin(c, a, b, m):
    """The spec's rule, written independently: nearest of the centres a+(b-a)linspace(.5/m,..)."""
    centres = a + (b - a) * np.linspace(0.5 / m, 1 - 0.5 / m, m)
    return int(np.argmin(np.abs(centres - np.clip(c, a, b))))


# --- equivalence with the spec ----------------------------------------------------------------
@pytest.mark.parametrize("estimator, options", [
    ("rv", {}), ("iw", {}), ("rv", {"rv_baseline": 0.5, "rv_threshold": 16.0})])
def test_one_bin_plays_exactly_as_tsallis_inf(estimator, options):
    costs = _cost_table(400, 1)
    ctx = np.random.default_rng(2).uniform(-1.0, 1.0, 400)  # inside and outside the range
    ts = TsallisINF(estimator=estimator, rng=11, **options)
    cb = TsallisINFCB(n_bins=1, estimator=estimator, rng=11, **options)
    paid_ts = replay(ts, costs)
    paid_cb = replay(cb, costs, ctx)
    assert ts.history["arm"] == cb.history["arm"]  # the arm chosen, round by round
    np.testing.assert_array_equal(paid_ts, paid_cb)
    np.testing.assert_array_equal(ts.Lhat, cb.bins[0].Lhat)
    assert len(set(ts.history["arm"][-100:])) > 1  # the comparison is not trivial


def test_bins_are_independent_tsallis_inf_on_one_generator():
    """Against a reference built from the spec: one TsallisINF per bin, the nearest centre's
    bin plays, all bins draw from one generator seeded like the tuner."""
    a, b, m, T = -0.15, 0.65, 5, 300
    costs = _cost_table(T, 3)
    ctx = np.random.default_rng(4).uniform(-0.3, 0.8, T)
    shared = np.random.default_rng(21)
    refs = [TsallisINF(rng=shared) for _ in range(m)]
    ref_arms = []
    for t in range(T):
        j = _spec_bin(ctx[t], a, b, m)
        refs[j].predict()
        ref_arms.append(refs[j].history["arm"][-1])
        refs[j].update(costs[t, ref_arms[-1]])
    tuner = TsallisINFCB((a, b), n_bins=m, rng=21)
    replay(tuner, costs, ctx)
    assert tuner.history["arm"] == ref_arms
    for j in range(m):
        assert tuner.bins[j].t == refs[j].t > 0
        np.testing.assert_array_equal(tuner.bins[j].Lhat, refs[j].Lhat)


# --- bin assignment ---------------------------------------------------------------------------
def test_bin_assignment_centres_edges_and_clipping():
    a, b, m = -0.15, 0.65, 5
    tuner = TsallisINFCB((a, b), n_bins=m, rng=0)
    np.testing.assert_allclose(tuner.centres, [-0.07, 0.09, 0.25, 0.41, 0.57], atol=1e-15)
    for j, c in enumerate(tuner.centres):
        assert tuner.bin_of(c) == j
        assert tuner.bin_of(c + 0.079) == j and tuner.bin_of(c - 0.079) == j
    width = (b - a) / m
    for k in range(1, m):  # just either side of the inner edges
        edge = a + k * width
        assert tuner.bin_of(edge - 1e-9) == k - 1
        assert tuner.bin_of(edge + 1e-9) == k
    # the ends and outside the range: the end bins
    assert tuner.bin_of(a) == 0 and tuner.bin_of(-0.15 - 1e-12) == 0 and tuner.bin_of(-50) == 0
    assert tuner.bin_of(b) == m - 1 and tuner.bin_of(0.66) == m - 1 and tuner.bin_of(1e6) == m - 1
    assert tuner.bin_of(np.float32(0.25)) == 2 and tuner.bin_of(np.array(0.1)) == 1
    # agrees with the floor rule of equal-width bins away from exact ties
    cs = np.random.default_rng(0).uniform(-1, 1.5, 2000)
    floor_rule = np.clip(np.floor((np.clip(cs, a, b) - a) / width), 0, m - 1).astype(int)
    assert [tuner.bin_of(c) for c in cs] == floor_rule.tolist()
    # an exact tie (representable edge) goes to the lower bin
    t4 = TsallisINFCB((0.0, 4.0), n_bins=4)
    assert [t4.bin_of(c) for c in (1.0, 2.0, 3.0)] == [0, 1, 2]
    # the bin of each round is in the trajectory and each bin counts its own rounds
    costs = _cost_table(60, 5)
    ctx = np.random.default_rng(6).uniform(-0.5, 1.0, 60)
    replay(tuner, costs, ctx)
    bins = tuner.trajectory()["bin"]
    assert bins.tolist() == [_spec_bin(c, a, b, m) for c in ctx]
    assert [tb.t for tb in tuner.bins] == np.bincount(bins, minlength=m).tolist()


# --- each bin learns its own best arm ---------------------------------------------------------
def test_each_bin_learns_its_own_best_arm():
    """Three bins of [0, 3] whose best omega differs (1.2, 1.8, 1.4): late in the run each bin
    mostly plays its own best arm; one Tsallis-INF for all contexts cannot."""
    grid = np.array([1.0, 1.2, 1.4, 1.6, 1.8])
    best = {0: 1.2, 1: 1.8, 2: 1.4}
    T = 1500
    gen = np.random.default_rng(7)
    ctx = gen.uniform(0.0, 3.0, T)
    bin_ = np.minimum(ctx.astype(int), 2)
    opt = np.array([best[j] for j in bin_])
    costs = np.rint((15.0 + 400.0 * (grid[None, :] - opt[:, None]) ** 2)
                    * gen.uniform(0.9, 1.1, (T, grid.size)))
    tuner = TsallisINFCB((0.0, 3.0), grid, n_bins=3, rng=0)
    paid = replay(tuner, costs, ctx)
    late = slice(T - 500, T)
    om = tuner.trajectory()["omega"][late]
    for j in range(3):
        hit = np.mean(om[bin_[late] == j] == best[j])
        assert hit >= 0.7, (j, hit)
        assert tuner.best_omega(j + 0.5) == best[j]
    plain = TsallisINF(grid, rng=0)
    paid_plain = replay(plain, costs)
    assert paid[late].mean() < 0.7 * paid_plain[late].mean()
    assert paid[late].mean() < 1.2 * costs[late].min(axis=1).mean()  # near instance-optimal


# --- serialisation, seeding, protocol ---------------------------------------------------------
def _drive(tuner, rounds, gen):
    for _ in range(rounds):
        c = gen.uniform(-0.3, 0.8)
        w = tuner.predict(c)
        tuner.update(np.rint(10.0 + 100.0 * (w - 1.3 - c) ** 2))


def test_seeding_is_reproducible():
    a, b, c = TsallisINFCB(rng=7), TsallisINFCB(rng=np.random.default_rng(7)), TsallisINFCB(rng=8)
    for tuner in (a, b, c):
        _drive(tuner, 80, np.random.default_rng(0))
    np.testing.assert_array_equal(a.trajectory()["omega"], b.trajectory()["omega"])
    assert not np.array_equal(a.trajectory()["omega"], c.trajectory()["omega"])
    assert all(tb.rng is a.rng for tb in a.bins)


def test_state_dict_and_pickle_resume_mid_run():
    full = TsallisINFCB(rng=3)
    gen = np.random.default_rng(1)
    _drive(full, 50, gen)
    state = full.state_dict()
    blob = pickle.dumps(full)
    twin = copy.deepcopy(full)
    gen_state = gen.bit_generator.state
    _drive(full, 50, gen)
    fresh = TsallisINFCB(rng=99)
    fresh.load_state_dict(state)
    for resumed in (fresh, pickle.loads(blob), twin):
        assert all(tb.rng is resumed.rng for tb in resumed.bins)  # one shared generator
        g2 = np.random.default_rng()
        g2.bit_generator.state = gen_state
        _drive(resumed, 50, g2)
        for key in ("omega", "iterations", "bin"):
            np.testing.assert_array_equal(resumed.trajectory()[key], full.trajectory()[key])
        for tb, tf in zip(resumed.bins, full.bins):
            np.testing.assert_array_equal(tb.Lhat, tf.Lhat)
    # a state saved between predict() and update() resumes the pending round
    run = TsallisINFCB(rng=5)
    _drive(run, 20, np.random.default_rng(2))
    w = run.predict(0.3)
    saved = run.state_dict()
    run.update(17)
    _drive(run, 20, np.random.default_rng(3))
    other = TsallisINFCB(rng=0)
    other.load_state_dict(saved)
    assert other.history["omega"][-1] == w
    other.update(17)
    _drive(other, 20, np.random.default_rng(3))
    np.testing.assert_array_equal(other.trajectory()["omega"], run.trajectory()["omega"])
    with pytest.raises(ValueError, match="state is for"):
        TsallisINF().load_state_dict(state)
    with pytest.raises(ValueError, match="state is for"):
        TsallisINFCB().load_state_dict(TsallisINF().state_dict())


def test_cancel_leaves_the_bin_untouched():
    tuner = TsallisINFCB(rng=0)
    _drive(tuner, 10, np.random.default_rng(0))
    j = tuner.bin_of(0.5)
    before = tuner.bins[j].t
    tuner.predict(0.5)
    tuner.cancel()
    assert tuner.t == 10 and tuner.bins[j].t == before and tuner.bins[j]._pending is None
    assert len(tuner.history["omega"]) == 10
    tuner.predict(0.5)  # usable again
    tuner.update(12)
    assert tuner.bins[j].t == before + 1


def test_bad_input():
    with pytest.raises(ValueError, match="n_bins"):
        TsallisINFCB(n_bins=0)
    for bad in (2.5, True, "5", None):
        with pytest.raises(TypeError, match="n_bins"):
            TsallisINFCB(n_bins=bad)
    for bad in ((1.0, 0.0), (0.0, 0.0), (0.0, np.inf), (np.nan, 1.0)):
        with pytest.raises(ValueError, match="context_range"):
            TsallisINFCB(bad)
    for bad in ((1.0,), ("a", "b"), 3.0, None):
        with pytest.raises(TypeError, match="context_range"):
            TsallisINFCB(bad)
    with pytest.raises(ValueError, match="estimator"):
        TsallisINFCB(estimator="exp3")
    with pytest.raises(ValueError, match="grid"):
        TsallisINFCB(grid=[1.0, 2.0])
    with pytest.raises(TypeError, match="rng"):
        TsallisINFCB(rng="seed")
    tuner = TsallisINFCB(rng=0)
    with pytest.raises(ValueError, match="contextual"):
        tuner.predict()
    with pytest.raises(ValueError, match="finite"):
        tuner.predict(np.inf)
    with pytest.raises(TypeError, match="context"):
        tuner.predict("high")
    with pytest.raises(RuntimeError, match="without a preceding predict"):
        tuner.update(3)
    tuner.predict(0.1)
    with pytest.raises(ValueError, match="non-negative"):
        tuner.update(-1)
    assert tuner.t == 0 and all(tb.t == 0 for tb in tuner.bins)
    state = tuner.state_dict()
    state["bins"] = state["bins"][:2]
    with pytest.raises(ValueError, match="bins"):
        TsallisINFCB().load_state_dict(state)


# --- through the solvers ----------------------------------------------------------------------
def test_solve_batch_on_shifted_poisson():
    T = 25
    systems = list(shifted_poisson_sequence(T, "high", rng=3))
    tuner = TsallisINFCB((-0.15, 0.65), n_bins=5, rng=0)
    res = numsolve.solve_batch(systems, method="sor", omega=tuner, rtol=1e-8)
    assert bool(np.all(res.success)) and len(res.nit) == T
    traj = tuner.trajectory()
    assert len(traj["omega"]) == len(traj["iterations"]) == len(traj["bin"]) == tuner.t == T
    np.testing.assert_array_equal(traj["omega"], res.omega)
    np.testing.assert_array_equal(traj["iterations"], res.nit)
    ctx = np.array([c for _, _, c in systems])
    np.testing.assert_array_equal(res.context, ctx)
    assert traj["bin"].tolist() == [_spec_bin(c, -0.15, 0.65, 5) for c in ctx]
    assert sum(tb.t for tb in tuner.bins) == T
    for (A, b, _), x in zip(systems, res.x):  # SOR's answers, to rtol on the residual
        assert np.linalg.norm(b - A @ x) <= 1.01e-8 * np.linalg.norm(b)
    # single solves with context= give the same run as the batch
    again = TsallisINFCB((-0.15, 0.65), n_bins=5, rng=0)
    nit = [numsolve.solve(A, b, method="sor", omega=again, context=c, rtol=1e-8).nit
           for A, b, c in systems]
    np.testing.assert_array_equal(nit, res.nit)
    # ChebCB and TsallisINFCB take the same (A, b, c) sequence
    assert ChebCB.contextual and TsallisINFCB.contextual
