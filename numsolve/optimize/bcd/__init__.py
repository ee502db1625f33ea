"""Greedy block coordinate descent: ``minimize(F, x0, method='bcd')``.

Nutini, Laradji & Schmidt, "Let's Make Block Coordinate Descent Converge Faster: Faster Greedy
Rules, Message-Passing, Active-Set Complexity, and Superlinear Convergence", JMLR 23(131), 2022.
Problem ``F(x) = f(x) + g(x)``, ``f`` smooth, ``g`` separable (none, ``alpha ||x||_1``, bounds).
Iteration ``k`` (spec section 1):

1. choose a block ``b_k`` (:mod:`._rules`: partition + selection rule);
2. ``x_b <- x_b + d_b`` (:mod:`._updates`), every other coordinate unchanged;
3. keep the margins ``Z = A x`` (or ``g = Q x - c``) current: ``O(nnz(A[:, b]))`` per
   iteration; greedy rules also keep the whole gradient current through the touched rows.

With an L1 term or bounds the active set (zeros / coordinates at a bound) is tracked. When it
has not changed for ``switch_window`` iterations, the method switches to Newton-type updates
(``'newton'``; the exact block solve for quadratics) on the free coordinates (the manifold,
section 1.6), and back to the full problem if the pattern changes again or a coordinate off
the manifold becomes attractive. The result reports ``active_set_iteration``: the last
iteration at which the active set changed.

Subpackage layout: :mod:`._kernels` (Numba loops on CSC/CSR data), :mod:`._models`,
:mod:`._partitions`, :mod:`._message` (forest blocks by message passing), :mod:`._rules`,
:mod:`._updates`, :mod:`._reg` (the separable part).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._backend import get_namespace, is_numpy_namespace, to_numpy
from ..._checks import as_rng, check_choice, check_int, check_maxiter, check_real
from ..._result import OptimizeResult, wrap_callback
from ..._status import CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, PRECISION_LOSS, status_message
from ...objectives import _Composite
from ._device import device_refusal, minimize_bcd_device
from ._models import GenericModel, QuadraticModel, make_model
from ._reg import Separable
from ._rules import GREEDY, Selector, check_partition
from ._updates import UPDATES, block_update

__all__ = ["minimize_bcd", "PARTITIONS", "SELECTIONS", "UPDATES"]

PARTITIONS = ("order", "sort", "avg", "variable", "tree", "red-black", "greedy-tree")
SELECTIONS = ("cyclic", "random", "lipschitz", "gs", "gsl", "gsd", "gsq", "iht")
_ALIASES = {"lb": "gradient", "pg": "gradient", "hb": "matrix", "pn": "matrix",
            "ls": "newton", "la": "adaptive", "adaptive-l": "adaptive"}


@dataclass(frozen=True)
class _Options:
    """The method's options, validated once (see :func:`minimize_bcd`)."""

    block_size: Any = None
    partition: Any = "variable"
    selection: str = "gsd"
    update: str = "matrix"
    gtol: float = 1e-6
    maxiter: int = 1000
    switch_window: int = 10
    iht_steps: int = 10
    max_backtracks: int = 40
    qp_maxsweeps: int = 1000
    check_every: int | None = None

    def __post_init__(self):
        put = functools.partial(object.__setattr__, self)
        if not isinstance(self.partition, (list, tuple)):
            put("partition", check_choice("partition", self.partition, PARTITIONS))
        put("selection", check_choice("selection", self.selection, SELECTIONS))
        upd = self.update.lower() if isinstance(self.update, str) else self.update
        put("update", check_choice("update", _ALIASES.get(upd, upd), UPDATES))
        put("block_size", check_int("block_size", self.block_size, low=1, allow_none=True))
        put("gtol", check_real("gtol", self.gtol, low=0.0))
        put("switch_window", check_int("switch_window", self.switch_window, low=0))
        put("iht_steps", check_int("iht_steps", self.iht_steps, low=1))
        put("max_backtracks", check_int("max_backtracks", self.max_backtracks, low=1))
        put("qp_maxsweeps", check_int("qp_maxsweeps", self.qp_maxsweeps, low=1))
        put("check_every", check_int("check_every", self.check_every, low=1, allow_none=True))


