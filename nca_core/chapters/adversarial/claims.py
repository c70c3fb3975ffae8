"""The paper's claims about adversarial initial states (Fig 11), checked against the numbers of a run.

A claim whose test needs a snapshot beyond the horizon is "not tested" without one. The thresholds that
turn numbers into verdicts are the constants below; the evidence column always gives the numbers.
"""

from __future__ import annotations

import numpy as np

from nca_core.chapters.adversarial.measure import Adversarial
from nca_core.chapters.claim import Claim, because, not_tested

#: "visually near-identical": ‖x̃‖ at most this fraction of ‖x⁰‖
NEAR_IDENTICAL = 0.1
#: the rooster is "destroyed" when its opaque-region IoU falls below this (the rough shape is gone) …
SHAPE_IOU = 0.5
#: … or its distance to the data rooster grows by at least this factor
DESTROYED = 2.0


#: the unperturbed rooster is "stable" beyond the horizon if its distance to the data rooster at the last snapshot
#: is at most this many times its distance at the horizon …
STABLE_GROWTH = 1.25
#: … and its opaque-region IoU with the rooster falls by at most this
STABLE_IOU_DROP = 0.05

#: the rule of the max-κ claim
THRESHOLD_MAX = (f"large: ‖x̃‖ > ‖Δ‖ at the horizon and > {100 * NEAR_IDENTICAL:.0f}% of ‖x⁰‖; kept: ‖Δ‖ at the "
                 "horizon within what two unperturbed runs with independent masks differ by; damaged later: ‖Δ‖ at "
                 "the last snapshot above that noise and above ‖Δ‖ at the horizon")


def _fmt_row(name: str, row: dict, frames: list[int], at: list[int]) -> str:
    idx = [frames.index(f) for f in at]
    return (f"{name}: " + ", ".join(f"n = {f}: IoU {row['iou'][i]:.2f}, distance to the rooster "
                                    f"{row['to_rooster'][i]:.1f}" for f, i in zip(at, idx)))


def destroyed(iou, to_rooster, ref: dict, h: int):
    """Is the rooster at frame ``h`` destroyed: the opaque-region IoU below :data:`SHAPE_IOU` (where the
    unperturbed run's is not), or the distance to the rooster :data:`DESTROYED` times the unperturbed run's?"""
    iou, to_rooster = np.asarray(iou), np.asarray(to_rooster)
    return ((iou < SHAPE_IOU) & (ref["iou"][h] >= SHAPE_IOU)) | (to_rooster >= DESTROYED * ref["to_rooster"][h])


def smallest_destroying(R: Adversarial) -> dict | None:
    """The smallest perturbation (by ‖x̃‖) along the min-κ searches that already destroys the rooster at the
    horizon (:func:`destroyed`), with its numbers; None if none does (or no path was kept)."""
    p = R.path
    if not p or not p["e_in"].size:
        return None
    h = R.frames.index(R.steps)
    bad = destroyed(p["iou"], p["to_rooster"], R.row("unperturbed"), h)
    if not bad.any():
        return None
    s, b = np.unravel_index(np.argmin(np.where(bad, p["e_in"], np.inf)), bad.shape)
    return {k: (int(v[s]) if k == "iteration" else float(v[s, b])) for k, v in p.items()}


