"""What the weights say: importance of kernels, channels and hidden units read from a trained NCA's weights,
and the damage done by ablating each of them.

One NCA step adds ``Δx = W_1 u(W_2 z) + v`` to every cell, with ``z`` the perception features
(feature ``f = c·K + k`` reads channel ``c`` through kernel ``k``), ``W_2`` = ``w_hidden [K·C, H]``,
``W_1`` = ``w_out [H, C]`` (:mod:`nca_core.core.model`). Two readings of importance:

* **weights alone** (what the paper's Discussion proposes): a feature's importance is the norm of its
  row of the hidden layer, ``‖W_2[f, :]‖``; a hidden unit's is ``‖W_2[:, u]‖ · ‖W_1[u, :]‖``;
* **weights × typical activity**: over the cells and steps of the intact rollout, a hidden unit's
  importance is the RMS of what it adds to the increment, ``rms(u(a_u)) · ‖W_1[u, :]‖``; a feature's
  is its typical size times the update's linear response to it,

  .. math::

      S_f = \\operatorname{rms}(z_f) \\cdot \\sqrt{\\big\\langle \\|J_f\\|^2 \\big\\rangle}, \\qquad
      J_f = \\sum_u W_2[f, u]\\, u'(a_u)\\, W_1[u, :] = \\partial \\Delta x / \\partial z_f,

  (``⟨·⟩`` the mean over cells drawn at random from the rollout, seeded).

A channel's importance is the root sum of squares of its features' (how much the model *reads* the
channel), a kernel family's that of the features of its kernels (the two Sobel kernels form the family
"gradient"). Both are zero for a feature whose row was zeroed, and for a unit whose outgoing weights are
zero.

Ablation (:func:`nca_core.core.surgery.ablated`): zero one hidden unit, one feature, every feature of one
channel, or every feature of one kernel family, and run the model as the chapters measure it:

* **Gray-Scott**: from the 4 training ICs (hidden channels 0), the mean over the frames n = t, 2t, … ≤ N
  and the ICs of the Euclidean distance of A, B to the PDE;
* **morph**: from the alien, the mean over n = t, 2t, 3t of the distance of the RGBA channels to the
  morph sequence's images, under update masks shared by the intact and every ablated model.

The damage is that distance minus the intact model's (a rollout that blows up: ``inf``). For the
Gray-Scott models the linear response to the Laplacian features also gives an *effective diffusion*:
``D[i, j] = ⟨J_{(j, LAP)}[i]⟩`` (observable i, j), which for one Euler step of the PDE is
``diag(D_A, D_B)`` exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable

import numpy as np

from nca_core import validate
from nca_core.chapters.morph.measure import distance, targets
from nca_core.chapters.weights.jobs import GRAY_SCOTT, MORPH, weights_jobs
from nca_core.core.backend import tf
from nca_core.core.checkpoint import data_fingerprint
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA, activation_fn
from nca_core.core.perception import perceive
from nca_core.core.surgery import ablated, edited
from nca_core.data import gray_scott as pde
from nca_core.runs import store, sweep
from nca_core.runs.cache import Trained

#: the stencils that form one kernel family (the others are each a family of their own)
FAMILIES = {"SOBEL_X": "gradient", "SOBEL_Y": "gradient", "LAP": "Laplacian", "ID": "identity", "AV": "average"}
#: the stored arrays' kind in :mod:`nca_core.runs.store`
KIND = "weights"
#: snapshots of the intact rollout the activity is measured over (Gray-Scott, morph: every N/this-th step)
SNAPSHOTS = {"gray_scott": 32, "morph": 12}

#: a damage measure: the rollout's distance with these weights (inf if it blows up)
Distance = Callable[[dict[str, np.ndarray]], float]


def families(config: NCAConfig) -> dict[str, list[int]]:
    """The kernel families of a model, in perception order: name → kernel indices."""
    out: dict[str, list[int]] = {}
    for k, name in enumerate(config.kernels):
        out.setdefault(FAMILIES.get(name, name), []).append(k)
    return out


# ------------------------------------------------------------------ readings
@dataclass
class Activity:
    """What an intact rollout does with the weights (the second reading weighs the weights by it).

    Attributes:
        feature_rms: ``[F]`` RMS of each perception feature over the cells and steps.
        unit_rms: ``[H]`` RMS of each hidden unit's output ``u(a_u)``.
        response_rms: ``[F]`` ``sqrt⟨‖J_f‖²⟩``, the size of the update's linear response to feature f.
        response_mean: ``[F, C]`` ``⟨J_f⟩``, its mean (per output channel).
    """

    feature_rms: np.ndarray
    unit_rms: np.ndarray
    response_rms: np.ndarray
    response_mean: np.ndarray


def activity(params: dict[str, np.ndarray], config: NCAConfig, states: np.ndarray, cells: int = 4096,
             seed: int = 0) -> Activity:
    """:class:`Activity` of the weights ``params`` over ``states [..., H, W, C]`` (any leading axes: the
    states of a rollout); the response is averaged over ``cells`` cells drawn at random (``seed``)."""
    validate.integer("cells", cells, 1)
    validate.integer("seed", seed, 0)
    states = np.asarray(states, config.dtype)
    if states.ndim < 3 or states.shape[-1] != config.channels:
        raise ValueError(f"states has shape {states.shape}; accepted: [..., H, W, {config.channels}]")
    x = states.reshape((-1,) + states.shape[-3:])
    z = perceive(tf.constant(x), config.kernel_set, config.boundary).numpy().reshape(-1, config.n_features)
    w_hidden, w_out = (np.asarray(params[k], np.float64) for k in ("w_hidden", "w_out"))
    act = activation_fn(config.activation)
    a = z.astype(np.float64) @ w_hidden
    h = np.asarray(act(tf.constant(a)))
    rows = np.random.default_rng(seed).choice(len(z), size=min(cells, len(z)), replace=False)
    sub = tf.constant(a[rows])
    with tf.GradientTape() as tape:
        tape.watch(sub)
        out = act(sub)
    slope = tape.gradient(out, sub)
    slope = np.zeros(sub.shape) if slope is None else np.asarray(slope)  # a constant activation has no slope
    J = np.einsum("fu,nu,uc->nfc", w_hidden, slope, w_out)  # [n, F, C]
    return Activity(feature_rms=np.sqrt(np.mean(np.square(z, dtype=np.float64), 0)),
                    unit_rms=np.sqrt(np.mean(h * h, 0)),
                    response_rms=np.sqrt(np.mean(np.sum(J * J, -1), 0)), response_mean=J.mean(0))


@dataclass
class Reading:
    """Importance by one reading: per hidden unit ``units [H]`` and per feature ``features [C, K]``."""

    units: np.ndarray
    features: np.ndarray

    @property
    def channels(self) -> np.ndarray:
        """``[C]``: root sum of squares of each channel's features."""
        return np.sqrt(np.sum(self.features ** 2, axis=1))

    def family(self, kernels: list[int]) -> float:
        """Root sum of squares of the features of ``kernels`` over every channel."""
        return float(np.sqrt(np.sum(self.features[:, kernels] ** 2)))


