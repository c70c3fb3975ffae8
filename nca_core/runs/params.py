"""Notebook parameters: declared once, filled from a profile, validated.

Each notebook has a first code cell tagged ``parameters`` in which every parameter is
``None`` except ``profile``. Papermill injects the user's values after it. The next cell
calls :func:`resolve` (through :func:`nca_core.paper.registry.resolve`, which holds every
notebook's declarations), which

* rejects any injected name the notebook does not declare (a misspelt ``-p chanels 32``),
* fills every parameter left at ``None`` from the profile (``smoke``, ``quick``, ``paper``),
* validates each value and raises ``ValueError`` naming the parameter, the value and what
  is accepted,

and returns the resolved values plus the ones that differ from the profile (for the
provenance line under each figure).
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import yaml

from nca_core import validate

#: every notebook runs at one of these profiles (see the README). A parameter without a default
#: of its own for ``long`` takes its ``quick`` one: the long tier trains the quick profile's
#: models for longer, and changes nothing else.
PROFILES = ("smoke", "quick", "long", "paper")


@dataclass(frozen=True)
class Param:
    """A notebook parameter: per-profile defaults, a checker and a one-line description."""

    defaults: dict[str, Any]
    check: Callable[[str, Any], Any]
    doc: str

    def default(self, profile: str) -> Any:
        """The default at ``profile`` (``long`` falls back to ``quick``)."""
        return self.defaults[profile] if profile in self.defaults or profile != "long" else self.defaults["quick"]


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
    """The same default at every profile."""
    return {p: value for p in PROFILES}


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
    unknown = sorted(
        k for k, v in namespace.items()
        if not k.startswith("_") and k not in known and k not in _IPYTHON_NAMES
        and not isinstance(v, types.ModuleType) and not callable(v)  # imports, not parameters
    )
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
