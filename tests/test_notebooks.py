"""Every notebook runs under papermill at profile=smoke (fixture ``smoke_book`` in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import papermill as pm
import pytest

from nca_core.book.registry import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_at_smoke_and_writes_its_figures(smoke_book, name):
    import nbformat

    nb = nbformat.read(smoke_book / "book" / "_executed" / f"{name}.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors
    for fig in NOTEBOOKS[name].figures:
        path = smoke_book / "book" / "_executed" / "figures" / fig
        assert path.exists() and path.stat().st_size > 1000, fig
    # the claims table is computed in the run
    text = "".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                   for o in c.get("outputs", []))
    if name == "report":  # the report gathers the claims every other page recorded (it runs last)
        assert "claims reproduced**" in text
        assert "| figure | claim (paper) | this build | verdict |" in text  # the models: listed once per figure
        assert "| model | best epoch | read by |" in text  # every model once, with the pages that read it
        recorded = {p.name.split("__")[0] for p in (smoke_book / "book" / "_executed" / "claims").glob("*.json")}
        assert {"gray_scott_data", "time_sampling", "noise", "morphing_task", "kernels_activations",
                "channels_sampling"} <= recorded
        for other in recorded:
            assert f"<{other}>`" in text, other  # each links to its page
    elif name == "explore":  # the notebook explorer claims nothing: its widget and two scripted runs
        assert "*Provenance:* profile **smoke**" in text
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    else:  # the paper's claims, our own set-up checks (the morph task's data) or our questions (beyond the paper)
        assert any(h in text for h in ("| claim (paper) |", "| check (our set-up", "| question (ours) |")), name
        assert "*Provenance:* profile **smoke**" in text


def test_source_notebooks_are_clean_and_parameterised():
    import nbformat

    for name in NOTEBOOKS:
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.get("outputs") and not c.get("execution_count") for c in code), name
        first = code[0]
        assert "parameters" in first.metadata.get("tags", []), name
        assert first.source.lstrip().startswith("profile = "), name
        for line in first.source.splitlines():
            assert "#" in line, f"{name}: parameter line without a comment: {line}"


@pytest.mark.parametrize(
    "name,params,needle",
    [("time_sampling", {"profile": "fast"}, "profile"),
     ("time_sampling", {"profile": "smoke", "sampling": [0]}, "sampling"),
     ("noise", {"profile": "smoke", "noise_levels": [1.5]}, "noise_levels"),
     ("noise", {"profile": "smoke", "chanels": 32}, "chanels"),
     ("morphing_task", {"profile": "smoke", "pad": 5, "max_shift": 8}, "max_shift")],
)
def test_bad_parameters_fail_at_once_naming_them(tmp_path, name, params, needle):
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters=params, kernel_name="python3", progress_bar=False)
    assert needle in str(err.value)
    assert "ValueError" in str(err.value)


