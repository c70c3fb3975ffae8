"""The "Reading the rule back" notebook: parameters, the shipped models it reads, figure files."""

from __future__ import annotations

from nca_core.chapters.between_frames.notebooks import READS_MODELS
from nca_core.chapters.parts import BEYOND
from nca_core.chapters.read_back.jobs import read_back_jobs
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, choice, integer, same

#: the files the chapter's figures write (its ``figures`` module names them from here)
COEFFICIENTS = "read_back_coefficients.png"
UNSEEN = "read_back_unseen.png"

READ_BACK = Notebook(
    "read_back", BEYOND, {
        **READS_MODELS,
        "seed": Param(same(0), integer(0), "the models' training seed, and the seed of the rows drawn"),
        "steps": Param({"smoke": 48, "quick": 256, "paper": 256}, integer(2),
                       "steps of every rollout from the 4 training ICs that the regressions read"),
        "rows": Param({"smoke": 4000, "quick": 60000, "paper": 60000}, integer(12),
                      "(cell, step) rows drawn at random for each regression"),
        "window_min": Param(same(4), integer(1), "the weak form's window: max(t, window_min) steps"),
        "fit_frames": Param({"smoke": 2, "quick": 6, "paper": 6}, integer(1),
                            "sampling intervals the Gray-Scott fit matches"),
        "fit_evaluations": Param({"smoke": 3, "quick": 60, "paper": 60}, integer(1),
                                 "largest number of PDE rollouts the Gray-Scott fit may try (scipy least_squares)"),
        "test_size": Param({"smoke": 64, "quick": 128, "paper": 128}, choice(64, 128), "lattice of the unseen test IC"),
        "test_steps": Param({"smoke": 32, "quick": 512, "paper": 512}, integer(1),
                            "steps of the read-back PDEs from the unseen test IC"),
    },
    lambda P: read_back_jobs(P).values(),
    (COEFFICIENTS, UNSEEN))

#: the chapter's notebooks
NOTEBOOKS = (READ_BACK,)
