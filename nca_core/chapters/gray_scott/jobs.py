"""The Gray-Scott chapter's training runs (Figs 4–6): one job per (t, seed, ξ)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from nca_core.core.config import NCAConfig, TrainConfig
from nca_core.runs.job import Job, gray_scott_spec

#: the selection rule of the grid tier (:func:`nca_core.chapters.gray_scott.quality.select_validated`) ...
SELECT_RULE = "nca_core.chapters.gray_scott.quality:select_validated"
#: ... and the epochs between the snapshots it chooses from
SELECT_EVERY = 25


def job(t: int, seed: int, epochs: int, channels: int = 8, preset: str = "published", noise: float = 0.0,
        lr: float = 1e-3, steps_per_epoch: int = 0, select: bool = False, chain_epochs: int = 0,
        **schedule: Any) -> Job:
    """The paper's PDE training run (Fig 4/6 settings) for one (t, seed, ξ); ``lr`` 1e-3 as the paper.

    ``schedule`` may set the learning-rate schedule fields of :class:`TrainConfig`
    (``lr_schedule``, ``warmup``, ``lr_min``) and ``chunk_size``; the default is the paper's
    constant rate and chunks of 64 pairs. ``steps_per_epoch`` > 0 sets the chunks instead
    (:func:`chunk_for_steps`: that many optimiser steps per epoch at every t). ``select`` keeps the
    model that :data:`SELECT_RULE` chooses among snapshots every :data:`SELECT_EVERY` epochs instead
    of the lowest-loss one. ``chain_epochs`` > 0 trains at least that many epochs after the propagated
    chain first spans a whole trajectory (:func:`epochs_for_chain`). At the defaults the cache key is the one
    of a run without these options.
    """
    epochs = epochs_for_chain(t, epochs, chain_epochs)
    if steps_per_epoch:
        schedule["chunk_size"] = chunk_for_steps(t, steps_per_epoch)
    label = f"t={t} seed={seed}" + (f" ξ={noise:g}" if noise else "")
    return Job(
        nca=NCAConfig.gray_scott(channels=channels),
        train=TrainConfig.gray_scott(t=t, epochs=epochs, seed=seed, data_noise=float(noise), lr=float(lr),
                                        **schedule),
        data=gray_scott_spec(t, 1024, preset),
        label=label,
        select=SELECT_RULE if select else "",
        select_every=SELECT_EVERY if select else 0,
    )


#: samples of the Gray-Scott training data per epoch at every t: 4 trajectories × 1024 / t transitions × t steps
STEP_SAMPLES = 4 * 1024


#: transitions of one training trajectory at t = 1 (its 1024 PDE steps)
TRAJECTORY_STEPS = 1024


def epochs_for_chain(t: int, epochs: int, chain_epochs: int) -> int:
    """The epochs that train ``chain_epochs`` epochs after the chain spans a whole trajectory, and at least ``epochs``.

    The trainer propagates its own outputs along each trajectory, one transition per epoch (slot m+1 takes
    slot m's output, :mod:`nca_core.core.train`), so at epoch E the model is trained on its own rollouts of up
    to E transitions. A trajectory has ``1024 / t`` transitions: at t = 32 the chain spans it from epoch 32 on,
    at t = 2 only from epoch 512, so 300 epochs at t = 2 never train on the model's own long rollouts (the
    grid recipe's t = 2 model then diverged from the validation IC at 5 of 7 snapshots). ``chain_epochs`` = 0
    keeps ``epochs`` (the paper's and the other tiers' fixed count)."""
    if chain_epochs < 0:
        raise ValueError(f"chain_epochs={chain_epochs} is not accepted; accepted: 0 (fixed epochs) or more")
    if not chain_epochs:
        return epochs
    return max(epochs, chain_spans_from(t) + chain_epochs)


def chain_spans_from(t: int) -> int:
    """The first epoch at which the propagated chain spans a whole trajectory: its ``1024 / t`` transitions
    (rounded up), one added per epoch (:func:`epochs_for_chain`)."""
    return -(-TRAJECTORY_STEPS // t)


def chunk_for_steps(t: int, steps_per_epoch: int) -> int:
    """The chunk size that gives ``steps_per_epoch`` optimiser steps per epoch at time sampling ``t``
    (the 4·1024/t pairs split into equal chunks; at least one pair per chunk)."""
    pairs = STEP_SAMPLES // t
    if steps_per_epoch < 1 or steps_per_epoch > pairs:
        raise ValueError(f"steps_per_epoch={steps_per_epoch} is not accepted at t={t}; accepted: 1 to {pairs}")
    return max(1, pairs // steps_per_epoch)


def schedule(P: SimpleNamespace) -> dict[str, Any]:
    """The learning-rate schedule of a notebook's parameters (nothing for the paper's constant rate,
    so that constant-rate runs keep their cache keys)."""
    return {} if P.lr_schedule == "constant" else {"lr_schedule": P.lr_schedule, "lr_min": P.lr_min}


def data_spec(preset: str = "published") -> dict[str, Any]:
    """The training trajectories as the chapter shows them (every 64th of the 1024 steps)."""
    return gray_scott_spec(64, 1024, preset)


def recipe(P: SimpleNamespace) -> dict[str, Any]:
    """The training recipe of a notebook's parameters: the rate schedule, the optimiser steps per epoch
    and the selection rule (nothing for the paper's settings, so that their runs keep their cache keys)."""
    return {**schedule(P), "steps_per_epoch": P.steps_per_epoch, "select": P.select == "validation",
            "chain_epochs": P.chain_epochs}


def sampling_jobs(P: SimpleNamespace) -> dict[tuple[int, int], Job]:
    """The Fig 4 grid of the ``time_sampling`` notebook's parameters, keyed (t, seed)."""
    return {(t, s): job(t, s, P.epochs, P.channels, P.gamma_preset, lr=P.lr, **recipe(P))
            for t in P.sampling for s in P.seeds}


def noise_jobs(P: SimpleNamespace) -> dict[tuple[float, int], Job]:
    """The Fig 6 runs of the ``noise`` notebook's parameters, keyed (ξ, seed)."""
    return {(xi, s): job(P.t, s, P.epochs, P.channels, P.gamma_preset, xi, P.lr, **recipe(P))
            for xi in P.noise_levels for s in P.seeds}
