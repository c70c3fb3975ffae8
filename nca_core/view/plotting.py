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


def no_ticks(ax) -> None:
    """Remove both axes' ticks (pictures, not plots)."""
    ax.set_xticks([])
    ax.set_yticks([])


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
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return fileio.write_bytes(figure_dir() / f"{name.removesuffix('.png')}.png", buf.getvalue())


def snapshot_grid(rows: Sequence[Sequence[np.ndarray | None]], row_labels: Sequence[str] = (),
                  col_labels: Sequence[str] = (), cmap: str = "viridis", vmin: float | None = 0.0,
                  vmax: float | None = 1.0, size: float = 1.9, colorbar: bool = True, title: str | None = None):
    """A grid of images: ``rows[i][j]`` is a 2-D array (shown with ``cmap``), an RGB(A) image, or None.

    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    nr, nc = len(rows), max(len(r) for r in rows)
    fig, axes = plt.subplots(nr, nc, figsize=(size * nc + (0.6 if colorbar else 0), size * nr), squeeze=False)
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
        fig.suptitle(title, fontsize=10)
    return fig


