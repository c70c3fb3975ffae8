"""Training an NCA on trajectories: the paper's Algorithm 2 as the authors' code runs it.

Data ``y[T, R, H, W, c_obs]`` (frames × trajectories) become ``M·R`` (input, target) pairs,
``X[m·R + r] = y[m, r]``, ``Y[m·R + r] = y[m+1, r]`` with ``M = T − 1``. One epoch:

1. shuffle the pairs (seeded by ``(seed, epoch)``) and split them into chunks of
   ``chunk_size`` (the remainder is not trained that epoch; ``None`` = one chunk of all);
2. per chunk: roll each input forward ``t`` steps with back-propagation through time,
   loss = mean over samples of the Euclidean distance ``‖x̂_obs − y‖₂`` over the lattice and
   the observable channels, plus ``state_reg`` × the step-averaged sum of
   ``max(0,−x) + max(0,x−1)`` over all cells and channels; normalise each parameter's
   gradient by its L2 norm; one Nadam step (or, with ``accumulate=True``, sum the chunk
   gradients and take one step per epoch, as Algorithm 2 is written);
3. propagate: the output from slot m becomes the input of slot m+1 (slot 0 keeps the true
   initial condition, plus its input noise), and the first ``reinit`` trajectories are
   reset to the true frames with hidden channels zeroed;
4. keep the best weights (rule of :class:`TrainConfig`), record the loss; stop with
   ``diverged=True`` on a non-finite or exploding state or loss.

Each chunk's rollout, loss, gradient and update are one XLA-compiled function.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import tensorflow as tf

from . import fileio, validate
from .data import apply_transform, random_transforms
from .model import NCA, PARAM_NAMES, NCAConfig, init_params, step, step_seed
from .optim import nadam_init, nadam_update, normalise

CHECKPOINT_FORMAT = 1
#: learning-rate schedules of :class:`TrainConfig` (see :func:`learning_rate`)
LR_SCHEDULES = ("constant", "cosine", "exponential")
_SCHEDULE_FIELDS = ("lr_schedule", "warmup", "lr_min")
#: compile chunks with XLA (True) or as a plain TensorFlow graph (False, for comparison)
JIT_COMPILE = True
#: default micro-batch of the gradient evaluation (None on GPUs, where large batches are fast)
MICRO_BATCH: int | None = None if tf.config.list_physical_devices("GPU") else 8


@dataclass(frozen=True)
class TrainConfig:
    """How to train. Frozen and validated at construction.

    Attributes:
        t: NCA steps between consecutive data frames (BPTT depth), ≥ 1.
        epochs: number of epochs, ≥ 1.
        lr: Nadam learning rate: the constant rate, or the peak of a schedule.
        lr_schedule: ``"constant"`` (the paper's), ``"cosine"`` or ``"exponential"``: after
            ``warmup`` epochs the rate decays from ``lr`` to ``lr_min`` at the last epoch, as
            ``lr_min + (lr − lr_min)·½(1 + cos πs)`` or ``lr·(lr_min/lr)^s`` with
            ``s = (epoch − warmup)/(epochs − 1 − warmup)`` (see :func:`learning_rate`).
        warmup: epochs of linear warm-up from ``lr/warmup`` to ``lr`` (0 = none; any schedule).
        lr_min: the floor a decaying schedule reaches at the last epoch, in (0, lr].
        chunk_size: samples per gradient step; ``None`` = all samples in one step.
        accumulate: Algorithm 2 as written: sum chunk gradients, one update per epoch.
        state_reg: coefficient λ of the [0, 1] state regulariser (0.01 PDE, 0 emoji).
        normalise_grads: per-tensor gradient normalisation.
        reinit: how many trajectories (the first ones) are reset to the truth each epoch.
        select_after: best-model selection starts at this fraction of the epochs.
        select_requires_decrease: a new best must also beat the previous epoch (PDE rule).
        data_noise: ξ of Fig 6: fresh noise every epoch on inputs (all channels) and targets.
        input_noise: a of the emoji noise augmentation ``(1−a)x + a·U(0,1)`` on the inputs.
        augment_every: 0 = input noise applied once before training (variant a of the spec);
            k > 0 = every k epochs trajectories ≥ 2 are reset to trajectory 1, transformed
            (shift ± ``max_shift``, optional flip and rotation) and all inputs re-noised (variant b).
        max_shift, flip, rotate: the variant (b) transforms.
        seed: seed of the weights, the shuffles, the masks and the augmentations.
        divergence_threshold: a state with |x| above this counts as diverged.
        checkpoint_every: epochs between checkpoints (when a checkpoint folder is given).
        recompute: gradient checkpointing: recompute activations in segments of this many
            steps in the backward pass (0 = off). Saves memory, costs one extra forward.
    """

    t: int = 32
    epochs: int = 4000
    lr: float = 1e-3
    lr_schedule: str = "constant"
    warmup: int = 0
    lr_min: float = 1e-5
    chunk_size: int | None = 64
    accumulate: bool = False
    state_reg: float = 0.01
    normalise_grads: bool = True
    reinit: int = 1
    select_after: float = 0.05
    select_requires_decrease: bool = True
    data_noise: float = 0.0
    input_noise: float = 0.0
    augment_every: int = 0
    max_shift: int = 0
    flip: bool = False
    rotate: bool = False
    seed: int = 0
    divergence_threshold: float = 1e3
    checkpoint_every: int = 100
    recompute: int = 0

    def __post_init__(self) -> None:
        validate.integer("t", self.t, 1)
        validate.integer("epochs", self.epochs, 1)
        validate.number("lr", self.lr, 0.0, open_min=True)
        validate.choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        validate.integer("warmup", self.warmup, 0)
        if self.warmup >= self.epochs:
            raise ValueError(f"warmup={self.warmup} is not accepted; accepted: 0 to epochs - 1 = {self.epochs - 1}")
        validate.number("lr_min", self.lr_min, 0.0, open_min=True)
        if self.lr_schedule != "constant" and self.lr_min > self.lr:
            raise ValueError(f"lr_min={self.lr_min} is not accepted; accepted: a floor in (0, lr={self.lr}]")
        if self.chunk_size is not None:
            validate.integer("chunk_size", self.chunk_size, 1)
        validate.number("state_reg", self.state_reg, 0.0)
        validate.integer("reinit", self.reinit, 0)
        validate.number("select_after", self.select_after, 0.0, 1.0)
        validate.number("data_noise", self.data_noise, 0.0, 1.0)
        validate.number("input_noise", self.input_noise, 0.0, 1.0)
        validate.integer("augment_every", self.augment_every, 0)
        validate.integer("max_shift", self.max_shift, 0)
        validate.integer("seed", self.seed, 0)
        validate.number("divergence_threshold", self.divergence_threshold, 0.0, open_min=True)
        validate.integer("checkpoint_every", self.checkpoint_every, 1)
        validate.integer("recompute", self.recompute, 0)
        if self.recompute and self.t % self.recompute:
            raise ValueError(f"recompute={self.recompute} is not accepted; accepted: 0 or a divisor of t={self.t}")
        for f in ("accumulate", "normalise_grads", "select_requires_decrease", "flip", "rotate"):
            if not isinstance(getattr(self, f), bool):
                raise ValueError(f"{f}={getattr(self, f)!r} is not accepted; accepted: True or False")

    @classmethod
    def gray_scott(cls, **overrides: Any) -> "TrainConfig":
        """The PDE runs (Figs 4–6): t=32, 4000 epochs, chunks of 64, λ=0.01, PDE selection rule."""
        return cls(**{**dict(t=32, epochs=4000, chunk_size=64, state_reg=0.01, select_after=0.05,
                             select_requires_decrease=True), **overrides})

    @classmethod
    def emoji(cls, **overrides: Any) -> "TrainConfig":
        """The emoji runs (Figs 8–9): t=64, 8000 epochs, one step per epoch, λ=0, noise 1e-3 once."""
        return cls(**{**dict(t=64, epochs=8000, chunk_size=None, state_reg=0.0, select_after=0.1,
                             select_requires_decrease=False, input_noise=1e-3), **overrides})

    def to_dict(self) -> dict[str, Any]:
        """All fields, except the schedule fields at their defaults (so that every cache key
        made before schedules existed stays valid: a constant-rate run hashes as before)."""
        d = dataclasses.asdict(self)
        if self.lr_schedule == "constant" and self.warmup == 0:
            for name in _SCHEDULE_FIELDS:
                d.pop(name)
        return d

    def learning_rates(self) -> np.ndarray:
        """The learning rate of every epoch, ``[epochs]`` (see :func:`learning_rate`)."""
        return np.array([learning_rate(self, e) for e in range(self.epochs)])

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"unknown TrainConfig field(s) {sorted(unknown)}; accepted: {sorted(names)}")
        return cls(**d)


def learning_rate(tc: TrainConfig, epoch: int) -> float:
    """The Nadam learning rate of ``epoch`` (0-based) under ``tc``'s schedule.

    Warm-up: ``lr·(epoch + 1)/warmup`` for ``epoch < warmup``. Then, with
    ``s = (epoch − warmup)/max(1, epochs − 1 − warmup)`` running from 0 to 1,
    constant: ``lr``; cosine: ``lr_min + (lr − lr_min)·(1 + cos πs)/2``;
    exponential: ``lr·(lr_min/lr)^s``.
    """
    if epoch < tc.warmup:
        return tc.lr * (epoch + 1) / tc.warmup
    if tc.lr_schedule == "constant":
        return tc.lr
    s = min(1.0, (epoch - tc.warmup) / max(1, tc.epochs - 1 - tc.warmup))
    if tc.lr_schedule == "cosine":
        return tc.lr_min + (tc.lr - tc.lr_min) * 0.5 * (1.0 + np.cos(np.pi * s))
    return tc.lr * (tc.lr_min / tc.lr) ** s


@dataclass
class TrainResult:
    """What a training run produced.

    Attributes:
        params: the best weights (the model the paper would report).
        final_params: the weights after the last completed epoch.
        loss: per-epoch mean training loss (regulariser excluded), length ``epochs_run``.
        best_epoch, best_loss: the selected epoch and its loss.
        diverged, diverged_epoch: whether (and when) the run stopped on a non-finite or
            exploding state or loss.
        seconds: wall time of the run (this process; resumed runs add up).
        snapshots: the weights after every ``snapshot_every`` epochs, by epoch count
            (see :meth:`Trainer.fit`; empty unless asked for).
    """

    nca_config: NCAConfig
    train_config: TrainConfig
    params: dict[str, np.ndarray]
    final_params: dict[str, np.ndarray]
    loss: np.ndarray
    best_epoch: int
    best_loss: float
    diverged: bool = False
    diverged_epoch: int | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    snapshots: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)

    @property
    def lr(self) -> np.ndarray:
        """The learning rate of every epoch run, ``[epochs_run]`` (aligned with ``loss``)."""
        return self.train_config.learning_rates()[: len(self.loss)]

    @property
    def min_loss(self) -> float:
        """The paper's "train loss": the minimum over epochs of the epoch mean loss."""
        finite = self.loss[np.isfinite(self.loss)]
        return float(finite.min()) if finite.size else float("nan")

    @property
    def train_loss(self) -> float:
        """The training loss reported in figures: the minimum epoch loss after the burn-in.

        The burn-in is the first ``select_after`` fraction of the epochs, as for model
        selection. In the paper's 4000-epoch runs this equals the plain minimum; in short
        runs it keeps epoch 0 (the untrained identity map) from being reported.
        """
        start = int(np.ceil(self.train_config.select_after * self.train_config.epochs))
        tail = self.loss[start:]
        tail = tail[np.isfinite(tail)]
        return float(tail.min()) if tail.size else self.min_loss

    def model(self) -> NCA:
        """The NCA with the best weights."""
        return NCA(self.nca_config, params=self.params)

    def summary(self) -> dict[str, Any]:
        return {
            "nca_config": self.nca_config.to_dict(), "train_config": self.train_config.to_dict(),
            "best_epoch": self.best_epoch, "best_loss": self.best_loss, "min_loss": self.min_loss,
            "epochs_run": int(len(self.loss)), "diverged": self.diverged,
            "diverged_epoch": self.diverged_epoch, "seconds": self.seconds, "extra": self.extra,
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Folder with ``weights.npz`` + ``config.json`` (best model), ``history.npz``, ``result.json``."""
        path = Path(path)
        self.model().save(path, extra={"train_config": self.train_config.to_dict()})
        fileio.write_npz(path / "history.npz", loss=self.loss, lr=self.lr,
                         **{f"final_{k}": v for k, v in self.final_params.items()},
                         **_flatten_snapshots(self.snapshots, "snapshot/"))
        fileio.write_json(path / "result.json", self.summary())
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TrainResult":
        path = Path(path)
        s = fileio.read_json(path / "result.json")
        h = fileio.read_npz(path / "history.npz")
        nca = NCA.load(path)
        return cls(
            nca_config=NCAConfig.from_dict(s["nca_config"]), train_config=TrainConfig.from_dict(s["train_config"]),
            params=nca.params, final_params={k: h[f"final_{k}"] for k in PARAM_NAMES}, loss=h["loss"],
            best_epoch=s["best_epoch"], best_loss=s["best_loss"], diverged=s["diverged"],
            diverged_epoch=s["diverged_epoch"], seconds=s["seconds"], extra=s.get("extra", {}),
            snapshots=_unflatten_snapshots(h, "snapshot/"),
        )


def config_hash(*parts: Any) -> str:
    """Stable short hash of JSON-serialisable parts (configs, data fingerprints)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def data_fingerprint(y: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(y, dtype=np.float32).tobytes()).hexdigest()[:16]


class Trainer:
    """Trains an NCA on ``y[T, R, H, W, c_obs]``; see the module docstring for the algorithm.

    Args:
        nca_config: the architecture.
        train_config: the training procedure.
        y: trajectories, frames × trajectories × rows × cols × observable channels.
        checkpoint_dir: folder for the resumable checkpoint (optional). A run that finds a
            checkpoint of the same configuration and data there resumes from it.
        micro_batch: evaluate each chunk's gradient in micro-batches of this many samples
            (summed: the same gradient up to rounding). Smaller working sets run faster on a
            CPU; ``None`` evaluates the chunk at once (better on a GPU).
    """

    def __init__(self, nca_config: NCAConfig, train_config: TrainConfig, y: np.ndarray,
                 checkpoint_dir: str | os.PathLike | None = None, micro_batch: int | None = MICRO_BATCH):
        if not isinstance(nca_config, NCAConfig):
            raise ValueError(f"nca_config={nca_config!r} is not accepted; accepted: an NCAConfig")
        if not isinstance(train_config, TrainConfig):
            raise ValueError(f"train_config={train_config!r} is not accepted; accepted: a TrainConfig")
        self.nc, self.tc = nca_config, train_config
        y = np.asarray(y)
        if y.ndim != 5 or y.shape[0] < 2 or y.shape[4] != nca_config.observable or min(y.shape[2:4]) < 3:
            raise ValueError(
                f"y has shape {y.shape}; accepted: [T >= 2, R, H >= 3, W >= 3, observable={nca_config.observable}]"
            )
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains non-finite values; accepted: finite values")
        self.T, self.R = y.shape[:2]
        self.M = self.T - 1
        self.n_samples = self.M * self.R
        cs = train_config.chunk_size
        if cs is not None and cs > self.n_samples:
            raise ValueError(
                f"chunk_size={cs} is not accepted; accepted: at most the number of samples M*R={self.n_samples}"
            )
        if train_config.reinit > self.R:
            raise ValueError(f"reinit={train_config.reinit} is not accepted; accepted: 0 to R={self.R}")
        if train_config.augment_every and self.R < 3:
            raise ValueError(f"augment_every={train_config.augment_every} needs R >= 3 trajectories; y has R={self.R}")
        self.chunk = cs or self.n_samples
        self.n_chunks = self.n_samples // self.chunk
        self.dtype = nca_config.dtype
        self.y = y.astype(self.dtype)
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        if micro_batch is not None:
            validate.integer("micro_batch", micro_batch, 1)
        self.micro_batch = micro_batch
        self.key = config_hash(CHECKPOINT_FORMAT, nca_config.to_dict(), train_config.to_dict(), data_fingerprint(y))
        self._build_functions()

    # ------------------------------------------------------------ data slots
    def _pad(self, a: np.ndarray) -> np.ndarray:
        extra = self.nc.channels - a.shape[-1]
        return np.concatenate([a, np.zeros(a.shape[:-1] + (extra,), a.dtype)], -1) if extra else a

    def _initial_state(self) -> dict[str, Any]:
        y, R = self.y, self.R
        X = self._pad(y[:-1].reshape((self.n_samples,) + y.shape[2:]))
        Y = y[1:].reshape((self.n_samples,) + y.shape[2:])
        if self.tc.input_noise and not self.tc.augment_every:
            rng = np.random.default_rng([self.tc.seed, 1 << 20])
            X = X + 0.0
            X = ((1 - self.tc.input_noise) * X + self.tc.input_noise * rng.random(X.shape)).astype(self.dtype)
        params = init_params(self.nc, self.tc.seed)
        p_list = [params[k] for k in PARAM_NAMES]
        return {
            "epoch": 0, "X": X, "Y": Y, "X0": X[:R].copy(),
            "params": params, "opt": nadam_init(p_list), "best": {k: v.copy() for k, v in params.items()},
            "best_any": {k: v.copy() for k, v in params.items()},
            "best_epoch": -1, "best_loss": np.inf, "best_any_loss": np.inf,
            "prev_loss": np.inf, "loss": [], "seconds": 0.0, "diverged": False, "diverged_epoch": None,
            "snapshots": {},
        }

    # ------------------------------------------------------- compiled chunk
    def _build_functions(self):
        nc, tc = self.nc, self.tc
        obs, t = nc.observable, tc.t
        dt = self.dtype
        seg = tc.recompute or t

        def segment(params, x, seed, start):
            reg = tf.zeros((), dt)
            for i in range(seg):  # a short, static segment
                x = step(params, x, nc, step_seed(seed, start + i))
                if tc.state_reg:
                    reg += tf.reduce_sum(tf.nn.relu(-x) + tf.nn.relu(x - 1.0))
            return x, reg

        seg_fn = tf.recompute_grad(segment) if tc.recompute else segment

        def rollout(params, x, seed):
            n_seg = t // seg
            if n_seg == 1:
                return seg_fn(params, x, seed, tf.constant(0))

            def body(j, x, reg):
                x, r = seg_fn(params, x, seed, j * seg)
                return j + 1, x, reg + r

            _, x, reg = tf.while_loop(lambda j, x, r: j < n_seg, body, (tf.constant(0), x, tf.zeros((), dt)),
                                      maximum_iterations=n_seg)
            return x, reg

        def loss_fn(params, x, y, seed, denom=None):
            """Loss of a batch: sum of per-sample distances / denom (default: the batch size)."""
            if tc.data_noise:
                s1, s2 = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
                xi = tf.constant(tc.data_noise, dt)
                x = (1 - xi) * x + xi * tf.random.stateless_uniform(tf.shape(x), s1, dtype=dt)
                y = (1 - xi) * y + xi * tf.random.stateless_uniform(tf.shape(y), s2, dtype=dt)
            x, reg = rollout(params, x, seed)
            d = x[..., :obs] - y
            per = tf.sqrt(tf.reduce_sum(tf.square(d), axis=[1, 2, 3]) + 1e-20)
            denom = tf.cast(tf.shape(per)[0], dt) if denom is None else denom
            loss = tf.reduce_sum(per) / denom
            return loss + tc.state_reg * reg / t, (loss, x)

        @tf.function(jit_compile=JIT_COMPILE, reduce_retracing=True)
        def grads_fn(params, x, y, seed, denom=None):
            """Rollout, loss and gradient of one (micro-)batch as one XLA function."""
            with tf.GradientTape() as tape:
                tape.watch(params)
                total, (loss, x_out) = loss_fn(params, x, y, seed, denom)
            grads = tape.gradient(total, params)
            return grads, loss, x_out, tf.reduce_max(tf.abs(x_out))

        @tf.function(jit_compile=JIT_COMPILE, reduce_retracing=True)
        def update_fn(params, opt, grads, lr):
            if tc.normalise_grads:
                grads = normalise(grads)
            return nadam_update(params, grads, opt, lr)

        self._grads_fn, self._update_fn = grads_fn, update_fn
        self.loss_fn = loss_fn

    def _chunk_grads(self, params, x, y, seed):
        """Gradient of a chunk, summed over micro-batches of ``micro_batch`` samples when set."""
        n, m = int(x.shape[0]), self.micro_batch
        if not m or n <= m or n % m:
            return self._grads_fn(params, x, y, seed)
        denom = tf.constant(n, self.dtype)
        grads, loss, outs, xmax = None, 0.0, [], 0.0
        for i in range(n // m):
            g, li, xo, xm = self._grads_fn(params, x[i * m:(i + 1) * m], y[i * m:(i + 1) * m],
                                           tf.random.experimental.stateless_fold_in(seed, i), denom)
            grads = g if grads is None else [a + b for a, b in zip(grads, g)]
            loss, xmax = loss + li, tf.maximum(xmax, xm)
            outs.append(xo)
        return grads, loss, tf.concat(outs, 0), xmax

    # ---------------------------------------------------------------- epoch
    def _epoch(self, st: dict[str, Any], epoch: int) -> tuple[float, float]:
        """One epoch; the slots stay TensorFlow tensors until the epoch ends (one host copy)."""
        tc, R = self.tc, self.R
        X, Y = tf.constant(st["X"]), tf.constant(st["Y"])
        lr = tf.constant(learning_rate(tc, epoch), self.dtype)
        params = [tf.constant(st["params"][k]) for k in PARAM_NAMES]
        opt = {k: tf.constant(v) for k, v in st["opt"].items()}
        if tc.chunk_size is None:
            order = np.arange(self.n_samples)
        else:
            order = np.random.default_rng([tc.seed, epoch]).permutation(self.n_samples)
        trained = order[: self.n_chunks * self.chunk]
        outs, losses, xmaxes, acc = [], [], [], None
        for c in range(self.n_chunks):
            idx = tf.constant(trained[c * self.chunk:(c + 1) * self.chunk])
            seed = tf.constant([tc.seed, epoch * 4096 + c], tf.int64)
            grads, loss, x_out, xm = self._chunk_grads(params, tf.gather(X, idx), tf.gather(Y, idx), seed)
            if tc.accumulate:
                acc = grads if acc is None else [a + g for a, g in zip(acc, grads)]
            else:
                params, opt = self._update_fn(params, opt, grads, lr)
            outs.append(x_out)
            losses.append(loss)
            xmaxes.append(xm)
        if tc.accumulate:
            params, opt = self._update_fn(params, opt, acc, lr)
        # untrained samples (the remainder of the chunks) keep their state
        out = tf.tensor_scatter_nd_update(X, tf.constant(trained)[:, None], tf.concat(outs, 0))
        # propagate: slot m+1 <- output of slot m; slot 0 keeps the initial condition
        newX = np.concatenate([st["X0"], out.numpy()[:-R]], axis=0)
        for r in range(tc.reinit):
            newX[R + r::R] = self._pad(self.y[1:-1, r])
        st["X"] = newX
        st["params"] = {k: p.numpy() for k, p in zip(PARAM_NAMES, params)}
        st["opt"] = {k: v.numpy() for k, v in opt.items()}
        return float(tf.reduce_mean(tf.stack(losses))), float(tf.reduce_max(tf.stack(xmaxes)))

    def _augment(self, st: dict[str, Any], epoch: int) -> None:
        """Variant (b): reset trajectories ≥ 2 to trajectory 1, transform them, re-noise inputs."""
        tc, R = self.tc, self.R
        rng = np.random.default_rng([tc.seed, epoch, 7])
        X = st["X"].reshape((self.M, R) + st["X"].shape[1:])
        Yt = self.y[1:]
        Y = st["Y"].reshape((self.M, R) + st["Y"].shape[1:])
        for r, p in zip(range(2, R), random_transforms(rng, R - 2, tc.max_shift, tc.flip, tc.rotate)):
            X[:, r] = apply_transform(X[:, 1], p)
            Y[:, r] = apply_transform(Yt[:, 1], p)
        if tc.input_noise:
            a = tc.input_noise
            X[:] = (1 - a) * X + a * rng.random(X.shape)
        st["X"] = X.reshape(st["X"].shape).astype(self.dtype)
        st["Y"] = Y.reshape(st["Y"].shape).astype(self.dtype)
        st["X0"] = st["X"][:R].copy()

    # ------------------------------------------------------------ checkpoint
    def _ckpt_path(self) -> Path | None:
        return None if self.checkpoint_dir is None else self.checkpoint_dir / "checkpoint.npz"

    def _save_checkpoint(self, st: dict[str, Any]) -> None:
        path = self._ckpt_path()
        if path is None:
            return
        arrays = {"X": st["X"], "Y": st["Y"], "X0": st["X0"], "loss": np.asarray(st["loss"], np.float64)}
        for group in ("params", "opt", "best", "best_any"):
            arrays.update({f"{group}/{k}": v for k, v in st[group].items()})
        arrays.update(_flatten_snapshots(st["snapshots"], "snapshot/"))
        meta = {k: st[k] for k in ("epoch", "best_epoch", "best_loss", "best_any_loss", "prev_loss", "seconds",
                                    "diverged", "diverged_epoch")}
        meta.update(key=self.key, format=CHECKPOINT_FORMAT)
        arrays["meta"] = np.frombuffer(json.dumps(meta, default=float).encode(), np.uint8)
        fileio.write_npz(path, **arrays)

    def _load_checkpoint(self) -> dict[str, Any] | None:
        path = self._ckpt_path()
        if path is None or not path.exists():
            return None
        try:
            z = fileio.read_npz(path)
            meta = json.loads(bytes(z["meta"]).decode())
        except Exception:  # a damaged checkpoint is ignored: the run starts afresh
            return None
        if meta.get("key") != self.key:
            return None
        st = {k: meta[k] for k in meta if k not in ("key", "format")}
        for k in ("X", "Y", "X0"):
            st[k] = z[k]
        st["loss"] = list(z["loss"])
        for group in ("params", "opt", "best", "best_any"):
            st[group] = {k.split("/", 1)[1]: v for k, v in z.items() if k.startswith(group + "/")}
        st["snapshots"] = _unflatten_snapshots(z, "snapshot/")
        return st

    # ------------------------------------------------------------------ fit
    def fit(self, progress: bool = True, callback: Callable[[int, float], None] | None = None,
            snapshot_every: int = 0) -> TrainResult:
        """Train (or resume) and return the :class:`TrainResult`.

        Args:
            progress: show a tqdm bar (epoch, loss, best loss); False = silent.
            callback: called as ``callback(epoch, loss)`` after each epoch.
            snapshot_every: keep a copy of the weights after every this many epochs
                (``result.snapshots``; 0 = none), so that a model can be chosen afterwards by
                another criterion than the training loss (a rollout from an unseen IC, say).
        """
        tc = self.tc
        st = self._load_checkpoint() or self._initial_state()
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=tc.epochs, initial=st["epoch"], desc="train", unit="epoch")
        select_from = int(np.ceil(tc.select_after * tc.epochs))
        while st["epoch"] < tc.epochs and not st["diverged"]:
            epoch = st["epoch"]
            t0 = time.perf_counter()
            if tc.augment_every and epoch % tc.augment_every == 0:
                self._augment(st, epoch)
            prev_state = {k: st[k] for k in ("X", "params", "opt")}
            loss, xmax = self._epoch(st, epoch)
            if not np.isfinite(loss) or not np.isfinite(xmax) or xmax > tc.divergence_threshold:
                st.update(prev_state)
                st["diverged"], st["diverged_epoch"] = True, epoch
                st["loss"].append(loss if np.isfinite(loss) else np.nan)
            else:
                st["loss"].append(loss)
                if loss < st["best_any_loss"]:
                    st["best_any"], st["best_any_loss"] = dict(st["params"]), loss
                eligible = epoch >= select_from and (not tc.select_requires_decrease or loss < st["prev_loss"])
                if eligible and loss < st["best_loss"]:
                    st["best"], st["best_loss"], st["best_epoch"] = dict(st["params"]), loss, epoch
                st["prev_loss"] = loss
            st["epoch"] = epoch + 1
            if snapshot_every and st["epoch"] % snapshot_every == 0 and not st["diverged"]:
                st["snapshots"][st["epoch"]] = dict(st["params"])
            st["seconds"] += time.perf_counter() - t0
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4g}", best=f"{min(st['best_loss'], st['best_any_loss']):.4g}")
            if callback is not None:
                callback(epoch, loss)
            if st["epoch"] % tc.checkpoint_every == 0 and st["epoch"] < tc.epochs and not st["diverged"]:
                self._save_checkpoint(st)
        if bar is not None:
            bar.close()
        self._save_checkpoint(st)
        if st["best_epoch"] < 0:  # nothing eligible (short or diverged run): fall back to the lowest loss
            st["best"], st["best_loss"] = st["best_any"], st["best_any_loss"]
            st["best_epoch"] = int(np.nanargmin(st["loss"])) if np.isfinite(st["best_any_loss"]) else -1
        return TrainResult(
            nca_config=self.nc, train_config=tc, params=st["best"], final_params=st["params"],
            loss=np.asarray(st["loss"], np.float64), best_epoch=int(st["best_epoch"]),
            best_loss=float(st["best_loss"]), diverged=bool(st["diverged"]),
            diverged_epoch=st["diverged_epoch"], seconds=float(st["seconds"]), snapshots=st["snapshots"],
        )


def _flatten_snapshots(snapshots: dict[int, dict[str, np.ndarray]], prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}{epoch}/{k}": v for epoch, p in snapshots.items() for k, v in p.items()}


def _unflatten_snapshots(arrays: dict[str, np.ndarray], prefix: str) -> dict[int, dict[str, np.ndarray]]:
    out: dict[int, dict[str, np.ndarray]] = {}
    for name, v in arrays.items():
        if name.startswith(prefix):
            epoch, k = name[len(prefix):].split("/")
            out.setdefault(int(epoch), {})[k] = v
    return dict(sorted(out.items()))


def train(nca_config: NCAConfig, train_config: TrainConfig, y: np.ndarray,
          checkpoint_dir: str | os.PathLike | None = None, progress: bool = True) -> TrainResult:
    """Convenience wrapper: ``Trainer(nca_config, train_config, y, checkpoint_dir).fit(progress)``."""
    return Trainer(nca_config, train_config, y, checkpoint_dir).fit(progress=progress)
