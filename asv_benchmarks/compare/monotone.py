"""Side-by-side: VR-Halpern (Alg. 1), inexact VR-Halpern (Alg. 2), Halpern, EG and EAG at equal
component-evaluation budgets (the Done-when of issue 16).

(a) the 500 x 500 policeman-burglar matrix game over two simplices (spec §5.1), 5000 epochs
    (Alg. 2: 1000 epochs, the spec's budget; every method's residual at 1000 epochs is read off
    its certificate history), the authors' tuned steps; ratios VR-Halpern / EG and / EAG, three
    seeds of VR-Halpern; the duality gap and the LP value (``linprog``, HiGHS);
(b) the n = 200 hard QP (spec §5.2), 20000 epochs; ratio VR-Halpern / EAG over ten seeds
    (mean: the expected residual the theorem bounds; median; worst);
(c) games with n in {500, 2000, 5000} components: component evaluations and seconds for
    VR-Halpern to reach the residual deterministic Halpern (same step, same anchoring) has
    after --scale-epochs epochs, and the ratio of evaluations (it should shrink as n grows);
    also evaluations to the absolute residual --target when reached;
(d) distributionally robust logistic regression (iris by default, chi-square ball): the
    solution of EG and of Alg. 2 against the reference solve (L-BFGS on the primal);
(e) ``--part grid``: on the n = 500 policeman-burglar game scaled to ``||A||_F = 1``
    (``normalized_matrix_game``), epochs each of Halpern and VR-Halpern needs to reach the
    absolute residual --target with steps ``c / ||A||_F``, c in --eta-grid;
(f) ``--part target``: the same scaled game with n in --sizes: component evaluations and
    seconds for Halpern and for VR-Halpern (mean over --target-seeds seeds) to first reach the
    absolute residual --target (and 10x below it), both with step --target-eta ``/ ||A||_F``,
    and the ratio VR / Halpern of evaluations (the Done-when asks <= 0.3 at n = 5000, shrinking
    with n);
(g) ``--part finite``: group-DRO logistic regression (``group_dro``, one component per data
    point: whole operators, ``L`` a small multiple of ``L_F``) with n in --sizes: each method
    at its best stable step of the geometric grid --finite-grid (scanned from the largest step
    down; a run whose certificate is still above 0.1 x the initial one after 1000 epochs is
    stopped as unstable; the scan stops one step past the best, the later steps with a budget
    of 1.5 x the best's evaluations; Halpern with seed 0, VR-Halpern's scan with seed 0 and
    its best step then run with --target-seeds seeds, stepping down while a seed fails);
    component evaluations and seconds to the absolute residual --target, VR mean and worst
    over the seeds, and the ratio VR / Halpern.

Residuals are the certificates ``||u - P(u - F(u))||`` (``||F(u)||`` for the QP) of each
method's last iterate. Every solver runs with ``--blas-threads`` BLAS threads (default 1).

Usage::

    python -m asv_benchmarks.compare.monotone                  # all parts
    python -m asv_benchmarks.compare.monotone --part game,qp
    python -m asv_benchmarks.compare.monotone --quick          # tiny budgets: a smoke run
"""

from __future__ import annotations

import numpy as np

from numsolve.problems import (
    dro_logistic,
    group_dro,
    hard_qp,
    matrix_game,
    normalized_matrix_game,
)

from ._common import parser, section, start, timed

METHODS = ("vr-halpern", "vr-inexact-halpern", "halpern", "eg", "eag")


def _at(res, evals: float) -> float:
    """Last certified residual with at most ``evals`` component evaluations."""
    h, e = res.residual_history, res.evals_history
    ok = e <= evals
    return float(h[ok][-1]) if ok.any() else float("nan")


def _first(res, target: float) -> tuple[float, float]:
    """(evaluations, seconds) at which the certificate first fell to ``target``."""
    hit = np.flatnonzero(res.residual_history <= target)
    if hit.size == 0:
        return float("nan"), float("nan")
    return float(res.evals_history[hit[0]]), float(res.time_history[hit[0]])


