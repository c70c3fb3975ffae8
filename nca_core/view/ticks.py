"""Tick labels that fit: a log or symlog axis labelled as densely as its length allows without two labels
touching (:func:`fit_ticks`, :func:`fit_figure`), and the check that finds text a reader cannot read because
another text covers it (:func:`overlapping_text`)."""

from __future__ import annotations

import math

import numpy as np

#: the least gap between two neighbouring tick labels, as a fraction of their font size (room for a layout pass
#: after the ticks are chosen to move them a little closer)
GAP = 0.4


def tick_label(v: float, _pos=None) -> str:
    """A log or symlog tick's label: ``0``; plain where short (``20``, ``0.05``), else ``2×10⁵``; a minus sign
    before a negative one."""
    from nca_core.view.plotting import _tick_label

    if v == 0:
        return "0"
    return "−" + _tick_label(-v) if v < 0 else _tick_label(v)


def _inside(values, lo: float, hi: float) -> list[float]:
    tol = 1e-9 * max(abs(lo), abs(hi), 1e-300)
    return sorted({float(v) for v in values if lo - tol <= v <= hi + tol})


def _strides(n: int) -> list[tuple[int, int]]:
    """Every ``k``-th power of ten, from ``k`` = 2 to ``n``, each at every offset ``r`` (the one holding 10⁰ first)."""
    return [(k, r) for k in range(2, n + 1) for r in range(k)]


def _log_sets(lo: float, hi: float) -> list[list[float]]:
    """Candidate tick sets of a log axis over ``[lo, hi]`` (``lo > 0``), densest first: every integer multiple of
    the powers of ten, then 1-2-5, 1-3, the powers of ten, every second power, every third … (:func:`_strides`)"""
    e0, e1 = math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1
    decades = range(e0, e1 + 1)
    sets = [_inside([m * 10.0 ** e for e in decades for m in subs], lo, hi)
            for subs in (range(1, 10), (1, 2, 5), (1, 3), (1,))]
    sets += [_inside([10.0 ** e for e in decades if e % k == r], lo, hi) for k, r in _strides(len(decades))]
    if len(sets[0]) < 2:  # less than a span from one integer multiple to the next: plain ticks in between
        from matplotlib.ticker import MaxNLocator

        sets[:0] = [_inside(MaxNLocator(n).tick_values(lo, hi), lo, hi) for n in (4, 2)]
    return sets + [[]]


def _symlog_sets(lo: float, hi: float, linthresh: float) -> list[list[float]]:
    """Candidate tick sets of a symlog axis over ``[lo, hi]``, densest first: 0 (if in range) and, beyond the linear
    part ``±linthresh``, 1-2-5 times the powers of ten, the powers of ten, every second power, every third …"""
    top = max(abs(lo), abs(hi), linthresh)
    e0, e1 = math.ceil(math.log10(linthresh) - 1e-9), math.ceil(math.log10(top)) + 1
    decades = range(e0, e1 + 1)

    def both(mags: list[float]) -> list[float]:
        mags = [m for m in mags if m >= linthresh * (1 - 1e-9)]
        return _inside([0.0] + mags + [-m for m in mags], lo, hi)

    sets = [both([m * 10.0 ** e for e in decades for m in subs]) for subs in ((1, 2, 5), (1,))]
    sets += [both([10.0 ** e for e in decades if e % k == r]) for k, r in _strides(len(decades))]
    return sets + [_inside([0.0], lo, hi)]


def _fits(ax, axis: str, ticks: list[float], renderer, font) -> bool:
    """Do the labels of ``ticks`` on ``ax``'s ``axis`` keep at least :data:`GAP` × their font size apart?"""
    from matplotlib.text import Text

    if len(ticks) < 2:
        return True
    other = ax.get_xlim()[0] if axis == "y" else ax.get_ylim()[0]
    pts = np.column_stack([np.full(len(ticks), other), ticks]) if axis == "y" else \
        np.column_stack([ticks, np.full(len(ticks), other)])
    pos = ax.transData.transform(pts)[:, 1 if axis == "y" else 0]
    sizes = []
    for v in ticks:
        t = Text(0, 0, tick_label(v), fontproperties=font)
        t.set_figure(ax.figure)
        box = t.get_window_extent(renderer)
        sizes.append(box.height if axis == "y" else box.width)
    order = np.argsort(pos)
    pos, sizes = pos[order], np.asarray(sizes)[order]
    gaps = np.diff(pos) - (sizes[1:] + sizes[:-1]) / 2
    return bool(gaps.min() >= GAP * font.get_size_in_points() * ax.figure.dpi / 72)


