"""Method registries: one per entry point (``solve``, ``solve_batch``, ``lstsq``, ``minimize``).

A registry is a table of :class:`Method` records, each holding the function it dispatches to
(imported where the table is written, so readers and static tools see it), a one-line summary
and the user-guide page that documents it, and the problems the ``numsolve demo`` tour runs it
on. The entry point's docstring lists its methods from the table (:meth:`MethodRegistry.doc`),
and the demo builds its entries from the same records, so adding a method is one module plus
one :class:`Method` line. Users and plug-ins add their own with :meth:`MethodRegistry.register`;
whole name prefixes (``"scipy:bfgs"``) can be delegated to a resolver.

:func:`dispatch` is the shared front door: resolve the method, split the options, call, and
stamp the result with the method's name.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scipy.optimize import OptimizeWarning

__all__ = ["Demo", "Method", "MethodRegistry", "dispatch", "split_options"]


@dataclass(frozen=True)
class Demo:
    """One row of the ``numsolve demo`` tour for a registered method.

    Parameters
    ----------
    problem : str
        Name of a demo problem of the method's entry point (the CLI's catalogue, e.g.
        ``'poisson2d'`` for ``solve``, ``'rosenbrock'`` for ``minimize``).
    options : mapping, optional
        Method options of the row.
    method : str, optional
        Method name to run, when it is not the registration's own (``'scipy:BFGS'`` for the
        ``scipy`` prefix).
    """

    problem: str
    options: Mapping[str, Any] = field(default_factory=dict)
    method: str | None = None


@dataclass(frozen=True)
class Method:
    """A registered method: its name, what it dispatches to, and how it is documented.

    Parameters
    ----------
    name : str
        Case-insensitive method name (stored lower-case).
    func : callable
        The implementation, following its entry point's calling convention.
    summary : str
        One line for the entry point's docstring.
    doc : str, optional
        User-guide page (``docs/<doc>.rst``) that documents the method.
    demo : sequence of Demo
        Rows of the ``numsolve demo`` tour.
    """

    name: str
    func: Callable
    summary: str = ""
    doc: str | None = None
    demo: Sequence[Demo] = ()

    def __post_init__(self):
        if not callable(self.func):
            raise TypeError(f"method {self.name!r}: a registered method must be callable")
        object.__setattr__(self, "name", self.name.lower())
        object.__setattr__(self, "demo", tuple(self.demo))


class MethodRegistry:
    """Case-insensitive name -> :class:`Method` table of one entry point.

    Parameters
    ----------
    entry_point : str
        Name of the public function the registry serves (used in error messages).
    methods : sequence of Method
        The built-in methods, in the order the docs list them.

    Examples
    --------
    >>> from numsolve._registry import Method, MethodRegistry
    >>> reg = MethodRegistry("demo", [Method("abs", abs, "absolute value")])
    >>> reg.resolve("ABS")[1](-2)
    2
    >>> reg.names()
    ['abs']
    """

    def __init__(self, entry_point: str, methods: Sequence[Method] = ()):
        self.entry_point = entry_point
        self._entries: dict[str, Method] = {}
        self._prefixes: dict[str, tuple[Callable[[str], Callable], Method]] = {}
        for m in methods:
            self._add(m, overwrite=False)

    # -- registration ---------------------------------------------------------------------------
    def _add(self, method: Method, *, overwrite: bool) -> None:
        if method.name in self._entries and not overwrite:
            raise ValueError(
                f"{self.entry_point}: method {method.name!r} is already registered "
                "(pass overwrite=True to replace it)"
            )
        self._entries[method.name] = method

    def register(self, name: str, func: Callable | None = None, *, summary: str = "",
                 doc: str | None = None, demo: Sequence[Demo] = (), overwrite: bool = False):
        """Register ``func`` under ``name`` (usable as a decorator)."""

        def deco(f: Callable) -> Callable:
            if not callable(f):
                raise TypeError(f"{self.entry_point}: a registered method must be callable")
            self._add(Method(name, f, summary, doc, demo), overwrite=overwrite)
            return f

        return deco if func is None else deco(func)

    def unregister(self, name: str) -> None:
        """Remove the method ``name`` (``KeyError`` when it is not registered)."""
        del self._entries[name.lower()]

    def register_prefix(self, prefix: str, resolver: Callable[[str], Callable], *,
                        summary: str = "", doc: str | None = None,
                        demo: Sequence[Demo] = ()) -> None:
        """Send every name ``"<prefix>:<rest>"`` to ``resolver(rest)``."""
        record = Method(f"{prefix}:<name>", resolver, summary, doc, demo)
        self._prefixes[prefix.lower()] = (resolver, record)

    # -- lookup -----------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Registered method names (prefix families shown as ``'prefix:<name>'``)."""
        return sorted(self._entries) + [f"{p}:<name>" for p in sorted(self._prefixes)]

    def methods(self) -> list[Method]:
        """The :class:`Method` records, in registration order, prefix families last."""
        return [*self._entries.values(), *(rec for _, rec in self._prefixes.values())]

    def __iter__(self) -> Iterator[Method]:
        return iter(self.methods())

    def __contains__(self, name: str) -> bool:
        try:
            self.resolve(name)
        except (ValueError, TypeError):
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
                return key, self._prefixes[prefix][0](rest)
        if key not in self._entries:
            raise ValueError(
                f"{self.entry_point}: unknown method {method!r}; valid methods are: "
                + ", ".join(self.names())
            )
        return key, self._entries[key].func

    def doc(self, indent: int = 8) -> str:
        """Bullet list of the methods (name, summary, guide page) for a docstring."""
        pad = " " * indent
        lines = []
        for m in self.methods():
            page = f" (:doc:`/{m.doc}`)" if m.doc else ""
            lines.append(f"{pad}* ``'{m.name}'``: {m.summary}{page}.")
        return "\n".join(lines)


def document_methods(func: Callable, registry: MethodRegistry, placeholder: str = "{methods}",
                     indent: int = 8) -> None:
    """Put ``registry.doc()`` in place of ``placeholder`` in ``func``'s docstring."""
    if func.__doc__:  # None under python -OO
        func.__doc__ = func.__doc__.replace(placeholder, registry.doc(indent).lstrip())


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


def dispatch(registry: MethodRegistry, method: str | Callable, args: tuple,
             kwargs: Mapping[str, Any], options: Mapping[str, Any] | None, *,
             reserved: tuple[str, ...] = (), result_type: type | None = None,
             prepare: Callable[[str, Callable, dict], None] | None = None):
    """Resolve ``method`` in ``registry`` and call it with ``args``, ``kwargs`` and options.

    A callable ``method`` (SciPy's custom-method hook) receives every option unchecked;
    a registered one only the options its signature takes (:func:`split_options`). ``prepare``
    may check the options of a registered method (``prepare(name, impl, options)``) before
    they are split. A result of
    ``result_type`` gets ``method`` set to the registered name.
    """
    name, impl = registry.resolve(method)
    if name == "_custom":
        return impl(*args, **kwargs, **dict(options or {}))
    if prepare is not None:
        prepare(name, impl, dict(options or {}))
    opts = split_options(impl, options, reserved=reserved)
    res = impl(*args, **kwargs, **opts)
    if result_type is not None and isinstance(res, result_type):
        res.setdefault("method", name)
    return res
