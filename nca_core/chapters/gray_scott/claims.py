"""The claims of the Gray-Scott chapter (Figs 3–6), computed from each run's numbers."""

from __future__ import annotations

import numpy as np

from nca_core.chapters.claim import (
    SEEDS_FOR_ABSENCE,
    SEEDS_FOR_SMALL_DIFFERENCE,
    Claim,
    because,
    not_tested,
    seeds_for_small_difference,
    shown,
    sometimes,
    within,
)
from nca_core.chapters.gray_scott.measure import Comparison, NoiseResults, SamplingResults, invasion, pattern_statistics
from nca_core.chapters.measures import spearman
from nca_core.data import gray_scott as pde

#: a maze: the B channel's contrast (standard deviation) above this …
CONTRAST = 0.1
#: … a flat state: below this
FLAT = 0.05
#: not steady: the state still changes by more than this fraction of its norm over the last 128 steps
STILL_CHANGING = 0.01
#: training loss "increases with t": Spearman rank correlation of t and the training loss above this
RISING = 0.5
#: test losses "comparable" across t: the largest at most this many times the smallest
COMPARABLE = 3.0
#: test loss "improves" at large t: Spearman rank correlation of t and the mean test loss below this
IMPROVING = -0.5
#: a trend over t needs at least this many t values
TREND_POINTS = 4
#: "small" t, where the paper's test rollouts blew up (t = 2 and 6)
SMALL_T = 8
#: the maze "invades" the initially empty region if it covers at least this fraction of what the PDE covers
INVADES = 0.5
#: the NCA's dominant wavelength matches the PDE's within this relative difference (Fig 5) …
SAME_WAVELENGTH = 0.3
#: … and a noisy model's pattern is "incorrect" if it differs from the PDE's by more than this (Fig 6)
WRONG_WAVELENGTH = 0.1
#: … or its B coverage differs by more than this
WRONG_COVERAGE = 0.05
#: the noise ranges the paper names (ξ ≲ 0.2 small, 0.2 < ξ < 0.5 intermediate, ξ > 0.5 strong)
SMALL_NOISE, STRONG_NOISE = 0.2, 0.5

#: what a value that is not finite means in the evidence: a measure of a state with non-finite cells …
BLEW_UP = "not finite (the state blew up)"
#: … a training with no finite loss, a test rollout that left the finite numbers, a rank correlation without data
NO_TRAINING_LOSS = "not finite (the training diverged)"
NO_TEST_LOSS = "not finite (the rollout blew up)"
NO_RHO = "undefined (fewer than two finite values, or all equal)"


def _contrast(s: dict, spec: str) -> str:
    """A state's B contrast for the evidence, or that the state blew up."""
    return shown(s["contrast"], spec, BLEW_UP)


def _wavelength(s: dict) -> str:
    """A state's dominant wavelength for the evidence, or why it has none: the state blew up, B is flat, or B
    varies only on the lattice's largest scales (which :func:`pattern_statistics` leaves out)."""
    if not np.isfinite(s["contrast"]):
        return "none (the state blew up)"
    flat = "none (B is flat: no pattern)" if s["contrast"] < FLAT else "none (no pattern finer than the largest scales)"
    return shown(s["wavelength"], ".1f", flat)


def _rho(rho: float) -> str:
    return shown(rho, ".2f", NO_RHO)


