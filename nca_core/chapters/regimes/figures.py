"""Other regions of parameter space: the PDE in each regime, PDE against NCA from the unseen IC, the measures."""

from __future__ import annotations

import numpy as np

from nca_core.chapters.regimes.measure import Regimes, meets_target
from nca_core.chapters.regimes.notebooks import MEASURES, SIGNATURES, SNAPSHOTS
from nca_core.view.plotting import no_ticks, save_figure

#: the figures' width (inches): at most the book's column, so that 8.5 pt text stays readable
WIDTH = 7.0
FONT = 8.5


def signatures(R: Regimes):
    """The PDE of each regime: B at the end of a training trajectory (the data the model learns from) and
    from the unseen IC, titled with the regime the signature finds."""
    import matplotlib.pyplot as plt

    cols = 3
    groups = int(np.ceil(len(R.presets) / cols))
    fig, axes = plt.subplots(2 * groups, cols, figsize=(WIDTH, 2.45 * 2 * groups), squeeze=False)
    for k, p in enumerate(R.presets):
        g, c = divmod(k, cols)
        for row, where in enumerate(("training ICs", "unseen IC")):
            s = R.signatures[p][where]
            ax = axes[2 * g + row][c]
            ax.imshow(s.image, cmap="magma", vmin=0, vmax=0.5, interpolation="nearest")
            no_ticks(ax)
            ax.set_title(f"{p.replace('_', ' ')}\n{where.replace(' ICs', ' IC 2')}, n = {s.steps}\n{s.kind}",
                         fontsize=FONT)
    for k in range(len(R.presets), groups * cols):
        g, c = divmod(k, cols)
        axes[2 * g][c].axis("off")
        axes[2 * g + 1][c].axis("off")
    fig.tight_layout()
    save_figure(fig, SIGNATURES)
    return fig


def snapshots(R: Regimes):
    """Per regime (rows), B of the PDE and of the NCA from the unseen IC at a quarter, half and all of the
    test rollout (a blank panel: the NCA blew up)."""
    import matplotlib.pyplot as plt

    shots = list(R.shots)
    fig, axes = plt.subplots(len(R.presets), 2 * len(shots), figsize=(WIDTH, 1.25 * len(R.presets) + 0.6),
                             squeeze=False)
    for i, p in enumerate(R.presets):
        snaps = R.outcomes[p].snapshots
        for j, n in enumerate(shots):
            nca, ref = snaps[n]
            for k, (img, who) in enumerate(((ref, "PDE"), (nca, "NCA"))):
                ax = axes[i][2 * j + k]
                if img is not None:
                    ax.imshow(img, cmap="magma", vmin=0, vmax=0.5, interpolation="nearest")
                no_ticks(ax)
                if i == 0:
                    ax.set_title(f"{who}\nn = {n}", fontsize=FONT)
        axes[i][0].set_ylabel(p.replace("_", " "), fontsize=FONT)
    fig.tight_layout(pad=0.4)
    save_figure(fig, SNAPSHOTS)
    return fig


def measures(R: Regimes):
    """Per regime, the NCA's numbers against the PDE's from the unseen IC: invasion of the empty region,
    wavelength, reversal rate, and the losses (test loss over a frozen IC's, one-transition error over
    "no change"); ✓/✗ under each name: the regime's target met or not; a model that blew up has "blew up" where its
    bars would be. One key above the panels."""
    import matplotlib.pyplot as plt

    ps = R.presets
    o = [R.outcomes[p] for p in ps]
    x = np.arange(len(ps))
    names = [f"{p.replace('_', ' ')} {'✓' if meets_target(q) else '✗'}" for p, q in zip(ps, o)]
    fig, axes = plt.subplots(2, 2, figsize=(WIDTH, 6.6))
    w = 0.38
    panels = (("invasion of the empty region", [q.invasion_pde for q in o], [q.invasion for q in o]),
              ("wavelength (cells)", [q.wavelength_pde for q in o], [q.wavelength for q in o]),
              ("A reversals per cell\nper 1000 steps", [q.rate_pde for q in o], [q.rate for q in o]))
    for ax, (title, pde_v, nca_v) in zip(axes.flat, panels):
        ax.bar(x - w / 2, np.nan_to_num(pde_v), w, color="0.55", label="PDE")
        ax.bar(x + w / 2, np.nan_to_num(nca_v), w, color="C3", label="NCA")
        ax.set_ylabel(title, fontsize=FONT)
    ax = axes[1][1]
    ax.bar(x - w / 2, [q.relative_loss if np.isfinite(q.relative_loss) else 0 for q in o], w, color="C0",
           label="test loss / frozen IC's")
    ax.bar(x + w / 2, [q.transition if np.isfinite(q.transition) else 0 for q in o], w, color="C2",
           label="one-transition error / no change's")
    ax.axhline(1.0, color="k", lw=0.8, ls="--")
    ax.set_ylabel("loss ratios", fontsize=FONT)
    for a in axes.flat:
        at = -w / 2 if a is ax else w / 2  # the NCA's bar; in the loss panel the test loss's
        for i in (i for i, q in enumerate(o) if q.diverged):  # no NCA number: its place says why
            a.text(x[i] + at, 0.02, "blew up", rotation=90, ha="center", va="bottom", color="crimson",
                   fontsize=FONT, transform=a.get_xaxis_transform())
        a.set_xticks(x)
        a.set_xticklabels(names, rotation=40, ha="right", fontsize=FONT)
        a.tick_params(axis="y", labelsize=FONT)
    # one key above the panels (PDE and NCA, then the two loss ratios), where it can hide no bar
    handles, labels = axes[0][0].get_legend_handles_labels()
    more, more_labels = ax.get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / fig.get_figheight()))
    fig.legend(handles + more, labels + more_labels, loc="upper center", ncol=4, fontsize=FONT, frameon=False)
    save_figure(fig, MEASURES)
    return fig
