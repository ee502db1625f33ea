"""The command line: ``python -m numsolve {demo,info}``."""

import json
import re
import subprocess
import sys

import pytest

from numsolve._cli import DemoSettings, format_table, main, run_demo, solve_entry
from numsolve._cli import demo as cli

HEADER = ("task", "method", "problem", "size (n)", "iterations", "residual", "time [s]")
RESIDUAL = re.compile(r"\s(\d\.\de[-+]\d+)\s")


def _table_lines(out: str) -> tuple[str, list[str]]:
    """Header line and data lines (between the dashed rule and the first blank line)."""
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("task"))
    data = []
    for ln in lines[start + 2:]:
        if not ln.strip():
            break
        data.append(ln)
    assert set(lines[start + 1].replace(" ", "")) == {"-"}
    return lines[start], data


#: residual bound of numsolve's line per task (the reference lines: 1e-6). The anchored
#: methods of solve_monotone converge as O(1/k): their rows stop at rtol = 3e-2 / 0.1 of the
#: initial certificate (numsolve/_cli/monotone.py), which each row's ``success`` certifies.
TASK_TOL = {"solve_monotone": 0.2}


def _tol(task: str, ref: int) -> float:
    return 1e-6 if ref else TASK_TOL.get(task, 1e-6)


def test_demo_quick(capsys):
    assert main(["demo", "--quick"]) == 0
    out = capsys.readouterr().out
    header, data = _table_lines(out)
    for col in HEADER:
        assert col in header
    # two lines (numsolve, then the reference) per entry
    assert len(data) == 2 * len(cli.DEMO_ENTRIES)
    for i, ln in enumerate(data):
        found = RESIDUAL.findall(ln + " ")
        assert len(found) == 1, ln
        assert float(found[0]) < _tol(data[i - i % 2].split()[0], i % 2), ln
    assert "scipy cg" in out
    assert "numpy.linalg.solve" in out
    assert "scipy BFGS" in out
    assert f"{len(cli.DEMO_ENTRIES)} of {len(cli.DEMO_ENTRIES)} entries succeeded" in out


def test_run_demo_rows():
    rows = run_demo(DemoSettings.quick(size=8))
    assert len(rows) == len(cli.DEMO_ENTRIES)
    for row in rows:
        assert row["success"] and row["ref_success"], row
        assert row["residual"] < _tol(row["task"], 0) and row["ref_residual"] < 1e-6
        assert row["time"] >= 0 and row["ref_time"] >= 0
    # minimize through 'scipy:BFGS' gives SciPy's numbers exactly
    mini = next(r for r in rows if r["method"] == "scipy:BFGS")
    assert mini["iterations"] == mini["ref_iterations"]
    assert mini["residual"] == mini["ref_residual"]


def test_extra_entry_is_one_line():
    rows = run_demo(DemoSettings.quick(size=6), [solve_entry("direct", "poisson2d")])
    assert rows[0]["method"] == "direct" and rows[0]["success"]
    assert rows[0]["n"] == 36
    assert rows[0]["residual"] < 1e-12
    assert "direct" in format_table(rows)


def test_failing_entry_reported(monkeypatch, capsys):
    def broken(settings):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "DEMO_ENTRIES", [*cli.DEMO_ENTRIES[-1:], broken])
    assert main(["demo", "--quick"]) == 1
    out = capsys.readouterr().out
    assert "ERROR RuntimeError: boom" in out
    assert "1 of 2 entries succeeded" in out


def test_info(capsys):
    assert main(["info"]) == 0
    assert "numpy" in capsys.readouterr().out


def test_info_json(capsys):
    assert main(["info", "--json"]) == 0
    cfg = json.loads(capsys.readouterr().out)
    assert cfg["numpy"] and "numba_kernels" in cfg


@pytest.mark.parametrize("argv", [["frobnicate"], [], ["demo", "--size", "0"],
                                  ["demo", "--rtol", "2"], ["demo", "--bogus"]])
def test_bad_arguments_exit_nonzero(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code != 0
    assert "usage: numsolve" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("numsolve ")


def test_python_m_numsolve_info():
    proc = subprocess.run([sys.executable, "-m", "numsolve", "info"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "numpy" in proc.stdout
