"""asv benchmarks for numsolve (run from ``asv_benchmarks/``; see ``../README.md``)."""
