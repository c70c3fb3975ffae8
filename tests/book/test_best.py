"""``--profile best`` runs a notebook on the part of the grid tier that is trained, when that part holds
more than the tier below it (:mod:`nca_core.book.best`)."""

from __future__ import annotations

import shutil

import pytest

from nca_core.book import best, registry
from nca_core.runs import cache
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, int_list, same
from tests.book.test_status import a_model_folder


def test_rectangle_is_the_largest_block_of_ready_pairs():
    ready = {(1, 0), (2, 0), (4, 0), (1, 1), (2, 1), (32, 1), (32, 0)}
    rows, cols = best.rectangle([1, 2, 4, 32], [0, 1, 2], lambda a, b: (a, b) in ready)
    assert (rows, cols) == ([1, 2, 32], [0, 1])  # 6 pairs; [1, 2, 4, 32] × [0] has only 4
    # a tie in pairs goes to more seeds: 2 × 2 rather than 4 × 1
    ready = {(1, 0), (2, 0), (1, 1), (2, 1), (4, 2), (8, 2), (16, 2), (32, 2)}
    assert best.rectangle([1, 2, 4, 8, 16, 32], [0, 1, 2], lambda a, b: (a, b) in ready) == ([1, 2], [0, 1])
    assert best.rectangle([1, 2], [0], lambda a, b: False) == ([], [])


def ship(jobs):
    for job in jobs:
        if not (cache.weights_dir() / job.key).exists():
            shutil.copytree(a_model_folder(), cache.weights_dir() / job.key)


def test_a_part_of_the_grid_is_chosen_only_when_it_holds_more_than_the_tier_below(dirs):
    def grid(sampling, seeds):
        return registry.jobs("time_sampling", "grid", {"sampling": sampling, "seeds": seeds})

    ship(registry.jobs("time_sampling", "long"))  # t = 4, 16, 32, seed 0
    assert best.choose("time_sampling") == best.Choice("long")
    ship(grid([32], [0, 1, 2]))  # three models, but on one time sampling: the long tier's three t would be lost
    assert best.partial_grid("time_sampling") == {"sampling": [32], "seeds": [0, 1, 2]}
    assert best.choose("time_sampling") == best.Choice("long")
    ship(grid([4, 16], [0]))  # as many t as long and as many models: nothing gained
    assert best.choose("time_sampling") == best.Choice("long")
    ship(grid([1, 2], [0]))
    assert best.choose("time_sampling") == best.Choice("grid", {"sampling": [1, 2, 4, 16, 32], "seeds": [0]})
    ship(grid([1, 2, 4, 16], [1]))
    assert best.choose("time_sampling") == best.Choice("grid", {"sampling": [1, 2, 4, 16, 32], "seeds": [0, 1]})
    # the command line's parameters are respected: a run at 8 channels asked for 16 finds no grid model
    assert best.choose("time_sampling", {"channels": 16}) == best.Choice("quick")
    ship(registry.jobs("time_sampling", "grid"))  # the whole grid: the grid tier itself, unrestricted
    assert best.choose("time_sampling") == best.Choice("grid")


def test_a_part_of_the_grid_must_span_the_range_of_the_tier_below(dirs):
    """Fig 6: the long tier has ξ = 0, 0.3, 0.8; a part of the grid up to ξ = 0.2222 has more models but would
    leave the strong-noise claim (ξ ≥ 0.5) untested, so it is not chosen until the part reaches ξ ≥ 0.8."""
    def grid(levels):
        return registry.jobs("noise", "grid", {"noise_levels": levels, "seeds": [0, 1]})

    ship(registry.jobs("noise", "long"))
    ship(grid([0.0, 0.1111, 0.2222]))  # 6 models on 3 ξ, against long's 3 on 3
    assert best.partial_grid("noise") == {"noise_levels": [0.0, 0.1111, 0.2222], "seeds": [0, 1]}
    assert best.choose("noise") == best.Choice("long")
    ship(grid([0.7778]))  # reaches 0.7778 < 0.8: still short of long's range
    assert best.choose("noise") == best.Choice("long")
    ship(grid([1.0]))
    assert best.choose("noise") == best.Choice(
        "grid", {"noise_levels": [0.0, 0.1111, 0.2222, 0.7778, 1.0], "seeds": [0, 1]})
    assert best.spans([2, 4, 32], [4, 16, 32]) and not best.spans([4, 16], [4, 16, 32])


