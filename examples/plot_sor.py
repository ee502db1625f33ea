"""
SOR: learning the relaxation factor over a sequence of systems
==============================================================

A sequence of shifted Poisson systems ``(A + c_t I) x = b_t`` (the high-variance setting of
Khodak et al., ICLR 2024, on a 10 x 10 grid) is solved by SOR to ``rtol = 1e-8``. The best
``omega`` depends on the shift ``c_t``, which varies from system to system. We compare the
SOR iterations of

* Gauss-Seidel (``omega = 1``),
* the best fixed ``omega`` of the grid, chosen in hindsight (unknowable in advance),
* the bandit :class:`~numsolve.linalg.TsallisINF`, which sees only the iteration counts,
* the contextual bandit :class:`~numsolve.linalg.ChebCB`, which also sees ``c_t``, and
* the best ``omega`` of the grid for each system (an oracle).

To compare several tuners on the same systems cheaply, we first record the iteration count of
every ``omega`` of the grid on every system, then replay the tuners on that table with
:func:`numsolve.linalg.relaxation.replay` (a tuner only sees the cost of the ``omega`` it
plays, so this is exactly the run it would have on the systems themselves).

**What to conclude:** both tuners quickly beat Gauss-Seidel by a wide margin; the contextual
ChebCB, which uses the shift, ends below the best fixed ``omega`` and close to the oracle,
while Tsallis-INF approaches the best fixed ``omega`` more slowly (its regret decays over
thousands of systems; see :doc:`/sor` for the measurements at ``T = 2000``).
"""

# %%
# Record the cost table: iterations of every ``omega`` of the grid on every system.
import matplotlib.pyplot as plt
import numpy as np

import numsolve
from numsolve.linalg import ChebCB, TsallisINF
from numsolve.linalg.relaxation import DEFAULT_GRID, replay
from numsolve.problems import shifted_poisson_sequence

T = 300
systems = list(shifted_poisson_sequence(T, "high", rng=0))
costs = np.array([[numsolve.solve(A, b, method="sor", omega=w, rtol=1e-8).nit
                   for w in DEFAULT_GRID] for A, b, _ in systems])
contexts = np.array([c for _, _, c in systems])

# %%
# Replay the tuners on the table and plot the running mean of the iterations per system
# (the cumulative iterations divided by the number of systems solved so far).
paid = {
    r"Gauss-Seidel ($\omega = 1$)": costs[:, 0],
    rf"best fixed $\omega$ in hindsight ($\omega$ = {DEFAULT_GRID[costs.sum(0).argmin()]:.2f})":
        costs[:, costs.sum(0).argmin()],
    "Tsallis-INF": replay(TsallisINF(rng=0), costs),
    "ChebCB (context: the shift)": replay(ChebCB(context_range=(-0.15, 0.65), rng=0), costs,
                                          contexts),
    r"best $\omega$ per system (oracle)": costs.min(axis=1),
}
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for name, p in paid.items():
    t = np.arange(1, T + 1)
    ax.semilogy(t, np.cumsum(p) / t, label=f"{name}: {p.mean():.0f}")
ax.set_xlabel("number of systems solved, t")
ax.set_ylabel("mean SOR iterations per system so far")
ax.set_title(f"{T} shifted Poisson systems (high variance), SOR to rtol = 1e-8")
ax.legend(title="mean iterations per system", fontsize="small")
plt.show()
