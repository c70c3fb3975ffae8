"""Moving pictures: MP4 videos (ffmpeg through imageio), inline HTML animations, and their HTML tags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from nca_core import validate
from nca_core.view.images import composite, to_rgb
from nca_core.view.plotting import figure_dir, no_ticks


def animation_html(frames: np.ndarray, labels: Sequence[str], steps: Sequence[int], cmap: str = "viridis",
                   vmin: float = 0.0, vmax: float = 1.0, size: float = 2.2, interval: int = 80) -> str:
    """A scrubbable JavaScript animation (matplotlib ``to_jshtml``) of panels over time.

    Args:
        frames: ``[F, P, H, W]`` (P panels side by side) or ``[F, P, H, W, 3|4]``.
        labels: one label per panel.
        steps: the step number of each frame (shown in the title).
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation

    frames = np.asarray(frames)
    if frames.ndim not in (4, 5):
        raise ValueError(f"frames has shape {frames.shape}; accepted: [F, P, H, W] or [F, P, H, W, 3|4]")
    f, p = frames.shape[:2]
    fig, axes = plt.subplots(1, p, figsize=(size * p, size + 0.4), squeeze=False)
    ims = []
    for j in range(p):
        ax = axes[0][j]
        no_ticks(ax)
        ax.set_title(labels[j] if j < len(labels) else "", fontsize=9)
        img = frames[0, j]
        ims.append(ax.imshow(np.clip(img, 0, 1) if img.ndim == 3 else img, cmap=cmap, vmin=vmin, vmax=vmax,
                             interpolation="nearest"))
    title = fig.suptitle(f"n = {steps[0]}", fontsize=10)

    def update(i):
        for j in range(p):
            img = frames[i, j]
            ims[j].set_data(np.clip(img, 0, 1) if img.ndim == 3 else img)
        title.set_text(f"n = {steps[i]}")
        return ims

    anim = animation.FuncAnimation(fig, update, frames=f, interval=interval, blit=False)
    html = anim.to_jshtml(default_mode="once")
    plt.close(fig)
    return html


#: the widest a video is shown: the book's column (688 CSS pixels) less a margin
MAX_WIDTH = 680
#: height in pixels of a band above a row of a video's panels that holds their labels (the first: the step number)
HEADER = 18
#: size in pixels of a video's text: about 9 pt in the book's column at a video's usual width (≈ its shown width)
FONT_PX = 13
#: imageio's H.264 quality (0–10; 5 is x264's CRF 25, 7 CRF 15): S1–S3 at 5 take 1.2 MB, at 7 4.3 MB, with
#: a mean difference of 2–5 of 255 per pixel between the two, not visible at the column's width
QUALITY = 5
#: pixels between a label and the text to its right, and from a band's edges
_MARGIN = 3


def _font():
    from matplotlib import font_manager
    from PIL import ImageFont

    return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), FONT_PX)  # matplotlib's own: it has Greek


