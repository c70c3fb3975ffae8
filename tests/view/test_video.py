"""Videos: labelled panels above the pictures, and never wider than the book's column."""

from __future__ import annotations

import re

import numpy as np


def test_side_by_side_video_labels_each_panel_above_the_pictures(tmp_path, monkeypatch):
    import imageio.v2 as imageio

    from nca_core.view import video

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    frames = np.zeros((3, 3, 20, 20, 4), np.float32)
    frames[..., 3] = 1.0  # opaque black pictures
    path = video.side_by_side_video(frames, "labelled.mp4", [0, 1, 2], zoom=2, labels=["a κ", "bb", "ccc"])
    first = imageio.get_reader(path).get_data(0)
    assert first.shape[0] >= 2 * 20 + video.HEADER  # a band above the pictures
    band = first[:video.HEADER].max(-1) > 128  # bright text on the black band
    for i in range(3):  # every panel has its label over it (panel i spans cells (20 + 2) i to (20 + 2) i + 20)
        left, right = 2 * 22 * i, 2 * 22 * i + 40
        assert band[:, left:right].any(), i
    assert (first[video.HEADER + 2:-2, 2:38].max(-1) < 60).all()  # nothing drawn on the first picture


def test_video_html_never_exceeds_the_column():
    from nca_core.view import video

    tags = [video.video_html(__file__, w) for w in (300, 720, 800)]
    widths = [int(re.search(r'width="(\d+)"', t).group(1)) for t in tags]
    assert widths == [300, video.MAX_WIDTH, video.MAX_WIDTH] and video.MAX_WIDTH <= 680
    assert all("max-width: 100%" in t for t in tags)
