"""Parameter-perturbation stability: questions with pre-set criteria, answered from a run's numbers.

The criteria are the constants below, fixed (and committed) before the chapter first ran on the shipped
models; the evidence column gives the numbers, so a reader can apply another criterion. σ* is the critical
relative weight noise and f* the critical fraction of hidden units dropped
(:func:`nca_core.chapters.perturbation.measure.critical`: where at least half the draws have lost the
pattern or the rooster, by the criteria of :mod:`nca_core.chapters.perturbation.measure`).
"""

from __future__ import annotations

import numpy as np

from nca_core.chapters.measures import spearman
from nca_core.chapters.perturbation.measure import LOST_SHARE, Curve, Perturbation, critical, describe_critical
from nca_core.chapters.question import Question

#: "not particularly stable" (the paper's expectation): relative weight noise of at most this size already loses
#: the pattern (σ* ≤ FRAGILE_SIGMA): a tenth of each tensor's typical weight
FRAGILE_SIGMA = 0.1
#: "fragile to losing units": dropping at most this fraction of the hidden units loses it (f* ≤ FRAGILE_DROP)
FRAGILE_DROP = 0.125
#: "the update noise hides small weight noise" (models with stochastic updates): at every σ up to this size the
#: median damage is within the noise floor's band (at most its largest value over the mask seeds)
HIDDEN_SIGMA = 0.01
#: "one task's models are more fragile than the other's": the median σ* of one is at most 1/MARGIN of the other's
MARGIN = 2.0
#: "longer time sampling gives more robust weights": the rank correlation of t with σ* is at least this (needs at
#: least MIN_MODELS Gray-Scott models that meet the target unperturbed)
RANK = 0.8
MIN_MODELS = 3


def _finite(x: float) -> str:
    return f"{x:.3g}" if np.isfinite(x) else "∞ (never lost on the grid)"


def _baseline(c: Curve) -> str:
    """Why the questions of a model whose undisturbed run has already lost it are not answered."""
    if c.task == "gray_scott":
        return (f"the undisturbed model already misses the quality target (invasion {c.reference['score']:.2f} of "
                f"the PDE's, wavelength error {c.reference['score2']:.2f})")
    return (f"the undisturbed model's rooster is already lost (IoU {c.reference['score']:.2f}, distance "
            f"{c.reference['score2']:.1f})")


