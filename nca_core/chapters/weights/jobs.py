"""The models "What the weights say" reads: the Gray-Scott time_sampling models of a tier (as "Between the
frames" reads them, :func:`nca_core.chapters.between_frames.jobs.between_jobs`) and the morph chapter's
stability models (:func:`nca_core.chapters.morph.models.stability_jobs`) at the notebook's profile.

It trains none of its own at a real tier: at ``long`` these are the shipped Gray-Scott t = 4, 16, 32 models
and the morph models ``C32_t32``, ``C16_t64`` (``ID_DIFF_LAP``) and ``C32_t32_sym`` (``ID_LAP_AV``).
"""

from __future__ import annotations

from types import SimpleNamespace

from nca_core.chapters.between_frames.jobs import between_jobs
from nca_core.chapters.morph import models
from nca_core.runs.job import Job

#: the morph chapter's stability models this chapter can read, by their names there
MORPH_MODELS = ("C32_t32", "C16_t64", "C32_t32_sym")
#: the two tasks, as the results name them
GRAY_SCOTT, MORPH = "gray_scott", "morph"


def gray_scott_name(t: int) -> str:
    """The name of the Gray-Scott model of time sampling ``t`` in results and tables."""
    return f"Gray-Scott t = {t}"


def morph_name(name: str) -> str:
    """The name of a morph stability model in results and tables."""
    return f"morph {name}"


def weights_jobs(P: SimpleNamespace) -> dict[str, tuple[str, Job]]:
    """Every model the chapter reads, by name: (task, job), the Gray-Scott models first."""
    out = {gray_scott_name(t): (GRAY_SCOTT, job) for t, job in between_jobs(P).items()}
    for name, job in models.stability_jobs(P.profile, list(P.morph)).items():
        out[morph_name(name)] = (MORPH, job)
    return out
