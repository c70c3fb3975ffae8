"""Reading the rule back: questions with pre-set criteria, answered from a run's regressions.

The criteria are the constants below, fixed before the chapter's first run. "Within x" compares each of
D_A, D_B, α, γ with the true value, relatively.
"""

from __future__ import annotations

import numpy as np

from nca_core.chapters.question import Question
from nca_core.chapters.read_back.measure import TERMS, Fit, ReadBack, true_coefficients

#: the positive control: the PDE's own trajectories give every coefficient within this relative error …
CONTROL_TOL = 0.01
#: … and an R² of at least this in both equations
CONTROL_R2 = 0.999
#: an NCA "reads back as Gray-Scott": every coefficient within this relative error …
NCA_TOL = 0.10
#: … and an R² of at least this in both equations
NCA_R2 = 0.9


def errors(found: dict[str, float], true: dict[str, float]) -> dict[str, float]:
    """Relative error of each coefficient."""
    return {k: abs(found[k] - v) / abs(v) for k, v in true.items()}


def _coefs(found: dict[str, float], true: dict[str, float]) -> str:
    e = errors(found, true)
    return ", ".join(f"{k} {found[k]:.4g} (true {true[k]:.4g}, {100 * e[k]:.1f}% off)" for k in true)


def _spurious(fit: Fit, true_xi: np.ndarray) -> str:
    extra = np.where(true_xi == 0, np.abs(fit.xi), 0.0)
    eq, k = np.unravel_index(np.argmax(extra), extra.shape)
    n = int(np.count_nonzero(fit.xi)), int(np.count_nonzero(true_xi))
    if extra[eq, k] == 0:
        return f"{n[0]} terms (the PDE has {n[1]}), none spurious"
    return (f"{n[0]} terms (the PDE has {n[1]}); largest spurious term {fit.xi[eq, k]:+.3g} {TERMS[k]} in Δ"
            f"{'AB'[eq]}")


def verdict(fit: Fit, true: dict[str, float], tol: float, r2: float) -> bool:
    e = errors(fit.coefficients, true)
    return bool(all(np.isfinite(v) and v <= tol for v in e.values()) and min(fit.r2) >= r2)


def control(R: ReadBack) -> list[Question]:
    """The positive control: does the regression recover the PDE it was given?"""
    from nca_core.chapters.read_back.measure import truth

    true, xi = true_coefficients(R.params), truth(R.params)
    out = []
    for fit in (R.control, R.control_weak):
        text = f"Positive control ({fit.form}): does the regression recover the PDE from the PDE's own trajectories?"
        rule = f"yes if D_A, D_B, α, γ are each within {100 * CONTROL_TOL:g}% and R² ≥ {CONTROL_R2} in both equations"
        ev = f"{_coefs(fit.coefficients, true)}; R² {fit.r2[0]:.4f} (A), {fit.r2[1]:.4f} (B); {_spurious(fit, xi)}"
        out.append(Question(text, ev, verdict(fit, true, CONTROL_TOL, CONTROL_R2), rule))
    return out


def nca(R: ReadBack) -> list[Question]:
    """Per t and form: does the NCA's rollout read back as the Gray-Scott PDE?"""
    from nca_core.chapters.read_back.measure import truth

    true, xi = true_coefficients(R.params), truth(R.params)
    rule = f"yes if D_A, D_B, α, γ are each within {100 * NCA_TOL:g}% and R² ≥ {NCA_R2} in both equations"
    out = []
    for t in R.models:
        for fit in (R.strong[t], R.weak[t]):
            text = f"t = {t} ({fit.form}): does the NCA's rollout read back as the Gray-Scott PDE?"
            ev = f"{_coefs(fit.coefficients, true)}; R² {fit.r2[0]:.3f} (A), {fit.r2[1]:.3f} (B); {_spurious(fit, xi)}"
            out.append(Question(text, ev, verdict(fit, true, NCA_TOL, NCA_R2), rule))
    return out


def gray_scott_fit(R: ReadBack) -> list[Question]:
    """Per t: is the Gray-Scott PDE that best matches the NCA's sampled frames the true one?"""
    true = true_coefficients(R.params)
    rule = f"yes if the fitted D_A, D_B, α, γ are each within {100 * NCA_TOL:g}% of the truth"
    out = []
    for t in R.models:
        found, mismatch = R.gs_fit[t]
        text = (f"t = {t}: is the Gray-Scott PDE whose t-step rollout best matches the NCA's sampled frames the "
                "true one?")
        ev = (f"{_coefs(found, true)}; its frames are {mismatch:.3g} from the NCA's on average (the NCA's own "
              f"distance to the true PDE at the frames: {R.frames_nca[t]:.3g})")
        ok = all(v <= NCA_TOL for v in errors(found, true).values())
        out.append(Question(text, ev, bool(ok), rule))
    return out


def unseen(R: ReadBack) -> list[Question]:
    """Per t: does the strong-form read-back run from the unseen IC at least as close to the PDE as the NCA?"""
    rule = "yes if its distance to the true PDE at the end is at most the NCA's own"
    out = []
    for t in R.models:
        d = R.unseen[t]
        text = (f"t = {t}: does the PDE read back from the NCA (strong form) run from the unseen IC at least as "
                "close to the true PDE as the NCA itself?")
        ev = f"distance to the true PDE at n = {R.test_steps}: " + ", ".join(
            f"{k} {v:.3g}" if np.isfinite(v) else f"{k} blew up" for k, v in d.items())
        out.append(Question(text, ev, bool(np.isfinite(d["strong"]) and d["strong"] <= d["NCA"]), rule))
    return out


def questions(R: ReadBack) -> list[Question]:
    return [*control(R), *nca(R), *gray_scott_fit(R), *unseen(R)]
