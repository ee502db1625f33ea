"""An equality-constrained robustness suite: ``EQ_SUITE`` (issue 14).

Every entry builds a :class:`~numsolve.problems.ConstrainedProblem` (``min f(x) s.t. c(x) = 0``,
free variables, exact gradients, Hessians, constraint Jacobians and constraint Hessians, a
starting point, and the optimal value where it is published or in closed form). The classes,
in ``info['class']``:

``'hs'``
    Hock and Schittkowski, *Test Examples for Nonlinear Programming Codes* (Springer, 1981),
    the equality problems (HS6-HS79, HS111 without its inactive bounds) and Boggs and Tolle's
    BT1; objectives as published (not halved).
``'singular-x0'``
    HS problems started where the constraint Jacobian is rank deficient (vanishing or parallel
    constraint gradients at ``x0``), full rank at the solution.
``'redundant'``
    HS problems with repeated or linearly dependent constraints: ``G`` rank deficient
    everywhere, the problem consistent.
``'eigen'``
    ``min x^T A x  s.t.  ||x||^2 = 1`` (``f* = lambda_min(A)``), a generalised and a Fiedler
    (``1^T x = 0``) variant, some started where ``G`` vanishes.
``'regression'``
    Orthogonal (total least squares) regression of a line and of a circle.
``'large'``
    Generated sparse instances (Poisson control, a nonlinear control problem, a sparse
    equality QP, a sphere-constrained quadratic, a large circle fit).
``'far-x0'``
    Problems above from far starting points (a seeded random search).
``'degenerate'``
    Infeasible constraints (every solver must fail), and a solution where ``G = 0`` and no
    multiplier exists (only approximate KKT points, with multipliers growing without bound).

>>> from numsolve.problems import EQ_SUITE, eq_problem
>>> len(EQ_SUITE) >= 40
True
>>> p = eq_problem("hs61")
>>> p.n, p.m, round(p.f_star, 4)
(3, 2, -143.6461)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from .._checks import as_rng
from ._constrained import ConstrainedProblem, _hs, _sym, hock_schittkowski, poisson_control

__all__ = ["EQ_SUITE", "eq_problem", "kkt_residual_ls"]

_S2 = np.sqrt(2.0)


def _tag(p: ConstrainedProblem, cls: str, name: str | None = None, **kw) -> ConstrainedProblem:
    """``p`` with ``info['class'] = cls`` (and a new name, x0, ... when given)."""
    q = dataclasses.replace(p, name=name or p.name, info={**p.info, "class": cls}, **kw)
    return q


# ---------------------------------------------------------------------------------------------
# Hock-Schittkowski problems beyond hock_schittkowski()'s 16
# ---------------------------------------------------------------------------------------------
def _hs8():
    return _hs("HS8", 2, 2, [2.0, 1.0], lambda x: -1.0, lambda x: [0.0, 0.0],
               lambda x: np.zeros((2, 2)),
               lambda x: [x[0] ** 2 + x[1] ** 2 - 25, x[0] * x[1] - 9],
               lambda x: [[2 * x[0], 2 * x[1]], [x[1], x[0]]],
               lambda x, v: _sym(2, {(1, 1): 2 * v[0], (2, 2): 2 * v[0], (1, 2): v[1]}), -1.0)


def _hs39():
    return _hs("HS39", 4, 2, [2.0, 2.0, 2.0, 2.0], lambda x: -x[0], lambda x: [-1.0, 0, 0, 0],
               lambda x: np.zeros((4, 4)),
               lambda x: [x[1] - x[0] ** 3 - x[2] ** 2, x[0] ** 2 - x[1] - x[3] ** 2],
               lambda x: [[-3 * x[0] ** 2, 1.0, -2 * x[2], 0.0],
                          [2 * x[0], -1.0, 0.0, -2 * x[3]]],
               lambda x, v: _sym(4, {(1, 1): -6 * x[0] * v[0] + 2 * v[1], (3, 3): -2 * v[0],
                                     (4, 4): -2 * v[1]}),
               -1.0, [1.0, 1.0, 0.0, 0.0])


def _hs46():
    def hc(x, v):
        sn = np.sin(x[3] - x[4])
        return _sym(5, {(1, 1): 2 * x[3] * v[0], (1, 4): 2 * x[0] * v[0],
                        (4, 4): -sn * v[0] + 2 * x[2] ** 4 * v[1], (4, 5): sn * v[0],
                        (5, 5): -sn * v[0], (3, 3): 12 * x[2] ** 2 * x[3] ** 2 * v[1],
                        (3, 4): 8 * x[2] ** 3 * x[3] * v[1]})

    def jc(x):
        cs = np.cos(x[3] - x[4])
        return [[2 * x[0] * x[3], 0.0, 0.0, x[0] ** 2 + cs, -cs],
                [0.0, 1.0, 4 * x[2] ** 3 * x[3] ** 2, 2 * x[2] ** 4 * x[3], 0.0]]

    return _hs("HS46", 5, 2, [0.5 * _S2, 1.75, 0.5, 2.0, 2.0],
               lambda x: (x[0] - x[1]) ** 2 + (x[2] - 1) ** 2 + (x[3] - 1) ** 4
               + (x[4] - 1) ** 6,
               lambda x: [2 * (x[0] - x[1]), -2 * (x[0] - x[1]), 2 * (x[2] - 1),
                          4 * (x[3] - 1) ** 3, 6 * (x[4] - 1) ** 5],
               lambda x: _sym(5, {(1, 1): 2.0, (1, 2): -2.0, (2, 2): 2.0, (3, 3): 2.0,
                                  (4, 4): 12 * (x[3] - 1) ** 2, (5, 5): 30 * (x[4] - 1) ** 4}),
               lambda x: [x[0] ** 2 * x[3] + np.sin(x[3] - x[4]) - 1,
                          x[1] + x[2] ** 4 * x[3] ** 2 - 2],
               jc, hc, 0.0, np.ones(5))


def _hs61():
    return _hs("HS61", 3, 2, [0.0, 0.0, 0.0],
               lambda x: 4 * x[0] ** 2 + 2 * x[1] ** 2 + 2 * x[2] ** 2 - 33 * x[0] + 16 * x[1]
               - 24 * x[2],
               lambda x: [8 * x[0] - 33, 4 * x[1] + 16, 4 * x[2] - 24],
               lambda x: np.diag([8.0, 4.0, 4.0]),
               lambda x: [3 * x[0] - 2 * x[1] ** 2 - 7, 4 * x[0] - x[2] ** 2 - 11],
               lambda x: [[3.0, -4 * x[1], 0.0], [4.0, 0.0, -2 * x[2]]],
               lambda x, v: np.diag([0.0, -4 * v[0], -2 * v[1]]),
               -143.6461422, [5.32677016, -2.11899864, 3.21046424])


def _hs78():
    def g(x):
        return [np.prod(np.delete(x, i)) for i in range(5)]

    def h(x):
        H = np.zeros((5, 5))
        for i in range(5):
            for j in range(i + 1, 5):
                H[i, j] = H[j, i] = np.prod(np.delete(x, [i, j]))
        return H

    return _hs("HS78", 5, 3, [-2.0, 1.5, 2.0, -1.0, -1.0], lambda x: float(np.prod(x)), g, h,
               lambda x: [x @ x - 10, x[1] * x[2] - 5 * x[3] * x[4], x[0] ** 3 + x[1] ** 3 + 1],
               lambda x: [2 * x, [0.0, x[2], x[1], -5 * x[4], -5 * x[3]],
                          [3 * x[0] ** 2, 3 * x[1] ** 2, 0.0, 0.0, 0.0]],
               lambda x, v: 2 * v[0] * np.eye(5) + _sym(5, {
                   (2, 3): v[1], (4, 5): -5 * v[1], (1, 1): 6 * x[0] * v[2],
                   (2, 2): 6 * x[1] * v[2]}),
               -2.91970041)


def _hs79():
    def g(x):
        d1, d2, d3, d4 = x[0] - x[1], x[1] - x[2], x[2] - x[3], x[3] - x[4]
        return [2 * (x[0] - 1) + 2 * d1, -2 * d1 + 2 * d2, -2 * d2 + 4 * d3 ** 3,
                -4 * d3 ** 3 + 4 * d4 ** 3, -4 * d4 ** 3]

    def h(x):
        b, c = 12 * (x[2] - x[3]) ** 2, 12 * (x[3] - x[4]) ** 2
        return _sym(5, {(1, 1): 4.0, (1, 2): -2.0, (2, 2): 4.0, (2, 3): -2.0, (3, 3): 2 + b,
                        (3, 4): -b, (4, 4): b + c, (4, 5): -c, (5, 5): c})

    return _hs("HS79", 5, 3, [2.0] * 5,
               lambda x: (x[0] - 1) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2
               + (x[2] - x[3]) ** 4 + (x[3] - x[4]) ** 4, g, h,
               lambda x: [x[0] + x[1] ** 2 + x[2] ** 3 - 2 - 3 * _S2,
                          x[1] - x[2] ** 2 + x[3] + 2 - 2 * _S2, x[0] * x[4] - 2],
               lambda x: [[1.0, 2 * x[1], 3 * x[2] ** 2, 0.0, 0.0],
                          [0.0, 1.0, -2 * x[2], 1.0, 0.0], [x[4], 0.0, 0.0, 0.0, x[0]]],
               lambda x, v: _sym(5, {(2, 2): 2 * v[0], (3, 3): 6 * x[2] * v[0] - 2 * v[1],
                                     (1, 5): v[2]}),
               0.0787768209)


_C111 = np.array([-6.089, -17.164, -34.054, -5.914, -24.721, -14.986, -24.100, -10.708,
                  -26.662, -22.179])
_A111 = np.array([[1.0, 2, 2, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0, 1, 2, 1, 1, 0, 0, 0],
                  [0, 0, 1, 0, 0, 0, 1, 1, 2, 1]])


def _hs111():
    """HS111 (chemical equilibrium), bounds -100 <= x <= 100 dropped (inactive at x*)."""
    def f(x):
        e = np.exp(x)
        s = e.sum()
        return float(e @ (_C111 + x) - s * np.log(s))

    def g(x):
        e = np.exp(x)
        return e * (_C111 + x - np.log(e.sum()))

    def h(x):
        e = np.exp(x)
        s = e.sum()
        return np.diag(e * (_C111 + x - np.log(s) + 1)) - np.outer(e, e) / s

    return _hs("HS111", 10, 3, [-2.3] * 10, f, g, h,
               lambda x: _A111 @ np.exp(x) - np.array([2.0, 1.0, 1.0]),
               lambda x: _A111 * np.exp(x)[None, :],
               lambda x, v: np.diag((_A111.T @ v) * np.exp(x)),
               -47.76109026)


def _bt1():
    """Boggs and Tolle (1989) BT1: ``-x1 + 10 (x1^2 + x2^2 - 1)`` on the unit circle."""
    return _hs("BT1", 2, 1, [0.08, 0.06], lambda x: -x[0] + 10 * (x @ x - 1),
               lambda x: [-1 + 20 * x[0], 20 * x[1]], lambda x: 20 * np.eye(2),
               lambda x: [x @ x - 1], lambda x: [2 * x], lambda x, v: 2 * v[0] * np.eye(2),
               -1.0, [1.0, 0.0])


# ---------------------------------------------------------------------------------------------
# transformations: another x0, redundant constraints
# ---------------------------------------------------------------------------------------------
def _at(base: Callable[[], ConstrainedProblem], x0, name: str) -> Callable:
    def build():
        return _tag(base(), "singular-x0", name=name, x0=np.asarray(x0, float))

    return build


def _far(name: str, seed: int, scale: float) -> Callable:
    """``name`` started at ``x0 + scale N(0, 1) (1 + |x0|)`` (``rng=seed``): the starts of a
    random search on which the first release of ``method='auglag'`` failed (issue 14)."""
    def build():
        p = EQ_SUITE[name]()
        x0 = p.x0 + as_rng(seed).standard_normal(p.n) * scale * (1 + np.abs(p.x0))
        return _tag(p, "far-x0", name=f"{p.name}-FAR-{seed}-{scale:g}", x0=x0)

    return build


def _redundant(base: Callable[[], ConstrainedProblem], R, name: str) -> Callable:
    """Constraints ``R c(x)`` (``R`` with more rows than ``c``, full column rank): the same
    feasible set, a Jacobian ``R G`` of rank ``m`` with ``R``'s rows."""
    R = np.asarray(R, float)

    def build():
        p = base()
        return _tag(p, "redundant", name=name, m=R.shape[0],
                    cons=lambda x: R @ p.cons(x), cons_jac=lambda x: R @ p.cons_jac(x),
                    cons_hess=lambda x, v: p.cons_hess(x, R.T @ np.asarray(v, float)))

    return build


