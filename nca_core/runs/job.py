"""What a model is: :class:`Job` (architecture, training procedure, data specification) and its cache key.

Plain values with no TensorFlow, so that anything (the registry, the chapters' declarations, the
command line) can import them at the top. :mod:`nca_core.runs.cache` trains and loads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

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
    """One model to train: architecture, procedure and data specification."""

    nca: NCAConfig
    train: TrainConfig
    data: dict[str, Any]
    label: str = ""

    @property
    def key(self) -> str:
        return config_hash(FORMAT_VERSION, self.nca.to_dict(), self.train.to_dict(), self.data)


def distinct(jobs: Iterable[Job]) -> list[Job]:
    """``jobs`` without repeats of a cache key (a run shared by two sweeps appears once), in order."""
    return list({j.key: j for j in jobs}.values())
