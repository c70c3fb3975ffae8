"""Cheap quality measures of the morph task: one-transition error from the true frames, loss flatness."""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.chapters.morph import measure, quality
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA


def test_identity_nca_predicts_no_change_exactly():
    y = measure.targets()  # alien, microbe, rooster, rooster
    e = quality.transition_error(NCA(NCAConfig.emoji(channels=8), seed=0), y, t=4, samples=2)  # fresh: identity
    assert e.errors.shape == e.still.shape == (3,)
    np.testing.assert_allclose(e.errors, e.still, rtol=1e-5, atol=1e-5)
    assert e.still[-1] == 0 and e.still[:2].min() > 0  # rooster → rooster does not change
    assert e.ratio == pytest.approx(1.0, rel=1e-5)


def test_transition_error_compares_with_the_next_frame():
    """A model that erases everything lands ‖y[k+1]‖ from each next frame."""
    cfg = NCAConfig.emoji(channels=4, hidden=4, activation="linear", fire_rate=1.0)
    p = {"w_hidden": np.zeros((cfg.n_features, 4), np.float32), "w_out": np.zeros((4, 4), np.float32),
         "b_out": np.zeros(4, np.float32)}
    p["w_hidden"][[c * (cfg.n_features // 4) for c in range(4)], range(4)] = 1.0  # the identity features
    p["w_out"] = -np.eye(4, dtype=np.float32)  # x + (−x) = 0 after one step
    y = measure.targets()
    e = quality.transition_error(NCA(cfg, params=p), y, t=2)
    np.testing.assert_allclose(e.errors, measure.distance(y[1:], 0 * y[1:]), rtol=1e-5)


def test_loss_flatness_uses_the_lowest_loss_so_far():
    assert quality.loss_drop(np.r_[np.full(90, 10.0), np.full(10, 9.0)]) == pytest.approx(0.1)
    assert not quality.loss_flat(np.r_[np.full(90, 10.0), np.full(10, 9.0)])
    assert quality.loss_flat(np.r_[np.full(90, 10.0), np.full(10, 9.6)])
    assert quality.loss_flat(np.r_[np.linspace(20, 10, 90), np.full(10, 30.0)])  # a rising end lowers nothing
    assert np.isnan(quality.loss_drop(np.r_[np.full(9, np.nan), [5.0]]))  # nothing finite before the last 10%
    assert quality.loss_drop(np.r_[10.0, np.full(8, np.nan), [5.0]]) == pytest.approx(0.5)
    assert np.isnan(quality.loss_drop(np.ones(1)))
