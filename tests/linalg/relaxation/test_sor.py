"""SOR, SSOR-CG, the SSOR preconditioner, multicolour sweeps and sequences in solve_batch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import numsolve
from numsolve.linalg import MulticolorSOR, ssor_preconditioner, young_omega
from numsolve.linalg.relaxation._sor import _colouring
from numsolve.problems import heat2d_sequence, poisson2d, poisson3d, shifted_poisson_sequence


def _var_coeff(N=14):
    return poisson2d(N, coefficients=lambda x, y: 1.0 + 50.0 * (x > 0.5) + np.sin(6 * y) ** 2)


def _random_dd(n=120, seed=0, symmetric=False):
    """Random sparse strictly diagonally dominant matrix (SPD when symmetric)."""
    rng = np.random.default_rng(seed)
    R = sp.random_array((n, n), density=0.05, random_state=rng, format="csr")
    R.data = rng.uniform(-1, 1, R.nnz)
    if symmetric:
        R = R + R.T
    d = abs(R).sum(axis=1) + rng.uniform(0.5, 1.5, n)
    return sp.csr_array(R + sp.diags_array(np.asarray(d).ravel()))


def _problems(symmetric_only=False):
    probs = {
        "poisson2d": poisson2d(16),
        "poisson3d": poisson3d(6),
        "var-coeff": _var_coeff(),
        "random-dd-spd": _random_dd(symmetric=True),
    }
    if not symmetric_only:
        probs["random-dd"] = _random_dd(seed=1)
    return probs


def _check_solution(A, b, x, rtol):
    """Residual test (the stopping rule) and forward error bounded by cond(A) * rtol."""
    xs = spla.spsolve(sp.csc_array(A), b)
    assert np.linalg.norm(b - A @ x) <= rtol * np.linalg.norm(b) * (1 + 1e-12)
    cond = np.linalg.cond(A.toarray())
    err = np.linalg.norm(x - xs) / np.linalg.norm(xs)
    assert err <= cond * rtol * 1.01


@pytest.mark.parametrize("name", list(_problems()))
@pytest.mark.parametrize("sweep", ["forward", "symmetric"])
def test_sor_matches_spsolve(name, sweep):
    A = _problems()[name]
    b = np.random.default_rng(3).standard_normal(A.shape[0])
    # SPD: any omega in (0, 2) converges; diagonally dominant: omega <= 1
    omega = 1.0 if name == "random-dd" else 1.6
    res = numsolve.solve(A, b, method="sor", omega=omega, sweep=sweep, rtol=1e-10)
    assert res.success and res.status == 0 and res.method == "sor" and res.omega == omega
    assert res.nit == len(res.residual_norms) - 1
    _check_solution(A, b, res.x, 1e-10)


@pytest.mark.parametrize("name", list(_problems(symmetric_only=True)))
def test_ssor_cg_matches_spsolve(name):
    A = _problems()[name]
    b = np.random.default_rng(4).standard_normal(A.shape[0])
    res = numsolve.solve(A, b, method="ssor-cg", omega=1.3, rtol=1e-10)
    assert res.success and res.method == "ssor-cg" and res.omega == 1.3
    _check_solution(A, b, res.x, 1e-10)
    plain = numsolve.solve(A, b, method="cg", rtol=1e-10)
    assert res.nit < plain.nit  # SSOR preconditioning pays on these problems


def test_wikipedia_example_iterates():
    """The 4x4 example of Wikipedia's SOR article (pyamg/pyamg#410), omega = 0.5."""
    A = np.array([[4, -1, -6, 0], [-5, -4, 10, 8], [0, 9, 4, -2], [1, 0, -7, 5.0]])
    b = np.array([2, 21, -12, -6.0])
    its = []
    res = numsolve.solve(A, b, method="sor", omega=0.5, rtol=1e-8,
                         callback=lambda xk: its.append(xk.copy()))
    # textbook iterates as printed in the article
    expected = np.array([[0.25, -2.78125, 1.6289062, 0.5152344],
                         [1.2490234, -2.2448974, 1.9687712, 0.9108547],
                         [2.070478, -1.6696789, 1.5904881, 0.76172125]])
    np.testing.assert_allclose(its[:3], expected, rtol=2e-6)
    # and the textbook formula itself, every iterate
    x = np.zeros(4)
    for _k, xk in enumerate(its):
        for i in range(4):
            s = A[i] @ x - A[i, i] * x[i]
            x[i] = (1 - 0.5) * x[i] + 0.5 * (b[i] - s) / A[i, i]
        np.testing.assert_allclose(xk, x, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res.x, [3, -2, 2, 1], atol=1e-6)


