"""Between the frames: how far a Gray-Scott NCA is from the PDE at *every* step, not only at the sampled ones.

An NCA trained with time sampling t only ever sees the PDE at the frames n = 0, t, 2t, …; the
loss constrains its state there and nowhere else. Here the model and the PDE start from the same
state (a true training frame, hidden channels 0, or the unseen test IC) and every step is compared:

.. math::

    d_n = \\big\\| \\hat{x}^{(n)}_{A,B} - y^{(n)} \\big\\|_2, \\qquad
    s_n = \\big\\| y^{(n)} - y^{(n-1)} \\big\\|_2,

with ``s_n`` the PDE's own motion in one step (the time resolution the comparison is judged
against), both Euclidean over the lattice and the two observable channels, averaged over the four
training trajectories. The hidden channels start at 0; their start-up is the root mean square of
each hidden channel over the lattice, ``h_n[c]``. The models are read, never trained
(:func:`models`: cached or shipped only), and what each model's rollouts give (its tracks and snapshots) is
stored per model in :mod:`nca_core.runs.store` (kind ``between_frames``, keyed by the model, its weights,
every setting and the starting states) and shipped with the shipped models, so a run loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable

import numpy as np

from nca_core import validate
from nca_core.chapters.between_frames.jobs import between_jobs
from nca_core.chapters.measures import blown_up
from nca_core.core.checkpoint import data_fingerprint
from nca_core.core.model import NCA
from nca_core.data import gray_scott as pde
from nca_core.runs import store, sweep
from nca_core.runs.cache import Trained

#: a rollout: ``(x0 [B, H, W, 2], steps) -> [steps, B, H, W, C]`` (every state after steps 1…N, C ≥ 2,
#: the observable A, B first); an NCA's ``trajectory``, or an oracle's
Rollout = Callable[[np.ndarray, int], np.ndarray]

#: NCA steps per compiled call (bounds the memory of a long rollout from the test IC)
BLOCK = 128


@dataclass
class Track:
    """A model against the PDE from the same start, every step.

    Attributes:
        t: the model's time sampling (its frames are the multiples of t after the start).
        start: the PDE step the rollouts start from (0 for an initial condition).
        distance: ``d_n`` for n = 0…N (mean over the starting states; NaN after a blow-up).
        pde_step: ``s_n`` for n = 0…N (``s_0`` = NaN).
        hidden: ``h_n`` ``[N + 1, C − 2]``, the RMS of each hidden channel (mean over the starting states).
    """

    t: int
    start: int
    distance: np.ndarray
    pde_step: np.ndarray
    hidden: np.ndarray

    @property
    def steps(self) -> int:
        return len(self.distance) - 1

    @property
    def frames(self) -> np.ndarray:
        """The sampled frames n = t, 2t, … ≤ N."""
        return np.arange(self.t, self.steps + 1, self.t)

    @property
    def between(self) -> np.ndarray:
        """The steps 1…N that are not sampled frames."""
        n = np.arange(1, self.steps + 1)
        return n[n % self.t != 0]

    def bumps(self) -> np.ndarray:
        """Per sampling interval ((k−1)t, kt] within the horizon: the largest d strictly inside it over the larger
        d at its two ends (d_0 = 0 at the start): how far the path strays from the PDE between two frames, relative
        to how far the frames themselves are (a drift that grows over many intervals cancels). Empty for t = 1."""
        d, t = self.distance, self.t
        out = []
        for k in range(1, self.steps // t + 1):
            inside = d[(k - 1) * t + 1:k * t]
            ends = max(d[(k - 1) * t], d[k * t])
            if inside.size:
                top = float(np.max(inside))
                out.append(top / ends if ends > 0 else (1.0 if top == 0 else float("inf")))
        return np.array(out)

    def summary(self) -> dict[str, float]:
        """``at_frames``: max d over the frames; ``between``: max d over the steps between them; ``excursion``:
        the median of :meth:`bumps` (``first_bump``: the first interval's, where the hidden channels start up);
        ``per_step``: max over the steps between frames of d_n / s_n (how many PDE steps away the path strays);
        ``first``: d_1. NaN where a set is empty."""
        d, s = self.distance, self.pde_step
        f, b, bumps = self.frames, self.between, self.bumps()

        def mx(v: np.ndarray) -> float:
            return float(np.max(v)) if v.size else float("nan")

        return {"at_frames": mx(d[f]), "between": mx(d[b]),
                "excursion": float(np.median(bumps)) if bumps.size else float("nan"),
                "first_bump": float(bumps[0]) if bumps.size else float("nan"),
                "per_step": mx(d[b] / np.where(s[b] > 0, s[b], np.nan)) if b.size else float("nan"),
                "first": float(d[1]) if self.steps else float("nan")}

    def hidden_level(self) -> tuple[float, float]:
        """(RMS of all hidden channels at the first frame n = t, their mean RMS over the last sampling
        interval of the horizon): the start-up and the working level."""
        total = np.sqrt(np.mean(self.hidden ** 2, axis=1)) if self.hidden.shape[1] else np.zeros(len(self.hidden))
        last = total[max(1, self.steps - self.t + 1):]
        return float(total[min(self.t, self.steps)]), float(np.mean(last)) if last.size else float("nan")


def track(rollout: Rollout, t: int, y0: np.ndarray, steps: int, start: int = 0,
          params: pde.GrayScottParams = pde.PRESETS["published"], block: int = BLOCK) -> Track:
    """Run ``rollout`` and the PDE from the states ``y0`` ``[B, H, W, 2]`` for ``steps`` steps and compare
    every step (:class:`Track`). A rollout that blows up (non-finite or huge) has ``d = NaN`` from then on."""
    validate.integer("t", t, 1)
    validate.integer("steps", steps, 1)
    validate.integer("start", start, 0)
    y0 = np.asarray(y0, np.float32)
    if y0.ndim != 4 or y0.shape[-1] != 2:
        raise ValueError(f"y0 has shape {y0.shape}; accepted: [B, H, W, 2]")
    dist, step_, hidden = [np.zeros(len(y0))], [np.full(len(y0), np.nan)], []
    x, y, alive = y0, y0, np.ones(len(y0), bool)
    n = 0
    while n < steps:
        m = min(block, steps - n)
        ys = pde.solve(y, m, params, every=1)[1:]  # [m, B, H, W, 2]
        xs = np.asarray(rollout(x, m))
        if xs.shape[:2] != (m, len(y0)) or xs.shape[-1] < 2:
            raise ValueError(f"rollout returned shape {xs.shape}; accepted: [{m}, {len(y0)}, H, W, C ≥ 2]")
        if not hidden:
            hidden.append(np.zeros((len(y0), xs.shape[-1] - 2)))  # n = 0: the hidden channels start at 0
        bad = blown_up(xs, axis=(2, 3, 4))  # [m, B]
        alive_m = alive[None] & (np.cumsum(bad, axis=0) == 0)
        diff = xs[..., :2] - ys
        d = np.sqrt(np.sum(diff * diff, axis=(2, 3, 4)))
        dist += list(np.where(alive_m, d, np.nan))
        prev = np.concatenate([y[None], ys[:-1]])
        step_ += list(np.sqrt(np.sum((ys - prev) ** 2, axis=(2, 3, 4))))
        h = np.sqrt(np.mean(xs[..., 2:] ** 2, axis=(2, 3)))  # [m, B, C-2]
        hidden += list(np.where(alive_m[..., None], h, np.nan))
        alive = alive_m[-1]
        x, y = xs[-1], ys[-1]
        n += m
    return Track(t, start, np.mean(np.array(dist), axis=1), np.mean(np.array(step_), axis=1),
                 np.mean(np.array(hidden), axis=1))


def frame_start(start: int, t: int) -> int:
    """The training frame a model of time sampling ``t`` saw at or before PDE step ``start`` (a multiple of t)."""
    return (validate.integer("start", start, 0) // validate.integer("t", t, 1)) * t


# ------------------------------------------------------------------ the chapter's run
def models(P: SimpleNamespace) -> dict[int, Trained]:
    """The cached or shipped models of the notebook's tier, keyed by t (:func:`nca_core.runs.sweep.existing`:
    trains only the smoke tier's)."""
    return sweep.existing(between_jobs(P), "between_frames", P.tier)


def nca_rollout(model: NCA) -> Rollout:
    """The model's rollout from a fresh start as a :data:`Rollout` (its masks seeded by the step number, as a
    whole rollout's would be; the Gray-Scott models update every cell at every step)."""
    done = [0]

    def roll(x: np.ndarray, m: int) -> np.ndarray:
        out = model.trajectory(x, m, start=done[0])
        done[0] += m
        return out

    return roll


@dataclass
class Between:
    """Everything the chapter shows: per t, the tracks from the training frames and from the unseen IC."""

    sampling: list[int]
    models: dict[int, Trained]
    train: dict[tuple[int, int], Track]  # (t, start) → track from the 4 training trajectories' frame
    test: dict[int, Track]  # from the unseen test IC
    snapshots: dict[int, dict[int, tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)

    def starts(self, t: int) -> list[int]:
        return [s for (tt, s) in self.train if tt == t]


def snapshots(rollout: Rollout, y0: np.ndarray, steps: list[int],
              params: pde.GrayScottParams = pde.PRESETS["published"]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Channel B of the rollout and of the PDE from one state ``y0 [H, W, 2]`` at ``steps``: n → (NCA, PDE)."""
    n = max(steps)
    xs = np.asarray(rollout(np.asarray(y0, np.float32)[None], n))[:, 0, ..., 1]
    ys = pde.solve(y0, n, params, every=1)[1:, ..., 1]
    return {s: (xs[s - 1], ys[s - 1]) for s in steps}


#: the store's kind of a model's tracks and snapshots
KIND = "between_frames"
_TRACK = ("distance", "pde_step", "hidden")


def followed(tr: Trained, t: int, starts: list[int], horizon: int, test_steps: int,
             params: pde.GrayScottParams, train_states: Callable[[], np.ndarray], ic: np.ndarray
             ) -> tuple[dict[int, Track], Track, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """One model's tracks from the training frames ``starts`` (multiples of t) and from the test IC ``ic``, and
    its snapshots from the first training IC (:func:`snapshots`), from the store if there (computed and stored
    otherwise). ``train_states()`` gives the PDE's training trajectories ``[≥ max(starts) + 1, 4, 64, 64, 2]``
    (called only to compute)."""
    show = sorted({max(1, t // 2), t, t + max(1, t // 2)})
    ics = pde.training_ics()
    settings = {"t": t, "starts": list(starts), "horizon": horizon, "test_steps": test_steps,
                "params": [params.d_a, params.d_b, params.alpha, params.gamma, params.dt], "block": BLOCK,
                "snapshots": show, "training_ics": data_fingerprint(ics), "test_ic": data_fingerprint(ic)}
    key = store.key(tr.job.key, tr.weights_hash, settings)
    found = store.load(KIND, key, tr)
    if found is not None:
        a, _ = found
        train = {s: Track(t, s, *(a[f"train{s}_{k}"] for k in _TRACK)) for s in starts}
        test = Track(t, 0, *(a[f"test_{k}"] for k in _TRACK))
        return train, test, {n: (a["snap_nca"][i], a["snap_pde"][i]) for i, n in enumerate(show)}
    model = tr.model()
    traj = train_states()
    train = {s: track(nca_rollout(model), t, traj[s], horizon, s, params) for s in starts}
    test = track(nca_rollout(model), t, ic[None], test_steps, 0, params)
    snaps = snapshots(nca_rollout(model), traj[0, 0], show, params)
    arrays = {f"train{s}_{k}": getattr(train[s], k) for s in starts for k in _TRACK}
    arrays.update({f"test_{k}": getattr(test, k) for k in _TRACK})
    arrays["snap_nca"] = np.stack([snaps[n][0] for n in show])
    arrays["snap_pde"] = np.stack([snaps[n][1] for n in show])
    store.save(KIND, key, arrays, {"model": tr.job.label, **settings}, tr)
    return train, test, snaps


def run(P: SimpleNamespace) -> Between:
    """Read the tier's models and follow each from the true training frames (``P.starts``, each moved to the
    model's own frame) for ``P.horizon`` steps and from the unseen test IC for ``P.test_steps`` steps (each
    model's numbers loaded from the store where they are: :func:`followed`)."""
    ms = models(P)
    params = pde.preset(P.gamma_preset)
    last = max(frame_start(s, t) for s in P.starts for t in ms)
    solved: list[np.ndarray] = []

    def train_states() -> np.ndarray:  # the PDE from the training ICs, solved once when first needed
        if not solved:
            solved.append(pde.solve(pde.training_ics(), last, params, every=1))  # [last + 1, 4, 64, 64, 2]
        return solved[0]

    ic = pde.test_ic(P.test_size)
    train, test, snaps = {}, {}, {}
    for t, tr in ms.items():
        starts = list(dict.fromkeys(frame_start(s, t) for s in P.starts))
        tracks, test[t], snaps[t] = followed(tr, t, starts, P.horizon, P.test_steps, params, train_states, ic)
        train.update({(t, s): v for s, v in tracks.items()})
    return Between(list(ms), ms, train, test, snaps)
