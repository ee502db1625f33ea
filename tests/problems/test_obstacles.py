"""Obstacle masks and the Poisson systems built from them."""

import numpy as np
import pytest

from numsolve.problems import obstacle_mask, poisson2d, poisson3d


@pytest.mark.parametrize("kind", ["disk", "boxes", "random"])
@pytest.mark.parametrize("shape", [(23, 23), (11, 11, 11)])
def test_masks_build_spd_systems(kind, shape):
    solid = obstacle_mask(shape, kind, rng=0)
    assert solid.shape == shape and solid.dtype == bool
    assert 0 < solid.sum() < 0.6 * solid.size
    # the outer layer stays fluid
    assert not solid[(0,) * len(shape)] and not solid[tuple(s - 1 for s in shape)]
    gen = poisson2d if len(shape) == 2 else poisson3d
    A = gen(shape[0], obstacle=solid, coefficients=lambda *x: 1 + x[0])
    assert A.shape[0] == solid.size - solid.sum()
    assert abs(A - A.T).max() < 1e-14
    np.linalg.cholesky(A.toarray())  # raises LinAlgError unless positive definite


def test_seeded_and_errors():
    np.testing.assert_array_equal(obstacle_mask((20, 20), "random", rng=3),
                                  obstacle_mask((20, 20), "random", rng=3))
    with pytest.raises(ValueError, match="kind"):
        obstacle_mask((8, 8), "star")
    with pytest.raises(ValueError, match="shape"):
        obstacle_mask((8,))
    with pytest.raises(ValueError, match="radius"):
        obstacle_mask((8, 8), radius=0.9)
    with pytest.raises(ValueError, match="count"):
        obstacle_mask((8, 8), "boxes", count=-1)
