"""The registry: collects the notebooks every chapter declares, and answers ``notebook / resolve / jobs / toc``.

A chapter declares its notebooks in its own ``notebooks`` module (parameters, checks, models,
figure files; :class:`~nca_core.runs.notebook.Notebook`); the registry knows only the tuple of
them, :data:`CHAPTERS`. ``_toc.yml`` (:func:`toc`), the command line (``nca-book``), the
parameter resolver every notebook calls (:func:`resolve`) and the notebook tests read it: adding
a chapter is its package, its notebook, its test file and one line in :data:`CHAPTERS`.
"""

from __future__ import annotations

import types
from typing import Any

from nca_core.book import notebooks as book
from nca_core.chapters.adversarial import notebooks as adversarial
from nca_core.chapters.between_frames import notebooks as between_frames
from nca_core.chapters.gray_scott import notebooks as gray_scott
from nca_core.chapters.local import notebooks as local
from nca_core.chapters.morph import notebooks as morph
from nca_core.chapters.perturbation import notebooks as perturbation
from nca_core.chapters.read_back import notebooks as read_back
from nca_core.chapters.regimes import notebooks as regimes
from nca_core.chapters.symmetry import notebooks as symmetry
from nca_core.chapters.weights import notebooks as weights
from nca_core.runs import params
from nca_core.runs.job import Job
from nca_core.runs.notebook import Notebook

#: every chapter's declarations, in reading order (the book's own notebooks last)
CHAPTERS = (gray_scott, morph, local, adversarial, symmetry, between_frames, read_back, weights, perturbation, regimes,
            book)

#: the book's pages before and after the notebook chapters: (part caption, [page files])
PAGES_BEFORE = (("The model", ("book/model",)),)
#: "Explore the models" runs shipped models in the reader's browser (book/_static/nca_player.js; the model
#: files are written by ``nca-book build``, see :mod:`nca_core.book.player`). A part's pages here come before
#: its notebooks: the player page leads, the notebook explorer (``explore``, ipywidgets) follows it
PAGES_AFTER = ((book.EXPLORE, ("book/explore",)), ("About", ("book/cite",)))

#: every notebook, in reading order
NOTEBOOKS: dict[str, Notebook] = {nb.name: nb for chapter in CHAPTERS for nb in chapter.NOTEBOOKS}


def notebook(name: str) -> Notebook:
    """The declaration of a notebook (``ValueError`` naming the accepted names otherwise)."""
    if name not in NOTEBOOKS:
        raise ValueError(f"notebook={name!r} is not accepted; accepted: {', '.join(NOTEBOOKS)}")
    return NOTEBOOKS[name]


def declared(name: str) -> dict[str, params.Param]:
    """The parameters of a notebook (``profile`` excluded)."""
    return notebook(name).params


def resolve(name: str, namespace: dict[str, Any]) -> tuple[types.SimpleNamespace, dict[str, Any]]:
    """Resolve notebook ``name``'s parameters from its ``globals()`` (see :func:`nca_core.runs.params.resolve`)."""
    return notebook(name).resolve(namespace)


def overrides_for(name: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The ``overrides`` that notebook ``name`` declares (a command line's ``-p`` applies to those that have it)."""
    return {k: v for k, v in overrides.items() if k in declared(name)}


def table(name: str) -> str:
    """Markdown table of a notebook's parameters with their per-profile defaults."""
    return params.table(declared(name))


def jobs(name: str, profile: str, overrides: dict[str, Any] | None = None) -> list[Job]:
    """The distinct models notebook ``name`` trains with these parameters (empty if none)."""
    return notebook(name).models(profile, overrides)


def toc() -> str:
    """The text of ``_toc.yml``: the pages around the notebook chapters, each notebook in its part."""
    parts: dict[str, list[str]] = {}
    for caption, pages in PAGES_BEFORE:
        parts.setdefault(caption, []).extend(pages)
    for nb in NOTEBOOKS.values():
        parts.setdefault(nb.part, []).append(f"book/_executed/{nb.name}")
    for caption, pages in PAGES_AFTER:
        parts[caption] = [*pages, *parts.get(caption, [])]
    lines = ["# Table of contents (https://jupyterbook.org/en/stable/structure/toc.html)",
             "# Written by `nca-book toc` from nca_core/book/registry.py: edit the chapters, not this file.",
             "# The chapter pages are notebooks executed by `nca-book run` into book/_executed/.",
             "format: jb-book", "root: book/intro", "parts:"]
    for caption, files in parts.items():
        lines += [f"  - caption: {caption}", "    chapters:"] + [f"      - file: {f}" for f in files]
    return "\n".join(lines) + "\n"
