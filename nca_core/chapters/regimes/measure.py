"""Other regions of parameter space: what regime a Gray-Scott run is in, and how close an NCA comes to it.

**The regime of a run** (:func:`signature`, :func:`classify`), from the B channel and the A channel recorded
every :data:`EVERY` steps:

* *flat* if the B contrast (standard deviation over the lattice) of the least patterned trajectory ends below
  :data:`FLAT`;
* *oscillating* if the state keeps turning back: over the second half of the run a cell's A reverses its
  direction by at least :data:`SWING` on average :data:`OSCILLATING` times or more per 1000 steps (a front
  that passes a cell, or a spot that settles, turns it at most once or twice);
* otherwise the pieces of the pattern (8-connected sets of B > :data:`PIECE`, not joined across the periodic
  edge) decide: *stripes* if their typical area (that of the piece the median patterned cell is in) exceeds
  :data:`SPOT_AREA` cells, else *self-replicating spots*
  if there are at least :data:`DIVIDING` times as many at the end as at half the run, else *stationary spots*.

**An NCA in a regime** (:class:`Outcome`), from the unseen test IC against the PDE: the main chapter's
measures (the invasion of the initially empty region against the PDE's, the wavelength, the test loss, which
here is divided by the loss of a frozen IC so that regimes can be compared), the one-transition error from
the true training frames against "no change" (:func:`nca_core.chapters.gray_scott.quality.transition_error`)
and the reversal rate of A against the PDE's. :func:`meets_target` is the main chapter's target made to fit
every regime, fixed before any model of this chapter was trained:

* the wavelength within :data:`TARGET_WAVELENGTH` of the PDE's (the main chapter's);
* where the PDE invades the empty region (at least :data:`INVADES` of it): the NCA's invasion at least
  :data:`TARGET_INVASION` of the PDE's (the main chapter's); where it does not (stationary spots), the NCA
  invades at most :data:`STAYS` more than the PDE and keeps at least :data:`KEPT` of its B contrast (a model
  that erases the pattern does not pass);
* where the PDE oscillates (:data:`OSCILLATING`), the NCA's reversal rate within a factor :data:`RHYTHM` of it;
  where it does not, the NCA's pattern of the PDE's kind: spots where the PDE's typical piece
  (:func:`typical_area`) is a spot (at most :data:`SPOT_AREA` cells), stripes where it is larger. (This last
  part was added after the ``quick`` placeholder models showed that a mitosis model growing a maze passes the
  rest; before any ``grid`` model, the chapter's real ones, was trained.)

For the paper's maze (invading, not oscillating) this is exactly the main chapter's target; the grid models
are kept by it (:func:`select_regime`: the main chapter's rule, :func:`~nca_core.chapters.gray_scott.quality.
select_validated`, with this target, from the held-out validation IC).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from nca_core import validate
from nca_core.chapters.gray_scott import quality
from nca_core.chapters.gray_scott.measure import compare_to_pde, invasion, pattern_statistics
from nca_core.chapters.regimes.jobs import REFERENCE, regime_jobs
from nca_core.core.checkpoint import data_fingerprint
from nca_core.data import gray_scott as pde
from nca_core.runs import store, sweep
from nca_core.runs.cache import Trained

#: steps between the recorded frames of A (the reversal count's sampling)
EVERY = 4
#: a reversal: A turns back by at least this much
SWING = 0.1
#: oscillating: at least this many reversals per cell per 1000 steps over the second half of a run (the paper's
#: maze and the stationary regimes: ≤ 0.4 on the unseen IC; the two oscillating presets: ≥ 2.6)
OSCILLATING = 1.0
#: flat: the least patterned trajectory's B contrast below this at the end
FLAT = 0.03
#: a piece of the pattern: a connected set of cells with B above this
PIECE = 0.2
#: spots: a typical piece (:func:`typical_area`) of at most this many cells (the maze's: hundreds)
SPOT_AREA = 60
#: self-replicating: at least this many times the pieces at the end as at half the run
DIVIDING = 1.25
#: the regimes :func:`classify` tells apart
KINDS = ("flat", "oscillating", "stripes", "self-replicating spots", "stationary spots")
#: the regime each preset is meant to show
EXPECTED = {"published": "stripes", "spots": "stationary spots", "mazes": "stripes",
            "mitosis": "self-replicating spots", "oscillating": "oscillating", "spots_and_loops": "oscillating"}
#: candidates tried with the solver and not used: name → (F = α, k = γ, why). The names are those of P. Neila's
#: WebGL explorer (github.com/pmneila/jsexp), whose presets follow Munafo's map of Pearson's classes
REJECTED = {
    "Solitons": (0.030, 0.062, "its spots divide within our horizon: a second mitosis, not stationary spots"),
    "Pulsating solitons": (0.025, 0.060, "no pulsation shows within 2048 steps (0.4 reversals per cell per "
                                         "1000 steps); its spots divide like mitosis"),
    "Chaos": (0.026, 0.051, "the training trajectories turn almost uniform (B contrast 0.01–0.02 at n = 1024)"),
    "Chaos and holes": (0.034, 0.056, "the unseen IC turns uniform by n = 2048 (B contrast 0.00)"),
    "Waves": (0.014, 0.045, "two of the four training trajectories die out (B → 0)"),
    "Worms": (0.078, 0.061, "nothing spreads: the initial shapes stay (9% of the unseen IC's empty region "
                            "invaded by n = 2048)"),
}

# the target (fixed before any model of this chapter was trained)
#: the main chapter's: invasion ≥ this fraction of the PDE's where the PDE invades …
TARGET_INVASION = quality.TARGET_INVASION
#: … and the wavelength within this relative distance of the PDE's
TARGET_WAVELENGTH = quality.TARGET_WAVELENGTH
#: the PDE "invades" if it covers at least this share of the initially empty region
INVADES = 0.05
#: where it does not: the NCA's invasion at most the PDE's plus this …
STAYS = 0.05
#: … and its B contrast at least this fraction of the PDE's
KEPT = 0.5
#: where the PDE oscillates: the NCA's reversal rate within this factor of the PDE's
RHYTHM = 2.0


# ------------------------------------------------------------------ the regime of a run
def reversals(frames: np.ndarray, swing: float = SWING) -> np.ndarray:
    """Per cell, how often ``frames [T, ...]`` turns back by at least ``swing`` (a zig-zag count: a reversal is
    counted when the value falls ``swing`` below its running maximum after rising, or rises ``swing`` above its
    running minimum after falling). Returns ``[...]``."""
    validate.number("swing", swing, 0.0, open_min=True)
    x = np.asarray(frames, np.float64)
    if x.ndim < 1 or x.shape[0] < 1:
        raise ValueError(f"frames has shape {x.shape}; accepted: [T, ...] with T >= 1")
    hi, lo = x[0].copy(), x[0].copy()
    way = np.zeros(x.shape[1:])  # +1 rising, −1 falling, 0 not yet known
    count = np.zeros(x.shape[1:])
    for v in x[1:]:
        hi, lo = np.maximum(hi, v), np.minimum(lo, v)
        down = (way >= 0) & (v < hi - swing)
        up = (way <= 0) & (v > lo + swing)
        count += (down & (way == 1)) | (up & (way == -1))
        way = np.where(down, -1.0, np.where(up, 1.0, way))
        turned = down | up
        hi, lo = np.where(turned, v, hi), np.where(turned, v, lo)
    return count


def reversal_rate(frames: np.ndarray, every: int = EVERY) -> float:
    """Mean reversals per cell per 1000 steps of ``frames [T, H, W]`` recorded every ``every`` steps."""
    validate.integer("every", every, 1)
    span = (np.shape(frames)[0] - 1) * every
    if span <= 0:
        return float("nan")
    return float(np.mean(reversals(frames)) * 1000.0 / span)


def pieces(b: np.ndarray, threshold: float = PIECE) -> np.ndarray:
    """The areas (cells) of the 8-connected pieces of ``b [H, W] > threshold``."""
    from scipy import ndimage

    labels, n = ndimage.label(np.asarray(b) > threshold, structure=np.ones((3, 3)))
    return np.bincount(labels.ravel())[1:] if n else np.zeros(0, int)


def typical_area(areas: np.ndarray) -> float:
    """The area of the piece that the median patterned cell belongs to (0 without pieces): unlike the median
    piece, a maze with a few small fragments beside it is still one large piece."""
    a = np.sort(np.asarray(areas, float))
    if not a.size:
        return 0.0
    return float(a[np.searchsorted(np.cumsum(a), a.sum() / 2.0)])


@dataclass
class Signature:
    """What a run shows: its pieces at half the run and at the end (summed over a batch), their typical area
    (:func:`typical_area`),
    the smallest B contrast of the batch at the end, the coverage (B > 0.1), the wavelength, the invasion of
    the initially empty region, and A's reversal rate over the second half (per cell per 1000 steps)."""

    steps: int
    pieces_mid: int
    pieces_end: int
    area: float  # the typical piece's (:func:`typical_area`)
    contrast: float
    coverage: float
    wavelength: float
    invasion: float
    rate: float
    image: np.ndarray | None = field(default=None, repr=False)  # B at the end (the second trajectory of a batch)

    @property
    def kind(self) -> str:
        return classify(self)

    def text(self) -> str:
        return (f"{self.kind}: {self.pieces_mid} → {self.pieces_end} pieces (typical {self.area:.0f} cells), "
                f"B contrast {self.contrast:.3f}, {self.rate:.2f} reversals per cell per 1000 steps, invades "
                f"{self.invasion:.0%}")


