"""The models "Parameter-perturbation stability" reads: the Gray-Scott models of the time_sampling notebook at a
tier (as "Between the frames" reads them) and the morph chapter's stability models at the same tier
(:func:`nca_core.chapters.morph.models.stability_jobs`). It trains none of its own."""

from __future__ import annotations

from types import SimpleNamespace

from nca_core.chapters.between_frames.jobs import between_jobs
from nca_core.chapters.morph import models
from nca_core.runs.job import Job


def gray_scott_jobs(P: SimpleNamespace) -> dict[int, Job]:
    """The Gray-Scott models of tier ``P.tier`` for each t of ``P.sampling`` (seed ``P.seed``), keyed by t."""
    return between_jobs(P)


def morph_jobs(P: SimpleNamespace) -> dict[str, Job]:
    """The morph stability models ``P.morph_models`` (``"C32_t32"``, …) of tier ``P.tier``, keyed by name."""
    return models.stability_jobs(P.tier, tuple(P.morph_models))


def perturbation_jobs(P: SimpleNamespace) -> list[Job]:
    """Every model the chapter reads: the Gray-Scott ones, then the morph ones."""
    return [*gray_scott_jobs(P).values(), *morph_jobs(P).values()]
