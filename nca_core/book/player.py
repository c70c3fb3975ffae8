"""The models of the book's in-browser player (the "Explore the models" page), exported without training.

The player (``book/_static/nca_player.js``) runs the shipped models of two chapters in the
reader's browser:

* the Gray-Scott models of the ``time_sampling`` notebook (t = 4, 16 and 32, seed 0), beside
  the PDE they were trained on;
* the morph-task models the stability chapters study (:func:`~nca_core.chapters.morph.jobs.stability_jobs`:
  ``C32_t32``, ``C16_t64``, ``C32_t32_sym``) and the C = 16 relu ``ID_DIFF_LAP`` model at
  t = 32 (the paper's Fig 8 has these channels and stencils at t = 64).

Every model is one of its notebook's registry jobs (:func:`nca_core.book.registry.jobs`) and is
read through the results cache (:func:`nca_core.runs.cache.lookup`: the cache, then the
shipped ``weights/``); a model found in neither is reported missing and left out, never
trained. Each model comes from the longest-trained tier of :data:`TIERS` that has it
(:func:`chosen_models`), so the player shows what the book's figures show. :func:`export`
writes the files (format in :mod:`nca_core.view.web`); ``nca-book build`` calls it for
``book/_static/models/``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nca_core.book import registry, status
from nca_core.core.kernels import kernel_names, kernel_stack
from nca_core.data import gray_scott as gs_data
from nca_core.view import web

GRAY_SCOTT_NOTEBOOK = "time_sampling"
MORPH_NOTEBOOK = "channels_sampling"
#: the profiles the player takes its models from, longest-trained first (those of ``--profile best``)
TIERS = status.TIERS
#: where ``nca-book build`` writes the files, relative to the repository (Sphinx copies ``book/_static``)
FOLDER = Path("book") / "_static" / "models"


@dataclass(frozen=True)
class Exported:
    """What :func:`export` wrote and which models it could not find (neither cached nor shipped)."""

    files: list[Path]
    models: list[str]
    missing: list[str]


def player_jobs(profile: str = "quick") -> dict[str, tuple[str, Any]]:
    """The player's models in menu order: ``{id: (label, job)}``, each a registry job of its notebook."""
    from nca_core.chapters.morph.jobs import fig9_jobs, stability_jobs

    out: dict[str, tuple[str, Any]] = {}
    morph = {j.key: j for j in registry.jobs(MORPH_NOTEBOOK, profile)}
    P, _ = registry.resolve(MORPH_NOTEBOOK, {"profile": profile})
    f9 = fig9_jobs(P)
    named = {"C16_t32": f9.channels.get(P.sampling_channels) or f9.sampling.get(P.channel_t), **stability_jobs(P)}
    # short: the menu fits the book's column (the info line under it says the rest)
    what = {"C16_t32": "Fig 8's C and stencils, at t = 32", "C32_t32": "more hidden channels",
            "C16_t64": "twice the steps between images", "C32_t32_sym": "rotation-invariant stencils"}
    for name, job in named.items():
        if job is not None and job.key in morph:
            n = job.nca
            out[f"morph_{name}"] = (f"Morph: C={n.channels}, t={job.train.t}, {n.kernel_set}, {n.activation} "
                                    f"({what.get(name, name)})", job)
    seen: set[int] = set()
    for job in sorted(registry.jobs(GRAY_SCOTT_NOTEBOOK, profile), key=lambda j: (-j.train.t, j.train.seed)):
        if job.train.t not in seen:  # one seed per t (the first)
            seen.add(job.train.t)
            out[f"gray_scott_t{job.train.t}"] = (f"Gray-Scott: t={job.train.t}, C={job.nca.channels} "
                                                 f"(frames {job.train.t} steps apart)", job)
    return out


def chosen_models(profiles: tuple[str, ...] = TIERS) -> dict[str, tuple[str, Any, str, Any]]:
    """The player's models in menu order, each from the first of ``profiles`` where it is cached or
    shipped: ``{id: (label, job, profile, Trained)}``; a model found at none of them has the last
    profile's job and ``Trained`` None. Nothing is trained."""
    from nca_core.runs.cache import lookup

    if not profiles:
        raise ValueError(f"profiles: {profiles!r} is empty; give at least one of {TIERS}")
    tiers = [player_jobs(p) for p in profiles]
    out = {}
    for model_id in tiers[-1]:
        for profile, jobs in zip(profiles, tiers):
            if model_id in jobs and (tr := lookup(jobs[model_id][1])) is not None:
                out[model_id] = (*jobs[model_id], profile, tr)
                break
        else:
            out[model_id] = (*tiers[-1][model_id], profiles[-1], None)
    return out


def training_summary(tr: Any, profile: str | None = None) -> dict[str, Any]:
    """How a cached or shipped model (:class:`~nca_core.runs.cache.Trained`) was trained, for the
    player's info line; ``profile`` is the tier it was taken from."""
    res, tc = tr.result, tr.job.train
    return {"job": tr.job.label, "key": tr.job.key, "profile": profile, "source": tr.source,
            "weights_sha256": tr.weights_hash, "lr_min": tc.lr_min,
            "t": tc.t, "epochs": tc.epochs, "epochs_run": int(len(res.loss)), "lr": tc.lr,
            "lr_schedule": tc.lr_schedule, "seed": tc.seed, "best_epoch": int(res.best_epoch),
            "best_loss": float(res.best_loss), "train_loss": float(res.train_loss), "seconds": float(res.seconds),
            "diverged": bool(res.diverged), "data": tr.job.data}


def record(model_id: str, label: str, tr: Any, profile: str | None = None) -> dict[str, Any]:
    """The player's data file of one trained model (``profile``: the tier it was taken from)."""
    cfg = tr.result.nca_config
    task = "gray_scott" if tr.job.data["kind"] == "gray_scott" else "morph"
    pde = dataclasses.asdict(gs_data.preset(tr.job.data["preset"])) if task == "gray_scott" else None
    return web.model_record(model_id, label, task, cfg.to_dict(), tr.result.params, kernel_names(cfg.kernel_set),
                            kernel_stack(cfg.kernel_set), training_summary(tr, profile), pde)


def task_data() -> dict[str, Any]:
    """What the models of a task share: initial conditions and targets."""
    from nca_core.chapters.morph.measure import targets

    y = targets()  # [4, 80, 80, 4]: alien, microbe, rooster, rooster
    a_test = gs_data.test_ic(128, "float64")[..., 0]
    a_train = gs_data.training_ics("float64")[..., 0]
    return {
        "morph": {"observables": ["R", "G", "B", "A"], "ic": web.encode_array(y[0], "float32"),
                  "targets": web.encode_array(np.round(np.clip(y, 0, 1) * 255), "uint8"),
                  "target_names": ["alien", "microbe", "rooster", "rooster"]},
        "gray_scott": {"observables": ["A", "B"], "test_ic_a": web.encode_array(a_test, "uint8"),
                       "training_ics_a": web.encode_array(a_train, "uint8")},
    }


def export(folder: str | os.PathLike, profiles: tuple[str, ...] = TIERS) -> Exported:
    """Write the player's files into ``folder`` from the cached or shipped models, each from the
    first of ``profiles`` that has it (:func:`chosen_models`; nothing is trained)."""
    records, missing = [], []
    for model_id, (label, job, profile, tr) in chosen_models(profiles).items():
        if tr is None:
            missing.append(f"{model_id} ({job.label}, {job.key})")
        else:
            records.append(record(model_id, label, tr, profile))
    files = web.write_player_data(folder, records, task_data())
    return Exported(files, [r["id"] for r in records], missing)
