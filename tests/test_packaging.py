"""Packaging metadata: pyproject.toml and environment.yml must describe the same environment.

These tests read the files as text; they need neither TensorFlow nor an installed package.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
ENVIRONMENT = ROOT / "environment.yml"

LOWER_OPS = {">=", ">", "==", "~=", "==="}
UPPER_OPS = {"<", "<=", "==", "~=", "==="}


# --------------------------------------------------------------------------- TOML loading


def _strip_comment(line: str) -> str:
    """Remove a trailing ``# comment`` that is not inside a quoted string."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote and line[i - 1] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i].strip()
    return line.strip()


def _toml_value(value: str):
    """Convert a TOML scalar, array of strings or flat inline table to Python."""
    value = value.strip()
    if value.startswith("{") and value.endswith("}"):
        table = {}
        for item in re.findall(r'([A-Za-z0-9_.-]+)\s*=\s*("[^"]*"|\'[^\']*\'|[^,}]+)', value):
            table[item[0]] = _toml_value(item[1])
        return table
    if value in ("true", "false"):
        return value == "true"
    if value.startswith(('"', "'", "[")):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):  # e.g. arrays of inline tables: not needed here
            return value
    return value


def _parse_toml_subset(text: str) -> dict:
    """Parse the small TOML subset used by pyproject.toml (Python 3.10 without tomli).

    Supports ``[table.headers]``, comments, and ``key = value`` where the value is a
    string, a boolean, a (possibly multi-line) array of strings or a flat inline table;
    anything else is kept as its raw text.
    """
    data: dict = {}
    table = data
    lines = iter(text.splitlines())
    for raw in lines:
        line = _strip_comment(raw)
        if not line:
            continue
        header = re.fullmatch(r"\[([^\[\]]+)\]", line)
        if header:
            table = data
            for part in header.group(1).split("."):
                table = table.setdefault(part.strip().strip('"'), {})
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        while value.startswith("[") and value.count("[") > value.count("]"):
            value += " " + _strip_comment(next(lines))
        table[key.strip().strip('"')] = _toml_value(value)
    return data


def load_pyproject() -> dict:
    text = PYPROJECT.read_text(encoding="utf-8")
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads(text)
    try:
        import tomli  # type: ignore[import-not-found]
    except ImportError:
        return _parse_toml_subset(text)
    return tomli.loads(text)


# --------------------------------------------------------------------------- requirements


def normalise_name(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


_REQ = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    r"(?:\[(?P<extras>[^\]]*)\])?\s*"
    r"(?P<spec>[^;]*?)\s*(?:;\s*(?P<marker>.*))?$"
)


def parse_requirement(text: str) -> tuple[str, frozenset[str], frozenset[tuple[str, str]], str]:
    """Split a PEP 508 requirement into (name, extras, specifiers, marker)."""
    m = _REQ.match(text)
    assert m, f"cannot parse requirement {text!r}"
    extras = frozenset(
        normalise_name(e.strip()) for e in (m.group("extras") or "").split(",") if e.strip()
    )
    specs = set()
    for part in m.group("spec").split(","):
        part = part.replace(" ", "")
        if not part:
            continue
        sm = re.fullmatch(r"(===|~=|==|!=|<=|>=|<|>)(.+)", part)
        assert sm, f"cannot parse version specifier {part!r} in {text!r}"
        specs.add((sm.group(1), sm.group(2)))
    return normalise_name(m.group("name")), extras, frozenset(specs), (m.group("marker") or "").strip()


def as_mapping(requirements: list[str]) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for req in requirements:
        name, extras, specs, marker = parse_requirement(req)
        assert name not in out, f"{name} is listed twice"
        out[name] = (extras, specs, marker)
    return out


def pyproject_requirements(include_dev: bool = True) -> list[str]:
    project = load_pyproject()["project"]
    reqs = list(project["dependencies"])
    if include_dev:
        reqs += list(project["optional-dependencies"]["dev"])
    return reqs


