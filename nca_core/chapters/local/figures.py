"""Fig 10: footprint heat maps with example final states, and the footprint distributions."""

from __future__ import annotations

import textwrap

import numpy as np

from nca_core.chapters.local.measure import LocalResults, changed
from nca_core.chapters.local.notebooks import FIG10, FIG10_FOOTPRINTS
from nca_core.view.images import composite
from nca_core.view.plotting import no_ticks, save_figure


def _sqrt_ticks(vmax: float) -> list[float]:
    """Five colour-bar ticks, evenly spaced on a square-root scale from 0 to ``vmax``, rounded."""
    return sorted({float(f"{vmax * q * q:.2g}") for q in (0.0, 0.25, 0.5, 0.75, 1.0)})


def fig10(R: LocalResults):
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
        no_ticks(ax)
        label = textwrap.fill(f"{'AB'[i] if i < 2 else i}: {m.label}", 24)  # within its row
        ax.set_ylabel(f"{label}\nn = 3t = {m.steps}", fontsize=8)
        if i == 0:
            ax.set_title("changed pixels (> %g)" % R.params.threshold, fontsize=9)
        cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02, ticks=_sqrt_ticks(vmax))
        cb.ax.tick_params(labelsize=7)
        a = fig.add_subplot(gs[i, 1])
        a.imshow(composite(m.reference), interpolation="nearest")
        no_ticks(a)
        if i == 0:
            a.set_title("unperturbed", fontsize=9)
        for k, j in enumerate(m.example_index):
            a = fig.add_subplot(gs[i, 2 + k])
            a.imshow(composite(np.nan_to_num(m.examples[k], nan=0.0)), interpolation="nearest")
            diff = changed(m.examples[k], m.reference, R.params.threshold)
            if diff.any():
                a.contour(diff.astype(float), levels=[0.5], colors="cyan", linewidths=0.8)
            a.plot(loc[j, 1], loc[j, 0], "o", ms=9, mfc="none", mec="red", mew=1.5)
            no_ticks(a)
            a.set_title(f"{'abcdefgh'[k]}: {m.counts[0, j]} px", fontsize=9)
    save_figure(fig, FIG10)
    return fig


def fig10_footprints(R: LocalResults):
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
        no_ticks(ax)
        ax.set_title(f"noise floor, {m.label.split(' ID')[0]}", fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02, label="share of pairs that differ")
    fig.tight_layout()
    save_figure(fig, FIG10_FOOTPRINTS)
    return fig
