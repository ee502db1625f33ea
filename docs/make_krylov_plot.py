#!/usr/bin/env python
"""Regenerate ``docs/images/krylov_convergence.png`` (residual vs iteration, 2-D Poisson).

CG, AMG-preconditioned CG (PyAMG smoothed aggregation, if installed) and DCDM (k = 2) with a
``MultilevelStencilModel`` fitted at N = 63 and used at N = 127, also on Poisson with solid
obstacles. Run: ``python docs/make_krylov_plot.py``.
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import numsolve
from numsolve.linalg import MultilevelStencilModel
from numsolve.problems import obstacle_mask, poisson2d


def main():
    N = 127
    model = MultilevelStencilModel().fit(poisson2d(63), rng=0)
    solid = obstacle_mask((N, N), "disk")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, (title, A, m) in zip(axes, [
        ("Poisson 127x127", poisson2d(N), model),
        ("Poisson 127x127 with obstacles", poisson2d(N, obstacle=solid),
         model.with_grid((N, N), mask=~solid)),
    ]):
        b = np.random.default_rng(0).standard_normal(A.shape[0])
        nb = np.linalg.norm(b)
        runs = {"CG": numsolve.solve(A, b, method="cg", rtol=1e-8),
                "DCDM (model fitted at N=63)": numsolve.solve(A, b, method="dcdm", model=m,
                                                              rtol=1e-8)}
        try:
            import pyamg

            M = pyamg.smoothed_aggregation_solver(A).aspreconditioner()
            runs["AMG-PCG (PyAMG)"] = numsolve.solve(A, b, method="cg", M=M, rtol=1e-8)
        except ImportError:
            pass
        for name, res in runs.items():
            ax.semilogy(res.residual_norms / nb, label=f"{name}: {res.nit} it.")
        ax.axhline(1e-8, color="gray", lw=0.8, ls=":")
        ax.set_title(title)
        ax.set_xlabel("iteration")
        ax.legend()
    axes[0].set_ylabel("||b - A x|| / ||b||")
    fig.tight_layout()
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images",
                       "krylov_convergence.png")
    fig.savefig(out, dpi=90)
    print(out)


if __name__ == "__main__":
    main()