def _bounds_arrays(bounds, n):
    if bounds is None:
        return None, None
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        lo, hi = bounds.lb, bounds.ub
    else:
        arr = np.array([(-np.inf if a is None else a, np.inf if c is None else c)
                        for a, c in bounds], dtype=float)
        if arr.shape != (n, 2):
            raise ValueError(f"bounds must hold {n} (lower, upper) pairs, got {arr.shape[0]}")
        lo, hi = arr[:, 0], arr[:, 1]
    lo = np.broadcast_to(np.asarray(lo, float), (n,)).copy()
    hi = np.broadcast_to(np.asarray(hi, float), (n,)).copy()
    if np.any(lo > hi) or np.any(np.isnan(lo)) or np.any(np.isnan(hi)):
        raise ValueError("bounds must satisfy lower <= upper (no NaN)")
    return lo, hi


def _setup(fun, x0, args, jac, hess, hessp, bounds, opts):
    """``(model, reg)``: the smooth part's model and the separable part."""
    smooth, alpha, lo, hi = fun.parts() if isinstance(fun, _Composite) else (fun, 0.0, None, None)
    n = x0.size
    blo, bhi = _bounds_arrays(bounds, n)
    if blo is not None:
        lo = blo if lo is None else np.maximum(lo, blo)
        hi = bhi if hi is None else np.minimum(hi, bhi)
    reg = Separable(n, alpha, lo, hi)
    x0 = np.clip(x0, reg.lo, reg.hi)
    model = make_model(smooth, x0, jac, hess, hessp, args)
    quad_only = ("tree", "red-black", "greedy-tree")
    if opts.partition in quad_only and not isinstance(model, QuadraticModel):
        raise ValueError(f"partition={opts.partition!r} needs a SparseQuadratic objective "
                         "(forest blocks of its graph)")
    if opts.partition in quad_only and not reg.smooth:
        raise ValueError(f"partition={opts.partition!r} (message passing) is for smooth "
                         "quadratics: drop the L1 term / bounds or use another partition")
    if opts.update == "tmp" and reg.alpha and np.any(reg.lo < 0):
        raise ValueError("update='tmp' with an L1 term needs lower bounds >= 0 (then "
                         "alpha ||x||_1 is linear); use update='matrix' (PN) otherwise")
    if opts.update in ("newton", "tmp", "matrix") and isinstance(model, GenericModel) and \
            hess is None and hessp is None:
        raise ValueError(f"update={opts.update!r} on a plain callable needs hess= or hessp=; "
                         "use update='adaptive' or 'gradient'")
    return model, reg


