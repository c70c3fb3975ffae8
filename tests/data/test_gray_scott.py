"""Oracle tests for nca_core.data.gray_scott: the Gray-Scott solver, its initial conditions and noise.

The solver is compared with an independent implementation of the same scheme written
here (explicit loop over the nine stencil offsets, coefficients typed from paper-spec
§3.1), and the initial conditions with the rectangles of paper-spec §3.3/§3.4.
"""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.data import gray_scott as pde

# paper-spec §3.1 / §3.2, typed independently of the library
D_A, D_B, ALPHA, GAMMA_PUBLISHED, GAMMA_AS_RUN = 0.1, 0.05, 0.06230, 0.06268, 0.06258
LAP_9 = {(-1, -1): 0.25, (-1, 0): 0.5, (-1, 1): 0.25,
         (0, -1): 0.5, (0, 0): -3.0, (0, 1): 0.5,
         (1, -1): 0.25, (1, 0): 0.5, (1, 1): 0.25}


def ref_laplacian(u: np.ndarray) -> np.ndarray:
    """z(i,j) = Σ g(a,b) u(i+a, j+b), periodic; u[..., H, W]."""
    out = np.zeros_like(u)
    for (a, b), g in LAP_9.items():
        out += g * np.roll(u, shift=(-a, -b), axis=(-2, -1))
    return out


def ref_solve(state: np.ndarray, steps: int, gamma: float = GAMMA_PUBLISHED, alpha: float = ALPHA) -> list:
    """Forward Euler, dt = 1, every state kept."""
    a, b = state[..., 0].copy(), state[..., 1].copy()
    out = [np.stack([a, b], -1)]
    for _ in range(steps):
        r = a * b * b
        a, b = (a + D_A * ref_laplacian(a) - r + alpha * (1 - a),
                b + D_B * ref_laplacian(b) + r - (gamma + alpha) * b)
        out.append(np.stack([a, b], -1))
    return out


def ref_training_ics() -> np.ndarray:
    rects = {
        0: [(24, 40, 24, 40)],
        1: [(16, 24, 16, 24), (48, 56, 48, 56), (10, 30, 34, 54), (34, 54, 10, 30)],
        2: [(30, 34, 0, 64), (40, 44, 30, 34), (20, 24, 24, 40)],
        3: [(4, 24, 16, 24), (42, 46, 40, 60), (16, 24, 40, 48), (40, 48, 16, 24)],
    }
    a = np.ones((4, 64, 64))
    for bi, rs in rects.items():
        for r0, r1, c0, c1 in rs:
            for i in range(r0, r1):
                for j in range(c0, c1):
                    a[bi, i, j] = 0.0
    return np.stack([a, 1 - a], -1)


@pytest.fixture(scope="module")
def long_run():
    """The published training data, every 8th state over N = 1024 steps (float32)."""
    return pde.solve(pde.training_ics(), 1024, every=8)


# ------------------------------------------------------------------------ the solver
def test_laplacian_equals_explicit_nine_offset_sum():
    u = np.random.default_rng(0).random((2, 9, 13))
    np.testing.assert_allclose(pde.laplacian(u), ref_laplacian(u), rtol=0, atol=1e-14)
    # exact on a discrete periodic Fourier mode: symbol -3 + cos kx + cos ky + cos kx cos ky
    i, j = np.indices((16, 16))
    kx, ky = 2 * np.pi * 3 / 16, 2 * np.pi * 5 / 16
    wave = np.cos(kx * j + ky * i)
    lam = -3 + np.cos(kx) + np.cos(ky) + np.cos(kx) * np.cos(ky)
    np.testing.assert_allclose(pde.laplacian(wave), lam * wave, atol=1e-13)


def test_rhs_matches_the_gray_scott_equations():
    s = np.random.default_rng(1).random((2, 8, 8, 2))
    a, b = s[..., 0], s[..., 1]
    da = D_A * ref_laplacian(a) - a * b * b + ALPHA * (1 - a)
    db = D_B * ref_laplacian(b) + a * b * b - (GAMMA_PUBLISHED + ALPHA) * b
    np.testing.assert_allclose(pde.rhs(s), np.stack([da, db], -1), rtol=0, atol=1e-14)
    np.testing.assert_allclose(pde.rhs(s, pde.preset("as_run"))[..., 1] - pde.rhs(s)[..., 1],
                               (GAMMA_PUBLISHED - GAMMA_AS_RUN) * b, atol=1e-14)


