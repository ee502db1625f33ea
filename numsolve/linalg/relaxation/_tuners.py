"""Online tuners of the SOR relaxation factor ``omega`` across a sequence of linear systems.

After Khodak, Chow, Balcan and Talwalkar, *Learning to Relax* (ICLR 2024). A tuner is passed as
``omega=tuner`` to ``numsolve.solve(..., method='sor' | 'ssor-cg')`` or
``numsolve.solve_batch(systems, ...)``; per solve it

1. chooses ``omega = tuner.predict(context)`` from a grid of arms, and
2. observes the cost, ``tuner.update(iterations)`` (the iteration count, unnormalised).

* :class:`FixedOmega` - always the same ``omega`` (a baseline).
* :class:`TsallisINF` - 1/2-Tsallis-INF bandit (non-contextual): approaches the best fixed ``omega``
  in hindsight.
* :class:`ChebCB` - contextual bandit (SquareCB-style, inverse-gap weighting) with a per-arm
  regression of the cost on Chebyshev features of a scalar context: approaches the
  instance-optimal ``omega``.
* :class:`TsallisINFCB` - contextual: an independent :class:`TsallisINF` per bin of a scalar
  context (``learners/TsallisINFCB.m``).

Tuners are seeded by ``rng`` and serialisable: ``state_dict()`` / ``load_state_dict()`` (plain
Python/NumPy objects) and pickle both capture the full state, random generator included, so a
resumed run continues exactly as an uninterrupted one.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..._checks import as_rng, check_choice, check_int, check_real

__all__ = ["FixedOmega", "TsallisINF", "ChebCB", "DEFAULT_GRID", "replay", "TsallisINFCB"]

#: The arm grid of the paper: ``linspace(1.0, 1.95, 20)``.
DEFAULT_GRID = np.linspace(1.0, 1.95, 20)


def _check_grid(grid) -> np.ndarray:
    g = np.asarray(DEFAULT_GRID if grid is None else grid, dtype=np.float64).reshape(-1)
    if g.size < 1:
        raise ValueError("grid must contain at least one omega")
    if not np.all(np.isfinite(g)) or np.any(g <= 0) or np.any(g >= 2):
        raise ValueError("grid values must lie in the open interval (0, 2)")
    return g.copy()


def _check_context_range(context_range) -> tuple[float, float]:
    try:
        a, b = context_range
    except (TypeError, ValueError):
        raise TypeError(f"context_range must be a pair of floats, got {context_range!r}") \
            from None
    a, b = check_real("context_range", a), check_real("context_range", b)
    if not b > a:
        raise ValueError(f"context_range must be a finite interval (a, b) with a < b, got "
                         f"{context_range!r}")
    return a, b


class _Tuner:
    """Shared plumbing: the predict/update protocol, trajectories and serialisation."""

    contextual = False
    _fields: tuple[str, ...] = ()

    def __init__(self, grid, rng):
        self.grid = _check_grid(grid)
        self.rng = as_rng(rng)
        self._pending: int | None = None
        self.history: dict[str, list] = {"omega": [], "arm": [], "iterations": [], "context": []}

    @property
    def n_arms(self) -> int:
        return int(self.grid.size)

    def _check_context(self, context):
        if self.contextual:
            if context is None:
                raise ValueError(f"{type(self).__name__} is contextual: pass context=...")
            return check_real("context", context)
        return None if context is None else context

    def predict(self, context=None) -> float:
        """Choose ``omega`` for the next solve (``context``: for contextual tuners)."""
        if self._pending is not None:
            raise RuntimeError(
                "predict() called twice without update(); report the iteration count of the "
                "previous solve first (or call cancel())"
            )
        c = self._check_context(context)
        arm = int(self._choose(c))
        self._pending = arm
        self.history["arm"].append(arm)
        self.history["omega"].append(float(self.grid[arm]))
        self.history["context"].append(c)
        return float(self.grid[arm])

    def update(self, iterations) -> None:
        """Observe the cost (iteration count) of the solve with the last predicted ``omega``."""
        if self._pending is None:
            raise RuntimeError("update() called without a preceding predict()")
        k = check_real("iterations", iterations, low=0.0)
        self._learn(self._pending, k)
        self.history["iterations"].append(k)
        self._pending = None

    def cancel(self) -> None:
        """Forget the last prediction (its solve did not happen)."""
        if self._pending is not None:
            self._pending = None
            for key in ("arm", "omega", "context"):
                self.history[key].pop()
            self._cancel()

    def _cancel(self):
        pass

    @property
    def t(self) -> int:
        """Number of completed rounds."""
        return len(self.history["iterations"])

    def trajectory(self) -> dict[str, np.ndarray]:
        """Chosen ``omega`` and observed iterations per completed round."""
        t = self.t
        return {
            "omega": np.asarray(self.history["omega"][:t]),
            "iterations": np.asarray(self.history["iterations"], dtype=float),
        }

    # -- serialisation ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The full state (parameters, learned statistics, random generator) as a dict."""
        state = {k: copy.deepcopy(getattr(self, k)) for k in self._fields}
        state.update(
            kind=type(self).__name__,
            grid=self.grid.copy(),
            rng=copy.deepcopy(self.rng.bit_generator.state),
            pending=self._pending,
            history=copy.deepcopy(self.history),
        )
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state produced by :meth:`state_dict` (of the same tuner class)."""
        if state.get("kind") != type(self).__name__:
            raise ValueError(f"state is for {state.get('kind')!r}, not {type(self).__name__}")
        self.grid = np.asarray(state["grid"], dtype=np.float64).copy()
        bitgen = getattr(np.random, state["rng"]["bit_generator"])()
        bitgen.state = state["rng"]
        self.rng = np.random.Generator(bitgen)
        self._pending = state["pending"]
        self.history = copy.deepcopy(state["history"])
        for k in self._fields:
            setattr(self, k, copy.deepcopy(state[k]))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_arms={self.n_arms}, t={self.t})"


class FixedOmega(_Tuner):
    """Always the same ``omega`` (the baseline tuner).

    Parameters
    ----------
    omega : float
        In ``(0, 2)``.

    Notes
    -----
    The fixed-``omega`` comparator of the experiments of Khodak et al. [1]_.

    References
    ----------
    .. [1] M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting
       solver parameters across a sequence of linear system instances", ICLR 2024,
       arXiv:2310.02246.

    Examples
    --------
    >>> from numsolve.linalg import FixedOmega
    >>> t = FixedOmega(1.5)
    >>> t.predict(), t.update(12), t.trajectory()["iterations"]
    (1.5, None, array([12.]))
    """

    def __init__(self, omega: float):
        super().__init__([omega], None)

    def _choose(self, context):
        return 0

    def _learn(self, arm, k):
        pass


class TsallisINF(_Tuner):
    """1/2-Tsallis-INF bandit [2]_ over a grid of ``omega`` values (non-contextual), as in [1]_.

    Follows ``learners/TsallisINF.m`` of *Learning to Relax*: learning rate ``eta = 2/sqrt(t)``,
    importance-weighted estimates of the shifted loss ``iterations - 1`` rescaled by its running
    mean, and probabilities ``p_i = 4 (eta (Lhat_i/scale - x))^-2`` with the normaliser ``x``
    found by Newton's method. Unlike the reference code (Newton restarted at ``x = -1``, which
    jumps past the pole and diverges once the cumulative losses grow), Newton starts at
    ``x0 = min_i Lhat_i/scale - 2/eta``, where ``sum p >= 1``; the sum is convex and increasing
    in ``x``, so the iteration decreases monotonically to the root (at most 100 steps, relative
    tolerance 1e-12); it is warm-started from the previous round's normaliser when that point
    is still on the safe side, which saves most Newton steps and changes nothing else. ``p`` is
    renormalised before sampling; NaN falls back to uniform.

    Parameters
    ----------
    grid : array_like, optional
        The arms (``omega`` values in ``(0, 2)``); default ``linspace(1, 1.95, 20)``.
    estimator : {'rv', 'iw'}, default 'rv'
        The loss estimate. ``'iw'``: the plain importance-weighted estimate of
        ``learners/TsallisINF.m`` (``Lhat_i += (k - 1) / p_i`` for the played arm).
        ``'rv'``: the reduced-variance estimate of Zimmert and Seldin, as in the authors'
        follow-up code (``mkhodak/PCGBandit``, ``TsallisINF.H``): ``eta`` is doubled and every
        arm whose probability satisfies ``t p_j >= rv_threshold`` gets the baseline
        ``rv_baseline`` (in units of the loss scale) added to its estimate, with
        ``rv_baseline / p_j`` subtracted when it is the played arm - an unbiased estimate
        (for any baseline) with less variance. ``'rv'`` is the default: on held-out
        shifted-Poisson sequences (seeds 10-14 at T = 1000 and 2000, seeds 10-11 at
        T = 5000, both distributions) it paid 1-4 % fewer iterations than ``'iw'`` on
        average in every setting (``python -m asv_benchmarks.compare.sor``), with PCGBandit's
        constants.
    rv_baseline : float, default 1.0
        The baseline of the ``'rv'`` estimate, in units of the loss scale (the running mean
        of ``iterations - 1``, so ``1`` is the typical loss: the control variate that
        removes most of the variance when the arms' costs are of the same order).
        PCGBandit uses ``0.5``.
    rv_threshold : float, default 4.0
        The baseline applies to arms with ``t p_j >= rv_threshold``; PCGBandit uses ``16``.
        ``rv_baseline=1, rv_threshold=4`` paid 1.3-4.8 % fewer iterations than PCGBandit's
        ``0.5, 16`` in every held-out setting above (T = 2000: 1.271 -> 1.246 and
        1.195 -> 1.155 times the best fixed ``omega``;
        ``python -m asv_benchmarks.compare.tsallis_limits``).
    prior : array_like, optional
        A warm start (spec, pitfall 4: the bandit pays for exploration early): the expected
        iteration count of each arm, e.g. from a few profiling solves or a model. It enters as
        ``prior_rounds`` rounds of full information (every arm observed at these costs) before
        the first real round: the loss estimates start at ``prior_rounds * (prior - 1)``, the
        learning rate at ``eta(prior_rounds + 1)`` and the loss scale (the running mean of
        ``iterations - 1``) at the best arm's ``prior - 1``. Default: no prior (uniform first
        round).
    prior_rounds : int, default 0
        The weight of ``prior``, in rounds; ``0`` ignores ``prior``.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the arm draws.

    References
    ----------
    .. [1] M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting
       solver parameters across a sequence of linear system instances", ICLR 2024,
       arXiv:2310.02246.
    .. [2] J. Zimmert and Y. Seldin, "Tsallis-INF: an optimal algorithm for stochastic and
       adversarial bandits", JMLR 22(28):1-49, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.linalg import TsallisINF
    >>> tuner = TsallisINF(rng=0)
    >>> cost = lambda w: 10 + 100 * (w - 1.6) ** 2     # a made-up iteration count
    >>> for _ in range(300):
    ...     tuner.update(cost(tuner.predict()))
    >>> late = tuner.trajectory()["omega"][-100:]
    >>> bool(np.mean(np.abs(late - 1.6)) < np.mean(np.abs(tuner.grid - 1.6)))
    True
    """

    _fields = ("Lhat", "losses_sum", "n_losses", "x", "probs", "estimator", "shift",
               "newton_steps", "prior_rounds", "rv_baseline", "rv_threshold")

    def __init__(self, grid=None, *, estimator: str = "rv", rv_baseline: float = 1.0,
                 rv_threshold: float = 4.0, prior=None, prior_rounds: int = 0, rng=None):
        super().__init__(grid, rng)
        self.estimator = check_choice("estimator", estimator, ("rv", "iw"))
        self.rv_baseline = check_real("rv_baseline", rv_baseline, low=0.0)
        self.rv_threshold = check_real("rv_threshold", rv_threshold, low=0.0)
        self.prior_rounds = check_int("prior_rounds", prior_rounds, low=0)
        d = self.n_arms
        self.Lhat = np.zeros(d)
        self.shift = np.zeros(d)  # reduced-variance baseline terms (scaled units)
        self.losses_sum = 0.0
        self.n_losses = 0
        if prior is not None:
            pc = np.asarray(prior, dtype=np.float64).reshape(-1)
            if pc.size != d or not np.all(np.isfinite(pc)) or np.any(pc < 0):
                raise ValueError(f"prior must hold {d} finite non-negative iteration counts, "
                                 f"one per arm")
            # prior_rounds full-information rounds with these costs (shifted by 1, as losses)
            shifted = np.maximum(pc - 1.0, 0.0)
            self.Lhat = self.prior_rounds * shifted
            self.losses_sum = self.prior_rounds * float(shifted.min())  # best arm's loss
            self.n_losses = self.prior_rounds
        elif self.prior_rounds:
            raise ValueError("prior_rounds needs prior (the expected iterations of each arm)")
        self.x = None
        self.newton_steps = 0  # Newton steps of the last normaliser solve
        self.probs = np.full(d, 1.0 / d)

    def _eta(self, t: int) -> float:
        return (4.0 if self.estimator == "rv" else 2.0) / np.sqrt(t)

    def _scale(self) -> float:
        if self.n_losses == 0:
            return 1.0
        s = self.losses_sum / self.n_losses  # running mean of (k - 1)
        return s if s > 0 else 1.0

    def loss_estimates(self) -> np.ndarray:
        """The cumulative loss estimates, in units of the loss scale (smallest: most likely)."""
        L = self.Lhat / self._scale()
        return L + self.shift if self.estimator == "rv" else L

    def probabilities(self) -> np.ndarray:
        """The sampling distribution of the next round."""
        d = self.n_arms
        t = self.t + 1 + self.prior_rounds
        eta = self._eta(t)
        L = self.loss_estimates()
        Lmin = float(np.min(L))
        x = Lmin - 2.0 / eta  # sum p >= 1 here: Newton decreases monotonically to the root
        if self.x is not None and self.x < x:  # warm start: closer, and still sum p >= 1?
            if np.sum(4.0 / (eta * (L - self.x)) ** 2) >= 1.0:
                x = float(self.x)
        p = None
        self.newton_steps = 0
        for _ in range(100):
            self.newton_steps += 1
            p = 4.0 / (eta * (L - x)) ** 2
            f = p.sum() - 1.0
            step = f / (eta * np.sum(p ** 1.5))
            x_new = x - step
            if not np.isfinite(x_new):
                p = None
                break
            x_new = min(x_new, float(np.min(L)) - 1e-300)  # stay left of the pole
            done = abs(x_new - x) <= 1e-12 * max(1.0, abs(x))
            x = x_new
            if done:
                p = 4.0 / (eta * (L - x)) ** 2
                break
        if p is None or not np.all(np.isfinite(p)) or p.sum() <= 0:
            return np.full(d, 1.0 / d)
        self.x = x
        return p / p.sum()

    def _choose(self, context):
        self.probs = self.probabilities()
        return self.rng.choice(self.n_arms, p=self.probs)

    def _learn(self, arm, k):
        shifted = k - 1.0
        self.losses_sum += shifted
        self.n_losses += 1
        self.Lhat[arm] += shifted / self.probs[arm]
        if self.estimator == "rv":  # PCGBandit's "RV" (baseline 1/2 where t p_j >= 16)
            b = self.rv_baseline
            big = (self.t + 1 + self.prior_rounds) * self.probs >= self.rv_threshold
            self.shift[big] += b
            if big[arm]:
                self.shift[arm] -= b / self.probs[arm]

    def _cancel(self):
        self.probs = np.full(self.n_arms, 1.0 / self.n_arms)


class TsallisINFCB(_Tuner):
    """Binned contextual Tsallis-INF [1]_: an independent :class:`TsallisINF` per context bin.

    Follows ``learners/TsallisINFCB.m`` of *Learning to Relax*. The context interval
    ``[a, b]`` is split into ``n_bins`` bins of equal width with centres
    ``a + (b - a) * linspace(0.5/m, 1 - 0.5/m, m)``; a context is clipped into ``[a, b]`` and
    goes to the bin whose centre is nearest (a tie, exactly on a bin edge, goes to the lower
    bin). Each bin is a complete :class:`TsallisINF` (the numerically safe normaliser, the
    ``estimator`` option) with its own round counter, loss scale and loss estimates; it learns
    only from the rounds whose context fell into it. All bins draw from the tuner's one
    random generator, so a seeded run is reproducible. With ``n_bins=1`` it plays exactly as
    ``TsallisINF(grid, estimator=estimator, rng=rng)``.

    It suits a context that takes few values, or a best ``omega`` that is roughly constant
    over each bin: every bin pays the exploration cost of a full bandit, so with ``m`` bins
    each learns from about ``T/m`` rounds. When the cost varies smoothly with the context,
    :class:`ChebCB` shares information across contexts and learns faster.

    Parameters
    ----------
    context_range : (float, float), default (-0.15, 0.65)
        The interval ``[a, b]`` split into bins (the paper's diagonal-shift experiment);
        contexts outside are clipped into it, i.e. go to the end bins.
    grid : array_like, optional
        The arms (``omega`` values in ``(0, 2)``); default ``linspace(1, 1.95, 20)``.
    n_bins : int, default 5
        Number of bins ``m`` (the paper: 5 for the diagonal shift, 6 for the heat equation).
    estimator : {'rv', 'iw'}, default 'rv'
        The loss estimate of every bin's :class:`TsallisINF`.
    rv_baseline, rv_threshold : float, default 1.0, 4.0
        The reduced-variance estimate's baseline and threshold of every bin's
        :class:`TsallisINF`.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the arm draws (shared by all bins).

    Attributes
    ----------
    bins : list of TsallisINF
        The per-bin bandits (``bins[j].t`` rounds played in bin ``j``).
    centres : ndarray, shape (n_bins,)
        The bin centres.

    References
    ----------
    .. [1] M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting
       solver parameters across a sequence of linear system instances", ICLR 2024,
       arXiv:2310.02246.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.linalg import TsallisINFCB
    >>> tuner = TsallisINFCB((0.0, 1.0), grid=[1.2, 1.5, 1.8], n_bins=2, rng=0)
    >>> gen = np.random.default_rng(1)
    >>> cost = lambda w, c: 10 + 400 * (w - (1.2 if c < 0.5 else 1.8)) ** 2  # best omega by bin
    >>> for _ in range(400):
    ...     c = gen.uniform()
    ...     tuner.update(cost(tuner.predict(c), c))
    >>> tuner.bin_of(0.2), tuner.bin_of(7.0)              # contexts outside [a, b] are clipped
    (0, 1)
    >>> tuner.best_omega(0.2), tuner.best_omega(0.9)
    (1.2, 1.8)
    """

    contextual = True
    _fields = ("a", "b", "n_bins", "centres", "estimator", "_bin")

    def __init__(self, context_range=(-0.15, 0.65), grid=None, *, n_bins: int = 5,
                 estimator: str = "rv", rv_baseline: float = 1.0, rv_threshold: float = 4.0,
                 rng=None):
        super().__init__(grid, rng)
        a, b = _check_context_range(context_range)
        m = check_int("n_bins", n_bins, low=1)
        self.a, self.b, self.n_bins = a, b, m
        self.centres = a + (b - a) * np.linspace(0.5 / m, 1.0 - 0.5 / m, m)
        # one TsallisINF per bin (validates estimator), all on this tuner's generator
        self.bins = [TsallisINF(self.grid, estimator=estimator, rv_baseline=rv_baseline,
                                rv_threshold=rv_threshold, rng=self.rng) for _ in range(m)]
        self.estimator = self.bins[0].estimator
        self._bin: int | None = None  # the bin of the pending prediction

    def _bin_index(self, c: float) -> int:
        c = min(max(c, self.a), self.b)
        return int(np.argmin(np.abs(self.centres - c)))

    def bin_of(self, context) -> int:
        """The index of the bin that ``context`` goes to (after clipping into ``[a, b]``)."""
        return self._bin_index(self._check_context(context))

    def best_omega(self, context) -> float:
        """The most probable arm of ``context``'s bin (no sampling, no learning).

        The arm with the smallest loss estimate (``p_i`` decreases with it); the first arm of
        the grid while the bin has no observations.
        """
        tb = self.bins[self.bin_of(context)]
        return float(self.grid[int(np.argmin(tb.loss_estimates()))])

    def _choose(self, c):
        j = self._bin_index(c)
        self.bins[j].predict()
        self._bin = j
        return self.bins[j]._pending

    def _learn(self, arm, k):
        self.bins[self._bin].update(k)
        self._bin = None

    def _cancel(self):
        if self._bin is not None:
            self.bins[self._bin].cancel()
            self._bin = None

    def trajectory(self) -> dict[str, np.ndarray]:
        """Chosen ``omega``, observed iterations and the bin played, per completed round."""
        out = super().trajectory()
        ctx = self.history["context"][: self.t]
        out["bin"] = np.asarray([self._bin_index(c) for c in ctx], dtype=np.intp)
        return out

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["bins"] = [tb.state_dict() for tb in self.bins]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        if len(state["bins"]) != self.n_bins:
            raise ValueError(f"state has {len(state['bins'])} bins for n_bins={self.n_bins}")
        bins = []
        for s in state["bins"]:
            tb = TsallisINF(self.grid, estimator=s["estimator"], rng=self.rng)
            tb.load_state_dict(s)
            tb.rng = self.rng  # every bin draws from the tuner's one generator
            bins.append(tb)
        self.bins = bins

    state_dict.__doc__ = _Tuner.state_dict.__doc__
    load_state_dict.__doc__ = _Tuner.load_state_dict.__doc__


def chebyshev_features(c, a: float, b: float, m: int) -> np.ndarray:
    """``[T_0(z), ..., T_{m-1}(z)]`` at ``z = 2 (c - a)/(b - a) - 1`` (clipped to [-1, 1]).

    The features of the per-arm cost models of :class:`~numsolve.linalg.ChebCB` (Chebyshev
    polynomials of the first kind, by their three-term recurrence).

    Parameters
    ----------
    c : float
        The context.
    a, b : float
        The context range mapped to ``[-1, 1]``; contexts outside are clipped.
    m : int
        Number of features (polynomial degree ``m - 1``).

    Returns
    -------
    ndarray, shape (m,)
        ``T_0(z), ..., T_{m-1}(z)``.

    Examples
    --------
    >>> from numsolve.linalg.relaxation import chebyshev_features
    >>> chebyshev_features(0.5, 0.0, 1.0, 3)      # z = 0: T_0, T_1, T_2 = 1, 0, -1
    array([ 1.,  0., -1.])
    >>> chebyshev_features(2.0, 0.0, 1.0, 3)      # clipped to z = 1
    array([1., 1., 1.])
    """
    z = float(np.clip(2.0 * (c - a) / (b - a) - 1.0, -1.0, 1.0))
    f = np.empty(m)
    f[0] = 1.0
    if m > 1:
        f[1] = z
    for j in range(2, m):
        f[j] = 2.0 * z * f[j - 1] - f[j - 2]
    return f


class ChebCB(_Tuner):
    """Contextual bandit [1]_ over ``omega`` with Chebyshev-feature regression (SquareCB [2]_).

    Follows ``learners/ChebCB.m`` of *Learning to Relax*. Each arm keeps a least-squares model
    of the scaled cost ``(iterations - 1) / scale`` as a polynomial (Chebyshev features
    ``T_0..T_{m-1}``) in the context ``c`` mapped from ``[a, b]`` to ``[-1, 1]``; arms are drawn
    by inverse-gap weighting, ``p_i = 1 / (d + eta (yhat_i - min yhat))``, with ``eta``
    growing about linearly in ``t`` from an online estimate of the regression regret. The
    coefficient magnitudes are bounded (box-constrained least squares,
    :func:`scipy.optimize.lsq_linear`, when the plain fit leaves the box). The scale
    ``K N`` (largest cost seen times a Lipschitz-derived factor) changes as costs arrive;
    then every arm is refitted.

    Three defaults differ from the reference constants; ``degree=6, eta_scale=1,
    adaptive_degree=False`` gives the reference algorithm. They were chosen on held-out
    shifted-Poisson sequences (seeds 10-14 at T = 1000 and 2000, seeds 10-11 at T = 5000, both
    Beta distributions; ``python -m asv_benchmarks.compare.sor``), where together they cut the
    excess over the instance-optimal ``omega`` by a quarter to a third (T = 2000, mean
    iterations / instance-optimal: 1.31 -> 1.22 high variance, 1.19 -> 1.13 low variance).

    Parameters
    ----------
    context_range : (float, float)
        The interval ``[a, b]`` of contexts (contexts outside are clipped for the features).
    grid : array_like, optional
        Arms, default ``linspace(1, 1.95, 20)``.
    degree : int, default 8
        Number of features ``m`` (polynomial degree ``m - 1``; the reference uses 6). With
        ``adaptive_degree`` the extra coefficients cost little early on, and late in a run
        the richer model tracks the cost's kink at the optimal ``omega`` better.
    eta_scale : float, default 4.0
        Multiplies the reference's inverse-gap-weighting rate ``eta`` (larger: less
        exploration). SquareCB's rate ``sqrt(d t / regret)`` is fixed only up to a constant;
        the reference's estimate of the regression regret is conservative here, and with
        ``eta_scale=1`` the exploration of far-off arms dominated the excess cost.
    adaptive_degree : bool, default True
        Fit only the first ``min(m, n_i)`` Chebyshev coefficients of an arm with ``n_i``
        observations (a constant from one point, a line from two, ...), the rest zero. The
        reference's min-norm fit through fewer than ``m`` points predicts costs shrunk towards
        zero away from the observed contexts, so rarely played (bad) arms look cheap and are
        played again; this is most of ChebCB's early overhead.
    rng : int or numpy.random.Generator, optional

    References
    ----------
    .. [1] M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting
       solver parameters across a sequence of linear system instances", ICLR 2024,
       arXiv:2310.02246.
    .. [2] D. Foster and A. Rakhlin, "Beyond UCB: optimal and efficient contextual bandits
       with regression oracles", ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.linalg import ChebCB
    >>> tuner = ChebCB((0.0, 1.0), rng=0)
    >>> gen = np.random.default_rng(1)
    >>> cost = lambda w, c: 10 + 200 * (w - (1.2 + 0.6 * c)) ** 2   # best omega depends on c
    >>> for _ in range(300):
    ...     c = gen.uniform()
    ...     tuner.update(cost(tuner.predict(c), c))
    >>> [round(tuner.best_omega(c), 2) for c in (0.25, 0.5, 0.75)]  # optimum 1.35, 1.5, 1.65;
    ...                                                               # the grid step is 0.05
    [1.4, 1.5, 1.65]
    """

    contextual = True
    _fields = ("a", "b", "m", "theta", "rows", "targets", "predicted", "kmax", "kmin",
               "scale", "eta", "resnorm", "_pred_feat", "_pred_y", "probs", "costs", "_sse",
               "gram", "fty", "yty", "_sums", "eta_scale", "adaptive_degree")

    def __init__(self, context_range=(-0.15, 0.65), grid=None, *, degree: int = 8,
                 eta_scale: float = 4.0, adaptive_degree: bool = True, rng=None):
        super().__init__(grid, rng)
        self.eta_scale = check_real("eta_scale", eta_scale, low=0.0, low_open=True)
        if not isinstance(adaptive_degree, (bool, np.bool_)):
            raise TypeError(f"adaptive_degree must be a bool, got {adaptive_degree!r}")
        self.adaptive_degree = bool(adaptive_degree)
        a, b = _check_context_range(context_range)
        self.a, self.b, self.m = a, b, check_int("degree", degree, low=1)
        d = self.n_arms
        self.theta = np.zeros((d, self.m))
        self.rows: list[list] = [[] for _ in range(d)]  # per arm: feature rows
        self.targets: list[list] = [[] for _ in range(d)]  # per arm: costs k
        self.predicted: list[float] = []  # yhat of the played arm, per round
        self.costs: list[float] = []  # cost k, per round
        self._sse = np.zeros(d)  # per-arm residual sum of squares of the current fit
        # per-arm normal equations of the unscaled targets k - 1: F^T F, F^T (k-1), |k-1|^2
        self.gram = np.zeros((d, self.m, self.m))
        self.fty = np.zeros((d, self.m))
        self.yty = np.zeros(d)
        self._sums = np.zeros(3)  # sum pred^2, sum pred * k, sum k^2 (online regression loss)
        self.kmax = -np.inf
        self.kmin = np.inf
        self.scale = None
        self.eta = 1.0
        self.resnorm = 0.0
        self._pred_feat = None
        self._pred_y = 0.0
        self.probs = np.full(d, 1.0 / d)

    def features(self, c) -> np.ndarray:
        return chebyshev_features(c, self.a, self.b, self.m)

    def best_omega(self, context) -> float:
        """The arm with the lowest predicted cost at ``context`` (no sampling, no learning)."""
        c = self._check_context(context)
        return float(self.grid[int(np.argmin(self.theta @ self.features(c)))])

    def _choose(self, c):
        f = self.features(c)
        yhat = self.theta @ f
        d = self.n_arms
        best = int(np.argmin(yhat))
        p = 1.0 / (d + self.eta * (yhat - yhat[best]))
        p[best] = 0.0
        p[best] = max(0.0, 1.0 - p.sum())
        if not np.all(np.isfinite(p)) or p.sum() <= 0:
            p = np.full(d, 1.0 / d)
        self.probs = p / p.sum()
        arm = int(self.rng.choice(d, p=self.probs))
        self._pred_feat = f
        self._pred_y = float(yhat[arm])
        return arm

    def _n_coef(self, i) -> int:
        """Number of leading Chebyshev coefficients fitted for arm ``i``."""
        if not self.adaptive_degree:
            return self.m
        return max(1, min(self.m, len(self.targets[i])))

    def _fit(self, i, N, scale, ub):
        """Refit arm ``i``; returns its residual sum of squares.

        The unconstrained min-norm least-squares fit comes from the arm's normal equations
        (O(m^3), independent of the number of rounds); only when it leaves the coefficient box
        is the bounded problem solved on the stored rows (:func:`scipy.optimize.lsq_linear`).
        With ``adaptive_degree`` only the first ``min(m, n_i)`` coefficients are fitted (the
        rest are zero) while the arm has ``n_i < m`` observations.
        """
        if not self.targets[i]:
            self.theta[i] = 0.0
            return 0.0
        q = self._n_coef(i)
        G, h = self.gram[i], self.fty[i] / scale
        th = np.zeros(self.m)
        th[:q] = np.linalg.lstsq(G[:q, :q], h[:q], rcond=None)[0]
        if np.any(np.abs(th[:q]) > ub[:q]):
            from scipy.optimize import lsq_linear

            F = np.asarray(self.rows[i])[:, :q]
            y = (np.asarray(self.targets[i]) - 1.0) / scale
            th[:q] = lsq_linear(F, y, bounds=(-ub[:q], ub[:q]), method="bvls").x
        self.theta[i] = th
        sse = self.yty[i] / scale ** 2 - 2.0 * (th @ h) + th @ G @ th
        return float(max(sse, 0.0))

    def _learn(self, arm, k):
        f = self._pred_feat
        self.rows[arm].append(f)
        self.targets[arm].append(k)
        self.predicted.append(self._pred_y)
        self.costs.append(k)
        self.gram[arm] += np.outer(f, f)
        self.fty[arm] += (k - 1.0) * f
        self.yty[arm] += (k - 1.0) ** 2
        self._sums += (self._pred_y ** 2, self._pred_y * k, k * k)
        self.kmax = max(self.kmax, k)
        self.kmin = min(self.kmin, k)
        a, b, m, d = self.a, self.b, self.m, self.n_arms
        t = len(self.predicted)
        K = self.kmax if self.kmax > 0 else 1.0
        Lip = (self.kmax - self.kmin) / (b - a)
        N = 2.0 + 4.0 * (b - a) * Lip / K * (1.0 + np.log(m))
        scale = K * N
        refit_all = scale != self.scale
        self.scale = scale
        ub = np.empty(m)
        ub[0] = 1.0 / N
        ub[1:] = 2.0 * (b - a) * Lip / scale / np.arange(1, m)
        ub = np.maximum(ub, 1e-300)  # lsq_linear needs lb < ub
        for i in (range(d) if refit_all else (arm,)):
            self._sse[i] = self._fit(i, N, scale, ub)
        self.resnorm = float(self._sse.sum())
        alpha = (np.pi + (2.0 / np.pi) * np.log(2 * m + 1)) / (2.0 * scale * (m + 1)) \
            * (b - a) * Lip
        spp, spk, skk = self._sums  # R = sum_s (predicted_s - k_s / scale)^2
        R = max(float(spp - 2.0 * spk / scale + skk / scale ** 2), 0.0)
        denom = max(R - self.resnorm, 0.0) + 2.0 * alpha ** 2 * t
        eta = 2.0 * t * np.sqrt(d * t / denom) if denom > 0 else 2.0 * t * d
        self.eta = self.eta_scale * eta


def replay(tuner: _Tuner, costs, contexts=None) -> np.ndarray:
    """Run ``tuner`` on a precomputed cost table and return the cost it paid per round.

    Parameters
    ----------
    tuner : TsallisINF, ChebCB, TsallisINFCB, FixedOmega or another tuner on the same grid
    costs : array, shape (T, n_arms)
        ``costs[t, j]``: iterations of system ``t`` solved with ``omega = tuner.grid[j]``.
        A tuner only ever sees the cost of the arm it plays, so this is exactly the run it would
        have on the systems themselves, at a fraction of the cost when several tuners (and the
        best fixed ``omega`` in hindsight, ``costs.sum(0).min()``) are compared.
    contexts : array, shape (T,), optional
        Contexts (for contextual tuners).

    Returns
    -------
    array, shape (T,)
        The iterations of the arm played in each round.

    Examples
    --------
    Record the cost of every ``omega`` of the grid on a short sequence once, then compare
    tuners on the table:

    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.linalg import TsallisINF
    >>> from numsolve.linalg.relaxation import DEFAULT_GRID, replay
    >>> from numsolve.problems import shifted_poisson_sequence
    >>> seq = list(shifted_poisson_sequence(20, "low", rng=0))
    >>> costs = np.array([[numsolve.solve(A, b, method="sor", omega=w, rtol=1e-8).nit
    ...                    for w in DEFAULT_GRID] for A, b, _ in seq])
    >>> costs.shape
    (20, 20)
    >>> paid = replay(TsallisINF(rng=0), costs)
    >>> bool(costs.min(axis=1).sum() <= paid.sum() <= costs.max(axis=1).sum())
    True
    >>> best_fixed = costs.sum(axis=0).min()       # the best fixed omega, in hindsight
    >>> bool(best_fixed <= costs[:, 0].sum())         # Gauss-Seidel is omega = 1
    True
    """
    costs = np.asarray(costs, dtype=float)
    grid_size = len(getattr(tuner, "grid", ()))
    if costs.ndim != 2 or costs.shape[1] != grid_size:
        raise ValueError(f"costs must have shape (T, {grid_size}), got {costs.shape}")
    if contexts is not None and len(contexts) != costs.shape[0]:
        raise ValueError("contexts must have one entry per row of costs")
    paid = np.empty(costs.shape[0])
    for t in range(costs.shape[0]):
        tuner.predict(None if contexts is None else contexts[t])
        arm = tuner.history["arm"][-1]
        paid[t] = costs[t, arm]
        tuner.update(paid[t])
    return paid
