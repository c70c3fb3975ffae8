"""Parameter-perturbation stability: how a trained NCA's rollout suffers when its weights are disturbed.

Two disturbances of the weights θ (:mod:`nca_core.core.surgery`):

* **relative noise**: every tensor ``W`` of θ becomes ``W + σ·rms(W)·ε``, ``ε ~ N(0, 1)``, for σ on a
  log grid; draw ``d`` uses the same ``ε`` at every σ (common random numbers: each draw is a ray
  through weight space, so its curve is smooth in σ);
* **dropped hidden units**: a fraction ``f`` of the hidden units (rounded to whole units) is zeroed;
  draw ``d`` drops the first ``round(f·H)`` units of one random order, so a larger fraction drops a
  superset.

Each disturbed model is rolled out from the chapter's test state with the update masks of its draw
(seed ``m_d``) and compared with the undisturbed model rolled out with the masks of a reference seed
``m_ref``. The *damage* is the relative distance of the observable channels at the horizon,

.. math::

    D = \\frac{\\| \\Phi^N_{\\theta'}(x^0; m_d) - \\Phi^N_{\\theta}(x^0; m_{ref}) \\|}
             {\\| \\Phi^N_{\\theta}(x^0; m_{ref}) \\|}.

At σ = 0 the same computation is the model's own **noise floor**: two undisturbed rollouts that
differ only in their masks (exactly 0 for the Gray-Scott models, which update every cell at every
step). Whether the pattern is **lost** is decided by the criteria the other chapters use, fixed
before this chapter ran:

* Gray-Scott (from the unseen 128×128 test IC at n = 2048): the main chapter's quality target
  (:func:`nca_core.chapters.gray_scott.quality.meets_target`: invasion of the empty region ≥ ½ of
  the PDE's, wavelength within 15 %) is missed;
* morph (from the alien at n = 3t, the trained horizon): the adversarial chapter's "destroyed"
  (:func:`nca_core.chapters.adversarial.claims.destroyed`: opaque-region IoU with the rooster below
  0.5 where the undisturbed model's is not, or the distance to the rooster at least twice the
  undisturbed model's; the undisturbed numbers are the medians over the noise floor's mask seeds).

The **critical σ** (and critical fraction) is where at least :data:`LOST_SHARE` of the draws have
lost it (:func:`critical`). Everything a sweep computes is stored (:mod:`nca_core.runs.store`, kind
:data:`KIND`) and shipped for the shipped models.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable

import numpy as np

from nca_core import validate
from nca_core.chapters.adversarial.claims import destroyed
from nca_core.chapters.gray_scott.measure import invasion, pattern_statistics
from nca_core.chapters.gray_scott.quality import Quality, meets_target
from nca_core.chapters.measures import blown_up
from nca_core.chapters.morph.measure import distance, shape_iou, targets
from nca_core.chapters.perturbation.jobs import gray_scott_jobs, morph_jobs
from nca_core.core import surgery
from nca_core.core.model import NCA, PARAM_NAMES
from nca_core.data import gray_scott as pde
from nca_core.runs import store, sweep
from nca_core.runs.cache import Trained

#: the store's kind of this chapter's sweeps
KIND = "perturbation"
#: a σ (or fraction) has lost the pattern when at least this share of its draws has
LOST_SHARE = 0.5
#: the two disturbances
DISTURBANCES = ("sigma", "drop")
#: the measures kept per rollout: damage, the task's two scores (Gray-Scott: invasion / PDE's, wavelength error;
#: morph: IoU with the rooster, distance to the rooster) and whether the pattern is lost
MEASURES = ("damage", "score", "score2", "lost")


# ------------------------------------------------------------------ rollouts with other weights
def final_state(model: NCA, params: dict[str, np.ndarray], x0: np.ndarray, steps: int, seed: int) -> np.ndarray:
    """The state ``[B, H, W, C]`` after ``steps`` steps of ``model``'s rule with the weights ``params`` from ``x0``,
    under the masks of ``seed``: :meth:`NCA.rollout(x0, steps, seed) <nca_core.core.model.NCA.rollout>`'s last
    state for other weights, through the model's own compiled loop (no recompilation per set of weights)."""
    from nca_core.core.backend import tf

    validate.integer("steps", steps, 1)
    validate.integer("seed", seed, 0)
    dtype = model.config.dtype
    ps = [tf.constant(np.asarray(params[k], dtype)) for k in PARAM_NAMES]
    x = model.prepare_state(x0)
    out = model.compiled_advance()(ps, x, tf.constant(steps), tf.constant(0), tf.constant([seed, 0], tf.int64))
    return out.numpy()


