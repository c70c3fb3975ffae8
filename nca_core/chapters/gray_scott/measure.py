"""Analyses of trained NCAs against the Gray-Scott PDE (Figs 4–6, videos S4–S6).

The test loss of a model is computed from the unseen test initial condition (paper-spec
§3.4): the NCA and the PDE are run side by side, and the per-frame Euclidean distance of
the observable channels

.. math::

    d_n = \\big\\| \\hat{x}^{(n)}_{\\mathrm{obs}} - y^{(n)} \\big\\|_2

is recorded for every step n. The test loss is the mean of ``d_n`` over n = 1…N; a run
whose state becomes non-finite or exceeds the divergence threshold is marked diverged and
has no test loss (the missing points of Fig 4A).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from nca_core import validate
from nca_core.chapters.gray_scott.jobs import chain_spans_from, noise_jobs, sampling_jobs
from nca_core.chapters.measures import blown_up
from nca_core.core.checkpoint import data_fingerprint
from nca_core.core.model import NCA
from nca_core.core.result import lowest_from
from nca_core.data import gray_scott as pde
from nca_core.data.noise import blend
from nca_core.runs import store, sweep
from nca_core.runs.cache import Trained


@dataclass
class Comparison:
    """An NCA rollout against the PDE from the same initial condition.

    Attributes:
        distance: ``d_n`` for n = 0…N (NaN after divergence).
        diverged_at: first step at which the NCA state diverged, or None.
        snapshots: step → (NCA observable state [H,W,c], PDE state [H,W,c]).
        video_steps: the steps recorded for videos; ``video_nca``/``video_pde``: channel 0
            at those steps, ``[F, H, W]``.
    """

    distance: np.ndarray
    diverged_at: int | None
    snapshots: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    video_steps: list[int] = field(default_factory=list)
    video_nca: np.ndarray | None = None
    video_pde: np.ndarray | None = None

    @property
    def test_loss(self) -> float:
        """Mean of d_n over n = 1…N (NaN if the NCA diverged)."""
        return float("nan") if self.diverged_at is not None else float(np.mean(self.distance[1:]))

    @property
    def final_distance(self) -> float:
        return float(self.distance[-1])


def compare_to_pde(model: NCA, ic: np.ndarray, steps: int, params: pde.GrayScottParams = pde.PRESETS["published"],
                   snapshots: list[int] | tuple[int, ...] = (), video_every: int = 0, block: int = 64,
                   seed: int = 0, noise: float = 0.0, noise_every: int = 0) -> Comparison:
    """Run ``model`` and the PDE from ``ic`` ([H, W, 2]) for ``steps`` steps, side by side.

    Args:
        model: a Gray-Scott NCA (its first two channels are A and B).
        ic: the initial condition ``[H, W, 2]``.
        steps: number of steps N ≥ 1.
        params: Gray-Scott coefficients of the reference.
        snapshots: steps whose full observable states are kept.
        video_every: keep channel A every this many steps for videos (0 = none).
        block: steps per compiled rollout call.
        seed: mask seed (irrelevant for deterministic models), and the seed of the noise.
        noise, noise_every: with ``noise`` ξ > 0, the NCA's whole state (hidden channels too) is blended with
            fresh ``U(0, 1)`` noise, ``x ← (1 − ξ)·x + ξ·η`` (:func:`nca_core.data.noise.blend`), before every block
            of ``noise_every`` steps (at n = 0, ``noise_every``, …), as the trainer blends its inputs at data noise
            ξ; η is drawn from ``numpy.random.default_rng(seed)``. The PDE runs without noise.
    """
    validate.integer("steps", steps, 1)
    validate.integer("video_every", video_every, 0)
    validate.integer("block", block, 1)
    ic = np.asarray(ic, np.float32)
    if ic.ndim != 3 or ic.shape[-1] != 2:
        raise ValueError(f"ic has shape {ic.shape}; accepted: [H, W, 2]")
    validate.number("noise", noise, 0.0, 1.0)
    if noise:
        block = validate.integer("noise_every", noise_every, 1)
    rng = np.random.default_rng(seed)
    snaps = {validate.integer("snapshots", s, 0, steps) for s in snapshots}
    obs = model.config.observable
    dist = np.full(steps + 1, np.nan)
    dist[0] = 0.0  # both start from ic
    out = Comparison(distance=dist, diverged_at=None)
    vid_n, vid_p, vid_s = [], [], []
    x = model.prepare_state(ic).numpy()
    y = ic.copy()
    n = 0
    nca_alive = True

    def record(k: int, xs: np.ndarray | None, ys: np.ndarray) -> None:
        if k in snaps:
            out.snapshots[k] = (None if xs is None else xs[..., :obs].copy(), ys.copy())
        if video_every and k % video_every == 0:
            vid_s.append(k)
            vid_n.append(np.full(ys.shape[:2], np.nan, np.float32) if xs is None else xs[..., 0].copy())
            vid_p.append(ys[..., 0].copy())

    record(0, x[0], y)
    while n < steps:
        m = min(block, steps - n)
        ys = pde.solve(y, m, params, every=1)[1:]
        if nca_alive and noise:
            x = blend(x, np.float32(noise), rng.uniform(size=x.shape).astype(x.dtype))
        xs = model.trajectory(x, m, seed=seed, start=n)[:, 0] if nca_alive else None
        good = m  # steps of this block before the NCA diverged
        if nca_alive:
            bad = blown_up(xs, axis=(1, 2, 3))
            if bad.any():
                good = int(np.argmax(bad))
                nca_alive, out.diverged_at = False, n + good + 1
            d = xs[:good, ..., :obs] - ys[:good, ..., :obs]
            dist[n + 1:n + good + 1] = np.sqrt(np.sum(d * d, axis=(1, 2, 3)))
        else:
            good = 0
        for i in range(m):  # keep the requested snapshots and video frames
            k = n + i + 1
            if k in snaps or (video_every and k % video_every == 0):
                record(k, xs[i] if i < good else None, ys[i])
        y = ys[-1]
        if nca_alive:
            x = xs[-1][None]
        n += m
    if video_every:
        out.video_steps, out.video_nca, out.video_pde = vid_s, np.stack(vid_n), np.stack(vid_p)
    return out


def pattern_statistics(state: np.ndarray) -> dict[str, float]:
    """Simple descriptors of a Gray-Scott state ``[H, W, ≥2]``: B coverage, contrast, wavelength.

    ``coverage`` is the fraction of cells with B > 0.1; ``contrast`` the standard deviation
    of B; ``wavelength`` the period 1/⟨|k|⟩ of B's power spectrum averaged over wavenumbers
    above 2/S (NaN for a flat state). A flat, smoothed state has contrast near 0.
    """
    b = np.asarray(state[..., 1], float)
    contrast = float(b.std())
    f = np.abs(np.fft.fft2(b - b.mean())) ** 2
    h, w = b.shape
    ky, kx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    k = np.sqrt(kx**2 + ky**2)
    band = k > 2.0 / min(h, w)  # ignore the largest scales (the layout of the initial condition)
    mean_k = float(np.sum(k[band] * f[band]) / max(np.sum(f[band]), 1e-30))
    wavelength = float(1.0 / mean_k) if contrast > 1e-3 and mean_k > 0 else float("nan")
    return {"coverage": float(np.mean(b > 0.1)), "contrast": contrast, "wavelength": wavelength}


def invasion(state: np.ndarray, ic: np.ndarray, margin: int = 6, threshold: float = 0.1) -> float:
    """Fraction of the initially empty region that the pattern has invaded.

    The region is every cell whose initial B is 0 and that lies more than ``margin`` cells
    (Chebyshev distance, periodic) from any cell with initial B > 0.5; the function returns
    the fraction of those cells with B > ``threshold`` in ``state``. The Gray-Scott maze
    grows into such regions; a model that only preserves or smooths its initial condition
    leaves them empty.
    """
    seed = np.asarray(ic[..., 1]) > 0.5
    near = seed.copy()
    for dy in range(-margin, margin + 1):
        for dx in range(-margin, margin + 1):
            near |= np.roll(np.roll(seed, dy, 0), dx, 1)
    region = (~near) & (np.asarray(ic[..., 1]) < 0.5)
    if not region.any():
        return float("nan")
    return float(np.mean(np.asarray(state[..., 1])[region] > threshold))


def unseen_test(tr: Trained, ic: np.ndarray, steps: int, params: pde.GrayScottParams, pde_final: np.ndarray,
                recompute: bool = False, noise: float = 0.0, noise_every: int = 0) -> Comparison:
    """:func:`compare_to_pde` of model ``tr`` from ``ic`` for ``steps`` steps, keeping the state at ``steps``;
    cached (and shipped with the model, :mod:`nca_core.runs.store`) under the model's key and weights, the IC,
    the steps, the coefficients and any ``noise`` (re-injected every ``noise_every`` steps, see
    :func:`compare_to_pde`). ``pde_final`` is the PDE's state at ``steps`` (the same for every model)."""
    k = store.key(tr.job.key, tr.weights_hash, "unseen_test", data_fingerprint(ic), steps, asdict(params),
                  *([noise, noise_every] if noise else []))
    found = None if recompute else store.load("gray_scott_test", k, tr)
    if found is None:
        c = compare_to_pde(tr.model(), ic, steps, params, snapshots=[steps], noise=noise, noise_every=noise_every)
        nca = c.snapshots[steps][0]
        store.save("gray_scott_test", k, {"distance": c.distance, "final": np.zeros(0) if nca is None else nca},
                   {"diverged_at": c.diverged_at, "model": tr.job.label}, tr)
        return c
    a, meta = found
    final = a["final"] if a["final"].size else None
    return Comparison(distance=a["distance"], diverged_at=meta["diverged_at"], snapshots={steps: (final, pde_final)})


