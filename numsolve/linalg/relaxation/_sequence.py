"""Sequences of linear systems for ``numsolve.solve_batch(..., method='sor' | 'ssor-cg')``.

The systems are solved one after another, so that a tuner passed as ``omega`` learns from each
solve's iteration count before choosing ``omega`` for the next one. Accepted forms:

* an iterable (list, generator, ...) of ``(A, b)`` or ``(A, b, context)`` tuples (``B`` omitted);
  a generator receives each solution through ``send`` (so it can build the next right-hand
  side from it, e.g. :func:`numsolve.problems.heat2d_sequence`);
* a list of matrices ``A`` with a list (or ``(m, n)`` array) of right-hand sides ``B``;
* one matrix ``A`` with ``B`` of shape ``(n, k)``: the columns in turn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._backend import is_array, is_linear_operator, is_sparse
from ..._result import SolveResult
from ..._status import CONVERGED, batch_message
from ._sor import _is_tuner, solve_sor, solve_ssor_cg

__all__ = ["solve_sequence", "solve_batch_sor", "solve_batch_ssor_cg"]


def _iter_systems(A, B):
    """``(iterator, supports_send)`` over ``(A, b[, context])`` tuples."""
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
        return it, hasattr(it, "send")
    if isinstance(A, (list, tuple)):
        bs = list(B) if isinstance(B, (list, tuple)) else [B[i] for i in range(B.shape[0])]
        if len(bs) != len(A):
            raise ValueError(f"B has {len(bs)} right-hand sides for {len(A)} systems")
        return iter(list(zip(A, bs))), False
    if getattr(B, "ndim", None) == 2:
        return iter([(A, B[:, j]) for j in range(B.shape[1])]), False
    return iter([(A, B)]), False


def solve_sequence(
    systems,
    B=None,
    X0=None,
    *,
    method: str = "sor",
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M=None,
    callback=None,
    omega: Any = 1.0,
    warm_start: bool = False,
    **options,
) -> SolveResult:
    """Solve a sequence of systems with SOR or SSOR-CG, letting a tuner learn ``omega``."""
    impl = {"sor": solve_sor, "ssor-cg": solve_ssor_cg}[method]
    if M is not None:
        raise ValueError(f"M is not used by method={method!r}")
    it, can_send = _iter_systems(systems, B)
    tuner = omega if _is_tuner(omega) else None
    x0s = None if X0 is None else list(X0)
    results, contexts = [], []
    prev = None
    i = 0
    try:
        item = next(it)
    except StopIteration:
        raise ValueError("the sequence of systems is empty") from None
    while True:
        if not isinstance(item, tuple) or len(item) not in (2, 3):
            raise TypeError(f"system {i} must be a tuple (A, b) or (A, b, context), got "
                            f"{type(item).__name__}" + (f" of length {len(item)}"
                                                        if isinstance(item, tuple) else ""))
        A, b = item[0], item[1]
        c = item[2] if len(item) == 3 else None
        x0 = None
        if x0s is not None:
            if i >= len(x0s):
                raise ValueError(f"X0 has {len(x0s)} entries, fewer than the systems")
            x0 = x0s[i]
        elif warm_start and prev is not None and tuple(prev.shape) == (int(A.shape[0]),):
            x0 = prev
        ctx = c if (tuner is not None and getattr(tuner, "contextual", c is not None)) else None
        res = impl(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, callback=callback,
                   omega=omega, context=ctx, **options)
        results.append(res)
        contexts.append(np.nan if c is None else float(c))
        prev = res.x
        i += 1
        try:
            item = it.send(res.x) if can_send else next(it)
        except StopIteration:
            break
    status = np.array([r.status for r in results])
    ok = status == CONVERGED
    msg = batch_message(status, kind="linear")
    nit = np.array([r.nit for r in results])
    omegas = np.array([r.omega for r in results])
    return SolveResult(
        x=[r.x for r in results],
        success=ok,
        status=status,
        message=msg,
        nit=nit,
        residual_norms=[r.residual_norms for r in results],
        backend=results[0].backend,
        method=method,
        omega=omegas,
        context=np.array(contexts),
        trajectory={"omega": omegas, "iterations": nit, "context": np.array(contexts)},
        results=results,
    )


def solve_batch_sor(
    A,
    B=None,
    X0=None,
    *,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M=None,
    callback=None,
    omega: Any = 1.0,
    warm_start: bool = False,
    sweep: str = "forward",
    ordering: str | None = None,
    rtol_reference: str = "b",
    check_finite: bool = True,
) -> SolveResult:
    """SOR over a sequence of systems (``solve_batch(..., method='sor')``).

    Options as for ``solve(..., method='sor')`` plus ``warm_start`` (start each solve from the
    previous solution when the sizes match). ``omega`` may be a tuner: it chooses ``omega`` per
    system (with the system's context, for contextual tuners) and learns from the iteration
    counts. The result holds per-system ``x`` (a list), ``success``, ``status``, ``nit``,
    ``omega``, ``context``, the per-system results (``results``) and the ``trajectory``
    (``omega`` chosen and iterations per system).
    """
    return solve_sequence(A, B, X0, method="sor", rtol=rtol, atol=atol, maxiter=maxiter, M=M,
                          callback=callback, omega=omega, warm_start=warm_start, sweep=sweep,
                          ordering=ordering, rtol_reference=rtol_reference,
                          check_finite=check_finite)


def solve_batch_ssor_cg(
    A,
    B=None,
    X0=None,
    *,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M=None,
    callback=None,
    omega: Any = 1.0,
    warm_start: bool = False,
    ordering: str | None = None,
    true_residual_every: int = 50,
    check_finite: bool = True,
) -> SolveResult:
    """SSOR-preconditioned CG over a sequence of systems (``solve_batch(..., method='ssor-cg')``).

    As :func:`solve_batch_sor`, with the options of ``solve(..., method='ssor-cg')``.
    """
    return solve_sequence(A, B, X0, method="ssor-cg", rtol=rtol, atol=atol, maxiter=maxiter,
                          M=M, callback=callback, omega=omega, warm_start=warm_start,
                          ordering=ordering, true_residual_every=true_residual_every,
                          check_finite=check_finite)
