"""The nca-book command line: validation before running, and training a notebook's models once."""

from __future__ import annotations

import pytest

from nca_core.cli import main as cli_main


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


def test_cli_models_of_several_notebooks_trains_a_shared_model_once(dirs, capsys):
    # t=32 ξ=0 is both Fig 4's largest t and Fig 6's clean run; each -p goes to the notebook declaring it
    argv = ["models", "time_sampling", "noise", "--profile", "smoke", "-p", "epochs", "1", "-p", "sampling", "[32]",
            "-p", "noise_levels", "[0]"]
    assert cli_main(argv) == 0
    out = capsys.readouterr().out
    assert "1 model(s) for time_sampling, noise at profile smoke" in out
    assert len(list((dirs / "results" / "models").iterdir())) == 1
    assert cli_main(["models", "time_sampling", "noise", "--profile", "smoke", "-p", "sampling", "[0]"]) == 2
    assert "sampling" in capsys.readouterr().err
