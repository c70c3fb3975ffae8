"""The reproduction report's tables (:mod:`nca_core.book.reproduction`), each from the records the notebooks wrote.

Short on the page: a compact table per part (figure, claim, verdict) with the numbers folded into a
dropdown and each figure linked to the claims table of its chapter, where the numbers are discussed; a
sentence per failing claim; every model once. Links to a chapter's claims table point at the section
that holds it (:func:`section_anchor`), read from the chapter's executed notebook.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from nca_core.book import registry
from nca_core.book.report import cell, claims_dir, evidence, recipe, tally
from nca_core.chapters.parts import QUESTIONS

#: the verdict words of the report, for the paper's claims and for our own questions (rules 1, 2 and 4)
CLAIM_WORDS = {True: "✅ reproduced", False: "❌ not reproduced", None: "➖ not tested"}
ANSWER_WORDS = {True: "✅ yes", False: "❌ no", None: "➖ not answered here"}
#: a set-up check holds or does not (rule 3); a check put as a question reads yes / no
CHECK_WORDS = {True: "✅ holds", False: "❌ does not hold", None: "➖ not checked here"}
QUESTION_HEAD = "question (ours)"
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


@dataclass
class Report:
    records: list[dict]  # one per claims table, in the book's order
    parts: dict[str, list[dict]]  # the records of each book part, in order

    @property
    def totals(self) -> dict[str, int]:
        """The paper's claims only: the answers to our own questions (:data:`QUESTIONS` parts) are counted apart."""
        return tally(r for p, rs in self.parts.items() if p not in QUESTIONS for r in rs)

    @property
    def paper_parts(self) -> list[str]:
        """The parts whose rows are claims of the paper, in the book's order."""
        return [p for p in self.parts if p not in QUESTIONS]


def words(record: dict, row: dict, setup: bool = False) -> str:
    """The verdict of ``row`` (a claim or a set-up check of ``record``) in the report's words, by rule: a check
    holds or does not (yes / no where it is put as a question), a question of ours is answered yes / no."""
    if setup:
        return (ANSWER_WORDS if row["check"].rstrip().endswith("?") else CHECK_WORDS)[row["verdict"]]
    return (ANSWER_WORDS if _is_questions(record) else CLAIM_WORDS)[row["verdict"]]


def _is_questions(record: dict) -> bool:
    return registry.NOTEBOOKS[record["notebook"]].part in QUESTIONS


def section_anchor(notebook: str, figure: str) -> str:
    """The id of the section of ``notebook``'s page that holds its claims table of ``figure``: the heading of the
    last Markdown cell before the code cell that records it (``claims_table(…, "<figure>", …)``), as docutils
    makes section ids. Read from the executed notebook beside the claims folder; "" where there is none."""
    from docutils.nodes import make_id

    path = claims_dir().parent / f"{notebook}.ipynb"
    if not path.is_file():
        return ""
    heading = ""
    for c in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        src = "".join(c.get("source", ""))
        if c.get("cell_type") == "markdown":
            found = _HEADING.findall(src)
            heading = found[-1] if found else heading
        elif "claims_table(" in src and (f'"{figure}"' in src or f"'{figure}'" in src):
            return make_id(heading)
    return ""


def link(record: dict, text: str | None = None) -> str:
    """A link to the claims table of ``record`` on its chapter's page (its section), else to the page."""
    text = text or record["figure"]
    anchor = section_anchor(record["notebook"], record["figure"])
    if anchor:
        return f'<a href="{record["notebook"]}.html#{anchor}">{cell(text)}</a>'
    return _doc(record, text)


def _doc(record: dict, text: str | None = None) -> str:
    return f"{{doc}}`{text or record['figure']} <{record['notebook']}>`"


def _dropdown(title: str, body: list[str]) -> list[str]:
    return ["", f":::{{dropdown}} {title}", "", *body, ":::"]


def _numbers(rows: list[tuple[dict, dict]], head: str) -> list[str]:
    """The full table of ``rows`` (figure, claim, this build's numbers with the threshold, verdict)."""
    return [f"| figure | {head} | this build | verdict |", "|---|---|---|---|"] + [
        f"| {link(r)} | {cell(c['claim'])} | {evidence(c)} | {words(r, c)} |" for r, c in rows]