# ------------------------------------------------------------------ Fig 4/5
@dataclass
class SamplingResults:
    """Everything Figs 4 and 5 show: every model's training loss and unseen-IC test (``tests``), and the
    paper's choice, the best seed of each t (lowest training loss): ``test[t]``."""

    sampling: list[int]
    seeds: list[int]
    models: dict[tuple[int, int], Trained]
    train_loss: dict[tuple[int, int], float]
    tests: dict[tuple[int, int], Comparison]  # every (t, seed)
    best_seed: dict[int, int]
    pde_final: np.ndarray
    baseline: float
    extra: dict[str, Any] = field(default_factory=dict)
    #: per (t, seed), :func:`chained_loss`: the lowest epoch loss once the chain spans the trajectory
    chained: dict[tuple[int, int], float] = field(default_factory=dict)

    @property
    def test(self) -> dict[int, Comparison]:
        """The test of the best seed of each t (the paper's Fig 4 A test loss and C)."""
        return {t: self.tests[(t, self.best_seed[t])] for t in self.sampling}

    def test_spread(self, t: int) -> tuple[float, float, int]:
        """Mean and sd of the test loss over the seeds of ``t`` whose test did not diverge, and their number."""
        v = [self.tests[(t, s)].test_loss for s in self.seeds if self.tests[(t, s)].diverged_at is None]
        return (float(np.mean(v)), float(np.std(v)), len(v)) if v else (float("nan"), float("nan"), 0)

    def training_diverged(self, t: int) -> list[int]:
        """The seeds of ``t`` whose training diverged."""
        return [s for s in self.seeds if self.models[(t, s)].result.diverged]

    def table(self) -> str:
        """Markdown: per model its epochs, train loss (the paper's, and :attr:`chained`'s where there is one),
        best epoch (counted from 1, as the provenance lines and ``weights/README.md`` count), divergence, and its
        test loss (the best seed of each t marked)."""
        rows = ["| t | seed | epochs run | train loss (min after burn-in) | train loss once chained (from epoch "
                "1024/t) | best epoch | diverged in training | test loss | test diverged at |",
                "|---|---|---|---|---|---|---|---|---|"]
        for (t, s), m in self.models.items():
            res = m.result
            c = self.tests[(t, s)]
            best = " (best seed)" if self.best_seed[t] == s and len(self.seeds) > 1 else ""
            chained = self.chained.get((t, s), float("nan"))
            rows.append(f"| {t} | {s}{best} | {len(res.loss)} | {res.train_loss:.4g} | "
                        f"{f'{chained:.4g}' if np.isfinite(chained) else ''} | {res.best_epoch + 1} | "
                        f"{res.diverged} | {'' if c.diverged_at is not None else f'{c.test_loss:.4g}'} | "
                        f"{'' if c.diverged_at is None else c.diverged_at} |")
        return "\n".join(rows)


