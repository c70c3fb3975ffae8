"""The paper's claims about local perturbations (Fig 10), checked against the numbers of a run.

A claim whose test needs something the parameters left out (both models, common masks) is "not tested".
The thresholds that turn numbers into verdicts are the constants below; the evidence column always
gives the numbers themselves.
"""

from __future__ import annotations

import numpy as np

from nca_core.chapters.claim import Claim, because, not_tested
from nca_core.chapters.local.measure import LocalMap, LocalResults

#: "mostly local": at least this fraction of perturbations stays within the light-cone radius n·f
MOSTLY = 0.9
#: the threshold "accounts for random fluctuations" if two unperturbed runs differ in at most this
#: fraction of the pixels a perturbation changes (mean noise floor / mean footprint)
ABSORBED = 0.1

def _stats(m: LocalMap) -> str:
    c, r = m.mean_counts, m.reach[m.reach >= 0]
    return (f"{m.label}: mean {c.mean():.1f}, median {np.median(c):.1f} (median reach "
            f"{np.median(r) if r.size else 0:.0f} cells)")


def fig10(R: LocalResults) -> list[Claim]:
    """The two claims of Fig 10 and the caption's noise threshold."""
    claims = []
    a, b = R.maps.get("C32_t32"), R.maps.get("C16_t64")
    common = R.params.common_masks
    text = ("The model with fewer steps between images (t = 32) is more stable: its one-pixel footprints are "
            "smaller than those of the t = 64 model")
    if a is not None and b is not None and a.t < b.t:
        ca, cb = a.mean_counts, b.mean_counts
        ev = (f"changed pixels (> {R.params.threshold}) in the final state per perturbed pixel, "
              f"{a.counts.shape[1]} locations × {a.counts.shape[0]} mask realisation(s): {_stats(a)}; {_stats(b)}")
        if not common:
            ev += (f" (independent masks: the counts include the noise floor, {a.noise_counts.mean():.0f} and "
                   f"{b.noise_counts.mean():.0f} pixels)")
        claims.append(Claim(text, ev, bool(ca.mean() < cb.mean() and np.median(ca) < np.median(cb)),
                            "the t = 32 model's mean and median footprints both below the t = 64 model's"))
    else:
        claims.append(not_tested(text, "needs both models, the first with the smaller t"))

    text = "In both models the perturbations stay mostly local"
    mostly = (f"≥ {100 * MOSTLY:.0f}% of the perturbed pixels with every change within the light-cone bound n·f "
              "(Chebyshev distance of the farthest changed pixel), in each model")
    if not common:
        claims.append(not_tested(text, "needs common_masks=True: with independent masks the changed region is mostly "
                                       "mask noise, not the perturbation's", mostly))
    elif R.maps:
        parts, ok = [], True  # one model that stays local leaves "both" untested
        for m in R.maps.values():
            r = m.reach[m.reach >= 0]
            parts.append(f"{m.label} (n = {m.steps}, bound n·f = {m.bound:g} cells): {100 * m.within:.1f}% within "
                         f"the bound, median reach {np.median(r) if r.size else 0:.0f} cells, largest "
                         f"{m.reach.max()}, median footprint {100 * np.median(m.mean_counts) / m.noise_map.size:.1f}% "
                         f"of the lattice")
            ok &= m.within >= MOSTLY
        claims.append(Claim(text, "; ".join(parts) + ("" if len(R.maps) >= 2 or not ok else "; one model only"),
                            False if not ok else True if len(R.maps) >= 2 else None, mostly))
    text = "The threshold of 0.1 absorbs the random fluctuations of the update masks (Fig 10 caption)"
    if R.maps and common:
        parts, ok, why = [], True, []
        for m in R.maps.values():
            ratio = m.noise_counts.mean() / max(m.mean_counts.mean(), 1e-9)
            parts.append(f"{m.label}: two unperturbed runs with independent masks differ in "
                         f"{m.noise_counts.mean():.0f} pixels (max {m.noise_counts.max()}, {len(m.noise_counts)} "
                         f"pairs), {ratio:.1f}× the mean footprint")
            ok &= ratio <= ABSORBED
            if ratio > ABSORBED:
                why.append(f"{m.noise_counts.mean():.0f} pixels for {m.label} ({ratio:.1f}× its mean footprint)")
        missed = (f"two unperturbed runs with independent masks already differ (changes > {R.params.threshold:g}) in "
                  + " and in ".join(why) + f", where at most {ABSORBED:g}× the footprint would count as absorbed")
        claims.append(Claim(text, "; ".join(parts), bool(ok), f"absorbed if at most {ABSORBED:g}× the mean footprint",
                            reason=because([missed] if why else [])))
    else:
        claims.append(not_tested(text, "needs common_masks=True (footprints free of mask noise to compare with)"))
    return claims
