"""Evaluating morph-task models (Figs 8–9) and checking the paper's claims about them.

A trained model is run from the clean, unshifted alien on the 80×80 lattice (hidden
channels zero) for ``extrapolate × t`` steps, with several independent update-mask samples.
Its states at n = t, 2t and 3t are compared with the microbe, the rooster and the rooster,
and the state at ``extrapolate × t`` with the rooster once more (is the rooster stable well
beyond the trained horizon?).

Measures (all on the observable RGBA channels, averaged over the mask samples):

* *morph error*: Euclidean distance to the target image, as the training loss, at each
  image time, and its mean over the three;
* *shape IoU*: intersection over union of the opaque regions (α > 0.5) of state and rooster
  at n = 3t;
* *detail error*: Euclidean distance of the high-pass parts (image minus its 5×5 box
  average), the part of the picture that carries edges and small features;
* *colour error*: mean absolute RGB difference of the rooster's opaque pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from nca_core.data import morph as data
from nca_core.runs.cache import Trained
from nca_core.core.model import NCA
from nca_core.paper.report import Claim

#: α above which a pixel counts as part of the picture
OPAQUE = 0.5
#: a state with |x| above this (or non-finite) counts as diverged
BLOWUP = 1e3


def targets(names: Sequence[str] = data.MORPH_SEQUENCE, pad: int = 10) -> np.ndarray:
    """The unshifted morph sequence on the padded lattice, ``[T, H, W, 4]``."""
    return data.pad_lattice(data.morph_frames(names), pad)


@dataclass
class Morph:
    """One model's rollout from the alien and its measures."""

    label: str
    t: int
    steps: list[int]
    obs: np.ndarray  # [S, B, H, W, 4] observable channels at ``steps`` (NaN after divergence)
    hidden: np.ndarray | None  # [S, H, W, C-4] hidden channels of sample 0
    errors: np.ndarray  # [T-1] morph error at t, 2t, 3t
    extrapolation_error: float
    iou: float
    detail: float
    colour: float
    diverged_at: int | None
    train_loss: float
    training_diverged: bool
    extra: dict = field(default_factory=dict)

    @property
    def morph_error(self) -> float:
        return float(np.mean(self.errors))


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance over the lattice and channels, per leading index."""
    d = np.sqrt(((a - b) ** 2).sum(axis=(-1, -2, -3)))
    return np.where(np.isfinite(d), d, np.inf)


def box_blur(x: np.ndarray, k: int = 5) -> np.ndarray:
    """Mean over the k×k neighbourhood (zero outside the lattice) of ``x[..., H, W, c]``."""
    r = k // 2
    pad = [(0, 0)] * (x.ndim - 3) + [(r, r), (r, r), (0, 0)]
    p = np.pad(x, pad)
    c = p.cumsum(-3).cumsum(-2)
    c = np.pad(c, [(0, 0)] * (x.ndim - 3) + [(1, 0), (1, 0), (0, 0)])
    h, w = x.shape[-3:-1]
    s = c[..., k:k + h, k:k + w, :] - c[..., :h, k:k + w, :] - c[..., k:k + h, :w, :] + c[..., :h, :w, :]
    return s / (k * k)


def shape_iou(state: np.ndarray, target: np.ndarray) -> np.ndarray:
    """IoU of the opaque regions (α > 0.5) of ``state[..., H, W, 4]`` and ``target``."""
    a, b = state[..., 3] > OPAQUE, target[..., 3] > OPAQUE
    inter = (a & b).sum(axis=(-1, -2))
    union = (a | b).sum(axis=(-1, -2))
    return inter / np.maximum(union, 1)


def colour_error(state: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Mean |RGB − RGB_target| over the target's opaque pixels."""
    m = target[..., 3] > OPAQUE
    return np.abs(state[..., :3] - target[..., :3])[..., m, :].mean(axis=(-1, -2))


