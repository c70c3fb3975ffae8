"""The verdict rules every chapter follows (nca_core.chapters.claim)."""

from __future__ import annotations

from nca_core.chapters import claim


def test_a_range_claim_needs_a_value_inside_its_range_other_than_the_trivial_one():
    assert claim.within([0.0, 0.3, 0.8], 0.0, 0.2, trivial=[0.0]) == []  # the quick and long ξ: no small noise
    assert claim.within([0.0, 0.1, 0.2, 0.3], 0.0, 0.2, trivial=[0.0]) == [0.1, 0.2]
    assert claim.within([4, 16, 32], 16, 32) == [16, 32]


def test_sometimes_is_shown_by_one_occurrence_and_refuted_only_over_the_papers_seeds():
    assert claim.sometimes(True, 1) is True
    assert claim.sometimes(False, 1) is None and claim.sometimes(False, claim.SEEDS_FOR_ABSENCE - 1) is None
    assert claim.sometimes(False, claim.SEEDS_FOR_ABSENCE) is False
    assert not claim.seeds_for_small_difference(1) and claim.seeds_for_small_difference(2)


def test_not_tested_says_what_is_lacking_and_what_would_decide():
    c = claim.not_tested("Small noise", "no 0 < ξ ≤ 0.2", "contrast > 0.1")
    assert (c.verdict, c.evidence, c.threshold, c.setup) == (None, "no 0 < ξ ≤ 0.2", "contrast > 0.1", False)
    assert c.label == "➖ not tested here"


def test_the_rules_are_stated_with_their_numbers():
    assert f"over {claim.SEEDS_FOR_ABSENCE} seeds" in claim.RULES
    assert "ξ = 0 is no noise" in claim.RULES and "Set-up checks" in claim.RULES
    assert "not answered here" in claim.RULES and "Questions of our own" in claim.RULES


def test_the_score_rule_and_the_words_of_set_up_checks_are_stated():
    assert "5. **The score**" in claim.RULES and "the rows of 3 and 4 are counted apart" in claim.RULES
    assert "✅ holds / ❌ does not" in claim.RULES
    check = claim.Claim("lattice 80×80", "80×80", True, "exact", setup=True)
    assert check.label == "✅ holds" and claim.Claim("p", "1", False, "t").label == "❌ not reproduced"
    assert claim.not_tested("lattice", "no data", setup=True).label == "➖ not checked here"
    assert claim.Claim("p", "1", False, "t", reason="why").reason == "why"
