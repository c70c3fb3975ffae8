"""Figures 8–9 and videos S1–S3: loss curves, snapshots from the alien, hidden-channel videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nca_core.paper.morph.measure import Fig8Results, Run
from nca_core.runs.cache import Trained
from nca_core.view.images import composite, hidden_quadrants
from nca_core.view.plotting import figure_dir, save_figure
from nca_core.view.video import write_video


def sweep_figure(rows: dict[str, Run], y: np.ndarray, title: str, name: str):
    """Left: per-epoch training loss of each model (log scale). Right: its states from the alien
    at n = 0, t, 2t, 3t and the extrapolation step, with the data in the last row.

    Args:
        rows: the runs by row label (e.g. ``{"ID_LAP": run}``), in display order.
        y: the unshifted targets ``[T, H, W, 4]``.
        title: the figure title; name: the file name (PNG in the figure folder).
    """
    import matplotlib.pyplot as plt

    keys = list(rows)
    morphs = {k: r.morph for k, r in rows.items()}
    ncol = len(morphs[keys[0]].steps)
    nrow = len(keys) + 1
    fig = plt.figure(figsize=(5.2 + 1.35 * ncol, max(3.2, 1.35 * nrow)))
    gs = fig.add_gridspec(nrow, ncol + 2, wspace=0.05, hspace=0.08, width_ratios=[3.0, 0.75] + [1.0] * ncol)
    ax = fig.add_subplot(gs[:, 0])
    for i, k in enumerate(keys):
        loss = rows[k].trained.result.loss
        ax.plot(np.arange(1, len(loss) + 1), loss, lw=1, color=f"C{i}", label=k)
        if rows[k].trained.result.diverged:
            ax.axvline(len(loss), color=f"C{i}", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("epoch mean loss (Euclidean)")
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(fontsize=7)
    m = len(y) - 1
    for i, k in enumerate([*keys, None]):
        for j in range(ncol):
            a = fig.add_subplot(gs[i, 2 + j])
            a.set_xticks([])
            a.set_yticks([])
            if k is None:
                img = y[min(j, m)]
            else:
                mo = morphs[k]
                img = mo.obs[j, 0]
            if np.isfinite(img).all():
                a.imshow(composite(img), interpolation="nearest")
            else:
                a.set_facecolor("#f3f3f3")
                a.text(0.5, 0.5, "diverged", ha="center", va="center", color="crimson", transform=a.transAxes,
                       fontsize=8)
            if i == 0:
                n = morphs[keys[0]].steps[j]
                t = morphs[keys[0]].t
                a.set_title("n = 0" if j == 0 else "n = t" if n == t else f"n = {n // t}t", fontsize=9)
            if j == 0:
                label = "data" if k is None else k
                if k is not None and "t =" not in label:
                    label += f"\n(t={morphs[k].t})"
                a.set_ylabel(label, fontsize=8)
            if j == ncol - 1:
                for s in a.spines.values():
                    s.set_linestyle("--")
    save_figure(fig, name)
    return fig


def trajectory(tr: Trained, y0: np.ndarray, steps: int, every: int = 1, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """All channels of one rollout from ``y0 [H, W, 4]``: ``[F, H, W, C]`` and the step numbers."""
    model = tr.model()
    # one compiled loop over all steps (rollout would call it, and copy to the host, once per kept frame)
    states = np.concatenate([model.prepare_state(y0[None]).numpy()[None], model.trajectory(y0[None], steps, seed)])
    kept = list(range(0, steps + 1, every))
    return np.nan_to_num(states[kept, 0], nan=0.0, posinf=1.0, neginf=0.0), kept


def videos(models: dict[str, Trained], y0: np.ndarray, steps: int, every: int = 1, fps: int = 30,
           seed: int = 0) -> dict[str, Path]:
    """S1 (RGBA) and S2 (all channels) of ``models["S1"]``, S3 (all channels) of ``models["S3"]``.

    Each is an MP4 in the figure folder, the lattice magnified 4× (S2/S3 2× per quadrant),
    annotated with the step number.
    """
    out = {}
    for key, tr in models.items():
        states, kept = trajectory(tr, y0, steps, every, seed)
        if key == "S1":
            out["S1"] = write_video(composite(states[..., :4]), figure_dir() / "S1_rgba.mp4", kept, fps=fps, zoom=4)
            key, label = "S2", "S2_channels"
        else:
            label = f"{key}_channels"
        out[key] = write_video(hidden_quadrants(states), figure_dir() / f"{label}.mp4", kept, fps=fps, zoom=2)
    return out


def cone_figure(cone: dict | None):
    """The spread of a one-pixel change (:func:`~nca_core.paper.morph.measure.light_cone`): the change
    map with the hard bound and half of it, and the fraction of visibly changed pixels per distance.
    ``None`` (no t = 8 model in the run) gives a figure that says so."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    if cone is None:
        fig, a = plt.subplots(figsize=(5, 1.2))
        a.axis("off")
        a.text(0.5, 0.5, "not computed: the run has no t = 8 model (parameter sampling)", ha="center", va="center")
        save_figure(fig, "fig9_locality")
        return fig

    change, dist, n = cone["change"], cone["distance"], cone["steps"]
    i, j = cone["pixel"]
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.4, 3.6), gridspec_kw={"width_ratios": [1, 1.3]})
    im = a.imshow(np.maximum(change, 1e-6), norm=LogNorm(1e-6, max(1.0, float(change.max()))), cmap="magma",
                  interpolation="nearest")
    fig.colorbar(im, ax=a, fraction=0.046, pad=0.02, label="largest RGBA change")
    for r, ls in ((n, "-"), (n / 2, "--"), (cone["effective"], ":")):
        a.add_patch(Rectangle((j - r - 0.5, i - r - 0.5), 2 * r + 1, 2 * r + 1, fill=False, ec="cyan", ls=ls, lw=1))
    a.plot(j, i, "c+", ms=8)
    a.set_xticks([])
    a.set_yticks([])
    a.set_title(f"after {n} steps", fontsize=9)
    share = np.bincount(dist.ravel(), weights=change.ravel()) / max(float(change.sum()), 1e-30)
    ds = np.arange(len(share))
    b.bar(ds, share, width=0.9, color="C0")
    b.axvline(n, color="k", lw=1, label=f"bound: {n} cells")
    b.axvline(n / 2, color="k", lw=1, ls="--", label=f"half: {n // 2} cells")
    b.axvline(cone["effective"], color="C3", lw=1.5, ls=":", label=f"90% of the change: {cone['effective']} cells")
    b.set_xlabel("Chebyshev distance from the erased pixel (cells)")
    b.set_ylabel("share of the total change")
    b.set_xlim(-0.5, min(int(dist.max()), 2 * n + 8))
    b.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, "fig9_locality")
    return fig


def noise_figure(R: Fig8Results):
    """The reference relu model with and without input noise, as :func:`sweep_figure`; a figure
    saying so when the run has no ablation."""
    if R.no_noise is None or R.reference is None:
        import matplotlib.pyplot as plt

        fig, a = plt.subplots(figsize=(5, 1.2))
        a.axis("off")
        a.text(0.5, 0.5, "not computed: noise_ablation=False or no relu/ID_DIFF_LAP model", ha="center", va="center")
        save_figure(fig, "fig8_noise")
        return fig
    return sweep_figure({"with noise": R.reference, "without noise": R.no_noise}, R.targets,
                        "training loss, relu, ID_DIFF_LAP", "fig8_noise")


def sweep_rows(runs: dict, label: str = "{}") -> dict[str, Run]:
    """Row labels for a sweep ``{value: run}``: ``label`` formatted with each value (``"C = {}"``)."""
    return {label.format(k): r for k, r in runs.items()}
