"""The one status table: every numsolve solver's ``status`` codes and their messages.

Codes follow SciPy's conventions where SciPy has one: ``0`` is success, ``1`` means the
iteration limit was reached, ``99`` that the ``callback`` raised ``StopIteration``. Every result
(:class:`~numsolve.SolveResult`, :class:`~numsolve.OptimizeResult`) carries a plain ``int`` from
this table in ``status`` (an integer array for batches) and a message built by
:func:`status_message`: the code's message, specialised per kind of problem where the criterion
differs (linear systems, least squares, optimization), followed by the solver's detail.

=======  ======================  ==============================================================
status   name                    meaning
=======  ======================  ==============================================================
0        ``CONVERGED``           the convergence criterion was met
1        ``MAXITER``             the iteration limit (``maxiter``) was reached
2        ``PRECISION_LOSS``      the true residual stagnated above the tolerance: the requested
                                 accuracy is not attainable in this precision
3        ``BREAKDOWN``           the method's linear algebra broke down (a matrix or
                                 preconditioner not positive definite, a singular factor)
4        ``NONFINITE``           NaN or inf met during the run (objective, gradient, iterates)
5        ``LINESEARCH``          the line search found no sufficient decrease of the merit
6        ``SINGULAR_JACOBIAN``   the constraint Jacobian is (numerically) rank deficient
7        ``INNER_SOLVER``        an inner solver (e.g. the KKT solve) missed its accuracy
8        ``INFEASIBLE``          the constraints look infeasible: the run ended at a local
                                 minimiser of the constraint violation that is not feasible
9        ``DIVERGED``            the residual grew without bound (e.g. an operator that is
                                 not monotone, or a step size too large)
99       ``CALLBACK_STOP``       ``callback`` raised ``StopIteration``
=======  ======================  ==============================================================
"""

from __future__ import annotations

import enum

__all__ = [
    "Status",
    "CONVERGED",
    "MAXITER",
    "PRECISION_LOSS",
    "BREAKDOWN",
    "NONFINITE",
    "LINESEARCH",
    "SINGULAR_JACOBIAN",
    "INNER_SOLVER",
    "INFEASIBLE",
    "CALLBACK_STOP",
    "DIVERGED",
    "status_message",
    "batch_message",
]


class Status(enum.IntEnum):
    """``status`` codes shared by every numsolve solver (see the module table).

    Results carry the plain integer (``res.status == Status.MAXITER`` works, as ``IntEnum``
    members compare equal to their values); ``res.success`` is ``status == 0``.

    Attributes
    ----------
    CONVERGED : 0
        The convergence criterion was met.
    MAXITER : 1
        ``maxiter`` was reached without convergence.
    PRECISION_LOSS : 2
        The (true) residual stagnated above the tolerance.
    BREAKDOWN : 3
        Breakdown: a matrix or preconditioner is not positive definite, or singular.
    NONFINITE : 4
        NaN or inf appeared.
    LINESEARCH : 5
        The line search could not make progress.
    SINGULAR_JACOBIAN : 6
        The constraint Jacobian is (near) rank deficient.
    INNER_SOLVER : 7
        An inner solver (e.g. of the KKT systems) hit its iteration cap.
    CALLBACK_STOP : 99
        The callback raised ``StopIteration``.

    Examples
    --------
    >>> from numsolve import Status
    >>> int(Status.MAXITER), Status(99).name
    (1, 'CALLBACK_STOP')
    """

    CONVERGED = 0
    MAXITER = 1
    PRECISION_LOSS = 2
    BREAKDOWN = 3
    NONFINITE = 4
    LINESEARCH = 5
    SINGULAR_JACOBIAN = 6
    INNER_SOLVER = 7
    INFEASIBLE = 8
    DIVERGED = 9
    CALLBACK_STOP = 99


# plain ints, so that results carry ``int`` codes (as SciPy's do)
CONVERGED = int(Status.CONVERGED)
MAXITER = int(Status.MAXITER)
PRECISION_LOSS = int(Status.PRECISION_LOSS)
BREAKDOWN = int(Status.BREAKDOWN)
NONFINITE = int(Status.NONFINITE)
LINESEARCH = int(Status.LINESEARCH)
SINGULAR_JACOBIAN = int(Status.SINGULAR_JACOBIAN)
INNER_SOLVER = int(Status.INNER_SOLVER)
INFEASIBLE = int(Status.INFEASIBLE)
DIVERGED = int(Status.DIVERGED)
CALLBACK_STOP = int(Status.CALLBACK_STOP)

