"""Fig 6's models tested under the noise they were trained with (the book's own analysis, not the paper's).

A Fig 6 model never sees a clean state in training: at every transition the trainer blends its input, hidden
channels included, with fresh uniform noise, ``x ← (1 − ξ)·x + ξ·η`` with ``η ~ U(0, 1)``, and runs t steps from
there. The paper's test (Fig 6 C) rolls the model out from a clean unseen IC. :func:`run` repeats that test with the
model's own ξ blended into its state before every block of t steps (:func:`measure.compare_to_pde` with ``noise``),
as in training, so that what a model learnt under its training conditions can be told from what it does outside
them. The result is a :class:`measure.NoiseResults`, so the chapter's claims and measures apply to it unchanged.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from tqdm.auto import tqdm

from nca_core.chapters.gray_scott import quality
from nca_core.chapters.gray_scott.measure import Comparison, NoiseResults, unseen_test
from nca_core.data import gray_scott as pde


def run(P: SimpleNamespace, plain: NoiseResults, progress: bool = True) -> NoiseResults:
    """Every model of ``plain`` tested again from the unseen IC for ``P.test_steps`` steps, with its own ξ of
    fresh noise blended in every ``P.t`` steps (:func:`measure.unseen_test`, cached and shipped as the plain test)."""
    params = pde.preset(P.gamma_preset)
    ic = pde.test_ic(P.test_size)
    test = {(xi, s): unseen_test(tr, ic, P.test_steps, params, plain.pde_final, noise=xi, noise_every=P.t)
            for (xi, s), tr in tqdm(plain.models.items(), desc="Fig 6 tests with noise", disable=not progress,
                                    leave=False)}
    return NoiseResults(plain.levels, plain.seeds, plain.models, test, plain.pde_final)


def _quality(c: Comparison, r: NoiseResults) -> quality.Quality:
    n = max(c.snapshots)
    return quality.state_quality(None if c.diverged_at is not None else c.snapshots[n][0], r.pde_final,
                                 pde.test_ic(r.pde_final.shape[0]), n)


def _outcome(c: Comparison, r: NoiseResults) -> str:
    """What a test's end state is, in the quality target's measures."""
    if c.diverged_at is not None:
        return f"blows up at n = {c.diverged_at}"
    q = _quality(c, r)
    inv = (f"invasion {q.invasion_ratio:.2f} of the PDE's" if np.isfinite(q.invasion_ratio)
           else f"invasion {q.invasion:.2f} (the PDE's: {q.invasion_pde:.2f})")
    wave = (f"wavelength off by {100 * q.wavelength_error:.1f}%" if np.isfinite(q.wavelength_error)
            else "no wavelength (flat)")
    return (f"{inv}, {wave}, contrast {q.contrast:.3f} (PDE {q.contrast_pde:.3f})"
            + (": meets the target" if quality.meets_target(q) else ""))


def table(plain: NoiseResults, renoised: NoiseResults) -> str:
    """Markdown: per model, the paper's test beside the one with its training noise."""
    out = ["| ξ | seed | without noise (the paper's test) | with its training noise every t steps |",
           "|---|---|---|---|"]
    for k in plain.models:
        out.append(f"| {k[0]:g} | {k[1]} | {_outcome(plain.test[k], plain)} | {_outcome(renoised.test[k], renoised)} |")
    return "\n".join(out)


def summary(plain: NoiseResults, renoised: NoiseResults, every: int) -> str:
    """How many models blow up and meet the quality target, without noise and with it."""
    def count(r: NoiseResults) -> tuple[int, int]:
        qs = [_quality(r.test[k], r) for k in r.models]
        return sum(q.diverged for q in qs), sum(quality.meets_target(q) for q in qs)

    (b0, m0), (b1, m1) = count(plain), count(renoised)
    return (f"Of the {len(plain.models)} models, {b0} blow up from the unseen IC without noise and {m0} meet the "
            f"quality target (invasion at least {quality.TARGET_INVASION:.0%} of the PDE's, wavelength within "
            f"{quality.TARGET_WAVELENGTH:.0%}); with the noise of their training blended in every {every} steps, "
            f"{b1} blow up and {m1} meet the target.")
