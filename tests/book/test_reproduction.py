"""The reproduction report: claims recorded by the notebooks, gathered, counted and published."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.book import report, reproduction
from nca_core.chapters.claim import Claim
from nca_core.core.config import TrainConfig


@pytest.fixture()
def claims_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NCA_CLAIMS_DIR", str(tmp_path / "claims"))
    return tmp_path / "claims"


def _model(label: str) -> SimpleNamespace:
    res = SimpleNamespace(train_config=TrainConfig(t=32, epochs=300, lr=5e-3), loss=np.ones(300), best_epoch=99)
    return SimpleNamespace(job=SimpleNamespace(label=label, key="k" + label), source="shipped", result=res,
                           weights_hash="abc")


def test_recorded_claims_are_gathered_in_book_order_and_counted(claims_dir, tmp_path):
    md = report.claims_table([Claim("b1", "x | y", False, "t"), Claim("b2", "z", None)], "kernels_activations",
                             "Fig 8", "quick", [_model("m")])
    assert "| claim (paper) |" in md
    report.claims_table([Claim("a1", "1", True, "t"), Claim("a2", "2", True, "t")], "gray_scott_data", "Fig 3", "quick")
    report.claims_table([Claim("c1", "3", True, "t")], "time_sampling", "Fig 5", "long")
    rec = json.loads((claims_dir / "kernels_activations__Fig_8.json").read_text())
    assert rec["models"] == [{"label": "m", "key": "km", "source": "shipped", "epochs": 300, "best_epoch": 100}]
    assert rec["claims"][0] == {"claim": "b1", "evidence": "x | y", "verdict": False, "threshold": "t"}
    assert rec["setup"] == []

    R = reproduction.gather()
    assert [r["notebook"] for r in R.records] == ["gray_scott_data", "time_sampling", "kernels_activations"]
    assert R.totals == {"reproduced": 3, "not reproduced": 1, "not tested": 1, "total": 5}
    assert list(R.parts) == ["Learning a reaction–diffusion system", "Morphing between images"]
    text = reproduction.markdown(R)
    assert "**3 of 5 claims reproduced**" in text
    assert "{doc}`Fig 8 <kernels_activations>`" in text and "x \\| y" in text  # a pipe cannot break the table
    assert "| {doc}`Fig 8 <kernels_activations>` | b1 | x \\| y — **threshold:** t | ❌ not reproduced |" in text
    # why it fails, once; the models once per figure, not in every row
    assert "- **{doc}`Fig 8 <kernels_activations>`, b1.** Needed: t. This build: x \\| y." in text
    assert text.count("| {doc}`Fig 8 <kernels_activations>` | long |") == 0
    assert "| {doc}`Fig 8 <kernels_activations>` | quick | m | 300 epochs at lr 0.005; best epochs 100 |" in text
    assert "| Learning a reaction–diffusion system | 3 | 0 | 0 | 3 |" in text
    out = reproduction.write_json(R, tmp_path / "extra" / "claims.json")
    data = json.loads(out.read_text())
    assert data["totals"]["total"] == 5 and len(data["records"]) == 3


def test_summary_figure_shows_each_count_and_keeps_the_legend_off_the_bars(claims_dir, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path / "figures"))
    report.claims_table([Claim(f"a{i}", "", True, "t") for i in range(10)], "gray_scott_data", "Fig 3", "quick")
    report.claims_table([Claim("b1", "", True, "t"), Claim("b2", "", False, "t"), Claim("b3", "", None)],
                        "kernels_activations", "Fig 8", "long")
    fig = reproduction.figure(reproduction.gather())
    ax = fig.axes[0]
    widths = sorted(round(p.get_width()) for p in ax.patches if p.get_width() > 0)
    assert widths == [1, 1, 1, 10]  # a full bar: 10 reproduced
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "1", "10"]
    fig.canvas.draw()
    legend, frame = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.y0 >= frame.y1 - 1  # above the axes, so no bar can hide under it
    assert (tmp_path / "figures" / "report_summary.png").is_file()


def test_set_up_checks_are_shown_apart_and_not_counted(claims_dir):
    report.claims_table([Claim("lattice 80×80", "80×80", True, "exact", setup=True), Claim("p", "1", False, "t")],
                        "morphing_task", "Fig 7", "quick")
    R = reproduction.gather()
    assert R.totals == {"reproduced": 0, "not reproduced": 1, "not tested": 0, "total": 1}
    text = reproduction.markdown(R)
    assert "### Set-up checks (not counted)" in text
    assert "| {doc}`Fig 7 <morphing_task>` | lattice 80×80 | 80×80 — **threshold:** exact | ✅ reproduced |" in text
    page = report.claims_markdown([Claim("lattice", "80", True, "exact", setup=True), Claim("p", "1", False, "t")])
    paper, setup = page.split("\n\n")
    assert paper.startswith("| claim (paper) |") and "| p |" in paper and "lattice" not in paper
    assert setup.startswith("| check (our set-up, not a claim of the paper) |") and "| lattice |" in setup


def test_a_claim_with_a_verdict_and_no_threshold_is_refused(claims_dir):
    with pytest.raises(ValueError, match="no threshold: \\['a'\\]"):
        report.claims_table([Claim("a", "1", True), Claim("b", "not run", None)], "noise", "Fig 6", "quick")


def test_no_records_says_so(claims_dir):
    assert "No claims recorded" in reproduction.markdown(reproduction.gather())


def test_tiers_say_which_profile_each_chapter_ran_and_what_the_long_tier_lacks(claims_dir, tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    import nca_core
    from nca_core.book import registry
    from nca_core.runs import cache

    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("NCA_WEIGHTS_DIR", str(tmp_path / "weights"))
    report.claims_table([Claim("c1", "3", True, "t")], "time_sampling", "Fig 5", "long")
    report.claims_table([Claim("n1", "3", True, "t")], "noise", "Fig 6", "quick")
    repo_weights = Path(nca_core.__file__).resolve().parents[1] / "weights"
    some_model = next(p for p in sorted(repo_weights.iterdir()) if (p / "manifest.json").exists())
    for job in registry.jobs("time_sampling", "long"):
        shutil.copytree(some_model, cache.weights_dir() / job.key)
    text = reproduction.tiers(reproduction.gather())
    assert "| {doc}`time_sampling` | long | 3 of 3 | – |" in text
    noise_row = next(line for line in text.splitlines() if line.startswith("| {doc}`noise"))
    assert "| quick | 1 of 3 |" in noise_row and "ξ=0.3" in noise_row  # t=32 ξ=0 is time_sampling's model
    assert "| {doc}`symmetry` | not run | 0 of 4 |" in text
    n = len({j.key for nb in registry.NOTEBOOKS for j in registry.jobs(nb, "long")})
    assert f"Of the {n} distinct models of the `long` tier, 3 are trained" in text