def _shortened(text: str, width: float, font) -> str:
    """``text``, or as much of it as fits ``width`` pixels followed by "…"."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip(" ,") + "…"


def _bands(panels: Sequence[tuple[int, int, str]], shape: tuple[int, int], zoom: int, step_text: str,
           font) -> tuple[list[int], list[tuple[int, int, str]]]:
    """Where the label bands go (rows of the magnified picture that get a band above them, top to bottom) and
    each label's top-left pixel in the banded picture, with the label as drawn: one that would run into the next
    label of its band (or into the step number in the first band, or off the picture) is shortened with "…"."""
    h, w = shape
    for row, col, name in panels:
        if not (0 <= row < h and 0 <= col < w):
            raise ValueError(f"panels has {name!r} at cell (row {row}, column {col}); accepted: a cell of the "
                             f"{h}×{w} frame")
    rows = sorted({row for row, _, _ in panels} | {0})
    placed = []
    for k, row in enumerate(rows):
        band = sorted((col, name) for r, col, name in panels if r == row)
        ends = [col * zoom for col, _ in band[1:]] + [w * zoom - ((font.getlength(step_text) + 2 * _MARGIN)
                                                                  if k == 0 else 0)]
        for (col, name), end in zip(band, ends):
            name = _shortened(name, end - col * zoom - 2 * _MARGIN, font)
            placed.append((col * zoom + _MARGIN, row * zoom + k * HEADER + 2, name))
    return [row * zoom for row in rows], placed


def write_video(frames: np.ndarray, path: str | os.PathLike, steps: Sequence[int], fps: int = 30, zoom: int = 4,
                cmap: str = "gray", vmin: float = 0.0, vmax: float = 1.0, label: str = "",
                panels: Sequence[tuple[int, int, str]] = ()) -> Path:
    """Write an MP4 (H.264 via imageio-ffmpeg) of ``frames [F, H, W]`` or ``[F, H, W, 3|4]``.

    Each frame is magnified ``zoom``× (nearest neighbour). Text goes in black bands of :data:`HEADER`
    pixels, never over the pictures: ``panels``, triples (first row, first column of a panel in cells, its
    label), put a band above each row of panels with each label over its panel; without panels, one band
    holds ``label`` (what the video shows). The first band holds the step number at its right. A label is
    shortened with "…" where a small lattice leaves it too little room (it never runs into other text), and a
    panel outside the frame is a ``ValueError``. Written to a temporary file, then renamed.
    """
    import imageio.v2 as imageio
    from PIL import Image, ImageDraw

    validate.integer("fps", fps, 1)
    validate.integer("zoom", zoom, 1)
    frames = np.asarray(frames)
    if frames.ndim not in (3, 4):
        raise ValueError(f"frames has shape {frames.shape}; accepted: [F, H, W] or [F, H, W, 3|4]")
    if len(steps) != len(frames):
        raise ValueError(f"steps has {len(steps)} entries; accepted: one per frame ({len(frames)})")
    font = _font()
    widest = max((f"n={n}" for n in steps), key=font.getlength, default="")
    cuts, placed = _bands(tuple(panels) or ((0, 0, label),), frames.shape[1:3], zoom, widest, font)
    h, w = frames.shape[1] * zoom + len(cuts) * HEADER, frames.shape[2] * zoom
    size = (h + (-h) % 16, w + (-w) % 16)  # H.264 blocks: black rows below, black columns either side
    left = (size[1] - w) // 2
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    writer = imageio.get_writer(tmp, fps=fps, codec="libx264", quality=QUALITY, macro_block_size=16,
                                ffmpeg_log_level="error")
    try:
        for frame, n in zip(frames, steps):
            rgb = to_rgb(frame, cmap, vmin, vmax)
            rgb = np.repeat(np.repeat(rgb, zoom, 0), zoom, 1)
            canvas = np.zeros(size + (3,), np.uint8)
            for k, (top, bottom) in enumerate(zip(cuts, cuts[1:] + [len(rgb)])):
                canvas[top + (k + 1) * HEADER:bottom + (k + 1) * HEADER, left:left + w] = rgb[top:bottom]
            img = Image.fromarray(canvas)
            draw = ImageDraw.Draw(img)
            for x, y, name in placed:
                draw.text((left + x, y), name, fill=(255, 255, 255), font=font)
            draw.text((left + w - _MARGIN, 2), f"n={n}", fill=(255, 255, 0), font=font, anchor="ra")
            writer.append_data(np.asarray(img))
    finally:
        writer.close()
    os.replace(tmp, path)
    return path


def video_html(path: str | os.PathLike, width: int = 384) -> str:
    """An HTML5 ``<video>`` element with the MP4 embedded (base64), so a static page plays it; ``width``
    (CSS pixels) is capped at :data:`MAX_WIDTH`, and the video shrinks with a narrower page."""
    import base64

    data = base64.b64encode(Path(path).read_bytes()).decode()
    return (f'<video controls loop muted playsinline width="{min(width, MAX_WIDTH)}" style="max-width: 100%; '
            f'height: auto" src="data:video/mp4;base64,{data}"></video>')


def side_by_side_video(frames: np.ndarray, name: str, steps: list[int], fps: int = 20, zoom: int = 3,
                       labels: Sequence[str] = ()) -> Path:
    """``frames [F, P, H, W, 4]``: P RGBA runs side by side over a checkerboard (2-cell white gaps), as the
    MP4 ``name`` in the figure folder; ``labels``, one per run, are written above the panels."""
    rgb = composite(np.clip(np.nan_to_num(frames, nan=0.0), 0, 1))  # [F, P, H, W, 3]
    gap = np.ones(rgb.shape[:1] + (rgb.shape[2], 2, 3), np.float32)
    panels = [p for i in range(rgb.shape[1]) for p in ((gap,) if i else ()) + (rgb[:, i],)]
    starts = [i * (rgb.shape[3] + 2) for i in range(rgb.shape[1])]
    return write_video(np.concatenate(panels, axis=2), figure_dir() / name, steps, fps=fps, zoom=zoom,
                       panels=[(0, start, label) for start, label in zip(starts, labels)])
