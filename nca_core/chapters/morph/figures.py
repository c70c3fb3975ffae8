"""Figures 7–9 and videos S1–S3: the morphing data, loss curves, snapshots from the alien, hidden channels.

Fig 7 trains nothing: the images are straight-alpha RGBA (paper-spec §4); to make transparency
visible they are drawn composited over a light checkerboard, ``rgb·α + board·(1 − α)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from nca_core import fileio
from nca_core.chapters.morph.measure import Fig8Results, Fig9Results, Run
from nca_core.chapters.morph.notebooks import (
    FIG7_LATTICE,
    FIG7_NOISE,
    FIG7_SEQUENCE,
    FIG7_SHIFTED,
    FIG8_ACTIVATIONS,
    FIG8_KERNELS,
    FIG8_NOISE,
    FIG9_CHANNELS,
    FIG9_LOCALITY,
    FIG9_SAMPLING,
    FIG9_STABILITY,
    S1,
    S2,
    S3,
)
from nca_core.core.checkpoint import data_fingerprint
from nca_core.data.morph import add_input_noise
from nca_core.runs import store
from nca_core.runs.cache import Trained
from nca_core.view.images import composite, hidden_quadrants
from nca_core.view.plotting import figure_dir, log_axis, no_ticks, placeholder, save_figure
from nca_core.view.ticks import fit_ticks
from nca_core.view.video import write_video

_OUTLINE = "#d62728"
_SHIFTED = "#ff7f0e"


def _window(ax, top: float, left: float, size: int, color: str, ls: str = "--", lw: float = 1.2) -> None:
    """Outline the ``size``×``size`` cell block whose top-left cell is (top, left)."""
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((left - 0.5, top - 0.5), size, size, fill=False, ec=color, ls=ls, lw=lw))


def fig7_sequence(frames: np.ndarray, names: Sequence[str]):
    """(a) The data sequence ``frames[T, 60, 60, 4]``, one panel per frame, arrows for the transitions."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import ConnectionPatch

    t = len(frames)
    fig, axes = plt.subplots(1, t, figsize=(2.3 * t, 2.7), squeeze=False, gridspec_kw={"wspace": 0.45})
    axes = axes[0]
    for m, (ax, img, name) in enumerate(zip(axes, frames, names)):
        ax.imshow(composite(img), interpolation="nearest")
        no_ticks(ax)
        ax.set_title(f"frame {m}: {name}", fontsize=9)
    for m in range(t - 1):
        fixed = np.array_equal(frames[m], frames[m + 1])
        arrow = ConnectionPatch((1.03, 0.5), (-0.03, 0.5), "axes fraction", "axes fraction", axesA=axes[m],
                                axesB=axes[m + 1], arrowstyle="-|>", color="0.25", lw=1.3)
        fig.add_artist(arrow)
        axes[m].text(1.225, 0.6, "t steps" + ("\n(fixed\npoint)" if fixed else ""), transform=axes[m].transAxes,
                     ha="center", va="bottom", fontsize=8, color="0.25")
    fig.suptitle(f"Training sequence: {t} frames, {t - 1} transitions of t NCA steps each", fontsize=10)
    save_figure(fig, FIG7_SEQUENCE)
    return fig


