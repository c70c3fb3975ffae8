"""The Fig 12 chapter's notebook (symmetric stencils and augmentation): parameters, checks, models, figures."""

from __future__ import annotations

from typing import Any

from nca_core.chapters.morph.training import TRAINING
from nca_core.chapters.parts import STABILITY
from nca_core.chapters.symmetry.jobs import symmetry_jobs
from nca_core.data import lattice
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, choice, integer, number, same, str_list

#: the files the chapter's figures write (its ``figures`` module names them from here)
FIG12, FIG12_ERRORS, FIG12_VIDEO = "fig12_symmetry.png", "fig12_errors.png", "fig12_symmetry.mp4"


def _centred_canvas(values: dict[str, Any]) -> None:
    if (values["canvas"] - 60) % 2:
        raise ValueError(f"canvas={values['canvas']!r} is not accepted; accepted: an even integer ≥ 86 "
                         "(the 60×60 emoji is centred on it)")
    if values["video_transform"] not in values["transforms"]:
        raise ValueError(f"video_transform={values['video_transform']!r} is not accepted; accepted: one of the "
                         f"transforms {values['transforms']}")


SYMMETRY = Notebook(
    "symmetry", STABILITY, {
        **TRAINING,
        "copies": Param({"smoke": 3, "quick": 8, "paper": 8}, integer(3),
                        "copies of the sequence (R): 0 re-initialised, 1 the reference, 2… re-drawn"),
        "input_noise": Param(same(1e-4), number(0.0, 1.0),
                             "input-noise amplitude a, re-applied at every augmentation (the authors' Fig 12 runs)"),
        "channels": Param({"smoke": 8, "quick": 32, "paper": 32}, integer(4), "NCA channels C (4 observable: RGBA)"),
        "t": Param({"smoke": 2, "quick": 32, "paper": 32}, integer(1), "NCA steps between consecutive images"),
        "augment_every": Param(same(8), integer(1),
                               "epochs between re-drawing the shifted (and, for rotated data, turned) copies"),
        "transforms": Param(same(list(lattice.SYMMETRY_TRANSFORMS)), str_list(lattice.SYMMETRY_TRANSFORMS),
                            "transformed alien inputs (rows of the figure)"),
        "canvas": Param(same(100), integer(86), "side of the evaluation lattice (≥ 86: a 45° turn clips nothing)"),
        "masks": Param({"smoke": 2, "quick": 4, "paper": 8}, integer(1),
                       "update-mask realisations the errors are averaged over"),
        "video_transform": Param(same("rot45"), choice(*lattice.SYMMETRY_TRANSFORMS),
                                 "the input the video runs under the four models"),
        "video_every": Param({"smoke": 2, "quick": 1, "paper": 1}, integer(1), "steps between video frames"),
    },
    lambda P: symmetry_jobs(P).values(),
    (FIG12, FIG12_ERRORS, FIG12_VIDEO),
    constraints=(_centred_canvas,))

#: the chapter's notebooks
NOTEBOOKS = (SYMMETRY,)
