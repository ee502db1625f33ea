"""Optimization: :func:`minimize` and its methods.

``method='scipy:<name>'`` reaches every :func:`scipy.optimize.minimize` method; numsolve's own
methods are added to :data:`MINIMIZE_METHODS` by their modules' registry entries.

L1 estimators (functions, not methods): :func:`lasso`, :func:`lasso_path`, :func:`l1_logistic`,
:func:`l1_logistic_path` (working sets, Anderson extrapolation, gap-safe screening, duality-gap
certificates).
"""

from ._l1path import (
    l1_logistic,
    l1_logistic_path,
    lasso,
    lasso_alpha_max,
    lasso_duality_gap,
    lasso_path,
    logistic_alpha_max,
    logistic_duality_gap,
)
from ._minimize import MINIMIZE_METHODS, SCIPY_METHODS, minimize

__all__ = ["minimize", "MINIMIZE_METHODS", "SCIPY_METHODS", "lasso", "lasso_path",
           "l1_logistic", "l1_logistic_path", "lasso_alpha_max", "logistic_alpha_max",
           "lasso_duality_gap", "logistic_duality_gap"]