def weights_reading(params: dict[str, np.ndarray], config: NCAConfig) -> Reading:
    """Weights alone: ``‖W_2[f, :]‖`` per feature, ``‖W_2[:, u]‖·‖W_1[u, :]‖`` per hidden unit."""
    w_hidden, w_out = (np.asarray(params[k], np.float64) for k in ("w_hidden", "w_out"))
    units = np.linalg.norm(w_hidden, axis=0) * np.linalg.norm(w_out, axis=1)
    return Reading(units, np.linalg.norm(w_hidden, axis=1).reshape(config.channels, config.n_kernels))


def activity_reading(params: dict[str, np.ndarray], config: NCAConfig, act: Activity) -> Reading:
    """Weights × typical activity: ``rms(u(a_u))·‖W_1[u, :]‖`` per unit, ``rms(z_f)·sqrt⟨‖J_f‖²⟩`` per feature."""
    w_out = np.asarray(params["w_out"], np.float64)
    units = act.unit_rms * np.linalg.norm(w_out, axis=1)
    return Reading(units, (act.feature_rms * act.response_rms).reshape(config.channels, config.n_kernels))


def diffusion(config: NCAConfig, act: Activity) -> np.ndarray:
    """The effective diffusion ``[O, O]`` of the observable channels: ``D[i, j] = ⟨∂Δx_i / ∂(∇²x_j)⟩``
    (NaN without a Laplacian kernel)."""
    o = config.observable
    if "LAP" not in config.kernels:
        return np.full((o, o), np.nan)
    k = config.kernels.index("LAP")
    return np.stack([act.response_mean[j * config.n_kernels + k, :o] for j in range(o)], axis=1)