def fig11(R: Adversarial) -> list[Claim]:
    """The two claims of Fig 11 from the optimised initial states (and the min-κ search paths), and its caption's
    claim that the extrapolated rooster is stable (:func:`stability`)."""
    claims = []
    frames, n = R.frames, R.steps
    h = frames.index(n)
    ref, lo, hi = R.row("unperturbed"), R.row("min"), R.row("max")
    rel = lo["e_in"] / R.x0_norm
    near = rel <= NEAR_IDENTICAL
    ok = bool(near and destroyed(lo["iou"][h], lo["to_rooster"][h], ref, h))
    ev = (f"min-κ initial state: ‖x̃‖ = {lo['e_in']:.2f} ({100 * rel:.1f}% of ‖x⁰‖ = {R.x0_norm:.1f}; near-identical "
          f"if ≤ {100 * NEAR_IDENTICAL:.0f}%), max |x̃| = {lo['max_abs']:.3f}; κ = {lo['kappa']:.2f}, "
          f"‖Φⁿ(x⁰ + x̃) − Φⁿ(x⁰)‖ = {lo['delta'][h]:.1f} at n = {n} (independent masks alone: {R.noise[h]:.1f}); "
          + _fmt_row("perturbed", lo, frames, [n]) + "; " + _fmt_row("unperturbed", ref, frames, [n])
          + f"; {R.iterations} iterations")
    first = smallest_destroying(R)
    if first is not None:
        ok |= first["e_in"] / R.x0_norm <= NEAR_IDENTICAL
        ev += (f". Along the search, the smallest perturbation that already destroys it (iteration "
               f"{first['iteration']}): ‖x̃‖ = {first['e_in']:.2f} ({100 * first['e_in'] / R.x0_norm:.1f}%), max |x̃| = "
               f"{first['max_abs']:.3f}, IoU {first['iou']:.2f}, distance to the rooster {first['to_rooster']:.1f}")
    elif R.path:
        ev += ". No state along the search destroys it"
    claims.append(Claim("A visually near-identical initial state can destroy the stable rooster", ev, ok,
                        f"near-identical: ‖x̃‖ ≤ {100 * NEAR_IDENTICAL:.0f}% of ‖x⁰‖; destroyed at n = {n}: IoU < "
                        f"{SHAPE_IOU} (where the unperturbed run's is not) or the distance to the rooster ≥ "
                        f"{DESTROYED:g}× the unperturbed run's"))
    text = ("A large perturbation of the initial state can leave the state at n = 96 unchanged, yet the rooster's "
            "long-term stability is damaged")
    later = [f for f in frames if f > n]
    if not later:
        claims.append(not_tested(text, "needs a snapshot beyond the horizon (parameter snapshots)", THRESHOLD_MAX))
        return claims + [stability(R)]
    last = frames.index(later[-1])
    large = hi["e_in"] > hi["delta"][h] and hi["e_in"] / R.x0_norm > NEAR_IDENTICAL
    kept = hi["delta"][h] <= R.noise[h]
    damaged = hi["delta"][last] > R.noise[last] and hi["delta"][last] > hi["delta"][h]
    mark = {True: "✓", False: "✗"}
    ev = (f"max-κ initial state: ‖x̃‖ = {hi['e_in']:.1f} ({100 * hi['e_in'] / R.x0_norm:.0f}% of ‖x⁰‖), max |x̃| = "
          f"{hi['max_abs']:.2f}, κ = {hi['kappa']:.1f}; ‖Φⁿ(x⁰ + x̃) − Φⁿ(x⁰)‖ = {hi['delta'][h]:.1f} at n = {n} "
          f"and {hi['delta'][last]:.1f} at n = {frames[last]}; two unperturbed runs with independent masks differ by "
          f"{R.noise[h]:.1f} and {R.noise[last]:.1f}; " + _fmt_row("perturbed", hi, frames, [n, frames[last]])
          + "; " + _fmt_row("unperturbed", ref, frames, [n, frames[last]])
          + f" — large {mark[bool(large)]}, kept at n = {n} {mark[bool(kept)]}, damaged later {mark[bool(damaged)]}")
    pct = 100 * hi["e_in"] / R.x0_norm
    why = [f"the perturbation is not large: ‖x̃‖ = {hi['e_in']:.1f} ({pct:.0f}% of ‖x⁰‖) against ‖Δ‖ = "
           f"{hi['delta'][h]:.1f} at n = {n} and {100 * NEAR_IDENTICAL:.0f}% of ‖x⁰‖" if not large else "",
           f"the state at n = {n} is not kept: ‖Δ‖ = {hi['delta'][h]:.1f}, above the {R.noise[h]:.1f} by which two "
           "unperturbed runs differ" if not kept else "",
           f"no later damage shows beyond the update masks' own randomness: at n = {frames[last]} ‖Δ‖ = "
           f"{hi['delta'][last]:.1f}, where two unperturbed runs differ by {R.noise[last]:.1f}" if not damaged else ""]
    claims.append(Claim(text, ev, bool(large and kept and damaged), THRESHOLD_MAX, reason=because(why)))
    return claims + [stability(R)]


def stability(R: Adversarial) -> Claim:
    """The Fig 11 caption's claim that the rooster is stable when the unperturbed run is extrapolated: its distance
    to the data rooster and its IoU at the horizon against the last snapshot beyond it."""
    text = "Extrapolated beyond the trained horizon, the unperturbed run's final rooster is stable (Fig 11 caption)"
    threshold = (f"the distance to the rooster at the last snapshot at most {STABLE_GROWTH:g}× the horizon's and the "
                 f"IoU lower by at most {STABLE_IOU_DROP:g}")
    n, later = R.steps, [f for f in R.frames if f > R.steps]
    if not later:
        return not_tested(text, "needs a snapshot beyond the horizon (parameter snapshots)", threshold)
    h, last = R.frames.index(n), R.frames.index(later[-1])
    ref = R.row("unperturbed")
    d0, d1, i0, i1 = (float(ref["to_rooster"][h]), float(ref["to_rooster"][last]), float(ref["iou"][h]),
                      float(ref["iou"][last]))
    ev = ("unperturbed run: " + ", ".join(f"n = {R.frames[k]}: IoU {ref['iou'][k]:.2f}, distance to the rooster "
                                          f"{ref['to_rooster'][k]:.1f}" for k in range(h, last + 1))
          + f" (distance ×{d1 / max(d0, 1e-12):.2f}, IoU {i1 - i0:+.2f} from n = {n} to n = {R.frames[last]})")
    holds, keeps = d1 <= STABLE_GROWTH * d0, i1 >= i0 - STABLE_IOU_DROP
    missed = [f"its distance to the data rooster grows ×{d1 / max(d0, 1e-12):.1f} (at most ×{STABLE_GROWTH:g} is "
              "stable)" if not holds else "",
              f"its IoU with the rooster falls by {i0 - i1:.2f} (at most {STABLE_IOU_DROP:g} is stable)"
              if not keeps else ""]
    why = (f"the unperturbed rooster decays from n = {n} to n = {R.frames[last]}: " + "; ".join(w for w in missed if w)
           if not (holds and keeps) else "")
    return Claim(text, ev, bool(holds and keeps), threshold, reason=because([why]))