def drop_order(hidden: int, seed: int) -> np.ndarray:
    """A random order of the ``hidden`` units (seeded): a fraction f drops its first :func:`dropped` units."""
    return np.random.default_rng(validate.integer("seed", seed, 0)).permutation(validate.integer("hidden", hidden, 1))


def dropped(fraction: float, hidden: int) -> int:
    """How many of ``hidden`` units a fraction drops: ``round(f·H)``, at least 1 for f > 0."""
    validate.number("fraction", fraction, 0.0, 1.0)
    return 0 if fraction == 0 else max(1, int(round(fraction * hidden)))


def relative_distance(a: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """‖a − ref‖ / ‖ref‖ over the trailing three axes; inf where ``a`` has blown up (not finite, or some
    |x| above :data:`nca_core.core.config.DIVERGENCE_THRESHOLD`: a huge but finite distance says no more)."""
    a = np.asarray(a, np.float64)
    n = np.sqrt(np.sum(np.asarray(ref, np.float64) ** 2, axis=(-1, -2, -3)))
    d = distance(a, np.asarray(ref, np.float64)) / np.where(n > 0, n, 1.0)
    return np.where(blown_up(a, axis=(-1, -2, -3)), np.inf, d)


# ------------------------------------------------------------------ the critical size
def lost_share(lost: np.ndarray) -> np.ndarray:
    """The share of draws lost per grid point: ``lost [S, D]`` → ``[S]``."""
    return np.mean(np.asarray(lost, bool), axis=1)


def critical(xs, lost, level: float = LOST_SHARE) -> float:
    """The size at which the pattern is lost: the first grid point (ascending ``xs [S]``) where the share of lost
    draws (``lost [S, D]``) reaches ``level``, interpolated geometrically from the point before it by the share
    (so 2 of 4 draws lost at x₁ after 0 at x₀ gives x₁; 3 of 4 gives √(x₀x₁)·…). The first grid point if it is
    already lost there (the critical size is then at most that); ``inf`` if it is never lost on the grid."""
    xs = np.asarray(xs, float)
    share = lost_share(lost)
    if xs.ndim != 1 or len(xs) != len(share) or len(xs) == 0:
        raise ValueError(f"xs has shape {xs.shape} and lost {np.shape(lost)}; accepted: [S] and [S, D], S ≥ 1")
    if np.any(xs <= 0) or np.any(np.diff(xs) <= 0):
        raise ValueError(f"xs={xs.tolist()} is not accepted; accepted: positive, strictly ascending")
    validate.number("level", level, 0.0, 1.0)
    hit = np.flatnonzero(share >= level)
    if not hit.size:
        return float("inf")
    i = int(hit[0])
    if i == 0:
        return float(xs[0])
    s0, s1 = share[i - 1], share[i]
    w = (level - s0) / (s1 - s0)  # 0 < s0 < level ≤ s1: where the share crosses the level, linearly in log x
    if w >= 1:  # reached at the grid point itself: that value exactly (no rounding across a threshold)
        return float(xs[i])
    return float(np.exp(np.log(xs[i - 1]) + w * (np.log(xs[i]) - np.log(xs[i - 1]))))


def describe_critical(xs, lost, level: float = LOST_SHARE, unit: str = "σ") -> str:
    """The critical size in words, with the grid points that bracket it."""
    xs = np.asarray(xs, float)
    c = critical(xs, lost, level)
    share = lost_share(lost)
    if not np.isfinite(c):
        return f"never lost on the grid ({unit} ≤ {xs[-1]:g}: at most {share.max():.0%} of the draws lost)"
    i = int(np.flatnonzero(share >= level)[0])
    if i == 0:
        return f"{unit}* ≤ {xs[0]:g} (the smallest tried: {share[0]:.0%} of the draws lost)"
    return (f"{unit}* = {c:.3g} ({share[i - 1]:.0%} of the draws lost at {xs[i - 1]:g}, {share[i]:.0%} at "
            f"{xs[i]:g})")


# ------------------------------------------------------------------ one model's sweep
@dataclass
class Task:
    """What a sweep rolls out and how it judges a rollout.

    Attributes:
        name: ``"gray_scott"`` or ``"morph"``.
        x0: the test state ``[H, W, c]`` (hidden channels added as zeros).
        steps: the horizon N.
        judge: ``(final states [B, H, W, C] of the observable channels, reference numbers or None) →
            (score [B], score2 [B], lost [B] or None)``; with reference None the losses are decided later
            (:meth:`decide`).
        decide: ``(score, score2, reference score, reference score2) → lost`` for a task whose criterion is
            relative to the undisturbed model (morph), else None.
        image: the final state → the picture kept for the row of rollouts (uint8).
        settings: what changes the numbers (part of the store key).
    """

    name: str
    x0: np.ndarray
    steps: int
    judge: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray | None]]
    decide: Callable[[np.ndarray, np.ndarray, float, float], np.ndarray] | None
    image: Callable[[np.ndarray], np.ndarray]
    settings: dict
    extra: Callable[[], dict] = dict


