"""Sequences of linear systems for ``numsolve.solve_batch(..., method='sor' | 'ssor-cg')``.

The systems are solved one after another, so that a tuner passed as ``omega`` learns from each
solve's iteration count before choosing ``omega`` for the next one. Accepted forms, and the
layout of the solutions ``x`` (that of ``method='cg'``):

* one matrix ``A`` with ``B`` of shape ``(n, k)``: the columns in turn; ``x`` has shape
  ``(n, k)`` (``B`` of shape ``(n,)``: one system, ``x`` of shape ``(n,)``);
* a list of matrices ``A`` (or an ``(m, n, n)`` stack) with a list or an ``(m, n)`` array of
  right-hand sides ``B``;
* an iterable (list, generator, ...) of ``(A, b)`` or ``(A, b, context)`` tuples (``B``
  omitted); a generator receives each solution through ``send`` (so it can build the next
  right-hand side from it, e.g. :func:`numsolve.problems.heat2d_sequence`).

For the last two, ``x`` has shape ``(m, n)`` when all systems have the same size, and is a
list of the ``m`` solutions otherwise. ``X0`` follows the layout of ``B`` (of ``x``).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

from ..._backend import get_namespace, is_array, is_linear_operator, is_sparse
from ..._result import SolveResult
from ..._status import CONVERGED, batch_message
from ._sor import _is_tuner, solve_sor, solve_ssor_cg

__all__ = ["solve_sequence", "solve_batch_sor", "solve_batch_ssor_cg"]

_METHODS = {"sor": solve_sor, "ssor-cg": solve_ssor_cg}


def _rows(V) -> list | None:
    """The entries of a list, or the rows of an array (``None`` stays ``None``)."""
    if V is None or isinstance(V, (list, tuple)):
        return None if V is None else list(V)
    return [V[i] for i in range(V.shape[0])] if hasattr(V, "shape") else list(V)


def _columns(V) -> list | None:
    return None if V is None else [V[:, j] for j in range(V.shape[1])]


def _as_systems(A, B, X0):
    """``(systems, supports_send, initial guesses, layout)`` for the batch forms.

    ``systems`` iterates over ``(A, b[, context])`` tuples; ``layout`` is ``'columns'`` (one
    ``A``, ``B`` of shape ``(n, k)``), ``'vector'`` (one ``A``, ``B`` of shape ``(n,)``) or
    ``'rows'`` (many systems).
    """
    if B is None:
        if is_sparse(A) or is_linear_operator(A) or is_array(A):
            raise TypeError(
                "solve_batch(systems, method='sor'|'ssor-cg') without B expects an iterable of "
                "(A, b) or (A, b, context) tuples"
            )
        try:
            it = iter(A)
        except TypeError:
            raise TypeError(f"systems must be an iterable of (A, b[, context]) tuples, got "
                            f"{type(A).__name__}") from None
        return it, hasattr(it, "send"), _rows(X0), "rows"
    if isinstance(A, (list, tuple)) or getattr(A, "ndim", None) == 3:
        As, bs = _rows(A), _rows(B)
        if len(bs) != len(As):
            raise ValueError(f"B has {len(bs)} right-hand sides for {len(As)} systems")
        return iter(list(zip(As, bs))), False, _rows(X0), "rows"
    if getattr(B, "ndim", None) == 2:
        return iter(list(zip([A] * B.shape[1], _columns(B)))), False, _columns(X0), "columns"
    return iter([(A, B)]), False, None if X0 is None else [X0], "vector"


def _in_turn(systems, can_send: bool, results: list):
    """Yield ``(i, A, b, context)`` one system at a time; a generator that supports ``send``
    is sent the solution of system ``i`` (the last of ``results``) before it yields the next."""
    try:
        item = next(systems)
    except StopIteration:
        raise ValueError("the sequence of systems is empty") from None
    i = 0
    while True:
        if not isinstance(item, tuple) or len(item) not in (2, 3):
            raise TypeError(f"system {i} must be a tuple (A, b) or (A, b, context), got "
                            f"{type(item).__name__}" + (f" of length {len(item)}"
                                                        if isinstance(item, tuple) else ""))
        yield i, item[0], item[1], item[2] if len(item) == 3 else None
        i += 1
        try:
            item = systems.send(results[-1].x) if can_send else next(systems)
        except StopIteration:
            return


def _initial_guess(i: int, A, x0s, warm_start: bool, results: list):
    """``X0``'s entry for system ``i``; else, with ``warm_start``, the previous solution when
    the sizes match; else ``None`` (zeros)."""
    if x0s is not None:
        if i >= len(x0s):
            raise ValueError(f"X0 has {len(x0s)} entries, fewer than the systems")
        return x0s[i]
    prev = results[-1].x if results else None
    if warm_start and prev is not None and tuple(prev.shape) == (int(A.shape[0]),):
        return prev
    return None


def _solutions(xs: list, layout: str):
    """The solutions in the layout of ``method='cg'``: ``(n, k)`` columns for one shared
    ``A``, ``(n,)`` for one vector ``b``, else ``(m, n)`` rows or, for sizes that differ, a
    list."""
    if layout == "vector":
        return xs[0]
    if layout == "rows" and len({tuple(x.shape) for x in xs}) > 1:
        return xs
    return get_namespace(*xs).stack(xs, axis=1 if layout == "columns" else 0)


def solve_sequence(systems, B=None, X0=None, *, method: str = "sor", rtol: float = 1e-5,
                   atol: float = 0.0, maxiter: int | None = None, M=None, callback=None,
                   omega: Any = 1.0, warm_start: bool = False, **options) -> SolveResult:
    """Solve a sequence of systems with SOR or SSOR-CG, letting a tuner learn ``omega``."""
    impl = _METHODS[method]
    if M is not None:
        raise ValueError(f"M is not used by method={method!r}")
    it, can_send, x0s, layout = _as_systems(systems, B, X0)
    tuner = omega if _is_tuner(omega) else None
    results, contexts = [], []
    for i, A, b, c in _in_turn(it, can_send, results):
        x0 = _initial_guess(i, A, x0s, warm_start, results)
        # a contextual tuner sees the system's context; a non-contextual one none
        ctx = c if (tuner is not None and getattr(tuner, "contextual", c is not None)) else None
        results.append(impl(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, callback=callback,
                            omega=omega, context=ctx, **options))
        contexts.append(np.nan if c is None else float(c))
    status = np.array([r.status for r in results])
    nit = np.array([r.nit for r in results])
    omegas = np.array([r.omega for r in results])
    return SolveResult(
        x=_solutions([r.x for r in results], layout),
        success=status == CONVERGED,
        status=status,
        message=batch_message(status, kind="linear"),
        nit=nit,
        residual_norms=[r.residual_norms for r in results],
        backend=results[0].backend,
        method=method,
        omega=omegas,
        context=np.array(contexts),
        trajectory={"omega": omegas, "iterations": nit, "context": np.array(contexts)},
        results=results,
    )


def _entry_point(method: str):
    """Make a ``solve_batch`` entry point from a signature and a docstring: the decorated
    function's parameters are ``method``'s options (what the registry passes and documents);
    the call goes to :func:`solve_sequence` with all of them."""

    def decorate(signature_holder):
        sig = inspect.signature(signature_holder)

        @functools.wraps(signature_holder)
        def entry(*args, **kwargs) -> SolveResult:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            a = bound.arguments
            return solve_sequence(a.pop("A"), a.pop("B"), a.pop("X0"), method=method, **a)

        return entry

    return decorate


@_entry_point("sor")
def solve_batch_sor(A, B=None, X0=None, *, rtol: float = 1e-5, atol: float = 0.0,
                    maxiter: int | None = None, M=None, callback=None, omega: Any = 1.0,
                    warm_start: bool = False, sweep: str = "forward", ordering: str | None = None,
                    rtol_reference: str = "b", check_finite: bool = True) -> SolveResult:
    """SOR over a sequence of systems (``solve_batch(..., method='sor')``).

    Options as for ``solve(..., method='sor')`` plus ``warm_start`` (start each solve from the
    previous solution when the sizes match). ``omega`` may be a tuner: it chooses ``omega`` per
    system (with the system's context, for contextual tuners) and learns from the iteration
    counts. The result holds ``x`` (in the layout of ``method='cg'``: ``(n, k)`` for one matrix
    and ``B`` of shape ``(n, k)``, ``(m, n)`` for ``m`` systems of one size, else a list) and,
    per system, ``success``, ``status``, ``nit``, ``omega``, ``context``, the results
    (``results``) and the ``trajectory`` (``omega`` chosen and iterations per system).
    """


@_entry_point("ssor-cg")
def solve_batch_ssor_cg(A, B=None, X0=None, *, rtol: float = 1e-5, atol: float = 0.0,
                        maxiter: int | None = None, M=None, callback=None, omega: Any = 1.0,
                        warm_start: bool = False, ordering: str | None = None,
                        true_residual_every: int = 50, check_finite: bool = True) -> SolveResult:
    """SSOR-preconditioned CG over a sequence of systems (``solve_batch(..., method='ssor-cg')``).

    As :func:`solve_batch_sor`, with the options of ``solve(..., method='ssor-cg')``.
    """
