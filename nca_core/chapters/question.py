"""A question of our own, beyond the paper, answered with the machinery of the paper's claims.

The chapters of the part "Beyond the paper" ask questions the paper leaves open. Each is a
:class:`~nca_core.chapters.claim.Claim` row whose criterion is a named constant of its chapter's
``claims`` module, fixed before any run, and whose verdict reads *yes* / *no* / *not answered here*
instead of reproduced / not reproduced. The report counts them apart from the paper's claims.
"""

from __future__ import annotations

from dataclasses import dataclass

from nca_core.chapters.claim import Claim


@dataclass
class Question(Claim):
    """A question with a pre-set criterion: ``verdict`` True (yes), False (no) or None (not answered:
    the run lacks what the question needs, and ``evidence`` says what); ``threshold`` states the criterion."""

    threshold: str = ""

    @property
    def label(self) -> str:
        return {True: "✅ yes", False: "❌ no", None: "➖ not answered here"}[self.verdict]