def classify(s: Signature) -> str:
    """The regime of a :class:`Signature` (one of :data:`KINDS`; see the module's docstring)."""
    if not s.contrast >= FLAT:
        return "flat"
    if s.rate >= OSCILLATING:
        return "oscillating"
    if s.area > SPOT_AREA:
        return "stripes"
    if s.pieces_end >= DIVIDING * max(s.pieces_mid, 1):
        return "self-replicating spots"
    return "stationary spots"


def signature(a: np.ndarray, b_mid: np.ndarray, b_end: np.ndarray, ic: np.ndarray, steps: int,
              every: int = EVERY) -> Signature:
    """The :class:`Signature` of a run of ``steps`` steps: A recorded every ``every`` steps over its second half
    ``a [T, R, H, W]``, B at half the run and at the end ``[R, H, W]``, the initial states ``ic [R, H, W, 2]``."""
    areas_mid = [pieces(b) for b in b_mid]
    areas_end = [pieces(b) for b in b_end]
    ends = np.concatenate(areas_end)
    stats = [pattern_statistics(np.stack([1 - b, b], -1)) for b in b_end]
    inv = [invasion(np.stack([1 - b, b], -1), x) for b, x in zip(b_end, ic)]
    return Signature(steps, int(sum(len(p) for p in areas_mid)), int(len(ends)), typical_area(ends),
                     float(min(s["contrast"] for s in stats)),
                     float(np.mean([s["coverage"] for s in stats])),
                     float(np.nanmean([s["wavelength"] for s in stats])) if any(
                         np.isfinite(s["wavelength"]) for s in stats) else float("nan"),
                     float(np.nanmean(inv)) if np.isfinite(inv).any() else float("nan"),
                     reversal_rate(a, every), np.asarray(b_end[min(1, len(b_end) - 1)], np.float32))


