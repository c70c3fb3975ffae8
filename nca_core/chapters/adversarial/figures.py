"""Fig 11: the unperturbed, min-κ and max-κ rollouts, the optimisation curves and the video."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nca_core.chapters.adversarial.claims import NEAR_IDENTICAL, SHAPE_IOU, destroyed
from nca_core.chapters.adversarial.measure import MAX, MIN, Adversarial
from nca_core.chapters.adversarial.notebooks import FIG11, FIG11_OPTIMISATION, FIG11_VIDEO
from nca_core.view.images import composite
from nca_core.view.plotting import no_ticks, save_figure
from nca_core.view.video import side_by_side_video

ROWS = (("unperturbed", "unperturbed"), ("min", "min κ: small change,\nbroken state"),
        ("max", "max κ: large change,\nkept state"))


def fig11(R: Adversarial):
    """Fig 11: the unperturbed, min-κ and max-κ rollouts (shared masks, realisation 0) at the snapshot
    steps; the first column is |x̃| (largest over RGBA); frames beyond the horizon are dashed."""
    import matplotlib.pyplot as plt

    rows = [R.row(w) for w, _ in ROWS]
    pert = [np.abs(np.concatenate([R.x0[None], R.x])[r["index"]] - R.x0).max(-1) for r in rows]
    vmax = max(float(p.max()) for p in pert) or 1.0
    ncol = 1 + len(R.frames)
    cell = min(1.2, 5.9 / ncol)  # with the row labels, as wide as the book's column
    fig, axes = plt.subplots(3, ncol, figsize=(cell * ncol + 1.3, 3 * (cell + 0.55)), squeeze=False,
                             gridspec_kw={"wspace": 0.06, "hspace": 0.5})
    for i, ((_, name), r) in enumerate(zip(ROWS, rows)):
        ax = axes[i][0]
        im = ax.imshow(pert[i], cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
        no_ticks(ax)
        delta = r["delta"][R.frames.index(R.steps)]
        ax.set_ylabel(f"{name}\nκ = {r['kappa']:.1f}", fontsize=8)
        ax.set_xlabel(f"‖x̃‖ {r['e_in']:.1f}, ‖Δ‖ {delta:.1f}", fontsize=8)
        if i == 0:
            ax.set_title("|x̃|", fontsize=9)
        for j, f in enumerate(R.frames):
            a = axes[i][1 + j]
            img = R.states[0, j, r["index"]]
            a.imshow(composite(np.nan_to_num(img, nan=0.0)), interpolation="nearest")
            no_ticks(a)
            if i == 0:
                a.set_title(f"n = {f}", fontsize=9)
            a.set_xlabel(f"IoU {r['iou'][j]:.2f}", fontsize=8)
            if f > R.steps:
                for s in a.spines.values():
                    s.set_linestyle("--")
    cax = axes[-1][0].inset_axes([0.0, -0.42, 1.0, 0.07])
    fig.colorbar(im, cax=cax, orientation="horizontal")
    cax.tick_params(labelsize=8)
    save_figure(fig, FIG11)
    return fig


def fig11_optimisation(R: Adversarial):
    """κ, ‖x̃‖ and ‖Φⁿ(x⁰ + x̃) − Φⁿ(x⁰)‖ per iteration for every copy (best copies bold)."""
    import matplotlib.pyplot as plt

    fig, grid = plt.subplots(2, 2, figsize=(7.0, 6.0), squeeze=False)  # two panels a row: readable at page width
    axes = grid.ravel()
    best = {R.best(MIN), R.best(MAX)}
    it = np.arange(1, R.history["kappa"].shape[0] + 1)
    for key, ax, title in (("kappa", axes[0], "κⁿ"), ("e_in", axes[1], "‖x̃‖"),
                           ("e_delta", axes[2], "‖Φⁿ(x⁰ + x̃) − Φⁿ(x⁰)‖")):
        for b in range(len(R.modes)):
            mode = "max κ" if R.modes[b] == MAX else "min κ"
            ax.plot(it, R.history[key][:, b], color="C3" if R.modes[b] == MAX else "C0",
                    lw=1.8 if b in best else 0.7, alpha=1.0 if b in best else 0.6,
                    label=mode if b in best else None)
        ax.set_xlabel("iteration", fontsize=9)
        ax.set_title(f"{title} at n = {R.steps}\n(each iteration's own masks)", fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].axhline(0, color="k", lw=0.5)
    axes[0].legend(fontsize=8)
    if R.path:
        ax, p = axes[3], R.path
        h = R.frames.index(R.steps)
        ref = R.row("unperturbed")
        for b in range(p["e_in"].shape[1]):
            ax.plot(100 * p["e_in"][:, b] / R.x0_norm, p["iou"][:, b], "o-", color="C0", ms=3, lw=0.8)
        bad = destroyed(p["iou"], p["to_rooster"], ref, h)
        ax.plot(100 * p["e_in"][bad] / R.x0_norm, p["iou"][bad], "x", color="crimson", ms=7, label="destroyed")
        ax.axhline(SHAPE_IOU, color="k", lw=0.6, ls="--")
        ax.axvline(100 * NEAR_IDENTICAL, color="k", lw=0.6, ls=":", label="near-identical limit")
        ax.set_xlabel("‖x̃‖ / ‖x⁰‖ (%)", fontsize=9)
        ax.set_ylabel(f"IoU with the rooster at n = {R.steps}", fontsize=9)
        ax.set_title("the min-κ search every few iterations\n(fresh masks)", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=8)
    else:
        axes[3].axis("off")
    fig.tight_layout()
    save_figure(fig, FIG11_OPTIMISATION)
    return fig


def fig11_video(frames: np.ndarray, steps: list[int], fps: int = 20) -> Path:
    """``frames [F, 3, H, W, 4]`` (unperturbed, min κ, max κ) side by side as an MP4 in the figure folder."""
    return side_by_side_video(frames, FIG11_VIDEO, steps, fps, labels=("unperturbed", "min κ", "max κ"))