def fig7_lattice(lattice: np.ndarray, pad: int, name: str = ""):
    """(b) One frame on the padded lattice ``[H, W, 4]``: RGBA (padding tinted) and the α channel."""
    import matplotlib.pyplot as plt

    h, w = lattice.shape[:2]
    inner = h - 2 * pad
    tint = np.zeros((h, w, 4), np.float32)
    tint[..., :3] = (0.25, 0.45, 0.85)
    tint[..., 3] = 0.16
    tint[pad:h - pad, pad:w - pad, 3] = 0.0
    fig, axes = plt.subplots(1, 2, figsize=(7.4, 3.6))
    ax = axes[0]
    ax.imshow(composite(lattice), interpolation="nearest")
    ax.imshow(tint, interpolation="nearest")
    ax.set_title(f"{h}×{w} lattice{': ' + name if name else ''} (RGBA)", fontsize=9)
    ax2 = axes[1]
    im = ax2.imshow(lattice[..., 3], cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ax2.set_title("α channel (every channel is 0 in the border)", fontsize=9)
    fig.colorbar(im, ax=ax2, fraction=0.046, pad=0.03)
    for a in axes:
        no_ticks(a)
        _window(a, pad, pad, inner, _OUTLINE)
    if pad > 0:
        ax.annotate("", xy=(-0.5, h / 2), xytext=(pad - 0.5, h / 2),
                    arrowprops={"arrowstyle": "<->", "color": _OUTLINE, "lw": 1.2})
        ax.text(pad / 2 - 0.5, h / 2 - 2, f"{pad}", color=_OUTLINE, ha="center", va="bottom", fontsize=9,
                fontweight="bold")
    ax.text(pad + inner / 2 - 0.5, h - pad / 2 - 0.5, f"{inner}×{inner} image, {pad}-cell zero border",
            color=_OUTLINE, ha="center", va="center", fontsize=8)
    fig.tight_layout()
    save_figure(fig, FIG7_LATTICE)
    return fig


def fig7_shifted(y: np.ndarray, shifts: Sequence[dict], names: Sequence[str], pad: int):
    """(c) The shift-augmented batch ``y[T, R, H, W, 4]``: rows are frames, columns trajectories.

    The dashed red square is the unshifted image window, the orange one the shifted window.
    """
    import matplotlib.pyplot as plt

    t, r = y.shape[:2]
    inner = y.shape[2] - 2 * pad
    size = min(1.45, 6.2 / r)  # as wide as the book's column
    fig, axes = plt.subplots(t, r, figsize=(size * r + 0.9, size * t + 1.0), squeeze=False,
                             gridspec_kw={"wspace": 0.06, "hspace": 0.06})
    for m in range(t):
        for k in range(r):
            ax = axes[m][k]
            ax.imshow(composite(y[m, k]), interpolation="nearest")
            no_ticks(ax)
            _window(ax, pad, pad, inner, _OUTLINE, lw=0.8)
            _window(ax, pad + shifts[k]["dy"], pad + shifts[k]["dx"], inner, _SHIFTED, ls="-", lw=0.8)
            if m == 0:
                ax.set_title(f"r = {k}\n({shifts[k]['dy']}, {shifts[k]['dx']})", fontsize=8)
            if k == 0:
                ax.set_ylabel(f"frame {m}\n{names[m]}", fontsize=8)
    fig.suptitle(f"{r} randomly shifted copies r of the sequence, shift (dy, dx) under each:\n"
                 "one shift per trajectory, the same for every frame", fontsize=9, y=1.0, va="bottom")
    save_figure(fig, FIG7_SHIFTED)
    return fig


def noisy(lattice: np.ndarray, levels: Sequence[float], seed: int) -> list[np.ndarray]:
    """``(1 − a)·x + a·U(0, 1)`` for each amplitude ``a``; the same uniform sample (``seed``) for all of them."""
    return [add_input_noise(lattice, a, np.random.default_rng(seed)) for a in levels]


def fig7_noise(lattice: np.ndarray, levels: Sequence[float], seed: int):
    """(d) Input-noise augmentation of one lattice frame: the noisy image and ``max_c |x̃ − x|`` per amplitude."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    levels = list(levels)
    outs = noisy(lattice, levels, seed)
    positive = [a for a in levels if a > 0]
    norm = LogNorm(vmin=min(positive) / 100 if positive else 1e-6, vmax=max(positive) if positive else 1.0)
    n = len(levels) + 1
    fig, axes = plt.subplots(2, n, figsize=(2.0 * n + 0.8, 4.4), squeeze=False)
    axes[0][0].imshow(composite(lattice), interpolation="nearest")
    axes[0][0].set_title("clean input", fontsize=9)
    axes[1][0].text(0.5, 0.5, "reference", ha="center", va="center", transform=axes[1][0].transAxes, color="0.4")
    axes[1][0].set_facecolor("#f3f3f3")
    axes[0][0].set_ylabel("x̃ (RGBA)", fontsize=9)
    axes[1][0].set_ylabel("max over channels |x̃ − x|", fontsize=9)
    im = None
    for j, (a, out) in enumerate(zip(levels, outs), start=1):
        axes[0][j].imshow(composite(out), interpolation="nearest")
        axes[0][j].set_title(f"a = {a:g}", fontsize=9)
        diff = np.abs(out - lattice).max(axis=-1)
        if a > 0:
            im = axes[1][j].imshow(np.maximum(diff, norm.vmin), cmap="magma", norm=norm, interpolation="nearest")
            axes[1][j].set_title(f"max {diff.max():.2g}", fontsize=8)
        else:
            axes[1][j].text(0.5, 0.5, "no noise", ha="center", va="center", transform=axes[1][j].transAxes)
    for ax in axes.ravel():
        no_ticks(ax)
    if im is not None:
        fig.colorbar(im, ax=axes[1].tolist(), fraction=0.025, pad=0.01)
    fig.suptitle("Input noise x̃ = (1 − a)·x + a·U(0, 1), every channel (α included), same uniform sample",
                 fontsize=10)
    save_figure(fig, FIG7_NOISE)
    return fig


# ------------------------------------------------------------------ Figs 8–9


#: what each token of a kernel-set name (``ID_DIFF_LAP``) stands for (:mod:`nca_core.core.kernels`)
KERNEL_TOKENS = {"ID": "identity", "DIFF": "Sobel x and y (gradients)", "LAP": "Laplacian",
                 "AV": "neighbour average"}


def kernel_key(*texts: str) -> str:
    """The key to the kernel-set codes in ``texts``: ``"ID identity · LAP Laplacian"`` for the tokens of
    every code found (``ID_LAP``, ``ID_DIFF_LAP``, ...), in :data:`KERNEL_TOKENS` order; "" if none."""
    import re

    tokens = {tok for t in texts for code in re.findall(r"\b(?:ID|DIFF|LAP|AV)(?:_(?:ID|DIFF|LAP|AV))+\b", t)
              for tok in code.split("_")}
    return " · ".join(f"{k} {v}" for k, v in KERNEL_TOKENS.items() if k in tokens)


def _planned_epochs(result) -> int:
    """The epochs a run was planned for (its training settings), else the epochs it ran."""
    tc = getattr(result, "train_config", None)
    return int(tc.epochs) if tc is not None else len(result.loss)


#: a sweep figure's heights in inches: margin above, loss panel, gap under it, margin below the pictures
SWEEP_TOP, SWEEP_LOSS, SWEEP_GAP, SWEEP_BOTTOM = 0.35, 2.2, 1.2, 0.1


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
    # the loss above the pictures, so that the figure is as wide as the book's column and its text readable
    cell = min(1.15, 6.0 / ncol)
    # every length in inches, so that the gap under the loss (its axis label and the stencil key) stays
    # SWEEP_GAP whatever the number of rows (a relative hspace made it 1.8 in at the paper's 8 models, 0.9 in at 2)
    pictures = cell * nrow
    height = SWEEP_TOP + SWEEP_LOSS + SWEEP_GAP + pictures + SWEEP_BOTTOM
    fig = plt.figure(figsize=(1.0 + cell * ncol, height))
    outer = fig.add_gridspec(2, 1, height_ratios=[SWEEP_LOSS, pictures], top=1 - SWEEP_TOP / height,
                             bottom=SWEEP_BOTTOM / height, hspace=SWEEP_GAP / ((SWEEP_LOSS + pictures) / 2))
    gs = outer[1].subgridspec(nrow, ncol, wspace=0.05, hspace=0.08)
    # the legend in a column of its own right of the loss (inside the panel it covered the early curves)
    ax = fig.add_subplot(outer[0].subgridspec(1, 2, width_ratios=[3, 1], wspace=0.0)[0])
    planned = {k: _planned_epochs(rows[k].trained.result) for k in keys}
    usual = max(set(planned.values()), key=list(planned.values()).count)
    for i, k in enumerate(keys):
        loss = rows[k].trained.result.loss
        # a model trained for other epochs than the rest (the grid tier's C = 32: the long recipe) says so
        label = k if planned[k] == usual else f"{k} ({planned[k]} epochs)"
        ax.plot(np.arange(1, len(loss) + 1), loss, lw=1, color=f"C{i}", label=label)
        if rows[k].trained.result.diverged:
            ax.axvline(len(loss), color=f"C{i}", ls=":", lw=1)
    log_axis(ax)
    ax.set_xlabel("epoch", fontsize=9)
    ax.set_ylabel("epoch mean loss\n(Euclidean)", fontsize=9)
    ax.tick_params(labelsize=8, which="both")
    fit_ticks(ax, "y")  # as many loss labels as the panel's height holds, none touching ('9' against '10')
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, frameon=False)
    key = kernel_key(title, *keys)
    if key:  # the stencils behind the codes, under the loss panel
        ax.text(0.0, -0.32, f"stencils: {key}", transform=ax.transAxes, fontsize=8, va="top", color="0.25")
    m = len(y) - 1
    for i, k in enumerate([*keys, None]):
        for j in range(ncol):
            a = fig.add_subplot(gs[i, j])
            no_ticks(a)
            if k is None:
                img = y[min(j, m)]
            else:
                mo = morphs[k]
                img = mo.obs[j]
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


#: the label over a video's RGBA picture (S1; the top-left panel of S2/S3)
RGBA_LABEL = "RGBA (observable)"
#: black cells between the left and right panels of S2/S3 (as the bands between their rows)
PANEL_GAP = 2


def channel_panels(states: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """S2/S3 frames from ``states [F, H, W, C]``: :func:`~nca_core.view.images.hidden_quadrants` with
    :data:`PANEL_GAP` black cells between its left and right panels, and each panel's label (``panels`` of
    :func:`~nca_core.view.video.write_video`): the observable RGBA, and the hidden channels it shows."""
    f, h, w, c = states.shape
    quads = hidden_quadrants(states)
    frames = np.concatenate([quads[:, :, :w], np.zeros((f, 2 * h, PANEL_GAP, 3), np.float32), quads[:, :, w:]], 2)
    corners = [(0, 0), (0, w + PANEL_GAP), (h, 0), (h, w + PANEL_GAP)]
    names = [RGBA_LABEL] + [f"hidden {lo}–{min(lo + 3, c - 1)}" for lo in range(4, min(c, 16), 4)]
    return frames, [(row, col, name) for (row, col), name in zip(corners, names)]


#: the store's kind of a video's MP4 file (:func:`fig8_videos`)
VIDEO_KIND = "morph_video"


def _drawing_code() -> str:
    """A hash of the source of the functions that draw a video's frames, so that a stored video is drawn again
    (not loaded) once any of them changes."""
    import hashlib
    import inspect

    from nca_core.view import images, video

    parts = [inspect.getsource(f) for f in (trajectory, channel_panels, images.composite, images.hidden_quadrants,
                                            images.to_rgb, video.write_video, video._bands, video._shortened,
                                            video._font)]
    parts.append(repr((RGBA_LABEL, PANEL_GAP, video.HEADER, video.FONT_PX, video.QUALITY, video._MARGIN)))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def fig8_videos(models: dict[str, Trained], y0: np.ndarray, steps: int, every: int = 1, fps: int = 30,
                seed: int = 0) -> dict[str, Path]:
    """S1 (RGBA) and S2 (all channels) of ``models["S1"]``, S3 (all channels) of ``models["S3"]``.

    Each is an MP4 in the figure folder, the lattice magnified 4× (S2/S3 2× per panel), each panel
    labelled (:func:`channel_panels`) and the step number above the pictures. A model's videos are stored
    (kind :data:`VIDEO_KIND`, the file's bytes) and shipped like the chapter's arrays, keyed by the model, the
    rollout, the frame rate and the code that draws them: a stored video is copied into the figure folder, and
    the model is rolled out only for a video not stored.
    """
    settings = {"ic": data_fingerprint(y0), "steps": steps, "every": every, "fps": fps, "seed": seed,
                "code": _drawing_code()}
    files = {"S1": S1, "S2": S2, "S3": S3}
    out = {}
    for which, tr in models.items():
        states = kept = None  # the rollout, made once for the model's videos that are not stored
        for v in ("S1", "S2") if which == "S1" else ("S3",):
            key = store.key(tr.job.key, tr.weights_hash, v, settings)
            path = figure_dir() / files[v]
            found = store.load(VIDEO_KIND, key, tr)
            if found is not None:
                out[v] = fileio.write_bytes(path, found[0]["mp4"].tobytes())
                continue
            if states is None:
                states, kept = trajectory(tr, y0, steps, every, seed)
            if v == "S1":
                out[v] = write_video(composite(states[..., :4]), path, kept, fps=fps, zoom=4, label=RGBA_LABEL)
            else:
                frames, panels = channel_panels(states)
                out[v] = write_video(frames, path, kept, fps=fps, zoom=2, panels=panels)
            store.save(VIDEO_KIND, key, {"mp4": np.frombuffer(path.read_bytes(), np.uint8)},
                       {"model": tr.job.label, "video": v, **settings}, tr)
    return out


def fig9_locality(cone: dict | None):
    """The spread of a one-pixel change (:func:`~nca_core.chapters.morph.measure.light_cone`): the change
    map with the hard bound and half of it, and the fraction of visibly changed pixels per distance.
    ``None`` (no t = 8 model in the run) gives a figure that says so."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    if cone is None:
        return placeholder("the run has no t = 8 model (parameter sampling)", FIG9_LOCALITY)

    change, dist, n = cone["change"], cone["distance"], cone["steps"]
    i, j = cone["pixel"]
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.0, 3.4), gridspec_kw={"width_ratios": [1, 1.3]})
    im = a.imshow(np.maximum(change, 1e-6), norm=LogNorm(1e-6, max(1.0, float(change.max()))), cmap="magma",
                  interpolation="nearest")
    fig.colorbar(im, ax=a, fraction=0.046, pad=0.02, label="largest RGBA change")
    for r, ls in ((n, "-"), (n / 2, "--"), (cone["effective"], ":")):
        a.add_patch(Rectangle((j - r - 0.5, i - r - 0.5), 2 * r + 1, 2 * r + 1, fill=False, ec="cyan", ls=ls, lw=1))
    a.plot(j, i, "c+", ms=8)
    no_ticks(a)
    a.set_title(f"after {n} steps", fontsize=9)
    share = np.bincount(dist.ravel(), weights=change.ravel()) / max(float(change.sum()), 1e-30)
    ds = np.arange(len(share))
    b.bar(ds, share, width=0.9, color="C0")
    b.axvline(n, color="k", lw=1, label=f"bound: {n} cells")
    b.axvline(n / 2, color="k", lw=1, ls="--", label=f"half: {n // 2} cells")
    b.axvline(cone["effective"], color="C3", lw=1.5, ls=":", label=f"90% of the change: {cone['effective']} cells")
    b.set_xlabel("Chebyshev distance from\nthe erased pixel (cells)", fontsize=9)
    b.set_ylabel("share of the total change", fontsize=9)
    b.tick_params(labelsize=8)
    b.set_xlim(-0.5, min(int(dist.max()), 2 * n + 8))
    b.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, FIG9_LOCALITY)
    return fig


