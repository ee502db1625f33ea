"""The documentation covers the library: every public name is in the API reference with numpydoc
Parameters/Returns/Examples, every registered method is in the decision guide, every family has
a row in the results table, and the gallery is wired to sphinx-gallery.

These tests read the code at test time (the ``__all__`` lists and the method registries), so a
new family that adds a public name or a method without documenting it fails here.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import pkgutil
import re

import pytest

import numsolve

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


# -- the public API ----------------------------------------------------------------------------
def public_modules() -> list[str]:
    """numsolve and every subpackage/module without a private path component, with __all__."""
    names = ["numsolve"]
    for info in pkgutil.walk_packages(numsolve.__path__, "numsolve."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        names.append(info.name)
    return [n for n in names if hasattr(importlib.import_module(n), "__all__")]


def public_names() -> list[tuple[str, str, object]]:
    """``(module, name, object)`` for every name of every public ``__all__``."""
    out = []
    for mod_name in public_modules():
        mod = importlib.import_module(mod_name)
        for name in mod.__all__:
            out.append((mod_name, name, getattr(mod, name)))
    return out


# -- what docs/api.rst documents ---------------------------------------------------------------
_DIRECTIVE = re.compile(r"^\s*\.\. (currentmodule|module|autosummary|data|autodata|autofunction"
                        r"|autoclass|function|class)::\s*(\S*)")


def documented_in_api() -> set[str]:
    """Fully qualified names that docs/api.rst documents (autosummary entries, data, modules)."""
    current, in_autosummary, found = "", False, set()
    for line in (DOCS / "api.rst").read_text().splitlines():
        m = _DIRECTIVE.match(line)
        if m:
            kind, arg = m.groups()
            in_autosummary = kind == "autosummary"
            if kind in ("currentmodule", "module"):
                current = arg
                if kind == "module":
                    found.add(arg)
            elif not in_autosummary:
                found.add(arg if arg.startswith("numsolve") else f"{current}.{arg}")
            continue
        if in_autosummary:
            entry = line.strip()
            if not entry or entry.startswith(":"):
                continue
            if not line.startswith("   ") or not re.fullmatch(r"[A-Za-z_][\w.]*", entry):
                in_autosummary = False
                continue
            found.add(entry if entry.startswith("numsolve") else f"{current}.{entry}")
    return found


def _resolve(qualname: str):
    parts = qualname.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(qualname)


def test_api_reference_lists_every_public_name():
    documented = documented_in_api()
    ids = set()
    for q in documented:
        try:
            ids.add(id(_resolve(q)))
        except (ImportError, AttributeError) as exc:  # a stale entry in api.rst
            pytest.fail(f"docs/api.rst documents {q!r}, which does not exist ({exc})")
    missing = []
    for mod, name, obj in public_names():
        qual = f"{mod}.{name}"
        if inspect.ismodule(obj):
            ok = obj.__name__ in documented
        elif isinstance(obj, (str, int, float)):  # identity of small constants means nothing
            ok = qual in documented
        else:  # documented under any of its public paths
            ok = qual in documented or id(obj) in ids
        if not ok:
            missing.append(qual)
    assert not missing, f"public names missing from docs/api.rst: {missing}"


# -- numpydoc sections -------------------------------------------------------------------------
def _documented_callables():
    seen = {}
    for mod, name, obj in public_names():
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and id(obj) not in seen:
            seen[id(obj)] = (f"{mod}.{name}", obj)
    return sorted(seen.values(), key=lambda t: t[0])


def _missing_sections(obj) -> list[str]:
    from numpydoc.docscrape import ClassDoc, FunctionDoc

    if inspect.isclass(obj):
        doc = ClassDoc(obj, config={"show_class_members": False})
        # Result objects, enums and dataclasses document their fields as Attributes (the
        # convention of scipy.optimize.OptimizeResult); everything else its constructor.
        try:  # a class built without arguments (a stateless resolvent) has none to document
            no_args = not inspect.signature(obj).parameters
        except (TypeError, ValueError):
            no_args = False
        need = {"Parameters": bool(doc["Parameters"] or doc["Attributes"]) or no_args,
                "Examples": bool(doc["Examples"])}
    else:
        doc = FunctionDoc(obj)
        need = {"Parameters": bool(doc["Parameters"]) or not inspect.signature(obj).parameters,
                "Returns": bool(doc["Returns"] or doc["Yields"]),
                "Examples": bool(doc["Examples"])}
    return [section for section, ok in need.items() if not ok]


@pytest.mark.parametrize("qualname,obj", _documented_callables(),
                         ids=[q for q, _ in _documented_callables()])
def test_public_docstring_has_numpydoc_sections(qualname, obj):
    """Functions: Parameters, Returns (or Yields), Examples; classes: Parameters (or
    Attributes) and Examples. The Examples run as doctests (``--doctest-modules``)."""
    missing = _missing_sections(obj)
    assert not missing, f"{qualname} lacks numpydoc sections: {missing}"
    if "Examples" not in missing:
        assert ">>>" in inspect.getdoc(obj), f"{qualname}: Examples has no runnable code"


# -- citations of the published methods -------------------------------------------------------
#: Public entry points that implement (or reproduce the setup of) a published method: each must
#: cite it in a numpydoc References section, and every citation label must be used in the text.
METHOD_ENTRY_POINTS = (
    "numsolve.minimize", "numsolve.solve_monotone", "numsolve.minimax", "numsolve.complete",
    "numsolve.lstsq", "numsolve.solve_batch", "numsolve.lasso", "numsolve.lasso_path",
    "numsolve.l1_logistic", "numsolve.l1_logistic_path",
    "numsolve.optimize.lasso_alpha_max", "numsolve.optimize.logistic_alpha_max",
    "numsolve.optimize.lasso_duality_gap", "numsolve.optimize.logistic_duality_gap",
    "numsolve.optimize.bcd.minimize_bcd", "numsolve.completion.altmin",
    "numsolve.monotone.FiniteSumOperator", "numsolve.monotone.Simplex",
    "numsolve.monotone.project_simplex",
    "numsolve.linalg.defcg", "numsolve.linalg.gcrodr", "numsolve.linalg.fcg",
    "numsolve.linalg.dcdm", "numsolve.linalg.gmres", "numsolve.linalg.fgmres",
    "numsolve.linalg.minres", "numsolve.linalg.SequenceSolver", "numsolve.linalg.sort_systems",
    "numsolve.linalg.MulticolorSOR", "numsolve.linalg.SORSmoother",
    "numsolve.linalg.SSORPreconditioner", "numsolve.linalg.ssor_preconditioner",
    "numsolve.linalg.young_omega", "numsolve.linalg.FixedOmega", "numsolve.linalg.TsallisINF",
    "numsolve.linalg.TsallisINFCB", "numsolve.linalg.ChebCB",
    "numsolve.linalg.MultilevelStencilModel", "numsolve.linalg.DirectionModel",
    "numsolve.linalg.sketch.Sketch", "numsolve.linalg.sketch.make_sketch",
    "numsolve.linalg.sketch.sketch", "numsolve.linalg.sketch.leverage_scores",
    "numsolve.linalg.sketch.embedding_sketch_size",
    "numsolve.problems.hock_schittkowski", "numsolve.problems.eq_problem",
    "numsolve.problems.bcd_dataset", "numsolve.problems.label_propagation",
    "numsolve.problems.matrix_game", "numsolve.problems.hard_qp",
    "numsolve.problems.dro_logistic",
)


@pytest.mark.parametrize("qualname", METHOD_ENTRY_POINTS)
def test_method_entry_point_cites_its_paper(qualname):
    """A numpydoc References section with unique labels, each cited as ``[label]_``."""
    from numpydoc.docscrape import ClassDoc, FunctionDoc

    obj = _resolve(qualname)
    doc = (ClassDoc(obj, config={"show_class_members": False}) if inspect.isclass(obj)
           else FunctionDoc(obj))
    refs = "\n".join(doc["References"])
    assert refs.strip(), f"{qualname} has no References section"
    labels = re.findall(r"^\.\. \[([^\]]+)\]", refs, re.M)
    assert labels, f"{qualname}: References holds no '.. [label]' citation"
    assert len(labels) == len(set(labels)), f"{qualname}: duplicate citation labels {labels}"
    text = inspect.getdoc(obj).split("References\n----------")[0]
    unused = [lab for lab in labels if f"[{lab}]_" not in text]
    assert not unused, f"{qualname}: citations never referenced in the text: {unused}"


# -- the decision guide and the results table --------------------------------------------------
def _registries():
    from numsolve._cli.demo import REGISTRIES

    return REGISTRIES


def test_decision_guide_names_every_registered_method():
    """docs/guide.rst names every method of every registry, as ``'name'`` (a prefix family
    such as ``'scipy:<name>'`` as ``'scipy:``)."""
    guide = (DOCS / "guide.rst").read_text()
    missing = []
    for entry_point, registry in _registries().items():
        for m in registry.methods():
            token = m.name.split(":")[0] + ":" if ":" in m.name else m.name + "'"
            if f"'{token}" not in guide:
                missing.append(f"{entry_point}: {m.name}")
    assert not missing, f"methods missing from docs/guide.rst: {missing}"


def test_results_table_has_a_row_per_family_with_its_command():
    """Every documented family (a registry's ``doc`` page) has a row in the results-at-a-glance
    table of docs/benchmarks.rst, and every row quotes the command that reproduces it."""
    text = (DOCS / "benchmarks.rst").read_text()
    section = text[text.index(".. _results-at-a-glance:"):]
    table = section[section.index(".. list-table::"):]
    lines = table.splitlines()[1:]
    end = next(i for i, line in enumerate(lines) if line and not line.startswith(" "))
    rows = "\n".join(lines[:end]).split("\n   * - ")[2:]  # [0]: options, [1]: header row
    pages = {m.doc for reg in _registries().values() for m in reg.methods() if m.doc}
    assert rows, "no rows in the results table"
    for page in pages:
        assert any(f":doc:`{page}`" in row for row in rows), f"no results row for {page}.rst"
    for row in rows:
        assert "python -m asv_benchmarks.compare." in row, f"row without a command: {row[:80]}"


# -- the gallery -------------------------------------------------------------------------------
def test_gallery_is_wired_and_examples_are_captioned():
    conf = (DOCS / "conf.py").read_text()
    assert "sphinx_gallery.gen_gallery" in conf and "../examples" in conf
    examples = sorted((ROOT / "examples").glob("plot_*.py"))
    assert examples
    for path in examples:
        src = path.read_text()
        doc = src.split('"""')[1]
        assert re.search(r"^=+$", doc, re.M), f"{path.name}: no title"
        assert "What to conclude" in doc, f"{path.name}: the caption must say what to conclude"
        assert "set_xlabel" in src and "set_ylabel" in src and "legend" in src, path.name
