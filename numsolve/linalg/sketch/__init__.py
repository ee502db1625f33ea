"""Random sketching operators: Gaussian, sparse sign (OSNAP / CountSketch), SRHT and row sampling.

A sketch is a random ``m x n`` matrix ``S`` (``m = sketch_size`` much smaller than ``n``) that
nearly preserves the norms of all vectors in a low-dimensional subspace: for an ``n x d`` matrix
``U`` with orthonormal columns, the singular values of ``S @ U`` lie in ``[1 - eps, 1 + eps]``
with high probability once ``m`` is large enough (a *subspace embedding*). numsolve uses them
for sketch-preconditioned least squares (:func:`numsolve.lstsq`), sketch-and-project solvers
(``solve(method='sketch-project')``) and Newton sketch (``minimize(method='newton-sketch')``).

=====================  ==================================================  =====================
kind                   construction                                        cost of ``S @ A``
=====================  ==================================================  =====================
``'gaussian'``         i.i.d. ``N(0, 1/m)`` entries                        ``O(m nnz(A))``
``'sparse-sign'``      ``s`` nonzeros ``+-1/sqrt(s)`` per column (OSNAP);  ``O(s nnz(A))``
                       ``'countsketch'`` is ``s = 1``                      (Numba kernels)
``'srht'``             ``sqrt(n/m) P F D``: random signs ``D``, an         ``O(n d log n)``
                       orthonormal DCT (or Walsh-Hadamard) ``F``,
                       ``m`` rows kept (``P``)
``'uniform'``          ``m`` rows drawn without replacement, scaled        ``O(m d)``
                       ``sqrt(n/m)``
``'leverage'``         rows drawn with replacement with probability        ``O(m d)`` + scores
                       ``p_i`` proportional to leverage scores, scaled
                       ``1/sqrt(m p_i)``
=====================  ==================================================  =====================

Sketch sizes giving a subspace embedding of a ``d``-dimensional subspace with distortion ``eps``
(constants from the usual analyses, checked empirically in numsolve's tests with ``eps = 0.5``):
Gaussian and sparse sign (``s = 8``) ``m >= 4 d / eps**2`` is comfortable (``m = 16 d`` for
``eps = 0.5``; in practice singular values fall in ``1 +- sqrt(d/m)``); CountSketch needs
``m = O(d**2 / eps**2)``; SRHT and leverage-score sampling ``m = O(d log d / eps**2)``; uniform
sampling only for incoherent subspaces (all leverage scores ``~ d/n``).

Every sketch is drawn from ``rng`` (an int seed or :class:`numpy.random.Generator`) on the host,
so the same seed gives the same ``S`` on the CPU and the GPU. ``S @ A`` works for NumPy/CuPy
arrays, SciPy/CuPy sparse matrices and ``LinearOperator`` objects; ``side='right'`` computes
``A @ S.T`` (sketching the columns of ``A``). NaN or inf in ``A`` raise ``ValueError``
(``check_finite=True``, as in SciPy; the mixing sketches check their result, so a finite ``A``
costs no extra pass). Leverage scores are those of the column space of ``A``, also when it is
rank deficient (they sum to ``rank(A)``).
"""

from ._operators import (
    SKETCH_KINDS,
    Sketch,
    check_sketch_size,
    embedding_sketch_size,
    leverage_scores,
    make_sketch,
    sketch,
)

__all__ = [
    "SKETCH_KINDS",
    "Sketch",
    "make_sketch",
    "sketch",
    "leverage_scores",
    "check_sketch_size",
    "embedding_sketch_size",
]