@pytest.mark.parametrize("sweep", ["forward", "backward", "symmetric"])
def test_sweep_matches_pyamg(sweep):
    relaxation = pytest.importorskip("pyamg.relaxation.relaxation")
    A = _var_coeff(10).tocsr()
    b = np.random.default_rng(0).standard_normal(A.shape[0])
    x_ref = np.zeros_like(b)
    if sweep == "symmetric":
        # pyamg 5.4's sweep='symmetric' drops omega (calls gauss_seidel without it): compose
        for _ in range(3):
            relaxation.sor(A, x_ref, b, 1.4, iterations=1, sweep="forward")
            relaxation.sor(A, x_ref, b, 1.4, iterations=1, sweep="backward")
    else:
        relaxation.sor(A, x_ref, b, 1.4, iterations=3, sweep=sweep)
    res = numsolve.solve(A, b, method="sor", omega=1.4, sweep=sweep, maxiter=3, rtol=1e-14)
    assert res.nit == 3 and not res.success and res.status == 1
    np.testing.assert_allclose(res.x, x_ref, rtol=1e-12, atol=1e-14)


def test_young_omega_is_near_best_on_poisson():
    A = poisson2d(12)
    b = np.random.default_rng(1).standard_normal(A.shape[0])
    w_star = young_omega(A)
    h = 1 / 13
    assert w_star == pytest.approx(2 / (1 + np.sin(np.pi * h)), rel=1e-10)
    nits = {w: numsolve.solve(A, b, method="sor", omega=w, rtol=1e-8).nit
            for w in (1.0, 1.4, w_star, 1.95)}
    assert nits[w_star] == min(nits.values())


# --- errors -----------------------------------------------------------------------------------
def test_zero_diagonal_names_row():
    A = poisson2d(4).tolil()
    A[5, 5] = 0.0
    A = sp.csr_array(A)
    with pytest.raises(ValueError, match="row 5"):
        numsolve.solve(A, np.ones(16), method="sor")
    with pytest.raises(ValueError, match="row 5"):
        ssor_preconditioner(A, 1.2)
    with pytest.raises(ValueError, match="row 5"):
        numsolve.solve(A, np.ones(16), method="sor", ordering="multicolor")
    B = poisson2d(4).tolil()
    B[3, 3] = 0.0
    B = sp.csr_array(B)
    B.eliminate_zeros()  # missing, not just zero
    with pytest.raises(ValueError, match="row 3"):
        numsolve.solve(B, np.ones(16), method="ssor-cg")


@pytest.mark.parametrize("omega", [0.0, 2.0, -1.0, np.nan, 2.5])
def test_bad_omega(omega):
    with pytest.raises(ValueError, match="omega"):
        numsolve.solve(poisson2d(4), np.ones(16), method="sor", omega=omega)


def test_bad_arguments():
    A = poisson2d(4)
    b = np.ones(16)
    with pytest.raises(TypeError, match="omega"):
        numsolve.solve(A, b, method="sor", omega="fast")
    with pytest.raises(TypeError, match="LinearOperator"):
        numsolve.solve(spla.aslinearoperator(A), b, method="sor")
    with pytest.raises(ValueError, match="M"):
        numsolve.solve(A, b, method="sor", M=sp.identity(16))
    with pytest.raises(ValueError, match="M"):
        numsolve.solve(A, b, method="ssor-cg", M=sp.identity(16))
    with pytest.raises(ValueError, match="sweep"):
        numsolve.solve(A, b, method="sor", sweep="sideways")
    with pytest.raises(ValueError, match="ordering"):
        numsolve.solve(A, b, method="sor", ordering="random")
    with pytest.raises(ValueError, match="context"):
        numsolve.solve(A, b, method="sor", omega=1.2, context=0.3)
    with pytest.raises(ValueError, match="b has shape"):
        numsolve.solve(A, np.ones(5), method="sor")
    with pytest.raises(ValueError, match="NaN"):
        numsolve.solve(A, np.full(16, np.nan), method="sor")


