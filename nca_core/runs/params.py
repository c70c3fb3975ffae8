"""Notebook parameters: declared once, filled from a profile, validated.

Each notebook has a first code cell tagged ``parameters`` in which every parameter is
``None`` except ``profile``. Papermill injects the user's values after it. The next cell
calls :func:`resolve` (through :func:`nca_core.book.registry.resolve`, which holds every
notebook's declarations), which

* rejects any injected name the notebook does not declare (a misspelt ``-p chanels 32``),
  while ignoring the names the notebook's own later cells assign (:func:`own_names`), which a
  second *Run All* in the same kernel finds in ``globals()`` from the first,
* fills every parameter left at ``None`` from the profile (``smoke``, ``quick``, ``paper``),
* validates each value and raises ``ValueError`` naming the parameter, the value and what
  is accepted,

and returns the resolved values plus the ones that differ from the profile (for the
provenance line under each figure).
"""

from __future__ import annotations

import ast
import json
import os
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml

from nca_core import validate

#: every notebook runs at one of these profiles (see the README). A parameter without a default
#: of its own for ``long`` takes its ``quick`` one: the long tier trains the quick profile's
#: models for longer, and changes nothing else. ``grid`` is the paper's grids and seeds trained with
#: the fastest recipe that meets the quality targets (issue 22): a parameter without a ``grid``
#: default takes its ``long`` one (so evaluation costs stay those of the long tier).
PROFILES = ("smoke", "quick", "long", "grid", "paper")
#: a profile without a default of its own takes the default of the profile it falls back to
FALLBACK = {"long": "quick", "grid": "long"}


@dataclass(frozen=True)
class Param:
    """A notebook parameter: per-profile defaults, a checker and a one-line description."""

    defaults: dict[str, Any]
    check: Callable[[str, Any], Any]
    doc: str

    def default(self, profile: str) -> Any:
        """The default at ``profile``; ``grid`` falls back to ``long``, ``long`` to ``quick`` (:data:`FALLBACK`)."""
        while profile not in self.defaults and profile in FALLBACK:
            profile = FALLBACK[profile]
        return self.defaults[profile]


def parsed(value: Any) -> Any:
    """Values given on a command line arrive as text (papermill ``-p sampling "[4, 32]"``): parse as YAML."""
    if isinstance(value, str):
        try:
            return yaml.safe_load(value)
        except yaml.YAMLError:
            return value
    return value


def int_list(minimum: int) -> Callable[[str, Any], list[int]]:
    def check(name: str, value: Any) -> list[int]:
        value = parsed(value)
        if isinstance(value, (int,)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(f"{name}={value!r} is not accepted; accepted: a non-empty list of integers >= {minimum}")
        return [validate.integer(name, v, minimum) for v in value]

    return check


def float_list(lo: float, hi: float) -> Callable[[str, Any], list[float]]:
    def check(name: str, value: Any) -> list[float]:
        value = parsed(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(f"{name}={value!r} is not accepted; accepted: a non-empty list of numbers in [{lo}, {hi}]")
        return [validate.number(name, v, lo, hi) for v in value]

    return check


def integer(minimum: int) -> Callable[[str, Any], int]:
    return lambda name, v: validate.integer(name, parsed(v), minimum)


def number(lo: float, hi: float) -> Callable[[str, Any], float]:
    return lambda name, v: validate.number(name, parsed(v), lo, hi)


def choice(*choices: Any) -> Callable[[str, Any], Any]:
    return lambda name, v: validate.choice(name, v, choices)


def flag(name: str, v: Any) -> bool:
    v = parsed(v)
    if not isinstance(v, bool):
        raise ValueError(f"{name}={v!r} is not accepted; accepted: True or False")
    return v


def str_list(choices: tuple[str, ...]) -> Callable[[str, Any], list[str]]:
    def check(name: str, value: Any) -> list[str]:
        value = parsed(value)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not value or any(v not in choices for v in value):
            raise ValueError(f"{name}={value!r} is not accepted; accepted: a non-empty list from {', '.join(choices)}")
        return list(value)

    return check


def learning_rate(name: str, v: Any) -> float:
    return validate.number(name, parsed(v), 0.0, 1.0, open_min=True)


def same(value: Any) -> dict[str, Any]:
    """The same default at every profile (the profiles that fall back to another take it from there, so that
    ``{**same(a), "long": b}`` gives ``b`` at ``grid`` too)."""
    return {p: value for p in PROFILES if p not in FALLBACK}


Constraint = Callable[[dict[str, Any]], None]


def resolve(notebook: str, declared: dict[str, Param], namespace: dict[str, Any],
            constraints: Sequence[Constraint] = ()) -> tuple[types.SimpleNamespace, dict[str, Any]]:
    """Resolve a notebook's parameters from its global namespace.

    Args:
        notebook: the notebook's name (for the messages).
        declared: its parameters (``profile`` excluded).
        namespace: ``globals()`` right after the parameters (and injected-parameters) cells.
        constraints: checks involving several parameters, run after each value is validated.

    Returns:
        (resolved parameters as attributes, the parameters that differ from the profile).

    Raises:
        ValueError: on an unknown profile, an undeclared parameter name, or a bad value.
    """
    profile = namespace.get("profile")
    validate.choice("profile", profile, PROFILES)
    known = set(declared) | {"profile"}
    candidates = [
        k for k, v in namespace.items()
        if not k.startswith("_") and k not in known and k not in _IPYTHON_NAMES
        and not isinstance(v, types.ModuleType) and not callable(v)  # imports, not parameters
    ]
    unknown = sorted(set(candidates) - _later_names(notebook, namespace))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))} for notebook {notebook!r}; "
            f"accepted: profile, {', '.join(sorted(declared))}"
        )
    values: dict[str, Any] = {"profile": profile}
    changed: dict[str, Any] = {}
    for name, p in declared.items():
        given = namespace.get(name)
        default = p.default(profile)
        value = p.check(name, default if given is None else given)
        values[name] = value
        if given is not None and value != p.check(name, default):
            changed[name] = value
    for constraint in constraints:
        constraint(values)
    return types.SimpleNamespace(**values), changed