def part_game(n: int, epochs: float, alg2_epochs: float, seeds=(0, 1, 2)) -> dict:
    section(f"(a) policeman-burglar game {n} x {n}: {epochs:g} epochs (Alg. 2: {alg2_epochs:g})")
    p = matrix_game(n)
    out = {}
    for m in METHODS:
        ep = alg2_epochs if m == "vr-inexact-halpern" else epochs
        runs = seeds if m == "vr-halpern" else (0,)
        out[m] = [timed(lambda m=m, s=s, ep=ep: p.solve(m, max_evals=int(ep * n), rng=s,
                                                          rtol=0.0)) for s in runs]
    res0 = out["eg"][0][1].residual_history[0]
    value, _ = p.lp_value()
    print(f"initial residual {res0:.4e}; LP game value (HiGHS) {value:.6e}")
    print(f"{'method':20s}{'seed':>5s}{'epochs':>9s}{'residual':>12s}{'@1000 ep':>11s}"
          f"{'gap':>11s}{'|v - v_LP|':>12s}{'time':>8s}")
    A = p.info["A"]
    for m in METHODS:
        for s, (t, r) in zip(seeds if m == "vr-halpern" else (0,), out[m], strict=False):
            x = p.split(r.x)[0]
            print(f"{m:20s}{s:5d}{r.epochs:9.0f}{r.residual:12.3e}{_at(r, 1000 * n):11.3e}"
                  f"{p.gap(r.x):11.3e}{abs(np.max(A @ x) - value):12.3e}{t:7.1f}s")
    vr = [r.residual for _, r in out["vr-halpern"]]
    _ratio_line("VR-Halpern / EG ", vr, out["eg"][0][1].residual, 0.5)
    _ratio_line("VR-Halpern / EAG", vr, out["eag"][0][1].residual, 0.8)
    return out


def _ratio_line(name: str, vr, ref: float, need: float) -> None:
    r = np.asarray(vr) / ref
    print(f"{name} = {r.mean():.3f} mean over {r.size} seeds (E[Res]: the theorem's measure), "
          f"median {np.median(r):.3f}, worst {r.max():.3f}; need <= {need}   "
          f"[{', '.join(f'{v:.3f}' for v in r)}]")


def part_qp(n: int, epochs: float, seeds=tuple(range(10))) -> dict:
    section(f"(b) hard QP n = {n}: {epochs:g} epochs")
    p = hard_qp(n)
    out = {}
    for m in ("vr-halpern", "halpern", "eg", "eag"):
        runs = seeds if m == "vr-halpern" else (0,)
        out[m] = [timed(lambda m=m, s=s: p.solve(m, max_evals=int(epochs * n), rng=s,
                                                   rtol=0.0)) for s in runs]
    print(f"initial residual {out['eg'][0][1].residual_history[0]:.4e}")
    print(f"{'method':12s}{'seed':>5s}{'residual':>12s}{'||u - u*||':>12s}{'time':>8s}")
    for m, runs in out.items():
        for s, (t, r) in zip(seeds if m == "vr-halpern" else (0,), runs, strict=False):
            print(f"{m:12s}{s:5d}{r.residual:12.3e}{np.linalg.norm(r.x - p.solution):12.3e}"
                  f"{t:7.1f}s")
    vr = [r.residual for _, r in out["vr-halpern"]]
    _ratio_line("VR-Halpern / EAG", vr, out["eag"][0][1].residual, 0.8)
    return out


def part_scale(sizes, epochs: float, target: float) -> None:
    section(f"(c) games n in {tuple(sizes)}: VR-Halpern vs deterministic Halpern "
            f"({epochs:g} epochs of Halpern)")
    print(f"{'n':>6s}{'Halpern res':>13s}{'VR evals to it':>16s}{'ratio':>8s}"
          f"{'Halpern s':>11s}{'VR s':>8s}{'VR res':>11s}{'evals to ' + format(target, 'g'):>16s}")
    for n in sizes:
        p = matrix_game(n)
        th, h = timed(lambda p=p, n=n: p.solve("halpern", max_evals=int(epochs * n), rtol=0.0))
        tv, v = timed(lambda p=p, n=n: p.solve("vr-halpern", max_evals=int(epochs * n), rng=0,
                                               rtol=0.0))
        ev, sv = _first(v, h.residual)
        ratio = ev / h.n_component_evals
        et = _first(v, target)[0], _first(h, target)[0]
        print(f"{n:6d}{h.residual:13.3e}{ev:16.4g}{ratio:8.3f}{th:10.1f}s{sv:7.1f}s"
              f"{v.residual:11.3e}   VR {et[0]:.3g} / H {et[1]:.3g}")


