"""Random symmetric positive definite test matrices with a prescribed spectrum."""

from __future__ import annotations

import numpy as np

from .._checks import as_rng

__all__ = ["random_spd"]


def random_spd(
    n: int,
    cond: float = 1e3,
    *,
    rng: int | np.random.Generator | None = None,
    spectrum: str = "geometric",
    dtype=np.float64,
) -> np.ndarray:
    """Dense random SPD matrix ``Q diag(lam) Q^T`` with condition number ``cond``.

    Parameters
    ----------
    n : int
        Size.
    cond : float
        Condition number (>= 1): eigenvalues range over ``[1, cond]``.
    rng : int or numpy.random.Generator, optional
        Seed or generator (same seed, same matrix).
    spectrum : {'geometric', 'linear', 'clustered'}
        Eigenvalue distribution: geometric or linear spacing between 1 and ``cond``, or all at
        1 except one at ``cond`` ('clustered').
    dtype : dtype
        Result dtype.

    Returns
    -------
    A : ndarray, shape (n, n)

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.problems import random_spd
    >>> A = random_spd(50, cond=1e4, rng=0)
    >>> bool(np.isclose(np.linalg.cond(A), 1e4))
    True
    """
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    n = int(n)
    if not np.isfinite(cond) or cond < 1:
        raise ValueError(f"cond must be a finite number >= 1, got {cond!r}")
    gen = as_rng(rng)
    if spectrum == "geometric":
        lam = np.geomspace(1.0, cond, n)
    elif spectrum == "linear":
        lam = np.linspace(1.0, cond, n)
    elif spectrum == "clustered":
        lam = np.ones(n)
        lam[-1] = cond
    else:
        raise ValueError(f"spectrum must be 'geometric', 'linear' or 'clustered', got {spectrum!r}")
    Q, R = np.linalg.qr(gen.standard_normal((n, n)))
    Q *= np.sign(np.diag(R))
    A = (Q * lam) @ Q.T
    A = 0.5 * (A + A.T)
    return A.astype(dtype)
