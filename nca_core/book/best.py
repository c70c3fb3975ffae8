"""``--profile best``: each notebook at the longest-trained tier whose models are all there, or at the
part of the ``grid`` tier that is there when that part holds more than the tier below it.

The ``grid`` tier (the paper's grids and seeds) is trained over several sessions. Until it is complete,
a notebook that declares two grid axes (:attr:`nca_core.runs.notebook.Notebook.axes`, e.g. Fig 4's
time samplings × seeds) is run on the largest rectangle of the grid whose models are all shipped or
cached, if that rectangle has at least as many values on each axis as the tier :func:`status.best_profile`
chose (so the reader loses no point of that tier's figure), spans that tier's range on each axis but the
seeds (so that no claim that tier tests, at its smallest or largest t or ξ, goes untested) and has more
models. The restriction is passed to
the notebook as ordinary parameters, so its provenance shows it, and the claims that need the missing
points say *not tested*.

    >>> choose("time_sampling")                     # doctest: +SKIP
    Choice(profile='grid', overrides={'sampling': [1, 2, 4, 6, 8, 12, 16, 24, 32], 'seeds': [0]})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Callable

from nca_core.book import registry, status

#: the tier a partial run is taken from
GRID = "grid"
#: how a page names a grid axis
SYMBOLS = {"sampling": "t", "noise_levels": "ξ", "seeds": "seeds"}


@dataclass(frozen=True)
class Choice:
    """The profile a notebook runs at, and the restriction of its grid axes (empty: the whole profile)."""

    profile: str
    overrides: dict[str, Any] = field(default_factory=dict)


def rectangle(first: list, second: list, ready: Callable[[Any, Any], bool]) -> tuple[list, list]:
    """The largest ``first' × second'`` (sub-lists, order kept) with every pair ``ready``: most pairs,
    then most values of ``second`` (the seeds: a trend over fewer points is worth less than seeds to
    judge it by), then the earliest values. ``([], [])`` if no pair is ready."""
    cells = {(a, b): ready(a, b) for a in first for b in second}
    best: tuple[list, list] = ([], [])
    for size in range(len(second), 0, -1):
        for chosen in combinations(second, size):
            rows = [a for a in first if all(cells[a, b] for b in chosen)]
            if len(rows) * size > len(best[0]) * len(best[1]):
                best = (rows, list(chosen))
    return best


def partial_grid(notebook: str, overrides: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The restriction of notebook's grid axes to the largest rectangle of ready models (None: the
    notebook declares no axes, or no model of the grid is ready)."""
    nb = registry.notebook(notebook)
    if not nb.axes:
        return None
    applicable = registry.overrides_for(notebook, overrides or {})
    first, second = nb.axes
    P = nb.at(GRID, **applicable)

    def ready(a: Any, b: Any) -> bool:
        jobs = registry.jobs(notebook, GRID, {**applicable, first: [a], second: [b]})
        return all(status.job_status(notebook, j).ready for j in jobs)

    rows, cols = rectangle(list(getattr(P, first)), list(getattr(P, second)), ready)
    return {first: rows, second: cols} if rows else None


def choose(notebook: str, overrides: dict[str, Any] | None = None) -> Choice:
    """Where ``notebook`` runs under ``--profile best`` (see the module's docstring)."""
    profile = status.best_profile(notebook, overrides)
    if status.TIERS.index(profile) <= status.TIERS.index(GRID):
        return Choice(profile)
    part = partial_grid(notebook, overrides)
    if part is None:
        return Choice(profile)
    nb = registry.notebook(notebook)
    applicable = registry.overrides_for(notebook, overrides or {})
    below = nb.at(profile, **applicable)
    if not all(len(part[axis]) >= len(getattr(below, axis)) for axis in nb.axes):
        return Choice(profile)
    if not all(spans(part[axis], getattr(below, axis)) for axis in nb.axes if axis != "seeds"):
        return Choice(profile)
    if len(nb.models(GRID, {**applicable, **part})) <= len(nb.models(profile, applicable)):
        return Choice(profile)
    return Choice(GRID, part)


def spans(values: list, other: list) -> bool:
    """Whether ``values`` reach at least as low and as high as ``other``."""
    return min(values) <= min(other) and max(values) >= max(other)


def coverage(notebook: str, P: Any) -> str:
    """A paragraph of Markdown saying which part of the grid tier a run at ``grid`` covers, to append to the
    provenance line (it starts with a blank line); empty for a run of the whole grid, at another profile, or of a
    notebook without axes."""
    nb = registry.notebook(notebook)
    if not nb.axes or P.profile != GRID:
        return ""
    full = nb.at(GRID)
    ran = [list(getattr(P, axis)) for axis in nb.axes]
    grid = [list(getattr(full, axis)) for axis in nb.axes]
    if all(set(g) <= set(r) for r, g in zip(ran, grid)):
        return ""
    names = [SYMBOLS.get(axis, axis) for axis in nb.axes]
    part = " × ".join(f"{name} ∈ {_set(values)}" for name, values in zip(names, ran))
    whole = " × ".join(_set(values) for values in grid)
    return (f"\n\n*Part of the grid tier:* this run has {part}: {len(ran[0]) * len(ran[1])} of the "
            f"{len(grid[0]) * len(grid[1])} models of the paper's grid ({whole}). The others are being trained "
            f"(`nca-book status {notebook} --profile grid` lists them); a claim that needs what is missing says "
            f"*not tested*.")


def _set(values: list) -> str:
    return "{" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values) + "}"
