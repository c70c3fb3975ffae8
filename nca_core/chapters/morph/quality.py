"""How close a morph-task NCA comes to the paper's morph, in numbers cheap enough to log.

The rollout measures of :mod:`nca_core.chapters.morph.measure` (rooster distance at 3t and 8t) say
how well the whole morph is drawn. :func:`transition_error` is a cheaper, rougher proxy, the
analogue of :func:`nca_core.chapters.gray_scott.quality.transition_error`: started from each true
frame ``y[k]`` (hidden channels zero), how far the t-step prediction lands from ``y[k+1]``,
relative to predicting "no change" (the distance ``‖y[k+1] − y[k]‖``). The last transition of
the morph sequence (rooster → rooster) has no change at all, so only the mean over the
transitions is set against "no change"; each transition's error is kept as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nca_core.chapters.morph.measure import distance
from nca_core.core.model import NCA


@dataclass
class TransitionError:
    """One-transition prediction error from the true frames, against predicting "no change".

    ``errors[k]``: distance of the prediction from ``y[k]`` to ``y[k+1]`` (mean over the mask
    samples); ``still[k]``: ``‖y[k+1] − y[k]‖``. ``error``/``still_mean``: their means.
    """

    errors: np.ndarray
    still: np.ndarray

    @property
    def error(self) -> float:
        return float(np.mean(self.errors))

    @property
    def still_mean(self) -> float:
        return float(np.mean(self.still))

    @property
    def ratio(self) -> float:
        """Mean error / mean "no change" distance (1 = as good as doing nothing)."""
        return self.error / self.still_mean


def transition_error(model: NCA, y: np.ndarray, t: int, samples: int = 1, seed: int = 0) -> TransitionError:
    """Start from every true frame ``y[k]`` (``y[T, H, W, 4]``, e.g. :func:`measure.targets`), run ``t``
    steps with ``samples`` mask realisations, compare the observable channels with ``y[k+1]``."""
    n = len(y) - 1
    x = np.repeat(y[:-1], samples, axis=0)  # [n·samples, H, W, 4], frame-major
    with np.errstate(all="ignore"):
        out = np.asarray(model.rollout(x, steps=t, seed=seed, frames=[t]))[0][..., : y.shape[-1]]
        err = distance(out, np.repeat(y[1:], samples, axis=0)).reshape(n, samples).mean(axis=1)
    return TransitionError(errors=np.where(np.isfinite(err), err, np.inf), still=distance(y[1:], y[:-1]))


#: the loss has flattened when its last ``FLAT_FRACTION`` of epochs lower it by less than ``FLAT_DROP``
FLAT_FRACTION = 0.1
FLAT_DROP = 0.05


def loss_drop(loss: np.ndarray, fraction: float = FLAT_FRACTION) -> float:
    """How much the last ``fraction`` of the epochs lowered the loss, relative to before them.

    The loss is the lowest epoch loss so far (what best-epoch selection keeps), so a noisy or
    oscillating curve does not count as progress: ``(min(before) − min(all)) / min(before)``,
    ``before`` being all but the last ``ceil(fraction·epochs)`` epochs. NaN for fewer than 2 epochs.
    """
    loss = np.asarray(loss, dtype=float)
    loss = np.where(np.isfinite(loss), loss, np.inf)
    n = len(loss)
    m = n - int(np.ceil(fraction * n))
    if n < 2 or m < 1 or not np.isfinite(loss[:m].min()):
        return float("nan")
    before, after = loss[:m].min(), loss.min()
    return float((before - after) / before)


def loss_flat(loss: np.ndarray, fraction: float = FLAT_FRACTION, drop: float = FLAT_DROP) -> bool:
    """The loss-flatness criterion of the shipped tier: :func:`loss_drop` below ``drop``."""
    return bool(loss_drop(loss, fraction) < drop)
