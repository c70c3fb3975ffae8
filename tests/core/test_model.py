"""Oracle tests for nca_core.core.perception, nca_core.core.model and the NumPy reference step.

Perception is checked against independent implementations (per-channel NumPy
correlation, FFT circular correlation, zero-embedded lattices, ``tf.nn.depthwise_conv2d``),
its hand-written adjoint against finite differences and TF autodiff, and the NCA step
against hand-set weights that make it a forward-Euler step of a known linear PDE.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow as tf

from nca_core.core import kernels, model, reference
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA
from nca_core.core.perception import perceive
from nca_core.data import gray_scott as pde

BOUNDARIES = kernels.BOUNDARIES
D4 = [(k, t) for t in (False, True) for k in range(4)]


def sym(x: np.ndarray, k: int, transpose: bool) -> np.ndarray:
    """Lattice symmetry of an array [B, H, W, C]: rot90 by k, then optionally transpose."""
    y = np.rot90(x, k, axes=(1, 2))
    return np.ascontiguousarray(np.swapaxes(y, 1, 2) if transpose else y)


def ref_perceive(x: np.ndarray, kernel_set: str, boundary: str) -> np.ndarray:
    """Depthwise perception from the NumPy reference (correlation by definition), feature c*K + k."""
    return reference.perceive(np.asarray(x, np.float64), kernel_set, boundary)


def fft_correlate(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Circular cross-correlation of x[..., H, W] with a 3×3 stencil, via the FFT."""
    h, w = x.shape[-2:]
    kern = np.zeros((h, w))
    for a in (-1, 0, 1):
        for b in (-1, 0, 1):
            kern[(-a) % h, (-b) % w] += g[a + 1, b + 1]
    return np.real(np.fft.ifft2(np.fft.fft2(x, axes=(-2, -1)) * np.fft.fft2(kern), axes=(-2, -1)))


def dw_perceive(x: tf.Tensor, kernel_set: str, boundary: str) -> tf.Tensor:
    """Independent TF perception: explicit padding + tf.nn.depthwise_conv2d (VALID)."""
    names = kernels.kernel_names(kernel_set)
    c = x.shape[-1]
    filt = np.stack([kernels.STENCILS[n] for n in names], axis=-1)  # [3,3,K]
    filt = np.repeat(filt[:, :, None, :], c, axis=2)  # [3,3,C,K]: output channel c*K + k
    if boundary == "periodic":
        xp = tf.concat([x[:, -1:], x, x[:, :1]], axis=1)
        xp = tf.concat([xp[:, :, -1:], xp, xp[:, :, :1]], axis=2)
    elif boundary == "zero":
        xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    else:
        xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    return tf.nn.depthwise_conv2d(xp, tf.constant(filt, x.dtype), [1, 1, 1, 1], "VALID")


# =============================================================== perception forward
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("kernel_set", kernels.KERNEL_SETS)
def test_perceive_equals_depthwise_numpy_correlation(kernel_set, boundary):
    x = np.random.default_rng(0).normal(size=(2, 7, 9, 3))
    z = perceive(tf.constant(x), kernel_set, boundary).numpy()
    k = len(kernels.kernel_names(kernel_set))
    assert z.shape == (2, 7, 9, 3 * k)
    np.testing.assert_allclose(z, ref_perceive(x, kernel_set, boundary), rtol=0, atol=1e-13)
    # float32 path too
    z32 = perceive(tf.constant(x, tf.float32), kernel_set, boundary).numpy()
    assert z32.dtype == np.float32
    np.testing.assert_allclose(z32, z, rtol=0, atol=1e-5)


def test_feature_order_is_channel_major():
    # channel c holds the constant c+1 plus a bump: ID feature c*K+0 must equal channel c
    x = np.zeros((1, 6, 6, 3))
    for c in range(3):
        x[..., c] = c + 1.0
    x[0, 2, 3, 1] += 4.0
    z = perceive(tf.constant(x), "ID_DIFF_LAP", "periodic").numpy()
    for c in range(3):
        np.testing.assert_array_equal(z[..., 4 * c], x[..., c])
    # only channel 1 has structure, so only features 4..7 (kernel-major would be 1,4,7,10) vary
    lap = z[..., 4 * 1 + 3]
    assert lap[0, 2, 3] == -12.0 and lap[0, 1, 3] == 2.0 and lap[0, 1, 2] == 1.0
    for c in (0, 2):
        np.testing.assert_array_equal(z[..., 4 * c + 1 : 4 * c + 4], 0.0)


