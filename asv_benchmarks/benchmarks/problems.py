"""Problem generators and reference solver calls shared by the asv suite and the side-by-side
comparisons (:mod:`asv_benchmarks.compare` imports them from here).

asv imports the suite as the top-level package ``benchmarks`` from ``asv_benchmarks/`` in a
temporary working directory, so the suite can import only itself, numsolve and their
dependencies; the pieces both need live here.

* :func:`scipy_cg` - ``scipy.sparse.linalg.cg`` with its iterations counted;
* :func:`dense_problem`, :func:`sparse_problem` - the least-squares problems of
  ``sketch.LstsqDense`` / ``sketch.LstsqSparse`` and ``compare.lstsq``;
* :func:`logistic_problem` - the badly scaled logistic regression of
  ``sketch.LogisticNewtonSketch`` and ``compare.logistic``.
"""

from __future__ import annotations

import numpy as np

SEED = 1234


def scipy_cg(A, b, rtol):
    """``scipy.sparse.linalg.cg(A, b, rtol=rtol, atol=0)``: (iterations, x, converged).

    The iterations are counted with a callback: one trivial Python call per iteration,
    negligible next to a sparse mat-vec.
    """
    import scipy.sparse.linalg as sla

    count = [0]

    def cb(xk):
        count[0] += 1

    x, info = sla.cg(A, b, rtol=rtol, atol=0.0, callback=cb)
    return count[0], x, info == 0


def dense_problem(n, d, cond, seed=SEED):
    """Dense ``n x d`` least squares, ``A = U diag(s) V^T`` with singular values log-spaced
    from 1 to ``1/cond``; ``b = A x_true + r``, ``r`` orthogonal to ``range(A)`` with
    ``||r|| = ||A x_true||``. Returns ``(A, x_true, b)``."""
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((n, d)))[0]
    V = np.linalg.qr(rng.standard_normal((d, d)))[0]
    s = np.logspace(0, -np.log10(cond), d)
    A = (U * s) @ V.T
    x_true = rng.standard_normal(d)
    Ax = A @ x_true
    r = rng.standard_normal(n)
    r -= U @ (U.T @ r)
    r *= np.linalg.norm(Ax) / np.linalg.norm(r)
    return np.ascontiguousarray(A), x_true, Ax + r


def sparse_problem(n, d, density, decades, seed=SEED):
    """Sparse CSR ``n x d`` least squares with at least one entry per column and column scales
    ``10**U(-decades, decades)``; ``b = A x0 + noise`` (1% of ``||A x0||``). Returns
    ``(A, b)``."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    A = sp.random(n, d, density=density, format="csr", random_state=rng,
                  data_rvs=rng.standard_normal)
    # one guaranteed entry per column (full column rank)
    rows = rng.choice(n, size=d, replace=False)
    A = (A + sp.csr_matrix((rng.standard_normal(d) + 3.0, (rows, np.arange(d))), shape=(n, d)))
    A = (A @ sp.diags(10.0 ** rng.uniform(-decades, decades, d))).tocsr()
    x_true = rng.standard_normal(d)
    b = A @ x_true
    b = b + 1e-2 * np.linalg.norm(b) / np.sqrt(n) * rng.standard_normal(n)
    return A, b


def logistic_problem(n, d, decades=3.0, seed=SEED):
    """Binary logistic regression data: ``A`` (``n x d``) standard normal columns scaled by
    ``10**linspace(-decades, decades, d)``, labels ``y = sign(A w + noise)`` with
    ``w_j ~ N(0, 1) / scale_j``. Returns ``(A, y)``."""
    rng = np.random.default_rng(seed)
    scale = 10.0 ** np.linspace(-decades, decades, d)
    A = rng.standard_normal((n, d))
    A *= scale
    w = rng.standard_normal(d) / scale
    y = np.sign(A @ w + rng.standard_normal(n))
    y[y == 0] = 1
    return A, y
