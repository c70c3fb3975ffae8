"""The "What the weights say" notebook: parameters, the shipped models it reads, figure files."""

from __future__ import annotations

from typing import Any

from nca_core.chapters.between_frames.notebooks import READS_MODELS
from nca_core.chapters.parts import BEYOND
from nca_core.chapters.weights.jobs import MORPH_MODELS, weights_jobs
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, flag, int_list, integer, same, str_list

#: the files the chapter's figures write (its ``figures`` module names them from here)
KERNELS = "weights_kernel_importance.png"
VERSUS = "weights_vs_ablation.png"


def _frames_within_horizon(values: dict[str, Any]) -> None:
    if values["horizon"] < max(values["sampling"]):
        raise ValueError(f"horizon={values['horizon']!r} is not accepted; accepted: an integer ≥ the largest time "
                         f"sampling {max(values['sampling'])} (the damage is measured at the frames n = t, 2t, …)")


WEIGHTS = Notebook(
    "weights", BEYOND, {
        **READS_MODELS,
        "sampling": Param({"smoke": [16], "quick": [4, 16, 32], "paper": [4, 16, 32]}, int_list(1),
                          "time samplings t of the Gray-Scott models read (long: the shipped t = 4, 16, 32)"),
        "morph": Param({"smoke": ["C32_t32", "C32_t32_sym"], "quick": list(MORPH_MODELS), "paper": list(MORPH_MODELS)},
                       str_list(MORPH_MODELS), "the morph chapter's stability models read (C32_t32 and C16_t64 "
                       "have the kernels ID, Sobel x/y, Laplacian; C32_t32_sym ID, Laplacian, average)"),
        "horizon": Param({"smoke": 32, "quick": 256, "paper": 256}, integer(1),
                         "Gray-Scott steps followed from the 4 training ICs; the damage is the mean distance to "
                         "the PDE at the frames n = t, 2t, … ≤ horizon"),
        "masks": Param({"smoke": 1, "quick": 2, "paper": 4}, integer(1),
                       "morph update-mask realisations, the same for the intact and every ablated model"),
        "mask_seed": Param(same(0), integer(0), "seed of the morph update masks and of the cells drawn"),
        "cells": Param({"smoke": 512, "quick": 4096, "paper": 4096}, integer(1),
                       "cells (of the intact rollout's states) the linear response of the update is averaged over"),
        "recompute": Param(same(False), flag, "compute the readings and ablations even if cached or shipped"),
    },
    lambda P: [job for _, job in weights_jobs(P).values()],
    (KERNELS, VERSUS),
    constraints=(_frames_within_horizon,))

#: the chapter's notebooks
NOTEBOOKS = (WEIGHTS,)
