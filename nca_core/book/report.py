"""Provenance lines and claim tables for the book's figures, and the records the reproduction report reads."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

from nca_core import __version__, fileio
from nca_core.chapters.claim import Claim
from nca_core.chapters.question import Question
from nca_core.runs.job import data_hash
from nca_core.view.plotting import figure_dir

#: the characters Markdown (MyST, with dollar maths) could read as syntax inside a table cell; each is
#: backslash-escaped, which CommonMark allows for any ASCII punctuation, so a cell shows its text as written
_MARKUP = re.compile(r"([\\|$*_`<>\[\]{}~#])")


#: a number Python or NumPy printed without a finite value (``f"{x:.3g}"`` of NaN or ±inf), as a word of its own
_NONFINITE = re.compile(r"(?<![\w.])(-?inf|nan)(?![\w-])")
#: what a table cell shows instead of each (:func:`cell`)
NONFINITE_WORDS = {"nan": "no value (NaN)", "inf": "∞ (no finite value)", "-inf": "−∞ (no finite value)"}


def words_for_nonfinite(text: str) -> str:
    """``text`` with every raw ``nan`` / ``inf`` / ``-inf`` that a format of a non-finite number printed
    replaced by what it is (:data:`NONFINITE_WORDS`): a table never shows a bare ``nan``. The chapter that
    knows why a value is not finite (a run blew up) should say so itself; this is the net under it."""
    return _NONFINITE.sub(lambda m: NONFINITE_WORDS[m.group(1)], text)


def cell(text: Any) -> str:
    """``text`` as one Markdown table cell that no character can break: ``|`` (a column separator),
    ``$`` (maths), ``*``/``_`` (emphasis), backticks (code and roles), ``<`` (raw HTML) … are escaped
    and line breaks become spaces. ``max |x̃|`` stays in its cell and reads as written; a raw ``nan`` or
    ``inf`` reads as words (:func:`words_for_nonfinite`)."""
    return _MARKUP.sub(r"\\\1", words_for_nonfinite(" ".join(str(text).split())))


def evidence(c: Claim | dict) -> str:
    """The evidence cell of a claims row: this run's numbers, then the threshold the verdict follows, escaped."""
    ev, th = (c.evidence, c.threshold) if isinstance(c, Claim) else (c["evidence"], c.get("threshold", ""))
    return cell(ev) + (f" — **threshold:** {cell(th)}" if th else "")


def claims_markdown(claims: Sequence[Claim]) -> str:
    """Markdown tables: the paper's claims (claim, what this run measured, the threshold and, for a row that fails,
    why in words; verdict), then the
    set-up checks of our own, if any, in a table of their own; every cell escaped (:func:`cell`)."""
    asked = [c for c in claims if isinstance(c, Question) and not c.setup]  # Beyond the paper: our questions
    paper = [c for c in claims if not c.setup and not isinstance(c, Question)]
    setup = [c for c in claims if c.setup]
    out = []
    for rows, head in ((paper, "claim (paper)"), (asked, "question (ours)"),
                       (setup, "check (our set-up, not a claim of the paper)")):
        if rows:
            out += ([""] if out else []) + [f"| {head} | this run | verdict |", "|---|---|---|"]
            out += [f"| {cell(c.text)} | {evidence(c)}{_why_not(c)} | {c.label} |" for c in rows]
    return "\n".join(out)


def _why_not(c: Claim) -> str:
    """A failing row's reason in words (:attr:`Claim.reason`), after its evidence on the chapter's page (the report
    gives it in its "Why these fail" instead)."""
    return f" — **why not:** {cell(c.reason)}" if c.verdict is False and c.reason else ""


def check_thresholds(claims: Sequence[Claim]) -> None:
    """Every row states its threshold: a claim with a verdict and no threshold is a chapter's bug."""
    bare = [c.text for c in claims if c.verdict is not None and not c.threshold.strip()]
    if bare:
        raise ValueError(f"claims with a verdict but no threshold: {bare}; give each Claim its threshold")


VERDICT_MARKS = ("✅", "❌", "➖")


