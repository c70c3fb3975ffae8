"""The package's layers import one way: cli → paper → runs → core → data, view beside them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nca_core"
BASE = {"fileio", "validate", "__version__"}
#: what each layer may import from nca_core (besides itself and BASE)
ALLOWED = {
    "data": set(),
    "view": set(),
    "core": {"data"},
    "runs": {"core", "data"},
    "paper": {"runs", "core", "data", "view"},
    "cli": {"paper", "runs", "core", "data", "view"},
}


def imports(path: Path) -> set[str]:
    """The nca_core subpackages (or base modules) a file imports."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "nca_core":
            parts = node.module.split(".")
            out |= {a.name for a in node.names} if len(parts) == 1 else {parts[1]}
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("nca_core.")}
    return out


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer):
    files = [PACKAGE / "cli.py"] if layer == "cli" else sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    for f in files:
        bad = imports(f) - ALLOWED[layer] - BASE - {layer}
        assert not bad, f"{f.relative_to(PACKAGE)} imports {sorted(bad)}; {layer} may import {sorted(ALLOWED[layer])}"


def test_every_module_belongs_to_a_layer():
    top = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert top - BASE - {"__init__"} == set(ALLOWED)