# ------------------------------------------------------------------ ablation
@dataclass
class Ablation:
    """Distances of the intact and of every ablated model (``inf``: blew up); damage = distance − intact."""

    intact: float
    units: np.ndarray  # [H]
    features: np.ndarray  # [C, K]
    channels: np.ndarray  # [C]
    families: dict[str, float]
    noise: float = 0.0  # how much the intact distance moves between update-mask realisations (0: deterministic)

    def damage(self, what: str) -> np.ndarray:
        """Damage of ``what`` (``"units"``, ``"features"``, ``"channels"``, ``"families"``)."""
        validate.choice("what", what, ("units", "features", "channels", "families"))
        d = np.array(list(self.families.values())) if what == "families" else getattr(self, what)
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(d), d - self.intact, np.inf)


def ablate(params: dict[str, np.ndarray], config: NCAConfig, dist: Distance, progress: bool = False,
           desc: str = "ablations") -> Ablation:
    """Run ``dist`` on the intact weights and on each ablation: one hidden unit, one feature, one channel's
    features, one kernel family's features."""
    K, C = config.n_kernels, config.channels
    fams = families(config)
    todo: list[dict] = ([{"hidden": [u]} for u in range(config.hidden)]
                        + [{"features": [f]} for f in range(config.n_features)]
                        + [{"features": [c * K + k for k in range(K)]} for c in range(C)]
                        + [{"features": [c * K + k for c in range(C) for k in ks]} for ks in fams.values()])
    it = todo
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(todo, desc=desc, unit="ablation")
    intact = dist(params)
    d = np.array([dist(ablated(params, **a)) for a in it])
    H, F = config.hidden, config.n_features
    return Ablation(intact, d[:H], d[H:H + F].reshape(C, K), d[H + F:H + F + C],
                    dict(zip(fams, d[H + F + C:].tolist())))


def _mean_distance(states: np.ndarray, ref: np.ndarray) -> float:
    d = distance(np.asarray(states, np.float64), np.asarray(ref, np.float64))
    return float(np.mean(d)) if np.all(np.isfinite(d)) else float("inf")


def gray_scott_distance(model: NCA, y0: np.ndarray, ref: np.ndarray, frames: list[int]) -> Distance:
    """The Gray-Scott damage measure: from ``y0 [B, H, W, 2]``, the mean over ``frames`` and the batch of
    ‖(A, B) − ref‖ with ``ref [len(frames), B, H, W, 2]`` the PDE at those frames. ``model`` is not changed."""
    if len(frames) != len(ref) or not frames:
        raise ValueError(f"frames={frames!r} is not accepted; accepted: one step per state of ref ({len(ref)})")
    work = edited(model, model.params)

    def dist(params: dict[str, np.ndarray]) -> float:
        work.set_params(params)
        with np.errstate(all="ignore"):
            xs = work.rollout(y0, max(frames), frames=frames)[..., :2]
        return _mean_distance(xs, ref)

    return dist


