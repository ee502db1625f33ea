import io

import numpy as np
import pytest

import numsolve
from numsolve.callbacks import Progress
from numsolve.problems import poisson2d


def test_progress_text_bar_counts_iterations():
    A = poisson2d(12)
    out = io.StringIO()
    with Progress(total=100, desc="cg", file=out, use_tqdm=False, mininterval=0.0) as bar:
        res = numsolve.solve(A, np.ones(A.shape[0]), callback=bar)
    assert bar.n == res.nit > 0
    text = out.getvalue()
    assert f"cg: {res.nit}/100 it" in text and "residual_norm=" in text
    assert text.endswith("\n")
    bar.close()  # idempotent


def test_progress_tqdm():
    pytest.importorskip("tqdm")
    A = poisson2d(12)
    out = io.StringIO()
    bar = Progress(desc="cg", file=out, use_tqdm=True)
    res = numsolve.solve(A, np.ones(A.shape[0]), callback=bar)
    bar.close()
    assert bar.n == res.nit
    assert "cg" in out.getvalue()
