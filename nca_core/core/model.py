"""The Neural Cellular Automaton: perception → per-cell MLP → stochastic residual update.

One step maps a state ``x[B, H, W, C]`` to

.. math::

    x^{(n+1)} = x^{(n)} + \\sigma^{(n)} \\odot \\big(W_1\\, u(W_2\\, z) + v\\big),
    \\qquad z = g * x^{(n)},

where ``z`` are the depthwise 3×3 perception features (channel-major, ``c*K + k``),
``W_2`` (``w_hidden``, shape ``[K·C, H]``, no bias, ~N(0, 0.1)) is the hidden layer,
``u`` the activation, ``W_1`` (``w_out``, ``[H, C]``, zero-initialised) and ``v``
(``b_out``, ``[C]``) the output layer, and ``σ`` a Bernoulli mask that is 1 with
probability ``fire_rate`` (the paper's ``p`` is ``1 − fire_rate``), drawn per pixel
(shared by the channels) or per channel.

The first ``observable`` channels are compared with data; the others are hidden and
start at zero.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from nca_core import fileio, validate
from nca_core.core.backend import tf
from nca_core.core.config import ACTIVATIONS, NCAConfig
from nca_core.core.perception import perceive

WEIGHTS_FORMAT = 1


def activation_fn(name: str):
    """The activation u by name."""
    return {
        "relu": tf.nn.relu,
        "linear": lambda z: z,
        "tanh": tf.math.tanh,
        "swish": tf.nn.silu,
        "leaky_relu": lambda z: tf.nn.leaky_relu(z, alpha=0.01),
        "gelu": lambda z: tf.nn.gelu(z, approximate=True),
    }[validate.choice("activation", name, ACTIVATIONS)]


def init_params(config: NCAConfig, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial weights: w_hidden ~ N(0, 0.1) from ``seed``, w_out = 0, b_out = 0."""
    validate.integer("seed", seed, 0)
    rng = np.random.default_rng(seed)
    dt = np.dtype(config.dtype)
    return {
        "w_hidden": rng.normal(0.0, 0.1, size=(config.n_features, config.hidden)).astype(dt),
        "w_out": np.zeros((config.hidden, config.channels), dt),
        "b_out": np.zeros((config.channels,), dt),
    }


PARAM_NAMES = ("w_hidden", "w_out", "b_out")


def update_increment(params: Sequence[tf.Tensor], x: tf.Tensor, config: NCAConfig) -> tf.Tensor:
    """The unmasked increment F(g * x) = W_1 u(W_2 z) + v for a state x[B,H,W,C]."""
    w_hidden, w_out, b_out = params
    z = perceive(x, config.kernel_set, config.boundary)
    s = tf.shape(x)
    z2 = tf.reshape(z, [-1, config.n_features])
    h = activation_fn(config.activation)(tf.matmul(z2, w_hidden))
    dx = tf.matmul(h, w_out) + b_out
    return tf.reshape(dx, s)


def fire_mask(shape: tf.Tensor, config: NCAConfig, seed: tf.Tensor) -> tf.Tensor | None:
    """Bernoulli update mask for a state of ``shape`` (None when fire_rate == 1)."""
    if config.fire_rate >= 1.0:
        return None
    mshape = tf.concat([shape[:3], [1]], 0) if config.mask == "pixel" else shape
    u = tf.random.stateless_uniform(mshape, seed=seed, dtype=config.dtype)
    return tf.cast(u < config.fire_rate, config.dtype)


def step(params: Sequence[tf.Tensor], x: tf.Tensor, config: NCAConfig, seed: tf.Tensor,
         mask: tf.Tensor | None = None) -> tf.Tensor:
    """One NCA step. ``seed`` is a stateless-RNG seed ``[2]``; ``mask`` overrides the draw."""
    dx = update_increment(params, x, config)
    if mask is None:
        mask = fire_mask(tf.shape(x), config, seed)
    return x + dx if mask is None else x + mask * dx