# ------------------------------------------------------------------ Fig 3
def fig3(traj: np.ndarray, steps: list[int]) -> list[Claim]:
    """Claims of Fig 3 from the training trajectories ``traj[F, 4, 64, 64, 2]`` at ``steps``.

    Steadiness is judged from the relative change of the state over the last 128 steps
    (or the last sampling interval, if longer).
    """
    stats = [pattern_statistics(traj[-1, r]) for r in range(traj.shape[1])]
    back = max([i for i, n in enumerate(steps) if n <= steps[-1] - 128] or [max(len(steps) - 2, 0)])
    prev, last = traj[back], traj[-1]
    change = float(np.linalg.norm(last - prev) / max(np.linalg.norm(last), 1e-12))
    span = steps[-1] - steps[back]
    maze = all(s["contrast"] > CONTRAST for s in stats) and all(np.isfinite(s["wavelength"]) for s in stats)
    return [
        Claim("Labyrinthine (maze-like) patterns form from every training initial condition",
              "B contrast " + ", ".join(_contrast(s, ".4g") for s in stats) + "; dominant wavelength (cells) "
              + ", ".join(_wavelength(s) for s in stats), maze,
              f"B contrast > {CONTRAST:g} and a finite dominant wavelength in every trajectory"),
        Claim("The pattern has not reached a steady state at the end of the trajectory",
              f"relative change over the last {span} steps: {shown(change, '.3f', BLEW_UP)}; B coverage "
              + ", ".join(f"{s['coverage']:.2f}" for s in stats), change > STILL_CHANGING,
              f"not steady if the relative change exceeds {STILL_CHANGING:g}"),
    ]


def _seed_means(r: SamplingResults, values: dict[tuple[int, int], float]) -> list[float]:
    """Per t of ``r``, the mean of ``values`` over the seeds where it is finite (NaN where it is nowhere)."""
    finite = [[v for s in r.seeds if np.isfinite(v := values.get((t, s), np.nan))] for t in r.sampling]
    return [float(np.mean(v)) if v else float("nan") for v in finite]


def _chained(r: SamplingResults) -> str:
    """For the reader, not the verdict: the same trend from the loss once the chain spans the trajectory
    (:func:`~nca_core.chapters.gray_scott.measure.chained_loss`), where any t has it."""
    means = _seed_means(r, r.chained)
    shown_t = [(t, v) for t, v in zip(r.sampling, means) if np.isfinite(v)]
    if not shown_t:
        return ""
    return ("; taken only once the chain of the model's own states spans the trajectory (epoch ≥ 1024/t): "
            + ", ".join(f"t={t}: {v:.3g}" for t, v in shown_t)
            + f" (Spearman ρ = {_rho(spearman(r.sampling, means))})")


