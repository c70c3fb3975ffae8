"""Figure helpers: the figure folder, PNG files, snapshot grids.

Figures are written as PNG files into :func:`figure_dir` (``$NCA_FIGURE_DIR``, else
``./figures``), beside the executed notebook, as well as shown inline.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from nca_core import fileio

#: the resolution of every figure, shown inline and saved: a 7.5-inch figure is 1125 pixels wide, so the book's
#: 688-pixel column shows it sharp (at 100 dpi it was upscaled text)
DPI = 150


def _book_resolution() -> None:
    """Figures made after importing this module are drawn at :data:`DPI` (matplotlib's default is 100)."""
    import matplotlib

    matplotlib.rcParams["figure.dpi"] = DPI
    matplotlib.rcParams["savefig.dpi"] = DPI


_book_resolution()

#: the width of the book's text column: 688 CSS pixels, at 96 CSS pixels to the inch
COLUMN_PX = 688
#: the smallest text a figure may show, in points as a reader sees it at the column's width
MIN_PT = 8.0
#: the widest :func:`snapshot_grid` (inches, labels aside): its 9-pt labels then show at ≥ 8 pt in the column
GRID_WIDTH = 7.4
#: the PNG text chunk in which :func:`save_figure` records the smallest text of a figure (in points on the page)
SMALLEST_TEXT_KEY = "nca:smallest-text-pt"


def smallest_text_pt(fig, dpi: int = DPI) -> float:
    """The size, in points as shown in the book's column, of the smallest visible text of ``fig``.

    The PNG (cropped to its content, as saved and as shown inline) is ``w`` inches wide at ``dpi``; the
    page shows it at its natural size in CSS pixels, shrunk to :data:`COLUMN_PX` if wider. Text of ``s``
    points is then ``s · dpi/72 · min(1, COLUMN_PX / (w · dpi))`` CSS pixels high, which is that times
    ¾ in points (96 CSS pixels to 72 points). ``inf`` for a figure without text.
    """
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    width_px = fig.get_tightbbox(renderer).width * dpi
    scale = dpi / 72 * min(1.0, COLUMN_PX / width_px) * 72 / 96
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_window_extent(renderer).width > 0]
    return min(sizes) * scale if sizes else float("inf")


def no_ticks(ax) -> None:
    """Remove both axes' ticks (pictures, not plots)."""
    ax.set_xticks([])
    ax.set_yticks([])


def _tick_label(v: float, _pos=None) -> str:
    """A log axis's tick label: plain (``20``, ``0.05``) where that is short, else ``2×10⁵``."""
    if v <= 0:
        return ""
    if 1e-3 <= v < 1e5:
        return f"{v:g}"
    e = int(np.floor(np.log10(v) + 1e-9))
    m = v / 10 ** e
    return f"$10^{{{e}}}$" if abs(m - 1) < 1e-6 else f"${m:g}\\times10^{{{e}}}$"


