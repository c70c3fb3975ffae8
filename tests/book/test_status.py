"""`nca-book status`: where each model a notebook needs is (shipped, cached, training, part-trained, missing)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

import nca_core
from nca_core.book import registry, status
from nca_core.cli import main as cli_main
from nca_core.cli import warn_missing
from nca_core.runs import cache

REPO_WEIGHTS = Path(nca_core.__file__).resolve().parents[1] / "weights"


def a_model_folder() -> Path:
    """Any intact shipped model folder of the repository (status only checks its integrity)."""
    return next(p for p in sorted(REPO_WEIGHTS.iterdir()) if (p / "manifest.json").exists())


def fake_checkpoint(key: str, epoch: int, seconds: float) -> Path:
    path = cache.results_dir() / "checkpoints" / key / "checkpoint.npz"
    path.parent.mkdir(parents=True)
    meta = json.dumps({"epoch": epoch, "seconds": seconds, "key": key}).encode()
    np.savez(path, meta=np.frombuffer(meta, np.uint8), loss=np.zeros(epoch))
    return path


def test_each_state_is_told_apart(dirs):
    sampling = registry.jobs("time_sampling", "smoke")
    ablation = registry.jobs("noise", "smoke", {"noise_levels": [0.5]})
    assert len(sampling) == 2 and len(ablation) == 1
    rows = status.model_status(["time_sampling", "noise"], "smoke", {"noise_levels": [0.5]})
    assert [r.state for r in rows] == ["missing"] * 3 and not any(r.ready for r in rows)

    shutil.copytree(a_model_folder(), cache.weights_dir() / sampling[0].key)
    shutil.copytree(a_model_folder(), cache.results_dir() / "models" / sampling[1].key)
    fake_checkpoint(ablation[0].key, epoch=1, seconds=30.0)
    rows = status.model_status(["time_sampling", "noise"], "smoke", {"noise_levels": [0.5]})
    by_key = {r.key: r for r in rows}
    assert by_key[sampling[0].key].state == "shipped"
    assert by_key[sampling[1].key].state == "cached"
    part = by_key[ablation[0].key]
    assert (part.state, part.epoch, part.epochs) == ("part-trained", 1, 2)
    assert part.seconds_left == 30.0  # one epoch left at 30 s an epoch
    assert [r.key for r in status.missing(rows)] == [ablation[0].key]
    table = status.status_table(rows)
    assert "part-trained at epoch 1/2" in table and "2 of 3 distinct models ready" in table

    with cache.training_lock(ablation[0].key):  # another holder of the lock: a training in progress
        assert status.job_status("noise", ablation[0]).state == "training"
    assert status.job_status("noise", ablation[0]).state == "part-trained"


def test_damaged_files_do_not_count(dirs):
    job = registry.jobs("time_sampling", "smoke")[0]
    folder = shutil.copytree(a_model_folder(), cache.weights_dir() / job.key)
    weights = folder / "weights.npz"
    weights.write_bytes(weights.read_bytes()[:100])  # a truncated copy is not a model
    path = fake_checkpoint(job.key, epoch=1, seconds=3.0)
    path.write_bytes(b"not an npz")  # an unreadable checkpoint: the run would start afresh
    assert status.job_status("time_sampling", job).state == "missing"
    assert cache.checkpoint_progress(job.key) is None


def test_cli_status_and_check(dirs, capsys):
    assert cli_main(["status", "time_sampling", "--profile", "smoke"]) == 0
    out = capsys.readouterr().out
    assert "t=16 seed=0" in out and "missing (2 epochs)" in out and "0 of 2 distinct models ready" in out
    assert "nca-book models time_sampling --profile smoke" in out
    assert cli_main(["status", "time_sampling", "--profile", "smoke", "--check"]) == 1
    for job in registry.jobs("time_sampling", "smoke"):
        shutil.copytree(a_model_folder(), cache.weights_dir() / job.key)
    assert cli_main(["status", "time_sampling", "--profile", "smoke", "--check"]) == 0
    assert "2 of 2 distinct models ready" in capsys.readouterr().out
    assert cli_main(["status", "time_sampling", "--profile", "smoke", "-p", "chanels", "8"]) == 2
    assert "chanels" in capsys.readouterr().err
    assert cli_main(["status", "time_sampling", "--profile", "smoke", "-p", "sampling", "[0]"]) == 2
    assert "sampling" in capsys.readouterr().err


def test_a_run_says_first_which_models_it_will_train(dirs, capsys):
    warn_missing(["time_sampling", "gray_scott_data"], "smoke", {})
    out = capsys.readouterr().out
    assert "2 model(s) at profile smoke are neither shipped nor cached" in out and "(4 epochs in all)" in out
    for job in registry.jobs("time_sampling", "smoke"):
        shutil.copytree(a_model_folder(), cache.weights_dir() / job.key)
    warn_missing(["time_sampling"], "smoke", {})
    assert capsys.readouterr().out == ""


def test_best_profile_is_the_longest_tier_with_every_model_there(dirs, monkeypatch, capsys):
    assert status.best_profile("time_sampling") == "quick"  # nothing there: quick (a run trains it)
    assert status.best_profile("gray_scott_data") == "quick"  # trains nothing
    long_jobs = registry.jobs("time_sampling", "long")
    assert len(long_jobs) == 3
    for job in long_jobs[:-1]:
        shutil.copytree(a_model_folder(), cache.weights_dir() / job.key)
    assert status.best_profile("time_sampling") == "quick"  # one long model short
    t = long_jobs[0].train.t
    assert status.best_profile("time_sampling", {"sampling": [t], "channels": 16}) == "quick"  # another model
    assert status.best_profile("time_sampling", {"sampling": [t]}) == "long"
    shutil.copytree(a_model_folder(), cache.results_dir() / "models" / long_jobs[-1].key)
    assert status.best_profile("time_sampling") == "long"

    import nca_core.cli as cli

    ran = {}
    monkeypatch.setattr(cli, "run_notebooks",
                        lambda names, profile, overrides, root, jobs=1, restricted=None: ran.update(profile))
    assert cli_main(["run", "time_sampling", "gray_scott_data", "--profile", "best"]) == 0
    assert ran == {"time_sampling": "long", "gray_scott_data": "quick"}
    out = capsys.readouterr().out
    assert "profile best: time_sampling long, gray_scott_data quick" in out and "neither shipped" not in out


def test_a_models_tier_is_the_least_trained_profile_that_uses_it():
    """The profile a model was trained for; a longer profile may use it too (perturbation at grid reads the long
    tier's models)."""
    tiers = status.model_tiers()
    long = registry.jobs("time_sampling", "long")
    assert {tiers[j.key][0] for j in long} == {"long"}
    read = registry.jobs("perturbation", "grid")
    assert {j.key for j in long} <= {j.key for j in read} and {tiers[j.key][0] for j in read} == {"long"}
    assert {tiers[j.key][0] for j in registry.jobs("regimes", "grid")} == {"grid"}
    assert {tiers[j.key][0] for j in registry.jobs("time_sampling", "smoke")} == {"smoke"}
    job = long[0]
    assert tiers[job.key][1].train == job.train