def part_claims(report: Report, part: str) -> str:
    """One compact table of the paper's claims of ``part`` (figure linked to its chapter's claims table, claim,
    verdict), then the same rows with this build's numbers and thresholds in a dropdown."""
    rows = [(r, c) for r in report.parts.get(part, []) for c in r["claims"]]
    if not rows:
        return "No claim of this part was recorded by this build."
    out = ["| figure | claim (paper) | verdict |", "|---|---|---|"]
    out += [f"| {link(r) if i == 0 else ''} | {cell(c['claim'])} | {words(r, c)} |"  # each figure named once
            for r in report.parts[part] for i, c in enumerate(r["claims"])]
    return "\n".join(out + _dropdown("The numbers behind these verdicts, with each threshold",
                                     _numbers(rows, "claim (paper)")))


def why_these_fail(report: Report) -> str:
    """A sentence per claim of the paper this build does not reproduce: the chapter's reason in words (the number
    that misses, against the threshold), else the threshold and the evidence; linked to the chapter's table."""
    failing = [(r, c) for p in report.paper_parts for r in report.parts[p] for c in r["claims"]
               if c["verdict"] is False]
    if not failing:
        return "Every claim this build tested is reproduced."
    out = [f"The {len(failing)} claims of the paper that this build does not reproduce, each with the reason its "
           "chapter gives (the figure links to the chapter's table, where the numbers are discussed):", ""]
    for r, c in failing:
        why = (cell(c["reason"]) if c.get("reason") else
               f"Needed: {cell(c.get('threshold') or 'the chapter’s rule')}. This build: {cell(c['evidence'])}.")
        out.append(f"- **{link(r)}: {cell(c['claim'])}.** {why}")
    return "\n".join(out)


def questions(report: Report) -> str:
    """Our own questions (rule 4), counted apart: per chapter, the answers; every question with this build's
    numbers in a dropdown."""
    records = [r for p in report.parts if p in QUESTIONS for r in report.parts[p]]
    if not records:
        return "No question of our own was recorded by this build."
    out = ["Questions the paper leaves open, each with a criterion set before the first run on the shipped models "
           "(rule 4); their answers are not claims of the paper and are counted apart from the score.", "",
           "| chapter | questions | ✅ yes | ❌ no | ➖ not answered here |", "|---|---|---|---|---|"]
    for r in records:
        n = tally([r])
        out.append(f"| {link(r)} | {n['total']} | {n['reproduced']} | {n['not reproduced']} | {n['not tested']} |")
    rows = [(r, c) for r in records for c in r["claims"]]
    return "\n".join(out + _dropdown(f"All {len(rows)} questions, with this build's numbers and each criterion",
                                     _numbers(rows, QUESTION_HEAD)))


def setup_checks(report: Report) -> str:
    """The checks of our own set-up (rule 3), never counted: page, check, verdict; the numbers in a dropdown."""
    rows = [(r, c) for r in report.records for c in r.get("setup", [])]
    if not rows:
        return "No set-up check was recorded by this build."
    head = "check (our set-up, not a claim of the paper)"
    out = ["Checks of our own data preparation, not claims of the paper and not counted (rule 3); a failure here "
           "would put in doubt every verdict of the chapters that use the data.", "",
           f"| page | {head} | verdict |", "|---|---|---|"]
    out += [f"| {link(r) if i == 0 else ''} | {cell(c['check'])} | {words(r, c, setup=True)} |"  # each page once
            for r in report.records for i, c in enumerate(r.get("setup", []))]
    numbers = [f"| page | {head} | this build | verdict |", "|---|---|---|---|"] + [
        f"| {link(r)} | {cell(c['check'])} | {evidence(c)} | {words(r, c, setup=True)} |" for r, c in rows]
    return "\n".join(out + _dropdown("The numbers behind these checks", numbers))