def evaluate(tr: Trained, y: np.ndarray, extrapolate: int = 8, samples: int = 4, seed: int = 0) -> Morph:
    """Roll ``tr``'s best weights out from ``y[0]`` (hidden channels zero) and measure them.

    Args:
        tr: the trained model.
        y: the unshifted targets ``[T, H, W, 4]`` (see :func:`targets`).
        extrapolate: the last snapshot is at ``extrapolate × t`` (≥ T − 1).
        samples: independent update-mask samples (a batch of identical initial states).
        seed: seed of the masks.
    """
    t = tr.job.train.t
    m = len(y) - 1
    if extrapolate < m:
        raise ValueError(f"extrapolate={extrapolate!r} is not accepted; accepted: an integer >= {m} (the frames - 1)")
    steps = [k * t for k in range(m + 1)] + [extrapolate * t]
    model = NCA(tr.job.nca, params=tr.result.params)
    x0 = np.repeat(y[:1], samples, axis=0)
    with np.errstate(all="ignore"):
        states = np.asarray(model.rollout(x0, steps[-1], seed=seed, frames=steps))
        bad = ~(np.abs(states) <= BLOWUP).all(axis=(1, 2, 3, 4))  # NaN compares False: counted as bad
    diverged_at = next((n for n, b in zip(steps, bad) if b), None)
    states = np.where(bad[:, None, None, None, None], np.nan, states)
    obs = states[..., :4]
    with np.errstate(all="ignore"):
        errors = np.array([_dist(obs[k], y[k]).mean() for k in range(1, m + 1)])
        final, last = obs[m], y[m]
        iou = float(shape_iou(final, last).mean()) if not bad[m] else 0.0
        detail = float(_dist(final - box_blur(final), last - box_blur(last)).mean())
        colour = float(colour_error(final, last).mean()) if not bad[m] else float("inf")
        ext = float(_dist(obs[-1], last).mean())
    return Morph(label=tr.job.label, t=t, steps=steps, obs=obs,
                 hidden=states[:, 0, ..., 4:] if states.shape[-1] > 4 else None,
                 errors=np.where(np.isfinite(errors), errors, np.inf), extrapolation_error=ext,
                 iou=iou, detail=detail if np.isfinite(detail) else float("inf"),
                 colour=colour if np.isfinite(colour) else float("inf"), diverged_at=diverged_at,
                 train_loss=tr.result.train_loss, training_diverged=bool(tr.result.diverged))


def evaluate_all(trained: dict[str, Trained], y: np.ndarray, extrapolate: int = 8, samples: int = 4,
                 seed: int = 0) -> dict[str, Morph]:
    """:func:`evaluate` each model once (shared runs are evaluated once), keyed as given."""
    done: dict[str, Morph] = {}
    out = {}
    for name, tr in trained.items():
        if tr.job.key not in done:
            done[tr.job.key] = evaluate(tr, y, extrapolate, samples, seed)
        out[name] = done[tr.job.key]
    return out


def light_cone(tr: Trained, y0: np.ndarray, steps: int, seed: int = 0, threshold: float = 0.1,
               mass_fraction: float = 0.9) -> dict:
    """How far a one-pixel change of the initial state spreads in ``steps`` steps.

    The opaque pixel of ``y0`` nearest the centre is erased (all four channels set to 0).
    The original and the perturbed state are run with the same update masks, so every
    difference is caused by the perturbation. Returns the Chebyshev radius (cells) of the
    region where any channel differs at all (``exact``: at most ``steps`` for a 3×3
    stencil) and where an observable channel differs by more than ``threshold``
    (``visible``), the radius that holds ``mass_fraction`` of the summed change
    (``effective``), the pixel, the map of the largest RGBA change (``change``) and each
    cell's Chebyshev distance from the pixel (``distance``).
    """
    h, w = y0.shape[:2]
    ii, jj = np.indices((h, w))
    d = np.maximum(np.abs(ii - h // 2), np.abs(jj - w // 2)).astype(float)
    d[y0[..., 3] <= OPAQUE] = np.inf
    i, j = np.unravel_index(np.argmin(d), d.shape)
    x = y0.copy()
    x[i, j, :] = 0.0
    model = NCA(tr.job.nca, params=tr.result.params)
    # one sample per rollout: the same seed then gives both the same update masks
    a = np.asarray(model.rollout(y0[None], steps, seed=seed, frames=[steps]))[0, 0]
    b = np.asarray(model.rollout(x[None], steps, seed=seed, frames=[steps]))[0, 0]
    diff = np.abs(a - b)
    cheb = np.maximum(np.abs(ii - i), np.abs(jj - j))
    anyd = diff.max(-1) > 0
    vis = diff[..., :4].max(-1) > threshold
    mass = np.cumsum(np.bincount(cheb.ravel(), weights=diff[..., :4].max(-1).ravel()))  # change within r
    effective = int(np.argmax(mass >= mass_fraction * mass[-1])) if mass[-1] > 0 else 0
    return {"pixel": (int(i), int(j)), "exact": int(cheb[anyd].max()) if anyd.any() else 0, "effective": effective,
            "visible": int(cheb[vis].max()) if vis.any() else 0, "steps": int(steps),
            "change": diff[..., :4].max(-1), "distance": cheb, "threshold": float(threshold)}
