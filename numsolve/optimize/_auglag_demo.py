"""Demo entries of ``python -m numsolve demo`` for ``minimize(method='auglag')``."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["auglag_entry"]


def auglag_entry(problem: str = "hs77", kkt_solver: str = "direct") -> Callable:
    """Demo entry: an equality-constrained problem solved by ``method='auglag'`` next to
    SciPy's ``trust-constr`` with the same exact derivatives. The residual column is the KKT
    residual ``||(grad f + J^T v, c)||``.

    ``problem`` is a Hock-Schittkowski name (``'hs77'``) or ``'control'`` (Poisson optimal
    control on a ``size/4 x size/4`` grid).
    """

    def entry(settings) -> dict:
        import numpy as np
        from scipy.optimize import minimize as sp_minimize

        import numsolve
        from numsolve.__main__ import _row, _timed
        from numsolve.problems import hock_schittkowski, poisson_control

        if problem == "control":
            N = max(4, settings.size // 4)
            p = poisson_control(N)
            label = f"poisson control {N}x{N} (m={p.m})"
        else:
            p = hock_schittkowski(problem)
            label = f"{p.name} (m={p.m})"
        opts = {"kkt_solver": kkt_solver, "rng": settings.seed}
        if p.v0 is not None:
            opts["v0"] = p.v0
        res, t = _timed(lambda: numsolve.minimize(p.fun, p.x0, method="auglag", jac=p.jac,
                                                  hess=p.hess, constraints=p.constraints,
                                                  options=opts), settings.repeat)
        ref, tr = _timed(lambda: sp_minimize(p.fun, p.x0, jac=p.jac, hess=p.hess,
                                             method="trust-constr", constraints=p.constraints,
                                             options={"gtol": 1e-8, "maxiter": 3000}),
                         settings.repeat)
        ref_kkt = p.kkt_residual(ref.x, np.concatenate(ref.v))  # SciPy's L = f + v^T c
        return _row("minimize", f"auglag ({kkt_solver})", label, p.n, int(res.nit),
                    res.kkt_residual, t, res.success, "scipy trust-constr", int(ref.nit),
                    ref_kkt, tr, ref.success)

    entry.__name__ = f"auglag_entry[{problem},{kkt_solver}]"
    return entry
