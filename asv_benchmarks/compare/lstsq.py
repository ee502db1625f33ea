"""Side-by-side least-squares timings: ``numsolve.lstsq(method='sketch')`` vs SciPy.

(a) dense, ill-conditioned: ``A = U diag(s) V^T`` of shape ``n x d`` (default 100,000 x 500)
    with singular values log-spaced from 1 to ``1/cond`` (default ``cond = 1e8``),
    ``b = A x_true + r`` with ``r`` orthogonal to ``range(A)`` and ``||r|| = ||A x_true||``.
    Competitors: ``scipy.linalg.lstsq`` (default driver ``gelsd``, and ``gelsy``). Reported:
    median/min wall time, ratio to numsolve, and the relative error ``||x - x_true|| /
    ||x_true||`` of each (numsolve's must be within 10x of lstsq's).
(b) sparse: ``A`` of shape ``n x d`` (default 1,000,000 x 1,000, density 0.5%, at least one
    entry per column) with column scales ``10**U(-k, k)`` (``k = --decades``, default 1, so a
    condition number in the hundreds), ``b = A x0 + noise`` (1% of ``||A x0||``). Reference
    solution ``x_true`` from the Cholesky factorisation of the normal equations (accurate to
    ``cond^2 eps``). Competitor: ``scipy.sparse.linalg.lsqr`` with ``atol = btol = rtol``
    (LSQR's own stopping rule, the one numsolve applies to the preconditioned matrix) and
    ``iter_lim = --lsqr-iter``. Reported: time, iterations, error against ``x_true``.

Repetitions are interleaved (A B, B A, ...); the problem set-up is not timed; Numba kernels are
compiled before any timing.

Usage::

    python -m asv_benchmarks.compare.lstsq                  # full sizes, 3 repetitions
    python -m asv_benchmarks.compare.lstsq --quick          # 20,000 x 200 / 100,000 x 300
    python -m asv_benchmarks.compare.lstsq --dense 100000 500 --sparse 1000000 1000 --reps 3
    python -m asv_benchmarks.compare.lstsq --blas-threads 0   # the BLAS library's default

Every solver runs with ``--blas-threads`` BLAS threads (default 1): on a shared,
oversubscribed machine multi-threaded LAPACK QR/SVD can be 20x slower. The problems are
:func:`asv_benchmarks.benchmarks.problems.dense_problem` and ``sparse_problem`` (seed 1234).
"""

from __future__ import annotations

import numpy as np

from ..benchmarks.problems import dense_problem, sparse_problem
from ._common import interleaved, load, parser, print_timing_table, ratios, start


def sparse_reference(A, b):
    """Least-squares solution by Cholesky of the (small, dense) normal equations; accurate to
    ~cond(A)^2 * eps (the problem's condition number is in the hundreds)."""
    import scipy.linalg as sl

    G = (A.T @ A).toarray()
    return sl.cho_solve(sl.cho_factor(G), A.T @ b)


def relerr(x, x_true):
    return float(np.linalg.norm(x - x_true) / np.linalg.norm(x_true))


def warm_up():
    import numsolve

    A, _, b = dense_problem(300, 10, 1e3)
    numsolve.lstsq(A, b, options={"rng": 0})
    As, bs = sparse_problem(2000, 20, 0.05, 1)
    numsolve.lstsq(As, bs, options={"rng": 0})


