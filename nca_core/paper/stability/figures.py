"""Figures 10–12: footprint heat maps, example final states, adversarial rollouts, the video, symmetry."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from nca_core.paper.stability.adversarial import MAX, MIN, Adversarial
from nca_core.paper.stability.claims import NEAR_IDENTICAL, SHAPE_IOU, destroyed
from nca_core.paper.stability.local import LocalResults, changed
from nca_core.paper.stability.symmetry import SymmetryResults
from nca_core.view.images import composite
from nca_core.view.plotting import figure_dir, save_figure
from nca_core.view.video import write_video


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _sqrt_ticks(vmax: float) -> list[float]:
    """Five colour-bar ticks, evenly spaced on a square-root scale from 0 to ``vmax``, rounded."""
    return sorted({float(f"{vmax * q * q:.2g}") for q in (0.0, 0.25, 0.5, 0.75, 1.0)})


def local_figure(R: LocalResults):
    """Fig 10: per model, the footprint heat map (mean changed pixels per perturbed pixel, square-root
    colour scale, the alien's outline in grey, the example locations lettered), the unperturbed final
    state and the final states of the example perturbations with the perturbed pixel ringed in red
    and the changed region outlined in cyan."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import PowerNorm

    maps = list(R.maps.values())
    ncol = 2 + max(len(m.example_index) for m in maps)
    fig = plt.figure(figsize=(2.0 * ncol + 1.2, 2.35 * len(maps)))
    gs = fig.add_gridspec(len(maps), ncol, width_ratios=[1.6] + [1.0] * (ncol - 1), wspace=0.3, hspace=0.3)
    alpha = R.x0[..., 3]
    vmax = max(float(m.mean_counts.max()) for m in maps) or 1.0
    for i, m in enumerate(maps):
        ax = fig.add_subplot(gs[i, 0])
        loc = m.locations
        half = (loc[1, 1] - loc[0, 1]) / 2 if len(loc) > 1 else 0.5
        extent = (loc[:, 1].min() - half - 0.5, loc[:, 1].max() + half - 0.5,
                  loc[:, 0].max() + half - 0.5, loc[:, 0].min() - half - 0.5)
        im = ax.imshow(m.grid, cmap="magma", norm=PowerNorm(0.5, 0, vmax), extent=extent, interpolation="nearest")
        ax.contour(alpha, levels=[0.5], colors="0.7", linewidths=0.6)
        ax.set_xlim(-0.5, alpha.shape[1] - 0.5)
        ax.set_ylim(alpha.shape[0] - 0.5, -0.5)
        for k, j in enumerate(m.example_index):
            ax.text(loc[j, 1], loc[j, 0], "abcdefgh"[k], color="cyan", fontsize=8, ha="center", va="center",
                    fontweight="bold")
        _bare(ax)
        label = textwrap.fill(f"{'AB'[i] if i < 2 else i}: {m.label}", 24)  # within its row
        ax.set_ylabel(f"{label}\nn = 3t = {m.steps}", fontsize=8)
        if i == 0:
            ax.set_title("changed pixels (> %g)" % R.params.threshold, fontsize=9)
        cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02, ticks=_sqrt_ticks(vmax))
        cb.ax.tick_params(labelsize=7)
        a = fig.add_subplot(gs[i, 1])
        a.imshow(composite(m.reference), interpolation="nearest")
        _bare(a)
        if i == 0:
            a.set_title("unperturbed", fontsize=9)
        for k, j in enumerate(m.example_index):
            a = fig.add_subplot(gs[i, 2 + k])
            a.imshow(composite(np.nan_to_num(m.examples[k], nan=0.0)), interpolation="nearest")
            diff = changed(m.examples[k], m.reference, R.params.threshold)
            if diff.any():
                a.contour(diff.astype(float), levels=[0.5], colors="cyan", linewidths=0.8)
            a.plot(loc[j, 1], loc[j, 0], "o", ms=9, mfc="none", mec="red", mew=1.5)
            _bare(a)
            a.set_title(f"{'abcdefgh'[k]}: {m.counts[0, j]} px", fontsize=9)
    save_figure(fig, "fig10_local_stability")
    return fig


