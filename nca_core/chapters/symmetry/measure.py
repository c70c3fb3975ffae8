"""Fig 12: how a trained morph-task NCA treats rotated and mirrored initial states.

Four models (paper-spec §5 Fig 12, after the authors' ``emoji_symmetry.py``): the asymmetric
kernel set ``ID_DIFF_LAP`` (identity, Sobel x/y, Laplacian) and the symmetric ``ID_LAP_AV``
(identity, Laplacian, average), each trained on

* ``normal`` data: the unshifted morph sequence; every ``augment_every`` epochs trajectories
  2…R−1 are reset to trajectory 1 and shifted by a random offset in [−10, 9]² (variant (b));
* ``rotated`` data: the same, but each reset copy is also flipped (probability ½, random axis)
  and rotated by a random integer angle (bilinear), inputs, hidden channels and targets
  alike, and shifted in [−5, 4]² only.

Evaluation (our proposal, the paper leaves it open): the alien on a ``canvas``² lattice
(large enough that a 45° turn clips nothing), transformed by the identity, the three lattice
rotations, both mirror images and a 45° rotation, is rolled out to n = 3t; the error is the
Euclidean distance of the observable channels to the equally transformed rooster, averaged
over independent update-mask realisations.

The theory the figure tests: identity, Laplacian and average stencils are invariant under
the 8 symmetries of the square lattice, so an ``ID_LAP_AV`` NCA with zero padding commutes
with them exactly, given the same update mask transformed alike; the Sobel stencils do not.
:func:`equivariance_error` measures it on the trained models.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Sequence

import numpy as np

from nca_core import validate
from nca_core.chapters.morph.measure import distance
from nca_core.chapters.symmetry.jobs import IMAGE, MODELS, ON_LATTICE, TRANSFORMS, model_name, symmetry_jobs
from nca_core.core.backend import tf
from nca_core.core.checkpoint import data_fingerprint
from nca_core.core.masks import rollouts
from nca_core.core.model import NCA
from nca_core.data import lattice
from nca_core.data import morph as data
from nca_core.runs import store, sweep
from nca_core.runs.cache import Trained


def canvas(image: np.ndarray, size: int) -> np.ndarray:
    """The ``[60, 60, c]`` ``image`` centred on a zero ``[size, size, c]`` lattice (``size − 60`` even)."""
    validate.integer("canvas", size, IMAGE)
    if (size - IMAGE) % 2:
        raise ValueError(f"canvas={size} is not accepted; accepted: 60 plus an even number of cells (centred image)")
    p = (size - IMAGE) // 2
    return np.pad(image, [(p, p), (p, p), (0, 0)])


def inputs_and_targets(size: int, names: Sequence[str] = TRANSFORMS) -> tuple[np.ndarray, np.ndarray]:
    """The transformed alien inputs and rooster targets on the ``size``² canvas, ``[T, S, S, 4]`` each."""
    alien, rooster = (canvas(data.load_emoji(n), size) for n in ("alien", "rooster"))
    return (np.stack([lattice.named_transform(alien, n) for n in names]).astype(np.float32),
            np.stack([lattice.named_transform(rooster, n) for n in names]).astype(np.float32))


def errors(model: NCA, x0: np.ndarray, target: np.ndarray, steps: int, masks: int,
           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Roll every input of ``x0 [B, S, S, 4]`` out ``steps`` steps under ``masks`` independent mask
    realisations; returns the distances to ``target`` ``[masks, B]`` and the final observable
    states of realisation 0 ``[B, S, S, 4]``."""
    validate.integer("masks", masks, 1)
    out, first = [], None
    for m in range(masks):
        final = model.rollout(x0, steps, seed=seed + m, frames=[steps])[-1, ..., :4]
        out.append(distance(final, target))
        first = final if first is None else first
    return np.stack(out), first


