"""Optimization: :func:`minimize` and its methods.

``method='scipy:<name>'`` reaches every :func:`scipy.optimize.minimize` method; numsolve's own
methods are added to :data:`MINIMIZE_METHODS` by their modules' registry entries.
"""

from ._minimize import MINIMIZE_METHODS, SCIPY_METHODS, minimize

__all__ = ["minimize", "MINIMIZE_METHODS", "SCIPY_METHODS"]
