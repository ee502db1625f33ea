"""Offline batches of related PDE systems, for Krylov recycling and sorting (issue 18).

* :func:`darcy_sequence` - Darcy flow ``-div(a grad u) = f`` with random log-normal
  permeabilities ``a = exp(sigma g)``, ``g`` a Gaussian random field; 5-point finite volumes on
  an ``n x n`` grid (SPD). The data-generation setting of the SKR paper (Sorting Krylov
  Recycling, "Accelerating Data Generation for Neural Operators via Krylov Subspace Recycling").
* :func:`convection_diffusion_sequence` - ``-eps Lap u + w . grad u = f`` with a wind ``w`` whose
  direction varies from system to system; first-order upwind differences (nonsymmetric).
* :func:`heat_sweep` - one implicit Euler step ``(I + dt kappa_i (-Lap)) u = u0 + dt f`` of the
  heat equation for a sweep of diffusion coefficients ``kappa_i`` (SPD).

Each returns a list of ``(A_i, b_i, context_i)`` tuples; the context is a small feature vector
of the system's parameters (the coarse log-permeability, the wind angle, ``kappa``) that
:func:`numsolve.linalg.sort_systems` can order by.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._checks import as_rng, check_int, check_real
from ._poisson import poisson2d

__all__ = ["gaussian_random_field", "darcy_sequence", "convection_diffusion_sequence",
           "heat_sweep"]


def gaussian_random_field(n: int, *, alpha: float = 2.0, tau: float = 3.0, rng=None) -> np.ndarray:
    """A periodic Gaussian random field on an ``n x n`` grid, unit variance.

    Spectral synthesis: white noise filtered by ``(tau^2 + 4 pi^2 |k|^2)^(-alpha/2)`` (the
    Matern-type covariance ``(-Lap + tau^2)^(-alpha)`` of the FNO Darcy data), scaled to unit
    sample variance.

    Parameters
    ----------
    n : int
        Grid points per side.
    alpha : float
        Smoothness exponent of the spectral filter.
    tau : float
        Inverse length scale.
    rng : int or numpy.random.Generator, optional
        Seed of the white noise.

    Returns
    -------
    ndarray, shape (n, n)
        The field, zero mean and unit sample variance.

    Examples
    --------
    >>> from numsolve.problems import gaussian_random_field
    >>> g = gaussian_random_field(16, rng=0)
    >>> g.shape, round(float(g.std()), 6)
    ((16, 16), 1.0)
    """
    n = check_int("n", n, low=2)
    check_real("alpha", alpha, low=0.0, low_open=True)
    check_real("tau", tau, low=0.0)
    k = np.fft.fftfreq(n, d=1.0 / n)
    K2 = k[:, None] ** 2 + k[None, :] ** 2
    filt = (tau ** 2 + 4 * np.pi ** 2 * K2) ** (-alpha / 2)
    filt[0, 0] = 0.0  # zero mean
    noise = as_rng(rng).standard_normal((n, n))
    g = np.real(np.fft.ifft2(np.fft.fft2(noise) * filt))
    return (g - g.mean()) / g.std()


def _coarse(field: np.ndarray, m: int = 8) -> np.ndarray:
    """Block means of ``field`` on an ``m x m`` coarse grid (a cheap feature)."""
    n = field.shape[0]
    m = min(m, n)
    edges = np.linspace(0, n, m + 1).astype(int)
    return np.array([[field[edges[i]:edges[i + 1], edges[j]:edges[j + 1]].mean()
                      for j in range(m)] for i in range(m)]).ravel()


def darcy_sequence(T: int, n: int = 64, *, sigma: float = 1.0, alpha: float = 2.0,
                   tau: float = 3.0, f: float = 1.0, rng=None) -> list:
    """Darcy-flow systems with random log-normal permeability fields.

    ``-div(a grad u) = f`` on the unit square, ``u = 0`` on the boundary, ``a = exp(sigma g)``
    with ``g`` a unit-variance Gaussian random field (:func:`gaussian_random_field`); 5-point
    finite volumes with harmonic face means (:func:`~numsolve.problems.poisson2d`), scaled by
    ``h^2`` so that ``b = f h^2`` (``h = 1/(n+1)``).

    Parameters
    ----------
    T : int
        Number of systems.
    n : int, default 64
        Interior grid points per side (``n**2`` unknowns).
    sigma : float, default 1
        Standard deviation of ``log a`` (contrast ``~exp(6 sigma)``).
    alpha, tau : float
        Smoothness and inverse length scale of the field.
    f : float, default 1
        Constant source.
    rng : int or numpy.random.Generator, optional
        Draws the fields.

    Returns
    -------
    list of (A, b, context)
        CSR SPD matrix, right-hand side, and ``context`` = the ``8 x 8`` block means of
        ``log a`` (64 numbers; fewer for ``n < 8``), the feature
        :func:`~numsolve.linalg.sort_systems` uses.

    Examples
    --------
    >>> from numsolve.problems import darcy_sequence
    >>> seq = darcy_sequence(3, 16, rng=0)
    >>> A, b, ctx = seq[0]
    >>> A.shape, b.shape, ctx.shape
    ((256, 256), (256,), (64,))
    """
    T = check_int("T", T, low=1)
    n = check_int("n", n, low=2)
    check_real("sigma", sigma, low=0.0)
    check_real("f", f)
    gen = as_rng(rng)
    h2 = 1.0 / (n + 1) ** 2
    out = []
    for _ in range(T):
        g = sigma * gaussian_random_field(n, alpha=alpha, tau=tau, rng=gen)
        A = poisson2d(n, coefficients=np.exp(g))
        out.append((A, np.full(n * n, f * h2), _coarse(g)))
    return out


def _upwind_1d(n: int, w: float, h: float) -> sp.csr_array:
    """First-order upwind ``w d/dx`` on ``n`` interior points, zero Dirichlet ends."""
    e = np.ones(n)
    if w >= 0:
        D = sp.diags([e, -e[1:]], [0, -1], shape=(n, n))
    else:
        D = sp.diags([-e, e[1:]], [0, 1], shape=(n, n))
    return sp.csr_array(D * (w / h))


def convection_diffusion_sequence(T: int, n: int = 32, *, eps: float = 0.01,
                                  speed: float = 1.0, angles=None, rng=None) -> list:
    """Convection-diffusion systems ``-eps Lap u + w.grad(u) = 1`` with varying wind.

    ``w = speed (cos theta_i, sin theta_i)``; 5-point Laplacian plus first-order upwind
    convection on an ``n x n`` interior grid of the unit square, zero Dirichlet boundary. The
    matrices are nonsymmetric (for ``speed > 0``); the cell Peclet number is
    ``speed h / (2 eps)``.

    Parameters
    ----------
    T : int
        Number of systems.
    n : int, default 32
        Interior points per side.
    eps : float, default 0.01
        Diffusion.
    speed : float, default 1
        Wind speed.
    angles : array of T floats, optional
        Wind directions ``theta_i``; default ``T`` uniform draws in ``[0, 2 pi)``.
    rng : int or numpy.random.Generator, optional

    Returns
    -------
    list of (A, b, theta)
        CSR matrix, right-hand side (ones), the context ``[cos theta, sin theta]``.

    Examples
    --------
    >>> from numsolve.problems import convection_diffusion_sequence
    >>> A, b, ctx = convection_diffusion_sequence(2, 8, rng=0)[0]
    >>> A.shape, bool(abs(A - A.T).max() > 0)
    ((64, 64), True)
    """
    T = check_int("T", T, low=1)
    n = check_int("n", n, low=2)
    check_real("eps", eps, low=0.0, low_open=True)
    check_real("speed", speed, low=0.0)
    if angles is None:
        angles = as_rng(rng).uniform(0.0, 2 * np.pi, T)
    angles = np.asarray(angles, dtype=float).reshape(-1)
    if angles.size != T:
        raise ValueError(f"angles must have T={T} entries, got {angles.size}")
    h = 1.0 / (n + 1)
    L = poisson2d(n) * (eps / h ** 2)
    eye = sp.identity(n, format="csr")
    out = []
    for th in angles:
        wx, wy = speed * np.cos(th), speed * np.sin(th)
        # lexicographic order, last axis fastest: axis 0 = x (slow), axis 1 = y (fast)
        C = sp.kron(_upwind_1d(n, wx, h), eye) + sp.kron(eye, _upwind_1d(n, wy, h))
        A = sp.csr_array(L + C)
        A.sort_indices()
        out.append((A, np.ones(n * n), np.array([np.cos(th), np.sin(th)])))
    return out


def heat_sweep(kappas, n: int = 32, *, dt: float = 1e-2) -> list:
    """Implicit Euler heat steps for a sweep of diffusion coefficients.

    ``(I + dt kappa_i (-Lap_h)) u = u0 + dt f`` with ``u0 = sin(pi x) sin(pi y)`` and ``f = 1``
    on an ``n x n`` interior grid (``-Lap_h`` the scaled 5-point Laplacian): a parameter sweep
    whose matrices share their eigenvectors, the best case for recycling.

    Parameters
    ----------
    kappas : array of floats > 0
        Diffusion coefficients, one system each.
    n : int, default 32
    dt : float, default 1e-2

    Returns
    -------
    list of (A, b, kappa)

    Examples
    --------
    >>> from numsolve.problems import heat_sweep
    >>> seq = heat_sweep([0.1, 1.0], 8)
    >>> len(seq), seq[1][0].shape, seq[1][2]
    (2, (64, 64), 1.0)
    """
    kappas = np.asarray(kappas, dtype=float).reshape(-1)
    if kappas.size == 0 or not np.all(np.isfinite(kappas)) or np.any(kappas <= 0):
        raise ValueError("kappas must be a non-empty array of positive finite numbers")
    n = check_int("n", n, low=2)
    check_real("dt", dt, low=0.0, low_open=True)
    P = poisson2d(n, scaled=True)
    eye = sp.identity(n * n, format="csr")
    xs = np.arange(1, n + 1) / (n + 1)
    u0 = np.outer(np.sin(np.pi * xs), np.sin(np.pi * xs)).ravel()
    b = u0 + dt
    return [(sp.csr_array(eye + (dt * k) * P), b.copy(), float(k)) for k in kappas]
