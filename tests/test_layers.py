"""The package's shape holds: layers import one way (cli → book → chapters → runs → core → data, view
beside them), no import circles anywhere, every chapter package has the same modules, no chapter
imports the book's registry, and the engine and ``view`` import no chapter."""

from __future__ import annotations

import ast
import sys
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
    "chapters": {"runs", "core", "data", "view"},
    "book": {"chapters", "runs", "core", "data", "view"},
    "cli": {"book", "chapters", "runs", "core", "data", "view"},
}
#: the modules every chapter package has
CHAPTER_MODULES = {"notebooks", "jobs", "measure", "claims", "figures"}
CHAPTERS = PACKAGE / "chapters"


def _node_imports(path: Path) -> list[str]:
    """The ``nca_core`` modules a file imports, as dotted names (``from a.b import c`` gives ``a.b.c`` if
    ``a/b/c.py`` or ``a/b/c/`` exists, else ``a.b``), wherever the import statement is."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "nca_core":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                rel = Path(*sub.split(".")[1:])
                is_module = (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel).is_dir()
                out.append(sub if is_module else node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("nca_core.")]
    return out


def imports(path: Path) -> set[str]:
    """The nca_core subpackages (or base modules) a file imports."""
    return {name.split(".")[1] for name in _node_imports(path) if name.count(".") >= 1}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports (a package import counts as its ``__init__``)."""
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _node_imports(p) if m in files and m != name} for name, p in files.items()}


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


def test_no_import_circles():
    g = graph()
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(g[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
                pytest.fail("import circle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for n in sorted(g):
        if n not in state:
            visit(n, [n])


def test_the_circle_check_finds_a_circle(tmp_path, monkeypatch):
    """The check above is not vacuous: two modules that import each other are reported."""
    pkg = tmp_path / "nca_core"
    (pkg / "x").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "x" / "__init__.py").write_text("")
    (pkg / "x" / "a.py").write_text("from nca_core.x import b\n")
    (pkg / "x" / "b.py").write_text("from nca_core.x.a import f\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    with pytest.raises(pytest.fail.Exception, match="import circle: nca_core.x.a → nca_core.x.b → nca_core.x.a"):
        test_no_import_circles()


def chapter_packages() -> list[Path]:
    return sorted(p for p in CHAPTERS.iterdir() if (p / "__init__.py").exists())


def test_every_chapter_has_the_same_modules():
    chapters = chapter_packages()
    assert {p.name for p in chapters} >= {"gray_scott", "morph", "local", "adversarial", "symmetry"}
    for p in chapters:
        missing = CHAPTER_MODULES - {f.stem for f in p.glob("*.py")}
        assert not missing, f"chapter {p.name} lacks {sorted(missing)}"


def test_every_chapter_is_in_the_registry():
    from nca_core.book import registry

    assert {m.__name__.split(".")[-2] for m in registry.CHAPTERS[:-1]} == {p.name for p in chapter_packages()}


def test_no_chapter_imports_the_book():
    for f in CHAPTERS.rglob("*.py"):
        assert "book" not in imports(f), f"{f.relative_to(PACKAGE)} imports the book (its registry)"


@pytest.mark.parametrize("layer", ["core", "data", "runs", "view"])
def test_the_engine_and_view_import_no_chapter(layer):
    for f in (PACKAGE / layer).rglob("*.py"):
        assert not imports(f) & {"chapters", "book"}, f"{f.relative_to(PACKAGE)} imports a chapter"


def test_declarations_import_no_tensorflow():
    """The registry and every chapter's declarations load without TensorFlow (``nca-book run`` stays light)."""
    import subprocess

    code = ("import sys; from nca_core.book import registry; registry.toc(); "
            "[registry.jobs(n, 'quick') for n in registry.NOTEBOOKS]; "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr[-2000:]
