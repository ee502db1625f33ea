"""Ready-made callbacks for long runs.

:class:`Progress` is a progress bar usable as the ``callback`` of every numsolve entry point: it
shows the iteration count and the current residual (linear solves) or objective value
(optimisation). It uses `tqdm <https://tqdm.github.io>`_ when installed (``pip install
numsolve[progress]``) and a minimal one-line text bar on ``sys.stderr`` otherwise.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from ._backend import module_available

__all__ = ["Progress"]


class Progress:
    """Progress bar callback: ``numsolve.solve(A, b, callback=Progress(total=maxiter))``.

    Parameters
    ----------
    total : int, optional
        Expected number of iterations (e.g. ``maxiter``); unknown by default.
    desc : str
        Label shown before the bar.
    file : file-like, optional
        Where to draw (default ``sys.stderr``).
    mininterval : float
        Minimum seconds between redraws of the text bar.
    use_tqdm : bool, optional
        Force tqdm (True) or the built-in text bar (False); default: tqdm when installed.

    Notes
    -----
    The bar is closed by :meth:`close` or by using the object as a context manager. The
    callback never stops the run; combine it with your own callback to add stopping rules.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> import numsolve
    >>> from numsolve.callbacks import Progress
    >>> from numsolve.problems import poisson2d
    >>> A = poisson2d(16)
    >>> out = io.StringIO()
    >>> with Progress(desc="cg", file=out, use_tqdm=False) as bar:
    ...     res = numsolve.solve(A, np.ones(256), callback=bar)
    >>> bar.n == res.nit
    True
    """

    def __init__(self, total: int | None = None, desc: str = "numsolve", *,
                 file: IO[str] | None = None, mininterval: float = 0.1,
                 use_tqdm: bool | None = None):
        self.total = total
        self.desc = desc
        self.file = file
        self.mininterval = mininterval
        self.n = 0
        self.last: dict[str, Any] = {}
        if use_tqdm is None:
            use_tqdm = module_available("tqdm")
        self._bar = None
        if use_tqdm:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=desc, file=file, mininterval=mininterval)
        self._last_draw = 0.0
        self._closed = False

    def __call__(self, intermediate_result) -> None:
        nit = intermediate_result.get("nit", self.n + 1)
        nit = int(nit) if nit is not None else self.n + 1
        post = {}
        for key in ("residual_norm", "fun"):
            if key in intermediate_result and intermediate_result[key] is not None:
                try:
                    post[key] = float(intermediate_result[key])
                except (TypeError, ValueError):
                    pass
        self.last = post
        if self._bar is not None:
            self._bar.update(max(0, nit - self.n))
            if post:
                self._bar.set_postfix({k: f"{v:.3e}" for k, v in post.items()}, refresh=False)
        else:
            now = time.monotonic()
            if now - self._last_draw >= self.mininterval:
                self._draw(nit, post)
                self._last_draw = now
        self.n = nit

    def _draw(self, nit: int, post: dict, end: str = "\r") -> None:
        out = self.file if self.file is not None else sys.stderr
        total = f"/{self.total}" if self.total else ""
        extra = " ".join(f"{k}={v:.3e}" for k, v in post.items())
        out.write(f"{self.desc}: {nit}{total} it {extra}{end}")
        out.flush()

    def close(self) -> None:
        """Finish the bar (draws the final state)."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
        else:
            self._draw(self.n, self.last, end="\n")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