# ---------------------------------------------------------------------------------------------
# eigenvalue problems, orthogonal regression
# ---------------------------------------------------------------------------------------------
def _quadratic_on_sphere(name, A, x0, f_star, B=None, fiedler=False, cls="eigen"):
    """``min x^T A x  s.t.  x^T B x = 1`` (``B = I`` by default), and ``1^T x = 0`` when
    ``fiedler``. ``A``, ``B`` dense or sparse."""
    n = A.shape[0]
    Bm = sp.identity(n, format="csr") if B is None else B
    m = 2 if fiedler else 1
    dense = not sp.issparse(A)

    def mat(M):
        return M.toarray() if dense and sp.issparse(M) else M

    def c(x):
        q = float(x @ (Bm @ x)) - 1
        return np.array([q, x.sum()]) if fiedler else np.array([q])

    def J(x):
        row = 2 * np.asarray(Bm @ x).reshape(1, -1)
        rows = np.vstack([row, np.ones((1, n))]) if fiedler else row
        return rows if dense else sp.csr_matrix(rows)

    return ConstrainedProblem(
        name=name, n=n, m=m, x0=np.asarray(x0, float), fun=lambda x: float(x @ (A @ x)),
        jac=lambda x: 2 * np.asarray(A @ x).reshape(-1), hess=lambda x: 2 * mat(A),
        cons=c, cons_jac=J, cons_hess=lambda x, v: 2 * float(v[0]) * mat(Bm),
        f_star=f_star, info={"class": cls})