def fig4(r: SamplingResults) -> list[Claim]:
    ts = r.sampling
    seeds = len(r.seeds)
    mean_train = _seed_means(r, r.train_loss)
    test = [r.test[t].test_loss for t in ts]
    ok = [(t, v) for t, v in zip(ts, test) if np.isfinite(v)]
    claims = []
    text = "Training loss increases with the time sampling t"
    threshold = f"Spearman ρ(t, training loss) > {RISING:g}"
    if len(ts) >= 2:
        rho = spearman(ts, mean_train)
        claims.append(Claim(text, "train loss (min after burn-in) "
                            + ", ".join(f"t={t}: {shown(v, '.3g', NO_TRAINING_LOSS)}" for t, v in zip(ts, mean_train))
                            + f" (Spearman ρ = {_rho(rho)})" + _chained(r), bool(rho > RISING), threshold))
    else:
        claims.append(not_tested(text, "one t only", threshold))
    text = "Test loss is comparable across t"
    spread = {t: r.test_spread(t) for t in ts}
    enough = [t for t in ts if spread[t][2] >= SEEDS_FOR_SMALL_DIFFERENCE]
    threshold = (f"the largest mean test loss (over the seeds that did not diverge, ≥ {SEEDS_FOR_SMALL_DIFFERENCE} "
                 f"per t) at most {COMPARABLE:g}× the smallest")
    listed = "test loss " + ", ".join(f"t={t}: {v:.3g}" for t, v in ok)
    if not seeds_for_small_difference(seeds):
        claims.append(not_tested(text, f"{listed}: {seeds} seed per t, so \"comparable\" cannot be told from "
                                       "seed-to-seed scatter", threshold))
    elif len(enough) < 2:
        claims.append(not_tested(text, f"fewer than two t with ≥ {SEEDS_FOR_SMALL_DIFFERENCE} seeds whose test did "
                                       "not diverge", threshold))
    else:
        means = [spread[t][0] for t in enough]
        ratio = max(means) / min(means)
        claims.append(Claim(text, "mean test loss " + ", ".join(f"t={t}: {shown(m, '.3g', NO_TEST_LOSS)}"
                                                                for t, m in zip(enough, means))
                            + f" (max/min {shown(ratio, '.2f', 'not finite')})", bool(ratio < COMPARABLE), threshold))
    text = "Test loss improves modestly at large t"
    threshold = (f"Spearman ρ(t, mean test loss over the seeds that did not diverge) < {IMPROVING:g}, and modest: the "
                 f"largest mean at most {COMPARABLE:g}× the smallest; over the t with ≥ {SEEDS_FOR_SMALL_DIFFERENCE} "
                 f"such seeds, at least {TREND_POINTS} of them")
    if not seeds_for_small_difference(seeds):
        claims.append(not_tested(text, f"{listed}: {seeds} seed per t, so a modest difference cannot be told from "
                                       "seed-to-seed scatter", threshold))
    elif len(enough) < TREND_POINTS:
        claims.append(not_tested(text, f"only {len(enough)} t with ≥ {SEEDS_FOR_SMALL_DIFFERENCE} seeds whose test "
                                       "did not diverge", threshold))
    else:
        means = [spread[t][0] for t in enough]
        rho = spearman(enough, means)
        ratio = max(means) / min(means)
        ev = ("mean ± sd test loss " + ", ".join(
            f"t={t}: {spread[t][0]:.3g} ± {spread[t][1]:.2g} ({spread[t][2]} seeds)" if np.isfinite(spread[t][0]) else
            f"t={t}: {NO_TEST_LOSS} ({spread[t][2]} seeds)" for t in enough)
              + f" (Spearman ρ = {_rho(rho)}, max/min {shown(ratio, '.2f', 'not finite')})")
        claims.append(Claim(text, ev, bool(rho < IMPROVING and ratio <= COMPARABLE), threshold))
    small = [t for t in ts if t <= SMALL_T]
    text = "Small t is sometimes numerically unstable on the high-frequency test IC"
    threshold = (f"a blow-up of a test rollout at some t ≤ {SMALL_T} (every seed tested); its absence counts over "
                 f"≥ {SEEDS_FOR_ABSENCE} seeds")
    div = [(t, s) for t in ts for s in r.seeds if r.tests[(t, s)].diverged_at is not None]
    unstable = [(t, s) for t, s in div if t <= SMALL_T]
    if not small:
        claims.append(not_tested(text, f"no t ≤ {SMALL_T} in this run", threshold))
    else:
        runs = len(small) * seeds
        ev = (f"{len(unstable)} of {runs} test rollouts at t ≤ {SMALL_T} diverged: "
              + ", ".join(f"t={t} seed {s} at n={r.tests[(t, s)].diverged_at}" for t, s in unstable)) if unstable else \
            f"no test rollout at t ≤ {SMALL_T} diverged (t = {', '.join(map(str, small))}; {seeds} seed(s) each)"
        bigger = [f"t={t} seed {s}" for t, s in div if t > SMALL_T]
        if bigger:
            ev += f"; at larger t: {', '.join(bigger)}"
        verdict = sometimes(bool(unstable), seeds)
        claims.append(Claim(text, ev, verdict, threshold) if verdict is not None else
                      not_tested(text, ev + ": too few seeds to show it never happens", threshold))
    big = max(ts)
    cmp = r.test[big]
    text = "Coarse sampling generalises to an unseen IC and beyond the trained horizon"
    threshold = (f"test loss below the frozen IC's and the maze invading ≥ {100 * INVADES:.0f}% of what the PDE's "
                 "invades")
    if cmp.diverged_at is None:
        n = max(cmp.snapshots)
        ic = pde.test_ic(r.pde_final.shape[0])
        inv_n, inv_p = invasion(cmp.snapshots[n][0], ic), invasion(r.pde_final, ic)
        good = cmp.test_loss < r.baseline and inv_n >= INVADES * inv_p
        claims.append(Claim(text, f"t={big}: test loss {shown(cmp.test_loss, '.3g', NO_TEST_LOSS)} vs "
                                  f"{r.baseline:.3g} for a frozen IC; "
                                  f"the maze invades {100 * inv_n:.0f}% of the initially empty region by n={n} "
                                  f"(PDE {100 * inv_p:.0f}%)", bool(good), threshold))
    else:
        claims.append(Claim(text, f"t={big} diverged at n={cmp.diverged_at}", False, threshold))
    return claims