def test_maxiter_callback_and_no_mutation():
    A = poisson2d(10)
    b = np.ones(100)
    x0 = np.full(100, 0.5)
    b_copy, x0_copy = b.copy(), x0.copy()
    res = numsolve.solve(A, b, x0, method="sor", omega=1.2, maxiter=5, rtol=1e-12)
    assert not res.success and res.status == 1 and res.nit == 5 and res.info == 5
    assert "Maximum number of iterations" in res.message

    def stop(intermediate_result):
        if intermediate_result.nit == 3:
            raise StopIteration

    res = numsolve.solve(A, b, x0, method="sor", callback=stop)
    assert res.status == 99 and res.nit == 3
    np.testing.assert_array_equal(b, b_copy)
    np.testing.assert_array_equal(x0, x0_copy)


def test_rtol_reference_r0():
    A = poisson2d(8)
    b = np.ones(64)
    x0 = spla.spsolve(A.tocsc(), b) + 1e-3  # small initial residual
    r0 = np.linalg.norm(b - A @ x0)
    rb = numsolve.solve(A, b, x0, method="sor", rtol=1e-6)
    rr = numsolve.solve(A, b, x0, method="sor", rtol=1e-6, rtol_reference="r0")
    assert np.linalg.norm(b - A @ rr.x) <= 1e-6 * r0
    assert rr.nit > rb.nit


def test_dense_input_and_float32():
    A = poisson2d(8)
    b = np.random.default_rng(0).standard_normal(64)
    dense = numsolve.solve(A.toarray(), b, method="sor", omega=1.5, rtol=1e-10)
    sparse = numsolve.solve(A, b, method="sor", omega=1.5, rtol=1e-10)
    np.testing.assert_allclose(dense.x, sparse.x, rtol=1e-12)
    r32 = numsolve.solve(A.astype(np.float32), b.astype(np.float32), method="sor", rtol=1e-5)
    assert r32.success and r32.x.dtype == np.float32



@pytest.mark.parametrize("method", ["sor", "ssor-cg"])
@pytest.mark.parametrize("form", ["list", "dense", "sparse"])
def test_list_and_dense_inputs(method, form):
    """Nested lists (converted by the front door), dense arrays and sparse matrices agree."""
    A = poisson2d(6)
    b = np.random.default_rng(2).standard_normal(A.shape[0])
    Ain = {"list": A.toarray().tolist(), "dense": A.toarray(), "sparse": A}[form]
    bin_ = b.tolist() if form == "list" else b
    res = numsolve.solve(Ain, bin_, method=method, omega=1.4, rtol=1e-10)
    ref = numsolve.solve(A, b, method=method, omega=1.4, rtol=1e-10)
    assert res.success and res.nit == ref.nit
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-12, atol=1e-14)
    _check_solution(A, b, res.x, 1e-10)


def test_ssor_preconditioner_accepts_lists():
    A = poisson2d(4)
    r = np.arange(16.0)
    M = ssor_preconditioner(A.toarray().tolist(), 1.2)
    np.testing.assert_array_equal(M.matvec(r), ssor_preconditioner(A, 1.2).matvec(r))


def test_young_omega_needs_a_square_matrix():
    for bad in (np.ones((3, 4)), np.ones(3), np.ones((2, 2, 2)), sp.csr_array(np.ones((3, 4)))):
        with pytest.raises(ValueError, match="square"):
            young_omega(bad)


