"""Fig 12: transformed inputs under the four models, the error bars, the video."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from nca_core.chapters.symmetry.measure import SymmetryResults
from nca_core.chapters.symmetry.notebooks import FIG12, FIG12_ERRORS, FIG12_VIDEO
from nca_core.view.images import composite
from nca_core.view.plotting import no_ticks, save_figure
from nca_core.view.video import side_by_side_video


def fig12_video(frames: np.ndarray, steps: list[int], fps: int = 20, labels: Sequence[str] = ()) -> Path:
    """``frames [F, M, H, W, 4]``: one transformed input under each Fig 12 model, side by side, each labelled
    with its model (``labels``)."""
    return side_by_side_video(frames, FIG12_VIDEO, steps, fps, zoom=2, labels=labels)


def fig12(R: SymmetryResults):
    """Fig 12: one row per transformed input; the input, then each model's state at n = 3t (mask
    realisation 0) over a checkerboard, with the mean error to the transformed rooster under it."""
    import matplotlib.pyplot as plt

    ncol = 1 + len(R.models)
    cell = min(1.7, 6.2 / ncol)  # as wide as the book's column
    fig, axes = plt.subplots(len(R.names), ncol, figsize=(cell * ncol + 0.8, (cell + 0.3) * len(R.names) + 0.7),
                             squeeze=False)
    for i, name in enumerate(R.names):
        axes[i][0].imshow(composite(R.inputs[i]), interpolation="nearest")
        axes[i][0].set_ylabel(name, fontsize=9)
        for j, model in enumerate(R.models):
            ax = axes[i][1 + j]
            ax.imshow(composite(np.clip(np.nan_to_num(R.finals[j, i]), 0, 1)), interpolation="nearest")
            ax.set_xlabel(f"error {R.errors[j, i]:.1f}", fontsize=8)
        for ax in axes[i]:
            no_ticks(ax)
    axes[0][0].set_title("input (n = 0)", fontsize=9)
    for j, model in enumerate(R.models):
        axes[0][1 + j].set_title(model.replace(", ", "\n") + f"\nn = {R.steps}", fontsize=9)
    fig.tight_layout()
    save_figure(fig, FIG12)
    return fig


def fig12_errors(R: SymmetryResults):
    """The errors of Fig 12 as grouped bars (one group per input, one bar per model; the whiskers span the
    mask realisations), with the empty canvas's distance to the rooster as a dashed line."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.0, 3.4))
    width = 0.8 / len(R.models)
    x = np.arange(len(R.names))
    for j, model in enumerate(R.models):
        lo, hi = R.per_mask[j].min(0), R.per_mask[j].max(0)
        e = R.errors[j]
        ax.bar(x + (j - (len(R.models) - 1) / 2) * width, e, width, label=model,
               yerr=np.stack([e - lo, hi - e]), capsize=2, error_kw={"lw": 0.8})
    ax.axhline(float(R.blank.mean()), color="0.4", ls="--", lw=1)
    ax.text(len(R.names) - 0.5, float(R.blank.mean()), " empty canvas", va="bottom", ha="right", fontsize=8,
            color="0.3")
    ax.set_xticks(x, R.names)
    ax.tick_params(labelsize=8)
    ax.set_ylabel(f"distance to the rooster\nat n = {R.steps}", fontsize=9)
    ax.legend(fontsize=8, ncols=2, loc="upper left", bbox_to_anchor=(0.0, -0.14), frameon=False)
    fig.tight_layout()
    save_figure(fig, FIG12_ERRORS)
    return fig
