"""What the weights say: the importance of each (channel, kernel) as a heat map, and importance against
ablation damage per model."""

from __future__ import annotations

import numpy as np

from nca_core.chapters.weights.measure import TARGETS, ModelWeights, WeightsResults, channel_name
from nca_core.chapters.weights.notebooks import KERNELS, VERSUS
from nca_core.view.plotting import save_figure
from nca_core.view.ticks import fit_figure

#: the figures' width (inches) and smallest font (pt): as wide as the book's column shows them readably
WIDTH, FONT = 7.0, 8.5
_TITLES = {"units": "hidden units", "features": "features (channel × kernel)", "channels": "channels (read)"}
#: one colour per kernel, the same in every model's panels (a model's own kernel order would give the Laplacian
#: another colour in the morph models than in the Gray-Scott ones), and the kernel's name in words for the key
KERNEL_COLOURS = {"ID": "C0", "LAP": "C1", "SOBEL_X": "C2", "SOBEL_Y": "C5", "AV": "C4"}
KERNEL_WORDS = {"ID": "identity", "LAP": "Laplacian", "SOBEL_X": "Sobel x (gradient)", "SOBEL_Y": "Sobel y (gradient)",
                "AV": "average"}


def _channel_ticks(ax, m: ModelWeights) -> None:
    C = m.config.channels
    step = 1 if C <= 8 else (2 if C <= 16 else 4)
    ticks = list(range(0, C, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([channel_name(m.task, c, m.config.observable) for c in ticks], fontsize=FONT)


def kernels(R: WeightsResults):
    """Per model (rows): the importance of reading each channel (columns of a panel) through each kernel (rows of
    a panel), as a fraction of the model's most important feature; left weights × typical activity, right the
    weights alone."""
    import matplotlib.pyplot as plt

    ms = list(R.models.values())
    heights = [m.config.n_kernels + 1.6 for m in ms]
    # constrained layout: room for the kernel names of the right-hand panels once the colour bar takes its share
    fig, axes = plt.subplots(len(ms), 2, figsize=(WIDTH, 0.36 * sum(heights) + 0.8), squeeze=False,
                             gridspec_kw={"height_ratios": heights}, layout="constrained")
    im = None
    for i, m in enumerate(ms):
        for j, kind in enumerate(("activity", "weights")):
            ax = axes[i][j]
            r = m.reading(kind).features.T  # [K, C]
            im = ax.imshow(r / r.max() if r.max() > 0 else r, cmap="viridis", vmin=0, vmax=1, aspect="auto",
                           interpolation="nearest")
            ax.set_yticks(range(m.config.n_kernels))
            ax.set_yticklabels(m.config.kernels, fontsize=FONT)
            _channel_ticks(ax, m)
            ax.set_title(f"{m.name}: {'weights × activity' if kind == 'activity' else 'weights alone'}",
                         fontsize=FONT + 0.5)
    axes[-1][0].set_xlabel("channel read", fontsize=FONT)
    axes[-1][1].set_xlabel("channel read", fontsize=FONT)
    cb = fig.colorbar(im, ax=axes, shrink=0.5, pad=0.02)
    cb.set_label("importance / the model's largest", fontsize=FONT)
    cb.ax.tick_params(labelsize=FONT)
    save_figure(fig, KERNELS)
    return fig


def _symlog_floor(d: np.ndarray, noise: float) -> float:
    finite = np.abs(d[np.isfinite(d)])
    top = float(finite.max()) if finite.size else 1.0
    return max(noise, 1e-3 * top, 1e-12)


def versus(R: WeightsResults):
    """Per model (rows) and per kind of ablation (columns: hidden units, features, channels): importance
    (weights × typical activity) against the damage of zeroing it, with Spearman's ρ (in brackets: the
    weights alone's). A blow-up is drawn as a triangle at the top; features are coloured by kernel (the same colour
    for a kernel in every model, keyed once above the panels)."""
    import matplotlib.pyplot as plt

    ms = list(R.models.values())
    fig, axes = plt.subplots(len(ms), 3, figsize=(WIDTH, 1.9 * len(ms) + 0.6), squeeze=False)
    for i, m in enumerate(ms):
        for j, what in enumerate(TARGETS):
            ax = axes[i][j]
            x = m.importance("activity", what)
            d = np.ravel(m.ablation.damage(what))
            finite = np.isfinite(d)
            top = float(np.max(d[finite])) * 1.5 if finite.any() and np.max(d[finite]) > 0 else 1.0
            if what == "features":
                K = m.config.n_kernels
                for k, name in enumerate(m.config.kernels):
                    sel = (np.arange(d.size) % K == k)
                    colour = KERNEL_COLOURS.get(name, f"C{k}")
                    ax.scatter(x[sel & finite], d[sel & finite], s=10, color=colour,
                               label=f"{name}: {KERNEL_WORDS.get(name, name)}")
                    ax.scatter(x[sel & ~finite], np.full((sel & ~finite).sum(), top), s=18, marker="^", color=colour)
            else:
                ax.scatter(x[finite], d[finite], s=10, color="C0" if what == "units" else "C3")
                ax.scatter(x[~finite], np.full((~finite).sum(), top), s=18, marker="^", color="k")
            # symlog: a reading of exactly zero (a unit that writes nothing) stays on the axis
            ax.set_xscale("symlog", linthresh=max(1e-6, float(np.max(x)) * 1e-3) if np.max(x) > 0 else 1e-6)
            ax.set_yscale("symlog", linthresh=_symlog_floor(d, m.ablation.noise))
            ax.tick_params(labelsize=FONT - 0.5)
            ax.set_title(f"ρ = {m.rho('activity', what):.2f} ({m.rho('weights', what):.2f})", fontsize=FONT)
            if i == 0:
                ax.set_title(f"{_TITLES[what]}\nρ = {m.rho('activity', what):.2f} ({m.rho('weights', what):.2f})",
                             fontsize=FONT)
            if j == 0:
                ax.set_ylabel(f"{m.name}\ndamage", fontsize=FONT)
        axes[-1][1].set_xlabel("importance (weights × typical activity)", fontsize=FONT)
    # the features' colours keyed once, above the panels (inside one, the key hid points)
    key = {lab: h for ax in axes[:, 1] for h, lab in zip(*ax.get_legend_handles_labels())}
    rect = (0, 0, 1, 1 - (0.25 + 0.2 * ((len(key) + 2) // 3)) / fig.get_figheight())
    fig.tight_layout(rect=rect)
    fit_figure(fig)  # symlog labels as dense as each panel allows, none touching (0 and the first power of ten)
    fig.tight_layout(rect=rect)
    if key:
        fig.legend(key.values(), key.keys(), loc="upper center", ncol=3, fontsize=FONT, frameon=False,
                   title="features: kernel", title_fontsize=FONT, handletextpad=0.2)
    save_figure(fig, VERSUS)
    return fig
