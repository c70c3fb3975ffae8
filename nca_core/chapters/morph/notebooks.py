"""The morph chapter's notebooks (Figs 7–9, videos S1–S3): parameters, checks, models, figure files."""

from __future__ import annotations

from typing import Any

from nca_core.chapters.morph import jobs
from nca_core.chapters.morph.training import TRAINING
from nca_core.chapters.parts import MORPH
from nca_core.core.config import ACTIVATIONS
from nca_core.core.kernels import KERNEL_SETS, PAPER_KERNEL_SETS
from nca_core.data import morph as morph_data
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import (
    Param,
    flag,
    float_list,
    int_list,
    integer,
    parsed,
    same,
    str_list,
)

#: the files the chapter's figures write (its ``figures`` module names them from here)
FIG7_SEQUENCE, FIG7_LATTICE = "fig7_sequence.png", "fig7_lattice.png"
FIG7_SHIFTED, FIG7_NOISE = "fig7_shifted_copies.png", "fig7_input_noise.png"
FIG8_KERNELS, FIG8_ACTIVATIONS, FIG8_NOISE = "fig8_kernels.png", "fig8_activations.png", "fig8_noise.png"
S1, S2, S3 = "S1_rgba.mp4", "S2_channels.mp4", "S3_channels.mp4"
FIG9_CHANNELS, FIG9_SAMPLING = "fig9_channels.png", "fig9_sampling.png"
FIG9_LOCALITY, FIG9_STABILITY = "fig9_locality.png", "fig9_stability_models.png"


def _emoji_names(name: str, value: Any) -> list[str]:
    value = parsed(value)
    accepted = f"a list of at least 2 emoji names from {', '.join(sorted(morph_data.EMOJI))}"
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise ValueError(f"{name}={value!r} is not accepted; accepted: {accepted}")
    for v in value:
        if v not in morph_data.EMOJI:
            raise ValueError(f"{name}={value!r} is not accepted ({v!r} is unknown); accepted: {accepted}")
    return list(value)


def _shift_within_pad(values: dict[str, Any]) -> None:
    if values["max_shift"] > values["pad"]:
        raise ValueError(f"max_shift={values['max_shift']!r} is not accepted; accepted: an integer in "
                         f"[0, pad={values['pad']}] (a larger shift wraps the image across the lattice boundary)")



MORPHING_TASK = Notebook(
    "morphing_task", MORPH, {
        "names": Param(same(list(morph_data.MORPH_SEQUENCE)), _emoji_names, "emoji of the morph sequence, in order"),
        "pad": Param(same(10), integer(0), "zero padding (cells) around the 60×60 images"),
        "copies": Param(same(8), integer(1), "randomly shifted copies (trajectories R)"),
        "max_shift": Param(same(10), integer(0), "shifts are drawn from [−max_shift, max_shift − 1]; at most pad"),
        "seed": Param(same(0), integer(0), "seed of the shifts and of the noise sample"),
        "input_noise": Param(same([1e-3, 0.05, 0.2]), float_list(0.0, 1.0),
                             "input-noise amplitudes a of x ← (1−a)x + a·U(0,1) shown"),
    },
    figures=(FIG7_SEQUENCE, FIG7_LATTICE, FIG7_SHIFTED, FIG7_NOISE),
    constraints=(_shift_within_pad,))

KERNELS_ACTIVATIONS = Notebook(
    "kernels_activations", MORPH, {
        **TRAINING,
        "channels": Param({"smoke": 8, "quick": 16, "paper": 16}, integer(4), "NCA channels C (4 observable: RGBA)"),
        "t": Param({"smoke": 2, "quick": 32, "grid": 64, "paper": 64}, integer(1),
                   "NCA steps between consecutive images"),
        "kernel_sets": Param({"smoke": ["ID_LAP", "ID_DIFF_LAP"], "quick": list(PAPER_KERNEL_SETS),
                              "paper": list(PAPER_KERNEL_SETS)}, str_list(KERNEL_SETS),
                             "kernel sets of panels A/B (relu)"),
        "activations": Param({"smoke": ["relu", "linear"], "quick": ["linear", "relu", "swish", "tanh"],
                              "paper": ["linear", "relu", "swish", "tanh"]}, str_list(ACTIVATIONS),
                             "activations of panels C/D (ID_DIFF_LAP); leaky_relu and gelu also accepted"),
        "noise_ablation": Param(same(True), flag, "also train the relu/ID_DIFF_LAP model without input noise"),
        "extrapolate": Param(same(8), integer(4), "the snapshots and videos run to extrapolate × t steps"),
        "video_every": Param(same(1), integer(1), "steps between video frames (S1–S3)"),
    },
    lambda P: jobs.fig8_jobs(P).all(),
    (FIG8_KERNELS, FIG8_ACTIVATIONS, FIG8_NOISE, S1, S2, S3))

CHANNELS_SAMPLING = Notebook(
    "channels_sampling", MORPH, {
        **TRAINING,
        "channel_list": Param({"smoke": [4, 8], "quick": [4, 8, 16, 32], "grid": [4, 6, 8, 10, 12, 14, 16, 32],
                               "paper": [4, 6, 8, 10, 12, 14, 16, 32]},
                              int_list(4), "channel counts C of the channel slice (panels A/B)"),
        "channel_t": Param({"smoke": 2, "quick": 32, "paper": 32}, integer(1), "t of the channel slice"),
        "sampling": Param({"smoke": [2, 8], "quick": [2, 8, 32, 64], "grid": [1, 2, 4, 8, 16, 32, 64, 128],
                           "paper": [1, 2, 4, 8, 16, 32, 64, 128]},
                          int_list(1), "time samplings t of the sampling slice (panels C/D)"),
        "sampling_channels": Param({"smoke": 8, "quick": 16, "paper": 16}, integer(4), "C of the sampling slice"),
        "symmetric": Param(same(True), flag,
                           "also train the ID_LAP_AV model at the largest C (for the symmetry analyses)"),
        "extrapolate": Param(same(8), integer(4), "the snapshots run to extrapolate × t steps"),
    },
    lambda P: jobs.fig9_jobs(P).all(),
    (FIG9_CHANNELS, FIG9_SAMPLING, FIG9_LOCALITY, FIG9_STABILITY))

#: the chapter's notebooks, in reading order
NOTEBOOKS = (MORPHING_TASK, KERNELS_ACTIVATIONS, CHANNELS_SAMPLING)
