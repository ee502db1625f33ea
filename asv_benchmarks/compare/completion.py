"""Side-by-side matrix completion: numsolve.complete vs JNS13, softImpute-ALS, surprise.

Same data, one process, same thread count on every side (``--threads``, default 1: Numba
threads of numsolve, BLAS threads of every library through threadpoolctl; surprise's SGD is
single-threaded Cython).

Competitors (the baselines of issue 17):

* ``numsolve altmin (exact)`` / ``(sketch)``: :func:`numsolve.complete` with
  ``options={'solver': 'exact'|'sketch'}``.
* ``JNS13 AltMin (NumPy)``: :func:`jns_altmin`, the exact-solve alternating minimization of
  Jain, Netrapalli & Sanghavi (STOC 2013) written the way a NumPy user would: the ``k x k``
  normal equations of all rows from gathered designs (``einsum`` + ``np.add.reduceat``,
  ``O(|Omega| k^2)`` per pass), one batched ``np.linalg.solve``, QR; ``svds`` initialisation.
* ``softImpute-ALS``: :func:`softimpute_als`, Algorithm 3.1 of Hastie, Mazumder, Lee & Zadeh,
  "Matrix completion and low-rank SVD via fast alternating least squares" (JMLR 2015), as in
  R's ``softImpute(type="als")``: sparse-plus-low-rank products ``P_Omega(X - A B^T) + A B^T``
  (never densified), ridge ``lambda``, the SVD re-orthogonalisation of each half-step, the
  relative-change stopping rule (``thresh``, default 1e-5 as in R) and the final
  soft-thresholded SVD step.
* ``surprise SVD``: scikit-surprise's SVD (Funk SGD) where it applies (``--surprise``; at the
  default sizes, unbiased, ``n_factors = k``).

Sections (each prints the exact command):

(a) m = n = 2000, rank 10, 5% uniform, noiseless (spec §2): time to relative Frobenius error
    <= 1e-6 over ALL entries (computed from factors), interleaved repetitions; softImpute-ALS
    run once to its stopping rule, then numsolve's time to softImpute's final error (passes
    found with a callback, then timed without it).
(b) the same with Gaussian noise sigma = 0.1: error vs the oracle rank-k least-squares fit
    (true column space known).
(c) m = n = 20000, rank 20, 1% (4 M entries): time to observed-entry residual 1e-6 (peak
    memory: run under ``/usr/bin/time -v``, see docs/completion.rst).
(d) per-pass time of the exact and sketched solvers for k = 10, 20, 40, 80.

Usage::

    python -m asv_benchmarks.compare.completion               # (a), (b), (d)
    python -m asv_benchmarks.compare.completion --quick       # small sizes, smoke run
    python -m asv_benchmarks.compare.completion --only large  # (c)
"""

from __future__ import annotations

import time

import numpy as np

from ._common import interleaved, load, parser, print_timing_table, start


# --------------------------------------------------------------------------------------------
# baselines
# --------------------------------------------------------------------------------------------
def _csr_parts(rows, cols, vals, m):
    order = np.lexsort((cols, rows))
    ptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=m))])
    return ptr, cols[order], vals[order]


def _jns_half_step(ptr, idx, y, D):
    """All rows' exact least squares: Gram matrices by segment sums, one batched solve."""
    m, k = ptr.shape[0] - 1, D.shape[1]
    A = D[idx]
    nonempty = np.flatnonzero(np.diff(ptr) > 0)
    starts = ptr[nonempty]
    G = np.zeros((m, k, k))
    r = np.zeros((m, k))
    G[nonempty] = np.add.reduceat(np.einsum("ea,eb->eab", A, A), starts, axis=0)
    r[nonempty] = np.add.reduceat(A * y[:, None], starts, axis=0)
    G += 1e-12 * np.trace(G, axis1=1, axis2=2)[:, None, None] / k * np.eye(k) + \
        (np.diff(ptr) == 0)[:, None, None] * np.eye(k)
    return np.linalg.solve(G, r[:, :, None])[:, :, 0]