def _tridiag(n):
    return sp.diags([-np.ones(n - 1), 2 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1],
                    format="csr")


def _eig_tridiag():
    n = 10
    x0 = np.linspace(1.0, 2.0, n)
    return _quadratic_on_sphere("EIG-TRIDIAG-10", _tridiag(n).toarray(), x0 / np.linalg.norm(x0),
                                2 - 2 * np.cos(np.pi / (n + 1)))


def _random_sym(n, seed):
    M = as_rng(seed).standard_normal((n, n))
    return (M + M.T) / 2


def _eig_random():
    A = _random_sym(20, 5)
    return _quadratic_on_sphere("EIG-RANDOM-20", A, np.ones(20), float(np.linalg.eigvalsh(A)[0]))


def _eig_zero():
    A = _random_sym(8, 6)
    return _quadratic_on_sphere("EIG-RANDOM-8-X0=0", A, np.zeros(8),
                                float(np.linalg.eigvalsh(A)[0]))


def _eig_general():
    n = 12
    A = _random_sym(n, 7)
    Bd = np.diag(np.linspace(1.0, 4.0, n))
    lam = float(np.min(np.linalg.eigvalsh(A / np.sqrt(np.outer(np.diag(Bd), np.diag(Bd))))))
    return _quadratic_on_sphere("EIG-GENERALISED-12", A, np.full(n, 0.3), lam, B=Bd)


