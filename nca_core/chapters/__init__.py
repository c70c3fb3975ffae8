"""The paper's chapters: one package per chapter, every one with the same modules.

``notebooks`` (its notebooks' declarations: parameters, checks, models, figure files) · ``jobs``
(the models it trains or loads) · ``measure`` (train or load, evaluate, typed results:
``run_figN(P)``) · ``claims`` (the paper's claims checked against a run's numbers: ``figN(R)``) ·
``figures`` (``figN(R)`` and the figure's extras).

The chapters: ``gray_scott`` (Figs 3–6, S4–S6), ``morph`` (Figs 7–9, S1–S3), ``local`` (Fig 10),
``adversarial`` (Fig 11), ``symmetry`` (Fig 12). Beside them: ``claim`` (:class:`Claim`),
``measures`` (science the chapters share: blow-up detection, moving averages, rank correlation) and
``parts`` (the book parts' captions). A chapter uses another's public functions (the stability
chapters load the morph chapter's models through :mod:`nca_core.chapters.morph.models`), never the
book's registry.

May import: :mod:`nca_core.runs`, :mod:`nca_core.core`, :mod:`nca_core.data`, :mod:`nca_core.view`,
``fileio``, ``validate``.
"""
