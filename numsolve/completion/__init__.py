"""Low-rank matrix completion: :func:`numsolve.complete` (robust alternating minimization).

==============  ================================================================================
method          what it is
==============  ================================================================================
``'altmin'``    alternating minimization (JNS13) from a clipped SVD initialisation; half-steps
                solve every row's ``k x k`` ridge regression together: exact batched normal
                equations (Numba over CSR rows, batched ``xp.linalg`` on the GPU) or the
                sketch-preconditioned CG of Gu-Song-Yin-Zhang (ICLR 2024), ``O(|Omega| k)``
==============  ================================================================================
"""

from ._altmin import altmin
from ._complete import COMPLETION_METHODS, complete
from ._result import CompletionResult

__all__ = ["COMPLETION_METHODS", "CompletionResult", "altmin", "complete"]