def run_dense(n, d, cond, reps, rtol, opts):
    import scipy.linalg as sl

    import numsolve

    A, x_true, b = dense_problem(n, d, cond)
    runners = {
        "numsolve.lstsq(sketch)": lambda: numsolve.lstsq(A, b, rtol=rtol, options=opts),
        "scipy.linalg.lstsq(gelsd)": lambda: sl.lstsq(A, b),
        "scipy.linalg.lstsq(gelsy)": lambda: sl.lstsq(A, b, lapack_driver="gelsy"),
    }
    out = interleaved(runners, reps)
    print(f"\n(a) dense {n} x {d}, cond {cond:.0e}, ||r|| = ||A x_true||, rtol={rtol:g}, "
          f"options={opts} ({reps} interleaved repetitions)")

    def cells(name, res):
        x = res.x if hasattr(res, "x") else res[0]
        note = (f"nit={res.nit}, sketch_size={res.sketch_size}, success={res.success}, "
                f"solver={res.solver}" if hasattr(res, "nit") else "")
        return f"{relerr(x, x_true):11.3e}  {note}"

    print_timing_table(out, "numsolve.lstsq(sketch)", f"{'rel. error':>11s}  notes", cells)
    e_ns = relerr(out["numsolve.lstsq(sketch)"][1].x, x_true)
    e_ref = relerr(out["scipy.linalg.lstsq(gelsd)"][1][0], x_true)
    print(f"error ratio numsolve / lstsq(gelsd) = {e_ns / e_ref:.2f} (criterion <= 10)")
    t_ns = out["numsolve.lstsq(sketch)"][0]
    for name in ("scipy.linalg.lstsq(gelsd)", "scipy.linalg.lstsq(gelsy)"):
        up_med, up_min = ratios(out[name][0], t_ns)
        print(f"speed-up vs {name}: median/median {up_med:.2f}x, min/min {up_min:.2f}x"
              + ("  (criterion >= 3 vs the default driver gelsd)" if "gelsd" in name else ""))
    print(f"load average after (a): {load()}")


def run_sparse(n, d, density, decades, reps, rtol, lsqr_iter, opts):
    import scipy.sparse.linalg as sla

    import numsolve

    A, b = sparse_problem(n, d, density, decades)
    x_true = sparse_reference(A, b)
    runners = {
        "numsolve.lstsq(sketch)": lambda: numsolve.lstsq(A, b, rtol=rtol, options=opts),
        "scipy.sparse.linalg.lsqr": lambda: sla.lsqr(A, b, atol=rtol, btol=rtol,
                                                     iter_lim=lsqr_iter),
    }
    out = interleaved(runners, reps)
    print(f"\n(b) sparse {n} x {d}, nnz {A.nnz} ({100 * A.nnz / (n * d):.2f}% dense), column "
          f"scales 1e-{decades}..1e{decades}, rtol=atol=btol={rtol:g}, options={opts} "
          f"({reps} interleaved repetitions)")

    def cells(name, res):
        if hasattr(res, "nit"):
            x, note = res.x, f"nit={res.nit}, sketch_size={res.sketch_size}, success={res.success}"
        else:
            x, note = res[0], f"itn={res[2]}, istop={res[1]}"
        return f"{relerr(x, x_true):11.3e}  {note}"

    print_timing_table(out, "numsolve.lstsq(sketch)", f"{'rel. error':>11s}  notes", cells)


def main(argv=None) -> int:
    p = parser(__doc__)
    p.add_argument("--dense", nargs=2, type=int, default=[100_000, 500], metavar=("N", "D"))
    p.add_argument("--cond", type=float, default=1e8)
    p.add_argument("--sparse", nargs=2, type=int, default=[1_000_000, 1000], metavar=("N", "D"))
    p.add_argument("--density", type=float, default=0.005)
    p.add_argument("--decades", type=float, default=1.0)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--rtol", type=float, default=1e-12)
    p.add_argument("--sparse-rtol", type=float, default=1e-10)
    p.add_argument("--lsqr-iter", type=int, default=20000)
    p.add_argument("--sketch", default="sparse-sign")
    p.add_argument("--sketch-size-factor", type=float, default=None,
                   help="sketch_size = factor * d (default: numsolve's default)")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", choices=["dense", "sparse"], default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.dense, args.sparse, args.reps = [20_000, 200], [100_000, 300], 2
    start(args, __doc__.splitlines()[0])
    print(f"load average at start: {load()}")
    warm_up()
    for which, (n, d) in (("dense", args.dense), ("sparse", args.sparse)):
        if args.only not in (None, which):
            continue
        opts = {"sketch": args.sketch, "rng": 0}
        if args.sketch_size_factor:
            opts["sketch_size"] = int(args.sketch_size_factor * d)
        if which == "dense":
            run_dense(n, d, args.cond, args.reps, args.rtol, opts)
        else:
            run_sparse(n, d, args.density, args.decades, args.reps, args.sparse_rtol,
                       args.lsqr_iter, opts)
            print(f"load average after (b): {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
