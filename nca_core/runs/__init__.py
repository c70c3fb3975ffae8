"""Running experiments: ``job`` (:class:`~nca_core.runs.job.Job`, what a model is, and the data
specifications; no TensorFlow) · ``cache`` (a job is trained once, keyed by the hash of its full
configuration, and found again in ``results/`` or the shipped ``weights/``; a lock per model) ·
``sweep`` (the one way to train a list of jobs, in this process or on Dask workers) · ``store``
(cached arrays of analyses, keyed by what they were computed from) · ``params`` (notebook
parameters: profiles, checks, resolution) · ``notebook`` (a notebook's declaration).

May import: :mod:`nca_core.core`, :mod:`nca_core.data`, ``fileio``, ``validate``.
"""
