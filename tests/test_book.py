"""The Jupyter Book, built from the executed smoke notebooks with warnings as errors, and opened in Chromium."""

from __future__ import annotations

import html
import re
from pathlib import Path

from nca_core.cli import NOTEBOOKS


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_book_builds_without_warnings(built_book: Path) -> None:
    """The whole book (intro, model page, the executed smoke notebooks) with warnings as errors."""
    html_dir = built_book
    intro = html_dir / "book" / "intro.html"
    assert intro.is_file(), f"missing {intro}; built: {sorted(p.name for p in html_dir.iterdir())}"
    assert (html_dir / "index.html").is_file()

    page = intro.read_text(encoding="utf-8")
    # The bibliography (not just the book title) must hold the paper's entry ...
    entries = [
        _text(m) for m in re.findall(r'role="doc-biblioentry">(.*?)</div>', page, flags=re.S)
    ]
    paper = [e for e in entries if "Learning spatio-temporal patterns" in e]
    assert paper, f"paper not in the bibliography; entries: {entries}"
    assert "10.1371/journal.pcbi.1011589" in paper[0]
    # ... and the in-text citations must link to bibliography entries.
    assert re.search(r'<a class="reference internal" href="#id\d+"[^>]*title="[^"]*Richardson', page)


def test_chapter_pages_have_captioned_figures_and_videos(built_book):
    for page in ("book/intro.html", "book/model.html", *(f"book/_executed/{n}.html" for n in NOTEBOOKS)):
        assert (built_book / page).exists(), page
    html = (built_book / "book" / "_executed" / "time_sampling.html").read_text()
    assert "Paper Fig 4." in _text(html) and "<video" in html
    html = (built_book / "book" / "_executed" / "kernels_activations.html").read_text()
    assert "Paper Fig 8 A–B." in _text(html) and "Paper Fig 8 C–D." in _text(html)
    assert html.count("<video") == 3 and all(s in html for s in ("S1: relu", "S2: relu", "S3: linear"))
    html = (built_book / "book" / "_executed" / "channels_sampling.html").read_text()
    assert "Paper Fig 9 A–B" in _text(html) and "Paper Fig 9 C–D" in _text(html)
    assert "<p>claim (paper)</p>" in html  # the claims table is rendered


