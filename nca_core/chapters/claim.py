"""A claim of the paper as a chapter checks it: the claim, the evidence a run computed, and the verdict.

The chapters' ``claims`` modules return :class:`Claim` rows; the book (:mod:`nca_core.book.report`)
renders and records them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Claim:
    """A claim of the paper, the evidence computed in this run, and the verdict.

    ``verdict`` is True (reproduced), False (not reproduced) or None (not testable with
    these parameters).
    """

    text: str
    evidence: str
    verdict: bool | None

    @property
    def label(self) -> str:
        return {True: "✅ reproduced", False: "❌ not reproduced", None: "➖ not tested here"}[self.verdict]
