"""Method registries: one per dispatcher (``minimize``, ``solve``, ``solve_batch``, ...).

A registry maps case-insensitive method names to implementations. Built-in entries are given as
``"module:function"`` strings and imported lazily on first use, so importing numsolve stays cheap
and adding a method means one new module plus one entry in its dispatcher's table - nothing else
is edited. Users (and plug-ins) can add their own with :meth:`MethodRegistry.register`.

A registry can also delegate whole name prefixes (``"scipy:bfgs"``) to a resolver function.
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from scipy.optimize import OptimizeWarning

__all__ = ["MethodRegistry", "split_options"]


class MethodRegistry:
    """Case-insensitive name -> implementation table with lazy imports.

    Parameters
    ----------
    entry_point : str
        Name of the public function the registry serves (used in error messages).
    builtins : mapping of str to str or callable
        Built-in methods: ``name -> "package.module:function"`` (imported on first use) or a
        callable.

    Examples
    --------
    >>> from numsolve._registry import MethodRegistry
    >>> reg = MethodRegistry("demo", {"abs": "builtins:abs"})
    >>> reg.resolve("ABS")[1](-2)
    2
    >>> reg.names()
    ['abs']
    """

    def __init__(self, entry_point: str, builtins: Mapping[str, str | Callable]):
        self.entry_point = entry_point
        self._entries: dict[str, str | Callable] = {}
        self._prefixes: dict[str, Callable[[str], Callable]] = {}
        for name, target in builtins.items():
            self._entries[name.lower()] = target

    # -- registration ---------------------------------------------------------------------------
    def register(self, name: str, func: Callable | None = None, *, overwrite: bool = False):
        """Register ``func`` under ``name`` (usable as a decorator)."""

        def deco(f: Callable) -> Callable:
            key = name.lower()
            if key in self._entries and not overwrite:
                raise ValueError(
                    f"{self.entry_point}: method {name!r} is already registered "
                    "(pass overwrite=True to replace it)"
                )
            if not callable(f):
                raise TypeError(f"{self.entry_point}: a registered method must be callable")
            self._entries[key] = f
            return f

        return deco if func is None else deco(func)

    def register_prefix(self, prefix: str, resolver: Callable[[str], Callable]) -> None:
        """Send every name ``"<prefix>:<rest>"`` to ``resolver(rest)``."""
        self._prefixes[prefix.lower()] = resolver

    # -- lookup -----------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Registered method names (prefix families shown as ``'prefix:<name>'``)."""
        return sorted(self._entries) + [f"{p}:<name>" for p in sorted(self._prefixes)]

    def __contains__(self, name: str) -> bool:
        try:
            self.resolve(name)
        except ValueError:
            return False
        return True

    def resolve(self, method: str | Callable) -> tuple[str, Callable]:
        """Return ``(canonical_name, implementation)`` for ``method``."""
        if callable(method):
            return "_custom", method
        if not isinstance(method, str):
            raise TypeError(
                f"{self.entry_point}: method must be a string or a callable, "
                f"got {type(method).__name__}"
            )
        key = method.lower()
        if ":" in key:
            prefix, rest = key.split(":", 1)
            if prefix in self._prefixes:
                return key, self._prefixes[prefix](rest)
        if key not in self._entries:
            raise ValueError(
                f"{self.entry_point}: unknown method {method!r}; valid methods are: "
                + ", ".join(self.names())
            )
        target = self._entries[key]
        if isinstance(target, str):
            module, _, attr = target.partition(":")
            target = getattr(importlib.import_module(module), attr)
            self._entries[key] = target
        return key, target


def split_options(
    func: Callable, options: Mapping[str, Any] | None, *, reserved: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Keep the options ``func`` accepts; warn (``OptimizeWarning``) about the others.

    ``func``'s keyword parameters define its options. If ``func`` takes ``**kwargs`` every
    option is passed through.
    """
    options = dict(options or {})
    for key in reserved:
        if key in options:
            raise ValueError(f"{key!r} is an argument, not an option: pass it directly")
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return options
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return options
    known = {
        n
        for n, p in params.items()
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    }
    unknown = sorted(set(options) - known)
    if unknown:
        warnings.warn(
            f"Unknown solver options: {', '.join(unknown)}", OptimizeWarning, stacklevel=4
        )
    return {k: v for k, v in options.items() if k in known}
