"""The claims of the Gray-Scott chapter (Figs 3–6), computed from each run's numbers."""

from __future__ import annotations

import numpy as np

from nca_core.chapters.claim import Claim
from nca_core.chapters.gray_scott.measure import Comparison, NoiseResults, SamplingResults, invasion, pattern_statistics
from nca_core.chapters.measures import spearman
from nca_core.data import gray_scott as pde


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
    maze = all(s["contrast"] > 0.1 for s in stats) and all(np.isfinite(s["wavelength"]) for s in stats)
    return [
        Claim("Labyrinthine (maze-like) patterns form from every training initial condition",
              "B contrast " + ", ".join(f"{s['contrast']:.2f}" for s in stats) + "; dominant wavelength "
              + ", ".join(f"{s['wavelength']:.1f}" for s in stats) + " cells", maze),
        Claim("The pattern has not reached a steady state at the end of the trajectory",
              f"relative change over the last {span} steps: {change:.3f}; B coverage "
              + ", ".join(f"{s['coverage']:.2f}" for s in stats), change > 0.01),
    ]


def fig4(r: SamplingResults) -> list[Claim]:
    ts = r.sampling
    mean_train = [np.nanmean([r.train_loss[(t, s)] for s in r.seeds]) for t in ts]
    test = [r.test[t].test_loss for t in ts]
    ok = [(t, v) for t, v in zip(ts, test) if np.isfinite(v)]
    claims = []
    if len(ts) >= 2:
        rho = spearman(ts, mean_train)
        claims.append(Claim("Training loss increases with the time sampling t",
                            "train loss (min after burn-in) "
                            + ", ".join(f"t={t}: {v:.3g}" for t, v in zip(ts, mean_train))
                            + f" (Spearman ρ = {rho:.2f})", bool(rho > 0.5)))
    else:
        claims.append(Claim("Training loss increases with the time sampling t", "one t only", None))
    if len(ok) >= 2:
        vals = [v for _, v in ok]
        ratio = max(vals) / min(vals)
        improve = ok[-1][1] <= ok[0][1]
        claims.append(Claim("Test loss is comparable across t, improving modestly at large t",
                            "test loss " + ", ".join(f"t={t}: {v:.3g}" for t, v in ok)
                            + f" (max/min {ratio:.2f}; largest t {'≤' if improve else '>'} smallest t)",
                            bool(ratio < 3 and improve)))
    else:
        claims.append(Claim("Test loss is comparable across t, improving modestly at large t",
                            "fewer than two non-diverged models", None))
    div = [t for t in ts if r.test[t].diverged_at is not None]
    small = [t for t in ts if t <= 8]
    claims.append(Claim("Small t is sometimes numerically unstable on the high-frequency test IC",
                        ("diverged: " + ", ".join(f"t={t} at n={r.test[t].diverged_at}" for t in div)) if div
                        else "no run diverged" + ("" if small else " (no t ≤ 8 in this run)"),
                        True if any(t <= 8 for t in div) else (None if not small else False)))
    big = max(ts)
    cmp = r.test[big]
    text = "Coarse sampling generalises to an unseen IC and beyond the trained horizon"
    if cmp.diverged_at is None:
        n = max(cmp.snapshots)
        ic = pde.test_ic(r.pde_final.shape[0])
        inv_n, inv_p = invasion(cmp.snapshots[n][0], ic), invasion(r.pde_final, ic)
        good = cmp.test_loss < r.baseline and inv_n >= 0.5 * inv_p
        claims.append(Claim(text, f"t={big}: test loss {cmp.test_loss:.3g} vs {r.baseline:.3g} for a frozen IC; "
                                  f"the maze invades {100 * inv_n:.0f}% of the initially empty region by n={n} "
                                  f"(PDE {100 * inv_p:.0f}%)", bool(good)))
    else:
        claims.append(Claim(text, f"t={big} diverged at n={cmp.diverged_at}", False))
    return claims