def log_axis(ax, axis: str = "y") -> None:
    """Put ``ax``'s ``axis`` (``"x"`` or ``"y"``) on a base-10 log scale with labels a reader can use, after
    the data are drawn: at 1, 2 and 5 times the powers of ten where the axis spans at most four decades
    (at every integer multiple where it spans less than one), else at the powers of ten; plain numbers
    (``20``, not ``2×10¹``) between 0.001 and 10⁵; unlabelled minor ticks at every integer multiple. An axis of
    at most four decades is widened to the nearest labelled ticks at or beyond the data, so that it starts and
    ends at a label (a loss from 11 to 45 gets 10, 20, 30, 40, 50, not 20, 30, 40 alone)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    getattr(ax, f"set_{axis}scale")("log")
    lo, hi = getattr(ax, f"get_{axis}lim")()
    decades = np.log10(hi / lo) if lo > 0 and hi > lo else 10.0
    subs = (1.0,) if decades > 4 else (1.0, 2.0, 5.0) if decades > 1 else tuple(range(1, 10))
    a = ax.yaxis if axis == "y" else ax.xaxis
    major = LogLocator(base=10, subs=subs)
    a.set_major_locator(major)
    a.set_major_formatter(FuncFormatter(_tick_label))
    a.set_minor_locator(LogLocator(base=10, subs=tuple(range(1, 10))))
    a.set_minor_formatter(NullFormatter())
    if decades <= 4:
        ticks = major.tick_values(lo, hi)
        below, above = ticks[ticks <= lo * (1 + 1e-9)], ticks[ticks >= hi * (1 - 1e-9)]
        getattr(ax, f"set_{axis}lim")(below.max() if below.size else lo, above.min() if above.size else hi)


def placeholder(text: str, name: str):
    """A small figure that says what is missing (``not computed: …``), saved as ``name``: a figure a run
    cannot draw still has its file and its place on the page."""
    import matplotlib.pyplot as plt

    fig, a = plt.subplots(figsize=(5, 1.2))
    a.axis("off")
    a.text(0.5, 0.5, f"not computed: {text}", ha="center", va="center")
    save_figure(fig, name)
    return fig


def figure_dir() -> Path:
    """Where figure files go: ``$NCA_FIGURE_DIR`` or ``./figures``."""
    return Path(os.environ.get("NCA_FIGURE_DIR", "figures"))


def save_figure(fig, name: str, dpi: int = DPI) -> Path:
    """Save a matplotlib figure as ``<figure_dir>/<name>.png`` (atomically) and return the path; ``name`` may
    carry the ``.png`` already (a chapter's declared file name)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight",
                metadata={SMALLEST_TEXT_KEY: f"{smallest_text_pt(fig, dpi):.2f}"})
    return fileio.write_bytes(figure_dir() / f"{name.removesuffix('.png')}.png", buf.getvalue())


def snapshot_grid(rows: Sequence[Sequence[np.ndarray | None]], row_labels: Sequence[str] = (),
                  col_labels: Sequence[str] = (), cmap: str = "viridis", vmin: float | None = 0.0,
                  vmax: float | None = 1.0, size: float = 1.9, colorbar: bool = True, title: str | None = None):
    """A grid of images: ``rows[i][j]`` is a 2-D array (shown with ``cmap``), an RGB(A) image, or None.

    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    nr, nc = len(rows), max(len(r) for r in rows)
    bar = 0.6 if colorbar else 0.0
    size = min(size, (GRID_WIDTH - bar) / nc)  # many columns: smaller panels, 9-pt labels still ≥ 8 pt on the page
    fig, axes = plt.subplots(nr, nc, figsize=(size * nc + bar, size * nr), squeeze=False)
    im = None
    shapes = [img.shape for row in rows for img in row if img is not None]
    aspect = shapes[0][0] / shapes[0][1] if shapes else 1.0  # of an empty panel: that of the images
    for i, row in enumerate(rows):
        for j in range(nc):
            ax = axes[i][j]
            no_ticks(ax)
            img = row[j] if j < len(row) else None
            if img is None:
                ax.text(0.5, 0.5, "diverged" if j < len(row) else "", ha="center", va="center",
                        transform=ax.transAxes, color="crimson")
                ax.set_facecolor("#f3f3f3")
                ax.set_box_aspect(aspect)
            elif img.ndim == 3:
                ax.imshow(np.clip(img, 0, 1), interpolation="nearest")
            else:
                im = ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            if i == 0 and j < len(col_labels):
                ax.set_title(col_labels[j], fontsize=9)
            if j == 0 and i < len(row_labels):
                ax.set_ylabel(row_labels[i], fontsize=9)
    if colorbar and im is not None:
        fig.colorbar(im, ax=axes, fraction=0.02, pad=0.01)
    if title:
        title_above(fig, title)
    return fig


def title_above(fig, title: str, fontsize: float = 10, pad_pt: float = 4.0) -> None:
    """``fig``'s title, its baseline ``pad_pt`` points above the highest of its panels' titles and labels (the
    default place, 98 % of a short grid's height, put it on the column labels); the saved PNG's tight box
    takes it in when that is above the figure's top. Call it once the panels are placed."""
    renderer = fig.canvas.get_renderer()
    top = max(ax.get_tightbbox(renderer).y1 for ax in fig.axes)  # pixels, the column labels included
    fig.suptitle(title, fontsize=fontsize, y=(top + pad_pt * fig.dpi / 72) / fig.bbox.height, va="bottom")


