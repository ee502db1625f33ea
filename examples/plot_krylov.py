"""
Krylov solvers: CG, flexible CG and learned directions (DCDM)
=============================================================

On the 2-D Poisson equation (127 x 127 interior points, 16 129 unknowns) we compare

* plain conjugate gradients (``method='cg'``),
* flexible CG (``method='fcg'``) with a *nonlinear* preconditioner: five inner CG
  iterations, which plain CG cannot use because the preconditioner changes with its input,
* PyAMG's smoothed aggregation as the preconditioner of CG (if PyAMG is installed), and
* the deep conjugate-direction method (``method='dcdm'``) with a
  :class:`~numsolve.linalg.MultilevelStencilModel` fitted once on a coarser 63 x 63 grid.

The right panel repeats the comparison with solid obstacles the model never saw in training.

**What to conclude:** the learned directions cut CG's iterations about ten-fold on both
problems, although the model was fitted on another grid without obstacles; AMG-PCG needs still
fewer iterations, at a higher cost per iteration (see :doc:`/guide` for the wall-clock ratios).
"""

# %%
# Set up the problems and the model. Fitting the stencil model is a closed-form least-squares
# fit: about a second on one core.
import matplotlib.pyplot as plt
import numpy as np

import numsolve
from numsolve.linalg import MultilevelStencilModel
from numsolve.problems import obstacle_mask, poisson2d

N = 127
model = MultilevelStencilModel().fit(poisson2d(63), rng=0)
solid = obstacle_mask((N, N), "disk")
cases = [
    ("Poisson 127 x 127", poisson2d(N), model),
    ("Poisson 127 x 127, disk obstacle", poisson2d(N, obstacle=solid, obstacle_bc="neumann"),
     model.with_grid((N, N), mask=~solid)),
]


def inner_cg(A, steps=5):
    """A nonlinear preconditioner: a few CG iterations on A z = r, started from zero."""

    def apply(r):
        return numsolve.solve(A, r, method="cg", maxiter=steps, rtol=1e-12).x

    return apply


# %%
# Solve each problem with every method to ``rtol = 1e-8`` and plot the relative residual.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True, layout="constrained")
for ax, (title, A, m) in zip(axes, cases):
    b = np.random.default_rng(0).standard_normal(A.shape[0])
    runs = {
        "CG": numsolve.solve(A, b, method="cg", rtol=1e-8),
        "FCG, 5 inner CG steps": numsolve.solve(A, b, method="fcg", M=inner_cg(A), rtol=1e-8),
        "DCDM (model fitted at N = 63)": numsolve.solve(A, b, method="dcdm", model=m,
                                                        rtol=1e-8),
    }
    try:
        import pyamg

        M = pyamg.smoothed_aggregation_solver(A).aspreconditioner()
        runs["CG + AMG (PyAMG)"] = numsolve.solve(A, b, method="cg", M=M, rtol=1e-8)
    except ImportError:
        pass
    for name, res in runs.items():
        ax.semilogy(res.residual_norms / np.linalg.norm(b), label=f"{name}: {res.nit} it.")
    ax.axhline(1e-8, color="gray", lw=0.8, ls=":")
    ax.set_title(title)
    ax.set_xlabel("iteration")
    ax.legend(fontsize="small")
axes[0].set_ylabel(r"relative residual $\|b - Ax\| / \|b\|$")
plt.show()
