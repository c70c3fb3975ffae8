"""Oracle tests for nca_core.core.optim against Keras 3's Nadam and the normalisation formula."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from nca_core.core import optim


def _problem(dtype):
    """A small ill-conditioned least-squares problem with a matrix and a vector parameter."""
    rng = np.random.default_rng(0)
    a = tf.constant(rng.normal(size=(6, 4)) * np.array([3.0, 1.0, 0.3, 0.1]), dtype)
    b = tf.constant(rng.normal(size=(6, 2)), dtype)
    c = tf.constant(rng.normal(size=(2,)), dtype)
    init = [rng.normal(size=(4, 2)), rng.normal(size=(2,))]

    def loss(w, v):
        r = tf.matmul(a, w) + v - b
        return 0.5 * tf.reduce_sum(r * r) + tf.reduce_sum((v - c) ** 2)

    return loss, [x.astype(dtype) for x in init]


# float64: Keras rounds some scalars (at least its learning rate) through
# float32, which moves float64 results by ~1e-10 relative per step; the functional version
# matches the closed form exactly (test_nadam_first_step_closed_form).
@pytest.mark.parametrize("dtype,rtol", [("float32", 1e-6), ("float64", 1e-8)])
def test_nadam_update_reproduces_keras_nadam(dtype, rtol):
    loss, init = _problem(dtype)
    kvars = [tf.Variable(p) for p in init]
    opt = keras.optimizers.Nadam(learning_rate=1e-3)
    assert (opt.beta_1, opt.beta_2, opt.epsilon) == (optim.BETA_1, optim.BETA_2, optim.EPSILON) == (0.9, 0.999, 1e-7)
    params = [tf.constant(p) for p in init]
    state = {k: tf.constant(v) for k, v in optim.nadam_init(init).items()}
    lr = float(np.float32(1e-3))  # Keras keeps its learning rate in a float32 variable
    moved = 0.0
    for step in range(50):
        with tf.GradientTape() as tape:
            val = loss(*kvars)
        grads = tape.gradient(val, kvars)
        opt.apply_gradients(zip(grads, kvars))
        params, state = optim.nadam_update(params, grads, state, lr=lr)
        for p, kv in zip(params, kvars):
            np.testing.assert_allclose(p.numpy(), kv.numpy(), rtol=rtol, atol=rtol * 1e-2, err_msg=f"step {step}")
    assert int(state["iterations"]) == 50
    for p, p0 in zip(params, init):
        moved = max(moved, np.abs(p.numpy() - p0).max())
    # Nadam moves each coordinate by about lr per step: the comparison is not of constants
    assert 0.01 < moved < 0.06


def test_nadam_first_step_closed_form():
    """Step 1 from zero moments: m = 0.1 g, v = 0.001 g²; the update is ≈ lr·sign(g)."""
    g = np.array([0.5, -2.0, 1e-3])
    p0 = np.zeros(3)
    params, state = optim.nadam_update([tf.constant(p0)], [tf.constant(g)],
                                       {k: tf.constant(v) for k, v in optim.nadam_init([p0]).items()}, lr=0.01)
    u1 = 0.9 * (1 - 0.5 * 0.96**1)
    u2 = 0.9 * (1 - 0.5 * 0.96**2)
    m = 0.1 * g
    v = 0.001 * g**2
    m_hat = u2 * m / (1 - u1 * u2) + (1 - u1) * g / (1 - u1)
    v_hat = v / (1 - 0.999)
    expect = p0 - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-7)
    np.testing.assert_allclose(params[0].numpy(), expect, rtol=1e-12)
    np.testing.assert_allclose(state["m0"].numpy(), m, rtol=1e-12)
    np.testing.assert_allclose(state["v0"].numpy(), v, rtol=1e-12)
    assert float(state["u_product"]) == pytest.approx(u1, rel=1e-12)


def test_nadam_state_is_per_tensor_and_starts_fresh():
    s = optim.nadam_init([np.ones((2, 3), np.float32), np.ones(4, np.float32)])
    assert set(s) == {"iterations", "u_product", "m0", "v0", "m1", "v1"}
    assert s["m0"].shape == (2, 3) and s["v1"].shape == (4,) and s["m0"].dtype == np.float32
    assert int(s["iterations"]) == 0 and float(s["u_product"]) == 1.0
    assert not s["m0"].any() and not s["v1"].any()


def test_nadam_update_compiles_with_xla():
    loss, init = _problem("float32")
    state = {k: tf.constant(v) for k, v in optim.nadam_init(init).items()}

    @tf.function(jit_compile=True)
    def upd(params, grads, state):
        return optim.nadam_update(params, grads, state, lr=1e-3)

    params = [tf.constant(p) for p in init]
    grads = [tf.ones_like(p) for p in params]
    p_jit, s_jit = upd(params, grads, state)
    p_eager, s_eager = optim.nadam_update(params, grads, state, lr=1e-3)
    for a, b in zip(p_jit, p_eager):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    assert int(s_jit["iterations"]) == 1


def test_normalise_gives_unit_norm_per_tensor():
    rng = np.random.default_rng(1)
    grads = [tf.constant(rng.normal(size=(5, 3)) * 100), tf.constant(rng.normal(size=(7,)) * 1e-3),
             tf.constant([3.0, 4.0], tf.float64)]
    out = optim.normalise(grads)
    for g, n in zip(grads, out):
        assert np.linalg.norm(n.numpy()) == pytest.approx(1.0, abs=1e-5)
        # same direction: n = g / ‖g‖ (per tensor, not a global norm)
        np.testing.assert_allclose(n.numpy(), g.numpy() / (np.linalg.norm(g.numpy()) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(out[2].numpy(), [0.6, 0.8], rtol=1e-8)


def test_normalise_leaves_zero_gradients_at_zero():
    out = optim.normalise([tf.zeros((4, 4)), tf.constant([0.0, 2.0])])
    assert np.all(out[0].numpy() == 0) and np.isfinite(out[0].numpy()).all()
    np.testing.assert_allclose(out[1].numpy(), [0.0, 1.0], rtol=1e-6)
