"""The explorer's widgets: a trained NCA run by hand in a notebook (ipywidgets, mouse events from ipyevents).

:class:`Explorer` wraps an :class:`~nca_core.view.explorer_state.ExplorerState` (all the logic,
tested without a browser) in widgets: model chooser with its training settings, play / pause /
step, the step slider, steps per frame, the step number, the channel view, the mouse tool (erase,
invert, paint) with its radius and colour, reset, re-seed, fire rate and, for Gray-Scott, the
initial condition.
"""

from __future__ import annotations

import io
from typing import Any, Callable, Sequence

import numpy as np

from nca_core import validate
from nca_core.view.explorer_state import (  # noqa: F401  (re-exported: the explorer's public names)
    MODES,
    ExplorerModel,
    ExplorerState,
    ModelEntry,
    capsule,
    disc,
    hidden_view,
    u8,
)


def png(rgb: np.ndarray, zoom: int = 1) -> bytes:
    """PNG bytes of an RGB uint8 picture, magnified ``zoom``× by repeating pixels (crisp cells)."""
    from PIL import Image

    big = np.repeat(np.repeat(np.asarray(rgb, np.uint8), zoom, axis=0), zoom, axis=1)
    buf = io.BytesIO()
    Image.fromarray(big).save(buf, format="PNG")
    return buf.getvalue()


def settings_html(model: ExplorerModel) -> str:
    """The training settings of a model as a small HTML table."""
    rows = "".join(f"<tr><td style='padding-right:1em'>{k}</td><td>{v}</td></tr>" for k, v in model.settings.items())
    return f"<b>{model.label}</b><table style='font-size:85%'>{rows}</table>"