def minimize_bcd(
    fun, x0, *, args=(), jac=None, hess=None, hessp=None, bounds=None, constraints=(),
    tol=None, callback=None, block_size: int | None = None, partition: Any = "variable",
    selection: str = "gsd", update: str = "matrix", gtol: float = 1e-6,
    maxiter: int | None = None, switch_window: int = 10, iht_steps: int = 10,
    max_backtracks: int = 40, qp_maxsweeps: int = 1000, check_every: int | None = None,
    rng: int | np.random.Generator | None = None,
) -> OptimizeResult:
    """Greedy block coordinate descent [1]_ (see the module notes).

    Called through ``numsolve.minimize(fun, x0, method='bcd', options={...})``; ``fun`` is a
    ``numsolve.objectives`` objective (``LeastSquares``, ``BinaryLogistic``,
    ``MultinomialLogistic``, ``SparseQuadratic``, possibly wrapped in ``L1Regularized`` /
    ``BoundConstrained``) or a plain callable with ``jac``.

    Parameters
    ----------
    fun : callable
        The objective: a ``numsolve.objectives`` object (the fast paths) or a plain callable
        ``fun(x, *args)`` with ``jac`` (the generic, slower path).
    x0 : array_like, shape (n,)
        Starting point (not modified).
    args : tuple, optional
        Extra arguments of a plain callable ``fun`` (and ``jac``, ``hess``, ``hessp``).
    jac, hess, hessp : callable, optional
        Gradient, Hessian and Hessian-vector product of a plain callable ``fun``.
    bounds : sequence or Bounds, optional
        Box constraints (wrap ``fun`` in ``BoundConstrained``).
    constraints : tuple
        Must be empty (``ValueError`` otherwise).
    tol : float, optional
        Sets ``gtol``.
    callback : callable, optional
        ``callback(intermediate_result)`` after each iteration; raise ``StopIteration`` to
        stop.

    Other Parameters
    ----------------
    block_size : int
        ``tau``, coordinates per block (default 5; for ``'greedy-tree'`` the cap on the
        forest's size, default ``n``). Ignored by ``'tree'`` and ``'red-black'``.
    partition : str or list of index arrays
        ``'variable'`` (default: any ``tau`` coordinates), fixed ``'order'``, ``'sort'``,
        ``'avg'``, forest partitions of a :class:`~numsolve.objectives.SparseQuadratic`
        (``'tree'``: comb forests on a lattice, union-find forests otherwise; ``'red-black'``:
        greedy colouring; ``'greedy-tree'``: a forest grown each iteration by the score), or
        an explicit partition (every coordinate in exactly one non-empty block).
    selection : str
        ``'cyclic'``, ``'random'``, ``'lipschitz'``, ``'gs'``, ``'gsl'``, ``'gsd'`` (default),
        ``'gsq'`` (variable blocks: the IHT approximation; also ``'iht'``).
    update : str
        ``'matrix'`` (default, ``H_b^{-1}``; message passing on forest blocks; PN with L1 or
        bounds), ``'gradient'`` (``1/L_b``; proximal/projected), ``'newton'`` (line search),
        ``'adaptive'`` (adaptive ``L_b``), ``'tmp'`` (two-metric projection, bounds).
    gtol : float
        Stop when ``||x - prox(x - grad f(x))||_inf <= gtol`` (``tol`` sets it). Tested every
        iteration when the gradient is kept current (greedy rules, quadratics), else every
        ``check_every`` iterations (default: one epoch, ``n / tau``).
    maxiter : int
        Block iterations (default 1000).
    switch_window : int
        Iterations without a change of the active set before switching to Newton-type updates
        on the free coordinates (``0``: never).
    iht_steps : int
        Iterative hard thresholding steps of variable-block GSQ.
    max_backtracks, qp_maxsweeps : int
        Line-search halvings; coordinate sweeps of the small-block PN solve.
    rng : int or numpy.random.Generator
        For the random, Lipschitz-sampling and permuted-cyclic rules.

    Returns
    -------
    OptimizeResult
        ``x``, ``fun`` (``F(x)``), ``nit``, ``f_history`` (``F(x_k)``, ``k = 0..nit``),
        ``optimality`` (the prox-gradient residual last measured), ``work`` (nonzeros
        touched), ``active_set_iteration`` and ``switch_iteration`` (L1/bounds; ``None``
        otherwise), ``success``, ``status``, ``message``.

    Notes
    -----
    On the device (dense CuPy/array-API ``A``): LS/logistic (+ L1/bounds),
    fixed blocks, cyclic/random/lipschitz/gs/gsl/gsd, ``'gradient'``; else ``TypeError``.

    References
    ----------
    .. [1] J. Nutini, I. Laradji and M. Schmidt, "Let's make block coordinate descent converge
       faster: faster greedy rules, message-passing, active-set complexity, and superlinear
       convergence", JMLR 23(131):1-74, 2022, arXiv:1712.08859.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.objectives import L1Regularized, LeastSquares
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((60, 20)); b = A @ np.r_[np.ones(3), np.zeros(17)]
    >>> res = numsolve.minimize(L1Regularized(LeastSquares(A, b), 1.0), np.zeros(20),
    ...                         method="bcd", options={"selection": "gsq", "gtol": 1e-10})
    >>> res.success, int(np.count_nonzero(res.x)), res.active_set_iteration <= res.nit
    (True, 3, True)
    """
    if constraints:
        raise ValueError("method 'bcd' does not support constraints")
    opts = _Options(block_size=block_size, partition=partition, selection=selection,
                    update=update, gtol=gtol if tol is None else tol,
                    maxiter=check_maxiter(maxiter, 1000), switch_window=switch_window,
                    iht_steps=iht_steps, max_backtracks=max_backtracks,
                    qp_maxsweeps=qp_maxsweeps, check_every=check_every)
    if (xp := _device_namespace(fun, x0, args)) is not None:  # array-API data: vectorised
        return minimize_bcd_device(fun, x0, xp, opts, bounds, rng, wrap_callback(callback))
    x = np.array(to_numpy(x0), dtype=np.float64).reshape(-1)
    model, reg = _setup(fun, x, args, jac, hess, hessp, bounds, opts)
    if isinstance(opts.partition, (list, tuple)):
        object.__setattr__(opts, "partition", check_partition(opts.partition, model.n))
    tau = opts.block_size or (model.n if opts.partition == "greedy-tree" else 5)
    object.__setattr__(opts, "block_size", min(tau, model.n))
    sel = Selector(opts, model, reg, as_rng(rng))
    if opts.selection in GREEDY or not reg.smooth:
        model.keep_gradient()
    return _run(model, reg, sel, opts, wrap_callback(callback))


