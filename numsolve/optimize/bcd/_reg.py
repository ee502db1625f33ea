"""The separable non-smooth part ``g(x) = alpha ||x||_1 + indicator(lower <= x <= upper)``."""

from __future__ import annotations

import numpy as np

__all__ = ["Separable"]


class Separable:
    """``g`` and its proximal operator (``prox`` is the soft-threshold, then the clip: the
    exact prox of the 1-D convex sum)."""

    def __init__(self, n: int, alpha: float = 0.0, lower=None, upper=None):
        self.alpha = float(alpha)
        self.lo = np.full(n, -np.inf) if lower is None else np.asarray(lower, dtype=float)
        self.hi = np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=float)
        self.bounded = bool(np.any(np.isfinite(self.lo)) or np.any(np.isfinite(self.hi)))
        self.smooth = self.alpha == 0.0 and not self.bounded

    def value(self, x: np.ndarray) -> float:
        return self.alpha * float(np.abs(x).sum()) if self.alpha else 0.0

    def value_b(self, xb: np.ndarray) -> float:
        return self.alpha * float(np.abs(xb).sum()) if self.alpha else 0.0

    def change_b(self, xb: np.ndarray, d: np.ndarray) -> float:
        """``g(x_b + d) - g(x_b)``, summed per coordinate (no cancellation of large sums)."""
        return self.alpha * float(np.sum(np.abs(xb + d) - np.abs(xb))) if self.alpha else 0.0

    def prox(self, v: np.ndarray, L, idx=None) -> np.ndarray:
        """``argmin_u g(u) + (L/2)||u - v||^2`` on the coordinates ``idx`` (all if ``None``)."""
        if self.smooth:
            return v
        u = v
        if self.alpha:
            a = self.alpha / L
            u = np.sign(v) * np.maximum(np.abs(v) - a, 0.0)
        if self.bounded:
            lo = self.lo if idx is None else self.lo[idx]
            hi = self.hi if idx is None else self.hi[idx]
            u = np.clip(u, lo, hi)
        return u

    def step(self, x, g, L, idx=None) -> np.ndarray:
        """The proximal-gradient step ``d = prox(x - g/L) - x`` (coordinate-wise ``L``)."""
        return self.prox(x - g / L, L, idx) - x

    def progress(self, x, g, L, idx=None) -> np.ndarray:
        """Guaranteed decrease of the 1/L proximal step per coordinate (the ``gsq-nn`` score of
        the spec, section 1.2): ``-(g d + L d^2/2 + g(x + d) - g(x))``."""
        d = self.step(x, g, L, idx)
        p = -(g * d + 0.5 * L * d * d)
        if self.alpha:
            p -= self.alpha * (np.abs(x + d) - np.abs(x))
        return np.maximum(p, 0.0)

    def opt_measure(self, x, g, idx=None) -> float:
        """``||x - prox(x - g)||_inf`` (the unit-step prox-gradient residual; ``||g||_inf``
        when ``g = 0``)."""
        return float(np.max(np.abs(self.step(x, g, 1.0, idx)))) if x.size else 0.0

    def active(self, x) -> np.ndarray:
        """The active set: zeros of an L1 term, coordinates at a bound."""
        act = np.zeros(x.size, bool)
        if self.alpha:
            act |= x == 0
        if self.bounded:
            act |= (x <= self.lo) | (x >= self.hi)
        return act