def _uint8(x: np.ndarray) -> np.ndarray:
    return np.round(np.clip(np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0) * 255).astype(np.uint8)


def gray_scott_task(size: int, steps: int, preset: str = "published") -> Task:
    """The unseen test IC of the main chapter; lost = :func:`meets_target` missed (score: invasion / PDE's,
    score2: wavelength error)."""
    ic = pde.test_ic(size)
    solved: dict[str, object] = {}

    def reference() -> tuple[np.ndarray, dict, float, float]:
        """The PDE's state at ``steps`` and its numbers, solved once, when a rollout is first judged."""
        if not solved:
            ref = pde.solve(ic, steps, pde.preset(preset))[-1]
            solved.update(ref=ref, stats=pattern_statistics(ref), inv=invasion(ref, ic),
                          inv2=invasion(ref, ic, threshold=0.2))
        return solved["ref"], solved["stats"], solved["inv"], solved["inv2"]

    def quality(state: np.ndarray) -> Quality:
        ref, s_p, inv_p, inv_p2 = reference()
        if blown_up(state[None], axis=(1, 2, 3))[0]:
            nan = float("nan")
            return Quality(steps, nan, inv_p, nan, inv_p2, nan, s_p["wavelength"], nan, s_p["contrast"],
                           float("inf"), True)
        s_n = pattern_statistics(state)
        return Quality(steps, invasion(state, ic), inv_p, invasion(state, ic, threshold=0.2), inv_p2,
                       s_n["wavelength"], s_p["wavelength"], s_n["contrast"], s_p["contrast"],
                       float(np.sqrt(np.sum((state[..., :2] - ref) ** 2))), False)

    def judge(states: np.ndarray):
        qs = [quality(s) for s in states]
        return (np.array([q.invasion_ratio for q in qs]), np.array([q.wavelength_error for q in qs]),
                np.array([not meets_target(q) for q in qs]))

    def extra() -> dict:
        _, s_p, inv_p, _ = reference()
        return {"invasion_pde": inv_p, "wavelength_pde": s_p["wavelength"]}

    return Task("gray_scott", ic, steps, judge, None, lambda s: _uint8(s[..., 1]),
                {"size": size, "steps": steps, "preset": preset}, extra)


