"""Other regions of parameter space: questions with pre-set criteria, answered from a run's numbers.

The paper (Section 3.1) says, without showing it, that the NCA performs similarly in most other pattern-forming
regions of (α, γ), and that fast oscillations or unstable behaviour are harder to learn. The criteria are the
target of :mod:`nca_core.chapters.regimes.measure` (:func:`~nca_core.chapters.regimes.measure.meets_target`)
and the constants below, all fixed before any model of the chapter was trained.
"""

from __future__ import annotations

import numpy as np

from nca_core.chapters.question import Question
from nca_core.chapters.regimes.measure import EXPECTED, Outcome, Regimes, criteria, meets_target, target_text

#: "harder": an oscillating regime's one-transition error (against "no change", from the true training frames)
#: is at least this multiple of the paper's regime's, if it meets its target at all
HARDER = 1.5
#: "alike" needs at least this many patterning regimes besides the paper's
MIN_PATTERNING = 2


def oscillating(R: Regimes) -> list[str]:
    """The run's regimes whose PDE oscillates from the unseen IC (the reference excluded)."""
    return [p for p in R.presets[1:] if R.outcomes[p].oscillates]


def patterning(R: Regimes) -> list[str]:
    """The run's other regimes whose PDE forms a pattern without oscillating."""
    return [p for p in R.presets[1:] if not R.outcomes[p].oscillates]


def _evidence(o: Outcome) -> str:
    parts = "; ".join(f"{text} {'✓' if ok else '✗'}" for text, ok in criteria(o))
    loss = "blew up" if o.diverged else f"test loss {o.relative_loss:.2f}× a frozen IC's"
    return f"{parts}; {loss}; one-transition error {o.transition:.2f}× \"no change\""


def regime_checks(R: Regimes) -> list[Question]:
    """Set-up checks: does the PDE of each preset show its regime here, from the training and the unseen ICs?"""
    out = []
    for p in R.presets:
        want = EXPECTED.get(p)
        sig = R.signatures[p]
        ev = "; ".join(f"{where}: {s.text()}" for where, s in sig.items())
        out.append(Question(f"Does the PDE of preset {p!r} show {want or 'a known regime'} here?", ev,
                            None if want is None else all(s.kind == want for s in sig.values()),
                            "yes if the regime classified from the training and from the unseen ICs is the expected "
                            "one",
                            setup=True))
    return out


def learnt(R: Regimes) -> list[Question]:
    """Per regime: does its NCA meet the target from the unseen test IC?"""
    return [Question(f"{p}: does the NCA meet its regime's target from the unseen IC (n = {R.outcomes[p].steps})?",
                     _evidence(R.outcomes[p]), meets_target(R.outcomes[p]), target_text()) for p in R.presets]


def alike(R: Regimes) -> Question:
    """Are the patterning regimes (the paper's and the other non-oscillating ones) learnt alike?"""
    text = ("Are the patterning regimes learnt alike: does every non-oscillating regime's NCA meet the same target as "
            "the paper's maze?")
    rule = f"yes if the paper's regime and every other non-oscillating one (≥ {MIN_PATTERNING}) meet the target"
    others = patterning(R)
    if len(others) < MIN_PATTERNING:
        return Question(text, f"needs {MIN_PATTERNING} patterning regimes besides the paper's (this run: "
                              f"{', '.join(others) or 'none'})", None, rule)
    shown = [R.reference, *others]
    ev = ", ".join(f"{p}: {'meets' if meets_target(R.outcomes[p]) else 'misses'}" for p in shown)
    return Question(text, ev, all(meets_target(R.outcomes[p]) for p in shown), rule)


def harder(R: Regimes) -> Question:
    """Are the oscillating regimes harder to learn than the paper's maze?"""
    text = "Are the oscillating or unstable regimes harder to learn than the paper's maze?"
    rule = (f"yes if every oscillating regime misses its target, or meets it with a one-transition error ≥ {HARDER:g}× "
            "the paper's regime's (which must meet its own)")
    osc = oscillating(R)
    ref = R.outcomes[R.reference]
    if not osc:
        return Question(text, "no oscillating regime in this run", None, rule)
    if not meets_target(ref) or not np.isfinite(ref.transition):
        return Question(text, f"the paper's regime itself misses the target ({_evidence(ref)}): no yardstick", None,
                        rule)
    verdicts, ev = [], []
    for p in osc:
        o = R.outcomes[p]
        ratio = o.transition / ref.transition if np.isfinite(o.transition) else float("inf")
        hard = not meets_target(o) or ratio >= HARDER
        verdicts.append(hard)
        ev.append(f"{p}: {'meets' if meets_target(o) else 'misses'} its target, one-transition error {ratio:.2f}× "
                  "the paper's regime's")
    ev.append(f"paper's regime: one-transition error {ref.transition:.2f}× \"no change\"")
    return Question(text, "; ".join(ev), all(verdicts), rule)


def questions(R: Regimes) -> list[Question]:
    """Every row of the page's table: the set-up checks, then the questions."""
    return [*regime_checks(R), *learnt(R), alike(R), harder(R)]