def _fiedler():
    """Fiedler vector of a path graph: ``lambda_2 = 2 - 2 cos(pi / n)``; ``x0 = 1``, where
    the constraint gradients ``2 x`` and ``1`` are parallel."""
    n = 30
    L = _tridiag(n).toarray()
    L[0, 0] = L[-1, -1] = 1.0
    p = _quadratic_on_sphere("FIEDLER-PATH-30", L, np.ones(n), 2 - 2 * np.cos(np.pi / n),
                             fiedler=True, cls="singular-x0")
    return p


def _points(N, seed, kind):
    gen = as_rng(seed)
    t = np.linspace(0.0, 2 * np.pi, N, endpoint=False) if kind == "circle" else \
        np.linspace(-2.0, 2.0, N)
    if kind == "circle":
        px, py = 1.0 + 2.0 * np.cos(t), -0.5 + 1.5 * np.sin(t)  # an ellipse
    else:
        px, py = t, 0.5 * t + 1.0
    return px + 0.1 * gen.standard_normal(N), py + 0.1 * gen.standard_normal(N)


def _circle_fit(N, seed=0):
    """Orthogonal regression of a circle (centre ``(a, b)``, radius ``r``) to ``N`` points:
    ``min sum (u_i - p_i)^2 + (w_i - q_i)^2  s.t.  (u_i - a)^2 + (w_i - b)^2 - r^2 = 0``;
    ``x = (a, b, r, u, w)``, ``n = 3 + 2N``, ``m = N``; sparse derivatives when ``N > 50``."""
    px, py = _points(N, seed, "circle")
    n = 3 + 2 * N
    iu, iw = 3 + np.arange(N), 3 + N + np.arange(N)
    rows = np.arange(N)
    pack = sp.csr_matrix if N > 50 else (lambda M: M.toarray())

    def fun(x):
        return float(np.sum((x[iu] - px) ** 2 + (x[iw] - py) ** 2))

    def jac(x):
        g = np.zeros(n)
        g[iu], g[iw] = 2 * (x[iu] - px), 2 * (x[iw] - py)
        return g

    H = pack(sp.diags(np.r_[0.0, 0.0, 0.0, 2 * np.ones(2 * N)]))

    def cons(x):
        return (x[iu] - x[0]) ** 2 + (x[iw] - x[1]) ** 2 - x[2] ** 2

    def cons_jac(x):
        du, dw = 2 * (x[iu] - x[0]), 2 * (x[iw] - x[1])
        r = np.r_[rows, rows, rows, rows, rows]
        cidx = np.r_[np.zeros(N, int), np.ones(N, int), np.full(N, 2), iu, iw]
        vals = np.r_[-du, -dw, np.full(N, -2 * x[2]), du, dw]
        return pack(sp.coo_matrix((vals, (r, cidx)), shape=(N, n)))

    def cons_hess(x, v):
        v = np.asarray(v, float)
        s = v.sum()
        r = np.r_[0, 1, 2, iu, iw, iu, np.zeros(N, int), iw, np.ones(N, int)]
        cidx = np.r_[0, 1, 2, iu, iw, np.zeros(N, int), iu, np.ones(N, int), iw]
        vals = np.r_[2 * s, 2 * s, -2 * s, 2 * v, 2 * v, -2 * v, -2 * v, -2 * v, -2 * v]
        return pack(sp.coo_matrix((vals, (r, cidx)), shape=(n, n)))

    x0 = np.r_[px.mean(), py.mean(), 1.0, px, py]
    return ConstrainedProblem(name=f"CIRCLE-FIT-{N}", n=n, m=N, x0=x0, fun=fun, jac=jac,
                              hess=lambda x: H, cons=cons, cons_jac=cons_jac,
                              cons_hess=cons_hess, info={"class": "regression" if N <= 50
                                                         else "large"})


