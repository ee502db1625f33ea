"""BCD rule ranking on recipe A and tree vs red-black blocks on a lattice (issue #15).

Part 1 (the spec's section 3 table): least squares on recipe A (1000 x 10000, about 6.9%
dense, ``f* = 0`` since ``b`` lies in the range of ``A``), ``tau = 5``, 500 iterations from
``x0 = 0``; ``f(x_500)`` for every selection rule with fixed sorted blocks ("FB") and variable
blocks ("VB"), with the gradient (``"Lb"``) and matrix (``"Hb"``) updates. The Done-when
checks printed at the end: greedy (GSL/GSQ, FB) at least 50x lower ``f - f*`` than random and
cyclic; variable-block GSD with the matrix update the best of all.

Part 2: label propagation on a 256 x 256 lattice (recipe D scaled up, 4% of the nodes
labelled, ``w = 1e5``): iterations to ``(f - f*) / |f*| <= 1e-8`` for the comb forests with
message passing (``partition='tree'``) and red-black blocks, both cyclic (``f*`` from a sparse
direct solve). Why the ratio is about 3x (2x from the forests, 1.5x from the greedy
colouring's third colour), with spectral radii: :mod:`asv_benchmarks.compare.bcd_lattice`.

Part 3 (the spec's Fig. 7): non-negative least squares with an L1 term on recipe A
(``A-l1``, ``alpha = 0.05 max(A^T b)``), the ``gsq-nn`` greedy rule on variable blocks with the
projected-gradient (PG), two-metric-projection (TMP) and projected-Newton (PN) updates for
``tau`` in {5, 50, 100}: iterations to ``gtol = 1e-6``, the iteration at which the active set
was identified and the switch to the manifold.

Usage::

    python -m asv_benchmarks.compare.bcd_rules            # ~2-4 min on 2 cores
    python -m asv_benchmarks.compare.bcd_rules --quick    # 300 x 3000, 64 x 64: seconds
    python -m asv_benchmarks.compare.bcd_rules --plot docs/images/bcd_rules.png

Only iteration counts and objective values are compared (no timings).
"""

from __future__ import annotations

import numpy as np

import numsolve
from numsolve.problems import bcd_dataset, label_propagation

from ._common import parser, section, start

#: (label, selection, partition, update)
RULES = [
    ("Cyclic FB", "cyclic", "sort"), ("Random FB", "random", "sort"),
    ("Lipschitz FB", "lipschitz", "sort"), ("GS FB", "gs", "sort"),
    ("GSL FB", "gsl", "sort"), ("GSQ FB", "gsq", "sort"),
    ("GS VB", "gs", "variable"), ("GSD VB", "gsd", "variable"),
    ("GSQ (IHT) VB", "gsq", "variable"),
]


def ranking(n_samples: int, n_features: int, iters: int, seed: int = 0) -> dict:
    """``{(label, update): f history}`` on recipe A."""
    p = bcd_dataset("A", n_samples=n_samples, n_features=n_features, rng=seed)
    out = {}
    for label, sel, part in RULES:
        for upd in ("gradient", "matrix"):
            res = numsolve.minimize(p.objective, p.x0, method="bcd", options={
                "selection": sel, "partition": part, "update": upd, "block_size": 5,
                "maxiter": iters, "gtol": 0.0, "rng": seed})
            out[(label, upd)] = res.f_history
    return out


