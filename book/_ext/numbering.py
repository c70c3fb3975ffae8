"""Sphinx extension: no figure numbers of the book's own ("Fig. 19"), whatever jupyter-book sets.

Every "Fig N" on these pages is the paper's (captions say "**Paper Fig 8 A–B.**"). ``_config.yml`` asks for
``numfig: false``, but jupyter-book 1.0.4 builds with its own default, ``numfig = True`` (its ``config sphinx``
output says False; the running build's ``app.config.numfig`` is True), and Sphinx then numbers every captioned
figure across the book. This handler sets it back once the configuration is read.
"""

from __future__ import annotations


def no_figure_numbers(app, config) -> None:
    config.numfig = False


def setup(app):
    app.connect("config-inited", no_figure_numbers, priority=900)  # after everything else has set it
    return {"parallel_read_safe": True, "parallel_write_safe": True}
