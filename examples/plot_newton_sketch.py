"""
Newton sketch for logistic regression against L-BFGS-B
======================================================

:class:`numsolve.objectives.BinaryLogistic` is a regularised logistic-regression objective
that exposes its Hessian square root ``D^{1/2} A``, so ``minimize(method='newton-sketch')``
(Pilanci & Wainwright, 2017) can take Newton steps with a sketched Hessian. We fit a
5000 x 50 problem whose feature scales span 1e-2 .. 1e2 (an ill-conditioned Hessian) and
record the gradient norm per iteration and against wall-clock time, next to SciPy's BFGS and
L-BFGS-B on the same objective (through the ``'scipy:<name>'`` pass-through).

**What to conclude:** the Newton sketch reaches a relative gradient norm of 1e-8 in a handful
of iterations, independent of the scaling; L-BFGS-B stalls on the badly scaled features and
BFGS needs many more iterations. On a problem this small a BFGS iteration is so cheap that
BFGS is about as fast in wall-clock; the Newton sketch pays off at scale: at 200 000 x 500 it
is 4.5x faster than scikit-learn's ``newton-cholesky``, and L-BFGS-B does not reach the
tolerance within 120 s (see :doc:`/benchmarks`).
"""

# %%
# Build a badly scaled classification problem.
import time

import matplotlib.pyplot as plt
import numpy as np

import numsolve
from numsolve.objectives import BinaryLogistic

rng = np.random.default_rng(0)
N, d = 5000, 50
A = rng.standard_normal((N, d)) * np.logspace(-2, 2, d)
w = rng.standard_normal(d) / np.logspace(-2, 2, d)
y = np.where(A @ w + rng.standard_normal(N) > 0, 1.0, -1.0)
f = BinaryLogistic(A, y, l2=1.0)
x0 = np.zeros(d)
g0 = np.linalg.norm(f.grad(x0))


def record(method, **kw):
    """Run minimize and return (seconds, relative gradient norm) after every iteration."""
    stamps, xs = [], []

    def callback(intermediate_result):
        stamps.append(time.perf_counter())
        xs.append(intermediate_result.x.copy())

    t0 = time.perf_counter()
    res = numsolve.minimize(f, x0, jac=f.grad, method=method, callback=callback, **kw)
    secs = np.array(stamps) - t0
    gnorm = np.array([np.linalg.norm(f.grad(x)) for x in xs]) / g0
    return res, secs, gnorm


# %%
# Run the three methods to a relative gradient norm of 1e-8 (or 300 iterations for BFGS,
# 150 for L-BFGS-B).
runs = {
    "newton-sketch": record("newton-sketch", options={"grtol": 1e-8, "rng": 0}),
    "scipy:l-bfgs-b": record("scipy:l-bfgs-b",
                             options={"gtol": 1e-8 * g0, "ftol": 0.0, "maxiter": 150}),
    "scipy:bfgs": record("scipy:bfgs", options={"gtol": 1e-8 * g0, "maxiter": 300}),
}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True, layout="constrained")
for name, (res, secs, gnorm) in runs.items():
    ax1.semilogy(np.arange(1, len(gnorm) + 1), gnorm, ".-", label=f"{name}: {res.nit} it.")
    ax2.semilogy(secs, gnorm, ".-", label=f"{name}: {secs[-1]:.2f} s")
for ax in (ax1, ax2):
    ax.axhline(1e-8, color="gray", lw=0.8, ls=":")
    ax.legend()
ax1.set_xlabel("iteration")
ax1.set_ylabel(r"relative gradient norm $\|\nabla f(x)\| / \|\nabla f(x_0)\|$")
ax1.set_title("Per iteration")
ax2.set_xlabel("wall-clock time (s)")
ax2.set_title("Against time")
fig.suptitle("Logistic regression, 5000 x 50, feature scales 1e-2 .. 1e2")
plt.show()
