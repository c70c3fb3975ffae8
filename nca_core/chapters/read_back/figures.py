"""Reading the rule back: the recovered coefficients against the truth, the read-back PDEs from the unseen IC."""

from __future__ import annotations

import numpy as np

from nca_core.chapters.read_back.measure import ReadBack, true_coefficients
from nca_core.chapters.read_back.notebooks import COEFFICIENTS, UNSEEN
from nca_core.view.plotting import no_ticks, save_figure

#: the figures' width in inches at most: the book's column shows them at their size, so no text falls below 8 pt
WIDTH = 7.0


def coefficients(R: ReadBack):
    """Each recovered coefficient over the true one (1 = exact; the band is ±10%), for the positive control and,
    per t, the strong form, the weak form and the Gray-Scott fit."""
    import matplotlib.pyplot as plt

    true = true_coefficients(R.params)
    rows = [("PDE: strong", R.control.coefficients), ("PDE: weak", R.control_weak.coefficients)]
    for t in R.models:
        rows += [(f"t = {t}: strong", R.strong[t].coefficients), (f"t = {t}: weak", R.weak[t].coefficients),
                 (f"t = {t}: Gray-Scott fit", R.gs_fit[t][0])]
    fig, ax = plt.subplots(figsize=(min(WIDTH, max(5.0, 0.45 * len(rows) + 2)), 3.8))
    width = 0.8 / len(true)
    x = np.arange(len(rows))
    for j, k in enumerate(true):
        vals = [r[k] / true[k] for _, r in rows]
        ax.bar(x + (j - 1.5) * width, vals, width, label=k)
    ax.axhspan(0.9, 1.1, color="0.85", zorder=0)
    ax.axhline(1.0, color="k", lw=0.6)
    ax.set_xticks(x, [n for n, _ in rows], rotation=60, ha="right", rotation_mode="anchor", fontsize=8.5)
    ax.set_ylabel("recovered / true")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.legend(fontsize=8.5, ncol=4)
    fig.tight_layout()
    save_figure(fig, COEFFICIENTS)
    return fig


def unseen(R: ReadBack):
    """Channel B at the end of the unseen-IC run: the true PDE, then per t the NCA and the read-back PDEs (a PDE
    that blew up: an empty panel saying so, no distance)."""
    import matplotlib.pyplot as plt

    kinds = ("NCA", "strong", "weak", "Gray-Scott fit")
    ts = list(R.models)
    side = WIDTH / (len(kinds) + 1)
    fig, axes = plt.subplots(len(ts), len(kinds) + 1, figsize=(WIDTH, (side + 0.45) * len(ts) + 0.4), squeeze=False)
    for i, t in enumerate(ts):
        for j, name in enumerate(("true PDE",) + tuple(f"t = {t}: {k}" for k in kinds)):
            ax = axes[i][j]
            img = R.ends[name]
            d = np.nan if j == 0 else R.unseen[t][kinds[j - 1]]
            if j and not np.isfinite(d):  # a read-back PDE that blew up: an empty panel that says so
                ax.imshow(np.ones_like(img, dtype=float), cmap="gray", vmin=0, vmax=1)
                ax.text(0.5, 0.5, "blew up", ha="center", va="center", color="crimson", fontsize=9,
                        transform=ax.transAxes)
                told = "\nno distance"
            else:
                ax.imshow(np.nan_to_num(img, nan=0.0), cmap="magma", vmin=0, vmax=1, interpolation="nearest")
                told = "\n" if j == 0 else f"\n{d:.3g} from PDE"
            ax.set_title(("PDE" if j == 0 else kinds[j - 1]) + told, fontsize=8)
            no_ticks(ax)
        axes[i][0].set_ylabel(f"t = {t}")
    fig.suptitle(f"unseen test IC, n = {R.test_steps} (channel B)", fontsize=9)
    fig.tight_layout()
    save_figure(fig, UNSEEN)
    return fig
