"""Videos: labelled panels above the pictures, and never wider than the book's column."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest


def _frame(path, i: int = 0) -> np.ndarray:
    import imageio.v2 as imageio

    reader = imageio.get_reader(path)
    try:
        return reader.get_data(i)
    finally:
        reader.close()


def _text(region: np.ndarray) -> bool:
    """Whether a region of a black band holds text (bright pixels)."""
    return bool((region.max(-1) > 128).any())


def test_side_by_side_video_labels_each_panel_above_the_pictures(tmp_path, monkeypatch):
    from nca_core.view import video

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    frames = np.zeros((3, 3, 40, 40, 4), np.float32)
    frames[..., 3] = 1.0  # opaque black pictures
    path = video.side_by_side_video(frames, "labelled.mp4", [0, 1, 2], zoom=2, labels=["a κ", "bb", "ccc"])
    first = _frame(path)
    assert first.shape[0] >= 2 * 40 + video.HEADER  # a band above the pictures
    band = first[:video.HEADER].max(-1) > 128  # bright text on the black band
    for i in range(3):  # every panel has its label over it (panel i spans cells (40 + 2) i to (40 + 2) i + 40)
        left = 2 * 42 * i
        assert band[:, left:left + 30].any(), i
    assert (first[video.HEADER + 2:-2, 2:78].max(-1) < 60).all()  # nothing drawn on the first picture


def test_video_html_never_exceeds_the_column():
    from nca_core.view import video

    tags = [video.video_html(__file__, w) for w in (300, 720, 800)]
    widths = [int(re.search(r'width="(\d+)"', t).group(1)) for t in tags]
    assert widths == [300, video.MAX_WIDTH, video.MAX_WIDTH] and video.MAX_WIDTH <= 680
    assert all("max-width: 100%" in t for t in tags)


def test_a_single_picture_gets_a_band_with_what_it_shows_and_the_step(tmp_path):
    """S1 and S4–S6: the label at the left of a band above the picture, the step at its right, none on the
    picture (it was drawn over the picture's top-left corner in a 7-pixel font)."""
    from nca_core.view import video

    frames = np.zeros((2, 40, 60), np.float32)  # black pictures: anything bright on them is text
    path = video.write_video(frames, tmp_path / "one.mp4", [0, 2048], zoom=4, label="PDE, channel A")
    last = _frame(path, 1)
    assert last.shape[:2] == (192, 240)  # 18 + 160 rows, rounded up to H.264's 16
    band = last[:video.HEADER]
    assert _text(band[:, :100]) and _text(band[:, -50:])  # label left, step right
    assert not _text(band[:, 120:180])  # and nothing between them
    assert not _text(last[video.HEADER + 1:video.HEADER + 160])


def test_channel_videos_label_every_panel_with_the_channels_it_shows(tmp_path, monkeypatch):
    """S2/S3 as :func:`fig8_videos` writes them: each of the four panels (observable RGBA and three groups of
    hidden channels) has its label in the band above it, and the labels name the channels."""
    from nca_core.chapters.morph import figures
    from nca_core.view import video

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    states = np.full((3, 80, 80, 16), -9.0, np.float32)  # the lattice of the book's videos
    states[..., 3::4] = 9.0  # alpha 1: an opaque black picture, and hidden channels that squash to opaque black
    monkeypatch.setattr(figures, "trajectory", lambda tr, y0, steps, every, seed: (states, [0, 1, 2]))
    monkeypatch.setattr(figures.store, "load", lambda kind, key, tr: None)
    monkeypatch.setattr(figures.store, "save", lambda *a, **k: None)
    model = SimpleNamespace(job=SimpleNamespace(key="k", label="m"), weights_hash="h")
    made = figures.fig8_videos({"S1": model}, np.zeros((80, 80, 4), np.float32), 2)
    first = _frame(made["S2"])
    z, h = 2, video.HEADER
    corners = [(0, 0), (0, 82), (80, 0), (80, 82)]  # panels' top-left cells: 80×80 each, 2 cells apart
    for row, col in corners:  # the band above a panel's row holds its label, over the panel's left part
        top = row * z + (h if row else 0)
        assert _text(first[top:top + h, col * z:col * z + 60]), (row, col)
        assert not _text(first[top + h + 1:top + h + 80 * z - 1, col * z + 1:col * z + 80 * z - 1]), (row, col)
    assert first.shape[1] <= video.MAX_WIDTH  # fits the column at its own size
    assert _text(_frame(made["S1"])[:h, :100])  # S1 says what it shows
    _, panels = figures.channel_panels(states)
    assert [(row, col) for row, col, _ in panels] == corners
    assert [name for *_, name in panels] == ["RGBA (observable)", "hidden 4–7", "hidden 8–11", "hidden 12–15"]


def test_a_label_is_shortened_where_a_small_lattice_leaves_too_little_room(tmp_path):
    """S4–S6 at the accepted test_size 64 (128 pixels wide), the symmetry video at canvas 86: a label ends in
    "…" before the next label or the step, never over them; at the book's sizes every label is whole."""
    from nca_core.chapters.morph import figures
    from nca_core.view import video

    font = video._font()
    _, placed = video._bands([(0, 0, "|NCA − PDE|, channel A")], (64, 64), 2, "n=4096", font)
    (x, _, text), = placed
    assert text.startswith("|NCA") and text.endswith("…")
    assert x + font.getlength(text) <= 128 - font.getlength("n=4096") - 2 * 3
    _, placed = video._bands([(0, 0, "a much too long label"), (0, 20, "b")], (20, 80), 2, "n=0", font)
    assert placed[0][2].endswith("…") and placed[0][0] + font.getlength(placed[0][2]) <= 40 and placed[1][2] == "b"
    _, placed = video._bands([(0, 0, "|NCA − PDE|, channel A")], (128, 128), 2, "n=4096", font)
    assert placed[0][2] == "|NCA − PDE|, channel A"  # the book's 128 lattice: whole
    _, panels = figures.channel_panels(np.zeros((1, 80, 80, 16), np.float32))
    _, placed = video._bands(panels, (160, 162), 2, "n=256", font)
    assert [text for *_, text in placed] == [name for *_, name in panels]  # S2/S3: whole


def test_a_panel_outside_the_frame_is_refused(tmp_path):
    from nca_core.view import video

    with pytest.raises(ValueError, match="'c' at cell \\(row 20, column 0\\).*accepted: a cell of the 20×40 frame"):
        video.write_video(np.zeros((1, 20, 40), np.float32), tmp_path / "x.mp4", [0], zoom=2, panels=[(20, 0, "c")])
    assert not (tmp_path / "x.mp4").exists()
