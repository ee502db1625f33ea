"""Sequences of related linear systems: :class:`SequenceSolver`, :func:`sort_systems`.

A stream of systems ``(A_i, b_i[, context_i])`` is solved one after another, and what one
solve learned is carried to the next (issue 18; the SKR recipe of *Accelerating Data Generation
for Neural Operators via Krylov Subspace Recycling*: sort, then recycle):

(a) the previous solution as the initial guess (when the sizes match), optionally improved by
    a minimal-residual projection onto the span of the last ``augment`` solutions;
(b) a recycled subspace ``U`` of harmonic Ritz vectors: deflated CG (``method='cg'``,
    :func:`~numsolve.linalg.krylov._recycle.solve_defcg`) or GCRO-DR (``method='gmres'``,
    :func:`~numsolve.linalg.krylov.gcrodr.solve_gcrodr`);
(c) an ``omega`` tuner for ``method='sor'``/``'ssor-cg'`` (it learns from each solve);
(d) a reusable preconditioner: ``preconditioner='amg'`` builds a PyAMG smoothed-aggregation
    hierarchy once (applied by the compiled V-cycle of
    :class:`~numsolve.linalg.AMGPreconditioner`) and rebuilds it only when the
    iteration count drifts above ``rebuild_factor`` times the count right after the build.

Offline batches may be sorted first (:func:`sort_systems`: greedy nearest-neighbour order on a
cheap feature of each system).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._backend import get_namespace, is_sparse, to_numpy
from .._checks import check_choice, check_int, check_real
from .._result import SolveResult
from .._status import CONVERGED, MAXITER, batch_message

__all__ = ["SequenceSolver", "sort_systems", "system_feature", "split_sequences",
           "solve_chunk", "solve_chunks", "batch_result"]

_ALIASES = {"defcg": "cg", "gcrodr": "gmres"}

_KRYLOV = ("cg", "gmres")
_SOR = ("sor", "ssor-cg")


# --------------------------------------------------------------------------------------------
# sorting (the "S" of SKR)
# --------------------------------------------------------------------------------------------
def _sample(v, size: int) -> np.ndarray:
    v = np.ravel(np.asarray(to_numpy(v), dtype=np.float64))
    if v.size <= size:
        return v
    return v[np.linspace(0, v.size - 1, size).astype(int)]


def system_feature(A, b, context=None, *, size: int = 128) -> np.ndarray:
    """A cheap feature vector of one system, for :func:`sort_systems`.

    The numeric ``context`` when there is one (e.g. the coarse log-permeability of
    :func:`~numsolve.problems.darcy_sequence`); else ``size`` evenly spaced entries of the
    diagonal of ``A`` (dense or sparse) and of ``b / norm(b)``.
    """
    if context is not None:
        try:
            c = np.ravel(np.asarray(context, dtype=np.float64))
            if c.size and np.all(np.isfinite(c)):
                return c
        except (TypeError, ValueError):
            pass
    diag = A.diagonal() if hasattr(A, "diagonal") else None
    parts = [] if diag is None else [_sample(diag, size)]
    bb = _sample(b, size)
    parts.append(bb / max(float(np.linalg.norm(bb)), 1e-300))
    return np.concatenate(parts)


def sort_systems(systems: list, feature: Callable | None = None, *, start: int = 0) -> np.ndarray:
    """Greedy nearest-neighbour order of a batch of systems (SKR's sorting step).

    Starting from system ``start``, repeatedly visit the unvisited system whose feature is
    closest (Euclidean) to the current one.

    Parameters
    ----------
    systems : list of (A, b) or (A, b, context)
    feature : callable, optional
        ``feature(A, b, context) -> 1-D array``; default ``system_feature`` (the numeric
        context, else samples of the diagonal and of ``b``).
    start : int, default 0

    Returns
    -------
    order : array of int
        A permutation of ``range(len(systems))``.

    Notes
    -----
    The sorting step of SKR (sorting Krylov recycling) [1]_: neighbours in the order are
    similar, so a recycled subspace carries over.

    References
    ----------
    .. [1] H. Wang, Z. Hao, J. Wang, Z. Geng, Z. Wang, B. Li and F. Wu, "Accelerating data
       generation for neural operators via Krylov subspace recycling", ICLR 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.linalg import sort_systems
    >>> systems = [(np.eye(2) * c, np.ones(2), c) for c in (0.0, 3.0, 1.0, 2.0)]
    >>> sort_systems(systems).tolist()
    [0, 2, 3, 1]
    """
    feature = system_feature if feature is None else feature
    m = len(systems)
    if m == 0:
        raise ValueError("systems is empty")
    start = check_int("start", start, low=0, high=m - 1)
    F = [np.ravel(np.asarray(feature(*_unpack(s, i)), dtype=np.float64))
         for i, s in enumerate(systems)]
    if len({f.size for f in F}) > 1:  # sizes differ: compare by the leading entries
        d = min(f.size for f in F)
        F = [f[:d] for f in F]
    F = np.stack(F)
    order = [start]
    left = np.ones(m, dtype=bool)
    left[start] = False
    for _ in range(m - 1):
        dist = np.sum((F - F[order[-1]]) ** 2, axis=1)
        dist[~left] = np.inf
        j = int(np.argmin(dist))
        order.append(j)
        left[j] = False
    return np.asarray(order)


def _unpack(item, i: int):
    if not isinstance(item, tuple) or len(item) not in (2, 3):
        raise TypeError(f"system {i} must be a tuple (A, b) or (A, b, context), got "
                        f"{type(item).__name__}")
    return item[0], item[1], item[2] if len(item) == 3 else None


# --------------------------------------------------------------------------------------------
# preconditioner reuse
# --------------------------------------------------------------------------------------------
def _amg(A):
    try:
        import pyamg
    except ImportError:  # pragma: no cover - pyamg is a dependency of the tests
        raise ImportError("preconditioner='amg' needs PyAMG (pip install pyamg)") from None
    if not is_sparse(A) or not type(A).__module__.startswith("scipy"):
        raise TypeError("preconditioner='amg' needs host SciPy sparse matrices")
    from .krylov._amg import AMGPreconditioner

    del pyamg
    return AMGPreconditioner(A, smoothing="forward-backward")


class _ReusedPreconditioner:
    """A preconditioner built from one ``A_i`` and reused until the iterations drift."""

    def __init__(self, factory: Callable, factor: float):
        self.factory, self.factor = factory, factor
        self.M = None
        self.n = None
        self.nit_ref = None
        self.builds = 0

    def get(self, A):
        n = int(A.shape[0])
        if self.M is None or n != self.n:
            self.M, self.n, self.nit_ref = self.factory(A), n, None
            self.builds += 1
        return self.M

    def cap(self) -> int | None:
        """Iterations a solve with the reused ``M`` may take before ``M`` is rebuilt from
        its system mid-solve (None right after a build: nothing to compare with)."""
        if self.M is None or self.nit_ref is None:
            return None
        return int(np.ceil(self.factor * self.nit_ref))

    def record(self, nit: int) -> None:
        """After a solve: set the reference count (the system ``M`` was built from), or drop
        ``M`` when ``nit`` exceeds ``factor`` times it."""
        if self.nit_ref is None:
            self.nit_ref = max(int(nit), 1)
        elif nit > self.factor * self.nit_ref:
            self.M = None  # rebuilt from the next system


# --------------------------------------------------------------------------------------------
# the stateful solver
# --------------------------------------------------------------------------------------------
class SequenceSolver:
    """Solve a stream of related systems, carrying warm starts and a recycled subspace.

    Parameters
    ----------
    method : {'cg', 'gmres', 'sor', 'ssor-cg'} or a name of ``numsolve.solve``
        ``'cg'``: deflated CG with recycling (SPD systems); ``'gmres'``: GCRO-DR(m, k);
        ``'sor'``/``'ssor-cg'``: pass a tuner as ``omega`` in ``options``; any other solve
        method gets warm starts only.
    recycle : int, default 10
        Size ``k`` of the recycled subspace (0: warm starts only). Validated against each
        system's size.
    warm_start : bool, default True
        Start from the previous solution when the sizes match.
    augment : int, default 0
        Also project the initial guess onto the span of the last ``augment`` solutions
        (minimal residual; ``augment`` extra products with ``A``).
    rtol, atol, maxiter, M
        As for :func:`numsolve.solve`, for every system.
    preconditioner : {None, 'amg', 'ssor'} or callable, optional
        Build ``M`` from a system (``factory(A) -> M``) and reuse it; rebuilt when ``nit`` of
        a solve exceeds ``rebuild_factor`` times the count of the solve right after a build.
        ``'amg'``: PyAMG's smoothed-aggregation hierarchy applied by a compiled V-cycle
        (:class:`~numsolve.linalg.AMGPreconditioner` with ``smoothing='forward-backward'``;
        host SciPy sparse SPD systems).
        ``'ssor'`` (``method='cg'`` only): SSOR(``omega``) of each system itself, applied by
        Eisenstat's trick in the fused def-CG kernel (``solve_defcg(..., ssor=omega)``; an
        iteration costs about one product with ``A``); pass ``omega`` in ``options``
        (default 1.0; near ``2 - 6 / m`` for diffusion on an ``m x m`` grid). With
        ``recycle=0`` and ``warm_start=False`` it is independent SSOR-PCG.
    rebuild_factor : float, default 3
        A build costs a few solves (PyAMG's setup on a 128² Darcy system: about four
        preconditioned solves), and a reused ``M`` typically needs 1.5–2.5x the iterations
        of a fresh one on the next, similar systems; a rebuild pays once the count passes
        about 3x.
    options : dict, optional
        Further options of the method (``restart`` of GMRES, ``n_store``, ``omega``, ...).

    Attributes
    ----------
    totals : dict
        ``systems``, ``nit``, ``nmatvec``, ``time`` (seconds) over all solves since the last
        :meth:`reset`, and ``preconditioner_builds``.

    Notes
    -----
    SKR's recipe [1]_: solve related systems in turn and recycle a Krylov subspace, here by
    deflated CG [2]_ (``'cg'``) or GCRO-DR [3]_ (``'gmres'``); with an ``omega`` tuner,
    ``'sor'``/``'ssor-cg'`` learn the relaxation factor as in [4]_.

    References
    ----------
    .. [1] H. Wang, Z. Hao, J. Wang, Z. Geng, Z. Wang, B. Li and F. Wu, "Accelerating data
       generation for neural operators via Krylov subspace recycling", ICLR 2024.
    .. [2] Y. Saad, M. Yeung, J. Erhel and F. Guyomarc'h, "A deflated version of the
       conjugate gradient algorithm", SIAM J. Sci. Comput. 21(5):1909-1926, 2000.
    .. [3] M. L. Parks, E. de Sturler, G. Mackey, D. D. Johnson and S. Maiti, "Recycling Krylov
       subspaces for sequences of linear systems", SIAM J. Sci. Comput. 28(5):1651-1674, 2006.
    .. [4] M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting
       solver parameters across a sequence of linear system instances", ICLR 2024,
       arXiv:2310.02246.

    Examples
    --------
    >>> import numpy as np
    >>> from numsolve.linalg import SequenceSolver
    >>> from numsolve.problems import heat_sweep
    >>> seq = SequenceSolver("cg", recycle=8, rtol=1e-8)
    >>> out = [seq.solve(A, b) for A, b, _ in heat_sweep(np.linspace(1, 2, 5), 16)]
    >>> all(r.success for r in out), seq.totals["systems"]
    (True, 5)
    >>> seq.state["U"].shape
    (256, 8)
    """

    def __init__(self, method: str = "cg", *, recycle: int = 10, warm_start: bool = True,
                 augment: int = 0, rtol: float = 1e-5, atol: float = 0.0,
                 maxiter: int | None = None, M: Any = None,
                 preconditioner: str | Callable | None = None, rebuild_factor: float = 3.0,
                 options: dict | None = None):
        if not isinstance(method, str):
            raise TypeError(f"method must be a string, got {type(method).__name__}")
        self.method = _ALIASES.get(method.lower(), method.lower())
        if self.method not in _SOR:
            _plain(self.method)
        self.recycle = check_int("recycle", recycle, low=0)
        self.augment = check_int("augment", augment, low=0)
        self.warm_start = bool(warm_start)
        self.rtol, self.atol, self.maxiter = rtol, atol, maxiter
        self.options = dict(options or {})
        if M is not None and preconditioner is not None:
            raise ValueError("pass either M or preconditioner, not both")
        self.M = M
        check_real("rebuild_factor", rebuild_factor, low=1.0)
        self._ssor = isinstance(preconditioner, str) and preconditioner.lower() == "ssor"
        if preconditioner is None or self._ssor:
            self._pre = None
            if self._ssor and self.method != "cg":
                raise ValueError(f"preconditioner='ssor' needs method='cg', not {method!r}")
        elif isinstance(preconditioner, str):
            check_choice("preconditioner", preconditioner, ("amg", "ssor"))
            self._pre = _ReusedPreconditioner(_amg, rebuild_factor)
        elif callable(preconditioner):
            self._pre = _ReusedPreconditioner(preconditioner, rebuild_factor)
        else:
            raise TypeError("preconditioner must be None, 'amg', 'ssor' or a callable A -> M")
        if self.method in _SOR and (M is not None or preconditioner is not None):
            raise ValueError(f"method={self.method!r} takes no preconditioner")
        self.reset()

    # -- state ----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the recycled subspace, the last solutions and the totals (not the tuner)."""
        self._U = None
        self._x = None
        self._X: list = []
        self.totals = {"systems": 0, "nit": 0, "nmatvec": 0, "time": 0.0,
                       "preconditioner_builds": 0}
        if self._pre is not None:
            self._pre.M = None

    @property
    def state(self) -> dict:
        """``U`` (recycled subspace or None), ``x`` (last solution), ``solutions`` (kept for
        ``augment``) and the totals; arrays are the solver's own (do not modify)."""
        return {"U": self._U, "x": self._x, "solutions": list(self._X),
                "totals": dict(self.totals)}

    def state_dict(self) -> dict:
        """The state as host NumPy arrays (what :meth:`save` writes)."""
        d = {"method": np.asarray(self.method), "recycle": np.asarray(self.recycle)}
        if self._U is not None:
            d["U"] = np.asarray(to_numpy(self._U))
        if self._x is not None:
            d["x"] = np.asarray(to_numpy(self._x))
        if self._X:
            d["solutions"] = np.stack([np.asarray(to_numpy(v)) for v in self._X])
        for key, val in self.totals.items():
            d[f"totals_{key}"] = np.asarray(val)
        return d

    def load_state_dict(self, d) -> SequenceSolver:
        """Restore a :meth:`state_dict` (``method`` and ``recycle`` must match)."""
        if str(d["method"]) != self.method:
            raise ValueError(f"state is of method {str(d['method'])!r}, not {self.method!r}")
        if int(d["recycle"]) != self.recycle:
            raise ValueError(f"state has recycle={int(d['recycle'])}, not {self.recycle}")
        self.reset()
        self._U = np.array(d["U"]) if "U" in d else None
        self._x = np.array(d["x"]) if "x" in d else None
        self._X = [np.array(v) for v in d["solutions"]] if "solutions" in d else []
        for key in list(self.totals):
            if f"totals_{key}" in d:
                self.totals[key] = type(self.totals[key])(np.asarray(d[f"totals_{key}"]))
        return self

    def save(self, file) -> None:
        """Write the state with :func:`numpy.savez` (file name or file object)."""
        np.savez(file, **self.state_dict())

    def load(self, file) -> SequenceSolver:
        """Read a state written by :meth:`save`."""
        with np.load(file, allow_pickle=False) as z:
            return self.load_state_dict({k: z[k] for k in z.files})

    # -- one system -----------------------------------------------------------------------------
    def _guess(self, A, b, x0):
        n = int(A.shape[0])
        if x0 is None and self.warm_start and self._x is not None and self._x.shape == (n,):
            x0 = self._x
        if not self.augment or not self._X or any(v.shape != (n,) for v in self._X):
            return x0, 0
        return _min_residual_guess(A, b, x0, self._X[-self.augment:]), len(self._X[-self.augment:])

    def _with_reused_preconditioner(self, A, b, x0, context) -> SolveResult:
        """Solve with the reused ``M``, at most ``rebuild_factor`` times the post-build count;
        past that, rebuild ``M`` from this system and go on from where the solve stopped."""
        builds = self._pre.builds
        M = self._pre.get(A)
        cap = self._pre.cap()
        budget = self.maxiter
        first = self._impl(A, b, x0, M, context,
                           None if cap is None else min(cap, budget or cap))
        res = first
        if cap is not None and first.status == MAXITER and (budget is None or budget > cap):
            self._pre.M = None  # drifted: rebuild from this system, continue from first.x
            M = self._pre.get(A)
            res = self._impl(A, b, first.x, M, context,
                             None if budget is None else budget - int(first.nit))
            self._pre.record(res.nit)  # a warm count: a lower reference, an earlier rebuild
            res["nit"] = int(first.nit) + int(res.nit)
            res["nmatvec"] = (int(first.get("nmatvec", first.nit + 1))
                              + int(res.get("nmatvec", res.nit + 1)))
        else:
            self._pre.record(res.nit)
        self.totals["preconditioner_builds"] += self._pre.builds - builds
        return res

    def _impl(self, A, b, x0, M, context, maxiter: int | None = None):
        from .krylov import _recycle
        from .krylov.gcrodr import solve_gcrodr
        from .relaxation._sor import solve_sor, solve_ssor_cg

        kw = dict(rtol=self.rtol, atol=self.atol,
                  maxiter=self.maxiter if maxiter is None else maxiter)
        opts = dict(self.options)
        U = self._U if (self._U is not None and self._U.shape[0] == int(A.shape[0])) else None
        if self._ssor:
            opts["ssor"] = opts.pop("omega", 1.0)
        if self.method == "cg" and (self.recycle or self._ssor):
            k = _recycle.check_recycle_k(self.recycle, int(A.shape[0]), "recycle")
            return _recycle.solve_defcg(A, b, x0, M=M, U=U, k=k, **kw, **opts)
        if self.method == "gmres" and self.recycle:
            k = _recycle.check_recycle_k(self.recycle, int(A.shape[0]), "recycle")
            return solve_gcrodr(A, b, x0, M=M, U=U, k=k, **kw, **opts)
        if self.method in _SOR:
            impl = solve_sor if self.method == "sor" else solve_ssor_cg
            return impl(A, b, x0, context=context, **kw, **opts)
        return _plain(self.method)(A, b, x0, M=M, **kw, **opts)

    def solve(self, A, b, context=None, x0=None) -> SolveResult:
        """Solve one system of the stream and update the state.

        ``x0`` overrides the warm start. A system whose size differs from the previous one
        starts cold (no warm start, no recycled subspace). The result carries ``nmatvec``
        (products with ``A``, the recycle and augment products included).
        """
        if self._X and getattr(A, "shape", None) is not None and self.augment \
                and any(v.shape != (int(A.shape[0]),) for v in self._X):
            self._X = []
        t0 = time.perf_counter()
        x0, extra = self._guess(A, b, x0)
        if self._pre is None:
            res = self._impl(A, b, x0, self.M, context)
        else:
            res = self._with_reused_preconditioner(A, b, x0, context)
        res["nmatvec"] = int(res.get("nmatvec", res.nit + 1)) + extra
        res["time"] = time.perf_counter() - t0
        self._update(res)
        return res

    def _update(self, res: SolveResult) -> None:
        x = res.x
        if getattr(x, "ndim", 1) != 1:
            x = get_namespace(x).reshape(x, (-1,))
        if res.status == CONVERGED or res.get("U") is not None:
            self._x = x if bool(np.all(np.isfinite(to_numpy(x)))) else self._x
        if "U" in res:
            self._U = res["U"] if res["U"] is not None else self._U
        if self.augment and res.status == CONVERGED:
            self._X = (self._X + [x])[-self.augment:]
        self.totals["systems"] += 1
        self.totals["nit"] += int(res.nit)
        self.totals["nmatvec"] += int(res["nmatvec"])
        self.totals["time"] += float(res["time"])

    # -- many systems ---------------------------------------------------------------------------
    def solve_all(self, systems: Iterable, *, sort: bool = False,
                  feature: Callable | None = None) -> SolveResult:
        """Solve a batch in turn (after :func:`sort_systems` when ``sort``); results in the
        input order, with ``order`` (the solve order) and the per-system counts."""
        systems = list(systems)
        if not systems:
            raise ValueError("the sequence of systems is empty")
        items = [_unpack(s, i) for i, s in enumerate(systems)]
        order = sort_systems(systems, feature) if sort else np.arange(len(items))
        results: list = [None] * len(items)
        for i in order:
            A, b, c = items[i]
            results[int(i)] = self.solve(A, b, c)
        return batch_result(results, order, self.method)