def _complex_hpd(N=8):
    """A complex Hermitian positive definite matrix: the 5-point Laplacian with imaginary
    off-diagonal parts (diagonally dominant)."""
    A = poisson2d(N)
    S = sp.triu(A, 1) * 0.3j
    return sp.csr_array(A + S - S.T)


@pytest.mark.parametrize("ordering", [None, "multicolor"])
@pytest.mark.parametrize("matrix", ["real", "complex-dtype", "hermitian"])
def test_complex_right_hand_side(matrix, ordering):
    """Complex b: ssor-cg converges like cg and sor (the SSOR preconditioner of a real A is
    applied to the real and imaginary parts; no ComplexWarning)."""
    A = {"real": poisson2d(8), "complex-dtype": poisson2d(8).astype(complex),
         "hermitian": _complex_hpd()}[matrix]
    rng = np.random.default_rng(5)
    b = rng.standard_normal(A.shape[0]) + 1j * rng.standard_normal(A.shape[0])
    xs = spla.spsolve(sp.csc_array(A), b)
    cg = numsolve.solve(A, b, method="cg", rtol=1e-10)
    for method in ("sor", "ssor-cg"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # ComplexWarning (imaginary part discarded)
            res = numsolve.solve(A, b, method=method, omega=1.3, rtol=1e-10, ordering=ordering)
        assert res.success and np.iscomplexobj(res.x), method
        assert np.linalg.norm(b - A @ res.x) <= 1e-10 * np.linalg.norm(b) * (1 + 1e-12)
        np.testing.assert_allclose(res.x, xs, rtol=1e-8)
        np.testing.assert_allclose(res.x, cg.x, rtol=1e-8)
    if matrix == "real":  # SSOR-CG still pays off against plain CG
        assert numsolve.solve(A, b, method="ssor-cg", omega=1.3, rtol=1e-10).nit < cg.nit


@pytest.mark.parametrize("ordering", ["natural", "multicolor"])
def test_ssor_preconditioner_complex_vectors(ordering):
    A = _var_coeff(6)
    n = A.shape[0]
    M = ssor_preconditioner(A, 1.3, ordering=ordering)
    rng = np.random.default_rng(0)
    R = rng.standard_normal((n, 3)) + 1j * rng.standard_normal((n, 3))
    r = R[:, 0]
    np.testing.assert_array_equal(M.matvec(r), M.matvec(r.real) + 1j * M.matvec(r.imag))
    np.testing.assert_array_equal(M.matmat(R), M.matmat(R.real) + 1j * M.matmat(R.imag))
    np.testing.assert_array_equal(M.matvec(r.real), M.matvec(r.real.copy()))  # real path as is


# --- preconditioner -----------------------------------------------------------------------------
@pytest.mark.parametrize("ordering", ["natural", "multicolor"])
def test_ssor_preconditioner_formula(ordering):
    A = _var_coeff(6)
    n = A.shape[0]
    w = 1.3
    M = ssor_preconditioner(A, w, ordering=ordering)
    Minv = M @ np.eye(n)
    np.testing.assert_allclose(M.matvec(np.ones(n)), Minv @ np.ones(n), rtol=1e-12)
    if ordering == "natural":
        P = np.arange(n)
    else:
        P = np.argsort(_colouring(A), kind="stable")
    Ad = A.toarray()[np.ix_(P, P)]
    D = np.diag(np.diag(Ad))
    L, U = np.tril(Ad, -1), np.triu(Ad, 1)
    Mref = (D + w * L) @ np.linalg.inv(D) @ (D + w * U) / (w * (2 - w))
    Minv_ref = np.empty_like(Mref)
    Minv_ref[np.ix_(P, P)] = np.linalg.inv(Mref)
    np.testing.assert_allclose(Minv, Minv_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Minv, Minv.T, atol=1e-12)
    assert np.linalg.eigvalsh(Minv).min() > 0
    # usable as M in SciPy's CG
    b = np.ones(n)
    x, info = spla.cg(A, b, rtol=1e-10, M=M)
    assert info == 0 and np.linalg.norm(b - A @ x) <= 1e-10 * np.linalg.norm(b) * 1.01


# --- multicolour ----------------------------------------------------------------------------
def test_red_black_colouring_on_stencils():
    for A in (poisson2d(9), poisson3d(5), _var_coeff(7)):
        mc = MulticolorSOR(A)
        assert mc.n_colors == 2
    mc = MulticolorSOR(_random_dd(60, symmetric=True))
    assert mc.n_colors >= 2
    with pytest.raises(ValueError, match="colouring"):
        MulticolorSOR(poisson2d(4), colors=np.zeros(16, dtype=int))


def test_multicolor_sweep_equals_permuted_gauss_seidel():
    """A multicolour sweep is a natural-order sweep on the colour-permuted matrix."""
    A = _random_dd(50, seed=2, symmetric=True)
    b = np.random.default_rng(0).standard_normal(50)
    mc = MulticolorSOR(A, parallel=False)  # the generic whole-array code
    P = np.asarray(mc.perm)
    Ap = sp.csr_array(A[P][:, P])
    for mode, sweep in enumerate(["forward", "backward", "symmetric"]):
        xp_ = np.zeros(50)
        mc.sweep(xp_, b[P], mc.winv(1.3), mode)
        ref = numsolve.solve(Ap, b[P], method="sor", omega=1.3, sweep=sweep, maxiter=1,
                             rtol=1e-15)
        np.testing.assert_allclose(xp_, ref.x, rtol=1e-12, atol=1e-14)


def test_multicolor_parallel_kernel_equals_whole_array_code():
    A = _var_coeff(12)
    b = np.random.default_rng(2).standard_normal(A.shape[0])
    par, gen = MulticolorSOR(A, parallel=True), MulticolorSOR(A, parallel=False)
    assert par.parallel and not gen.parallel
    bp = par.to_perm(b)
    for mode in (0, 1, 2):
        x1, x2 = np.zeros_like(b), np.zeros_like(b)
        for _ in range(3):
            par.sweep(x1, bp, par.winv(1.4), mode)
            gen.sweep(x2, bp, gen.winv(1.4), mode)
        np.testing.assert_allclose(x1, x2, rtol=1e-13, atol=1e-15)
    with pytest.raises(ValueError, match="parallel"):
        MulticolorSOR(A.toarray(), parallel=True)


@pytest.mark.parametrize("method", ["sor", "ssor-cg"])
def test_generic_multicolor_path_on_backends(backend, method):
    """The whole-array code: NumPy (sparse and dense), array_api_strict (dense), CuPy."""
    A = poisson2d(8)
    b_np = np.random.default_rng(0).standard_normal(64)
    Ab = backend.sparse(A)
    if Ab is None:
        Ab = backend.asarray(A.toarray())
    b = backend.asarray(b_np)
    res = numsolve.solve(Ab, b, method=method, omega=1.2, rtol=1e-10, ordering="multicolor")
    assert res.success
    assert backend.same_namespace(res.x)
    _check_solution(A, b_np, backend.to_numpy(res.x), 1e-10)
    if backend.name == "numpy":
        dense = numsolve.solve(A.toarray(), b, method=method, omega=1.2, rtol=1e-10,
                               ordering="multicolor")
        np.testing.assert_allclose(dense.x, res.x, rtol=1e-10)


# --- sequences ------------------------------------------------------------------------------------
def test_solve_batch_sequence_fixed_omega_matches_single_solves():
    seq = list(shifted_poisson_sequence(4, "low", rng=0))
    res = numsolve.solve_batch(seq, method="sor", omega=1.5, rtol=1e-8)
    assert res.success.all() and len(res.x) == 4 and res.method == "sor"
    for (A, b, c), x, k, ctx in zip(seq, res.x, res.nit, res.context):
        one = numsolve.solve(A, b, method="sor", omega=1.5, rtol=1e-8)
        assert one.nit == k and ctx == c
        np.testing.assert_array_equal(one.x, x)
    np.testing.assert_array_equal(res.trajectory["omega"], 1.5)
    # list-of-matrices form
    res2 = numsolve.solve_batch([s[0] for s in seq], [s[1] for s in seq], method="sor",
                                omega=1.5, rtol=1e-8)
    np.testing.assert_array_equal(res2.nit, res.nit)
    # one matrix, columns of B in turn
    A = seq[0][0]
    B = np.column_stack([s[1] for s in seq])
    res3 = numsolve.solve_batch(A, B, method="sor", omega=1.5, rtol=1e-8)
    assert res3.nit[0] == res.nit[0] and res3.x.shape == B.shape
    np.testing.assert_allclose(A @ res3.x[:, 2], B[:, 2], rtol=0, atol=1e-7 * np.linalg.norm(B))


@pytest.mark.parametrize("method", ["sor", "ssor-cg"])
def test_solve_batch_layout_is_that_of_cg(method):
    """x (and X0) in the layout of method='cg' for every batch form."""
    seq = list(shifted_poisson_sequence(3, "low", rng=0))
    A, n = seq[0][0], seq[0][0].shape[0]
    rng = np.random.default_rng(1)
    B, X0 = rng.standard_normal((n, 3)), rng.standard_normal((n, 3))
    opts = dict(omega=1.5, rtol=1e-8)

    def check(res, cg, shape, singles, column):
        assert isinstance(res.x, np.ndarray) and res.x.shape == cg.x.shape == shape
        assert res.status.shape == cg.status.shape and res.success.all()
        for j, one in enumerate(singles):
            assert res.nit[j] == one.nit
            np.testing.assert_allclose(column(res.x, j), one.x, rtol=1e-12, atol=1e-15)

    # one matrix, B (n, k): columns; X0 (n, k): one column per system
    check(numsolve.solve_batch(A, B, X0, method=method, **opts),
          numsolve.solve_batch(A, B, X0, method="cg"), (n, 3),
          [numsolve.solve(A, B[:, j], X0[:, j], method=method, **opts) for j in range(3)],
          lambda x, j: x[:, j])
    # one matrix, B (n,): x (n,)
    check(numsolve.solve_batch(A, B[:, 0], X0[:, 0], method=method, **opts),
          numsolve.solve_batch(A, B[:, 0], X0[:, 0], method="cg"), (n,),
          [numsolve.solve(A, B[:, 0], X0[:, 0], method=method, **opts)], lambda x, j: x)
    # m systems of one size (list of matrices, stack, sequence of tuples): rows
    mats, bs = [s[0] for s in seq], np.stack([s[1] for s in seq])
    singles = [numsolve.solve(a, b, x0, method=method, **opts)
               for a, b, x0 in zip(mats, bs, X0.T)]
    stack = np.stack([a.toarray() for a in mats])
    cg = numsolve.solve_batch(mats, bs, X0.T, method="cg")
    for res in (numsolve.solve_batch(mats, bs, X0.T, method=method, **opts),
                numsolve.solve_batch(mats, list(bs), list(X0.T), method=method, **opts),
                numsolve.solve_batch(stack, bs, X0.T, method=method, **opts),
                numsolve.solve_batch(seq, None, X0.T, method=method, **opts)):
        check(res, cg, (3, n), singles, lambda x, j: x[j])
    # systems of different sizes: a list, as for cg
    small = poisson2d(5)
    res = numsolve.solve_batch([A, small], [B[:, 0], np.ones(25)], method=method, **opts)
    cg = numsolve.solve_batch([A, small], [B[:, 0], np.ones(25)], method="cg")
    assert isinstance(res.x, list) and isinstance(cg.x, list)
    assert [x.shape for x in res.x] == [x.shape for x in cg.x] == [(n,), (25,)]


def test_solve_batch_sequence_with_tuners():
    seq = list(shifted_poisson_sequence(30, "high", rng=1))
    tuner = numsolve.linalg.ChebCB((-0.15, 0.65), rng=0)
    res = numsolve.solve_batch(seq, method="sor", omega=tuner, rtol=1e-8)
    assert res.success.all()
    np.testing.assert_array_equal(tuner.trajectory()["omega"], res.omega)
    np.testing.assert_array_equal(tuner.trajectory()["iterations"], res.nit)
    for (A, b, _c), w, k in zip(seq[:3], res.omega, res.nit):
        assert numsolve.solve(A, b, method="sor", omega=w, rtol=1e-8).nit == k
    ts = numsolve.linalg.TsallisINF(rng=0)
    res = numsolve.solve_batch(seq, method="ssor-cg", omega=ts, rtol=1e-8)
    assert res.success.all() and ts.t == 30
    with pytest.raises(ValueError, match="contextual"):  # a contextual tuner needs contexts
        numsolve.solve_batch([(A, b)], method="sor", omega=numsolve.linalg.ChebCB(rng=0))
    with pytest.raises(TypeError, match="tuple"):
        numsolve.solve_batch([A], method="sor")
    with pytest.raises(ValueError, match="empty"):
        numsolve.solve_batch([], method="sor")


def test_heat_sequence_send_protocol_and_warm_start():
    """The generator builds each right-hand side from the solution it is sent."""
    cold = numsolve.solve_batch(heat2d_sequence(20, 6, dt=0.01, t0=0.1), method="ssor-cg",
                                omega=1.5, rtol=1e-10)
    warm = numsolve.solve_batch(heat2d_sequence(20, 6, dt=0.01, t0=0.1), method="ssor-cg",
                                omega=1.5, rtol=1e-10, warm_start=True)
    assert cold.success.all() and warm.success.all()
    # warm start: every step after the first starts from the previous solution, closer
    for hw, hc in zip(warm.residual_norms[1:], cold.residual_norms[1:]):
        assert hw[0] < hc[0]
    assert warm.nit.sum() <= cold.nit.sum()
    # reference: the generator's own direct solves
    direct = []
    gen = heat2d_sequence(20, 6, dt=0.01, t0=0.1)
    for A, b, _k in gen:
        direct.append(spla.spsolve(A.tocsc(), b))
    for x, xd in zip(warm.x, direct):
        np.testing.assert_allclose(x, xd, rtol=1e-6, atol=1e-8 * np.abs(xd).max())
    assert np.all(cold.context >= 0) and np.all(cold.context <= 10)


def test_sor_smoother_matches_pyamg_and_validates():
    """SORSmoother (the benchmarks' public handle on the compiled sweep) gives PyAMG's iterates."""
    pyamg_relax = pytest.importorskip("pyamg.relaxation.relaxation",
                                      reason="PyAMG is the reference of the sweep")
    from numsolve.linalg import SORSmoother
    from numsolve.problems import poisson2d

    A = poisson2d(12).tocsr()
    b = np.random.default_rng(0).standard_normal(A.shape[0])
    smooth = SORSmoother(A)
    for sweep in ("forward", "backward"):
        x, ref = np.zeros(A.shape[0]), np.zeros(A.shape[0])
        smooth(x, b, 1.3, iterations=3, sweep=sweep)
        pyamg_relax.sor(A, ref, b, 1.3, iterations=3, sweep=sweep)
        np.testing.assert_allclose(x, ref, rtol=1e-13, atol=1e-14)
    x, ref = np.zeros(A.shape[0]), np.zeros(A.shape[0])
    smooth(x, b, 1.3, iterations=2, sweep="symmetric")  # = forward then backward, twice
    for _ in range(2):
        smooth(smooth(ref, b, 1.3), b, 1.3, sweep="backward")
    np.testing.assert_array_equal(x, ref)
    x = np.zeros(A.shape[0])
    nit, status = smooth.iterations_to(x, b, 1.5, 1e-8 * np.linalg.norm(b), 10_000)
    res = numsolve.solve(A, b, method="sor", omega=1.5, rtol=1e-8)
    assert status == 0 and nit == res.nit
    with pytest.raises(ValueError, match="omega"):
        smooth(x, b, 2.5)
    with pytest.raises(TypeError, match="x must be"):
        smooth(x.astype(np.float32), b, 1.0)
    with pytest.raises(ValueError, match="square"):
        SORSmoother(np.ones((3, 4)))
