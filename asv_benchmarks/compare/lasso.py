"""Side-by-side Lasso / L1-logistic vs scikit-learn, skglm, celer: time to the same duality gap.

Problems (issue 15; generators in :mod:`asv_benchmarks.benchmarks.lasso`):

* Lasso ``||y - X w||^2 / (2n) + alpha ||w||_1`` at ``alpha = 0.05 alpha_max``,
  ``alpha_max = ||X^T y||_inf / n``, on (a) a 10,000 x 1,000 i.i.d. Gaussian design, (b) a
  5,000 x 2,000 design with correlation ``0.8^|i-j|``, (c) a sparse CSC 100,000 x 20,000
  design at 0.1% density;
* a Lasso path on (b): ``--n-alphas`` (20) values from ``alpha_max`` down to
  ``0.05 alpha_max``, every solver warm-started along the grid; the gap criterion holds at
  every point of the path;
* L1-logistic ``(1/n) sum log(1 + exp(-y_i x_i^T w)) + alpha ||w||_1`` at ``0.05 alpha_max``
  on scikit-learn's bundled ``breast_cancer`` and ``digits`` (0-4 vs 5-9), standardized.

Every solver solves the same objective without intercept: ``sklearn.linear_model.Lasso(alpha)``,
``skglm.Lasso(alpha)``, ``celer.Lasso(alpha)``; for the logistic problem
``LogisticRegression(l1_ratio=1, C=1/(n alpha))`` with ``liblinear`` and ``saga``,
``skglm.SparseLogisticRegression(alpha)`` and ``celer.LogisticRegression(C=1/(n alpha))``.

**One gap function.** Every solution is checked with the same certificate,
:func:`numsolve.optimize.lasso_duality_gap` / :func:`~numsolve.optimize.logistic_duality_gap`
(the residual rescaled to dual feasibility, every feature counted). The target is
``gap <= 1e-6 P(w)`` (``--rgap``). Each competitor's own ``tol`` means something else (a gap
scaled by ``||y||^2/n``, a KKT violation, ...), so it is **calibrated** first: its nominal
``tol`` is divided by 10 until its solution meets the target with the one gap function (these
calls also compile every Numba kernel: compile time is never timed). numsolve runs with
``rtol = 1e-6`` (its own stop is this gap). Then every solver is timed at its calibrated
``tol``, interleaved (A B C D, B C D A, ...), ``--reps`` times (median of 3 by default), under
the same thread limit (threadpoolctl, every BLAS and OpenMP pool, ``--blas-threads``).

Reported: median/min time, ratio to numsolve, ratio of numsolve to each competitor and to the
fastest competitor, the calibrated ``tol``, the achieved relative gap, and
``|P - P_ref| / P_ref`` with ``P_ref`` numsolve's objective at ``rtol = 1e-12`` (the "same
objective to 1e-8" check).

Usage::

    python -m asv_benchmarks.compare.lasso                 # all problems, 3 repetitions
    python -m asv_benchmarks.compare.lasso --quick         # small sizes
    python -m asv_benchmarks.compare.lasso --problems a b --reps 5
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from ..benchmarks import lasso as gen
from ._common import interleaved, load, med, parser, print_timing_table, section, start

LASSO_PROBLEMS = {
    "a": ("(a) i.i.d. Gaussian", lambda q: gen.design_iid(*((2000, 300) if q else
                                                                         (10_000, 1_000)))),
    "b": ("(b) correlation 0.8^|i-j|",
          lambda q: gen.design_correlated(*((1000, 400) if q else (5_000, 2_000)))),
    "c": ("(c) sparse CSC, 0.1% dense",
          lambda q: gen.design_sparse(*((20_000, 4_000) if q else (100_000, 20_000)))),
}
PATH_PROBLEMS = {"path": "(b) correlation 0.8^|i-j|"}
LOGISTIC_PROBLEMS = {"breast_cancer": "breast_cancer (569 x 30, standardized)",
                     "digits": "digits 0-4 vs 5-9 (1797 x 64, standardized)"}


def _parse(argv):
    p = parser(__doc__)
    p.add_argument("--problems", nargs="*",
                   default=["a", "b", "c", "path", "breast_cancer", "digits"],
                   choices=[*LASSO_PROBLEMS, *PATH_PROBLEMS, *LOGISTIC_PROBLEMS])
    p.add_argument("--n-alphas", type=int, default=20, help="grid size of the path problem")
    p.add_argument("--alpha-frac", type=float, default=0.05, help="alpha / alpha_max")
    p.add_argument("--rgap", type=float, default=1e-6, help="target gap / P(w)")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    return p.parse_args(argv)


# --------------------------------------------------------------------------------------------
# competitors: name -> (nominal tol, make(tol) -> fit callable returning the coefficients)
# --------------------------------------------------------------------------------------------
def _lasso_solvers(X, y, alpha):
    from celer import Lasso as CLasso
    from skglm import Lasso as GLasso
    from sklearn.linear_model import Lasso as SLasso

    from numsolve.optimize import lasso

    n = X.shape[0]
    ynorm = float(y @ y) / n  # sklearn and celer scale their gap tol by ||y||^2 / n

    def est(cls, **kw):
        return lambda tol: (lambda: cls(alpha=alpha, fit_intercept=False, tol=tol,
                                        **kw).fit(X, y).coef_)

    return {
        "numsolve lasso": (1e-6, lambda tol: (lambda: lasso(X, y, alpha, rtol=tol).x)),
        "sklearn Lasso": (1e-6 * 0.5 / ynorm, est(SLasso, max_iter=100_000)),
        "skglm Lasso": (1e-4, est(GLasso, max_iter=1_000)),
        "celer Lasso": (1e-6 * 0.5 / ynorm, est(CLasso, max_iter=1_000)),
    }


def _logistic_solvers(X, y, alpha):
    from celer import LogisticRegression as CLog
    from skglm import SparseLogisticRegression
    from sklearn.linear_model import LogisticRegression

    from numsolve.optimize import l1_logistic

    n = X.shape[0]
    C = 1.0 / (n * alpha)

    def sk(solver):
        return lambda tol: (lambda: LogisticRegression(
            l1_ratio=1.0, C=C, solver=solver, fit_intercept=False, tol=tol,
            max_iter=100_000, random_state=0).fit(X, y).coef_.ravel())

    return {
        "numsolve l1_logistic": (1e-6, lambda tol: (lambda: l1_logistic(X, y, alpha,
                                                                        rtol=tol).x)),
        "sklearn liblinear": (1e-4, sk("liblinear")),
        "sklearn saga": (1e-4, sk("saga")),
        "skglm SparseLogReg": (1e-4, lambda tol: (lambda: SparseLogisticRegression(
            alpha=alpha, fit_intercept=False, tol=tol, max_iter=1_000).fit(X, y).coef_.ravel())),
        "celer LogReg (pn)": (1e-4, lambda tol: (lambda: CLog(
            C=C, tol=tol, fit_intercept=False, max_iter=1_000).fit(X, y).coef_.ravel())),
    }


def _path_solvers(X, y, grid):
    """Warm-started paths: numsolve.lasso_path, sklearn.linear_model.lasso_path (its default
    precompute='auto'), skglm and celer estimators refitted with warm_start=True."""
    from celer import Lasso as CLasso
    from skglm import Lasso as GLasso
    from sklearn.linear_model import lasso_path as sk_path

    from numsolve.optimize import lasso_path

    ynorm = float(y @ y) / X.shape[0]

    def warm(cls, **kw):
        def make(tol):
            def run():
                est = cls(alpha=grid[0], fit_intercept=False, tol=tol, warm_start=True, **kw)
                out = np.empty((X.shape[1], grid.size))
                for k, a in enumerate(grid):
                    est.alpha = a
                    out[:, k] = est.fit(X, y).coef_
                return out
            return run
        return make

    return {
        "numsolve lasso_path": (1e-6, lambda tol: (lambda: lasso_path(X, y, grid,
                                                                      rtol=tol).coefs)),
        "sklearn lasso_path": (1e-6 * 0.5 / ynorm, lambda tol: (lambda: sk_path(
            X, y, alphas=grid, tol=tol, max_iter=100_000)[1])),
        "skglm Lasso (warm)": (1e-4, warm(GLasso, max_iter=1_000)),
        "celer Lasso (warm)": (1e-6 * 0.5 / ynorm, warm(CLasso, max_iter=1_000)),
    }


def _path_problem(key, args):
    from numsolve.optimize import lasso_alpha_max, lasso_duality_gap, lasso_path

    X, y = LASSO_PROBLEMS["b"][1](args.quick)
    amax = lasso_alpha_max(X, y)
    grid = np.geomspace(amax, args.alpha_frac * amax, args.n_alphas)
    ref = lasso_path(X, y, grid, rtol=1e-12)

    def worst_gap(coefs):
        """(worst relative gap along the path * S, S), S the summed objectives: the
        report's gap/P is the worst relative gap, |dP|/P compares the sums."""
        gp = np.array([lasso_duality_gap(X, y, coefs[:, k], a) for k, a in enumerate(grid)])
        total = float(gp[:, 1].sum())
        return float(np.max(gp[:, 0] / gp[:, 1])) * total, total

    _report(f"Lasso path {PATH_PROBLEMS[key]} {X.shape[0]} x {X.shape[1]}, {grid.size} alphas "
            f"from alpha_max to {args.alpha_frac:g} alpha_max (gap/P: the worst along the "
            f"path; |dP|/P: of the summed objectives)",
            _path_solvers(X, y, grid), worst_gap, ref.funs.sum(), args.rgap, args.reps)


