"""
Lasso path with duality-gap certificates
========================================

:func:`numsolve.lasso_path` fits the Lasso on a decreasing grid of ``alpha`` with warm
starts. Every fit carries its duality gap, an upper bound of ``P(w) - P*``. The left panel
shows the coefficient paths on a correlated design (correlation ``0.8^|i-j|``) with the five
true nonzero coefficients in colour; the right panel shows that every fit's certified
relative gap is below the requested ``rtol = 1e-6`` and how many coordinate-descent epochs
each warm-started fit needed.

What to conclude: the path recovers the true support before the noise variables enter, and
the certificate, not a heuristic stopping rule, guarantees each fit's accuracy; warm starts
keep each step to a few epochs.
"""

import matplotlib.pyplot as plt
import numpy as np

import numsolve

rng = np.random.default_rng(0)
n, p, rho = 300, 60, 0.8
X = np.empty((n, p))
X[:, 0] = rng.standard_normal(n)
for j in range(1, p):
    X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n)
w_true = np.zeros(p)
support = [3, 15, 27, 40, 52]
w_true[support] = [2.0, -1.5, 1.0, -1.0, 0.8]
y = X @ w_true + 0.5 * rng.standard_normal(n)

path = numsolve.lasso_path(X, y, n_alphas=50, eps=1e-3, rtol=1e-6)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
a = path.alphas / path.alphas[0]
for j in range(p):
    if j in support:
        ax1.semilogx(a, path.coefs[j], lw=2, label=f"true nonzero {j}")
    else:
        ax1.semilogx(a, path.coefs[j], color="0.7", lw=0.8)
ax1.invert_xaxis()
ax1.set_xlabel("alpha / alpha_max")
ax1.set_ylabel("coefficient")
ax1.set_title("Lasso path (grey: noise variables)")
ax1.legend(fontsize=8)

ax2.semilogx(a, path.gaps / path.funs, "o-", ms=3, label="certified gap / P(w)")
ax2.axhline(1e-6, color="k", ls=":", label="rtol = 1e-6")
ax2.set_yscale("log")
ax2.invert_xaxis()
ax2.set_xlabel("alpha / alpha_max")
ax2.set_ylabel("relative duality gap")
ax3 = ax2.twinx()
ax3.semilogx(a, path.n_epochs, "s", color="C3", ms=3, label="epochs (warm start)")
ax3.set_ylabel("coordinate-descent epochs")
ax2.legend(loc="upper left", fontsize=8)
ax3.legend(loc="lower right", fontsize=8)
ax2.set_title("Certificates and work per fit")
fig.tight_layout()
plt.show()