@pytest.mark.parametrize("kernel_set", ["ID_DIFF_LAP_AV", "ID_LAP"])
def test_periodic_perception_is_circular_correlation_fft(kernel_set):
    x = np.random.default_rng(1).normal(size=(2, 8, 11, 2))
    z = perceive(tf.constant(x), kernel_set, "periodic").numpy()
    names = kernels.kernel_names(kernel_set)
    for c in range(2):
        for k, n in enumerate(names):
            ref = fft_correlate(x[..., c], kernels.STENCILS[n])
            np.testing.assert_allclose(z[..., c * len(names) + k], ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kernel_set", ["ID_DIFF_LAP_AV", "DIFF_AV"])
def test_zero_boundary_equals_zero_ghost_cells(kernel_set):
    x = np.random.default_rng(2).normal(size=(1, 6, 7, 2))
    z = perceive(tf.constant(x), kernel_set, "zero").numpy()
    big = np.zeros((1, 8, 9, 2))
    big[:, 1:-1, 1:-1] = x
    names = kernels.kernel_names(kernel_set)
    for c in range(2):
        for k, n in enumerate(names):
            ref = fft_correlate(big[..., c], kernels.STENCILS[n])[:, 1:-1, 1:-1]
            np.testing.assert_allclose(z[..., c * len(names) + k], ref, rtol=0, atol=1e-12)
    # the TF periodic perception of the zero-embedded lattice agrees too
    zp = perceive(tf.constant(big), kernel_set, "periodic").numpy()[:, 1:-1, 1:-1]
    np.testing.assert_allclose(z, zp, rtol=0, atol=1e-13)
    # and the edge cells differ from the periodic answer (the boundary matters)
    assert np.abs(z - perceive(tf.constant(x), kernel_set, "periodic").numpy()).max() > 0.1


def test_reflect_boundary_mirrors_including_the_edge_cell():
    x = np.random.default_rng(3).normal(size=(1, 5, 6, 1))
    z = perceive(tf.constant(x), "ID_LAP", "reflect").numpy()[..., 1]
    xp = np.pad(x[0, :, :, 0], 1, mode="symmetric")
    ref = sum(kernels.LAP[a, b] * xp[a : a + 5, b : b + 6] for a in range(3) for b in range(3))
    np.testing.assert_allclose(z[0], ref, atol=1e-13)


def test_perceive_rejects_unknown_boundary():
    with pytest.raises(ValueError, match="boundary"):
        perceive(tf.zeros([1, 4, 4, 1]), "ID_LAP", "wrap")


# ============================================================== perception gradient
def _loss(z: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
    """A nonlinear scalar of the features, per batch element."""
    return tf.reduce_sum(w * tf.tanh(z) + 0.3 * z * z * w, axis=[1, 2, 3])


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("kernel_set", ["ID_LAP", "ID_LAP_AV", "ID_DIFF", "ID_DIFF_LAP", "DIFF_LAP_AV"])
def test_perception_gradient_matches_central_differences(kernel_set, boundary):
    rng = np.random.default_rng(4)
    shape = (1, 4, 5, 2)
    x = rng.normal(size=shape)
    k = len(kernels.kernel_names(kernel_set))
    w = tf.constant(rng.normal(size=(1, 4, 5, 2 * k)))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = _loss(perceive(xt, kernel_set, boundary), w)[0]
    grad = tape.gradient(loss, xt).numpy()
    # all 2N perturbed inputs as one batch
    n = x.size
    eps = 1e-5
    e = np.eye(n).reshape((n,) + shape[1:])
    xs = np.concatenate([x + eps * e, x - eps * e])
    f = _loss(perceive(tf.constant(xs), kernel_set, boundary), w).numpy()
    fd = ((f[:n] - f[n:]) / (2 * eps)).reshape(shape)
    np.testing.assert_allclose(grad, fd, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("kernel_set", kernels.KERNEL_SETS)
def test_perception_gradient_matches_autodiff_of_depthwise_conv(kernel_set, boundary):
    rng = np.random.default_rng(5)
    x = tf.constant(rng.normal(size=(2, 6, 5, 3)))
    k = len(kernels.kernel_names(kernel_set))
    w = tf.constant(rng.normal(size=(2, 6, 5, 3 * k)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        z1 = perceive(x, kernel_set, boundary)
        z2 = dw_perceive(x, kernel_set, boundary)
        l1 = tf.reduce_sum(_loss(z1, w))
        l2 = tf.reduce_sum(_loss(z2, w))
    np.testing.assert_allclose(z1.numpy(), z2.numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(tape.gradient(l1, x).numpy(), tape.gradient(l2, x).numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("boundary", ["periodic", "zero"])
def test_perception_gradient_float32_and_inside_tf_function(boundary):
    rng = np.random.default_rng(6)
    x = tf.constant(rng.normal(size=(1, 8, 8, 2)), tf.float32)
    w = tf.constant(rng.normal(size=(1, 8, 8, 8)), tf.float32)

    @tf.function(jit_compile=True)
    def grads(x):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            l1 = tf.reduce_sum(_loss(perceive(x, "ID_DIFF_LAP", boundary), w))
            l2 = tf.reduce_sum(_loss(dw_perceive(x, "ID_DIFF_LAP", boundary), w))
        return tape.gradient(l1, x), tape.gradient(l2, x)

    g1, g2 = grads(x)
    assert g1.dtype == tf.float32
    np.testing.assert_allclose(g1.numpy(), g2.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("boundary", ["periodic", "zero"])
def test_gradient_through_nca_steps_matches_independent_step(boundary):
    """d(loss after 3 steps)/d(x0, W2, W1, v) equals autodiff of an independent NCA."""
    cfg = NCAConfig(channels=3, observable=1, kernel_set="ID_DIFF_LAP", activation="relu", hidden=6,
                    fire_rate=1.0, boundary=boundary, dtype="float64")
    rng = np.random.default_rng(7)
    params = [tf.Variable(rng.normal(0, s, size=sh)) for s, sh in ((0.3, (12, 6)), (0.2, (6, 3)), (0.1, (3,)))]
    x0 = tf.constant(rng.random((2, 6, 7, 3)))
    target = tf.constant(rng.random((2, 6, 7, 3)))

    def indep_step(p, x):
        z = dw_perceive(x, "ID_DIFF_LAP", boundary)
        h = tf.nn.relu(tf.einsum("bhwf,fj->bhwj", z, p[0]))
        return x + tf.einsum("bhwj,jc->bhwc", h, p[1]) + p[2]

    out = []
    for use_lib in (True, False):
        with tf.GradientTape() as tape:
            tape.watch(x0)
            x = x0
            for n in range(3):
                x = model.step(params, x, cfg, tf.constant([0, n], tf.int64)) if use_lib else indep_step(params, x)
            loss = tf.reduce_sum((x - target) ** 2)
        out.append([loss] + tape.gradient(loss, [x0] + params))
    for a, b in zip(*out):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


# ==================================================== hand-set oracle: Euler PDE steps
def _roll_lap(u: np.ndarray) -> np.ndarray:
    return pde.laplacian(u)


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 1e-6)])
def test_linear_nca_is_euler_step_of_heat_equation(dtype, tol):
    d = np.array([0.1, 0.23])
    cfg = NCAConfig(channels=2, observable=2, kernel_set="ID_LAP", activation="linear", hidden=2,
                    fire_rate=1.0, boundary="periodic", dtype=dtype)
    # features [c0·ID, c0·LAP, c1·ID, c1·LAP]; hidden j = D_j * LAP(u_j); output = hidden
    w_hidden = np.zeros((4, 2))
    w_hidden[1, 0], w_hidden[3, 1] = d
    nca = NCA(cfg, params={"w_hidden": w_hidden, "w_out": np.eye(2), "b_out": np.zeros(2)})
    u0 = np.random.default_rng(8).random((2, 16, 12, 2))
    traj = nca.rollout(u0, steps=10)
    u = u0.copy()
    for n in range(11):
        np.testing.assert_allclose(traj[n], u, rtol=0, atol=tol, err_msg=f"step {n}")
        u = u + d * np.moveaxis(_roll_lap(np.moveaxis(u, -1, 0)), 0, -1)
    # the field really diffused (the test is not trivially comparing constants)
    assert np.abs(traj[10] - traj[0]).max() > 0.1


def test_relu_nca_is_euler_step_of_heat_equation():
    """relu network: D·LAP(u) = relu(D·LAP u) − relu(−D·LAP u); spare hidden units unused."""
    d = np.array([0.2, 0.07])
    cfg = NCAConfig(channels=2, observable=2, kernel_set="ID_LAP", activation="relu",
                    fire_rate=1.0, boundary="periodic", dtype="float64")
    assert cfg.hidden == 8
    rng = np.random.default_rng(9)
    w_hidden = rng.normal(0, 0.1, size=(4, 8))  # columns 4..7: junk that the output ignores
    w_hidden[:, :4] = 0.0
    w_hidden[1, 0], w_hidden[1, 1] = d[0], -d[0]
    w_hidden[3, 2], w_hidden[3, 3] = d[1], -d[1]
    w_out = np.zeros((8, 2))
    w_out[0, 0], w_out[1, 0], w_out[2, 1], w_out[3, 1] = 1.0, -1.0, 1.0, -1.0
    nca = NCA(cfg, params={"w_hidden": w_hidden, "w_out": w_out, "b_out": np.zeros(2)})
    u = np.random.default_rng(10).random((1, 12, 12, 2))
    traj = nca.rollout(u, steps=10)
    for n in range(11):
        np.testing.assert_allclose(traj[n], u, rtol=0, atol=1e-12, err_msg=f"step {n}")
        u = u + d * np.moveaxis(pde.laplacian(np.moveaxis(u, -1, 0)), 0, -1)


def test_linear_nca_reproduces_linear_part_of_gray_scott():
    """ID features + output bias: the Gray-Scott RHS without the AB² term, exactly."""
    p = pde.PRESETS["published"]
    cfg = NCAConfig(channels=2, observable=2, kernel_set="ID_LAP", activation="linear", hidden=2,
                    fire_rate=1.0, boundary="periodic", dtype="float64")
    w_hidden = np.zeros((4, 2))
    w_hidden[0, 0], w_hidden[1, 0] = -p.alpha, p.d_a
    w_hidden[2, 1], w_hidden[3, 1] = -(p.gamma + p.alpha), p.d_b
    nca = NCA(cfg, params={"w_hidden": w_hidden, "w_out": np.eye(2), "b_out": np.array([p.alpha, 0.0])})
    x = pde.training_ics("float64")[1:2, 8:40, 8:40]
    traj = nca.rollout(x, steps=5)
    for n in range(6):
        np.testing.assert_allclose(traj[n], x, rtol=0, atol=1e-12)
        ab2 = x[..., 0] * x[..., 1] ** 2
        x = x + pde.rhs(x, p) + np.stack([ab2, -ab2], axis=-1)


# ======================================================= update mask and fire rate
def _random_nca(fire_rate=0.5, mask="pixel", kernel_set="ID_DIFF_LAP", boundary="zero", channels=4, seed=0):
    cfg = NCAConfig(channels=channels, observable=2, kernel_set=kernel_set, fire_rate=fire_rate, mask=mask,
                    boundary=boundary)
    rng = np.random.default_rng(100 + seed)
    params = model.init_params(cfg, seed)
    params["w_out"] = rng.normal(0, 0.1, size=params["w_out"].shape).astype(np.float32)
    params["b_out"] = rng.uniform(0.05, 0.2, size=params["b_out"].shape).astype(np.float32)
    return NCA(cfg, params=params)


@pytest.mark.parametrize("fire_rate", [1.0, 0.5, 0.0])
def test_fresh_init_is_identity_map(fire_rate):
    cfg = NCAConfig(channels=4, observable=2, kernel_set="ID_DIFF_LAP", fire_rate=fire_rate, boundary="zero")
    nca = NCA(cfg, seed=3)
    p = nca.params
    assert np.all(p["w_out"] == 0) and np.all(p["b_out"] == 0)
    assert p["w_hidden"].std() == pytest.approx(0.1, rel=0.2) and p["w_hidden"].shape == (16, 16)
    x0 = np.random.default_rng(11).random((2, 10, 10, 2)).astype(np.float32)
    traj = nca.rollout(x0, steps=4)
    padded = np.concatenate([x0, np.zeros((2, 10, 10, 2), np.float32)], axis=-1)
    assert traj.shape == (5, 2, 10, 10, 4)
    for frame in traj:
        np.testing.assert_array_equal(frame, padded)


def test_fire_rate_zero_freezes_even_with_nonzero_weights():
    nca = _random_nca(fire_rate=0.0)
    x0 = np.random.default_rng(12).random((1, 10, 10, 4)).astype(np.float32)
    full = nca.step(x0, mask=np.ones((1, 10, 10, 1)))
    assert np.abs(full - x0).min() > 0  # the increment is nonzero everywhere
    traj = nca.rollout(x0, steps=5)
    for frame in traj:
        np.testing.assert_array_equal(frame, x0)


@pytest.mark.parametrize("fire_rate", [0.5, 0.25])
def test_pixel_mask_updates_whole_cells_with_probability_fire_rate(fire_rate):
    nca = _random_nca(fire_rate=fire_rate)
    x = np.random.default_rng(13).random((2, 32, 32, 4)).astype(np.float32)
    full = nca.step(x, mask=np.ones((2, 32, 32, 1)))
    assert np.all(full != x)  # every element would change if it fired
    x1 = nca.step(x, seed=5, n=0)
    changed = x1 != x
    # per pixel: all channels change together
    np.testing.assert_array_equal(changed.all(-1), changed.any(-1))
    frac = changed[..., 0].mean()
    assert abs(frac - fire_rate) < 0.06, frac  # 2048 cells: 5 sigma ≈ 0.05
    # fired cells got the full increment, others are untouched
    np.testing.assert_allclose(x1[changed], full[changed], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(x1[~changed], x[~changed])
    # deterministic in (seed, n); another n draws another mask
    np.testing.assert_array_equal(nca.step(x, seed=5, n=0), x1)
    other = nca.step(x, seed=5, n=1) != x
    assert (other[..., 0] != changed[..., 0]).mean() > 0.2


def test_channel_mask_updates_channels_independently():
    nca = _random_nca(fire_rate=0.5, mask="channel")
    x = np.random.default_rng(14).random((2, 32, 32, 4)).astype(np.float32)
    full = nca.step(x, mask=np.ones((2, 32, 32, 4)))
    assert np.all(full != x)
    changed = nca.step(x, seed=2, n=0) != x
    assert abs(changed.mean() - 0.5) < 0.03
    for c in range(4):
        assert abs(changed[..., c].mean() - 0.5) < 0.06
    # mixed pixels: probability 1 - 2·0.5^4 = 7/8 for independent channels
    mixed = changed.any(-1) & ~changed.all(-1)
    assert abs(mixed.mean() - 7 / 8) < 0.05
    # independence of two channels: P(both) ≈ 1/4
    assert abs((changed[..., 0] & changed[..., 1]).mean() - 0.25) < 0.05


def test_explicit_mask_overrides_the_draw():
    nca = _random_nca(fire_rate=0.5)
    x = np.random.default_rng(15).random((1, 8, 8, 4)).astype(np.float32)
    m = np.zeros((1, 8, 8, 1), np.float32)
    m[0, 2:5, 3] = 1
    x1 = nca.step(x, seed=0, mask=m)
    changed = (x1 != x).any(-1)
    np.testing.assert_array_equal(changed, m[..., 0].astype(bool))


# ============================================================== D4 equivariance
@pytest.mark.parametrize("boundary", ["zero", "periodic"])
def test_symmetric_kernel_set_nca_is_d4_equivariant(boundary):
    nca = _random_nca(fire_rate=1.0, kernel_set="ID_LAP_AV", boundary=boundary, channels=3, seed=1)
    x0 = np.random.default_rng(16).random((1, 12, 12, 3)).astype(np.float32)
    batch = np.concatenate([sym(x0, k, t) for k, t in D4])  # every image in one rollout
    traj = nca.rollout(batch, steps=4)
    assert np.abs(traj[-1] - traj[0]).max() > 0.05  # something happened
    for i, (k, t) in enumerate(D4):
        for n in (1, 4):
            np.testing.assert_allclose(traj[n, i : i + 1], sym(traj[n, 0:1], k, t), rtol=0, atol=1e-5,
                                       err_msg=f"k={k} transpose={t} n={n}")


@pytest.mark.parametrize("boundary", ["zero", "periodic"])
def test_symmetric_nca_equivariant_with_transformed_stochastic_mask(boundary):
    nca = _random_nca(fire_rate=0.5, kernel_set="ID_LAP_AV", boundary=boundary, channels=3, seed=2)
    rng = np.random.default_rng(17)
    x0 = rng.random((1, 12, 12, 3)).astype(np.float32)
    x = np.concatenate([sym(x0, k, t) for k, t in D4])
    for _ in range(3):
        m0 = (rng.random((1, 12, 12, 1)) < 0.5).astype(np.float32)
        x = nca.step(x, mask=np.concatenate([sym(m0, k, t) for k, t in D4]))
    assert np.abs(x[0:1] - x0).max() > 0.05
    for i, (k, t) in enumerate(D4):
        np.testing.assert_allclose(x[i : i + 1], sym(x[0:1], k, t), rtol=0, atol=1e-5, err_msg=f"k={k} t={t}")


def test_sobel_kernel_set_nca_is_not_equivariant():
    nca = _random_nca(fire_rate=1.0, kernel_set="ID_DIFF_LAP", boundary="periodic", channels=3, seed=3)
    x0 = np.random.default_rng(18).random((1, 12, 12, 3)).astype(np.float32)
    traj = nca.rollout(np.concatenate([x0, sym(x0, 1, False)]), steps=2)
    assert np.abs(traj[-1, 1:2] - sym(traj[-1, 0:1], 1, False)).max() > 1e-3


# ===================================================================== rollout
@pytest.fixture(scope="module")
def stoch_nca():
    return _random_nca(fire_rate=0.5, kernel_set="ID_DIFF_LAP", boundary="zero", channels=4, seed=4)


@pytest.fixture(scope="module")
def x0_obs():
    return np.random.default_rng(19).random((2, 10, 9, 2)).astype(np.float32)


def test_rollout_frames_every_semantics(stoch_nca, x0_obs):
    full = stoch_nca.rollout(x0_obs, steps=7, seed=3)
    assert full.shape == (8, 2, 10, 9, 4) and full.dtype == np.float32
    every = stoch_nca.rollout(x0_obs, steps=7, seed=3, every=3)
    assert every.shape == (3, 2, 10, 9, 4)  # n = 0, 3, 6
    np.testing.assert_allclose(every, full[[0, 3, 6]], rtol=0, atol=1e-6)
    fr = stoch_nca.rollout(x0_obs, steps=7, seed=3, frames=[5, 0, 2, 2])
    assert fr.shape == (3, 2, 10, 9, 4)  # sorted, unique: 0, 2, 5
    np.testing.assert_allclose(fr, full[[0, 2, 5]], rtol=0, atol=1e-6)
    last = stoch_nca.rollout(x0_obs, steps=7, seed=3, frames=[7])
    assert last.shape == (1, 2, 10, 9, 4)
    np.testing.assert_allclose(last[0], full[7], rtol=0, atol=1e-6)
    zero = stoch_nca.rollout(x0_obs, steps=0)
    assert zero.shape == (1, 2, 10, 9, 4)
    np.testing.assert_array_equal(zero[0, ..., :2], x0_obs)
    # frames that changed (the stochastic model does move)
    assert np.abs(full[7] - full[0]).max() > 0.05


def test_rollout_zero_pads_channels_and_accepts_rank3(stoch_nca, x0_obs):
    out = stoch_nca.rollout(x0_obs, steps=2, seed=1)
    np.testing.assert_array_equal(out[0, ..., :2], x0_obs)
    np.testing.assert_array_equal(out[0, ..., 2:], 0.0)
    single = stoch_nca.rollout(x0_obs[0], steps=2, seed=1)
    assert single.shape == (3, 1, 10, 9, 4)
    np.testing.assert_array_equal(single[0, 0, ..., :2], x0_obs[0])


def test_rollout_seed_reproducibility(stoch_nca, x0_obs):
    a = stoch_nca.rollout(x0_obs, steps=5, seed=11)
    b = stoch_nca.rollout(x0_obs, steps=5, seed=11)
    c = stoch_nca.rollout(x0_obs, steps=5, seed=12)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a[-1] - c[-1]).max() > 1e-3
    # the first step already differs (different masks), not only later ones
    assert not np.array_equal(a[1], c[1])


def test_rollout_split_equals_one_call_and_step_by_step(stoch_nca, x0_obs):
    """Step n of a rollout uses the seed of step n, however the rollout is cut into frames."""
    one = stoch_nca.rollout(x0_obs, steps=6, seed=7)
    split = stoch_nca.rollout(x0_obs, steps=6, seed=7, frames=[0, 1, 4, 6])
    np.testing.assert_allclose(split, one[[0, 1, 4, 6]], rtol=0, atol=1e-6)
    # a rollout continued from frame 4 with start=4 continues the same trajectory
    head = stoch_nca.rollout(x0_obs, steps=4, seed=7)
    tail = stoch_nca.rollout(head[-1], steps=2, seed=7, start=4)
    np.testing.assert_allclose(tail, one[4:], rtol=0, atol=1e-6)
    restart = stoch_nca.rollout(head[-1], steps=2, seed=7)  # start=0 redraws masks 0, 1
    assert np.abs(restart[-1] - one[-1]).max() > 1e-3
    # NCA.step(x, seed, n) is step n of the same rollout (same mask)
    x = one[0]
    for n in range(6):
        x = stoch_nca.step(x, seed=7, n=n)
        np.testing.assert_allclose(x, one[n + 1], rtol=0, atol=1e-5, err_msg=f"step {n}")


# =================================================================== save / load
def test_save_load_round_trip(tmp_path, stoch_nca, x0_obs):
    path = stoch_nca.save(tmp_path / "model", extra={"note": "test"})
    with np.load(path / "weights.npz", allow_pickle=False) as z:
        assert sorted(z.files) == ["b_out", "w_hidden", "w_out"]
        assert z["w_hidden"].shape == (16, 16)  # [K·C, H] = [4·4, 4·4]
        assert z["w_out"].shape == (16, 4) and z["b_out"].shape == (4,)
        for k, v in stoch_nca.params.items():
            np.testing.assert_array_equal(z[k], v)
    meta = json.loads((path / "config.json").read_text())
    assert meta["format"] == model.WEIGHTS_FORMAT
    assert meta["nca_config"] == stoch_nca.config.to_dict()
    assert meta["kernels"] == ["ID", "SOBEL_X", "SOBEL_Y", "LAP"]
    assert meta["arrays"] == {"w_hidden": [16, 16], "w_out": [16, 4], "b_out": [4]}
    assert meta["extra"] == {"note": "test"}

    loaded = NCA.load(path)
    assert loaded.config == stoch_nca.config
    for k, v in stoch_nca.params.items():
        np.testing.assert_array_equal(loaded.params[k], v)
    np.testing.assert_array_equal(loaded.rollout(x0_obs, steps=4, seed=9), stoch_nca.rollout(x0_obs, steps=4, seed=9))


def test_save_load_float64_explicit_hidden(tmp_path):
    cfg = NCAConfig(channels=3, observable=1, kernel_set="ID_LAP_AV", hidden=5, dtype="float64", boundary="reflect",
                    activation="tanh", mask="channel", fire_rate=0.3)
    nca = NCA(cfg, seed=8)
    loaded = NCA.load(nca.save(tmp_path / "m64"))
    assert loaded.config == cfg and loaded.config.hidden == 5
    assert loaded.params["w_hidden"].dtype == np.float64 and loaded.params["w_hidden"].shape == (9, 5)
    np.testing.assert_array_equal(loaded.params["w_hidden"], nca.params["w_hidden"])


def test_load_rejects_unknown_format(tmp_path):
    nca = NCA(NCAConfig.gray_scott(), seed=0)
    path = nca.save(tmp_path / "m")
    meta = json.loads((path / "config.json").read_text())
    meta["format"] = 99
    (path / "config.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="format"):
        NCA.load(path)


def test_params_shape_is_checked():
    cfg = NCAConfig.gray_scott()
    p = model.init_params(cfg)
    p["w_out"] = np.zeros((3, 3))
    with pytest.raises(ValueError, match="w_out"):
        NCA(cfg, params=p)


# ================================================================== bad input
@pytest.mark.parametrize(
    "kwargs,field,value",
    [
        (dict(kernel_set="FOO"), "kernel_set", "FOO"),
        (dict(activation="sigmoid"), "activation", "sigmoid"),
        (dict(boundary="wrap"), "boundary", "wrap"),
        (dict(channels=0), "channels", 0),
        (dict(channels=4, observable=5), "observable", 5),
        (dict(fire_rate=1.5), "fire_rate", 1.5),
        (dict(fire_rate=-0.1), "fire_rate", -0.1),
        (dict(hidden=0), "hidden", 0),
        (dict(mask="cell"), "mask", "cell"),
        (dict(dtype="float16"), "dtype", "float16"),
        (dict(channels=2.5), "channels", 2.5),
    ],
)
def test_bad_config_raises_naming_field_and_value(kwargs, field, value):
    base = dict(channels=4, observable=2)
    with pytest.raises(ValueError) as ei:
        NCAConfig(**{**base, **kwargs})
    msg = str(ei.value)
    assert f"{field}=" in msg and repr(value) in msg, msg


def test_from_dict_rejects_unknown_field():
    d = NCAConfig.gray_scott().to_dict()
    assert NCAConfig.from_dict(d) == NCAConfig.gray_scott()
    with pytest.raises(ValueError, match="bogus"):
        NCAConfig.from_dict({**d, "bogus": 1})


@pytest.mark.parametrize(
    "x0,steps,words",
    [
        (np.zeros((8, 8)), 3, ("x0", "(8, 8)")),
        (np.zeros((1, 8, 8, 5)), 3, ("x0", "5")),
        (np.zeros((1, 8, 8, 0)), 3, ("x0", "0")),
        (np.zeros((1, 8, 8, 2)), -1, ("steps", "-1")),
        (np.full((1, 8, 8, 2), np.nan), 3, ("x0", "finite")),
    ],
)
def test_bad_rollout_input_raises(x0, steps, words):
    nca = NCA(NCAConfig(channels=4, observable=2, fire_rate=1.0), seed=0)
    with pytest.raises(ValueError) as ei:
        nca.rollout(x0, steps=steps)
    for w in words:
        assert w in str(ei.value), str(ei.value)


def test_bad_rollout_sampling_raises():
    nca = NCA(NCAConfig(channels=4, observable=2, fire_rate=1.0), seed=0)
    x0 = np.zeros((1, 8, 8, 2))
    with pytest.raises(ValueError, match="every"):
        nca.rollout(x0, steps=3, every=0)
    with pytest.raises(ValueError, match="frames"):
        nca.rollout(x0, steps=3, frames=[4])
    with pytest.raises(ValueError, match="seed"):
        nca.rollout(x0, steps=3, seed=-1)


_CASES = [(k, b) for k in kernels.KERNEL_SETS for b in ("periodic", "zero", "reflect")]


@pytest.mark.parametrize("case", range(len(_CASES)))
def test_numpy_reference_step_equals_nca_step(tmp_path, case):
    """The engine's step (TensorFlow, shifted slices) equals the NumPy specification for every
    kernel set and boundary, the activations taking turns (each one meets many sets), from
    weights read back off disk."""
    kernel_set, boundary = _CASES[case]
    activation = model.ACTIVATIONS[case % len(model.ACTIVATIONS)]
    rng = np.random.default_rng(case)
    x = rng.random((2, 9, 11, 6))
    mask = (rng.random((2, 9, 11, 1)) < 0.5).astype(np.float64)
    cfg = NCAConfig(channels=6, observable=2, kernel_set=kernel_set, activation=activation, fire_rate=0.5,
                    boundary=boundary, dtype="float64")
    nca = NCA(cfg, params={k: rng.normal(0, 0.3, v.shape) for k, v in model.init_params(cfg, 0).items()})
    params, config = reference.load(nca.save(tmp_path))
    want = reference.step(params, config, x, mask)
    got = nca.step(x, mask=mask)
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-8)  # float64; differences of ~1e-9 seen
    assert np.abs(want - x).max() > 1e-3  # the step really moves the state
    assert np.array_equal(want[mask[..., 0] == 0], x[mask[..., 0] == 0])  # masked cells keep their state
