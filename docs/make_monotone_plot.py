"""Make docs/images/monotone_game.png: residual certificate against component evaluations and
against wall-clock time for the five methods of ``solve_monotone`` on the 500 x 500
policeman-burglar game (1000 epochs each, the authors' tuned steps, one BLAS thread).

Run from the repository root: ``python docs/make_monotone_plot.py`` (about a minute).
"""

import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from threadpoolctl import threadpool_limits

from numsolve.problems import matrix_game

METHODS = ("vr-halpern", "vr-inexact-halpern", "halpern", "eg", "eag")


def main(n: int = 500, epochs: int = 1000) -> None:
    p = matrix_game(n)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8.4, 3.8))  # ~700 px column
    with threadpool_limits(1):
        for m in METHODS:
            r = p.solve(m, max_evals=epochs * n, rng=0, rtol=0.0)
            ax1.semilogy(r.evals_history / n, r.residual_history, label=m)
            ax2.loglog(r.time_history, r.residual_history, label=m)
    ax1.set_xlabel("epochs (component evaluations / n)")
    ax2.set_xlabel("wall-clock time [s] (log scale)")
    for ax in (ax1, ax2):
        ax.set_ylabel(r"residual $\|u - P(u - F(u))\|$")
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = ax1.get_legend_handles_labels()  # below the panels: hides no curve
    fig.legend(handles, labels, loc="lower center", ncol=5, frameon=False)
    fig.suptitle(f"policeman-burglar game {n}x{n} (1 BLAS thread)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    out = pathlib.Path(__file__).parent / "images" / "monotone_game.png"
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
