"""The "Parameter-perturbation stability" notebook: parameters, the shipped models it reads, figure files."""

from __future__ import annotations

from typing import Any

from nca_core.chapters.between_frames.notebooks import READS_MODELS, TIERS
from nca_core.chapters.parts import BEYOND
from nca_core.chapters.perturbation.jobs import perturbation_jobs
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, choice, flag, float_list, int_list, integer, same, str_list

#: the morph chapter's stability models by name (:func:`nca_core.chapters.morph.models.stability_jobs`)
MORPH_MODELS = ("C32_t32", "C16_t64", "C32_t32_sym")

#: the σ grid and the fractions of hidden units dropped of the shipped tiers (relative noise from 10⁻³ to 1 at 1, 2, 5
#: per decade; 1/32 to 1/2 of the hidden units)
SIGMAS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
FRACTIONS = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2]
#: the σ of the row of rollouts (with σ = 0)
ROW = [0.01, 0.05, 0.2, 1.0]

#: the files the chapter's figures write (its ``figures`` module names them from here)
SIGMA = "perturbation_sigma.png"
DROP = "perturbation_drop.png"
ROWS = "perturbation_rows.png"


def _rows_in_grid(p: dict[str, Any]) -> None:
    """Every σ of the rollout row is one of the swept σ (its rollouts are those of the sweep's first draw)."""
    extra = [s for s in p["rows"] if s not in p["sigmas"]]
    if extra:
        raise ValueError(f"rows={p['rows']!r} is not accepted; accepted: values of sigmas={p['sigmas']!r}")


def _row_models(p: dict[str, Any]) -> None:
    """The row's models are among those read."""
    if p["row_t"] not in p["sampling"]:
        raise ValueError(f"row_t={p['row_t']!r} is not accepted; accepted: one of sampling={p['sampling']!r}")
    if p["row_morph"] not in p["morph_models"]:
        raise ValueError(f"row_morph={p['row_morph']!r} is not accepted; accepted: one of "
                         f"morph_models={p['morph_models']!r}")


PERTURBATION = Notebook(
    "perturbation", BEYOND, {
        **READS_MODELS,
        # the grid tier has no morph stability models: at grid the chapter reads the long tier's models (its
        # sweep is shipped for them)
        "tier": Param({"smoke": "smoke", "quick": "quick", "long": "long", "grid": "long", "paper": "paper"},
                      choice(*TIERS),
                      "whose models: the time_sampling notebook's and the morph stability models of this tier "
                      "(trained there, never here)"),
        "sampling": Param({"smoke": [16], "quick": [4, 16, 32], "paper": [4, 16, 32]}, int_list(1),
                          "time samplings t of the Gray-Scott models (long: the shipped t = 4, 16, 32)"),
        "morph_models": Param({"smoke": ["C32_t32"], "quick": list(MORPH_MODELS), "paper": list(MORPH_MODELS)},
                              str_list(MORPH_MODELS), "the morph stability models read"),
        "sigmas": Param({"smoke": [0.01, 0.1, 1.0], "quick": SIGMAS, "paper": SIGMAS},
                        float_list(1e-6, 10.0), "relative weight-noise sizes σ (each tensor: σ·rms(W)·N(0, 1))"),
        "fractions": Param({"smoke": [0.25, 0.5], "quick": FRACTIONS, "paper": FRACTIONS},
                           float_list(1e-6, 1.0), "fractions of the hidden units dropped (rounded to whole units)"),
        "draws": Param({"smoke": 2, "quick": 4, "paper": 4}, integer(1),
                       "seeded draws per σ and per fraction (and mask seeds of the noise floor)"),
        "perturb_seed": Param(same(0), integer(0), "seed of the weight noise, the dropped units and the masks"),
        "test_size": Param({"smoke": 64, "quick": 128, "paper": 128}, choice(64, 128),
                           "Gray-Scott: lattice of the unseen test IC (the quality target's: 128)"),
        "test_steps": Param({"smoke": 32, "quick": 2048, "paper": 2048}, integer(1),
                            "Gray-Scott: steps from the unseen test IC (the quality target's: 2048)"),
        "rows": Param({"smoke": [0.1, 1.0], "quick": ROW, "paper": ROW}, float_list(1e-6, 10.0),
                      "σ shown in the row of rollouts (each one of sigmas)"),
        "row_t": Param({"smoke": 16, "quick": 32, "paper": 32}, integer(1),
                       "the Gray-Scott model of the row of rollouts"),
        "row_morph": Param(same("C32_t32"), choice(*MORPH_MODELS), "the morph model of the row of rollouts"),
        "recompute": Param(same(False), flag, "sweep again even if the results are cached or shipped"),
    },
    perturbation_jobs,
    (SIGMA, DROP, ROWS),
    (_rows_in_grid, _row_models))

#: the chapter's notebooks
NOTEBOOKS = (PERTURBATION,)
