"""Figures 3–6 and videos S4–S6 of the Gray-Scott chapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nca_core.chapters.gray_scott.measure import Comparison, NoiseResults, SamplingResults
from nca_core.chapters.gray_scott.notebooks import FIG3, FIG4, FIG4_LOSS, FIG5, FIG6, FIG6_RENOISED, S4, S5, S6
from nca_core.chapters.measures import moving_average
from nca_core.view.plotting import figure_dir, log_axis, save_figure, snapshot_grid
from nca_core.view.video import animation_html, write_video


def fig3(traj: np.ndarray, steps: list[int], snapshots: list[int]):
    """Snapshots of channel B of the 4 training trajectories. ``traj[F, 4, H, W, 2]`` at ``steps``."""
    cols = [steps.index(n) for n in snapshots if n in steps]
    rows = [[traj[i, r, ..., 1] for i in cols] for r in range(traj.shape[1])]
    fig = snapshot_grid(rows, [f"IC {r}" for r in range(traj.shape[1])], [f"n = {steps[i]}" for i in cols],
                        cmap="magma", title="Gray-Scott training trajectories (channel B)")
    save_figure(fig, FIG3)
    return fig


def fig3_animation(traj: np.ndarray, steps: list[int]) -> str:
    return animation_html(traj[..., 1], [f"IC {r}" for r in range(traj.shape[1])], steps, cmap="magma")


#: Fig 4 C shows at most this many NCA states per row (the figure keeps to the book's column)
FIG4_PER_ROW = 5
#: entries of Fig 4 A's key that fit under panel B, and the inches its row grows by for each further one
FIG4_KEY_FITS = 4
FIG4_KEY_LINE_IN = 0.22


def fig4(r: SamplingResults):
    """A: train and test loss against t (mean ± sd over the seeds; the best seed's test; diverged runs marked);
    B: test IC and PDE at N; C: the best seed's NCA at N for each t, in rows of :data:`FIG4_PER_ROW`."""
    import matplotlib.pyplot as plt

    ts = r.sampling
    cols = max(min(len(ts), FIG4_PER_ROW), 4)
    rows = -(-len(ts) // cols)
    many = len(r.seeds) > 1
    crossed, blown = _diverged(r)
    # A's key goes under B: the top row grows by a line for each entry beyond what fits there
    entries = 3 + many + bool(crossed) + bool(blown)
    extra = FIG4_KEY_LINE_IN * max(0, entries - FIG4_KEY_FITS)
    fig = plt.figure(figsize=(1.45 * cols + 0.4, 3.2 + extra + 1.65 * rows))
    gs = fig.add_gridspec(1 + rows, cols, height_ratios=[1.9 + extra / 1.65] + [1] * rows)
    ax = fig.add_subplot(gs[0, : cols - 2])
    tr = np.array([[r.train_loss[(t, s)] for s in r.seeds] for t in ts])
    ax.errorbar(ts, np.nanmean(tr, 1), yerr=np.nanstd(tr, 1), marker="o", capsize=3,
                label=f"train, mean ± sd of {len(r.seeds)} seeds" if many else "train (1 seed)")
    test = np.array([r.test[t].test_loss for t in ts])
    ax.plot(ts, test, marker="s", label="test, seed of lowest train loss" if many else "test (unseen IC)")
    if many:
        spread = np.array([r.test_spread(t)[:2] for t in ts])
        ax.fill_between(ts, spread[:, 0] - spread[:, 1], spread[:, 0] + spread[:, 1], color="C1", alpha=0.2,
                        label="test, mean ± sd (not diverged)")
    ax.axhline(r.baseline, color="grey", ls="--", lw=1, label="test: IC held frozen")
    ax.set_xscale("log", base=2)
    log_axis(ax)
    ax.set_xticks(ts)
    ax.set_xticklabels(ts)
    _diverged_markers(ax, crossed, blown)
    ax.set_xlabel("time sampling t")
    ax.set_ylabel("Euclidean loss")
    ax.set_title("A", loc="left", fontweight="bold")
    n = max(next(iter(r.test.values())).snapshots)
    _ic_and_pde(fig, gs, cols - 2, r.pde_final, n)
    for b in fig.axes[1:]:
        b.set_anchor("N")  # B at the top of its row, all the room the key takes below it
    for j, t in enumerate(ts):
        _nca_panel(fig.add_subplot(gs[1 + j // cols, j % cols]), r.test[t], n,
                   ("C  " if j == 0 else "") + f"NCA t={t}")
    fig.tight_layout()
    # A's key sits under B's two panels, where it can cover no data (inside A it covered the test curve whenever
    # that came down towards the train curve)
    b = [a.get_position() for a in fig.axes if a is not ax and a.get_subplotspec().rowspan.start == 0]
    fig.legend(*ax.get_legend_handles_labels(), loc="upper left", fontsize=8.5, framealpha=0.9,
               bbox_to_anchor=(min(p.x0 for p in b), min(p.y0 for p in b) - 0.01))
    save_figure(fig, FIG4)
    return fig


def _diverged(r: SamplingResults) -> tuple[list[int], list[int]]:
    """The t of each seed whose training diverged, and of each seed whose test rollout did."""
    ts = r.sampling
    return ([t for t in ts for _ in r.training_diverged(t)],
            [t for t in ts for s in r.seeds if r.tests[(t, s)].diverged_at is not None])


def _diverged_markers(ax, crossed: list[int], blown: list[int]) -> None:
    """Along the top of Fig 4 A: a cross per seed whose training diverged, a triangle per seed whose test rollout
    did (stacked downwards when several seeds of one t did)."""
    row = 0.96
    for xs, mk, lab in ((crossed, "x", "training diverged (per seed)"),
                        (blown, "v", "test diverged (per seed)")):
        if xs:
            ys = [row - 0.05 * xs[:i].count(t) for i, t in enumerate(xs)]
            ax.plot(xs, ys, mk, color="crimson", ms=6, ls="none", transform=ax.get_xaxis_transform(), label=lab)
            row = min(ys) - 0.05


def fig5(c: Comparison, t: int):
    """PDE (top), NCA (middle), |NCA − PDE| (bottom) for channel B at the snapshot steps; ``t`` is the
    model's time sampling (for the title)."""
    steps = sorted(c.snapshots)
    pde_row = [c.snapshots[n][1][..., 1] for n in steps]
    nca_row = [None if c.snapshots[n][0] is None else c.snapshots[n][0][..., 1] for n in steps]
    diff = [None if a is None else np.abs(a - b) for a, b in zip(nca_row, pde_row)]
    fig = snapshot_grid([pde_row, nca_row, diff], ["PDE", "NCA", "|NCA − PDE|"], [f"n = {n}" for n in steps],
                        cmap="magma", title=f"PDE against NCA (t = {t}) from the unseen initial condition, channel B")
    save_figure(fig, FIG5)
    return fig


def fig5_videos(c: Comparison, fps: int = 30) -> dict[str, Path]:
    """S4 (PDE), S5 (NCA), S6 (|NCA − PDE|) of channel A, each normalised by its maximum and labelled with what
    it shows; keyed by their captions ("S4: PDE, channel A", ...)."""
    out = {}
    p, n = c.video_pde, c.video_nca
    d = np.abs(n - p)
    for name, frames, label in ((S4, p, "PDE, channel A"), (S5, n, "NCA, channel A"),
                                (S6, d, "|NCA − PDE|, channel A")):
        vmax = float(np.nanmax(frames)) or 1.0
        out[f"{name.split('_')[0]}: {label}"] = write_video(np.nan_to_num(frames), figure_dir() / name, c.video_steps,
                                                     fps=fps, zoom=2, cmap="gray", vmin=0.0, vmax=vmax, label=label)
    return out


#: the finite test losses a window needs before Fig 6 A draws its moving average ± sd there
MIN_POINTS = 3


def fig6(r: NoiseResults, window: int = 3, show: list[float] | None = None):
    """A: test loss against ξ with a moving average ± std where the data allow one (a window with
    :data:`MIN_POINTS` finite losses, at a ξ that has one: nothing over a diverged ξ; else the legend says why
    there is none); B: test IC and PDE, with A's legend under them (off A's data); C: NCA states for several ξ.
    Laid out by matplotlib's constrained layout, so that A's axis label keeps clear of C's titles."""
    import matplotlib.pyplot as plt
    from matplotlib.transforms import IdentityTransform

    xs = [xi for xi in r.levels for _ in r.seeds]
    ys = [r.test[(xi, s)].test_loss for xi in r.levels for s in r.seeds]
    show = show or _spread(r.levels, FIG4_PER_ROW)
    ncol = max(len(show), 4)
    fig = plt.figure(figsize=(1.45 * ncol + 0.4, 5.1), layout="constrained")
    gs = fig.add_gridspec(2, ncol, height_ratios=[1.9, 1])
    ax = fig.add_subplot(gs[0, : ncol - 2])
    ax.plot(xs, ys, "o", alpha=0.7, label="test loss (one model)")
    ux, m, s, count = moving_average(np.array(xs), np.array(ys), window)
    # statistics only where there are data: a window with at least MIN_POINTS finite losses, at a ξ that has one
    ys_a, xs_a = np.array(ys, float), np.array(xs, float)
    here = np.array([np.isfinite(ys_a[xs_a == x]).any() for x in ux])
    ok = (count >= MIN_POINTS) & here
    m, s = np.where(ok, m, np.nan), np.where(ok, s, np.nan)
    note = None
    if ok.any():
        ax.plot(ux, m, "-", color="C1", label=f"moving average ± sd ({window} ξ)")
        ax.fill_between(ux, m - s, m + s, where=ok, color="C1", alpha=0.2)
    else:  # said in the legend's title
        note = f"no moving average: no window\nof {window} ξ values holds {MIN_POINTS} finite losses"
    blown = sorted({x for x, y in zip(xs, ys) if not np.isfinite(y)})
    for k, x in enumerate(blown):
        ax.axvline(x, color="crimson", ls=":", lw=1, label="diverged (no test loss)" if k == 0 else None)
    ax.set_xlabel("noise ξ")
    ax.set_ylabel("test loss")
    ax.set_title("A", loc="left", fontweight="bold")
    n = max(r.test[(r.levels[0], r.seeds[0])].snapshots)
    right = gs[0, ncol - 2:].subgridspec(2, 2, height_ratios=[1, 0.85])
    _ic_and_pde(fig, right, 0, r.pde_final, n)
    # A's legend sits under panel B, where it can cover no data: anchored to an empty axes there (A's own
    # legend still, but outside the layout, which would otherwise shrink A to make room for it)
    key = fig.add_subplot(right[1, :])
    key.axis("off")
    legend = ax.legend(fontsize=8.5, title=note, title_fontsize=8.5, alignment="left", loc="center",
                       bbox_to_anchor=key.bbox, bbox_transform=IdentityTransform())
    legend.set_in_layout(False)
    for j, xi in enumerate(show):
        _nca_panel(fig.add_subplot(gs[1, j]), r.test[(xi, r.seeds[0])], n, ("C  " if j == 0 else "") + f"NCA ξ={xi:g}")
    save_figure(fig, FIG6)
    return fig


def fig6_renoised(plain: NoiseResults, renoised: NoiseResults):
    """Every Fig 6 model from the unseen IC at the end of the test: for each seed, a row without noise (the paper's
    test, Fig 6 C) above a row with the noise of its training blended in (:func:`renoise.run`); one column per ξ,
    the PDE's state at the right."""
    import matplotlib.pyplot as plt

    n = max(plain.test[(plain.levels[0], plain.seeds[0])].snapshots)
    ncol = len(plain.levels) + 1
    rows = [(s, r, label) for s in plain.seeds for r, label in ((plain, "no noise"), (renoised, "its noise"))]
    fig, axes = plt.subplots(len(rows), ncol, figsize=(0.7 * ncol + 0.5, 0.82 * len(rows) + 0.5), squeeze=False,
                             layout="constrained")
    for i, (s, r, label) in enumerate(rows):
        for j, xi in enumerate(plain.levels):
            _nca_panel(axes[i, j], r.test[(xi, s)], n, f"ξ={xi:.2f}" if i == 0 else "", 8)
        axes[i, 0].set_ylabel(f"seed {s}\n{label}", fontsize=8)
        axes[i, -1].axis("off")
    pde_ax = axes[0, -1]
    pde_ax.axis("on")
    pde_ax.imshow(plain.pde_final[..., 1], cmap="magma", vmin=0, vmax=1)
    pde_ax.set_title(f"PDE n={n}", fontsize=8, loc="left")
    pde_ax.set_xticks([])
    pde_ax.set_yticks([])
    save_figure(fig, FIG6_RENOISED)
    return fig


def fig4_loss_curves(models: dict, title: str = "training loss per epoch", name: str = FIG4_LOSS):
    """Per-epoch training loss of every model (log scale), a colour per time sampling t from dark (small t) to
    light: each seed of a t is a line of its colour, and the key names each t once, with its number of seeds (at
    the paper's 9 × 4 grid a key per model would be 36 entries)."""
    import matplotlib.pyplot as plt

    by_t: dict[int, list] = {}
    for tr in models.values():
        by_t.setdefault(tr.job.train.t, []).append(tr)
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(by_t)))
    for colour, (t, runs) in zip(colours, sorted(by_t.items())):
        for i, tr in enumerate(runs):
            label = f"t={t}" + (f" ({len(runs)} seeds)" if len(runs) > 1 else "") if i == 0 else None
            ax.plot(tr.result.loss, lw=0.9, alpha=0.85, color=colour, label=label)
    log_axis(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("epoch mean loss")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # beside, off the curves
    fig.tight_layout()
    save_figure(fig, name)
    return fig


def _nca_panel(a, c: Comparison, n: int, title: str, fontsize: float = 9) -> None:
    """One NCA state (channel B) at step n, or a note that the rollout diverged."""
    snap = c.snapshots.get(n, (None, None))[0]
    if snap is None:
        a.text(0.5, 0.5, f"diverged\nn={c.diverged_at}", ha="center", va="center", color="crimson",
               transform=a.transAxes, fontsize=fontsize)
        a.set_box_aspect(1)  # the square of the other (square-lattice) panels
    else:
        a.imshow(snap[..., 1], cmap="magma", vmin=0, vmax=1)
    a.set_title(title, fontsize=fontsize, loc="left")
    a.set_xticks([])
    a.set_yticks([])


def _ic_and_pde(fig, gs, col: int, pde_final: np.ndarray, n: int) -> None:
    """Panel B of Figs 4 and 6: the test initial condition and the PDE at step n (channel B)."""
    from nca_core.data.gray_scott import test_ic

    panels = [(test_ic(pde_final.shape[0])[..., 1], "test IC"), (pde_final[..., 1], f"PDE, n={n}")]
    for j, (img, lab) in enumerate(panels):
        a = fig.add_subplot(gs[0, col + j])
        a.imshow(img, cmap="magma", vmin=0, vmax=1)
        a.set_title(("B  " if j == 0 else "") + lab, fontsize=9, loc="left")
        a.set_xticks([])
        a.set_yticks([])


def _spread(values: list[float], k: int) -> list[float]:
    if len(values) <= k:
        return list(values)
    idx = np.unique(np.round(np.linspace(0, len(values) - 1, k)).astype(int))
    return [values[i] for i in idx]
