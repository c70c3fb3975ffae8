"""Notebook parameters on a second Run All in the same kernel: the notebook's own names are not parameters,
a misspelt one still is rejected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nca_core.book import registry
from nca_core.runs import params

ROOT = Path(__file__).resolve().parents[2]


def parameter_cell(name: str) -> dict:
    """The namespace the parameters cell of notebook ``name`` makes (run as written)."""
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    ns: dict = {"__name__": "__main__"}
    exec("".join(cell["source"]), ns)
    return ns


def after_a_run(name: str) -> dict:
    """Its namespace when Run All reaches the resolve call again: every name its later cells set (as data)."""
    ns = parameter_cell(name)
    for k in params.own_names(ROOT / "notebooks" / f"{name}.ipynb"):
        ns.setdefault(k, [1, 2, 3])  # a value that is neither a module nor callable
    return ns


@pytest.mark.parametrize("name", list(registry.NOTEBOOKS))
def test_a_second_run_all_resolves_as_the_first(name):
    first = registry.resolve(name, parameter_cell(name))
    ns = after_a_run(name)
    assert {"P", "changed"} <= set(ns)  # the names a first run left
    second = registry.resolve(name, ns)
    assert vars(second[0]) == vars(first[0]) and second[1] == first[1]


@pytest.mark.parametrize("name", ["explore", "time_sampling", "noise"])
def test_a_misspelt_parameter_is_still_rejected_after_a_run(name):
    ns = after_a_run(name)
    ns["chanels"] = 32
    with pytest.raises(ValueError) as err:
        registry.resolve(name, ns)
    msg = str(err.value)
    assert f"unknown parameter(s) 'chanels' for notebook {name!r}; accepted: profile, " in msg
    assert "'P'" not in msg and "'fig'" not in msg  # only the misspelt name is reported


def write_notebook(path: Path, cells: list[tuple[str, list[str]]]) -> Path:
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": tags}, "source": src, "outputs": [],
                     "execution_count": None} for src, tags in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_own_names_are_read_from_the_resolve_cell_on(tmp_path):
    nb = write_notebook(tmp_path / "x.ipynb", [
        ("profile = 'smoke'\nchanels = None", ["parameters"]),
        ("profile = 'quick'", ["injected-parameters"]),
        ("typo = 3", []),  # above the call: a parameter like any other
        ("%matplotlib inline\nimport numpy as np\nP, changed = registry.resolve('x', globals())", []),
        ("for k in range(3):\n    total = k\nwith open('f') as fh:\n    pass\ndef f():\n    pass\n"
         "class C:\n    pass\ntry:\n    pass\nexcept OSError as err:\n    pass\nif (m := 3):\n    pass\n"
         "!ls\nout[0] = 1\nfig.x = 2", []),
    ])
    assert params.own_names(nb) == {"np", "P", "changed", "k", "total", "fh", "f", "C", "err", "m"}
    assert params.assigned_names("this is not python") == set()


def test_a_copy_the_reader_opened_adds_its_own_cells(tmp_path, monkeypatch):
    """JupyterLab tells the kernel its notebook ($JPY_SESSION_NAME): a copy with a cell of the reader's own."""
    src = json.loads((ROOT / "notebooks" / "noise.ipynb").read_text(encoding="utf-8"))
    src["cells"].append({"cell_type": "code", "metadata": {}, "source": "mine = P.profile", "outputs": [],
                         "execution_count": None})
    (tmp_path / "noise-mine.ipynb").write_text(json.dumps(src), encoding="utf-8")
    ns = {**after_a_run("noise"), "mine": "smoke"}
    with pytest.raises(ValueError, match="unknown parameter\\(s\\) 'mine'"):
        registry.resolve("noise", ns)
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "noise-mine.ipynb"))
    registry.resolve("noise", ns)


def test_without_a_source_the_names_made_after_the_first_resolution_are_the_notebooks(tmp_path, monkeypatch):
    """Outside the checkout (e.g. Colab): the namespace remembers what was there at the first resolution."""
    monkeypatch.setenv("NCA_NOTEBOOK_DIR", str(tmp_path))  # no notebook sources here
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    ns = parameter_cell("noise")
    ns["typo"] = 1
    with pytest.raises(ValueError, match="unknown parameter\\(s\\) 'typo' for notebook 'noise'"):
        registry.resolve("noise", ns)
    del ns["typo"]
    first = registry.resolve("noise", ns)
    ns.update(P=first[0], changed=first[1], fig=[1])  # what the later cells set
    second = registry.resolve("noise", ns)
    assert vars(second[0]) == vars(first[0])
    with pytest.raises(ValueError, match="unknown parameter\\(s\\) 'chanels'"):
        registry.resolve("noise", {**parameter_cell("noise"), "chanels": 3})  # another namespace: checked


@pytest.mark.parametrize("name", ["gray_scott_data"])
def test_run_all_twice_in_one_kernel_gives_the_same_result(name, tmp_path, monkeypatch):
    """Run All twice in one kernel (nbclient, profile smoke, as papermill injects it): no error, same outputs."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path / "figures"))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    at = next(k for k, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell('profile = "smoke"', metadata={"tags": ["injected-parameters"]}))
    client = NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(tmp_path)}})
    runs = []
    with client.setup_kernel():
        for _ in range(2):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)  # raises CellExecutionError on an error
            runs.append([output(o) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])])
            runs[-1].append({p.name: p.read_bytes() for p in (tmp_path / "figures").glob("*.png")})
    assert runs[0] == runs[1]
    assert any("*Provenance:* profile **smoke**" in str(o) for o in runs[1])
    assert runs[1][-1] and not [o for o in runs[1][:-1] if o.get("stream") == "stderr"]


def output(o: dict) -> dict:
    """What of a cell output must be the same on a rerun (HTML animations carry random element ids)."""
    if o.get("output_type") == "stream":
        return {"stream": o["name"], "text": o["text"]}
    if o.get("output_type") == "error":
        return {"error": o.get("ename")}
    return {k: v for k, v in o.get("data", {}).items() if k in ("text/plain", "text/markdown", "image/png")}