def jns_altmin(rows, cols, vals, shape, k, T=15, rng=0, callback=None):
    """Exact-solve AltMin (JNS13, all of Omega reused in every step), ``T`` passes.

    Returns ``(U, V)`` with ``X = U V^T``. ``callback(U, V)`` after every pass.
    """
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    m, n = shape
    p = vals.size / (m * n)
    A = sp.csr_matrix((vals / p, (rows, cols)), shape=shape)
    U = spla.svds(A, k=k, random_state=rng)[0]
    norms = np.linalg.norm(U, axis=1)  # clipping (spec step 1), mu from the 90th percentile
    U[norms > 2 * np.quantile(norms, 0.9)] = 0.0
    U = np.linalg.qr(U)[0]
    rp, rc, rv = _csr_parts(rows, cols, vals, m)
    cp, cr, cv = _csr_parts(cols, rows, vals, n)
    V = None
    for t in range(T):
        V = np.linalg.qr(_jns_half_step(cp, cr, cv, U))[0]
        U = _jns_half_step(rp, rc, rv, V)
        if callback is not None:
            callback(U, V)
        if t + 1 < T:
            U = np.linalg.qr(U)[0]
    return U, V


def softimpute_als(rows, cols, vals, shape, rank, lam=0.0, thresh=1e-5, maxit=100, rng=0,
                   callback=None):
    """softImpute-ALS, Algorithm 3.1 of Hastie et al. (JMLR 2015), R's ``type="als"``.

    ``X* = P_Omega(X) + P_Omega^perp(A B^T) = S + A B^T`` with ``S = P_Omega(X - A B^T)`` a
    sparse matrix on the fixed pattern ``Omega``; every product with ``X*`` is a sparse product
    plus a low-rank one. Returns ``(U, d, V, nit)`` with the completed matrix ``U diag(d)
    V^T`` (after the final soft-thresholded SVD step). ``callback(U, d, V)`` per iteration.
    """
    import scipy.sparse as sp

    m, n = shape
    gen = np.random.default_rng(rng)
    S = sp.csr_matrix((np.zeros(vals.size), (rows, cols)), shape=shape)
    order = np.lexsort((cols, rows))
    r_s, c_s, x_s = rows[order], cols[order], vals[order]
    U = np.linalg.qr(gen.standard_normal((m, rank)))[0]       # step 1: U random orthonormal,
    Dsq = np.ones(rank)                                      # D = I,
    V = np.zeros((n, rank))                                  # V = 0
    ratio, nit = 1.0, 0

    def residual_at(U, Dsq, V):                               # S = P_Omega(X - A B^T)
        S.data[:] = x_s - np.einsum("ij,ij->i", U[r_s] * Dsq, V[c_s])

    while ratio > thresh and nit < maxit:
        nit += 1
        U_old, V_old, D_old = U, V, Dsq
        # step 2: B^T = (D^2 + lam I)^-1 D U^T X*, then SVD of B D
        residual_at(U, Dsq, V)
        # B~ D = (X*)^T U D^2 (D^2 + lam I)^-1, and (X*)^T U = S^T U + V D^2
        BD = (S.T @ U + V * Dsq) * (Dsq / (Dsq + lam))
        Vn, dsq, Rt = np.linalg.svd(BD, full_matrices=False)  # B~ D = V~ D~^2 R^T
        V, Dsq, U = Vn, dsq, U @ Rt.T
        # step 3: A^T = (D^2 + lam I)^-1 D V^T X*^T, then SVD of A D
        residual_at(U, Dsq, V)
        AD = (S @ V + U * Dsq) * (Dsq / (Dsq + lam))
        Un, dsq, Rt = np.linalg.svd(AD, full_matrices=False)
        U, Dsq, V = Un, dsq, V @ Rt.T
        ratio = _frob_change(U_old, D_old, V_old, U, Dsq, V)
        if callback is not None:
            callback(U, Dsq, V)
    # step 5: M = X* V, SVD M = U D R^T, soft-threshold D by lam, V <- V R
    residual_at(U, Dsq, V)
    Mx = S @ V + U * Dsq
    Uf, d, Rt = np.linalg.svd(Mx, full_matrices=False)
    d = np.maximum(d - lam, 0.0)
    return Uf, d, V @ Rt.T, nit


def _frob_change(U0, D0, V0, U1, D1, V1):
    """``||A0 B0^T - A1 B1^T||_F^2 / ||A0 B0^T||_F^2`` from factors (R's convergence test)."""
    def inner(Ua, Da, Va, Ub, Db, Vb):
        return float(np.sum(((Ua.T @ Ub) * Da[:, None] * Db[None, :]) * (Va.T @ Vb)))

    a = inner(U0, D0, V0, U0, D0, V0)
    if a == 0:
        return 1.0
    b = inner(U1, D1, V1, U1, D1, V1)
    return max(a + b - 2 * inner(U0, D0, V0, U1, D1, V1), 0.0) / a


