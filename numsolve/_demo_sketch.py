"""Demo entries of the sketching toolkit (``python -m numsolve demo``)."""

from __future__ import annotations

import numpy as np

__all__ = ["newton_sketch_entry", "lstsq_entry"]


def newton_sketch_entry(settings) -> dict:
    """``minimize(method='newton-sketch')`` on L2 logistic regression vs SciPy's newton-cg.

    ``200 * size`` samples, ``size // 2`` features with column scales 1e-2 .. 1e2; the residual
    column is the gradient norm relative to the one at ``x0 = 0``. SciPy (1.17 at least)
    ends newton-cg with status 2 ("precision loss") once its line search meets round-off at
    the minimiser; the reference row counts as a success when it reached the same relative
    gradient as numsolve is asked for (1e-8), whatever its status.
    """
    import scipy.optimize as sopt

    import numsolve
    from numsolve.__main__ import _row, _timed
    from numsolve.objectives import BinaryLogistic

    n, d = 200 * settings.size, max(4, settings.size // 2)
    rng = settings.rng(5)
    sc = np.logspace(-2, 2, d)
    A = rng.standard_normal((n, d)) * sc
    y = np.sign(A @ (rng.standard_normal(d) / sc) + rng.standard_normal(n))
    f = BinaryLogistic(A, y, l2=1.0)
    g0 = float(np.linalg.norm(f.grad(np.zeros(d))))
    grtol = 1e-8
    opts = {"grtol": grtol, "gtol": 0.0, "rng": 0}
    res, t = _timed(lambda: numsolve.minimize(f, np.zeros(d), method="newton-sketch",
                                              options=opts), settings.repeat)
    ref, tr = _timed(lambda: sopt.minimize(f, np.zeros(d), jac=f.grad, hessp=f.hessp,
                                           method="newton-cg", options={"xtol": 1e-12}),
                     settings.repeat)
    gr = float(np.linalg.norm(f.grad(res.x))) / g0
    grr = float(np.linalg.norm(f.grad(ref.x))) / g0
    ref_ok = bool(ref.success) or (int(ref.status) == 2 and grr <= grtol)
    return _row("minimize", "newton-sketch", f"logistic {n}x{d}", d, int(res.nit), gr, t,
                res.success, "scipy newton-cg", int(ref.nit), grr, tr, ref_ok)


def lstsq_entry(settings) -> dict:
    """``numsolve.lstsq`` on a tall ill-conditioned problem vs :func:`scipy.linalg.lstsq`.

    The residual column is the relative error against the known solution.
    """
    import scipy.linalg as sl

    import numsolve
    from numsolve.__main__ import _row, _timed

    n, d = 400 * settings.size, max(4, settings.size)
    rng = settings.rng(6)
    U = np.linalg.qr(rng.standard_normal((n, d)))[0]
    V = np.linalg.qr(rng.standard_normal((d, d)))[0]
    A = (U * np.logspace(0, -6, d)) @ V.T
    x_true = rng.standard_normal(d)
    r = rng.standard_normal(n)
    r -= U @ (U.T @ r)
    b = A @ x_true + 1e-3 * r / np.linalg.norm(r)
    res, t = _timed(lambda: numsolve.lstsq(A, b, options={"rng": 0}), settings.repeat)
    (xr, *_), tr = _timed(lambda: sl.lstsq(A, b), settings.repeat)

    def err(x):
        return float(np.linalg.norm(x - x_true) / np.linalg.norm(x_true))

    return _row("lstsq", "sketch", f"dense {n}x{d} cond 1e6", d, int(res.nit), err(res.x), t,
                res.success, "scipy lstsq", 0, err(xr), tr, True)