def morph_task(t: int) -> Task:
    """The alien to n = 3t (the trained horizon); score: IoU with the rooster, score2: distance to the rooster;
    lost: :func:`nca_core.chapters.adversarial.claims.destroyed` against the undisturbed model's medians."""
    y = targets()
    x0, rooster = y[0], y[-1]
    steps = (len(y) - 1) * t

    def judge(states: np.ndarray):
        obs = states[..., :4]
        with np.errstate(all="ignore"):
            iou = np.nan_to_num(shape_iou(obs, rooster), nan=0.0)
        return iou.astype(float), distance(obs, rooster).astype(float), None

    def decide(score, score2, ref_iou, ref_dist):
        return np.asarray(destroyed(score, score2, {"iou": [ref_iou], "to_rooster": [ref_dist]}, 0), bool)

    return Task("morph", x0, steps, judge, decide, lambda s: _uint8(s[..., :4]), {"t": t, "steps": steps})


@dataclass
class Curve:
    """One model's sweep.

    Attributes:
        name: how the page names the model (``"Gray-Scott t = 32"``, ``"morph C32_t32"``).
        task: ``"gray_scott"`` or ``"morph"``.
        trained: the model read.
        sigmas ``[S]``, fractions ``[F]``: the grids; units ``[F]``: hidden units dropped per fraction.
        sigma, drop: measure → ``[S, D]`` / ``[F, D]`` (:data:`MEASURES`).
        floor: measure → ``[D]``: σ = 0 with the draws' mask seeds (the noise floor).
        reference: the undisturbed model with the reference masks: ``score``, ``score2``, ``lost``.
        rows: σ → picture of draw 0's final state (σ = 0: the reference), uint8.
        deterministic: the model updates every cell at every step (no mask noise; floor 0).
        hidden: the number of hidden units.
        seconds: wall time of the sweep when it was computed; cached: loaded, not computed.
    """

    name: str
    task: str
    trained: Trained | None
    sigmas: np.ndarray
    fractions: np.ndarray
    units: np.ndarray
    sigma: dict[str, np.ndarray]
    drop: dict[str, np.ndarray]
    floor: dict[str, np.ndarray]
    reference: dict[str, float]
    rows: dict[float, np.ndarray]
    deterministic: bool
    hidden: int
    seconds: float = 0.0
    cached: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def critical_sigma(self) -> float:
        return critical(self.sigmas, self.sigma["lost"])

    @property
    def critical_fraction(self) -> float:
        return critical(self.fractions, self.drop["lost"])

    @property
    def floor_band(self) -> tuple[float, float]:
        """(min, max) of the noise floor's damage over its mask seeds."""
        f = self.floor["damage"]
        return float(np.min(f)), float(np.max(f))

    @property
    def baseline_lost(self) -> bool:
        """The undisturbed model has already lost it (the reference run, or most noise-floor runs)."""
        return bool(self.reference["lost"]) or bool(np.mean(self.floor["lost"]) >= LOST_SHARE)


