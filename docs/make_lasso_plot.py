#!/usr/bin/env python
"""Regenerate ``docs/images/lasso_gap_vs_time.png``: duality gap (one gap function) against
time for numsolve's ``lasso``, scikit-learn, skglm and celer on the designs (a) and (b) of
issue 15 at ``alpha = 0.05 alpha_max``, one BLAS thread each.

Each solver runs once per tolerance of a ladder; every point is (seconds of that run, relative
gap of its solution by :func:`numsolve.optimize.lasso_duality_gap`). Run:
``python docs/make_lasso_plot.py`` (about a minute; the machine load shifts absolute times).
"""

import os
import time
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from threadpoolctl import threadpool_limits

from asv_benchmarks.benchmarks.lasso import design_correlated, design_iid
from numsolve.optimize import lasso, lasso_alpha_max, lasso_duality_gap


def _solvers(X, y, alpha):
    from celer import Lasso as CLasso
    from skglm import Lasso as GLasso
    from sklearn.linear_model import Lasso as SLasso

    s = float(y @ y) / X.shape[0]
    return {
        "numsolve lasso": lambda t: lasso(X, y, alpha, rtol=t).x,
        "scikit-learn Lasso": lambda t: SLasso(alpha=alpha, fit_intercept=False, tol=t / s,
                                               max_iter=100_000).fit(X, y).coef_,
        "skglm Lasso": lambda t: GLasso(alpha=alpha, fit_intercept=False, tol=t * 10,
                                        max_iter=1000).fit(X, y).coef_,
        "celer Lasso": lambda t: CLasso(alpha=alpha, fit_intercept=False, tol=t / s,
                                        max_iter=1000).fit(X, y).coef_,
    }


def main():
    warnings.simplefilter("ignore")
    ladder = np.logspace(-2, -10, 9)
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.8), sharey=True)  # ~700 px column
    with threadpool_limits(1):
        for ax, (title, (X, y)) in zip(axes, [
                ("(a) 10000 x 1000 i.i.d.", design_iid()),
                ("(b) 5000 x 2000, corr. 0.8^|i-j|", design_correlated())]):
            alpha = 0.05 * lasso_alpha_max(X, y)
            for name, fit in _solvers(X, y, alpha).items():
                fit(1e-2)  # compile / warm up
                pts = []
                for t in ladder:
                    dts = []
                    for _ in range(2):  # min of 2: the machine is shared
                        t0 = time.perf_counter()
                        w = fit(t)
                        dts.append(time.perf_counter() - t0)
                    gap, primal = lasso_duality_gap(X, y, w, alpha)
                    pts.append((min(dts), max(gap / primal, 1e-16)))
                ax.loglog(*zip(*pts), "o-", label=name)  # in ladder order (tighter tol)
            ax.axhline(1e-6, color="gray", ls=":", lw=1)
            ax.set_title(f"Lasso {title}", fontsize=10)
            ax.set_xlabel("time (s), 1 thread")
            # labels at 1, 2, 5 x 10^k as plain decimals: the default 3x10^-2-style minor
            # labels overlap at the rendered width
            ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
    axes[0].set_ylabel("duality gap / P(w)")
    handles, labels = axes[0].get_legend_handles_labels()  # below the panels: no data hidden
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.suptitle("alpha = 0.05 alpha_max; each point: one run at one tolerance "
                 "(dotted: the 1e-6 target)", fontsize=9)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    out = os.path.join(os.path.dirname(__file__), "images", "lasso_gap_vs_time.png")
    fig.savefig(out, dpi=110)
    print("wrote", out)


if __name__ == "__main__":
    main()
