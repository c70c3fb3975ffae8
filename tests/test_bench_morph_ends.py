"""The verdict rule of ``benchmarks/bench_morph_ends.py`` (the morph grid recipe at the ends of Fig 9's slices)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_morph_ends as ends  # noqa: E402


def _model(d3: float, diverged: bool = False, finite: bool = True) -> dict:
    return {"distance_3t": d3, "training_diverged": diverged, "finite": finite}


def test_an_end_passes_up_to_slack_times_the_long_model_and_fails_beyond():
    long = _model(4.0)
    assert ends.judge("C = 32", _model(ends.SLACK * 4.0), long)["passed"] is True
    fail = ends.judge("C = 32", _model(ends.SLACK * 4.0 + 0.01), long)
    assert fail["passed"] is False and "> 5.00" in fail["why"]


def test_t128_is_judged_against_the_tiers_target_not_a_long_model():
    assert ends.judge("t = 128", _model(ends.TIER_TARGET), None)["passed"] is True
    assert ends.judge("t = 128", _model(ends.TIER_TARGET + 0.1), None)["passed"] is False


@pytest.mark.parametrize("grid", [_model(1.0, diverged=True), _model(1.0, finite=False)])
def test_a_diverged_training_or_a_blown_up_rollout_fails_however_close(grid):
    assert ends.judge("C = 4", grid, _model(4.0))["passed"] is False


def test_an_end_without_its_long_model_is_not_judged():
    assert ends.judge("t = 1", _model(1.0), None)["passed"] is None


def test_the_grid_recipes_jobs_are_the_tiers_below_16_channels_and_the_fast_recipe_above():
    """The benchmark judges the grid recipe itself, so at C = 32 it takes the fast recipe's model, not the long
    one the book's grid tier now uses there."""
    assert ends.job_at("grid", 32, 32).key == "ef9394d3e687ae9c"
    assert ends.job_at("grid", 16, 32).key == "9b00887d91e223cd"
    assert ends.job_at("long", 32, 32).key == "a2c4e7e5a0871209"
    assert ends.job_at("long", 32, 32, "ID_LAP_AV").key == "4a37bc6af7d6a778"
    assert ends.job_at("grid", 32, 32, "ID_LAP_AV").key == "da10b28aaae2f231"
