"""The front door :func:`solve_monotone` and its method registry :data:`MONOTONE_METHODS`.

Calling convention of a registered method::

    impl(run: MonotoneRun, **options) -> OptimizeResult

where :class:`~numsolve.monotone._common.MonotoneRun` holds the validated problem, the counted
operator, the certificates and the stopping rules. Its keyword parameters are its options
(unknown options give an ``OptimizeWarning``). A callable ``method`` (SciPy's custom-method
hook) is called as ``method(F, x0, prox=..., rtol=..., atol=..., maxiter=..., max_evals=...,
callback=..., rng=..., **options)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._checks import check_int, check_maxiter, check_tolerances
from .._registry import Demo, Method, MethodRegistry, document_methods, split_options
from .._result import OptimizeResult
from ._common import MonotoneRun
from ._extragradient import eag, eg
from ._halpern import halpern
from ._operators import FiniteSumOperator
from ._vr_halpern import vr_halpern
from ._vr_inexact_halpern import vr_inexact_halpern

__all__ = ["MONOTONE_METHODS", "solve_monotone"]

#: ``numsolve.solve_monotone`` methods.
MONOTONE_METHODS = MethodRegistry("solve_monotone", [
    Method("vr-halpern", vr_halpern, "Halpern iteration with a PAGE-style recursive "
           "variance-reduced estimator (Algorithm 1 of Cai, Alacaoglu & Diakonikolas 2024; "
           "cocoercive F)", "monotone", demo=[Demo("matrix-game"), Demo("hard-qp")]),
    Method("vr-inexact-halpern", vr_inexact_halpern, "inexact Halpern iteration with "
           "variance-reduced forward-reflected-backward resolvent steps (Algorithm 2; "
           "monotone Lipschitz F)", "monotone", demo=[Demo("matrix-game")]),
    Method("halpern", halpern, "deterministic Halpern iteration on J(I - eta F) (baseline)",
           "monotone", demo=[Demo("hard-qp")]),
    Method("eg", eg, "extragradient (Korpelevich; baseline)", "monotone",
           demo=[Demo("matrix-game")]),
    Method("eag", eag, "anchored extragradient (Yoon & Ryu's EAG-C; baseline)", "monotone",
           demo=[Demo("matrix-game"), Demo("hard-qp")]),
])


def solve_monotone(
    F: FiniteSumOperator,
    x0: Any,
    method: str | Callable = "vr-halpern",
    prox: Callable | None = None,
    *,
    rtol: float = 1e-6,
    atol: float = 0.0,
    maxiter: int | None = None,
    max_evals: int | None = None,
    callback: Callable | None = None,
    rng: Any = None,
    options: Mapping[str, Any] | None = None,
) -> OptimizeResult:
    """Solve the monotone inclusion ``0 in F(u) + G(u)`` with ``F = (1/n) sum_i F_i``.

    Parameters
    ----------
    F : FiniteSumOperator
        The finite-sum operator (monotone; cocoercive for ``'vr-halpern'`` and
        ``'halpern'``). Build one with
        :meth:`~numsolve.monotone.FiniteSumOperator.from_callables`,
        :meth:`~numsolve.monotone.FiniteSumOperator.from_matrix`,
        :meth:`~numsolve.monotone.FiniteSumOperator.bilinear` or
        :meth:`~numsolve.monotone.FiniteSumOperator.from_saddle`.
    x0 : array, shape (F.dim,)
        Starting point and anchor (NumPy, CuPy or another array-API namespace; the iterates
        and the result live there). Never modified.
    method : str or callable
        Case-insensitive name of a method of :data:`~numsolve.monotone.MONOTONE_METHODS`:

        {methods}

    prox : callable, optional
        Resolvent ``prox(v, eta)`` of ``eta G`` (a projection may take ``v`` only); ``None``
        means ``G = 0``. Built-ins: :class:`~numsolve.monotone.Simplex`,
        :class:`~numsolve.monotone.Box`, :class:`~numsolve.monotone.L1`,
        :class:`~numsolve.monotone.Chi2BallSimplex`, :class:`~numsolve.monotone.Product`.
    rtol, atol : float
        Stop when the residual ``Res(u) = ||u - prox(u - F(u))||`` (``||F(u)||`` without
        ``prox``) is at most ``max(rtol * Res(x0), atol)``.
    maxiter : int, optional
        Iteration limit (none by default).
    max_evals : int, optional
        Budget in component evaluations ``F_i`` (a full evaluation costs ``n``); default
        ``max(2000 n, 100000)`` (2000 epochs, at least 100000 evaluations).
    callback : callable, optional
        ``callback(intermediate_result)`` (fields ``x``, ``nit``, ``residual`` (latest
        certificate), ``n_component_evals``) or legacy ``callback(xk)``, once per iteration;
        ``StopIteration`` stops the run with ``status=99``.
    rng : None, int or numpy.random.Generator
        Randomness of the stochastic methods (and of the Lipschitz estimate); the same seed
        gives the same iterates, on every backend.
    options : dict, optional
        Method options (``eta``, ``batch_size``, ...: see each method) and ``divergence``
        (default ``1e4``: a residual above ``divergence * Res(x0)`` stops the run as
        ``DIVERGED``).

    Returns
    -------
    OptimizeResult
        ``x``, ``success``, ``status``, ``message``, ``residual`` (certificate of ``x``),
        ``residual_history`` with ``evals_history`` (component evaluations) and
        ``time_history`` (seconds) at each check, ``n_component_evals``, ``epochs``,
        ``n_certificate_evals`` (the final certificate's evaluations, not counted in
        ``n_component_evals``), ``nit``, ``time``, ``eta``, ``lipschitz``,
        ``lipschitz_full``, ``backend`` and ``method``.

    Notes
    -----
    Unknown Lipschitz constants (an operator whose ``lipschitz``/``lipschitz_full`` is
    ``None``) are estimated at ``x0`` from difference quotients and doubled; every later
    quotient above the estimate doubles it again (backtracking; see the user guide).

    ``'vr-halpern'`` is Algorithm 1 of [1]_ (Halpern iteration with a PAGE-style
    variance-reduced estimator) and ``'vr-inexact-halpern'`` Algorithm 2 of [1]_ (inexact
    Halpern iteration, each resolvent computed by VR-FoRB [2]_); the baselines are
    extragradient [3]_ and anchored extragradient [4]_.

    References
    ----------
    .. [1] X. Cai, A. Alacaoglu and J. Diakonikolas, "Variance reduced Halpern iteration for
       finite-sum monotone inclusions", ICLR 2024, arXiv:2310.02987.
    .. [2] A. Alacaoglu and Y. Malitsky, "Stochastic variance reduction for variational
       inequality methods", COLT 2022.
    .. [3] G. M. Korpelevich, "The extragradient method for finding saddle points and other
       problems", Ekonomika i Matematicheskie Metody 12:747-756, 1976.
    .. [4] T. Yoon and E. K. Ryu, "Accelerated algorithms for smooth convex-concave minimax
       problems with O(1/k^2) rate on squared gradient norm", ICML 2021.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.monotone import FiniteSumOperator
    >>> M = np.array([[2.0, 1.0], [-1.0, 2.0]])      # monotone: M + M^T is positive definite
    >>> F = FiniteSumOperator.from_matrix(M, q=np.array([-1.0, 1.0]))
    >>> res = numsolve.solve_monotone(F, np.zeros(2), method="eg", rtol=1e-10)
    >>> res.success, np.allclose(res.x, np.linalg.solve(M, [1.0, -1.0]))
    (True, True)
    >>> res = numsolve.solve_monotone(F, np.zeros(2), method="vr-halpern", rng=0, rtol=1e-3)
    >>> res.success, bool(res.residual <= 1e-3 * res.residual_history[0])
    (True, True)
    """
    rtol, atol = check_tolerances(rtol, atol)
    maxiter = check_maxiter(maxiter, None)
    max_evals = check_int("max_evals", max_evals, low=1, allow_none=True)
    opts = dict(options or {})
    name, impl = MONOTONE_METHODS.resolve(method)
    if name == "_custom":
        return impl(F, x0, prox=prox, rtol=rtol, atol=atol, maxiter=maxiter,
                    max_evals=max_evals, callback=callback, rng=rng, **opts)
    divergence = opts.pop("divergence", 1e4)
    run = MonotoneRun(F, x0, prox, rtol=rtol, atol=atol, maxiter=maxiter,
                      max_evals=max_evals, callback=callback, rng=rng,
                      divergence=divergence)
    return impl(run, **split_options(impl, opts))


document_methods(solve_monotone, MONOTONE_METHODS)
