"""The Fig 11 chapter's model: it trains none of its own, it optimises initial states for one of the morph
chapter's Fig 9 models (:func:`nca_core.chapters.morph.models.stability_jobs`) at its own profile."""

from __future__ import annotations

from types import SimpleNamespace

from nca_core.chapters.morph import models
from nca_core.runs.job import Job

#: the model of Fig 11, by its name among the morph chapter's stability models
MODEL = "C32_t32"


def adversarial_jobs(P: SimpleNamespace) -> dict[str, Job]:
    """The Fig 11 model at the ``adversarial_stability`` notebook's profile, by name."""
    return models.stability_jobs(P.profile, (MODEL,), symmetric=False)