def _plain(method: str) -> Callable:
    """The solver of a method without recycling (warm starts only)."""
    from .krylov._cg import solve_cg
    from .krylov._fcg import solve_fcg
    from .krylov._gmres import solve_fgmres, solve_gmres
    from .krylov._minres import solve_minres

    table = {"cg": solve_cg, "gmres": solve_gmres, "fgmres": solve_fgmres, "fcg": solve_fcg,
             "minres": solve_minres}
    if method not in table:
        raise ValueError(f"SequenceSolver: unknown method {method!r}; valid methods are: "
                         + ", ".join(sorted([*table, *_SOR])))
    return table[method]


def _min_residual_guess(A, b, x0, X: list):
    """``x0 + Y c`` minimising ``norm(b - A (x0 + Y c))`` over ``Y`` = span of ``X``."""
    xp = get_namespace(b, *X)
    Y = xp.stack(X, axis=1)
    AY = xp.stack([xp.asarray(A @ Y[:, j]) for j in range(Y.shape[1])], axis=1)
    r = b if x0 is None else b - A @ x0
    c, *_ = np.linalg.lstsq(np.asarray(to_numpy(AY)), np.asarray(to_numpy(r)), rcond=None)
    step = Y @ xp.asarray(c, dtype=Y.dtype)
    return step if x0 is None else x0 + step


