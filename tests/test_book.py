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


def test_chapter_pages_have_numbered_figures_and_videos(built_book):
    for page in ("book/intro.html", "book/model.html", *(f"book/_executed/{n}.html" for n in NOTEBOOKS)):
        assert (built_book / page).exists(), page
    html = (built_book / "book" / "_executed" / "time_sampling.html").read_text()
    assert "Fig. " in html  # numbered, captioned figures
    assert "(Paper Fig 4.)" in html and "<video" in html
    html = (built_book / "book" / "_executed" / "kernels_activations.html").read_text()
    assert "(Paper Fig 8A-B.)" in html and "(Paper Fig 8C-D.)" in html
    assert html.count("<video") == 3 and all(s in html for s in ("S1: relu", "S2: relu", "S3: linear"))
    html = (built_book / "book" / "_executed" / "channels_sampling.html").read_text()
    assert "(Paper Fig 9A-B" in html and "(Paper Fig 9C-D" in html
    assert "<p>claim (paper)</p>" in html  # the claims table is rendered


def test_reproduction_report_links_every_claim_and_publishes_claims_json(built_book):
    import json

    page = (built_book / "book" / "_executed" / "report.html").read_text()
    assert "claims reproduced" in page and "<img" in page  # the counts and the summary figure
    assert 'href="time_sampling.html"' in page and 'href="kernels_activations.html"' in page  # {doc} links resolved
    data = json.loads((built_book / "claims.json").read_text())
    assert data["totals"]["total"] == sum(len(r["claims"]) for r in data["records"]) > 0
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
