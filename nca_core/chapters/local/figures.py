"""Fig 10: footprint heat maps with example final states, and the footprint distributions."""

from __future__ import annotations

import textwrap

import numpy as np

from nca_core.chapters.local.measure import LocalResults, changed
from nca_core.chapters.local.notebooks import FIG10, FIG10_FOOTPRINTS
from nca_core.chapters.morph.figures import kernel_key
from nca_core.view.images import composite
from nca_core.view.plotting import no_ticks, save_figure, title_above


def _sqrt_ticks(vmax: float) -> list[float]:
    """Five colour-bar ticks, evenly spaced on a square-root scale from 0 to ``vmax``, rounded."""
    return sorted({float(f"{vmax * q * q:.2g}") for q in (0.0, 0.25, 0.5, 0.75, 1.0)})


def model_words(jobs: dict) -> tuple[dict[str, str], str]:
    """The maps' models in a reader's words, in place of the job labels' codes (``C=32 t=32 ID_DIFF_LAP relu
    cosine``): by name, what tells each apart (``"C = 32 channels, t = 32"``), and one line of what they share
    with the kernel codes keyed (``"Both models: ID_DIFF_LAP kernels, relu, cosine learning-rate schedule"``,
    then ``"kernels: ID identity · DIFF Sobel x and y (gradients) · LAP Laplacian"``). A setting the models do
    not share goes into each one's words."""
    def settings(job) -> dict[str, str]:
        s = job.train.lr_schedule
        return {"kernels": f"{job.nca.kernel_set} kernels", "activation": job.nca.activation,
                "schedule": "constant learning rate" if s == "constant" else f"{s} learning-rate schedule"}

    each = {n: settings(j) for n, j in jobs.items()}
    shared = [k for k in ("kernels", "activation", "schedule") if len({e[k] for e in each.values()}) == 1]
    own = {n: ", ".join([f"C = {j.nca.channels} channels, t = {j.train.t}"]
                        + [v for k, v in each[n].items() if k not in shared]) for n, j in jobs.items()}
    whom = "Both models" if len(jobs) == 2 else "The model" if len(jobs) == 1 else "All models"
    lines = [f"{whom}: " + ", ".join(next(iter(each.values()))[k] for k in shared)] if shared else []
    key = kernel_key(*[j.nca.kernel_set for j in jobs.values()])
    return own, "\n".join(lines + ([f"kernels: {key}"] if key else []))


