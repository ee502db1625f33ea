"""Sequences of related linear systems (the two setups of *Learning to Relax*, ICLR 2024).

* :func:`shifted_poisson_sequence` - ``A_t = A + c_t I`` (``A`` the 5-point Laplacian on a
  10 x 10 grid), ``c_t = -0.15 + 0.6 Beta(alpha, beta)``, random right-hand sides.
* :func:`heat2d_sequence` - the 2-D heat equation ``u_t = kappa(t) Lap u + f(t, x)`` by
  Crank-Nicolson with a diffusion coefficient that swings between ~0.1 and ~10.

Both yield ``(A, b, context)`` tuples, ready for ``numsolve.solve_batch(seq, method='sor', ...)``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import numpy as np
import scipy.sparse as sp

from .._checks import as_rng, check_int, check_real
from ._poisson import poisson2d

__all__ = ["shifted_poisson_sequence", "heat2d_sequence", "BETA_SETTINGS", "heat_kappa"]

#: The two shift distributions of the paper: ``c = -0.15 + 0.6 * Beta(alpha, beta)``.
BETA_SETTINGS = {"high": (0.5, 1.5), "low": (2.0, 6.0)}


def shifted_poisson_sequence(
    T: int,
    distribution: str | tuple[float, float] = "high",
    *,
    N: int = 10,
    rng=None,
) -> Iterator[tuple[sp.csr_array, np.ndarray, float]]:
    """Diagonally shifted Poisson systems ``(A + c_t I) x = b_t``, ``t = 1..T``.

    Parameters
    ----------
    T : int
        Number of systems.
    distribution : {'high', 'low'} or (alpha, beta)
        ``c_t = -0.15 + 0.6 * Beta(alpha, beta)``: ``'high'`` variance is Beta(0.5, 1.5),
        ``'low'`` variance Beta(2, 6) (the paper's two settings).
    N : int, default 10
        Interior grid points per side (``n = N**2``; the paper's ``delsq(numgrid('S', 12))`` is
        ``N = 10``).
    rng : int or numpy.random.Generator, optional
        Draws ``c_t`` and ``b_t ~ N(0, I)`` conditioned on ``norm(b_t) <= sqrt(n)``
        (rejection sampling).

    Yields
    ------
    (A_t, b_t, c_t)
        CSR matrix, right-hand side, and the shift ``c_t`` (the context for contextual tuners;
        it lies in ``[-0.15, 0.45]``).

    References
    ----------
    .. [1] M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting
       solver parameters across a sequence of linear system instances", ICLR 2024,
       arXiv:2310.02246.

    Examples
    --------
    >>> from numsolve.problems import shifted_poisson_sequence
    >>> seq = list(shifted_poisson_sequence(3, "low", rng=0))
    >>> A, b, c = seq[0]
    >>> A.shape, b.shape, bool(-0.15 <= c <= 0.45)
    ((100, 100), (100,), True)
    """
    T = check_int("T", T, low=1)
    N = check_int("N", N, low=1)
    if isinstance(distribution, str):
        if distribution.lower() not in BETA_SETTINGS:
            raise ValueError(f"distribution must be 'high', 'low' or (alpha, beta), got "
                             f"{distribution!r}")
        alpha, beta = BETA_SETTINGS[distribution.lower()]
    else:
        alpha, beta = (float(v) for v in distribution)
        if not (alpha > 0 and beta > 0):
            raise ValueError(f"Beta parameters must be positive, got {distribution!r}")
    gen = as_rng(rng)
    A = poisson2d(N)
    n = A.shape[0]
    eye = sp.identity(n, format="csr")

    def it():
        for _ in range(T):
            c = -0.15 + 0.6 * gen.beta(alpha, beta)
            while True:
                b = gen.standard_normal(n)
                if b @ b <= n:
                    break
            yield sp.csr_array(A + c * eye), b, float(c)

    return it()


def heat_kappa(t):
    """Diffusion coefficient ``kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t)``."""
    s = np.sin(2 * np.pi * np.asarray(t, dtype=float))
    return np.maximum(0.1 * s, -10.0 * s)


def _bump(X, Y, cx, cy, r):
    d2 = ((X - cx) ** 2 + (Y - cy) ** 2) / r ** 2
    with np.errstate(divide="ignore", over="ignore"):
        out = np.exp(1.0 - 1.0 / (1.0 - np.minimum(1.0, d2)))
    return np.where(d2 < 1.0, out, 0.0)


def heat2d_sequence(
    nx: int = 100,
    steps: int = 500,
    *,
    dt: float = 1e-3,
    t0: float = 0.0,
) -> Generator[tuple[sp.csr_array, np.ndarray, float], np.ndarray | None, None]:
    """Crank-Nicolson steps of the 2-D heat equation with time-varying diffusion.

    ``u_t = kappa(t) Lap u + f(t, x)`` on the unit square, zero Dirichlet boundary, 5-point
    Laplacian on ``nx`` intervals per side (``(nx - 1)**2`` unknowns),
    ``kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t)``, a moving bump source
    ``f = 32 bump(x; (.5 + cos(16 pi t)/4, .5 + sin(16 pi t)/4), .125)`` and initial condition
    ``bump(x; (.5, .5), .25)`` (``utils/Heat2D.m`` of *Learning to Relax*). Step ``t -> t + dt``
    solves ``(I - dt/2 kappa L) u' = (I + dt/2 kappa L) u + dt f`` (``kappa``, ``f`` at
    ``t + dt/2``); ``A`` is SPD.

    The right-hand side of a step depends on the previous solution: this is a generator to which
    the solver *sends* each solution (``numsolve.solve_batch`` does so). Advanced with plain
    ``next()``, it solves each step itself with a sparse direct solver.

    Parameters
    ----------
    nx : int, default 100
        Intervals per side.
    steps : int, default 500
        Number of time steps.
    dt : float, default 1e-3
        Time step (the paper: 1e-3, 5000 steps).
    t0 : float, default 0
        Start time.

    Yields
    ------
    (A, b, kappa)
        The step's SPD matrix, right-hand side and diffusion coefficient ``kappa(t + dt/2)``
        (the context for contextual tuners; within ``[0, 10]``).

    References
    ----------
    .. [1] M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting
       solver parameters across a sequence of linear system instances", ICLR 2024,
       arXiv:2310.02246.

    Examples
    --------
    >>> import numsolve
    >>> from numsolve.problems import heat2d_sequence
    >>> res = numsolve.solve_batch(heat2d_sequence(16, 5), method="ssor-cg", omega=1.5,
    ...                            rtol=1e-8, warm_start=True)
    >>> len(res.nit), bool(res.success.all())
    (5, True)
    """
    nx = check_int("nx", nx, low=2)
    steps = check_int("steps", steps, low=1)
    check_real("dt", dt, low=0.0, low_open=True)  # dt itself is used as given
    h = 1.0 / nx
    m = nx - 1
    P = poisson2d(m) / h ** 2  # = -Laplacian, SPD
    eye = sp.identity(m * m, format="csr")
    xs = np.arange(1, nx) * h
    X, Y = np.meshgrid(xs, xs, indexing="ij")

    def source(t):
        return 32.0 * _bump(X, Y, 0.5 + np.cos(16 * np.pi * t) / 4,
                            0.5 + np.sin(16 * np.pi * t) / 4, 0.125).reshape(-1)

    def gen():
        u = _bump(X, Y, 0.5, 0.5, 0.25).reshape(-1)
        t = float(t0)
        for _ in range(steps):
            tm = t + dt / 2
            k = float(heat_kappa(tm))
            A = sp.csr_array(eye + (0.5 * dt * k) * P)
            b = u - (0.5 * dt * k) * (P @ u) + dt * source(tm)
            sent = yield A, b, k
            if sent is None:
                from scipy.sparse.linalg import spsolve

                sent = spsolve(A.tocsc(), b)
            u = np.asarray(sent, dtype=float).reshape(-1)
            t += dt

    return gen()