def lattice(side: int, seed: int = 0, maxiter: int = 200000) -> dict:
    """Iterations to 1e-8 relative suboptimality, and the histories, per partition."""
    q = label_propagation(side, side, n_labelled=side * side // 25, rng=seed)
    f_star = q(q.solve())
    out = {}
    for part in ("tree", "red-black"):
        res = numsolve.minimize(q, np.zeros(q.n), method="bcd", options={
            "partition": part, "selection": "cyclic", "maxiter": maxiter,
            "gtol": 1e-9 * float(np.max(np.abs(q.c)))})
        rel = (res.f_history - f_star) / abs(f_star)
        hit = np.flatnonzero(rel <= 1e-8)
        out[part] = (int(hit[0]) if hit.size else None, rel)
    return out


def active_set(seed: int = 0, n_samples: int = 1000, n_features: int = 10000,
               maxiter: int = 2000) -> None:
    """Part 3: print one row per (tau, update)."""
    p = bcd_dataset("A-l1", n_samples=n_samples, n_features=n_features, rng=seed)
    ref = numsolve.minimize(p.objective, p.x0, method="bcd", options={
        "selection": "gsq", "update": "matrix", "block_size": 100, "maxiter": 20000,
        "gtol": 1e-9})
    f_star = ref.fun
    print(f"f* = {f_star:.10e} (PN, tau = 100, gtol 1e-9); nonzeros of x*: "
          f"{int(np.count_nonzero(ref.x))}")
    print(f"{'tau':>4s} {'update':>8s} {'nit':>6s} {'f - f*':>10s} {'active set at':>14s} "
          f"{'switch at':>10s}")
    for tau in (5, 50, 100):
        for upd, name in (("gradient", "PG"), ("tmp", "TMP"), ("matrix", "PN")):
            r = numsolve.minimize(p.objective, p.x0, method="bcd", options={
                "selection": "gsq", "update": upd, "block_size": tau, "maxiter": maxiter,
                "gtol": 1e-6})
            print(f"{tau:4d} {name:>8s} {r.nit:6d}{'' if r.success else '+'} "
                  f"{r.fun - f_star:10.2e} {r.active_set_iteration:14d} "
                  f"{str(r.switch_iteration):>10s}")


def _report_ranking(hist: dict) -> None:
    f0 = next(iter(hist.values()))[0]
    print(f"f(x0) = {f0:.3e}, f* = 0; f(x_k) after k = {len(next(iter(hist.values()))) - 1}")
    print(f"{'rule':16s} {'Lb (gradient)':>14s} {'Hb (matrix)':>14s}")
    for label, _, _ in RULES:
        print(f"{label:16s} {hist[(label, 'gradient')][-1]:14.3e} "
              f"{hist[(label, 'matrix')][-1]:14.3e}")
    last = {k: v[-1] for k, v in hist.items()}
    greedy = min(last[("GSL FB", u)] for u in ("gradient", "matrix"))
    greedy = max(greedy, min(last[("GSQ FB", u)] for u in ("gradient", "matrix")))
    slow = min(last[(r, u)] for r in ("Random FB", "Cyclic FB") for u in ("gradient", "matrix"))
    table = {k: v for k, v in last.items() if k[0] != "GSQ (IHT) VB"}  # the spec's rows
    best = min(table, key=table.get)
    print(f"\nworse of GSL/GSQ FB (best update each) = {greedy:.3e}; best of random/cyclic = "
          f"{slow:.3e}; ratio {slow / greedy:.1f}x (Done-when: >= 50x) -> "
          f"{'MET' if slow >= 50 * greedy else 'NOT MET'}")
    print(f"best of the spec's rules: {best[0]} / {best[1]} ({last[best]:.3e}) -> GSD VB "
          f"matrix best: {'MET' if best == ('GSD VB', 'matrix') else 'NOT MET'}")
    iht = last[("GSQ (IHT) VB", "matrix")]
    print(f"GSQ (IHT) VB / matrix, not in the spec's table: {iht:.3e} "
          f"({'below' if iht < last[best] else 'above'} GSD VB: GSQ >= GSD in progress)")


def _plot(hist: dict, lat: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for (label, upd), h in hist.items():
        if upd == "matrix" or label in ("Cyclic FB", "Random FB"):
            tag = "Hb" if upd == "matrix" else "Lb"
            a1.semilogy(np.maximum(h, 1e-12), label=f"{label} ({tag})",
                        ls="--" if "VB" in label else "-")
    a1.set(xlabel="iteration", ylabel="f(x) - f*", title="recipe A least squares, tau = 5")
    a1.legend(fontsize=7, ncol=2)
    for part, (_, rel) in lat.items():
        a2.semilogy(np.maximum(rel, 1e-16), label=part)
    a2.axhline(1e-8, color="gray", lw=0.8, ls="--")
    a2.set(xlabel="iteration", ylabel="(f - f*) / |f*|", title="lattice label propagation")
    a2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    p.add_argument("--plot", default=None, help="save the f - f* figure here")
    p.add_argument("--side", type=int, default=None, help="lattice side (default 256)")
    args = p.parse_args(argv)
    start(args, "BCD selection rules (recipe A) and message passing (lattice)",
          ["command            python -m asv_benchmarks.compare.bcd_rules"
           + (" --quick" if args.quick else "")])
    N, d, side = (300, 3000, 64) if args.quick else (1000, 10000, 256)
    side = args.side or side
    section(f"recipe A least squares {N} x {d}, tau = 5, 500 iterations")
    hist = ranking(N, d, 500)
    _report_ranking(hist)
    section(f"label propagation {side} x {side}: iterations to 1e-8 relative suboptimality")
    lat = lattice(side)
    for part, (it, rel) in lat.items():
        print(f"{part:10s} {str(it):>8s}   (final {rel[-1]:.1e}, {rel.size - 1} iterations)")
    t, r = lat["tree"][0], lat["red-black"][0]
    if t and r:
        print(f"red-black / tree = {r / t:.2f}x (Done-when: >= 5x) -> "
              f"{'MET' if r >= 5 * t else 'NOT MET'}")
    section("A-l1 (non-negative Lasso): active-set identification, gsq-nn rule")
    active_set(n_samples=N, n_features=d)
    if args.plot:
        _plot(hist, lat, args.plot)
        print(f"figure: {args.plot}")


if __name__ == "__main__":
    main()