def claims_tables(html: str) -> list[list[list[str]]]:
    """The claims tables of a page of HTML (a chapter page's or the report's: a header with a column
    starting "claim" and a "verdict" column), each as its rows (header first) of cell texts."""
    from html.parser import HTMLParser

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables: list[list[list[str]]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append([])
            elif tag == "tr" and self.tables:
                self.tables[-1].append([])
            elif tag in ("td", "th") and self.tables and self.tables[-1]:
                self.cell = []

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.tables[-1][-1].append(" ".join("".join(self.cell).split()))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Tables()
    parser.feed(html)
    return [t for t in parser.tables
            if t and any(h.startswith(("claim", "check", "question")) for h in t[0]) and "verdict" in t[0]]


def claims_table_problems(html: str) -> list[str]:
    """What is wrong with the claims tables of a page of HTML: a row with more or fewer cells than its
    header, an empty claim or evidence cell, a verdict cell that is not ✅/❌/➖, a raw ``nan`` or ``inf`` in a
    cell (:func:`words_for_nonfinite`). Empty when all is well."""
    problems = []
    for table in claims_tables(html):
        head = table[0]
        v = head.index("verdict")
        for row in table[1:]:
            if len(row) != len(head):
                problems.append(f"{len(row)} cells where the header has {len(head)}: {row}")
            elif not row[v].startswith(VERDICT_MARKS):
                problems.append(f"verdict cell {row[v]!r} is not a verdict: {row}")
            elif not all(row[i] for i, h in enumerate(head) if h.startswith(("claim", "check", "question", "this"))):
                problems.append(f"an empty claim or evidence cell: {row}")
            elif any(_NONFINITE.search(c) for c in row):
                problems.append(f"a raw non-finite number: {row}")
    return problems


def recipe(tc: Any, epochs_run: int | None = None) -> str:
    """A training recipe in words, e.g. ``300 epochs at lr 0.005`` or ``2000 epochs at lr 0.001 → 1e-05 (cosine)``
    (``tc``: a :class:`~nca_core.core.config.TrainConfig`); ``epochs_run`` where a run stopped before the plan."""
    lr = f"lr {tc.lr:g}" if tc.lr_schedule == "constant" else f"lr {tc.lr:g} → {tc.lr_min:g} ({tc.lr_schedule})"
    run = f"{tc.epochs} epochs" if epochs_run in (None, tc.epochs) else f"{epochs_run} of {tc.epochs} epochs"
    return f"{run} at {lr}"


def training(models: Iterable[Any]) -> str:
    """How the models were trained (:func:`recipe`), the epochs actually run where they differ from the plan,
    and the selected (best) epochs."""
    ms = list(models)
    out = [recipe(m.result.train_config, len(m.result.loss)) for m in ms]
    return "; ".join(dict.fromkeys(out)) + (f"; best epochs {', '.join(str(m.result.best_epoch + 1) for m in ms)}"
                                            if out else "")


def provenance(profile: str, changed: dict[str, Any], weights: Iterable[Any] = (),
               data: dict[str, Any] | None = None, tiers: Iterable[str] = ()) -> str:
    """One line saying how a figure was made.

    Args:
        profile: the profile the notebook ran with.
        changed: parameters that differ from the profile's defaults.
        weights: :class:`~nca_core.runs.cache.Trained` models used (their source and hash).
        data: the data specification (:mod:`nca_core.runs.cache`); its fingerprint is shown.
        tiers: the profiles the models were taken from, where a notebook takes them from another
            tier than its own (the explorer: the longest-trained tier that has each model).
    """
    tiers = list(dict.fromkeys(tiers))
    parts = [f"profile **{profile}**"]
    if tiers and tiers != [profile]:
        names = " and ".join(f"**{t}**" for t in tiers)
        parts[0] += f" (models from the {names} tier{'s' if len(tiers) > 1 else ''})"
    parts.append("parameters as the profile" if not changed else
                 "changed: " + ", ".join(f"`{k}={v}`" for k, v in changed.items()))
    parts.append(f"nca_core {__version__}")
    ws = list(weights)
    if ws:
        sources = sorted({w.source for w in ws})
        hashes = ", ".join(w.weights_hash for w in ws[:6]) + (" …" if len(ws) > 6 else "")
        parts.append(f"{len(ws)} model(s) ({'/'.join(sources)}; weights {hashes}; {training(ws)})")
    if data:
        parts.append(f"training data {data_hash(data)} (a hash of the generated arrays, the one each model trained "
                     "on them records: the same hash, the same data)")
    return "*Provenance:* " + " · ".join(parts)


# ------------------------------------------------------------ the reproduction report
def claims_dir() -> Path:
    """Where each notebook records its claims: ``$NCA_CLAIMS_DIR``, else ``claims/`` beside the figure folder."""
    env = os.environ.get("NCA_CLAIMS_DIR")
    return Path(env) if env else figure_dir().resolve().parent / "claims"


def claims_table(claims: Sequence[Claim], notebook: str, figure: str, profile: str,
                 models: Iterable[Any] = ()) -> str:
    """:func:`claims_markdown` of ``claims``, recorded for the reproduction report as
    ``<claims_dir>/<notebook>__<figure>.json`` (atomically): the figure, the profile, the models
    (label, cache key, epochs), each claim of the paper with its evidence, verdict and threshold, and the
    set-up checks apart (``setup``: shown, never counted). A claim with a verdict and no threshold is refused
    (:func:`check_thresholds`)."""
    check_thresholds(claims)
    ms = list(models)
    record = {
        "notebook": notebook, "figure": figure, "profile": profile, "nca_core": __version__,
        "models": [{"label": m.job.label, "key": m.job.key, "source": m.source,
                    "epochs": int(len(m.result.loss)), "best_epoch": int(m.result.best_epoch) + 1} for m in ms],
        "training": training(ms) if ms else "",
        "claims": [{"claim": c.text, **_row(c)} for c in claims if not c.setup],
        "setup": [{"check": c.text, **_row(c)} for c in claims if c.setup],
    }
    slug = re.sub(r"[^A-Za-z0-9]+", "_", figure).strip("_")
    fileio.write_json(claims_dir() / f"{notebook}__{slug}.json", record)
    return claims_markdown(claims)


def _row(c: Claim) -> dict[str, Any]:
    """What a record keeps of a row besides its text: the evidence, the verdict and the words the page shows
    for it, the threshold, and the reason of a failure (:attr:`~nca_core.chapters.claim.Claim.reason`)."""
    return {"evidence": c.evidence, "verdict": c.verdict, "label": c.label, "threshold": c.threshold,
            "reason": c.reason}


def load_claims(folder: str | os.PathLike | None = None, order: Sequence[str] = ()) -> list[dict]:
    """Every recorded claims file of ``folder`` (default :func:`claims_dir`), notebooks in ``order``."""
    folder = Path(folder) if folder is not None else claims_dir()
    records = [fileio.read_json(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    rank = {n: i for i, n in enumerate(order)}
    return sorted(records, key=lambda r: (rank.get(r["notebook"], len(rank)), r["figure"]))


def tally(records: Iterable[dict]) -> dict[str, int]:
    """Counts of reproduced / not reproduced / not tested claims of the paper (set-up checks are not claims)."""
    verdicts = [c["verdict"] for r in records for c in r["claims"]]
    return {"reproduced": verdicts.count(True), "not reproduced": verdicts.count(False),
            "not tested": verdicts.count(None), "total": len(verdicts)}
