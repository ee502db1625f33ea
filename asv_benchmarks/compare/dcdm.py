"""Side-by-side DCDM / flexible Krylov comparison: numsolve vs SciPy, in one process.

(a) iterations on 2-D Poisson (N = 63, 127, 255; tolerances 1e-4 and 1e-8 relative to
    ||b||): plain CG vs DCDM (k = 2) with a :class:`~numsolve.linalg.MultilevelStencilModel`
    fitted at the same N (and PyAMG-preconditioned CG when PyAMG is installed); fit times;
(b) generalisation: the model fitted at N = 63 used at N = 127 on plain Poisson, on Poisson
    with solid obstacles (Dirichlet and Neumann walls) and with variable coefficients
    (a 10:1 jump, a smooth exp-sine field), none of which it was trained on;
(c) wall-clock at N = 127 and 255, tolerance 1e-8: ``numsolve.solve(method='dcdm')`` vs
    ``scipy.sparse.linalg.cg`` (and numsolve's CG), repetitions interleaved (A B C, B C A,
    ...), median and minimum, ratio DCDM / SciPy CG (model fitting reported separately);
(d) FCG / GMRES / FGMRES / MINRES against SciPy's cg / gmres / minres on SPD, nonsymmetric and
    symmetric indefinite matrices: relative difference of the solutions and true residuals.

Right-hand sides: seeded standard-normal vectors, zero initial guess, ``atol=0``. Numba
kernels are compiled before any timing.

Usage::

    python -m asv_benchmarks.compare.dcdm             # 5 repetitions
    python -m asv_benchmarks.compare.dcdm --quick     # 2 repetitions, N <= 127 in (c)
    python -m asv_benchmarks.compare.dcdm --blas-threads 0   # the BLAS library's default

Both sides run with ``--blas-threads`` BLAS threads (default 1).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from ..benchmarks.problems import scipy_cg
from ._common import fmt_t, interleaved, med, parser, ratios, section, start

SEED = 1234


def rhs(n, salt=0):
    return np.random.default_rng([SEED, salt]).standard_normal(n)


def disk_obstacle(N):
    x, y = np.meshgrid(*(np.arange(1, N + 1) / (N + 1),) * 2, indexing="ij")
    return ((x - 0.5) ** 2 + (y - 0.4) ** 2 < 0.15**2) | ((x > 0.2) & (x < 0.3) & (y > 0.6))


def section_a(Ns, tols):
    import numsolve
    from numsolve.linalg import MultilevelStencilModel
    from numsolve.problems import poisson2d

    try:
        import pyamg
    except ImportError:
        pyamg = None
    print(f"{'N':>5} {'n':>7} {'fit s':>6} {'tol':>7} {'CG':>5} {'DCDM':>5} {'ratio':>6} "
          f"{'AMG-PCG':>8}")
    models = {}
    for N in Ns:
        A = poisson2d(N)
        model = MultilevelStencilModel().fit(A, rng=0)
        models[N] = model
        b = rhs(A.shape[0])
        M = pyamg.smoothed_aggregation_solver(A).aspreconditioner() if pyamg else None
        for tol in tols:
            cg = numsolve.solve(A, b, method="cg", rtol=tol)
            dc = numsolve.solve(A, b, method="dcdm", model=model, rtol=tol)
            amg = numsolve.solve(A, b, method="cg", M=M, rtol=tol).nit if M is not None else "-"
            flag = "" if (cg.success and dc.success) else "  (NOT CONVERGED)"
            print(f"{N:>5} {A.shape[0]:>7} {model.fit_seconds_:>6.2f} {tol:>7.0e} {cg.nit:>5} "
                  f"{dc.nit:>5} {dc.nit / cg.nit:>6.3f} {amg!s:>8}{flag}")
    return models


def section_b(model63, N=127, tol=1e-8):
    import numsolve
    from numsolve.problems import poisson2d

    obst = disk_obstacle(N)
    cases = [
        ("plain Poisson", poisson2d(N), None),
        ("obstacles, Dirichlet walls", poisson2d(N, obstacle=obst), ~obst),
        ("obstacles, Neumann walls", poisson2d(N, obstacle=obst, obstacle_bc="neumann"), ~obst),
        ("coefficient jump 1:10", poisson2d(N, coefficients=lambda x, y: 1 + 9 * (x > 0.5)),
         None),
        ("smooth exp-sine coefficient",
         poisson2d(N, coefficients=lambda x, y: np.exp(2 * np.sin(3 * x) * np.cos(2 * y))), None),
    ]
    print(f"model fitted at N=63, used at N={N}, tol {tol:.0e}")
    print(f"{'problem':<30} {'n':>7} {'CG':>5} {'DCDM':>5} {'ratio':>6}")
    worst = 0.0
    for name, A, mask in cases:
        model = model63.with_grid((N, N), mask) if mask is not None else model63
        b = rhs(A.shape[0], 1)
        cg = numsolve.solve(A, b, method="cg", rtol=tol)
        dc = numsolve.solve(A, b, method="dcdm", model=model, rtol=tol)
        ok = cg.success and dc.success
        worst = max(worst, dc.nit / cg.nit)
        print(f"{name:<30} {A.shape[0]:>7} {cg.nit:>5} {dc.nit:>5} {dc.nit / cg.nit:>6.3f}"
              f"{'' if ok else '  (NOT CONVERGED)'}")
    print(f"worst ratio {worst:.3f}")


def _runners(A, model, b, tol):
    import numsolve

    def run_dcdm():
        r = numsolve.solve(A, b, method="dcdm", model=model, rtol=tol)
        return r.nit, r.x, r.success

    def run_ns_cg():
        r = numsolve.solve(A, b, method="cg", rtol=tol)
        return r.nit, r.x, r.success

    return {"numsolve dcdm": run_dcdm, "scipy cg": lambda: scipy_cg(A, b, tol),
            "numsolve cg": run_ns_cg}


def section_c(Ns, reps, models, tol=1e-8):
    from numsolve.problems import poisson2d

    print(f"tolerance {tol:.0e}, {reps} interleaved repetitions; times: median (min)")
    print(f"{'N':>5} {'solver':<22} {'iters':>6} {'median':>12} {'min':>12} {'rel.res':>9}")
    for N in Ns:
        A = poisson2d(N)
        runners = _runners(A, models[N], rhs(A.shape[0], 2), tol)
        model, b = models[N], rhs(A.shape[0], 2)
        for f in runners.values():  # warm-up (Numba compile/cache load, page faults)
            f()
        out = interleaved(runners, reps)
        for name, (times, (nit, x, ok)) in out.items():
            res = np.linalg.norm(b - A @ x) / np.linalg.norm(b)
            print(f"{N:>5} {name:<22} {nit:>6} {fmt_t(med(times)):>12} {fmt_t(min(times)):>12} "
                  f"{res:>9.1e}{'' if ok else '  (NOT CONVERGED)'}")
        td, ts = out["numsolve dcdm"][0], out["scipy cg"][0]
        tc = out["numsolve cg"][0]
        r_med, r_min = ratios(td, ts)
        print(f"{N:>5} ratio dcdm / scipy cg: median {r_med:.3f}, "
              f"min {r_min:.3f};  dcdm / numsolve cg: median "
              f"{ratios(td, tc)[0]:.3f}  (model fit, not included: {model.fit_seconds_:.2f} s)")


def section_d():
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    import numsolve
    from numsolve.problems import poisson2d

    rng = np.random.default_rng(SEED)
    n = 400
    nonsym = (sp.random(n, n, density=0.02, random_state=1) + sp.diags(np.full(n, 4.0))
              + sp.diags(np.full(n - 1, -1.5), 1)).tocsr()
    spd = poisson2d(32, coefficients=lambda x, y: 1 + 10 * x * y)
    indef = (poisson2d(20) - 1.3 * sp.eye(400)).tocsr()
    cases = [
        ("fcg", spd, lambda A, b: spla.cg(A, b, rtol=1e-12, atol=0.0)[0], "SPD var-coef 1024"),
        ("gmres", nonsym, lambda A, b: spla.gmres(A, b, rtol=1e-12, atol=0.0)[0],
         "nonsymmetric 400"),
        ("fgmres", nonsym, lambda A, b: spla.gmres(A, b, rtol=1e-12, atol=0.0)[0],
         "nonsymmetric 400"),
        ("minres", indef, lambda A, b: spla.minres(A, b, rtol=1e-12)[0],
         "sym. indefinite 400"),
    ]
    print(f"{'method':<8} {'matrix':<20} {'nit':>5} {'rel.res':>9} {'scipy rel.res':>13} "
          f"{'|x-x_scipy|/|x|':>15} {'|x-x_direct|/|x|':>16}")
    for method, A, ref, label in cases:
        b = rng.standard_normal(A.shape[0])
        r = numsolve.solve(A, b, method=method, rtol=1e-10)
        xs = ref(A, b)
        xd = spla.spsolve(A.tocsc(), b)
        nb = np.linalg.norm(b)
        print(f"{method:<8} {label:<20} {r.nit:>5} {np.linalg.norm(b - A @ r.x) / nb:>9.1e} "
              f"{np.linalg.norm(b - A @ xs) / nb:>13.1e} "
              f"{np.linalg.norm(r.x - xs) / np.linalg.norm(xd):>15.1e} "
              f"{np.linalg.norm(r.x - xd) / np.linalg.norm(xd):>16.1e}"
              f"{'' if r.success else '  (NOT CONVERGED)'}")


def main(argv=None) -> int:
    p = parser(__doc__)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="2 repetitions, (c) only at N=127")
    args = p.parse_args(argv)
    reps = 2 if args.quick else args.reps
    t0 = time.perf_counter()
    start(args, __doc__.splitlines()[0])
    print()
    section("(a) iterations: CG vs DCDM(k=2) with MultilevelStencilModel fitted at each N")
    models = section_a([63, 127, 255], [1e-4, 1e-8])
    print()
    section("(b) generalisation of the N=63 model")
    section_b(models[63])
    print()
    section("(c) wall-clock, interleaved: numsolve dcdm vs scipy.sparse.linalg.cg")
    section_c([127] if args.quick else [127, 255], reps, models)
    print()
    section("(d) flexible Krylov solvers vs SciPy (rtol 1e-10; SciPy at 1e-12)")
    section_d()
    print()
    print(f"total benchmark time {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