def fig5(c: Comparison) -> list[Claim]:
    text = "The NCA reproduces maze formation from an unseen IC, far beyond the trained horizon"
    threshold = (f"contrast > {CONTRAST:g}, wavelength within {100 * SAME_WAVELENGTH:.0f}% of the PDE's and the "
                 f"maze invading ≥ {100 * INVADES:.0f}% of what the PDE's invades")
    n = max(c.snapshots)
    if c.diverged_at is not None or c.snapshots[n][0] is None:
        return [Claim(text, f"diverged at n={c.diverged_at}", False, threshold)]
    s_n, s_p = pattern_statistics(c.snapshots[n][0]), pattern_statistics(c.snapshots[n][1])
    ic = c.snapshots[0][1]
    inv_n, inv_p = invasion(c.snapshots[n][0], ic), invasion(c.snapshots[n][1], ic)
    wl = abs(s_n["wavelength"] - s_p["wavelength"]) / s_p["wavelength"] if np.isfinite(s_n["wavelength"]) else np.inf
    ok = s_n["contrast"] > CONTRAST and wl < SAME_WAVELENGTH and inv_n >= INVADES * inv_p
    return [Claim(text, f"at n={n}: the maze invades {100 * inv_n:.0f}% of the initially empty region (PDE "
                        f"{100 * inv_p:.0f}%); wavelength NCA {_wavelength(s_n)} vs PDE {_wavelength(s_p)}; "
                        f"contrast {_contrast(s_n, '.2f')}", bool(ok), threshold)]


