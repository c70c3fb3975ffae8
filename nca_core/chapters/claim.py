"""A claim of the paper as a chapter checks it, and the rules every verdict follows.

The chapters' ``claims`` modules return :class:`Claim` rows; the book (:mod:`nca_core.book.report`)
renders and records them. The rules below are the only ones: a chapter decides *what* a claim is about
and its threshold (a named constant of its ``claims`` module, fixed before any run and never moved to
fit one); whether the run can test it at all is decided here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

#: a claim that something happens "sometimes" (across seeds) is reproduced by one occurrence, but its
#: absence refutes it only over at least this many seeds at the values it names (the paper's Fig 4 runs 4)
SEEDS_FOR_ABSENCE = 4
#: a difference the paper itself calls small ("modest", "comparable") needs at least this many seeds per
#: value, or it cannot be told from seed-to-seed scatter
SEEDS_FOR_SMALL_DIFFERENCE = 2

#: the rules, as the report page states them (Markdown)
RULES = f"""\
Every verdict follows these rules, written once (`nca_core/chapters/claim.py`) and applied by every chapter:

1. **✅ reproduced / ❌ not reproduced** compares this run's numbers with a threshold that each row states.
   The thresholds are constants of the chapters' `claims` modules, set before any run and never moved to fit one.
2. **➖ not tested** when the run lacks what the claim is about:
   - a value inside the range the claim names (the ξ range of a noise claim, the *t* it names); the trivial value
     does not count (ξ = 0 is no noise, so it does not test "small noise");
   - the seeds a claim about chance needs: "sometimes" is shown by one occurrence, but its absence refutes it
     only over {SEEDS_FOR_ABSENCE} seeds (the paper's count); a difference the paper calls small ("modest",
     "comparable") needs {SEEDS_FOR_SMALL_DIFFERENCE} seeds per value, or it cannot be told from seed-to-seed scatter;
   - the models or parameters the comparison needs (a parameter override dropped them).
3. **Set-up checks** (our own data preparation, e.g. the morph task's 80×80 lattice) read **✅ holds / ❌ does not
   hold** (yes / no where a check is put as a question); they are listed in their own table on their page and are
   not counted among the paper's claims.
4. **Questions of our own** (the part *Beyond the paper*) follow the same rules with other words:
   **✅ yes / ❌ no** against a criterion stated in the row and set before the first run on the shipped models,
   **➖ not answered here** when the run lacks what the question needs. They are counted apart from the paper's claims.
5. **The score** of the report counts the rows of 1 and 2 only: every claim of the paper a chapter checks, the
   ➖ ones in the total; the rows of 3 and 4 are counted apart.
"""


@dataclass
class Claim:
    """A claim of the paper, the evidence computed in this run, the verdict and the threshold it follows.

    ``verdict`` is True (reproduced), False (not reproduced) or None (not tested: the run lacks what the
    claim is about, and ``evidence`` says what). ``threshold`` states the rule that turns the evidence into
    the verdict (for a claim not tested, what would test it). ``setup`` marks a check of our own set-up,
    not a claim of the paper: it is shown apart and not counted. ``reason`` says in a sentence of words why
    a claim is not reproduced (the number that misses, against the threshold), for the report's "Why these
    fail"; empty where the chapter gives none (the report then shows the threshold and the evidence).
    """

    text: str
    evidence: str
    verdict: bool | None
    threshold: str = ""
    setup: bool = False
    reason: str = ""

    @property
    def label(self) -> str:
        if self.setup:  # a check of our own set-up holds or does not: nothing of the paper is reproduced
            return {True: "✅ holds", False: "❌ does not hold", None: "➖ not checked here"}[self.verdict]
        return {True: "✅ reproduced", False: "❌ not reproduced", None: "➖ not tested here"}[self.verdict]


def not_tested(text: str, lacking: str, threshold: str = "", setup: bool = False) -> Claim:
    """A claim this run cannot test: ``lacking`` says what the run lacks (rule 2)."""
    return Claim(text, lacking, None, threshold, setup)


def within(values: Iterable[float], low: float, high: float, trivial: Iterable[float] = ()) -> list[float]:
    """The values of a run inside the range a claim names, ``low ≤ v ≤ high``, without the ``trivial`` ones
    (ξ = 0 does not test a claim about small noise): empty means the claim is not tested (rule 2)."""
    skip = set(trivial)
    return [v for v in values if low <= v <= high and v not in skip]


def sometimes(occurred: bool, seeds: int) -> bool | None:
    """The verdict of "X sometimes happens" (rule 2): reproduced if it happened, not reproduced if it did not
    over :data:`SEEDS_FOR_ABSENCE` seeds or more, not tested with fewer."""
    if occurred:
        return True
    return False if seeds >= SEEDS_FOR_ABSENCE else None


def seeds_for_small_difference(seeds: int) -> bool:
    """Can a difference the paper calls small be judged with ``seeds`` seeds per value (rule 2)?"""
    return seeds >= SEEDS_FOR_SMALL_DIFFERENCE


def shown(x: float, spec: str, meaning: str) -> str:
    """``x`` formatted by ``spec`` for a claim's evidence or, if it is NaN or infinite, ``meaning``: what a value
    that is not finite means in that row ("blew up", "flat: no pattern", …), which a bare ``nan`` does not say."""
    return format(x, spec) if math.isfinite(x) else meaning


def because(parts: Iterable[str]) -> str:
    """A :attr:`Claim.reason` from the parts of a claim that miss their threshold (each in words, with its number
    and the threshold), as one sentence; empty if none missed."""
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + "." if text else ""
