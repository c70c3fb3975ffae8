"""Claims tables that no evidence text can break: rendered by the same MyST parser the book uses."""

from __future__ import annotations

import pytest

from nca_core.book import report, reproduction
from nca_core.chapters.claim import Claim

#: evidence the chapters write (Fig 11's ``max |x̃|``) and worse: every character Markdown might read as syntax
NASTY = ["max |x̃| = 0.031; ‖x̃‖ = 2.1", "a | b || c", "costs $5 and $6, $x$", "*not* emphasis, __nor__ this",
         "`code` and {doc}`role`", "<b>raw</b> & [link](http://x) ~x~", "back\\slash\\|", "line\nbreak # hash"]


def _html(markdown: str) -> str:
    """``markdown`` rendered as the book renders a code cell's Markdown output (MyST, the book's extensions)."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions={"amsmath", "colon_fence", "dollarmath", "linkify", "substitution"})
    return create_md_parser(config, RendererHTML).render(markdown)


def test_every_chapter_claims_row_keeps_its_three_cells_and_its_verdict_whatever_the_evidence():
    claims = [Claim(f"claim {i} with |bars| and $", e, v) for i, (e, v) in
              enumerate(zip(NASTY, [True, False, None] * 3))]
    html = _html(report.claims_markdown(claims))
    tables = report.claims_tables(html)
    assert len(tables) == 1 and tables[0][0] == ["claim (paper)", "this run", "verdict"]
    rows = tables[0][1:]
    assert len(rows) == len(NASTY) and report.claims_table_problems(html) == []
    for row, c in zip(rows, claims):
        assert row[0] == c.text and row[1] == " ".join(c.evidence.split())  # shown as written, nothing eaten
        assert row[2] == c.label
    assert "<b>" not in html and "<a " not in html.replace('<a href="http://x"', "")  # no raw HTML came through


def test_the_report_tables_keep_their_cells_too(tmp_path, monkeypatch):
    monkeypatch.setenv("NCA_CLAIMS_DIR", str(tmp_path / "claims"))
    report.claims_table([Claim("near-identical | destroys", e, True, "IoU < 0.5 | ×2") for e in NASTY],
                        "adversarial_stability", "Fig 11", "long")
    md = reproduction.markdown(reproduction.gather())
    html = _html(md.replace("{doc}", ""))  # the role is Sphinx's; the table structure is what is checked
    assert report.claims_table_problems(html) == []
    assert sum(len(t) - 1 for t in report.claims_tables(html)) == len(NASTY)


def test_a_broken_table_is_reported():
    broken = _html("| claim (paper) | this run | verdict |\n|---|---|---|\n| c | max |x̃| = 2 | ✅ reproduced |\n"
                   "| d | fine | ✅ reproduced |\n| e | | maybe |")
    problems = report.claims_table_problems(broken)
    assert len(problems) == 2
    assert "verdict cell 'x̃' is not a verdict" in problems[0]  # extra cells are dropped: the issue's symptom
    assert "'maybe' is not a verdict" in problems[1]


@pytest.mark.parametrize("text", ["|", "$", "*", "_", "`", "<", "[", "\\"])
def test_cell_escapes_each_markup_character(text):
    assert report.cell(f"a{text}b") == f"a\\{text}b"


@pytest.mark.parametrize("raw,shown", [
    ("σ = 0.5: inf, σ = 1: -inf", "σ = 0.5: ∞ (no finite value), σ = 1: −∞ (no finite value)"),
    ("strong nan, weak 9.06 (NaN: it blew up)", "strong no value (NaN), weak 9.06 (NaN: it blew up)"),
    ("info, infinite, nanometre, inf-norm, 1.5inf", "info, infinite, nanometre, inf-norm, 1.5inf"),  # words stay
])
def test_a_table_cell_says_what_a_non_finite_number_is(raw, shown):
    assert report.words_for_nonfinite(raw) == shown
    assert report.cell(raw) == report.cell(shown)


def test_a_raw_non_finite_number_in_a_claims_table_is_a_problem():
    html = _html(report.claims_markdown([Claim("c", f"σ = 0.5: {float('inf'):.3g}; d {float('nan'):.3g}", True, "t")]))
    assert report.claims_table_problems(html) == []  # the page's own tables say what it is
    assert "∞ (no finite value)" in html and "no value (NaN)" in html
    raw = _html("| claim (paper) | this run | verdict |\n|---|---|---|\n| c | damage inf | ✅ reproduced |")
    assert report.claims_table_problems(raw) == ["a raw non-finite number: ['c', 'damage inf', '✅ reproduced']"]
