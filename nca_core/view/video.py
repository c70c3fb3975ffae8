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
#: height in pixels of the band above a video's panels that holds their labels and the step number
HEADER = 18


def write_video(frames: np.ndarray, path: str | os.PathLike, steps: Sequence[int], fps: int = 30, zoom: int = 4,
                cmap: str = "gray", vmin: float = 0.0, vmax: float = 1.0, label: str = "",
                panels: Sequence[tuple[int, str]] = ()) -> Path:
    """Write an MP4 (H.264 via imageio-ffmpeg) of ``frames [F, H, W]`` or ``[F, H, W, 3|4]``.

    Each frame is magnified ``zoom``× (nearest neighbour) and annotated with its step number
    in the top-left corner. ``panels``, pairs (first column of a panel in cells, its label), puts
    a black band of :data:`HEADER` pixels above the pictures with each label over its panel and the
    step number at the right, so nothing is drawn over the pictures. Written to a temporary file,
    then renamed.
    """
    import imageio.v2 as imageio
    from matplotlib import font_manager
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), 13)  # matplotlib's own: it has Greek letters

    validate.integer("fps", fps, 1)
    validate.integer("zoom", zoom, 1)
    frames = np.asarray(frames)
    if len(steps) != len(frames):
        raise ValueError(f"steps has {len(steps)} entries; accepted: one per frame ({len(frames)})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    writer = imageio.get_writer(tmp, fps=fps, codec="libx264", quality=7, macro_block_size=16,
                                ffmpeg_log_level="error")
    try:
        for frame, n in zip(frames, steps):
            rgb = to_rgb(frame, cmap, vmin, vmax)
            rgb = np.repeat(np.repeat(rgb, zoom, 0), zoom, 1)
            h, w = rgb.shape[:2]
            img = Image.fromarray(rgb)
            top = HEADER if panels else 0
            pad_h, pad_w = (-(h + top)) % 16, (-w) % 16
            if top or pad_h or pad_w:
                canvas = Image.new("RGB", (w + pad_w, h + top + pad_h))
                canvas.paste(img, (0, top))
                img = canvas
            draw = ImageDraw.Draw(img)
            text = f"{label} n={n}".strip()
            if panels:
                for col, name in panels:
                    draw.text((col * zoom + 3, 2), name, fill=(255, 255, 255), font=font)
                draw.text((w - 3, 2), text, fill=(255, 255, 0), font=font, anchor="ra")
            else:
                draw.rectangle([2, 2, 8 + 7 * len(text), 16], fill=(0, 0, 0))
                draw.text((5, 4), text, fill=(255, 255, 0))
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
                       panels=list(zip(starts, labels)))
