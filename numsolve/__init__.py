"""numsolve: SciPy-style optimization and linear-system solvers from recent research.

Entry points
------------
minimize      ``numsolve.minimize(fun, x0, method=...)`` (SciPy's signature)
solve         ``numsolve.solve(A, b, method=...)`` (SciPy's ``rtol``/``atol`` semantics)
solve_batch   many right-hand sides or many systems at once
lstsq         linear least squares (sketch-preconditioned)
solve_monotone  finite-sum monotone inclusions ``0 in F(u) + G(u)`` (variance-reduced Halpern)
minimax       convex-concave finite-sum saddle problems (through ``solve_monotone``)
complete      low-rank matrix completion from observed entries (alternating minimization)
lasso         Lasso / L1-logistic fits and paths with duality-gap certificates
              (``lasso``, ``lasso_path``, ``l1_logistic``, ``l1_logistic_path``)

Every result carries a ``status`` from one table, :class:`Status`.

NumPy arrays and SciPy sparse matrices run on the CPU (Numba kernels); CuPy arrays and
``cupyx.scipy.sparse`` matrices run on the GPU; results come back where the inputs live.
"""

from . import callbacks, problems
from ._backend import show_config, to_namespace, to_numpy
from ._result import OptimizeResult, SolveResult
from ._status import Status
from ._version import __version__
from .completion import complete
from .linalg import lstsq, solve, solve_batch
from .monotone import minimax, solve_monotone
from .optimize import l1_logistic, l1_logistic_path, lasso, lasso_path, minimize

__all__ = [
    "OptimizeResult",
    "SolveResult",
    "Status",
    "__version__",
    "callbacks",
    "complete",
    "l1_logistic",
    "l1_logistic_path",
    "lasso",
    "lasso_path",
    "minimize",
    "minimax",
    "lstsq",
    "problems",
    "show_config",
    "solve",
    "solve_batch",
    "solve_monotone",
    "to_namespace",
    "to_numpy",
]