def fig8_noise(R: Fig8Results):
    """The reference relu model with and without input noise, as :func:`sweep_figure`; a figure
    saying so when the run has no ablation."""
    if R.no_noise is None or R.reference is None:
        return placeholder("noise_ablation=False or no relu/ID_DIFF_LAP model", FIG8_NOISE)
    return sweep_figure({"with noise": R.reference, "without noise": R.no_noise}, R.targets,
                        "training loss, relu, ID_DIFF_LAP", FIG8_NOISE)


def fig8_kernels(R: Fig8Results):
    """Fig 8 A–B: the kernel-set sweep (relu) as :func:`sweep_figure`."""
    return sweep_figure(sweep_rows(R.kernels), R.targets, "A: training loss, relu", FIG8_KERNELS)


def fig8_activations(R: Fig8Results):
    """Fig 8 C–D: the activation sweep (``ID_DIFF_LAP``) as :func:`sweep_figure`."""
    return sweep_figure(sweep_rows(R.activations), R.targets, "C: training loss, ID_DIFF_LAP", FIG8_ACTIVATIONS)


def fig9_channels(R: Fig9Results, t: int):
    """Fig 9 A–B: the channel slice (at time sampling ``t``) as :func:`sweep_figure`."""
    return sweep_figure(sweep_rows(R.channels, "C = {}"), R.targets, f"A: training loss, t = {t}", FIG9_CHANNELS)


def fig9_sampling(R: Fig9Results, channels: int):
    """Fig 9 C–D: the time-sampling slice (at ``channels``) as :func:`sweep_figure`."""
    return sweep_figure(sweep_rows(R.sampling, "t = {}"), R.targets, f"C: training loss, C = {channels}",
                        FIG9_SAMPLING)


def fig9_stability_models(R: Fig9Results):
    """The models the stability chapters analyse, as :func:`sweep_figure`."""
    return sweep_figure(R.stability, R.targets, "training loss", FIG9_STABILITY)


def sweep_rows(runs: dict, label: str = "{}") -> dict[str, Run]:
    """Row labels for a sweep ``{value: run}``: ``label`` formatted with each value (``"C = {}"``)."""
    return {label.format(k): r for k, r in runs.items()}
