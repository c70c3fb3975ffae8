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
