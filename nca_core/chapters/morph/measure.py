"""Evaluating morph-task models (Figs 7–9): rollouts from the alien and their measures (the claims are
checked in :mod:`nca_core.chapters.morph.claims`).

A trained model is run from the clean, unshifted alien on the 80×80 lattice (hidden
channels zero) for ``extrapolate × t`` steps, with several independent update-mask samples.
Its states at n = t, 2t and 3t are compared with the microbe, the rooster and the rooster,
and the state at ``extrapolate × t`` with the rooster once more (is the rooster stable well
beyond the trained horizon?).

Measures (all on the observable RGBA channels, averaged over the mask samples):

* *morph error*: Euclidean distance to the target image, as the training loss, at each
  image time, and its mean over the three;
* *shape IoU*: intersection over union of the opaque regions (α > 0.5) of state and rooster
  at n = 3t;
* *detail error*: Euclidean distance of the high-pass parts (image minus its 5×5 box
  average), the part of the picture that carries edges and small features;
* *colour error*: mean absolute RGB difference of the rooster's opaque pixels.

What the chapter computes from a model (these measures with the pictures of the first mask sample, and
the light cone of the t = 8 model) is stored in :mod:`nca_core.runs.store` (kinds :data:`KIND` and
:data:`CONE_KIND`) and shipped for the shipped models, so a fresh clone loads it instead of rolling the
models out (:func:`evaluated`, :func:`cone_of`; :func:`evaluate` and :func:`light_cone` compute).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Sequence, TypeVar

import numpy as np

from nca_core.chapters.measures import blown_up
from nca_core.chapters.morph import models
from nca_core.chapters.morph.jobs import fig8_jobs, fig9_jobs, stability_jobs
from nca_core.core.checkpoint import data_fingerprint
from nca_core.data import morph as data
from nca_core.runs import store, sweep
from nca_core.runs.cache import Trained
from nca_core.runs.job import Job, emoji_spec

K = TypeVar("K")

#: α above which a pixel counts as part of the picture
OPAQUE = 0.5
#: the store's kinds: a model's rollout from the alien (:func:`evaluated`), the light cone (:func:`cone_of`)
KIND, CONE_KIND = "morph", "morph_cone"


def targets(names: Sequence[str] = data.MORPH_SEQUENCE, pad: int = 10) -> np.ndarray:
    """The unshifted morph sequence on the padded lattice, ``[T, H, W, 4]``."""
    return data.pad_lattice(data.morph_frames(names), pad)


@dataclass
class Morph:
    """One model's rollout from the alien and its measures."""

    label: str
    t: int
    steps: list[int]
    obs: np.ndarray  # [S, H, W, 4] RGBA of the first mask sample at ``steps``, in steps of 1/255 (NaN after divergence)
    errors: np.ndarray  # [T-1] morph error at t, 2t, 3t
    extrapolation_error: float
    iou: float
    detail: float
    colour: float
    diverged_at: int | None
    train_loss: float
    training_diverged: bool
    extra: dict = field(default_factory=dict)

    @property
    def morph_error(self) -> float:
        return float(np.mean(self.errors))


