"""The notebook registry: parameter resolution, the parameter table, and _toc.yml written from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nca_core.book import registry


def test_resolve_fills_profile_defaults_and_reports_changes():
    P, changed = registry.resolve("time_sampling", {"profile": "quick", "sampling": [4, 32], "seeds": None,
                                                  "In": [], "np": np})
    assert P.sampling == [4, 32] and P.epochs == registry.declared("time_sampling")["epochs"].defaults["quick"]
    assert changed == {"sampling": [4, 32]}


@pytest.mark.parametrize(
    "ns,needle",
    [({"profile": "fast"}, "profile"),
     ({"profile": "smoke", "sampling": [0, 32]}, "sampling"),
     ({"profile": "smoke", "chanels": 32}, "chanels"),
     ({"profile": "smoke", "epochs": -3}, "epochs"),
     ({"profile": "smoke", "retrain": "maybe"}, "retrain")],
)
def test_resolve_rejects_bad_parameters(ns, needle):
    with pytest.raises(ValueError, match=needle):
        registry.resolve("time_sampling", ns)


def test_command_line_text_values_are_parsed():
    # papermill -p sampling "[4, 32]" -p retrain true injects strings
    P, changed = registry.resolve("time_sampling", {"profile": "smoke", "sampling": "[4, 32]", "retrain": "true",
                                                  "epochs": "3"})
    assert P.sampling == [4, 32] and P.retrain is True and P.epochs == 3


def test_noise_level_outside_unit_interval_is_rejected():
    with pytest.raises(ValueError, match="noise_levels"):
        registry.resolve("noise", {"profile": "smoke", "noise_levels": [0.1, 1.5]})


def test_parameter_table_lists_every_parameter():
    text = registry.table("noise")
    for name in registry.declared("noise"):
        assert f"`{name}`" in text


ROOT = Path(__file__).resolve().parents[2]


def test_committed_toc_is_the_registrys():
    assert (ROOT / "_toc.yml").read_text(encoding="utf-8") == registry.toc()


def test_every_notebook_file_is_registered_and_every_entry_has_its_file():
    files = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert files == set(registry.NOTEBOOKS)
    for nb in registry.NOTEBOOKS.values():
        assert nb.figures, nb.name  # each page writes its figures (checked by the notebook tests)


def test_jobs_are_distinct_and_only_for_training_notebooks():
    assert registry.jobs("gray_scott_data", "quick") == []
    jobs = registry.jobs("kernels_activations", "quick")
    assert len(jobs) == len({j.key for j in jobs}) == 8
    assert {j.train.t for j in registry.jobs("time_sampling", "quick", {"sampling": [4, 32]})} == {4, 32}
    with pytest.raises(ValueError, match="notebook"):
        registry.jobs("nosuch", "quick")


def test_long_profile_trains_the_quick_models_longer_and_keeps_the_quick_keys():
    quick, _ = registry.resolve("time_sampling", {"profile": "quick"})
    long, _ = registry.resolve("time_sampling", {"profile": "long"})
    assert long.sampling == quick.sampling and long.seeds == quick.seeds and long.test_steps == quick.test_steps
    assert (long.epochs, long.lr, long.lr_schedule) == (2000, 1e-3, "cosine") and quick.lr_schedule == "constant"
    jq, jl = registry.jobs("time_sampling", "quick"), registry.jobs("time_sampling", "long")
    assert [j.train.t for j in jq] == [j.train.t for j in jl]
    assert "lr_schedule" not in jq[0].train.to_dict()  # constant-rate runs hash as before schedules existed
    assert jl[0].train.lr_schedule == "cosine" and jl[0].train.lr_min == 1e-5
    with pytest.raises(ValueError, match="lr_schedule"):
        registry.resolve("noise", {"profile": "long", "lr_schedule": "linear"})


def test_every_cache_key_is_the_recorded_one():
    """The models every notebook trains at every profile keep their cache keys (``tests/assets/job_keys.json``,
    recorded before the chapters were reorganised): a change of layout must not orphan a shipped model. A
    deliberate change of a profile's grid updates the file (and ships the new models)."""
    import json

    from nca_core.runs.params import PROFILES

    recorded = json.loads((ROOT / "tests" / "assets" / "job_keys.json").read_text(encoding="utf-8"))
    now = {f"{n}@{p}": sorted(j.key for j in registry.jobs(n, p)) for p in PROFILES for n in registry.NOTEBOOKS}
    changed = sorted(k for k in set(recorded) | set(now) if recorded.get(k) != now.get(k))
    assert not changed, f"cache keys changed for {changed}"


def test_every_figure_file_is_named_once():
    """A figure's file name is typed once, in its chapter's declaration; the ``figures`` module and the
    notebook take it from there (a renamed file cannot drift apart from what the registry expects)."""
    import re

    names = {Path(f).stem for nb in registry.NOTEBOOKS.values() for f in nb.figures}
    sources = {p: p.read_text(encoding="utf-8") for p in (ROOT / "nca_core").rglob("*.py")}
    sources.update({p: p.read_text(encoding="utf-8") for p in (ROOT / "notebooks").glob("*.ipynb")})
    for name in sorted(names):
        typed = [p.relative_to(ROOT).as_posix() for p, s in sources.items()
                 if re.search(rf"[\"']{re.escape(name)}(\.png|\.mp4)?[\"']", s)]
        assert len(typed) == 1, f"{name} is typed in {typed}"
