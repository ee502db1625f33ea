"""Resolvents ``J_{eta G}`` of the simple part ``G`` of ``0 in F(u) + G(u)``.

A resolvent is a callable ``prox(v, eta) -> array`` returning ``argmin_u G(u) + ||u - v||^2 /
(2 eta)`` (the projection onto a set when ``G`` is its indicator; ``eta`` is then ignored). The
built-ins are written through the array namespace of ``v`` (NumPy, CuPy, ``array_api_strict``)
and have no Python loop over coordinates:

* :class:`Simplex` - exact Euclidean projection onto ``{u >= 0, sum(u) = r}``, the sort-based
  ``O(d log d)`` algorithm (Held, Wolfe & Crowder 1974; Condat 2016) with the threshold
  ``theta = max_k (cumsum(sort(v, desc))_k - r) / k``;
* :class:`Box` - clipping to ``[lower, upper]``;
* :class:`L1` - soft thresholding, the prox of ``lam ||u||_1``;
* :class:`Chi2BallSimplex` - projection onto ``{u in simplex, ||u - 1/d|| <= radius}`` (the
  chi-square ball of distributionally robust optimisation), by bisection on the multiplier of
  the ball constraint;
* :class:`Product` - blocks of consecutive coordinates, each with its own resolvent.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from .._backend import get_namespace
from .._checks import check_int, check_real

__all__ = ["Box", "Chi2BallSimplex", "Identity", "L1", "Product", "Simplex", "as_resolvent",
           "project_simplex"]


def project_simplex(v, radius: float = 1.0):
    """Euclidean projection of ``v`` onto ``{u >= 0, sum(u) = radius}`` (along the last axis).

    Parameters
    ----------
    v : array, shape (..., d)
        Points to project (one per leading index).
    radius : float
        Sum of the simplex, ``> 0``.

    Returns
    -------
    array, shape (..., d)
        The projections, in the namespace of ``v``.

    Notes
    -----
    With ``s = sort(v)`` in decreasing order, ``theta = max_k (s_1 + ... + s_k - radius) / k``
    and the projection is ``max(v - theta, 0)``: the maximum is attained at the number of
    positive entries of the projection, so no search (and no device-to-host sync) is needed.
    This is the sort-based ``O(d log d)`` algorithm of Held, Wolfe & Crowder [1]_ (also
    Duchi et al. [2]_); Condat [3]_ reviews it with faster expected-linear-time variants,
    which numsolve does not implement.

    References
    ----------
    .. [1] M. Held, P. Wolfe and H. P. Crowder, "Validation of subgradient optimization",
       Math. Program. 6:62-88, 1974.
    .. [2] J. Duchi, S. Shalev-Shwartz, Y. Singer and T. Chandra, "Efficient projections onto
       the l1-ball for learning in high dimensions", ICML 2008.
    .. [3] L. Condat, "Fast projection onto the simplex and the l1 ball", Math. Program.
       158(1):575-585, 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.monotone import project_simplex
    >>> project_simplex(np.array([0.5, 0.3, -1.0]))
    array([0.6, 0.4, 0. ])
    """
    xp = get_namespace(v)
    s = xp.sort(v, axis=-1, descending=True)
    k = xp.arange(1, v.shape[-1] + 1, dtype=v.dtype)
    theta = xp.max((xp.cumulative_sum(s, axis=-1) - radius) / k, axis=-1, keepdims=True)
    return xp.maximum(v - theta, xp.zeros_like(v))


class Identity:
    """The resolvent of ``G = 0`` (no constraint): ``prox(v, eta) = v``.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.monotone import Identity
    >>> Identity()(np.array([1.0, -2.0]), 0.5)
    array([ 1., -2.])
    """

    def __call__(self, v, eta: float = 1.0):
        return v

    def __repr__(self) -> str:
        return "Identity()"


class Simplex:
    """Projection onto the simplex ``{u >= 0, sum(u) = radius}`` (see :func:`project_simplex`).

    Parameters
    ----------
    radius : float, optional
        The simplex's total ``sum(u)``, ``> 0`` (default 1: probability vectors).

    Notes
    -----
    The sort-based algorithm of Held, Wolfe & Crowder [1]_ and Duchi et al. [2]_.

    References
    ----------
    .. [1] M. Held, P. Wolfe and H. P. Crowder, "Validation of subgradient optimization",
       Math. Program. 6:62-88, 1974.
    .. [2] J. Duchi, S. Shalev-Shwartz, Y. Singer and T. Chandra, "Efficient projections onto
       the l1-ball for learning in high dimensions", ICML 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.monotone import Simplex
    >>> Simplex()(np.array([2.0, 0.0]), 0.1)
    array([1., 0.])
    """

    def __init__(self, radius: float = 1.0):
        self.radius = check_real("radius", radius, low=0.0, low_open=True)

    def __call__(self, v, eta: float = 1.0):
        return project_simplex(v, self.radius)

    def __repr__(self) -> str:
        return f"Simplex(radius={self.radius:g})"


class Box:
    """Projection onto the box ``[lower, upper]`` (scalars or arrays; ``-inf``/``inf`` allowed).

    Parameters
    ----------
    lower, upper : float or array_like, optional
        The bounds (default ``[0, 1]``), broadcast against the vector.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.monotone import Box
    >>> Box(0.0, 1.0)(np.array([-0.5, 0.5, 2.0]))
    array([0. , 0.5, 1. ])
    """

    def __init__(self, lower: Any = 0.0, upper: Any = 1.0):
        self.lower, self.upper = lower, upper

    def __call__(self, v, eta: float = 1.0):
        xp = get_namespace(v)
        lo = self.lower if isinstance(self.lower, (int, float)) else xp.asarray(self.lower)
        hi = self.upper if isinstance(self.upper, (int, float)) else xp.asarray(self.upper)
        return xp.clip(v, lo, hi)

    def __repr__(self) -> str:
        return f"Box({self.lower!r}, {self.upper!r})"


class L1:
    """The prox of ``lam * ||u||_1``: soft thresholding at ``eta * lam``.

    Parameters
    ----------
    lam : float
        The L1 weight, ``>= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.monotone import L1
    >>> L1(1.0)(np.array([-2.0, 0.5, 3.0]), 0.5)
    array([-1.5,  0. ,  2.5])
    """

    def __init__(self, lam: float):
        self.lam = check_real("lam", lam, low=0.0)

    def __call__(self, v, eta: float = 1.0):
        xp = get_namespace(v)
        t = eta * self.lam
        return xp.sign(v) * xp.maximum(xp.abs(v) - t, xp.zeros_like(v))

    def __repr__(self) -> str:
        return f"L1(lam={self.lam:g})"


def chi2_path_step(z, radius: float):
    """Largest ``t`` with ``||project_simplex(c + t z) - c|| <= radius`` (along the last axis).

    ``c = 1/d`` is the centre of the simplex and ``z`` sums to zero. On the piece of the path
    where the projection's support is the top ``k`` entries of ``z`` (``m_k``, ``V_k`` the mean
    and the sum of squared deviations of those entries) the projection is ``1/k + t (z_i -
    m_k)`` and ``||u(t) - c||^2 = 1/k - 1/d + t^2 V_k``; the support shrinks at
    ``t_k = 1 / (k (m_k - z_(k)))``. Every piece's root is computed at once and the one inside
    its piece is kept (``inf`` when the path never leaves the ball).
    """
    xp = get_namespace(z)
    d = z.shape[-1]
    zs = xp.sort(z, axis=-1, descending=True)
    k = xp.arange(1, d + 1, dtype=z.dtype)
    m = xp.cumulative_sum(zs, axis=-1) / k
    V = xp.maximum(xp.cumulative_sum(zs * zs, axis=-1) - k * m * m, xp.zeros_like(zs))
    gap = m - zs
    inf = xp.full_like(zs, float("inf"))
    t_hi = xp.where(gap > 0, 1.0 / (k * xp.where(gap > 0, gap, xp.ones_like(gap))), inf)
    t_lo = xp.concat([t_hi[..., 1:], xp.zeros_like(t_hi[..., :1])], axis=-1)
    need = radius * radius - (1.0 / k - 1.0 / d)
    ok = (need >= 0) & (V > 0)
    t = xp.where(ok, xp.sqrt(xp.where(ok, need, xp.zeros_like(need))
                             / xp.where(V > 0, V, xp.ones_like(V))), inf)
    valid = ok & (t > t_lo * (1 - 1e-12)) & (t <= t_hi * (1 + 1e-12))
    return xp.min(xp.where(valid, t, inf), axis=-1, keepdims=True)


class Chi2BallSimplex:
    """Projection onto ``{u in simplex, ||u - c|| <= radius}``, ``c = (1/d, ..., 1/d)``.

    The chi-square divergence ``D(u || c) = d ||u - c||^2`` bounded by ``rho`` is this set with
    ``radius = sqrt(rho / d)``. By the KKT conditions of the ball constraint the projection is
    ``project_simplex(c + t (v - c))`` with the largest ``t <= 1`` that puts it in the ball;
    that ``t`` is exact, from one sort (``chi2_path_step``), with no search.

    Parameters
    ----------
    radius : float
        The Euclidean radius of the ball around the centre ``c``, ``> 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.monotone import Chi2BallSimplex
    >>> u = Chi2BallSimplex(0.1)(np.array([1.0, 0.0, 0.0]))
    >>> bool(abs(np.linalg.norm(u - 1 / 3) - 0.1) < 1e-12), bool(abs(u.sum() - 1) < 1e-12)
    (True, True)
    """

    def __init__(self, radius: float):
        self.radius = check_real("radius", radius, low=0.0, low_open=True)

    def __call__(self, v, eta: float = 1.0):
        xp = get_namespace(v)
        c = 1.0 / v.shape[-1]
        z = v - xp.mean(v, axis=-1, keepdims=True)
        t = xp.minimum(chi2_path_step(z, self.radius), xp.ones_like(z[..., :1]))
        return project_simplex(c + t * z)

    def __repr__(self) -> str:
        return f"Chi2BallSimplex(radius={self.radius:g})"


class Product:
    """Resolvent of a separable ``G(u) = sum_j G_j(u_j)`` on consecutive blocks of ``u``.

    Parameters
    ----------
    blocks : sequence of (int, resolvent)
        ``(size, prox)`` per block, in order; ``prox`` may be ``None`` (no constraint).

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.monotone import Product, Simplex
    >>> P = Product([(2, Simplex()), (2, Simplex())])
    >>> P(np.array([1.0, 0.0, 0.2, 0.2]))
    array([1. , 0. , 0.5, 0.5])
    """

    def __init__(self, blocks: Sequence[tuple[int, Callable | None]]):
        blocks = list(blocks)
        if not blocks:
            raise ValueError("blocks must name at least one (size, prox) block")
        self.sizes = [check_int("block size", s, low=1) for s, _ in blocks]
        self.proxes = [as_resolvent(p) for _, p in blocks]
        self.dim = sum(self.sizes)

    def __call__(self, v, eta: float = 1.0):
        xp = get_namespace(v)
        if v.shape[-1] != self.dim:
            raise ValueError(f"Product resolvent of dimension {self.dim} got a vector of "
                             f"length {v.shape[-1]}")
        same = all(type(p) is Simplex and p.radius == self.proxes[0].radius
                   for p in self.proxes) and len(set(self.sizes)) == 1
        if same:  # equal simplices: one batched projection
            m, k = len(self.sizes), self.sizes[0]
            return xp.reshape(self.proxes[0](xp.reshape(v, (m, k)), eta), (self.dim,))
        out, start = [], 0
        for size, prox in zip(self.sizes, self.proxes, strict=True):
            out.append(prox(v[start:start + size], eta))
            start += size
        return xp.concat(out)

    def __repr__(self) -> str:
        return f"Product({list(zip(self.sizes, self.proxes, strict=True))!r})"


def _accepts_two(func: Callable) -> bool:
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)


def as_resolvent(prox: Callable | None) -> Callable:
    """``prox`` as a two-argument resolvent ``prox(v, eta)``.

    ``None`` is the identity; a callable taking one positional argument (a projection) is
    called as ``prox(v)``; anything else that is not callable is a ``TypeError`` naming
    ``prox``.

    Parameters
    ----------
    prox : callable or None
        A resolvent ``prox(v, eta)``, a projection ``prox(v)``, or ``None``.

    Returns
    -------
    callable
        ``prox(v, eta)``.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.monotone import as_resolvent
    >>> r = as_resolvent(lambda v: np.maximum(v, 0.0))   # a projection, one argument
    >>> r(np.array([-1.0, 2.0]), 0.5)
    array([0., 2.])
    >>> as_resolvent(None)
    Identity()
    """
    if prox is None:
        return Identity()
    if not callable(prox):
        raise TypeError(f"prox must be None or a callable prox(v, eta), got "
                        f"{type(prox).__name__}")
    if _accepts_two(prox):
        return prox

    def two(v, eta=1.0):
        return prox(v)

    two.wrapped = prox  # type: ignore[attr-defined]
    return two
