"""pytest collects the ``>>>`` examples of the user-guide pages (``--doctest-glob=*.rst``).

Only the hand-written pages are collected: not this configuration, the Sphinx configuration,
the build output, the pages autosummary generates, or the gallery's generated copies of
``examples/`` (those run at documentation build time).
"""

collect_ignore = ["conf.py", "gallery_style.py"]
collect_ignore_glob = ["_build/*", "generated/*", "auto_examples/*", "_templates/*"]