def batch_result(results: list, order, method: str) -> SolveResult:
    """The :class:`~numsolve.SolveResult` of a batch: per-system arrays plus totals."""
    xs = [r.x for r in results]
    same = len({tuple(x.shape) for x in xs}) == 1
    status = np.array([r.status for r in results])
    nit = np.array([r.nit for r in results])
    nmv = np.array([r.get("nmatvec", r.nit + 1) for r in results])
    return SolveResult(
        x=get_namespace(*xs).stack(xs, axis=0) if same else xs,
        success=status == CONVERGED,
        status=status,
        message=batch_message(status, kind="linear"),
        nit=nit,
        nmatvec=nmv,
        residual_norms=[r.residual_norms for r in results],
        backend=results[0].backend,
        method=method,
        order=np.asarray(order),
        results=results,
        totals={"systems": len(results), "nit": int(nit.sum()), "nmatvec": int(nmv.sum()),
                "time": float(sum(r.get("time", 0.0) for r in results))},
    )


_SOLVER_KEYS = ("recycle", "warm_start", "augment", "rtol", "atol", "maxiter", "M",
                "preconditioner", "rebuild_factor")


def _solver_kwargs(kw: dict) -> dict:
    """Split ``kw`` into :class:`SequenceSolver` arguments and its ``options``."""
    out = {k: v for k, v in kw.items() if k in _SOLVER_KEYS}
    out["options"] = {k: v for k, v in kw.items() if k not in _SOLVER_KEYS}
    return out