def _line_fit(N=20, seed=1):
    """Total least squares line ``alpha u + beta w = gamma``, ``alpha^2 + beta^2 = 1``:
    ``x = (alpha, beta, gamma, u, w)``; ``f*`` = the smallest eigenvalue of the centred
    scatter matrix."""
    px, py = _points(N, seed, "line")
    n, m = 3 + 2 * N, N + 1
    iu, iw = 3 + np.arange(N), 3 + N + np.arange(N)
    P = np.column_stack([px - px.mean(), py - py.mean()])
    f_star = float(np.linalg.eigvalsh(P.T @ P)[0])

    def jac(x):
        g = np.zeros(n)
        g[iu], g[iw] = 2 * (x[iu] - px), 2 * (x[iw] - py)
        return g

    def cons(x):
        return np.r_[x[0] * x[iu] + x[1] * x[iw] - x[2], x[0] ** 2 + x[1] ** 2 - 1]

    def cons_jac(x):
        J = np.zeros((m, n))
        J[:N, 0], J[:N, 1], J[:N, 2] = x[iu], x[iw], -1.0
        J[np.arange(N), iu], J[np.arange(N), iw] = x[0], x[1]
        J[N, 0], J[N, 1] = 2 * x[0], 2 * x[1]
        return J

    def cons_hess(x, v):
        H = np.zeros((n, n))
        H[0, iu] = H[iu, 0] = v[:N]
        H[1, iw] = H[iw, 1] = v[:N]
        H[0, 0] = H[1, 1] = 2 * v[N]
        return H

    x0 = np.r_[0.0, 1.0, py.mean(), px, py]  # start from the horizontal line
    return ConstrainedProblem(
        name=f"LINE-FIT-{N}", n=n, m=m, x0=x0,
        fun=lambda x: float(np.sum((x[iu] - px) ** 2 + (x[iw] - py) ** 2)), jac=jac,
        hess=lambda x: np.diag(np.r_[0.0, 0.0, 0.0, 2 * np.ones(2 * N)]), cons=cons,
        cons_jac=cons_jac, cons_hess=cons_hess, f_star=f_star, info={"class": "regression"})


