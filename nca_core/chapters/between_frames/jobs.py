"""The models "Between the frames" reads: the ``time_sampling`` notebook's Gray-Scott models of a tier.

It trains none of its own: the models are those the Gray-Scott chapter declares for the tier
(:data:`nca_core.chapters.gray_scott.notebooks.TIME_SAMPLING` at that profile, with this chapter's
time samplings and seed), so a shipped model of that tier is found under its own cache key (the
``long`` tier's t = 4, 16, 32 of Fig 4 and its t = 6 check).
"""

from __future__ import annotations

from types import SimpleNamespace

from nca_core.chapters.gray_scott import jobs as gs_jobs
from nca_core.chapters.gray_scott.notebooks import TIME_SAMPLING
from nca_core.runs.job import Job


def between_jobs(P: SimpleNamespace) -> dict[int, Job]:
    """The Gray-Scott models of tier ``P.tier`` for each t of ``P.sampling`` (seed ``P.seed``), keyed by t."""
    TS = TIME_SAMPLING.at(P.tier, sampling=list(P.sampling), seeds=[P.seed], gamma_preset=P.gamma_preset)
    return {t: job for (t, _), job in gs_jobs.sampling_jobs(TS).items()}