def morph_distance(model: NCA, y: np.ndarray, t: int, masks: int, seed: int) -> Distance:
    """The morph damage measure: from the alien ``y[0]`` (``masks`` copies, masks drawn from ``seed``, the
    same for every weights), the mean over n = t, 2t, … and the copies of the distance of RGBA to ``y[n/t]``."""
    validate.integer("t", t, 1)
    validate.integer("masks", masks, 1)
    frames = [k * t for k in range(1, len(y))]
    x0 = np.repeat(np.asarray(y[:1]), masks, axis=0)
    work = edited(model, model.params)

    def dist(params: dict[str, np.ndarray]) -> float:
        work.set_params(params)
        with np.errstate(all="ignore"):
            xs = work.rollout(x0, frames[-1], seed=seed, frames=frames)[..., :4]
        return _mean_distance(xs, np.asarray(y[1:])[:, None])

    return dist


# ------------------------------------------------------------------ one model
@dataclass
class ModelWeights:
    """One model: its weights, what its intact rollout does with them, and its ablations."""

    name: str
    task: str  # GRAY_SCOTT or MORPH
    label: str
    t: int
    config: NCAConfig
    params: dict[str, np.ndarray]
    activity: Activity
    ablation: Ablation
    seconds: float = 0.0
    cached: bool = False

    @property
    def families(self) -> dict[str, list[int]]:
        return families(self.config)

    def reading(self, kind: str) -> Reading:
        """``"weights"`` (weights alone) or ``"activity"`` (weights × typical activity)."""
        validate.choice("kind", kind, READINGS)
        if kind == "weights":
            return weights_reading(self.params, self.config)
        return activity_reading(self.params, self.config, self.activity)

    def importance(self, kind: str, what: str) -> np.ndarray:
        """The reading ``kind`` of ``what`` (as :meth:`Ablation.damage`), flat."""
        r = self.reading(kind)
        if what == "families":
            return np.array([r.family(ks) for ks in self.families.values()])
        return np.ravel(getattr(r, validate.choice("what", what, TARGETS)))

    def rho(self, kind: str, what: str) -> float:
        """Spearman's rank correlation of the reading with the ablation damage (a blow-up ranks highest)."""
        from nca_core.chapters.measures import spearman

        d = np.ravel(self.ablation.damage(what))
        return spearman(self.importance(kind, what), np.where(np.isfinite(d), d, np.finfo(float).max))

    @property
    def diffusion(self) -> np.ndarray:
        return diffusion(self.config, self.activity)

    def feature_name(self, f: int) -> str:
        c, k = divmod(f, self.config.n_kernels)
        return f"{channel_name(self.task, c, self.config.observable)}·{self.config.kernels[k]}"


#: the two readings
READINGS = ("weights", "activity")
#: what is read and ablated, one by one
TARGETS = ("units", "features", "channels")


def channel_name(task: str, c: int, observable: int) -> str:
    """A channel's name: A, B for Gray-Scott; R, G, B, α for the morph task; hidden ones by number."""
    names = ("A", "B") if task == GRAY_SCOTT else ("R", "G", "B", "α")
    return names[c] if c < min(observable, len(names)) else f"h{c}"


def analyse(name: str, task: str, label: str, t: int, model: NCA, dist: Distance, states: np.ndarray,
            cells: int = 4096, seed: int = 0, noise: float = 0.0, progress: bool = False) -> ModelWeights:
    """Read and ablate ``model`` (the measure ``dist``; the activity over ``states``, an intact rollout)."""
    validate.choice("task", task, (GRAY_SCOTT, MORPH))
    params = model.params
    t0 = time.perf_counter()
    act = activity(params, model.config, states, cells, seed)
    abl = ablate(params, model.config, dist, progress, f"{name}: ablations")
    abl.noise = noise
    return ModelWeights(name, task, label, t, model.config, params, act, abl, time.perf_counter() - t0)


