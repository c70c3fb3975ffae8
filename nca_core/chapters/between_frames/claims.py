"""Between the frames: questions with pre-set criteria, answered from a run's numbers.

The criteria are the constants below, fixed before the chapter's first run; the evidence column
gives the numbers, so a reader can apply another criterion. ``d`` is the distance to the PDE, ``s``
the PDE's own motion in one step (:mod:`nca_core.chapters.between_frames.measure`).
"""

from __future__ import annotations

import numpy as np

from nca_core.chapters.between_frames.measure import Between, Track
from nca_core.chapters.measures import spearman
from nca_core.chapters.question import Question

#: "tracks the PDE between the frames": at every step between the sampled frames the NCA is no further from
#: the PDE than the PDE itself moves in this many steps (d_n ≤ ONE_STEP · s_n): the path is the PDE's at the
#: resolution of a single step
ONE_STEP = 1.0
#: "takes a path of its own": inside a sampling interval the largest distance is at least this multiple of the
#: larger distance at the interval's two frames (median over the intervals followed: the frames agree, the
#: path between them does not)
EXCURSION = 2.0
#: "the hidden channels have started up by the first frame": the RMS of the hidden channels at n = t is at
#: least this fraction of their working level (their mean RMS over the last sampling interval followed)
SETTLED = 0.5
#: "coarser sampling costs fidelity between the frames": the rank correlation of t with the largest d_n / s_n
#: between the frames is at least this (needs at least MIN_MODELS time samplings)
RANK = 0.8
MIN_MODELS = 3
#: the unseen IC is judged over its first EARLY sampling intervals (later the two drift apart everywhere)
EARLY = 4


def head(tr: Track, steps: int) -> Track:
    """The first ``steps`` steps of a track."""
    n = min(steps, tr.steps) + 1
    return Track(tr.t, tr.start, tr.distance[:n], tr.pde_step[:n], tr.hidden[:n])


def _starts(R: Between, t: int) -> str:
    return ", ".join(f"n₀ = {s}" for s in R.starts(t))


def tracking(R: Between) -> list[Question]:
    """Per t: does the NCA stay within one PDE step of the PDE between the sampled frames (from true frames)?"""
    out = []
    for t in R.sampling:
        text = f"t = {t}: started from true training frames, does the NCA track the PDE between the sampled frames?"
        rule = f"yes if d_n ≤ {ONE_STEP:g} × s_n at every step between the frames, from every start"
        tracks = [R.train[(t, s)] for s in R.starts(t)]
        if t == 1 or not all(tr.between.size for tr in tracks):
            out.append(Question(text, "no step lies between the frames (t = 1 or a horizon shorter than t)", None,
                                rule))
            continue
        sm = [tr.summary() for tr in tracks]
        worst = max(x["per_step"] for x in sm)
        ev = "; ".join(f"n₀ = {tr.start}: largest d_n / s_n between the frames {x['per_step']:.2f}, largest d "
                       f"between {x['between']:.3g}, at the frames {x['at_frames']:.3g}, after one step "
                       f"{x['first']:.3g}" for tr, x in zip(tracks, sm))
        out.append(Question(text, ev, bool(np.isfinite(worst) and worst <= ONE_STEP), rule))
    return out


def excursion(R: Between) -> list[Question]:
    """Per t: is the path between the frames further from the PDE than the frames are (from true frames)?"""
    out = []
    for t in R.sampling:
        text = (f"t = {t}: do the sampled frames agree with the PDE while the path between them does not "
                "(the learnt rule is not the PDE's step), interval after interval?")
        rule = (f"yes if, from every start, the median over the sampling intervals of (largest d inside the interval "
                f"/ larger d at its two frames) ≥ {EXCURSION:g}")
        tracks = [R.train[(t, s)] for s in R.starts(t)]
        if t == 1 or not all(tr.between.size and tr.frames.size for tr in tracks):
            out.append(Question(text, "needs steps between frames and at least one frame within the horizon", None,
                                rule))
            continue
        sm = [tr.summary() for tr in tracks]
        ev = "; ".join(f"n₀ = {tr.start}: median ratio {x['excursion']:.2f} over {tr.bumps().size} intervals (first "
                       f"interval {x['first_bump']:.2f}); largest d between the frames {x['between']:.3g}, at them "
                       f"{x['at_frames']:.3g}" for tr, x in zip(tracks, sm))
        out.append(Question(text, ev, bool(min(x["excursion"] for x in sm) >= EXCURSION), rule))
    return out


