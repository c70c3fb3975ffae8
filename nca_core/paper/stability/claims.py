"""The paper's claims about stability (Figs 10–12), checked against the numbers of a run.

Each function returns :class:`~nca_core.paper.report.Claim` rows; a claim whose test needs
something the parameters left out (a model, common masks, a snapshot beyond the horizon)
is "not tested". The thresholds that turn numbers into verdicts are the constants below;
the evidence column always gives the numbers themselves.
"""

from __future__ import annotations

import numpy as np

from nca_core.paper.report import Claim
from nca_core.paper.stability.adversarial import Adversarial
from nca_core.paper.stability.local import LocalMap, LocalResults
from nca_core.paper.stability.symmetry import SymmetryResults, model_name

#: "mostly local": at least this fraction of perturbations stays within the light-cone radius n·f
MOSTLY = 0.9
#: the threshold "accounts for random fluctuations" if two unperturbed runs differ in at most this
#: fraction of the pixels a perturbation changes (mean noise floor / mean footprint)
ABSORBED = 0.1
#: "visually near-identical": ‖x̃‖ at most this fraction of ‖x⁰‖
NEAR_IDENTICAL = 0.1
#: the rooster is "destroyed" when its opaque-region IoU falls below this (the rough shape is gone) …
SHAPE_IOU = 0.5
#: … or its distance to the data rooster grows by at least this factor
DESTROYED = 2.0


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
        claims.append(Claim(text, ev, bool(ca.mean() < cb.mean() and np.median(ca) < np.median(cb))))
    else:
        claims.append(Claim(text, "needs both models, the first with the smaller t", None))

    text = "In both models the perturbations stay mostly local"
    if not common:
        claims.append(Claim(text, "needs common_masks=True: with independent masks the changed region is mostly "
                                  "mask noise, not the perturbation's", None))
    elif R.maps:
        parts, ok = [], True  # one model that stays local leaves "both" untested
        for m in R.maps.values():
            r = m.reach[m.reach >= 0]
            parts.append(f"{m.label} (n = {m.steps}, bound n·f = {m.bound:g} cells): {100 * m.within:.1f}% within "
                         f"the bound, median reach {np.median(r) if r.size else 0:.0f} cells, largest "
                         f"{m.reach.max()}, median footprint {100 * np.median(m.mean_counts) / m.noise_map.size:.1f}% "
                         f"of the lattice")
            ok &= m.within >= MOSTLY
        claims.append(Claim(text, "; ".join(parts) + f" — \"mostly\": ≥ {100 * MOSTLY:.0f}% of the perturbed "
                                  "pixels within the bound (Chebyshev distance of the farthest changed pixel)",
                            False if not ok else True if len(R.maps) >= 2 else None))
    text = "The threshold of 0.1 absorbs the random fluctuations of the update masks (Fig 10 caption)"
    if R.maps and common:
        parts, ok = [], True
        for m in R.maps.values():
            ratio = m.noise_counts.mean() / max(m.mean_counts.mean(), 1e-9)
            parts.append(f"{m.label}: two unperturbed runs with independent masks differ in "
                         f"{m.noise_counts.mean():.0f} pixels (max {m.noise_counts.max()}, {len(m.noise_counts)} "
                         f"pairs), {ratio:.1f}× the mean footprint")
            ok &= ratio <= ABSORBED
        claims.append(Claim(text, "; ".join(parts) + f" — absorbed if at most {ABSORBED:g}×", bool(ok)))
    else:
        claims.append(Claim(text, "needs common_masks=True (footprints free of mask noise to compare with)", None))
    return claims


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
    """The two claims of Fig 11 from the optimised initial states (and the min-κ search paths)."""
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
          + f" — destroyed if IoU < {SHAPE_IOU} or the distance grows ≥ {DESTROYED:g}×; {R.iterations} iterations")
    first = smallest_destroying(R)
    if first is not None:
        ok |= first["e_in"] / R.x0_norm <= NEAR_IDENTICAL
        ev += (f". Along the search, the smallest perturbation that already destroys it (iteration "
               f"{first['iteration']}): ‖x̃‖ = {first['e_in']:.2f} ({100 * first['e_in'] / R.x0_norm:.1f}%), max |x̃| = "
               f"{first['max_abs']:.3f}, IoU {first['iou']:.2f}, distance to the rooster {first['to_rooster']:.1f}")
    elif R.path:
        ev += ". No state along the search destroys it"
    claims.append(Claim("A visually near-identical initial state can destroy the stable rooster", ev, ok))
    text = ("A large perturbation of the initial state can leave the state at n = 96 unchanged, yet the rooster's "
            "long-term stability is damaged")
    later = [f for f in frames if f > n]
    if not later:
        claims.append(Claim(text, "needs a snapshot beyond the horizon (parameter snapshots)", None))
        return claims
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
          + f" — large (‖x̃‖ > ‖Δ‖ and > {100 * NEAR_IDENTICAL:.0f}% of ‖x⁰‖) {mark[bool(large)]}, kept at n = {n} "
          f"(change within the mask noise) {mark[bool(kept)]}, damaged later (change above the noise and growing) "
          f"{mark[bool(damaged)]}")
    claims.append(Claim(text, ev, bool(large and kept and damaged)))
    return claims


