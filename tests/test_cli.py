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


def test_run_with_jobs_runs_notebooks_at_the_same_time_and_the_report_after_them(tmp_path, monkeypatch, capsys):
    """``--jobs 2``: two notebooks run together (each waits until the other has started), the report only after
    both ended; every executed copy is written and tidied."""
    import json

    import nbformat

    from nca_core import cli

    book = tmp_path / "book"
    (book / "notebooks").mkdir(parents=True)
    runs = tmp_path / "runs"
    runs.mkdir()
    monkeypatch.setenv("NCA_TEST_RUNS", str(runs))
    wait_for = {"gray_scott_data": "morphing_task", "morphing_task": "gray_scott_data", "report": None}
    for name, other in wait_for.items():
        body = (f"import json, os, pathlib, time\nruns = pathlib.Path(os.environ['NCA_TEST_RUNS'])\n"
                f"t0 = time.time()\n(runs / '{name}.started').touch()\n"
                + (f"while not (runs / '{other}.started').exists():\n"
                   f"    assert time.time() - t0 < 120, 'not run at the same time as {other}'\n"
                   f"    time.sleep(0.1)\n" if other else "")
                + f"(runs / '{name}.json').write_text(json.dumps([t0, time.time()]))")
        nb = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell('profile = "quick"  # the profile', metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(body)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, book / "notebooks" / f"{name}.ipynb")
    done = cli.run_notebooks(list(wait_for), "smoke", {}, book, jobs=2)
    assert [p.name for p in done] == [f"{n}.ipynb" for n in wait_for] and all(p.exists() for p in done)
    spans = {n: json.loads((runs / f"{n}.json").read_text()) for n in wait_for}
    assert spans["report"][0] >= max(spans["gray_scott_data"][1], spans["morphing_task"][1])
    executed = nbformat.read(done[0], as_version=4)
    shown = [c for c in executed.cells if "remove-cell" not in c.metadata.get("tags", [])]
    assert 'profile = "smoke"' in shown[0].source  # one parameters cell shown, with this run's values
    out = capsys.readouterr().out
    assert "3 notebooks, 2 at a time" in out and "[3/3] report (profile smoke)" in out