def surprise_svd(rows, cols, vals, k, epochs=50, seed=0):
    """scikit-surprise's SVD (SGD) on the observations; returns ``(U, V)`` in raw ids.

    Unbiased, no regularisation, ``lr_all = 0.01``, ``init_std_dev = 0.3``: tuned for
    unit-scale entries (surprise's defaults, made for 1-5 star ratings, stay at error ~1
    after 20 epochs here)."""
    import pandas as pd
    from surprise import SVD, Dataset, Reader

    df = pd.DataFrame({"u": rows, "i": cols, "r": vals})
    lo, hi = float(vals.min()), float(vals.max())
    data = Dataset.load_from_df(df, Reader(rating_scale=(lo, hi)))
    algo = SVD(n_factors=k, n_epochs=epochs, biased=False, lr_all=0.01, reg_all=0.0,
               init_std_dev=0.3, random_state=seed)
    train = data.build_full_trainset()
    algo.fit(train)
    U = np.zeros((rows.max() + 1, k))
    V = np.zeros((cols.max() + 1, k))
    for inner in range(train.n_users):
        U[train.to_raw_uid(inner)] = algo.pu[inner]
    for inner in range(train.n_items):
        V[train.to_raw_iid(inner)] = algo.qi[inner]
    return U, V


# --------------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------------
def warm_up():
    import numsolve
    from numsolve.problems import low_rank_completion

    prob = low_rank_completion(60, 50, 2, 0.3, rng=0)
    for solver in ("exact", "sketch"):
        numsolve.complete(prob.M, 2, rng=0, maxiter=2, options={"solver": solver})


def _passes_to(prob, err_target, **kw):
    """Passes numsolve needs to reach ``err_target`` over all entries (callback), or None."""
    import numsolve

    errs = []

    def cb(intermediate_result):
        errs.append(prob.relative_error(intermediate_result.U, intermediate_result.V))
        if errs[-1] <= err_target:
            raise StopIteration

    numsolve.complete(prob.M, kw.pop("rank"), callback=cb, **kw)
    return len(errs) if errs and errs[-1] <= err_target else None


def _time_to(prob, err, k, reps):
    """(passes, best time of ``reps``) numsolve needs to reach ``err`` over all entries."""
    import numsolve

    passes = _passes_to(prob, err, rank=k, rng=0, rtol=0.0, maxiter=200)
    t = min(interleaved({"ns": lambda: numsolve.complete(prob.M, k, rng=0, rtol=0.0,
                                                         maxiter=passes)}, reps)["ns"][0])
    return passes, t


def run_uniform(m, k, frac, reps, target=1e-6, surprise=True, softimpute_maxit=100):
    import numsolve
    from numsolve.problems import low_rank_completion

    prob = low_rank_completion(m, m, k, frac, rng=0)
    r, c, v = prob.rows, prob.cols, prob.values
    print(f"\n(a) m = n = {m}, rank {k}, {100 * frac:g}% uniform ({v.size} entries), noiseless; "
          f"target: relative Frobenius error <= {target:g} over all entries")
    passes = {s: _passes_to(prob, target, rank=k, rng=0, rtol=0.0, maxiter=200,
                            options={"solver": s}) for s in ("exact", "sketch")}
    T_jns = [0]

    def jns_cb(U, V):
        T_jns[0] += 1
        if prob.relative_error(U, V) <= target:
            raise StopIteration

    try:
        jns_altmin(r, c, v, prob.shape, k, T=200, callback=jns_cb)
    except StopIteration:
        pass
    runners = {
        f"numsolve altmin exact ({passes['exact']} passes)": lambda: numsolve.complete(
            prob.M, k, rng=0, rtol=0.0, maxiter=passes["exact"]),
        f"numsolve altmin sketch ({passes['sketch']} passes)": lambda: numsolve.complete(
            prob.M, k, rng=0, rtol=0.0, maxiter=passes["sketch"], options={"solver": "sketch"}),
        f"JNS13 AltMin NumPy ({T_jns[0]} passes)": lambda: jns_altmin(r, c, v, prob.shape, k,
                                                                     T=T_jns[0]),
    }
    out = interleaved(runners, reps)
    base = next(iter(runners))

    def cells(name, res):
        U, V = (res.U, res.V) if hasattr(res, "U") else res
        return f"{prob.relative_error(U, V):11.3e}"

    print_timing_table(out, base, f"{'rel. error':>11s}", cells)
    t_ns = min(out[base][0])
    print(f"numsolve exact: {t_ns:.3f} s (min of {reps}) to error <= {target:g} "
          f"(criterion: <= 1.0 s); load average now {load()}")
    # softImpute-ALS once, to its own stopping rule; numsolve's time to the error it reaches
    t0 = time.perf_counter()
    Us, ds, Vs, nit = softimpute_als(r, c, v, prob.shape, k, lam=0.0, maxit=softimpute_maxit)
    t_si = time.perf_counter() - t0
    e_si = prob.relative_error(Us * ds, Vs)
    p_si, t_to = _time_to(prob, e_si, k, reps)
    print(f"softImpute-ALS (lambda=0, rank.max={k}, thresh=1e-5, maxit={softimpute_maxit}): "
          f"{nit} iterations, {t_si:.2f} s, error {e_si:.3e}; numsolve reaches that error in "
          f"{p_si} passes, {t_to:.3f} s: {t_si / t_to:.1f}x faster (criterion >= 20x)")
    if surprise:
        t0 = time.perf_counter()
        Ue, Ve = surprise_svd(r, c, v, k)
        t_su, e_su = time.perf_counter() - t0, prob.relative_error(Ue, Ve)
        p_su, t_to = _time_to(prob, e_su, k, reps)
        print(f"surprise SVD (SGD, {k} factors, 50 epochs, unbiased, lr 0.01): {t_su:.2f} s, "
              f"error {e_su:.3e}; numsolve reaches that error in {p_su} passes, {t_to:.3f} s: "
              f"{t_su / t_to:.1f}x faster")


