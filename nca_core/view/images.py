"""Arrays to pictures: RGBA over a checkerboard, hidden channels as colour quadrants, colour maps."""

from __future__ import annotations

import numpy as np


def composite(rgba: np.ndarray, cell: int = 5, light: float = 1.0, dark: float = 0.82) -> np.ndarray:
    """Straight-alpha ``[..., H, W, 4]`` over a grey/white checkerboard of ``cell``-pixel squares → RGB in [0, 1]."""
    rgba = np.clip(np.asarray(rgba, dtype=np.float32), 0.0, 1.0)
    h, w = rgba.shape[-3:-1]
    ii, jj = np.indices((h, w))
    board = np.where(((ii // cell) + (jj // cell)) % 2 == 0, light, dark).astype(np.float32)[..., None]
    alpha = rgba[..., 3:4]
    return rgba[..., :3] * alpha + board * (1.0 - alpha)


def hidden_quadrants(states: np.ndarray) -> np.ndarray:
    """S2/S3 frames: observable RGBA top left; hidden channels 4–7, 8–11, 12–15 as RGBA after
    h → (1 + tanh h)/2 in the other quadrants (fewer hidden channels leave quadrants empty)."""
    f, h, w, c = states.shape
    out = np.zeros((f, 2 * h, 2 * w, 3), np.float32)
    out[:, :h, :w] = composite(states[..., :4])
    for q, (r0, c0) in enumerate(((0, w), (h, 0), (h, w))):
        lo = 4 + 4 * q
        if lo >= c:
            break
        group = (1.0 + np.tanh(states[..., lo:lo + 4])) / 2.0
        if group.shape[-1] < 4:
            group = np.concatenate([group, np.ones(group.shape[:-1] + (4 - group.shape[-1],), np.float32)], -1)
        out[:, r0:r0 + h, c0:c0 + w] = composite(group)
    return out


def to_rgb(frame: np.ndarray, cmap: str, vmin: float, vmax: float) -> np.ndarray:
    import matplotlib

    if frame.ndim == 3:
        rgb = np.clip(frame[..., :3], 0, 1)
    else:
        norm = np.clip((frame - vmin) / max(vmax - vmin, 1e-12), 0, 1)
        rgb = matplotlib.colormaps[cmap](np.nan_to_num(norm))[..., :3]
    return (rgb * 255).astype(np.uint8)