def sweep_model(name: str, model: NCA, task: Task, sigmas, fractions, draws: int, seed: int = 0,
                rows=(), progress: bool = True, trained: Trained | None = None) -> Curve:
    """Roll out the undisturbed model (reference masks), its noise floor (σ = 0, each draw's masks), every σ and
    every fraction for ``draws`` draws, and judge each rollout (see the module's docstring)."""
    sigmas = np.array([validate.number("sigmas", s, 0.0) for s in sigmas], float)
    fractions = np.array([validate.number("fractions", f, 0.0, 1.0) for f in fractions], float)
    draws = validate.integer("draws", draws, 1)
    seed = validate.integer("seed", seed, 0)
    for nm, v in (("sigmas", sigmas), ("fractions", fractions)):
        if not v.size or np.any(v <= 0) or np.any(np.diff(v) <= 0):
            raise ValueError(f"{nm}={v.tolist()} is not accepted; accepted: positive, strictly ascending, not empty")
    rows = [float(r) for r in rows]
    if any(r not in sigmas for r in rows):
        raise ValueError(f"rows={rows} is not accepted; accepted: values of sigmas={sigmas.tolist()}")
    params = model.params
    hidden = params["w_hidden"].shape[1]
    units = np.array([dropped(f, hidden) for f in fractions])
    obs = model.config.observable
    ref_seed, mask = store.seed_of(seed, 0), [store.seed_of(seed, 1, d) for d in range(draws)]
    noise = [store.seed_of(seed, 2, d) for d in range(draws)]
    orders = [drop_order(hidden, store.seed_of(seed, 3, d)) for d in range(draws)]
    runs = [("ref", 0, 0.0, params, ref_seed)]
    runs += [("floor", d, 0.0, params, mask[d]) for d in range(draws)]
    runs += [("sigma", d, s, None, mask[d]) for s in sigmas for d in range(draws)]
    runs += [("drop", d, f, None, mask[d]) for f in fractions for d in range(draws)]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(runs), desc=f"{name}: perturbed rollouts", unit="rollout")
    t0 = time.perf_counter()
    finals: dict[tuple[str, int, float], np.ndarray] = {}
    for kind, d, v, p, ms in runs:
        if p is None:
            p = (surgery.perturbed(params, v, noise[d]) if kind == "sigma" else
                 surgery.ablated(params, hidden=orders[d][:dropped(v, hidden)]))
        with np.errstate(all="ignore"):
            finals[(kind, d, v)] = final_state(model, p, task.x0, task.steps, ms)[0, ..., :obs]
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    ref = finals[("ref", 0, 0.0)]

    def measured(keys: list[tuple[str, int, float]], shape: tuple[int, ...]) -> dict[str, np.ndarray]:
        states = np.stack([finals[k] for k in keys])
        with np.errstate(all="ignore"):
            score, score2, lost = task.judge(states)
        return {"damage": relative_distance(states, ref[None]).reshape(shape), "score": score.reshape(shape),
                "score2": score2.reshape(shape), "lost": None if lost is None else lost.reshape(shape)}

    reference = measured([("ref", 0, 0.0)], (1,))
    floor = measured([("floor", d, 0.0) for d in range(draws)], (draws,))
    sig = measured([("sigma", d, s) for s in sigmas for d in range(draws)], (len(sigmas), draws))
    drp = measured([("drop", d, f) for f in fractions for d in range(draws)], (len(fractions), draws))
    if task.decide is not None:  # the criterion is relative to the undisturbed model: the noise floor's medians
        r1, r2 = float(np.median(floor["score"])), float(np.median(floor["score2"]))
        for m in (reference, floor, sig, drp):
            m["lost"] = task.decide(m["score"], m["score2"], r1, r2)
    ref_numbers = {"score": float(reference["score"][0]), "score2": float(reference["score2"][0]),
                   "lost": bool(reference["lost"][0])}
    pics = {0.0: task.image(ref)} | {r: task.image(finals[("sigma", 0, r)]) for r in rows}
    return Curve(name, task.name, trained, sigmas, fractions, units, sig, drp, floor, ref_numbers, pics,
                 model.config.fire_rate >= 1.0, hidden, time.perf_counter() - t0, False, task.extra())


# ------------------------------------------------------------------ stored sweeps
def _to_arrays(c: Curve) -> tuple[dict[str, np.ndarray], dict]:
    arrays = {"sigmas": c.sigmas, "fractions": c.fractions, "units": c.units}
    for group, m in (("sigma", c.sigma), ("drop", c.drop), ("floor", c.floor)):
        arrays |= {f"{group}_{k}": np.asarray(v) for k, v in m.items()}
    rs = sorted(c.rows)
    arrays |= {"row_sigmas": np.array(rs, float), "row_images": np.stack([c.rows[r] for r in rs])}
    meta = {"name": c.name, "task": c.task, "reference": c.reference, "deterministic": c.deterministic,
            "hidden": c.hidden, "seconds": c.seconds, "extra": c.extra}
    return arrays, meta


def _from_arrays(arrays: dict[str, np.ndarray], meta: dict, trained: Trained | None) -> Curve:
    def group(g: str) -> dict[str, np.ndarray]:
        return {k: arrays[f"{g}_{k}"] for k in MEASURES}

    rows = {float(r): img for r, img in zip(arrays["row_sigmas"], arrays["row_images"])}
    return Curve(meta["name"], meta["task"], trained, arrays["sigmas"], arrays["fractions"], arrays["units"],
                 group("sigma"), group("drop"), group("floor"), meta["reference"], rows, bool(meta["deterministic"]),
                 int(meta["hidden"]), float(meta["seconds"]), True, meta.get("extra", {}))


