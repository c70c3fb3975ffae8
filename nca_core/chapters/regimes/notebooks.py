"""The "Other regions of parameter space" notebook: parameters, the models it trains, figure files."""

from __future__ import annotations

from nca_core.chapters.parts import BEYOND
from nca_core.chapters.regimes.jobs import REFERENCE, REGIMES, regime_jobs
from nca_core.core.config import LR_SCHEDULES
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, choice, integer, learning_rate, same, str_list

#: the files the chapter's figures write (its ``figures`` module names them from here)
SIGNATURES = "regimes_pde_signatures.png"
SNAPSHOTS = "regimes_pde_vs_nca.png"
MEASURES = "regimes_measures.png"

REGIMES_NOTEBOOK = Notebook(
    "regimes", BEYOND, {
        "regimes": Param({"smoke": ["oscillating"], "quick": list(REGIMES), "paper": list(REGIMES)},
                         str_list(REGIMES), "the regimes trained besides the paper's (presets of "
                                            "nca_core.data.gray_scott)"),
        "t": Param(same(32), integer(1), "time sampling of every model (the main chapter's Fig 5 model's)"),
        "seed": Param(same(0), integer(0), "the models' weight/shuffle seed (one seed per regime)"),
        # the recipe: grid = the main chapter's grid recipe; quick = a few epochs of it (shipped, so that a fresh
        # clone's book trains nothing); smoke = two epochs (the code path)
        "epochs": Param({"smoke": 2, "quick": 12, "grid": 300, "paper": 4000}, integer(1), "training epochs per model"),
        "lr": Param({"smoke": 5e-3, "quick": 5e-3, "grid": 1e-3, "paper": 1e-3}, learning_rate,
                    "Nadam learning rate, or the peak of the schedule"),
        "lr_schedule": Param({**same("constant"), "grid": "cosine"}, choice(*LR_SCHEDULES),
                             "learning-rate schedule (grid: cosine, as the main chapter's grid recipe)"),
        "lr_min": Param(same(1e-5), learning_rate, "the rate a decaying schedule ends at"),
        "steps_per_epoch": Param({**same(16), "paper": 0}, integer(0),
                                 "optimiser steps per epoch (0 = the paper's chunks of 64 pairs)"),
        "select": Param({**same("loss"), "grid": "validation"}, choice("loss", "validation"),
                        "the kept model: the lowest training loss, or the lowest-loss snapshot that meets its "
                        "regime's target from the held-out validation IC (grid)"),
        "test_size": Param({"smoke": 64, "quick": 128, "paper": 128}, choice(64, 128),
                           "lattice of the unseen test IC"),
        "test_steps": Param({"smoke": 96, "quick": 2048, "paper": 2048}, integer(8),
                            "steps of the rollouts from the unseen test IC"),
        "signature_steps": Param({"smoke": 256, "quick": 2048, "paper": 2048}, integer(8),
                                 "PDE steps of the regime check from the unseen IC (from the training ICs: half)"),
    },
    lambda P: regime_jobs(P).values(),
    (SIGNATURES, SNAPSHOTS, MEASURES))

#: the chapter's notebooks
NOTEBOOKS = (REGIMES_NOTEBOOK,)

__all__ = ["NOTEBOOKS", "REFERENCE", "REGIMES", "REGIMES_NOTEBOOK"]