def split_sequences(m: int, n_sequences) -> list[np.ndarray]:
    """Contiguous pieces of ``range(m)`` (the solve order): ``n_sequences`` near-equal ones,
    or pieces of the given sizes (a tuple, e.g. the chunks of a dask array)."""
    if isinstance(n_sequences, (tuple, list)):
        sizes = [check_int("n_sequences", s, low=1) for s in n_sequences]
        if sum(sizes) != m:
            raise ValueError(f"n_sequences sizes add up to {sum(sizes)}, not to the {m} systems")
        return np.split(np.arange(m), np.cumsum(sizes)[:-1])
    n_sequences = check_int("n_sequences", n_sequences, low=1)
    return [c for c in np.array_split(np.arange(m), min(n_sequences, m)) if c.size]


def solve_chunk(systems: list, method: str, **kw) -> SolveResult:
    """One independent sequence (its own :class:`SequenceSolver`, in the given order)."""
    return SequenceSolver(method, **_solver_kwargs(kw)).solve_all(systems)


def solve_chunks(systems: list, method: str, n_sequences: int = 1, *, sort: bool = False,
                 feature: Callable | None = None, mapper: Callable | None = None,
                 **kw) -> SolveResult:
    """Sort (optionally), split into ``n_sequences`` contiguous sequences, solve each with its
    own recycle state (``mapper(solve_chunk, chunks)``: in turn, or ``client.map``), and
    gather the results in the input order."""
    order = sort_systems(systems, feature) if sort else np.arange(len(systems))
    pieces = split_sequences(len(systems), n_sequences)
    chunks = [[systems[int(i)] for i in order[p]] for p in pieces]
    if mapper is None:
        outs = [solve_chunk(c, method, **kw) for c in chunks]
    else:
        outs = mapper(chunks)
    results: list = [None] * len(systems)
    for p, out in zip(pieces, outs):
        for j, res in zip(order[p], out["results"]):
            results[int(j)] = res
    out = batch_result(results, order, method)
    out["n_sequences"] = len(pieces)
    return out
