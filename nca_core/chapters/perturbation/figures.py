"""Parameter-perturbation stability: damage against σ and against the fraction of hidden units dropped, and a
row of rollouts at increasing σ."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from nca_core.chapters.gray_scott.quality import TARGET_INVASION
from nca_core.chapters.perturbation.measure import Curve, Perturbation, critical
from nca_core.chapters.perturbation.notebooks import DROP, ROWS, SIGMA
from nca_core.view.plotting import no_ticks, save_figure
from nca_core.view.ticks import fit_figure

#: one font size for every text of the chapter's figures (≥ 7.6 pt on the page at their widths)
FONT = 9.5
#: the figures' width (inches): the book's column at the figure resolution
WIDTH = 7.4
#: where a diverged rollout's damage (inf) is drawn, relative to the largest finite damage of the panel
CLIP = 3.0


@contextmanager
def _style():
    """The chapter's font sizes while its figures are drawn. Only those settings are set and put back:
    ``plt.rc_context`` puts back every setting, among them the ``interactive`` flag that Jupyter's inline
    backend sets when pyplot is first imported inside it, so the later figures of a page were never shown."""
    import matplotlib

    sizes = {k: FONT for k in ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
                               "legend.fontsize")}
    before = {k: matplotlib.rcParams[k] for k in sizes}
    matplotlib.rcParams.update(sizes)
    try:
        yield
    finally:
        matplotlib.rcParams.update(before)


def _panel(ax, c: Curve, xs: np.ndarray, m: dict[str, np.ndarray], what: str, xlabel: str) -> None:
    """Median and spread over the draws of ``what`` (``"damage"`` or ``"score"``) against ``xs``, draws that lost
    the pattern as red crosses, the noise floor as a band and the critical size as a dashed line."""
    v = np.asarray(m[what], float)
    finite = v[np.isfinite(v)]
    if what == "damage":  # a diverged rollout (inf) drawn above the rest; an exact 0 at the log axis's bottom
        top = (float(finite.max()) if finite.size else 1.0) * CLIP
        shown = np.maximum(np.where(np.isfinite(v), v, top), 1e-7)
    else:  # a score that is not defined (a flat state's wavelength, a PDE that invades nothing) is not drawn
        shown = np.where(np.isfinite(v), v, np.nan)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med, lo, hi = np.nanmedian(shown, axis=1), np.nanmin(shown, axis=1), np.nanmax(shown, axis=1)
    ax.fill_between(xs, lo, hi, color="C0", alpha=0.25, lw=0, label="draws: range")
    ax.plot(xs, med, "o-", color="C0", ms=3.5, lw=1.4, label="median")
    lost = np.asarray(m["lost"], bool)
    xx = np.repeat(xs[:, None], v.shape[1], axis=1)
    ax.plot(xx[lost], shown[lost], "x", color="C3", ms=5, mew=1.3, label="a draw that lost it")
    floor = np.asarray(c.floor[what], float)
    floor = floor[np.isfinite(floor)]
    if floor.size and (what != "damage" or floor.max() > 0):
        lo, hi = float(floor.min()), float(floor.max())
        if hi - lo < 1e-3 * max(abs(hi), 1e-12):
            ax.axhline(hi, color="0.45", lw=1.2, label="noise floor (σ = 0)")
        else:
            ax.axhspan(lo, hi, color="0.6", alpha=0.35, lw=0, label="noise floor (σ = 0)")
    crit = critical(xs, lost)
    if np.isfinite(crit):
        ax.axvline(crit, color="C3", ls="--", lw=1.2, label="critical size")
    if what == "score":
        ax.axhline(TARGET_INVASION if c.task == "gray_scott" else 0.5, color="k", ls=":", lw=1.0, label="threshold")
    ax.set_xscale("log")
    ax.set_xlim(xs[0] / 1.4, xs[-1] * 1.4)  # the grid, whether or not a score is defined anywhere on it
    if what == "damage":
        ax.set_yscale("log")  # labelled by ticks.fit_figure once the layout has sized the panel
    ax.set_xlabel(xlabel)


def _grid(R: Perturbation, disturbance: str, name: str):
    """The panels of one disturbance: a damage row and a score row per task, one column per model."""
    import matplotlib.pyplot as plt

    tasks = [(lbl, list(cs.values())) for lbl, cs in (("Gray-Scott", R.gray_scott), ("morph", R.morph)) if cs]
    ncol = max(len(cs) for _, cs in tasks)
    rows = [(lbl, cs, what) for lbl, cs in tasks for what in ("damage", "score")]
    xlabel = "relative weight noise σ" if disturbance == "sigma" else "fraction of hidden units dropped"
    with _style():
        fig, axes = plt.subplots(len(rows), ncol, figsize=(WIDTH, 1.95 * len(rows) + 0.5), squeeze=False)
        for i, (lbl, cs, what) in enumerate(rows):
            for j in range(ncol):
                ax = axes[i][j]
                if j >= len(cs):
                    ax.axis("off")
                    continue
                c = cs[j]
                xs = c.sigmas if disturbance == "sigma" else c.fractions
                _panel(ax, c, xs, c.sigma if disturbance == "sigma" else c.drop, what, xlabel if i == len(rows) - 1
                       or rows[i + 1][0] != lbl else "")
                if what == "damage":
                    ax.set_title(c.name.replace("Gray-Scott ", "GS "))
                if j == 0:
                    ax.set_ylabel({"damage": "damage ‖Δx‖ / ‖x‖",
                                   "score": "invasion / PDE's" if lbl == "Gray-Scott" else "IoU, rooster"}[what])
        handles, labels = axes[0][0].get_legend_handles_labels()
        for ax in axes.ravel():
            for h, lb in zip(*ax.get_legend_handles_labels()):
                if lb not in labels:
                    handles.append(h)
                    labels.append(lb)
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        fit_figure(fig)  # log labels as dense as each panel's size allows, none touching
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
        save_figure(fig, name)
    return fig


def sigma(R: Perturbation):
    """Damage (relative distance from the undisturbed rollout) and the task's score against σ, per model."""
    return _grid(R, "sigma", SIGMA)


