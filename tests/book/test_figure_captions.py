"""One figure numbering, the paper's: the book numbers no figure of its own, and its reproductions say which
figure and panels of the paper they are."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from nca_core.book import registry

ROOT = Path(__file__).resolve().parents[2]
BOOK_NUMBER = re.compile(r"\bFigs?\.\s*\d")  # "Fig. 8": Sphinx's style, never the paper's here
PAPER = re.compile(r"^\*\*Paper Fig (\d+|S\d)( [A-D]–[A-D])?[.*]")


def _cells(name: str) -> list[dict]:
    return json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())["cells"]


def _source(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _captions(name: str) -> list[str]:
    return [c["metadata"]["mystnb"]["figure"]["caption"] for c in _cells(name)
            if "figure" in c["metadata"].get("mystnb", {})]


def test_sphinx_numbers_no_figure():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"]["numfig"] is False


def test_no_text_of_the_book_uses_a_figure_number_of_its_own():
    texts = {p.name: p.read_text() for p in (ROOT / "book").glob("*.md")}
    for name in registry.NOTEBOOKS:
        texts[name] = "\n".join([_source(c) for c in _cells(name)] + _captions(name))
    assert {k: BOOK_NUMBER.findall(v) for k, v in texts.items() if BOOK_NUMBER.search(v)} == {}


def test_each_checked_figure_has_a_caption_naming_the_papers_figure():
    """Every figure a chapter checks claims of ("Fig 8" in ``claims_table(…, "Fig 8", …)``) is shown with a
    caption that starts "**Paper Fig 8" (and its panels); a caption that names a paper figure elsewhere says
    "Paper Fig" too."""
    for name in registry.NOTEBOOKS:
        code = "\n".join(_source(c) for c in _cells(name))
        checked = set(re.findall(r'"Fig (\d+)"', code))
        captions = _captions(name)
        shown = {m[1] for c in captions if (m := PAPER.match(c))}
        assert checked <= shown, (name, checked, shown)
        for c in captions:
            for ref in re.finditer(r"(\w+ )?Figs? \d", c):
                assert ref[1] == "Paper ", (name, c)


def test_the_fig_12_figures_are_captioned():
    captions = _captions("symmetry")
    assert len(captions) == 2 and captions[0].startswith("**Paper Fig 12.**")
    assert "Not a panel of the paper" in captions[1]
