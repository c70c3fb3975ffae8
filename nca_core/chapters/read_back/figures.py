"""Reading the rule back: the recovered coefficients against the truth, the read-back PDEs from the unseen IC."""

from __future__ import annotations

import numpy as np

from nca_core.chapters.read_back.measure import ReadBack, true_coefficients
from nca_core.chapters.read_back.notebooks import COEFFICIENTS, UNSEEN
from nca_core.view.plotting import no_ticks, save_figure


def coefficients(R: ReadBack):
    """Each recovered coefficient over the true one (1 = exact; the band is ±10%), for the positive control and,
    per t, the strong form, the weak form and the Gray-Scott fit."""
    import matplotlib.pyplot as plt

    true = true_coefficients(R.params)
    rows = [("PDE: strong", R.control.coefficients), ("PDE: weak", R.control_weak.coefficients)]
    for t in R.models:
        rows += [(f"t = {t}: strong", R.strong[t].coefficients), (f"t = {t}: weak", R.weak[t].coefficients),
                 (f"t = {t}: Gray-Scott fit", R.gs_fit[t][0])]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.55 * len(rows) + 2), 3.6))
    width = 0.8 / len(true)
    x = np.arange(len(rows))
    for j, k in enumerate(true):
        vals = [r[k] / true[k] for _, r in rows]
        ax.bar(x + (j - 1.5) * width, vals, width, label=k)
    ax.axhspan(0.9, 1.1, color="0.85", zorder=0)
    ax.axhline(1.0, color="k", lw=0.6)
    ax.set_xticks(x, [n for n, _ in rows], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("recovered / true")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.legend(fontsize=8, ncol=4)
    fig.tight_layout()
    save_figure(fig, COEFFICIENTS)
    return fig


def unseen(R: ReadBack):
    """Channel B at the end of the unseen-IC run: the true PDE, then per t the NCA and the read-back PDEs."""
    import matplotlib.pyplot as plt

    kinds = ("NCA", "strong", "weak", "Gray-Scott fit")
    ts = list(R.models)
    fig, axes = plt.subplots(len(ts), len(kinds) + 1, figsize=(2.0 * (len(kinds) + 1), 2.1 * len(ts) + 0.3),
                             squeeze=False)
    for i, t in enumerate(ts):
        for j, name in enumerate(("true PDE",) + tuple(f"t = {t}: {k}" for k in kinds)):
            ax = axes[i][j]
            img = R.ends[name]
            ax.imshow(np.nan_to_num(img, nan=0.0), cmap="magma", vmin=0, vmax=1, interpolation="nearest")
            d = "" if j == 0 else f"\n{R.unseen[t][kinds[j - 1]]:.3g} from the PDE"
            ax.set_title(("PDE" if j == 0 else kinds[j - 1]) + d, fontsize=7.5)
            no_ticks(ax)
        axes[i][0].set_ylabel(f"t = {t}")
    fig.suptitle(f"unseen test IC, n = {R.test_steps} (channel B)", fontsize=9)
    fig.tight_layout()
    save_figure(fig, UNSEEN)
    return fig
