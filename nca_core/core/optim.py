"""Nadam as a pure function, and per-tensor gradient normalisation.

The update matches ``keras.optimizers.Nadam`` (Keras 3 / TF ≥ 2.11, the optimiser of the
authors' code): momentum schedule ``μ_t = β₁ (1 − ½·0.96^t)``, ``ε = 1e-7``. Keeping the
optimiser functional lets a whole training chunk (rollout, loss, gradient, update) compile
into one XLA function and makes its state trivial to checkpoint.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nca_core.core.backend import tf

BETA_1 = 0.9
BETA_2 = 0.999
EPSILON = 1e-7


def nadam_init(params: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """Fresh optimiser state for ``params``: step 0, μ-product 1, zero moments."""
    dt = np.asarray(params[0]).dtype
    state = {"iterations": np.zeros((), np.int64), "u_product": np.ones((), dt)}
    for i, p in enumerate(params):
        state[f"m{i}"] = np.zeros_like(p)
        state[f"v{i}"] = np.zeros_like(p)
    return state


def nadam_update(params: Sequence[tf.Tensor], grads: Sequence[tf.Tensor], state: dict[str, tf.Tensor],
                 lr: float) -> tuple[list[tf.Tensor], dict[str, tf.Tensor]]:
    """One Nadam step. Returns the new parameters and the new state."""
    dt = params[0].dtype
    t = tf.cast(state["iterations"] + 1, dt)
    b1, b2 = tf.constant(BETA_1, dt), tf.constant(BETA_2, dt)
    decay = tf.constant(0.96, dt)
    u_t = b1 * (1.0 - 0.5 * tf.pow(decay, t))
    u_t1 = b1 * (1.0 - 0.5 * tf.pow(decay, t + 1.0))
    u_prod_t = state["u_product"] * u_t
    u_prod_t1 = u_prod_t * u_t1
    b2_pow = tf.pow(b2, t)
    new_params, new_state = [], {"iterations": state["iterations"] + 1, "u_product": u_prod_t}
    for i, (p, g) in enumerate(zip(params, grads)):
        m = state[f"m{i}"] + (g - state[f"m{i}"]) * (1.0 - b1)
        v = state[f"v{i}"] + (tf.square(g) - state[f"v{i}"]) * (1.0 - b2)
        m_hat = u_t1 * m / (1.0 - u_prod_t1) + (1.0 - u_t) * g / (1.0 - u_prod_t)
        v_hat = v / (1.0 - b2_pow)
        new_params.append(p - lr * m_hat / (tf.sqrt(v_hat) + EPSILON))
        new_state[f"m{i}"], new_state[f"v{i}"] = m, v
    return new_params, new_state


def normalise(grads: Sequence[tf.Tensor], eps: float = 1e-8) -> list[tf.Tensor]:
    """Per-tensor gradient normalisation ``g ← g / (‖g‖₂ + eps)``."""
    return [g / (tf.norm(g) + eps) for g in grads]
