"""Figure 7 of the paper: the image-morphing data (sequence, lattice, shifted copies, input noise).

Nothing here trains a model. The images are straight-alpha RGBA (paper-spec §4); to make
transparency visible they are drawn composited over a light checkerboard,
``rgb·α + board·(1 − α)``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nca_core.data.morph import add_input_noise
from nca_core.view.images import composite
from nca_core.view.plotting import save_figure

_OUTLINE = "#d62728"
_SHIFTED = "#ff7f0e"


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _window(ax, top: float, left: float, size: int, color: str, ls: str = "--", lw: float = 1.2) -> None:
    """Outline the ``size``×``size`` cell block whose top-left cell is (top, left)."""
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((left - 0.5, top - 0.5), size, size, fill=False, ec=color, ls=ls, lw=lw))


def fig7_sequence(frames: np.ndarray, names: Sequence[str]):
    """(a) The data sequence ``frames[T, 60, 60, 4]``, one panel per frame, arrows for the transitions."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import ConnectionPatch

    t = len(frames)
    fig, axes = plt.subplots(1, t, figsize=(2.3 * t, 2.7), squeeze=False, gridspec_kw={"wspace": 0.45})
    axes = axes[0]
    for m, (ax, img, name) in enumerate(zip(axes, frames, names)):
        ax.imshow(composite(img), interpolation="nearest")
        _bare(ax)
        ax.set_title(f"frame {m}: {name}", fontsize=9)
    for m in range(t - 1):
        fixed = np.array_equal(frames[m], frames[m + 1])
        arrow = ConnectionPatch((1.03, 0.5), (-0.03, 0.5), "axes fraction", "axes fraction", axesA=axes[m],
                                axesB=axes[m + 1], arrowstyle="-|>", color="0.25", lw=1.3)
        fig.add_artist(arrow)
        axes[m].text(1.225, 0.6, "t steps" + ("\n(fixed\npoint)" if fixed else ""), transform=axes[m].transAxes,
                     ha="center", va="bottom", fontsize=8, color="0.25")
    fig.suptitle(f"Training sequence: {t} frames, {t - 1} transitions of t NCA steps each", fontsize=10)
    save_figure(fig, "fig7_sequence")
    return fig