# ================================================================== Fig 12
#: "exactly equivariant": Φⁿ(g·x) and g·Φⁿ(x) (same masks, transformed) differ by at most this anywhere
EQUIVARIANT = 1e-4
#: a transformed input is "handled as well as the original" if its error is at most this × the identity's
SAME_ERROR = 1.25
#: the lattice symmetries other than the identity
_TURNED = ("rot90", "rot180", "rot270", "flip_rows", "flip_cols")


def _errors(R: SymmetryResults, model: str, names) -> str:
    return f"{model}: " + ", ".join(f"{n} {R.error(model, n):.1f}" for n in names)


def fig12(R: SymmetryResults) -> list[Claim]:
    """The theory behind Fig 12 (exact equivariance of the symmetric set) and the paper's four claims."""
    a_n, a_r, s_n, s_r = (model_name(k, d) for k, d in (("asymmetric", "normal"), ("asymmetric", "rotated"),
                                                        ("symmetric", "normal"), ("symmetric", "rotated")))
    have = set(R.names)
    claims = []

    text = ("An NCA built from symmetric stencils only (identity, Laplacian, average) commutes with the rotations and "
            "reflections of the lattice; one with gradient (Sobel) stencils does not")
    dev = {m: max(R.equivariance[m].values(), default=0.0) for m in R.models}
    n_g = len(next(iter(R.equivariance.values())))
    ev = (f"largest difference between Φⁿ(g·x) and g·Φⁿ(x) over the {n_g} on-lattice g at n = {R.steps}, "
          "same update masks transformed alike: " + ", ".join(f"{m} {dev[m]:.1e}" for m in R.models)
          + f" — exact if ≤ {EQUIVARIANT:g}")
    claims.append(Claim(text, ev, bool(dev[s_n] <= EQUIVARIANT and dev[s_r] <= EQUIVARIANT
                                       and dev[a_n] > EQUIVARIANT and dev[a_r] > EQUIVARIANT)))

    text = ("Without augmentation the symmetric NCA handles on-lattice rotations and flips well, but struggles with "
            "the 45° rotation")
    turned = [n for n in _TURNED if n in have]
    if "identity" in have and turned and "rot45" in have:
        base = R.error(s_n, "identity")
        worst = max(R.error(s_n, n) for n in turned)
        ok = worst <= SAME_ERROR * base and R.error(s_n, "rot45") > SAME_ERROR * base
        claims.append(Claim(text, _errors(R, s_n, ["identity", *turned, "rot45"])
                            + f" (empty canvas: {R.blank[0]:.1f}) — handled as well as the original if ≤ "
                            f"{SAME_ERROR:g}× its identity error, struggles if above", bool(ok)))
    else:
        claims.append(Claim(text, "needs the identity, at least one lattice symmetry and rot45 (parameter "
                                  "transforms)", None))

    text = ("Rotation augmentation improves the asymmetric NCA on rotated inputs, but the symmetric NCA (with or "
            "without augmentation) stays better on on-lattice rotations")
    if turned:
        m = {k: R.mean_error(k, turned) for k in R.models}
        ok = m[a_r] < m[a_n] and m[a_r] > max(m[s_n], m[s_r])
        claims.append(Claim(text, "mean error over " + ", ".join(turned) + ": "
                            + ", ".join(f"{k} {v:.1f}" for k, v in m.items()), bool(ok)))
    else:
        claims.append(Claim(text, "needs at least one lattice symmetry (parameter transforms)", None))

    text = "The off-lattice (45°) rotation needs augmentation even for the symmetric NCA"
    if "rot45" in have and "identity" in have:
        n45, r45 = R.error(s_n, "rot45"), R.error(s_r, "rot45")
        base = R.error(s_n, "identity")
        ok = n45 > SAME_ERROR * base and r45 < n45
        claims.append(Claim(text, f"rot45 error: {s_n} {n45:.1f} (its identity error {base:.1f}), {s_r} {r45:.1f}"
                            f" — needed if without augmentation it is above {SAME_ERROR:g}× the identity error and "
                            "augmentation lowers it", bool(ok)))
    else:
        claims.append(Claim(text, "needs the identity and rot45 (parameter transforms)", None))

    text = "The asymmetric NCA trained on normal data is the best on the unperturbed task"
    if "identity" in have:
        e = {k: R.error(k, "identity") for k in R.models}
        claims.append(Claim(text, "error from the untransformed alien: " + ", ".join(f"{k} {v:.1f}"
                                                                                    for k, v in e.items()),
                            bool(min(e, key=e.get) == a_n)))
    else:
        claims.append(Claim(text, "needs the identity (parameter transforms)", None))
    return claims
