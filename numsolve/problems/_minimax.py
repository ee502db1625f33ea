"""Finite-sum monotone inclusions and min-max problems (spec ``variance-reduced-halpern`` §5).

* :func:`matrix_game` - Nemirovski's "policeman and burglar" bilinear game over two simplices,
  ``min_x max_y y^T A x`` (spec §5.1; 500 x 500 by default), with its LP value
  (:meth:`MinimaxProblem.lp_value`, HiGHS) and duality gap;
* :func:`hard_qp` - the Ouyang-Xu lower-bound instance, a linearly constrained QP written as
  ``min_x max_y x^T H x / 2 - h^T x - <A x - b, y>`` (spec §5.2; n = 200), with its closed-form
  solution;
* :func:`quadratic_minimax` - a regularised finite-sum quadratic min-max problem (strongly
  monotone, hence cocoercive), with its closed-form solution;
* :func:`dro_logistic` - distributionally robust logistic regression: ``min_theta max_p
  sum_i p_i loss_i(theta) + lam ||theta||^2 / 2`` over a chi-square ball of sample weights, on a
  data set bundled with scikit-learn, with a reference solve (L-BFGS on the primal);
* :func:`group_dro` - group distributionally robust logistic regression (Sagawa et al.) on
  synthetic group-shifted data: ``min_x max_{q in simplex} sum_k q_k L_k(x)`` with quadratic
  regularisers, one component per data point (whole operators of the same kind as ``F``), with
  a reference solve (L-BFGS on the max-over-``q`` primal).

Each returns a :class:`MinimaxProblem`: the operator, the resolvent, the start, the authors'
tuned method options (``options[method]``) and what is known about the solution.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._checks import as_rng, check_int, check_real
from ..monotone import Chi2BallSimplex, FiniteSumOperator, Product, Simplex, solve_monotone
from ..monotone._operators import _scatter
from ..monotone._prox import chi2_path_step

__all__ = ["MinimaxProblem", "dro_logistic", "group_dro", "hard_qp", "matrix_game",
           "normalized_matrix_game", "quadratic_minimax"]


@dataclass
class MinimaxProblem:
    """A monotone inclusion ``0 in F(u) + G(u)`` with ``u = (x, y)``.

    Attributes
    ----------
    name : str
    operator : FiniteSumOperator
        ``F``.
    prox : callable or None
        Resolvent of ``G`` (``None``: unconstrained).
    x0 : ndarray
        Start (and anchor), ``u0 = (x0, y0)``.
    dim_x : int
        Length of the ``x`` block.
    options : dict
        ``method -> options``: the authors' tuned steps (spec §5), used by :meth:`solve`.
    solution : ndarray or None
        The solution when known in closed form or by a reference solve.
    info : dict
        Extra data (the game matrix, the data set, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.problems import hard_qp
    >>> p = hard_qp(10)                      # a MinimaxProblem
    >>> p.name, p.dim_x, p.x0.shape, p.prox is None
    ('hard QP n=10', 10, (20,), True)
    """

    name: str
    operator: FiniteSumOperator
    prox: Callable | None
    x0: np.ndarray
    dim_x: int
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    solution: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def split(self, u):
        """``(x, y)`` blocks of ``u``."""
        return u[:self.dim_x], u[self.dim_x:]

    def solve(self, method: str = "vr-halpern", **kwargs):
        """:func:`numsolve.solve_monotone` with this problem's data and tuned options
        (``options=`` in ``kwargs`` override them)."""
        opts = {**self.options.get(method, {}), **kwargs.pop("options", {})}
        return solve_monotone(self.operator, self.x0, method, self.prox, options=opts,
                              **kwargs)

    def gap(self, u) -> float:
        """Duality gap ``max_y' f(x, y') - min_x' f(x', y)`` (matrix games only)."""
        A = self.info["A"]
        x, y = self.split(np.asarray(u))
        return float(np.max(A @ x) - np.min(A.T @ y))

    def lp_value(self) -> tuple[float, np.ndarray]:
        """Game value and an optimal ``x`` by linear programming (``linprog``, HiGHS):
        ``min t  s.t.  A x <= t, sum(x) = 1, x >= 0`` (matrix games only)."""
        from scipy.optimize import linprog

        A = self.info["A"]
        m, k = A.shape
        c = np.zeros(k + 1)
        c[-1] = 1.0
        A_ub = np.hstack([A, -np.ones((m, 1))])
        A_eq = np.concatenate([np.ones(k), [0.0]])[None, :]
        bounds = [(0, None)] * k + [(None, None)]
        r = linprog(c, A_ub=A_ub, b_ub=np.zeros(m), A_eq=A_eq, b_eq=[1.0], bounds=bounds,
                    method="highs")
        if r.status != 0:  # pragma: no cover - a feasible bounded LP
            raise RuntimeError(f"linprog failed: {r.message}")
        return float(r.fun), r.x[:k]


def matrix_game(n: int = 500, *, rng: Any = 1) -> MinimaxProblem:
    """Nemirovski's policeman-and-burglar game ``min_{x in simplex} max_{y in simplex} y^T A x``.

    ``A = w * C`` (``w`` multiplying the columns), ``C_ij = 1 - exp(-0.8 |i - j|)``, ``w =
    |N(0, 1)|`` (spec §5.1; the authors seed NumPy's legacy generator with 1, here ``rng`` seeds
    numsolve's, so the digits differ). ``F(x, y) = (A^T y, -A x)`` with ``n`` components (row and
    column ``i`` of ``A``); start: uniform strategies. Tuned steps (spec §5.1): EG and EAG
    ``5/||A||_2``; Algorithm 1 ``5/||A||_F``; Algorithm 2 ``eta = sqrt(n)/||A||_F``.

    Parameters
    ----------
    n : int, optional
        Size of the game (``A`` is ``n x n``, ``u`` has ``2 n`` entries).
    rng : int or numpy.random.Generator, optional
        Seeds the column weights ``w``.

    Returns
    -------
    MinimaxProblem
        The bilinear operator, the product of two simplex projections, the uniform start and the
        game matrix in ``info``.

    Notes
    -----
    The matrix-game experiment of Cai, Alacaoglu & Diakonikolas [1]_ (the authors' scripts),
    with their tuned step sizes.

    References
    ----------
    .. [1] X. Cai, A. Alacaoglu and J. Diakonikolas, "Variance reduced Halpern iteration for
       finite-sum monotone inclusions", ICLR 2024, arXiv:2310.02987.

    Examples
    --------
    >>> from numsolve.problems import matrix_game
    >>> p = matrix_game(50)
    >>> p.operator.n_components, p.x0.shape
    (50, (100,))
    """
    n = check_int("n", n, low=2)
    w = np.abs(as_rng(rng).standard_normal(n))
    i = np.arange(n)
    A = w * (1.0 - np.exp(-0.8 * np.abs(i[:, None] - i[None, :])))
    F = FiniteSumOperator.bilinear(A)
    norm2, normF = F.lipschitz_full, float(np.linalg.norm(A))
    options = {"eg": {"eta": 5 / norm2}, "eag": {"eta": 5 / norm2},
               "vr-halpern": {"eta": 5 / normF},
               "halpern": {"eta": 5 / normF, "anchoring": "resolvent"},
               "vr-inexact-halpern": {"eta": math.sqrt(n) / normF}}
    return MinimaxProblem(f"policeman-burglar {n}x{n}", F,
                          Product([(n, Simplex()), (n, Simplex())]),
                          np.full(2 * n, 1.0 / n), n, options, info={"A": A})


def hard_qp(n: int = 200) -> MinimaxProblem:
    """Ouyang-Xu's hard linearly constrained QP as ``min_x max_y x^T H x/2 - h^T x - <Ax - b, y>``.

    ``A[i, n-1-i] = 1``, ``A[i, n-2-i] = -1``, divided by 4; ``H = 2 A^T A``, ``b = ones/4``,
    ``h = e_n/4`` (spec §5.2). ``F(x, y) = (H x - h - A^T y, A x - b)``, unconstrained (residual
    ``||F||``), start ``0``; component ``i`` holds columns ``i`` of both blocks. The solution
    is the solution of the linear system ``F(u) = 0``. Tuned steps (spec §5.2): EG 0.5, EAG
    0.3, Algorithm 1 0.3.

    Parameters
    ----------
    n : int, optional
        Dimension of ``x`` and ``y`` (``u`` has ``2 n`` entries).

    Returns
    -------
    MinimaxProblem
        Unconstrained (``prox=None``), start ``0``, ``solution`` from a direct solve.

    Notes
    -----
    The lower-bound instance of Ouyang & Xu [2]_, as run in the experiments of Cai, Alacaoglu
    & Diakonikolas [1]_ with their tuned step sizes.

    References
    ----------
    .. [1] X. Cai, A. Alacaoglu and J. Diakonikolas, "Variance reduced Halpern iteration for
       finite-sum monotone inclusions", ICLR 2024, arXiv:2310.02987.
    .. [2] Y. Ouyang and Y. Xu, "Lower complexity bounds of first-order methods for
       convex-concave bilinear saddle-point problems", Math. Program. 185:1-35, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.problems import hard_qp
    >>> p = hard_qp(10)
    >>> bool(np.linalg.norm(p.operator.full(p.solution)) < 1e-12)
    True
    """
    n = check_int("n", n, low=2)
    A = np.zeros((n, n))
    i = np.arange(n)
    A[i, n - 1 - i] = 1.0
    A[i[:-1], n - 2 - i[:-1]] = -1.0
    A /= 4.0
    H = 2.0 * A.T @ A
    b = np.full(n, 0.25)
    h = np.zeros(n)
    h[-1] = 0.25
    M = np.block([[H, -A.T], [A, np.zeros((n, n))]])
    q = np.concatenate([-h, -b])
    F = FiniteSumOperator.from_matrix(M, q, groups=np.concatenate([i, i]))
    options = {"eg": {"eta": 0.5}, "eag": {"eta": 0.3}, "vr-halpern": {"eta": 0.3},
               "halpern": {"eta": 0.3, "anchoring": "resolvent"}}
    return MinimaxProblem(f"hard QP n={n}", F, None, np.zeros(2 * n), n, options,
                          solution=np.linalg.solve(M, -q), info={"M": M, "q": q})


def quadratic_minimax(n_components: int = 100, dim_x: int = 20, dim_y: int = 20, *,
                      mu: float = 0.5, rng: Any = 0) -> MinimaxProblem:
    """Regularised finite-sum quadratic min-max problem (strongly monotone, cocoercive).

    ``f_i(x, y) = mu ||x||^2/2 + x^T B_i y - mu ||y||^2/2 + a_i^T x - c_i^T y`` with Gaussian
    ``B_i`` (scaled by ``1/sqrt(dim)``), ``a_i``, ``c_i``; built with
    :meth:`~numsolve.monotone.FiniteSumOperator.from_saddle` (vectorised partial
    gradients). The solution solves
    ``[[mu I, B], [-B^T, mu I]] u = -(a, c)`` (means over ``i``).

    Parameters
    ----------
    n_components : int, optional
        ``n``, the number of components ``f_i``.
    dim_x, dim_y : int, optional
        Lengths of ``x`` and ``y``.
    mu : float, optional
        Strong convexity / concavity modulus, ``> 0``.
    rng : int or numpy.random.Generator, optional
        Seeds ``B_i``, ``a_i``, ``c_i``.

    Returns
    -------
    MinimaxProblem
        Unconstrained, with the closed-form ``solution``.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.problems import quadratic_minimax
    >>> p = quadratic_minimax(10, 3, 2)
    >>> bool(np.linalg.norm(p.operator.full(p.solution)) < 1e-12)
    True
    """
    n = check_int("n_components", n_components, low=1)
    nx, ny = check_int("dim_x", dim_x, low=1), check_int("dim_y", dim_y, low=1)
    mu = check_real("mu", mu, low=0.0, low_open=True)
    g = as_rng(rng)
    B = g.standard_normal((n, nx, ny)) / math.sqrt(max(nx, ny))
    a, c = g.standard_normal((n, nx)), g.standard_normal((n, ny))

    def grad_x(x, y, idx):
        return mu * x + np.mean(B[idx], axis=0) @ y + np.mean(a[idx], axis=0)

    def grad_y(x, y, idx):
        return np.mean(B[idx], axis=0).T @ x - mu * y - np.mean(c[idx], axis=0)

    Bm = B.mean(axis=0)
    M = np.block([[mu * np.eye(nx), Bm], [-Bm.T, mu * np.eye(ny)]])
    norms = np.linalg.norm(B, ord=2, axis=(1, 2))
    F = FiniteSumOperator.from_saddle(
        grad_x, grad_y, n, nx, ny, lipschitz=float(np.sqrt(np.mean((mu + norms) ** 2))),
        lipschitz_full=float(np.linalg.norm(M, 2)))
    sol = np.linalg.solve(M, -np.concatenate([a.mean(axis=0), c.mean(axis=0)]))
    return MinimaxProblem(f"quadratic min-max n={n}", F, None, np.zeros(nx + ny), nx,
                          solution=sol, info={"M": M})


class _DROOperator(FiniteSumOperator):
    """``F_i(theta, p) = (n p_i grad loss_i(theta) + lam theta, -n loss_i(theta) e_i)``."""

    def __init__(self, X, y, lam, radius):
        self.X, self.y, self.lam = X, y, lam
        m, d = X.shape
        row = np.linalg.norm(X, axis=1)
        pmax = 1.0 / m + radius
        Li = m * (pmax * row ** 2 / 4 + row) + lam
        s = np.linalg.norm(X, 2)
        # Jacobian [[sum_i p_i s_i'' a_i a_i^T + lam I, X^T diag(dz)], [-diag(dz) X, 0]] on the
        # feasible set: the curvature block is at most min(pmax ||X||^2, max_i ||a_i||^2) / 4
        # (sum(p) = 1), the coupling at most ||X||_2
        curv = min(pmax * s * s, float(np.max(row)) ** 2) / 4
        super().__init__(m, d + m, lipschitz=float(np.sqrt(np.mean(Li ** 2))),
                         lipschitz_full=curv + s + lam)

    def _parts(self, idx, theta):
        Xi, yi = self.X[idx], self.y[idx]
        z = -yi * (Xi @ theta)
        loss = np.logaddexp(0.0, z)
        dz = -yi / (1.0 + np.exp(-z))  # d loss / d margin, times the sign
        return Xi, loss, dz

    def batch(self, idx, u):
        idx = np.asarray(idx)
        m, d = self.X.shape
        theta, p = u[:d], u[d:]
        Xi, loss, dz = self._parts(idx, theta)
        scale = m / len(idx)
        g_theta = scale * (Xi.T @ (p[idx] * dz)) + self.lam * theta
        g_p = _scatter(np, m, idx, -scale * loss)
        return np.concatenate([g_theta, g_p])

    def full(self, u):
        return self.batch(np.arange(self.n_components), u)

    def losses(self, theta):
        return self._parts(np.arange(self.n_components), theta)


def _worst_weights(loss, radius):
    """``argmax_{p in simplex, ||p - 1/m|| <= radius} p^T loss``: by the KKT conditions
    ``project_simplex(1/m + t (loss - mean))`` at the step where the path leaves the ball."""
    z = loss - loss.mean()
    t = float(chi2_path_step(z, radius)[0])
    if not np.isfinite(t):  # the ball holds the whole simplex path: a vertex
        return Simplex()(1.0 / loss.size + 1e12 * z)
    return Simplex()(1.0 / loss.size + t * z)


def dro_logistic(dataset: str = "breast_cancer", *, rho: float = 1.0, lam: float = 1e-2,
                 reference: bool = True) -> MinimaxProblem:
    """Distributionally robust logistic regression over a chi-square ball of sample weights.

    ``min_theta max_{p in simplex, m ||p - 1/m||^2 <= rho} sum_i p_i loss_i(theta)
    + lam ||theta||^2 / 2``, ``loss_i(theta) = log(1 + exp(-y_i a_i^T theta))`` on a
    scikit-learn data set (``'breast_cancer'`` (569 x 30) or ``'iris'`` (binarised), columns
    standardised, an intercept column added). ``m`` components, component ``i`` holding sample
    ``i``; the resolvent is the projection onto the chi-square ball within the simplex
    (:class:`~numsolve.monotone.Chi2BallSimplex`) on ``p`` and the identity on ``theta``.

    The reference solve (``reference=True``) minimises the convex primal ``phi(theta) =
    max_p (...)`` with L-BFGS (its gradient by Danskin's theorem, the inner maximiser exact up
    to bisection) and stores ``(theta*, p*(theta*))`` as ``solution``.

    Parameters
    ----------
    dataset : {'breast_cancer', 'iris'}, optional
        The scikit-learn data set (needs scikit-learn).
    rho : float, optional
        Chi-square radius ``rho`` of the ball of sample weights.
    lam : float, optional
        L2 weight ``lam`` on ``theta``.
    reference : bool, optional
        Compute the reference ``solution`` (an L-BFGS solve; ``False`` leaves it ``None``).

    Returns
    -------
    MinimaxProblem
        ``u = (theta, p)``, with the product resolvent (identity on ``theta``,
        :class:`~numsolve.monotone.Chi2BallSimplex` on ``p``).

    Notes
    -----
    Halpern-type methods for distributionally robust optimization are studied by Liang, Xu,
    Toh & Zhu [1]_. The chi-square formulation, data sets and constants here are numsolve's
    choices, not a reproduction of that paper's experiments.

    References
    ----------
    .. [1] L. Liang, Z. Xu, K.-C. Toh and J.-J. Zhu, "An inexact Halpern iteration with
       application to distributionally robust optimization", arXiv:2402.06033, 2024.

    Examples
    --------
    >>> from numsolve.problems import dro_logistic
    >>> p = dro_logistic(reference=False)
    >>> p.operator.n_components, p.dim_x
    (569, 31)
    """
    from sklearn import datasets

    rho = check_real("rho", rho, low=0.0, low_open=True)
    lam = check_real("lam", lam, low=0.0, low_open=True)
    if dataset == "breast_cancer":
        X, y = datasets.load_breast_cancer(return_X_y=True)
    elif dataset == "iris":
        X, y = datasets.load_iris(return_X_y=True)
        y = (y == 0).astype(float)
    else:
        raise ValueError(f"dataset must be 'breast_cancer' or 'iris', got {dataset!r}")
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X = np.hstack([X, np.ones((X.shape[0], 1))])
    y = np.where(y > 0, 1.0, -1.0)
    m, d = X.shape
    radius = math.sqrt(rho / m)
    F = _DROOperator(X, y, lam, radius)
    prox = Product([(d, None), (m, Chi2BallSimplex(radius))])
    u0 = np.concatenate([np.zeros(d), np.full(m, 1.0 / m)])
    sol = _dro_reference(F, radius) if reference else None
    options = {"vr-inexact-halpern": {}, "eg": {}, "eag": {}}
    return MinimaxProblem(f"DRO logistic ({dataset}, chi2 rho={rho:g})", F, prox, u0, d,
                          options, solution=sol, info={"X": X, "y": y, "radius": radius})


def _dro_reference(F: _DROOperator, radius: float) -> np.ndarray:
    from scipy.optimize import minimize

    def phi(theta):
        _, loss, dz = F.losses(theta)
        p = _worst_weights(loss, radius)
        val = p @ loss + 0.5 * F.lam * theta @ theta
        return val, F.X.T @ (p * dz) + F.lam * theta

    d = F.X.shape[1]
    r = minimize(phi, np.zeros(d), jac=True, method="L-BFGS-B",
                 options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 5000})
    theta = r.x
    return np.concatenate([theta, _worst_weights(F.losses(theta)[1], radius)])


def normalized_matrix_game(n: int = 500, *, rng: Any = 1) -> MinimaxProblem:
    """The policeman-and-burglar game of :func:`matrix_game` with ``||A||_F = 1``.

    ``min_{x in simplex} max_{y in simplex} y^T A x`` with ``A = w * C / ||w * C||_F``,
    ``C_ij = 1 - exp(-0.8 |i - j|)``, ``w = |N(0, 1)|`` multiplying the columns: the game of
    Nemirovski [1]_ used by Alacaoglu and Malitsky [2]_ and Cai, Alacaoglu and Diakonikolas
    [3]_ (spec section 5.1), with the same ``A`` as ``matrix_game(n, rng=rng)`` divided by its
    Frobenius norm. The equilibria and every method's iterates at the steps ``c / ||A||_F``
    are those of :func:`matrix_game`; what the scaling changes is the certificate ``||u - P(u -
    F(u))||``, a natural map with step 1: with ``L_F = ||A||_2 <= 1`` (here ``1 - ||A||_2`` is
    about ``0.75 / n``: ``C`` is close to rank one) step 1 is the step ``1 / L_F``, so an
    absolute residual such as ``1e-4`` is measured at the step ``1 / L_F`` for every ``n``,
    while for the unscaled game (``||A||_2`` about ``n``) it asks for a ``1/n``-times smaller
    step-size residual. ``n`` components (row and column ``i`` of ``A``); start: uniform
    strategies. Tuned steps (the authors' rules at ``||A||_F = 1``): Algorithm 1, Halpern
    (anchor inside the resolvent), EG and EAG ``eta = 5`` (``5 / ||A||_F``; ``<= 5 /
    ||A||_2``), Algorithm 2 ``eta = sqrt(n)``.

    Parameters
    ----------
    n : int, optional
        Size of the game (``A`` is ``n x n``, ``u`` has ``2 n`` entries).
    rng : int or numpy.random.Generator, optional
        Seeds the column weights ``w`` (the same draw as :func:`matrix_game`).

    Returns
    -------
    MinimaxProblem
        The bilinear operator, the product of two simplex projections, the uniform start, the
        scaled game matrix ``A`` and the scale ``||w * C||_F`` in ``info``.

    References
    ----------
    .. [1] A. Nemirovski, "Mini-course on convex programming algorithms", lecture notes, 2013
       (the policeman-and-burglar game).
    .. [2] A. Alacaoglu and Y. Malitsky, "Stochastic variance reduction for variational
       inequality methods", COLT 2022.
    .. [3] X. Cai, A. Alacaoglu and J. Diakonikolas, "Variance reduced Halpern iteration for
       finite-sum monotone inclusions", ICLR 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.problems import normalized_matrix_game
    >>> p = normalized_matrix_game(50)
    >>> p.operator.n_components, p.x0.shape, round(float(np.linalg.norm(p.info["A"])), 12)
    (50, (100,), 1.0)
    >>> res = p.solve("halpern", atol=1e-4, rtol=0.0)
    >>> bool(res.success), bool(res.residual <= 1e-4)
    (True, True)
    """
    n = check_int("n", n, low=2)
    w = np.abs(as_rng(rng).standard_normal(n))
    i = np.arange(n)
    A = w * (1.0 - np.exp(-0.8 * np.abs(i[:, None] - i[None, :])))
    scale = float(np.linalg.norm(A))
    A /= scale
    F = FiniteSumOperator.bilinear(A)
    options = {"eg": {"eta": 5.0}, "eag": {"eta": 5.0}, "vr-halpern": {"eta": 5.0},
               "halpern": {"eta": 5.0, "anchoring": "resolvent"},
               "vr-inexact-halpern": {"eta": math.sqrt(n)}}
    return MinimaxProblem(f"policeman-burglar {n}x{n}, ||A||_F = 1", F,
                          Product([(n, Simplex()), (n, Simplex())]),
                          np.full(2 * n, 1.0 / n), n, options,
                          info={"A": A, "scale": scale})


class _GroupDROOperator(FiniteSumOperator):
    """Group DRO: ``F_i(x, q) = (w_i q_g grad l_i(x) + lam x, -w_i l_i(x) e_g + mu (q - 1/K))``
    with ``g = g_i`` and ``w_i = n / n_g``, so that the mean over ``i`` is ``(grad_x f, -grad_q
    f)`` of ``f = sum_k q_k L_k(x) + lam ||x||^2 / 2 - mu ||q - 1/K||^2 / 2``.

    A batch gathers its rows of ``X`` once (one product for the margins, one for the gradient);
    a batch difference evaluates both points on the same gathered rows."""

    def __init__(self, X, y, groups, n_groups, lam, mu):
        n, d = X.shape
        self.X, self.y, self.groups, self.n_groups = X, y, groups, n_groups
        self.lam, self.mu, self.dim_x = lam, mu, d
        self.counts = np.bincount(groups, minlength=n_groups)
        self.w = n / self.counts[groups]
        row = np.linalg.norm(X, axis=1)
        # ||J_i|| <= max(w q_g ||a||^2/4 + lam, mu) + w ||grad l_i|| with q_g <= 1, |l'| <= 1
        Li = np.maximum(self.w * row ** 2 / 4 + lam, mu) + self.w * row
        # ||J|| <= max(||sum_k q_k hess L_k|| + lam, mu) + ||[grad L_1 .. grad L_K]||
        sq = np.array([np.linalg.norm(X[groups == k], 2) ** 2 / c
                       for k, c in enumerate(self.counts)])
        LF = max(float(sq.max()) / 4 + lam, mu) + math.sqrt(float(sq.sum()))
        super().__init__(n, d + n_groups, lipschitz=float(np.sqrt(np.mean(Li ** 2))),
                         lipschitz_full=LF)

    def _parts(self, X, y, x):
        """Losses ``l_i = log(1 + exp(-y_i a_i^T x))`` and ``s_i = dl_i / d(a_i^T x)``."""
        m = y * (X @ x)
        return np.logaddexp(0.0, -m), -y * 0.5 * (1.0 - np.tanh(0.5 * m))

    def _terms(self, X, y, g, w, u, scale):
        d = self.dim_x
        x, q = u[:d], u[d:]
        loss, s = self._parts(X, y, x)
        gx = scale * (X.T @ (w * q[g] * s))
        gq = -scale * np.bincount(g, weights=w * loss, minlength=self.n_groups)
        return gx, gq

    def _reg(self, u, shift: bool):
        d = self.dim_x
        q = u[d:] - 1.0 / self.n_groups if shift else u[d:]
        return np.concatenate([self.lam * u[:d], self.mu * q])

    def full(self, u):
        gx, gq = self._terms(self.X, self.y, self.groups, self.w, u, 1.0 / self.n_components)
        return np.concatenate([gx, gq]) + self._reg(u, True)

    def batch(self, idx, u):
        idx = np.asarray(idx)
        gx, gq = self._terms(self.X[idx], self.y[idx], self.groups[idx], self.w[idx], u,
                             1.0 / len(idx))
        return np.concatenate([gx, gq]) + self._reg(u, True)

    def batch_diff(self, idx, u, v):
        idx = np.asarray(idx)
        X, y, g, w = self.X[idx], self.y[idx], self.groups[idx], self.w[idx]
        ax, aq = self._terms(X, y, g, w, u, 1.0 / len(idx))
        bx, bq = self._terms(X, y, g, w, v, 1.0 / len(idx))
        return np.concatenate([ax - bx, aq - bq]) + self._reg(u - v, False)

    def group_losses(self, x):
        """``(L_k(x))_k`` and the ``d x K`` matrix of their gradients."""
        loss, s = self._parts(self.X, self.y, x)
        L = np.bincount(self.groups, weights=loss, minlength=self.n_groups) / self.counts
        onehot = self.groups[:, None] == np.arange(self.n_groups)[None, :]
        G = self.X.T @ (onehot * (s / self.counts[self.groups])[:, None])
        return L, G

    def best_q(self, x):
        """``argmax_{q in simplex} q^T L(x) - mu ||q - 1/K||^2 / 2 = P(1/K + L(x) / mu)``."""
        L, _ = self.group_losses(x)
        return Simplex()(1.0 / self.n_groups + L / self.mu)


def _group_data(n, K, d, noise, overlap, rng):
    """Balanced random groups, class-conditional Gaussians ``a = y m_g + noise z / sqrt(d)``."""
    g = as_rng(rng)
    groups = np.arange(n) % K
    g.shuffle(groups)
    c0 = g.standard_normal(d)
    c0 /= np.linalg.norm(c0)
    D = g.standard_normal((K, d))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    M = overlap * c0 + math.sqrt(1.0 - overlap ** 2) * D
    M /= np.linalg.norm(M, axis=1, keepdims=True)
    y = np.where(g.random(n) < 0.5, 1.0, -1.0)
    X = y[:, None] * M[groups] + noise / math.sqrt(d) * g.standard_normal((n, d))
    return X, y, groups, M


def group_dro(n: int = 2000, *, n_groups: int = 4, dim: int = 20, lam: float = 1e-2,
              mu: float = 1e-2, noise: float = 0.5, overlap: float = 0.5,
              reference: bool = True, rng: Any = 0) -> MinimaxProblem:
    """Group distributionally robust logistic regression on synthetic group-shifted data.

    ``min_x max_{q in simplex} f(x, q) = sum_k q_k L_k(x) + lam ||x||^2 / 2 - mu ||q -
    1/K||^2 / 2``, the group-DRO objective of Sagawa et al. [1]_ (worst mixture of the ``K``
    group losses) with a quadratic regulariser on each side, so that ``F = (grad_x f, -grad_q
    f)`` is ``min(lam, mu)``-strongly monotone and Lipschitz, hence cocoercive (as Algorithm 1
    of [2]_ assumes). ``L_k(x)`` is the mean logistic loss ``log(1 + exp(-y_i a_i^T x))`` over
    the ``n_k`` points of group ``k``.

    Components are the ``n`` data points, in the mean convention of
    :class:`~numsolve.monotone.FiniteSumOperator`: ``F_i(x, q) = (w_i q_g grad l_i(x) + lam x,
    -w_i l_i(x) e_g + mu (q - 1/K))`` with ``g`` the group of point ``i`` and ``w_i = n /
    n_g``. Each ``F_i`` is a whole operator of the same form as ``F`` (not a slice of it), so
    the components' Lipschitz constant in mean ``L`` is a small multiple of ``L_F`` (the
    sampled ratio ``sqrt(E_i ||dF_i||^2) / ||dF||`` is about 2.3 at the solution, for every
    ``n``), not ``sqrt(n) L_F`` as for row/column slices of a matrix game. The components are
    nonlinear: they cannot be pre-summed.

    Data (reproducible from ``rng``): the groups ``0 .. K-1`` are balanced (``i mod K``,
    shuffled); unit vectors ``c0`` (shared) and ``D_k`` are drawn from Gaussians and the group
    directions are ``m_k = overlap c0 + sqrt(1 - overlap^2) D_k``, normalised; labels ``y_i =
    +-1`` with probability 1/2 and features ``a_i = y_i m_{g_i} + noise z_i / sqrt(dim)``, ``z_i ~
    N(0, I)``. Within group ``k`` the labels follow the planted logistic model ``P(y = 1 | a) =
    sigma(2 dim m_k^T a / noise^2)`` (class-conditional Gaussians with a shared covariance); the
    groups' models differ, which the worst-case mixture ``q`` trades off.

    Parameters
    ----------
    n : int, optional
        Number of data points (components), ``>= 2 n_groups``.
    n_groups : int, optional
        ``K >= 2``.
    dim : int, optional
        Length of ``x`` (features).
    lam, mu : float, optional
        Regularisation weights on ``x`` and on ``q``, ``> 0``.
    noise : float, optional
        Feature noise, ``>= 0`` (0: every point of a group is ``+- m_k``).
    overlap : float, optional
        Shared part of the group directions, in ``[0, 1]``.
    reference : bool, optional
        Compute the reference ``solution`` by L-BFGS on the convex primal ``phi(x) = max_q
        f(x, q)`` (``q*(x) = P(1/K + L(x) / mu)`` in closed form; gradient by Danskin's theorem).
    rng : int or numpy.random.Generator, optional
        Seeds the data.

    Returns
    -------
    MinimaxProblem
        ``u = (x, q)`` (``dim + n_groups`` entries), the resolvent ``Product`` of the identity on
        ``x`` and :class:`~numsolve.monotone.Simplex` on ``q``, start ``(0, 1/K)``; ``info``
        holds ``X``, ``y``, ``groups`` and the group directions ``M``. The operator's
        ``lipschitz`` and ``lipschitz_full`` are upper bounds over ``R^dim x simplex``.

    Notes
    -----
    The default scale (``noise = 0.5``, ``lam = mu = 1e-2``, ``dim = 20``, ``K = 4``) makes the
    absolute certificate ``1e-4`` a target of thousands of epochs for deterministic Halpern
    (initial residual about 0.3, ``||x*||`` about 4), and the steps stable for both Halpern and
    Algorithm 1 are alike (with the data of ``rng=0``, ``n`` in 500 .. 5000, the stability edge
    lies between 4.76 and 8, the same for both methods).

    References
    ----------
    .. [1] S. Sagawa, P. W. Koh, T. B. Hashimoto and P. Liang, "Distributionally robust neural
       networks for group shifts: on the importance of regularization for worst-case
       generalization", ICLR 2020.
    .. [2] X. Cai, A. Alacaoglu and J. Diakonikolas, "Variance reduced Halpern iteration for
       finite-sum monotone inclusions", ICLR 2024, arXiv:2310.02987.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.problems import group_dro
    >>> p = group_dro(400, lam=0.1, mu=0.1)
    >>> p.operator.n_components, p.x0.shape
    (400, (24,))
    >>> res = p.solve("vr-halpern", atol=1e-3, rtol=0.0, rng=0, options={"eta": 2.0})
    >>> bool(res.success), bool(np.linalg.norm(res.x - p.solution) < 0.1)
    (True, True)
    """
    n = check_int("n", n, low=2)
    K = check_int("n_groups", n_groups, low=2)
    if n < 2 * K:
        raise ValueError(f"n must be at least 2 * n_groups = {2 * K}, got {n}")
    d = check_int("dim", dim, low=1)
    lam = check_real("lam", lam, low=0.0, low_open=True)
    mu = check_real("mu", mu, low=0.0, low_open=True)
    noise = check_real("noise", noise, low=0.0)
    overlap = check_real("overlap", overlap, low=0.0, high=1.0)
    X, y, groups, M = _group_data(n, K, d, noise, overlap, rng)
    F = _GroupDROOperator(X, y, groups, K, lam, mu)
    prox = Product([(d, None), (K, Simplex())])
    u0 = np.concatenate([np.zeros(d), np.full(K, 1.0 / K)])
    sol = _group_dro_reference(F) if reference else None
    return MinimaxProblem(f"group DRO logistic n={n} K={K} d={d}", F, prox, u0, d, {},
                          solution=sol, info={"X": X, "y": y, "groups": groups, "M": M})


def _group_dro_reference(F: _GroupDROOperator) -> np.ndarray:
    from scipy.optimize import minimize

    K, lam, mu = F.n_groups, F.lam, F.mu

    def phi(x):
        L, G = F.group_losses(x)
        q = Simplex()(1.0 / K + L / mu)
        val = q @ L - 0.5 * mu * np.sum((q - 1.0 / K) ** 2) + 0.5 * lam * x @ x
        return val, G @ q + lam * x

    r = minimize(phi, np.zeros(F.dim_x), jac=True, method="L-BFGS-B",
                 options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10000})
    return np.concatenate([r.x, F.best_q(r.x)])