def stored_sweep(name: str, tr: Trained, task: Task, P: SimpleNamespace, rows=(), progress: bool = True) -> Curve:
    """:func:`sweep_model` of ``tr``'s model, loaded from the store (or the shipped artefacts) when it was computed
    before with the same model, weights and settings; computed and stored (and shipped with ``--ship``) else."""
    settings = {"rollout": task.settings, "sigmas": list(map(float, P.sigmas)),
                "fractions": list(map(float, P.fractions)),
                "draws": P.draws, "seed": P.perturb_seed, "rows": sorted(map(float, rows)), "name": name}
    key = store.key(tr.job.key, tr.weights_hash, settings)
    found = None if P.recompute else store.load(KIND, key, tr)
    if found is not None:
        return _from_arrays(*found, tr)
    c = sweep_model(name, tr.model(), task, P.sigmas, P.fractions, P.draws, P.perturb_seed, rows, progress, tr)
    arrays, meta = _to_arrays(c)
    store.save(KIND, key, arrays, {**meta, "model": tr.job.label, **settings}, tr)
    return c


# ------------------------------------------------------------------ the chapter's run
def _read(jobs: dict, P: SimpleNamespace) -> dict:
    """The models of ``jobs`` (:func:`nca_core.runs.sweep.existing`: trains only the smoke tier's)."""
    return sweep.existing(jobs, "perturbation", P.tier)


@dataclass
class Perturbation:
    """Every model's sweep, Gray-Scott first (by t), then morph (by name)."""

    gray_scott: dict[int, Curve]
    morph: dict[str, Curve]
    row_t: int
    row_morph: str

    @property
    def curves(self) -> list[Curve]:
        return [*self.gray_scott.values(), *self.morph.values()]

    @property
    def models(self) -> list[Trained]:
        return [c.trained for c in self.curves if c.trained is not None]


def run(P: SimpleNamespace, progress: bool = True) -> Perturbation:
    """Read the tier's Gray-Scott and morph models and sweep each (or load its stored sweep)."""
    gs: dict[int, Trained] = _read(gray_scott_jobs(P), P)
    mo: dict[str, Trained] = _read(morph_jobs(P), P)
    task = gray_scott_task(P.test_size, P.test_steps, P.gamma_preset)
    gs_curves = {t: stored_sweep(f"Gray-Scott t = {t}", tr, task, P, P.rows if t == P.row_t else (), progress)
                 for t, tr in gs.items()}
    mo_curves = {name: stored_sweep(f"morph {name}", tr, morph_task(tr.job.train.t), P,
                                    P.rows if name == P.row_morph else (), progress) for name, tr in mo.items()}
    return Perturbation(gs_curves, mo_curves, P.row_t, P.row_morph)


def summary(R: Perturbation) -> str:
    """A Markdown table per model: the undisturbed scores, the noise floor, σ* and f* with the grid points that
    bracket them, and the wall time of the sweep (or that it was loaded)."""
    lines = ["| model | undisturbed | noise floor (damage) | σ* | f* (hidden units dropped) | sweep |",
             "|---|---|---|---|---|---|"]
    for c in R.curves:
        if c.task == "gray_scott":
            base = f"invasion {c.reference['score']:.2f} of the PDE's, wavelength error {c.reference['score2']:.2f}"
        else:
            base = f"IoU {c.reference['score']:.2f}, distance to the rooster {c.reference['score2']:.1f}"
        base += " (already lost)" if c.baseline_lost else ""
        lo, hi = c.floor_band
        floor = "0 (every cell updates every step)" if c.deterministic else f"{lo:.3g}–{hi:.3g}"
        how = "loaded" if c.cached else f"computed in {c.seconds:.0f} s"
        lines.append(f"| {c.name} | {base} | {floor} | {describe_critical(c.sigmas, c.sigma['lost'])} | "
                     f"{describe_critical(c.fractions, c.drop['lost'], unit='f')}, of {c.hidden} | {how} |")
    return "\n".join(lines)
