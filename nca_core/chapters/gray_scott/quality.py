"""How close a Gray-Scott NCA comes to the paper's main result, in numbers cheap enough to log.

The paper's central claim (Fig 5) is that an NCA trained on four 64×64 trajectories grows the
maze into the empty parts of an unseen 128×128 initial condition, far beyond the trained
horizon. :func:`unseen_ic_quality` measures exactly that against the PDE, from the unseen test IC
at n = 2048: how much of the initially empty region the pattern invades (B above a
threshold), relative to the PDE's invasion, and the pattern's wavelength against the PDE's.
:func:`meets_target` is the target of the shipped tier: invasion at least half the PDE's with
the wavelength within 15%.

:func:`transition_error` is a cheaper, rougher proxy: started from the true training frames,
how far the t-step prediction lands from the next frame, relative to predicting "no change".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np

from nca_core.chapters.gray_scott.jobs import SELECT_RULE
from nca_core.chapters.gray_scott.measure import compare_to_pde, invasion, pattern_statistics
from nca_core.core.model import NCA
from nca_core.core.result import TrainResult
from nca_core.data import gray_scott as pde

#: the shipped tier's target: invasion ≥ this fraction of the PDE's ...
TARGET_INVASION = 0.5
#: ... with the wavelength within this relative distance of the PDE's
TARGET_WAVELENGTH = 0.15


@dataclass
class Quality:
    """A model's rollout from the unseen test IC against the PDE's, at ``steps``.

    Attributes:
        steps: the rollout length.
        invasion, invasion_pde: fraction of the initially empty region with B > 0.1.
        invasion_strict, invasion_strict_pde: the same with B > 0.2 (a faint haze does not count).
        wavelength, wavelength_pde: the pattern period of B (cells; NaN for a flat state).
        contrast, contrast_pde: the standard deviation of B.
        distance: Euclidean distance between the NCA's and the PDE's states at ``steps``.
        diverged: the NCA blew up.
    """

    steps: int
    invasion: float
    invasion_pde: float
    invasion_strict: float
    invasion_strict_pde: float
    wavelength: float
    wavelength_pde: float
    contrast: float
    contrast_pde: float
    distance: float
    diverged: bool

    @property
    def invasion_ratio(self) -> float:
        """The NCA's invasion as a fraction of the PDE's."""
        return self.invasion / self.invasion_pde if self.invasion_pde > 0 else float("nan")

    @property
    def wavelength_error(self) -> float:
        """|wavelength − PDE's| / PDE's (inf for a flat or diverged state)."""
        if not np.isfinite(self.wavelength):
            return float("inf")
        return abs(self.wavelength - self.wavelength_pde) / self.wavelength_pde

    def to_dict(self) -> dict:
        return {**asdict(self), "invasion_ratio": self.invasion_ratio, "wavelength_error": self.wavelength_error}


def meets_target(q: Quality) -> bool:
    """Invasion at least :data:`TARGET_INVASION` of the PDE's, wavelength within :data:`TARGET_WAVELENGTH`."""
    return (not q.diverged and q.invasion_ratio >= TARGET_INVASION and q.wavelength_error <= TARGET_WAVELENGTH)


def unseen_ic_quality(model: NCA, steps: int = 2048, size: int = 128, preset: str = "published",
                      seed: int = 0, ic: np.ndarray | None = None) -> Quality:
    """Roll ``model`` and the PDE from the unseen test IC (or ``ic``) for ``steps`` steps and compare (see
    :class:`Quality`)."""
    ic = pde.test_ic(size) if ic is None else np.asarray(ic, np.float32)
    c = compare_to_pde(model, ic, steps, pde.preset(preset), snapshots=[steps], seed=seed)
    nca, ref = c.snapshots[steps]
    return state_quality(None if c.diverged_at is not None else nca, ref, ic, steps, c.final_distance)


def state_quality(nca: np.ndarray | None, ref: np.ndarray, ic: np.ndarray, steps: int,
                  distance: float = float("nan")) -> Quality:
    """The :class:`Quality` of an NCA's state ``nca`` (``None``: it blew up) against the PDE's ``ref``, both
    ``steps`` steps from ``ic``; ``distance`` between them if known."""
    s_p = pattern_statistics(ref)
    if nca is None:
        nan = float("nan")
        return Quality(steps, nan, invasion(ref, ic), nan, invasion(ref, ic, threshold=0.2), nan,
                       s_p["wavelength"], nan, s_p["contrast"], float("inf"), True)
    s_n = pattern_statistics(nca)
    return Quality(steps, invasion(nca, ic), invasion(ref, ic), invasion(nca, ic, threshold=0.2),
                   invasion(ref, ic, threshold=0.2), s_n["wavelength"], s_p["wavelength"], s_n["contrast"],
                   s_p["contrast"], distance, False)