def run_fig4(P: SimpleNamespace, progress: bool = True) -> SamplingResults:
    """Train or load the t × seed grid, then test every model on the unseen IC (:func:`unseen_test`, cached);
    the best seed of each t is the one with the lowest training loss."""
    jobs = sampling_jobs(P)
    models = sweep.keyed(jobs, retrain=P.retrain, progress=progress, echo=sweep.quiet, desc="Fig 4 models")
    train_loss = {k: tr.result.train_loss for k, tr in models.items()}
    params = pde.preset(P.gamma_preset)
    ic = pde.test_ic(P.test_size)
    ref = pde.solve(ic, P.test_steps, params, every=1)
    best_seed = {}
    for t in P.sampling:
        cand = [(train_loss[(t, s)], s) for s in P.seeds if np.isfinite(train_loss[(t, s)])]
        best_seed[t] = min(cand)[1] if cand else P.seeds[0]
    tests = {k: unseen_test(tr, ic, P.test_steps, params, ref[-1])
             for k, tr in tqdm(models.items(), desc="Fig 4 tests", disable=not progress, leave=False)}
    baseline = float(np.mean(np.sqrt(np.sum((ref[1:] - ic) ** 2, axis=(1, 2, 3)))))
    chained = {(t, s): chained_loss(tr.result.loss, t) for (t, s), tr in models.items()}
    return SamplingResults(list(P.sampling), list(P.seeds), models, train_loss, tests, best_seed,
                           ref[-1], baseline, chained=chained)


