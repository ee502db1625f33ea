"""Part (c) of the GPU check: a short side-by-side benchmark, reported as ratios.

Every comparison runs both sides in one process, interleaved (A B, B A, ...), the device
synchronised around each timed call; the median of the repetitions is reported.

* CG on 2-D Poisson ``N x N`` (``N = 2048``: 4.2 M unknowns), a fixed number of iterations
  (tolerance 0), numsolve on the device vs ``cupyx.scipy.sparse.linalg.cg`` and vs numsolve's
  host CG (Numba kernels, all cores) on the same matrix; per iteration. Achieved bandwidth
  from the byte model of :func:`cg_bytes_per_iter`, as a fraction of 4.3 TB/s (the H200's
  copy bandwidth measured in this workplace) and of the copy bandwidth measured in the run.
* Batched CG: 32 right-hand sides in one ``solve_batch`` vs 32 cupyx calls, same iterations.
* The multicolour SOR sweep on the same matrix: per sweep, vs one product ``A @ x`` on the
  device (a red-black sweep reads ``A`` once: the product is its floor) and vs the host's
  multicolour (Numba, parallel) and natural-order (:class:`SORSmoother`) sweeps.
* Sketched ``lstsq`` on a dense ``1 000 000 x 500`` matrix vs ``cupy.linalg.lstsq`` (SVD) and
  vs a reduced-QR solve.
"""

from __future__ import annotations

import numpy as np
from gpu_check_common import (
    NOMINAL_BANDWIDTH,
    Deadline,
    Device,
    interleaved,
    median,
    rel_diff,
    timed,
)

import numsolve
from numsolve.linalg import MulticolorSOR, SORSmoother
from numsolve.problems import poisson2d


def cg_bytes_per_iter(n: int, nnz: int, itemsize: int = 8, index_size: int = 4) -> int:
    """Bytes one CG iteration must move at the least (the fused minimum).

    ``A`` once (``itemsize * nnz`` values, ``index_size * nnz`` column indices,
    ``index_size * (n + 1)`` row pointers) plus 11 vector passes of ``n * itemsize``: the
    product reads ``p`` and writes ``q = A p`` (2), ``x += alpha p``, ``r -= alpha q`` and
    ``p = r + beta p`` each read two vectors and write one (9); the dot products ``p.q`` and
    ``r.r`` fused into those passes (0).
    """
    return itemsize * nnz + index_size * nnz + index_size * (n + 1) + 11 * n * itemsize


def sweep_bytes(n: int, nnz: int, itemsize: int = 8, index_size: int = 4) -> int:
    """Bytes of one forward SOR sweep at the least: ``A`` once, ``x`` read and written, ``b``
    and the weights ``omega / diag`` read."""
    return itemsize * nnz + index_size * (nnz + n + 1) + 4 * n * itemsize


class Problem:
    """The 2-D Poisson matrix on the host and on the device, and a right-hand side."""

    def __init__(self, dev: Device, N: int):
        self.A = poisson2d(N).tocsr()
        self.n, self.nnz = self.A.shape[0], self.A.nnz
        self.b = np.random.default_rng(0).standard_normal(self.n)
        self.A_dev, self.b_dev = dev.sparse(self.A), dev.asarray(self.b)


def copy_bandwidth(dev: Device, size: dict) -> tuple[str, dict]:
    """Device-to-device copy of a large buffer: bytes read + written per second."""
    n = 2**28 if size["N"] >= 2048 else 2**24 if size["N"] >= 512 else 2**16
    x = dev.xp.ones(n)
    y = dev.xp.empty_like(x)
    timed(dev, lambda: y.__setitem__(Ellipsis, x))
    t = median([timed(dev, lambda: y.__setitem__(Ellipsis, x))[0] for _ in range(5)])
    bw = 2 * x.nbytes / t
    return (f"{bw / 1e12:.2f} TB/s ({bw / NOMINAL_BANDWIDTH:.0%} of 4.3 TB/s) on a "
            f"{n * 8 / 2**30:.2f} GiB copy"), {"copy_bandwidth": bw}