def test_solver_equals_independent_scheme_float64_50_steps():
    ics = pde.training_ics("float64")
    got = pde.solve(ics, 50, dtype="float64")
    ref = ref_solve(ref_training_ics(), 50)
    assert got.shape == (51, 4, 64, 64, 2) and got.dtype == np.float64
    for n in (0, 1, 10, 50):
        np.testing.assert_allclose(got[n], ref[n], rtol=0, atol=1e-12, err_msg=f"n={n}")
    assert np.abs(got[50] - got[0]).max() > 0.1


def test_solver_as_run_preset_equals_independent_scheme():
    x = pde.training_ics("float64")[2:3, 16:48, :32]  # any state works
    got = pde.solve(x, 20, params=pde.preset("as_run"), every=20, dtype="float64")
    ref = ref_solve(x, 20, gamma=GAMMA_AS_RUN)
    np.testing.assert_allclose(got[-1], ref[-1], rtol=0, atol=1e-12)
    other = ref_solve(x, 20, gamma=GAMMA_PUBLISHED)
    assert np.abs(other[-1] - ref[-1]).max() > 1e-6  # γ matters: the comparison is sharp


def test_float32_and_float64_agree_after_200_steps():
    ics = pde.training_ics()
    y32 = pde.solve(ics, 200, every=200, dtype="float32")
    y64 = pde.solve(ics, 200, every=200, dtype="float64")
    assert y32.dtype == np.float32 and y64.dtype == np.float64
    np.testing.assert_allclose(y32[-1], y64[-1], rtol=0, atol=1e-4)