def equivariance_error(model: NCA, x0: np.ndarray, steps: int, seed: int = 0,
                       names: Sequence[str] = ON_LATTICE) -> dict[str, float]:
    """max |Φⁿ(g·x0) − g·Φⁿ(x0)| over all channels, per lattice symmetry g, with the update masks of
    the run from ``x0`` transformed by g as well (exactly 0 up to rounding for a symmetric kernel set).

    ``x0`` is one square state ``[S, S, c]``."""
    r = rollouts(model)
    size = x0.shape[:2]
    masks = r.masks(steps, seed, size).numpy()  # [n, 1, S, S, 1|C]
    ref = r.run(x0[None], [steps], masks=tf.constant(masks))[0, 0]
    out = {}
    for g in names:
        turned = tf.constant(lattice.named_transform(masks, g))
        gx = r.run(lattice.named_transform(x0, g)[None], [steps], masks=turned)[0, 0]
        out[g] = float(np.abs(gx - lattice.named_transform(ref, g)).max())
    return out


@dataclass
class SymmetryResults:
    """Everything the ``symmetry`` notebook shows."""

    names: tuple[str, ...]  # the transforms (rows)
    models: tuple[str, ...]  # the model names (columns), see :func:`model_name`
    inputs: np.ndarray  # [T, S, S, 4]
    targets: np.ndarray  # [T, S, S, 4] the transformed roosters
    finals: np.ndarray  # [M, T, S, S, 4] final observable states, mask realisation 0
    per_mask: np.ndarray  # [M, masks, T] distances to the targets
    blank: np.ndarray  # [T] distance of an empty canvas to each target (‖rooster‖)
    equivariance: dict[str, dict[str, float]]  # model → transform → max deviation
    steps: int
    trained: dict[str, Trained]
    params: SimpleNamespace

    @property
    def errors(self) -> np.ndarray:
        """Mean distance to the transformed rooster over the mask realisations, ``[M, T]``."""
        return self.per_mask.mean(1)

    def error(self, model: str, transform_name: str) -> float:
        return float(self.errors[self.models.index(model), self.names.index(transform_name)])

    def mean_error(self, model: str, names: Sequence[str]) -> float:
        return float(np.mean([self.error(model, n) for n in names]))

    def table(self) -> str:
        """Markdown: the mean error (± the standard deviation over masks) per model and input."""
        head = "| input | " + " | ".join(self.models) + " |"
        rows = [head, "|---" * (len(self.models) + 1) + "|"]
        sd = self.per_mask.std(1)
        for j, n in enumerate(self.names):
            best = int(np.argmin(self.errors[:, j]))
            cells = []
            for i in range(len(self.models)):
                c = f"{self.errors[i, j]:.1f} ± {sd[i, j]:.1f}"
                cells.append(f"**{c}**" if i == best else c)
            rows.append(f"| {n} | " + " | ".join(cells) + " |")
        return "\n".join(rows)

    def equivariance_table(self) -> str:
        """Markdown: max |Φⁿ(g·x) − g·Φⁿ(x)| per model and lattice symmetry g (masks transformed alike)."""
        gs = [g for g in next(iter(self.equivariance.values())) if g != "identity"]
        rows = [f"| model: largest difference at n = {self.steps} | " + " | ".join(gs) + " |",
                "|---" * (len(gs) + 1) + "|"]
        for m, dev in self.equivariance.items():
            rows.append(f"| {m} | " + " | ".join(f"{dev[g]:.1e}" for g in gs) + " |")
        return "\n".join(rows)


