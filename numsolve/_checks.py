"""One validation idiom for every numsolve routine: scalar checks, choices, and the one rng helper.

Every check takes the argument's public name first and raises an error that names it:
``TypeError`` for a value of the wrong type, ``ValueError`` for a value out of range. Options
objects (small frozen dataclasses, one per method) call these once, in ``__post_init__``, so
that the iteration itself never re-validates.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "as_rng",
    "check_choice",
    "check_int",
    "check_maxiter",
    "check_real",
    "check_tolerances",
]


def as_rng(rng: Any) -> np.random.Generator:
    """The one rng coercer: ``None``, an int seed, a ``SeedSequence`` or a ``BitGenerator``
    gives ``default_rng(rng)``; a Generator is used as is (so that it advances); anything else
    is a ``TypeError`` naming ``rng``.

    Examples
    --------
    >>> from numsolve._checks import as_rng
    >>> float(as_rng(0).random()) == float(as_rng(0).random())
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)) \
            or isinstance(rng, (np.random.SeedSequence, np.random.BitGenerator)):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be None, an int or a numpy.random.Generator, got {type(rng).__name__}"
    )


def _range(low, high, low_open, high_open) -> str:
    if low == 0 and high is None:
        return "a finite positive number" if low_open else "a finite non-negative number"
    lo = "(-inf" if low is None else f"{'(' if low_open else '['}{low:g}"
    hi = "inf)" if high is None else f"{high:g}{')' if high_open else ']'}"
    return f"a finite number in {lo}, {hi}"


def check_real(name: str, value: Any, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False,
               allow_none: bool = False) -> float | None:
    """``value`` as a finite ``float`` in the interval given by ``low``/``high``.

    ``low_open``/``high_open`` exclude the end points. ``None`` passes through when
    ``allow_none``.

    Examples
    --------
    >>> from numsolve._checks import check_real
    >>> check_real("rtol", 1e-6, low=0)
    1e-06
    >>> check_real("beta", 0.7, low=0, high=0.5, low_open=True, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: beta must be a finite number in (0, 0.5), got 0.7
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray, np.generic)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    ok = math.isfinite(v)
    if ok and low is not None:
        ok = v > low if low_open else v >= low
    if ok and high is not None:
        ok = v < high if high_open else v <= high
    if not ok:
        raise ValueError(f"{name} must be {_range(low, high, low_open, high_open)}, "
                         f"got {value!r}")
    return v


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None,
              allow_none: bool = False) -> int | None:
    """``value`` as an ``int`` in ``[low, high]`` (booleans and floats are refused).

    Examples
    --------
    >>> from numsolve._checks import check_int
    >>> check_int("restart", 20, low=1)
    20
    >>> check_int("restart", 0, low=1)
    Traceback (most recent call last):
    ...
    ValueError: restart must be >= 1, got 0
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if low is not None and v < low:
        raise ValueError(f"{name} must be >= {low}, got {v}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be <= {high}, got {v}")
    return v


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """``value`` if it is one of ``choices`` (strings, compared case-insensitively).

    Examples
    --------
    >>> from numsolve._checks import check_choice
    >>> check_choice("sweep", "Forward", ("forward", "backward", "symmetric"))
    'forward'
    """
    choices = tuple(choices)
    if isinstance(value, str) and value.lower() in choices:
        return value.lower()
    raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; "
                     f"got {value!r}")


def check_tolerances(rtol: Any, atol: Any) -> tuple[float, float]:
    """Validate ``rtol``/``atol``: finite, non-negative real scalars."""
    return check_real("rtol", rtol, low=0.0), check_real("atol", atol, low=0.0)


def check_maxiter(maxiter: Any, default: int | None) -> int | None:
    """Validate ``maxiter``: ``None`` gives ``default``, otherwise an integer ``>= 1``."""
    if maxiter is None:
        return None if default is None else int(default)
    return check_int("maxiter", maxiter, low=1)