def _stored(name: str, task: str, tr: Trained, settings: dict, compute: Callable[[], ModelWeights],
            recompute: bool) -> ModelWeights:
    """``compute()`` once per model, weights and settings: its arrays cached (and shipped) in the store."""
    key = store.key(tr.job.key, tr.weights_hash, settings)
    found = None if recompute else store.load(KIND, key, tr)
    model = tr.model()
    if found is not None:
        a, meta = found
        act = Activity(a["feature_rms"], a["unit_rms"], a["response_rms"], a["response_mean"])
        abl = Ablation(float(a["intact"]), a["units"], a["features"], a["channels"],
                       dict(zip(meta["families"], a["families"].tolist())), float(a["noise"]))
        return ModelWeights(name, task, tr.job.label, tr.job.train.t, model.config, model.params, act, abl,
                            float(meta["seconds"]), True)
    m = compute()
    a = {"feature_rms": m.activity.feature_rms, "unit_rms": m.activity.unit_rms,
         "response_rms": m.activity.response_rms, "response_mean": m.activity.response_mean,
         "intact": np.array(m.ablation.intact), "units": m.ablation.units, "features": m.ablation.features,
         "channels": m.ablation.channels, "families": np.array(list(m.ablation.families.values())),
         "noise": np.array(m.ablation.noise)}
    store.save(KIND, key, a, {"seconds": m.seconds, "model": tr.job.label, "families": list(m.ablation.families),
                              **settings}, tr)
    return m