def drop(R: Perturbation):
    """Damage and the task's score against the fraction of hidden units dropped, per model."""
    return _grid(R, "drop", DROP)


def rows(R: Perturbation):
    """The row model of each task from its test state at the horizon, undisturbed and at increasing σ (draw 0)."""
    import matplotlib.pyplot as plt

    shown = [c for c in (R.gray_scott.get(R.row_t), R.morph.get(R.row_morph)) if c is not None and len(c.rows) > 1]
    if not shown:
        from nca_core.view.plotting import placeholder

        return placeholder("no model of the row was read", ROWS)
    ncol = max(len(c.rows) for c in shown)
    with _style():
        fig, axes = plt.subplots(len(shown), ncol, figsize=(WIDTH, 1.55 * len(shown) + 0.7), squeeze=False)
        for i, c in enumerate(shown):
            sig = sorted(c.rows)
            for j in range(ncol):
                ax = axes[i][j]
                no_ticks(ax)
                if j >= len(sig):
                    ax.axis("off")
                    continue
                img = c.rows[sig[j]]
                if img.ndim == 2:
                    ax.imshow(img, cmap="magma", vmin=0, vmax=255, interpolation="nearest")
                else:  # RGBA on white
                    a = img[..., 3:4] / 255.0
                    ax.imshow(np.clip(img[..., :3] / 255.0 * a + (1 - a), 0, 1), interpolation="nearest")
                k = int(np.flatnonzero(np.isclose(c.sigmas, sig[j]))[0]) if sig[j] > 0 else None
                lost = bool(c.reference["lost"]) if k is None else bool(c.sigma["lost"][k, 0])
                ax.set_title(("σ = 0" if k is None else f"σ = {sig[j]:g}") + (" ✗" if lost else ""),
                             color="C3" if lost else "k")
            axes[i][0].set_ylabel(c.name.replace("Gray-Scott ", "GS "))
        fig.tight_layout()
        save_figure(fig, ROWS)
    return fig