def test_best_passes_the_restriction_to_the_notebook_under_the_command_line(dirs, monkeypatch, capsys):
    import nca_core.cli as cli

    ship(registry.jobs("time_sampling", "long"))
    ship(registry.jobs("time_sampling", "grid", {"sampling": [1, 2, 4, 16, 32], "seeds": [0]}))
    seen = {}

    def fake_execute(name, src, parameters, out_dir, log):
        seen[name] = parameters
        return 0.0

    monkeypatch.setattr(cli, "_execute", fake_execute)
    monkeypatch.setattr(cli, "repo_root", lambda: dirs)
    monkeypatch.setattr(cli.executed, "tidy_file", lambda path: None)
    assert cli.main(["run", "time_sampling", "--profile", "best"]) == 0
    assert seen["time_sampling"] == {"profile": "grid", "sampling": [1, 2, 4, 16, 32], "seeds": [0]}
    assert "time_sampling grid sampling=[1, 2, 4, 16, 32] seeds=[0]" in capsys.readouterr().out
    assert cli.main(["run", "time_sampling", "--profile", "best", "-p", "seeds", "[0]", "-p", "sampling", "[4]"]) == 0
    assert seen["time_sampling"] == {"profile": "grid", "sampling": [4], "seeds": [0]}  # -p wins


def test_axes_must_be_two_declared_parameters():
    seeds = Param(same([0]), int_list(0), "seeds")
    with pytest.raises(ValueError, match=r"axes=\('seeds',\).*two of its list parameters"):
        Notebook("x", "part", {"seeds": seeds}, axes=("seeds",))
    with pytest.raises(ValueError, match="axes=.*'t'"):
        Notebook("x", "part", {"seeds": seeds}, axes=("seeds", "t"))


def test_the_report_says_how_much_of_the_grid_a_chapter_ran_on():
    from nca_core.book.verdict_tables import ran_at

    grid = [j.key for j in registry.jobs("time_sampling", "grid")]
    assert len(grid) == 36  # 9 t × 4 seeds
    assert ran_at("time_sampling", {"grid"}, set(grid[:8])) == "grid (part: 8 of its 36 models)"
    assert ran_at("time_sampling", {"grid"}, set(grid)) == "grid"
    long = {j.key for j in registry.jobs("time_sampling", "long")}
    assert ran_at("time_sampling", {"long"}, long) == "long"


def test_a_page_says_which_part_of_the_grid_it_shows():
    P = registry.notebook("time_sampling").at("grid", sampling=[2, 8, 16, 32], seeds=[0])
    text = best.coverage("time_sampling", P)
    assert text.startswith("\n\n*Part of the grid tier:*")
    assert "t ∈ {2, 8, 16, 32} × seeds ∈ {0}: 4 of the 36 models" in text
    assert "({1, 2, 4, 6, 8, 12, 16, 24, 32} × {0, 1, 2, 3})" in text and "*not tested*" in text
    P = registry.notebook("noise").at("grid", noise_levels=[0.0, 0.1111], seeds=[0, 1])
    assert "ξ ∈ {0, 0.1111} × seeds ∈ {0, 1}: 4 of the 20 models" in best.coverage("noise", P)
    assert best.coverage("time_sampling", registry.notebook("time_sampling").at("grid")) == ""  # the whole grid
    assert best.coverage("time_sampling", registry.notebook("time_sampling").at("long")) == ""
    assert best.coverage("kernels_activations", registry.notebook("kernels_activations").at("grid")) == ""