def table(declared: dict[str, Param]) -> str:
    """Markdown table of parameters with their per-profile defaults."""
    rows = ["| parameter | " + " | ".join(PROFILES) + " | meaning |", "|---|" + "---|" * len(PROFILES) + "---|"]
    for name, p in declared.items():
        rows.append(f"| `{name}` | " + " | ".join(str(p.default(q)) for q in PROFILES) + f" | {p.doc} |")
    return "\n".join(rows)


_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}

# ------------------------------------------------------------------ a second Run All in the same kernel
#: where the notebooks' sources are, in a checkout (``$NCA_NOTEBOOK_DIR`` overrides)
NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
#: set by :func:`resolve` in a namespace without a findable source: the names present at the first resolution
_SNAPSHOT = "_nca_params_snapshot"


def assigned_names(code: str) -> set[str]:
    """The names a piece of Python code binds: assignment, ``for``, ``with … as``, ``except … as``, ``:=``,
    ``import``, ``def`` and ``class`` targets (IPython magics and shell lines are skipped)."""
    lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
    return out


def _calls_resolve(code: str) -> bool:
    try:
        tree = ast.parse("\n".join(ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))))
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Call) and (getattr(n.func, "attr", None) == "resolve"
                                            or getattr(n.func, "id", None) == "resolve") for n in ast.walk(tree))


def own_names(path: str | Path) -> set[str]:
    """The names a notebook's own code assigns from the cell that resolves its parameters on.

    A notebook file's code cells are read from the one that calls ``resolve(…)`` (after the
    ``parameters`` cell) to the end: on a second *Run All* in the same kernel these names are in
    ``globals()`` from the first run, and are not parameters. Cells before it (the ``parameters``
    cell, papermill's ``injected-parameters`` cell, anything a reader adds above the call) are not
    read: what they set is checked as a parameter.
    """
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    out: set[str] = set()
    started = False
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        code = cell.get("source", "")
        code = "".join(code) if isinstance(code, list) else code
        tags = cell.get("metadata", {}).get("tags", [])
        if not started and ("parameters" in tags or "injected-parameters" in tags or not _calls_resolve(code)):
            continue
        started = True
        out |= assigned_names(code)
    return out


def source_notebooks(notebook: str) -> list[Path]:
    """The source files of notebook ``notebook`` this process can read: ``<notebook dir>/<notebook>.ipynb``
    (``$NCA_NOTEBOOK_DIR``, else the checkout's ``notebooks/``) and the notebook a Jupyter server runs this
    kernel for (``$JPY_SESSION_NAME``: a copy the reader opened, with cells of their own)."""
    folder = Path(os.environ.get("NCA_NOTEBOOK_DIR") or NOTEBOOK_DIR)
    paths = [folder / f"{notebook}.ipynb", Path(os.environ.get("JPY_SESSION_NAME") or "")]
    return [p for p in paths if p.suffix == ".ipynb" and p.is_file()]


def _later_names(notebook: str, namespace: dict[str, Any]) -> set[str]:
    """The names in ``namespace`` that the notebook's own code after the parameters sets (not parameters).

    From the notebook's source (:func:`own_names` of :func:`source_notebooks`). Where no source can be read
    (a notebook opened outside the checkout, e.g. on Colab), from the namespace itself: the names that
    appeared after this notebook's first resolution in it (which cannot tell a name typed into the
    parameters cell between two runs from the notebook's own, so the source is preferred).
    """
    names: set[str] = set()
    found = False
    for path in source_notebooks(notebook):
        try:
            names |= own_names(path)
            found = True
        except (OSError, ValueError):  # unreadable or not a notebook: the fallback below
            continue
    snapshot = namespace.get(_SNAPSHOT)
    if not found:
        if isinstance(snapshot, tuple) and snapshot[0] == notebook:
            names |= set(namespace) - set(snapshot[1])
        elif "__name__" in namespace:  # a real module namespace (globals()), not a dict made by a caller
            namespace[_SNAPSHOT] = (notebook, frozenset(namespace))
    return names
