"""numsolve's benchmarks (not installed with numsolve; run from the repository root).

* ``benchmarks/`` - the airspeed velocity (asv) suite (``cd asv_benchmarks && asv run ...``);
  asv imports it as the top-level package ``benchmarks``, never through this package.
* :mod:`asv_benchmarks.compare` - side-by-side comparisons with SciPy, PyAMG and scikit-learn,
  run as ``python -m asv_benchmarks.compare.<module>``.

See ``asv_benchmarks/README.md``.
"""
