"""Files for the book's in-browser NCA player (``book/_static/nca_player.js``).

The player runs trained models in the reader's browser without a Python kernel, a server or
a network connection, so a book opened from a file works. Browsers refuse ``fetch`` of
``file://`` addresses but do run ``<script>`` files, so every data file is a small script
that stores one JSON object in a global table::

    // NCA player data (format 1), written by nca_core.view.web: line 3 is JSON
    (window.NCA_PLAYER_DATA = window.NCA_PLAYER_DATA || {})["<name>"] =
    {"format": 1, ...}
    ;

:func:`read_data_file` reads one back in Python. Arrays are stored as
``{"dtype": "float32" | "uint8", "shape": [...], "b64": <base64 of the little-endian
bytes, row-major>}`` (:func:`encode_array` / :func:`decode_array`).

The folder holds ``index.js`` (``NCA_PLAYER_DATA["index"]``: the list of models with their
labels, the shared data of each task: the morph-task initial state and targets, the
Gray-Scott initial conditions; and the colour maps) and one ``<id>.js`` per model
(``NCA_PLAYER_DATA["<id>"]``), loaded when the reader picks it:

* ``arrays``: ``w_hidden [K·C, H]`` (features channel-major, ``c·K + k``), ``w_out [H, C]``,
  ``b_out [C]``, float32;
* ``kernels`` (stencil names in perception order) and ``stencils`` (``[K, 3, 3]``, rows are
  the row offsets −1, 0, 1, columns the column offsets, applied as cross-correlation);
* ``channels``, ``observable``, ``hidden``, ``activation``, ``boundary``, ``fire_rate``,
  ``mask`` (``pixel``: one draw per cell; ``channel``: one per channel);
* ``label``, ``task`` (``gray_scott`` or ``morph``), ``training`` (a summary) and, for
  Gray-Scott models, ``pde``: the coefficients ``d_a, d_b, alpha, gamma, dt`` of the data.

This module only serialises arrays and dictionaries it is given; gathering the models is
:mod:`nca_core.book.player`'s job.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from nca_core import fileio, validate

#: version of the player's data files; ``nca_player.js`` refuses another
FORMAT = 1
#: the global table the data files fill
GLOBAL = "NCA_PLAYER_DATA"
_HEADER = f"// NCA player data (format {FORMAT}), written by nca_core.view.web: line 3 is JSON"
_DTYPES = ("float32", "uint8")
_NAME = re.compile(r"^[A-Za-z0-9_]+$")
#: colour maps the player draws with (sampled at 256 points from matplotlib)
COLORMAPS = ("magma", "viridis", "RdBu_r")


def encode_array(a: Any, dtype: str = "float32") -> dict[str, Any]:
    """``{"dtype", "shape", "b64"}`` of an array (little-endian, row-major)."""
    validate.choice("dtype", dtype, _DTYPES)
    arr = np.ascontiguousarray(np.asarray(a).astype(np.dtype(dtype).newbyteorder("<")))
    if not np.all(np.isfinite(arr)):
        raise ValueError("array contains non-finite values; accepted: finite values")
    return {"dtype": dtype, "shape": [int(s) for s in arr.shape], "b64": base64.b64encode(arr.tobytes()).decode()}


def decode_array(d: dict[str, Any]) -> np.ndarray:
    """The array of an :func:`encode_array` record."""
    validate.choice("dtype", d.get("dtype"), _DTYPES)
    raw = base64.b64decode(d["b64"])
    return np.frombuffer(raw, dtype=np.dtype(d["dtype"]).newbyteorder("<")).reshape(d["shape"]).copy()


def colormap(name: str) -> dict[str, Any]:
    """A matplotlib colour map sampled at 256 points, ``uint8 [256, 3]`` encoded."""
    import matplotlib

    validate.choice("colormap", name, COLORMAPS)
    rgb = matplotlib.colormaps[name](np.linspace(0.0, 1.0, 256))[:, :3]
    return encode_array(np.round(rgb * 255), "uint8")


def model_record(model_id: str, label: str, task: str, nca_config: dict[str, Any], params: dict[str, np.ndarray],
                 kernels: Iterable[str], stencils: np.ndarray, training: dict[str, Any],
                 pde: dict[str, float] | None = None) -> dict[str, Any]:
    """The data file of one model (see the module docstring for the fields).

    Args:
        model_id: file stem and key, letters, digits and ``_``.
        label: what the player's menu shows.
        task: ``"gray_scott"`` or ``"morph"``.
        nca_config: the model's ``NCAConfig.to_dict()``.
        params: ``w_hidden``, ``w_out``, ``b_out``.
        kernels: stencil names in perception order.
        stencils: ``[K, 3, 3]``, in the same order.
        training: a JSON-able summary of how it was trained.
        pde: Gray-Scott coefficients (``d_a``, ``d_b``, ``alpha``, ``gamma``, ``dt``).
    """
    if not _NAME.match(model_id):
        raise ValueError(f"model_id={model_id!r} is not accepted; accepted: letters, digits and _")
    validate.choice("task", task, ("gray_scott", "morph"))
    c, k = int(nca_config["channels"]), len(list(kernels))
    h = int(nca_config["hidden"])
    stencils = np.asarray(stencils, np.float64)
    want = {"w_hidden": (k * c, h), "w_out": (h, c), "b_out": (c,)}
    for name, shape in want.items():
        if tuple(np.shape(params[name])) != shape:
            raise ValueError(f"params[{name!r}] has shape {np.shape(params[name])}; accepted: {shape}")
    if stencils.shape != (k, 3, 3):
        raise ValueError(f"stencils has shape {stencils.shape}; accepted: ({k}, 3, 3)")
    if task == "gray_scott" and pde is None:
        raise ValueError("pde is None; accepted: the Gray-Scott coefficients for a gray_scott model")
    rec = {
        "format": FORMAT, "id": model_id, "label": label, "task": task,
        "channels": c, "observable": int(nca_config["observable"]), "hidden": h,
        "kernel_set": nca_config["kernel_set"], "kernels": list(kernels), "stencils": stencils.tolist(),
        "activation": nca_config["activation"], "boundary": nca_config["boundary"],
        "fire_rate": float(nca_config["fire_rate"]), "mask": nca_config["mask"],
        "arrays": {name: encode_array(params[name], "float32") for name in want},
        "training": training,
    }
    if pde is not None:
        rec["pde"] = {key: float(pde[key]) for key in ("d_a", "d_b", "alpha", "gamma", "dt")}
    return rec


def script_text(name: str, obj: dict[str, Any]) -> str:
    """The text of a data file storing ``obj`` as ``NCA_PLAYER_DATA[name]``."""
    if not _NAME.match(name):
        raise ValueError(f"name={name!r} is not accepted; accepted: letters, digits and _")
    body = json.dumps(obj, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return f'{_HEADER}\n(window.{GLOBAL} = window.{GLOBAL} || {{}})["{name}"] =\n{body}\n;\n'


def write_data_file(folder: str | os.PathLike, name: str, obj: dict[str, Any]) -> Path:
    """Write ``<folder>/<name>.js`` (atomically)."""
    return fileio.write_bytes(Path(folder) / f"{name}.js", script_text(name, obj).encode("utf-8"))


def read_data_file(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON object of a data file written by :func:`write_data_file`."""
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    if len(lines) < 3 or lines[0] != _HEADER:
        raise ValueError(f"{path} is not an NCA player data file of format {FORMAT}")
    return json.loads(lines[2])


