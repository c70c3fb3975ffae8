"""Figure panels: an empty ("diverged") panel has the same box as the images beside it."""

from __future__ import annotations

import matplotlib
import numpy as np

matplotlib.use("Agg")


def _box(ax):
    ext = ax.get_window_extent()
    return round(ext.width), round(ext.height)


def test_snapshot_grid_draws_a_missing_image_in_the_box_of_the_others():
    import matplotlib.pyplot as plt

    from nca_core.view.plotting import snapshot_grid

    img = np.zeros((40, 40))
    fig = snapshot_grid([[img, None, img]], col_labels=["a", "b", "c"], colorbar=False)
    fig.canvas.draw()
    boxes = [_box(ax) for ax in fig.axes]
    assert boxes[1] == boxes[0] == boxes[2], boxes
    assert "diverged" in [t.get_text() for t in fig.axes[1].texts]
    wide = snapshot_grid([[np.zeros((20, 40)), None]], colorbar=False)
    wide.canvas.draw()
    a, b = (_box(ax) for ax in wide.axes)
    assert abs(b[0] / b[1] - 2) < 0.05 and abs(a[0] / a[1] - 2) < 0.05
    plt.close("all")


def test_a_diverged_gray_scott_panel_is_as_square_as_a_state_panel():
    import matplotlib.pyplot as plt

    from nca_core.chapters.gray_scott.figures import _nca_panel
    from nca_core.chapters.gray_scott.measure import Comparison

    fig = plt.figure(figsize=(8, 6))
    gs = fig.add_gridspec(2, 3, height_ratios=[1.2, 1])
    ok = Comparison(np.zeros(5), None, {4: (np.zeros((32, 32, 2)), np.zeros((32, 32, 2)))})
    bad = Comparison(np.zeros(5), 3, {4: (None, np.zeros((32, 32, 2)))})
    _nca_panel(fig.add_subplot(gs[1, 0]), ok, 4, "fine")
    _nca_panel(fig.add_subplot(gs[1, 1]), bad, 4, "blew up")
    fig.tight_layout()
    fig.canvas.draw()
    a, b = (_box(ax) for ax in fig.axes)
    assert a == b, (a, b)
    assert "diverged\nn=3" in [t.get_text() for t in fig.axes[1].texts]
    plt.close(fig)


def test_fig6_names_a_diverged_noise_level_in_the_legend_and_keeps_its_panel_in_line(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from nca_core.chapters.gray_scott.figures import fig6
    from nca_core.chapters.gray_scott.measure import Comparison, NoiseResults

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    state = np.random.default_rng(0).random((64, 64, 2))
    test = {(0.0, 0): Comparison(np.full(5, 2.0), None, {4: (state, state)}),
            (0.3, 0): Comparison(np.full(5, 3.0), None, {4: (state, state)}),
            (0.8, 0): Comparison(np.full(5, np.nan), 3, {4: (None, state)})}
    fig = fig6(NoiseResults([0.0, 0.3, 0.8], [0], {}, test, state), show=[0.0, 0.3, 0.8])
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "diverged (no test loss)" in labels
    panels = [ax for ax in fig.axes if ax.get_title(loc="left").startswith(("C  NCA", "NCA"))]
    assert len(panels) == 3 and len({_box(ax) for ax in panels}) == 1, [_box(ax) for ax in panels]
    assert (tmp_path / "fig6_noise.png").is_file()
    plt.close(fig)
