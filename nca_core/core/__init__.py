"""The TensorFlow engine, with no knowledge of the paper.

``kernels`` (the 3×3 stencils and kernel sets) · ``perception`` (depthwise stencils as shifted
slices, hand-written adjoint) · ``config`` (:class:`NCAConfig`, :class:`TrainConfig`,
learning-rate schedules) · ``model`` (:class:`NCA`: step, rollout, save/load) · ``optim``
(Nadam, gradient normalisation) · ``train`` (:class:`Trainer`, the paper's Algorithm 2) ·
``checkpoint`` (the training state, resumable checkpoints, hashes) · ``reference`` (one NCA
step in plain NumPy: the test oracle and the spec other implementations must match).

May import: :mod:`nca_core.data`, ``fileio``, ``validate``.
"""