def step_seed(seed: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
    """The stateless seed of step ``n`` of a rollout started with ``seed``."""
    return tf.random.experimental.stateless_fold_in(seed, tf.cast(n, tf.int32))


class NCA:
    """A Neural Cellular Automaton with its weights.

    Example:
        >>> nca = NCA(NCAConfig.gray_scott(), seed=0)
        >>> traj = nca.rollout(x0, steps=2048, every=256, seed=1)   # [9, B, H, W, C]
    """

    def __init__(self, config: NCAConfig, seed: int = 0, params: dict[str, np.ndarray] | None = None):
        if not isinstance(config, NCAConfig):
            raise ValueError(f"config={config!r} is not accepted; accepted: an NCAConfig")
        self.config = config
        params = init_params(config, seed) if params is None else params
        self._check_params(params)
        self.variables = [tf.Variable(np.asarray(params[k], dtype=config.dtype), name=k) for k in PARAM_NAMES]
        self._advance: dict[bool, Any] = {}

    def _check_params(self, params: dict[str, np.ndarray]) -> None:
        c = self.config
        want = {"w_hidden": (c.n_features, c.hidden), "w_out": (c.hidden, c.channels), "b_out": (c.channels,)}
        for k, shape in want.items():
            if k not in params:
                raise ValueError(f"params is missing {k!r}; accepted keys: {list(want)}")
            if tuple(np.shape(params[k])) != shape:
                raise ValueError(f"params[{k!r}] has shape {np.shape(params[k])}; accepted: {shape}")

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The weights as NumPy arrays (copies)."""
        return {k: v.numpy().copy() for k, v in zip(PARAM_NAMES, self.variables)}

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        self._check_params(params)
        for k, v in zip(PARAM_NAMES, self.variables):
            v.assign(np.asarray(params[k], dtype=self.config.dtype))

    # ----------------------------------------------------------------- state
    def prepare_state(self, x0: Any) -> tf.Tensor:
        """Validate ``x0`` ([H,W,c] or [B,H,W,c], c ≤ C) and zero-pad it to C channels."""
        c = self.config
        x0 = np.asarray(x0)
        if x0.ndim == 3:
            x0 = x0[None]
        if x0.ndim != 4:
            raise ValueError(f"x0 has shape {x0.shape}; accepted: [H, W, c] or [B, H, W, c] with c <= {c.channels}")
        if x0.shape[0] < 1 or x0.shape[1] < 3 or x0.shape[2] < 3:
            raise ValueError(f"x0 has shape {x0.shape}; accepted: batch >= 1 and H, W >= 3")
        if not 1 <= x0.shape[3] <= c.channels:
            raise ValueError(f"x0 has {x0.shape[3]} channels; accepted: 1 to channels={c.channels}")
        if not np.all(np.isfinite(x0)):
            raise ValueError("x0 contains non-finite values; accepted: finite values")
        x0 = x0.astype(c.dtype)
        if x0.shape[3] < c.channels:
            pad = np.zeros(x0.shape[:3] + (c.channels - x0.shape[3],), c.dtype)
            x0 = np.concatenate([x0, pad], axis=-1)
        return tf.constant(x0)

    # --------------------------------------------------------------- rollout
    def compiled_advance(self, shared_masks: bool = False):
        """The XLA-compiled ``advance(params, x, n_steps, start, seed)``: ``n_steps`` steps from step
        number ``start`` with the masks of ``seed`` (what :meth:`rollout` runs between kept frames).

        With ``shared_masks``, ``advance(params, x, n_steps, start, masks)`` takes the update masks
        instead: step ``start + i`` applies ``masks[start + i]`` (``[1, H, W, 1|C]``) to every lattice
        of the batch (:mod:`nca_core.core.masks`)."""
        if shared_masks not in self._advance:
            config = self.config

            @tf.function(jit_compile=True, reduce_retracing=True)
            def advance(params, x, n_steps, start, seed_or_masks):
                def body(i, x):
                    if shared_masks:  # a gather, not masks[start + i]: XLA compiles a slice anew for every start
                        return i + 1, step(params, x, config, None, mask=tf.gather(seed_or_masks, start + i))
                    return i + 1, step(params, x, config, step_seed(seed_or_masks, start + i))

                _, x = tf.while_loop(lambda i, x: i < n_steps, body, (tf.constant(0), x))
                return x

            self._advance[shared_masks] = advance
        return self._advance[shared_masks]

    def rollout(self, x0: Any, steps: int, seed: int = 0, every: int = 1,
                frames: Sequence[int] | None = None, progress: bool = False, start: int = 0) -> np.ndarray:
        """Run the NCA and return the trajectory.

        Args:
            x0: initial state, ``[H,W,c]`` or ``[B,H,W,c]`` (c ≤ C, zero-padded to C).
            steps: number of NCA steps N ≥ 0.
            seed: seed of the stochastic update mask (same seed → same trajectory).
            every: keep every ``every``-th state (n = 0, every, 2·every, …, ≤ N).
            frames: explicit step numbers to keep (overrides ``every``), each in [0, N].
            progress: show a tqdm bar.
            start: step number of ``x0``: the masks of a rollout continued from step ``start``
                equal those of one rollout from step 0 (frame numbers stay relative to x0).

        Returns:
            ``[F, B, H, W, C]`` NumPy array of the kept states, in increasing n.
        """
        validate.integer("steps", steps, 0)
        validate.integer("seed", seed, 0)
        validate.integer("start", start, 0)
        if frames is None:
            validate.integer("every", every, 1)
            frames = list(range(0, steps + 1, every))
        else:
            frames = sorted({validate.integer("frames", f, 0, steps) for f in frames})
        x = self.prepare_state(x0)
        advance = self.compiled_advance()
        seed_t = tf.constant([seed, 0], tf.int64)
        out, n = [], 0
        it = frames
        if progress:
            from tqdm.auto import tqdm

            it = tqdm(frames, desc="rollout", unit="frame")
        for f in it:
            if f > n:
                x = advance(self.variables, x, tf.constant(f - n), tf.constant(start + n), seed_t)
                n = f
            out.append(x.numpy())
        return np.stack(out)

    def trajectory(self, x0: Any, steps: int, seed: int = 0, start: int = 0) -> np.ndarray:
        """Every state after steps 1…N, from one compiled loop: ``[N, B, H, W, C]``.

        Equal to ``rollout(x0, N, seed, every=1, start=start)[1:]`` without a Python call per step.
        """
        validate.integer("steps", steps, 1)
        validate.integer("seed", seed, 0)
        validate.integer("start", start, 0)
        x = self.prepare_state(x0)
        if getattr(self, "_traj", None) is None:
            config = self.config

            @tf.function(jit_compile=True, reduce_retracing=True)
            def traj(params, x, start, seed, n):
                out = tf.TensorArray(x.dtype, size=n, element_shape=x.shape)

                def body(i, x, out):
                    x = step(params, x, config, step_seed(seed, start + i))
                    return i + 1, x, out.write(i, x)

                _, _, out = tf.while_loop(lambda i, x, o: i < n, body, (tf.constant(0), x, out))
                return out.stack()

            self._traj = traj
        return self._traj(self.variables, x, tf.constant(start), tf.constant([seed, 0], tf.int64), steps).numpy()

    def step(self, x: Any, seed: int = 0, n: int = 0, mask: Any = None) -> np.ndarray:
        """One step from a full-channel state x[B,H,W,C]; ``mask`` [B,H,W,1|C] overrides the draw."""
        x = self.prepare_state(x)
        s = step_seed(tf.constant([seed, 0], tf.int64), n)
        if mask is None:
            return self._step_fn(False)(self.variables, x, s, x).numpy()
        m = tf.constant(np.asarray(mask, self.config.dtype))
        return self._step_fn(True)(self.variables, x, s, m).numpy()

    def _step_fn(self, with_mask: bool):
        """XLA-compiled single step (so its random mask equals the one rollout draws)."""
        key = "_step_masked" if with_mask else "_step_drawn"
        if getattr(self, key, None) is None:
            config = self.config

            @tf.function(jit_compile=True, reduce_retracing=True)
            def fn(params, x, seed, mask):
                return step(params, x, config, seed, mask=mask if with_mask else None)

            setattr(self, key, fn)
        return getattr(self, key)

    # ------------------------------------------------------------- save/load
    def save(self, path: str | os.PathLike, extra: dict[str, Any] | None = None) -> Path:
        """Save to folder ``path``: ``weights.npz`` and ``config.json`` (both atomic).

        ``weights.npz`` holds ``w_hidden [K·C, H]`` (features channel-major, ``c*K + k``),
        ``w_out [H, C]`` and ``b_out [C]``; it is readable with ``numpy.load`` alone.
        """
        path = Path(path)
        fileio.write_npz(path / "weights.npz", **self.params)
        meta = {
            "format": WEIGHTS_FORMAT,
            "nca_config": self.config.to_dict(),
            "kernels": list(self.config.kernels),
            "feature_order": "channel-major: feature c*K + k is kernel k of channel c",
            "arrays": {
                "w_hidden": [self.config.n_features, self.config.hidden],
                "w_out": [self.config.hidden, self.config.channels],
                "b_out": [self.config.channels],
            },
            "update": "x + mask * (relu-or-other(z @ w_hidden) @ w_out + b_out)",
        }
        if extra:
            meta["extra"] = extra
        fileio.write_json(path / "config.json", meta)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "NCA":
        """Load a model saved by :meth:`save`."""
        path = Path(path)
        meta = fileio.read_json(path / "config.json")
        if meta.get("format") != WEIGHTS_FORMAT:
            raise ValueError(f"{path}/config.json has format {meta.get('format')!r}; accepted: {WEIGHTS_FORMAT}")
        config = NCAConfig.from_dict(meta["nca_config"])
        return cls(config, params=fileio.read_npz(path / "weights.npz"))