def pde_signature(params: pde.GrayScottParams, ic: np.ndarray, steps: int, every: int = EVERY) -> Signature:
    """The :class:`Signature` of the PDE from ``ic`` (``[H, W, 2]`` or a batch ``[R, H, W, 2]``) over ``steps``
    steps (a multiple of ``2 · every``)."""
    validate.integer("every", every, 1)
    validate.integer("steps", steps, 2 * every)
    if steps % (2 * every):
        raise ValueError(f"steps={steps} is not accepted with every={every}; accepted: a multiple of {2 * every}")
    ic = np.asarray(ic, np.float32)
    batch = ic if ic.ndim == 4 else ic[None]
    half = pde.solve(batch, steps // 2, params, every=steps // 2)[-1]
    second = pde.solve(half, steps // 2, params, every=every)  # [T, R, H, W, 2], from half the run to the end
    return signature(second[..., 0], half[..., 1], second[-1, ..., 1], batch, steps, every)


def signatures(preset: str, steps: int, size: int = 128) -> dict[str, Signature]:
    """The PDE's :class:`Signature` of ``preset`` from the four training ICs (``steps // 2`` steps, the training
    horizon at the book's 2048) and from the unseen test IC (``steps``)."""
    params = pde.preset(preset)
    half = max(2 * EVERY, (steps // 2) // (2 * EVERY) * 2 * EVERY)
    return {"training ICs": stored_signature(params, pde.training_ics(), half),
            "unseen IC": stored_signature(params, pde.test_ic(size), steps)}


# ------------------------------------------------------------------ an NCA in a regime
@dataclass
class Outcome:
    """A model of regime ``preset`` from the unseen test IC against the PDE, over ``steps`` steps.

    Attributes:
        invasion, invasion_pde: fraction of the initially empty region with B > 0.1 at the end.
        wavelength, wavelength_pde, contrast, contrast_pde: B's pattern period and standard deviation there.
        rate, rate_pde: A's reversals per cell per 1000 steps over the second half.
        area, area_pde: the typical piece's area at the end (:func:`typical_area`).
        test_loss: the mean distance to the PDE over the steps (NaN if the model blew up); ``frozen``: the
            same for a model that never moves (the IC held).
        transition: one-transition error from the true training frames / the same for "no change" (NaN where
            not measured).
        diverged_at: the step the NCA blew up at, or None.
        snapshots: step → (NCA's B, PDE's B) at a few steps.
    """

    preset: str
    steps: int
    invasion: float
    invasion_pde: float
    wavelength: float
    wavelength_pde: float
    contrast: float
    contrast_pde: float
    rate: float
    rate_pde: float
    test_loss: float
    frozen: float
    transition: float = float("nan")
    area: float = float("nan")
    area_pde: float = float("nan")
    diverged_at: int | None = None
    snapshots: dict[int, tuple[np.ndarray | None, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def invasion_ratio(self) -> float:
        return self.invasion / self.invasion_pde if self.invasion_pde > 0 else float("nan")

    @property
    def wavelength_error(self) -> float:
        """|wavelength − PDE's| / PDE's (inf for a flat or diverged state)."""
        if not (np.isfinite(self.wavelength) and np.isfinite(self.wavelength_pde)):
            return float("inf")
        return abs(self.wavelength - self.wavelength_pde) / self.wavelength_pde

    @property
    def relative_loss(self) -> float:
        """The test loss over the frozen IC's (1: no better than never moving)."""
        return self.test_loss / self.frozen if self.frozen > 0 else float("nan")

    @property
    def invades(self) -> bool:
        """Whether the PDE invades the empty region (the invasion criterion applies)."""
        return self.invasion_pde >= INVADES

    @property
    def oscillates(self) -> bool:
        """Whether the PDE oscillates here (the rhythm criterion applies)."""
        return self.rate_pde >= OSCILLATING

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k != "snapshots"}
        return {**d, "invasion_ratio": self.invasion_ratio, "wavelength_error": self.wavelength_error,
                "relative_loss": self.relative_loss, "meets_target": meets_target(self)}


def criteria(o: Outcome) -> list[tuple[str, bool]]:
    """The parts of the target that apply to ``o`` (see the module's docstring), each with whether it holds."""
    if o.diverged:
        return [(f"no blow-up (blew up at n = {o.diverged_at})", False)]
    out = [(f"wavelength {o.wavelength:.1f} vs PDE {o.wavelength_pde:.1f} (within {TARGET_WAVELENGTH:.0%})",
            o.wavelength_error <= TARGET_WAVELENGTH)]
    if o.invades:
        out.append((f"invades {o.invasion:.0%} of the empty region vs PDE {o.invasion_pde:.0%} "
                    f"(≥ {TARGET_INVASION:g}×)", o.invasion >= TARGET_INVASION * o.invasion_pde))
    else:
        out.append((f"stays put: invades {o.invasion:.0%} vs PDE {o.invasion_pde:.0%} (≤ +{STAYS:.0%})",
                    o.invasion <= o.invasion_pde + STAYS))
        out.append((f"keeps its contrast: {o.contrast:.3f} vs PDE {o.contrast_pde:.3f} (≥ {KEPT:g}×)",
                    o.contrast >= KEPT * o.contrast_pde))
    if o.oscillates:
        ok = o.rate_pde / RHYTHM <= o.rate <= RHYTHM * o.rate_pde
        out.append((f"oscillates: {o.rate:.2f} reversals per cell per 1000 steps vs PDE {o.rate_pde:.2f} "
                    f"(within {RHYTHM:g}×)", bool(ok)))
    else:
        def kind(a: float) -> str:
            return "spots" if a <= SPOT_AREA else "stripes"

        out.append((f"{kind(o.area)} like the PDE's {kind(o.area_pde)} (typical piece {o.area:.0f} vs "
                    f"{o.area_pde:.0f} cells; spots ≤ {SPOT_AREA})", kind(o.area) == kind(o.area_pde)))
    return out


def meets_target(o: Outcome) -> bool:
    """Whether every criterion of its regime's target holds (:func:`criteria`)."""
    return all(ok for _, ok in criteria(o))


def target_text() -> str:
    """The target, as the page states it."""
    return (f"wavelength within {TARGET_WAVELENGTH:.0%} of the PDE's; where the PDE invades (≥ {INVADES:.0%} of the "
            f"empty region) an invasion ≥ {TARGET_INVASION:g}× the PDE's, else at most {STAYS:.0%} more than the "
            f"PDE's with ≥ {KEPT:g}× its B contrast; where the PDE oscillates (≥ {OSCILLATING:g} reversals per cell "
            f"per 1000 steps) a reversal rate within {RHYTHM:g}× the PDE's, else spots where the PDE's typical piece "
            f"is a spot (≤ {SPOT_AREA} cells) and stripes where it is larger; no blow-up")


def frozen_loss(ic: np.ndarray, steps: int, params: pde.GrayScottParams, block: int = 64) -> float:
    """The test loss of a model that never moves: the mean over n = 1…steps of ‖y⁽ⁿ⁾ − y⁽⁰⁾‖."""
    y, total, n = np.asarray(ic, np.float32), 0.0, 0
    while n < steps:
        m = min(block, steps - n)
        ys = pde.solve(y, m, params, every=1)[1:]
        total += float(np.sum(np.sqrt(np.sum((ys - ic) ** 2, axis=(1, 2, 3)))))
        y, n = ys[-1], n + m
    return total / steps


def outcome(model: Any, preset: str, ic: np.ndarray, steps: int, shots: tuple[int, ...] = (),
            transition: bool = True, t: int = 32, frozen: bool = True) -> Outcome:
    """Roll ``model`` (an NCA, or anything with its ``prepare_state`` / ``trajectory`` / ``rollout``) and the
    PDE of ``preset`` from ``ic [H, W, 2]`` for ``steps`` steps (a multiple of ``2 · EVERY``) and measure
    (:class:`Outcome`); with ``transition``, also the one-transition error at time sampling ``t`` from the true
    training frames; with ``frozen``, the frozen IC's test loss (else NaN: the target does not need either)."""
    validate.integer("steps", steps, 2 * EVERY)
    if steps % (2 * EVERY):
        raise ValueError(f"steps={steps} is not accepted; accepted: a multiple of {2 * EVERY}")
    params = pde.preset(preset)
    ic = np.asarray(ic, np.float32)
    c = compare_to_pde(model, ic, steps, params, snapshots=sorted({0, *shots, steps}), video_every=EVERY)
    half = len(c.video_steps) // 2
    nca, ref = c.snapshots[steps]
    s_p = pattern_statistics(ref)
    rate_pde = reversal_rate(c.video_pde[half:])
    trans = float("nan")
    if transition:
        y = pde.training_trajectories(t, 1024, params)
        trans = quality.transition_error(model, y, t).ratio
    snaps = {k: (None if v[0] is None else v[0][..., 1], v[1][..., 1]) for k, v in c.snapshots.items()}
    still = frozen_loss(ic, steps, params) if frozen else float("nan")
    area_pde = typical_area(pieces(ref[..., 1]))
    if nca is None or c.diverged_at is not None:
        nan = float("nan")
        return Outcome(preset, steps, nan, invasion(ref, ic), nan, s_p["wavelength"], nan, s_p["contrast"], nan,
                       rate_pde, nan, still, trans, nan, area_pde, c.diverged_at, snaps)
    s_n = pattern_statistics(nca)
    return Outcome(preset, steps, invasion(nca, ic), invasion(ref, ic), s_n["wavelength"], s_p["wavelength"],
                   s_n["contrast"], s_p["contrast"], reversal_rate(c.video_nca[half:]), rate_pde, c.test_loss,
                   still, trans, typical_area(pieces(nca[..., 1])), area_pde, None, snaps)


# ------------------------------------------------------------------ choosing the kept model
#: the steps of the validation rollout (the main chapter's)
VALIDATION_STEPS = 2048


def validation_check(model: Any, preset: str) -> tuple[bool, Outcome]:
    """Does ``model`` meet its regime's target from the held-out validation IC
    (:func:`nca_core.data.gray_scott.validation_ic`, never the test IC), and its :class:`Outcome` there."""
    o = outcome(model, preset, pde.validation_ic(), VALIDATION_STEPS, transition=False, frozen=False)
    return meets_target(o), o


def select_regime(job: Any, result: Any) -> Any:
    """The kept model of a regime's grid run: :func:`~nca_core.chapters.gray_scott.quality.select_validated` (the
    snapshots from half the epochs on, lowest training loss first, the first that meets the target from the
    validation IC, else the lowest-loss model) with the regime's target (:func:`validation_check`)."""
    preset = job.data.get("preset", REFERENCE)
    return quality.select_validated(job, result, check=lambda m: validation_check(m, preset))


# ------------------------------------------------------------------ stored
#: the store's kinds (:mod:`nca_core.runs.store`): a model's outcome, and a PDE's signature (no model)
KIND, SIGNATURE_KIND = "regimes", "regimes_signature"
_SCALARS = ("invasion", "invasion_pde", "wavelength", "wavelength_pde", "contrast", "contrast_pde", "rate", "rate_pde",
            "test_loss", "frozen", "transition", "area", "area_pde")
_SIGNATURE = ("steps", "pieces_mid", "pieces_end", "area", "contrast", "coverage", "wavelength", "invasion",
              "rate")


def _params(params: pde.GrayScottParams) -> list[float]:
    return [params.d_a, params.d_b, params.alpha, params.gamma, params.dt]


def stored_outcome(tr: Trained, preset: str, ic: np.ndarray, steps: int, shots: tuple[int, ...], t: int) -> Outcome:
    """:func:`outcome` of a trained model, from the store if there (computed and stored otherwise)."""
    settings = {"preset": preset, "params": _params(pde.preset(preset)), "ic": data_fingerprint(ic), "steps": steps,
                "shots": sorted({0, *shots, steps}), "t": t, "every": EVERY, "swing": SWING, "piece": PIECE}
    key = store.key(tr.job.key, tr.weights_hash, settings)
    found = store.load(KIND, key, tr)
    if found is not None:
        a, meta = found
        snaps = {int(n): (None if not a["alive"][i] else a["nca"][i], a["pde"][i])
                 for i, n in enumerate(settings["shots"])}
        return Outcome(preset, steps, *(float(a[k]) for k in _SCALARS), meta["diverged_at"], snaps)
    o = outcome(tr.model(), preset, ic, steps, shots, t=t)
    order = settings["shots"]
    arrays = {k: np.float64(getattr(o, k)) for k in _SCALARS}
    arrays["pde"] = np.stack([o.snapshots[n][1] for n in order])
    arrays["alive"] = np.array([o.snapshots[n][0] is not None for n in order])
    arrays["nca"] = np.stack([o.snapshots[n][0] if o.snapshots[n][0] is not None else np.zeros_like(o.snapshots[n][1])
                              for n in order])
    store.save(KIND, key, arrays, {"model": tr.job.label, "diverged_at": o.diverged_at, **settings}, tr)
    return o


def stored_signature(params: pde.GrayScottParams, ic: np.ndarray, steps: int) -> Signature:
    """:func:`pde_signature`, from the store if there (it depends on no model: shipped with ``--ship``)."""
    settings = {"params": _params(params), "ic": data_fingerprint(np.asarray(ic, np.float32)), "steps": steps,
                "every": EVERY, "swing": SWING, "piece": PIECE}
    key = store.key("signature", settings)
    found = store.load(SIGNATURE_KIND, key, store.NO_MODEL)
    if found is not None:
        a, _ = found
        return Signature(*(a[k].item() for k in _SIGNATURE), a["image"])
    sig = pde_signature(params, ic, steps)
    store.save(SIGNATURE_KIND, key, {**{k: np.asarray(getattr(sig, k)) for k in _SIGNATURE}, "image": sig.image},
               settings, store.NO_MODEL)
    return sig


# ------------------------------------------------------------------ the chapter's run
@dataclass
class Regimes:
    """Everything the page shows: per preset (the paper's first) its model, its outcome from the unseen IC and
    the PDE's signatures; the rejected candidates' signatures."""

    presets: list[str]
    models: dict[str, Trained]
    outcomes: dict[str, Outcome]
    signatures: dict[str, dict[str, Signature]]
    rejected: dict[str, dict[str, Signature]] = field(default_factory=dict)
    shots: tuple[int, ...] = ()

    @property
    def reference(self) -> str:
        return self.presets[0]

    def table(self) -> str:
        """Markdown: per regime, the NCA's measures against the PDE's from the unseen IC and whether the target is
        met; a model that blew up and a number that does not exist are said in words (never ``nan``), and the
        headers are short enough for the table to fit the book's column."""
        rows = ["| regime | invasion NCA / PDE | wavelength NCA / PDE | A reversals NCA / PDE | test loss ÷ frozen "
                "IC | one transition ÷ no change | target |", "|---|---|---|---|---|---|---|"]
        for p, o in self.outcomes.items():
            def nca(x: float, spec: str, missing: str, o=o) -> str:
                return "blew up" if o.diverged else _shown(x, spec, missing)

            cells = [p.replace("_", " "),
                     f"{nca(o.invasion, '.2f', '–')} / {_shown(o.invasion_pde, '.2f', '–')}",
                     f"{nca(o.wavelength, '.1f', 'no pattern')} / {_shown(o.wavelength_pde, '.1f', 'no pattern')}",
                     f"{nca(o.rate, '.2f', '–')} / {_shown(o.rate_pde, '.2f', '–')}",
                     nca(o.relative_loss, ".2f", "not measured"), _shown(o.transition, ".2f", "not measured"),
                     "met" if meets_target(o) else "missed"]
            rows.append("| " + " | ".join(cells) + " |")
        return "\n".join(rows)


def _shown(x: float, spec: str, missing: str) -> str:
    """A number of the table, or ``missing`` where it does not exist (NaN or infinite)."""
    return format(x, spec) if np.isfinite(x) else missing


def shots(steps: int) -> tuple[int, ...]:
    """The steps the page shows: a quarter, half and all of the test rollout."""
    return tuple(sorted({steps // 4, steps // 2, steps}))


def run(P: SimpleNamespace, progress: bool = True) -> Regimes:
    """Train or load each regime's model, check each preset's regime with the PDE (and the rejected
    candidates'), and measure every model from the unseen test IC."""
    from tqdm.auto import tqdm

    jobs = regime_jobs(P)
    models = sweep.keyed(jobs, progress=progress, echo=sweep.quiet, desc="regime models")
    ic = pde.test_ic(P.test_size)
    steps = P.test_steps // (2 * EVERY) * (2 * EVERY)
    sig_steps = max(4 * EVERY, P.signature_steps // (4 * EVERY) * (4 * EVERY))
    sigs, outs = {}, {}
    for p in tqdm(list(jobs), desc="regimes", disable=not progress):
        sigs[p] = signatures(p, sig_steps, P.test_size)
        outs[p] = stored_outcome(models[p], p, ic, steps, shots(steps), P.t)
    rejected = {}
    for name, (f, k, _) in tqdm(list(REJECTED.items()), desc="rejected candidates", disable=not progress):
        params = pde.GrayScottParams(alpha=f, gamma=k)
        half = sig_steps // 2
        rejected[name] = {"training ICs": stored_signature(params, pde.training_ics(), half),
                          "unseen IC": stored_signature(params, ic, sig_steps)}
    return Regimes(list(jobs), models, outs, sigs, rejected, shots(steps))
