"""The reproduction report: claims recorded by the notebooks, gathered, counted and published."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from nca_core import fileio
from nca_core.book import registry, report, reproduction
from nca_core.chapters.claim import Claim
from nca_core.chapters.question import Question
from nca_core.core.config import TrainConfig


@pytest.fixture()
def claims_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NCA_CLAIMS_DIR", str(tmp_path / "claims"))
    return tmp_path / "claims"


def _model(label: str, job=None) -> SimpleNamespace:
    """A trained model as the notebooks pass it: the job (a registry's, or a made-up one) and its result."""
    job = job or SimpleNamespace(label=label, key="k" + label, train=TrainConfig(t=32, epochs=300, lr=5e-3))
    res = SimpleNamespace(train_config=job.train, loss=np.ones(job.train.epochs), best_epoch=99)
    return SimpleNamespace(job=job, source="shipped", result=res, weights_hash="abc")


def test_recorded_claims_are_gathered_in_book_order_and_counted(claims_dir, tmp_path):
    md = report.claims_table([Claim("b1", "x | y", False, "t", reason="y is 2, above 1"), Claim("b2", "z", None)],
                             "kernels_activations", "Fig 8", "quick", [_model("m")])
    assert "| claim (paper) |" in md
    report.claims_table([Claim("a1", "1", True, "t"), Claim("a2", "2", True, "t")], "gray_scott_data", "Fig 3", "quick")
    report.claims_table([Claim("c1", "3", True, "t")], "time_sampling", "Fig 5", "long")
    rec = json.loads((claims_dir / "kernels_activations__Fig_8.json").read_text())
    assert rec["models"] == [{"label": "m", "key": "km", "source": "shipped", "epochs": 300, "best_epoch": 100}]
    assert rec["claims"][0] == {"claim": "b1", "evidence": "x | y", "verdict": False, "label": "❌ not reproduced",
                                "threshold": "t", "reason": "y is 2, above 1"}
    assert rec["setup"] == []

    R = reproduction.gather()
    assert [r["notebook"] for r in R.records] == ["gray_scott_data", "time_sampling", "kernels_activations"]
    assert R.totals == {"reproduced": 3, "not reproduced": 1, "not tested": 1, "total": 5}
    assert list(R.parts) == ["Learning a reaction–diffusion system", "Morphing between images"]
    assert "**3 of 5 claims reproduced**, 1 not reproduced, 1 not tested" in reproduction.score(R)
    assert "| Learning a reaction–diffusion system | 3 | 0 | 0 | 3 |" in reproduction.score(R)
    # a compact table (figure named once, claim, verdict), the numbers in a dropdown below it
    table = reproduction.part_claims(R, "Morphing between images")
    compact, numbers = table.split(":::{dropdown}")
    assert compact.strip().splitlines() == ["| figure | claim (paper) | verdict |", "|---|---|---|",
                                            "| {doc}`Fig 8 <kernels_activations>` | b1 | ❌ not reproduced |",
                                            "|  | b2 | ➖ not tested |"]
    assert "| {doc}`Fig 8 <kernels_activations>` | b1 | x \\| y — **threshold:** t | ❌ not reproduced |" in numbers
    assert numbers.rstrip().endswith(":::")
    # why it fails: the chapter's reason, once
    why = reproduction.why_these_fail(R)
    assert "- **{doc}`Fig 8 <kernels_activations>`: b1.** Y is 2, above 1." not in why  # the reason as written
    assert "- **{doc}`Fig 8 <kernels_activations>`: b1.** y is 2, above 1" in why and "b2" not in why
    out = reproduction.write_json(R, tmp_path / "extra" / "claims.json")
    data = json.loads(out.read_text())
    assert data["totals"]["total"] == 5 and len(data["records"]) == 3


def test_the_whole_report_has_every_section_in_order(claims_dir):
    report.claims_table([Claim("a1", "1", True, "t")], "gray_scott_data", "Fig 3", "quick")
    text = reproduction.markdown(reproduction.gather())
    headings = re.findall(r"^### (.+)$", text, flags=re.M)
    assert headings == [title for title, _ in reproduction.SECTIONS]
    assert "#### Learning a reaction–diffusion system" in text and "#### Morphing" not in text  # parts with claims


def test_the_score_counts_the_papers_claims_only_by_the_rules(claims_dir):
    """Rule 5: the score counts the claims of the paper, ➖ in the total; set-up checks and our own questions apart;
    the score, the table per part, the compact tables and claims.json agree."""
    report.claims_table([Claim("a", "1", True, "t"), Claim("b", "2", False, "t"), Claim("c", "3", None),
                         Claim("lattice", "80", False, "exact", setup=True)], "morphing_task", "Fig 7", "long")
    report.claims_table([Claim("d", "4", True, "t")], "local_stability", "Fig 10", "long")
    report.claims_table([Question("q1?", "5", False, "c"), Question("q2?", "6", True, "c"),
                         Question("preset?", "7", True, "c", setup=True)], "regimes", "Other regions", "grid")
    R = reproduction.gather()
    assert R.totals == {"reproduced": 2, "not reproduced": 1, "not tested": 1, "total": 4}
    score = reproduction.score(R)
    assert score.startswith("**2 of 4 claims reproduced**, 1 not reproduced, 1 not tested")
    assert "| **all** | **2** | **1** | **1** | **4** |" in score
    assert "2 questions of our own (not claims of the paper, not counted above), answered yes 1, no 1" in score
    assert "*Set-up checks*: 2 checks" in score and "1 of them hold" in score
    compact = "\n".join(reproduction.part_claims(R, p).split(":::")[0] for p in R.paper_parts)
    assert compact.count("✅ reproduced") == 2 and compact.count("❌ not reproduced") == 1
    assert compact.count("➖ not tested") == 1 and "lattice" not in compact and "q1" not in compact
    why = reproduction.why_these_fail(R)
    assert why.count("\n- ") == 1 and "b.**" in why and "q1" not in why and "lattice" not in why
    checks = reproduction.setup_checks(R).split(":::")[0]
    assert "| lattice | ❌ does not hold |" in checks and "| preset? | ✅ yes |" in checks  # rule 3's words
    assert "| {doc}`Other regions <regimes>` | 2 | 1 | 1 | 0 |" in reproduction.questions(R)


def test_set_up_checks_are_shown_apart_and_not_counted(claims_dir):
    report.claims_table([Claim("lattice 80×80", "80×80", True, "exact", setup=True), Claim("p", "1", False, "t")],
                        "morphing_task", "Fig 7", "quick")
    R = reproduction.gather()
    assert R.totals == {"reproduced": 0, "not reproduced": 1, "not tested": 0, "total": 1}
    text = reproduction.setup_checks(R)
    assert "| {doc}`Fig 7 <morphing_task>` | lattice 80×80 | ✅ holds |" in text
    assert "| {doc}`Fig 7 <morphing_task>` | lattice 80×80 | 80×80 — **threshold:** exact | ✅ holds |" in text
    assert "lattice" not in reproduction.part_claims(R, "Morphing between images")
    page = report.claims_markdown([Claim("lattice", "80", True, "exact", setup=True), Claim("p", "1", False, "t")])
    paper, setup = page.split("\n\n")
    assert paper.startswith("| claim (paper) |") and "| p |" in paper and "lattice" not in paper
    assert setup.startswith("| check (our set-up, not a claim of the paper) |") and "| lattice |" in setup
    assert "| ✅ holds |" in setup  # a check of our own set-up holds; nothing of the paper is "reproduced"


def test_a_failing_claim_without_a_reason_shows_its_threshold_and_numbers(claims_dir):
    report.claims_table([Claim("flat", "ξ=0.8: diverged at n=817", False, "contrast < 0.05")], "noise", "Fig 6",
                        "long")
    why = reproduction.why_these_fail(reproduction.gather())
    assert "- **{doc}`Fig 6 <noise>`: flat.** Needed: contrast \\< 0.05. This build: ξ=0.8: diverged at n=817." in why
    assert reproduction.why_these_fail(reproduction.Report([], {})) == "Every claim this build tested is reproduced."


def _executed(folder, name: str, cells: list[tuple[str, str]]) -> None:
    nb = {"cells": [{"cell_type": kind, "source": src, "metadata": {}} for kind, src in cells], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    fileio.write_json(folder / f"{name}.ipynb", nb)


def test_figures_link_to_the_section_of_their_chapters_claims_table(claims_dir):
    """Read from the executed notebook beside the claims folder: the heading above the cell that records the table."""
    report.claims_table([Claim("c4", "1", False, "t")], "time_sampling", "Fig 4", "long")
    report.claims_table([Claim("c5", "1", True, "t")], "time_sampling", "Fig 5", "long")
    report.claims_table([Claim("c6", "1", True, "t")], "noise", "Fig 6", "long")
    _executed(claims_dir.parent, "time_sampling", [
        ("markdown", "# Time sampling"), ("markdown", "## Claims of *Fig 4*\n\nText."),
        ("code", 'display(Markdown(report.claims_table(claims.fig4(R), "time_sampling", "Fig 4", P.profile)))'),
        ("markdown", "## PDE against NCA (Fig 5)"), ("code", "x = 1"),
        ("code", "report.claims_table(claims.fig5(C), 'time_sampling', 'Fig 5', P.profile)")])
    R = reproduction.gather()
    table = reproduction.part_claims(R, "Learning a reaction–diffusion system")
    assert '| <a href="time_sampling.html#claims-of-fig-4">Fig 4</a> | c4 |' in table
    assert '| <a href="time_sampling.html#pde-against-nca-fig-5">Fig 5</a> | c5 |' in table
    assert "| {doc}`Fig 6 <noise>` | c6 |" in table  # no executed notebook: the page
    assert '- **<a href="time_sampling.html#claims-of-fig-4">Fig 4</a>: c4.**' in reproduction.why_these_fail(R)


def test_models_are_listed_once_by_tier_and_recipe_with_the_pages_that_read_them(claims_dir):
    """A chapter that ran at grid and read the long tier's models says so (the tier of the models, not the profile)."""
    long = {j.label: j for j in registry.jobs("time_sampling", "long")}
    t4, t32 = long["t=4 seed=0"], long["t=32 seed=0"]
    report.claims_table([Claim("a", "1", True, "t")], "time_sampling", "Fig 4", "long",
                        [_model("", t4), _model("", t32)])
    report.claims_table([Claim("b", "1", True, "t")], "time_sampling", "Fig 5", "long", [_model("", t32)])
    report.claims_table([Question("q?", "1", True, "c")], "perturbation", "Parameter-perturbation stability", "grid",
                        [_model("", t32)])
    report.claims_table([Claim("c", "1", True, "t")], "local_stability", "Fig 10", "long", [_model("odd")])
    R = reproduction.gather()
    text = reproduction.models(R)
    assert text.startswith("The 3 models this build's verdicts rest on, each once")
    assert text.count("| t=32 seed=0 |") == 1 and text.count("| t=4 seed=0 |") == 1
    assert "**long tier**, 2000 epochs at lr 0.001 → 1e-05 (cosine):" in text
    assert ("| t=32 seed=0 | 100 | {doc}`Fig 4 <time_sampling>`, {doc}`Fig 5 <time_sampling>`, "
            "{doc}`Parameter-perturbation stability <perturbation>` |") in text
    assert "**long tier**, a recipe no profile declares:" in text and "| odd | 100 | {doc}`Fig 10" in text
    tiers = reproduction.tiers(R)
    assert "| {doc}`perturbation` | grid | long |" in tiers  # ran at grid, shows the long tier's models
    assert "| {doc}`time_sampling` | long | long |" in tiers


def test_a_claim_with_a_verdict_and_no_threshold_is_refused(claims_dir):
    with pytest.raises(ValueError, match="no threshold: \\['a'\\]"):
        report.claims_table([Claim("a", "1", True), Claim("b", "not run", None)], "noise", "Fig 6", "quick")


def test_no_records_says_so(claims_dir):
    assert "No claims recorded" in reproduction.markdown(reproduction.gather())


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


def test_tiers_say_which_profile_each_chapter_ran_and_what_the_long_tier_lacks(claims_dir, tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    import nca_core
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
    assert "| {doc}`time_sampling` | long | – | 3 of 3 | – |" in text  # its record names no model
    noise_row = next(line for line in text.splitlines() if line.startswith("| {doc}`noise"))
    assert "| quick | – | 1 of 3 |" in noise_row and "ξ=0.3" in noise_row  # t=32 ξ=0 is time_sampling's model
    assert "| {doc}`symmetry` | not run | – | 0 of 4 |" in text
    n = len({j.key for nb in registry.NOTEBOOKS for j in registry.jobs(nb, "long")})
    assert f"Of the {n} distinct models of the `long` tier, 3 are trained" in text
