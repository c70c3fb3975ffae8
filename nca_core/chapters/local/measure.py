"""Fig 10: how far does a change of one pixel of the initial state spread?

Protocol (the paper gives the threshold and the idea; the rest is our choice, see
paper-spec §5 Fig 10):

1. The initial state is the unshifted alien on the 80×80 lattice, hidden channels 0.
2. At each location of a grid over the 60×60 image region (every ``stride``-th pixel) the
   four observable channels of that one pixel are changed: ``invert`` (x → 1 − x, a large
   change on opaque and transparent pixels alike), ``zero`` or ``one``.
3. Perturbed and unperturbed states are rolled out to the end of the trained horizon,
   n = 3t, and a pixel of the final state counts as *changed* when
   ``max_c |x_pert − x_ref| > threshold`` over the RGBA channels (threshold 0.1).
4. The *footprint* of a location is the number of changed pixels; its *reach* the Chebyshev
   distance from the perturbed pixel to the farthest changed pixel (−1: none changed).

Randomness: with ``common=True`` (common random numbers) every perturbed lattice and the
reference share one mask sequence (:mod:`nca_core.core.masks`), so every
changed pixel is caused by the perturbation; with ``common=False`` each lattice draws its
own masks, as two independent runs of the model would. The *noise floor* is the same count
between pairs of unperturbed runs with independent masks. Counts are averaged over
``masks`` mask realisations.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Sequence

import numpy as np

from nca_core import validate
from nca_core.chapters.local.jobs import MODELS
from nca_core.chapters.morph.measure import stability_models, targets
from nca_core.core.checkpoint import data_fingerprint
from nca_core.core.masks import rollouts
from nca_core.core.model import NCA
from nca_core.runs import store
from nca_core.runs.cache import Trained

PERTURBATIONS = ("invert", "zero", "one")
#: size and offset of the image region inside the 80×80 lattice
REGION, PAD = 60, 10


def locations(stride: int, region: int = REGION, pad: int = PAD) -> tuple[np.ndarray, tuple[int, int]]:
    """The perturbed pixels: every ``stride``-th pixel of the ``region``² image region, centred.

    Returns the lattice coordinates ``[L, 2]`` (row, column; row-major over the grid) and
    the grid's shape.
    """
    validate.integer("stride", stride, 1, region)
    k = (region - 1) // stride + 1
    off = pad + (region - 1 - (k - 1) * stride) // 2
    axis = off + stride * np.arange(k)
    rr, cc = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([rr.ravel(), cc.ravel()], 1), (k, k)


def perturb(x0: np.ndarray, where: np.ndarray, kind: str = "invert", observable: int = 4) -> np.ndarray:
    """Copies of ``x0 [H, W, c]``, the ``observable`` channels of pixel ``where[i]`` changed in copy i."""
    validate.choice("perturbation", kind, PERTURBATIONS)
    where = np.asarray(where).reshape(-1, 2)
    x = np.repeat(np.asarray(x0)[None], len(where), 0)
    b, i, j = np.arange(len(where)), where[:, 0], where[:, 1]
    px = x[b, i, j, :observable]
    x[b, i, j, :observable] = {"invert": 1.0 - px, "zero": np.zeros_like(px), "one": np.ones_like(px)}[kind]
    return x


def changed(a: np.ndarray, b: np.ndarray, threshold: float = 0.1, observable: int = 4) -> np.ndarray:
    """Pixels where ``max_c |a − b| > threshold`` over the observable channels (non-finite: changed)."""
    with np.errstate(invalid="ignore"):
        return ~(np.abs(a[..., :observable] - b[..., :observable]).max(-1) <= threshold)


def reach(change: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Chebyshev distance from ``where[i]`` to the farthest True pixel of ``change[i]`` (−1: none)."""
    h, w = change.shape[-2:]
    ii, jj = np.indices((h, w))
    where = np.asarray(where).reshape(-1, 2)
    d = np.maximum(np.abs(ii[None] - where[:, 0, None, None]), np.abs(jj[None] - where[:, 1, None, None]))
    return np.where(change, d, -1).reshape(len(where), -1).max(1)