def models(report: Report) -> str:
    """Every model behind the verdicts once, grouped by its tier (the profile it was trained for, which may differ
    from the profile a chapter ran at) and training recipe: its label, its best epoch, and the pages that read it
    (linked)."""
    from nca_core.book.status import model_tiers

    known = model_tiers()
    seen: dict[str, tuple[dict, list[dict]]] = {}
    for r in report.records:
        for m in r["models"]:
            seen.setdefault(m["key"], (m, []))[1].append(r)
    groups: dict[tuple[str, str], list[str]] = {}
    for key, (m, readers) in seen.items():
        tier, job = known.get(key, (readers[0]["profile"], None))
        how = recipe(job.train) if job is not None else "a recipe no profile declares"
        stopped = "" if job is None or m["epochs"] == job.train.epochs else f" (stopped after {m['epochs']})"
        pages = ", ".join(dict.fromkeys(_doc(r) for r in readers))
        groups.setdefault((tier, how), []).append(f"| {cell(m['label'])} | {m['best_epoch']}{stopped} | {pages} |")
    data_only = [_doc(r) for r in report.records if not r["models"]]
    out = [f"The {len(seen)} models this build's verdicts rest on, each once, by tier (the profile a model was "
           "trained for) and training. Their cache keys, which name their folders in `weights/`, are in "
           '<a href="../../claims.json">claims.json</a>.'
           + (f" {', '.join(data_only)} check the training data only." if data_only else "")]
    for (tier, how), rows in groups.items():
        out += ["", f"**{tier} tier**, {how}:", "", "| model | best epoch | read by |", "|---|---|---|"]
        out += rows
    return "\n".join(out)


def ran_at(notebook: str, profiles: set[str], keys: set[str]) -> str:
    """The profiles a chapter ran at; a run at ``grid`` on part of its grid (``--profile best`` while the tier
    is trained, :mod:`nca_core.book.best`) says how many of the grid's models it used."""
    out = []
    for profile in sorted(profiles):
        if profile == "grid" and registry.notebook(notebook).axes:
            grid = {j.key for j in registry.jobs(notebook, "grid")}
            if grid and not grid <= keys:
                profile += f" (part: {len(grid & keys)} of its {len(grid)} models)"
        out.append(profile)
    return ", ".join(out)


def tiers(report: Report, target: str = "long") -> str:
    """Which profile each chapter of this build ran at and the tier of the models it shows (not always the same:
    at ``grid`` the chapters of "Beyond the paper" read the long tier's models), and how much of the ``target``
    tier is trained: per notebook that uses models, the ones ready (shipped or cached) and the missing ones."""
    from nca_core.book import status

    known = status.model_tiers()
    ran: dict[str, set[str]] = {}
    shown: dict[str, set[str]] = {}
    used: dict[str, set[str]] = {}
    for r in report.records:
        ran.setdefault(r["notebook"], set()).add(r["profile"])
        used.setdefault(r["notebook"], set()).update(m["key"] for m in r["models"])
        shown.setdefault(r["notebook"], set()).update(known.get(m["key"], (r["profile"],))[0] for m in r["models"])
    lines = [f"| chapter | ran at | tier of its models | `{target}` models ready | still to train |",
             "|---|---|---|---|---|"]
    total: dict[str, bool] = {}
    for name, nb in registry.NOTEBOOKS.items():
        if nb.jobs is None:
            continue
        rows = {r.key: r for r in status.model_status([name], target)}.values()
        todo = [r.label for r in rows if not r.ready]
        order = [t for t in status.TRAINING_ORDER if t in shown.get(name, ())]
        lines.append(f"| {{doc}}`{name}` | {ran_at(name, ran.get(name, set()), used.get(name, set())) or 'not run'} | "
                     f"{', '.join(order) or '–'} | {len(rows) - len(todo)} of {len(rows)} | "
                     f"{cell(', '.join(todo)) or '–'} |")
        for r in rows:
            total[r.key] = r.ready
    ready = sum(total.values())
    return "\n".join([f"Of the {len(total)} distinct models of the `{target}` tier, {ready} are trained "
                      f"and {len(total) - ready} are not yet. `make book` runs each chapter at the "
                      "longest-trained profile whose models are all there, or on the part of the `grid` tier that "
                      "is trained (its provenance line names the part); a chapter that analyses another's models "
                      "may read them from another tier than the profile it ran at, and the table says which. "
                      f"`nca-book status --profile {target}` lists the models and `nca-book models NOTEBOOK "
                      f"--profile {target}` trains them (resumably).", ""] + lines)