def mirror_difference(x: np.ndarray, threshold: float = 0.1) -> dict[str, float]:
    """How far a picture ``x [H, W, 4]`` is from left–right symmetric: the largest RGBA difference from its
    mirror image (``largest``; 0 for an exactly symmetric picture), the number of pixels (visible in either,
    α > ``threshold``) whose largest difference exceeds ``threshold`` (``pixels``), and the visible pixels
    (``visible``)."""
    d = np.abs(x - x[:, ::-1]).max(-1)
    visible = (x[..., 3] > threshold) | (x[:, ::-1, 3] > threshold)
    return {"largest": float(d.max()), "pixels": int((d > threshold)[visible].sum()), "visible": int(visible.sum())}


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance over the lattice and channels, per leading index (inf where not finite)."""
    with np.errstate(all="ignore"):
        d = np.sqrt(((a - b) ** 2).sum(axis=(-1, -2, -3)))
    return np.where(np.isfinite(d), d, np.inf)


def box_blur(x: np.ndarray, k: int = 5) -> np.ndarray:
    """Mean over the k×k neighbourhood (zero outside the lattice) of ``x[..., H, W, c]``."""
    r = k // 2
    pad = [(0, 0)] * (x.ndim - 3) + [(r, r), (r, r), (0, 0)]
    p = np.pad(x, pad)
    c = p.cumsum(-3).cumsum(-2)
    c = np.pad(c, [(0, 0)] * (x.ndim - 3) + [(1, 0), (1, 0), (0, 0)])
    h, w = x.shape[-3:-1]
    s = c[..., k:k + h, k:k + w, :] - c[..., :h, k:k + w, :] - c[..., k:k + h, :w, :] + c[..., :h, :w, :]
    return s / (k * k)


def shape_iou(state: np.ndarray, target: np.ndarray) -> np.ndarray:
    """IoU of the opaque regions (α > 0.5) of ``state[..., H, W, 4]`` and ``target``."""
    a, b = state[..., 3] > OPAQUE, target[..., 3] > OPAQUE
    inter = (a & b).sum(axis=(-1, -2))
    union = (a | b).sum(axis=(-1, -2))
    return inter / np.maximum(union, 1)


def colour_error(state: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Mean |RGB − RGB_target| over the target's opaque pixels."""
    m = target[..., 3] > OPAQUE
    return np.abs(state[..., :3] - target[..., :3])[..., m, :].mean(axis=(-1, -2))


def evaluate(tr: Trained, y: np.ndarray, extrapolate: int = 8, samples: int = 4, seed: int = 0) -> Morph:
    """Roll ``tr``'s best weights out from ``y[0]`` (hidden channels zero) and measure them (computed every
    time; :func:`evaluated` stores the result).

    Args:
        tr: the trained model.
        y: the unshifted targets ``[T, H, W, 4]`` (see :func:`targets`).
        extrapolate: the last snapshot is at ``extrapolate × t`` (≥ T − 1).
        samples: independent update-mask samples (a batch of identical initial states).
        seed: seed of the masks.
    """
    return _morph(tr, _measured(tr, y, extrapolate, samples, seed))


def evaluated(tr: Trained, y: np.ndarray, extrapolate: int = 8, samples: int = 4, seed: int = 0) -> Morph:
    """:func:`evaluate`, from the store where it is there (the results cache, else the shipped artefacts), else
    computed and stored (and shipped by a ``--ship`` run, for a shipped model)."""
    settings = {"targets": data_fingerprint(y), "extrapolate": extrapolate, "samples": samples, "seed": seed}
    key = store.key(tr.job.key, tr.weights_hash, settings)
    found = store.load(KIND, key, tr)
    if found is not None:
        return _morph(tr, found[0])
    arrays = _measured(tr, y, extrapolate, samples, seed)
    store.save(KIND, key, arrays, {"model": tr.job.label, **settings}, tr)
    return _morph(tr, arrays)


