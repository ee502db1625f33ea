#!/usr/bin/env python
"""Regenerate ``docs/images/completion_error_time.png`` (error over all entries vs time).

m = n = 2000, rank 10, 5% observed uniformly, noiseless (spec §2); one thread on every side
(Numba and BLAS); the baselines of ``asv_benchmarks/compare/completion.py``: JNS13 exact AltMin
in NumPy and softImpute-ALS (Hastie et al. 2015). The time axis excludes the error evaluations.
Run from the repository root: ``PYTHONPATH=. python docs/make_completion_plot.py``.
"""

import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numsolve
from asv_benchmarks.compare.completion import jns_altmin, softimpute_als
from numsolve.problems import low_rank_completion


class Clock:
    """Elapsed time with the error evaluations (done in callbacks) left out."""

    def __init__(self, prob):
        self.prob, self.out, self.t, self.acc = prob, [], time.perf_counter(), 0.0

    def result(self, intermediate_result):  # SciPy's callback(intermediate_result) form
        self(intermediate_result.U, intermediate_result.V)

    def __call__(self, U, V):
        self.acc += time.perf_counter() - self.t
        self.out.append((self.acc, self.prob.relative_error(U, V)))
        self.t = time.perf_counter()


def main():
    import numba
    from threadpoolctl import threadpool_limits

    numba.set_num_threads(1)
    prob = low_rank_completion(2000, 2000, 10, 0.05, rng=0)
    k = 10
    r, c, v = prob.rows, prob.cols, prob.values
    traces = {}
    with threadpool_limits(1):
        numsolve.complete(prob.M, k, rng=0, maxiter=2, options={"solver": "sketch"})
        for solver in ("exact", "sketch"):
            clk = Clock(prob)
            numsolve.complete(prob.M, k, rng=0, rtol=1e-12, maxiter=30,
                              callback=clk.result,
                              options={"solver": solver})
            traces[f"numsolve altmin ({solver})"] = clk.out
        clk = Clock(prob)
        jns_altmin(r, c, v, prob.shape, k, T=20, callback=clk)
        traces["JNS13 AltMin (NumPy)"] = clk.out
        clk = Clock(prob)
        softimpute_als(r, c, v, prob.shape, k, lam=0.0, maxit=100,
                       callback=lambda U, d, V, clk=clk: clk(U * d, V))
        traces["softImpute-ALS (lambda=0)"] = clk.out
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for (name, tr), style in zip(traces.items(), ("o-", "s--", "d-", "^-")):
        tr = np.array(tr)
        ax.semilogy(tr[:, 0], tr[:, 1], style, ms=3, label=name)
    ax.axhline(1e-6, color="gray", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("time [s] (1 thread, error evaluations excluded)")
    ax.set_ylabel("relative Frobenius error (all entries)")
    ax.set_title("m = n = 2000, rank 10, 5% observed, noiseless")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images",
                       "completion_error_time.png")
    fig.savefig(out, dpi=110)
    for name, tr in traces.items():
        print(f"{name:28s} {len(tr):3d} steps, {tr[-1][0]:7.2f} s, final error {tr[-1][1]:.2e}")
    print("wrote", out)


if __name__ == "__main__":
    main()
