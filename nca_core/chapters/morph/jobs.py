"""The image-morphing experiments of the paper (Figs 8–9, videos S1–S3): the models they train.

Every model of the emoji chapters is a :func:`job`: the paper's morph task (alien → microbe
→ rooster → rooster on the 80×80 lattice, shift augmentation variant (a)) with one choice
of channels, time sampling, kernel set and activation. The notebooks call the functions
here with their resolved parameters; the evaluation and the claim checks are in
:mod:`nca_core.chapters.morph.measure`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from nca_core.chapters.morph.training import recipe
from nca_core.core.config import NCAConfig, TrainConfig
from nca_core.runs.job import Job, distinct, emoji_spec


def job(channels: int = 16, t: int = 64, kernel_set: str = "ID_DIFF_LAP", activation: str = "relu",
        epochs: int = 8000, lr: float = 1e-3, chunk_size: int = 0, seed: int = 0, input_noise: float = 1e-3,
        copies: int = 8, lr_schedule: str = "constant", lr_min: float = 1e-5, warmup: int = 0) -> Job:
    """One morph-task training run.

    Args:
        channels, t, kernel_set, activation: the model and the time sampling.
        epochs, lr: Nadam training length and learning rate (the peak of a schedule).
        chunk_size: pairs per gradient step; 0 = all pairs in one step per epoch (the
            authors' emoji trainer).
        seed: seed of the weights, shuffles and masks (the data shifts use seed 0).
        input_noise: a of the input-noise augmentation, applied once (variant a); 0 = none.
        copies: randomly shifted copies of the sequence (R; the paper's runs used 8).
        lr_schedule, lr_min, warmup: the learning-rate schedule of :class:`TrainConfig`; at the
            defaults (the paper's constant rate) the cache key is the one of a run without them.
    """
    label = (f"C={channels} t={t} {kernel_set} {activation}" + ("" if input_noise else " no noise")
             + ("" if lr_schedule == "constant" else f" {lr_schedule}"))
    return Job(
        nca=NCAConfig.emoji(channels=int(channels), kernel_set=kernel_set, activation=activation),
        train=TrainConfig.emoji(t=int(t), epochs=int(epochs), lr=float(lr), chunk_size=int(chunk_size) or None,
                                seed=int(seed), input_noise=float(input_noise), lr_schedule=lr_schedule,
                                lr_min=float(lr_min), warmup=int(warmup)),
        data=emoji_spec(copies=int(copies)),
        label=label,
    )


def _training(P: SimpleNamespace, channels: int) -> dict:
    """The training settings of a model of ``channels`` channels of a notebook (:func:`recipe`, and the rest
    shared by all its models)."""
    return dict(**recipe(P, channels), seed=P.seed, input_noise=P.input_noise, copies=P.copies)


# ------------------------------------------------------------------ Fig 8
@dataclass(frozen=True)
class Fig8Jobs:
    """The Fig 8 runs: the kernel-set sweep (relu), the activation sweep (``ID_DIFF_LAP``) and
    the input-noise ablation. The relu/``ID_DIFF_LAP`` run is shared by both sweeps."""

    kernels: dict[str, Job]
    activations: dict[str, Job]
    no_noise: Job | None

    def all(self) -> list[Job]:
        return distinct([*self.kernels.values(), *self.activations.values(), *filter(None, [self.no_noise])])


def fig8_jobs(P: SimpleNamespace) -> Fig8Jobs:
    """The Fig 8 runs of the ``kernels_activations`` notebook's parameters."""
    kw = _training(P, P.channels)
    return Fig8Jobs(
        kernels={k: job(P.channels, P.t, k, "relu", **kw) for k in P.kernel_sets},
        activations={a: job(P.channels, P.t, "ID_DIFF_LAP", a, **kw) for a in P.activations},
        no_noise=job(P.channels, P.t, "ID_DIFF_LAP", "relu", **{**kw, "input_noise": 0.0}) if P.noise_ablation
        else None,
    )


# ------------------------------------------------------------------ Fig 9
@dataclass(frozen=True)
class Fig9Jobs:
    """The Fig 9 runs: the channel slice at ``channel_t`` and the time-sampling slice at
    ``sampling_channels`` (relu, ``ID_DIFF_LAP``), and the symmetric (``ID_LAP_AV``) model of
    the largest C."""

    channels: dict[int, Job]
    sampling: dict[int, Job]
    symmetric: Job | None

    def all(self) -> list[Job]:
        return distinct([*self.channels.values(), *self.sampling.values(), *filter(None, [self.symmetric])])


def fig9_jobs(P: SimpleNamespace) -> Fig9Jobs:
    """The Fig 9 runs of the ``channels_sampling`` notebook's parameters."""
    largest = max(P.channel_list)
    return Fig9Jobs(
        channels={c: job(c, P.channel_t, "ID_DIFF_LAP", "relu", **_training(P, c)) for c in P.channel_list},
        sampling={t: job(P.sampling_channels, t, "ID_DIFF_LAP", "relu", **_training(P, P.sampling_channels))
                  for t in P.sampling},
        symmetric=job(largest, P.channel_t, "ID_LAP_AV", "relu", **_training(P, largest)) if P.symmetric else None,
    )


def stability_jobs(P: SimpleNamespace) -> dict[str, Job]:
    """The models the stability analyses (Figs 10–12) load, from the Fig 9 sweeps.

    ``"C32_t32"``: largest C of the channel slice at ``channel_t`` (C=32, t=32 at the quick
    and paper profiles); ``"C16_t64"``: ``sampling_channels`` at the largest t of the
    sampling slice (C=16, t=64 at quick); ``"C32_t32_sym"``: the ``ID_LAP_AV`` model.
    """
    jobs = fig9_jobs(P)
    out = {"C32_t32": jobs.channels[max(P.channel_list)],
           "C16_t64": job(P.sampling_channels, 64 if 64 in P.sampling else max(P.sampling),
                          **_training(P, P.sampling_channels))}
    if jobs.symmetric is not None:
        out["C32_t32_sym"] = jobs.symmetric
    return out
