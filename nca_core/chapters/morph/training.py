"""The training recipe of every morph-task notebook (the symmetry chapter's too): its parameters, and which recipe a
model of a given number of channels gets (:func:`recipe`). Light: no TensorFlow."""

from __future__ import annotations

from types import SimpleNamespace

from nca_core.core.config import LR_SCHEDULES
from nca_core.runs.params import Param, choice, flag, integer, learning_rate, number, same

#: the training parameters of every morph-task notebook (the symmetry chapter's too)
TRAINING = {
    "epochs": Param({"smoke": 2, "quick": 100, "long": 600, "grid": 120, "paper": 8000}, integer(1),
                    "training epochs per model"),
    "lr": Param({"smoke": 5e-3, "quick": 5e-3, "grid": 3e-3, "paper": 1e-3}, learning_rate,
                "Nadam learning rate, or the peak of the schedule (paper code 1e-3; quick 5e-3 makes up for 80× "
                "fewer epochs; grid 3e-3 with 12 steps per epoch)"),
    "lr_schedule": Param({**same("constant"), "long": "cosine"}, choice(*LR_SCHEDULES),
                         "learning-rate schedule: constant (the paper's), cosine or exponential decay to lr_min"),
    "lr_min": Param(same(1e-5), learning_rate, "the rate a decaying schedule ends at"),
    "chunk_size": Param({"smoke": 4, "quick": 8, "grid": 2, "paper": 0}, integer(0),
                        "pairs per gradient step; 0 = all pairs, one step per epoch (the authors' code); grid: 2, "
                        "12 steps per epoch"),
    "copies": Param({"smoke": 2, "quick": 8, "paper": 8}, integer(1), "randomly shifted copies of the sequence (R)"),
    "seed": Param(same(0), integer(0), "seed of weights, shuffles and update masks"),
    "input_noise": Param(same(1e-3), number(0.0, 1.0),
                         "input-noise amplitude a, applied once before training (0 = none)"),
    "retrain": Param(same(False), flag, "train even if cached or shipped weights exist"),
    "long_recipe_above": Param({**same(0), "grid": 16}, integer(0),
                               "models with more channels than this train with the long tier's recipe (600 epochs "
                               "of 3 steps, cosine from 5e-3); 0 = none. grid: 16, as its recipe falls 1.5× behind "
                               "the long one at C = 32 (benchmarks/bench_morph_ends.py)"),
}

#: the settings that make a recipe (what ``long_recipe_above`` takes from the long tier)
RECIPE = ("epochs", "lr", "chunk_size", "lr_schedule", "lr_min")


def recipe(P: SimpleNamespace, channels: int) -> dict:
    """The recipe (:data:`RECIPE`) of a model of ``channels`` channels: the notebook's, or the ``long`` tier's
    where ``P.long_recipe_above`` is set and ``channels`` exceeds it (the grid tier: its fast recipe falls behind
    the long one at C = 32, ``benchmarks/bench_morph_ends.py``)."""
    above = getattr(P, "long_recipe_above", 0)
    if above and channels > above:
        return {k: TRAINING[k].default("long") for k in RECIPE}
    return {k: getattr(P, k) for k in RECIPE}