def _calibrate(solvers, gapfun, rgap, max_tries=9):
    """The loosest tol (nominal / 10^k) whose solution meets gap <= rgap P (one gap function).
    Returns name -> (tol, runner, met)."""
    out = {}
    for name, (tol, make) in solvers.items():
        met = False
        for _ in range(max_tries):
            gap, primal = gapfun(make(tol)())
            if gap <= rgap * primal:
                met = True
                break
            tol /= 10.0
        out[name] = (tol, make(tol), met)
    return out


def _report(title, solvers, gapfun, ref_fun, rgap, reps):
    cal = _calibrate(solvers, gapfun, rgap)
    out = interleaved({k: v[1] for k, v in cal.items()}, reps)
    base = next(iter(out))

    def cells(name, coef):
        gap, primal = gapfun(coef)
        tol, _, met = cal[name]
        return (f"{tol:9.1e} {gap / primal:9.1e}{'' if met else '!'} "
                f"{abs(primal - ref_fun) / ref_fun:9.1e} {np.count_nonzero(coef):6d}")

    section(f"{title}   (load {load()})")
    print_timing_table(out, base, f"{'tol used':>9s} {'gap/P':>9s} {'|dP|/P':>9s} {'nnz':>6s}",
                       cells)
    t_ns = med(out[base][0])
    others = {k: med(v[0]) for k, v in out.items() if k != base and cal[k][2]}
    ratios = ", ".join(f"{k}: {t_ns / t:.2f}" for k, t in others.items())
    fastest = min(others, key=others.get) if others else None
    print(f"numsolve time / competitor time: {ratios}")
    if fastest:
        print(f"numsolve / fastest competitor ({fastest}): {t_ns / others[fastest]:.2f}")
    sys.stdout.flush()


