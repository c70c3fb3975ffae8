"""The Fig 12 chapter's models: the asymmetric and symmetric kernel sets, each on normal and rotated data."""

from __future__ import annotations

from types import SimpleNamespace

from nca_core import validate
from nca_core.chapters.morph.training import recipe
from nca_core.core.config import NCAConfig, TrainConfig
from nca_core.data import lattice
from nca_core.runs.job import Job, emoji_spec

#: the transformed inputs, in the figure's row order
TRANSFORMS = lattice.SYMMETRY_TRANSFORMS
#: the transforms that map the square lattice onto itself
ON_LATTICE = TRANSFORMS[:6]
#: the two kernel sets of Fig 12
KERNEL_SETS = {"asymmetric": "ID_DIFF_LAP", "symmetric": "ID_LAP_AV"}
#: the two kinds of training data
DATA = ("normal", "rotated")
#: the four models, in the figure's column order: (kernel family, data)
MODELS = tuple((k, d) for k in KERNEL_SETS for d in DATA)
#: shift range of the re-drawn copies (the authors' code: ±10 normal, ±5 with rotations)
MAX_SHIFT = {"normal": 10, "rotated": 5}
#: side of the 60×60 emoji
IMAGE = 60


def model_name(kernels: str, data_kind: str) -> str:
    """The model's name in results and tables, e.g. ``"symmetric, rotated"``."""
    return f"{kernels}, {data_kind}"


def symmetry_job(kernels: str, data_kind: str, P: SimpleNamespace) -> Job:
    """The training run of one Fig 12 model with the ``symmetry`` notebook's parameters ``P``."""
    validate.choice("kernels", kernels, tuple(KERNEL_SETS))
    validate.choice("data", data_kind, DATA)
    rotated = data_kind == "rotated"
    kernel_set = KERNEL_SETS[kernels]
    R = recipe(P, int(P.channels))
    return Job(
        nca=NCAConfig.emoji(channels=int(P.channels), kernel_set=kernel_set, activation="relu"),
        train=TrainConfig.emoji(t=int(P.t), epochs=int(R["epochs"]), lr=float(R["lr"]), lr_schedule=R["lr_schedule"],
                                lr_min=float(R["lr_min"]),
                                chunk_size=int(R["chunk_size"]) or None, seed=int(P.seed),
                                input_noise=float(P.input_noise), augment_every=int(P.augment_every),
                                max_shift=MAX_SHIFT[data_kind], flip=rotated, rotate=rotated),
        data=emoji_spec(copies=int(P.copies), max_shift=0),
        label=f"C={P.channels} t={P.t} {kernel_set} relu, {data_kind} data",
    )


def symmetry_jobs(P: SimpleNamespace) -> dict[tuple[str, str], Job]:
    """The four Fig 12 runs, keyed by (kernel family, data)."""
    return {(k, d): symmetry_job(k, d, P) for k, d in MODELS}
