"""Fig 6's models rolled out under the noise they were trained with (the book's own analysis, not the paper's).

A Fig 6 model never sees a clean state in training: at every transition the trainer blends its input, hidden
channels included, with fresh uniform noise, ``x ← (1 − ξ)·x + ξ·η`` with ``η ~ U(0, 1)``
(:func:`nca_core.data.noise.blend`), and runs t steps from there. The paper's test (Fig 6 C) rolls the model
out from a clean unseen IC with no noise at all. :func:`renoised_rollout` rolls it out as it was trained:
the same blend, at the model's own ξ, before every block of ``every`` (= t) steps. Comparing the two tells
what the model learnt, under the conditions it learnt it in, from what it does outside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from tqdm.auto import tqdm

from nca_core import validate
from nca_core.chapters.gray_scott import quality
from nca_core.chapters.gray_scott.measure import NoiseResults
from nca_core.chapters.measures import blown_up
from nca_core.core.checkpoint import data_fingerprint
from nca_core.data import gray_scott as pde
from nca_core.data.noise import blend
from nca_core.runs import store
from nca_core.runs.cache import Trained

#: the store kind of :func:`renoised_test`'s results
KIND = "gray_scott_renoised"


@dataclass(frozen=True)
class Renoised:
    """A rollout under re-injected noise: the observable channels at its last step (``None`` if it blew up),
    and the step it blew up at (``None`` if it did not)."""

    final: np.ndarray | None
    diverged_at: int | None


def renoised_rollout(model, ic: np.ndarray, steps: int, xi: float, every: int, seed: int = 0) -> Renoised:
    """Roll ``model`` out from ``ic`` ([H, W, 2], hidden channels zero) for ``steps`` steps, blending the whole
    state with fresh ``U(0, 1)`` noise at amount ``xi`` before each block of ``every`` steps (at steps 0,
    ``every``, 2·``every``, …), as the trainer blends its inputs. ``xi`` = 0 is the plain rollout. The noise is
    drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same rollout."""
    validate.integer("steps", steps, 1)
    validate.integer("every", every, 1)
    validate.number("xi", xi, 0.0, 1.0)
    validate.integer("seed", seed, 0)
    ic = np.asarray(ic, np.float32)
    if ic.ndim != 3 or ic.shape[-1] != 2:
        raise ValueError(f"ic has shape {ic.shape}; accepted: [H, W, 2]")
    rng = np.random.default_rng(seed)
    x = model.prepare_state(ic).numpy()
    n = 0
    while n < steps:
        m = min(every, steps - n)
        if xi:
            x = blend(x, np.float32(xi), rng.uniform(size=x.shape).astype(x.dtype))
        xs = model.trajectory(x, m, seed=seed, start=n)[:, 0]
        bad = blown_up(xs, axis=(1, 2, 3))
        if bad.any():
            return Renoised(None, n + int(np.argmax(bad)) + 1)
        x = xs[-1][None]
        n += m
    return Renoised(x[0, ..., :model.config.observable].copy(), None)


def renoised_test(tr: Trained, ic: np.ndarray, steps: int, xi: float, every: int, seed: int = 0,
                  recompute: bool = False) -> Renoised:
    """:func:`renoised_rollout` of model ``tr``; cached (and shipped with the model, :mod:`nca_core.runs.store`)
    under the model's key and weights, the IC and every argument."""
    k = store.key(tr.job.key, tr.weights_hash, "renoised", data_fingerprint(ic), steps, xi, every, seed)
    found = None if recompute else store.load(KIND, k, tr)
    if found is not None:
        a, meta = found
        return Renoised(a["final"] if a["final"].size else None, meta["diverged_at"])
    r = renoised_rollout(tr.model(), ic, steps, xi, every, seed)
    store.save(KIND, k, {"final": np.zeros(0) if r.final is None else r.final},
               {"diverged_at": r.diverged_at, "model": tr.job.label}, tr)
    return r


@dataclass(frozen=True)
class Row:
    """One model's two tests from the unseen IC, as :class:`quality.Quality` against the PDE at the end:
    ``plain`` without noise (the paper's), ``renoised`` with its training noise (:func:`renoised_rollout`)."""

    plain: quality.Quality
    renoised: quality.Quality
    rollout: Renoised


def _outcome(q: quality.Quality, diverged_at: int | None) -> str:
    if q.diverged:
        return f"blows up at n = {diverged_at}"
    inv = (f"invasion {q.invasion_ratio:.2f} of the PDE's" if np.isfinite(q.invasion_ratio)
           else f"invasion {q.invasion:.2f} (the PDE's: {q.invasion_pde:.2f})")
    return (inv + ", wavelength "
            + (f"off by {100 * q.wavelength_error:.1f}%" if np.isfinite(q.wavelength_error) else "none (flat)")
            + (": meets the target" if quality.meets_target(q) else ""))


@dataclass(frozen=True)
class RenoisedResults:
    """Every Fig 6 model's re-noised test from the unseen IC, beside its noise-free one."""

    rows: dict[tuple[float, int], Row]
    steps: int
    every: int
    noise_free_diverged_at: dict[tuple[float, int], int | None]

    def table(self) -> str:
        """Markdown: per model, the noise-free test beside the re-noised one."""
        out = ["| ξ | seed | without noise (the paper's test) | with its training noise every t steps |",
               "|---|---|---|---|"]
        for (xi, s), r in self.rows.items():
            out.append(f"| {xi:g} | {s} | {_outcome(r.plain, self.noise_free_diverged_at[(xi, s)])} | "
                       f"{_outcome(r.renoised, r.rollout.diverged_at)} |")
        return "\n".join(out)

    def summary(self) -> str:
        """How many models blow up and meet the quality target, without noise and with it."""
        def count(which: str) -> tuple[int, int]:
            qs = [getattr(r, which) for r in self.rows.values()]
            return sum(q.diverged for q in qs), sum(quality.meets_target(q) for q in qs)

        (b0, m0), (b1, m1) = count("plain"), count("renoised")
        return (f"Of the {len(self.rows)} models, {b0} blow up from the unseen IC without noise and {m0} meet the "
                f"quality target (invasion at least {quality.TARGET_INVASION:.0%} of the PDE's, wavelength within "
                f"{quality.TARGET_WAVELENGTH:.0%}); with the noise of their training blended in every {self.every} "
                f"steps, {b1} blow up and {m1} meet the target.")


def run(P: SimpleNamespace, noise: NoiseResults, progress: bool = True) -> RenoisedResults:
    """Re-noised test (:func:`renoised_test`, cached) of every model of ``noise`` from the unseen IC, for
    ``P.test_steps`` steps, with its own ξ every ``P.t`` steps, measured against the PDE's state at the end."""
    ic = pde.test_ic(P.test_size)
    rows = {}
    for (xi, s), tr in tqdm(noise.models.items(), desc="Fig 6 re-noised tests", disable=not progress, leave=False):
        r = renoised_test(tr, ic, P.test_steps, xi, P.t)
        c = noise.test[(xi, s)]
        plain = None if c.diverged_at is not None else c.snapshots[P.test_steps][0]
        rows[(xi, s)] = Row(quality.state_quality(plain, noise.pde_final, ic, P.test_steps),
                            quality.state_quality(r.final, noise.pde_final, ic, P.test_steps), r)
    return RenoisedResults(rows, P.test_steps, P.t, {k: c.diverged_at for k, c in noise.test.items()})
