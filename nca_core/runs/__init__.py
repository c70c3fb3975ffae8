"""Running experiments: ``cache`` (a :class:`~nca_core.runs.cache.Job` is trained once, keyed by
the hash of its full configuration, and found again in ``results/`` or the shipped ``weights/``)
and ``params`` (notebook parameters: profiles, checks, resolution).

May import: :mod:`nca_core.core`, :mod:`nca_core.data`, ``fileio``, ``validate``.
"""
