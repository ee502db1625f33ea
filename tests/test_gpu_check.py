"""The GPU check driver (tools/gpu_check.py) on the CPU: its dry run, the transfer counter, the
no-CUDA exit, the byte model, and the coverage of the method registries.

The dry run runs parts (b) and (c) with NumPy standing in for CuPy at tiny sizes, so that every
code path of the driver that does not need CUDA is exercised here; the real run needs a GPU
(tools/README.md).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import types

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
sys.path.insert(0, str(TOOLS))

import gpu_check  # noqa: E402
import gpu_check_bench  # noqa: E402
import gpu_check_common  # noqa: E402
import gpu_check_methods  # noqa: E402


def test_dry_run_runs_every_check_and_benchmark(tmp_path):
    """Parts (b) and (c) in one process (NumPy stands in for CuPy; Numba off, as in the dry
    run): every item passes, the files are written, the Done-when lines are there."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMSOLVE_DISABLE_NUMBA="1")
    proc = subprocess.run([sys.executable, str(TOOLS / "gpu_check.py"), "--dry-run", "--inline",
                           "--parts", "methods,bench", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    res = json.loads((tmp_path / "results.json").read_text())
    items = {(it["part"], it["name"]): it for it in res["items"]}
    names = {name for name, *_ in gpu_check_methods.checks()}
    assert names <= {name for part, name in items if part == "methods"}
    assert {"CG 2-D Poisson", "batched CG", "multicolour SOR sweep", "sketched lstsq",
            "device copy bandwidth", "set-up"} <= {name for part, name in items
                                                   if part == "bench"}
    # the registries' coverage is its own test (below): new families fail there, clearly
    bad = [f"{k}: {it['detail']}" for k, it in items.items()
           if it["ok"] is not True and k[1] != "coverage of the registries"]
    assert not bad, bad
    cg = items[("bench", "CG 2-D Poisson")]["data"]
    assert cg["bytes_per_iter"] > 0 and cg["per_iter_s"]["numsolve"] > 0
    summary = (tmp_path / "summary.txt").read_text()
    assert "DRY RUN" in summary and "Done-when figures" in summary
    assert sorted(os.listdir(tmp_path)) == ["env.txt", "results.json", "summary.txt"]


def test_every_registered_method_has_a_gpu_check():
    """A method registered in any registry of the demo needs a check in
    tools/gpu_check_methods.py (a comparison on device input, or a refusal check for a
    host-only method) - else the GPU run cannot tell whether it works there."""
    assert gpu_check_methods.uncovered() == []


def test_transfer_counter_counts_and_restores():
    class DeviceArray:
        def __init__(self, a):
            self.a = np.asarray(a)
            self.nbytes = self.a.nbytes

    class SparseBase:
        def get(self):
            return np.zeros(3)

    class Sparse(SparseBase):
        pass

    mod = types.SimpleNamespace(asarray=DeviceArray, array=DeviceArray,
                                asnumpy=lambda x: np.array(x.a))
    orig = (mod.asarray, mod.asnumpy, SparseBase.get)
    with gpu_check_common.TransferCounter(mod, DeviceArray, [Sparse]) as tc:
        d = mod.asarray(np.ones(10))          # host -> device, 80 bytes
        mod.asarray(d)                        # device -> device: not a transfer
        mod.array([1.0, 2.0])                 # host list -> device, 16 bytes
        mod.asnumpy(d)                        # device -> host, 80 bytes
        Sparse().get()                        # device sparse -> host, 24 bytes
    assert tc.summary() == {"h2d_calls": 2, "h2d_bytes": 96, "d2h_calls": 2, "d2h_bytes": 104,
                            "largest_d2h_bytes": 80}
    assert (mod.asarray, mod.asnumpy, SparseBase.get) == orig
    assert "H2D 2 (96 B)" in gpu_check_common.fmt_transfers(tc.summary())


def test_no_cuda_says_so_and_exits_0(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gpu_check, "cuda_status", lambda: (False, "no driver (test)"))
    assert gpu_check.main(["--out", str(tmp_path)]) == 0
    assert "no CUDA device - no driver (test)" in capsys.readouterr().out
    assert "no CUDA device" in (tmp_path / "summary.txt").read_text()


def test_cg_byte_model_and_targets():
    from numsolve.problems import poisson2d

    A = poisson2d(8)
    n, nnz = A.shape[0], A.nnz
    assert gpu_check_bench.cg_bytes_per_iter(n, nnz) == 12 * nnz + 4 * (n + 1) + 88 * n
    item = gpu_check_common.Item("bench", "CG 2-D Poisson", True,
                                 data={"ratio_vs_cupyx": 0.9, "speedup_vs_host": 10.0,
                                       "fraction_of_4.3TBps": 0.6})
    lines = gpu_check_bench.targets([item])
    assert "0.9 (target <= 1) MET" in lines[0] and "NOT MET" in lines[1]
    assert "MET" in lines[2] and "not measured" in lines[3]


def test_failing_item_does_not_raise():
    def boom():
        raise RuntimeError("device lost")

    it = gpu_check_common.run_item("methods", "x", boom)
    assert it.ok is False and "RuntimeError: device lost" in it.detail
    skipped = gpu_check_common.run_item("methods", "y", lambda: (_ for _ in ()).throw(
        gpu_check_common.Skip("n/a")))
    assert skipped.ok is None and skipped.line().startswith("SKIP")


@pytest.mark.parametrize("argv", [["--parts", "tests,nope"]])
def test_bad_arguments(argv):
    with pytest.raises(SystemExit):
        gpu_check.parse_args(argv)


@pytest.mark.parametrize("script", ["gpu_check.sh", "fetch_gpu_wheels.sh"])
def test_shell_scripts_parse(script):
    assert subprocess.run(["bash", "-n", str(TOOLS / script)]).returncode == 0
