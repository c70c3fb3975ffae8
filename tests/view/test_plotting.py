"""Figure panels: an empty ("diverged") panel has the same box as the images beside it."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

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


def _fig6_a(levels, seeds, losses, tmp_path, monkeypatch):
    from nca_core.chapters.gray_scott.figures import fig6
    from nca_core.chapters.gray_scott.measure import Comparison, NoiseResults

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    state = np.random.default_rng(0).random((64, 64, 2))
    test = {}
    for (xi, s), v in zip([(xi, s) for xi in levels for s in seeds], losses):
        test[(xi, s)] = (Comparison(np.full(5, v), None, {4: (state, state)}) if np.isfinite(v)
                         else Comparison(np.full(5, np.nan), 3, {4: (None, state)}))
    return fig6(NoiseResults(levels, seeds, {}, test, state), show=levels[:2]).axes[0]


def test_fig6_a_draws_no_statistics_from_two_points_nor_over_a_diverged_level(tmp_path, monkeypatch):
    """The quick and long runs: ξ = 0, 0.3 finite, 0.8 diverged, one seed: no window holds 3 finite losses."""
    import matplotlib.pyplot as plt

    ax = _fig6_a([0.0, 0.3, 0.8], [0], [2.0, 3.0, np.nan], tmp_path, monkeypatch)
    assert not ax.collections and len(ax.lines) == 2  # the points and the dotted diverged line, no average or band
    assert "no moving average" in ax.get_legend().get_title().get_text()
    plt.close("all")


@pytest.mark.parametrize("levels, seeds", [([0.0, 0.3, 0.8], [0]), ([round(0.1 * i, 1) for i in range(11)], [0, 1])])
def test_fig6_a_keeps_its_legend_off_the_data_and_its_axis_label_off_panel_c(levels, seeds, tmp_path, monkeypatch):
    """The book's runs (three ξ, one seed, the last diverged) and a paper-like sweep: the legend (with the note
    on the missing average) covers no point and no diverged line; A's x label overlaps no title of panel C."""
    import matplotlib.pyplot as plt

    losses = [15 + 20 * xi + s if xi < 0.7 else np.nan for xi in levels for s in seeds]
    ax = _fig6_a(levels, seeds, losses, tmp_path, monkeypatch)
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(r)
    points = ax.transData.transform([(x, y) for x, y in zip([xi for xi in levels for _ in seeds], losses)
                                     if np.isfinite(y)])
    assert not any(legend.contains(*p) for p in points)
    for line in ax.lines[1:]:
        if line.get_linestyle() == ":":  # a diverged ξ: a vertical line at data x
            x = ax.transData.transform((line.get_xdata()[0], 0))[0]
            assert not legend.x0 <= x <= legend.x1, (x, legend)
    label = ax.xaxis.label.get_window_extent(r)
    titles = [a._left_title.get_window_extent(r) for a in fig.axes if a._left_title.get_text().startswith(("C", "NCA"))]
    assert titles and not any(label.overlaps(t) for t in titles), (label, titles)
    plt.close("all")


def test_fig6_a_draws_the_moving_average_only_where_the_data_are(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    levels = [0.0, 0.1, 0.2, 0.3, 0.8]
    ax = _fig6_a(levels, [0], [2.0, 2.5, 3.0, 3.5, np.nan], tmp_path, monkeypatch)
    average = next(line for line in ax.lines if line.get_linestyle() == "-")
    y = np.asarray(average.get_ydata(), float)
    # 0 and 0.3: their windows hold 2 finite losses (0.3's neighbour 0.8 diverged); 0.8: no data at all
    assert np.isfinite(y[1:3]).all() and not np.isfinite(y[[0, 3, 4]]).any()
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 0].max() <= 0.2 + 1e-9 and band[:, 0].min() >= 0.1 - 1e-9
    plt.close("all")


def test_fig6_a_draws_one_average_per_noise_level_over_both_seeds(tmp_path, monkeypatch):
    """The grid's two seeds per ξ: the average has one point per ξ (a line with no vertical step) and pools both."""
    import matplotlib.pyplot as plt

    levels = [0.0, 0.1111, 0.2222, 1.0]
    losses = [15.3, 14.4, 30.2, 28.6, 34.0, 30.5, 20.0, 22.0]
    ax = _fig6_a(levels, [0, 1], losses, tmp_path, monkeypatch)
    average = next(line for line in ax.lines if line.get_linestyle() == "-")
    np.testing.assert_array_equal(average.get_xdata(), levels)
    np.testing.assert_allclose(average.get_ydata()[0], np.mean(losses[:4]))
    np.testing.assert_allclose(average.get_ydata()[1], np.mean(losses[:6]))
    plt.close("all")


def test_figures_are_drawn_and_saved_at_150_dpi(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt
    from PIL import Image

    from nca_core.view import plotting

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1])
    assert fig.dpi >= 150  # shown inline at this resolution
    path = plotting.save_figure(fig, "dpi_check")
    assert Image.open(path).size[0] >= 2 * 150 * 0.9  # bbox "tight" trims a little
    plt.close(fig)


