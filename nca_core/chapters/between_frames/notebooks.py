"""The "Between the frames" notebook: parameters, the shipped models it reads, figure files."""

from __future__ import annotations

from nca_core.chapters.between_frames.jobs import between_jobs
from nca_core.chapters.parts import BEYOND
from nca_core.data import gray_scott as gs_data
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, choice, int_list, integer, same

#: the tiers of the time_sampling notebook's models it reads; only the smoke tier's (2 epochs, seconds) are ever
#: trained when missing, the others must be shipped or cached
TIERS = ("smoke", "quick", "long", "grid", "paper")

#: the files the chapter's figures write (its ``figures`` module names them from here)
DISTANCE = "between_frames_distance.png"
STARTUP = "between_frames_hidden_startup.png"
SNAPSHOTS = "between_frames_snapshots.png"

#: the parameters of a notebook that reads the time_sampling notebook's Gray-Scott models (this chapter's and
#: read_back's): which tier, which t, which seed, which parameter set
READS_MODELS = {
    "tier": Param({"smoke": "smoke", "quick": "quick", "long": "long", "grid": "grid", "paper": "paper"},
                  choice(*TIERS),
                  "which tier's time_sampling models to read (they are trained by that notebook, not here)"),
    "sampling": Param({"smoke": [16], "quick": [4, 16, 32], "long": [4, 6, 16, 32],
                       "grid": [1, 2, 4, 6, 8, 12, 16, 24, 32], "paper": [1, 2, 4, 6, 8, 12, 16, 24, 32]},
                      int_list(1), "time samplings t of the models (long: the shipped t = 4, 6, 16, 32)"),
    "seed": Param(same(0), integer(0), "the models' training seed"),
    "gamma_preset": Param(same("published"), choice(*gs_data.PRESETS), "Gray-Scott parameter set of the models"),
}

BETWEEN_FRAMES = Notebook(
    "between_frames", BEYOND, {
        **READS_MODELS,
        "horizon": Param({"smoke": 32, "quick": 128, "paper": 128}, integer(1),
                         "NCA steps followed from each true training frame (every step compared with the PDE)"),
        "starts": Param({"smoke": [0], "quick": [0, 512], "paper": [0, 512]}, int_list(0),
                        "PDE steps of the training frames the rollouts start from (each model: the nearest "
                        "earlier frame it was trained on, a multiple of its t)"),
        "test_size": Param({"smoke": 64, "quick": 128, "paper": 128}, choice(64, 128), "lattice of the unseen test IC"),
        "test_steps": Param({"smoke": 32, "quick": 512, "paper": 512}, integer(1),
                            "steps followed from the unseen test IC"),
    },
    lambda P: between_jobs(P).values(),
    (DISTANCE, STARTUP, SNAPSHOTS))

#: the chapter's notebooks
NOTEBOOKS = (BETWEEN_FRAMES,)
