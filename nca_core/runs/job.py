"""What a model is: :class:`Job` (architecture, training procedure, data specification) and its cache key.

Plain values with no TensorFlow, so that anything (the registry, the chapters' declarations, the
command line) can import them at the top. :mod:`nca_core.runs.cache` trains and loads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from nca_core import validate
from nca_core.core.checkpoint import config_hash, data_fingerprint
from nca_core.core.config import NCAConfig, TrainConfig
from nca_core.data import gray_scott as pde

#: bump when the meaning of a cached result changes: every old cache entry is then ignored
FORMAT_VERSION = 1


# ---------------------------------------------------------------------- data
def gray_scott_spec(t: int, steps: int = 1024, preset: str = "published") -> dict[str, Any]:
    """Data specification of the Gray-Scott training trajectories (Fig 3) sampled every t."""
    validate.integer("t", t, 1)
    validate.integer("steps", steps, 1)
    validate.choice("preset", preset, pde.PRESETS)
    return {"kind": "gray_scott", "t": int(t), "steps": int(steps), "preset": preset}


def emoji_spec(names: Sequence[str] = ("alien", "microbe", "rooster", "rooster"), copies: int = 8, pad: int = 10,
               max_shift: int = 10, seed: int = 0, premultiply: bool = False) -> dict[str, Any]:
    """Data specification of the emoji morphing sequence, shift augmentation variant (a) (Figs 8–9)."""
    from nca_core.data import morph as data

    for n in names:
        validate.choice("names", n, data.EMOJI)
    validate.integer("copies", copies, 1)
    validate.integer("pad", pad, 0)
    validate.integer("max_shift", max_shift, 0)
    validate.integer("seed", seed, 0)
    return {"kind": "emoji", "names": list(names), "copies": int(copies), "pad": int(pad),
            "max_shift": int(max_shift), "seed": int(seed), "premultiply": bool(premultiply)}


def build_data(spec: dict[str, Any]) -> np.ndarray:
    """The training data ``y[T, R, H, W, c]`` described by ``spec``."""
    kind = spec.get("kind")
    if kind == "gray_scott":
        return pde.training_trajectories(spec["t"], spec["steps"], pde.preset(spec["preset"]))
    if kind == "emoji":
        from nca_core.data import morph as data

        y, _ = data.emoji_trajectories(spec["names"], spec["copies"], spec["pad"], spec["max_shift"], spec["seed"],
                                       spec["premultiply"])
        return y
    raise ValueError(f"spec kind={kind!r} is not accepted; accepted: 'gray_scott', 'emoji'")


def data_hash(spec: dict[str, Any]) -> str:
    """Fingerprint of the data ``spec`` describes: the one the trainer records for it."""
    return data_fingerprint(build_data(spec))


# ---------------------------------------------------------------------- jobs
@dataclass(frozen=True)
class Job:
    """One model to train: architecture, procedure and data specification.

    Attributes:
        nca, train, data: the architecture, the training procedure, the data specification.
        label: what the model is, for people (not part of the key).
        select: a selection rule that picks the kept weights after training, as ``"module:function"``
            (``function(job, result) -> TrainResult``; see :func:`selection_rule`), e.g. a check of each
            kept snapshot on a held-out initial condition; ``""`` (the default) keeps the trainer's
            choice (lowest loss). Part of the key when set.
        select_every: with ``select``: keep the weights every this many epochs for the rule to choose from.
    """

    nca: NCAConfig
    train: TrainConfig
    data: dict[str, Any]
    label: str = ""
    select: str = ""
    select_every: int = 0

    def __post_init__(self) -> None:
        if self.select:
            module, _, name = self.select.partition(":")
            if not module or not name.isidentifier():
                raise ValueError(f"select={self.select!r} is not accepted; accepted: '' or 'module:function'")
            validate.integer("select_every", self.select_every, 1)
        elif self.select_every:
            raise ValueError(f"select_every={self.select_every} is not accepted without select; accepted: 0")

    @property
    def key(self) -> str:
        parts = [FORMAT_VERSION, self.nca.to_dict(), self.train.to_dict(), self.data]
        if self.select:  # a job without a rule keeps the key it had before rules existed
            parts.append({"select": self.select, "every": self.select_every})
        return config_hash(*parts)


def selection_rule(path: str) -> Callable[[Job, Any], Any]:
    """The function a :attr:`Job.select` path ``"module:function"`` names (imported on demand, so that a
    Dask worker that unpickles a job finds its rule)."""
    import importlib

    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"select={path!r} is not accepted ({e}); accepted: 'module:function' of an importable "
                         "function") from None


def distinct(jobs: Iterable[Job]) -> list[Job]:
    """``jobs`` without repeats of a cache key (a run shared by two sweeps appears once), in order."""
    return list({j.key: j for j in jobs}.values())
