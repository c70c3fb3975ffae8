"""The morph chapter's models that other chapters load: the stability chapters (Figs 10–12) analyse
models of the ``channels_sampling`` notebook (Fig 9) at their own profile. Light: no TensorFlow
(:func:`nca_core.chapters.morph.measure.stability_models` trains or loads them)."""

from __future__ import annotations

from typing import Any, Sequence

from nca_core.chapters.morph import jobs
from nca_core.chapters.morph.notebooks import CHANNELS_SAMPLING
from nca_core.runs.job import Job


def stability_jobs(profile: str = "quick", names: Sequence[str] | None = None, **overrides: Any) -> dict[str, Job]:
    """The stability models of :func:`nca_core.chapters.morph.jobs.stability_jobs` by name (``"C32_t32"``,
    ``"C16_t64"``, ``"C32_t32_sym"``) with the ``channels_sampling`` parameters at ``profile`` plus
    ``overrides``; ``names`` limits them to those (all when None)."""
    found = jobs.stability_jobs(CHANNELS_SAMPLING.at(profile, **overrides))
    if names is None:
        return found
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValueError(f"names: {unknown} is not a stability model at profile {profile!r}; "
                         f"expected some of {sorted(found)}")
    return {n: found[n] for n in names}
