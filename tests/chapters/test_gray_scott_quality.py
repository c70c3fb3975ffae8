"""Quality measures of the shipped tier: unseen-IC invasion and wavelength, one-transition error."""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.chapters.gray_scott import quality
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA
from nca_core.data import gray_scott as pde


def test_identity_nca_predicts_no_change_exactly():
    y = pde.training_trajectories(32, 256)[:, :2]  # [9, 2, 64, 64, 2]
    e = quality.transition_error(NCA(NCAConfig.gray_scott(), seed=0), y, t=32)  # fresh init: the identity map
    assert e.error == pytest.approx(e.still, rel=1e-5) and e.ratio == pytest.approx(1.0, rel=1e-5)
    assert e.error_late == pytest.approx(e.still_late, rel=1e-5)
    assert e.still_late < e.still  # the late dynamics are the slow ones


def test_frozen_ic_invades_nothing_and_misses_the_target():
    q = quality.unseen_ic_quality(NCA(NCAConfig.gray_scott(), seed=0), steps=1024, size=128)
    assert q.invasion == 0 and q.invasion_strict == 0 and q.invasion_pde > 0
    assert q.invasion_ratio == 0 and not quality.meets_target(q)
    assert q.distance > 0 and not q.diverged


def test_target_needs_both_invasion_and_wavelength():
    base = dict(steps=2048, invasion_pde=0.4, invasion_strict=0.2, invasion_strict_pde=0.3, wavelength_pde=10.0,
                contrast=0.1, contrast_pde=0.15, distance=20.0, diverged=False)
    assert quality.meets_target(quality.Quality(invasion=0.2, wavelength=11.4, **base))
    assert not quality.meets_target(quality.Quality(invasion=0.19, wavelength=10.0, **base))
    assert not quality.meets_target(quality.Quality(invasion=0.4, wavelength=11.6, **base))
    assert not quality.meets_target(quality.Quality(invasion=0.4, wavelength=float("nan"), **base))
    assert not quality.meets_target(quality.Quality(invasion=0.4, wavelength=10.0, **{**base, "diverged": True}))
    assert np.isinf(quality.Quality(invasion=0.4, wavelength=float("nan"), **base).wavelength_error)


# ------------------------------------------------------------------ choosing the kept model
def _result(losses: list[float], snapshots: dict[int, float]):
    """A 'run' whose snapshot of epoch e has b_out filled with the value given (to recognise it)."""
    from nca_core.core.config import TrainConfig
    from nca_core.core.result import TrainResult

    cfg = NCAConfig.gray_scott()
    base = NCA(cfg, seed=0).params
    snaps = {e: {**base, "b_out": np.full_like(base["b_out"], v)} for e, v in snapshots.items()}
    return TrainResult(nca_config=cfg, train_config=TrainConfig.gray_scott(epochs=len(losses)), params=dict(base),
                       final_params=dict(base), loss=np.array(losses), best_epoch=len(losses) - 1,
                       best_loss=losses[-1], snapshots=snaps)


def test_selection_keeps_the_lowest_loss_snapshot_that_passes_and_never_one_that_fails():
    # epochs 1–8; snapshots at 2 (before SELECT_FROM: never considered), 4, 6, 8; loss lowest at 6, then 8, then 4
    r = _result([9, 1, 5, 3, 4, 0.5, 2, 1.5], {2: 2.0, 4: 4.0, 6: 6.0, 8: 8.0})
    asked = []

    def check(m):
        v = float(m.params["b_out"][0])
        asked.append(v)
        return v in (4.0, 8.0), None  # the snapshot of epoch 6 has "collapsed"

    s = quality.select_validated(None, r, check=check)
    assert asked == [6.0, 8.0]  # lowest loss first, stop at the first that passes
    assert s.best_epoch == 7 and s.best_loss == 1.5 and float(s.params["b_out"][0]) == 8.0
    assert s.extra["selection"]["epoch"] == 8 and [t["passed"] for t in s.extra["selection"]["tried"]] == [False, True]
    none = quality.select_validated(None, r, check=lambda m: (False, None))
    assert none.best_epoch == r.best_epoch and none.extra["selection"]["epoch"] is None
    for k in r.params:
        np.testing.assert_array_equal(none.params[k], r.params[k])


def test_validation_ic_is_not_the_test_ic_and_the_frozen_model_fails_on_it():
    v, t = pde.validation_ic(), pde.test_ic(128)
    assert v.shape == t.shape and not np.array_equal(v, t)
    assert np.array_equal(v[..., 1], 1 - v[..., 0]) and 0.6 < float(v[..., 0].mean()) < 0.95
    ok, q = quality.validation_check(NCA(NCAConfig.gray_scott(), seed=0))  # fresh init: the identity map
    assert not ok and q.invasion == 0 and q.invasion_pde > 0.2


def test_shipped_long_model_passes_the_validation_check():
    from nca_core.chapters.gray_scott.jobs import job
    from nca_core.runs.cache import lookup

    tr = lookup(job(32, 0, 2000, lr=1e-3, lr_schedule="cosine", lr_min=1e-5))
    assert tr is not None and tr.source == "shipped"
    ok, q = quality.validation_check(tr.model())
    assert ok, q
