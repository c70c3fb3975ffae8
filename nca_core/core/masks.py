"""Rollouts under common random numbers: one update-mask sequence shared by a whole batch.

A morph-task NCA updates each cell with probability ½ per step, so two rollouts of the same
initial state differ. To see what a perturbation of the initial state does, and nothing
else, the perturbed and the unperturbed state are run with the *same* masks: step ``n``
uses the mask ``σ⁽ⁿ⁾[H, W, 1]`` (one draw per cell, or per cell and channel) for every
lattice of the batch. The difference of the two final states is then a deterministic
function of the perturbation. :class:`Rollouts` also draws independent masks per lattice
(the protocol the paper's threshold of 0.1 suggests) for comparison.

Every mask comes from :func:`nca_core.core.model.fire_mask` with the stateless seed of step
``n`` (:func:`nca_core.core.model.step_seed`), inside an XLA-compiled function, so the mask
sequence of a seed does not depend on the batch size or on how the rollout is split.
"""

from __future__ import annotations

import weakref
from typing import Sequence

import numpy as np

from nca_core import validate
from nca_core.core.backend import tf
from nca_core.core.model import NCA, fire_mask, step_seed


class Rollouts:
    """Compiled rollouts of one NCA with shared (common) or per-lattice (independent) masks.

    Example:
        >>> r = Rollouts(model)
        >>> m = r.masks(96, seed=0, size=(80, 80))           # [96, 1, 80, 80, 1]
        >>> final = r.run(x0, [96], masks=m)[0]              # every lattice of x0 sees m
    """

    def __init__(self, model: NCA):
        self.model = model
        self.config = model.config
        self._masks_fn = None

    # ------------------------------------------------------------ masks
    def masks(self, steps: int, seed: int, size: tuple[int, int]) -> tf.Tensor:
        """The shared mask sequence ``[steps, 1, H, W, 1|C]`` of ``seed`` (all ones at fire rate 1)."""
        validate.integer("steps", steps, 1)
        validate.integer("seed", seed, 0)
        c = self.config
        if self._masks_fn is None:
            @tf.function(jit_compile=True, reduce_retracing=True)
            def draw(seed, n, shape):
                out = tf.TensorArray(c.dtype, size=n)

                def body(i, out):
                    m = fire_mask(shape, c, step_seed(seed, i))
                    m = tf.ones(tf.concat([shape[:3], [1]], 0), c.dtype) if m is None else m
                    return i + 1, out.write(i, m)

                _, out = tf.while_loop(lambda i, o: i < n, body, (tf.constant(0), out))
                return out.stack()

            self._masks_fn = draw
        shape = tf.constant([1, size[0], size[1], c.channels])
        return self._masks_fn(tf.constant([seed, 0], tf.int64), tf.constant(steps), shape)

    # ---------------------------------------------------------- rollouts
    def run(self, x0, frames: Sequence[int], masks: tf.Tensor | None = None, seed: int | None = None,
            keep: int | None = None) -> np.ndarray:
        """Roll ``x0 [B, H, W, c]`` out and keep the states at ``frames``: ``[F, B, H, W, C or keep]``.

        Args:
            x0: initial states (zero-padded to C channels).
            frames: step numbers to keep (sorted, each ≥ 0).
            masks: a shared sequence from :meth:`masks` with at least ``max(frames)`` steps:
                every lattice of the batch gets the same mask at each step.
            seed: instead of ``masks``: independent masks per lattice, drawn from this seed
                (as :meth:`NCA.rollout <nca_core.core.model.NCA.rollout>` draws them; they
                depend on the batch size).
            keep: keep only the first ``keep`` channels (e.g. the observable ones) of each state.
        """
        if (masks is None) == (seed is None):
            raise ValueError("give exactly one of masks (shared) and seed (independent masks per lattice)")
        frames = sorted({validate.integer("frames", f, 0) for f in frames})
        if masks is not None and frames[-1] > masks.shape[0]:
            raise ValueError(f"frames={frames!r} is not accepted; accepted: steps up to the {masks.shape[0]} masks")
        x = self.model.prepare_state(x0)
        params = self.model.variables
        out, n = [], 0
        for f in frames:
            if f > n:
                shared = masks is not None
                given = masks if shared else tf.constant([validate.integer("seed", seed, 0), 0], tf.int64)
                x = self.model.compiled_advance(shared)(params, x, tf.constant(f - n), tf.constant(n), given)
                n = f
            out.append(x[..., :keep].numpy() if keep else x.numpy())
        return np.stack(out)


_RUNNERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def rollouts(model: NCA) -> Rollouts:
    """The :class:`Rollouts` of ``model``, made once (its compiled functions are reused)."""
    if model not in _RUNNERS:
        _RUNNERS[model] = Rollouts(model)
    return _RUNNERS[model]
