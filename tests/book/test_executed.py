"""The executed notebook as the book shows it: one parameters cell, with the run's values, comments wrapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from nca_core.book import executed
from nca_core.cli import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[2]


def _namespace(*sources: str) -> dict:
    ns: dict = {}
    for s in sources:
        exec(s, {}, ns)
    return ns


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_one_parameters_cell_with_the_runs_values(name):
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(ROOT / "notebooks" / f"{name}.ipynb")),
                               {"profile": "long", "seed": 3})
    tags = {t: c for c in nb.cells for t in c.metadata.get("tags", [])}
    default, injected = tags["parameters"].source, tags["injected-parameters"].source
    ran = _namespace(default, injected)  # what the kernel had after the two cells
    assert executed.tidy_parameters(nb)
    shown = [c for c in nb.cells if "remove-cell" not in c.metadata.get("tags", []) and c.cell_type == "code"
             and any(line.startswith("profile =") for line in c.source.splitlines())]
    assert len(shown) == 1 and shown[0] is tags["injected-parameters"]
    assert _namespace(shown[0].source) == ran  # the same names, the same values
    assert ran["profile"] == "long" and ran["seed"] == 3
    lines = shown[0].source.splitlines()
    assert all(len(line) <= executed.WIDTH for line in lines), [line for line in lines if len(line) > executed.WIDTH]
    # every comment of the defaults is still there, word for word and in order
    def words(s):
        return [w for line in s.splitlines() if "#" in line for w in line.split("#", 1)[1].split()]

    assert " ".join(words(default)) in " ".join(words(shown[0].source))


def test_an_executed_notebook_without_injected_values_is_left_alone():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('profile = "quick"  # a comment', metadata={"tags": ["parameters"]})]
    assert not executed.tidy_parameters(nb)
    assert nb.cells[0].metadata["tags"] == ["parameters"]
