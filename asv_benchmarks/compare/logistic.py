"""Side-by-side L2-regularised logistic regression: Newton sketch vs SciPy and scikit-learn.

Problem: ``A`` of shape ``n x d`` (default 200,000 x 500), standard normal columns scaled by
``10**linspace(-3, 3, d)`` (column scales spanning 1e-3 .. 1e3, so the Hessian is very badly
conditioned), labels ``y = sign(A w + noise)`` with ``w_j ~ N(0, 1) / scale_j``, objective
``f(x) = sum_i log(1 + exp(-y_i a_i^T x)) + (l2/2) ||x||^2`` (``l2 = 1``), ``x0 = 0``.

Every solver runs until ``||grad f(x)||_2 <= 1e-8 ||grad f(x0)||_2`` (``--gtol-rel``):

* ``numsolve.minimize(method='newton-sketch')`` with ``grtol=1e-8`` (sparse sign sketch,
  ``sketch_size = 4 d``, sketch-preconditioned CG steps);
* ``scipy.optimize.minimize(method='L-BFGS-B')`` with ``gtol = ftol = 0`` and a callback that
  stops it once the gradient norm at the current iterate reaches the target (or when
  ``--lbfgs-time-limit`` seconds have passed: then the reported time is a lower bound);
* ``sklearn.linear_model.LogisticRegression(solver='newton-cholesky', fit_intercept=False,
  C=1/l2)``: the same optimum (scikit-learn minimises ``f / (l2 n)``-scaled; its ``tol`` is
  a bound on ``max|grad|`` of the mean loss, set to ``target / (n sqrt(d))`` so that it
  guarantees the 2-norm target; the achieved gradient norm is reported).

Reported per solver: median/min time over interleaved repetitions (A B C, B C A, ...), time
ratio to numsolve, iterations, achieved relative gradient norm, and the distance of the
solution to numsolve's (``||x - x_ns|| / ||x_ns||``; the criterion is 1e-6).

Usage::

    python -m asv_benchmarks.compare.logistic                    # full size, 2 repetitions
    python -m asv_benchmarks.compare.logistic --quick            # 20,000 x 100
    python -m asv_benchmarks.compare.logistic --n 200000 --d 500 --blas-threads 0

Every solver runs with ``--blas-threads`` BLAS threads (default 1; 0: the library default).
The problem is :func:`asv_benchmarks.benchmarks.problems.logistic_problem` (seed 1234).
"""

from __future__ import annotations

import time

import numpy as np

from ..benchmarks.problems import logistic_problem
from ._common import interleaved, parser, print_timing_table, start


def _parse(argv):
    p = parser(__doc__)
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--d", type=int, default=500)
    p.add_argument("--decades", type=float, default=3.0)
    p.add_argument("--l2", type=float, default=1.0)
    p.add_argument("--gtol-rel", type=float, default=1e-8)
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--sketch", default="sparse-sign")
    p.add_argument("--sketch-size-factor", type=float, default=4.0)
    p.add_argument("--solver", default="auto", help="newton-sketch 'solver' option")
    p.add_argument("--lbfgs-time-limit", type=float, default=120.0)
    p.add_argument("--skip", nargs="*", default=[], choices=["lbfgs", "sklearn"])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.d = 20_000, 100
    return args


def _lbfgs(f, d, target, time_limit):
    """SciPy's L-BFGS-B stopped by a callback once ``||grad f|| <= target`` (or after
    ``time_limit`` seconds: ``res["timeout"]``)."""
    import scipy.optimize as so

    state = {"g": np.inf, "t0": time.perf_counter(), "nit": 0, "timeout": False}

    def fg(x):
        val, g = f.fun_and_grad(x)
        state["g"] = float(np.linalg.norm(g))
        return val, g

    def cb(intermediate_result):
        state["nit"] += 1
        if state["g"] <= target:
            raise StopIteration
        if time.perf_counter() - state["t0"] > time_limit:
            state["timeout"] = True
            raise StopIteration

    res = so.minimize(fg, np.zeros(d), jac=True, method="L-BFGS-B", callback=cb,
                      options={"gtol": 0.0, "ftol": 0.0, "maxiter": 10**6, "maxfun": 10**7})
    res["timeout"] = state["timeout"]
    return res