def _median(v) -> float:
    """The median of the defined values (a blown-up run has no score); NaN if none is."""
    v = np.asarray(v, float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")


def _scores(c: Curve, s1: float, s2: float) -> str:
    """The task's two scores in words."""
    if c.task == "gray_scott":
        return f"invasion {s1:.2f} of the PDE's, wavelength error {s2:.2f}"
    return f"IoU {s1:.2f}, distance to the rooster {s2:.1f}"


def _at(c: Curve, m: dict[str, np.ndarray], i: int) -> str:
    """The scores of grid point ``i`` of a sweep ``m``: their medians over the draws that did not blow up."""
    blown, n = int(np.sum(~np.isfinite(m["damage"][i]))), m["damage"].shape[1]
    if blown == n:
        return "every draw blew up"
    told = "median " + _scores(c, _median(m["score"][i]), _median(m["score2"][i]))
    return told + (f" ({blown} of {n} draws blew up)" if blown else "")


def _critical(R: Perturbation, disturbance: str, text, limit: float, unit: str) -> list[Question]:
    """Per model: is the critical size of ``disturbance`` (``"sigma"`` or ``"drop"``) at most ``limit``?"""
    out = []
    for c in R.curves:
        rule = f"yes if {unit}* ≤ {limit:g} (half the draws or more lost)"
        if c.baseline_lost:
            out.append(Question(text(c), _baseline(c), None, rule))
            continue
        xs, m = (c.sigmas, c.sigma) if disturbance == "sigma" else (c.fractions, c.drop)
        share = np.mean(m["lost"], axis=1)
        where = ([f"{x:g}" for x in xs] if disturbance == "sigma" else
                 [f"{x:.3g} ({u} unit{'s' if u > 1 else ''})" for x, u in zip(xs, c.units)])
        hit = np.flatnonzero(share >= LOST_SHARE)
        shown = sorted({int(hit[0]) if hit.size else len(xs) - 1, len(xs) - 1})
        ev = (describe_critical(xs, m["lost"], unit=unit) + f"; lost draws per {unit}: "
              + ", ".join(f"{w}: {k:.0%}" for w, k in zip(where, share))
              + "".join(f"; at {unit} = {xs[i]:.3g}: {_at(c, m, i)}" for i in shown)
              + f" (undisturbed: {_scores(c, c.reference['score'], c.reference['score2'])})")
        out.append(Question(text(c), ev, bool(critical(xs, m["lost"]) <= limit), rule))
    return out


def fragile(R: Perturbation) -> list[Question]:
    """Per model: does relative weight noise of at most :data:`FRAGILE_SIGMA` lose the pattern?"""
    def text(c: Curve) -> str:
        what = "the Gray-Scott pattern" if c.task == "gray_scott" else "the rooster"
        return (f"{c.name}: the paper expects trained NCAs not to be particularly stable under changes of their "
                f"parameters. Does relative weight noise of σ ≤ {FRAGILE_SIGMA:g} lose {what}?")

    return _critical(R, "sigma", text, FRAGILE_SIGMA, "σ")


def dropping(R: Perturbation) -> list[Question]:
    """Per model: does dropping at most :data:`FRAGILE_DROP` of the hidden units lose the pattern?"""
    return _critical(R, "drop", lambda c: f"{c.name}: does dropping at most {FRAGILE_DROP:.1%} of the {c.hidden} "
                                          "hidden units lose it?", FRAGILE_DROP, "f")


def hidden_by_noise(R: Perturbation) -> list[Question]:
    """Per model with stochastic updates: is weight noise up to :data:`HIDDEN_SIGMA` within the noise floor?"""
    out = []
    for c in R.curves:
        text = (f"{c.name}: is weight noise up to σ = {HIDDEN_SIGMA:g} hidden by the model's own update noise (its "
                "damage within the noise floor)?")
        rule = (f"yes if at every σ ≤ {HIDDEN_SIGMA:g} the median damage ≤ the largest damage of two undisturbed runs "
                "with different masks")
        small = np.flatnonzero(c.sigmas <= HIDDEN_SIGMA)
        if c.deterministic:
            out.append(Question(text, "the model updates every cell at every step: no update noise, the floor is 0 "
                                f"(median damage at the smallest σ {np.median(c.sigma['damage'][0]):.3g})", None,
                                rule))
            continue
        if not small.size:
            out.append(Question(text, f"needs a σ ≤ {HIDDEN_SIGMA:g} in the grid", None, rule))
            continue
        lo, hi = c.floor_band
        med = np.median(c.sigma["damage"], axis=1)
        above = np.flatnonzero(med > hi)
        shown = [f"{m:.3g}" if np.isfinite(m) else "blown up (half the draws or more)" for m in med]
        ev = (f"noise floor {lo:.3g}–{hi:.3g}; median damage " + ", ".join(f"σ = {s:g}: {m}"
                                                                           for s, m in zip(c.sigmas, shown))
              + (f"; first above the floor at σ = {c.sigmas[above[0]]:g}" if above.size else
                 "; never above the floor"))
        out.append(Question(text, ev, bool(np.all(med[small] <= hi)), rule))
    return out


def _answerable(curves) -> list[Curve]:
    return [c for c in curves if not c.baseline_lost]


def which_more_fragile(R: Perturbation) -> Question:
    """Gray-Scott against morph: are the Gray-Scott models more fragile (median σ* at most 1/MARGIN of morph's)?"""
    text = ("Gray-Scott against morph: are the Gray-Scott models more fragile under weight noise than the morph "
            "models?")
    rule = (f"yes if the median σ* of the Gray-Scott models ≤ 1/{MARGIN:g} × the morph models'; the evidence says "
            "which way the difference goes otherwise")
    gs, mo = _answerable(R.gray_scott.values()), _answerable(R.morph.values())
    if not gs or not mo:
        return Question(text, "needs models of both tasks whose undisturbed runs keep their pattern "
                              f"(this run: {len(gs)} Gray-Scott, {len(mo)} morph)", None, rule)
    a = float(np.median([c.critical_sigma for c in gs]))
    b = float(np.median([c.critical_sigma for c in mo]))
    ev = ("σ*: " + ", ".join(f"{c.name} {_finite(c.critical_sigma)}" for c in [*gs, *mo])
          + f"; medians: Gray-Scott {_finite(a)}, morph {_finite(b)}")
    if np.isfinite(a) and np.isfinite(b):
        ev += f" (ratio morph / Gray-Scott {b / a:.2f})"
    ev += (". The criteria differ (Gray-Scott: the quality target after 2048 steps from an unseen IC; morph: the "
           "rooster at the trained horizon 3t)")
    return Question(text, ev, bool(a * MARGIN <= b), rule)


def time_sampling(R: Perturbation) -> Question:
    """Across the Gray-Scott models: does longer time sampling give more robust weights (larger σ*)?"""
    text = "Gray-Scott: does training with longer time sampling t give weights more robust to noise (larger σ*)?"
    rule = (f"yes if the rank correlation of t with σ* ≥ {RANK:g} ({MIN_MODELS}+ models that meet the target "
            "undisturbed)")
    ok = {t: c for t, c in R.gray_scott.items() if not c.baseline_lost}
    if len(ok) < MIN_MODELS:
        return Question(text, f"needs {MIN_MODELS} Gray-Scott models meeting the target undisturbed (this run: "
                              f"t = {sorted(ok)})", None, rule)
    ts = sorted(ok)
    top = max(float(np.max(ok[t].sigmas)) for t in ts)
    crit = [ok[t].critical_sigma for t in ts]
    ranked = [c if np.isfinite(c) else 2 * top for c in crit]  # never lost: above every lost one, tied
    rho = spearman(ts, ranked)
    ev = (", ".join(f"t = {t}: σ* {_finite(c)}, f* {_finite(ok[t].critical_fraction)}" for t, c in zip(ts, crit))
          + f"; rank correlation of t with σ* {rho:.2f}")
    return Question(text, ev, bool(np.isfinite(rho) and rho >= RANK), rule)


def questions(R: Perturbation) -> list[Question]:
    """Every question of the chapter, in the page's order."""
    return [*fragile(R), *dropping(R), *hidden_by_noise(R), which_more_fragile(R), time_sampling(R)]