def gray_scott_model(name: str, tr: Trained, P: SimpleNamespace, progress: bool = True) -> ModelWeights:
    """Read and ablate a Gray-Scott model (cached): from the 4 training ICs for ``P.horizon`` steps."""
    t = tr.job.train.t
    frames = list(range(t, P.horizon + 1, t))
    y0 = pde.training_ics()
    params = pde.preset(P.gamma_preset)
    stride = max(1, P.horizon // SNAPSHOTS[GRAY_SCOTT])
    settings = {"task": GRAY_SCOTT, "frames": frames, "gamma_preset": P.gamma_preset, "cells": P.cells,
                "seed": P.mask_seed, "y0": data_fingerprint(y0), "every": stride}

    def compute() -> ModelWeights:
        model = tr.model()
        ref = pde.solve(y0, P.horizon, params, every=1)[frames]
        states = model.rollout(y0, P.horizon, every=stride)[1:]
        return analyse(name, GRAY_SCOTT, tr.job.label, t, model, gray_scott_distance(model, y0, ref, frames),
                       states, P.cells, P.mask_seed, 0.0, progress)

    return _stored(name, GRAY_SCOTT, tr, settings, compute, P.recompute)


def morph_model(name: str, tr: Trained, P: SimpleNamespace, progress: bool = True) -> ModelWeights:
    """Read and ablate a morph model (cached): from the alien to n = 3t under ``P.masks`` shared masks."""
    t = tr.job.train.t
    y = targets()
    steps = (len(y) - 1) * t
    stride = max(1, steps // SNAPSHOTS[MORPH])
    settings = {"task": MORPH, "masks": P.masks, "cells": P.cells, "seed": P.mask_seed, "y": data_fingerprint(y),
                "every": stride}

    def compute() -> ModelWeights:
        model = tr.model()
        dist = morph_distance(model, y, t, P.masks, P.mask_seed)
        other = morph_distance(model, y, t, P.masks, P.mask_seed + 1)
        noise = abs(other(model.params) - dist(model.params))
        x0 = np.repeat(y[:1], P.masks, axis=0)
        states = model.rollout(x0, steps, seed=P.mask_seed, every=stride)[1:]
        return analyse(name, MORPH, tr.job.label, t, model, dist, states, P.cells, P.mask_seed, noise, progress)

    return _stored(name, MORPH, tr, settings, compute, P.recompute)


# ------------------------------------------------------------------ the chapter's run
def models(P: SimpleNamespace) -> dict[str, tuple[str, Trained]]:
    """The cached or shipped models of the notebook's tier, by name: (task, model)
    (:func:`nca_core.runs.sweep.existing`: trains only the smoke tier's)."""
    jobs = weights_jobs(P)
    found = sweep.existing({n: j for n, (_, j) in jobs.items()}, "weights", P.tier)
    return {n: (task, found[n]) for n, (task, _) in jobs.items()}


@dataclass
class WeightsResults:
    """Everything the chapter shows, per model (the Gray-Scott ones first)."""

    models: dict[str, ModelWeights]
    trained: dict[str, Trained]
    gamma: pde.GrayScottParams
    params: SimpleNamespace

    def of(self, task: str) -> list[ModelWeights]:
        return [m for m in self.models.values() if m.task == task]

    def rank_table(self) -> str:
        """Markdown: per model, the intact distance, Spearman's ρ of each reading with the ablation damage
        (weights × activity, in brackets the weights alone) and the cost of the ablations."""
        rows = ["| model | intact distance (mask noise) | ρ hidden units | ρ features | ρ channels | ablations "
                "(computed in) |", "|---|---|---|---|---|---|"]
        for m in self.models.values():
            rho = " | ".join(f"{m.rho('activity', w):.2f} ({m.rho('weights', w):.2f})" for w in TARGETS)
            n = m.config.hidden + m.config.n_features + m.config.channels + len(m.families)
            noise = f" ({m.ablation.noise:.2g})" if m.task == MORPH else ""
            rows.append(f"| {m.name} | {m.ablation.intact:.3g}{noise} | {rho} | {n} "
                        f"({m.seconds:.0f} s{', cached' if m.cached else ''}) |")
        return "\n".join(rows)

    def laplacian_table(self) -> str:
        """Markdown, two tables narrow enough for the book's column: per channel (rows) and Gray-Scott model
        (columns), the importance of reading the channel through the Laplacian (as a fraction of the model's
        largest feature) and the damage of ablating that feature; then per model the effective diffusion of A
        and B, beside the PDE's."""
        ms = self.of(GRAY_SCOTT)
        if not ms:
            return ""
        C = max(m.config.channels for m in ms)
        cells = {}
        for m in ms:
            k = m.config.kernels.index("LAP")
            r = m.reading("activity").features
            d = m.ablation.damage("features")
            cells[m.name] = [f"{r[c, k] / r.max():.2f} ({number(d[c, k])})" if c < m.config.channels else "–"
                             for c in range(C)]
        rows = ["| channel read through LAP | " + " | ".join(cells) + " |", "|---" * (len(ms) + 1) + "|"]
        rows += [f"| {channel_name(GRAY_SCOTT, c, 2)} | " + " | ".join(v[c] for v in cells.values()) + " |"
                 for c in range(C)]
        g = self.gamma
        rows += ["", "| effective diffusion | ∇²A → ΔA | ∇²B → ΔA | ∇²A → ΔB | ∇²B → ΔB |", "|---|---|---|---|---|"]
        rows += [f"| {m.name} | " + " | ".join(f"{x:.4f}" for x in m.diffusion[:2, :2].ravel()) + " |" for m in ms]
        rows.append(f"| the PDE | {g.d_a * g.dt:g} | 0 | 0 | {g.d_b * g.dt:g} |")
        return "\n".join(rows)


def number(x: float) -> str:
    """A damage for the reader: ``blow-up`` if not finite."""
    return "blow-up" if not np.isfinite(x) else f"{x:.3g}"


def run(P: SimpleNamespace, progress: bool = True) -> WeightsResults:
    """Read and ablate every model of the notebook (cached and shipped per model)."""
    found = models(P)
    out = {}
    for name, (task, tr) in found.items():
        fn = gray_scott_model if task == GRAY_SCOTT else morph_model
        out[name] = fn(name, tr, P, progress)
    return WeightsResults(out, {n: tr for n, (_, tr) in found.items()}, pde.preset(P.gamma_preset), P)
