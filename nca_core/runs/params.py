"""Notebook parameters: declared once, filled from a profile, validated.

Each notebook has a first code cell tagged ``parameters`` in which every parameter is
``None`` except ``profile``. Papermill injects the user's values after it. The next cell
calls :func:`resolve`, which

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
from typing import Any, Callable

import yaml

from nca_core.data import morph as data
from nca_core.data import gray_scott as pde
from nca_core import validate
from nca_core.core.kernels import PAPER_KERNEL_SETS, KERNEL_SETS
from nca_core.core.config import ACTIVATIONS
from nca_core.runs.cache import PROFILES


@dataclass(frozen=True)
class Param:
    """A notebook parameter: per-profile defaults, a checker and a one-line description."""

    defaults: dict[str, Any]
    check: Callable[[str, Any], Any]
    doc: str


def _parsed(value: Any) -> Any:
    """Values given on a command line arrive as text (papermill ``-p sampling "[4, 32]"``): parse as YAML."""
    if isinstance(value, str):
        try:
            return yaml.safe_load(value)
        except yaml.YAMLError:
            return value
    return value


def _int_list(minimum: int) -> Callable[[str, Any], list[int]]:
    def check(name: str, value: Any) -> list[int]:
        value = _parsed(value)
        if isinstance(value, (int,)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(f"{name}={value!r} is not accepted; accepted: a non-empty list of integers >= {minimum}")
        return [validate.integer(name, v, minimum) for v in value]

    return check


def _float_list(lo: float, hi: float) -> Callable[[str, Any], list[float]]:
    def check(name: str, value: Any) -> list[float]:
        value = _parsed(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(f"{name}={value!r} is not accepted; accepted: a non-empty list of numbers in [{lo}, {hi}]")
        return [validate.number(name, v, lo, hi) for v in value]

    return check


def _int(minimum: int) -> Callable[[str, Any], int]:
    return lambda name, v: validate.integer(name, _parsed(v), minimum)


def _choice(*choices: Any) -> Callable[[str, Any], Any]:
    return lambda name, v: validate.choice(name, v, choices)


def _bool(name: str, v: Any) -> bool:
    v = _parsed(v)
    if not isinstance(v, bool):
        raise ValueError(f"{name}={v!r} is not accepted; accepted: True or False")
    return v


def _str_list(choices: tuple[str, ...]) -> Callable[[str, Any], list[str]]:
    def check(name: str, value: Any) -> list[str]:
        value = _parsed(value)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not value or any(v not in choices for v in value):
            raise ValueError(f"{name}={value!r} is not accepted; accepted: a non-empty list from {', '.join(choices)}")
        return list(value)

    return check


def _lr(name: str, v: Any) -> float:
    return validate.number(name, _parsed(v), 0.0, 1.0, open_min=True)


def _emoji_names(name: str, value: Any) -> list[str]:
    value = _parsed(value)
    accepted = f"a list of at least 2 emoji names from {', '.join(sorted(data.EMOJI))}"
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise ValueError(f"{name}={value!r} is not accepted; accepted: {accepted}")
    for v in value:
        if v not in data.EMOJI:
            raise ValueError(f"{name}={value!r} is not accepted ({v!r} is unknown); accepted: {accepted}")
    return list(value)


def _same(value: Any) -> dict[str, Any]:
    return {p: value for p in PROFILES}


_GS_COMMON = {
    "gamma_preset": Param(_same("published"), _choice(*pde.PRESETS),
                          "Gray-Scott parameter set: published (γ=0.06268), as_run (γ=0.06258), mitosis"),
}

_GS_TRAINING = {
    "epochs": Param({"smoke": 2, "quick": 300, "paper": 4000}, _int(1), "training epochs per model"),
    "lr": Param({"smoke": 5e-3, "quick": 5e-3, "paper": 1e-3}, _lr,
                "Nadam learning rate (paper 1e-3; quick 5e-3 makes up for 13× fewer epochs)"),
    "seeds": Param({"smoke": [0], "quick": [0], "paper": [0, 1, 2, 3]}, _int_list(0), "weight/shuffle seeds"),
    "channels": Param(_same(8), _int(2), "NCA channels C (2 observable: A, B)"),
    "test_size": Param({"smoke": 64, "quick": 128, "paper": 128}, _choice(64, 128),
                       "lattice size of the unseen test initial condition"),
    "test_steps": Param({"smoke": 64, "quick": 2048, "paper": 2048}, _int(1), "steps of the test rollout"),
    "retrain": Param(_same(False), _bool, "train even if cached or shipped weights exist"),
}

_EMOJI_TRAINING = {
    "epochs": Param({"smoke": 2, "quick": 100, "paper": 8000}, _int(1), "training epochs per model"),
    "lr": Param({"smoke": 5e-3, "quick": 5e-3, "paper": 1e-3}, _lr,
                "Nadam learning rate (paper code 1e-3; quick 5e-3 makes up for 80× fewer epochs)"),
    "chunk_size": Param({"smoke": 4, "quick": 8, "paper": 0}, _int(0),
                        "pairs per gradient step; 0 = all pairs, one step per epoch (the authors' code)"),
    "copies": Param({"smoke": 2, "quick": 8, "paper": 8}, _int(1), "randomly shifted copies of the sequence (R)"),
    "seed": Param(_same(0), _int(0), "seed of weights, shuffles and update masks"),
    "input_noise": Param(_same(1e-3), lambda n, v: validate.number(n, _parsed(v), 0.0, 1.0),
                         "input-noise amplitude a, applied once before training (0 = none)"),
    "retrain": Param(_same(False), _bool, "train even if cached or shipped weights exist"),
}

NOTEBOOKS: dict[str, dict[str, Param]] = {
    "gray_scott_data": {
        **_GS_COMMON,
        "steps": Param({"smoke": 128, "quick": 1024, "paper": 1024}, _int(1), "PDE steps of each trajectory"),
        "snapshots": Param({"smoke": [0, 64, 128], "quick": [0, 128, 256, 512, 1024],
                            "paper": [0, 128, 256, 512, 1024]}, _int_list(0), "steps shown as snapshots"),
        "animation_every": Param({"smoke": 32, "quick": 16, "paper": 8}, _int(1), "steps between animation frames"),
    },
    "time_sampling": {
        **_GS_COMMON,
        **_GS_TRAINING,
        "sampling": Param({"smoke": [16, 32], "quick": [4, 16, 32], "paper": [1, 2, 4, 6, 8, 12, 16, 24, 32]},
                          _int_list(1), "time samplings t (NCA steps between data frames)"),
        "fig5_t": Param(_same(32), _int(1), "t of the model compared with the PDE in Fig 5 and S4–S6"),
        "fig5_steps": Param({"smoke": 128, "quick": 4096, "paper": 4096}, _int(1), "steps of Fig 5 and the videos"),
        "video_every": Param({"smoke": 16, "quick": 4, "paper": 1}, _int(1), "steps between video frames"),
    },
    "noise": {
        **_GS_COMMON,
        **_GS_TRAINING,
        "noise_levels": Param({"smoke": [0.0, 0.5], "quick": [0.0, 0.3, 0.8],
                               "paper": [round(i / 20, 2) for i in range(21)]}, _float_list(0.0, 1.0),
                              "noise amplitudes ξ of ỹ = (1−ξ)y + ξη"),
        "t": Param(_same(32), _int(1), "time sampling of the noisy training data"),
        "window": Param(_same(3), _int(1), "moving-average window (in ξ values) of Fig 6A"),
    },
    "kernels_activations": {
        **_EMOJI_TRAINING,
        "channels": Param({"smoke": 8, "quick": 16, "paper": 16}, _int(4), "NCA channels C (4 observable: RGBA)"),
        "t": Param({"smoke": 2, "quick": 32, "paper": 64}, _int(1), "NCA steps between consecutive images"),
        "kernel_sets": Param({"smoke": ["ID_LAP", "ID_DIFF_LAP"], "quick": list(PAPER_KERNEL_SETS),
                              "paper": list(PAPER_KERNEL_SETS)}, _str_list(KERNEL_SETS),
                             "kernel sets of panels A/B (relu)"),
        "activations": Param({"smoke": ["relu", "linear"], "quick": ["linear", "relu", "swish", "tanh"],
                              "paper": ["linear", "relu", "swish", "tanh"]}, _str_list(ACTIVATIONS),
                             "activations of panels C/D (ID_DIFF_LAP); leaky_relu and gelu also accepted"),
        "noise_ablation": Param(_same(True), _bool, "also train the relu/ID_DIFF_LAP model without input noise"),
        "extrapolate": Param(_same(8), _int(4), "the snapshots and videos run to extrapolate × t steps"),
        "video_every": Param(_same(1), _int(1), "steps between video frames (S1–S3)"),
    },
    "channels_sampling": {
        **_EMOJI_TRAINING,
        "channel_list": Param({"smoke": [4, 8], "quick": [4, 8, 16, 32], "paper": [4, 6, 8, 10, 12, 14, 16, 32]},
                              _int_list(4), "channel counts C of the channel slice (panels A/B)"),
        "channel_t": Param({"smoke": 2, "quick": 32, "paper": 32}, _int(1), "t of the channel slice"),
        "sampling": Param({"smoke": [2, 8], "quick": [2, 8, 32, 64], "paper": [1, 2, 4, 8, 16, 32, 64, 128]},
                          _int_list(1), "time samplings t of the sampling slice (panels C/D)"),
        "sampling_channels": Param({"smoke": 8, "quick": 16, "paper": 16}, _int(4), "C of the sampling slice"),
        "symmetric": Param(_same(True), _bool,
                           "also train the ID_LAP_AV model at the largest C (for the symmetry analyses)"),
        "extrapolate": Param(_same(8), _int(4), "the snapshots run to extrapolate × t steps"),
    },
    "morphing_task": {
        "names": Param(_same(list(data.MORPH_SEQUENCE)), _emoji_names, "emoji of the morph sequence, in order"),
        "pad": Param(_same(10), _int(0), "zero padding (cells) around the 60×60 images"),
        "copies": Param(_same(8), _int(1), "randomly shifted copies (trajectories R)"),
        "max_shift": Param(_same(10), _int(0), "shifts are drawn from [−max_shift, max_shift − 1]; at most pad"),
        "seed": Param(_same(0), _int(0), "seed of the shifts and of the noise sample"),
        "input_noise": Param(_same([1e-3, 0.05, 0.2]), _float_list(0.0, 1.0),
                              "input-noise amplitudes a of x ← (1−a)x + a·U(0,1) shown"),
    },
}


def _shift_within_pad(values: dict[str, Any]) -> None:
    if values["max_shift"] > values["pad"]:
        raise ValueError(f"max_shift={values['max_shift']!r} is not accepted; accepted: an integer in "
                         f"[0, pad={values['pad']}] (a larger shift wraps the image across the lattice boundary)")


#: checks that involve several parameters of a notebook, run after each value is validated
CONSTRAINTS: dict[str, tuple[Callable[[dict[str, Any]], None], ...]] = {
    "morphing_task": (_shift_within_pad,),
}


def declared(notebook: str) -> dict[str, Param]:
    """The parameters of a notebook (``profile`` excluded)."""
    validate.choice("notebook", notebook, NOTEBOOKS)
    return NOTEBOOKS[notebook]


def resolve(notebook: str, namespace: dict[str, Any]) -> tuple[types.SimpleNamespace, dict[str, Any]]:
    """Resolve a notebook's parameters from its global namespace.

    Args:
        notebook: the notebook's name (a key of :data:`NOTEBOOKS`).
        namespace: ``globals()`` right after the parameters (and injected-parameters) cells.

    Returns:
        (resolved parameters as attributes, the parameters that differ from the profile).

    Raises:
        ValueError: on an unknown profile, an undeclared parameter name, or a bad value.
    """
    spec = declared(notebook)
    profile = namespace.get("profile")
    validate.choice("profile", profile, PROFILES)
    known = set(spec) | {"profile"}
    unknown = sorted(
        k for k, v in namespace.items()
        if not k.startswith("_") and k not in known and k not in _IPYTHON_NAMES and not isinstance(v, types.ModuleType)
    )
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))} for notebook {notebook!r}; "
            f"accepted: profile, {', '.join(sorted(spec))}"
        )
    values: dict[str, Any] = {"profile": profile}
    changed: dict[str, Any] = {}
    for name, p in spec.items():
        given = namespace.get(name)
        default = p.defaults[profile]
        value = p.check(name, default if given is None else given)
        values[name] = value
        if given is not None and value != p.check(name, default):
            changed[name] = value
    for constraint in CONSTRAINTS.get(notebook, ()):
        constraint(values)
    return types.SimpleNamespace(**values), changed


def table(notebook: str) -> str:
    """Markdown table of a notebook's parameters with their per-profile defaults."""
    rows = ["| parameter | smoke | quick | paper | meaning |", "|---|---|---|---|---|"]
    for name, p in declared(notebook).items():
        d = p.defaults
        rows.append(f"| `{name}` | {d['smoke']} | {d['quick']} | {d['paper']} | {p.doc} |")
    return "\n".join(rows)


_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}