# ------------------------------------------------------------ legibility at the book's column width
def test_smallest_text_is_measured_as_the_reader_sees_it(tmp_path, monkeypatch):
    """A figure narrower than the column is shown at its natural size (9 pt at 150 dpi is 9·150/72 CSS px,
    i.e. 9 · 1.5625 pt); a wider one is shrunk to 688 px, its text with it; the PNG records the number."""
    import matplotlib.pyplot as plt
    from PIL import Image

    from nca_core.view import plotting

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    small, _ = plt.subplots(figsize=(3, 2))
    small.axes[0].set_title("x", fontsize=9)
    small.axes[0].tick_params(labelsize=12)
    assert plotting.smallest_text_pt(small) == pytest.approx(9 * 1.5625)
    wide, ax = plt.subplots(figsize=(14, 2))
    ax.set_title("x", fontsize=9)
    ax.tick_params(labelsize=12)
    path = plotting.save_figure(wide, "wide")
    width_px = Image.open(path).size[0]
    want = 9 * 1.5625 * 688 / width_px
    assert plotting.smallest_text_pt(wide) == pytest.approx(want, rel=0.02) and want < plotting.MIN_PT
    assert float(Image.open(path).text[plotting.SMALLEST_TEXT_KEY]) == pytest.approx(want, rel=0.02)
    plt.close("all")


def test_log_axis_labels_ticks_within_a_decade():
    """A loss between 15 and 60 on a log axis is labelled at 20, 30, ..., 60 (matplotlib labels none: its only
    labelled tick is 10¹, outside); one between 5 and 150 at 5, 10, 20, 50, 100."""
    import matplotlib.pyplot as plt

    from nca_core.view.plotting import log_axis

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [60, 30, 15])
    log_axis(ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text() and 15 <= t.get_position()[1] <= 60]
    assert labels == ["20", "30", "40", "50", "60"], labels
    ax.clear()
    ax.plot([1, 2, 3], [150, 30, 5])
    log_axis(ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text() and 5 <= t.get_position()[1] <= 150]
    assert labels == ["5", "10", "20", "50", "100"], labels
    wide, ax = plt.subplots()
    ax.plot([1, 2], [1e-3, 1e5])
    log_axis(ax)
    wide.canvas.draw()
    assert {"0.001", "10", "$10^{5}$"} <= {t.get_text() for t in ax.get_yticklabels()}
    plt.close("all")


def test_kernel_codes_are_keyed_with_their_stencils():
    from nca_core.chapters.morph.figures import kernel_key

    assert kernel_key("C: training loss, ID_DIFF_LAP") == ("ID identity · DIFF Sobel x and y (gradients) · "
                                                           "LAP Laplacian")
    assert kernel_key("A: relu", "ID_LAP_AV", "ID_LAP") == "ID identity · LAP Laplacian · AV neighbour average"
    assert kernel_key("C = 16", "t = 32", "relu") == ""


def test_a_snapshot_grid_of_many_columns_keeps_its_labels_legible(monkeypatch):
    """Fig 5 at the long tier has 6 snapshot columns (3 rows), Fig 3 up to 9: the grid narrows its panels so
    that the 9-pt labels show at >= 8 pt in the column (at 1.9 in per panel Fig 5's showed at 6.6 pt)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nca_core.view import plotting

    img = np.zeros((64, 64))
    for cols, rows in ((6, 3), (9, 4), (2, 3)):
        fig = plotting.snapshot_grid([[img] * cols] * rows, ["PDE", "NCA", "|NCA − PDE|", "x"][:rows],
                                     [f"n = {n}" for n in range(cols)], title="a title")
        assert plotting.smallest_text_pt(fig) >= plotting.MIN_PT
        assert fig.get_size_inches()[0] <= plotting.GRID_WIDTH + 1e-9
    plt.close("all")


@pytest.mark.parametrize("cols, rows, colorbar",
                         [(9, 2, False), (6, 3, True), (2, 2, False), (4, 1, True), (9, 4, True)])
def test_a_snapshot_grid_title_clears_its_column_labels(cols, rows, colorbar):
    """The title sits above every panel's title and label, close to them and inside the saved picture (at the
    default height it covered the middle column label 'n = 4' of a 9-column, 2-row grid: the explorer's)."""
    import matplotlib.pyplot as plt

    from nca_core.view import plotting

    img = np.zeros((64, 64))
    fig = plotting.snapshot_grid([[img] * cols] * rows, ["as trained", "disc erased\nat n = 64", "c", "d"][:rows],
                                 [f"n = {n}" for n in range(cols)], colorbar=colorbar, title="a long figure title")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    labels = [t.get_window_extent(renderer) for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)
              if t.get_text()]
    assert labels and not [b for b in labels if b.overlaps(title)]
    assert not [ax for ax in fig.axes if ax.get_window_extent(renderer).overlaps(title)]
    gap_pt = (title.y0 - max(b.y1 for b in labels)) * 72 / fig.dpi
    assert 0 < gap_pt < 12, gap_pt
    saved = fig.get_tightbbox(renderer)  # inches: the box save_figure crops to
    assert saved.y1 * fig.dpi >= title.y1 - 1
    plt.close("all")
