"""The models "Reading the rule back" reads: the same tier's Gray-Scott models as "Between the frames"."""

from __future__ import annotations

from types import SimpleNamespace

from nca_core.chapters.between_frames.jobs import between_jobs
from nca_core.runs.job import Job


def read_back_jobs(P: SimpleNamespace) -> dict[int, Job]:
    """The time_sampling notebook's models of tier ``P.tier`` for each t of ``P.sampling``, keyed by t."""
    return between_jobs(P)