def fig6(r: NoiseResults) -> list[Claim]:
    ic = pde.test_ic(r.pde_final.shape[0])

    def stats(xi):
        """(seed, test loss, pattern statistics with the invasion fraction, or None if diverged) per seed."""
        out = []
        for s in r.seeds:
            c = r.test[(xi, s)]
            snap = c.snapshots[max(c.snapshots)][0]
            out.append((s, c.test_loss, None if snap is None else {**pattern_statistics(snap),
                                                                  "invasion": invasion(snap, ic)}))
        return out

    def diverged(xi, s):
        """The evidence of a run without a final state: where it blew up."""
        return f"ξ={xi:g}: diverged at n={r.test[(xi, s)].diverged_at}"

    ref = pattern_statistics(r.pde_final)
    inv_p = invasion(r.pde_final, ic)
    clean = within(r.levels, 0.0, SMALL_NOISE, trivial=[0.0])
    mid = [xi for xi in r.levels if SMALL_NOISE < xi < STRONG_NOISE]
    high = [xi for xi in r.levels if xi >= STRONG_NOISE]
    claims = []
    text = f"Small noise (0 < ξ ≲ {SMALL_NOISE:g}): the correct pattern is recovered"
    threshold = f"contrast > {CONTRAST:g} and the maze invading ≥ {100 * INVADES:.0f}% of what the PDE's invades"
    if clean:
        ev, ok, why = [], True, []
        for xi in clean:
            for s, loss, st in stats(xi):
                ok &= bool(st is not None and st["contrast"] > CONTRAST and st["invasion"] >= INVADES * inv_p)
                ev.append(diverged(xi, s) if st is None else f"ξ={xi:g}: test loss {shown(loss, '.3g', NO_TEST_LOSS)}, "
                          f"maze invades {100 * st['invasion']:.0f}% of the empty region")
                if st is None:
                    why.append(f"the ξ = {xi:g} model (seed {s}) blew up at n = {r.test[(xi, s)].diverged_at}")
                elif st["invasion"] < INVADES * inv_p:
                    why.append(f"the ξ = {xi:g} model (seed {s}) invades {100 * st['invasion']:.0f}% of the empty "
                               f"region, under {100 * INVADES:.0f}% of the PDE's {100 * inv_p:.0f}%")
                elif st["contrast"] <= CONTRAST:
                    why.append(f"the ξ = {xi:g} model (seed {s}) draws no clear pattern: contrast "
                               f"{st['contrast']:.3f}, not above {CONTRAST:g}")
        claims.append(Claim(text, "; ".join(ev) + f" (PDE {100 * inv_p:.0f}%)", ok, threshold, reason=because(why)))
    else:
        claims.append(not_tested(text, f"no noisy level 0 < ξ ≤ {SMALL_NOISE:g} in this run (ξ = "
                                       f"{', '.join(f'{xi:g}' for xi in r.levels)}; ξ = 0 is no noise)", threshold))
    text = f"Intermediate noise ({SMALL_NOISE:g} < ξ < {STRONG_NOISE:g}): incorrect but Turing-like patterns"
    threshold = (f"Turing-like: contrast > {FLAT:g}; incorrect: coverage off the PDE's by > {WRONG_COVERAGE:g} or "
                 f"wavelength off by > {100 * WRONG_WAVELENGTH:.0f}%")
    if mid:
        ev, ok, why = [], True, []
        for xi in mid:
            for s, _, st in stats(xi):
                turing = st is not None and st["contrast"] > FLAT
                wrong = st is None or abs(st["coverage"] - ref["coverage"]) > WRONG_COVERAGE \
                    or not np.isfinite(st["wavelength"]) \
                    or abs(st["wavelength"] - ref["wavelength"]) / ref["wavelength"] > WRONG_WAVELENGTH
                ok &= turing and wrong
                if st is None:
                    why.append(f"the ξ = {xi:g} model (seed {s}) blew up at n = {r.test[(xi, s)].diverged_at}")
                elif not turing:
                    why.append(f"the ξ = {xi:g} model (seed {s}) is flat: contrast {st['contrast']:.3f}, "
                               f"not above {FLAT:g}")
                elif not wrong:
                    why.append(f"the ξ = {xi:g} model (seed {s}) draws the PDE's own pattern (coverage "
                               f"{st['coverage']:.2f} vs {ref['coverage']:.2f}, wavelength {_wavelength(st)} vs "
                               f"{_wavelength(ref)})")
                ev.append(diverged(xi, s) if st is None else f"ξ={xi:g}: contrast {_contrast(st, '.2f')}, wavelength "
                          f"{_wavelength(st)} (PDE {_wavelength(ref)}), coverage {st['coverage']:.2f} "
                          f"(PDE {ref['coverage']:.2f})")
        claims.append(Claim(text, "; ".join(ev), ok, threshold, reason=because(why)))
    else:
        claims.append(not_tested(text, f"no ξ in ({SMALL_NOISE:g}, {STRONG_NOISE:g})", threshold))
    text = f"Strong noise (ξ ≳ {STRONG_NOISE:g}): a flat, smoothing solution"
    threshold = f"B contrast < {FLAT:g} (flat) for every strong level"
    if high:
        ev, ok, why = [], True, []
        for xi in high:
            for s, _, st in stats(xi):
                ok &= st is not None and st["contrast"] < FLAT
                ev.append(diverged(xi, s) if st is None else f"ξ={xi:g}: B contrast {_contrast(st, '.3f')}")
                if st is None:
                    why.append(f"the ξ = {xi:g} model (seed {s}) blew up at n = {r.test[(xi, s)].diverged_at} instead "
                               "of smoothing to a flat state")
                elif st["contrast"] >= FLAT:
                    why.append(f"the ξ = {xi:g} model (seed {s}) keeps a pattern: B contrast {st['contrast']:.3f}, "
                               f"not below {FLAT:g}")
        claims.append(Claim(text, "; ".join(ev), ok, threshold, reason=because(why)))
    else:
        claims.append(not_tested(text, f"no ξ ≥ {STRONG_NOISE:g}", threshold))
    return claims
