"""The reproduction report page as a reader meets it: its sections in the page's table of contents, short, its
links landing on the chapters' claims tables, and counts that follow the written rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

from nca_core.book import registry, report, reproduction
from nca_core.chapters import parts
from nca_core.chapters.parts import QUESTIONS

ROOT = Path(__file__).resolve().parents[2]
#: the page is read at this size; a "screen" is the window's inner height
WINDOW = (1280, 1000)
#: the page must read in well under 20 screens (it was about 56 with every row's evidence and models repeated)
MAX_SCREENS = 20


def _paper_parts() -> list[str]:
    own = {nb.name for nb in registry.book.NOTEBOOKS}
    return [p for p in dict.fromkeys(nb.part for nb in registry.NOTEBOOKS.values() if nb.name not in own)
            if p not in QUESTIONS]


def _cells() -> list[tuple[str, str]]:
    nb = json.loads((ROOT / "notebooks" / "report.ipynb").read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


def test_every_section_is_a_markdown_heading_of_the_notebook_followed_by_the_cell_that_shows_it():
    """A heading printed by a code cell is not in the page's table of contents: each section's heading is a Markdown
    cell, in the order of ``reproduction.SECTIONS``, each part of the paper with its own, then the cell showing it."""
    cells = _cells()
    headings = [(i, m.group(1), m.group(2)) for i, (kind, src) in enumerate(cells) if kind == "markdown"
                for m in [re.match(r"^(#{2,3}) (.+)$", src.strip())] if m]
    assert [t for _, level, t in headings if level == "##"] == [t for t, _ in reproduction.SECTIONS]
    assert [t for _, level, t in headings if level == "###"] == _paper_parts()
    names = {getattr(parts, n): n for n in dir(parts) if n.isupper() and isinstance(getattr(parts, n), str)}
    shows = {title: show for title, show in reproduction.SECTIONS}
    for i, level, title in headings:
        nxt = cells[i + 1]
        if level == "###":
            assert nxt == ("code", f"display(Markdown(reproduction.part_claims(R, parts.{names[title]})))"), title
        elif not shows[title].__name__.startswith(("_", "<")):
            assert nxt[0] == "code" and f"reproduction.{shows[title].__name__}(R)" in nxt[1], title
    assert cells[i + 1][0] == "code"  # the last section is shown too


def _section(page: str, anchor: str) -> str:
    """The HTML of the section ``anchor`` of ``page``, its sub-sections included."""
    start = page.index(f'<section id="{anchor}">')
    depth = 0
    for m in re.finditer(r"<(/?)section\b", page[start:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return page[start:start + m.end()]
    raise AssertionError(f"section {anchor} is not closed")


def test_the_report_page_lists_its_sections_and_links_to_the_chapters_tables(built_book):
    page = (built_book / "book" / "_executed" / "report.html").read_text(encoding="utf-8")
    toc = page[page.index('id="pst-page-toc-nav"'):]
    toc = [re.sub(r"<[^>]+>", "", a).strip().replace("’", "'")
           for a in re.findall(r'<a class="reference internal nav-link" href="#[^"]+">(.*?)</a>', toc)]
    assert toc == [t for t, _ in reproduction.SECTIONS[:3]] + _paper_parts() + [t for t, _ in reproduction.SECTIONS[3:]]
    links = set(re.findall(r'<a href="([a-z_]+)\.html#([^"]+)">', page))
    assert len(links) >= 9  # each paper figure's table, the questions' chapters
    for name, anchor in links:
        target = (built_book / "book" / "_executed" / f"{name}.html").read_text(encoding="utf-8")
        assert f'<section id="{anchor}">' in target, (name, anchor)
        assert report.claims_tables(_section(target, anchor)), (name, anchor)  # the section holds the claims table


def test_the_report_counts_follow_the_rules_and_every_failure_has_a_reason(built_book):
    page = (built_book / "book" / "_executed" / "report.html").read_text(encoding="utf-8")
    totals = json.loads((built_book / "claims.json").read_text())["totals"]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert f"{totals['reproduced']} of {totals['total']} claims reproduced" in text
    compact = [t for t in report.claims_tables(_section(page, "the-paper-s-claims"))
               if t[0] == ["figure", "claim (paper)", "verdict"]]
    verdicts = [row[2] for t in compact for row in t[1:]]
    assert len(compact) == len(_paper_parts()) and len(verdicts) == totals["total"]
    assert sum(v.startswith("✅ reproduced") for v in verdicts) == totals["reproduced"]
    assert sum(v.startswith("➖ not tested") for v in verdicts) == totals["not tested"]
    why = _section(page, "why-these-fail")
    items = re.findall(r"<li>(.*?)</li>", why, flags=re.S)
    assert len(items) == totals["not reproduced"] == sum(v.startswith("❌") for v in verdicts)
    for item in items:  # a link to the chapter's table, the claim, then a reason in words
        assert re.search(r'<a (class="reference internal" )?href="[a-z_]+\.html', item), item
        assert len(re.sub(r"<[^>]+>", "", item.split("</strong>", 1)[1]).strip()) > 20, item


def test_the_report_page_is_short(built_book, chrome):
    d = chrome(f"--window-size={WINDOW[0]},{WINDOW[1]}", "--allow-file-access-from-files")
    try:
        d.get((built_book / "book" / "_executed" / "report.html").as_uri())
        height, screen = d.execute_script("return [document.documentElement.scrollHeight, window.innerHeight]")
        closed = d.execute_script("return Array.from(document.querySelectorAll('details')).every(e => !e.open)")
    finally:
        d.quit()
    assert closed  # the numbers are folded away
    assert height / screen < MAX_SCREENS, (height, screen)