def _lasso_problem(key, args):
    from numsolve.optimize import lasso, lasso_alpha_max, lasso_duality_gap

    title, make = LASSO_PROBLEMS[key]
    X, y = make(args.quick)
    alpha = args.alpha_frac * lasso_alpha_max(X, y)
    ref = lasso(X, y, alpha, rtol=1e-12)
    _report(f"Lasso {title} {X.shape[0]} x {X.shape[1]}, alpha = {args.alpha_frac:g} "
            f"alpha_max, nnz(w*) = {np.count_nonzero(ref.x)}", _lasso_solvers(X, y, alpha),
            lambda w: lasso_duality_gap(X, y, w, alpha), ref.fun, args.rgap, args.reps)


def _logistic_problem(key, args):
    from numsolve.optimize import l1_logistic, logistic_alpha_max, logistic_duality_gap

    X, y = gen.logistic_dataset(key)
    alpha = args.alpha_frac * logistic_alpha_max(X, y)
    ref = l1_logistic(X, y, alpha, rtol=1e-12)
    _report(f"L1-logistic {LOGISTIC_PROBLEMS[key]}, alpha = {args.alpha_frac:g} alpha_max, "
            f"nnz(w*) = {np.count_nonzero(ref.x)}", _logistic_solvers(X, y, alpha),
            lambda w: logistic_duality_gap(X, y, w, alpha), ref.fun, args.rgap, args.reps)


def main(argv=None) -> int:
    import celer
    import skglm
    import sklearn
    from threadpoolctl import threadpool_limits

    args = _parse(argv)
    start(args, __doc__.splitlines()[0],
          [f"scikit-learn       {sklearn.__version__}", f"skglm              {skglm.__version__}",
           f"celer              {celer.__version__}",
           f"command            python -m asv_benchmarks.compare.lasso "
           f"{' '.join(sys.argv[1:] if argv is None else argv)}"])
    limit = [threadpool_limits(limits=args.blas_threads)] if args.blas_threads else []
    warnings.simplefilter("ignore")  # sklearn's convergence/deprecation chatter at loose tol
    for key in args.problems:
        if key in LASSO_PROBLEMS:
            _lasso_problem(key, args)
        elif key in PATH_PROBLEMS:
            _path_problem(key, args)
        else:
            _logistic_problem(key, args)
    del limit
    return 0


if __name__ == "__main__":
    sys.exit(main())
