"""asv benchmarks of the L1 estimators (:func:`numsolve.lasso`, :func:`numsolve.l1_logistic`,
their paths) and the problem generators shared with :mod:`asv_benchmarks.compare.lasso`.

Designs (issue 15): (a) ``n x p`` i.i.d. Gaussian, (b) Gaussian with correlation
``rho^|i - j|`` between columns (an AR(1) process along the columns), (c) sparse CSC with i.i.d.
Gaussian entries at a given density; ``y = X w* + noise`` with ``k`` nonzero coefficients.
L1-logistic: scikit-learn's bundled ``breast_cancer`` (standardized) or ``digits`` (0-4 vs
5-9, standardized). Every kernel is compiled in ``setup`` (Numba's cache), so compile time is
never timed.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def design_iid(n=10_000, p=1_000, k=50, seed=0):
    """(a): i.i.d. N(0, 1) design, Fortran order; ``y = X w* + N(0, 1)``, ``k`` nonzeros."""
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)))
    return X, _response(X, k, rng)


def design_correlated(n=5_000, p=2_000, rho=0.8, k=50, seed=0):
    """(b): columns with correlation ``rho^|i - j|`` (x_j = rho x_{j-1} + sqrt(1 - rho^2) e_j)."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    s = np.sqrt(1.0 - rho * rho)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + s * rng.standard_normal(n)
    return X, _response(X, k, rng)


def design_sparse(n=100_000, p=20_000, density=1e-3, k=100, seed=0):
    """(c): CSC with N(0, 1) entries at ``density`` (each column ~ n density nonzeros)."""
    rng = np.random.default_rng(seed)
    nnz_col = rng.binomial(n, density, size=p)
    indptr = np.concatenate([[0], np.cumsum(nnz_col)])
    indices = np.concatenate([np.sort(rng.choice(n, c, replace=False)) for c in nnz_col])
    X = sp.csc_matrix((rng.standard_normal(indptr[-1]), indices, indptr), shape=(n, p))
    return X, _response(X, k, rng)


def _response(X, k, rng):
    p = X.shape[1]
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    y = X @ w
    return y + rng.standard_normal(X.shape[0]) * max(np.std(y), 1e-12) * 0.5


def logistic_dataset(name="breast_cancer"):
    """A bundled scikit-learn data set, standardized, labels in {-1, +1}."""
    from sklearn import datasets

    if name == "breast_cancer":
        X, y = datasets.load_breast_cancer(return_X_y=True)
        y = np.where(y == 1, 1.0, -1.0)
    elif name == "digits":
        X, y = datasets.load_digits(return_X_y=True)
        y = np.where(y >= 5, 1.0, -1.0)
    else:
        raise ValueError(f"unknown data set {name!r}")
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    return np.asfortranarray(X), y


class LassoDense:
    """Lasso at 0.05 alpha_max on (a) and (b), scaled down (2000 x 500) for asv."""

    params = ["iid", "correlated"]
    param_names = ["design"]

    def setup(self, design):
        from numsolve.optimize import lasso, lasso_alpha_max

        gen = design_iid if design == "iid" else design_correlated
        self.X, self.y = gen(2_000, 500, k=20)
        self.alpha = 0.05 * lasso_alpha_max(self.X, self.y)
        self.lasso = lasso
        lasso(self.X, self.y, self.alpha)  # compile

    def time_lasso(self, design):
        self.lasso(self.X, self.y, self.alpha)

    def peakmem_lasso(self, design):
        self.lasso(self.X, self.y, self.alpha)


class LassoSparse:
    """Lasso at 0.05 alpha_max on a sparse CSC design (20000 x 5000, 0.1%)."""

    def setup(self):
        from numsolve.optimize import lasso, lasso_alpha_max

        self.X, self.y = design_sparse(20_000, 5_000, k=50)
        self.alpha = 0.05 * lasso_alpha_max(self.X, self.y)
        self.lasso = lasso
        lasso(self.X, self.y, self.alpha)

    def time_lasso(self):
        self.lasso(self.X, self.y, self.alpha)


class LassoPath:
    """A 20-point Lasso path (eps = 1e-2) with warm starts on (a) 2000 x 500."""

    def setup(self):
        from numsolve.optimize import lasso_path

        self.X, self.y = design_iid(2_000, 500, k=20)
        self.path = lasso_path
        lasso_path(self.X, self.y, n_alphas=3)

    def time_lasso_path(self):
        self.path(self.X, self.y, n_alphas=20, eps=1e-2)


class L1Logistic:
    """L1-logistic at 0.05 alpha_max on the bundled data sets."""

    params = ["breast_cancer", "digits"]
    param_names = ["dataset"]

    def setup(self, dataset):
        from numsolve.optimize import l1_logistic, logistic_alpha_max

        self.X, self.y = logistic_dataset(dataset)
        self.alpha = 0.05 * logistic_alpha_max(self.X, self.y)
        self.fit = l1_logistic
        l1_logistic(self.X, self.y, self.alpha)

    def time_l1_logistic(self, dataset):
        self.fit(self.X, self.y, self.alpha)