def footprint_figure(R: LocalResults):
    """Distributions behind the claims: footprints with the noise floor, reach with the light-cone
    radius n·f, and where two unperturbed runs with independent masks differ."""
    import matplotlib.pyplot as plt

    maps = list(R.maps.values())
    fig, axes = plt.subplots(1, 2 + len(maps), figsize=(4.2 * 2 + 2.6 * len(maps), 3.2),
                             gridspec_kw={"width_ratios": [1.4, 1.4] + [1.0] * len(maps)})
    a, b = axes[0], axes[1]
    for i, m in enumerate(maps):
        c = np.sort(m.mean_counts)
        a.step(c, np.arange(1, len(c) + 1) / len(c), where="post", color=f"C{i}", label=m.label)
        a.axvline(m.noise_counts.mean(), color=f"C{i}", ls=":", lw=1)
        r = np.sort(m.reach.ravel())
        b.step(r, np.arange(1, len(r) + 1) / len(r), where="post", color=f"C{i}", label=m.label)
        b.axvline(m.bound, color=f"C{i}", ls="--", lw=1, label=f"n·f = {m.bound:g}")
    a.set_xlabel("changed pixels in the final state")
    a.set_ylabel("fraction of perturbed pixels")
    a.set_title("footprints (dotted: noise floor)", fontsize=9)
    a.legend(fontsize=7)
    b.set_xlabel("reach: Chebyshev distance of the farthest change (cells)")
    b.set_title("reach (dashed: light-cone radius n·f)", fontsize=9)
    b.legend(fontsize=7)
    for i, m in enumerate(maps):
        ax = axes[2 + i]
        im = ax.imshow(m.noise_map, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        _bare(ax)
        ax.set_title(f"noise floor, {m.label.split(' ID')[0]}", fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02, label="share of pairs that differ")
    fig.tight_layout()
    save_figure(fig, "fig10_footprints")
    return fig


ROWS = (("unperturbed", "unperturbed"), ("min", "min κ: small change,\nbroken state"),
        ("max", "max κ: large change,\nkept state"))


def adversarial_figure(R: Adversarial):
    """Fig 11: the unperturbed, min-κ and max-κ rollouts (shared masks, realisation 0) at the snapshot
    steps; the first column is |x̃| (largest over RGBA); frames beyond the horizon are dashed."""
    import matplotlib.pyplot as plt

    rows = [R.row(w) for w, _ in ROWS]
    pert = [np.abs(np.concatenate([R.x0[None], R.x])[r["index"]] - R.x0).max(-1) for r in rows]
    vmax = max(float(p.max()) for p in pert) or 1.0
    ncol = 1 + len(R.frames)
    fig, axes = plt.subplots(3, ncol, figsize=(1.75 * ncol + 1.4, 6.0), squeeze=False)
    for i, ((_, name), r) in enumerate(zip(ROWS, rows)):
        ax = axes[i][0]
        im = ax.imshow(pert[i], cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
        _bare(ax)
        delta = r["delta"][R.frames.index(R.steps)]
        ax.set_ylabel(f"{name}\nκ = {r['kappa']:.1f}\n‖x̃‖ = {r['e_in']:.1f}, ‖Δ‖ = {delta:.1f}", fontsize=8)
        if i == 0:
            ax.set_title("|x̃|", fontsize=9)
        for j, f in enumerate(R.frames):
            a = axes[i][1 + j]
            img = R.states[0, j, r["index"]]
            a.imshow(composite(np.nan_to_num(img, nan=0.0)), interpolation="nearest")
            _bare(a)
            if i == 0:
                a.set_title(f"n = {f}", fontsize=9)
            a.set_xlabel(f"IoU {r['iou'][j]:.2f}", fontsize=7)
            if f > R.steps:
                for s in a.spines.values():
                    s.set_linestyle("--")
    cax = axes[-1][0].inset_axes([0.0, -0.2, 1.0, 0.07])
    fig.colorbar(im, cax=cax, orientation="horizontal")
    cax.tick_params(labelsize=7)
    save_figure(fig, "fig11_adversarial")
    return fig


def optimisation_figure(R: Adversarial):
    """κ, ‖x̃‖ and ‖Φⁿ(x⁰ + x̃) − Φⁿ(x⁰)‖ per iteration for every copy (best copies bold)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4 if R.path else 3, figsize=(16 if R.path else 12, 3.2))
    best = {R.best(MIN), R.best(MAX)}
    it = np.arange(1, R.history["kappa"].shape[0] + 1)
    for key, ax, title in (("kappa", axes[0], "κⁿ"), ("e_in", axes[1], "‖x̃‖"),
                           ("e_delta", axes[2], "‖Φⁿ(x⁰ + x̃) − Φⁿ(x⁰)‖")):
        for b in range(len(R.modes)):
            mode = "max κ" if R.modes[b] == MAX else "min κ"
            ax.plot(it, R.history[key][:, b], color="C3" if R.modes[b] == MAX else "C0",
                    lw=1.8 if b in best else 0.7, alpha=1.0 if b in best else 0.6,
                    label=mode if b in best else None)
        ax.set_xlabel("iteration")
        ax.set_title(f"{title} (n = {R.steps}, this iteration's masks)", fontsize=9)
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
        ax.set_xlabel("‖x̃‖ / ‖x⁰‖ (%)")
        ax.set_ylabel(f"IoU with the rooster at n = {R.steps}")
        ax.set_title("min-κ search, every few iterations (fresh masks)", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, "fig11_optimisation")
    return fig


def side_by_side_video(frames: np.ndarray, name: str, steps: list[int], fps: int = 20, zoom: int = 3) -> Path:
    """``frames [F, P, H, W, 4]``: P RGBA runs side by side over a checkerboard (2-cell white gaps), as the
    MP4 ``name`` in the figure folder."""
    rgb = composite(np.clip(np.nan_to_num(frames, nan=0.0), 0, 1))  # [F, P, H, W, 3]
    gap = np.ones(rgb.shape[:1] + (rgb.shape[2], 2, 3), np.float32)
    panels = [p for i in range(rgb.shape[1]) for p in ((gap,) if i else ()) + (rgb[:, i],)]
    return write_video(np.concatenate(panels, axis=2), figure_dir() / name, steps, fps=fps, zoom=zoom)


def adversarial_video(frames: np.ndarray, steps: list[int], fps: int = 20) -> Path:
    """``frames [F, 3, H, W, 4]`` (unperturbed, min κ, max κ) side by side as an MP4 in the figure folder."""
    return side_by_side_video(frames, "fig11_adversarial.mp4", steps, fps)


def symmetry_video(frames: np.ndarray, steps: list[int], fps: int = 20) -> Path:
    """``frames [F, M, H, W, 4]``: one transformed input under each Fig 12 model, side by side."""
    return side_by_side_video(frames, "fig12_symmetry.mp4", steps, fps, zoom=2)


def symmetry_figure(R: SymmetryResults):
    """Fig 12: one row per transformed input; the input, then each model's state at n = 3t (mask
    realisation 0) over a checkerboard, with the mean error to the transformed rooster under it."""
    import matplotlib.pyplot as plt

    ncol = 1 + len(R.models)
    fig, axes = plt.subplots(len(R.names), ncol, figsize=(1.7 * ncol + 0.6, 1.85 * len(R.names) + 0.5),
                             squeeze=False)
    for i, name in enumerate(R.names):
        axes[i][0].imshow(composite(R.inputs[i]), interpolation="nearest")
        axes[i][0].set_ylabel(name, fontsize=9)
        for j, model in enumerate(R.models):
            ax = axes[i][1 + j]
            ax.imshow(composite(np.clip(np.nan_to_num(R.finals[j, i]), 0, 1)), interpolation="nearest")
            ax.set_xlabel(f"error {R.errors[j, i]:.1f}", fontsize=8)
        for ax in axes[i]:
            _bare(ax)
    axes[0][0].set_title("input (n = 0)", fontsize=9)
    for j, model in enumerate(R.models):
        axes[0][1 + j].set_title(model.replace(", ", "\n") + f"\nn = {R.steps}", fontsize=9)
    fig.tight_layout()
    save_figure(fig, "fig12_symmetry")
    return fig


def symmetry_errors_figure(R: SymmetryResults):
    """The errors of Fig 12 as grouped bars (one group per input, one bar per model; the whiskers span the
    mask realisations), with the empty canvas's distance to the rooster as a dashed line."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.0, 3.4))
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
    ax.set_ylabel(f"distance to the rooster at n = {R.steps}")
    ax.legend(fontsize=8, ncols=2, loc="upper left", bbox_to_anchor=(0.0, -0.14), frameon=False)
    fig.tight_layout()
    save_figure(fig, "fig12_errors")
    return fig