def environment_pip_requirements() -> list[str]:
    env = yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml must have exactly one pip: section"
    return [
        r
        for r in pip_sections[0]
        if not r.startswith(("-e", "--editable")) and r.strip() not in {".", "./"}
    ]


# --------------------------------------------------------------------------- tests


def test_pyproject_and_environment_dependencies_agree() -> None:
    project = as_mapping(pyproject_requirements(include_dev=True))
    conda = as_mapping(environment_pip_requirements())
    missing_in_env = sorted(set(project) - set(conda))
    extra_in_env = sorted(set(conda) - set(project))
    assert not missing_in_env, f"in pyproject.toml but not environment.yml: {missing_in_env}"
    assert not extra_in_env, f"in environment.yml but not pyproject.toml: {extra_in_env}"
    differing = {n: (project[n], conda[n]) for n in project if project[n] != conda[n]}
    assert not differing, f"specifiers differ (pyproject, environment.yml): {differing}"


def test_environment_installs_the_package_and_python() -> None:
    env = yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in [r.strip() for r in pip_section]
    conda_deps = [d for d in env["dependencies"] if isinstance(d, str)]
    assert "pip" in conda_deps
    assert any(d.replace(" ", "") == "python>=3.10" for d in conda_deps)
    assert "conda-forge" in env["channels"]


def test_python_requirement_matches() -> None:
    assert load_pyproject()["project"]["requires-python"].replace(" ", "") == ">=3.10"


def _all_declared_requirements() -> list[str]:
    project = load_pyproject()["project"]
    reqs = list(project["dependencies"])
    for group in project.get("optional-dependencies", {}).values():
        reqs += list(group)
    return reqs + environment_pip_requirements()


@pytest.mark.parametrize("requirement", _all_declared_requirements())
def test_every_dependency_is_bounded(requirement: str) -> None:
    _, _, specs, _ = parse_requirement(requirement)
    ops = {op for op, _ in specs}
    assert ops & LOWER_OPS, f"{requirement!r} has no lower bound"
    assert ops & UPPER_OPS, f"{requirement!r} has no upper bound"


def test_dev_and_gpu_extras_declared() -> None:
    extras = load_pyproject()["project"]["optional-dependencies"]
    assert {parse_requirement(r)[0] for r in extras["dev"]} >= {"pytest", "selenium"}
    gpu = [parse_requirement(r) for r in extras["gpu"]]
    assert [(name, extras_) for name, extras_, _, _ in gpu] == [("tensorflow", frozenset({"and-cuda"}))]


def test_console_script_declared() -> None:
    scripts = load_pyproject()["project"].get("scripts", {})
    assert scripts.get("nca-book") == "nca_core.cli:main"


def test_version_is_read_from_package() -> None:
    data = load_pyproject()
    assert "version" in data["project"]["dynamic"]
    assert "version" not in data["project"]
    assert data["tool"]["setuptools"]["dynamic"]["version"]["attr"] == "nca_core.__version__"
    init = (ROOT / "nca_core" / "__init__.py").read_text(encoding="utf-8")
    assert re.search(r'^__version__\s*=\s*["\'][^"\']+["\']', init, re.M)


def test_toml_subset_parser_agrees_with_full_parser() -> None:
    """The Python 3.10 fallback parser must read the same metadata as a real TOML parser."""
    text = PYPROJECT.read_text(encoding="utf-8")
    subset = _parse_toml_subset(text)
    full = load_pyproject()  # tomllib (3.11+), tomli, or the subset parser itself
    for key in ("dependencies", "optional-dependencies", "scripts", "requires-python", "dynamic"):
        assert subset["project"][key] == full["project"][key], key
    assert subset["tool"]["setuptools"]["dynamic"] == full["tool"]["setuptools"]["dynamic"]
    assert subset["project"]["dependencies"], "no dependencies parsed"
