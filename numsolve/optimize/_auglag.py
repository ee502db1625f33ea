"""Equality-constrained optimization: exact augmented Lagrangian with randomized sketching.

``minimize(fun, x0, method='auglag', jac=..., hess=..., constraints=...)`` solves
``min f(x)  s.t.  c(x) = 0`` by inexact Newton steps on the KKT system, with step sizes from an
Armijo line search on the exact augmented Lagrangian merit function

    L_{mu,nu}(x, v) = f + v^T c + mu/2 ||c||^2 + nu/2 ||grad_x L||^2,

adaptive solver accuracy and adaptive penalties (Hong, Na, Mahoney & Kolar, "Constrained
Optimization via Exact Augmented Lagrangian and Randomized Iterative Sketching", ICML 2023;
the authors' AdaSketch-Newton). The KKT systems are solved by randomized iterative sketching
(Gaussian vector, randomized Kaczmarz, block sketches) or by a direct factorisation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.optimize import LinearConstraint, NonlinearConstraint, approx_fprime

from .._backend import backend_name, get_namespace, is_linear_operator, is_numpy_namespace
from .._checks import as_rng, check_choice, check_int, check_real
from .._result import OptimizeResult, wrap_callback
from .._status import (
    CALLBACK_STOP,
    CONVERGED,
    INFEASIBLE,
    INNER_SOLVER,
    LINESEARCH,
    MAXITER,
    NONFINITE,
    SINGULAR_JACOBIAN,
    status_message,
)
from ._kkt import KKT_SOLVERS, assemble_kkt, solve_kkt, spd_splu
from ._restoration import ls_multipliers, restore_feasibility

__all__ = ["minimize_auglag"]

#: detail of a status message when the stop gives none
_DETAIL = {CONVERGED: "KKT residual below gtol", LINESEARCH: "augmented Lagrangian merit"}


# ---------------------------------------------------------------------------------------------
# problem standardisation
# ---------------------------------------------------------------------------------------------
def _fd_jacobian(f: Callable, x: np.ndarray) -> np.ndarray:
    """Forward-difference Jacobian of ``f`` at ``x`` (``(m, n)``; ``(1, n)`` for scalar f)."""
    return np.atleast_2d(approx_fprime(x, f, math.sqrt(np.finfo(float).eps)))


def _fd_hessian(grad: Callable, x: np.ndarray) -> np.ndarray:
    """Symmetrised forward-difference Hessian from a gradient function."""
    H = np.atleast_2d(approx_fprime(x, grad, 1e-7))
    return 0.5 * (H + H.T)


def _jac_matrix(J):
    """A constraint Jacobian as a sparse matrix or a 2-D float array."""
    if is_linear_operator(J):
        raise TypeError("constraint Jacobians must be arrays or sparse matrices")
    return J if sp.issparse(J) else np.atleast_2d(np.asarray(J, float))


class _Objective:
    """``f``, ``grad f`` and ``hess f`` with evaluation counters (SciPy's argument forms)."""

    def __init__(self, fun, jac, hess, hessp, args):
        self.args = args
        self.nfev = self.njev = self.nhev = 0
        self._fun, self._hess, self._hessp = fun, hess, hessp
        self._cache_x = None
        self._cache = None
        if jac is True:
            self.mode = "fun-and-grad"
        elif callable(jac):
            self.mode = "callable"
            self._jac = jac
        elif jac in (None, False, "2-point", "3-point", "cs"):
            self.mode = "fd"
        else:
            raise ValueError(f"jac must be a callable, True, or a finite-difference scheme "
                             f"('2-point'), got {jac!r}")
        if hess is not None and not callable(hess):
            if isinstance(hess, str):
                self._hess = None  # finite differences of the gradient
            else:
                raise ValueError("method='auglag' needs an exact Hessian: hess must be a "
                                 "callable (or hessp given, or None for finite differences); "
                                 f"got {type(hess).__name__}")

    def fun(self, x) -> float:
        self.nfev += 1
        if self.mode == "fun-and-grad":
            f, g = self._fun(x, *self.args)
            self._cache_x, self._cache = x.copy(), np.asarray(g, dtype=float).reshape(-1)
            return float(f)
        return float(np.asarray(self._fun(x, *self.args)).reshape(()))

    def grad(self, x) -> np.ndarray:
        self.njev += 1
        if self.mode == "fun-and-grad":
            if self._cache_x is not None and np.array_equal(self._cache_x, x):
                return self._cache
            _, g = self._fun(x, *self.args)
            return np.asarray(g, dtype=float).reshape(-1)
        if self.mode == "callable":
            return np.asarray(self._jac(x, *self.args), dtype=float).reshape(-1)
        return _fd_jacobian(lambda y: float(self._fun(y, *self.args)), x).reshape(-1)

    def hess(self, x):
        self.nhev += 1
        n = x.shape[0]
        if self._hess is not None:
            H = self._hess(x, *self.args)
            return H if (sp.issparse(H) or is_linear_operator(H)) else np.asarray(H, float)
        if self._hessp is not None:
            hp = self._hessp
            xk = x.copy()

            def mv(p):
                return np.asarray(hp(xk, np.ravel(p), *self.args), float).reshape(-1)

            return spla.LinearOperator((n, n), matvec=mv, rmatvec=mv, dtype=float)
        return _fd_hessian(self.grad, x)


class _EqConstraints:
    """All equality constraints stacked: ``c(x)``, Jacobian ``G(x)``, Hessian of ``v^T c``."""

    def __init__(self, constraints, x0: np.ndarray):
        if constraints is None:
            constraints = ()
        if isinstance(constraints, (dict, NonlinearConstraint, LinearConstraint)):
            constraints = [constraints]
        self.blocks: list[dict[str, Any]] = []
        self.ncev = self.njcev = self.nhcev = 0
        for k, con in enumerate(constraints):
            self.blocks.append(self._standardize(con, k, x0))
        if not self.blocks:
            raise ValueError("method='auglag' solves equality-constrained problems: pass "
                             "constraints (NonlinearConstraint/LinearConstraint with lb == ub, "
                             "or {'type': 'eq', 'fun': ...} dicts); for unconstrained problems "
                             "use another method")
        self.sizes = [b["m"] for b in self.blocks]
        self.m = int(sum(self.sizes))

    @staticmethod
    def _standardize(con, k, x0):
        n = x0.shape[0]
        ineq_msg = ("method='auglag' supports equality constraints only (lb == ub, or "
                    "{{'type': 'eq'}}); constraint {k} is an inequality - use "
                    "method='scipy:trust-constr' or 'scipy:slsqp' for inequalities")

        def equality_rhs(m):
            """The common value of ``lb == ub`` (or the inequality error)."""
            lb = np.broadcast_to(np.asarray(con.lb, float), (m,))
            ub = np.broadcast_to(np.asarray(con.ub, float), (m,))
            if not (np.all(np.isfinite(lb)) and np.array_equal(lb, ub)):
                raise ValueError(ineq_msg.format(k=k))
            return lb.copy()

        if isinstance(con, LinearConstraint):
            A = con.A
            A = sp.csr_matrix(A) if sp.issparse(A) else np.atleast_2d(np.asarray(A, float))
            m = A.shape[0]
            if A.shape[1] != n:
                raise ValueError(f"constraint {k}: LinearConstraint.A has {A.shape[1]} columns, "
                                 f"x0 has {n} entries")
            lb = equality_rhs(m)
            return {"m": m, "linear": True, "c": lambda x: A @ x - lb, "J": lambda x: A,
                    "H": None}
        if isinstance(con, NonlinearConstraint):
            f0 = np.atleast_1d(np.asarray(con.fun(x0), float))
            m = f0.shape[0]
            lb = equality_rhs(m)
            fun = con.fun

            def c(x, fun=fun, lb=lb):
                return np.atleast_1d(np.asarray(fun(x), float)) - lb

            jac = con.jac if callable(con.jac) else None
            # a callable hess(x, v) is used as is; SciPy's default (a quasi-Newton
            # HessianUpdateStrategy) or None: finite differences of J(x)^T v
            hess = con.hess if callable(con.hess) else None
            return {"m": m, "linear": False, "c": c,
                    "J": (lambda x, jac=jac: jac(x)) if jac is not None
                    else (lambda x, c=c: _fd_jacobian(c, x)),
                    "H": hess, "fd_hess": hess is None}
        if isinstance(con, dict):
            typ = con.get("type")
            if typ != "eq":
                if typ == "ineq":
                    raise ValueError(ineq_msg.format(k=k))
                raise ValueError(f"constraint {k}: 'type' must be 'eq', got {typ!r}")
            if "fun" not in con or not callable(con["fun"]):
                raise ValueError(f"constraint {k}: a dict constraint needs a callable 'fun'")
            args = tuple(con.get("args", ()))
            fun = con["fun"]

            def c(x, fun=fun, args=args):
                return np.atleast_1d(np.asarray(fun(x, *args), float))

            m = c(x0).shape[0]
            jac = con.get("jac")
            return {"m": m, "linear": False, "c": c,
                    "J": (lambda x, jac=jac, args=args: jac(x, *args)) if callable(jac)
                    else (lambda x, c=c: _fd_jacobian(c, x)),
                    "H": None, "fd_hess": True}
        raise TypeError(f"constraint {k}: expected NonlinearConstraint, LinearConstraint or a "
                        f"dict, got {type(con).__name__}")

    def c(self, x) -> np.ndarray:
        self.ncev += 1
        return np.concatenate([b["c"](x) for b in self.blocks])

    def J(self, x):
        self.njcev += 1
        mats = [_jac_matrix(b["J"](x)) for b in self.blocks]
        if len(mats) == 1:
            return mats[0]
        if any(sp.issparse(M) for M in mats):
            return sp.vstack([sp.csr_matrix(M) for M in mats], format="csr")
        return np.vstack(mats)

    def hess(self, x, v):
        """Hessian of ``v^T c`` at ``x`` (None when all constraints are linear)."""
        out = None
        off = 0
        n = x.shape[0]
        for b in self.blocks:
            vb = v[off: off + b["m"]]
            off += b["m"]
            if b["linear"]:
                continue
            self.nhcev += 1
            if b.get("fd_hess"):
                Jf = b["J"]

                def grad_vc(y, Jf=Jf, vb=vb):
                    return np.asarray(_jac_matrix(Jf(y)).T @ vb).reshape(-1)

                Hb = _fd_hessian(grad_vc, x)
            else:
                Hb = b["H"](x, vb)
                if not (is_linear_operator(Hb) or sp.issparse(Hb)):  # operators stay operators
                    Hb = np.asarray(Hb, float).reshape(n, n)
            out = Hb if out is None else _add(out, Hb)
        return out


def _initial_multipliers(v0, m: int) -> np.ndarray:
    """``v0`` (one multiplier per constraint) or zeros."""
    if v0 is None:
        return np.zeros(m)
    if v0.shape != (m,):
        raise ValueError(f"v0 must have shape ({m},) (one multiplier per constraint), "
                         f"got {v0.shape}")
    return v0


def _add(A, B):
    if A is None:
        return B
    if B is None:
        return A
    if is_linear_operator(A) or is_linear_operator(B):
        return spla.aslinearoperator(A) + spla.aslinearoperator(B)
    if sp.issparse(A) != sp.issparse(B):  # mixed formats (dense + sparse is an np.matrix)
        if A.shape[0] <= 2000:
            return np.asarray(A.toarray() if sp.issparse(A) else A) + np.asarray(
                B.toarray() if sp.issparse(B) else B)
        return sp.csr_matrix(A) + sp.csr_matrix(B)
    return A + B


# ---------------------------------------------------------------------------------------------
# linear-algebra helpers (dense when small, estimates at scale)
# ---------------------------------------------------------------------------------------------
_DENSE_MAX = 1500  # dense eigensolves up to this size for dense input
_SPARSE_DENSE_MAX = 200  # ... and up to this size when the Jacobian is sparse


def _dense_ok(G, size) -> bool:
    return size <= (_SPARSE_DENSE_MAX if sp.issparse(G) else _DENSE_MAX)


def _fro(A, rng) -> float:
    """Frobenius norm (Hutchinson estimate for operators)."""
    if A is None:
        return 0.0
    if sp.issparse(A):
        return float(sp.linalg.norm(A))
    if is_linear_operator(A):
        n = A.shape[1]
        Z = rng.choice([-1.0, 1.0], size=(n, 16))
        return float(np.sqrt(np.mean(np.sum(A.matmat(Z) ** 2, axis=0))))
    return float(np.linalg.norm(A))


def _as_matrix(H, n):
    """An explicit (dense or sparse) Hessian: operators are materialised column by column."""
    if H is None:
        return sp.csr_matrix((n, n))
    if is_linear_operator(H):
        return H.matmat(np.eye(n)) if n <= _DENSE_MAX else H
    return H


def _lambda_min_GGt(G, need_max: bool):
    """``(lambda_min, lambda_max, lu)`` of ``G G^T``: dense eigenvalues when small; at scale
    shift-invert Lanczos with one sparse LU of ``G G^T`` (returned for reuse; ``lambda_max``
    only when ``need_max``, else NaN)."""
    m = G.shape[0]
    if _dense_ok(G, m):
        Gd = G.toarray() if sp.issparse(G) else G
        w = np.linalg.eigvalsh(Gd @ Gd.T)
        return float(w[0]), float(w[-1]), None
    Gs = sp.csr_matrix(G)
    GG = (Gs @ Gs.T).tocsc()
    lmax = np.nan
    if need_max:
        lmax = float(spla.eigsh(GG, k=1, which="LA", return_eigenvectors=False, tol=1e-3)[0])
    try:
        lu = spd_splu(GG)  # 4x faster than the default LU on Poisson control, N = 128
    except RuntimeError:  # exactly singular
        return 0.0, lmax, None
    OPinv = spla.LinearOperator(GG.shape, matvec=lu.solve, dtype=float)
    try:
        # shift-invert converges in a few steps: a Lanczos basis of 8 (not ARPACK's 20)
        # needs 9 solves instead of 21 on Poisson control, same value
        lmin = float(spla.eigsh(GG, k=1, sigma=0.0, which="LM", OPinv=OPinv, ncv=min(8, m),
                                return_eigenvectors=False, tol=1e-6)[0])
    except (RuntimeError, spla.ArpackError):
        lmin = 0.0
    return lmin, lmax, lu


def _gershgorin_min(H) -> float:
    """A lower bound of ``lambda_min(H)`` (Gershgorin discs) for an explicit symmetric H."""
    if sp.issparse(H):
        Hc = sp.csr_matrix(H)
        d = Hc.diagonal()
        off = np.asarray(abs(Hc).sum(axis=1)).ravel() - np.abs(d)
    else:
        Hd = np.asarray(H)
        d = np.diag(Hd)
        off = np.abs(Hd).sum(axis=1) - np.abs(d)
    return float(np.min(d - off))


def _reduced_hessian_min(H, G, rng, lu=None, threshold: float = 1e-6) -> float:
    """``lambda_min(Z^T H Z)`` (``Z`` an orthonormal basis of ``null(G)``), or a lower bound
    of it when that bound already exceeds ``threshold`` (all the caller needs to know)."""
    n = G.shape[1]
    m = G.shape[0]
    if not is_linear_operator(H):
        bound = _gershgorin_min(H)  # lambda_min(Z^T H Z) >= lambda_min(H)
        if bound >= threshold:
            return bound
    if _dense_ok(G, n) and not is_linear_operator(H):
        Gd = G.toarray() if sp.issparse(G) else G
        Hd = H.toarray() if sp.issparse(H) else np.asarray(H)
        Q = sla.qr(Gd.T, mode="full")[0]
        Z = Q[:, m:]
        return float(np.linalg.eigvalsh(Z.T @ Hd @ Z)[0])
    # at scale: Lanczos on P H P + sigma (I - P), P the projector onto null(G); the range
    # directions get eigenvalue sigma >= ||H||, so the smallest eigenvalue is lambda_min(Z^T H Z)
    Gs = sp.csr_matrix(G)
    if lu is None:  # (G G^T + tiny I: G may be rank deficient)
        GG = Gs @ Gs.T
        lu = spla.splu((GG + 1e-12 * max(1.0, float(sp.linalg.norm(GG)))
                        * sp.identity(m)).tocsc())
    Hop = spla.aslinearoperator(H)
    sigma = _fro(H, rng) + 1.0

    def proj(v):
        return v - Gs.T @ lu.solve(Gs @ v)

    def mv(v):
        pv = proj(v)
        return proj(Hop.matvec(pv)) + sigma * (v - pv)

    op = spla.LinearOperator((n, n), matvec=mv, dtype=float)
    v0 = proj(rng.standard_normal(n))
    return float(spla.eigsh(op, k=1, which="SA", v0=v0, tol=1e-4, maxiter=5000,
                            return_eigenvectors=False)[0])


_RECYCLE_DEFAULT = 2  # previous Newton steps fitted into the warm start of GV/RK solves


def _one_vector_dense(kkt_solver, K) -> bool:
    """The compiled one-vector sketch loops run: ``'gaussian'``/``'kaczmarz'`` on a dense K."""
    return kkt_solver in _ONE_VECTOR and isinstance(K, np.ndarray)


def _kkt_acceleration(acceleration, kkt_solver, K):
    """The ``acceleration`` argument of ``solve_kkt``: ``'auto'`` is ``'hybrid'`` (the
    error-minimising momentum for min(cap / 4, 250 000) steps, then Nesterov from where it
    stopped) for the one-vector sketches on dense ``K``, plain steps elsewhere."""
    if acceleration != "auto":
        return acceleration
    return "hybrid" if _one_vector_dense(kkt_solver, K) else "none"


def _delta_floor(delta_min, kkt_solver, K, equilibrate) -> float:
    """The floor of ``delta``: ``delta_min``, or for ``'auto'`` 1e-9 where the one-vector
    sketches can afford it (Kaczmarz, equilibrated Gaussian vectors; dense K), else 1e-6."""
    if delta_min != "auto":
        return float(delta_min)
    if _one_vector_dense(kkt_solver, K) and (kkt_solver == "kaczmarz" or equilibrate):
        return 1e-9
    return 1e-6


def _recycled_start(K, b, steps):
    """Warm start ``z0 = W y``, ``y = argmin ||K W y - b||``, over the span ``W`` of the latest
    accepted Newton steps (a minimal-residual projection, never worse than ``z0 = 0``).

    Near a degenerate solution the Newton steps keep (nearly) the same direction while the
    KKT matrix becomes ill-conditioned along it; the slow, near-null components are then
    already in ``W``, and the sketch solver has to remove only what the fit leaves out.
    """
    W = np.stack(steps, axis=1)
    KW = np.asarray(K @ W) if not is_linear_operator(K) else K.matmat(W)
    y, *_ = np.linalg.lstsq(KW, b, rcond=None)
    z = W @ y
    if not (np.all(np.isfinite(z))
            and np.linalg.norm(KW @ y - b) < np.linalg.norm(b)):
        return np.zeros_like(b)
    return z


def _shift(H, t, n):
    if t == 0.0:
        return H
    if sp.issparse(H):
        return (H + t * sp.identity(n, format="csr")).tocsr()
    if is_linear_operator(H):
        return H + t * spla.aslinearoperator(sp.identity(n))
    return H + t * np.eye(n)


def _matvec(A, v):
    if A is None:
        return np.zeros_like(v)
    if is_linear_operator(A):
        return A.matvec(v)
    return np.asarray(A @ v).reshape(-1)


# ---------------------------------------------------------------------------------------------
# options
# ---------------------------------------------------------------------------------------------
_ONE_VECTOR = ("gaussian", "kaczmarz")  # the one-vector sketches (acceleration, recycling)
_CHOICES = (("accuracy", ("linear", "superlinear")),
            ("merit_hess", ("lagrangian", "objective")),
            ("singular_jacobian", ("regularize", "absolute", "relative", "off")),
            ("hess_modification", ("inertia", "auto", "off")),
            ("inner_tol", ("relative", "paper")),
            ("acceleration", ("auto", "momentum", "nesterov", "none")))


def _check_count(name: str, value, low: int, allow_none: bool = False) -> int | None:
    """:func:`check_int`, with a ``ValueError`` (not ``TypeError``) for a non-integer: the
    error these counts have always raised."""
    try:
        return check_int(name, value, low=low, allow_none=allow_none)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def _check_delta_min(value) -> float | str:
    """``'auto'`` or a number in ``(0, 1]`` (anything else is a ``ValueError``)."""
    if isinstance(value, str) and value == "auto":
        return value
    try:
        return check_real("delta_min", value, low=0.0, high=1.0, low_open=True)
    except (TypeError, ValueError):
        raise ValueError(f"delta_min must be 'auto' or a number in (0, 1], "
                         f"got {value!r}") from None


@dataclass(frozen=True)
class AuglagOptions:
    """The options of :func:`minimize_auglag` (see its docstring), validated once.

    ``__post_init__`` checks every option (errors name it) and normalises: reals become
    ``float``, ``recycle=None`` its solver-dependent default, ``v0`` a float vector (its
    length is checked against the constraints later) and ``rng`` a Generator.
    """

    gtol: float
    maxiter: int
    kkt_solver: str
    sketch_size: int | None
    adaptive_sketch: bool
    inner_maxiter: int | None
    inner_tol: str
    recycle: int | None
    acceleration: str
    v0: Any
    mu0: float
    nu0: float
    delta0: float
    delta_min: float | str
    equilibrate: bool
    xi_B: float
    beta: float
    rho: float
    accuracy: str
    merit_hess: str
    singular_jacobian: str
    xi_G_min: float
    hess_modification: str
    min_step: float
    rng: Any

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        for name in ("gtol", "mu0", "nu0", "delta0", "xi_B", "min_step"):
            put(name, check_real(name, getattr(self, name), low=0.0, low_open=True))
        put("beta", check_real("beta", self.beta, low=0.0, high=0.5, low_open=True,
                               high_open=True))
        if not isinstance(self.equilibrate, (bool, np.bool_)):
            raise TypeError(f"equilibrate must be a bool, got {self.equilibrate!r}")
        put("equilibrate", bool(self.equilibrate))
        put("delta_min", _check_delta_min(self.delta_min))
        put("rho", check_real("rho", self.rho, low=1.0, low_open=True))
        put("maxiter", _check_count("maxiter", self.maxiter, 1))
        put("kkt_solver", check_choice("kkt_solver", self.kkt_solver, KKT_SOLVERS))
        put("inner_maxiter", _check_count("inner_maxiter", self.inner_maxiter, 1,
                                          allow_none=True))
        if self.recycle is None:
            put("recycle", _RECYCLE_DEFAULT if self.kkt_solver in _ONE_VECTOR else 0)
        put("recycle", _check_count("recycle", self.recycle, 0))
        put("sketch_size", _check_count("sketch_size", self.sketch_size, 1, allow_none=True))
        put("adaptive_sketch", bool(self.adaptive_sketch))
        for name, allowed in _CHOICES:
            put(name, check_choice(name, getattr(self, name), allowed))
        if self.acceleration in ("momentum", "nesterov") and self.kkt_solver not in _ONE_VECTOR:
            raise ValueError(f"acceleration={self.acceleration!r} applies to the one-vector "
                             "sketches (kkt_solver='gaussian' or 'kaczmarz'), not to "
                             f"{self.kkt_solver!r}")
        put("xi_G_min", check_real("xi_G_min", self.xi_G_min, low=0.0))
        if self.v0 is not None:
            put("v0", np.array(self.v0, dtype=float).reshape(-1))
        put("rng", as_rng(self.rng))


# ---------------------------------------------------------------------------------------------
# the iteration (spec §4, steps 1-9), one named step a function
# ---------------------------------------------------------------------------------------------
def _finite(*vals) -> bool:
    """All entries of the values (arrays, sparse matrices, scalars) are finite."""
    return all(np.all(np.isfinite(np.asarray(a.data if sp.issparse(a) else a))) for a in vals)


@dataclass
class _Point:
    """The problem at ``(x, v)``: ``f``, ``g = grad f``, ``c``, ``G`` and
    ``gradL = grad_x L = g + G^T v`` (``g`` when the values are not finite)."""

    x: np.ndarray
    v: np.ndarray
    f: float
    g: np.ndarray
    c: np.ndarray
    G: Any
    gradL: np.ndarray

    def kkt_residual(self) -> float:
        """``||(grad_x L, c)||_2``, the stopping measure (spec §1)."""
        return float(np.hypot(np.linalg.norm(self.gradL), np.linalg.norm(self.c)))

    def merit(self, mu: float, nu: float) -> float:
        """The exact augmented Lagrangian ``L_{mu,nu}`` (spec §2)."""
        return (self.f + self.v @ self.c + 0.5 * mu * (self.c @ self.c)
                + 0.5 * nu * (self.gradL @ self.gradL))

    def merit_slope(self, Hmerit, mu: float, nu: float, z: np.ndarray) -> float:
        """``grad L_{mu,nu}^T z`` (spec §2): ``grad_x = grad_x L + nu H grad_x L + mu G^T c``,
        ``grad_v = c + nu G grad_x L``."""
        n = self.x.shape[0]
        d_x = self.gradL + nu * _matvec(Hmerit, self.gradL) + mu * np.asarray(
            self.G.T @ self.c).reshape(-1)
        d_v = self.c + nu * np.asarray(self.G @ self.gradL).reshape(-1)
        return float(d_x @ z[:n] + d_v @ z[n:])


@dataclass
class _Problem:
    """Objective and stacked equality constraints, with their evaluation counters."""

    obj: _Objective
    cons: _EqConstraints

    def at(self, x: np.ndarray, v: np.ndarray) -> tuple[_Point, bool]:
        """``f, grad f, c, G`` at ``x`` (one evaluation each) and whether all are finite."""
        f = self.obj.fun(x)
        g = self.obj.grad(x)
        c = self.cons.c(x)
        G = self.cons.J(x)
        ok = _finite(f, g, c, G)
        gradL = g + np.asarray(G.T @ v).reshape(-1) if ok else g
        return _Point(x, v, f, g, c, G, gradL), ok


@dataclass
class _State:
    """What one outer iteration hands to the next."""

    point: _Point
    kkt: float  # ||(grad_x L, c)|| at point
    mu: float  # penalty on ||c||^2 (only grows)
    nu: float  # weight on ||grad_x L||^2 (only shrinks)
    delta: float  # KKT-solve accuracy (only shrinks)
    theta: float = 1.0  # accuracy sharpening (accuracy='superlinear')
    it: int = 0
    status: int = MAXITER
    detail: str | None = None
    penalty: list = field(default_factory=list)  # (mu, nu, delta) of each accepted step
    steps: list = field(default_factory=list)  # the latest Newton steps (recycled warm starts)
    inner_nit: int = 0
    max_sketch: int = 0
    safeguard: int = 0
    restorations: int = 0  # feasibility-restoration phases run
    shift_floor: float = 0.1  # least inertia shift (hess_modification='inertia'), adaptive
    kkt_hist: list = field(default_factory=list)  # KKT residuals since the last restart

    def stop(self, status: int, detail: str | None = None) -> None:
        """End the iteration with ``status``; returns None (what a step gives on a stop)."""
        self.status, self.detail = status, detail


@dataclass
class _LocalModel:
    """The second-order model at the current point (spec §4 steps 2-5)."""

    Hf: Any  # objective Hessian
    H: Any  # Lagrangian Hessian
    B: Any  # H, shifted when not positive definite on null(G)
    psi: float
    ups: float
    K_fro: float
    reg: float = 0.0  # -reg I in the (2, 2) block: G rank deficient (singular_jacobian)

    def delta_trial(self, mu: float, nu: float, beta: float) -> float:
        """``(0.5 - beta) nu / ((1 + mu + nu) Upsilon^2 psi^2)`` (spec §4 step 5)."""
        return (0.5 - beta) * nu / ((1 + mu + nu) * self.ups**2 * self.psi**2)


def _start(prob: _Problem, x: np.ndarray, v: np.ndarray, opts: AuglagOptions) -> _State:
    """The state at ``(x0, v0)`` with the initial penalties (spec §3)."""
    point, ok = prob.at(x, v)
    st = _State(point, point.kkt_residual() if ok else np.inf, opts.mu0, opts.nu0, opts.delta0)
    if not ok:
        st.stop(NONFINITE, "at the starting point x0")
    return st


def _iterate(st: _State, prob: _Problem, opts: AuglagOptions, notify) -> None:
    """Outer iterations (spec §4) until a stop sets ``st.status``."""
    while True:
        # step 1: stop on the KKT residual ||(grad_x L, c)|| (of st.point), or on maxiter
        if st.kkt <= opts.gtol:
            return st.stop(CONVERGED)
        if st.it >= opts.maxiter:
            return st.stop(MAXITER)
        # steps 2-5: Hessian, singular-Jacobian test, Hessian modification, psi and Upsilon
        model = _local_model(st, prob, opts)
        # steps 6-7: the KKT system solved to the adaptive accuracy, penalties raised until
        # the solution is a descent direction of the merit
        step = None if model is None else _newton_step(st, model, opts)
        # step 8: Armijo backtracking on the merit
        trial = None if step is None else _line_search(st, prob, *step, opts)
        if trial is None:  # a stop: recover (issue 14) and go on, or end
            if _recover(st, prob, opts):
                continue
            return None
        # step 9: (x, v) <- (x, v) + alpha (dx, dv)
        _move(st, trial, opts)
        if _stalled(st, opts) and not _recover_stall(st, prob, opts):
            return None
        if notify is not None and notify(OptimizeResult(
                x=trial.x.copy(), fun=trial.f, v=trial.v.copy(), kkt_residual=st.kkt,
                nit=st.it)):
            return st.stop(CALLBACK_STOP)


_RECOVERABLE = (LINESEARCH, SINGULAR_JACOBIAN, INNER_SOLVER)
_STALL = 25  # iterations without progress far from feasibility before a restoration


def _stalled(st: _State, opts: AuglagOptions) -> bool:
    """No progress far from a KKT point (issue 14; HS7 from afar drifts for 1000 iterations
    with a flat KKT residual while the merit decreases through ``v^T c``): the KKT residual
    down by less than 1% over the last ``_STALL`` iterations, with ``||c|| > gtol``."""
    h = st.kkt_hist
    h.append(st.kkt)
    return (opts.singular_jacobian == "regularize" and len(h) > _STALL
            and h[-1] > 0.99 * h[-1 - _STALL] and np.linalg.norm(st.point.c) > opts.gtol)


def _recover_stall(st: _State, prob: _Problem, opts: AuglagOptions) -> bool:
    """A stall gets the feasibility restoration (``_recover``); the iteration goes on
    (True) unless the restoration ends in a verdict (INFEASIBLE, NONFINITE)."""
    st.stop(LINESEARCH, f"no progress in {_STALL} iterations at iteration {st.it}")
    st.kkt_hist.clear()
    if _recover(st, prob, opts) or st.status not in (INFEASIBLE, NONFINITE):
        st.status, st.detail = MAXITER, None
        return True
    return False
_MAX_RESTORATIONS = 5


def _recover(st: _State, prob: _Problem, opts: AuglagOptions) -> bool:
    """Before giving up on a stop of ``_RECOVERABLE`` (``singular_jacobian='regularize'``
    only): an infeasible point gets the feasibility-restoration phase (at most
    ``_MAX_RESTORATIONS`` per run) and the method restarts from the feasible point it finds
    with least-squares multipliers and the initial penalties (True); a restoration that ends
    at a local minimiser of ``||c||`` that is not feasible stops with ``INFEASIBLE``; a
    feasible point where ``G`` is rank deficient with ``SINGULAR_JACOBIAN`` saying that no
    multiplier exists (False)."""
    if st.status == INNER_SOLVER and opts.kkt_solver != "direct":
        st.detail = (f"{st.detail}; try kkt_solver='direct' (or 'minres'), or a larger "
                     "inner_maxiter")
        return False
    if (opts.singular_jacobian != "regularize" or st.status not in _RECOVERABLE
            or st.restorations >= _MAX_RESTORATIONS):
        return False
    pt = st.point
    cn = float(np.linalg.norm(pt.c))
    if cn <= opts.gtol:
        _degenerate_verdict(st, opts)
        return False
    st.restorations += 1
    rest = restore_feasibility(prob.cons, pt.x, tol=0.1 * opts.gtol, min_step=opts.min_step)
    if rest.verdict == "stalled" and rest.cnorm > 0.5 * cn:
        st.detail = f"{st.detail}; feasibility restoration stalled at ||c|| = {rest.cnorm:.3e}"
        return False
    if rest.verdict == "infeasible":
        st.point, _ = prob.at(rest.x, pt.v)
        st.kkt = st.point.kkt_residual()
        return st.stop(INFEASIBLE, f"||c|| = {rest.cnorm:.3e} after {rest.nit} "
                                   f"feasibility-restoration steps, at iteration {st.it}")
    # feasible (or ||c|| at least halved): restart from there
    g = prob.obj.grad(rest.x)
    G = prob.cons.J(rest.x)
    trial, ok = prob.at(rest.x, ls_multipliers(G, g) if _finite(g, G) else pt.v)
    if not ok:
        return st.stop(NONFINITE, f"after feasibility restoration at iteration {st.it}")
    st.point, st.kkt = trial, trial.kkt_residual()
    st.mu, st.nu, st.delta, st.theta = opts.mu0, opts.nu0, opts.delta0, 1.0
    st.status, st.detail = MAXITER, None
    st.steps.clear()
    return True


def _degenerate_verdict(st: _State, opts: AuglagOptions) -> None:
    """The message of a stop at a feasible point: when ``G`` is rank deficient there and no
    multiplier makes ``grad f + G^T v`` small, the problem is degenerate (LICQ fails; there
    may be no KKT point); otherwise the stop's own message, with what to try."""
    pt = st.point
    G = pt.G.toarray() if sp.issparse(pt.G) else np.asarray(pt.G)
    if G.shape[0] * G.shape[1] > 4_000_000:
        return
    sv = np.linalg.svd(G, compute_uv=False)
    rank = int(np.sum(sv > 1e-8 * max(1.0, sv[0] if sv.size else 0.0)))
    v = np.linalg.lstsq(G.T, -pt.g, rcond=None)[0]
    dual = float(np.linalg.norm(pt.g + G.T @ v))
    if rank < G.shape[0] and dual > opts.gtol:
        st.stop(SINGULAR_JACOBIAN, f"degenerate problem: x is feasible (||c|| = "
                                   f"{np.linalg.norm(pt.c):.1e}) but G has rank {rank} < m = "
                                   f"{G.shape[0]} there and min_v ||grad f + G^T v|| = "
                                   f"{dual:.2e}: no Lagrange multiplier exists (LICQ fails); "
                                   f"try another x0 (iteration {st.it})")
    else:
        st.detail = (f"{st.detail}; x is feasible, min_v ||grad f + G^T v|| = {dual:.2e}: try "
                     "another x0, or rescale the problem")


def _local_model(st: _State, prob: _Problem, opts: AuglagOptions) -> _LocalModel | None:
    """Spec §4 steps 2-5 at ``st.point`` (None, with ``st.status`` set, on a stop)."""
    pt, gen = st.point, opts.rng
    n, m = pt.x.shape[0], pt.c.shape[0]
    # step 2: H = hess f + hess(v^T c), explicit when small
    Hf = prob.obj.hess(pt.x)
    H = _as_matrix(_add(Hf, prob.cons.hess(pt.x, pt.v)), n)
    if not is_linear_operator(H) and not _finite(H):
        return st.stop(NONFINITE, f"in the Hessian at iteration {st.it}")
    # step 3: xi_G = lambda_min(G G^T) and the singular-Jacobian test, or (the default) the
    # regularisation of a rank-deficient G
    xi_G, lam_max, lu_GG = _lambda_min_GGt(pt.G, need_max=opts.singular_jacobian == "relative")
    G_fro = _fro(pt.G, gen)
    reg = _regularisation(st, xi_G, G_fro, opts)
    detail = _singular_jacobian(xi_G, lam_max, st.it, opts)
    if detail is not None:
        return st.stop(SINGULAR_JACOBIAN, detail)
    if reg:
        lu_GG = None  # G G^T singular: the reduced-Hessian estimate factors G G^T + reg I
        cn = float(np.linalg.norm(pt.c))
        if cn > opts.gtol and np.linalg.norm(pt.G.T @ pt.c) <= 1e-8 * max(1.0, G_fro) * cn:
            return st.stop(SINGULAR_JACOBIAN, f"G^T c = 0 with ||c|| = {cn:.3e} at iteration "
                                              f"{st.it}: no first-order decrease of ||c||")
    # step 4: B = H + t I, t = xi_B + ||H||_F when lambda_min(Z^T H Z) < 1e-6 (only when m < n)
    H_fro = _fro(H, gen)
    t = 0.0
    if opts.hess_modification != "off" and m < n:
        lam = _reduced_hessian_min(H, pt.G, gen, lu=lu_GG)
        # 'inertia' shifts only a reduced Hessian that is not positive definite (relative to
        # ||H||_F); a tiny positive curvature (HS111: exp(x_4) ~ 1e-7 at x*) is kept
        if lam < (1e-6 if opts.hess_modification == "auto" else 1e-8 * max(1.0, H_fro)):
            # 'auto': the paper's shift; 'inertia' (issue 14): mirror the most negative
            # reduced eigenvalue, lambda_min(Z^T B Z) = |lambda_min|, at least
            # shift_floor ||H||_F (adapted by the line search, from 0.1 within [1e-4, 1]):
            # the paper's xi_B + ||H||_F, or any fixed floor such as xi_B, turns the steps
            # along flat directions into short gradient steps (slow tails, HS111 from afar)
            t = (opts.xi_B + H_fro if opts.hess_modification == "auto"
                 else max(-2 * lam, st.shift_floor * max(1.0, H_fro)))
    B = _shift(H, t, n)
    # step 5: psi and Upsilon (Frobenius norms, as the authors' code)
    B_fro = _fro(B, gen) if t else H_fro
    # (xi_G floored: a rank-deficient G is regularised, and psi^2 must stay finite)
    psi = 20 * max(B_fro**2, 1.0) / (min(max(xi_G, 1e-12), 1.0) * min(opts.xi_B, 1.0))
    ups = max(G_fro, H_fro, 1.0)
    return _LocalModel(Hf, H, B, psi, ups, math.sqrt(B_fro**2 + 2 * G_fro**2), reg)


def _regularisation(st: _State, xi_G: float, G_fro: float, opts: AuglagOptions) -> float:
    """``singular_jacobian='regularize'`` (issue 14): when ``lambda_min(G G^T) < xi_G_min``,
    the KKT matrix gets ``-reg I`` in its (2, 2) block, ``reg = min(xi_G_min, ||grad L||^2)``
    (at least ``1e-12 max(1, ||G||_F^2)``): the step stays defined when ``G`` is rank
    deficient, its multiplier part is the minimum-norm one, and it tends to the Newton step
    as the KKT residual vanishes, fast enough not to slow the local convergence. 0 otherwise
    (and for the other modes)."""
    if opts.singular_jacobian != "regularize" or not xi_G < opts.xi_G_min:
        return 0.0
    return max(1e-12 * max(1.0, G_fro**2), min(opts.xi_G_min, st.kkt**2))


def _singular_jacobian(xi_G: float, lam_max: float, it: int, opts: AuglagOptions) -> str | None:
    """The stop message of the singular-Jacobian test (spec §4 step 3; §9 pitfall 5), or None:
    ``lambda_min(G G^T) < xi_G_min`` (``'absolute'``), ``< xi_G_min lambda_max``
    (``'relative'``), or never (``'off'``)."""
    if opts.singular_jacobian in ("off", "regularize"):
        return None
    if opts.singular_jacobian == "absolute":
        bad = xi_G < opts.xi_G_min
    else:
        bad = xi_G < opts.xi_G_min * max(lam_max, np.finfo(float).tiny)
    if not bad:
        return None
    return (f"lambda_min(G G^T) = {xi_G:.3e} at iteration {it}"
            + ("" if opts.singular_jacobian == "absolute" else f", lambda_max = {lam_max:.3e}"))


def _newton_step(st: _State, model: _LocalModel, opts: AuglagOptions):
    """Spec §4 steps 6-7: ``K z = b``, ``K = [[B, G^T], [G, 0]]``, ``b = -(grad_x L, c)``,
    solved to ``||K z - b|| <= theta delta ||b||``; while ``z`` is not a sufficient descent
    direction of the merit, ``mu`` grows, ``nu`` and ``delta`` shrink and the solve goes on
    from ``z``. Returns ``(z, slope)``, or None (``st.status`` set)."""
    pt = st.point
    n, m = pt.x.shape[0], pt.c.shape[0]
    # step 6: K = [[B, G^T], [G, 0]] (an operator when the Hessian is matrix-free), b and z0;
    # step 5's delta <- max(min(delta, delta_trial), floor) (the floor depends on K)
    if is_linear_operator(model.B) and opts.kkt_solver in ("direct", "kaczmarz",
                                                           "block-kaczmarz"):
        raise TypeError(f"kkt_solver={opts.kkt_solver!r} needs the KKT matrix, but the "
                        f"Hessian is matrix-free (hessp or a LinearOperator, n > {_DENSE_MAX}): "
                        "use kkt_solver='minres' (or a Gaussian sketch), or give hess as an "
                        "array or sparse matrix")
    K = assemble_kkt(model.B, pt.G, model.reg)
    dmin = _delta_floor(opts.delta_min, opts.kkt_solver, K, opts.equilibrate)
    st.delta = max(min(st.delta, model.delta_trial(st.mu, st.nu, opts.beta)), dmin)
    rhs = -np.concatenate([pt.gradL, pt.c])
    bnorm = float(np.linalg.norm(rhs))
    Hmerit = model.H if opts.merit_hess == "lagrangian" else _as_matrix(model.Hf, n)
    z = np.zeros(n + m)
    if opts.recycle and st.steps and opts.kkt_solver != "direct":
        z = _recycled_start(K, rhs, st.steps)
    solve = _inner_solver(K, rhs, (model.B, pt.G) if not model.reg else None, opts)
    while True:
        # step 7(a): the inner solver, warm-started from z, to the accuracy target
        target = st.theta * st.delta * bnorm
        if opts.inner_tol == "paper":
            target /= model.K_fro * model.psi
        info = solve(z, target)
        z = info.z
        st.inner_nit += info.nit
        st.max_sketch = max(st.max_sketch, info.sketch_size)
        if not info.converged:
            return st.stop(SINGULAR_JACOBIAN if opts.kkt_solver == "direct" else INNER_SOLVER,
                           f"{info.message} at iteration {st.it}")
        # step 7(b): the slope of the merit along z
        slope = pt.merit_slope(Hmerit, st.mu, st.nu, z)
        # step 7(c): accept z (safeguard, or sufficient descent), or update the penalties
        if st.mu > 1e8 or st.nu < 1e-8:
            st.safeguard += 1
            break
        if not slope > -0.5 * st.nu * bnorm**2:
            break
        st.mu *= opts.rho**2
        st.nu /= opts.rho
        st.delta = max(min(st.delta / opts.rho**4, model.delta_trial(st.mu, st.nu, opts.beta)),
                       dmin)
    st.penalty.append((st.mu, st.nu, st.delta))
    if opts.recycle:
        st.steps.insert(0, z.copy())
        del st.steps[opts.recycle:]
    return z, slope


def _inner_solver(K, rhs, blocks, opts: AuglagOptions) -> Callable:
    """``solve(z0, tol)``: :func:`solve_kkt` on ``K z = rhs`` with the method's options (the
    direct solver keeps its factorisation of ``K`` between the calls; ``blocks = (B, G)``
    when ``K``'s (2, 2) block is 0)."""
    acceleration = _kkt_acceleration(opts.acceleration, opts.kkt_solver, K)
    kkt_cache: dict = {}

    def solve(z0, tol):
        return solve_kkt(K, rhs, z0, method=opts.kkt_solver, tol=tol,
                         maxiter=opts.inner_maxiter, rng=opts.rng, sketch_size=opts.sketch_size,
                         adaptive=opts.adaptive_sketch, acceleration=acceleration, blocks=blocks,
                         cache=kkt_cache, equilibrate=opts.equilibrate)

    return solve


def _line_search(st: _State, prob: _Problem, z: np.ndarray, slope: float,
                 opts: AuglagOptions) -> _Point | None:
    """Spec §4 step 8: ``alpha = 1, 1/2, ...`` until ``L_{mu,nu}(x + alpha dx, v + alpha dv)
    <= L_{mu,nu}(x, v) + alpha beta slope``; the accepted trial point, or None (``st.status``
    set) once ``alpha < min_step``."""
    pt = st.point
    n = pt.x.shape[0]
    dx, dv = z[:n], z[n:]
    merit0 = pt.merit(st.mu, st.nu)
    alpha = 1.0
    nonfinite_trial = False
    while alpha >= opts.min_step:
        trial, ok = prob.at(pt.x + alpha * dx, pt.v + alpha * dv)
        if not ok:
            nonfinite_trial = True
        elif trial.merit(st.mu, st.nu) <= merit0 + alpha * opts.beta * slope:
            # the inertia shift's floor adapts: down after a full step, up after a short one
            st.shift_floor = min(max(st.shift_floor * (0.1 if alpha == 1.0 else
                                                       10.0 if alpha < 0.1 else 1.0),
                                     1e-4), 1.0)
            return trial
        alpha *= 0.5
    if nonfinite_trial:
        return st.stop(NONFINITE, "fun/jac/constraints returned NaN or inf along the search "
                                  f"direction at iteration {st.it}")
    return st.stop(LINESEARCH, f"step size below {opts.min_step:g} at iteration {st.it}")


def _move(st: _State, trial: _Point, opts: AuglagOptions) -> None:
    """Spec §4 step 9: the trial point becomes the iterate; ``theta_{k+1}`` (``'superlinear'``:
    ``min(1, ||grad L_{k+1}||)``, a numsolve choice; else 1)."""
    st.point = trial
    st.kkt = trial.kkt_residual()
    st.it += 1
    if opts.accuracy == "superlinear":
        st.theta = min(1.0, st.kkt)


def _result(st: _State, prob: _Problem, opts: AuglagOptions) -> OptimizeResult:
    """The :class:`OptimizeResult` of a run (fields in ``minimize_auglag``'s docstring)."""
    pt = st.point
    splits = np.cumsum(prob.cons.sizes)[:-1]
    return OptimizeResult(
        x=pt.x,
        fun=float(pt.f) if np.isfinite(pt.f) else pt.f,
        jac=pt.g,
        v=list(np.split(pt.v, splits)),
        multipliers=pt.v,
        kkt_residual=st.kkt,
        constr_violation=float(np.max(np.abs(pt.c))) if pt.c.size and _finite(pt.c) else np.inf,
        nit=st.it,
        nfev=prob.obj.nfev,
        njev=prob.obj.njev,
        nhev=prob.obj.nhev,
        constr_nfev=prob.cons.ncev,
        constr_njev=prob.cons.njcev,
        constr_nhev=prob.cons.nhcev,
        inner_nit=st.inner_nit,
        max_sketch_size=st.max_sketch,
        penalty=st.penalty,
        safeguard_accepts=st.safeguard,
        success=st.status == CONVERGED,
        status=st.status,
        message=status_message(st.status, st.detail or _DETAIL.get(st.status), kind="optimize"),
        kkt_solver=opts.kkt_solver,
        backend="numpy",
    )


# ---------------------------------------------------------------------------------------------
# the method
# ---------------------------------------------------------------------------------------------
def _host_point(x0, bounds) -> np.ndarray:
    """``x0`` as a fresh float64 host vector; refuses device arrays and ``bounds``."""
    xp = get_namespace(x0)
    if not is_numpy_namespace(xp):  # the dispatcher refuses it (host_only); direct calls too
        raise TypeError("method='auglag' runs on the CPU (sparse LU, Lanczos); x0 is a "
                        f"{backend_name(xp)} array - move it with numsolve.to_numpy(x0)")
    if bounds is not None:
        raise ValueError("method='auglag' supports equality constraints only; bounds are not "
                         "supported (use method='scipy:trust-constr' or 'scipy:l-bfgs-b')")
    return np.array(x0, dtype=np.float64, copy=True).reshape(-1)


def minimize_auglag(
    fun, x0, *, args=(), jac=None, hess=None, hessp=None, bounds=None, constraints=(), tol=None,
    callback=None, gtol: float = 1e-6, maxiter: int = 1000, kkt_solver: str = "direct",
    sketch_size: int | None = None, adaptive_sketch: bool = True, inner_maxiter=None,
    inner_tol: str = "relative", recycle: int | None = None,
    acceleration: str = "auto", v0=None, mu0: float = 1.0, nu0: float = 0.1,
    delta0: float = 0.1, delta_min: float | str = "auto", equilibrate: bool = True,
    xi_B: float = 0.1, beta: float = 0.1, rho: float = 1.5, accuracy: str = "linear",
    merit_hess: str = "lagrangian", singular_jacobian: str = "regularize",
    xi_G_min: float = 1e-2, hess_modification: str = "inertia", min_step: float = 1e-12, rng=None,
) -> OptimizeResult:
    """Exact augmented Lagrangian with randomized iterative sketching (AdaSketch-Newton).

    ``numsolve.minimize(fun, x0, method='auglag', ...)`` solves ``min f(x) s.t. c(x) = 0`` by
    inexact Newton steps on the KKT system ``[[B, G^T], [G, 0]] (dx, dv) = -(grad_x L, c)``
    (``B`` the Lagrangian Hessian, shifted when not positive definite on ``null(G)``), an
    Armijo line search on the exact augmented Lagrangian merit ``f + v^T c + mu/2 ||c||^2 +
    nu/2 ||grad_x L||^2``, adaptive solver accuracy ``delta`` and penalties ``mu``, ``nu``
    (Hong, Na, Mahoney & Kolar, ICML 2023). Multipliers follow ``L = f + v^T c``.

    Parameters
    ----------
    fun, x0, args, jac, hess, hessp, tol, callback
        As in :func:`numsolve.minimize` (SciPy's); ``jac=None`` and no ``hess``/``hessp``
        use finite differences (small problems only); ``tol`` sets ``gtol``; the callback gets
        ``x``, ``fun``, ``v``, ``kkt_residual``, ``nit``. ``x0`` is never modified.
    constraints : NonlinearConstraint, LinearConstraint, dict or a list of them
        Equality constraints only (``lb == ub`` or ``{'type': 'eq', ...}``); constraint
        Hessians from ``NonlinearConstraint.hess(x, v)``, else finite differences of
        ``J^T v``. Inequalities and ``bounds`` raise ``ValueError``.

    Options
    -------
    gtol : float, default 1e-6; maxiter : int, default 1000
        Stop when the KKT residual ``||(grad f + G^T v, c)||_2 <= gtol``, or after ``maxiter``
        outer (Newton) iterations.
    kkt_solver : str, default 'direct'
        ``'direct'`` (LU; of the Schur complement ``G B^-1 G^T`` when ``B`` is a positive
        diagonal and ``G`` sparse), ``'minres'``, or the paper's randomized sketch-and-project
        solvers ``'gaussian'`` (one Gaussian vector per step), ``'kaczmarz'`` (one random row),
        ``'block-gaussian'``, ``'block-kaczmarz'`` (``sketch_size`` columns/rows per step).
    sketch_size : int, optional, and adaptive_sketch : bool, default True
        Block size of the block sketches (default ``ceil(sqrt(n + m))``), doubled after a
        pass that did not halve the residual (largest: ``max_sketch_size``) when adaptive.
    inner_maxiter : int, optional
        Cap on KKT-solver iterations per solve (hitting it: ``status=7``, ``INNER_SOLVER``).
        Default: a work budget ``5e8 / (n + m)^2`` clipped to ``[1e6, 1e7]`` for the compiled
        loops, ``200 ceil((n + m) / s)`` for sparse or matrix-free sketches, ``10 (n + m)``
        for MINRES (see :doc:`/optimize`).
    inner_tol : {'relative', 'paper'}
        KKT-solve accuracy ``||K z - b|| <= theta delta ||b||``, or the paper's rule.
    acceleration : {'auto', 'nesterov', 'momentum', 'none'}
        Acceleration of the one-vector sketches on dense KKT matrices; ``'auto'``: momentum,
        then Nesterov if the solve has not converged (see :doc:`/optimize`).
    recycle : int, optional
        Warm-start every KKT solve with the least-squares fit over the last ``recycle``
        Newton steps (default 2 for ``'gaussian'``/``'kaczmarz'``, 0 otherwise).
    v0 : array, shape (m,), optional
        Starting multipliers (default zeros).
    mu0, nu0, delta0, xi_B, beta, rho : float
        Penalty on ``||c||^2`` (1.0), weight on ``||grad_x L||^2`` (0.1), initial solver
        accuracy (0.1), Hessian-modification floor (0.1), Armijo constant (0.1) and penalty
        growth factor (1.5): the paper's defaults.
    delta_min : float or 'auto'
        Floor of the solver accuracy ``delta`` (the paper: 1e-6); ``'auto'``: 1e-9 for the
        one-vector sketches on a dense KKT matrix, 1e-6 otherwise.
    equilibrate : bool, default True
        ``'gaussian'`` on a dense KKT matrix samples the row-equilibrated system;
        ``False``: the paper's standard Gaussian vectors.
    accuracy : {'linear', 'superlinear'}, and merit_hess : {'lagrangian', 'objective'}
        ``theta = 1`` or ``theta_k = min(1, ||grad L_k||)``; the Hessian of the merit
        gradient: the Lagrangian's (the paper) or the objective's.
    singular_jacobian : {'regularize', 'absolute', 'relative', 'off'}, and xi_G_min : float
        Default: regularise ``K`` where ``lambda_min(G G^T) < xi_G_min`` (1e-2) and restore
        feasibility before giving up (``status=8`` if infeasible; :doc:`/optimize`). Else
        the paper's stop, ``status=6``, when ``lambda_min(G G^T) < xi_G_min`` (absolute),
        ``lambda_min / lambda_max < xi_G_min`` (relative), or never.
    hess_modification : {'inertia', 'auto', 'off'}, and min_step : float, default 1e-12
        ``B = H + max(-2 lambda_min, s ||H||_F) I`` when ``lambda_min(Z^T H Z) <= 0`` (``s``
        adapts), the paper's ``H + (xi_B + ||H||_F) I`` when it is below 1e-6 (``'auto'``),
        or none; ``status=5`` (``LINESEARCH``) below the step ``min_step``.
    rng : int or numpy.random.Generator, optional
        Seed of the sketches (same seed, same result).

    Returns
    -------
    OptimizeResult
        ``x``, ``fun``, ``jac``, ``v`` (one array per constraint, as ``trust-constr``),
        ``multipliers``, ``kkt_residual``, ``constr_violation``, ``nit``, evaluation counts
        (``nfev``, ``njev``, ``nhev``, ``constr_*``), ``inner_nit``, ``penalty`` (``(mu, nu,
        delta)`` per iteration), ``safeguard_accepts``, ``success``, ``status``
        (:class:`~numsolve.Status`) and ``message``.

    Examples
    --------
    >>> import numpy as np
    >>> import numsolve
    >>> from scipy.optimize import NonlinearConstraint
    >>> f = lambda x: (x[0] - 1) ** 2 + (x[1] - 2) ** 2
    >>> g = lambda x: np.array([2 * (x[0] - 1), 2 * (x[1] - 2)])
    >>> h = lambda x: 2 * np.eye(2)
    >>> circle = NonlinearConstraint(lambda x: x @ x, 1.0, 1.0, jac=lambda x: 2 * x[None, :],
    ...                              hess=lambda x, v: 2 * v[0] * np.eye(2))
    >>> res = numsolve.minimize(f, np.array([1.0, 1.0]), method="auglag", jac=g, hess=h,
    ...                         constraints=circle)
    >>> res.success, np.round(res.x, 6)
    (True, array([0.447214, 0.894427]))
    """
    # problem standardisation: x0 on the host, options checked once, f and c with counters
    x = _host_point(x0, bounds)
    given = locals()
    opts = AuglagOptions(**{f.name: given[f.name] for f in fields(AuglagOptions)
                            if f.name != "gtol"}, gtol=gtol if tol is None else tol)
    prob = _Problem(_Objective(fun, jac, hess, hessp, tuple(args)),
                    _EqConstraints(constraints, x))
    # the state at (x0, v0), the outer iterations (spec §4 steps 1-9), the result
    st = _start(prob, x, _initial_multipliers(opts.v0, prob.cons.m), opts)
    if st.status != NONFINITE:
        _iterate(st, prob, opts, wrap_callback(callback))
    return _result(st, prob, opts)


minimize_auglag.capabilities = {"bounds": True, "constraints": True, "jac": True,  # type: ignore
                                "hess": True}
minimize_auglag.host_only = True  # type: ignore[attr-defined]
