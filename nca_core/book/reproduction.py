"""The reproduction report: every claim the book checks, from the records the notebooks wrote.

Each notebook records its claims tables (:func:`nca_core.book.report.claims_table`) as JSON
next to its figures. The report page gathers them in the book's order and shows, section by
section (:data:`SECTIONS`, each a Markdown heading of the notebook so that the page's table of
contents lists it): the score, the rules, one compact table of the paper's claims per part with
the numbers folded away, why each failing claim fails, our own questions and the set-up checks
apart, every model once, and which tier each chapter shows. It writes one machine-readable
``claims.json`` for the whole book. Nothing in it is typed by hand: a claim appears only if a run
computed it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from nca_core import fileio
from nca_core.book import registry
from nca_core.book.notebooks import REPORT_SUMMARY
from nca_core.book.report import load_claims, tally
from nca_core.book.verdict_tables import Report, models, part_claims, questions, setup_checks, tiers, why_these_fail
from nca_core.chapters.claim import RULES
from nca_core.chapters.parts import QUESTIONS
from nca_core.view.plotting import save_figure

#: the page's sections are shown through this module (the notebook imports it alone)
__all__ = ["Report", "gather", "score", "part_claims", "why_these_fail", "questions", "setup_checks", "models",
           "tiers", "SECTIONS", "markdown", "figure", "write_json"]


def gather(folder: str | os.PathLike | None = None) -> Report:
    """The recorded claims of ``folder`` (default: the claims folder of this run), by book part."""
    records = [r for r in load_claims(folder, order=list(registry.NOTEBOOKS)) if r["notebook"] in registry.NOTEBOOKS]
    parts: dict[str, list[dict]] = {}
    for r in records:
        parts.setdefault(registry.NOTEBOOKS[r["notebook"]].part, []).append(r)
    return Report(records, parts)


def score(report: Report) -> str:
    """The score (the paper's claims only, by rule 5 of :data:`~nca_core.chapters.claim.RULES`): the totals, a
    table per part, then our own questions and the set-up checks, each counted apart."""
    if not report.records:
        return "No claims recorded yet: run the chapter notebooks first (`nca-book run`)."
    t = report.totals
    lines = [f"**{t['reproduced']} of {t['total']} claims reproduced**, {t['not reproduced']} not reproduced, "
             f"{t['not tested']} not tested by this build: the claims of the paper that the chapters check, judged "
             "by the rules below.", "",
             "| part | ✅ reproduced | ❌ not reproduced | ➖ not tested | claims |", "|---|---|---|---|---|"]
    for part in report.paper_parts:
        p = tally(report.parts[part])
        lines.append(f"| {part} | {p['reproduced']} | {p['not reproduced']} | {p['not tested']} | {p['total']} |")
    lines.append(f"| **all** | **{t['reproduced']}** | **{t['not reproduced']}** | **{t['not tested']}** | "
                 f"**{t['total']}** |")
    for part in (p for p in report.parts if p in QUESTIONS):
        q = tally(report.parts[part])
        lines += ["", f"*{part}*: {q['total']} questions of our own (not claims of the paper, not counted above), "
                  f"answered yes {q['reproduced']}, no {q['not reproduced']}, not answered {q['not tested']}."]
    checks = [c for r in report.records for c in r.get("setup", [])]
    if checks:
        held = sum(c["verdict"] is True for c in checks)
        lines += ["", f"*Set-up checks*: {len(checks)} checks of our own data and set-up (not counted above), "
                  f"{held} of them hold."]
    return "\n".join(lines)


def _paper_claims(report: Report) -> str:
    """Every part's compact table, each under a heading of its own (for :func:`markdown`)."""
    return "\n\n".join(f"#### {part}\n\n{part_claims(report, part)}" for part in report.paper_parts)


#: the sections of the report page, in order: (heading, what it shows). The notebook writes each heading as a
#: Markdown cell (a heading printed by code is not in the page's table of contents) and shows each section in the
#: code cell below it; "The paper's claims" has a sub-heading and a :func:`part_claims` cell per part of the paper
SECTIONS: tuple[tuple[str, Callable[[Report], str]], ...] = (
    ("The score", score),
    ("The rules", lambda report: RULES),
    ("The paper's claims", _paper_claims),
    ("Why these fail", why_these_fail),
    ("Beyond the paper: our own questions", questions),
    ("Set-up checks", setup_checks),
    ("The models behind the verdicts", models),
    ("Which tier each chapter shows", tiers),
)


def markdown(report: Report) -> str:
    """The whole report as one Markdown text, every section of :data:`SECTIONS` under a ``###`` heading."""
    if not report.records:
        return score(report)
    return "\n\n".join(f"### {title}\n\n{show(report)}" for title, show in SECTIONS)


def figure(report: Report):
    """Stacked bars of the verdicts per book part (saved as ``report_summary``)."""
    import matplotlib.pyplot as plt

    parts = report.paper_parts or ["(no claims recorded)"]
    counts = [tally(report.parts.get(p, [])) for p in parts]
    fig, ax = plt.subplots(figsize=(7.5, 1.0 + 0.55 * len(parts)))
    left = [0] * len(parts)
    for key, colour in (("reproduced", "#2ca02c"), ("not reproduced", "#d62728"), ("not tested", "#bbbbbb")):
        vals = [c[key] for c in counts]
        ax.barh(parts, vals, left=left, color=colour, label=key)
        for y, (x0, v) in enumerate(zip(left, vals)):
            if v:  # the count in the middle of its segment
                ax.text(x0 + v / 2, y, str(v), ha="center", va="center", fontsize=9, color="white")
        left = [a + b for a, b in zip(left, vals)]
    ax.invert_yaxis()
    ax.set_xlabel("claims")
    # above the bars, beside the title: a full bar leaves no room inside the axes
    ax.legend(fontsize=8, ncol=3, loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False,
              borderaxespad=0.2, handlelength=1.2, columnspacing=1.0)
    ax.set_title("The paper's claims checked by this build", fontsize=10, loc="left", pad=18)
    fig.tight_layout()
    save_figure(fig, REPORT_SUMMARY)
    return fig


def write_json(report: Report, path: str | os.PathLike) -> Path:
    """The whole book's claims, machine-readable: totals, per part, and every record."""
    data: dict[str, Any] = {"totals": report.totals, "parts": {p: tally(r) for p, r in report.parts.items()},
                            "records": report.records}
    return fileio.write_json(Path(path), data)