def cg_device_vs_cupyx_vs_host(dev: Device, prob: Problem, size: dict, dl: Deadline):
    K, Kh, reps = size["cg_iters"], size["host_iters"], size["reps"]
    # warm-up: kernels compiled (CuPy: NVRTC; host: Numba), handles created
    numsolve.solve(prob.A_dev, prob.b_dev, rtol=0.0, maxiter=3)
    dev.ref_cg(prob.A_dev, prob.b_dev, 3)
    small = poisson2d(16)
    numsolve.solve(small, np.ones(small.shape[0]), rtol=0.0, maxiter=3)
    out = {}

    def ns():
        out["ns"] = numsolve.solve(prob.A_dev, prob.b_dev, rtol=0.0, maxiter=K)

    def ref():
        out["ref"] = dev.ref_cg(prob.A_dev, prob.b_dev, K)

    t = interleaved(dev, {"numsolve": ns, "cupyx": ref}, reps)
    # the host CG: fewer iterations when the time box is short (estimated from 2 iterations)
    t2 = timed(dev, lambda: numsolve.solve(prob.A, prob.b, rtol=0.0, maxiter=2))[0]
    Kh = int(max(2, min(Kh, (dl.left() / 2) / (reps * t2 / 2))))
    th = [timed(dev, lambda: numsolve.solve(prob.A, prob.b, rtol=0.0, maxiter=Kh))[0]
          for _ in range(reps)]
    res = out["ns"]
    if res.nit != K:
        raise AssertionError(f"numsolve stopped after {res.nit} of {K} iterations: "
                             f"{res.message}")
    agree = rel_diff(dev.host(res.x), dev.host(out["ref"]))
    per = {"numsolve": median(t["numsolve"]) / K, "cupyx": median(t["cupyx"]) / K,
           "host": median(th) / Kh}
    return per, agree


def bench_cg(dev: Device, prob: Problem, size: dict, dl: Deadline, ceiling: float | None):
    per, agree = cg_device_vs_cupyx_vs_host(dev, prob, size, dl)
    nbytes = cg_bytes_per_iter(prob.n, prob.nnz)
    bw = nbytes / per["numsolve"]
    data = {"per_iter_s": per, "ratio_vs_cupyx": per["numsolve"] / per["cupyx"],
            "speedup_vs_host": per["host"] / per["numsolve"], "bytes_per_iter": nbytes,
            "bandwidth": bw, "bandwidth_cupyx": nbytes / per["cupyx"],
            "fraction_of_4.3TBps": bw / NOMINAL_BANDWIDTH, "x_rel_diff_vs_cupyx": agree,
            "host_numba_threads": _numba_threads()}
    if ceiling:
        data["fraction_of_measured_copy"] = bw / ceiling
    if not agree <= 1e-6:
        raise AssertionError(f"numsolve and the reference CG disagree after the same "
                             f"iterations: rel. diff {agree:.1e}")
    return (f"n={prob.n:,}: {per['numsolve'] * 1e3:.3f} ms/it vs cupyx "
            f"{per['cupyx'] * 1e3:.3f} ms/it (ratio {data['ratio_vs_cupyx']:.2f}), host "
            f"{per['host'] * 1e3:.2f} ms/it (device speed-up {data['speedup_vs_host']:.1f}x); "
            f"{bw / 1e12:.2f} TB/s = {bw / NOMINAL_BANDWIDTH:.0%} of 4.3 TB/s "
            f"({nbytes / 1e6:.0f} MB/it model)"), data


def _numba_threads() -> int:
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


