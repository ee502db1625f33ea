"""Min-max front end: ``min_x max_y f(x, y) = (1/n) sum_i f_i(x, y)`` as a monotone inclusion.

For convex-concave ``f`` the saddle points are the zeros of ``F(x, y) = (grad_x f, -grad_y f)``
plus the normal cones of the constraint sets (``prox_x``, ``prox_y``): :func:`minimax` builds
the operator (:meth:`FiniteSumOperator.from_saddle`) and the product resolvent, calls
:func:`solve_monotone` and splits the solution.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._backend import get_namespace
from .._result import OptimizeResult
from ._operators import FiniteSumOperator
from ._prox import Product
from ._solve import solve_monotone

__all__ = ["minimax"]


def minimax(grad_x: Callable, grad_y: Callable, x0: Any, y0: Any, *, n_components: int = 1,
            prox_x: Callable | None = None, prox_y: Callable | None = None,
            method: str | Callable = "vr-inexact-halpern", lipschitz: float | None = None,
            lipschitz_full: float | None = None, rtol: float = 1e-6, atol: float = 0.0,
            maxiter: int | None = None, max_evals: int | None = None,
            callback: Callable | None = None, rng: Any = None,
            options: Mapping[str, Any] | None = None) -> OptimizeResult:
    """Find a saddle point of ``(1/n) sum_i f_i(x, y)`` (convex in ``x``, concave in ``y``).

    Parameters
    ----------
    grad_x, grad_y : callable
        ``grad_x(x, y, idx)``, ``grad_y(x, y, idx)``: means over the integer array ``idx`` of
        the partial gradients of the ``f_i`` (vectorised over ``idx``).
    x0, y0 : array
        Starting points (anchors).
    n_components : int
        ``n``.
    prox_x, prox_y : callable, optional
        Resolvents (projections) of the constraints on ``x`` and ``y``.
    method : str or callable
        A method of :data:`~numsolve.monotone.MONOTONE_METHODS`; the default
        ``'vr-inexact-halpern'`` needs only monotonicity (saddle operators are not
        cocoercive in general).
    lipschitz, lipschitz_full : float, optional
        ``L`` (components, in mean) and ``L_F`` when known; estimated otherwise.
    rtol, atol, maxiter, max_evals, callback, rng, options
        As in :func:`~numsolve.solve_monotone`.

    Returns
    -------
    OptimizeResult
        That of :func:`~numsolve.solve_monotone`, with ``x`` and ``y`` the two blocks and
        ``u`` the joined vector.

    Notes
    -----
    The saddle operator ``F(x, y) = (grad_x f, -grad_y f)`` is monotone but not cocoercive in
    general, so the default is the inexact Halpern iteration of Algorithm 2 of [1]_, the
    method of [1]_ for monotone Lipschitz finite sums.

    References
    ----------
    .. [1] X. Cai, A. Alacaoglu and J. Diakonikolas, "Variance reduced Halpern iteration for
       finite-sum monotone inclusions", ICLR 2024, arXiv:2310.02987.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> # f(x, y) = x^2/2 + x y - y^2/2 - x: saddle point x = y = 1/2
    >>> res = numsolve.minimax(lambda x, y, i: x + y - 1.0, lambda x, y, i: x - y,
    ...                        np.zeros(1), np.zeros(1), method="eg", rtol=1e-10,
    ...                        options={"eta": 0.3})
    >>> res.success, np.allclose([res.x[0], res.y[0]], 0.5)
    (True, True)
    """
    xp = get_namespace(x0, y0)
    x0, y0 = xp.asarray(x0), xp.asarray(y0)
    if x0.ndim != 1 or y0.ndim != 1:
        raise ValueError(f"x0 and y0 must be 1-D, got shapes {tuple(x0.shape)} and "
                         f"{tuple(y0.shape)}")
    nx, ny = int(x0.shape[0]), int(y0.shape[0])
    F = FiniteSumOperator.from_saddle(grad_x, grad_y, n_components, nx, ny,
                                      lipschitz=lipschitz, lipschitz_full=lipschitz_full)
    prox = None
    if prox_x is not None or prox_y is not None:
        prox = Product([(nx, prox_x), (ny, prox_y)])
    u0 = xp.concat([x0, y0])
    res = solve_monotone(F, u0, method, prox, rtol=rtol, atol=atol, maxiter=maxiter,
                         max_evals=max_evals, callback=callback, rng=rng, options=options)
    if isinstance(res, OptimizeResult) and "x" in res:
        u = res["x"]
        res["u"], res["x"], res["y"] = u, u[:nx], u[nx:]
    return res