def _measured(tr: Trained, y: np.ndarray, extrapolate: int, samples: int, seed: int) -> dict[str, np.ndarray]:
    """The arrays of :func:`evaluate`: the steps, the first sample's pictures as 8-bit RGBA (``pictures``, the
    steps where the state is finite in ``finite``), the morph errors and the scalar measures (0-d arrays;
    ``diverged_at`` −1 for a rollout that stays finite)."""
    t = tr.job.train.t
    m = len(y) - 1
    if extrapolate < m:
        raise ValueError(f"extrapolate={extrapolate!r} is not accepted; accepted: an integer >= {m} (the frames - 1)")
    steps = [k * t for k in range(m + 1)] + [extrapolate * t]
    model = tr.model()
    x0 = np.repeat(y[:1], samples, axis=0)
    with np.errstate(all="ignore"):
        states = np.asarray(model.rollout(x0, steps[-1], seed=seed, frames=steps))
        bad = blown_up(states, axis=(1, 2, 3, 4))
    diverged_at = next((n for n, b in zip(steps, bad) if b), None)
    obs = np.where(bad[:, None, None, None, None], np.nan, states[..., :4])
    with np.errstate(all="ignore"):
        errors = np.array([distance(obs[k], y[k]).mean() for k in range(1, m + 1)])
        final, last = obs[m], y[m]
        iou = float(shape_iou(final, last).mean()) if not bad[m] else 0.0
        detail = float(distance(final - box_blur(final), last - box_blur(last)).mean())
        colour = float(colour_error(final, last).mean()) if not bad[m] else float("inf")
        ext = float(distance(obs[-1], last).mean())
    pictures = np.round(np.clip(np.nan_to_num(obs[:, 0]), 0.0, 1.0) * 255).astype(np.uint8)
    return {"steps": np.array(steps), "pictures": pictures, "finite": ~bad,
            "errors": np.where(np.isfinite(errors), errors, np.inf), "extrapolation_error": np.array(ext),
            "iou": np.array(iou), "detail": np.array(detail if np.isfinite(detail) else np.inf),
            "colour": np.array(colour if np.isfinite(colour) else np.inf),
            "diverged_at": np.array(-1 if diverged_at is None else diverged_at)}


def _morph(tr: Trained, a: dict[str, np.ndarray]) -> Morph:
    """The :class:`Morph` of ``tr`` from the arrays of :func:`_measured` (computed or stored alike)."""
    obs = np.where(a["finite"][:, None, None, None], a["pictures"].astype(np.float32) / 255, np.nan)
    diverged_at = int(a["diverged_at"])
    return Morph(label=tr.job.label, t=tr.job.train.t, steps=[int(n) for n in a["steps"]], obs=obs,
                 errors=np.asarray(a["errors"], float), extrapolation_error=float(a["extrapolation_error"]),
                 iou=float(a["iou"]), detail=float(a["detail"]), colour=float(a["colour"]),
                 diverged_at=None if diverged_at < 0 else diverged_at,
                 train_loss=tr.result.train_loss, training_diverged=bool(tr.result.diverged))


def evaluate_all(trained: dict[str, Trained], y: np.ndarray, extrapolate: int = 8, samples: int = 4,
                 seed: int = 0) -> dict[str, Morph]:
    """:func:`evaluated` for each model once (shared runs are evaluated once), keyed as given."""
    done: dict[str, Morph] = {}
    out = {}
    for name, tr in trained.items():
        if tr.job.key not in done:
            done[tr.job.key] = evaluated(tr, y, extrapolate, samples, seed)
        out[name] = done[tr.job.key]
    return out