class Explorer:
    """The widgets of the explorer around an :class:`ExplorerState`.

    Args:
        models: the chooser's models (:class:`ModelEntry`), in menu order.
        model: the name of the first model shown (default: the first).
        seed: seed of the update masks.
        size: about how many screen pixels a lattice is drawn across.

    ``display(explorer)`` (or ``explorer.widget``) shows it. Everything the widgets do goes through
    ``explorer.state``; the mouse handler is :meth:`handle_event` (an ipyevents event dict).
    """

    def __init__(self, models: Sequence[ModelEntry], model: str | None = None, seed: int = 0, size: int = 300):
        import ipywidgets as W
        from ipyevents import Event

        if not models:
            raise ValueError("models=[] is not accepted; accepted: at least one ModelEntry")
        self.entries = {e.name: e for e in models}
        self.size = validate.integer("size", size, 32)
        self._loaded: dict[str, ExplorerModel] = {}
        self._busy = False
        self._last_cell: tuple[int, int] | None = None  # the stroke's last cell (None: no stroke)
        self._touched: np.ndarray | None = None  # the stroke's edited cells (each is edited once per stroke)
        self._seed = validate.integer("seed", seed, 0)

        self.chooser = W.Dropdown(options=[(e.label, e.name) for e in models], description="model",
                                  layout=W.Layout(width="640px"))
        self.settings = W.HTML()
        self.play = W.Play(value=0, min=0, max=10 ** 9, interval=100, description="play")
        self.step_button = W.Button(description="step", tooltip="one step", layout=W.Layout(width="70px"))
        self.slider = W.IntSlider(value=0, min=0, max=256, description="step n", continuous_update=False,
                                  layout=W.Layout(width="420px"))
        self.speed = W.IntSlider(value=1, min=1, max=64, description="steps/frame")
        self.step_label = W.HTML()
        self.view = W.ToggleButtons(description="show")
        self.tool = W.ToggleButtons(options=list(MODES), value="erase", description="mouse")
        self.radius = W.IntSlider(value=5, min=1, max=30, description="radius")
        self.colour = W.ColorPicker(value="#1f77b4", description="colour", concise=True)
        self.fire = W.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.05, description="fire rate",
                                  continuous_update=False)
        self.reset_button = W.Button(description="reset", tooltip="back to step 0 (with edits made at step 0)")
        self.reseed_button = W.Button(description="re-seed mask", tooltip="new update masks from this step on")
        self.ic = W.Dropdown(description="start")
        self.images: list[Any] = []
        self.titles: list[Any] = []
        self.events: list[Any] = []
        self.panel_box = W.HBox()
        self.target_box = W.HBox()
        self.error = W.HTML()

        # events
        self.chooser.observe(lambda ch: self.select(ch["new"]), "value")
        self.play.observe(self._on_tick, "value")
        self.step_button.on_click(lambda _: self._run(lambda: self.state.step_n(1)))
        self.slider.observe(self._on_slider, "value")
        self.view.observe(lambda ch: self.render(), "value")
        self.fire.observe(lambda ch: self._run(lambda: self.state.set_fire_rate(ch["new"])), "value")
        self.reset_button.on_click(lambda _: self._run(self.state.reset))
        self.reseed_button.on_click(lambda _: self._run(self.state.reseed))
        self.ic.observe(lambda ch: ch["new"] and self._run(lambda: self.state.reset(ch["new"])), "value")
        self._event_cls = Event

        controls = W.VBox([
            W.HBox([self.chooser]), self.settings,
            W.HBox([self.play, self.step_button, self.slider, self.step_label]),
            W.HBox([self.speed, self.fire, self.reset_button, self.reseed_button]),
            W.HBox([self.view, self.ic]),
            W.HBox([self.tool, self.radius, self.colour]),
        ])
        self.widget = W.VBox([controls, self.panel_box, self.target_box, self.error])
        first = self.chooser.value if model is None else validate.choice("model", model, tuple(self.entries))
        if first == self.chooser.value:
            self.select(first)
        else:
            self.chooser.value = first  # selects it

    # ------------------------------------------------------------------ models
    def load(self, name: str) -> ExplorerModel:
        """The model ``name`` (loaded once)."""
        name = validate.choice("model", name, tuple(self.entries))
        if name not in self._loaded:
            self._loaded[name] = self.entries[name].load()
        return self._loaded[name]

    def select(self, name: str) -> None:
        """Show model ``name`` from its default initial condition."""
        m = self.load(name)
        self.play.playing = False
        self._end_stroke()
        self.state = ExplorerState(m, seed=self._seed)
        self.settings.value = settings_html(m)
        self._busy = True
        try:
            self.view.options = list(m.views)
            self.view.value = next(iter(m.views))
            self.ic.options = list(m.initial_conditions)
            self.ic.value = self.state.ic
            self.ic.layout.display = "" if len(m.initial_conditions) > 1 else "none"
            self.colour.layout.display = "" if m.colour else "none"
            self.fire.value = m.fire_rate
        finally:
            self._busy = False
        self._build_images()
        self.render()

    def _build_images(self) -> None:
        import ipywidgets as W

        for e in self.events:
            e.close()
        h, w = self.state.shape
        self.zoom = max(1, self.size // max(h, w))
        n = len(self.state.panels(self.view.value))
        # a fixed box: the picture keeps its size while a new one loads (the pointer's cell is taken from it)
        self.images = [W.Image(format="png", layout=W.Layout(width=f"{w * self.zoom}px", height=f"{h * self.zoom}px",
                                                             object_fit="fill")) for _ in range(n)]
        self.titles = [W.HTML() for _ in range(n)]
        self.events = []
        for img in self.images:
            ev = self._event_cls(source=img, watched_events=["mousedown", "mousemove", "mouseup", "mouseleave"],
                                 prevent_default_action=True, throttle_or_debounce="throttle", wait=25)
            ev.on_dom_event(self.handle_event)
            self.events.append(ev)
        self.panel_box.children = [W.VBox([t, i]) for t, i in zip(self.titles, self.images)]

    # ------------------------------------------------------------------ drawing
    def render(self) -> None:
        """Draw the current state and update the step number and slider."""
        import ipywidgets as W

        s = self.state
        panels = s.panels(self.view.value)
        if len(panels) != len(self.images):
            self._build_images()
        for (title, rgb), img, tw in zip(panels, self.images, self.titles):
            img.value = png(rgb, self.zoom)
            tw.value = f"<span style='font-size:85%'>{title}</span>"
        self.step_label.value = f"<b>n = {s.step}</b> · seed {s.seed} · fire rate {s.fire_rate:g}"
        self._busy = True
        try:
            self.slider.max = max(self.slider.max, s.furthest + 64, s.step)
            self.slider.value = s.step
            if abs(self.fire.value - s.fire_rate) > 1e-9:
                self.fire.value = s.fire_rate
        finally:
            self._busy = False
        target = s.target()
        if target is None:
            self.target_box.children = []
        else:
            img = W.Image(value=png(target[1], max(1, self.zoom // 2)), format="png")
            self.target_box.children = [W.VBox([W.HTML(f"<span style='font-size:85%'>should show: {target[0]}"
                                                        "</span>"), img])]

    def _run(self, action: Callable[[], Any]) -> None:
        """Do ``action`` on the state unless the widgets are being updated by the explorer itself; redraw."""
        if self._busy:
            return
        try:
            action()
            self.error.value = ""
        except ValueError as err:
            self.error.value = f"<span style='color:#b00'>{err}</span>"
            raise
        self.render()

    def _on_tick(self, change: dict) -> None:
        if change["new"] != 0:
            self._run(lambda: self.state.step_n(self.speed.value))

    def _on_slider(self, change: dict) -> None:
        self._run(lambda: self.state.goto(change["new"]))

    # ------------------------------------------------------------------ mouse
    def cell(self, event: dict) -> tuple[int, int] | None:
        """The lattice cell (i, j) under a mouse event, or None when the event has no valid position.

        From the pointer's position relative to the picture's box and the box's size, as the browser
        reports them (``relativeX``/``relativeY``, ``boundingRectWidth``/``boundingRectHeight``, CSS
        pixels): ``i = ⌊relativeY / height · H⌋``, ``j = ⌊relativeX / width · W⌋``. Not from
        ``dataX``/``dataY``: those are computed from the loaded picture's natural size, which is 0 while
        a new picture loads, so fast drags get (0, 0). None when a value is missing or not finite, the box
        is empty or not of the lattice's shape (width/height off by more than 10 %), or the pointer is
        outside it.
        """
        try:
            x, y = float(event["relativeX"]), float(event["relativeY"])
            bw, bh = float(event["boundingRectWidth"]), float(event["boundingRectHeight"])
        except (KeyError, TypeError, ValueError):
            return None
        if not all(np.isfinite(v) for v in (x, y, bw, bh)) or bw < 1 or bh < 1:
            return None
        h, w = self.state.shape
        if abs((bw / bh) / (w / h) - 1.0) > 0.1:  # not the picture's box (e.g. collapsed while loading)
            return None
        if not (0.0 <= x <= bw and 0.0 <= y <= bh):
            return None
        return min(int(y / bh * h), h - 1), min(int(x / bw * w), w - 1)

    def handle_event(self, event: dict) -> None:
        """The ipyevents handler. A press starts a stroke and edits the disc under the pointer; a move with
        the button down edits the cells within the radius of the path from the last position; every cell is
        edited at most once per stroke (a drag back over the same cells does nothing more: *invert*
        inverts once). A release, the pointer leaving the picture or a move without the button ends the
        stroke. Events without a valid position (:meth:`cell`) are dropped."""
        kind = event.get("type")
        if kind in ("mouseup", "mouseleave"):
            self._end_stroke()
            return
        if kind == "mousemove" and not int(event.get("buttons", 0) or 0) & 1:
            self._end_stroke()
            return
        if kind not in ("mousedown", "mousemove"):
            return
        cell = self.cell(event)
        if cell is None:
            return  # dropped: the stroke goes on from its last valid position
        if kind == "mousedown" or self._touched is None or self._touched.shape != self.state.shape:
            self._touched = np.zeros(self.state.shape, bool)  # a new stroke
            self._last_cell = None
        start, touched = self._last_cell, self._touched
        self._run(lambda: self.state.stroke(start, cell, self.tool.value, self.radius.value, self.colour.value,
                                            touched=touched))
        self._last_cell = cell

    def _end_stroke(self) -> None:
        self._last_cell, self._touched = None, None

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
