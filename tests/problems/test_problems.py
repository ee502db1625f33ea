import numpy as np
import pytest
import scipy.sparse as sp

from numsolve.problems import poisson, poisson2d, poisson3d, random_spd


def test_poisson2d_matches_kron_form():
    N = 7
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(N, N))
    ref = sp.kron(sp.eye(N), T) + sp.kron(T, sp.eye(N))
    A = poisson2d(N)
    assert sp.issparse(A) and A.format == "csr"
    np.testing.assert_array_equal(A.toarray(), ref.toarray())


def test_poisson3d_matches_kron_form():
    N = 4
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(N, N))
    I = sp.eye(N)
    ref = sp.kron(sp.kron(I, I), T) + sp.kron(sp.kron(I, T), I) + sp.kron(sp.kron(T, I), I)
    np.testing.assert_array_equal(poisson3d(N).toarray(), ref.toarray())


def test_poisson_eigenvalues_closed_form():
    N = 9
    lam = np.linalg.eigvalsh(poisson2d(N).toarray())
    k = np.arange(1, N + 1)
    mu = 2 - 2 * np.cos(k * np.pi / (N + 1))
    ref = np.sort((mu[:, None] + mu[None, :]).ravel())
    np.testing.assert_allclose(lam, ref, atol=1e-12)


def test_scaled_and_rectangular_grid():
    A = poisson2d(5, scaled=True)
    assert A.diagonal()[0] == pytest.approx(4 * 36)
    B = poisson2d((3, 5))
    assert B.shape == (15, 15)
    assert poisson(6, d=1).shape == (6, 6)


def test_constant_coefficients_equal_default():
    np.testing.assert_allclose(poisson2d(6, coefficients=np.ones((6, 6))).toarray(),
                               poisson2d(6).toarray())
    np.testing.assert_allclose(poisson2d(6, coefficients=lambda x, y: 2.0 + 0 * x).toarray(),
                               2 * poisson2d(6).toarray())


def test_variable_coefficients_spd_and_harmonic_faces():
    rng = np.random.default_rng(0)
    c = np.exp(rng.standard_normal((5, 5)))
    A = poisson2d(5, coefficients=c).toarray()
    np.testing.assert_allclose(A, A.T)
    assert np.linalg.eigvalsh(A).min() > 0
    # face between cells (0,0) and (0,1): harmonic mean
    h = 2 * c[0, 0] * c[0, 1] / (c[0, 0] + c[0, 1])
    assert A[0, 1] == pytest.approx(-h)
    # row sums are the boundary-face coefficients (zero for interior cells)
    assert A[12].sum() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("bc", ["dirichlet", "neumann"])
def test_obstacles(bc):
    N = 8
    solid = np.zeros((N, N), dtype=bool)
    solid[3:5, 3:5] = True
    A = poisson2d(N, obstacle=solid, obstacle_bc=bc)
    assert A.shape == (N * N - 4, N * N - 4)
    dense = A.toarray()
    np.testing.assert_allclose(dense, dense.T)
    assert np.linalg.eigvalsh(dense).min() > 0
    A3 = poisson3d(4, obstacle=np.pad(np.ones((2, 2, 2), bool), 1), obstacle_bc=bc)
    assert A3.shape == (56, 56)


def test_problem_validation():
    with pytest.raises(ValueError, match="N must be"):
        poisson2d(0)
    with pytest.raises(ValueError, match="strictly positive"):
        poisson2d(3, coefficients=-np.ones((3, 3)))
    with pytest.raises(ValueError, match="grid shape"):
        poisson2d(3, coefficients=np.ones((2, 2)))
    with pytest.raises(ValueError, match="whole grid"):
        poisson2d(2, obstacle=np.ones((2, 2), bool))
    with pytest.raises(ValueError, match="obstacle_bc"):
        poisson2d(2, obstacle_bc="robin")
    with pytest.raises(ValueError, match="d must be"):
        poisson(3, d=4)


@pytest.mark.parametrize("spectrum", ["geometric", "linear", "clustered"])
def test_random_spd(spectrum):
    A = random_spd(40, cond=1e5, rng=7, spectrum=spectrum)
    np.testing.assert_allclose(A, A.T)
    lam = np.linalg.eigvalsh(A)
    assert lam.min() == pytest.approx(1.0, rel=1e-8)
    assert lam.max() == pytest.approx(1e5, rel=1e-8)
    np.testing.assert_array_equal(A, random_spd(40, cond=1e5, rng=7, spectrum=spectrum))
    with pytest.raises(ValueError, match="cond"):
        random_spd(3, cond=0.5)
    with pytest.raises(ValueError, match="spectrum"):
        random_spd(3, spectrum="weird")
    with pytest.raises(ValueError, match="n must be"):
        random_spd(0)


def test_obstacle_free_mask_equals_no_obstacle():
    # an all-fluid obstacle mask takes the obstacle code path and must give the same matrix
    rng = np.random.default_rng(0)
    c = rng.uniform(0.5, 2.0, (4, 5, 3))
    for bc in ("dirichlet", "neumann"):
        A = poisson3d((4, 5, 3), coefficients=c, obstacle=np.zeros((4, 5, 3), bool),
                      obstacle_bc=bc)
        B = poisson3d((4, 5, 3), coefficients=c)
        assert (A != B).nnz == 0
