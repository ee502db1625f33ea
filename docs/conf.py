"""Sphinx configuration for the numsolve documentation.

Build (warnings are errors, nitpicky cross-references, the gallery executed)::

    sphinx-build -W -n -b html docs docs/_build/html

The gallery (sphinx-gallery) runs every ``examples/plot_*.py`` at build time and puts the
rendered pages under ``docs/auto_examples`` (git-ignored); a new family only adds its
``examples/plot_<family>.py``.
"""

from __future__ import annotations

import os
import sys

# numsolve is normally installed (``pip install -e ".[docs]"``); fall back to the source tree.
sys.path.insert(0, os.path.abspath(".."))

import numsolve

# -- project ---------------------------------------------------------------------------------
project = "numsolve"
author = "numsolve developers"
copyright = "numsolve developers"
version = numsolve.__version__
release = numsolve.__version__

# -- general ---------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**/_build", "Thumbs.db", ".DS_Store",
                    "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "auto_examples/*.md5", "auto_examples/*.codeobj.json"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "autolink"
pygments_style = "sphinx"

# -- autodoc / autosummary -------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc renders the types from the docstrings

# -- numpydoc --------------------------------------------------------------------------------
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_show_inherited_class_members = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- intersphinx -----------------------------------------------------------------------------
# The build must work offline, so no inventories are fetched. To link to NumPy/SciPy/CuPy
# objects, add e.g. "scipy": ("https://docs.scipy.org/doc/scipy/", None) when online.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

# -- gallery (sphinx-gallery) ----------------------------------------------------------------
# Every examples/plot_*.py is executed at build time, so no figure can go stale. Examples are
# small (each runs in a few seconds on one core); ``abort_on_example_error`` makes a failing
# example fail the build.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "min_reported_time": 1,
    "show_memory": False,
    "plot_gallery": "True",
    "image_srcset": [],
    "line_numbers": False,
}

# -- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"numsolve {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_show_sourcelink = False

# -- tables generated from the code ----------------------------------------------------------
def _rst_directive(make_lines):
    """A directive that parses the reST lines ``make_lines()`` in place."""
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class Generated(SphinxDirective):
        has_content = False

        def run(self):
            node = nodes.section()
            node.document = self.state.document
            self.state.nested_parse(StringList(make_lines(), "<generated>"), 0, node)
            return node.children

    return Generated


def _status_table_lines():
    from numsolve._status import status_table

    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 10 25 65", "",
             "   * - status", "     - name", "     - message"]
    for code, name, message in status_table():
        lines += [f"   * - ``{code}``", f"     - ``{name}``", f"     - {message}"]
    return lines


def setup(app):
    app.add_directive("status-table", _rst_directive(_status_table_lines))


# -- nitpicky builds (``-n``) ----------------------------------------------------------------
# Without intersphinx inventories, references to SciPy/NumPy objects cannot resolve; ignore them
# so that ``sphinx-build -n`` reports only numsolve's own broken references.
nitpick_ignore_regex = [(r"py:.*", r"(scipy|numpy|cupy|cupyx)(\..*)?")]