def video_frames(R: SymmetryResults, transform_name: str = "rot45", every: int = 1,
                 seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """The RGBA of each model's rollout from one transformed input to n = 3t: ``[F, M, S, S, 4]`` and the steps."""
    validate.choice("video_transform", transform_name, R.names)
    validate.integer("video_every", every, 1)
    x0 = R.inputs[R.names.index(transform_name)][None]
    runs = [tr.model().rollout(x0, R.steps, seed=seed, every=every)[:, 0, ..., :4] for tr in R.trained.values()]
    return np.stack(runs, axis=1), list(range(0, R.steps + 1, every))


#: a model whose error from the upright alien exceeds this fraction of the empty canvas's has not
#: learnt to draw the rooster (the pages say so rather than read its rotations as a symmetry result)
NOT_DRAWN = 0.5


def reading(R: SymmetryResults) -> str:
    """Markdown: how far each model gets on the upright task, how alike the symmetric models' on-lattice
    errors are against the mask scatter, and a warning for models that do not draw the rooster at all."""
    if "identity" not in R.names:
        return ""
    j = R.names.index("identity")
    frac = R.errors[:, j] / R.blank[j]
    parts = ["From the upright alien the models end at " + ", ".join(
        f"{R.errors[i, j]:.1f} ({100 * f:.0f}% of an empty canvas's distance) for *{m}*"
        for i, (m, f) in enumerate(zip(R.models, frac))) + "."]
    on = [R.names.index(n) for n in ON_LATTICE if n in R.names]
    for i, m in enumerate(R.models):
        if m.startswith("symmetric") and len(on) > 1:
            e = R.errors[i, on]
            parts.append(f"The on-lattice errors of *{m}* span {e.min():.1f}–{e.max():.1f}, against a scatter of "
                         f"± {R.per_mask[i][:, on].std(0).mean():.1f} between mask realisations.")
    weak = [m for m, f in zip(R.models, frac) if f > NOT_DRAWN]
    if weak:
        parts.append(f"**{', '.join(weak)}** end{'s' if len(weak) == 1 else ''} further than {100 * NOT_DRAWN:.0f}% "
                     "of the empty canvas's distance from the rooster even from the upright alien: at this training "
                     "length they have not learnt to draw it (first row of the figure), so what the claims below "
                     "find about their rotated inputs concerns the shape they do draw, and says more about the "
                     "training budget of this profile than about symmetry.")
    return " ".join(parts)


def evaluated(tr: Trained, x0: np.ndarray, target: np.ndarray, probe: np.ndarray, steps: int, masks: int,
              seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """:func:`errors` and :func:`equivariance_error` of model ``tr``, cached (and shipped with the model) in the
    stability store (:mod:`nca_core.runs.store`, kind ``"symmetry"``) under the model, its weights and every
    input of the numbers."""
    settings = {"steps": steps, "masks": masks, "seed": seed, "x0": data_fingerprint(x0),
                "target": data_fingerprint(target), "probe": data_fingerprint(probe), "on_lattice": list(ON_LATTICE)}
    key = store.key(tr.job.key, tr.weights_hash, settings)
    found = store.load("symmetry", key, tr)
    if found is not None:
        a, meta = found
        return a["distances"], a["finals"], {k: float(v) for k, v in meta["equivariance"].items()}
    model = tr.model()
    d, f = errors(model, x0, target, steps, masks, seed)
    equi = equivariance_error(model, probe, steps, seed)
    meta = {"equivariance": equi, "model": tr.job.label, **settings}
    store.save("symmetry", key, {"distances": d, "finals": f}, meta, tr)
    return d, f, equi


def run_fig12(P: SimpleNamespace, progress: bool = True) -> SymmetryResults:
    """Train or load the four models and evaluate them on the transformed inputs."""
    jobs = symmetry_jobs(P)
    trained_by_key = sweep.keyed(jobs, retrain=P.retrain, progress=progress, echo=sweep.quiet, desc="symmetry models")
    trained = {model_name(k, d): trained_by_key[(k, d)] for k, d in MODELS}
    names = tuple(P.transforms)
    x0, target = inputs_and_targets(P.canvas, names)
    steps = 3 * int(P.t)
    finals, per_mask, equi = [], [], {}
    probe = np.pad(x0[0], [(0, 0), (0, 0), (0, int(P.channels) - 4)])
    for name, tr in trained.items():
        d, f, equi[name] = evaluated(tr, x0, target, probe, steps, P.masks, P.seed)
        per_mask.append(d)
        finals.append(f)
    return SymmetryResults(names=names, models=tuple(trained), inputs=x0, targets=target, finals=np.stack(finals),
                           per_mask=np.stack(per_mask), blank=distance(np.zeros_like(target), target),
                           equivariance=equi, steps=steps, trained=trained, params=P)
