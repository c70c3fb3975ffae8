"""The Gray-Scott chapter's notebooks (Figs 3–6, videos S4–S6): parameters, checks, models, figure files."""

from __future__ import annotations

from nca_core.chapters.gray_scott import jobs
from nca_core.chapters.parts import GRAY_SCOTT
from nca_core.core.config import LR_SCHEDULES
from nca_core.data import gray_scott as gs_data
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, choice, flag, float_list, int_list, integer, learning_rate, same

#: the files the chapter's figures write (its ``figures`` module names them from here)
FIG3 = "fig3_training_data.png"
FIG4 = "fig4_time_sampling.png"
FIG4_LOSS = "fig4_loss_curves.png"
FIG5 = "fig5_pde_vs_nca.png"
S4, S5, S6 = "S4_pde.mp4", "S5_nca.mp4", "S6_difference.mp4"
FIG6 = "fig6_noise.png"
FIG6_RENOISED = "fig6_renoised.png"

COMMON = {
    "gamma_preset": Param(same("published"), choice(*gs_data.PRESETS),
                          "Gray-Scott parameter set: published (γ=0.06268), as_run (γ=0.06258), mitosis"),
}

TRAINING = {
    "epochs": Param({"smoke": 2, "quick": 300, "long": 2000, "grid": 300, "paper": 4000}, integer(1),
                    "training epochs per model"),
    "lr": Param({"smoke": 5e-3, "quick": 5e-3, "long": 1e-3, "paper": 1e-3}, learning_rate,
                "Nadam learning rate, or the peak of the schedule (paper 1e-3; quick 5e-3 for 13× fewer epochs)"),
    "lr_schedule": Param({**same("constant"), "long": "cosine"}, choice(*LR_SCHEDULES),
                         "learning-rate schedule: constant (the paper's), cosine or exponential decay to lr_min"),
    "lr_min": Param(same(1e-5), learning_rate, "the rate a decaying schedule ends at"),
    "steps_per_epoch": Param({**same(0), "grid": 16}, integer(0),
                             "optimiser steps per epoch: 0 = chunks of 64 pairs (the paper's); n > 0 = the pairs "
                             "in n equal chunks at every t (grid: 16)"),
    "select": Param({**same("loss"), "grid": "validation"}, choice("loss", "validation"),
                    "the kept model: the lowest training loss (the paper's rule), or the lowest-loss snapshot that "
                    "meets the quality target from a held-out validation IC (grid)"),
    "chain_epochs": Param({**same(0), "grid": 150}, integer(0),
                          "0 = train `epochs` at every t; n > 0 = at least n epochs after the propagated chain spans "
                          "a trajectory (1024/t transitions, one per epoch), so small t trains longer (grid: 150: "
                          "t = 1 1174 epochs, t = 2 662, t = 4 406, t = 6 321, t >= 8 300)"),
    "seeds": Param({"smoke": [0], "quick": [0], "grid": [0, 1, 2, 3], "paper": [0, 1, 2, 3]}, int_list(0),
                   "weight/shuffle seeds"),
    "channels": Param(same(8), integer(2), "NCA channels C (2 observable: A, B)"),
    "test_size": Param({"smoke": 64, "quick": 128, "paper": 128}, choice(64, 128),
                       "lattice size of the unseen test initial condition"),
    "test_steps": Param({"smoke": 64, "quick": 2048, "paper": 2048}, integer(1), "steps of the test rollout"),
    "retrain": Param(same(False), flag, "train even if cached or shipped weights exist"),
}

GRAY_SCOTT_DATA = Notebook(
    "gray_scott_data", GRAY_SCOTT, {
        **COMMON,
        "steps": Param({"smoke": 128, "quick": 1024, "paper": 1024}, integer(1), "PDE steps of each trajectory"),
        "snapshots": Param({"smoke": [0, 64, 128], "quick": [0, 128, 256, 512, 1024],
                            "paper": [0, 128, 256, 512, 1024]}, int_list(0), "steps shown as snapshots"),
        "animation_every": Param({"smoke": 32, "quick": 16, "paper": 8}, integer(1), "steps between animation frames"),
    },
    figures=(FIG3,))

TIME_SAMPLING = Notebook(
    "time_sampling", GRAY_SCOTT, {
        **COMMON,
        **TRAINING,
        "sampling": Param({"smoke": [16, 32], "quick": [4, 16, 32], "grid": [1, 2, 4, 6, 8, 12, 16, 24, 32],
                           "paper": [1, 2, 4, 6, 8, 12, 16, 24, 32]},
                          int_list(1), "time samplings t (NCA steps between data frames)"),
        "fig5_t": Param(same(32), integer(1), "t of the model compared with the PDE in Fig 5 and S4–S6"),
        "fig5_steps": Param({"smoke": 128, "quick": 4096, "paper": 4096}, integer(1), "steps of Fig 5 and the videos"),
        "video_every": Param({"smoke": 16, "quick": 4, "paper": 1}, integer(1), "steps between video frames"),
    },
    lambda P: jobs.sampling_jobs(P).values(),
    (FIG4, FIG4_LOSS, FIG5, S4, S5, S6),
    axes=("sampling", "seeds"))

NOISE = Notebook(
    "noise", GRAY_SCOTT, {
        **COMMON,
        **TRAINING,
        "noise_levels": Param({"smoke": [0.0, 0.5], "quick": [0.0, 0.3, 0.8],
                               "grid": [round(i / 9, 4) for i in range(10)],  # the authors' linspace(0, 1, 10)
                               "paper": [round(i / 20, 2) for i in range(21)]}, float_list(0.0, 1.0),
                              "noise amplitudes ξ of ỹ = (1−ξ)y + ξη"),
        "seeds": Param({"smoke": [0], "quick": [0], "grid": [0, 1], "paper": [0, 1, 2, 3]}, int_list(0),
                       "weight/shuffle seeds"),
        "t": Param(same(32), integer(1), "time sampling of the noisy training data"),
        "window": Param(same(3), integer(1), "moving-average window (in ξ values) of Fig 6A"),
    },
    lambda P: jobs.noise_jobs(P).values(),
    (FIG6, FIG6_RENOISED),
    axes=("noise_levels", "seeds"))

#: the chapter's notebooks, in reading order
NOTEBOOKS = (GRAY_SCOTT_DATA, TIME_SAMPLING, NOISE)