def fig10(R: LocalResults):
    """Fig 10: the footprint heat maps side by side (mean changed pixels per perturbed pixel, square-root
    colour scale, the alien's outline in grey, the example locations lettered); below, one row per model:
    the unperturbed final state and the final states of the example perturbations, with the perturbed
    pixel ringed in red and the changed region outlined in cyan."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import PowerNorm

    maps = list(R.maps.values())
    nex = max(len(m.example_index) for m in maps)
    ncol = 1 + nex
    cell = min(1.3, 6.6 / ncol)
    fig = plt.figure(figsize=(7.0, 4.2 + (cell + 0.45) * len(maps)))
    outer = fig.add_gridspec(2, 1, height_ratios=[3.6, (cell + 0.45) * len(maps)], hspace=0.16)
    top = outer[0].subgridspec(1, len(maps), wspace=0.25)
    rows = outer[1].subgridspec(len(maps), ncol, wspace=0.08, hspace=0.45)
    alpha = R.x0[..., 3]
    vmax = max(float(m.mean_counts.max()) for m in maps) or 1.0
    words, common = model_words({m.name: R.trained[m.name].job for m in maps})
    for i, m in enumerate(maps):
        panel = "AB"[i] if i < 2 else str(i)
        ax = fig.add_subplot(top[0, i])
        loc = m.locations
        half = (loc[1, 1] - loc[0, 1]) / 2 if len(loc) > 1 else 0.5
        extent = (loc[:, 1].min() - half - 0.5, loc[:, 1].max() + half - 0.5,
                  loc[:, 0].max() + half - 0.5, loc[:, 0].min() - half - 0.5)
        im = ax.imshow(m.grid, cmap="magma", norm=PowerNorm(0.5, 0, vmax), extent=extent, interpolation="nearest")
        ax.contour(alpha, levels=[0.5], colors="0.7", linewidths=0.6)
        ax.set_xlim(-0.5, alpha.shape[1] - 0.5)
        ax.set_ylim(alpha.shape[0] - 0.5, -0.5)
        for k, j in enumerate(m.example_index):
            ax.text(loc[j, 1], loc[j, 0], "abcdefgh"[k], color="cyan", fontsize=9, ha="center", va="center",
                    fontweight="bold")
        no_ticks(ax)
        ax.set_title(textwrap.fill(f"{panel}: {words[m.name]}", 40) + f"\npixels changed (> {R.params.threshold:g}) "
                     f"at n = 3t = {m.steps}", fontsize=9)
        cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03, ticks=_sqrt_ticks(vmax),
                          orientation="horizontal")
        cb.ax.tick_params(labelsize=8)
        a = fig.add_subplot(rows[i, 0])
        a.imshow(composite(m.reference), interpolation="nearest")
        no_ticks(a)
        a.set_title("unperturbed", fontsize=8)
        a.set_ylabel(panel, fontsize=10, rotation=0, labelpad=10, va="center")
        for k, j in enumerate(m.example_index):
            a = fig.add_subplot(rows[i, 1 + k])
            a.imshow(composite(np.nan_to_num(m.examples[k], nan=0.0)), interpolation="nearest")
            diff = changed(m.examples[k], m.reference, R.params.threshold)
            if diff.any():
                a.contour(diff.astype(float), levels=[0.5], colors="cyan", linewidths=0.8)
            a.plot(loc[j, 1], loc[j, 0], "o", ms=8, mfc="none", mec="red", mew=1.5)
            no_ticks(a)
            a.set_title(f"{'abcdefgh'[k]}: {m.counts[0, j]} px", fontsize=8)
    if common:
        title_above(fig, common, fontsize=9)
    save_figure(fig, FIG10)
    return fig


def fig10_footprints(R: LocalResults):
    """Distributions behind the claims (top): footprints with the noise floor, reach with the light-cone
    radius n·f; below, per model, where two unperturbed runs with independent masks differ."""
    import matplotlib.pyplot as plt

    maps = list(R.maps.values())
    words, _ = model_words({m.name: R.trained[m.name].job for m in maps})
    fig = plt.figure(figsize=(7.0, 6.2))
    outer = fig.add_gridspec(2, 1, height_ratios=[1.0, 1.0], hspace=0.45)
    top = outer[0].subgridspec(1, 2, wspace=0.3)
    a, b = fig.add_subplot(top[0, 0]), fig.add_subplot(top[0, 1])
    for i, m in enumerate(maps):
        c = np.sort(m.mean_counts)
        a.step(c, np.arange(1, len(c) + 1) / len(c), where="post", color=f"C{i}", label=words[m.name])
        a.axvline(m.noise_counts.mean(), color=f"C{i}", ls=":", lw=1)
        r = np.sort(m.reach.ravel())
        b.step(r, np.arange(1, len(r) + 1) / len(r), where="post", color=f"C{i}", label=words[m.name])
        b.axvline(m.bound, color=f"C{i}", ls="--", lw=1, label=f"n·f = {m.bound:g}")
    a.set_xlabel("changed pixels in the final state", fontsize=9)
    a.set_ylabel("fraction of perturbed pixels", fontsize=9)
    a.set_title("footprints (dotted: noise floor)", fontsize=9)
    a.legend(fontsize=8)
    b.set_xlabel("reach: farthest change (cells,\nChebyshev distance)", fontsize=9)
    b.set_title("reach (dashed: light-cone radius n·f)", fontsize=9)
    b.legend(fontsize=8)
    for ax in (a, b):
        ax.tick_params(labelsize=8)
    low = outer[1].subgridspec(1, max(2, len(maps)), wspace=0.35)
    for i, m in enumerate(maps):
        ax = fig.add_subplot(low[0, i])
        im = ax.imshow(m.noise_map, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        no_ticks(ax)
        ax.set_title(f"noise floor, {words[m.name]}", fontsize=9)
        cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
        cb.set_label("share of pairs that differ", fontsize=8)
        cb.ax.tick_params(labelsize=8)
    save_figure(fig, FIG10_FOOTPRINTS)
    return fig
