"""Between the frames: the distance to the PDE at every step, the hidden channels' start-up, snapshots."""

from __future__ import annotations

import numpy as np

from nca_core.chapters.between_frames.measure import Between, Track
from nca_core.chapters.between_frames.notebooks import DISTANCE, SNAPSHOTS, STARTUP
from nca_core.view.plotting import no_ticks, save_figure


def _frames(ax, tr: Track) -> None:
    """The sampled frames: a dot on the curve at each multiple of t (every frame up to 64 of them)."""
    f = tr.frames
    if f.size > 64:
        f = f[:: int(np.ceil(f.size / 64))]
    ax.plot(f, tr.distance[f], "o", ms=3.5, color="k", zorder=3)


#: the figures' width in inches: the book's column shows them at their size, so no text falls below 8 pt
WIDTH = 7.0


def distance(R: Between):
    """Per t: d_n from the true training frames (each start) and from the unseen IC, with the PDE's own
    one-step motion s_n for scale; the dots are the sampled frames, the only steps the training saw."""
    import matplotlib.pyplot as plt

    rows = len(R.sampling)
    fig, axes = plt.subplots(rows, 2, figsize=(WIDTH, 2.2 * rows + 1.2), squeeze=False)
    for i, t in enumerate(R.sampling):
        ax = axes[i][0]
        for j, s in enumerate(R.starts(t)):
            tr = R.train[(t, s)]
            n = np.arange(tr.steps + 1)
            ax.plot(n[1:], tr.distance[1:], color=f"C{j}", lw=1.2, label=f"NCA from the frame at n₀ = {s}")
            ax.plot(n[1:], tr.pde_step[1:], color=f"C{j}", lw=0.8, ls="--", alpha=0.7,
                    label=f"PDE, one step (n₀ = {s})")
            _frames(ax, tr)
        ax.set_yscale("log")
        ax.set_ylabel(f"t = {t}\ndistance to the PDE")
        ax = axes[i][1]
        tr = R.test[t]
        n = np.arange(tr.steps + 1)
        ax.plot(n[1:], tr.distance[1:], color="C3", lw=1.0, label="NCA from the unseen IC")
        ax.plot(n[1:], tr.pde_step[1:], color="0.4", lw=0.8, ls="--", label="PDE, one step (unseen IC)")
        _frames(ax, tr)
        ax.set_yscale("log")
    axes[0][0].set_title("from true training frames\n(mean of the 4 trajectories)", fontsize=9)
    axes[0][1].set_title("from the unseen test IC", fontsize=9)
    handles = [h for ax in axes[0] for h in ax.get_legend_handles_labels()[0]]
    labels = [lab for ax in axes[0] for lab in ax.get_legend_handles_labels()[1]]
    fig.supxlabel("steps n after the start (dots: the sampled frames, n = t, 2t, …)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.75 / fig.get_figheight()))
    fig.legend(handles, labels, loc="upper center", ncol=2, fontsize=8, frameon=False)
    save_figure(fig, DISTANCE)
    return fig


def startup(R: Between):
    """Per t: the RMS of each hidden channel (0 at the start) from the first training frame, frames dotted."""
    import matplotlib.pyplot as plt

    cols = min(len(R.sampling), 2)
    rows = int(np.ceil(len(R.sampling) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH if cols > 1 else WIDTH / 2 + 0.5, 2.4 * rows + 0.8),
                             squeeze=False)
    for k, t in enumerate(R.sampling):
        ax = axes[k // cols][k % cols]
        tr = R.train[(t, R.starts(t)[0])]
        n = np.arange(tr.steps + 1)
        for c in range(tr.hidden.shape[1]):
            ax.plot(n, tr.hidden[:, c], lw=1.0, label=f"h{c + 2}")  # named as the weights page names them
        for f in tr.frames[:64]:
            ax.axvline(f, color="0.7", lw=0.5, zorder=0)
        ax.set_title(f"t = {t} (from n₀ = {tr.start})", fontsize=9)
        ax.set_xlabel("steps n")
        if k % cols == 0:
            ax.set_ylabel("RMS over the lattice")
    for k in range(len(R.sampling), rows * cols):
        axes[k // cols][k % cols].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))
    if handles:
        fig.legend(handles, labels, title="hidden channel", loc="upper center", ncol=len(handles), fontsize=8,
                   title_fontsize=8, frameon=False)
    save_figure(fig, STARTUP)
    return fig


def snapshots(R: Between):
    """Per t, from the first training IC: B of the NCA half-way to the first frame, at it and half-way to the
    next, with |NCA − PDE| beside each (one colour scale for all the differences)."""
    import matplotlib.pyplot as plt

    steps = {t: sorted(R.snapshots[t]) for t in R.sampling}
    ncol = 2 * max(len(s) for s in steps.values())
    vmax = max(float(np.abs(a - b).max()) for t in R.sampling for a, b in R.snapshots[t].values()) or 1.0
    side = (WIDTH - 0.9) / ncol
    fig, axes = plt.subplots(len(R.sampling), ncol, figsize=(WIDTH, (side + 0.5) * len(R.sampling) + 0.2),
                             squeeze=False)
    im = None
    for i, t in enumerate(R.sampling):
        for j, n in enumerate(steps[t]):
            nca, ref = R.snapshots[t][n]
            a, b = axes[i][2 * j], axes[i][2 * j + 1]
            a.imshow(nca, cmap="magma", vmin=0, vmax=1, interpolation="nearest")
            im = b.imshow(np.abs(nca - ref), cmap="viridis", vmin=0, vmax=vmax, interpolation="nearest")
            kind = "frame" if n % t == 0 else "between"
            a.set_title(f"n = {n} ({kind})\nNCA B", fontsize=8)
            b.set_title(f"n = {n}\n|NCA − PDE|", fontsize=8)
            no_ticks(a)
            no_ticks(b)
        axes[i][0].set_ylabel(f"t = {t}", fontsize=9)
        for k in range(2 * len(steps[t]), ncol):
            axes[i][k].axis("off")
    cb = fig.colorbar(im, ax=axes, shrink=0.8, fraction=0.04, pad=0.02)
    cb.set_label("|NCA − PDE| of B", fontsize=9)
    save_figure(fig, SNAPSHOTS)
    return fig
