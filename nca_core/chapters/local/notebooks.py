"""The Fig 10 chapter's notebook (local perturbations): parameters, models, figure files."""

from __future__ import annotations

from nca_core import validate
from nca_core.chapters.local.jobs import local_jobs
from nca_core.chapters.parts import STABILITY
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, choice, flag, integer, number, parsed, same

#: the files the chapter's figures write (its ``figures`` module names them from here)
FIG10, FIG10_FOOTPRINTS = "fig10_local_stability.png", "fig10_footprints.png"

LOCAL_STABILITY = Notebook(
    "local_stability", STABILITY, {
        "stride": Param({"smoke": 20, "quick": 4, "paper": 1}, lambda n, v: validate.integer(n, parsed(v), 1, 60),
                        "perturb every stride-th pixel of the 60×60 image region (1 = all 3600)"),
        "perturbation": Param(same("invert"), choice("invert", "zero", "one"),
                              "what a perturbed pixel's RGBA becomes: invert (x → 1 − x), zero or one"),
        "threshold": Param(same(0.1), number(0.0, 1.0), "a final pixel counts as changed above this RGBA difference"),
        "masks": Param({"smoke": 2, "quick": 1, "paper": 4}, integer(1),
                       "update-mask realisations the footprints are averaged over"),
        "common_masks": Param(same(True), flag,
                              "True: perturbed and unperturbed runs share their update masks (common random numbers)"),
        "noise_pairs": Param({"smoke": 2, "quick": 4, "paper": 8}, integer(1),
                             "pairs of unperturbed runs with independent masks (the noise floor)"),
        "batch_size": Param({"smoke": 4, "quick": 2, "paper": 64},
                            lambda n, v: validate.integer(n, parsed(v), 1, 4096),
                            "perturbed lattices per compiled rollout, about 8 MB each at C = 32 (on a 2-core CPU "
                            "1–2 is fastest; large batches pay on a GPU)"),
        "timing_pixels": Param({"smoke": 2, "quick": 4, "paper": 8}, integer(0),
                               "pixels timed as one batch and one by one (0 = no timing)"),
        "examples": Param(same(4), integer(1), "example final states shown per model"),
        "seed": Param(same(0), integer(0), "seed of the update masks"),
        "recompute": Param(same(False), flag, "compute the maps even if cached"),
    },
    lambda P: local_jobs(P).values(),
    (FIG10, FIG10_FOOTPRINTS))

#: the chapter's notebooks
NOTEBOOKS = (LOCAL_STABILITY,)
