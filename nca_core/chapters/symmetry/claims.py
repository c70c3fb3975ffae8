"""The paper's claims about symmetric stencils and augmentation (Fig 12), checked against a run's numbers.

A claim whose test needs a transform the parameters left out is "not tested". The thresholds that turn
numbers into verdicts are the constants below; the evidence column always gives the numbers.
"""

from __future__ import annotations

from nca_core.chapters.claim import Claim
from nca_core.chapters.symmetry.measure import SymmetryResults, model_name

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
          "same update masks transformed alike: " + ", ".join(f"{m} {dev[m]:.1e}" for m in R.models))
    claims.append(Claim(text, ev, bool(dev[s_n] <= EQUIVARIANT and dev[s_r] <= EQUIVARIANT
                                       and dev[a_n] > EQUIVARIANT and dev[a_r] > EQUIVARIANT),
                        f"exact if ≤ {EQUIVARIANT:g}: the symmetric models exact, the asymmetric ones not"))

    text = ("Without augmentation the symmetric NCA handles on-lattice rotations and flips well, but struggles with "
            "the 45° rotation")
    turned = [n for n in _TURNED if n in have]
    if "identity" in have and turned and "rot45" in have:
        base = R.error(s_n, "identity")
        worst = max(R.error(s_n, n) for n in turned)
        ok = worst <= SAME_ERROR * base and R.error(s_n, "rot45") > SAME_ERROR * base
        claims.append(Claim(text, _errors(R, s_n, ["identity", *turned, "rot45"])
                            + f" (empty canvas: {R.blank[0]:.1f})", bool(ok),
                            f"handled well: every lattice symmetry's error ≤ {SAME_ERROR:g}× the identity's; "
                            f"struggles: rot45's above {SAME_ERROR:g}×"))
    else:
        claims.append(Claim(text, "needs the identity, at least one lattice symmetry and rot45 (parameter "
                                  "transforms)", None))

    text = ("Rotation augmentation improves the asymmetric NCA on rotated inputs, but the symmetric NCA (with or "
            "without augmentation) stays better on on-lattice rotations")
    if turned:
        m = {k: R.mean_error(k, turned) for k in R.models}
        ok = m[a_r] < m[a_n] and m[a_r] > max(m[s_n], m[s_r])
        claims.append(Claim(text, "mean error over " + ", ".join(turned) + ": "
                            + ", ".join(f"{k} {v:.1f}" for k, v in m.items()), bool(ok),
                            "mean error: the asymmetric model lower with augmentation than without, and both symmetric "
                            "models lower than the augmented asymmetric one"))
    else:
        claims.append(Claim(text, "needs at least one lattice symmetry (parameter transforms)", None))

    text = "The off-lattice (45°) rotation needs augmentation even for the symmetric NCA"
    if "rot45" in have and "identity" in have:
        n45, r45 = R.error(s_n, "rot45"), R.error(s_r, "rot45")
        base = R.error(s_n, "identity")
        ok = n45 > SAME_ERROR * base and r45 < n45
        claims.append(Claim(text, f"rot45 error: {s_n} {n45:.1f} (its identity error {base:.1f}), {s_r} {r45:.1f}"
                            "", bool(ok), f"needed: the symmetric model's rot45 error without augmentation above "
                            f"{SAME_ERROR:g}× its identity error, and lower with augmentation"))
    else:
        claims.append(Claim(text, "needs the identity and rot45 (parameter transforms)", None))

    text = "The asymmetric NCA trained on normal data is the best on the unperturbed task"
    if "identity" in have:
        e = {k: R.error(k, "identity") for k in R.models}
        claims.append(Claim(text, "error from the untransformed alien: " + ", ".join(f"{k} {v:.1f}"
                                                                                    for k, v in e.items()),
                            bool(min(e, key=e.get) == a_n), "the lowest identity error of the four models"))
    else:
        claims.append(Claim(text, "needs the identity (parameter transforms)", None))
    return claims
