"""Fig 11: adversarial initial states, found by gradient descent through the rollout.

For the alien ``x⁰`` (hidden channels 0) and a perturbation ``x̃`` of its four observable
channels, the paper's objective is

.. math::

    \\kappa^n(x^0, \\tilde x) = \\|\\tilde x\\| - \\|\\Phi^n(x^0 + \\tilde x) - \\Phi^n(x^0)\\|,

with ``Φⁿ`` the model's n-step rollout and both norms Euclidean over the lattice and the
RGBA channels. *Maximising* κ looks for a large perturbation that leaves the state at
``n`` unchanged, *minimising* κ for a small one that changes it a lot.

Protocol (choices the paper leaves open are ours, after the authors' code where it has
them; paper-spec §5 Fig 11):

* the variable is ``x = x⁰ + x̃`` (RGBA only), started at ``clip(x⁰ + 0.001·N(0, 1), 0, 1)``
  with a different draw for each of the parallel copies, and kept in [0, 1] by projection
  after every step (objective ``"paper"``) or by the authors' soft penalties (``"code"``);
* both rollouts of an iteration, ``Φⁿ(x)`` and ``Φⁿ(x⁰)``, use the same update masks
  (common random numbers); each iteration draws new ones;
* each copy's gradient is divided by its own Euclidean norm, then Nadam takes a step;
* the copies that minimise and those that maximise κ run in one batch; the copy shown is
  the best by κ averaged over fresh mask realisations after the optimisation.

The authors' code objective (``"code"``) minimises, per copy,
``± (E_in² − E_out²) + range² + neg`` with ``E_in = ‖x − x⁰‖``, ``E_out = ‖Φⁿ(x) − y‖``
against the *data* rooster ``y``, ``range = Σ max(0, −x) + max(0, x − 1)`` and
``neg = Σ (x·𝟙[x < 10⁻⁴])²``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Sequence

import numpy as np

from nca_core import validate
from nca_core.chapters.adversarial.jobs import MODEL
from nca_core.chapters.morph.measure import distance, shape_iou, stability_models, targets
from nca_core.core.backend import tf
from nca_core.core.checkpoint import data_fingerprint
from nca_core.core.masks import Rollouts, rollouts
from nca_core.core.model import NCA, step
from nca_core.core.optim import nadam_init, nadam_update
from nca_core.runs import store
from nca_core.runs.cache import Trained

OBJECTIVES = ("paper", "code")
#: +1: maximise κ (a large perturbation that keeps Φⁿ); −1: minimise κ (a small one that breaks it)
MAX, MIN = 1.0, -1.0
_TINY = 1e-12


class Adversary:
    """κ, the code objective and their gradients for a batch of initial states.

    Args:
        model: the NCA.
        x0: the unperturbed initial state's observable channels ``[H, W, obs]``.
        target: the data target of the code objective ``[H, W, obs]`` (the rooster).
        steps: the horizon n.
        objective: ``"paper"`` (κ, projection onto [0, 1]) or ``"code"`` (squared norms against
            the data target, soft box penalties).
    """

    def __init__(self, model: NCA, x0: np.ndarray, target: np.ndarray, steps: int, objective: str = "paper"):
        self.model, self.config = model, model.config
        self.steps = validate.integer("steps", steps, 1)
        self.objective = validate.choice("objective", objective, OBJECTIVES)
        dt = self.config.dtype
        self.x0 = tf.constant(np.asarray(x0, dt)[None])
        self.target = tf.constant(np.asarray(target, dt)[None])
        self.runner = rollouts(model)
        self._fn = self._update = None

    def reference(self, masks: tf.Tensor) -> tf.Tensor:
        """``Φⁿ(x⁰)``'s observable channels under ``masks`` ``[1, H, W, obs]``."""
        obs = self.config.observable
        return tf.constant(self.runner.run(self.x0.numpy(), [self.steps], masks=masks, keep=obs)[0])

    def _build(self):
        c, obs, n, objective = self.config, self.config.observable, self.steps, self.objective

        def rollout(params, x, masks):
            def body(i, x):
                return i + 1, step(params, x, c, None, mask=masks[i])

            return tf.while_loop(lambda i, x: i < n, body, (tf.constant(0), x), maximum_iterations=n)[1]

        def norm(d):
            return tf.sqrt(tf.reduce_sum(tf.square(d), axis=[1, 2, 3]) + _TINY)

        @tf.function(jit_compile=True, reduce_retracing=True)
        def fn(params, x, modes, masks, ref, x0, target):
            with tf.GradientTape() as tape:
                tape.watch(x)
                hidden = tf.zeros(tf.concat([tf.shape(x)[:3], [c.channels - obs]], 0), x.dtype)
                out = rollout(params, tf.concat([x, hidden], -1), masks)[..., :obs]
                e_in, e_delta, e_target = norm(x - x0), norm(out - ref), norm(out - target)
                kappa = e_in - e_delta
                if objective == "paper":
                    loss = -modes * kappa
                else:
                    box = tf.reduce_sum(tf.nn.relu(-x) + tf.nn.relu(x - 1.0), axis=[1, 2, 3])
                    neg = tf.reduce_sum(tf.square(tf.where(x < 1e-4, x, tf.zeros_like(x))), axis=[1, 2, 3])
                    loss = -modes * (tf.square(e_in) - tf.square(e_target)) + tf.square(box) + neg
            return loss, tape.gradient(loss, x), kappa, e_in, e_delta, e_target

        @tf.function(jit_compile=True, reduce_retracing=True)
        def update(x, grad, state, lr):
            g = grad / (tf.sqrt(tf.reduce_sum(tf.square(grad), axis=[1, 2, 3], keepdims=True)) + 1e-8)
            (x,), state = nadam_update([x], [g], state, lr)
            return (tf.clip_by_value(x, 0.0, 1.0) if objective == "paper" else x), state

        self._fn, self._update = fn, update

    def evaluate(self, x: np.ndarray, modes: np.ndarray, masks: tf.Tensor, ref: tf.Tensor | None = None,
                 micro_batch: int = 0) -> dict[str, np.ndarray]:
        """Loss, its gradient and the terms for initial states ``x [B, H, W, obs]`` under ``masks``.

        Returns NumPy arrays: ``loss``, ``kappa`` (the paper's κ), ``e_in`` (‖x̃‖), ``e_delta``
        (‖Φⁿ(x) − Φⁿ(x⁰)‖), ``e_target`` (‖Φⁿ(x) − y‖), each ``[B]``, and ``grad`` ``[B, H, W, obs]``.
        ``micro_batch`` > 0 evaluates that many copies at a time (less memory, same numbers).
        """
        if self._fn is None:
            self._build()
        dt = self.config.dtype
        x = tf.constant(np.asarray(x, dt))
        modes = tf.constant(np.asarray(modes, dt))
        ref = self.reference(masks) if ref is None else ref
        b = int(x.shape[0])
        size = micro_batch if micro_batch and micro_batch < b else b
        parts = [self._fn(self.model.variables, x[i:i + size], modes[i:i + size], masks, ref, self.x0, self.target)
                 for i in range(0, b, size)]
        names = ("loss", "grad", "kappa", "e_in", "e_delta", "e_target")
        return {k: np.concatenate([p[j].numpy() for p in parts]) for j, k in enumerate(names)}

    def optimise(self, modes: Sequence[float], iterations: int, lr: float = 2e-3, seed: int = 0,
                 micro_batch: int = 0, progress: bool = False,
                 path_every: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Nadam on the initial states, one copy per entry of ``modes`` (``MAX`` or ``MIN``).

        Returns the final states ``[B, H, W, obs]`` and the history (``kappa``, ``e_in``,
        ``e_delta``, ``e_target``, ``loss``: ``[iterations, B]``, under each iteration's masks).
        With ``path_every`` > 0 the history also holds the states every ``path_every`` iterations
        and at the end (``visited`` ``[S, B, H, W, obs]``, taken before iteration ``visited_at``).
        """
        validate.integer("iterations", iterations, 1)
        validate.number("lr", lr, 0.0, 1.0, open_min=True)
        modes = np.asarray(modes, self.config.dtype)
        rng = np.random.default_rng(store.seed_of(seed, 11))
        x0 = self.x0.numpy()
        x = np.clip(x0 + 0.001 * rng.standard_normal((len(modes),) + x0.shape[1:]), 0.0, 1.0).astype(x0.dtype)
        state = {k: tf.constant(v) for k, v in nadam_init([x]).items()}
        size = tuple(x0.shape[1:3])
        hist = {k: [] for k in ("kappa", "e_in", "e_delta", "e_target", "loss")}
        it = range(iterations)
        if progress:
            from tqdm.auto import tqdm

            it = tqdm(it, desc="optimising initial states", unit="iteration")
        xt, lr_t = tf.constant(x), tf.constant(lr, self.config.dtype)
        path, path_at = [], []
        for i in it:
            masks = self.runner.masks(self.steps, store.seed_of(seed, 12, i), size)
            r = self.evaluate(xt.numpy(), modes, masks, micro_batch=micro_batch)
            for k in hist:
                hist[k].append(r[k])
            if path_every and i % path_every == 0:
                path.append(xt.numpy())
                path_at.append(i)
            xt, state = self._update(xt, tf.constant(r["grad"]), state, lr_t)
        out = {k: np.stack(v) for k, v in hist.items()}
        if path_every:
            # (not "path": that name is taken by fileio.write_npz, which stores this dict)
            out["visited"], out["visited_at"] = np.stack(path + [xt.numpy()]), np.array(path_at + [iterations])
        return xt.numpy(), out


# --------------------------------------------------------------- evaluation
def snapshots_of(runner: Rollouts, x: np.ndarray, frames: Sequence[int], realisations: int, seed: int,
                 observable: int = 4) -> np.ndarray:
    """States of ``x [B, H, W, obs]`` at ``frames`` under shared masks: ``[realisations, F, B, H, W, obs]``."""
    size = tuple(np.shape(x)[1:3])
    out = []
    for r in range(realisations):
        masks = runner.masks(max(frames), store.seed_of(seed, 13, r), size)
        out.append(runner.run(x, frames, masks=masks, keep=observable))
    return np.stack(out)


@dataclass
class Adversarial:
    """The optimised initial states of Fig 11 and their rollouts."""

    label: str
    steps: int  # the horizon n
    frames: list[int]  # the snapshot steps
    objective: str
    x0: np.ndarray  # [H, W, 4] the alien
    rooster: np.ndarray  # [H, W, 4] the data target
    x: np.ndarray  # [B, H, W, 4] every optimised initial state
    modes: np.ndarray  # [B] MAX or MIN
    history: dict[str, np.ndarray]  # per iteration and copy (see Adversary.optimise)
    states: np.ndarray  # [R, F, 1 + B, H, W, 4] rollouts of x0 and of every x, shared masks per realisation
    noise: np.ndarray  # [F] ‖Φ(x⁰) − Φ'(x⁰)‖ between runs with independent masks (mean over pairs)
    seconds: float  # wall time of the optimisation when it was computed
    iterations: int
    cached: bool
    #: the min-κ copies along the search, every few iterations (see :func:`search_path`)
    path: dict[str, np.ndarray] = field(default_factory=dict)
    model: NCA | None = field(default=None, repr=False)  # the NCA the states came from

    @property
    def e_in(self) -> np.ndarray:
        """‖x̃‖ per copy ``[B]``."""
        return distance(self.x, self.x0[None])

    @property
    def max_abs(self) -> np.ndarray:
        """max |x̃| per copy ``[B]``."""
        return np.abs(self.x - self.x0[None]).max(axis=(1, 2, 3))

    @property
    def delta(self) -> np.ndarray:
        """‖Φⁿ(x) − Φⁿ(x⁰)‖ per frame and copy, mean over realisations ``[F, B]``."""
        return distance(self.states[:, :, 1:], self.states[:, :, :1]).mean(0)

    @property
    def to_rooster(self) -> np.ndarray:
        """‖Φⁿ(·) − rooster‖ per frame for x⁰ and each copy, mean over realisations ``[F, 1 + B]``."""
        return distance(self.states, self.rooster).mean(0)

    @property
    def iou(self) -> np.ndarray:
        """Opaque-region IoU with the rooster per frame for x⁰ and each copy ``[F, 1 + B]``."""
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(shape_iou(self.states, self.rooster), nan=0.0).mean(0)

    @property
    def kappa(self) -> np.ndarray:
        """κ at the horizon per copy, mean over realisations ``[B]``."""
        return self.e_in - self.delta[self.frames.index(self.steps)]

    def best(self, mode: float) -> int:
        """The copy with the largest (``MAX``) or smallest (``MIN``) κ."""
        idx = np.flatnonzero(self.modes == mode)
        k = self.kappa[idx]
        return int(idx[np.argmax(k) if mode == MAX else np.argmin(k)])

    def row(self, which: str) -> dict:
        """Numbers of a figure row: ``"unperturbed"``, ``"min"`` or ``"max"``."""
        fi = {f: i for i, f in enumerate(self.frames)}
        h = fi[self.steps]
        if which == "unperturbed":
            j, e_in, mx, dl = 0, 0.0, 0.0, np.zeros(len(self.frames))
        else:
            b = self.best(MIN if which == "min" else MAX)
            j, e_in, mx, dl = b + 1, float(self.e_in[b]), float(self.max_abs[b]), self.delta[:, b]
        return {"index": j, "e_in": e_in, "max_abs": mx, "delta": dl, "kappa": e_in - float(dl[h]),
                "to_rooster": self.to_rooster[:, j], "iou": self.iou[:, j]}

    @property
    def x0_norm(self) -> float:
        return float(np.sqrt((self.x0 ** 2).sum()))


def search_path(runner: Rollouts, x0: np.ndarray, rooster: np.ndarray, path: np.ndarray, path_at: np.ndarray,
                steps: int, realisations: int, seed: int) -> dict[str, np.ndarray]:
    """The states a search passed through ``path [S, B, H, W, 4]``, rolled out to ``steps`` under the
    evaluation masks: ``iteration [S]`` and, each ``[S, B]``, ``e_in`` (‖x̃‖), ``max_abs``, ``delta``
    (‖Φⁿ(x) − Φⁿ(x⁰)‖), ``to_rooster`` and ``iou`` (means over the realisations)."""
    s, b = path.shape[:2]
    flat = path.reshape((s * b,) + path.shape[2:])
    st = snapshots_of(runner, np.concatenate([x0[None], flat]), [steps], realisations, seed)[:, 0]  # [R, 1+SB, ...]
    with np.errstate(invalid="ignore"):
        iou = np.nan_to_num(shape_iou(st[:, 1:], rooster), nan=0.0).mean(0)
    return {"iteration": path_at, "e_in": distance(flat, x0).reshape(s, b),
            "max_abs": np.abs(flat - x0).max(axis=(1, 2, 3)).reshape(s, b),
            "delta": distance(st[:, 1:], st[:, :1]).mean(0).reshape(s, b),
            "to_rooster": distance(st[:, 1:], rooster).mean(0).reshape(s, b), "iou": iou.reshape(s, b)}


def run_fig11(P: SimpleNamespace, name: str = MODEL, progress: bool = True) -> tuple[Adversarial, Trained]:
    """Optimise (or load) the adversarial initial states of the ``adversarial_stability`` parameters."""
    tr = stability_models(P.profile, symmetric=False, names=[name])[name]
    model = tr.model()
    y = targets()
    x0, rooster = y[0], y[-1]
    modes = np.array([MIN] * P.copies + [MAX] * P.copies, model.config.dtype)
    every = max(1, P.iterations // 10)  # about ten states of each search are kept
    settings = {"horizon": P.horizon, "objective": P.objective, "iterations": P.iterations, "copies": P.copies,
                "lr": P.lr, "seed": P.seed, "x0": data_fingerprint(x0), "target": data_fingerprint(rooster),
                "path_every": every}
    key = store.key(tr.job.key, tr.weights_hash, settings)
    found = None if P.recompute else store.load("adversarial", key, tr)
    if found is not None:
        a, meta = found
        x, seconds = a.pop("x"), float(meta["seconds"])
        history, cached = a, True
    else:
        adv = Adversary(model, x0, rooster, P.horizon, P.objective)
        t0 = time.perf_counter()
        x, history = adv.optimise(modes, P.iterations, P.lr, P.seed, P.micro_batch, progress, every)
        seconds = time.perf_counter() - t0
        store.save("adversarial", key, {"x": x, **history}, {"seconds": seconds, "model": tr.job.label, **settings},
                   tr)
        cached = False
    frames = sorted(set(P.snapshots) | {P.horizon})
    ekey = store.key(key, frames, P.eval_masks)
    found = None if P.recompute else store.load("adversarial_eval", ekey, tr)
    if found is not None:
        states, noise = found[0].pop("states"), found[0].pop("noise")
        path = {k[5:]: v for k, v in found[0].items() if k.startswith("path_")}
    else:
        runner = rollouts(model)
        states = snapshots_of(runner, np.concatenate([x0[None], x]), frames, P.eval_masks, P.seed)
        pairs = runner.run(np.repeat(x0[None], 2 * P.eval_masks, 0), frames, seed=store.seed_of(P.seed, 14), keep=4)
        noise = distance(pairs[:, 0::2, ..., :4], pairs[:, 1::2, ..., :4]).mean(1)
        path = search_path(runner, x0, rooster, history["visited"][:, modes == MIN], history["visited_at"],
                           P.horizon, P.eval_masks, P.seed)
        store.save("adversarial_eval", ekey, {"states": states, "noise": noise,
                                              **{f"path_{k}": v for k, v in path.items()}}, {"frames": frames}, tr)
    history = {k: v for k, v in history.items() if not k.startswith("visited")}
    res = Adversarial(label=tr.job.label, steps=P.horizon, frames=frames, objective=P.objective, x0=x0,
                      rooster=rooster, x=x, modes=modes, history=history, states=states, noise=noise,
                      seconds=seconds, iterations=P.iterations, cached=cached, path=path, model=model)
    return res, tr


def video_frames(res: Adversarial, steps: int, every: int = 1, seed: int = 0) -> tuple[np.ndarray, list]:
    """RGBA of the unperturbed, min-κ and max-κ rollouts side by side under shared masks
    (realisation 0 of the evaluation): ``[F, 3, H, W, 4]`` and the step numbers."""
    rows = [res.row(w)["index"] for w in ("unperturbed", "min", "max")]
    x = np.concatenate([res.x0[None], res.x])[rows]
    kept = list(range(0, steps + 1, every))
    runner = rollouts(res.model)
    masks = runner.masks(steps, store.seed_of(seed, 13, 0), tuple(x.shape[1:3]))
    return runner.run(x, kept, masks=masks, keep=4), kept