#: ``status -> {kind: message}``; kind ``""`` is the default, ``"linear"`` (solve,
#: solve_batch), ``"lstsq"`` and ``"optimize"`` specialise it where the criterion differs.
_MESSAGES: dict[int, dict[str, str]] = {
    CONVERGED: {
        "": "Converged.",
        "linear": "Converged: residual norm below max(rtol * norm(b), atol).",
        "lstsq": "Converged: norm(A.T r) <= rtol * norm(A R^-1) * norm(r) in the preconditioned "
                 "variables, or norm(r) <= max(rtol * norm(b), atol).",
        "optimize": "Optimization terminated successfully.",
    },
    MAXITER: {
        "": "Maximum number of iterations reached without convergence.",
        "optimize": "Maximum number of iterations reached.",
    },
    PRECISION_LOSS: {
        "": "Precision loss: the true residual stagnated above the tolerance (the requested "
            "accuracy is not attainable in this precision).",
    },
    BREAKDOWN: {
        "": "Breakdown: the matrix or preconditioner is not positive definite.",
        "lstsq": "Breakdown: the sketch of A is numerically rank deficient (A does not have "
                 "full column rank); pass ridge > 0 or a larger sketch_size.",
    },
    NONFINITE: {
        "": "Non-finite values (NaN or inf) encountered during the iteration.",
        "optimize": "Non-finite value (NaN or inf) of the objective, the constraints or their "
                    "derivatives.",
    },
    LINESEARCH: {
        "": "Line search failed: no sufficient decrease of the merit function.",
    },
    SINGULAR_JACOBIAN: {
        "": "Singular constraint Jacobian (lambda_min(G G^T) below the threshold).",
    },
    INNER_SOLVER: {
        "": "The inner solver did not reach the required accuracy.",
        "optimize": "The KKT solver did not reach the required accuracy.",
    },
    INFEASIBLE: {
        "": "The constraints look infeasible: the iteration reached a local minimiser of the "
            "constraint violation ||c(x)|| that is not feasible; check the constraints, or try "
            "another starting point.",
    },
    DIVERGED: {
        "": "Diverged: the residual grew far above its initial value (the operator may not "
            "be monotone, or the step size is too large).",
    },
    CALLBACK_STOP: {
        "": "`callback` raised `StopIteration`.",
    },
}


def status_message(status: int, detail: str | None = None, *, kind: str = "") -> str:
    """The message of ``status`` for this ``kind`` of problem, with an optional detail.

    Parameters
    ----------
    status : int
        A code of :class:`Status`.
    detail : str, optional
        Solver-specific detail, appended in parentheses.
    kind : {'', 'linear', 'lstsq', 'optimize'}
        Kind of problem; selects the specialised message where there is one.

    Returns
    -------
    str

    Examples
    --------
    >>> from numsolve._status import MAXITER, status_message
    >>> status_message(MAXITER, "500 iterations")
    'Maximum number of iterations reached without convergence. (500 iterations)'
    """
    variants = _MESSAGES[int(status)]
    msg = variants.get(kind, variants[""])
    return f"{msg} ({detail})" if detail else msg


def batch_message(status, details=None, *, label: str = "system", kind: str = "") -> str:
    """One message for a batch: all converged, or how many failed and the first failure's.

    Parameters
    ----------
    status : array of int
        Per-system codes.
    details : mapping of int to str, optional
        Detail of system ``i`` (see :func:`status_message`).
    label : str
        What a member of the batch is called (``'system'``, ``'column'``).
    kind : str
        As in :func:`status_message`.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve._status import batch_message
    >>> print(batch_message(np.array([0, 1, 1]), label="column"))
    2 of 3 systems did not converge; first failure (column 1): Maximum number of iterations
    reached without convergence.
    """
    import numpy as np

    status = np.asarray(status).reshape(-1)
    details = details or {}
    bad = np.flatnonzero(status != CONVERGED)
    if bad.size == 0:
        return status_message(CONVERGED, kind=kind) + f" (all {status.size} systems)"
    first = int(bad[0])
    return (f"{bad.size} of {status.size} systems did not converge; first failure "
            f"({label} {first}): "
            + status_message(int(status[first]), details.get(first), kind=kind))


def status_table() -> list[tuple[int, str, str]]:
    """``(code, name, default message)`` for every status, in code order (for the docs)."""
    return [(int(s), s.name, _MESSAGES[int(s)][""]) for s in Status]
