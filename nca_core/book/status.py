"""Which models the notebooks need at a profile, and where each one is.

A model is *shipped* (``weights/``), *cached* (``results/models/``), *training* (another process
holds its lock), *part-trained* (a resumable checkpoint in ``results/checkpoints/``) or *missing*.
``nca-book status`` prints this before a long build, so nobody starts a ``long`` book expecting
minutes and gets a day of training::

    >>> rows = model_status(["time_sampling"], "long")          # doctest: +SKIP
    >>> print(status_table(rows))                               # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from nca_core.book import registry
from nca_core.runs.cache import checkpoint_progress, lookup, results_dir, weights_dir
from nca_core.runs.job import Job

STATES = ("shipped", "cached", "training", "part-trained", "missing")

#: the profiles :func:`best_profile` considers, longest-trained first
TIERS = ("paper", "grid", "long", "quick")
#: every profile, from the least trained: a model's tier is the first of these whose notebooks use it
TRAINING_ORDER = ("smoke", *reversed(TIERS))


@dataclass(frozen=True)
class ModelStatus:
    """Where one model of a notebook stands.

    Attributes:
        notebook: the notebook that needs it.
        label: the job's label (what the model is).
        key: its cache key.
        epochs: the epochs its recipe trains.
        state: one of :data:`STATES`.
        epoch: epochs done so far (a checkpoint's), else None.
        seconds: wall seconds spent so far (a checkpoint's), else None.
    """

    notebook: str
    label: str
    key: str
    epochs: int
    state: str
    epoch: int | None = None
    seconds: float | None = None

    @property
    def ready(self) -> bool:
        return self.state in ("shipped", "cached")

    @property
    def seconds_left(self) -> float | None:
        """Remaining wall time at the checkpoint's pace (None without a checkpoint)."""
        if not self.epoch or self.seconds is None:
            return None
        return self.seconds / self.epoch * (self.epochs - self.epoch)


def is_training(key: str) -> bool:
    """Whether some process holds model ``key``'s training lock right now."""
    path = results_dir() / "locks" / f"{key}.lock"
    if not path.exists():
        return False
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    with open(path, "a+b") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
    return False


def job_status(notebook: str, job: Job) -> ModelStatus:
    """The status of one model."""
    base = dict(notebook=notebook, label=job.label, key=job.key, epochs=job.train.epochs)
    found = lookup(job)
    if found is not None:  # a model both cached and shipped counts as shipped (it is in the repository)
        shipped = found.source == "shipped" or (weights_dir() / job.key / "manifest.json").exists()
        return ModelStatus(state="shipped" if shipped else "cached", **base)
    progress = checkpoint_progress(job.key)
    epoch, seconds = progress if progress else (None, None)
    state = "training" if is_training(job.key) else ("part-trained" if progress else "missing")
    return ModelStatus(state=state, epoch=epoch, seconds=seconds, **base)


def model_status(notebooks: Sequence[str], profile: str, overrides: dict[str, Any] | None = None
                 ) -> list[ModelStatus]:
    """The status of every model ``notebooks`` need at ``profile`` (``overrides`` apply where declared)."""
    rows = []
    for name in notebooks:
        applicable = registry.overrides_for(name, overrides or {})
        rows += [job_status(name, j) for j in registry.jobs(name, profile, applicable)]
    return rows


def _hours(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def status_table(rows: Sequence[ModelStatus]) -> str:
    """A plain-text table of ``rows`` and a summary line (distinct models counted once)."""
    if not rows:
        return "no models: these notebooks train nothing"
    width = max(len(r.label) for r in rows)
    lines = []
    for r in rows:
        where = r.state
        if r.epoch is not None:
            where += f" at epoch {r.epoch}/{r.epochs}"
            if r.seconds_left is not None:
                where += f" (~{_hours(r.seconds_left)} left at its pace)"
        else:
            where += f" ({r.epochs} epochs)"
        lines.append(f"{r.notebook:<22} {r.label:<{width}}  {r.key}  {where}")
    distinct = {r.key: r for r in rows}
    ready = sum(r.ready for r in distinct.values())
    lines.append(f"{ready} of {len(distinct)} distinct models ready")
    return "\n".join(lines)


def missing(rows: Sequence[ModelStatus]) -> list[ModelStatus]:
    """The distinct models of ``rows`` that are not ready (a run would train them)."""
    return [r for r in {r.key: r for r in rows}.values() if not r.ready]


def best_profile(notebook: str, overrides: dict[str, Any] | None = None) -> str:
    """The longest-trained profile of :data:`TIERS` at which every model ``notebook`` needs is
    shipped or cached, so running it trains nothing; ``quick`` if none is complete (a run then
    trains what quick lacks) and for a notebook that trains no models."""
    applicable = registry.overrides_for(notebook, overrides or {})
    for profile in TIERS[:-1]:
        jobs = registry.jobs(notebook, profile, applicable)
        if jobs and all(job_status(notebook, j).ready for j in jobs):
            return profile
    return TIERS[-1]


def model_tiers() -> dict[str, tuple[str, Job]]:
    """Every model some notebook uses at some profile, by cache key: its tier and its job. A model's tier is the
    least-trained profile of :data:`TRAINING_ORDER` whose notebooks use it: the recipe it was trained for. A longer
    profile may use it too (at ``grid`` the chapters of "Beyond the paper" read the long tier's models), so the
    profile a chapter ran at is not always the tier of the models it shows."""
    found: dict[str, tuple[str, Job]] = {}
    for profile in TRAINING_ORDER:
        for name, nb in registry.NOTEBOOKS.items():
            if nb.jobs is not None:
                for job in registry.jobs(name, profile):
                    found.setdefault(job.key, (profile, job))
    return found
