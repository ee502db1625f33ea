"""The shape of the house: no import cycle, the library never imports the CLI, no long function,
one status table, one rng helper.

The import graph is read from the source (AST), so the test sees every import, also those inside
functions, without importing anything. A package's ``__init__`` re-exports are not edges of the
design (``numsolve.linalg`` re-exporting ``krylov.fcg`` does not make ``fcg`` depend on
``linalg``).
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "numsolve"
MAX_FUNCTION_LINES = 120


def _modules() -> dict[str, pathlib.Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        name = ".".join(rel.parts)
        mods[name.removesuffix(".__init__")] = path
    return mods


MODULES = _modules()


def _targets(module: str, node: ast.AST) -> set[str]:
    is_pkg = MODULES[module].name == "__init__.py"
    pkg = module if is_pkg else module.rsplit(".", 1)[0]
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = pkg
        for _ in range(max(node.level - 1, 0)):
            base = base.rsplit(".", 1)[0]
        if node.level:
            base = f"{base}.{node.module}" if node.module else base
        else:
            base = node.module or ""
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                 for a in node.names]
    return {n for n in names if n in MODULES and n != module}


def _graph() -> dict[str, set[str]]:
    edges = {m: set() for m in MODULES}
    for m, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges[m] |= {t for t in _targets(m, node)
                             if MODULES[t].name != "__init__.py"}
    return edges


def _is_cli(module: str) -> bool:
    return module.split(".")[1:2] in (["_cli"], ["__main__"])


def test_no_import_cycle():
    edges = _graph()
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    cycles = []

    def visit(m, stack):
        state[m] = 1
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t, stack)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m, [])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_library_never_imports_the_cli():
    edges = _graph()
    bad = sorted(f"{m} -> {t}" for m in edges if not _is_cli(m) for t in edges[m] if _is_cli(t))
    assert not bad, bad


def test_no_long_functions():
    long_ones = []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long_ones.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} "
                                     f"{node.name} ({n} lines)")
    assert not long_ones, long_ones


@pytest.mark.parametrize("pattern, allowed", [
    # one status table: codes are defined in numsolve/_status.py only
    (r"^\s*(CONVERGED|MAXITER|NONFINITE|BREAKDOWN)\s*(,.*)?=\s*\d", {"_status.py"}),
    # one rng helper: numsolve/_checks.py:as_rng
    (r"np\.random\.default_rng\(rng\)", {"_checks.py"}),
])
def test_one_definition(pattern, allowed):
    rx = re.compile(pattern, re.M)
    found = sorted(str(p.relative_to(ROOT)) for p in MODULES.values()
                   if rx.search(p.read_text(encoding="utf-8")) and p.name not in allowed)
    assert not found, found
