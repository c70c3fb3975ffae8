"""The paper's experiments, one subpackage per chapter with the same modules:

``jobs`` (the models a figure trains) · ``measure`` (train or load, evaluate, typed results:
``run_…(P)``) · ``claims`` (the paper's claims checked against a run's numbers) · ``figures``.

Beside them: ``registry`` (every notebook: book part, parameters, jobs, figure files — the one
place a notebook is declared), ``report`` (claims tables, provenance lines) and ``measures``
(what the chapters share: blow-up detection, moving averages, rank correlation).

May import: :mod:`nca_core.runs`, :mod:`nca_core.core`, :mod:`nca_core.data`,
:mod:`nca_core.view`, ``fileio``, ``validate``.
"""