def _runners(args, A, y, f, opts, target):
    """The competitors, numsolve first (the reference of the time ratios)."""
    from sklearn.linear_model import LogisticRegression

    import numsolve

    n, d = A.shape

    def run_sklearn():
        clf = LogisticRegression(solver="newton-cholesky", fit_intercept=False,
                                 C=1.0 / args.l2, tol=target / (n * np.sqrt(d)), max_iter=200)
        clf.fit(A, y)
        return clf

    runners = {"numsolve newton-sketch":
               lambda: numsolve.minimize(f, np.zeros(d), method="newton-sketch", options=opts)}
    if "sklearn" not in args.skip:
        runners["sklearn newton-cholesky"] = run_sklearn
    if "lbfgs" not in args.skip:
        runners["scipy L-BFGS-B"] = lambda: _lbfgs(f, d, target, args.lbfgs_time_limit)
    return runners


def _cells(f, g0, x_ns):
    """The table's columns after the times: iterations, ||g||/||g0||, distance to numsolve's
    solution, notes."""
    def cells(name, res):
        if name.startswith("sklearn"):
            x, nit, note = res.coef_.ravel(), int(np.max(res.n_iter_)), ""
        elif name.startswith("scipy"):
            x, nit = res.x, res.nit
            note = "TIME LIMIT: target not reached (time is a lower bound)" if res["timeout"] \
                else res.message
        else:
            x, nit = res.x, res.nit
            note = (f"nfev={res.nfev} njev={res.njev} nhev={res.nhev} nsketch={res.nsketch} "
                    f"success={res.success}")
        gr = float(np.linalg.norm(f.grad(x))) / g0
        dx = float(np.linalg.norm(x - x_ns) / np.linalg.norm(x_ns))
        return f"{nit:6d} {gr:13.2e} {dx:16.2e}  {note}"
    return cells


def main(argv=None) -> int:
    args = _parse(argv)
    import sklearn

    import numsolve
    from numsolve.objectives import BinaryLogistic

    start(args, __doc__.splitlines()[0], [f"scikit-learn       {sklearn.__version__}"])
    A, y = logistic_problem(args.n, args.d, args.decades)
    f = BinaryLogistic(A, y, l2=args.l2)
    n, d = A.shape
    g0 = float(np.linalg.norm(f.grad(np.zeros(d))))
    target = args.gtol_rel * g0
    opts = {"grtol": args.gtol_rel, "gtol": 0.0, "rng": 0, "sketch": args.sketch,
            "sketch_size": int(args.sketch_size_factor * d), "solver": args.solver}
    # warm-up (Numba kernels) on a small problem
    fw = BinaryLogistic(A[:2000, :20], y[:2000], l2=1.0)
    numsolve.minimize(fw, np.zeros(20), method="newton-sketch", options={"rng": 0})
    out = interleaved(_runners(args, A, y, f, opts, target), args.reps)

    print(f"\nlogistic regression {n} x {d}, column scales 1e-{args.decades:g}..1e"
          f"{args.decades:g}, l2={args.l2:g}, target ||g|| <= {args.gtol_rel:g} * ||g0|| "
          f"= {target:.3e}; newton-sketch options {opts} ({args.reps} interleaved reps)")
    print_timing_table(out, "numsolve newton-sketch",
                       f"{'iters':>6s} {'||g||/||g0||':>13s} {'|x-x_ns|/|x_ns|':>16s}  notes",
                       _cells(f, g0, out["numsolve newton-sketch"][1].x), width=26)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
