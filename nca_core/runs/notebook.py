"""A notebook's declaration: its book part, parameters, checks, the models it trains and the figures it writes.

Each chapter declares its notebooks (``nca_core.chapters.<chapter>.notebooks``) with
:class:`Notebook`; the book's registry (:mod:`nca_core.book.registry`) only collects them. A
declaration is a plain value: importing it imports no TensorFlow.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from nca_core.runs import params
from nca_core.runs.job import Job, distinct
from nca_core.runs.params import Constraint, Param


@dataclass(frozen=True)
class Notebook:
    """A notebook of the book.

    Attributes:
        name: the file stem in ``notebooks/`` (and of the executed page).
        part: the caption of the book part it belongs to.
        params: its parameters (``profile`` excluded).
        jobs: the models it trains, from its resolved parameters (None: it trains nothing).
        figures: the files it writes into the figure folder (the chapter's ``figures`` module
            names them from the same constants).
        constraints: checks involving several parameters.
        axes: two list parameters whose cross product is the grid of models (e.g. time samplings ×
            seeds), so that a part of the grid can be run while the rest trains
            (:mod:`nca_core.book.best`); empty if the notebook has no such grid.
    """

    name: str
    part: str
    params: dict[str, Param]
    jobs: Callable[[types.SimpleNamespace], Iterable[Job]] | None = None
    figures: tuple[str, ...] = ()
    constraints: tuple[Constraint, ...] = field(default_factory=tuple)
    axes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.axes and (len(self.axes) != 2 or any(a not in self.params for a in self.axes)):
            raise ValueError(f"axes={self.axes!r} is not accepted for notebook {self.name!r}; accepted: "
                             f"two of its list parameters ({', '.join(self.params)})")

    def resolve(self, namespace: dict[str, Any]) -> tuple[types.SimpleNamespace, dict[str, Any]]:
        """The parameters from a notebook's ``globals()`` (see :func:`nca_core.runs.params.resolve`)."""
        return params.resolve(self.name, self.params, namespace, self.constraints)

    def at(self, profile: str, **overrides: Any) -> types.SimpleNamespace:
        """The resolved parameters at ``profile`` with ``overrides`` (as ``papermill -p`` would give them)."""
        return self.resolve({"profile": profile, **overrides})[0]

    def models(self, profile: str, overrides: dict[str, Any] | None = None) -> list[Job]:
        """The distinct models it trains with these parameters (empty if none)."""
        if self.jobs is None:
            return []
        return distinct(self.jobs(self.at(profile, **(overrides or {}))))
