"""The Fig 11 chapter's notebook (adversarial initial states): parameters, models, figure files."""

from __future__ import annotations

from nca_core.chapters.adversarial.jobs import adversarial_jobs
from nca_core.chapters.parts import STABILITY
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, choice, flag, int_list, integer, learning_rate, same

#: the files the chapter's figures write (its ``figures`` module names them from here)
FIG11, FIG11_OPTIMISATION, FIG11_VIDEO = "fig11_adversarial.png", "fig11_optimisation.png", "fig11_adversarial.mp4"

ADVERSARIAL_STABILITY = Notebook(
    "adversarial_stability", STABILITY, {
        "horizon": Param({"smoke": 6, "quick": 96, "paper": 96}, integer(1), "n of κⁿ (paper: 96 = 3t)"),
        "snapshots": Param({"smoke": [0, 2, 4, 6, 16], "quick": [0, 32, 64, 96, 256], "paper": [0, 32, 64, 96, 256]},
                           int_list(0), "steps shown (the horizon is added)"),
        "objective": Param(same("paper"), choice("paper", "code"),
                           "paper: κ with plain norms against Φⁿ(x⁰); code: the authors' squared-norm objective"),
        "iterations": Param({"smoke": 3, "quick": 100, "paper": 1000}, integer(1), "Nadam iterations"),
        "copies": Param({"smoke": 1, "quick": 1, "paper": 4}, integer(1),
                        "initial states optimised in parallel per direction (min κ, max κ)"),
        "lr": Param(same(2e-3), learning_rate, "Nadam learning rate (the authors' code: 2e-3)"),
        "eval_masks": Param({"smoke": 2, "quick": 4, "paper": 8}, integer(1),
                            "mask realisations κ and the distances are averaged over after optimising"),
        "micro_batch": Param(same(0), integer(0),
                             "copies per gradient evaluation (0 = all at once; less memory, same numbers)"),
        "seed": Param(same(0), integer(0), "seed of the starting noise and of the update masks"),
        "video_every": Param({"smoke": 4, "quick": 2, "paper": 1}, integer(1), "steps between video frames"),
        "recompute": Param(same(False), flag, "optimise even if cached"),
    },
    lambda P: adversarial_jobs(P).values(),
    (FIG11, FIG11_OPTIMISATION, FIG11_VIDEO))

#: the chapter's notebooks
NOTEBOOKS = (ADVERSARIAL_STABILITY,)