minimize_bcd.capabilities = {"bounds": True, "constraints": False, "jac": True, "hess": True}
minimize_bcd.host_only = device_refusal


def _device_namespace(fun, x0, args):
    """The namespace of a non-NumPy problem (``None`` for NumPy/SciPy data); a ``TypeError``
    for mixed namespaces or what the device path does not cover."""
    smooth = fun.parts()[0] if isinstance(fun, _Composite) else fun
    data = getattr(smooth, "A", getattr(smooth, "Q", None))
    data = data if data is not None and hasattr(data, "shape") else None
    xp = get_namespace(x0, data)
    if is_numpy_namespace(xp):
        return None
    why = device_refusal(fun)
    if why is None and args:
        why = "; extra args"
    if why is not None:
        raise TypeError(f"method 'bcd' runs on the CPU only{why}")
    return xp


def _run(model, reg, sel, opts, notify) -> OptimizeResult:
    """The BCD loop (module notes, steps 1-3) and its result."""
    F = model.fval() + reg.value(model.x)
    hist, status, k = [F], None, 0
    act = reg.active(model.x) if not reg.smooth else None
    changed_at, stable, switched_at, mode = 0, 0, None, opts.update
    every = opts.check_every or max(1, -(-model.n // opts.block_size))
    measure = math.inf
    while status is None:
        if k and k % max(every, 100) == 0:
            model.refresh()  # about once per epoch: no drift of the incremental state
        if model.full or k % every == 0:
            g = model.grad_full()
            measure = reg.opt_measure(model.x, g)
            if not math.isfinite(measure) or not math.isfinite(F):
                status = NONFINITE
                break
            if measure <= opts.gtol:
                status = CONVERGED
                break
        if k >= opts.maxiter:
            status = MAXITER
            break
        b, bi = sel.select(k, model.g if model.full else None, model.x)
        if b.size == 0:  # no coordinate with a positive score: stationary for this rule
            if sel.free is not None:
                sel.free, mode = None, opts.update
                continue
            measure = reg.opt_measure(model.x, model.grad_full())
            status = CONVERGED if measure <= opts.gtol else PRECISION_LOSS
            break
        gb = model.grad_block(b)
        status = block_update(mode, model, reg, sel, opts, b, bi, gb)
        k += 1
        F = model.fval() + reg.value(model.x)
        hist.append(F)
        if act is not None:  # active-set tracking and the switch to the manifold
            new = reg.active(model.x)
            if np.array_equal(new, act):
                stable += 1
            else:
                act, changed_at, stable = new, k, 0
                if sel.free is not None:
                    sel.free, mode = None, opts.update
            if opts.switch_window and sel.free is None and stable >= opts.switch_window \
                    and (~act).any():
                sel.free = ~act
                mode = "matrix" if isinstance(model, QuadraticModel) else "newton"
                switched_at = k if switched_at is None else switched_at
            elif sel.free is not None and stable % opts.switch_window == 0:
                if reg.opt_measure(model.x[act], model.grad_full()[act], act) > opts.gtol:
                    sel.free, mode, stable = None, opts.update, 0  # leave the manifold
        if status is None and notify is not None and notify(
                OptimizeResult(x=model.x.copy(), fun=F, nit=k)):
            status = CALLBACK_STOP
    return _result(model, reg, opts, status, k, hist, measure, changed_at, switched_at)


def _result(model, reg, opts, status, k, hist, measure, changed_at, switched_at):
    detail = {CONVERGED: "prox-gradient residual below gtol",
              PRECISION_LOSS: "every greedy score is zero while the prox-gradient residual "
                              "is above gtol",
              MAXITER: f"after {k} block iterations"}.get(status)
    out = OptimizeResult(
        x=model.x.copy(), fun=hist[-1], nit=k, success=status == CONVERGED, status=status,
        message=status_message(status, detail, kind="optimize"), f_history=np.array(hist),
        optimality=measure, work=int(model.work), block_size=opts.block_size,
        partition=opts.partition if isinstance(opts.partition, str) else "user",
        selection=opts.selection, update=opts.update, backend="numpy",
        active_set_iteration=None if reg.smooth else changed_at,
        switch_iteration=switched_at,
    )
    if isinstance(model, GenericModel):
        out.update(nfev=model.nfev, njev=model.njev)
    return out