def test_one_figure_numbering_the_papers(built_book):
    """No figure number of the book's own ("Fig. 8" beside the paper's Fig 8): Sphinx numbers none, and every
    chapter's reproduction is captioned with the paper's figure ("Paper Fig N", with its panels)."""
    import json

    pages = sorted(built_book.glob("book/**/*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "caption-number" not in html, page  # Sphinx's own "Fig. N" label
        assert not re.search(r"\bFigs?\.\s*\d", _text(html)), page
    from nca_core.book import registry
    from nca_core.chapters.parts import QUESTIONS

    claims = json.loads((built_book / "claims.json").read_text())
    for record in claims["records"]:  # each figure a chapter checks claims of is shown, captioned as the paper's
        if registry.notebook(record["notebook"]).part in QUESTIONS:
            continue  # "Beyond the paper" reproduces no figure of the paper: its own questions
        number = record["figure"].removeprefix("Fig ")
        page = _text((built_book / "book" / "_executed" / f"{record['notebook']}.html").read_text())
        assert re.search(rf"Paper Fig {number}(\.| [A-D]–[A-D])", page), (record["notebook"], record["figure"])
    sym = (built_book / "book" / "_executed" / "symmetry.html").read_text()
    captions = [_text(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", sym, flags=re.S)]
    assert any(c.startswith("Paper Fig 12.") for c in captions) and len(captions) >= 2, captions


def test_every_claims_row_has_its_cells_and_a_verdict(built_book):
    from nca_core.book import report

    rows = 0
    for name in NOTEBOOKS:  # the report among them
        html = (built_book / "book" / "_executed" / f"{name}.html").read_text(encoding="utf-8")
        assert report.claims_table_problems(html) == [], name
        rows += sum(len(t) - 1 for t in report.claims_tables(html))
    assert rows > 20  # the chapters' rows and the report's


def test_reproduction_report_links_every_claim_and_publishes_claims_json(built_book):
    import json

    page = (built_book / "book" / "_executed" / "report.html").read_text()
    assert "claims reproduced" in page and "<img" in page  # the counts and the summary figure
    assert 'href="time_sampling.html"' in page and 'href="kernels_activations.html"' in page  # {doc} links resolved
    from nca_core.book import registry
    from nca_core.chapters.parts import QUESTIONS

    data = json.loads((built_book / "claims.json").read_text())
    paper = [r for r in data["records"] if registry.notebook(r["notebook"]).part not in QUESTIONS]
    assert data["totals"]["total"] == sum(len(r["claims"]) for r in paper) > 0  # our own questions counted apart
    assert {r["notebook"] for r in data["records"]} >= {"time_sampling", "channels_sampling"}


def test_built_page_in_headless_chromium(built_book, chrome):
    d = chrome("--allow-file-access-from-files")
    try:
        d.get((built_book / "book" / "_executed" / "gray_scott_data.html").as_uri())
        imgs = d.execute_script("return Array.from(document.images).filter(i => i.src.includes('.png'))"
                                ".map(i => [i.src, i.complete && i.naturalWidth > 0]);")
        assert imgs and all(ok for _, ok in imgs), imgs
        # matplotlib's jshtml animation: a slider and play buttons
        assert d.execute_script("return document.querySelectorAll('input[type=range]').length") >= 1
        assert d.execute_script("return document.querySelectorAll('.anim-buttons button, .anim-controls button')"
                                ".length") >= 3
        d.get((built_book / "book" / "model.html").as_uri())
        import time

        for _ in range(60):  # MathJax typesets asynchronously
            n = d.execute_script("return document.querySelectorAll('mjx-container').length")
            if n:
                break
            time.sleep(0.5)
        assert n > 3, "MathJax did not typeset the equations"
    finally:
        d.quit()


def test_every_figure_cell_shows_its_figure(smoke_book):
    """A cell that draws a figure (``fig = figures.…``) shows it on the page: an image among its outputs (a
    chapter's figures once restored matplotlib's ``interactive`` flag and the later figures of the page were
    drawn and saved but never shown)."""
    import json
    import re

    executed = sorted((smoke_book / "book" / "_executed").glob("*.ipynb"))
    assert len(executed) > 10
    blank = []
    for path in executed:
        for cell in json.loads(path.read_text())["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] == "code" and re.search(r"^\s*fig\w* = figures\.", src, re.M):
                if not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
                    blank.append(f"{path.name}: {src.splitlines()[0]}")
    assert blank == []


def test_every_figure_is_readable_at_the_columns_width(smoke_book):
    """No text of a chapter's figure is smaller than about 8 pt as the page shows it (the PNG shrunk to the
    688-pixel column if wider; :func:`nca_core.view.plotting.smallest_text_pt`, recorded in each PNG)."""
    from PIL import Image

    from nca_core.view import plotting

    pngs = sorted((smoke_book / "book" / "_executed" / "figures").glob("*.png"))
    assert len(pngs) > 20
    small = {p.name: float(Image.open(p).text[plotting.SMALLEST_TEXT_KEY]) for p in pngs}
    assert {k: v for k, v in small.items() if v < 0.95 * plotting.MIN_PT} == {}


def test_videos_fit_the_column(built_book):
    """Every video of a chapter page is shown at most 680 CSS pixels wide (the column is 688) and shrinks
    with the page."""
    from nca_core.view.video import MAX_WIDTH

    seen = 0
    for page in sorted(built_book.glob("book/_executed/*.html")):
        for tag in re.findall(r"<video[^>]*>", page.read_text(encoding="utf-8")):
            seen += 1
            width = re.search(r'width="(\d+)"', tag)
            assert width and int(width.group(1)) <= MAX_WIDTH <= 680 and "max-width: 100%" in tag, (page.name, tag[:80])
    assert seen >= 5


def test_tables_fit_the_column_in_a_1280_pixel_window(built_book, chrome):
    """No table of a chapter page scrolls sideways at 1280 pixels: the book's stylesheet (book/_static/nca_book.css)
    sets tables a little smaller and lets their cells wrap, so the widest (nine columns on the local-stability
    page) fit the text column."""
    d = chrome()
    try:
        d.set_window_size(1280, 1600)
        tables, wide = 0, {}
        for page in sorted(built_book.glob("book/_executed/*.html")):
            d.get(page.as_uri())
            found = d.execute_script(
                "const ts = [...document.querySelectorAll('article table')];"
                "return [ts.length, ts.filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)"
                ".map(t => [t.scrollWidth, t.parentElement.clientWidth, t.rows[0].innerText.slice(0, 40)]),"
                "ts.length ? getComputedStyle(ts[0].querySelector('td, th')).overflowWrap : ''];")
            tables += found[0]
            if found[1]:
                wide[page.name] = found[1]
            assert not found[0] or found[2] == "break-word", (page.name, "the book's stylesheet is not applied")
        assert tables > 20 and wide == {}, wide
    finally:
        d.quit()
