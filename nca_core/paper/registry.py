"""The registry of the book's notebooks: the one place a notebook is declared.

Each :class:`Notebook` entry gives the book part it belongs to, its parameters (with their
per-profile defaults and checks), the models it trains and the figure files it writes.
``_toc.yml``'s chapter list (:func:`toc`), the command line (``nca-book``), the parameter
resolver every notebook calls (:func:`resolve`) and the notebook tests all read it: adding a
notebook is adding its file, its chapter package and one entry here.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from nca_core import validate
from nca_core.core.config import ACTIVATIONS, LR_SCHEDULES
from nca_core.core.kernels import KERNEL_SETS, PAPER_KERNEL_SETS
from nca_core.data import gray_scott as gs_data
from nca_core.data import morph as morph_data
from nca_core.runs import params
from nca_core.runs.params import (
    Constraint,
    Param,
    choice,
    flag,
    float_list,
    int_list,
    integer,
    learning_rate,
    number,
    parsed,
    same,
    str_list,
)

if TYPE_CHECKING:  # the cache imports TensorFlow; the registry itself must not (nca-book run stays light)
    from nca_core.runs.cache import Job


def _emoji_names(name: str, value: Any) -> list[str]:
    value = parsed(value)
    accepted = f"a list of at least 2 emoji names from {', '.join(sorted(morph_data.EMOJI))}"
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise ValueError(f"{name}={value!r} is not accepted; accepted: {accepted}")
    for v in value:
        if v not in morph_data.EMOJI:
            raise ValueError(f"{name}={value!r} is not accepted ({v!r} is unknown); accepted: {accepted}")
    return list(value)


#: the in-browser player's model names (nca_core.paper.player), stable across profiles
PLAYER_MODELS = ("morph_C16_t32", "morph_C32_t32", "morph_C16_t64", "morph_C32_t32_sym",
                 "gray_scott_t32", "gray_scott_t16", "gray_scott_t4")

_GS_COMMON = {
    "gamma_preset": Param(same("published"), choice(*gs_data.PRESETS),
                          "Gray-Scott parameter set: published (γ=0.06268), as_run (γ=0.06258), mitosis"),
}

_GS_TRAINING = {
    "epochs": Param({"smoke": 2, "quick": 300, "long": 2000, "paper": 4000}, integer(1), "training epochs per model"),
    "lr": Param({"smoke": 5e-3, "quick": 5e-3, "long": 1e-3, "paper": 1e-3}, learning_rate,
                "Nadam learning rate, or the peak of the schedule (paper 1e-3; quick 5e-3 for 13× fewer epochs)"),
    "lr_schedule": Param({**same("constant"), "long": "cosine"}, choice(*LR_SCHEDULES),
                         "learning-rate schedule: constant (the paper's), cosine or exponential decay to lr_min"),
    "lr_min": Param(same(1e-5), learning_rate, "the rate a decaying schedule ends at"),
    "seeds": Param({"smoke": [0], "quick": [0], "paper": [0, 1, 2, 3]}, int_list(0), "weight/shuffle seeds"),
    "channels": Param(same(8), integer(2), "NCA channels C (2 observable: A, B)"),
    "test_size": Param({"smoke": 64, "quick": 128, "paper": 128}, choice(64, 128),
                       "lattice size of the unseen test initial condition"),
    "test_steps": Param({"smoke": 64, "quick": 2048, "paper": 2048}, integer(1), "steps of the test rollout"),
    "retrain": Param(same(False), flag, "train even if cached or shipped weights exist"),
}

_EMOJI_TRAINING = {
    "epochs": Param({"smoke": 2, "quick": 100, "long": 600, "paper": 8000}, integer(1), "training epochs per model"),
    "lr": Param({"smoke": 5e-3, "quick": 5e-3, "paper": 1e-3}, learning_rate,
                "Nadam learning rate, or the peak of the schedule (paper code 1e-3; quick 5e-3 makes up for 80× "
                "fewer epochs)"),
    "lr_schedule": Param({**same("constant"), "long": "cosine"}, choice(*LR_SCHEDULES),
                         "learning-rate schedule: constant (the paper's), cosine or exponential decay to lr_min"),
    "lr_min": Param(same(1e-5), learning_rate, "the rate a decaying schedule ends at"),
    "chunk_size": Param({"smoke": 4, "quick": 8, "paper": 0}, integer(0),
                        "pairs per gradient step; 0 = all pairs, one step per epoch (the authors' code)"),
    "copies": Param({"smoke": 2, "quick": 8, "paper": 8}, integer(1), "randomly shifted copies of the sequence (R)"),
    "seed": Param(same(0), integer(0), "seed of weights, shuffles and update masks"),
    "input_noise": Param(same(1e-3), number(0.0, 1.0),
                         "input-noise amplitude a, applied once before training (0 = none)"),
    "retrain": Param(same(False), flag, "train even if cached or shipped weights exist"),
}

_PARAMS: dict[str, dict[str, Param]] = {
    "gray_scott_data": {
        **_GS_COMMON,
        "steps": Param({"smoke": 128, "quick": 1024, "paper": 1024}, integer(1), "PDE steps of each trajectory"),
        "snapshots": Param({"smoke": [0, 64, 128], "quick": [0, 128, 256, 512, 1024],
                            "paper": [0, 128, 256, 512, 1024]}, int_list(0), "steps shown as snapshots"),
        "animation_every": Param({"smoke": 32, "quick": 16, "paper": 8}, integer(1), "steps between animation frames"),
    },
    "time_sampling": {
        **_GS_COMMON,
        **_GS_TRAINING,
        "sampling": Param({"smoke": [16, 32], "quick": [4, 16, 32], "paper": [1, 2, 4, 6, 8, 12, 16, 24, 32]},
                          int_list(1), "time samplings t (NCA steps between data frames)"),
        "fig5_t": Param(same(32), integer(1), "t of the model compared with the PDE in Fig 5 and S4–S6"),
        "fig5_steps": Param({"smoke": 128, "quick": 4096, "paper": 4096}, integer(1), "steps of Fig 5 and the videos"),
        "video_every": Param({"smoke": 16, "quick": 4, "paper": 1}, integer(1), "steps between video frames"),
    },
    "noise": {
        **_GS_COMMON,
        **_GS_TRAINING,
        "noise_levels": Param({"smoke": [0.0, 0.5], "quick": [0.0, 0.3, 0.8],
                               "paper": [round(i / 20, 2) for i in range(21)]}, float_list(0.0, 1.0),
                              "noise amplitudes ξ of ỹ = (1−ξ)y + ξη"),
        "t": Param(same(32), integer(1), "time sampling of the noisy training data"),
        "window": Param(same(3), integer(1), "moving-average window (in ξ values) of Fig 6A"),
    },
    "kernels_activations": {
        **_EMOJI_TRAINING,
        "channels": Param({"smoke": 8, "quick": 16, "paper": 16}, integer(4), "NCA channels C (4 observable: RGBA)"),
        "t": Param({"smoke": 2, "quick": 32, "paper": 64}, integer(1), "NCA steps between consecutive images"),
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
    "channels_sampling": {
        **_EMOJI_TRAINING,
        "channel_list": Param({"smoke": [4, 8], "quick": [4, 8, 16, 32], "paper": [4, 6, 8, 10, 12, 14, 16, 32]},
                              int_list(4), "channel counts C of the channel slice (panels A/B)"),
        "channel_t": Param({"smoke": 2, "quick": 32, "paper": 32}, integer(1), "t of the channel slice"),
        "sampling": Param({"smoke": [2, 8], "quick": [2, 8, 32, 64], "paper": [1, 2, 4, 8, 16, 32, 64, 128]},
                          int_list(1), "time samplings t of the sampling slice (panels C/D)"),
        "sampling_channels": Param({"smoke": 8, "quick": 16, "paper": 16}, integer(4), "C of the sampling slice"),
        "symmetric": Param(same(True), flag,
                           "also train the ID_LAP_AV model at the largest C (for the symmetry analyses)"),
        "extrapolate": Param(same(8), integer(4), "the snapshots run to extrapolate × t steps"),
    },
    "morphing_task": {
        "names": Param(same(list(morph_data.MORPH_SEQUENCE)), _emoji_names, "emoji of the morph sequence, in order"),
        "pad": Param(same(10), integer(0), "zero padding (cells) around the 60×60 images"),
        "copies": Param(same(8), integer(1), "randomly shifted copies (trajectories R)"),
        "max_shift": Param(same(10), integer(0), "shifts are drawn from [−max_shift, max_shift − 1]; at most pad"),
        "seed": Param(same(0), integer(0), "seed of the shifts and of the noise sample"),
        "input_noise": Param(same([1e-3, 0.05, 0.2]), float_list(0.0, 1.0),
                              "input-noise amplitudes a of x ← (1−a)x + a·U(0,1) shown"),
    },
    "local_stability": {
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
    "adversarial_stability": {
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
    "symmetry": {
        **_EMOJI_TRAINING,
        "copies": Param({"smoke": 3, "quick": 8, "paper": 8}, integer(3),
                        "copies of the sequence (R): 0 re-initialised, 1 the reference, 2… re-drawn"),
        "input_noise": Param(same(1e-4), number(0.0, 1.0),
                             "input-noise amplitude a, re-applied at every augmentation (the authors' Fig 12 runs)"),
        "channels": Param({"smoke": 8, "quick": 32, "paper": 32}, integer(4), "NCA channels C (4 observable: RGBA)"),
        "t": Param({"smoke": 2, "quick": 32, "paper": 32}, integer(1), "NCA steps between consecutive images"),
        "augment_every": Param(same(8), integer(1),
                               "epochs between re-drawing the shifted (and, for rotated data, turned) copies"),
        "transforms": Param(same(list(morph_data.SYMMETRY_TRANSFORMS)), str_list(morph_data.SYMMETRY_TRANSFORMS),
                            "transformed alien inputs (rows of the figure)"),
        "canvas": Param(same(100), integer(86), "side of the evaluation lattice (≥ 86: a 45° turn clips nothing)"),
        "masks": Param({"smoke": 2, "quick": 4, "paper": 8}, integer(1),
                       "update-mask realisations the errors are averaged over"),
        "video_transform": Param(same("rot45"), choice(*morph_data.SYMMETRY_TRANSFORMS),
                                 "the input the video runs under the four models"),
        "video_every": Param({"smoke": 2, "quick": 1, "paper": 1}, integer(1), "steps between video frames"),
    },
}


#: the explorer notebook (nca_core.view.widgets): the model it opens with and the scripted runs of its static page
_PARAMS["explore"] = {
    "model": Param(same("morph_C16_t32"), lambda n, v: validate.choice(n, parsed(v), PLAYER_MODELS),
                   "the model the explorer opens with (any other is one click away)"),
    "seed": Param(same(0), integer(0), "seed of the update masks"),
    "morph_model": Param(same("morph_C16_t32"), lambda n, v: validate.choice(n, parsed(v), PLAYER_MODELS[:4]),
                         "morph model of the static figure"),
    "morph_steps": Param({**same([0, 32, 64, 96, 128, 256]), "smoke": [0, 4, 8, 16]}, int_list(0),
                         "steps shown in the static morph figure"),
    "morph_edit": Param({**same(64), "smoke": 4}, integer(0), "step at which the static morph run is damaged"),
    "gray_scott_model": Param(same("gray_scott_t32"), lambda n, v: validate.choice(n, parsed(v), PLAYER_MODELS[4:]),
                              "Gray-Scott model of the static figure"),
    "gray_scott_steps": Param({**same([0, 256, 512, 1024, 2048]), "smoke": [0, 8, 16]}, int_list(0),
                              "steps shown in the static Gray-Scott figure"),
    "gray_scott_edit": Param({**same(256), "smoke": 8}, integer(0),
                             "step at which a spot of B is painted into NCA and PDE"),
    "train_missing": Param({**same(False), "smoke": True}, flag,
                           "train the models named above if neither cached nor shipped (seconds at smoke)"),
}


def _shift_within_pad(values: dict[str, Any]) -> None:
    if values["max_shift"] > values["pad"]:
        raise ValueError(f"max_shift={values['max_shift']!r} is not accepted; accepted: an integer in "
                         f"[0, pad={values['pad']}] (a larger shift wraps the image across the lattice boundary)")


def _centred_canvas(values: dict[str, Any]) -> None:
    if (values["canvas"] - 60) % 2:
        raise ValueError(f"canvas={values['canvas']!r} is not accepted; accepted: an even integer ≥ 86 "
                         "(the 60×60 emoji is centred on it)")
    if values["video_transform"] not in values["transforms"]:
        raise ValueError(f"video_transform={values['video_transform']!r} is not accepted; accepted: one of the "
                         f"transforms {values['transforms']}")


@dataclass(frozen=True)
class Notebook:
    """A notebook of the book.

    Attributes:
        name: the file stem in ``notebooks/`` (and of the executed page).
        part: the caption of the book part it belongs to.
        params: its parameters (``profile`` excluded).
        jobs: the models it trains, from its resolved parameters (None: it trains nothing).
        figures: the files it writes into the figure folder.
        constraints: checks involving several parameters.
    """

    name: str
    part: str
    params: dict[str, Param]
    jobs: Callable[[types.SimpleNamespace], Iterable[Job]] | None = None
    figures: tuple[str, ...] = ()
    constraints: tuple[Constraint, ...] = field(default_factory=tuple)


def _sampling_jobs(p: types.SimpleNamespace) -> list[Job]:
    from nca_core.paper.gray_scott.jobs import sampling_jobs

    return list(sampling_jobs(p).values())


def _noise_jobs(p: types.SimpleNamespace) -> list[Job]:
    from nca_core.paper.gray_scott.jobs import noise_jobs

    return list(noise_jobs(p).values())


def _fig8_jobs(p: types.SimpleNamespace) -> list[Job]:
    from nca_core.paper.morph.jobs import fig8_jobs

    return fig8_jobs(p).all()


def _fig9_jobs(p: types.SimpleNamespace) -> list[Job]:
    from nca_core.paper.morph.jobs import fig9_jobs

    return fig9_jobs(p).all()


def _stability_jobs(*names: str) -> Callable[[types.SimpleNamespace], list[Job]]:
    """The named stability models (``channels_sampling`` runs) a stability notebook loads at its profile."""

    def jobs(p: types.SimpleNamespace) -> list[Job]:
        from nca_core.paper.morph.jobs import stability_jobs

        q, _ = resolve("channels_sampling", {"profile": p.profile, "symmetric": False})
        found = stability_jobs(q)
        return [found[n] for n in names]

    return jobs


def _symmetry_jobs(p: types.SimpleNamespace) -> list[Job]:
    from nca_core.paper.stability.symmetry import symmetry_jobs

    return list(symmetry_jobs(p).values())


GRAY_SCOTT = "Learning a reaction–diffusion system"
REPORT = "Reproduction report"
MORPH = "Morphing between images"
STABILITY = "How stable is what was learnt?"
EXPLORE = "Explore the models"

#: the book's pages before and after the notebook chapters: (part caption, [page files])
PAGES_BEFORE = (("The model", ("book/model",)),)
#: "Explore the models" runs shipped models in the reader's browser (book/_static/nca_player.js; the model
#: files are written by ``nca-book build``, see :mod:`nca_core.paper.player`). A part's pages here come before
#: its notebooks: the player page leads, the notebook explorer (``explore``, ipywidgets) follows it
PAGES_AFTER = ((EXPLORE, ("book/explore",)), ("About", ("book/cite",)))

#: every notebook, in reading order
NOTEBOOKS: dict[str, Notebook] = {nb.name: nb for nb in (
    Notebook("gray_scott_data", GRAY_SCOTT, _PARAMS["gray_scott_data"], figures=("fig3_training_data.png",)),
    Notebook("time_sampling", GRAY_SCOTT, _PARAMS["time_sampling"], _sampling_jobs,
             ("fig4_time_sampling.png", "fig4_loss_curves.png", "fig5_pde_vs_nca.png", "S4_pde.mp4", "S5_nca.mp4",
              "S6_difference.mp4")),
    Notebook("noise", GRAY_SCOTT, _PARAMS["noise"], _noise_jobs, ("fig6_noise.png",)),
    Notebook("morphing_task", MORPH, _PARAMS["morphing_task"],
             figures=("fig7_sequence.png", "fig7_lattice.png", "fig7_shifted_copies.png", "fig7_input_noise.png"),
             constraints=(_shift_within_pad,)),
    Notebook("kernels_activations", MORPH, _PARAMS["kernels_activations"], _fig8_jobs,
             ("fig8_kernels.png", "fig8_activations.png", "fig8_noise.png", "S1_rgba.mp4", "S2_channels.mp4",
              "S3_channels.mp4")),
    Notebook("channels_sampling", MORPH, _PARAMS["channels_sampling"], _fig9_jobs,
             ("fig9_channels.png", "fig9_sampling.png", "fig9_locality.png", "fig9_stability_models.png")),
    Notebook("local_stability", STABILITY, _PARAMS["local_stability"], _stability_jobs("C32_t32", "C16_t64"),
             ("fig10_local_stability.png", "fig10_footprints.png")),
    Notebook("adversarial_stability", STABILITY, _PARAMS["adversarial_stability"], _stability_jobs("C32_t32"),
             ("fig11_adversarial.png", "fig11_optimisation.png", "fig11_adversarial.mp4")),
    Notebook("symmetry", STABILITY, _PARAMS["symmetry"], _symmetry_jobs,
             ("fig12_symmetry.png", "fig12_errors.png", "fig12_symmetry.mp4"),
             constraints=(_centred_canvas,)),
    Notebook("report", REPORT, {}, figures=("report_summary.png",)),  # after the chapters: it reads their records
    Notebook("explore", EXPLORE, _PARAMS["explore"], figures=("explore_morph.png", "explore_gray_scott.png")),
)}


def notebook(name: str) -> Notebook:
    """The registry entry of a notebook (``ValueError`` naming the accepted names otherwise)."""
    if name not in NOTEBOOKS:
        raise ValueError(f"notebook={name!r} is not accepted; accepted: {', '.join(NOTEBOOKS)}")
    return NOTEBOOKS[name]


def declared(name: str) -> dict[str, Param]:
    """The parameters of a notebook (``profile`` excluded)."""
    return notebook(name).params


def resolve(name: str, namespace: dict[str, Any]) -> tuple[types.SimpleNamespace, dict[str, Any]]:
    """Resolve notebook ``name``'s parameters from its ``globals()`` (see :func:`nca_core.runs.params.resolve`)."""
    nb = notebook(name)
    return params.resolve(name, nb.params, namespace, nb.constraints)