# ---------------------------------------------------------------------------------------------
# generated large sparse instances
# ---------------------------------------------------------------------------------------------
def _pendulum_control(T=500, h=0.01, alpha=0.1):
    """Discretised nonlinear control ``y_{k+1} = y_k + h (u_k - sin y_k)``, ``y_0 = 0``:
    ``min h/2 sum_k ((y_k - 1)^2 + alpha u_k^2)``; ``x = (y_0..y_T, u_0..u_{T-1})``,
    ``n = 2T + 1``, ``m = T + 1``, sparse."""
    ny, n, m = T + 1, 2 * T + 1, T + 1
    k = np.arange(T)
    Hf = sp.diags(np.r_[np.full(ny, h), np.full(T, h * alpha)], format="csr")

    def fun(x):
        y, u = x[:ny], x[ny:]
        return float(0.5 * h * (np.sum((y - 1) ** 2) + alpha * np.sum(u ** 2)))

    def jac(x):
        return np.r_[h * (x[:ny] - 1), h * alpha * x[ny:]]

    def cons(x):
        y, u = x[:ny], x[ny:]
        return np.r_[y[0], y[1:] - y[:-1] - h * (u - np.sin(y[:-1]))]

    def cons_jac(x):
        y = x[:ny]
        r = np.r_[0, 1 + k, 1 + k, 1 + k]
        c = np.r_[0, 1 + k, k, ny + k]
        vals = np.r_[1.0, np.ones(T), -1 + h * np.cos(y[:-1]), np.full(T, -h)]
        return sp.csr_matrix((vals, (r, c)), shape=(m, n))

    def cons_hess(x, v):
        d = np.zeros(n)
        d[:T] = -h * np.sin(x[:T]) * np.asarray(v, float)[1:]
        return sp.diags(d, format="csr")

    return ConstrainedProblem(name=f"PENDULUM-CONTROL-{T}", n=n, m=m, x0=np.zeros(n), fun=fun,
                              jac=jac, hess=lambda x: Hf, cons=cons, cons_jac=cons_jac,
                              cons_hess=cons_hess, info={"class": "large"})


def _sparse_qp(n=1000, m=300, seed=3):
    """A sparse convex equality QP ``min 1/2 x^T Q x + q^T x  s.t.  A x = b`` (``Q`` a shifted
    1-D Laplacian, ``A`` sparse random plus a diagonal); ``f*`` from one KKT solve."""
    gen = as_rng(seed)
    Q = (_tridiag(n) + 0.1 * sp.identity(n)).tocsr()
    A = (sp.random(m, n, density=5.0 / n, random_state=seed) + sp.eye(m, n)).tocsr()
    q, b = gen.standard_normal(n), gen.standard_normal(m)
    K = sp.bmat([[Q, A.T], [A, None]], format="csc")
    x_star = sp.linalg.spsolve(K, np.r_[-q, b])[:n]
    zero = sp.csr_matrix((n, n))
    return ConstrainedProblem(
        name=f"SPARSE-QP-{n}", n=n, m=m, x0=np.zeros(n),
        fun=lambda x: float(0.5 * x @ (Q @ x) + q @ x), jac=lambda x: Q @ x + q,
        hess=lambda x: Q, cons=lambda x: A @ x - b, cons_jac=lambda x: A,
        cons_hess=lambda x, v: zero, f_star=float(0.5 * x_star @ (Q @ x_star) + q @ x_star),
        x_star=x_star, info={"class": "large"})


def _sphere_quadratic(n=500, seed=4):
    """``min 1/2 x^T L x + q^T x  s.t.  ||x||^2 = 1`` (``L`` the 1-D Laplacian): a
    trust-region subproblem on its boundary, sparse, nonconvex in the multiplier."""
    gen = as_rng(seed)
    L = _tridiag(n)
    q = gen.standard_normal(n)

    def cons_jac(x):
        return sp.csr_matrix(2 * x[None, :])

    I_n = sp.identity(n, format="csr")
    return ConstrainedProblem(
        name=f"SPHERE-QUADRATIC-{n}", n=n, m=1, x0=np.full(n, 1 / np.sqrt(n)),
        fun=lambda x: float(0.5 * x @ (L @ x) + q @ x), jac=lambda x: L @ x + q,
        hess=lambda x: L, cons=lambda x: np.array([x @ x - 1.0]), cons_jac=cons_jac,
        cons_hess=lambda x, v: 2 * float(v[0]) * I_n, info={"class": "large"})


