"""The reproduction report: every claim the book checks, from the records the notebooks wrote.

Each notebook records its claims tables (:func:`nca_core.book.report.claims_table`) as JSON
next to its figures. The report page gathers them in the book's order, counts the verdicts
per chapter part and overall, links each claim to the page that shows it, plots the counts,
and writes one machine-readable ``claims.json`` for the whole book. Nothing in it is typed
by hand: a claim appears only if a run computed it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nca_core import fileio
from nca_core.book import registry
from nca_core.book.notebooks import REPORT_SUMMARY
from nca_core.book.report import cell, evidence, load_claims, tally
from nca_core.chapters.parts import QUESTIONS
from nca_core.view.plotting import save_figure

_SYMBOL = {True: "✅ reproduced", False: "❌ not reproduced", None: "➖ not tested"}
#: the answers to our own questions (the parts in :data:`~nca_core.chapters.parts.QUESTIONS`), counted apart
_ANSWER = {True: "✅ yes", False: "❌ no", None: "➖ not answered"}


@dataclass
class Report:
    records: list[dict]  # one per claims table, in the book's order
    parts: dict[str, list[dict]]  # the records of each book part, in order

    @property
    def totals(self) -> dict[str, int]:
        """The paper's claims only: the answers to our own questions (:data:`QUESTIONS` parts) are counted apart."""
        return tally(r for p, rs in self.parts.items() if p not in QUESTIONS for r in rs)


def gather(folder: str | os.PathLike | None = None) -> Report:
    """The recorded claims of ``folder`` (default: the claims folder of this run), by book part."""
    records = [r for r in load_claims(folder, order=list(registry.NOTEBOOKS)) if r["notebook"] in registry.NOTEBOOKS]
    parts: dict[str, list[dict]] = {}
    for r in records:
        parts.setdefault(registry.NOTEBOOKS[r["notebook"]].part, []).append(r)
    return Report(records, parts)


def _where(r: dict) -> str:
    return f"{{doc}}`{r['figure']} <{r['notebook']}>`"


def markdown(report: Report) -> str:
    """Totals per part and overall; one table per part (figure linked to its page, claim, this build's numbers
    with the threshold, verdict); why each failing claim fails; then the set-up checks apart and the profile and
    models behind each figure, listed once."""
    if not report.records:
        return "No claims recorded yet: run the chapter notebooks first (`nca-book run`)."
    t = report.totals
    lines = [f"**{t['reproduced']} of {t['total']} claims reproduced**, {t['not reproduced']} not reproduced, "
             f"{t['not tested']} not tested by this build (the rules are above).", "",
             "| part | reproduced | not reproduced | not tested | total |", "|---|---|---|---|---|"]
    for part, records in report.parts.items():
        p = tally(records)
        if part in QUESTIONS:
            continue
        lines.append(f"| {part} | {p['reproduced']} | {p['not reproduced']} | {p['not tested']} | {p['total']} |")
    lines.append(f"| **all** | **{t['reproduced']}** | **{t['not reproduced']}** | **{t['not tested']}** | "
                 f"**{t['total']}** |")
    for part in (p for p in report.parts if p in QUESTIONS):
        q = tally(report.parts[part])
        lines += ["", f"*{part}*: {q['total']} questions of our own (not claims of the paper, not counted above), "
                  f"answered yes {q['reproduced']}, no {q['not reproduced']}, not answered {q['not tested']}."]
    for part, records in report.parts.items():
        marks, head = (_ANSWER, "question (ours)") if part in QUESTIONS else (_SYMBOL, "claim (paper)")
        rows = [f"| {_where(r)} | {cell(c['claim'])} | {evidence(c)} | {marks[c['verdict']]} |"
                for r in records for c in r["claims"]]
        if rows:
            lines += ["", f"### {part}", "", f"| figure | {head} | this build | verdict |", "|---|---|---|---|"]
            lines += rows
    lines += ["", why_these_fail(report)]
    setup = [(r, c) for r in report.records for c in r.get("setup", [])]
    if setup:
        lines += ["", "### Set-up checks (not counted)", "",
                  "Checks of our own data preparation, not claims of the paper; a failure here would put every "
                  "verdict of the chapters that use the data in doubt.", "",
                  "| figure | check (our set-up, not a claim of the paper) | this build | verdict |",
                  "|---|---|---|---|"]
        lines += [f"| {_where(r)} | {cell(c['check'])} | {evidence(c)} | {_SYMBOL[c['verdict']]} |" for r, c in setup]
    lines += ["", models(report)]
    return "\n".join(lines)


def why_these_fail(report: Report) -> str:
    """One short paragraph per claim this build does not reproduce: the claim, the threshold it misses and the
    numbers, linked to the chapter that shows them."""
    failing = [(r, c) for p, rs in report.parts.items() if p not in QUESTIONS for r in rs for c in r["claims"]
               if c["verdict"] is False]
    if not failing:
        return "### Why these fail\n\nEvery claim this build tested is reproduced."
    out = ["### Why these fail", "",
           "Each failing claim, the threshold it misses and this build's numbers (the chapter linked discusses them):",
           ""]
    for r, c in failing:
        th = c.get("threshold") or "the chapter's rule"
        out.append(f"- **{_where(r)}, {cell(c['claim'])}.** Needed: {cell(th)}. This build: {cell(c['evidence'])}.")
    return "\n".join(out)


def models(report: Report) -> str:
    """The profile, the models (label, where they came from, epochs) and the training behind each figure's
    verdicts, once per figure."""
    out = ["### The models behind the verdicts", "", "| figure | profile | models | training |", "|---|---|---|---|"]
    for r in report.records:
        ms = ", ".join(f"{m['label']}" for m in r["models"]) or "data only"
        out.append(f"| {_where(r)} | {r['profile']} | {cell(ms)} | {cell(r['training']) or '–'} |")
    return "\n".join(out)


def tiers(report: Report, target: str = "long") -> str:
    """Which profile each chapter of this build ran at, and how much of the ``target`` tier is
    trained: per notebook that trains models, the models ready (shipped or cached) and the missing ones."""
    from nca_core.book import status

    ran: dict[str, set[str]] = {}
    for r in report.records:
        ran.setdefault(r["notebook"], set()).add(r["profile"])
    lines = [f"| chapter | profile of this build | `{target}` models ready | still to train |", "|---|---|---|---|"]
    total, ready = {}, 0
    for name, nb in registry.NOTEBOOKS.items():
        if nb.jobs is None:
            continue
        rows = {r.key: r for r in status.model_status([name], target)}.values()
        todo = [r.label for r in rows if not r.ready]
        lines.append(f"| {{doc}}`{name}` | {', '.join(sorted(ran.get(name, ()))) or 'not run'} | "
                     f"{len(rows) - len(todo)} of {len(rows)} | {cell(', '.join(todo)) or '–'} |")
        for r in rows:
            total[r.key] = r.ready
    ready = sum(total.values())
    return "\n".join([f"Of the {len(total)} distinct models of the `{target}` tier, {ready} are trained "
                      f"and {len(total) - ready} are not yet. `make book` runs each chapter at the "
                      f"longest-trained tier whose models are all there, so a chapter shows `{target}` "
                      "only once all of its models are; `nca-book status --profile " + target + "` lists them and "
                      "`nca-book models NOTEBOOK --profile " + target + "` trains them (resumably).", ""] + lines)


def figure(report: Report):
    """Stacked bars of the verdicts per book part (saved as ``report_summary``)."""
    import matplotlib.pyplot as plt

    parts = [p for p in report.parts if p not in QUESTIONS] or ["(no claims recorded)"]
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
