"""The models of "Other regions of parameter space": one Gray-Scott NCA per regime, the main chapter's recipe.

Every model is the main chapter's (:func:`nca_core.chapters.gray_scott.jobs.job`: C = 8, ``ID_LAP``, relu, the
four training ICs, 1024 steps sampled every t) with the preset of its regime. The paper's own regime
(:data:`REFERENCE`) is the yardstick: at ``grid`` its job is the ``time_sampling`` notebook's t = 32 seed 0 grid
model (the same cache key, so the shipped model is read), kept by the main chapter's selection rule; every other
regime's is kept by :data:`REGIME_RULE`, the same rule with its regime's target
(:func:`nca_core.chapters.regimes.measure.select_regime`).
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from nca_core.chapters.gray_scott import jobs as gs_jobs
from nca_core.runs.job import Job

#: the paper's regime (the maze of Fig 3), trained with the same recipe as the others
REFERENCE = "published"
#: the other regimes (presets of :mod:`nca_core.data.gray_scott`), in the page's order: patterning regimes first
REGIMES = ("spots", "mazes", "mitosis", "oscillating", "spots_and_loops")
#: the selection rule of the other regimes' grid models
REGIME_RULE = "nca_core.chapters.regimes.measure:select_regime"


def regime_job(preset: str, P: SimpleNamespace) -> Job:
    """The model of regime ``preset`` with the notebook's recipe (``P``: t, seed, epochs, lr, schedule,
    steps per epoch, selection)."""
    schedule = {} if P.lr_schedule == "constant" else {"lr_schedule": P.lr_schedule, "lr_min": P.lr_min}
    select = P.select == "validation"
    job = gs_jobs.job(P.t, P.seed, P.epochs, 8, preset, lr=P.lr, steps_per_epoch=P.steps_per_epoch, select=select,
                      **schedule)
    label = f"{preset} t={P.t} seed={P.seed}"
    if select and preset != REFERENCE:
        return dataclasses.replace(job, label=label, select=REGIME_RULE)
    return dataclasses.replace(job, label=label)


def regime_jobs(P: SimpleNamespace) -> dict[str, Job]:
    """The paper's regime first, then ``P.regimes``, keyed by preset."""
    return {p: regime_job(p, P) for p in dict.fromkeys([REFERENCE, *P.regimes])}