def chained_loss(loss: np.ndarray, t: int) -> float:
    """The lowest finite epoch loss from the epoch on which the trainer's chain of the model's own states spans
    the whole trajectory (:func:`~nca_core.chapters.gray_scott.jobs.chain_spans_from`: 1024 / t); NaN if the
    run stopped before it. Before that epoch, some inputs of each epoch are still true frames: a short run at
    small t reports a minimum taken from such epochs (epoch 59 of 1174 at t = 1), which favours small t."""
    return lowest_from(loss, chain_spans_from(t))


def fig5_model(P: SimpleNamespace, r: SamplingResults) -> Trained:
    """The model of Fig 5: t = ``fig5_t`` (the largest t trained if it was not), best seed."""
    t = P.fig5_t if P.fig5_t in r.sampling else max(r.sampling)
    return r.models[(t, r.best_seed[t])]


def run_fig5(P: SimpleNamespace, r: SamplingResults) -> Comparison:
    """PDE against the Fig 5 model (:func:`fig5_model`) from the test IC up to fig5_steps."""
    model = fig5_model(P, r).model()
    snaps = sorted({0, *[n for n in (256, 512, 1024, 2048, 4096) if n <= P.fig5_steps], P.fig5_steps})
    return compare_to_pde(model, pde.test_ic(P.test_size), P.fig5_steps, pde.preset(P.gamma_preset),
                          snapshots=snaps, video_every=P.video_every)


# ------------------------------------------------------------------ Fig 6
@dataclass
class NoiseResults:
    levels: list[float]
    seeds: list[int]
    models: dict[tuple[float, int], Trained]
    test: dict[tuple[float, int], Comparison]
    pde_final: np.ndarray


def run_fig6(P: SimpleNamespace, progress: bool = True) -> NoiseResults:
    jobs = noise_jobs(P)
    models = sweep.keyed(jobs, retrain=P.retrain, progress=progress, echo=sweep.quiet, desc="Fig 6 models")
    params = pde.preset(P.gamma_preset)
    ic = pde.test_ic(P.test_size)
    final = pde.solve(ic, P.test_steps, params, every=P.test_steps)[-1]
    test = {k: unseen_test(m, ic, P.test_steps, params, final)
            for k, m in tqdm(models.items(), desc="Fig 6 tests", disable=not progress, leave=False)}
    return NoiseResults(list(P.noise_levels), list(P.seeds), models, test, final)


# ------------------------------------------------------------------ Fig 3
@dataclass
class TrainingData:
    """The Gray-Scott training trajectories as Fig 3 shows them."""

    traj: np.ndarray  # [F, 4, 64, 64, 2] at ``steps``
    steps: list[int]
    snapshots: list[int]  # the steps shown as snapshots (a subset of ``steps``)
    params: pde.GrayScottParams

    def summary(self) -> str:
        return (f"{self.traj.shape[1]} trajectories, {self.steps[-1]} steps, γ = {self.params.gamma}; data range "
                f"[{self.traj.min():.3f}, {self.traj.max():.3f}]")


def run_fig3(P: SimpleNamespace) -> TrainingData:
    """Solve the PDE from the 4 training ICs for ``P.steps`` steps, keeping every ``P.animation_every``."""
    params = pde.preset(P.gamma_preset)
    traj = pde.solve(pde.training_ics(), P.steps, params, every=P.animation_every)
    steps = list(range(0, (P.steps // P.animation_every) * P.animation_every + 1, P.animation_every))
    snaps = sorted({min(s, steps[-1]) for s in P.snapshots} & set(steps)) or [0, steps[-1]]
    return TrainingData(traj, steps, snaps, params)

