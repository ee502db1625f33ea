"""Part (b) of the GPU check: every public method once on device inputs against its NumPy result.

Each check builds a small problem on the host, runs the method on the device copies (counting
host <-> device copies while it runs) and on the host arrays, and passes when the device result
is a device array, the solve succeeded, and the two results agree within the tolerance of the
corresponding CPU test. Host-only methods (``auglag``, ``scipy:<name>``, :class:`SORSmoother`)
must refuse device input with a ``TypeError``. A last check lists every registered method (of
every registry the demo knows) that no check covers, so new families show up here.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from gpu_check_common import Device, Skip, fmt_transfers, rel_diff

import numsolve
from numsolve.linalg import (
    ChebCB,
    MulticolorSOR,
    MultilevelStencilModel,
    SORSmoother,
    TsallisINF,
    ssor_preconditioner,
    young_omega,
)
from numsolve.linalg.sketch import SKETCH_KINDS, leverage_scores, make_sketch, sketch
from numsolve.objectives import BinaryLogistic, LeastSquares, MultinomialLogistic
from numsolve.problems import (
    low_rank_completion,
    poisson2d,
    random_spd,
    shifted_poisson_sequence,
)


# --------------------------------------------------------------------------------------------
# problems (host)
# --------------------------------------------------------------------------------------------
def _rng(seed=0):
    return np.random.default_rng(seed)


def _general(n=50, seed=0):
    return np.eye(n) * 3 + _rng(seed).standard_normal((n, n)) / np.sqrt(n)


def _indefinite(n=40, seed=0):
    Q = np.linalg.qr(_rng(seed).standard_normal((n, n)))[0]
    ev = np.concatenate([-np.linspace(1, 10, n // 2), np.linspace(1, 10, n - n // 2)])
    return (Q * ev) @ Q.T


def _ill_conditioned(n=600, d=10, cond=1e4, seed=5):
    """``A = U diag(s) V^T`` (as tests/linalg/sketch/test_lstsq.py), ``b = A x + r``."""
    rng = _rng(seed)
    U = np.linalg.qr(rng.standard_normal((n, d)))[0]
    V = np.linalg.qr(rng.standard_normal((d, d)))[0]
    A = (U * np.logspace(0, -np.log10(cond), d)) @ V.T
    return A, A @ rng.standard_normal(d) + 1e-3 * rng.standard_normal(n)


_MODEL = {}


def _dcdm_model():
    if "m" not in _MODEL:
        _MODEL["m"] = MultilevelStencilModel().fit(poisson2d(15), rng=0)
    return _MODEL["m"]


#: name -> (host matrix builder, sparse on the device?)
PROBLEMS = {
    "poisson32": (lambda: poisson2d(32), True),
    "poisson16": (lambda: poisson2d(16), True),
    "spd60": (lambda: random_spd(60, cond=100, rng=2), False),
    "general50": (_general, False),
    "indefinite40": (_indefinite, False),
    "poisson15-dense": (lambda: poisson2d(15).toarray(), False),
    "kaczmarz80": (lambda: _general(80, 3) - np.eye(80), False),
}

#: solve(method) cases: (method, problem, options, tolerance of the CPU test)
SOLVE_CASES = [
    ("cg", "poisson32", {"rtol": 1e-10}, 1e-7),
    ("cg", "spd60", {"rtol": 1e-10}, 1e-7),
    ("direct", "general50", {}, 1e-10),
    ("direct", "poisson16", {}, 1e-10),
    ("fcg", "spd60", {"rtol": 1e-10}, 1e-7),
    ("fcg", "poisson32", {"rtol": 1e-10}, 1e-7),
    ("dcdm", "poisson15-dense", {"rtol": 1e-10, "model": "fitted"}, 1e-7),
    ("gmres", "general50", {"rtol": 1e-10, "restart": 10}, 1e-7),
    ("fgmres", "general50", {"rtol": 1e-10, "restart": 10}, 1e-7),
    ("minres", "indefinite40", {"rtol": 1e-10}, 1e-7),
    ("sor", "poisson16", {"rtol": 1e-10, "omega": 1.2, "ordering": "multicolor"}, 1e-7),
    ("ssor-cg", "poisson16", {"rtol": 1e-10, "omega": 1.2, "ordering": "multicolor"}, 1e-7),
    ("defcg", "poisson32", {"rtol": 1e-10, "k": 6}, 1e-7),
    ("gcrodr", "general50", {"rtol": 1e-10, "k": 5, "restart": 15}, 1e-7),
    ("sketch-project", "kaczmarz80", {"rtol": 1e-9, "rng": 7, "block_size": 8}, 1e-6),
]


# --------------------------------------------------------------------------------------------
# verdicts
# --------------------------------------------------------------------------------------------
def _on_device(dev: Device, x) -> bool:
    if isinstance(x, list):
        return all(_on_device(dev, v) for v in x)
    if dev.is_device(x):
        return True
    if dev.dry:  # the stand-in's sparse matrices are SciPy's
        return sp.issparse(x)
    return type(x).__module__.startswith("cupyx.scipy.sparse")


def _host_x(dev: Device, x) -> np.ndarray:
    if isinstance(x, list):
        return np.concatenate([np.ravel(dev.host(v)) for v in x])
    h = dev.host(x)
    return h.toarray() if sp.issparse(h) else np.asarray(h)


def _typename(x) -> str:
    x = x[0] if isinstance(x, list) else x
    return f"{type(x).__module__.split('.')[0]}.{type(x).__name__}"


def verdict(dev: Device, out_dev, out_host, tol: float, transfers: dict,
            attr: str | None = "x") -> tuple[str, dict]:
    """Compare a device result with the host result; raise AssertionError on a failure."""
    x_dev = getattr(out_dev, attr) if attr else out_dev
    x_host = getattr(out_host, attr) if attr else out_host
    if not _on_device(dev, x_dev):
        raise AssertionError(f"result is a {_typename(x_dev)}, not a {dev.name} array")
    for side, res in (("device", out_dev), ("host", out_host)):
        if attr and not np.all(np.asarray(getattr(res, "success", True))):
            raise AssertionError(f"success=False on the {side}: {getattr(res, 'message', '')}")
    err = rel_diff(_host_x(dev, x_dev), _host_x(dev, x_host))
    data = {"rel_diff": err, "tol": tol, "transfers": transfers}
    nit = ""
    if attr and hasattr(out_dev, "nit"):
        nd, nh = np.max(np.asarray(out_dev.nit)), np.max(np.asarray(out_host.nit))
        data.update(nit_device=int(nd), nit_host=int(nh))
        nit = f"; nit {nd} vs host {nh}"
    if not err <= tol:
        raise AssertionError(f"rel. diff to NumPy {err:.2e} > tol {tol:.0e}{nit}")
    return (f"rel.diff {err:.1e} <= {tol:.0e}{nit}; {_typename(x_dev)}; "
            f"{fmt_transfers(transfers)}"), data


def compare(dev: Device, fn, dev_args: tuple, host_args: tuple, tol: float, **kw):
    """Run ``fn`` on the device arguments (transfers counted) and on the host ones."""
    with dev.transfers() as counter:
        out_dev = fn(*dev_args)
        dev.sync()
    return verdict(dev, out_dev, fn(*host_args), tol, counter.summary(), **kw)


def expect_type_error(fn, must_mention: str) -> tuple[str, dict]:
    try:
        fn()
    except TypeError as exc:
        if must_mention.lower() not in str(exc).lower():
            raise AssertionError(f"TypeError without {must_mention!r}: {exc}") from None
        return f"refused with TypeError: {str(exc)[:90]}", {}
    raise AssertionError("device input was accepted (expected a TypeError)")


# --------------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------------
def check_solve(dev: Device, method: str, problem: str, options: dict, tol: float):
    build, sparse = PROBLEMS[problem]
    A = build()
    b = _rng(1).standard_normal(A.shape[0])
    opts = dict(options)
    if opts.get("model") == "fitted":
        opts["model"] = _dcdm_model()
    A_dev = dev.sparse(A) if sparse else dev.asarray(A)

    def run(A_, b_):
        return numsolve.solve(A_, b_, method=method, **opts)

    return compare(dev, run, (A_dev, dev.asarray(b)), (A, b), tol)


def check_batch_columns(dev: Device, method: str):
    A = poisson2d(16)
    B = _rng(2).standard_normal((A.shape[0], 8))

    def run(A_, B_):
        return numsolve.solve_batch(A_, B_, method=method, rtol=1e-10)

    return compare(dev, run, (dev.sparse(A), dev.asarray(B)), (A, B),
                   1e-7 if method == "cg" else 1e-10)


def check_batch_stack(dev: Device, method: str):
    As = np.stack([random_spd(12, cond=50, rng=i) for i in range(6)])
    Bs = _rng(3).standard_normal((6, 12))

    def run(A_, B_):
        return numsolve.solve_batch(A_, B_, method=method, rtol=1e-11)

    return compare(dev, run, (dev.asarray(As), dev.asarray(Bs)), (As, Bs),
                   1e-8 if method == "cg" else 1e-10)


def check_batch_list_refused(dev: Device):
    """A list of systems is host-only (numsolve/linalg/krylov/_batch.py: "on the GPU stack
    dense systems as an (m, n, n) array"): device matrices in a list must raise TypeError."""
    As = [poisson2d(8), poisson2d(10)]
    bs = [_rng(4).standard_normal(A.shape[0]) for A in As]
    if dev.dry:  # the stand-in's arrays are host arrays: use the foreign namespace
        As_dev = [dev.foreign(A.toarray()) for A in As]
        bs_dev = [dev.foreign(b) for b in bs]
        if As_dev[0] is None:
            raise Skip("array_api_strict is not installed (the dry run's foreign namespace)")
    else:
        As_dev, bs_dev = [dev.sparse(A) for A in As], [dev.asarray(b) for b in bs]
    return expect_type_error(lambda: numsolve.solve_batch(As_dev, bs_dev, rtol=1e-10), "GPU")


def check_sequence(dev: Device, method: str, tuner_cls):
    """A tuner learning omega over a sequence of shifted Poisson systems (multicolour order on
    both sides, so that the iteration counts and hence the tuner's choices can agree)."""
    seq = list(shifted_poisson_sequence(6, "low", rng=0))
    seq_dev = [(dev.sparse(A), dev.asarray(b), c) for A, b, c in seq]

    def run(systems):
        return numsolve.solve_batch(systems, method=method, omega=tuner_cls(rng=0), rtol=1e-8,
                                    ordering="multicolor")

    with dev.transfers() as counter:
        r_dev = run(seq_dev)
        dev.sync()
    r_host = run(seq)
    detail, data = verdict(dev, r_dev, r_host, 1e-6, counter.summary())
    same = bool(np.array_equal(r_dev.omega, r_host.omega))
    data.update(omega_device=r_dev.omega, omega_host=r_host.omega, same_trajectory=same)
    return f"{detail}; omega trajectory {'equal' if same else 'differs'}", data


def check_recycled_sequence(dev: Device, method: str):
    """A recycled sequence (deflated CG on heat steps / GCRO-DR on convection-diffusion) on
    device input against the same sequence on the host."""
    from numsolve.problems import convection_diffusion_sequence, heat_sweep

    seq = (heat_sweep(np.linspace(1.0, 1.5, 4), 12) if method == "defcg"
           else convection_diffusion_sequence(4, 10, angles=np.linspace(0, 0.6, 4)))
    seq_dev = [(dev.sparse(A), dev.asarray(b)) for A, b, _ in seq]

    def run(systems):
        return numsolve.solve_batch(systems, method=method, recycle=4, rtol=1e-10)

    return compare(dev, run, (seq_dev,), ([(A, b) for A, b, _ in seq],), 1e-7)


def check_lstsq(dev: Device, sparse: bool):
    if sparse:
        A = sp.random(3000, 30, density=0.1, random_state=0, format="csr") + sp.eye(3000, 30)
        b = _rng(6).standard_normal(3000)
        A_dev = dev.sparse(A)
    else:
        A, b = _ill_conditioned()
        A_dev = dev.asarray(A)

    def run(A_, b_):
        return numsolve.lstsq(A_, b_, options={"rng": 0})

    return compare(dev, run, (A_dev, dev.asarray(b)), (A, b), 1e-8)


def check_newton_sketch(dev: Device):
    rng = _rng(0)
    sc = np.logspace(-1, 1, 6)
    A = rng.standard_normal((800, 6)) * sc
    y = np.sign(A @ (rng.standard_normal(6) / sc) + rng.standard_normal(800))
    f_dev, f_host = BinaryLogistic(dev.asarray(A), dev.asarray(y), l2=1.0), BinaryLogistic(A, y,
                                                                                           l2=1.0)
    details, data = [], {}
    for kind in ("sparse-sign", "srht", "gaussian", "uniform"):
        def run(f, x0, kind=kind):
            return numsolve.minimize(f, x0, method="newton-sketch",
                                     options={"gtol": 1e-9, "rng": 0, "sketch": kind})

        d, data[kind] = compare(dev, run, (f_dev, dev.asarray(np.zeros(6))),
                                (f_host, np.zeros(6)), 1e-7)
        details.append(f"{kind}: {d.split(';')[0]}")
    return "; ".join(details) + f"; {fmt_transfers(data['srht']['transfers'])} (srht)", data


def check_host_only_minimize(dev: Device, method: str):
    x0 = dev.foreign(np.array([0.5, 0.5]))
    if x0 is None:
        raise Skip("array_api_strict is not installed (the dry run's foreign namespace)")
    from scipy.optimize import LinearConstraint

    con = LinearConstraint(np.array([[1.0, 1.0]]), 1.0, 1.0)
    return expect_type_error(lambda: numsolve.minimize(lambda x: float((x * x).sum()), x0,
                                                       method=method, constraints=[con]),
                             "cpu" if method in ("auglag", "bcd") else "")


def check_bcd(dev: Device, name: str, selection: str):
    """minimize(method='bcd') on a dense device matrix (sort blocks, 1/L_b gradient updates,
    rng on the host): the same iterates as the NumPy/Numba path up to rounding."""
    from numsolve.objectives import L1Regularized

    rng = _rng(17)
    A = rng.standard_normal((400, 60)) * np.logspace(-1, 0.5, 60)
    b = A @ rng.standard_normal(60) + 0.3 * rng.standard_normal(400)
    y = np.where(b > 0, 1.0, -1.0)

    def build(A_):
        if name == "lasso":
            return L1Regularized(LeastSquares(A_, b), 5.0)
        return BinaryLogistic(A_, y, l2=5.0)

    opts = {"partition": "sort", "selection": selection, "update": "gradient",
            "block_size": 6, "rng": 2, "switch_window": 0, "gtol": 1e-9, "maxiter": 20000}

    def run(f, x0):
        return numsolve.minimize(f, x0, method="bcd", options=opts)

    return compare(dev, run, (build(dev.asarray(A)), dev.asarray(np.zeros(60))),
                   (build(A), np.zeros(60)), 1e-9)


def check_lasso(dev: Device):
    """numsolve.lasso on a dense device matrix (FISTA with restart) against the host
    working-set solver: both certified by the duality gap to 1e-10 P."""
    from numsolve.optimize import lasso, lasso_alpha_max

    rng = _rng(19)
    X = rng.standard_normal((300, 80))
    y = X[:, :5] @ np.arange(1.0, 6.0) + 0.5 * rng.standard_normal(300)
    alpha = 0.1 * lasso_alpha_max(X, y)

    def run(X_, y_):
        return lasso(X_, y_, alpha, rtol=1e-10)

    detail, data = compare(dev, run, (dev.asarray(X), dev.asarray(y)), (X, y), 1e-6)
    return detail, data


def check_sketches(dev: Device):
    n = 300
    A = _rng(7).standard_normal((n, 5))
    As = sp.random(n, 5, density=0.3, random_state=1, format="csr")
    lev = leverage_scores(A, method="exact")
    worst, data = 0.0, {}
    with dev.transfers() as counter:
        for kind in SKETCH_KINDS:
            extra = {"leverage_scores": lev} if kind == "leverage" else {}
            S = make_sketch(kind, 40, n, rng=1, **extra)
            for label, M_host, M_dev in (("dense", A, dev.asarray(A)),
                                         ("sparse", As, dev.sparse(As))):
                out = S @ M_dev
                if not _on_device(dev, out):
                    raise AssertionError(f"{kind} @ {label}: result is a {_typename(out)}")
                err = rel_diff(_host_x(dev, out), _host_x(dev, S @ M_host))
                data[f"{kind}-{label}"] = err
                worst = max(worst, err)
    if not worst <= 1e-10:
        raise AssertionError(f"largest rel. diff {worst:.2e} > 1e-10: {data}")
    return (f"{len(SKETCH_KINDS)} kinds x dense/sparse, largest rel.diff {worst:.1e} <= 1e-10; "
            f"{fmt_transfers(counter.summary())}"), data


def check_sketch_function(dev: Device):
    A = _rng(8).standard_normal((400, 6))

    def run(A_):
        return sketch(A_, 48, "srht", rng=3)

    return compare(dev, run, (dev.asarray(A),), (A,), 1e-10, attr=None)


def check_leverage(dev: Device):
    """Leverage scores come back as a host NumPy array by design (their docstring)."""
    A = _rng(9).standard_normal((500, 8))
    out = []
    for method, tol in (("exact", 1e-8), ("approx", 1e-10)):
        kw = {"rng": 0} if method == "approx" else {}
        with dev.transfers() as counter:
            lev_dev = leverage_scores(dev.asarray(A), method=method, **kw)
        if not isinstance(lev_dev, np.ndarray):
            raise AssertionError(f"{method}: a {_typename(lev_dev)}, documented as NumPy")
        err = rel_diff(lev_dev, leverage_scores(A, method=method, **kw))
        if not err <= tol:
            raise AssertionError(f"{method}: rel. diff {err:.2e} > {tol:.0e}")
        out.append(f"{method} rel.diff {err:.1e} <= {tol:.0e}")
    return "; ".join(out) + f" (host NumPy, as documented); {fmt_transfers(counter.summary())}", {}


def check_multicolor_sweeps(dev: Device):
    A = poisson2d(16)
    b = _rng(10).standard_normal(A.shape[0])
    with dev.transfers() as counter:
        mc_dev = MulticolorSOR(dev.sparse(A))
    mc_host = MulticolorSOR(A, parallel=False)
    worst = 0.0
    for mode in (0, 1, 2):
        xd, bd = dev.xp.zeros(A.shape[0]), mc_dev.to_perm(dev.asarray(b))
        xh, bh = np.zeros(A.shape[0]), mc_host.to_perm(b)
        for _ in range(3):
            mc_dev.sweep(xd, bd, mc_dev.winv(1.4), mode)
            mc_host.sweep(xh, bh, mc_host.winv(1.4), mode)
        if not dev.is_device(xd):
            raise AssertionError(f"sweep result is a {_typename(xd)}")
        worst = max(worst, rel_diff(dev.host(xd), xh))
    if not worst <= 1e-12:
        raise AssertionError(f"rel. diff {worst:.2e} > 1e-12")
    return (f"forward/backward/symmetric sweeps, rel.diff {worst:.1e} <= 1e-12; "
            f"{mc_dev.n_colors} colours; setup {fmt_transfers(counter.summary())}"), {}


def check_ssor_preconditioner(dev: Device):
    A = poisson2d(24)
    b = _rng(11).standard_normal(A.shape[0])

    def run(A_, b_):
        M = ssor_preconditioner(A_, 1.2, ordering="multicolor")
        return numsolve.solve(A_, b_, M=M, rtol=1e-10)

    return compare(dev, run, (dev.sparse(A), dev.asarray(b)), (A, b), 1e-7)


def check_sor_smoother_refuses(dev: Device):
    A = poisson2d(8)
    x, b = dev.foreign(np.zeros(64)), dev.foreign(np.ones(64))
    if x is None:
        raise Skip("array_api_strict is not installed (the dry run's foreign namespace)")
    return expect_type_error(lambda: SORSmoother(A)(x, b, omega=1.5), "NumPy")


def check_young_omega(dev: Device):
    A = poisson2d(12)
    w_dev, w_host = young_omega(dev.sparse(A)), young_omega(A)
    if abs(w_dev - w_host) > 1e-12:
        raise AssertionError(f"{w_dev} != {w_host}")
    return f"omega {w_dev:.6f} on both (computed on the host: an oracle)", {}


def check_objectives(dev: Device):
    rng = _rng(12)
    A = rng.standard_normal((200, 6))
    y, labels = np.sign(rng.standard_normal(200)), rng.integers(0, 3, 200)
    x = rng.standard_normal(6)
    worst = 0.0
    with dev.transfers() as counter:
        pairs = [(BinaryLogistic(dev.asarray(A), dev.asarray(y), l2=0.1),
                  BinaryLogistic(A, y, l2=0.1), x),
                 (LeastSquares(dev.asarray(A), dev.asarray(y)), LeastSquares(A, y), x),
                 (MultinomialLogistic(dev.asarray(A), labels), MultinomialLogistic(A, labels),
                  rng.standard_normal(18))]
        for f_dev, f_host, v in pairs:
            vd = dev.asarray(v)
            g = f_dev.grad(vd)
            if not dev.is_device(g):
                raise AssertionError(f"{type(f_dev).__name__}.grad gave a {_typename(g)}")
            worst = max(worst, rel_diff(dev.host(g), f_host.grad(v)),
                        abs(float(f_dev(vd)) - f_host(v)) / max(1.0, abs(f_host(v))),
                        rel_diff(dev.host(f_dev.hessp(vd, vd)), f_host.hessp(v, v)))
    if not worst <= 1e-11:
        raise AssertionError(f"rel. diff {worst:.2e} > 1e-11")
    return f"value/grad/hessp of 3 objectives, rel.diff {worst:.1e}; " \
           f"{fmt_transfers(counter.summary())}", {}


def check_complete(dev: Device, solver: str):
    """``complete(method='altmin')`` on cupyx sparse observations against the host result:
    the completed entries at held-out positions agree (both recover the matrix to ~1e-9; the
    sketches differ between the Numba and the array path, so the tolerance is the CPU test's
    recovery tolerance)."""
    prob = low_rank_completion(150, 120, 3, 0.3, rng=0, validation=0.1)
    r, c, _ = prob.validation

    def run(M_, rows, cols):
        res = numsolve.complete(M_, 3, rng=0, rtol=1e-10, options={"solver": solver,
                                                                   "inner_maxiter": 30})
        if not res.success:
            raise AssertionError(f"success=False: {res.message}")
        if not dev.is_device(res.U):
            raise AssertionError(f"U is a {_typename(res.U)}, not a {dev.name} array")
        return res.predict(rows, cols)

    M = prob.M.tocsr()
    return compare(dev, run, (dev.sparse(M), dev.asarray(r), dev.asarray(c)), (M, r, c), 1e-7,
                   attr=None)


def check_monotone(dev: Device, method: str):
    """solve_monotone on a bilinear game over two simplices (dense device matrix, indices
    drawn on the host with the same seed): the same iterates as NumPy up to rounding."""
    from numsolve.monotone import FiniteSumOperator, Product, Simplex

    A = _rng(13).random((24, 20))
    u0 = np.concatenate([np.full(20, 1 / 20), np.full(24, 1 / 24)])
    prox = Product([(20, Simplex()), (24, Simplex())])

    def run(A_, u0_):
        return numsolve.solve_monotone(FiniteSumOperator.bilinear(A_), u0_, method, prox,
                                       max_evals=24 * 60, rng=3, rtol=0.0)

    with dev.transfers() as counter:
        r_dev = run(dev.asarray(A), dev.asarray(u0))
        dev.sync()
    r_host = run(A, u0)
    # a fixed budget ends with status MAXITER on both sides: compare the iterates only
    r_dev.success = r_host.success = True
    detail, data = verdict(dev, r_dev, r_host, 1e-9, counter.summary())
    if r_dev.n_component_evals != r_host.n_component_evals:
        raise AssertionError(f"component evaluations {r_dev.n_component_evals} vs host "
                             f"{r_host.n_component_evals}")
    return f"{detail}; residual {r_dev.residual:.2e}", data


def check_mixed_devices(dev: Device):
    b = dev.foreign(np.ones(64))
    if b is None:
        raise Skip("array_api_strict is not installed (the dry run's foreign namespace)")
    return expect_type_error(lambda: numsolve.solve(poisson2d(8), b), "namespaces")


# --------------------------------------------------------------------------------------------
# the list, and coverage of the registries
# --------------------------------------------------------------------------------------------
def checks() -> list[tuple[str, list[tuple[str, str]], object, tuple]]:
    """``(name, [(entry point, method) covered], function, args)`` of every check."""
    out = [(f"solve[{m}] {p}", [("solve", m)], check_solve, (m, p, o, t))
           for m, p, o, t in SOLVE_CASES]
    out += [
        ("solve_batch[cg] columns", [("solve_batch", "cg")], check_batch_columns, ("cg",)),
        ("solve_batch[cg] dense stack", [("solve_batch", "cg")], check_batch_stack, ("cg",)),
        ("solve_batch[cg] list of systems refused", [("solve_batch", "cg")],
         check_batch_list_refused, ()),
        ("solve_batch[direct] stack", [("solve_batch", "direct")], check_batch_stack,
         ("direct",)),
        ("solve_batch[direct] columns", [("solve_batch", "direct")], check_batch_columns,
         ("direct",)),
        ("solve_batch[sor] TsallisINF sequence", [("solve_batch", "sor")], check_sequence,
         ("sor", TsallisINF)),
        ("solve_batch[ssor-cg] ChebCB sequence", [("solve_batch", "ssor-cg")], check_sequence,
         ("ssor-cg", ChebCB)),
        ("solve_batch[defcg] recycled heat sweep", [("solve_batch", "defcg")],
         check_recycled_sequence, ("defcg",)),
        ("solve_batch[gcrodr] recycled convection-diffusion", [("solve_batch", "gcrodr")],
         check_recycled_sequence, ("gcrodr",)),
        ("lstsq[sketch] dense", [("lstsq", "sketch")], check_lstsq, (False,)),
        ("lstsq[sketch] sparse", [("lstsq", "sketch")], check_lstsq, (True,)),
        ("minimize[newton-sketch]", [("minimize", "newton-sketch")], check_newton_sketch, ()),
        ("minimize[auglag] refuses device x0", [("minimize", "auglag")],
         check_host_only_minimize, ("auglag",)),
        ("minimize[bcd] lasso, sort blocks, GSL", [("minimize", "bcd")], check_bcd,
         ("lasso", "gsl")),
        ("minimize[bcd] logistic, sort blocks, random", [("minimize", "bcd")], check_bcd,
         ("logistic", "random")),
        ("minimize[bcd] refuses a plain callable on device x0 (Numba CSC kernels)",
         [("minimize", "bcd")], check_host_only_minimize, ("bcd",)),
        ("minimize[scipy:bfgs] refuses device x0", [("minimize", "scipy:<name>")],
         check_host_only_minimize, ("scipy:bfgs",)),
        ("lasso (dense, FISTA on device)", [], check_lasso, ()),
        ("sketch operators (all kinds)", [], check_sketches, ()),
        ("sketch() function", [], check_sketch_function, ()),
        ("leverage_scores", [], check_leverage, ()),
        ("MulticolorSOR sweeps", [], check_multicolor_sweeps, ()),
        ("ssor_preconditioner as M", [], check_ssor_preconditioner, ()),
        ("SORSmoother refuses device vectors", [], check_sor_smoother_refuses, ()),
        ("young_omega", [], check_young_omega, ()),
        ("objectives", [], check_objectives, ()),
        ("mixed devices -> TypeError", [], check_mixed_devices, ()),
        ("complete[altmin] exact", [("complete", "altmin")], check_complete, ("exact",)),
        ("complete[altmin] sketch", [("complete", "altmin")], check_complete, ("sketch",)),
    ]
    out += [(f"solve_monotone[{m}] bilinear game", [("solve_monotone", m)], check_monotone,
             (m,)) for m in ("vr-halpern", "vr-inexact-halpern", "halpern", "eg", "eag")]
    return out


def uncovered() -> list[str]:
    """Registered methods (every registry of the demo) that no check covers."""
    from numsolve._cli.demo import REGISTRIES

    covered = {c for _, cov, _, _ in checks() for c in cov}
    return [f"{entry}:{m.name}" for entry, reg in REGISTRIES.items() for m in reg.methods()
            if (entry, m.name) not in covered]


def check_coverage(dev: Device):
    missing = uncovered()
    if missing:
        raise AssertionError("registered methods without a GPU check (add one to "
                             f"tools/gpu_check_methods.py): {', '.join(missing)}")
    return "every registered method of every registry has a check", {}
