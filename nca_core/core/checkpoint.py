"""The state of a training run, its resumable checkpoint file, and the hashes that key them.

A :class:`TrainState` holds everything an epoch changes. :func:`save_state` writes it
atomically to one ``.npz`` file with the run's key; :func:`load_state` reads it back only
when the key matches (same configuration and data) and the file is intact, so an
interrupted run resumes exactly where it stopped and a damaged file means a fresh start.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nca_core import fileio

CHECKPOINT_FORMAT = 1

Params = dict[str, np.ndarray]


def config_hash(*parts: Any) -> str:
    """Stable short hash of JSON-serialisable parts (configs, data fingerprints)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def data_fingerprint(y: np.ndarray) -> str:
    """Short SHA-256 of an array's float32 bytes: the identity of a training data set."""
    return hashlib.sha256(np.ascontiguousarray(y, dtype=np.float32).tobytes()).hexdigest()[:16]


@dataclass
class TrainState:
    """Everything a training epoch reads and changes.

    Attributes:
        epoch: epochs completed.
        inputs, targets: the sample slots ``[M·R, H, W, ·]`` (inputs carry all C channels): arrays, or
            TensorFlow tensors once an epoch has run (they stay on the device; ``np.asarray`` reads them).
        initial_inputs: the inputs of slot 0 (the true initial conditions, plus noise).
        params, optimiser: the current weights and Nadam state.
        best_params, best_epoch, best_loss: the model selected so far (selection rule of
            :func:`nca_core.core.train.select_best`).
        lowest_params, lowest_loss: the lowest-loss weights regardless of the rule (the
            fall-back when nothing was eligible).
        previous_loss: the last epoch's loss (for the "must decrease" rule).
        losses: the loss of every epoch run.
        seconds: wall time spent in epochs (resumed runs add up).
        diverged, diverged_epoch: whether and when the run stopped on a blow-up.
        snapshots: weights kept every few epochs, by epoch count.
    """

    inputs: Any  # np.ndarray or tf.Tensor
    targets: Any  # np.ndarray or tf.Tensor
    initial_inputs: np.ndarray
    params: Params
    optimiser: dict[str, np.ndarray]
    best_params: Params
    lowest_params: Params
    epoch: int = 0
    best_epoch: int = -1
    best_loss: float = np.inf
    lowest_loss: float = np.inf
    previous_loss: float = np.inf
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    diverged: bool = False
    diverged_epoch: int | None = None
    snapshots: dict[int, Params] = field(default_factory=dict)


# array groups and scalar fields of the checkpoint file (names kept from format 1)
_ARRAYS = {"X": "inputs", "Y": "targets", "X0": "initial_inputs"}
_GROUPS = {"params": "params", "opt": "optimiser", "best": "best_params", "best_any": "lowest_params"}
_META = {"epoch": "epoch", "best_epoch": "best_epoch", "best_loss": "best_loss", "best_any_loss": "lowest_loss",
         "prev_loss": "previous_loss", "seconds": "seconds", "diverged": "diverged",
         "diverged_epoch": "diverged_epoch"}


def flatten_snapshots(snapshots: dict[int, Params], prefix: str = "snapshot/") -> dict[str, np.ndarray]:
    """``{epoch: {name: array}}`` as flat ``npz`` entries ``<prefix><epoch>/<name>``."""
    return {f"{prefix}{epoch}/{k}": v for epoch, p in snapshots.items() for k, v in p.items()}


def unflatten_snapshots(arrays: dict[str, np.ndarray], prefix: str = "snapshot/") -> dict[int, Params]:
    """The inverse of :func:`flatten_snapshots` (other entries are ignored), sorted by epoch."""
    out: dict[int, Params] = {}
    for name, v in arrays.items():
        if name.startswith(prefix):
            epoch, k = name[len(prefix):].split("/")
            out.setdefault(int(epoch), {})[k] = v
    return dict(sorted(out.items()))


def save_state(path: str | os.PathLike, state: TrainState, key: str) -> Path:
    """Write ``state`` atomically to ``path`` (``.npz``), stamped with the run's ``key``."""
    arrays = {name: np.asarray(getattr(state, attr)) for name, attr in _ARRAYS.items()}  # tensors too
    arrays["loss"] = np.asarray(state.losses, np.float64)
    for group, attr in _GROUPS.items():
        arrays.update({f"{group}/{k}": v for k, v in getattr(state, attr).items()})
    arrays.update(flatten_snapshots(state.snapshots))
    meta = {name: getattr(state, attr) for name, attr in _META.items()}
    meta.update(key=key, format=CHECKPOINT_FORMAT)
    arrays["meta"] = np.frombuffer(json.dumps(meta, default=float).encode(), np.uint8)
    return fileio.write_npz(path, **arrays)


def read_meta(path: str | os.PathLike, key: str | None = None) -> dict[str, Any] | None:
    """The scalar fields (epoch, seconds, best loss…) of the checkpoint at ``path``, reading only
    its small metadata entry; None if it is missing, unreadable or (``key`` given) not ``key``'s."""
    try:
        with np.load(Path(path), allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
    except Exception:  # none, damaged or half-written: the run starts afresh
        return None
    return meta if key is None or meta.get("key") == key else None


def load_state(path: str | os.PathLike, key: str) -> TrainState | None:
    """The state saved at ``path`` if it exists, is readable and has ``key``; else None."""
    meta = read_meta(path, key)
    if meta is None:
        return None
    try:
        z = fileio.read_npz(Path(path))
    except Exception:  # a damaged checkpoint is ignored: the run starts afresh
        return None
    kw: dict[str, Any] = {attr: z[name] for name, attr in _ARRAYS.items()}
    kw.update({attr: meta[name] for name, attr in _META.items()})
    for group, attr in _GROUPS.items():
        kw[attr] = {k.split("/", 1)[1]: v for k, v in z.items() if k.startswith(group + "/")}
    kw["losses"] = list(z["loss"])
    kw["snapshots"] = unflatten_snapshots(z)
    return TrainState(**kw)