def _to_target(p, method: str, c: float, targets, seeds, epochs: float):
    """Per seed: [(evaluations, seconds) at the first certificate <= t for t in targets]."""
    opts = {"eta": c / float(np.linalg.norm(p.info["A"]))}
    n = p.operator.n_components
    # the operator's cached constants (a 300-step power iteration for ||A||_2 at n > 2000) are
    # computed once here, outside the timings, not inside the first method's run
    _ = p.operator.lipschitz_full, p.operator.lipschitz
    out = []
    for s in seeds:
        r = p.solve(method, max_evals=int(epochs * n), rng=s, rtol=0.0, atol=min(targets),
                    options=opts)
        out.append([_first(r, t) for t in targets])
    return np.asarray(out), r.residual_history[0]  # (seed, target, {evals, seconds})


def part_grid(n: int, grid, target: float, seeds, epochs: float) -> None:
    section(f"(e) policeman-burglar {n} x {n}, ||A||_F = 1: epochs to residual {target:g}, "
            f"steps c / ||A||_F")
    print(f"{'c':>7s}{'Halpern':>10s}{'VR-Halpern':>12s}{'ratio':>8s}   (VR: mean of "
          f"{len(seeds)} seeds; nan: not reached in {epochs:g} epochs)")
    p = normalized_matrix_game(n)
    best = {}
    for c in grid:
        h = _to_target(p, "halpern", c, (target,), (0,), epochs)[0][:, 0, 0].mean() / n
        v = _to_target(p, "vr-halpern", c, (target,), seeds, epochs)[0][:, 0, 0].mean() / n
        for m, e in (("halpern", h), ("vr-halpern", v)):
            if np.isfinite(e) and e < best.get(m, (np.inf,))[0]:
                best[m] = (e, c)
        print(f"{c:7g}{h:10.1f}{v:12.1f}{v / h:8.3f}")
    print("best c: " + ", ".join(f"{m} {c:g} ({e:.1f} epochs)" for m, (e, c) in best.items()))


def part_target(sizes, target: float, c: float, seeds, epochs: float) -> None:
    targets = (target, target / 10)
    section(f"(f) policeman-burglar games, ||A||_F = 1, n in {tuple(sizes)}: to residual "
            f"{target:g} (and {targets[1]:g}), Halpern and VR-Halpern with eta = {c:g} / ||A||_F")
    print(f"{'n':>6s}{'target':>8s}{'initial':>10s}{'H evals':>11s}{'H s':>8s}{'VR evals':>11s}"
          f"{'VR s':>8s}{'VR/H':>7s}{'worst':>7s}   (VR: mean over {len(seeds)} seeds)")
    for n in sizes:
        p = normalized_matrix_game(n)
        h, res0 = _to_target(p, "halpern", c, targets, (0,), epochs)
        v, _ = _to_target(p, "vr-halpern", c, targets, seeds, epochs)
        for j, t in enumerate(targets):
            eh, th = h[0, j]
            ev, tv = v[:, j, 0].mean(), v[:, j, 1].mean()
            print(f"{n:6d}{t:8.0e}{res0:10.2e}{eh:11.4g}{th:7.2f}s{ev:11.4g}{tv:7.2f}s"
                  f"{ev / eh:7.3f}{v[:, j, 0].max() / eh:7.3f}")


class _Stall:
    """Callback: stop a run whose certificate is above ``frac`` x the initial one after
    ``epochs`` epochs (an unstable step: the residual oscillates instead of falling)."""

    def __init__(self, n: int, epochs: float = 1000.0, frac: float = 0.1):
        self.evals, self.frac, self.res0, self.stalled = epochs * n, frac, None, False

    def __call__(self, intermediate_result):
        info = intermediate_result
        if self.res0 is None:
            self.res0 = info.residual
        if info.n_component_evals >= self.evals and info.residual > self.frac * self.res0:
            self.stalled = True
            raise StopIteration