def footprints(model: NCA, x0: np.ndarray, steps: int, where: np.ndarray, kind: str = "invert",
               threshold: float = 0.1, masks: int = 1, common: bool = True, batch_size: int = 16, seed: int = 0,
               progress: bool = False, desc: str = "perturbations") -> tuple[np.ndarray, np.ndarray]:
    """Footprint and reach of a one-pixel perturbation at each of ``where``, batched.

    Args:
        model: the NCA.
        x0: the unperturbed initial state ``[H, W, c]``.
        steps: rollout length n.
        where: pixels to perturb ``[L, 2]``.
        kind, threshold: see :func:`perturb` and :func:`changed`.
        masks: mask realisations (each gives one count per location).
        common: one shared mask sequence per realisation for every run (else independent masks).
        batch_size: perturbed lattices per compiled rollout (memory grows linearly with it).
        seed: seed of all masks.

    Returns:
        counts and reach, each ``[masks, L]``.
    """
    validate.integer("steps", steps, 1)
    validate.integer("masks", masks, 1)
    validate.integer("batch_size", batch_size, 1)
    where = np.asarray(where).reshape(-1, 2)
    runner, obs = rollouts(model), model.config.observable
    size = tuple(np.shape(x0)[:2])
    batches = [where[i:i + batch_size] for i in range(0, len(where), batch_size)]
    counts = np.zeros((masks, len(where)), np.int64)
    far = np.zeros((masks, len(where)), np.int64)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=masks * len(where), desc=desc, unit="pixel")
    for r in range(masks):
        shared = runner.masks(steps, store.seed_of(seed, r), size) if common else None

        def run(x: np.ndarray, b: int) -> np.ndarray:
            if common:
                return runner.run(x, [steps], masks=shared)[0]
            return runner.run(x, [steps], seed=store.seed_of(seed, r, b + 1))[0]

        ref = run(np.asarray(x0)[None], -1)[0]
        k = 0
        for b, chunk in enumerate(batches):
            fin = run(perturb(x0, chunk, kind, obs), b)
            ch = changed(fin, ref[None], threshold, obs)
            counts[r, k:k + len(chunk)] = ch.sum(axis=(1, 2))
            far[r, k:k + len(chunk)] = reach(ch, chunk)
            k += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
    if bar is not None:
        bar.close()
    return counts, far