def _poisson(N):
    def build():
        p = poisson_control(N)
        x_star, _ = p.info["solution"]()
        return _tag(p, "large", f_star=p.fun(x_star), x_star=x_star)

    return build


# ---------------------------------------------------------------------------------------------
# no KKT point: every solver must fail
# ---------------------------------------------------------------------------------------------
def _infeasible():
    """``min x1^2 + x2^2  s.t.  x1^2 - x2 + 1 = 0,  x1^2 + x2 + 1 = 0`` (their sum
    ``2 x1^2 + 2 = 0`` has no real root)."""
    return _hs("INFEASIBLE-2", 2, 2, [1.0, 1.0], lambda x: x @ x, lambda x: 2 * x,
               lambda x: 2 * np.eye(2),
               lambda x: [x[0] ** 2 - x[1] + 1, x[0] ** 2 + x[1] + 1],
               lambda x: [[2 * x[0], -1.0], [2 * x[0], 1.0]],
               lambda x, v: _sym(2, {(1, 1): 2 * (v[0] + v[1])}), None)


def _no_multiplier():
    """``min x1 + x2  s.t.  x1^2 + x2^2 = 0``: the only feasible point is 0, where ``G = 0``
    and no multiplier satisfies ``grad f + G^T v = 0`` (LICQ and MFCQ fail); near 0 the KKT
    residual can still be made small with ``|v| ~ 1 / |x|``."""
    return _hs("DEGENERATE-NO-MULTIPLIER", 2, 1, [1.0, 0.5], lambda x: x[0] + x[1],
               lambda x: [1.0, 1.0], lambda x: np.zeros((2, 2)), lambda x: [x @ x],
               lambda x: [2 * x], lambda x, v: 2 * v[0] * np.eye(2), 0.0, [0.0, 0.0])


def _hs_tagged(name):
    def build():
        return _tag(hock_schittkowski(name), "hs")

    return build


def _tagged(build, cls):
    def wrapped():
        return _tag(build(), cls)

    return wrapped


#: the suite, by name: ``name -> builder`` (every call builds a fresh problem)
EQ_SUITE: dict[str, Callable[[], ConstrainedProblem]] = {
    **{name: _hs_tagged(name) for name in ("hs6", "hs7", "hs9", "hs26", "hs27", "hs28",
                                            "hs40", "hs42", "hs47", "hs48", "hs49", "hs50",
                                            "hs51", "hs52", "hs56", "hs77")},
    **{name: _tagged(b, "hs") for name, b in (
        ("hs8", _hs8), ("hs39", _hs39), ("hs46", _hs46), ("hs61", _hs61), ("hs78", _hs78),
        ("hs79", _hs79), ("hs111", _hs111), ("bt1", _bt1))},
    # singular Jacobian at x0, full rank at the solution
    "hs7-x0=0": _at(lambda: hock_schittkowski("hs7"), [0.0, 0.0], "HS7-X0=0"),
    "hs42-x0-singular": _at(lambda: hock_schittkowski("hs42"), [1.0, 1.0, 0.0, 0.0],
                            "HS42-X0=(1,1,0,0)"),
    "hs39-x0=0": _at(_hs39, np.zeros(4), "HS39-X0=0"),
    "hs40-x0=0": _at(lambda: hock_schittkowski("hs40"), np.zeros(4), "HS40-X0=0"),
    "hs78-x0=0": _at(_hs78, np.zeros(5), "HS78-X0=0"),
    "hs56-x0-singular": _at(lambda: hock_schittkowski("hs56"), [1.0, 1.0, 1.0, 0, 0, 0, 0],
                            "HS56-X0=(1,1,1,0,0,0,0)"),
    "hs8-x0=0": _at(_hs8, [0.0, 0.0], "HS8-X0=0"),
    # redundant constraints (G rank deficient everywhere)
    "hs28-dup": _redundant(lambda: hock_schittkowski("hs28"), [[1.0], [2.0]], "HS28-DUP"),
    "hs48-sum": _redundant(lambda: hock_schittkowski("hs48"), [[1, 0], [0, 1], [1, 1]],
                           "HS48-SUM"),
    "hs6-dup": _redundant(lambda: hock_schittkowski("hs6"), [[1.0], [-1.0]], "HS6-DUP"),
    "hs42-dup": _redundant(lambda: hock_schittkowski("hs42"), [[1, 0], [0, 1], [0, 3]],
                           "HS42-DUP"),
    "hs40-dup": _redundant(lambda: hock_schittkowski("hs40"),
                           [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], "HS40-SUM"),
    # eigenvalue problems, orthogonal regression
    "eig-tridiag-10": _eig_tridiag,
    "eig-random-20": _eig_random,
    "eig-random-8-x0=0": _tagged(_eig_zero, "singular-x0"),
    "eig-generalised-12": _eig_general,
    "fiedler-path-30": _fiedler,
    "circle-fit-10": lambda: _circle_fit(10),
    "line-fit-20": _line_fit,
    # generated large sparse instances
    "poisson-control-16": _poisson(16),
    "poisson-control-32": _poisson(32),
    "pendulum-control-500": _pendulum_control,
    "sparse-qp-1000": _sparse_qp,
    "sphere-quadratic-500": _sphere_quadratic,
    "circle-fit-200": lambda: _circle_fit(200),
    # far starting points (a random search, seeds 0-5 at scale 1 and 6-15 at scale 2, over
    # the problems above with n <= 50: every start where the first release failed)
    **{f"{name}-far{seed}": _far(name, seed, scale) for name, seed, scale in (
        ("hs56", 3, 1.0), ("hs111", 2, 1.0), ("hs111", 4, 1.0), ("circle-fit-10", 3, 1.0),
        ("hs7", 13, 2.0), ("hs56", 13, 2.0), ("hs77", 8, 2.0), ("hs77", 11, 2.0),
        ("hs111", 6, 2.0), ("hs111", 9, 2.0), ("hs111", 14, 2.0))},
    # no KKT point
    "infeasible-2": _tagged(_infeasible, "degenerate"),
    "degenerate-no-multiplier": _tagged(_no_multiplier, "degenerate"),
}