def cold_start(R: Between) -> list[Question]:
    """Per t: is the first sampling interval, where the hidden channels start from 0, the one where the path strays?"""
    out = []
    for t in R.sampling:
        text = (f"t = {t}: in the first sampling interval after a start (hidden channels at 0), does the NCA stray "
                "from the PDE between the frames?")
        rule = (f"yes if, from every start, the first interval's largest d inside / larger d at its two frames ≥ "
                f"{EXCURSION:g} (the criterion of the later intervals above)")
        tracks = [R.train[(t, s)] for s in R.starts(t)]
        if t == 1 or not all(tr.bumps().size for tr in tracks):
            out.append(Question(text, "needs steps between frames and one whole interval", None, rule))
            continue
        first = [float(tr.bumps()[0]) for tr in tracks]
        ev = "; ".join(f"n₀ = {tr.start}: {b:.2f} (largest d inside {np.max(tr.distance[1:t]):.3g}, at n = {t}: "
                       f"{tr.distance[t]:.3g})" for tr, b in zip(tracks, first))
        out.append(Question(text, ev, bool(min(first) >= EXCURSION), rule))
    return out


def startup(R: Between) -> list[Question]:
    """Per t: have the hidden channels (started at 0) reached their working level by the first frame?"""
    out = []
    for t in R.sampling:
        text = f"t = {t}: have the hidden channels, started at 0, reached their working level by the first frame n = t?"
        rule = f"yes if their RMS at n = t ≥ {SETTLED:g} × their mean RMS over the last sampling interval followed"
        tracks = [R.train[(t, s)] for s in R.starts(t)]
        if any(tr.hidden.shape[1] == 0 for tr in tracks) or any(tr.steps < 2 * t for tr in tracks):
            out.append(Question(text, "needs hidden channels and a horizon of at least two sampling intervals", None,
                                rule))
            continue
        levels = [tr.hidden_level() for tr in tracks]
        ok = all(w > 0 and a >= SETTLED * w for a, w in levels)
        ev = "; ".join(f"n₀ = {tr.start}: RMS {a:.3g} at n = {t}, working level {w:.3g} ({a / w:.0%})" if w > 0 else
                       f"n₀ = {tr.start}: the hidden channels stay at 0" for tr, (a, w) in zip(tracks, levels))
        out.append(Question(text, ev, bool(ok), rule))
    return out


def cost(R: Between) -> Question:
    """Across t: does coarser sampling cost more fidelity between the frames?"""
    text = "Does coarser time sampling cost fidelity between the frames (larger d_n / s_n between them)?"
    rule = (f"yes if the rank correlation of t with the largest d_n / s_n between the frames ≥ {RANK:g} "
            f"({MIN_MODELS}+ t)")
    ts = [t for t in R.sampling if t > 1]
    if len(ts) < MIN_MODELS:
        return Question(text, f"needs at least {MIN_MODELS} time samplings above 1 (this run: {ts})", None, rule)
    worst = [max(R.train[(t, s)].summary()["per_step"] for s in R.starts(t)) for t in ts]
    rho = spearman(ts, worst)
    ev = ", ".join(f"t = {t}: {w:.2f}" for t, w in zip(ts, worst)) + f"; rank correlation {rho:.2f}"
    return Question(text, ev, bool(np.isfinite(rho) and rho >= RANK), rule)


def unseen(R: Between) -> list[Question]:
    """Per t: from the unseen test IC, over its first :data:`EARLY` intervals, is the path between the frames
    further from the PDE than the frames are?"""
    out = []
    for t in R.sampling:
        text = f"t = {t}: from the unseen test IC, is the NCA further from the PDE between the frames than at them?"
        rule = (f"yes if, over the first {EARLY} sampling intervals, the median of (largest d inside an interval / "
                f"larger d at its two frames) ≥ {EXCURSION:g}")
        tr = head(R.test[t], EARLY * t)
        if t == 1 or not tr.frames.size or not tr.between.size:
            out.append(Question(text, "needs steps between frames and a frame within the test rollout", None, rule))
            continue
        x = tr.summary()
        ev = (f"first {tr.steps} steps: median ratio {x['excursion']:.2f} (first interval {x['first_bump']:.2f}); "
              f"largest d between the frames {x['between']:.3g}, at them {x['at_frames']:.3g}, after one step "
              f"{x['first']:.3g}; largest d_n / s_n between {x['per_step']:.2f}; "
              f"d at the end of the test rollout (n = {R.test[t].steps}) {R.test[t].distance[-1]:.3g}")
        out.append(Question(text, ev, bool(x["excursion"] >= EXCURSION), rule))
    return out


def questions(R: Between) -> list[Question]:
    """Every question of the chapter, in the page's order."""
    return [*tracking(R), *excursion(R), *cold_start(R), *startup(R), cost(R), *unseen(R)]
