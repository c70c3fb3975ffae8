"""The book's machinery, apart from the science of the chapters.

``registry`` (collects the chapters' notebook declarations; ``notebook / resolve / jobs / toc``) ·
``notebooks`` (the book's own notebooks: the report and the explorer) · ``report`` (claims tables,
provenance lines, the records the report reads) · ``reproduction`` (the report page, ``claims.json``) ·
``status`` (where each model of a profile is; ``--profile best``) · ``player`` (the in-browser
player's models) · ``explorer`` (the notebook explorer's models).

May import: :mod:`nca_core.chapters` and every layer below it.
"""
