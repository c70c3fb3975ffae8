"""What a training run produced: the selected weights, the loss history, and its files on disk."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nca_core import fileio
from nca_core.core.checkpoint import Params, flatten_snapshots, unflatten_snapshots
from nca_core.core.config import NCAConfig, TrainConfig
from nca_core.core.model import NCA, PARAM_NAMES


def lowest_from(loss: np.ndarray, start: int = 0) -> float:
    """The lowest finite epoch loss from epoch ``start`` on; NaN if there is none."""
    tail = np.asarray(loss, dtype=float)[start:]
    tail = tail[np.isfinite(tail)]
    return float(tail.min()) if tail.size else float("nan")


@dataclass
class TrainResult:
    """What a training run produced.

    Attributes:
        params: the best weights (the model the paper would report).
        final_params: the weights after the last completed epoch.
        loss: per-epoch mean training loss (regulariser excluded), length ``epochs_run``.
        best_epoch, best_loss: the selected epoch and its loss.
        diverged, diverged_epoch: whether (and when) the run stopped on a non-finite or
            exploding state or loss.
        seconds: wall time of the run (this process; resumed runs add up).
        snapshots: the weights after every ``snapshot_every`` epochs, by epoch count
            (see :meth:`Trainer.fit`; empty unless asked for).
    """

    nca_config: NCAConfig
    train_config: TrainConfig
    params: dict[str, np.ndarray]
    final_params: dict[str, np.ndarray]
    loss: np.ndarray
    best_epoch: int
    best_loss: float
    diverged: bool = False
    diverged_epoch: int | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    snapshots: dict[int, Params] = field(default_factory=dict)

    @property
    def lr(self) -> np.ndarray:
        """The learning rate of every epoch run, ``[epochs_run]`` (aligned with ``loss``)."""
        return self.train_config.learning_rates()[: len(self.loss)]

    @property
    def min_loss(self) -> float:
        """The paper's "train loss": the minimum over epochs of the epoch mean loss."""
        return lowest_from(self.loss)

    @property
    def train_loss(self) -> float:
        """The training loss reported in figures: the minimum epoch loss after the burn-in.

        The burn-in is the first ``select_after`` fraction of the epochs, as for model
        selection. In the paper's 4000-epoch runs this equals the plain minimum; in short
        runs it keeps epoch 0 (the untrained identity map) from being reported.
        """
        start = int(np.ceil(self.train_config.select_after * self.train_config.epochs))
        tail = lowest_from(self.loss, start)
        return tail if np.isfinite(tail) else self.min_loss

    def model(self) -> NCA:
        """The NCA with the best weights."""
        return NCA(self.nca_config, params=self.params)

    def summary(self) -> dict[str, Any]:
        return {
            "nca_config": self.nca_config.to_dict(), "train_config": self.train_config.to_dict(),
            "best_epoch": self.best_epoch, "best_loss": self.best_loss, "min_loss": self.min_loss,
            "epochs_run": int(len(self.loss)), "diverged": self.diverged,
            "diverged_epoch": self.diverged_epoch, "seconds": self.seconds, "extra": self.extra,
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Folder with ``weights.npz`` + ``config.json`` (best model), ``history.npz``, ``result.json``."""
        path = Path(path)
        self.model().save(path, extra={"train_config": self.train_config.to_dict()})
        fileio.write_npz(path / "history.npz", loss=self.loss, lr=self.lr,
                         **{f"final_{k}": v for k, v in self.final_params.items()},
                         **flatten_snapshots(self.snapshots))
        fileio.write_json(path / "result.json", self.summary())
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TrainResult":
        path = Path(path)
        s = fileio.read_json(path / "result.json")
        h = fileio.read_npz(path / "history.npz")
        nca = NCA.load(path)
        return cls(
            nca_config=NCAConfig.from_dict(s["nca_config"]), train_config=TrainConfig.from_dict(s["train_config"]),
            params=nca.params, final_params={k: h[f"final_{k}"] for k in PARAM_NAMES}, loss=h["loss"],
            best_epoch=s["best_epoch"], best_loss=s["best_loss"], diverged=s["diverged"],
            diverged_epoch=s["diverged_epoch"], seconds=s["seconds"], extra=s.get("extra", {}),
            snapshots=unflatten_snapshots(h),
        )