def noise_floor(model: NCA, x0: np.ndarray, steps: int, pairs: int, threshold: float = 0.1,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Changed pixels between ``pairs`` pairs of unperturbed runs with independent masks.

    Returns the count per pair ``[pairs]`` and how often each pixel changed ``[H, W]`` (0–1).
    """
    validate.integer("pairs", pairs, 1)
    fin = rollouts(model).run(np.repeat(np.asarray(x0)[None], 2 * pairs, 0), [steps],
                              seed=store.seed_of(seed, 1 << 20))[0]
    ch = changed(fin[0::2], fin[1::2], threshold, model.config.observable)
    return ch.sum(axis=(1, 2)), ch.mean(0)


def final_states(model: NCA, x0: np.ndarray, steps: int, where: np.ndarray, kind: str = "invert",
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The unperturbed and the perturbed final RGBA states (mask realisation 0, shared masks)."""
    runner, obs = rollouts(model), model.config.observable
    shared = runner.masks(steps, store.seed_of(seed, 0), tuple(np.shape(x0)[:2]))
    x = np.concatenate([np.asarray(x0)[None], perturb(x0, where, kind, obs)])
    fin = runner.run(x, [steps], masks=shared)[0][..., :obs]
    return fin[0], fin[1:]


def timing(model: NCA, x0: np.ndarray, steps: int, where: np.ndarray, kind: str = "invert",
           threshold: float = 0.1, seed: int = 0) -> dict:
    """Milliseconds per rollout step and lattice: the pixels ``where`` as one batch, and one by one.

    Both use realisation 0's shared masks; the counts of the two must agree exactly.
    Compilation is excluded (each shape is run once before it is timed).
    """
    where = np.asarray(where).reshape(-1, 2)
    runner, obs = rollouts(model), model.config.observable
    shared = runner.masks(steps, store.seed_of(seed, 0), tuple(np.shape(x0)[:2]))
    ref = runner.run(np.asarray(x0)[None], [steps], masks=shared)[0][0]
    xb = perturb(x0, where, kind, obs)
    runner.run(xb, [1], masks=shared)  # compile both shapes before timing
    runner.run(xb[:1], [1], masks=shared)
    t0 = time.perf_counter()
    batched = changed(runner.run(xb, [steps], masks=shared)[0], ref[None], threshold, obs).sum(axis=(1, 2))
    t_batch = time.perf_counter() - t0
    single = []
    t0 = time.perf_counter()
    for x in xb:
        single.append(int(changed(runner.run(x[None], [steps], masks=shared)[0], ref[None], threshold,
                                  obs).sum()))
    t_single = time.perf_counter() - t0
    n = len(where) * steps
    return {"ms_batched": 1000 * t_batch / n, "ms_single": 1000 * t_single / n, "pixels": len(where),
            "batched_counts": batched.tolist(), "single_counts": single,
            "agree": bool(np.array_equal(batched, single))}


# ------------------------------------------------------------------ results
@dataclass
class LocalMap:
    """One model's perturbation map and everything shown about it."""

    name: str
    label: str
    t: int
    steps: int
    fire_rate: float
    locations: np.ndarray  # [L, 2] perturbed pixels (lattice row, column)
    grid_shape: tuple[int, int]
    counts: np.ndarray  # [M, L] changed pixels per mask realisation and location
    reach: np.ndarray  # [M, L] Chebyshev reach of the change (−1: nothing changed)
    noise_counts: np.ndarray  # [P] changed pixels between unperturbed runs with independent masks
    noise_map: np.ndarray  # [H, W] how often each pixel changed between those runs
    reference: np.ndarray  # [H, W, 4] the unperturbed final state (realisation 0)
    examples: np.ndarray  # [E, H, W, 4] final states of the example locations (realisation 0)
    example_index: np.ndarray  # [E] their indices into ``locations``
    seconds: float  # wall time of the map when it was computed
    cached: bool
    timing: dict = field(default_factory=dict)

    @property
    def mean_counts(self) -> np.ndarray:
        """Footprint per location, averaged over the mask realisations ``[L]``."""
        return self.counts.mean(0)

    @property
    def grid(self) -> np.ndarray:
        """The heat map: mean footprint on the location grid."""
        return self.mean_counts.reshape(self.grid_shape)

    @property
    def bound(self) -> float:
        """Light-cone radius n·(fire rate): how far a change travels in n steps if it moves one cell
        per update and a cell updates with probability ``fire_rate`` per step."""
        return self.steps * self.fire_rate

    @property
    def within(self) -> float:
        """Fraction of (realisation, location) pairs whose change stays within :attr:`bound`."""
        return float((self.reach <= self.bound).mean())

    @property
    def ms_map(self) -> float:
        """Milliseconds per rollout step and lattice of the whole map (its reference runs included)."""
        return 1000 * self.seconds / (self.counts.size * self.steps)


def local_map(name: str, tr: Trained, x0: np.ndarray, P: SimpleNamespace, progress: bool = True) -> LocalMap:
    """The perturbation map of model ``tr`` with the ``local_stability`` parameters (cached)."""
    model = tr.model()
    t = tr.job.train.t
    steps = 3 * t
    where, grid = locations(P.stride)
    settings = {"steps": steps, "stride": P.stride, "perturbation": P.perturbation, "threshold": P.threshold,
                "masks": P.masks, "common": P.common_masks, "seed": P.seed, "noise_pairs": P.noise_pairs,
                # independent masks are drawn per batch, so then the batch size changes the numbers
                "batch_size": None if P.common_masks else P.batch_size, "x0": data_fingerprint(x0)}
    key = store.key(tr.job.key, tr.weights_hash, settings)
    found = None if P.recompute else store.load("local", key, tr)
    if found is not None:
        a, meta = found
        seconds, cached = float(meta["seconds"]), True
    else:
        t0 = time.perf_counter()
        counts, far = footprints(model, x0, steps, where, P.perturbation, P.threshold, P.masks, P.common_masks,
                                 P.batch_size, P.seed, progress, f"{name}: pixels")
        seconds = time.perf_counter() - t0
        noise, noise_map = noise_floor(model, x0, steps, P.noise_pairs, P.threshold, P.seed)
        order = np.argsort(-counts.mean(0), kind="stable")
        pick = np.unique(order[np.round(np.linspace(0, len(order) - 1, min(P.examples, len(order)))).astype(int)])
        pick = pick[np.argsort(-counts.mean(0)[pick], kind="stable")]
        ref, ex = final_states(model, x0, steps, where[pick], P.perturbation, P.seed)
        a = {"counts": counts, "reach": far, "noise_counts": noise, "noise_map": noise_map, "reference": ref,
             "examples": ex, "example_index": pick}
        store.save("local", key, a, {"seconds": seconds, "model": tr.job.label, **settings}, tr)
        cached = False
    m = LocalMap(name=name, label=tr.job.label, t=t, steps=steps, fire_rate=model.config.fire_rate, locations=where,
                 grid_shape=grid, counts=a["counts"], reach=a["reach"], noise_counts=a["noise_counts"],
                 noise_map=a["noise_map"], reference=a["reference"], examples=a["examples"],
                 example_index=a["example_index"], seconds=seconds, cached=cached)
    if P.timing_pixels:
        k = min(P.timing_pixels, len(where))
        m.timing = timing(model, x0, steps, where[np.linspace(0, len(where) - 1, k).astype(int)], P.perturbation,
                          P.threshold, P.seed)
    return m


@dataclass
class LocalResults:
    """Everything the ``local_stability`` notebook shows."""

    maps: dict[str, LocalMap]
    trained: dict[str, Trained]
    x0: np.ndarray  # [H, W, 4] the alien on the lattice
    params: SimpleNamespace

    def table(self) -> str:
        """A Markdown table of the footprints, the noise floor and the costs."""
        rows = ["| model | n = 3t | locations × realisations | footprint mean / median / max (pixels) | "
                "noise floor mean / max | within n·f | wall time of the map | ms per step and lattice: map / "
                "batch / one by one | batch = one by one |", "|---|---|---|---|---|---|---|---|---|"]
        for m in self.maps.values():
            c = m.mean_counts
            tm = m.timing
            speed = (f"{m.ms_map:.2f} / {tm['ms_batched']:.2f} / {tm['ms_single']:.2f}" if tm
                     else f"{m.ms_map:.2f} / – / –")
            agree = ("–" if not tm else "yes" if tm["agree"] else "no") + (f" ({tm['pixels']} pixels)" if tm else "")
            rows.append(f"| {m.label} | {m.steps} | {m.counts.shape[1]} × {m.counts.shape[0]} | {c.mean():.1f} / "
                        f"{np.median(c):.1f} / {c.max():.0f} | {m.noise_counts.mean():.1f} / "
                        f"{m.noise_counts.max():.0f} | {100 * m.within:.0f}% (≤ {m.bound:g} cells) | "
                        f"{m.seconds:.1f} s{' (cached)' if m.cached else ''} | {speed} | {agree} |")
        return "\n".join(rows)


def run_fig10(P: SimpleNamespace, names: Sequence[str] = MODELS) -> LocalResults:
    """Load the Fig 10 models and compute (or load) their perturbation maps."""
    trained = stability_models(P.profile, symmetric=False, names=list(names))
    x0 = targets()[0]
    maps = {name: local_map(name, trained[name], x0, P) for name in names}
    return LocalResults(maps=maps, trained={n: trained[n] for n in names}, x0=x0, params=P)
