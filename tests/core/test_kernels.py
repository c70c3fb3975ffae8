"""Oracle tests for nca_core.core.kernels: stencils, kernel sets and the parameter count.

Every stencil is checked on polynomial fields whose exact answer is known analytically
(paper-spec §1.2), both through the NumPy reference ``correlate_numpy`` and through the
TensorFlow perception that the NCA actually runs.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from nca_core.core import kernels
from nca_core.core.config import NCAConfig
from nca_core.core.perception import perceive
from nca_core.data import gray_scott as pde

H, W = 12, 15  # non-square on purpose: a row/column mix-up cannot cancel
ROW, COL = np.indices((H, W)).astype(np.float64)


def _tf_feature(field: np.ndarray, name: str, boundary: str, dtype=tf.float64) -> np.ndarray:
    """Apply one named stencil to a 2-D field with the TF perception of the NCA."""
    kset = {"ID": "ID_LAP", "LAP": "ID_LAP", "AV": "ID_AV", "SOBEL_X": "ID_DIFF", "SOBEL_Y": "ID_DIFF"}[name]
    names = kernels.kernel_names(kset)
    z = perceive(tf.constant(field[None, :, :, None], dtype), kset, boundary).numpy()
    return z[0, :, :, names.index(name)]


def _both(field: np.ndarray, name: str):
    """The stencil ``name`` applied to ``field`` by every implementation, interior only.

    Yields (label, interior result). The interior [1:-1, 1:-1] does not see the ghost
    cells, so the answer there is exact for any boundary mode.
    """
    g = kernels.STENCILS[name]
    for boundary in ("periodic", "zero", "reflect"):
        yield f"numpy/{boundary}", kernels.correlate_numpy(field, g, boundary)[1:-1, 1:-1]
        yield f"tf64/{boundary}", _tf_feature(field, name, boundary)[1:-1, 1:-1]
        yield f"tf32/{boundary}", _tf_feature(field, name, boundary, tf.float32)[1:-1, 1:-1]


# ------------------------------------------------------------------ stencil values
def test_stencil_matrices_are_the_published_ones():
    np.testing.assert_array_equal(kernels.ID, [[0, 0, 0], [0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(kernels.SOBEL_X * 8, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(kernels.SOBEL_Y * 8, [[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    np.testing.assert_array_equal(kernels.LAP * 4, [[1, 2, 1], [2, -12, 2], [1, 2, 1]])
    np.testing.assert_allclose(kernels.AV, np.full((3, 3), 1 / 9), rtol=0, atol=1e-17)
    assert kernels.LAP.sum() == 0 and kernels.SOBEL_X.sum() == 0 and kernels.SOBEL_Y.sum() == 0


def test_lap_fourier_symbol_minimum_is_minus_4():
    # symbol of LAP: -3 + cos kx + cos ky + cos kx cos ky; its minimum -4 sets the Euler
    # stability limit dt*D*4 < 2 used by the solver and documented in paper-spec §3.2.
    k = np.linspace(-np.pi, np.pi, 201)
    kx, ky = np.meshgrid(k, k)
    sym = sum(kernels.LAP[a + 1, b + 1] * np.cos(a * ky + b * kx) for a in (-1, 0, 1) for b in (-1, 0, 1))
    assert sym.min() == pytest.approx(-4.0, abs=1e-12)
    assert sym.max() == pytest.approx(0.0, abs=1e-12)
    assert sym[100, 200] == pytest.approx(-4.0) and sym[200, 200] == pytest.approx(-4.0)


@pytest.mark.parametrize("a,b,c", [(3, -2, 5), (-1, 4, 0), (0, 0, 7)])
def test_sobel_exact_on_integer_linear_fields(a, b, c):
    f = a * COL + b * ROW + c
    for label, sx in _both(f, "SOBEL_X"):
        np.testing.assert_array_equal(sx, np.full_like(sx, a), err_msg=label)
    for label, sy in _both(f, "SOBEL_Y"):
        np.testing.assert_array_equal(sy, np.full_like(sy, b), err_msg=label)


def test_sobel_exact_on_real_linear_fields():
    rng = np.random.default_rng(0)
    for _ in range(3):
        a, b, c = rng.normal(size=3)
        f = a * COL + b * ROW + c
        for label, sx in _both(f, "SOBEL_X"):
            tol = 1e-4 if label.startswith("tf32") else 1e-12
            np.testing.assert_allclose(sx, a, rtol=0, atol=tol, err_msg=label)
        for label, sy in _both(f, "SOBEL_Y"):
            tol = 1e-4 if label.startswith("tf32") else 1e-12
            np.testing.assert_allclose(sy, b, rtol=0, atol=tol, err_msg=label)


def test_sobel_orientation_on_a_single_step():
    # f = 1 right of column 5: the x-derivative is positive and the y-derivative zero there
    f = (COL >= 6).astype(float)
    sx = kernels.correlate_numpy(f, kernels.SOBEL_X, "zero")
    assert sx[5, 5] == 0.5 and sx[5, 6] == 0.5 and sx[5, 4] == 0.0
    np.testing.assert_array_equal(kernels.correlate_numpy(f, kernels.SOBEL_Y, "periodic")[1:-1], 0.0)
    # f = 1 below row 5: positive y-derivative (rows grow downwards)
    g = (ROW >= 6).astype(float)
    sy = kernels.correlate_numpy(g, kernels.SOBEL_Y, "zero")
    assert sy[5, 5] == 0.5 and sy[6, 5] == 0.5 and sy[4, 5] == 0.0


@pytest.mark.parametrize("a,b,c", [(3, -2, 5), (0.37, -1.25, 0.1)])
def test_lap_zero_on_linear_fields(a, b, c):
    f = a * COL + b * ROW + c
    for label, lap in _both(f, "LAP"):
        tol = 1e-4 if label.startswith("tf32") else 1e-12
        np.testing.assert_allclose(lap, 0.0, rtol=0, atol=tol, err_msg=label)


@pytest.mark.parametrize(
    "field,expected",
    [(ROW**2, 2.0), (COL**2, 2.0), (ROW * COL, 0.0), (ROW**2 - COL**2, 0.0),
     (3 * ROW**2 + 5 * COL**2 - 7 * ROW * COL, 16.0)],
    ids=["row2", "col2", "rowcol", "row2-col2", "mixed"],
)
def test_lap_exact_on_quadratic_fields(field, expected):
    for label, lap in _both(field, "LAP"):
        np.testing.assert_array_equal(lap, np.full_like(lap, expected), err_msg=label)


def test_lap_not_exact_on_quartic_fields():
    # sanity of the oracle: on row**4 the stencil gives the second difference
    # (r+1)^4 + (r-1)^4 - 2 r^4 = 12 r^2 + 2, not the derivative 12 r^2
    lap = kernels.correlate_numpy(ROW**4, kernels.LAP, "zero")[1:-1, 1:-1]
    np.testing.assert_array_equal(lap, 12 * ROW[1:-1, 1:-1] ** 2 + 2.0)


@pytest.mark.parametrize("a,b,c", [(3, -2, 5), (0.37, -1.25, 0.1)])
def test_av_reproduces_linear_fields(a, b, c):
    f = a * COL + b * ROW + c
    for label, av in _both(f, "AV"):
        tol = 1e-4 if label.startswith("tf32") else 1e-12
        np.testing.assert_allclose(av, f[1:-1, 1:-1], rtol=0, atol=tol, err_msg=label)


def test_av_is_the_box_mean_not_a_gaussian():
    f = np.zeros((H, W))
    f[5, 7] = 9.0
    av = kernels.correlate_numpy(f, kernels.AV, "zero")
    np.testing.assert_allclose(av[4:7, 6:9], 1.0, rtol=1e-15)
    assert np.count_nonzero(av) == 9


@pytest.mark.parametrize("boundary", ["periodic", "zero", "reflect"])
def test_id_is_identity_everywhere(boundary):
    f = np.random.default_rng(1).normal(size=(H, W))
    np.testing.assert_array_equal(kernels.correlate_numpy(f, kernels.ID, boundary), f)
    np.testing.assert_array_equal(_tf_feature(f, "ID", boundary), f)


@pytest.mark.parametrize("name", ["SOBEL_X", "SOBEL_Y", "LAP", "AV"])
def test_constant_field_exact_everywhere_with_periodic_boundary(name):
    f = np.full((H, W), 0.75)
    expect = 0.75 if name == "AV" else 0.0
    np.testing.assert_allclose(kernels.correlate_numpy(f, kernels.STENCILS[name], "periodic"), expect, atol=1e-15)
    np.testing.assert_allclose(_tf_feature(f, name, "periodic"), expect, atol=1e-15)


def test_zero_boundary_sees_zero_ghost_cells():
    f = np.ones((H, W))
    lap = kernels.correlate_numpy(f, kernels.LAP, "zero")
    # corner misses 5 neighbours: 0.25*3 + 0.5*2 weights missing -> -(0.25*3 + 0.5*2)
    assert lap[0, 0] == -(0.25 * 3 + 0.5 * 2)
    assert lap[0, 5] == -(0.25 * 2 + 0.5)  # edge misses one row: 0.25, 0.5, 0.25
    np.testing.assert_array_equal(_tf_feature(f, "LAP", "zero"), lap)


def test_lap_equals_gray_scott_laplacian_on_random_periodic_field():
    u = np.random.default_rng(2).random((3, 17, 13))
    ref = pde.laplacian(u)
    np.testing.assert_allclose(kernels.correlate_numpy(u, kernels.LAP, "periodic"), ref, rtol=0, atol=1e-14)
    z = perceive(tf.constant(np.moveaxis(u, 0, -1)[None]), "ID_LAP", "periodic").numpy()[0]
    np.testing.assert_allclose(np.moveaxis(z[..., 1::2], -1, 0), ref, rtol=0, atol=1e-14)


def test_correlate_numpy_is_correlation_not_convolution():
    # delta at (i,j): out(i-a, j-b) = g(a,b)  (cross-correlation, paper Eq. 1)
    g = np.arange(9, dtype=float).reshape(3, 3)
    f = np.zeros((7, 7))
    f[3, 3] = 1.0
    out = kernels.correlate_numpy(f, g, "zero")
    np.testing.assert_array_equal(out[2:5, 2:5], g[::-1, ::-1])


def test_correlate_numpy_rejects_unknown_boundary():
    with pytest.raises(ValueError, match="boundary"):
        kernels.correlate_numpy(np.zeros((4, 4)), kernels.ID, "wrap")


# ------------------------------------------------------------------- kernel sets
EXPECTED_NAMES = {
    "ID_LAP": ("ID", "LAP"),
    "ID_LAP_AV": ("ID", "LAP", "AV"),
    "ID_DIFF": ("ID", "SOBEL_X", "SOBEL_Y"),
    "ID_DIFF_LAP": ("ID", "SOBEL_X", "SOBEL_Y", "LAP"),
    "ID_AV": ("ID", "AV"),
    "ID_DIFF_AV": ("ID", "SOBEL_X", "SOBEL_Y", "AV"),
    "ID_DIFF_LAP_AV": ("ID", "SOBEL_X", "SOBEL_Y", "LAP", "AV"),
    "LAP_AV": ("LAP", "AV"),
    "DIFF_LAP_AV": ("SOBEL_X", "SOBEL_Y", "LAP", "AV"),
    "DIFF_AV": ("SOBEL_X", "SOBEL_Y", "AV"),
}


def test_kernel_sets_membership_and_order():
    assert set(kernels.KERNEL_SETS) == set(EXPECTED_NAMES)
    for kset, names in EXPECTED_NAMES.items():
        assert kernels.kernel_names(kset) == names, kset
        stack = kernels.kernel_stack(kset)
        assert stack.shape == (len(names), 3, 3)
        for k, n in enumerate(names):
            np.testing.assert_array_equal(stack[k], kernels.STENCILS[n])
    assert set(kernels.PAPER_KERNEL_SETS) == {"ID_LAP", "ID_LAP_AV", "ID_DIFF", "ID_DIFF_LAP"}


@pytest.mark.parametrize("kset,k", [("ID_LAP", 2), ("ID_LAP_AV", 3), ("ID_DIFF", 3), ("ID_DIFF_LAP", 4)])
def test_kernel_counts_of_paper_sets(kset, k):
    assert len(kernels.kernel_names(kset)) == k
    cfg = NCAConfig(channels=5, observable=2, kernel_set=kset)
    assert cfg.n_kernels == k and cfg.n_features == 5 * k


@pytest.mark.parametrize(
    "channels,kset,expected",
    [(8, "ID_LAP", 776), (16, "ID_DIFF_LAP", 5136), (32, "ID_DIFF_LAP", 20512), (32, "ID_LAP_AV", 16416)],
)
def test_parameter_count_of_the_paper(channels, kset, expected):
    cfg = NCAConfig(channels=channels, observable=2, kernel_set=kset)
    assert cfg.n_params == expected


def test_parameter_count_presets_and_formula():
    assert NCAConfig.gray_scott().n_params == 776
    assert NCAConfig.emoji().n_params == 5136
    for kset in kernels.KERNEL_SETS:
        k = len(kernels.kernel_names(kset))
        for c in (1, 3, 8):
            assert NCAConfig(channels=c, observable=1, kernel_set=kset).n_params == 4 * k * c * c + 4 * c * c + c
            # explicit hidden width H: K*C*H + H*C + C
            assert NCAConfig(channels=c, observable=1, kernel_set=kset, hidden=5).n_params == k * c * 5 + 5 * c + c


def test_n_params_matches_the_initialised_arrays():
    from nca_core.core.model import init_params

    for cfg in (NCAConfig.gray_scott(), NCAConfig(channels=3, observable=1, kernel_set="ID_DIFF_LAP_AV", hidden=7)):
        assert sum(a.size for a in init_params(cfg).values()) == cfg.n_params


def test_is_symmetric():
    for kset in ("ID_LAP", "ID_LAP_AV", "ID_AV", "LAP_AV"):
        assert kernels.is_symmetric(kset) is True, kset
    for kset in kernels.KERNEL_SETS:
        if "DIFF" in kset:
            assert kernels.is_symmetric(kset) is False, kset


def test_is_symmetric_agrees_with_the_stencils_d4_orbits():
    for name, g in kernels.STENCILS.items():
        images = [np.rot90(g, k) for k in range(4)] + [np.rot90(g, k).T for k in range(4)]
        invariant = all(np.array_equal(im, g) for im in images)
        assert invariant == (name in ("ID", "LAP", "AV")), name


@pytest.mark.parametrize("bad", ["FOO", "id_lap", "ID_LAP_", "GOL", "", "LAP_ID"])
def test_unknown_kernel_set_raises_naming_kernel_set(bad):
    for fn in (kernels.kernel_names, kernels.kernel_stack, kernels.is_symmetric):
        with pytest.raises(ValueError, match="kernel_set") as ei:
            fn(bad)
        assert repr(bad) in str(ei.value)
    with pytest.raises(ValueError, match="kernel_set"):
        perceive(tf.zeros([1, 4, 4, 1]), bad, "periodic")