def eq_problem(name: str) -> ConstrainedProblem:
    """The suite problem ``name`` (a key of :data:`EQ_SUITE`), freshly built.

    Parameters
    ----------
    name : str
        A key of :data:`EQ_SUITE` (case-insensitive).

    Returns
    -------
    ConstrainedProblem
        A new instance (problems hold no state between solvers); ``info['class']`` names the
        suite's class of the problem.

    Notes
    -----
    The ``'hs'`` problems (and the HS problems inside other classes) are from Hock &
    Schittkowski [1]_, numbered as there; BT1 is Boggs and Tolle's; the other classes are
    numsolve's own constructions.

    References
    ----------
    .. [1] W. Hock and K. Schittkowski, "Test Examples for Nonlinear Programming Codes",
       Lecture Notes in Economics and Mathematical Systems 187, Springer, 1981.

    Examples
    --------
    >>> from numsolve.problems import eq_problem
    >>> p = eq_problem("fiedler-path-30")
    >>> p.info["class"], p.n, p.m
    ('singular-x0', 30, 2)
    """
    key = str(name).lower()
    if key not in EQ_SUITE:
        raise ValueError(f"unknown suite problem {name!r}; available: {', '.join(EQ_SUITE)}")
    return EQ_SUITE[key]()


def kkt_residual_ls(p: ConstrainedProblem, x) -> float:
    """The KKT residual at ``x`` with least-squares multipliers.

    ``||(grad f + G^T v, c)||_2`` with ``v = argmin ||grad f + G^T v||``: one measure for every
    solver, whatever multipliers (or none) it returns. ``inf`` when a value is not finite.

    Parameters
    ----------
    p : ConstrainedProblem
        The problem (its ``jac``, ``cons`` and ``cons_jac``).
    x : array, shape (n,)
        The point.

    Returns
    -------
    float
        ``||(grad f + G^T v, c)||_2`` with the least-squares ``v``, or ``inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.problems import hock_schittkowski, kkt_residual_ls
    >>> p = hock_schittkowski("hs28")
    >>> float(kkt_residual_ls(p, p.x_star)) < 1e-12, bool(kkt_residual_ls(p, p.x0) > 1e-3)
    (True, True)
    """
    x = np.asarray(x, float)
    g = np.asarray(p.jac(x), float).reshape(-1)
    c = np.asarray(p.cons(x), float).reshape(-1)
    G = p.cons_jac(x)
    G = G.toarray() if sp.issparse(G) else np.asarray(G, float)
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(c)) and np.all(np.isfinite(G))):
        return np.inf
    v = np.linalg.lstsq(G.T, -g, rcond=None)[0]
    return float(np.hypot(np.linalg.norm(g + G.T @ v), np.linalg.norm(c)))