def _finite_run(p, method: str, eta: float, seed: int, target: float, budget: float):
    """(evaluations, seconds) to ``target``; inf when unstable or over ``budget``."""
    stall = _Stall(p.operator.n_components)
    opts = {"eta": eta, **({"anchoring": "resolvent"} if method == "halpern" else {})}
    r = p.solve(method, rng=seed, rtol=0.0, atol=target, max_evals=int(budget),
                callback=stall, options=opts)
    ev, sec = _first(r, target)
    return (ev, sec) if r.success else (np.inf, np.inf), stall.stalled


def _finite_scan(p, method: str, grid, target: float, budget: float, lines: list):
    """Best step of ``grid`` (seed 0), scanning down from the largest; prints each step."""
    best = (np.inf, np.inf, None)
    for eta in sorted(grid, reverse=True):
        cap = budget if best[2] is None else 1.5 * best[0]
        (ev, sec), stalled = _finite_run(p, method, eta, 0, target, cap)
        note = "unstable" if stalled else (f"> {cap:.3g}" if not np.isfinite(ev) else "")
        lines.append(f"    {method:11s} eta {eta:7.3g}: {ev:11.4g} evals {sec:7.2f}s {note}")
        if ev < best[0]:
            best = (ev, sec, eta)
        elif best[2] is not None:
            break  # one step past the best: smaller steps only get slower
    return best


def part_finite(sizes, grid, target: float, seeds, budget_epochs: float, dim: int) -> None:
    section(f"(g) group-DRO logistic regression (group_dro, dim = {dim}), one component per "
            f"data point: to residual {target:g}, each method at its best stable step of "
            f"{tuple(grid)}")
    rows = []
    for n in sizes:
        p = group_dro(n, dim=dim)
        F = p.operator
        _ = F.lipschitz, F.lipschitz_full
        u = p.solution
        dirs = np.random.default_rng(0).standard_normal((5, F.dim)) * 1e-4
        ratio = np.mean([np.sqrt(np.mean([np.sum(F.batch_diff(np.array([i]), u + v, u) ** 2)
                                          for i in range(n)])) / np.linalg.norm(F.full(u + v)
                                                                               - F.full(u))
                         for v in dirs])
        lines = []
        eh, th, sh = _finite_scan(p, "halpern", grid, target, budget_epochs * n, lines)
        _, _, sv = _finite_scan(p, "vr-halpern", grid, target, budget_epochs * n, lines)
        steps = sorted((g for g in grid if sv is not None and g <= sv), reverse=True)
        for eta in steps:  # every seed at the best step; step down while one fails
            v = np.array([_finite_run(p, "vr-halpern", eta, s, target,
                                      budget_epochs * n)[0] for s in seeds])
            if np.isfinite(v[:, 0]).all():
                sv = eta
                break
        print(f"n = {n}: initial residual {p.solve('halpern', maxiter=1).residual_history[0]:.3e}"
              f", sampled sqrt(E_i ||dF_i||^2) / ||dF|| at u* = {ratio:.2f} (bounds L = "
              f"{F.lipschitz:.3g}, L_F = {F.lipschitz_full:.3g})")
        print("\n".join(lines))
        rows.append((n, sh, eh, th, sv, v[:, 0].mean(), v[:, 0].max(), v[:, 1].mean()))
    print(f"{'n':>6s}{'H eta':>7s}{'H evals':>11s}{'H s':>8s}{'VR eta':>8s}{'VR evals':>11s}"
          f"{'worst':>11s}{'VR s':>8s}{'VR/H':>7s}{'worst':>7s}{'s VR/H':>8s}")
    for n, sh, eh, th, sv, ev, ew, tv in rows:
        print(f"{n:6d}{sh:7.3g}{eh:11.4g}{th:7.2f}s{sv:8.3g}{ev:11.4g}{ew:11.4g}{tv:7.2f}s"
              f"{ev / eh:7.3f}{ew / eh:7.3f}{tv / th:8.2f}")


