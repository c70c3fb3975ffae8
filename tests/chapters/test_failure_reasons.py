"""A claim of the paper that a run does not reproduce says why in words (``Claim.reason``, shown by the report's
"Why these fail"): the number that misses, against its threshold. A claim that holds gives no reason."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.chapters.adversarial import claims as adversarial
from nca_core.chapters.claim import because
from nca_core.chapters.gray_scott.claims import fig6
from nca_core.chapters.local import claims as local
from nca_core.chapters.local.measure import LocalResults
from nca_core.chapters.morph.claims import fig8_claims
from tests.chapters.test_adversarial import _result
from tests.chapters.test_gray_scott_claims import noise
from tests.chapters.test_local import _map


def test_because_makes_one_sentence_of_the_parts_that_missed():
    assert because(["a is 3, above 2", "", "b is 1"]) == "A is 3, above 2; b is 1."
    assert because(["", ""]) == "" and because([]) == ""


@pytest.mark.parametrize("second,words", [
    (None, "The ξ = 0.6 model (seed 1) blew up at n = 99 instead of smoothing to a flat state."),
    ("contrast 0.052", "The ξ = 0.6 model (seed 1) keeps a pattern: B contrast 0.052, not below 0.05."),
    ("contrast 0.048", ""),
])
def test_fig6_strong_noise_says_which_model_is_not_flat(second, words):
    c = fig6(noise({0.6: ("contrast 0.048", second)}))[2]
    assert c.reason == words and (c.verdict is False) == bool(words)


def test_fig8_says_the_training_without_noise_did_not_diverge():
    run = SimpleNamespace(training_diverged=False, steps=[0, 96, 256], extrapolation_error=88.1)
    c = fig8_claims({}, {}, run, SimpleNamespace(extrapolation_error=35.9))[-1]
    assert c.verdict is False
    assert c.reason == ("The training without input noise ran to its end without diverging; its rooster at n = 256 "
                        "is 88.1 from the data against 35.9 with noise: worse, but worse is not diverged.")
    run.training_diverged = True
    assert fig8_claims({}, {}, run)[-1].reason == ""


def test_fig10_says_how_far_the_mask_noise_is_above_the_footprint():
    P = SimpleNamespace(common_masks=True, threshold=0.1)
    a = _map("A", 32, [10, 20, 30, 40], [3, 5, 8, 40], [1, 2])
    b = _map("B", 64, [50, 60, 70, 80], [10, 12, 20, 30], [30, 40])  # 35 against a mean footprint of 65
    c = local.fig10(LocalResults({"C32_t32": a, "C16_t64": b}, {}, np.zeros((80, 80, 4)), P))[2]
    assert c.verdict is False
    assert c.reason == ("Two unperturbed runs with independent masks already differ (changes > 0.1) in 35 pixels for "
                        "B (0.5× its mean footprint), where at most 0.1× the footprint would count as absorbed.")
    a.noise_counts = np.array([10, 20])
    both = local.fig10(LocalResults({"C32_t32": a, "C16_t64": b}, {}, np.zeros((80, 80, 4)), P))[2].reason
    assert "in 15 pixels for A (0.6× its mean footprint) and in 35 pixels for B (0.5× its mean footprint)," in both
    a.noise_counts, b.noise_counts = np.array([1, 2]), np.array([1, 2])
    assert local.fig10(LocalResults({"C32_t32": a, "C16_t64": b}, {}, np.zeros((80, 80, 4)), P))[2].reason == ""


def test_fig11_says_which_part_of_the_large_perturbation_claim_misses():
    kept_not = _result(delta_lo=[0, 3.0, 3.0], delta_hi=[0, 1.5, 4.0], noise=[0, 1.0, 2.0], e_lo=2.0, e_hi=2.0)
    c = adversarial.fig11(kept_not)[1]
    assert c.verdict is False
    assert c.reason == ("The state at n = 96 is not kept: ‖Δ‖ = 1.5, above the 1.0 by which two unperturbed runs "
                        "differ.")
    no_damage = _result(delta_lo=[0, 3.0, 3.0], delta_hi=[0, 0.5, 1.5], noise=[0, 1.0, 2.0], e_lo=0.4, e_hi=2.0)
    c = adversarial.fig11(no_damage)[1]
    assert c.verdict is False and c.reason.startswith("No later damage shows beyond the update masks' own randomness: "
                                                      "at n = 256 ‖Δ‖ = 1.5, where two unperturbed runs differ by 2.0")
    fine = _result(delta_lo=[0, 3.0, 3.0], delta_hi=[0, 0.5, 4.0], noise=[0, 1.0, 2.0], e_lo=0.4, e_hi=2.0)
    assert adversarial.fig11(fine)[1].verdict is True and adversarial.fig11(fine)[1].reason == ""


@pytest.mark.parametrize("grow,fade,words", [
    (7.17, 0.0, "its distance to the data rooster grows ×7.2 (at most ×1.25 is stable)."),
    (1.0, 0.14, "its IoU with the rooster falls by 0.14 (at most 0.05 is stable)."),
    (1.0, 0.0, ""),
])
def test_the_extrapolated_rooster_says_how_it_decays(grow, fade, words):
    r = _result(delta_lo=[0, 3.0, 3.0], delta_hi=[0, 0.5, 4.0], noise=[0, 1.0, 2.0], e_lo=0.4, e_hi=2.0)
    ref = r.row("unperturbed")
    ref["to_rooster"], ref["iou"] = np.array([1.0, 1.0, grow]), np.array([1.0, 1.0, 1.0 - fade])
    rows = r.row
    r.row = lambda which: ref if which == "unperturbed" else rows(which)
    c = adversarial.stability(r)
    assert (c.verdict is False) == bool(words)
    assert c.reason == (f"The unperturbed rooster decays from n = 96 to n = 256: {words}" if words else "")
