"""``nca-book models … --workers N | --scheduler ADDRESS``: a notebook's models on a local Dask cluster, bad input."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from nca_core.cli import main as cli_main

# two emoji models of the kernels_activations notebook (relu and linear on ID_DIFF_LAP), one epoch each
ARGV = ["models", "kernels_activations", "--profile", "smoke", "-p", "epochs", "1", "-p", "activations",
        "[relu, linear]", "-p", "kernel_sets", "[ID_DIFF_LAP]", "-p", "noise_ablation", "false"]


def test_models_on_two_local_workers_then_found_in_process(dirs, monkeypatch, capsys):
    assert cli_main([*ARGV, "--workers", "2", "--ship"]) == 0
    out = capsys.readouterr().out
    assert "2 model(s)" in out and "training 2 model(s) on 2 local worker(s)" in out
    finished = [ln for ln in out.splitlines() if ln.startswith("[")]
    assert len(finished) == 2 and all(": trained " in ln and "best loss" in ln and " on " in ln for ln in finished)
    assert len(list((dirs / "results" / "models").iterdir())) == 2
    assert len(list((dirs / "weights").iterdir())) == 2  # --ship
    from nca_core.core.train import Trainer

    monkeypatch.setattr(Trainer, "fit", lambda *a, **k: pytest.fail("trained again"))
    assert cli_main(ARGV) == 0  # in this process (the default): both found
    out = capsys.readouterr().out
    assert out.count(": cache ") == 2


def test_models_bad_scheduler_fails_fast(dirs, capsys):
    t0 = time.monotonic()
    assert cli_main([*ARGV, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert time.monotonic() - t0 < 15  # the connection timeout is 5 s
    err = capsys.readouterr().err
    assert "--scheduler='tcp://127.0.0.1:9': could not connect to a Dask scheduler" in err
    assert "accepted: the address of a running Dask scheduler" in err and "scheduler file" in err
    assert not (dirs / "results" / "models").exists()


def test_models_rejects_bad_workers(dirs, capsys):
    assert cli_main([*ARGV, "--workers", "0"]) == 2
    assert "--workers=0 is not accepted; accepted: an integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse: not an integer / both options
        cli_main([*ARGV, "--workers", "two"])
    assert "--workers: invalid int value: 'two'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_main([*ARGV, "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_importing_the_cli_imports_neither_tensorflow_nor_dask():
    code = ("import sys, nca_core.cli; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'dask', 'distributed'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