# ------------------------------------------------------------------ choosing the kept model
#: the selection rule considers the snapshots from this fraction of the epochs on (the rate has decayed)
SELECT_FROM = 0.5
#: the path of :func:`select_validated`, for :attr:`nca_core.runs.job.Job.select`
SELECT_VALIDATED = SELECT_RULE


def validation_check(model: NCA, preset: str = "published") -> tuple[bool, Quality]:
    """Does ``model`` meet :func:`meets_target` from the held-out validation IC
    (:func:`nca_core.data.gray_scott.validation_ic`; never the test IC), and its :class:`Quality` there."""
    q = unseen_ic_quality(model, preset=preset, ic=pde.validation_ic())
    return meets_target(q), q


def select_validated(job: Any, result: TrainResult,
                     check: Callable[[NCA], tuple[bool, Any]] | None = None) -> TrainResult:
    """The kept model of a Gray-Scott run: a rule that cannot keep a collapsed model.

    A run's lowest training loss does not see a model whose pattern has collapsed on a new initial
    condition (the t = 32 run of the fast recipe has such a snapshot at epoch 225, at a loss still
    falling: it leaves the empty region empty). The rule tries the snapshots from :data:`SELECT_FROM`
    of the epochs on, lowest training loss first, and keeps the first that meets the target from the
    validation IC (:func:`validation_check`); if none does, the trainer's lowest-loss model stays,
    and ``extra["selection"]`` says so. ``check`` replaces :func:`validation_check` (tests).
    """
    import dataclasses

    check = check or (lambda m: validation_check(m, job.data.get("preset", "published")))
    start = int(np.ceil(SELECT_FROM * result.train_config.epochs))
    loss = result.loss
    order = sorted((float(loss[e - 1]), e) for e in result.snapshots if e >= start and e <= len(loss)
                   and np.isfinite(loss[e - 1]))
    tried = []
    for value, epoch in order:
        ok, q = check(NCA(result.nca_config, params=result.snapshots[epoch]))
        tried.append({"epoch": epoch, "loss": value, "passed": bool(ok),
                      **({"quality": q.to_dict()} if hasattr(q, "to_dict") else {})})
        if ok:
            note = {"rule": SELECT_VALIDATED, "epoch": epoch, "tried": tried}
            return dataclasses.replace(result, params=dict(result.snapshots[epoch]), best_epoch=epoch - 1,
                                       best_loss=value, extra={**result.extra, "selection": note})
    note = {"rule": SELECT_VALIDATED, "epoch": None, "tried": tried,
            "note": "no snapshot met the target from the validation IC: the lowest-loss model is kept"}
    return dataclasses.replace(result, extra={**result.extra, "selection": note})


@dataclass
class TransitionError:
    """One-transition prediction error from the true frames, against predicting "no change".

    ``error``/``still``: mean over all transitions; ``error_late``/``still_late``: over the last
    quarter of the trajectory (the slow dynamics that make the maze grow).
    """

    error: float
    still: float
    error_late: float
    still_late: float

    @property
    def ratio(self) -> float:
        return self.error / self.still

    @property
    def ratio_late(self) -> float:
        return self.error_late / self.still_late


def transition_error(model: NCA, y: np.ndarray, t: int, seed: int = 0) -> TransitionError:
    """Start from every true frame ``y[m]`` (``y[T, R, H, W, 2]``), run ``t`` steps, compare with ``y[m+1]``."""
    n_frames = y.shape[0]
    x = y[:-1].reshape((-1,) + y.shape[2:])
    out = model.rollout(x, steps=t, seed=seed, frames=[t])[0][..., : y.shape[-1]]
    err = np.sqrt(((out - y[1:].reshape(out.shape)) ** 2).sum(axis=(1, 2, 3))).reshape(n_frames - 1, -1)
    still = np.sqrt(((y[1:] - y[:-1]) ** 2).sum(axis=(2, 3, 4)))
    late = slice(3 * (n_frames - 1) // 4, None)
    err = np.where(np.isfinite(err), err, np.inf)
    return TransitionError(float(err.mean()), float(still.mean()), float(err[late].mean()), float(still[late].mean()))