def fig7_lattice(lattice: np.ndarray, pad: int, name: str = ""):
    """(b) One frame on the padded lattice ``[H, W, 4]``: RGBA (padding tinted) and the α channel."""
    import matplotlib.pyplot as plt

    h, w = lattice.shape[:2]
    inner = h - 2 * pad
    tint = np.zeros((h, w, 4), np.float32)
    tint[..., :3] = (0.25, 0.45, 0.85)
    tint[..., 3] = 0.16
    tint[pad:h - pad, pad:w - pad, 3] = 0.0
    fig, axes = plt.subplots(1, 2, figsize=(7.4, 3.6))
    ax = axes[0]
    ax.imshow(composite(lattice), interpolation="nearest")
    ax.imshow(tint, interpolation="nearest")
    ax.set_title(f"{h}×{w} lattice{': ' + name if name else ''} (RGBA)", fontsize=9)
    ax2 = axes[1]
    im = ax2.imshow(lattice[..., 3], cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ax2.set_title("α channel (every channel is 0 in the border)", fontsize=9)
    fig.colorbar(im, ax=ax2, fraction=0.046, pad=0.03)
    for a in axes:
        _bare(a)
        _window(a, pad, pad, inner, _OUTLINE)
    if pad > 0:
        ax.annotate("", xy=(-0.5, h / 2), xytext=(pad - 0.5, h / 2),
                    arrowprops={"arrowstyle": "<->", "color": _OUTLINE, "lw": 1.2})
        ax.text(pad / 2 - 0.5, h / 2 - 2, f"{pad}", color=_OUTLINE, ha="center", va="bottom", fontsize=9,
                fontweight="bold")
    ax.text(pad + inner / 2 - 0.5, h - pad / 2 - 0.5, f"{inner}×{inner} image, {pad}-cell zero border",
            color=_OUTLINE, ha="center", va="center", fontsize=8)
    fig.tight_layout()
    save_figure(fig, "fig7_lattice")
    return fig


def fig7_shifted(y: np.ndarray, shifts: Sequence[dict], names: Sequence[str], pad: int):
    """(c) The shift-augmented batch ``y[T, R, H, W, 4]``: rows are frames, columns trajectories.

    The dashed red square is the unshifted image window, the orange one the shifted window.
    """
    import matplotlib.pyplot as plt

    t, r = y.shape[:2]
    inner = y.shape[2] - 2 * pad
    size = 1.45
    fig, axes = plt.subplots(t, r, figsize=(size * r + 0.4, size * t + 0.6), squeeze=False,
                             gridspec_kw={"wspace": 0.06, "hspace": 0.06})
    for m in range(t):
        for k in range(r):
            ax = axes[m][k]
            ax.imshow(composite(y[m, k]), interpolation="nearest")
            _bare(ax)
            _window(ax, pad, pad, inner, _OUTLINE, lw=0.8)
            _window(ax, pad + shifts[k]["dy"], pad + shifts[k]["dx"], inner, _SHIFTED, ls="-", lw=0.8)
            if m == 0:
                ax.set_title(f"r = {k}\n(dy, dx) = ({shifts[k]['dy']}, {shifts[k]['dx']})", fontsize=8)
            if k == 0:
                ax.set_ylabel(f"frame {m}\n{names[m]}", fontsize=8)
    fig.suptitle(f"{r} randomly shifted copies of the sequence (one shift per trajectory, the same for every frame)",
                 fontsize=10)
    save_figure(fig, "fig7_shifted_copies")
    return fig


def noisy(lattice: np.ndarray, levels: Sequence[float], seed: int) -> list[np.ndarray]:
    """``(1 − a)·x + a·U(0, 1)`` for each amplitude ``a``; the same uniform sample (``seed``) for all of them."""
    return [add_input_noise(lattice, a, np.random.default_rng(seed)) for a in levels]


def fig7_noise(lattice: np.ndarray, levels: Sequence[float], seed: int):
    """(d) Input-noise augmentation of one lattice frame: the noisy image and ``max_c |x̃ − x|`` per amplitude."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    levels = list(levels)
    outs = noisy(lattice, levels, seed)
    positive = [a for a in levels if a > 0]
    norm = LogNorm(vmin=min(positive) / 100 if positive else 1e-6, vmax=max(positive) if positive else 1.0)
    n = len(levels) + 1
    fig, axes = plt.subplots(2, n, figsize=(2.0 * n + 0.8, 4.4), squeeze=False)
    axes[0][0].imshow(composite(lattice), interpolation="nearest")
    axes[0][0].set_title("clean input", fontsize=9)
    axes[1][0].text(0.5, 0.5, "reference", ha="center", va="center", transform=axes[1][0].transAxes, color="0.4")
    axes[1][0].set_facecolor("#f3f3f3")
    axes[0][0].set_ylabel("x̃ (RGBA)", fontsize=9)
    axes[1][0].set_ylabel("max over channels |x̃ − x|", fontsize=9)
    im = None
    for j, (a, out) in enumerate(zip(levels, outs), start=1):
        axes[0][j].imshow(composite(out), interpolation="nearest")
        axes[0][j].set_title(f"a = {a:g}", fontsize=9)
        diff = np.abs(out - lattice).max(axis=-1)
        if a > 0:
            im = axes[1][j].imshow(np.maximum(diff, norm.vmin), cmap="magma", norm=norm, interpolation="nearest")
            axes[1][j].set_title(f"max {diff.max():.2g}", fontsize=8)
        else:
            axes[1][j].text(0.5, 0.5, "no noise", ha="center", va="center", transform=axes[1][j].transAxes)
    for ax in axes.ravel():
        _bare(ax)
    if im is not None:
        fig.colorbar(im, ax=axes[1].tolist(), fraction=0.025, pad=0.01)
    fig.suptitle("Input noise x̃ = (1 − a)·x + a·U(0, 1), every channel (α included), same uniform sample",
                 fontsize=10)
    save_figure(fig, "fig7_input_noise")
    return fig


