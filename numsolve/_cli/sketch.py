"""Demo recipes of the sketching family: ``lstsq`` and ``minimize(method='newton-sketch')``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import scipy.linalg as sl
import scipy.optimize as sopt

import numsolve

from ..objectives import BinaryLogistic
from ._common import DemoSettings, row, timed

__all__ = ["RECIPES", "lstsq_entry", "newton_sketch_entry"]


def newton_sketch_entry(method: str = "newton-sketch",
                        options: Mapping | None = None) -> Callable[[DemoSettings], dict]:
    """``minimize(method='newton-sketch')`` on L2 logistic regression vs SciPy's newton-cg.

    ``200 * size`` samples, ``size // 2`` features with column scales 1e-2 .. 1e2; the residual
    column is the gradient norm relative to the one at ``x0 = 0``. SciPy (1.17 at least)
    ends newton-cg with status 2 ("precision loss") once its line search meets round-off at
    the minimiser; the reference row counts as a success when it reached the same relative
    gradient as numsolve is asked for (1e-8), whatever its status.
    """

    def entry(settings: DemoSettings) -> dict:
        n, d = 200 * settings.size, max(4, settings.size // 2)
        rng = settings.rng(5)
        sc = np.logspace(-2, 2, d)
        A = rng.standard_normal((n, d)) * sc
        y = np.sign(A @ (rng.standard_normal(d) / sc) + rng.standard_normal(n))
        f = BinaryLogistic(A, y, l2=1.0)
        g0 = float(np.linalg.norm(f.grad(np.zeros(d))))
        grtol = 1e-8
        opts = {"grtol": grtol, "gtol": 0.0, "rng": 0, **(options or {})}
        res, t = timed(lambda: numsolve.minimize(f, np.zeros(d), method=method, options=opts),
                       settings.repeat)
        ref, tr = timed(lambda: sopt.minimize(f, np.zeros(d), jac=f.grad, hessp=f.hessp,
                                              method="newton-cg", options={"xtol": 1e-12}),
                        settings.repeat)
        gr = float(np.linalg.norm(f.grad(res.x))) / g0
        grr = float(np.linalg.norm(f.grad(ref.x))) / g0
        ref_ok = bool(ref.success) or (int(ref.status) == 2 and grr <= grtol)
        return row("minimize", method, f"logistic {n}x{d}", d, int(res.nit), gr, t,
                   res.success, "scipy newton-cg", int(ref.nit), grr, tr, ref_ok)

    entry.__name__ = f"newton_sketch_entry[{method}]"
    return entry


def lstsq_entry(method: str = "sketch",
                options: Mapping | None = None) -> Callable[[DemoSettings], dict]:
    """``numsolve.lstsq`` on a tall ill-conditioned problem vs :func:`scipy.linalg.lstsq`.

    The residual column is the relative error against the known solution.
    """

    def entry(settings: DemoSettings) -> dict:
        n, d = 400 * settings.size, max(4, settings.size)
        rng = settings.rng(6)
        U = np.linalg.qr(rng.standard_normal((n, d)))[0]
        V = np.linalg.qr(rng.standard_normal((d, d)))[0]
        A = (U * np.logspace(0, -6, d)) @ V.T
        x_true = rng.standard_normal(d)
        r = rng.standard_normal(n)
        r -= U @ (U.T @ r)
        b = A @ x_true + 1e-3 * r / np.linalg.norm(r)
        res, t = timed(lambda: numsolve.lstsq(A, b, method=method, options=options),
                       settings.repeat)
        (xr, *_), tr = timed(lambda: sl.lstsq(A, b), settings.repeat)

        def err(x):
            return float(np.linalg.norm(x - x_true) / np.linalg.norm(x_true))

        return row("lstsq", method, f"dense {n}x{d} cond 1e6", d, int(res.nit), err(res.x), t,
                   res.success, "scipy lstsq", 0, err(xr), tr, True)

    entry.__name__ = f"lstsq_entry[{method}]"
    return entry


#: ``(entry point, problem) -> recipe(method, options) -> entry``
RECIPES = {
    ("lstsq", "ill-conditioned"): lambda m, o: lstsq_entry(m, o),
    ("minimize", "logistic"): lambda m, o: newton_sketch_entry(m, o),
}