@pytest.mark.parametrize("steps,every", [(10, 3), (12, 4), (7, 1), (5, 6), (0, 2), (1024 // 16, 24)])
def test_solve_frame_count_and_sampling(steps, every):
    x = pde.training_ics("float64")[1:2, 8:24, 8:24]
    y = pde.solve(x, steps, every=every, dtype="float64")
    assert y.shape == (steps // every + 1, 1, 16, 16, 2)
    dense = pde.solve(x, steps, every=1, dtype="float64")
    for k in range(len(y)):
        np.testing.assert_array_equal(y[k], dense[k * every])


def test_solve_frames_for_the_training_sampling(long_run):
    # ⌊1024/8⌋ + 1 frames; frame k is the state after 8k steps
    assert long_run.shape == (129, 4, 64, 64, 2) and long_run.dtype == np.float32
    np.testing.assert_array_equal(long_run[0], pde.training_ics())
    dense = pde.solve(pde.training_ics(), 16, every=1)
    np.testing.assert_array_equal(long_run[1], dense[8])
    np.testing.assert_array_equal(long_run[2], dense[16])
    for t, frames in ((6, 171), (12, 86), (24, 43), (32, 33), (1024, 2)):
        assert 1024 // t + 1 == frames  # paper-spec §3.2: T = ⌊1024/t⌋ + 1
        assert (frames - 1) * t <= 1024 < frames * t


def test_solve_accepts_any_leading_axes():
    x = pde.training_ics("float64")[0, 20:44, 20:44]  # [H, W, 2]
    y = pde.solve(x, 3, dtype="float64")
    assert y.shape == (4, 24, 24, 2)
    np.testing.assert_allclose(y[-1], ref_solve(x, 3)[-1], atol=1e-14)


# ------------------------------------------------------------ initial conditions
def test_training_ics_exactly_as_spec():
    ics = pde.training_ics()
    assert ics.shape == (4, 64, 64, 2) and ics.dtype == np.float32
    np.testing.assert_array_equal(ics, ref_training_ics())
    assert set(np.unique(ics)) == {0.0, 1.0}
    np.testing.assert_array_equal(ics[..., 1], 1 - ics[..., 0])
    assert pde.training_ics("float64").dtype == np.float64


def test_training_ics_spot_checks():
    a = pde.training_ics()[..., 0]
    # batch 0: one centred 16×16 square [24,40)²
    assert a[0, 24:40, 24:40].max() == 0 and (a[0] == 0).sum() == 256
    assert a[0, 23, 30] == 1 and a[0, 40, 30] == 1 and a[0, 30, 23] == 1 and a[0, 30, 40] == 1
    # batch 1: two 8×8 on the diagonal + two mirrored 20×20, mirror symmetric across it
    assert (a[1] == 0).sum() == 2 * 64 + 2 * 400
    np.testing.assert_array_equal(a[1], a[1].T)
    assert a[1, 16, 16] == 0 and a[1, 55, 55] == 0 and a[1, 56, 56] == 1 and a[1, 10, 34] == 0
    # batch 2: full-width band rows [30,34), 4×4 dot, 4×16 bar
    assert a[2, 30:34].max() == 0 and a[2, 29].min() == 1 and a[2, 34, 35:].min() == 1
    assert a[2, 40:44, 30:34].max() == 0 and a[2, 20:24, 24:40].max() == 0
    assert (a[2] == 0).sum() == 4 * 64 + 16 + 64
    # batch 3: 20×8 vertical bar, 4×20 horizontal bar, two 8×8 squares
    assert (a[3] == 0).sum() == 160 + 80 + 64 + 64
    assert a[3, 4:24, 16:24].max() == 0 and a[3, 42:46, 40:60].max() == 0
    assert a[3, 3, 20] == 1 and a[3, 24, 20] == 1


def test_test_ic_128():
    ic = pde.test_ic(128)
    assert ic.shape == (128, 128, 2) and ic.dtype == np.float32
    a = ic[..., 0]
    np.testing.assert_array_equal(ic[..., 1], 1 - a)
    assert set(np.unique(a)) == {0.0, 1.0}
    # hollow square: ring 10 px thick around a 12×12 hole
    ring = np.zeros((128, 128), bool)
    ring[32:64, 32:64] = True
    ring[42:54, 42:54] = False
    assert a[ring].max() == 0
    assert a[42:54, 42:54].min() == 1 and a[41, 42] == 0 and a[54, 53] == 0
    assert a[31, 32:64].min() == 1 and a[64, 32:64].min() == 1 and a[32:64, 31].min() == 1
    # bottom quarter outside the right quarter: vertical stripes, period 8, width 4
    bottom = a[96:, :96]
    np.testing.assert_array_equal(bottom, np.tile((np.arange(96) % 8 >= 4).astype(float), (32, 1)))
    assert a[95, :96].min() == 1  # stripes start at row 96
    # right quarter above the bottom one: horizontal stripes, period 16, width 8
    right = a[:96, 96:]
    np.testing.assert_array_equal(right, np.tile((np.arange(96) % 16 >= 8).astype(float)[:, None], (1, 32)))
    # overlap: union of the two zero sets
    rows, cols = np.indices((32, 32)) + 96
    expect = np.where((cols % 8 < 4) | (rows % 16 < 8), 0.0, 1.0)
    np.testing.assert_array_equal(a[96:, 96:], expect)
    # nothing else is set
    rest = np.ones((128, 128), bool)
    rest[32:64, 32:64] = False
    rest[96:] = False
    rest[:, 96:] = False
    assert a[rest].min() == 1


def test_test_ic_64_earlier_variant():
    ic = pde.test_ic(64, dtype="float64")
    assert ic.shape == (64, 64, 2) and ic.dtype == np.float64
    a = ic[..., 0]
    np.testing.assert_array_equal(ic[..., 1], 1 - a)
    expect = np.ones((64, 64))
    expect[16:32, 16:32] = 0  # solid square (the inner reset [26,22) is empty)
    expect[48:, (np.arange(64) % 8) < 4] = 0  # vertical stripes only
    np.testing.assert_array_equal(a, expect)
    with pytest.raises(ValueError, match="size"):
        pde.test_ic(96)


# ----------------------------------------------------------- long-run behaviour
def test_data_range_stays_in_unit_interval(long_run):
    assert long_run.min() >= 0.0 and long_run.max() <= 1.0
    # paper-spec §2.8: training data min 0, max 1 (normalisation is the identity)
    assert long_run.min() == 0.0 and long_run.max() == 1.0
    assert np.isfinite(long_run).all()


def test_maze_pattern_forms(long_run):
    frac = (long_run[-1, ..., 1] > 0.1).mean(axis=(1, 2))
    assert np.all((frac > 0.05) & (frac < 0.9)), frac
    # paper-spec §3.1 reports [0.133, 0.422, 0.208, 0.357] for the published γ
    np.testing.assert_allclose(frac, [0.133, 0.422, 0.208, 0.357], atol=0.02)
    # the pattern spreads beyond the initial rectangles
    init = (long_run[0, ..., 1] > 0.1).mean(axis=(1, 2))
    assert np.all(frac > init)


def test_training_trajectories_shape():
    y = pde.training_trajectories(t=512)
    assert y.shape == (3, 4, 64, 64, 2)
    np.testing.assert_array_equal(y[0], pde.training_ics())


# ------------------------------------------------------------------------ presets
def test_presets():
    pub, run, mit = pde.preset("published"), pde.preset("as_run"), pde.preset("mitosis")
    assert (pub.d_a, pub.d_b, pub.alpha, pub.gamma, pub.dt) == (D_A, D_B, ALPHA, GAMMA_PUBLISHED, 1.0)
    assert (run.d_a, run.d_b, run.alpha, run.gamma) == (D_A, D_B, ALPHA, GAMMA_AS_RUN)
    assert (mit.alpha, mit.gamma) == (0.0367, 0.0649) and (mit.d_a, mit.d_b) == (D_A, D_B)
    assert pde.GrayScottParams() == pub
    assert pde.preset("as_run", gamma=0.07).gamma == 0.07 and pde.PRESETS["as_run"].gamma == GAMMA_AS_RUN
    with pytest.raises(ValueError, match="preset"):
        pde.preset("coral")


# -------------------------------------------------------------------------- noise
def test_add_noise_formula():
    y = np.random.default_rng(2).random((3, 8, 8, 2)).astype(np.float32)
    for xi in (0.0, 0.1, 0.5, 1.0):
        got = pde.add_noise(y, xi, np.random.default_rng(7))
        eta = np.random.default_rng(7).random(y.shape)
        assert got.dtype == y.dtype and got.shape == y.shape
        np.testing.assert_allclose(got, (1 - xi) * y + xi * eta, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(pde.add_noise(y, 0.0, np.random.default_rng(3)), y)


def test_add_noise_xi_one_is_pure_uniform_noise():
    ones, zeros = np.ones((64, 64, 2)), np.zeros((64, 64, 2))
    a = pde.add_noise(ones, 1.0, np.random.default_rng(5))
    b = pde.add_noise(zeros, 1.0, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)  # the data are gone
    assert a.min() >= 0 and a.max() < 1
    assert abs(a.mean() - 0.5) < 0.02 and abs(a.std() - np.sqrt(1 / 12)) < 0.01
    # fresh noise each call
    assert not np.array_equal(pde.add_noise(ones, 1.0, np.random.default_rng(5)),
                              pde.add_noise(ones, 1.0, np.random.default_rng(6)))


# -------------------------------------------------------------------- bad input
@pytest.mark.parametrize("xi", [-0.1, 1.5, float("nan"), float("inf")])
def test_add_noise_rejects_bad_xi(xi):
    with pytest.raises(ValueError, match="xi"):
        pde.add_noise(np.zeros((4, 4, 2)), xi, np.random.default_rng(0))


def test_solve_rejects_bad_arguments():
    x = pde.training_ics()[0]
    with pytest.raises(ValueError, match="steps=-1"):
        pde.solve(x, -1)
    with pytest.raises(ValueError, match="every=0"):
        pde.solve(x, 4, every=0)
    with pytest.raises(ValueError, match="dtype"):
        pde.solve(x, 4, dtype="float16")
    shapes = ((64, 64), (64, 2), (64, 64, 3), (2, 64), (2, 64, 2, 2))
    for bad in map(np.zeros, shapes):
        with pytest.raises(ValueError, match="state") as ei:
            pde.solve(bad, 4)
        assert str(bad.shape) in str(ei.value)
    nan = np.ones((8, 8, 2))
    nan[3, 3, 0] = np.nan
    with pytest.raises(ValueError, match="state"):
        pde.solve(nan, 1)
    with pytest.raises(ValueError, match="t="):
        pde.training_trajectories(t=0)


@pytest.mark.parametrize(
    "kwargs,field",
    [(dict(dt=5.0), "dt"), (dict(dt=0.0), "dt"), (dict(dt=-1.0), "dt"), (dict(d_a=1.0, dt=1.0), "dt"),
     (dict(d_a=-0.1), "d_a"), (dict(gamma=float("nan")), "gamma")],
)
def test_gray_scott_params_rejects_bad_values(kwargs, field):
    with pytest.raises(ValueError, match=field):
        pde.GrayScottParams(**kwargs)


def test_stability_limit_is_sharp():
    pde.GrayScottParams(dt=4.99)  # 4.99 * 0.1 * 4 = 1.996 < 2: accepted
    with pytest.raises(ValueError, match="unstable"):
        pde.GrayScottParams(dt=5.0)
