"""The explorer's state, without widgets: a trained NCA run by hand, step by step, with edits.

:class:`ExplorerState` holds a model, its state ``x[H, W, C]``, the step number ``n``, the
update-mask seed and fire rate, for Gray-Scott the PDE beside it, and the timeline of *keyframes*
(the state at a step together with the settings used from there on). :meth:`~ExplorerState.goto`
replays from the last keyframe at or before a step, so moving back and forth always shows the
same states; an edit (:meth:`~ExplorerState.perturb`, :meth:`~ExplorerState.reseed`,
:meth:`~ExplorerState.set_fire_rate`) rewrites the future from the current step on. The widgets
around it are :mod:`nca_core.view.widgets`.

This module knows nothing of where models come from, nor of what a task's channels mean: it is
given :class:`ModelEntry` objects whose ``load()`` returns an :class:`ExplorerModel`, a bundle of
plain callables (one NCA advance, the initial conditions, the PDE, what an edit does to the
cells, the channel views). :mod:`nca_core.book.explorer` builds them from the shipped and cached
models.

Masks. Step ``k`` of a rollout draws its update mask from ``(seed, k)`` only (the library's
stateless draw, :meth:`nca_core.core.model.NCA.rollout` with ``start``), so the state after ``n``
steps from a keyframe does not depend on how the steps were grouped into frames, and with an
unchanged seed and fire rate it equals ``nca.rollout(x0, n, seed)[-1]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from nca_core import validate
from nca_core.view.images import composite

#: what a click or drag does to the disc under the pointer (the model's ``edit`` says how, per task)
MODES = ("erase", "invert", "paint")
#: a keyframe is kept every this many steps while running (going back replays at most this many)
KEYFRAME_EVERY = 64

#: ``edit(x[H, W, C], pde[H, W, P] | None, cells[H, W] bool, mode, rgb[3])``: a task's edit, in place
Edit = Callable[[np.ndarray, "np.ndarray | None", np.ndarray, str, np.ndarray], None]
#: a channel view: the pictures of a state, ``view(state) → [(title, RGB [H, W, 3] in [0, 1] or uint8)]``
View = Callable[["ExplorerState"], list]


@dataclass
class ExplorerModel:
    """A trained model as the explorer uses it: plain data and callables, nothing task-specific here.

    Attributes:
        name: its identifier in the chooser.
        label: what the chooser shows.
        channels: C; the first ``observable`` are the visible ones.
        observable: how many channels are visible (e.g. 4, RGBA, or 2, A and B).
        fire_rate: the fire rate it was trained with (the control's initial value).
        advance: ``advance(x[H, W, C], n, start, seed, fire_rate) → x`` after ``n`` steps numbered from
            ``start``, the mask of step ``k`` drawn from ``(seed, k)``.
        initial_conditions: ``{name: f(seed) → [H, W, observable]}``, the first being the default.
        edit: what *erase*, *invert* and *paint* do to the chosen cells of the NCA state and the PDE's
            (:data:`Edit`, in place; ``rgb`` is the paint colour).
        views: the channel views in menu order, ``{name: view(state) → [(title, RGB)]}``
            (:func:`hidden_view` shows the hidden channels).
        pde: ``pde(y[H, W, observable], n) → y`` after ``n`` steps of an equation run beside the NCA from
            the same visible start (None: none).
        params: the weights (``w_hidden``, ``w_out``, ``b_out``), for display and tests.
        settings: how it was trained (shown beside the chooser).
        targets: optional ``(t, [names], [K, H, W, 4])``: the RGBA images the model should show at
            steps 0, t, 2t, …
        colour: whether *paint* takes a colour (the colour picker is shown).
    """

    name: str
    label: str
    channels: int
    observable: int
    fire_rate: float
    advance: Callable[[np.ndarray, int, int, int, float], np.ndarray]
    initial_conditions: dict[str, Callable[[int], np.ndarray]]
    edit: Edit
    views: dict[str, View]
    pde: Callable[[np.ndarray, int], np.ndarray] | None = None
    params: dict[str, np.ndarray] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    targets: tuple[int, list[str], np.ndarray] | None = None
    colour: bool = False

    def __post_init__(self) -> None:
        if not self.initial_conditions:
            raise ValueError("initial_conditions={} is not accepted; accepted: at least one named initial condition")
        if not self.views:
            raise ValueError("views={} is not accepted; accepted: at least one named channel view")
        if not callable(self.edit):
            raise ValueError(f"edit={self.edit!r} is not accepted; accepted: a function edit(x, pde, cells, mode, rgb)")


@dataclass(frozen=True)
class ModelEntry:
    """A model in the chooser, loaded only when chosen: ``load() → ExplorerModel``."""

    name: str
    label: str
    load: Callable[[], ExplorerModel]


@dataclass
class Keyframe:
    """The state at ``step`` and the settings of the steps after it."""

    step: int
    x: np.ndarray
    pde: np.ndarray | None
    seed: int
    fire_rate: float


def _colour(value: Any) -> np.ndarray:
    """RGB in [0, 1] from ``(r, g, b)`` in [0, 1] or ``"#rrggbb"``."""
    accepted = "(r, g, b) with each in [0, 1], or '#rrggbb'"
    if isinstance(value, str):
        s = value.strip().lstrip("#")
        if len(s) == 6:
            try:
                return np.array([int(s[k:k + 2], 16) / 255.0 for k in (0, 2, 4)], np.float32)
            except ValueError:
                pass
        raise ValueError(f"colour={value!r} is not accepted; accepted: {accepted}")
    try:
        rgb = np.asarray(value, np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"colour={value!r} is not accepted; accepted: {accepted}") from None
    if rgb.shape != (3,) or not np.all(np.isfinite(rgb)) or rgb.min() < 0 or rgb.max() > 1:
        raise ValueError(f"colour={value!r} is not accepted; accepted: {accepted}")
    return rgb.astype(np.float32)


def disc(shape: Sequence[int], i: float, j: float, radius: float) -> np.ndarray:
    """Boolean ``[H, W]`` mask of the cells within ``radius`` of (i, j): (r − i)² + (c − j)² ≤ radius²."""
    rows, cols = np.indices(tuple(shape)[:2])
    return (rows - i) ** 2 + (cols - j) ** 2 <= radius ** 2


def capsule(shape: Sequence[int], start: tuple[float, float], end: tuple[float, float], radius: float) -> np.ndarray:
    """Boolean ``[H, W]`` mask of the cells within ``radius`` of the segment from ``start`` to ``end`` (the
    cells a disc dragged along it covers): the distance from (r, c) to the closest point of the segment
    ≤ radius. A segment of length 0 gives :func:`disc`."""
    rows, cols = np.indices(tuple(shape)[:2])
    (i0, j0), (i1, j1) = start, end
    di, dj = i1 - i0, j1 - j0
    length2 = di * di + dj * dj
    t = 0.0 if length2 == 0 else np.clip(((rows - i0) * di + (cols - j0) * dj) / length2, 0.0, 1.0)
    return (rows - (i0 + t * di)) ** 2 + (cols - (j0 + t * dj)) ** 2 <= radius ** 2


class ExplorerState:
    """A model running under the reader's hand (no widgets: see :class:`Explorer`).

    Args:
        model: what to run.
        ic: the initial condition's name (default: the model's first).
        seed: seed of the update masks (and of random initial conditions).
        fire_rate: the update probability per cell and step (default: the model's).

    Example:
        >>> s = ExplorerState(model, seed=0)
        >>> s.step_n(32); s.perturb(40, 40, "erase", radius=6); s.step_n(32)
        >>> s.goto(10)            # replayed: the same state as before the edit at step 32
    """

    def __init__(self, model: ExplorerModel, ic: str | None = None, seed: int = 0, fire_rate: float | None = None):
        self.model = model
        self.seed = validate.integer("seed", seed, 0)
        self.fire_rate = model.fire_rate if fire_rate is None else self._rate(fire_rate)
        self.ic = next(iter(model.initial_conditions)) if ic is None else self._ic_name(ic)
        self.reset(self.ic)

    # ------------------------------------------------------------------ checks
    def _ic_name(self, ic: str) -> str:
        return validate.choice("ic", ic, tuple(self.model.initial_conditions))

    @staticmethod
    def _rate(rate: Any) -> float:
        return float(validate.number("fire_rate", rate, 0.0, 1.0))

    # ------------------------------------------------------------------ state
    @property
    def observable(self) -> np.ndarray:
        """The visible channels ``[H, W, observable]``."""
        return self.x[..., : self.model.observable]

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.x.shape[0]), int(self.x.shape[1])

    def initial_state(self, ic: str | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """The NCA state (hidden channels 0) and PDE state of an initial condition, as chosen (unedited)."""
        m = self.model
        obs = np.asarray(m.initial_conditions[self._ic_name(ic or self.ic)](self.seed), np.float32)
        if obs.ndim != 3 or obs.shape[-1] != m.observable:
            raise ValueError(f"initial condition {ic or self.ic!r} has shape {obs.shape}; "
                             f"accepted: [H, W, {m.observable}]")
        x = np.zeros(obs.shape[:2] + (m.channels,), np.float32)
        x[..., : m.observable] = obs
        return x, (None if m.pde is None else obs.copy())

    def reset(self, ic: str | None = None) -> None:
        """Back to step 0. With ``ic`` (or when the initial condition was never edited): that initial
        condition as defined; without: the current one, including edits made at step 0 (an editable
        initial condition: draw on it at step 0, then run)."""
        if ic is not None or not hasattr(self, "_ic_state"):
            self.ic = self.ic if ic is None else self._ic_name(ic)
            self._ic_state = self.initial_state(self.ic)
        x, pde = self._ic_state
        self.x, self.pde, self.step = x.copy(), None if pde is None else pde.copy(), 0
        self.furthest = 0
        self.keyframes = [Keyframe(0, self.x.copy(), None if pde is None else pde.copy(), self.seed, self.fire_rate)]

    def _keyframe_at_or_before(self, n: int) -> Keyframe:
        return [k for k in self.keyframes if k.step <= n][-1]

    def _advance(self, target: int) -> None:
        """From the current state (at or after the last keyframe ≤ target) to ``target``, keeping keyframes."""
        kf = self._keyframe_at_or_before(target)
        if not kf.step <= self.step <= target:  # start again from the keyframe
            self.x, self.pde, self.step = kf.x.copy(), None if kf.pde is None else kf.pde.copy(), kf.step
        self.seed, self.fire_rate = kf.seed, kf.fire_rate
        while self.step < target:
            nxt = min(target, (self.step // KEYFRAME_EVERY + 1) * KEYFRAME_EVERY)
            n = nxt - self.step
            self.x = np.asarray(self.model.advance(self.x, n, self.step, self.seed, self.fire_rate), np.float32)
            if self.pde is not None:
                self.pde = np.asarray(self.model.pde(self.pde, n), np.float32)
            self.step = nxt
            if nxt % KEYFRAME_EVERY == 0 and all(k.step != nxt for k in self.keyframes):
                self.keyframes.append(Keyframe(nxt, self.x.copy(), None if self.pde is None else self.pde.copy(),
                                               self.seed, self.fire_rate))
                self.keyframes.sort(key=lambda k: k.step)
        self.furthest = max(self.furthest, self.step)

    def step_n(self, n: int = 1) -> None:
        """Run ``n`` ≥ 0 steps from the current one."""
        self._advance(self.step + validate.integer("n", n, 0))

    def goto(self, n: int) -> None:
        """Show step ``n`` ≥ 0: forward by running, back by replaying from the last keyframe before it."""
        self._advance(validate.integer("step", n, 0))

    def _edit(self) -> None:
        """Make the current state and settings a keyframe; forget the timeline after it."""
        self.keyframes = [k for k in self.keyframes if k.step < self.step]
        self.keyframes.append(Keyframe(self.step, self.x.copy(), None if self.pde is None else self.pde.copy(),
                                       self.seed, self.fire_rate))
        self.furthest = self.step
        if self.step == 0:
            self._ic_state = (self.x.copy(), None if self.pde is None else self.pde.copy())

    def perturb(self, i: int, j: int, mode: str = "erase", radius: float = 5, colour: Any = (1.0, 0.0, 0.0)) -> int:
        """Change the disc of ``radius`` around cell (i, j), in the NCA and (if there is one) the PDE alike.

        What each mode does is the model's (:attr:`ExplorerModel.edit`); :mod:`nca_core.book.explorer` gives:

        * ``erase``: morph: every channel 0 (transparent, as the paper's damage); Gray-Scott: the uniform
          state A = 1, B = 0, hidden channels 0.
        * ``invert``: the observable channels x → 1 − x (RGBA; A and B), hidden channels kept.
        * ``paint``: morph: RGB = ``colour``, A = 1, hidden channels kept; Gray-Scott: A = 0, B = 1
          (a seed of B), hidden channels 0.

        An edit at step 0 edits the initial condition (:meth:`reset` returns to it).

        Returns:
            the number of cells changed.
        """
        i, j = self._cell("i", i, 0), self._cell("j", j, 1)
        radius = self._radius(radius)
        return self.edit_cells(disc(self.shape, i, j, radius), mode, colour)

    def _cell(self, name: str, value: Any, axis: int) -> int:
        return validate.integer(name, value, 0, self.shape[axis] - 1)

    @staticmethod
    def _radius(radius: Any) -> float:
        return float(validate.number("radius", radius, 0.0, open_min=True))

    def edit_cells(self, cells: np.ndarray, mode: str = "erase", colour: Any = (1.0, 0.0, 0.0)) -> int:
        """Edit the cells of a boolean ``[H, W]`` mask by the model's ``edit`` (see :meth:`perturb`); none: no edit.

        Returns:
            the number of cells edited.
        """
        validate.choice("mode", mode, MODES)
        rgb = _colour(colour)
        cells = np.asarray(cells, bool)
        if cells.shape != self.shape:
            raise ValueError(f"cells of shape {cells.shape} are not accepted; accepted: a boolean mask of "
                             f"shape {self.shape}")
        n = int(cells.sum())
        if n:
            self.model.edit(self.x, self.pde, cells, mode, rgb)
            self._edit()
        return n

    def stroke(self, start: tuple[int, int] | None, end: tuple[int, int], mode: str = "erase", radius: float = 5,
               colour: Any = (1.0, 0.0, 0.0), touched: np.ndarray | None = None) -> int:
        """A drag from ``start`` to ``end`` (``start`` None: a press at ``end``): the cells within ``radius`` of
        the segment (:func:`capsule`), each edited once.

        Args:
            touched: the stroke's boolean ``[H, W]`` mask of cells already edited, updated in place: cells in
                it are not edited again (a drag over the same cells inverts them once).

        Returns:
            the number of cells edited.
        """
        end = (self._cell("i", end[0], 0), self._cell("j", end[1], 1))
        start = end if start is None else (self._cell("i", start[0], 0), self._cell("j", start[1], 1))
        cells = capsule(self.shape, start, end, self._radius(radius))
        if touched is not None:
            if touched.shape != self.shape or touched.dtype != bool:
                raise ValueError(f"touched of shape {touched.shape} and dtype {touched.dtype} is not accepted; "
                                 f"accepted: a boolean mask of shape {self.shape}")
            cells &= ~touched
        n = self.edit_cells(cells, mode, colour)
        if touched is not None:
            touched |= cells
        return n

    def reseed(self, seed: int | None = None) -> int:
        """New update masks from the current step on (``None``: the next seed). Returns the seed."""
        self.seed = self.seed + 1 if seed is None else validate.integer("seed", seed, 0)
        self._edit()
        return self.seed

    def set_fire_rate(self, rate: float) -> None:
        """The update probability per cell from the current step on (1: every cell, every step)."""
        self.fire_rate = self._rate(rate)
        self._edit()

    # ------------------------------------------------------------------ pictures
    def difference(self) -> np.ndarray:
        """NCA minus PDE over the PDE's channels (the visible ones), ``[H, W, P]``; models with a PDE only."""
        if self.pde is None:
            raise ValueError(f"difference() is not accepted for model {self.model.name!r}, which has no PDE; "
                             "accepted: a model with a PDE")
        return self.x[..., : self.pde.shape[-1]] - self.pde

    def hidden_groups(self) -> list[tuple[str, np.ndarray]]:
        """The hidden channels in groups of 4 as RGB pictures, after h → (1 + tanh h)/2 (videos S2/S3)."""
        c, lo0, out = self.model.channels, self.model.observable, []
        for lo in range(lo0, c, 4):
            group = (1.0 + np.tanh(self.x[..., lo:lo + 4])) / 2.0
            if group.shape[-1] < 4:  # a short last group: missing channels shown as opaque/neutral
                group = np.concatenate([group, np.ones(group.shape[:-1] + (4 - group.shape[-1],), np.float32)], -1)
            out.append((f"channels {lo}–{min(lo + 3, c - 1)}", composite(group)))
        return out

    def panels(self, view: str | None = None) -> list[tuple[str, np.ndarray]]:
        """The pictures of a channel view (the model's :attr:`~ExplorerModel.views`; default the first):
        ``[(title, RGB uint8 [H, W, 3])]``."""
        views = self.model.views
        view = next(iter(views)) if view is None else validate.choice("view", view, tuple(views))
        return [(title, rgb if np.asarray(rgb).dtype == np.uint8 else u8(rgb)) for title, rgb in views[view](self)]

    def target(self) -> tuple[str, np.ndarray] | None:
        """The image a morph model should show at this step (the last one after the sequence), if known."""
        if self.model.targets is None:
            return None
        t, names, images = self.model.targets
        k = min(self.step // t, len(names) - 1)
        return f"{names[k]} (step {k * t})", u8(composite(images[k]))


def u8(rgb: np.ndarray) -> np.ndarray:
    """RGB in [0, 1] → uint8."""
    return np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8)


def hidden_view(state: ExplorerState) -> list[tuple[str, np.ndarray]]:
    """The channel view of the hidden channels (:meth:`ExplorerState.hidden_groups`), for any model."""
    return state.hidden_groups()