def bench_batched_cg(dev: Device, prob: Problem, size: dict, dl: Deadline):
    k, K, reps = size["nrhs"], size["batch_iters"], size["reps"]
    B = dev.standard_normal((prob.n, k), seed=1)
    cols = [dev.xp.ascontiguousarray(B[:, j]) for j in range(k)]
    numsolve.solve_batch(prob.A_dev, B, rtol=0.0, maxiter=2)  # warm-up
    out = {}

    def batched():
        out["ns"] = numsolve.solve_batch(prob.A_dev, B, rtol=0.0, maxiter=K)

    def separate():
        out["ref"] = [dev.ref_cg(prob.A_dev, c, K) for c in cols]

    t = interleaved(dev, {"batched": batched, "separate": separate}, reps)
    res = out["ns"]
    if not np.all(np.asarray(res.nit) == K):
        raise AssertionError(f"batched CG iterations {np.unique(res.nit)} != {K}")
    agree = max(rel_diff(dev.host(res.x[:, j]), dev.host(out["ref"][j])) for j in (0, k - 1))
    speed = median(t["separate"]) / median(t["batched"])
    data = {"batched_s": median(t["batched"]), "separate_s": median(t["separate"]),
            "speedup": speed, "nrhs": k, "iters": K, "x_rel_diff": agree}
    if not agree <= 1e-6:
        raise AssertionError(f"batched and separate solutions differ: {agree:.1e}")
    return (f"{k} rhs x {K} it: batched {data['batched_s']:.3f} s vs {k} cupyx calls "
            f"{data['separate_s']:.3f} s: speed-up {speed:.2f}x"), data


def bench_sor(dev: Device, prob: Problem, size: dict, dl: Deadline):
    S, Sh, reps = size["sweeps"], size["host_sweeps"], size["reps"]
    setup, mc = timed(dev, lambda: MulticolorSOR(prob.A_dev))
    x, b = dev.xp.zeros(prob.n), mc.to_perm(prob.b_dev)
    w = mc.winv(1.5)
    mc.sweep(x, b, w, 0)
    y = prob.A_dev @ x  # warm-up

    def sweeps():
        for _ in range(S):
            mc.sweep(x, b, w, 0)

    def spmv():
        for _ in range(S):
            prob.A_dev @ y

    t = interleaved(dev, {"sweep": sweeps, "spmv": spmv}, reps)
    mc_host, smoother = MulticolorSOR(prob.A), SORSmoother(prob.A)
    xh, bh = np.zeros(prob.n), mc_host.to_perm(prob.b)
    wh = mc_host.winv(1.5)
    mc_host.sweep(xh, bh, wh, 0)
    xs = np.zeros(prob.n)
    smoother(xs, prob.b, 1.5)
    th = interleaved(dev, {"mc": lambda: [mc_host.sweep(xh, bh, wh, 0) for _ in range(Sh)],
                           "natural": lambda: smoother(xs, prob.b, 1.5, iterations=Sh)}, reps)
    per = {"device": median(t["sweep"]) / S, "device_spmv": median(t["spmv"]) / S,
           "host_multicolor": median(th["mc"]) / Sh, "host_natural": median(th["natural"]) / Sh}
    bw = sweep_bytes(prob.n, prob.nnz) / per["device"]
    data = {"per_sweep_s": per, "setup_s": setup, "colours": mc.n_colors,
            "sweep_over_spmv": per["device"] / per["device_spmv"],
            "speedup_vs_host_multicolor": per["host_multicolor"] / per["device"],
            "speedup_vs_host_natural": per["host_natural"] / per["device"], "bandwidth": bw}
    return (f"{per['device'] * 1e3:.3f} ms/sweep = {data['sweep_over_spmv']:.2f} x A@x; "
            f"speed-up {data['speedup_vs_host_multicolor']:.1f}x over the host multicolour sweep, "
            f"{data['speedup_vs_host_natural']:.1f}x over the host natural sweep; "
            f"{bw / 1e12:.2f} TB/s; setup {setup:.2f} s ({mc.n_colors} colours)"), data


def _lstsq_data(dev: Device, m: int, d: int):
    A = dev.standard_normal((m, d), seed=2)
    A *= dev.xp.asarray(np.logspace(0, -2, d))  # cond ~ 100
    b = A @ dev.xp.asarray(np.random.default_rng(3).standard_normal(d))
    b += 1e-3 * dev.standard_normal(m, seed=4)
    return A, b


