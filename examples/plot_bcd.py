"""
Greedy block coordinate descent: selection rules and message passing
====================================================================

:func:`numsolve.minimize` with ``method='bcd'`` on two problems of the BCD paper (Nutini,
Laradji & Schmidt, JMLR 2022), at small sizes.

*Left*: least squares on recipe A's design (300 x 3000, sparse, wildly different column
scales), blocks of ``tau = 5`` coordinates, 300 iterations from ``x0 = 0``, ``f* = 0``. We
compare cyclic and random selection with the greedy GSL, GSD and GSQ rules, with the gradient
(``1/L_b``) and the matrix (``H_b^{-1}``) updates.

*Right*: label propagation on a 48 x 48 lattice (recipe D: ``w = 1e5``, 4% of the nodes
labelled): cyclic updates of red-black blocks (the lattice's checkerboard two-colouring; a
diagonal block solve) against the two comb
forests solved exactly by message passing.

**What to conclude:** greedy rules reach an ``f - f*`` many orders of magnitude below random
and cyclic selection in the same number of iterations; variable blocks and the matrix update
help further. Forest blocks solved by message passing need about 2x fewer iterations than
red-black blocks to reach the same relative suboptimality, at the same ``O(n)`` cost per
iteration.
"""

# %%
# Recipe A (smaller) and the rules; every run keeps its objective history ``f_history``.
import matplotlib.pyplot as plt
import numpy as np

import numsolve
from numsolve.problems import bcd_dataset, label_propagation

p = bcd_dataset("A", n_samples=300, n_features=3000, rng=0)
rules = [("cyclic", "sort", "gradient"), ("random", "sort", "gradient"),
         ("gsl", "sort", "gradient"), ("gsl", "sort", "matrix"),
         ("gsd", "variable", "matrix"), ("gsq", "variable", "matrix")]
hist = {}
for sel, part, upd in rules:
    res = numsolve.minimize(p.objective, p.x0, method="bcd",
                            options={"selection": sel, "partition": part, "update": upd,
                                     "block_size": 5, "maxiter": 300, "gtol": 0.0,
                                     "rng": 0})
    hist[f"{sel} ({'VB' if part == 'variable' else 'FB'}, {upd})"] = res.f_history

# %%
# The lattice: tree (comb forests, message passing) vs red-black blocks.
q = label_propagation(48, 48, n_labelled=48 * 48 // 25, rng=0)
f_star = q(q.solve())
rel = {}
for part in ("tree", "red-black"):
    res = numsolve.minimize(q, np.zeros(q.n), method="bcd",
                            options={"partition": part, "selection": "cyclic",
                                     "maxiter": 700, "gtol": 0.0})
    rel[part] = np.maximum((res.f_history - f_star) / abs(f_star), 1e-16)

# %%
# Plot ``f - f*`` against iterations.
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
for name, h in hist.items():
    a1.semilogy(np.maximum(h, 1e-14), label=name)
a1.set_xlabel("iteration")
a1.set_ylabel("f(x) - f*")
a1.set_title("recipe A least squares, tau = 5")
a1.legend(fontsize=8)
for part, r in rel.items():
    a2.semilogy(r, label=f"{part} blocks")
a2.axhline(1e-8, color="gray", ls="--", lw=0.8)
a2.set_xlabel("iteration")
a2.set_ylabel("(f - f*) / |f*|")
a2.set_title("label propagation, 48 x 48")
a2.legend()
fig.tight_layout()
plt.show()