def table(name: str) -> str:
    """Markdown table of a notebook's parameters with their per-profile defaults."""
    return params.table(declared(name))


def jobs(name: str, profile: str, overrides: dict[str, Any] | None = None) -> list[Job]:
    """The distinct models notebook ``name`` trains with these parameters (empty if none)."""
    nb = notebook(name)
    if nb.jobs is None:
        return []
    p, _ = resolve(name, {"profile": profile, **(overrides or {})})
    return list({j.key: j for j in nb.jobs(p)}.values())


def toc() -> str:
    """The text of ``_toc.yml``: the pages around the notebook chapters, each notebook in its part."""
    parts: dict[str, list[str]] = {}
    for caption, pages in PAGES_BEFORE:
        parts.setdefault(caption, []).extend(pages)
    for nb in NOTEBOOKS.values():
        parts.setdefault(nb.part, []).append(f"book/_executed/{nb.name}")
    for caption, pages in PAGES_AFTER:
        parts[caption] = [*pages, *parts.get(caption, [])]
    lines = ["# Table of contents (https://jupyterbook.org/en/stable/structure/toc.html)",
             "# Written by `nca-book toc` from nca_core/paper/registry.py: edit the registry, not this file.",
             "# The chapter pages are notebooks executed by `nca-book run` into book/_executed/.",
             "format: jb-book", "root: book/intro", "parts:"]
    for caption, files in parts.items():
        lines += [f"  - caption: {caption}", "    chapters:"] + [f"      - file: {f}" for f in files]
    return "\n".join(lines) + "\n"
