"""The Learning-to-Relax sequences: shifted Poisson and the 2-D heat equation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from numsolve.problems import heat2d_sequence, poisson2d, shifted_poisson_sequence
from numsolve.problems._sequences import heat_kappa


@pytest.mark.parametrize("dist", ["high", "low"])
def test_shifted_poisson_distribution(dist):
    seq = list(shifted_poisson_sequence(400, dist, rng=0))
    A0 = poisson2d(10)
    cs = np.array([c for _, _, c in seq])
    assert np.all((cs >= -0.15) & (cs <= 0.45))
    # c = -0.15 + 0.6 Beta(a, b): mean -0.15 + 0.6 a / (a + b) = 0 for both settings
    a, b = {"high": (0.5, 1.5), "low": (2.0, 6.0)}[dist]
    sd = 0.6 * np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    assert abs(cs.mean() - (-0.15 + 0.6 * a / (a + b))) < 4 * sd / np.sqrt(cs.size)
    for A, rhs, c in seq[:5]:
        assert abs(A - A0 - c * np.eye(100)).max() < 1e-14
        assert rhs @ rhs <= 100  # rejection: |b| <= sqrt(n)


def test_shifted_poisson_seeding_and_errors():
    a = [b for _, b, _ in shifted_poisson_sequence(3, "low", rng=5)]
    b = [b for _, b, _ in shifted_poisson_sequence(3, "low", rng=5)]
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="distribution"):
        shifted_poisson_sequence(3, "medium")
    with pytest.raises(ValueError, match="T"):
        shifted_poisson_sequence(0)
    with pytest.raises(ValueError, match="Beta"):
        shifted_poisson_sequence(3, (0.0, 1.0))


def test_heat_kappa_and_steps():
    t = np.linspace(0, 1, 101)
    k = heat_kappa(t)
    assert np.all(k >= 0) and k.max() == pytest.approx(10.0, rel=1e-3)
    assert k[:50].max() == pytest.approx(0.1, rel=1e-3)
    gen = heat2d_sequence(12, 3, dt=0.2, t0=0.6)
    A, b, kap = next(gen)
    assert A.shape == (121, 121) and kap == pytest.approx(float(heat_kappa(0.7)))
    ev = np.linalg.eigvalsh(A.toarray())
    assert ev.min() >= 1.0 - 1e-12  # I + dt/2 kappa (-Lap): SPD, eigenvalues >= 1
    # Crank-Nicolson: the step is (I + dt/2 k P)^{-1} ((I - dt/2 k P) u + dt f)
    u1 = spla.spsolve(A.tocsc(), b)
    _, b2, _ = gen.send(u1)
    assert np.all(np.isfinite(b2)) and b2.shape == (121,)
    with pytest.raises(ValueError, match="nx"):
        heat2d_sequence(1, 3)
    with pytest.raises(ValueError, match="dt"):
        heat2d_sequence(10, 3, dt=-1.0)


def test_sequence_arguments_are_named_in_errors():
    with pytest.raises(TypeError, match="T must be an integer"):
        shifted_poisson_sequence(2.5)
    with pytest.raises(ValueError, match="N must be >= 1"):
        shifted_poisson_sequence(3, N=0)
    with pytest.raises(TypeError, match="rng"):
        shifted_poisson_sequence(3, rng="seed")
    with pytest.raises(ValueError, match="steps must be >= 1"):
        heat2d_sequence(10, 0)
    with pytest.raises(ValueError, match="dt"):
        heat2d_sequence(10, 3, dt=np.inf)
    # a Generator is used as is (it advances), an int seed restarts
    gen = np.random.default_rng(3)
    c1 = [c for _, _, c in shifted_poisson_sequence(2, rng=gen)]
    c2 = [c for _, _, c in shifted_poisson_sequence(2, rng=gen)]
    c3 = [c for _, _, c in shifted_poisson_sequence(2, rng=3)]
    assert c1 == c3 and c1 != c2