def run_noise(m, k, frac, sigma):
    import numsolve
    from numsolve.problems import low_rank_completion

    prob = low_rank_completion(m, m, k, frac, noise=sigma, rng=1)
    t0 = time.perf_counter()
    res = numsolve.complete(prob.M, k, rng=0)
    t = time.perf_counter() - t0
    err, oracle = prob.relative_error(res.U, res.V), prob.oracle_error()
    print(f"\n(b) m = n = {m}, rank {k}, {100 * frac:g}%, noise sigma = {sigma:g}: numsolve "
          f"error {err:.4e} in {res.nit} passes ({t:.2f} s); oracle rank-{k} least squares "
          f"(true column space) {oracle:.4e}; ratio {err / oracle:.2f} (criterion <= 2)")


def run_large(m, k, frac):
    import numsolve
    from numsolve.problems import low_rank_completion

    t0 = time.perf_counter()
    prob = low_rank_completion(m, m, k, frac, rng=0)
    tg = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    res = numsolve.complete(prob.M, k, rng=0, rtol=1e-6)
    t, c = time.perf_counter() - t0, time.process_time() - c0
    print(f"\n(c) m = n = {m}, rank {k}, {100 * frac:g}% ({prob.values.size} entries; generated "
          f"in {tg:.1f} s): observed-entry residual {res.residuals[-1]:.2e} after {res.nit} "
          f"passes in {t:.1f} s wall ({c:.1f} s CPU; criterion <= 60 s), error over all "
          f"entries {prob.relative_error(res.U, res.V):.2e}; load average {load()}")


#: the solvers of the scaling table: name -> options
SCALING_SOLVERS = {"exact": {"solver": "exact"},
                   "row": {"solver": "sketch", "preconditioner": "row"},
                   "global": {"solver": "sketch", "preconditioner": "global"}}


