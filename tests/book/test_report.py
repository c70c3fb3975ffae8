"""Claims tables and provenance lines."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from nca_core.book import report
from nca_core.core.config import TrainConfig


def _model(epochs_run: int, best: int, **train) -> SimpleNamespace:
    res = SimpleNamespace(train_config=TrainConfig(t=32, **train), loss=np.ones(epochs_run), best_epoch=best)
    return SimpleNamespace(result=res, source="shipped", weights_hash="abc123")


def test_provenance_names_profile_epochs_schedule_and_best_epoch():
    quick = _model(300, 120, epochs=300, lr=5e-3)
    long = _model(2000, 1999, epochs=2000, lr=1e-3, lr_schedule="cosine", lr_min=1e-5)
    line = report.provenance("long", {}, [quick, long])
    assert "profile **long**" in line
    assert "300 epochs at lr 0.005" in line and "2000 epochs at lr 0.001 → 1e-05 (cosine)" in line
    assert "best epochs 121, 2000" in line
    cut = _model(700, 650, epochs=2000, lr=1e-3)  # a run that stopped early (diverged)
    assert "700 of 2000 epochs" in report.provenance("quick", {"epochs": 2000}, [cut])
    assert "`epochs=2000`" in report.provenance("quick", {"epochs": 2000}, [cut])


def test_provenance_names_the_tiers_models_came_from_when_not_the_notebooks_own():
    m = _model(600, 592, epochs=600, lr=5e-3, lr_schedule="cosine", lr_min=1e-5)
    line = report.provenance("quick", {}, [m, m], tiers=["long", "long"])
    assert "profile **quick** (models from the **long** tier) ·" in line
    assert "profile **quick** (models from the **long** and **quick** tiers) ·" in report.provenance(
        "quick", {}, [m, m], tiers=["long", "quick"])
    assert report.provenance("long", {}, [m], tiers=["long"]).startswith("*Provenance:* profile **long** ·")
    assert report.provenance("quick", {}, [m]).startswith("*Provenance:* profile **quick** ·")


def test_claims_table_shows_each_verdict():
    text = report.claims_markdown([report.Claim("a", "x", True), report.Claim("b", "y", False),
                                   report.Claim("c", "z", None)])
    assert text.count("\n") == 4 and "| claim (paper) |" in text
    for row in ("| a | x | ✅ reproduced |", "| b | y | ❌ not reproduced |", "| c | z | ➖ not tested here |"):
        assert row in text


def test_a_failing_row_says_why_on_the_chapters_page():
    text = report.claims_markdown([report.Claim("a", "x", False, "t", reason="The x | y misses t."),
                                   report.Claim("b", "y", True, "t", reason="ignored: it holds")])
    assert "| a | x — **threshold:** t — **why not:** The x \\| y misses t. | ❌ not reproduced |" in text
    assert "| b | y — **threshold:** t | ✅ reproduced |" in text


def test_provenance_says_what_the_data_hash_is():
    from nca_core.runs.job import data_hash
    from nca_core.runs.job import emoji_spec as spec

    s = spec(copies=2, seed=0)
    line = report.provenance("quick", {}, data=s)
    assert f"training data {data_hash(s)} (a hash of the generated arrays" in line


def test_questions_of_our_own_are_headed_as_ours_not_as_the_papers_claims():
    from nca_core.chapters.question import Question

    text = report.claims_markdown([report.Claim("a", "x", True, "t"), Question("q?", "y", False, "c")])
    assert "| claim (paper) | this run | verdict |" in text
    assert "| question (ours) | this run | verdict |" in text  # as the report page heads them
    paper, ours = text.split("| question (ours)")
    assert "| a |" in paper and "| q? |" in ours and "❌ no" in ours
    only = report.claims_markdown([Question("q?", "y", None, "c")])
    assert "claim (paper)" not in only and "➖ not answered here" in only