def fig5(c: Comparison) -> list[Claim]:
    n = max(c.snapshots)
    if c.diverged_at is not None or c.snapshots[n][0] is None:
        return [Claim("The NCA reproduces maze formation from an unseen IC, far beyond the trained horizon",
                      f"diverged at n={c.diverged_at}", False)]
    s_n, s_p = pattern_statistics(c.snapshots[n][0]), pattern_statistics(c.snapshots[n][1])
    ic = c.snapshots[0][1]
    inv_n, inv_p = invasion(c.snapshots[n][0], ic), invasion(c.snapshots[n][1], ic)
    wl = abs(s_n["wavelength"] - s_p["wavelength"]) / s_p["wavelength"] if np.isfinite(s_n["wavelength"]) else np.inf
    ok = s_n["contrast"] > 0.1 and wl < 0.3 and inv_n >= 0.5 * inv_p
    return [Claim("The NCA reproduces maze formation from an unseen IC, far beyond the trained horizon",
                  f"at n={n}: the maze invades {100 * inv_n:.0f}% of the initially empty region (PDE "
                  f"{100 * inv_p:.0f}%); wavelength NCA {s_n['wavelength']:.1f} vs PDE {s_p['wavelength']:.1f}; "
                  f"contrast {s_n['contrast']:.2f}", bool(ok))]


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
    clean = [xi for xi in r.levels if xi <= 0.2]
    mid = [xi for xi in r.levels if 0.2 < xi < 0.5]
    high = [xi for xi in r.levels if xi >= 0.5]
    claims = []
    if clean:
        ev, ok = [], True
        for xi in clean:
            for s, loss, st in stats(xi):
                ok &= bool(st is not None and st["contrast"] > 0.1 and st["invasion"] >= 0.5 * inv_p)
                ev.append(diverged(xi, s) if st is None else f"ξ={xi:g}: test loss {loss:.3g}, "
                          f"maze invades {100 * st['invasion']:.0f}% of the empty region")
        claims.append(Claim("Small noise (ξ ≲ 0.2): the correct pattern is recovered",
                            "; ".join(ev) + f" (PDE {100 * inv_p:.0f}%)", ok))
    else:
        claims.append(Claim("Small noise (ξ ≲ 0.2): the correct pattern is recovered", "no ξ ≤ 0.2 run", None))
    if mid:
        ev, ok = [], True
        for xi in mid:
            for s, _, st in stats(xi):
                turing = st is not None and st["contrast"] > 0.05
                wrong = st is None or abs(st["coverage"] - ref["coverage"]) > 0.05 \
                    or not np.isfinite(st["wavelength"]) \
                    or abs(st["wavelength"] - ref["wavelength"]) / ref["wavelength"] > 0.1
                ok &= turing and wrong
                ev.append(diverged(xi, s) if st is None else f"ξ={xi:g}: contrast {st['contrast']:.2f}, wavelength "
                          f"{st['wavelength']:.1f} (PDE {ref['wavelength']:.1f}), coverage {st['coverage']:.2f} "
                          f"(PDE {ref['coverage']:.2f})")
        claims.append(Claim("Intermediate noise (0.2 < ξ < 0.5): incorrect but Turing-like patterns",
                            "; ".join(ev), ok))
    else:
        claims.append(Claim("Intermediate noise (0.2 < ξ < 0.5): incorrect but Turing-like patterns",
                            "no ξ in (0.2, 0.5)", None))
    if high:
        ev, ok = [], True
        for xi in high:
            for s, _, st in stats(xi):
                ok &= st is not None and st["contrast"] < 0.05
                ev.append(diverged(xi, s) if st is None else f"ξ={xi:g}: B contrast {st['contrast']:.3f}")
        claims.append(Claim("Strong noise (ξ > 0.5): a flat, smoothing solution", "; ".join(ev), ok))
    else:
        claims.append(Claim("Strong noise (ξ > 0.5): a flat, smoothing solution", "no ξ ≥ 0.5", None))
    return claims