def light_cone(tr: Trained, y0: np.ndarray, steps: int, seed: int = 0, threshold: float = 0.1,
               mass_fraction: float = 0.9) -> dict:
    """How far a one-pixel change of the initial state spreads in ``steps`` steps.

    The opaque pixel of ``y0`` nearest the centre is erased (all four channels set to 0).
    The original and the perturbed state are run with the same update masks, so every
    difference is caused by the perturbation. Returns the Chebyshev radius (cells) of the
    region where any channel differs at all (``exact``: at most ``steps`` for a 3×3
    stencil) and where an observable channel differs by more than ``threshold``
    (``visible``), the radius that holds ``mass_fraction`` of the summed change
    (``effective``), the pixel, the map of the largest RGBA change (``change``) and each
    cell's Chebyshev distance from the pixel (``distance``).
    """
    h, w = y0.shape[:2]
    ii, jj = np.indices((h, w))
    d = np.maximum(np.abs(ii - h // 2), np.abs(jj - w // 2)).astype(float)
    d[y0[..., 3] <= OPAQUE] = np.inf
    i, j = np.unravel_index(np.argmin(d), d.shape)
    x = y0.copy()
    x[i, j, :] = 0.0
    model = tr.model()
    # one sample per rollout: the same seed then gives both the same update masks
    a = np.asarray(model.rollout(y0[None], steps, seed=seed, frames=[steps]))[0, 0]
    b = np.asarray(model.rollout(x[None], steps, seed=seed, frames=[steps]))[0, 0]
    diff = np.abs(a - b)
    cheb = np.maximum(np.abs(ii - i), np.abs(jj - j))
    anyd = diff.max(-1) > 0
    vis = diff[..., :4].max(-1) > threshold
    mass = np.cumsum(np.bincount(cheb.ravel(), weights=diff[..., :4].max(-1).ravel()))  # change within r
    effective = int(np.argmax(mass >= mass_fraction * mass[-1])) if mass[-1] > 0 else 0
    return {"pixel": (int(i), int(j)), "exact": int(cheb[anyd].max()) if anyd.any() else 0, "effective": effective,
            "visible": int(cheb[vis].max()) if vis.any() else 0, "steps": int(steps),
            "change": diff[..., :4].max(-1), "distance": cheb, "threshold": float(threshold)}


def cone_of(tr: Trained, y0: np.ndarray, steps: int, seed: int = 0) -> dict:
    """:func:`light_cone` (default threshold and mass fraction), from the store where it is there, else computed
    and stored (and shipped by a ``--ship`` run, for a shipped model)."""
    settings = {"ic": data_fingerprint(y0), "steps": steps, "seed": seed}
    key = store.key(tr.job.key, tr.weights_hash, settings)
    found = store.load(CONE_KIND, key, tr)
    if found is not None:
        a = found[0]
        return {"pixel": tuple(int(v) for v in a["pixel"]), "change": a["change"], "distance": a["distance"],
                **{k: int(a[k]) for k in ("exact", "effective", "visible", "steps")},
                "threshold": float(a["threshold"])}
    c = light_cone(tr, y0, steps, seed)
    store.save(CONE_KIND, key, {k: np.asarray(v) for k, v in c.items()}, {"model": tr.job.label, **settings}, tr)
    return c


# ------------------------------------------------------------ chapter runs
@dataclass
class Run:
    """One model of a sweep: its job, the trained model and its evaluation."""

    job: Job
    trained: Trained
    morph: Morph

    @property
    def label(self) -> str:
        return self.job.label


def _runs(jobs: dict[K, Job], P: SimpleNamespace, y: np.ndarray, desc: str) -> dict[K, Run]:
    """Train (or load) and evaluate every job once, keyed as given."""
    trained = sweep.keyed(jobs, retrain=P.retrain, echo=sweep.quiet, desc=desc)
    morphs = evaluate_all(trained, y, P.extrapolate, seed=P.seed)
    return {k: Run(jobs[k], trained[k], morphs[k]) for k in jobs}


def morphs(runs: dict[K, Run]) -> dict[K, Morph]:
    """The rollouts (:class:`Morph`) of runs keyed by name, keyed alike."""
    return {k: r.morph for k, r in runs.items()}


@dataclass
class Fig8Results:
    """Everything Fig 8 and videos S1–S3 show."""

    kernels: dict[str, Run]
    activations: dict[str, Run]
    no_noise: Run | None
    targets: np.ndarray

    @property
    def reference(self) -> Run | None:
        """The reference model (relu, ``ID_DIFF_LAP``, input noise), if the sweeps include it."""
        return self.activations.get("relu", self.kernels.get("ID_DIFF_LAP"))

    def runs(self) -> list[Run]:
        """Every distinct run, in sweep order."""
        return list({r.job.key: r for r in [*self.kernels.values(), *self.activations.values(),
                                             *filter(None, [self.no_noise])]}.values())

    def video_models(self) -> dict[str, Trained]:
        """The models of videos S1/S2 (the reference) and S3 (linear), where the sweeps have them."""
        out = {}
        if self.reference is not None:
            out["S1"] = self.reference.trained
        if "linear" in self.activations:
            out["S3"] = self.activations["linear"].trained
        return out


def run_fig8(P: SimpleNamespace) -> Fig8Results:
    """Train (or load) and evaluate the Fig 8 models of the ``kernels_activations`` parameters."""
    jobs = fig8_jobs(P)
    y = targets()
    named = {**{("kernels", k): j for k, j in jobs.kernels.items()},
             **{("activations", a): j for a, j in jobs.activations.items()},
             **({("no_noise", ""): jobs.no_noise} if jobs.no_noise else {})}
    runs = _runs(named, P, y, "Fig 8 models")
    return Fig8Results(kernels={k: r for (kind, k), r in runs.items() if kind == "kernels"},
                       activations={k: r for (kind, k), r in runs.items() if kind == "activations"},
                       no_noise=runs.get(("no_noise", "")), targets=y)


@dataclass
class Fig9Results:
    """Everything Fig 9 shows, and the stability chapters' models among its runs."""

    channels: dict[int, Run]
    sampling: dict[int, Run]
    symmetric: Run | None
    stability: dict[str, Run]
    cone: dict | None
    targets: np.ndarray

    def runs(self) -> list[Run]:
        return list({r.job.key: r for r in [*self.channels.values(), *self.sampling.values(),
                                             *filter(None, [self.symmetric])]}.values())


def run_fig9(P: SimpleNamespace) -> Fig9Results:
    """Train (or load) and evaluate the Fig 9 models of the ``channels_sampling`` parameters; the
    one-pixel light cone of the t = 8 model, when the sweep has it."""
    jobs = fig9_jobs(P)
    y = targets()
    named = {**{("channels", c): j for c, j in jobs.channels.items()},
             **{("sampling", t): j for t, j in jobs.sampling.items()},
             **({("symmetric", 0): jobs.symmetric} if jobs.symmetric else {})}
    runs = _runs(named, P, y, "Fig 9 models")
    by_key = {r.job.key: r for r in runs.values()}
    stability = {}
    for name, j in stability_jobs(P).items():
        if j.key not in by_key:
            raise ValueError(f"stability model {name!r} ({j.label}) is not among the Fig 9 runs; "
                             f"accepted: parameters whose sweeps include it")
        stability[name] = by_key[j.key]
    sampling = {t: r for (kind, t), r in runs.items() if kind == "sampling"}
    cone = cone_of(sampling[8].trained, y[0], 16) if 8 in sampling else None
    return Fig9Results(channels={c: r for (kind, c), r in runs.items() if kind == "channels"}, sampling=sampling,
                       symmetric=runs.get(("symmetric", 0)), stability=stability, cone=cone, targets=y)


# ------------------------------------------------------------------ Fig 7
@dataclass
class TaskData:
    """The morph task's data as Fig 7 shows them."""

    frames: np.ndarray  # [T, 60, 60, 4] the images
    lattice: np.ndarray  # [T, H, W, 4] the images zero-padded
    y: np.ndarray  # [T, R, H, W, 4] the randomly shifted copies (the training batch)
    shifts: list[dict]  # the R shifts of ``y``
    spec: dict  # the data specification of ``y`` (:func:`nca_core.runs.job.emoji_spec`)

    def summary(self) -> str:
        return (f"{len(self.frames)} frames of shape {self.frames.shape[1:]}; lattice {self.lattice.shape[1:]}; "
                f"batch y {self.y.shape} (frames, trajectories, rows, columns, channels)")


def run_fig7(P: SimpleNamespace) -> TaskData:
    """The images, the padded lattice and the shifted training copies of the ``morphing_task`` parameters."""
    frames = data.morph_frames(P.names)
    y, shifts = data.emoji_trajectories(P.names, P.copies, P.pad, P.max_shift, P.seed)
    return TaskData(frames, data.pad_lattice(frames, P.pad), y, shifts,
                    emoji_spec(P.names, P.copies, P.pad, P.max_shift, P.seed))


def stability_models(profile: str = "quick", retrain: bool = False, progress: bool = True,
                     names: Sequence[str] | None = None, **overrides: Any) -> dict[str, Trained]:
    """Load (or train) the :func:`nca_core.chapters.morph.models.stability_jobs` models by name. At the
    quick and long profiles they are shipped. ``names`` limits the result to those models, so a chapter
    that needs one model neither trains nor waits for the others."""
    return sweep.keyed(models.stability_jobs(profile, names, **overrides), retrain=retrain, progress=progress,
                       echo=sweep.quiet, desc="stability models")