def fit_ticks(ax, axis: str = "y") -> list[float]:
    """Label ``ax``'s log or symlog ``axis`` (``"x"`` or ``"y"``) as densely as its length allows: the densest of
    the candidate sets (1-2-5 × the powers of ten, the powers alone, every second power …) whose labels keep
    :data:`GAP` of their font size apart, with unlabelled minor ticks. Call it once the layout has set the panel's
    size (after ``tight_layout``); the view limits are kept. Returns the labelled ticks."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, SymmetricalLogLocator

    if axis not in ("x", "y"):
        raise ValueError(f"axis={axis!r}; accepted: 'x' or 'y'")
    a = ax.yaxis if axis == "y" else ax.xaxis
    scale = a.get_scale()
    lim = ax.get_ylim() if axis == "y" else ax.get_xlim()
    lo, hi = sorted(lim)
    if scale == "log":
        sets = _log_sets(lo, hi)
        minor = LogLocator(base=10, subs=tuple(range(1, 10)))
    elif scale == "symlog":
        linthresh = a.get_transform().linthresh
        sets = _symlog_sets(lo, hi, linthresh)
        minor = SymmetricalLogLocator(base=10, linthresh=linthresh, subs=tuple(range(1, 10)))
    else:
        raise ValueError(f"the {axis} axis has scale {scale!r}; accepted: 'log' or 'symlog'")
    renderer = ax.figure.canvas.get_renderer()
    font = a.get_major_ticks()[0].label1.get_fontproperties()
    fitting = [s for s in sets if _fits(ax, axis, s, renderer, font)]  # the last sets hold one tick or none: fit
    ticks = next((s for s in fitting if len(s) >= 2), max(fitting, key=len))
    a.set_major_locator(FixedLocator(ticks))
    a.set_major_formatter(FuncFormatter(tick_label))
    a.set_minor_locator(minor)
    a.set_minor_formatter(NullFormatter())
    (ax.set_ylim if axis == "y" else ax.set_xlim)(lim)
    return ticks


def fit_figure(fig) -> None:
    """:func:`fit_ticks` on every visible log or symlog axis of ``fig``."""
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        for axis in ("x", "y"):
            if (ax.yaxis if axis == "y" else ax.xaxis).get_scale() in ("log", "symlog"):
                fit_ticks(ax, axis)


def _shown_tick_labels(ax) -> set[int]:
    """The ids of ``ax``'s tick labels that are drawn: visible, with text, at a tick inside the view limits."""
    out = set()
    for a, i in ((ax.xaxis, 0), (ax.yaxis, 1)):
        lo, hi = sorted(ax.get_xlim() if i == 0 else ax.get_ylim())
        for ticks, locs in ((a.get_major_ticks(), a.get_majorticklocs()), (a.get_minor_ticks(), a.get_minorticklocs())):
            for tick, loc in zip(ticks, locs):
                if lo <= loc <= hi:
                    out |= {id(t) for t in (tick.label1, tick.label2) if t.get_visible() and t.get_text().strip()}
    return out


def overlapping_text(fig) -> list[tuple[str, str]]:
    """The pairs of texts of ``fig`` (tick labels, titles, axis labels, legends …) whose boxes overlap, drawn as
    saved: empty for a figure whose every text can be read."""
    from matplotlib.axis import Tick
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    shown = set().union(*[_shown_tick_labels(ax) for ax in fig.axes]) if fig.axes else set()
    ticks = {id(t) for ax in fig.axes for a in (ax.xaxis, ax.yaxis) for tk in a.get_major_ticks() + a.get_minor_ticks()
             if isinstance(tk, Tick) for t in (tk.label1, tk.label2)}
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
             and (id(t) in shown if id(t) in ticks else True)]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    boxes = [(s, b) for s, b in boxes if b.width > 0 and b.height > 0]
    out = []
    for i, (s, b) in enumerate(boxes):
        for s2, b2 in boxes[i + 1:]:
            if min(b.x1, b2.x1) - max(b.x0, b2.x0) > 0.5 and min(b.y1, b2.y1) - max(b.y0, b2.y0) > 0.5:
                out.append((s, s2))
    return out
