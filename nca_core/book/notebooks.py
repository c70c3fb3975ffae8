"""The book's own notebooks, after the chapters: the reproduction report and the notebook explorer."""

from __future__ import annotations

from nca_core import validate
from nca_core.runs.notebook import Notebook
from nca_core.runs.params import Param, flag, int_list, integer, parsed, same

REPORT = "Reproduction report"
EXPLORE = "Explore the models"

#: the in-browser player's model names (nca_core.book.player), stable across profiles
PLAYER_MODELS = ("morph_C16_t32", "morph_C32_t32", "morph_C16_t64", "morph_C32_t32_sym",
                 "gray_scott_t32", "gray_scott_t16", "gray_scott_t4")


def _player_model(*names: str):
    return lambda n, v: validate.choice(n, parsed(v), names)


#: after the chapters: it reads their records
#: the files the report and the explorer write
REPORT_SUMMARY = "report_summary.png"
EXPLORE_MORPH, EXPLORE_GRAY_SCOTT = "explore_morph.png", "explore_gray_scott.png"
REPORT_NOTEBOOK = Notebook("report", REPORT, {}, figures=(REPORT_SUMMARY,))

#: the explorer notebook (nca_core.view.widgets): the model it opens with and the scripted runs of its static page
EXPLORE_NOTEBOOK = Notebook("explore", EXPLORE, {
    "model": Param(same("morph_C16_t32"), _player_model(*PLAYER_MODELS),
                   "the model the explorer opens with (any other is one click away)"),
    "seed": Param(same(0), integer(0), "seed of the update masks"),
    "morph_model": Param(same("morph_C16_t32"), _player_model(*PLAYER_MODELS[:4]), "morph model of the static figure"),
    "morph_steps": Param({**same([0, 32, 64, 96, 128, 256]), "smoke": [0, 4, 8, 16]}, int_list(0),
                         "steps shown in the static morph figure"),
    "morph_edit": Param({**same(64), "smoke": 4}, integer(0), "step at which the static morph run is damaged"),
    "gray_scott_model": Param(same("gray_scott_t32"), _player_model(*PLAYER_MODELS[4:]),
                              "Gray-Scott model of the static figure"),
    "gray_scott_steps": Param({**same([0, 256, 512, 1024, 2048]), "smoke": [0, 8, 16]}, int_list(0),
                              "steps shown in the static Gray-Scott figure"),
    "gray_scott_edit": Param({**same(256), "smoke": 8}, integer(0),
                             "step at which a spot of B is painted into NCA and PDE"),
    "train_missing": Param({**same(False), "smoke": True}, flag,
                           "train the models named above if neither cached nor shipped (seconds at smoke)"),
}, figures=(EXPLORE_MORPH, EXPLORE_GRAY_SCOTT))

#: the book's own notebooks, in reading order
NOTEBOOKS = (REPORT_NOTEBOOK, EXPLORE_NOTEBOOK)
