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


FIGURE_CELL = re.compile(r"^\s*fig\w* = figures\.", re.M)
#: a caption that says what is shown and how to read it runs to a few sentences, not a title
MIN_WORDS = 30


def test_every_figure_of_every_chapter_is_captioned_under_a_name_of_its_own():
    """Every cell that draws a chapter's figure (``fig = figures.…``) carries a caption and a label, and no two
    figures of the book share a label."""
    missing, names = [], []
    for name in registry.NOTEBOOKS:
        for c in _cells(name):
            if c["cell_type"] == "code" and FIGURE_CELL.search(_source(c)):
                figure = c["metadata"].get("mystnb", {}).get("figure", {})
                if not figure.get("caption", "").strip() or not figure.get("name"):
                    missing.append(f"{name}: {_source(c).splitlines()[0]}")
                names.append(figure.get("name"))
    assert missing == []
    assert len(names) == len(set(names)) > 30


def test_the_figures_beyond_the_paper_have_captions_that_say_how_to_read_them():
    """The pages of our own questions reproduce no figure of the paper: each figure's caption opens with a bold
    title of its own (no "Paper Fig") and goes on to say what is shown and how to read it."""
    from nca_core.chapters.parts import QUESTIONS

    pages = [n for n, nb in registry.NOTEBOOKS.items() if nb.part in QUESTIONS]
    assert set(pages) >= {"between_frames", "read_back", "weights", "perturbation", "regimes"}
    seen = 0
    for name in pages:
        figure_cells = [c for c in _cells(name) if c["cell_type"] == "code" and FIGURE_CELL.search(_source(c))]
        captions = _captions(name)
        assert len(captions) == len(figure_cells) > 0, name
        for c in captions:
            assert re.match(r"^\*\*[^*]+\*\*", c) and "Paper Fig" not in c, (name, c[:60])
            assert len(c.split()) >= MIN_WORDS, (name, c[:60])
        seen += len(captions)
    assert seen >= 13


def test_setup_code_is_hidden_as_on_every_page():
    """What a reader sees of a page's code: the parameters and the calls that compute and draw. The imports are
    folded away (``hide-input``) and the cells that only display a table show their table, not their code
    (``remove-input``), on every page alike."""
    shown = []
    for name in registry.NOTEBOOKS:
        for c in _cells(name):
            if c["cell_type"] != "code":
                continue
            src, tags = _source(c), set(c["metadata"].get("tags", []))
            hidden = tags & {"hide-input", "remove-input", "remove-cell"}
            if re.search(r"^(from|import) ", src, re.M) and not hidden:
                shown.append(f"{name}: {src.splitlines()[0]}")
            if re.match(r"\s*display\(", src) and not tags & {"remove-input", "remove-cell"}:
                shown.append(f"{name}: {src.splitlines()[0]}")
    assert shown == []
