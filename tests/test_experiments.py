"""Results cache, shipped weights, notebook parameters and the nca-book command."""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.runs import cache as experiments
from nca_core.runs import params
from nca_core.cli import main as cli_main
from nca_core.paper.gray_scott.experiments import job


@pytest.fixture()
def dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("NCA_WEIGHTS_DIR", str(tmp_path / "weights"))
    return tmp_path


def small_job(seed=0):
    # the paper's Gray-Scott run, cut to 1 epoch at t=32 (2 chunks of 64)
    return job(t=32, seed=seed, epochs=1)


def test_second_run_trains_nothing(dirs, monkeypatch):
    first = experiments.train_or_load(small_job(), progress=False)
    assert first.source == "trained"
    calls = []
    monkeypatch.setattr(experiments.Trainer, "fit", lambda *a, **k: calls.append(1))
    second = experiments.train_or_load(small_job(), progress=False)
    assert second.source == "cache" and calls == []
    for k in first.result.params:
        np.testing.assert_array_equal(first.result.params[k], second.result.params[k])


def test_truncated_cache_file_is_detected_and_recomputed(dirs):
    first = experiments.train_or_load(small_job(), progress=False)
    w = first.path / "weights.npz"
    w.write_bytes(w.read_bytes()[:50])  # truncated
    again = experiments.train_or_load(small_job(), progress=False)
    assert again.source == "trained"
    for k in first.result.params:
        np.testing.assert_array_equal(first.result.params[k], again.result.params[k])


def test_shipped_weights_are_used_and_retrain_ignores_them(dirs):
    tr = experiments.train_or_load(small_job(), progress=False)
    (dest,) = experiments.ship([tr])
    assert dest.parent == dirs / "weights"
    import shutil

    shutil.rmtree(dirs / "results")
    found = experiments.train_or_load(small_job(), progress=False)
    assert found.source == "shipped"
    assert experiments.train_or_load(small_job(), retrain=True, progress=False).source == "trained"


def test_different_configuration_different_key():
    assert small_job(0).key != small_job(1).key
    assert job(t=16, seed=0, epochs=1).key != small_job(0).key
    assert job(t=32, seed=0, epochs=1, noise=0.1).key != small_job(0).key
    assert small_job(0).key == small_job(0).key


def test_resolve_fills_profile_defaults_and_reports_changes():
    P, changed = params.resolve("time_sampling", {"profile": "quick", "sampling": [4, 32], "seeds": None,
                                                  "In": [], "np": np})
    assert P.sampling == [4, 32] and P.epochs == params.NOTEBOOKS["time_sampling"]["epochs"].defaults["quick"]
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
        params.resolve("time_sampling", ns)


def test_command_line_text_values_are_parsed():
    # papermill -p sampling "[4, 32]" -p retrain true injects strings
    P, changed = params.resolve("time_sampling", {"profile": "smoke", "sampling": "[4, 32]", "retrain": "true",
                                                  "epochs": "3"})
    assert P.sampling == [4, 32] and P.retrain is True and P.epochs == 3


def test_noise_level_outside_unit_interval_is_rejected():
    with pytest.raises(ValueError, match="noise_levels"):
        params.resolve("noise", {"profile": "smoke", "noise_levels": [0.1, 1.5]})


def test_cli_rejects_unknown_parameter_before_running(capsys):
    assert cli_main(["run", "time_sampling", "--profile", "smoke", "-p", "chanels", "32"]) == 2
    assert "chanels" in capsys.readouterr().err
    assert cli_main(["run", "nosuch", "--profile", "smoke"]) == 2
    assert cli_main(["run", "noise", "--profile", "smoke", "-p", "noise_levels", "[2.0]"]) == 2
    assert "noise_levels" in capsys.readouterr().err


def test_cli_models_trains_a_notebooks_models_once_then_finds_them(dirs, monkeypatch, capsys):
    argv = ["models", "kernels_activations", "--profile", "smoke", "-p", "epochs", "1", "-p", "activations", "[relu]",
            "-p", "kernel_sets", "[ID_DIFF_LAP]", "-p", "noise_ablation", "false", "--ship"]
    assert cli_main(argv) == 0
    out = capsys.readouterr().out
    assert "1 model(s)" in out and ": trained " in out  # relu/ID_DIFF_LAP is shared by both sweeps: one run
    assert len(list((dirs / "weights").iterdir())) == 1
    from nca_core.core.train import Trainer

    monkeypatch.setattr(Trainer, "fit", lambda *a, **k: pytest.fail("trained again"))
    assert cli_main(argv) == 0
    assert ": cache " in capsys.readouterr().out
    assert cli_main(["models", "kernels_activations", "--profile", "smoke", "-p", "chanels", "8"]) == 2
    assert "chanels" in capsys.readouterr().err


def test_parameter_table_lists_every_parameter():
    text = params.table("noise")
    for name in params.declared("noise"):
        assert f"`{name}`" in text


def test_emoji_data_spec_builds_the_morph_trajectories():
    spec = experiments.emoji_spec(copies=3, seed=1)
    y = experiments.build_data(spec)
    assert y.shape == (4, 3, 80, 80, 4)
    np.testing.assert_array_equal(y[2], y[3])  # rooster twice: the last transition is a fixed point
    assert experiments.build_data(spec).tobytes() == y.tobytes()  # seeded
    with pytest.raises(ValueError, match="names"):
        experiments.emoji_spec(names=("alien", "lizard"))
    with pytest.raises(ValueError, match="kind"):
        experiments.build_data({"kind": "weather"})
