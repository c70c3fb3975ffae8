"""Configuration of an NCA and of its training: frozen dataclasses validated at construction.

:class:`NCAConfig` is the architecture (channels, stencils, activation, update mask, boundary);
:class:`TrainConfig` the training procedure of :class:`~nca_core.core.train.Trainer`, with the
learning-rate schedule of :func:`learning_rate`. A bad value raises ``ValueError`` naming the
field, the value and what is accepted. ``to_dict`` / ``from_dict`` give the JSON form that the
results cache hashes: a change to it changes every cache key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from nca_core import validate
from nca_core.core.kernels import BOUNDARIES, KERNEL_SETS, kernel_names

ACTIVATIONS = ("relu", "linear", "tanh", "swish", "leaky_relu", "gelu")
MASKS = ("pixel", "channel")
DTYPES = ("float32", "float64")
#: learning-rate schedules of :class:`TrainConfig` (see :func:`learning_rate`)
LR_SCHEDULES = ("constant", "cosine", "exponential")
_SCHEDULE_FIELDS = ("lr_schedule", "warmup", "lr_min")
#: a state with |x| above this (or non-finite) has blown up: training stops, a rollout is cut
DIVERGENCE_THRESHOLD = 1e3


def _from_dict(cls: type, d: dict[str, Any]) -> Any:
    """``cls(**d)``, refusing names that are not fields of the dataclass ``cls``."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(d) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} field(s) {sorted(unknown)}; accepted: {sorted(names)}")
    return cls(**d)


@dataclass(frozen=True)
class NCAConfig:
    """Architecture of an NCA. Frozen and validated at construction.

    Attributes:
        channels: total channels C (observable + hidden), ≥ 1.
        observable: observable channels (compared with data), 1 ≤ observable ≤ channels.
        kernel_set: one of :data:`nca_core.kernels.KERNEL_SETS`.
        activation: hidden activation u: relu, linear, tanh, swish, leaky_relu (slope 0.01)
            or gelu (tanh approximation).
        hidden: hidden width H; ``None`` means 4·C (the paper's choice).
        fire_rate: probability that a cell updates in a step (1 = deterministic).
        mask: ``"pixel"`` (one draw per cell, the default) or ``"channel"``.
        boundary: ``"periodic"``, ``"zero"`` (zero ghost cells) or ``"reflect"``.
        dtype: ``"float32"`` or ``"float64"``.
    """

    channels: int = 16
    observable: int = 4
    kernel_set: str = "ID_DIFF_LAP"
    activation: str = "relu"
    hidden: int | None = None
    fire_rate: float = 0.5
    mask: str = "pixel"
    boundary: str = "zero"
    dtype: str = "float32"

    def __post_init__(self) -> None:
        validate.integer("channels", self.channels, 1)
        validate.integer("observable", self.observable, 1)
        if self.observable > self.channels:
            raise ValueError(
                f"observable={self.observable!r} is not accepted; accepted: an integer in [1, channels={self.channels}]"
            )
        validate.choice("kernel_set", self.kernel_set, KERNEL_SETS)
        validate.choice("activation", self.activation, ACTIVATIONS)
        if self.hidden is None:
            object.__setattr__(self, "hidden", 4 * int(self.channels))
        validate.integer("hidden", self.hidden, 1)
        validate.number("fire_rate", self.fire_rate, 0.0, 1.0)
        validate.choice("mask", self.mask, MASKS)
        validate.choice("boundary", self.boundary, BOUNDARIES)
        validate.choice("dtype", self.dtype, DTYPES)
        for f in ("channels", "observable", "hidden"):
            object.__setattr__(self, f, int(getattr(self, f)))
        object.__setattr__(self, "fire_rate", float(self.fire_rate))

    @classmethod
    def gray_scott(cls, **overrides: Any) -> "NCAConfig":
        """The paper's PDE model: C=8 (A, B + 6 hidden), ID_LAP, relu, deterministic, periodic."""
        base = dict(channels=8, observable=2, kernel_set="ID_LAP", activation="relu",
                    fire_rate=1.0, boundary="periodic")
        return cls(**{**base, **overrides})

    @classmethod
    def emoji(cls, **overrides: Any) -> "NCAConfig":
        """The paper's image-morphing model: C=16 (RGBA + 12 hidden), ID_DIFF_LAP, relu, p=½, zero."""
        base = dict(channels=16, observable=4, kernel_set="ID_DIFF_LAP", activation="relu",
                    fire_rate=0.5, boundary="zero")
        return cls(**{**base, **overrides})

    @property
    def kernels(self) -> tuple[str, ...]:
        """Stencil names in perception order."""
        return kernel_names(self.kernel_set)

    @property
    def n_kernels(self) -> int:
        return len(self.kernels)

    @property
    def n_features(self) -> int:
        return self.n_kernels * self.channels

    @property
    def n_params(self) -> int:
        """|θ| = K·C·H + H·C + C (4K·C² + 4C² + C for H = 4C)."""
        return self.n_features * self.hidden + self.hidden * self.channels + self.channels

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "NCAConfig":
        return _from_dict(cls, d)



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
    divergence_threshold: float = DIVERGENCE_THRESHOLD
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
        return _from_dict(cls, d)


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
