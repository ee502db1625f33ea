"""``python -m asv_benchmarks.compare``: list the comparison modules and their first lines."""

import importlib

from . import MODULES

for name in MODULES:
    doc = importlib.import_module(f"{__package__}.{name}").__doc__
    print(f"python -m {__package__}.{name:18s} {doc.strip().splitlines()[0]}")
print("\n--quick: a short smoke run; --blas-threads N: BLAS threads of every solver (default 1)")
