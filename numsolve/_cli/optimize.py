"""Demo recipes of ``minimize``: Rosenbrock (against SciPy's BFGS, or the same SciPy method for
``'scipy:<name>'``) and equality-constrained problems (against ``trust-constr``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import scipy.optimize as sopt

import numsolve

from ..problems import hock_schittkowski, poisson_control
from ._common import DemoSettings, row, timed

__all__ = ["RECIPES", "auglag_entry", "minimize_entry"]

_ROSEN_X0 = (1.3, 0.7, 0.8, 1.9, 1.2)


def minimize_entry(method: str, *,
                   options: Mapping[str, Any] | None = None) -> Callable[[DemoSettings], dict]:
    """Demo entry: ``numsolve.minimize`` on the 5-D Rosenbrock function vs SciPy's BFGS.

    The residual column holds the gradient norm ``||grad f(x)||`` at the returned point. For a
    ``'scipy:<name>'`` method the reference is ``scipy.optimize.minimize(method=<name>)``: the
    two lines must agree exactly, which checks the pass-through routing (the entry reports
    failure otherwise).

    Parameters
    ----------
    method : str
        A :data:`numsolve.optimize.MINIMIZE_METHODS` name or ``'scipy:<name>'``.
    options : dict, optional
        Passed as ``options=`` to both minimizers when the method is a SciPy one, to numsolve
        only otherwise.

    Returns
    -------
    entry : callable
        ``entry(settings) -> row``.
    """
    passthrough = method.lower().startswith("scipy:")
    ref_method = method.split(":", 1)[1] if passthrough else "BFGS"

    def entry(settings: DemoSettings) -> dict:
        x0 = np.array(_ROSEN_X0)
        res, t = timed(lambda: numsolve.minimize(sopt.rosen, x0, method=method,
                                                  jac=sopt.rosen_der, options=options),
                        settings.repeat)
        ref_opts = dict(options) if passthrough and options else None
        ref, tr = timed(lambda: sopt.minimize(sopt.rosen, x0, method=ref_method,
                                               jac=sopt.rosen_der, options=ref_opts),
                         settings.repeat)
        ok = bool(res.success)
        if passthrough:  # same numbers: proves the routing
            ok = ok and int(res.nit) == int(ref.nit) and np.array_equal(res.x, ref.x)
        gnorm = float(np.linalg.norm(sopt.rosen_der(res.x)))
        ref_gnorm = float(np.linalg.norm(sopt.rosen_der(ref.x)))
        return row("minimize", method, f"rosenbrock {x0.size}-D", x0.size, int(res.nit),
                    gnorm, t, ok, f"scipy {ref_method}", int(ref.nit), ref_gnorm, tr,
                    ref.success)

    entry.__name__ = f"minimize_entry[{method}]"
    return entry


def auglag_entry(method: str = "auglag", problem: str = "hs77",
                 options: Mapping | None = None) -> Callable[[DemoSettings], dict]:
    """Demo entry: an equality-constrained problem solved by ``method`` (``'auglag'``) next to
    SciPy's ``trust-constr`` with the same exact derivatives. The residual column is the KKT
    residual ``||(grad f + J^T v, c)||``.

    ``problem`` is a Hock-Schittkowski name (``'hs77'``) or ``'poisson-control'`` (Poisson
    optimal control on a ``size/4 x size/4`` grid).
    """
    options = dict(options or {})

    def entry(settings: DemoSettings) -> dict:
        if problem == "poisson-control":
            N = max(4, settings.size // 4)
            p = poisson_control(N)
            label = f"poisson control {N}x{N} (m={p.m})"
        else:
            p = hock_schittkowski(problem)
            label = f"{p.name} (m={p.m})"
        opts = {"rng": settings.seed, **options}
        if p.v0 is not None:
            opts["v0"] = p.v0
        res, t = timed(lambda: numsolve.minimize(p.fun, p.x0, method=method, jac=p.jac,
                                                 hess=p.hess, constraints=p.constraints,
                                                 options=opts), settings.repeat)
        ref, tr = timed(lambda: sopt.minimize(p.fun, p.x0, jac=p.jac, hess=p.hess,
                                              method="trust-constr", constraints=p.constraints,
                                              options={"gtol": 1e-8, "maxiter": 3000}),
                        settings.repeat)
        ref_kkt = p.kkt_residual(ref.x, np.concatenate(ref.v))  # SciPy's L = f + v^T c
        solver = opts.get("kkt_solver", "direct")
        return row("minimize", f"{method} ({solver})", label, p.n, int(res.nit),
                   res.kkt_residual, t, res.success, "scipy trust-constr", int(ref.nit),
                   ref_kkt, tr, ref.success)

    entry.__name__ = f"auglag_entry[{problem},{options.get('kkt_solver', 'direct')}]"
    return entry


#: ``(entry point, problem) -> recipe(method, options) -> entry``
RECIPES = {
    ("minimize", "rosenbrock"): lambda m, o: minimize_entry(m, options=o),
    ("minimize", "hs77"): lambda m, o: auglag_entry(m, "hs77", o),
    ("minimize", "poisson-control"): lambda m, o: auglag_entry(m, "poisson-control", o),
}
