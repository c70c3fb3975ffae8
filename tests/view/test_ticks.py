"""Tick labels that fit (nca_core.view.ticks): the overlap check finds covered text and only that; fit_ticks
keeps the densest labels that do not touch, on log and symlog axes, and keeps the view limits."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator  # noqa: E402

from nca_core.view import ticks  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def labels(ax, axis: str = "y") -> list[str]:
    """The labels drawn on ``ax``'s ``axis`` (ticks inside the view limits, with text)."""
    ax.figure.canvas.draw()
    a = ax.yaxis if axis == "y" else ax.xaxis
    lo, hi = sorted(ax.get_ylim() if axis == "y" else ax.get_xlim())
    return [t.get_text() for t, v in zip(a.get_ticklabels(), a.get_majorticklocs()) if lo <= v <= hi and t.get_text()]


def short_log_panel(decades: float = 4.0, height: float = 1.6):
    """A panel as short as a row of the perturbation figures, its y axis on a log scale over ``decades``."""
    fig, ax = plt.subplots(figsize=(2.4, height))
    ax.plot([1, 2], [1e-3, 1e-3 * 10 ** decades])
    ax.set_yscale("log")
    ax.set_ylim(1e-3, 1e-3 * 10 ** decades)
    fig.tight_layout()
    return fig, ax


def test_the_overlap_check_finds_covering_text_and_only_that():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.text(0.2, 0.5, "first", transform=ax.transAxes)
    ax.text(0.22, 0.5, "second", transform=ax.transAxes)
    ax.text(0.7, 0.1, "apart", transform=ax.transAxes)
    assert ticks.overlapping_text(fig) == [("first", "second")]


def test_one_two_five_labels_on_four_decades_of_a_short_panel_touch_and_fitting_them_separates_them():
    fig, ax = short_log_panel()
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=99))  # what the figures drew
    ax.yaxis.set_major_formatter(FuncFormatter(ticks.tick_label))
    assert ticks.overlapping_text(fig)
    got = ticks.fit_ticks(ax, "y")
    assert not ticks.overlapping_text(fig)
    assert len(labels(ax)) >= 3 and got == sorted(got)
    assert ax.get_ylim() == pytest.approx((1e-3, 10.0))  # the view limits are kept


def test_a_tall_axis_keeps_one_two_five_and_a_short_one_the_powers_of_ten():
    fig, ax = short_log_panel(decades=2, height=6.0)
    assert ticks.fit_ticks(ax, "y") == pytest.approx([1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1])
    fig, ax = short_log_panel(decades=6, height=1.3)
    got = ticks.fit_ticks(ax, "y")
    assert all(np.log10(v) == pytest.approx(round(np.log10(v))) for v in got)  # powers of ten only
    assert not ticks.overlapping_text(fig) and len(got) >= 2


def test_less_than_a_decade_still_gets_two_labels():
    fig, ax = plt.subplots(figsize=(2.4, 1.5))
    ax.plot([1, 2], [0.11, 0.19])
    ax.set_yscale("log")
    ax.set_ylim(0.11, 0.19)
    fig.tight_layout()
    assert len(ticks.fit_ticks(ax, "y")) >= 2 and not ticks.overlapping_text(fig)


def test_symlog_labels_zero_and_the_powers_beyond_the_linear_part_without_touching():
    fig, ax = plt.subplots(figsize=(2.2, 1.6))
    x = np.array([0.0, 2e-5, 1e-4, 1e-3, 1e-2, 0.05])
    ax.scatter(x, [-0.08, -0.01, 0.003, 0.5, 8.0, 30.0])
    ax.set_xscale("symlog", linthresh=5e-5)
    ax.set_yscale("symlog", linthresh=0.01)
    fig.tight_layout()
    assert ticks.overlapping_text(fig)  # matplotlib's own symlog labels: 0 against 10⁻⁵ and 10⁻²
    ticks.fit_figure(fig)
    assert not ticks.overlapping_text(fig)
    assert "0" in labels(ax, "x") and "0" in labels(ax, "y")
    assert all(abs(v) >= 5e-5 * (1 - 1e-9) or v == 0 for v in ax.xaxis.get_majorticklocs())
    assert any(s.startswith("−") for s in labels(ax, "y"))  # the negative damage is labelled with a minus sign


def test_tick_labels_read_as_numbers():
    assert [ticks.tick_label(v) for v in (0.0, 20.0, 0.05, -0.1, 1e-4)] == ["0", "20", "0.05", "−0.1", "$10^{-4}$"]


def test_bad_input_is_refused():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="scale 'linear'; accepted: 'log' or 'symlog'"):
        ticks.fit_ticks(ax, "y")
    with pytest.raises(ValueError, match="axis='z'; accepted"):
        ticks.fit_ticks(ax, "z")
