"""Equality-constrained test problems: ``min f(x)  s.t.  c(x) = 0``.

* :func:`hock_schittkowski` - the Hock-Schittkowski equality problems used by Hong, Na,
  Mahoney & Kolar (ICML 2023), with exact gradients, Hessians, constraint Jacobians and
  constraint Hessians, the standard starting points and the known optimal values;
* :func:`poisson_control` - discretised Poisson optimal control on an ``N x N`` grid (sparse,
  any ``N``): ``n = 2 N^2`` variables, ``m = N^2`` constraints;
* :func:`constrained_logistic` - logistic regression with 10 random linear constraints and the
  unit-sphere constraint ``||x||^2 = 1`` (nonconvex), on a data set given as arrays or by the
  name of a scikit-learn bundled data set.

Every problem is a :class:`ConstrainedProblem`: callables ``fun``, ``jac`` (gradient), ``hess``
and a SciPy :class:`~scipy.optimize.NonlinearConstraint` (``constraints``) carrying the
constraint Jacobian and Hessian (``hess(x, v)`` = Hessian of ``v^T c`` at ``x``), so the same
problem can be handed to :func:`numsolve.minimize` and to :func:`scipy.optimize.minimize`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import NonlinearConstraint

from .._checks import as_rng

__all__ = [
    "ConstrainedProblem",
    "HS_PROBLEMS",
    "hock_schittkowski",
    "poisson_control",
    "constrained_logistic",
]


@dataclass
class ConstrainedProblem:
    """An equality-constrained problem: minimise ``f(x)`` subject to ``c(x) = 0``.

    Attributes
    ----------
    name : str
    n, m : int
        Numbers of variables and of equality constraints.
    x0 : ndarray
        Standard starting point.
    fun, jac, hess : callable
        ``f(x)``, ``grad f(x)`` and ``hess f(x)`` (dense array or sparse matrix).
    cons, cons_jac, cons_hess : callable
        ``c(x)``, its Jacobian ``(m, n)`` and ``cons_hess(x, v)`` = Hessian of ``v^T c(x)``.
    f_star : float or None
        Known optimal value (literature), when there is one.
    x_star : ndarray or None
        A known minimiser, where it is simple.
    v0 : ndarray or None
        Suggested starting multipliers (``None``: zeros).
    info : dict
        Problem-specific extras (e.g. the grid and the exact solution of
        :func:`poisson_control`).

    Examples
    --------
    The problem can be handed to :func:`numsolve.minimize` and to SciPy alike:

    >>> import numsolve
    >>> from numsolve.problems import hock_schittkowski
    >>> p = hock_schittkowski("hs28")
    >>> p.n, p.m, p.f_star
    (3, 1, 0.0)
    >>> res = numsolve.minimize(p.fun, p.x0, method="auglag", jac=p.jac, hess=p.hess,
    ...                         constraints=p.constraints)
    >>> res.success, bool(p.kkt_residual(res.x, res.multipliers) < 1e-8)
    (True, True)
    """

    name: str
    n: int
    m: int
    x0: np.ndarray
    fun: Callable
    jac: Callable
    hess: Callable
    cons: Callable
    cons_jac: Callable
    cons_hess: Callable
    f_star: float | None = None
    x_star: np.ndarray | None = None
    v0: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def constraints(self) -> NonlinearConstraint:
        """The constraints as a SciPy ``NonlinearConstraint(c, 0, 0, jac=, hess=)``."""
        zero = np.zeros(self.m)
        return NonlinearConstraint(self.cons, zero, zero, jac=self.cons_jac,
                                   hess=self.cons_hess)

    def kkt_residual(self, x, v) -> float:
        """``||(grad f + J^T v, c)||_2`` at ``(x, v)`` (the Lagrangian ``f + v^T c``)."""
        g = self.jac(x) + self.cons_jac(x).T @ v
        return float(np.hypot(np.linalg.norm(g), np.linalg.norm(self.cons(x))))


def _hs(name, n, m, x0, f, g, h, c, J, hc, f_star, x_star=None) -> ConstrainedProblem:
    def fun(x):
        return float(f(np.asarray(x, dtype=float)))

    def jac(x):
        return np.asarray(g(np.asarray(x, dtype=float)), dtype=float)

    def hess(x):
        return np.asarray(h(np.asarray(x, dtype=float)), dtype=float)

    def cons(x):
        return np.atleast_1d(np.asarray(c(np.asarray(x, dtype=float)), dtype=float))

    def cons_jac(x):
        return np.asarray(J(np.asarray(x, dtype=float)), dtype=float).reshape(m, n)

    def cons_hess(x, v):
        return np.asarray(hc(np.asarray(x, dtype=float), np.asarray(v, dtype=float)),
                          dtype=float)

    return ConstrainedProblem(name=name, n=n, m=m, x0=np.asarray(x0, dtype=float), fun=fun,
                              jac=jac, hess=hess, cons=cons, cons_jac=cons_jac,
                              cons_hess=cons_hess, f_star=f_star,
                              x_star=None if x_star is None else np.asarray(x_star, float))


def _sym(n, entries):
    """Symmetric ``n x n`` matrix from ``{(i, j): value}`` (1-based, upper triangle)."""
    H = np.zeros((n, n))
    for (i, j), v in entries.items():
        H[i - 1, j - 1] = v
        H[j - 1, i - 1] = v
    return H


_S2 = np.sqrt(2.0)
_A56 = np.arcsin(np.sqrt(1 / 4.2))
_B56 = np.arcsin(np.sqrt(5 / 7.2))
_PI12, _PI16 = np.pi / 12, np.pi / 16


# derivatives too long for a lambda
def _hs26_h(x):
    d2 = 12 * (x[1] - x[2]) ** 2
    return _sym(3, {(1, 1): 2.0, (1, 2): -2.0, (2, 2): 2 + d2, (2, 3): -d2, (3, 3): d2})


def _hs47_g(x):
    d1, d2, d3, d4 = x[0] - x[1], x[1] - x[2], x[2] - x[3], x[3] - x[4]
    return [2 * d1, -2 * d1 + 3 * d2 ** 2, -3 * d2 ** 2 + 4 * d3 ** 3,
            -4 * d3 ** 3 + 4 * d4 ** 3, -4 * d4 ** 3]


def _hs47_h(x):
    d2, d3, d4 = x[1] - x[2], x[2] - x[3], x[3] - x[4]
    a, b, c = 6 * d2, 12 * d3 ** 2, 12 * d4 ** 2
    return _sym(5, {(1, 1): 2.0, (1, 2): -2.0, (2, 2): 2 + a, (2, 3): -a, (3, 3): a + b,
                    (3, 4): -b, (4, 4): b + c, (4, 5): -c, (5, 5): c})


def _hs50_h(x):
    d = 12 * (x[2] - x[3]) ** 2
    return _sym(5, {(1, 1): 2.0, (1, 2): -2.0, (2, 2): 4.0, (2, 3): -2.0, (3, 3): 2 + d,
                    (3, 4): -d, (4, 4): d + 2, (4, 5): -2.0, (5, 5): 2.0})


def _hs77_J(x):
    cs = np.cos(x[3] - x[4])
    return [[2 * x[0] * x[3], 0.0, 0.0, x[0] ** 2 + cs, -cs],
            [0.0, 1.0, 4 * x[2] ** 3 * x[3] ** 2, 2 * x[2] ** 4 * x[3], 0.0]]


def _hs77_hc(x, v):
    sn = np.sin(x[3] - x[4])
    return _sym(5, {(1, 1): 2 * x[3] * v[0], (1, 4): 2 * x[0] * v[0],
                    (4, 4): -sn * v[0] + 2 * x[2] ** 4 * v[1], (4, 5): sn * v[0],
                    (5, 5): -sn * v[0], (3, 3): 12 * x[2] ** 2 * x[3] ** 2 * v[1],
                    (3, 4): 8 * x[2] ** 3 * x[3] * v[1]})


#: builders of the Hock-Schittkowski problems, by name: ``_hs(name, n, m, x0, f, grad f,
#: hess f, c, c's Jacobian, Hessian of v^T c, f_star, x_star)``
_HS: dict[str, Callable[[], ConstrainedProblem]] = {
    "hs6": lambda: _hs(
        "HS6", 2, 1, [-1.2, 1.0],
        lambda x: (1 - x[0]) ** 2,
        lambda x: [-2 * (1 - x[0]), 0.0],
        lambda x: _sym(2, {(1, 1): 2.0}),
        lambda x: [10 * (x[1] - x[0] ** 2)],
        lambda x: [[-20 * x[0], 10.0]],
        lambda x, v: _sym(2, {(1, 1): -20 * v[0]}),
        0.0, [1.0, 1.0]),
    "hs7": lambda: _hs(
        "HS7", 2, 1, [2.0, 2.0],
        lambda x: np.log1p(x[0] ** 2) - x[1],
        lambda x: [2 * x[0] / (1 + x[0] ** 2), -1.0],
        lambda x: _sym(2, {(1, 1): (2 - 2 * x[0] ** 2) / (1 + x[0] ** 2) ** 2}),
        lambda x: [(1 + x[0] ** 2) ** 2 + x[1] ** 2 - 4],
        lambda x: [[4 * x[0] * (1 + x[0] ** 2), 2 * x[1]]],
        lambda x, v: _sym(2, {(1, 1): v[0] * (4 + 12 * x[0] ** 2), (2, 2): 2 * v[0]}),
        -np.sqrt(3.0), [0.0, np.sqrt(3.0)]),
    "hs9": lambda: _hs(
        "HS9", 2, 1, [0.0, 0.0],
        lambda x: np.sin(_PI12 * x[0]) * np.cos(_PI16 * x[1]),
        lambda x: [_PI12 * np.cos(_PI12 * x[0]) * np.cos(_PI16 * x[1]),
                   -_PI16 * np.sin(_PI12 * x[0]) * np.sin(_PI16 * x[1])],
        lambda x: _sym(2, {
            (1, 1): -_PI12 ** 2 * np.sin(_PI12 * x[0]) * np.cos(_PI16 * x[1]),
            (1, 2): -_PI12 * _PI16 * np.cos(_PI12 * x[0]) * np.sin(_PI16 * x[1]),
            (2, 2): -_PI16 ** 2 * np.sin(_PI12 * x[0]) * np.cos(_PI16 * x[1])}),
        lambda x: [4 * x[0] - 3 * x[1]],
        lambda x: [[4.0, -3.0]],
        lambda x, v: np.zeros((2, 2)),
        -0.5),
    "hs26": lambda: _hs(
        "HS26", 3, 1, [-2.6, 2.0, 2.0],
        lambda x: (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 4,
        lambda x: [2 * (x[0] - x[1]), -2 * (x[0] - x[1]) + 4 * (x[1] - x[2]) ** 3,
                   -4 * (x[1] - x[2]) ** 3],
        _hs26_h,
        lambda x: [(1 + x[1] ** 2) * x[0] + x[2] ** 4 - 3],
        lambda x: [[1 + x[1] ** 2, 2 * x[0] * x[1], 4 * x[2] ** 3]],
        lambda x, v: v[0] * _sym(3, {(1, 2): 2 * x[1], (2, 2): 2 * x[0], (3, 3): 12 * x[2] ** 2}),
        0.0, [1.0, 1.0, 1.0]),
    "hs27": lambda: _hs(
        "HS27", 3, 1, [2.0, 2.0, 2.0],
        lambda x: 0.01 * (x[0] - 1) ** 2 + (x[1] - x[0] ** 2) ** 2,
        lambda x: [0.02 * (x[0] - 1) - 4 * x[0] * (x[1] - x[0] ** 2), 2 * (x[1] - x[0] ** 2),
                   0.0],
        lambda x: _sym(3, {(1, 1): 0.02 - 4 * x[1] + 12 * x[0] ** 2, (1, 2): -4 * x[0],
                           (2, 2): 2.0}),
        lambda x: [x[0] + x[2] ** 2 + 1],
        lambda x: [[1.0, 0.0, 2 * x[2]]],
        lambda x, v: _sym(3, {(3, 3): 2 * v[0]}),
        0.04, [-1.0, 1.0, 0.0]),
    "hs28": lambda: _hs(
        "HS28", 3, 1, [-4.0, 1.0, 1.0],
        lambda x: (x[0] + x[1]) ** 2 + (x[1] + x[2]) ** 2,
        lambda x: [2 * (x[0] + x[1]), 2 * (x[0] + x[1]) + 2 * (x[1] + x[2]), 2 * (x[1] + x[2])],
        lambda x: _sym(3, {(1, 1): 2.0, (1, 2): 2.0, (2, 2): 4.0, (2, 3): 2.0, (3, 3): 2.0}),
        lambda x: [x[0] + 2 * x[1] + 3 * x[2] - 1],
        lambda x: [[1.0, 2.0, 3.0]],
        lambda x, v: np.zeros((3, 3)),
        0.0, [0.5, -0.5, 0.5]),
    "hs40": lambda: _hs(
        "HS40", 4, 3, [0.8, 0.8, 0.8, 0.8],
        lambda x: -x[0] * x[1] * x[2] * x[3],
        lambda x: [-x[1] * x[2] * x[3], -x[0] * x[2] * x[3], -x[0] * x[1] * x[3],
                   -x[0] * x[1] * x[2]],
        lambda x: _sym(4, {(1, 2): -x[2] * x[3], (1, 3): -x[1] * x[3], (1, 4): -x[1] * x[2],
                           (2, 3): -x[0] * x[3], (2, 4): -x[0] * x[2], (3, 4): -x[0] * x[1]}),
        lambda x: [x[0] ** 3 + x[1] ** 2 - 1, x[0] ** 2 * x[3] - x[2], x[3] ** 2 - x[1]],
        lambda x: [[3 * x[0] ** 2, 2 * x[1], 0.0, 0.0],
                   [2 * x[0] * x[3], 0.0, -1.0, x[0] ** 2],
                   [0.0, -1.0, 0.0, 2 * x[3]]],
        lambda x, v: _sym(4, {(1, 1): 6 * x[0] * v[0] + 2 * x[3] * v[1], (2, 2): 2 * v[0],
                              (1, 4): 2 * x[0] * v[1], (4, 4): 2 * v[2]}),
        -0.25, [2 ** (-1 / 3), 2 ** (-1 / 2), 2 ** (-11 / 12), 2 ** (-1 / 4)]),
    "hs42": lambda: _hs(
        "HS42", 4, 2, [1.0, 1.0, 1.0, 1.0],
        lambda x: float(np.sum((x - np.array([1.0, 2.0, 3.0, 4.0])) ** 2)),
        lambda x: 2 * (x - np.array([1.0, 2.0, 3.0, 4.0])),
        lambda x: 2 * np.eye(4),
        lambda x: [x[0] - 2, x[2] ** 2 + x[3] ** 2 - 2],
        lambda x: [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2 * x[2], 2 * x[3]]],
        lambda x, v: _sym(4, {(3, 3): 2 * v[1], (4, 4): 2 * v[1]}),
        28 - 10 * _S2, [2.0, 2.0, 0.6 * _S2, 0.8 * _S2]),
    "hs47": lambda: _hs(
        "HS47", 5, 3, [2.0, _S2, -1.0, 2 - _S2, 0.5],
        lambda x: ((x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 3 + (x[2] - x[3]) ** 4
                   + (x[3] - x[4]) ** 4),
        _hs47_g, _hs47_h,
        lambda x: [x[0] + x[1] ** 2 + x[2] ** 3 - 3, x[1] - x[2] ** 2 + x[3] - 1,
                   x[0] * x[4] - 1],
        lambda x: [[1.0, 2 * x[1], 3 * x[2] ** 2, 0.0, 0.0],
                   [0.0, 1.0, -2 * x[2], 1.0, 0.0],
                   [x[4], 0.0, 0.0, 0.0, x[0]]],
        lambda x, v: _sym(5, {(2, 2): 2 * v[0], (3, 3): 6 * x[2] * v[0] - 2 * v[1],
                              (1, 5): v[2]}),
        0.0, np.ones(5)),
    "hs48": lambda: _hs(
        "HS48", 5, 2, [3.0, 5.0, -3.0, 2.0, -2.0],
        lambda x: (x[0] - 1) ** 2 + (x[1] - x[2]) ** 2 + (x[3] - x[4]) ** 2,
        lambda x: [2 * (x[0] - 1), 2 * (x[1] - x[2]), -2 * (x[1] - x[2]), 2 * (x[3] - x[4]),
                   -2 * (x[3] - x[4])],
        lambda x: _sym(5, {(1, 1): 2.0, (2, 2): 2.0, (2, 3): -2.0, (3, 3): 2.0, (4, 4): 2.0,
                           (4, 5): -2.0, (5, 5): 2.0}),
        lambda x: [np.sum(x) - 5, x[2] - 2 * (x[3] + x[4]) + 3],
        lambda x: [[1.0] * 5, [0.0, 0.0, 1.0, -2.0, -2.0]],
        lambda x, v: np.zeros((5, 5)),
        0.0, np.ones(5)),
    "hs49": lambda: _hs(
        "HS49", 5, 2, [10.0, 7.0, 2.0, -3.0, 0.8],
        lambda x: ((x[0] - x[1]) ** 2 + (x[2] - 1) ** 2 + (x[3] - 1) ** 4 + (x[4] - 1) ** 6),
        lambda x: [2 * (x[0] - x[1]), -2 * (x[0] - x[1]), 2 * (x[2] - 1), 4 * (x[3] - 1) ** 3,
                   6 * (x[4] - 1) ** 5],
        lambda x: _sym(5, {(1, 1): 2.0, (1, 2): -2.0, (2, 2): 2.0, (3, 3): 2.0,
                           (4, 4): 12 * (x[3] - 1) ** 2, (5, 5): 30 * (x[4] - 1) ** 4}),
        lambda x: [x[0] + x[1] + x[2] + 4 * x[3] - 7, x[2] + 5 * x[4] - 6],
        lambda x: [[1.0, 1.0, 1.0, 4.0, 0.0], [0.0, 0.0, 1.0, 0.0, 5.0]],
        lambda x, v: np.zeros((5, 5)),
        0.0, np.ones(5)),
    "hs50": lambda: _hs(
        "HS50", 5, 3, [35.0, -31.0, 11.0, 5.0, -5.0],
        lambda x: ((x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[2] - x[3]) ** 4
                   + (x[3] - x[4]) ** 2),
        lambda x: [2 * (x[0] - x[1]), -2 * (x[0] - x[1]) + 2 * (x[1] - x[2]),
                   -2 * (x[1] - x[2]) + 4 * (x[2] - x[3]) ** 3,
                   -4 * (x[2] - x[3]) ** 3 + 2 * (x[3] - x[4]), -2 * (x[3] - x[4])],
        _hs50_h,
        lambda x: [x[0] + 2 * x[1] + 3 * x[2] - 6, x[1] + 2 * x[2] + 3 * x[3] - 6,
                   x[2] + 2 * x[3] + 3 * x[4] - 6],
        lambda x: [[1.0, 2.0, 3.0, 0.0, 0.0], [0.0, 1.0, 2.0, 3.0, 0.0],
                   [0.0, 0.0, 1.0, 2.0, 3.0]],
        lambda x, v: np.zeros((5, 5)),
        0.0, np.ones(5)),
    "hs51": lambda: _hs(
        "HS51", 5, 3, [2.5, 0.5, 2.0, -1.0, 0.5],
        lambda x: ((x[0] - x[1]) ** 2 + (x[1] + x[2] - 2) ** 2 + (x[3] - 1) ** 2
                   + (x[4] - 1) ** 2),
        lambda x: [2 * (x[0] - x[1]), -2 * (x[0] - x[1]) + 2 * (x[1] + x[2] - 2),
                   2 * (x[1] + x[2] - 2), 2 * (x[3] - 1), 2 * (x[4] - 1)],
        lambda x: _sym(5, {(1, 1): 2.0, (1, 2): -2.0, (2, 2): 4.0, (2, 3): 2.0, (3, 3): 2.0,
                           (4, 4): 2.0, (5, 5): 2.0}),
        lambda x: [x[0] + 3 * x[1] - 4, x[2] + x[3] - 2 * x[4], x[1] - x[4]],
        lambda x: [[1.0, 3.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0, -2.0],
                   [0.0, 1.0, 0.0, 0.0, -1.0]],
        lambda x, v: np.zeros((5, 5)),
        0.0, np.ones(5)),
    "hs52": lambda: _hs(
        "HS52", 5, 3, [2.0, 2.0, 2.0, 2.0, 2.0],
        lambda x: ((4 * x[0] - x[1]) ** 2 + (x[1] + x[2] - 2) ** 2 + (x[3] - 1) ** 2
                   + (x[4] - 1) ** 2),
        lambda x: [8 * (4 * x[0] - x[1]), -2 * (4 * x[0] - x[1]) + 2 * (x[1] + x[2] - 2),
                   2 * (x[1] + x[2] - 2), 2 * (x[3] - 1), 2 * (x[4] - 1)],
        lambda x: _sym(5, {(1, 1): 32.0, (1, 2): -8.0, (2, 2): 4.0, (2, 3): 2.0, (3, 3): 2.0,
                           (4, 4): 2.0, (5, 5): 2.0}),
        lambda x: [x[0] + 3 * x[1], x[2] + x[3] - 2 * x[4], x[1] - x[4]],
        lambda x: [[1.0, 3.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0, -2.0],
                   [0.0, 1.0, 0.0, 0.0, -1.0]],
        lambda x, v: np.zeros((5, 5)),
        1859 / 349, np.array([-33.0, 11.0, 180.0, -158.0, 11.0]) / 349),
    "hs56": lambda: _hs(
        "HS56", 7, 4, [1.0, 1.0, 1.0, _A56, _A56, _A56, _B56],
        lambda x: -x[0] * x[1] * x[2],
        lambda x: [-x[1] * x[2], -x[0] * x[2], -x[0] * x[1], 0.0, 0.0, 0.0, 0.0],
        lambda x: _sym(7, {(1, 2): -x[2], (1, 3): -x[1], (2, 3): -x[0]}),
        lambda x: [x[0] - 4.2 * np.sin(x[3]) ** 2, x[1] - 4.2 * np.sin(x[4]) ** 2,
                   x[2] - 4.2 * np.sin(x[5]) ** 2,
                   x[0] + 2 * x[1] + 2 * x[2] - 7.2 * np.sin(x[6]) ** 2],
        lambda x: [[1.0, 0.0, 0.0, -4.2 * np.sin(2 * x[3]), 0.0, 0.0, 0.0],
                   [0.0, 1.0, 0.0, 0.0, -4.2 * np.sin(2 * x[4]), 0.0, 0.0],
                   [0.0, 0.0, 1.0, 0.0, 0.0, -4.2 * np.sin(2 * x[5]), 0.0],
                   [1.0, 2.0, 2.0, 0.0, 0.0, 0.0, -7.2 * np.sin(2 * x[6])]],
        lambda x, v: _sym(7, {(4, 4): -8.4 * np.cos(2 * x[3]) * v[0],
                              (5, 5): -8.4 * np.cos(2 * x[4]) * v[1],
                              (6, 6): -8.4 * np.cos(2 * x[5]) * v[2],
                              (7, 7): -14.4 * np.cos(2 * x[6]) * v[3]}),
        -3.456),
    "hs77": lambda: _hs(
        "HS77", 5, 2, [2.0, 2.0, 2.0, 2.0, 2.0],
        lambda x: ((x[0] - 1) ** 2 + (x[0] - x[1]) ** 2 + (x[2] - 1) ** 2 + (x[3] - 1) ** 4
                   + (x[4] - 1) ** 6),
        lambda x: [2 * (x[0] - 1) + 2 * (x[0] - x[1]), -2 * (x[0] - x[1]), 2 * (x[2] - 1),
                   4 * (x[3] - 1) ** 3, 6 * (x[4] - 1) ** 5],
        lambda x: _sym(5, {(1, 1): 4.0, (1, 2): -2.0, (2, 2): 2.0, (3, 3): 2.0,
                           (4, 4): 12 * (x[3] - 1) ** 2, (5, 5): 30 * (x[4] - 1) ** 4}),
        lambda x: [x[0] ** 2 * x[3] + np.sin(x[3] - x[4]) - 2 * _S2,
                   x[1] + x[2] ** 4 * x[3] ** 2 - 8 - _S2],
        _hs77_J, _hs77_hc,
        0.24150513),
}

#: Names of the Hock-Schittkowski equality problems available from :func:`hock_schittkowski`.
HS_PROBLEMS: tuple[str, ...] = tuple(_HS)


def hock_schittkowski(name: str) -> ConstrainedProblem:
    """A Hock-Schittkowski equality-constrained test problem with exact derivatives.

    Parameters
    ----------
    name : str
        ``'hs6'``, ``'hs7'``, ``'hs9'``, ``'hs26'``, ``'hs27'``, ``'hs28'``, ``'hs40'``,
        ``'hs42'``, ``'hs47'``, ``'hs48'``, ``'hs49'``, ``'hs50'``, ``'hs51'``, ``'hs52'``,
        ``'hs56'`` or ``'hs77'`` (case-insensitive; see :data:`HS_PROBLEMS`).

    Returns
    -------
    ConstrainedProblem
        Objectives are the original HS ones (not halved), so ``f_star`` is the literature
        value.

    Notes
    -----
    The problems of Hock & Schittkowski [1]_ with their numbers there; the selection is the
    set of equality-constrained problems used in the experiments of Hong et al. [2]_.

    References
    ----------
    .. [1] W. Hock and K. Schittkowski, "Test Examples for Nonlinear Programming Codes",
       Lecture Notes in Economics and Mathematical Systems 187, Springer, 1981.
    .. [2] I. Hong, S. Na, M. W. Mahoney and M. Kolar, "Constrained optimization via exact
       augmented Lagrangian and randomized iterative sketching", ICML 2023,
       arXiv:2305.18379.

    Examples
    --------
    >>> from numsolve.problems import hock_schittkowski
    >>> p = hock_schittkowski("hs28")
    >>> p.n, p.m, p.f_star
    (3, 1, 0.0)
    >>> float(p.fun(p.x_star)), float(p.cons(p.x_star)[0])
    (0.0, 0.0)
    """
    key = str(name).lower().replace("-", "")
    if key not in _HS:
        raise ValueError(f"unknown Hock-Schittkowski problem {name!r}; available: "
                         + ", ".join(HS_PROBLEMS))
    return _HS[key]()


# ---------------------------------------------------------------------------------------------
# Poisson optimal control
# ---------------------------------------------------------------------------------------------
def poisson_control(N: int = 32, *, alpha: float = 0.1) -> ConstrainedProblem:
    """Discrete Poisson optimal control on an ``N x N`` interior grid (sparse, any ``N``).

    ``min 1/2 ||w - w_true||^2 + alpha/2 ||z||^2  s.t.  Lap_h w + z = 0``, with the 5-point
    Laplacian divided by ``h^2``, ``h = 2 / (N + 1)``, zero Dirichlet boundary, and the target
    ``w_true[i, j] = sin(4 + 0.1/sqrt(15) (i - (N+1)/2)) + cos(3 + 0.1/sqrt(15) (j - (N+1)/2))``
    (Hong et al., ICML 2023, with ``alpha = 0.1``). Variables ``x = (w, z)``: ``n = 2 N^2``,
    ``m = N^2``. Starting point ``x0 = 1`` and multipliers ``v0 = 1`` (as in the paper).

    The problem is a convex quadratic program: ``info['solution']()`` returns its exact
    solution and multipliers from one sparse KKT solve (for tests).

    Parameters
    ----------
    N : int
        Interior grid points per side.
    alpha : float
        Weight of the control cost (the paper's ``0.1``).

    Returns
    -------
    ConstrainedProblem
        With sparse (CSR) constraint Jacobian and diagonal Hessian; ``info`` holds ``N``,
        ``h``, ``w_true`` and ``solution``.

    References
    ----------
    .. [1] I. Hong, S. Na, M. W. Mahoney and M. Kolar, "Constrained optimization via exact
       augmented Lagrangian and randomized iterative sketching", ICML 2023.

    Examples
    --------
    >>> import numsolve
    >>> from numsolve.problems import poisson_control
    >>> p = poisson_control(8)
    >>> p.n, p.m
    (128, 64)
    >>> res = numsolve.minimize(p.fun, p.x0, method="auglag", jac=p.jac, hess=p.hess,
    ...                         constraints=p.constraints)
    >>> res.success, bool(res.kkt_residual < 1e-8)
    (True, True)
    """
    if not isinstance(N, (int, np.integer)) or N < 1:
        raise ValueError(f"N must be a positive integer, got {N!r}")
    N = int(N)
    h = 2.0 / (N + 1)
    T = sp.diags([-np.ones(N - 1), 2 * np.ones(N), -np.ones(N - 1)], [-1, 0, 1])
    I_N = sp.identity(N)
    # Lap_h = -(T (x) I + I (x) T) / h^2  (the discrete Laplacian, negative definite)
    L = (-(sp.kron(T, I_N) + sp.kron(I_N, T)) / h**2).tocsr()
    nn = N * N
    idx = np.arange(1, N + 1)
    s = 0.1 / np.sqrt(15.0)
    wt = (np.sin(4 + s * (idx[:, None] - (N + 1) / 2))
          + np.cos(3 + s * (idx[None, :] - (N + 1) / 2))).ravel()
    G = sp.hstack([L, sp.identity(nn)], format="csr")
    Hd = np.concatenate([np.ones(nn), alpha * np.ones(nn)])
    H = sp.diags(Hd, format="csr")

    def fun(x):
        w, z = x[:nn], x[nn:]
        return float(0.5 * np.dot(w - wt, w - wt) + 0.5 * alpha * np.dot(z, z))

    def jac(x):
        return np.concatenate([x[:nn] - wt, alpha * x[nn:]])

    def hess(x):
        return H

    def cons(x):
        return G @ x

    def cons_jac(x):
        return G

    def cons_hess(x, v):
        return sp.csr_matrix((2 * nn, 2 * nn))

    def solution():
        K = sp.bmat([[H, G.T], [G, None]], format="csc")
        rhs = np.concatenate([np.concatenate([wt, np.zeros(nn)]), np.zeros(nn)])
        from scipy.sparse.linalg import spsolve

        sol = spsolve(K, rhs)
        return sol[: 2 * nn], sol[2 * nn:]

    prob = ConstrainedProblem(
        name=f"POISSON-CONTROL-{N}", n=2 * nn, m=nn, x0=np.ones(2 * nn), fun=fun, jac=jac,
        hess=hess, cons=cons, cons_jac=cons_jac, cons_hess=cons_hess, f_star=None,
        v0=np.ones(nn), info={"N": N, "h": h, "w_true": wt, "solution": solution})
    return prob


# ---------------------------------------------------------------------------------------------
# constrained logistic regression
# ---------------------------------------------------------------------------------------------
_SKLEARN_BINARY = {
    "breast_cancer": "load_breast_cancer",
    "digits": "load_digits",  # even vs odd digit
    "wine": "load_wine",  # class 0 vs the rest
    "iris": "load_iris",  # setosa vs the rest
}


def _load_dataset(name: str):
    try:
        import sklearn.datasets as skd
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise ImportError("constrained_logistic(dataset=<name>) needs scikit-learn") from exc
    key = name.lower()
    if key not in _SKLEARN_BINARY:
        raise ValueError(f"unknown data set {name!r}; available: {', '.join(_SKLEARN_BINARY)}")
    data = getattr(skd, _SKLEARN_BINARY[key])()
    X, y = np.asarray(data.data, dtype=float), np.asarray(data.target)
    if key == "digits":
        y = y % 2
    elif key in ("wine", "iris"):
        y = (y == 0).astype(int)
    y = np.where(y > 0, 1.0, -1.0)
    # scale features to [-1, 1] (as LIBSVM's *_scale files)
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    X = 2 * (X - lo) / span - 1
    return X, y


def constrained_logistic(data: str | tuple = "breast_cancer", *, n_linear: int = 10,
                         rng: int | np.random.Generator | None = 0) -> ConstrainedProblem:
    """Logistic regression with random linear constraints and ``||x||^2 = 1``.

    ``min (1/N) sum_i log(1 + exp(-y_i z_i^T x))  s.t.  A x = b,  ||x||^2 = 1``, with ``A``
    ``(n_linear, d)`` and ``b`` entrywise standard normal (Hong et al., ICML 2023; the sphere
    makes the problem nonconvex). Start ``x0 = 1``, ``v0 = 1``.

    Parameters
    ----------
    data : str or (Z, y)
        A scikit-learn bundled binary data set (``'breast_cancer'``, ``'digits'`` (parity),
        ``'wine'`` (class 0 vs rest), ``'iris'`` (setosa vs rest)), features scaled to
        ``[-1, 1]``; or arrays ``Z`` (``(N, d)``) and labels ``y`` in ``{-1, +1}``.
    n_linear : int
        Number of random linear constraints (``< d``). Their ``N(0, 1)`` entries (the paper's
        setting) make the problem infeasible when the affine set ``{A x = b}`` misses the unit
        sphere, likelier the smaller ``d``: that raises ``ValueError`` (``'wine'``, ``d = 13``,
        needs ``n_linear <= 5`` with the default ``rng``). ``info['min_norm']`` is the norm of
        the affine set's point nearest the origin.
    rng : int or Generator
        Seed for ``A`` and ``b``.

    Returns
    -------
    ConstrainedProblem
        ``n = d`` variables and ``m = n_linear + 1`` constraints; ``info['min_norm']`` as
        above.

    Examples
    --------
    With a scikit-learn data set (``constrained_logistic("breast_cancer")``: ``n = 30``,
    ``m = 11``) or with arrays:

    >>> import numpy as np
    >>> from numsolve.problems import constrained_logistic
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.uniform(-1, 1, (200, 20))
    >>> y = np.where(Z[:, 0] + 0.1 * rng.standard_normal(200) > 0, 1.0, -1.0)
    >>> p = constrained_logistic((Z, y), n_linear=3)
    >>> p.n, p.m
    (20, 4)
    """
    if isinstance(data, str):
        Z, y = _load_dataset(data)
        name = data
    else:
        Z, y = (np.asarray(a, dtype=float) for a in data)
        name = "custom"
        if Z.ndim != 2 or y.shape != (Z.shape[0],):
            raise ValueError(f"data must be (Z (N, d), y (N,)), got shapes {Z.shape}, {y.shape}")
        if not np.all(np.isin(y, (-1.0, 1.0))):
            raise ValueError("labels y must be -1 or +1")
    N, d = Z.shape
    if not 0 <= n_linear < d:
        raise ValueError(f"n_linear must be in [0, d) = [0, {d}), got {n_linear}")
    gen = as_rng(rng)
    A = gen.standard_normal((n_linear, d))
    b = gen.standard_normal(n_linear)
    # the sphere must meet the affine set {A x = b}: its point nearest the origin has norm <= 1
    min_norm = float(np.linalg.norm(np.linalg.lstsq(A, b, rcond=None)[0])) if n_linear else 0.0
    if min_norm > 1.0:
        raise ValueError(
            f"the problem is infeasible: the {n_linear} random linear constraints (rng={rng!r}) "
            f"leave no point with ||x|| = 1 (the nearest has norm {min_norm:.3g}); use a "
            f"smaller n_linear (d = {d}) or another rng")
    yZ = y[:, None] * Z

    def fun(x):
        return float(np.mean(np.logaddexp(0.0, -(yZ @ x))))

    def _sig(x):  # sigma(-y z^T x)
        return 0.5 * (1 - np.tanh(0.5 * (yZ @ x)))

    def jac(x):
        return -(yZ.T @ _sig(x)) / N

    def hess(x):
        s = _sig(x)
        w = s * (1 - s)
        return (Z.T * w) @ Z / N

    def cons(x):
        return np.concatenate([A @ x - b, [x @ x - 1.0]])

    def cons_jac(x):
        return np.vstack([A, 2 * x[None, :]])

    def cons_hess(x, v):
        return 2 * v[-1] * np.eye(d)

    return ConstrainedProblem(
        name=f"LOGISTIC-{name}", n=d, m=n_linear + 1, x0=np.ones(d), fun=fun, jac=jac,
        hess=hess, cons=cons, cons_jac=cons_jac, cons_hess=cons_hess, v0=np.ones(n_linear + 1),
        info={"N": N, "min_norm": min_norm})
