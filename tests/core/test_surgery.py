"""Oracle tests for nca_core.core.surgery: ablations remove what they name; perturbations are relative, seeded."""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.core import surgery
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA
from nca_core.core.perception import perceive


def trained_like(seed: int = 0) -> tuple[NCA, NCAConfig]:
    """A model with every weight non-zero (a fresh model's w_out is zero, which would hide ablation errors)."""
    cfg = NCAConfig.gray_scott(channels=4, hidden=12, fire_rate=1.0)
    rng = np.random.default_rng(seed)
    p = {"w_hidden": rng.normal(0, 0.3, (cfg.n_features, cfg.hidden)),
         "w_out": rng.normal(0, 0.3, (cfg.hidden, cfg.channels)),
         "b_out": rng.normal(0, 0.1, (cfg.channels,))}
    return NCA(cfg, params={k: v.astype(np.float32) for k, v in p.items()}), cfg


def increment(model: NCA, x: np.ndarray) -> np.ndarray:
    return model.step(x) - x


def by_hand(params: dict[str, np.ndarray], cfg: NCAConfig, x: np.ndarray, units: list[int]) -> np.ndarray:
    """W_1 u(W_2 z) + v summed over the hidden units ``units`` only (relu), in float64."""
    z = np.asarray(perceive(x.astype(np.float32), cfg.kernel_set, cfg.boundary), np.float64).reshape(-1, cfg.n_features)
    h = np.maximum(z @ params["w_hidden"][:, units].astype(np.float64), 0.0)
    return (h @ params["w_out"][units].astype(np.float64) + params["b_out"]).reshape(x.shape)


def test_ablated_hidden_units_contribute_nothing():
    model, cfg = trained_like()
    x = np.random.default_rng(1).uniform(0, 1, (2, 9, 9, cfg.channels)).astype(np.float32)
    gone = [0, 5, 11]
    edited = surgery.edited(model, surgery.ablated(model.params, hidden=gone))
    kept = [u for u in range(cfg.hidden) if u not in gone]
    np.testing.assert_allclose(increment(edited, x), by_hand(model.params, cfg, x, kept), atol=2e-5)
    # and not ablating changes nothing
    np.testing.assert_allclose(increment(surgery.edited(model, surgery.ablated(model.params)), x),
                               increment(model, x), atol=0)


def test_ablated_features_make_the_update_blind_to_what_they_read():
    model, cfg = trained_like()
    x = np.random.default_rng(2).uniform(0, 1, (1, 10, 10, cfg.channels)).astype(np.float32)
    channel = 2
    rows = [surgery.feature(cfg, channel, k) for k in cfg.kernels]
    blind = surgery.edited(model, surgery.ablated(model.params, features=rows))
    y = x.copy()
    y[..., channel] = np.random.default_rng(3).uniform(0, 1, y.shape[:3])
    # the ablated model cannot see channel 2 (its own increment is still computed from the others)
    np.testing.assert_allclose(increment(blind, x), increment(blind, y), atol=1e-6)
    # the intact model can
    assert np.abs(increment(model, x) - increment(model, y)).max() > 1e-2
    # one kernel only: the Laplacian row of channel 2, the identity row still read
    lap_only = surgery.edited(model, surgery.ablated(model.params, features=[surgery.feature(cfg, channel, "LAP")]))
    assert np.abs(increment(lap_only, x) - increment(lap_only, y)).max() > 1e-3


def test_feature_index_is_channel_major_and_checked():
    cfg = NCAConfig.gray_scott(channels=4)
    assert cfg.kernels == ("ID", "LAP")
    assert surgery.feature(cfg, 3, "LAP") == 3 * 2 + 1
    assert surgery.feature(cfg, 1, 0) == 2
    with pytest.raises(ValueError, match="kernel"):
        surgery.feature(cfg, 0, "SOBEL_X")
    with pytest.raises(ValueError, match="channel=4"):
        surgery.feature(cfg, 4, 0)
    with pytest.raises(ValueError, match="hidden=99"):
        surgery.ablated(NCA(cfg).params, hidden=[99])


def test_perturbed_is_relative_seeded_and_leaves_the_input_alone():
    model, cfg = trained_like()
    p = model.params
    before = {k: v.copy() for k, v in p.items()}
    assert all(np.array_equal(surgery.perturbed(p, 0.0, 0)[k], p[k]) for k in p)
    a, b, c = surgery.perturbed(p, 0.1, 7), surgery.perturbed(p, 0.1, 7), surgery.perturbed(p, 0.1, 8)
    assert all(np.array_equal(a[k], b[k]) for k in p)
    assert not np.array_equal(a["w_hidden"], c["w_hidden"])
    assert all(np.array_equal(p[k], before[k]) for k in p)
    # the noise of each tensor has rms σ·rms(W), whatever the tensor's scale
    big = {k: v * (1000.0 if k == "w_out" else 1.0) for k, v in p.items()}
    d = surgery.perturbed(big, 0.2, 3)
    for k in ("w_hidden", "w_out"):
        rel = np.sqrt(np.mean((d[k] - big[k]) ** 2)) / np.sqrt(np.mean(big[k] ** 2))
        assert rel == pytest.approx(0.2, rel=0.25), k
    with pytest.raises(ValueError, match="sigma=-1"):
        surgery.perturbed(p, -1, 0)
    with pytest.raises(ValueError, match="missing"):
        surgery.perturbed({"w_hidden": p["w_hidden"]}, 0.1, 0)