def part_dro(dataset: str, lam: float, alg2_epochs: float) -> None:
    section(f"(d) DRO logistic regression ({dataset}, chi-square ball rho = 1, lam = {lam:g})")
    p = dro_logistic(dataset, lam=lam)
    F, m = p.operator, p.operator.n_components
    for name, opts, budget in (("eg", {"eta": 2.0 / F.lipschitz_full}, 10**8),
                               ("vr-inexact-halpern", {}, int(alg2_epochs * m))):
        t, r = timed(lambda n=name, o=opts, b=budget: p.solve(n, rtol=1e-8, max_evals=b,
                                                               rng=0, options=o))
        th, w = p.split(r.x)
        th_ref, w_ref = p.split(p.solution)
        print(f"{name:20s} residual {r.residual:.3e} (initial {r.residual_history[0]:.3e})  "
              f"||theta - theta_ref|| / ||theta_ref|| "
              f"{np.linalg.norm(th - th_ref) / np.linalg.norm(th_ref):.2e}  "
              f"max |p - p_ref| {np.abs(w - w_ref).max():.2e}  epochs {r.epochs:.0f}  {t:.1f}s")


def main(argv=None) -> None:
    ap = parser(__doc__)
    ap.add_argument("--part", default="game,qp,scale,grid,target,finite,dro")
    ap.add_argument("--quick", action="store_true", help="tiny budgets: a smoke run")
    ap.add_argument("--scale-epochs", type=float, default=500.0)
    ap.add_argument("--target", type=float, default=1e-4)
    ap.add_argument("--sizes", default="500,2000,5000")
    ap.add_argument("--target-eta", type=float, default=5.0,
                    help="(f): steps c / ||A||_F of both methods (5: the authors' rule)")
    ap.add_argument("--target-seeds", type=int, default=5)
    ap.add_argument("--eta-grid", default="1,2,5,10,20")
    ap.add_argument("--finite-grid", default="1,1.41,2,2.38,2.83,3.36,4,4.76,5.66,6.73,8,9.51,"
                    "11.3", help="(g): steps eta of both methods (geometric, ratio 2^(1/4) "
                    "from 2 on)")
    ap.add_argument("--finite-dim", type=int, default=20, help="(g): features (len(x))")
    ap.add_argument("--dro-dataset", default="iris", help="'iris' (lam 0.1) or 'breast_cancer' "
                    "(lam 0.01; ill-conditioned, minutes)")
    args = ap.parse_args(argv)
    start(args, "numsolve.solve_monotone: variance-reduced Halpern vs Halpern / EG / EAG")
    parts = args.part.split(",")
    q = args.quick
    if "game" in parts:
        part_game(60 if q else 500, 50 if q else 5000, 20 if q else 1000)
    if "qp" in parts:
        part_qp(20 if q else 200, 100 if q else 20000)
    if "scale" in parts:
        sizes = (60, 120) if q else tuple(int(s) for s in args.sizes.split(","))
        part_scale(sizes, 30 if q else args.scale_epochs, args.target)
    seeds = tuple(range(2 if q else args.target_seeds))
    if "grid" in parts:
        grid = (5.0, 20.0) if q else tuple(float(c) for c in args.eta_grid.split(","))
        part_grid(60 if q else 500, grid, args.target, seeds, 20000)
    if "target" in parts:
        sizes = (60, 120) if q else tuple(int(s) for s in args.sizes.split(","))
        part_target(sizes, args.target, args.target_eta, seeds, 20000)
    if "finite" in parts:
        sizes = (60, 120) if q else tuple(int(s) for s in args.sizes.split(","))
        grid = tuple(float(c) for c in args.finite_grid.split(","))
        part_finite(sizes, grid, args.target, seeds, 100000, args.finite_dim)
    if "dro" in parts and not q:
        bc = args.dro_dataset == "breast_cancer"
        part_dro(args.dro_dataset, 0.01 if bc else 0.1, 3000 if bc else 20000)


if __name__ == "__main__":
    main()
