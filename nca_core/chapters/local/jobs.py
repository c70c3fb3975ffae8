"""The Fig 10 chapter's models: it trains none of its own, it perturbs two of the morph chapter's Fig 9
models (:func:`nca_core.chapters.morph.models.stability_jobs`) at its own profile."""

from __future__ import annotations

from types import SimpleNamespace

from nca_core.chapters.morph import models
from nca_core.runs.job import Job

#: the models of Fig 10 (A and B), by their names among the morph chapter's stability models
MODELS = ("C32_t32", "C16_t64")


def local_jobs(P: SimpleNamespace) -> dict[str, Job]:
    """The Fig 10 models at the ``local_stability`` notebook's profile, by name."""
    return models.stability_jobs(P.profile, MODELS, symmetric=False)