def run_scaling(m, frac, ks, reps=3, converge=True):
    """Per-pass time as (time of 4 passes - time of 2 passes) / 2 (set-up and
    initialisation cancel), interleaved repetitions, medians; the exact solver, the sketch
    with per-row CountSketch preconditioners (``'row'``) and with the global one."""
    import numsolve
    from numsolve.problems import low_rank_completion

    names = tuple(SCALING_SOLVERS)
    print(f"\n(d) per-pass time, m = n = {m}, {100 * frac:g}% observed (about {int(m * frac)} "
          f"entries per row; the row sketch has 4k rows): (t(4 passes) - t(2 passes)) / 2, "
          f"median of {reps}; error over all entries after 4 passes from a random start; "
          f"'its' = mean over the 8 half-steps of the largest PCG count of a row; "
          f"'cpu' = the same with process time (less load-sensitive); "
          f"load average {load()}")
    print(f"{'k':>4s} " + " ".join(f"{n + ' [s/pass]':>16s}" for n in names)
          + f" {'glob/exa cpu':>12s} " + " ".join(f"{'err ' + n:>11s}" for n in names)
          + f" {'its row':>8s} {'its glob':>8s} "
          + " ".join(f"{'cpu ' + n[:3]:>7s}" for n in names))
    for k in ks:
        prob = low_rank_completion(m, m, k, frac, rng=2)

        cpus: dict = {}

        def run(name, passes, M=prob.M, k=k, cpus=cpus):
            c0 = time.process_time()
            res = numsolve.complete(M, k, rng=0, rtol=0.0, maxiter=passes,
                                    options={**SCALING_SOLVERS[name], "init": "random"})
            cpus.setdefault((name, passes), []).append(time.process_time() - c0)
            return res

        out = interleaved({(s, p): (lambda s=s, p=p: run(s, p)) for s in names
                           for p in (2, 4)}, reps)
        per = {s: (float(np.median(out[(s, 4)][0])) - float(np.median(out[(s, 2)][0]))) / 2
               for s in names}
        cpu = {s: (float(np.median(cpus[(s, 4)])) - float(np.median(cpus[(s, 2)]))) / 2
               for s in names}
        res4 = {s: out[(s, 4)][1] for s in names}
        err = {s: prob.relative_error(res4[s].U, res4[s].V) for s in names}
        its = {s: float(np.mean(res4[s].inner_iterations)) for s in ("row", "global")}
        print(f"{k:4d} " + " ".join(f"{per[s]:16.3f}" for s in names)
              + f" {cpu['global'] / max(cpu['exact'], 1e-12):12.2f} "
              + " ".join(f"{err[s]:11.2e}" for s in names)
              + f" {its['row']:8.1f} {its['global']:8.1f} "
              + " ".join(f"{cpu[s]:7.3f}" for s in names), flush=True)
    if converge:
        run_scaling_converged(m, frac, ks)


def run_scaling_converged(m, frac, ks, rtol=1e-8):
    """The same problems run to an observed-entry residual of ``rtol`` (one run each):
    passes, wall time and the error over all entries each solver reaches."""
    import numsolve
    from numsolve.problems import low_rank_completion

    print(f"\n(d') the same problems to observed residual <= {rtol:g} (randomized init, one run "
          f"each): passes / wall s / CPU s / error over all entries / mean of the half-steps' "
          f"largest PCG count; load average {load()}")
    print(f"{'k':>4s} " + " ".join(f"{n:>40s}" for n in SCALING_SOLVERS))
    for k in ks:
        prob = low_rank_completion(m, m, k, frac, rng=2)
        cells = []
        for opt in SCALING_SOLVERS.values():
            t0, c0 = time.perf_counter(), time.process_time()
            res = numsolve.complete(prob.M, k, rng=0, rtol=rtol, maxiter=100, options=opt)
            t, c = time.perf_counter() - t0, time.process_time() - c0
            its = float(np.mean(res.inner_iterations)) if opt["solver"] == "sketch" else 0.0
            cells.append(f"{res.nit:3d} / {t:6.2f} / {c:6.2f} / "
                         f"{prob.relative_error(res.U, res.V):8.2e} / {its:4.1f}")
        print(f"{k:4d} " + " ".join(f"{c:>40s}" for c in cells), flush=True)


def main(argv=None) -> int:
    p = parser(__doc__)
    p.add_argument("--threads", type=int, default=1,
                   help="numsolve's Numba threads (default 1, as --blas-threads)")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--no-surprise", action="store_true")
    p.add_argument("--only", choices=["uniform", "noise", "large", "scaling"], default=None)
    args = p.parse_args(argv)
    import numba

    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    start(args, "matrix completion: numsolve.complete vs JNS13, softImpute-ALS, surprise",
          extra=[f"numba threads: {numba.get_num_threads()}"])
    warm_up()
    m, big, ks = (300, 2000, (4, 8)) if args.quick else (2000, 20000, (10, 20, 40, 80))
    if args.only in (None, "uniform"):
        run_uniform(m, 10 if not args.quick else 4, 0.05 if not args.quick else 0.2,
                    args.reps, surprise=not args.no_surprise)
    if args.only in (None, "noise"):
        run_noise(m, 10 if not args.quick else 4, 0.05 if not args.quick else 0.2, 0.1)
    if args.only == "large":
        run_large(big, 20, 0.01)
    if args.only in (None, "scaling"):
        run_scaling(1000 if not args.quick else 200, 0.5, ks, args.reps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