def write_player_data(folder: str | os.PathLike, models: list[dict[str, Any]], tasks: dict[str, Any]) -> list[Path]:
    """Write the player's folder: ``index.js`` and one file per model record.

    Files of models no longer exported are removed, so the folder holds exactly this set.

    Args:
        folder: e.g. ``book/_static/models``.
        models: :func:`model_record` results, in menu order.
        tasks: the shared data of each task (e.g. ``{"morph": {"ic": encode_array(...)}}``).
    """
    folder = Path(folder)
    ids = [m["id"] for m in models]
    if len(set(ids)) != len(ids) or "index" in ids:
        raise ValueError(f"model ids {ids} are not accepted; accepted: distinct ids other than 'index'")
    index = {
        "format": FORMAT,
        "models": [{"id": m["id"], "label": m["label"], "task": m["task"], "file": f"{m['id']}.js",
                    "channels": m["channels"], "kernel_set": m["kernel_set"], "activation": m["activation"],
                    "training": m["training"]} for m in models],
        "tasks": tasks,
        "colormaps": {name: colormap(name) for name in COLORMAPS},
    }
    written = [write_data_file(folder, m["id"], m) for m in models]
    written.append(write_data_file(folder, "index", index))
    keep = {p.name for p in written}
    for old in folder.glob("*.js"):
        if old.name not in keep and old.read_text(encoding="utf-8").startswith(_HEADER):
            old.unlink()
    return written
