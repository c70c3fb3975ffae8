"""Figures 3–6 and videos S4–S6 of the Gray-Scott chapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nca_core.chapters.gray_scott.measure import Comparison, NoiseResults, SamplingResults
from nca_core.chapters.gray_scott.notebooks import FIG3, FIG4, FIG4_LOSS, FIG5, FIG6, S4, S5, S6
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


def fig4(r: SamplingResults):
    """A: train and test loss against t; B: test IC and PDE at N; C: NCA at N for each t."""
    import matplotlib.pyplot as plt

    ts = r.sampling
    fig = plt.figure(figsize=(2.0 * max(len(ts), 3) + 1.5, 6.4))
    gs = fig.add_gridspec(2, max(len(ts), 3) + 1, height_ratios=[1.25, 1])
    ax = fig.add_subplot(gs[0, : max(len(ts), 3) - 1])
    tr = np.array([[r.train_loss[(t, s)] for s in r.seeds] for t in ts])
    ax.errorbar(ts, np.nanmean(tr, 1), yerr=np.nanstd(tr, 1), marker="o", capsize=3,
                label=f"train (min after burn-in; {len(r.seeds)} seed{'s' if len(r.seeds) > 1 else ''})")
    test = np.array([r.test[t].test_loss for t in ts])
    ax.plot(ts, test, marker="s", label="test (unseen IC, best seed)")
    for t, v in zip(ts, test):
        if not np.isfinite(v):
            ax.axvline(t, color="crimson", ls=":", lw=1)
    ax.axhline(r.baseline, color="grey", ls="--", lw=1, label="test: IC held frozen")
    ax.set_xscale("log", base=2)
    log_axis(ax)
    ax.set_xticks(ts)
    ax.set_xticklabels(ts)
    ax.set_xlabel("time sampling t")
    ax.set_ylabel("Euclidean loss")
    ax.legend(fontsize=8, loc="center", framealpha=0.9)  # between the test curve (top) and train (bottom)
    ax.set_title("A", loc="left", fontweight="bold")
    n = max(next(iter(r.test.values())).snapshots)
    _ic_and_pde(fig, gs, max(len(ts), 3) - 1, r.pde_final, n)
    for j, t in enumerate(ts):
        _nca_panel(fig.add_subplot(gs[1, j]), r.test[t], n, ("C  " if j == 0 else "") + f"NCA t={t}")
    fig.tight_layout()
    save_figure(fig, FIG4)
    return fig


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
    """S4 (PDE), S5 (NCA), S6 (|NCA − PDE|) of channel A, each normalised by its maximum."""
    out = {}
    p, n = c.video_pde, c.video_nca
    d = np.abs(n - p)
    for name, frames in ((S4, p), (S5, n), (S6, d)):
        vmax = float(np.nanmax(frames)) or 1.0
        out[name.removesuffix(".mp4")] = write_video(np.nan_to_num(frames), figure_dir() / name, c.video_steps,
                                                     fps=fps, zoom=2, cmap="gray", vmin=0.0, vmax=vmax)
    return out


#: the finite test losses a window needs before Fig 6 A draws its moving average ± sd there
MIN_POINTS = 3


def fig6(r: NoiseResults, window: int = 3, show: list[float] | None = None):
    """A: test loss against ξ with a moving average ± std where the data allow one (a window with
    :data:`MIN_POINTS` finite losses, at a ξ that has one: nothing over a diverged ξ); B: test IC and PDE;
    C: NCA states for several ξ."""
    import matplotlib.pyplot as plt

    xs = [xi for xi in r.levels for _ in r.seeds]
    ys = [r.test[(xi, s)].test_loss for xi in r.levels for s in r.seeds]
    show = show or _spread(r.levels, 5)
    ncol = max(len(show), 2)
    fig = plt.figure(figsize=(2.0 * (ncol + 1), 6.2))
    gs = fig.add_gridspec(2, ncol + 1, height_ratios=[1.2, 1])
    ax = fig.add_subplot(gs[0, : ncol - 1])
    ax.plot(xs, ys, "o", alpha=0.7, label="test loss (one model)")
    ux, m, s = moving_average(np.array(xs), np.array(ys), window * len(r.seeds))
    # statistics only where there are data: a window with at least MIN_POINTS finite losses, at a ξ that has one
    ys_a, xs_a = np.array(ys, float), np.array(xs, float)
    half = window * len(r.seeds) // 2
    order = np.argsort(xs_a, kind="stable")
    finite = np.isfinite(ys_a[order])
    count = np.array([finite[max(0, i - half): i + half + 1].sum() for i in range(len(order))])
    here = np.array([np.isfinite(ys_a[xs_a == x]).any() for x in ux])
    ok = (count >= MIN_POINTS) & here
    m, s = np.where(ok, m, np.nan), np.where(ok, s, np.nan)
    if ok.any():
        ax.plot(ux, m, "-", color="C1", label=f"moving average ± sd ({window} ξ values, ≥ {MIN_POINTS} finite losses)")
        ax.fill_between(ux, m - s, m + s, where=ok, color="C1", alpha=0.2)
    else:
        ax.text(0.02, 0.04, f"no moving average: no window of {window} ξ values holds {MIN_POINTS} finite losses",
                transform=ax.transAxes, fontsize=8, color="0.35")
    blown = sorted({x for x, y in zip(xs, ys) if not np.isfinite(y)})
    for k, x in enumerate(blown):
        ax.axvline(x, color="crimson", ls=":", lw=1, label="diverged (no test loss)" if k == 0 else None)
    ax.set_xlabel("noise ξ")
    ax.set_ylabel("test loss")
    ax.legend(fontsize=8)
    ax.set_title("A", loc="left", fontweight="bold")
    n = max(r.test[(r.levels[0], r.seeds[0])].snapshots)
    _ic_and_pde(fig, gs, ncol - 1, r.pde_final, n)
    for j, xi in enumerate(show):
        _nca_panel(fig.add_subplot(gs[1, j]), r.test[(xi, r.seeds[0])], n, ("C  " if j == 0 else "") + f"NCA ξ={xi:g}")
    fig.tight_layout()
    save_figure(fig, FIG6)
    return fig


def fig4_loss_curves(models: dict, title: str = "training loss per epoch", name: str = FIG4_LOSS):
    """Per-epoch training loss of several models (log scale)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    for key, tr in models.items():
        ax.plot(tr.result.loss, lw=1, label=tr.job.label)
    log_axis(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("epoch mean loss")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    save_figure(fig, name)
    return fig


def _nca_panel(a, c: Comparison, n: int, title: str) -> None:
    """One NCA state (channel B) at step n, or a note that the rollout diverged."""
    snap = c.snapshots.get(n, (None, None))[0]
    if snap is None:
        a.text(0.5, 0.5, f"diverged\nn={c.diverged_at}", ha="center", va="center", color="crimson",
               transform=a.transAxes)
        a.set_box_aspect(1)  # the square of the other (square-lattice) panels
    else:
        a.imshow(snap[..., 1], cmap="magma", vmin=0, vmax=1)
    a.set_title(title, fontsize=9, loc="left")
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
