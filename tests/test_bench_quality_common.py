"""The options the time-to-quality benchmarks share (``benchmarks/_quality_common.py``): ``--retrain`` trains a
recipe again even where the cache has it, so that its seconds are measured by this run, and says so."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import _quality_common as common  # noqa: E402

RECIPES = ["quick", "steps12", "steps24"]


def _args(*argv: str):
    ap = common.parser("doc", RECIPES, ["quick"], 100, 10)
    args = ap.parse_args(list(argv))
    common.check_retrain(ap, args)
    return args


def test_retrain_and_stem_default_to_nothing():
    args = _args("--recipes", "quick", "steps12")
    assert args.retrain == [] and args.stem is None


def test_retrain_must_name_recipes_of_the_run(capsys):
    assert _args("--recipes", "quick", "steps12", "--retrain", "steps12").retrain == ["steps12"]
    with pytest.raises(SystemExit):
        _args("--recipes", "quick", "--retrain", "steps24")
    err = capsys.readouterr().err
    assert "--retrain steps24" in err and "accepted: quick" in err


def test_retrain_cannot_go_with_evaluate_only(capsys):
    with pytest.raises(SystemExit):
        _args("--recipes", "steps12", "--retrain", "steps12", "--evaluate-only")
    assert "--evaluate-only" in capsys.readouterr().err


class _Cache:
    """Stands in for ``nca_core.runs.cache``: one cached model; records what was trained."""

    def __init__(self):
        self.cached = SimpleNamespace(result=SimpleNamespace(snapshots={10: None}), source="cache")
        self.trained: list[bool] = []

    def lookup(self, job):
        return self.cached

    def train_or_load(self, job, retrain=False, snapshot_every=0):
        self.trained.append(retrain)
        return SimpleNamespace(result=SimpleNamespace(snapshots={snapshot_every: None}), source="trained")


@pytest.mark.parametrize("retrain", [False, True])
def test_a_cached_run_is_used_unless_retrained(monkeypatch, retrain):
    fake = _Cache()
    monkeypatch.setattr(common, "cache", fake)
    got = common.load_or_train("steps12", SimpleNamespace(key="k"), 10, False, retrain)
    assert (got.source == "trained") is retrain
    assert fake.trained == ([True] if retrain else [])


def test_the_report_says_whose_seconds_they_are():
    rows = [{"label": "10", "epoch": 10, "seconds": 30.0, "meets_target": True}]
    res = SimpleNamespace(seconds=300.0, loss=[1.0] * 100)
    job = SimpleNamespace(key="k")
    now = common.entry(job, {}, rows, SimpleNamespace(result=res, source="trained"))
    old = common.entry(job, {}, rows, SimpleNamespace(result=res, source="cache"))
    assert now["trained_in_this_run"] is True and old["trained_in_this_run"] is False
    assert now["first_at_target"]["epoch"] == 10 and now["seconds_per_epoch"] == 3.0
