"""Measures shared by the chapters: blow-up detection, moving averages, rank correlation."""

from __future__ import annotations

import numpy as np

from nca_core import validate
from nca_core.core.config import DIVERGENCE_THRESHOLD


def blown_up(states: np.ndarray, axis: tuple[int, ...]) -> np.ndarray:
    """True where a state is non-finite or has |x| above :data:`DIVERGENCE_THRESHOLD` (over ``axis``)."""
    with np.errstate(invalid="ignore"):
        return ~(np.abs(states) <= DIVERGENCE_THRESHOLD).all(axis=axis)  # NaN compares False: blown up


def moving_average(x: np.ndarray, y: np.ndarray, window: int = 3
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Moving mean and std of ``y`` over ``window`` neighbouring distinct x values, pooling every y at those x
    (several seeds per x; NaNs ignored), so that each distinct x has one value.

    Returns the distinct x sorted, the mean, the std and the number of finite values pooled (all of that length).
    """
    validate.integer("window", window, 1)
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    ux = np.unique(xs)
    half = window // 2
    mean, std = np.full(len(ux), np.nan), np.full(len(ux), np.nan)
    count = np.zeros(len(ux), int)
    for i in range(len(ux)):
        seg = ys[np.isin(xs, ux[max(0, i - half): i + half + 1])]
        seg = seg[np.isfinite(seg)]
        count[i] = seg.size
        if seg.size:
            mean[i], std[i] = seg.mean(), seg.std()
    return ux, mean, std, count


def _ranks(v: np.ndarray) -> np.ndarray:
    """Ranks 0…n−1, tied values sharing the mean of their ranks."""
    s = np.sort(v)
    return (np.searchsorted(s, v, "left") + np.searchsorted(s, v, "right") - 1) / 2.0


def spearman(x, y) -> float:
    """Spearman rank correlation of the finite pairs (ties share their mean rank; NaN if fewer
    than 2 pairs or no spread)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    m = np.isfinite(x) & np.isfinite(y)
    if m.sum() < 2:
        return float("nan")
    rx, ry = _ranks(x[m]), _ranks(y[m])
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])
