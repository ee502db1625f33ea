"""Side-by-side comparisons of numsolve with SciPy, PyAMG and scikit-learn, in one process.

Run one from the repository root as ``python -m asv_benchmarks.compare.<module> [--quick]``;
``python -m asv_benchmarks.compare`` lists them. Every module times its competitors with
interleaved repetitions under the same BLAS thread count (``--blas-threads``, default 1) and
reports medians, minima and ratios; the shared machinery is :mod:`._common`.

========================  =================================================================
module                    measures
========================  =================================================================
``cg``                    CG and batched CG vs ``scipy.sparse.linalg.cg`` (2-D Poisson)
``dcdm``                  DCDM, FCG, GMRES, FGMRES, MINRES vs SciPy's Krylov solvers
``lstsq``                 ``numsolve.lstsq`` (sketch) vs ``scipy.linalg.lstsq`` and ``lsqr``
``logistic``              Newton sketch vs L-BFGS-B and scikit-learn's newton-cholesky
``sor``                   SOR sweep vs PyAMG; omega tuners on SOR / SSOR-CG sequences
``tsallis_limits``        Tsallis-INF variants against hindsight bounds (iterations only)
``chebcb_limits``         ChebCB variants against hindsight bounds (iterations only)
``auglag``                ``minimize(method='auglag')`` vs SLSQP and trust-constr
``auglag_one_vector``     auglag's one-vector sketch KKT solvers on the HS set
``monotone``              VR-Halpern vs Halpern / EG / EAG at equal component-evaluation budgets
``auglag_suite``          auglag vs trust-constr and SLSQP on the robustness suite EQ_SUITE
``completion``            ``numsolve.complete`` vs JNS13 AltMin, softImpute-ALS, surprise SVD
``recycling``             recycling + sorting vs independent CG/GMRES, gcrotmk (CU), reused
                          AMG; Dask throughput with 1 and 2 workers
``bcd_rules``             BCD selection-rule ranking (recipe A), tree vs red-black blocks
``bcd_lattice``           forest partitions on the lattice: spectral radii, predicted and
                          measured iteration ratios (iterations only)
``lasso``                 Lasso / L1-logistic vs scikit-learn, skglm, celer (same gap)
========================  =================================================================
"""

MODULES = ("cg", "dcdm", "lstsq", "logistic", "sor", "tsallis_limits", "chebcb_limits",
           "auglag", "auglag_one_vector", "auglag_suite", "completion", "recycling",
           "bcd_rules", "bcd_lattice", "monotone", "lasso")