def bench_lstsq(dev: Device, size: dict, dl: Deadline):
    m, d = size["lstsq"]
    reps = size["reps"]
    A, b = _lstsq_data(dev, m, d)
    m_small = max(d * 20, m // 10)
    numsolve.lstsq(A[:m_small], b[:m_small], options={"rng": 0})  # warm-up
    out = {}

    def ns():
        out["ns"] = numsolve.lstsq(A, b, options={"rng": 0}).x

    def qr():
        out["qr"] = dev.ref_qr_lstsq(A, b)

    t = interleaved(dev, {"numsolve": ns, "qr": qr}, reps)
    # cupy.linalg.lstsq (SVD) can be slow: predict its time from a tenth of the rows first
    t_small = timed(dev, lambda: dev.ref_lstsq(A[:m_small], b[:m_small]))[0]
    predicted = t_small * m / m_small
    if predicted < dl.left() - 20:
        t["lstsq"] = [timed(dev, lambda: out.__setitem__("svd", dev.ref_lstsq(A, b)))[0]]
    rnorm = {k: float(dev.xp.linalg.norm(A @ v - b)) for k, v in out.items()}
    agree = rel_diff(dev.host(out["ns"]), dev.host(out["qr"]))
    data = {"numsolve_s": median(t["numsolve"]), "qr_s": median(t["qr"]),
            "lstsq_s": median(t["lstsq"]) if "lstsq" in t else None,
            "lstsq_predicted_s": predicted, "residual_norms": rnorm, "x_rel_diff_vs_qr": agree,
            "shape": (m, d)}
    data["speedup_vs_qr"] = data["qr_s"] / data["numsolve_s"]
    svd = (f"cupy.linalg.lstsq {data['lstsq_s']:.3f} s (speed-up "
           f"{data['lstsq_s'] / data['numsolve_s']:.2f}x)"
           if data["lstsq_s"] else f"cupy.linalg.lstsq skipped (predicted {predicted:.0f} s)")
    if not agree <= 1e-8 or rnorm["ns"] > rnorm["qr"] * (1 + 1e-10):
        raise AssertionError(f"numsolve's x differs from QR's by {agree:.1e} "
                             f"(residuals {rnorm})")
    if data["lstsq_s"]:
        data["speedup_vs_lstsq"] = data["lstsq_s"] / data["numsolve_s"]
    return (f"{m:,} x {d}: numsolve {data['numsolve_s']:.3f} s; QR {data['qr_s']:.3f} s "
            f"(speed-up {data['speedup_vs_qr']:.2f}x); {svd}; x rel.diff vs QR {agree:.1e}"), data


#: Done-when targets of issue 19: (label, item, key, comparison, target)
TARGETS = [
    ("CG per iteration / cupyx's", "CG 2-D Poisson", "ratio_vs_cupyx", "<=", 1.0),
    ("CG speed-up over numsolve's host CG", "CG 2-D Poisson", "speedup_vs_host", ">=", 20.0),
    ("CG bandwidth / 4.3 TB/s", "CG 2-D Poisson", "fraction_of_4.3TBps", ">=", 0.5),
    ("batched CG (32 rhs) speed-up over 32 cupyx calls", "batched CG", "speedup", ">=", 5.0),
]


def targets(items) -> list[str]:
    """One line per Done-when figure: measured value, target, met or not."""
    by_name = {it.name: it for it in items}
    lines = []
    for label, name, key, op, goal in TARGETS:
        it = by_name.get(name)
        v = None if it is None or not it.data else it.data.get(key)
        if v is None:
            lines.append(f"  {label}: not measured (target {op} {goal:g})")
            continue
        met = v <= goal if op == "<=" else v >= goal
        lines.append(f"  {label}: {v:.3g} (target {op} {goal:g}) {'MET' if met else 'NOT MET'}")
    return lines
