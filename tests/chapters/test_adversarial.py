"""Fig 11: the gradient of κ (and of the authors' objective) against central differences in float64,
the optimiser's box and batching, the evaluation of the copies and the claim logic."""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.book import registry
from nca_core.chapters.adversarial import claims
from nca_core.chapters.adversarial import measure as adv
from nca_core.chapters.adversarial.measure import MAX, MIN, Adversarial, Adversary
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA


def _model(seed: int = 0, dtype: str = "float64") -> NCA:
    cfg = NCAConfig(channels=6, observable=4, kernel_set="ID_DIFF_LAP", activation="relu", fire_rate=0.5,
                    dtype=dtype)
    rng = np.random.default_rng(seed)
    p = {"w_hidden": rng.normal(0, 0.4, (cfg.n_features, cfg.hidden)),
         "w_out": rng.normal(0, 0.25, (cfg.hidden, cfg.channels)), "b_out": rng.normal(0, 0.02, cfg.channels)}
    return NCA(cfg, params={k: v.astype(dtype) for k, v in p.items()})


@pytest.mark.parametrize("objective", ["paper", "code"])
def test_gradient_matches_central_differences(objective):
    model = _model()
    rng = np.random.default_rng(1)
    x0, target = rng.random((7, 7, 4)), rng.random((7, 7, 4))
    a = Adversary(model, x0, target, steps=4, objective=objective)
    masks = a.runner.masks(4, seed=3, size=(7, 7))
    # inside (0, 1) for the paper's κ; partly outside for the code's penalties
    x = np.clip(x0 + rng.normal(0, 0.2, x0.shape), 0.02, 0.98) if objective == "paper" else \
        x0 + rng.normal(0, 0.3, x0.shape)
    modes = np.array([MIN])
    r = a.evaluate(x[None], modes, masks)
    h = 1e-6
    fd = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        fd[idx] = (a.evaluate((x + e)[None], modes, masks)["loss"][0]
                   - a.evaluate((x - e)[None], modes, masks)["loss"][0]) / (2 * h)
    np.testing.assert_allclose(r["grad"][0], fd, rtol=1e-5, atol=1e-7)
    assert np.abs(fd).max() > 1e-3
    if objective == "paper":  # MIN minimises κ itself, MAX its negative
        assert np.isclose(r["loss"][0], r["kappa"][0])
        assert np.isclose(a.evaluate(x[None], np.array([MAX]), masks)["loss"][0], -r["kappa"][0])
        np.testing.assert_allclose(r["e_in"][0], np.sqrt(((x - x0) ** 2).sum()), rtol=1e-9)


def test_kappa_uses_the_same_masks_for_both_runs():
    model = _model()
    rng = np.random.default_rng(2)
    x0 = rng.random((7, 7, 4))
    a = Adversary(model, x0, x0, steps=5)
    masks = a.runner.masks(5, seed=0, size=(7, 7))
    r = a.evaluate(np.stack([x0, x0]), np.array([MIN, MAX]), masks)
    np.testing.assert_allclose(r["e_delta"], 0, atol=1e-5)  # x̃ = 0: no change at all, not mask noise
    ref = a.runner.run(x0[None], [5], seed=9, keep=4)[0, 0]
    assert np.sqrt(((ref - a.reference(masks).numpy()[0]) ** 2).sum()) > 1e-3  # other masks do differ


def test_optimise_keeps_the_box_and_micro_batches_change_nothing():
    model = _model(dtype="float32")
    rng = np.random.default_rng(3)
    x0, target = rng.random((8, 8, 4)).astype(np.float32), rng.random((8, 8, 4)).astype(np.float32)
    a = Adversary(model, x0, target, steps=3)
    x, hist = a.optimise([MIN, MAX, MIN, MAX], iterations=6, lr=0.05, seed=1)
    assert x.shape == (4, 8, 8, 4) and x.min() >= 0 and x.max() <= 1
    assert hist["kappa"].shape == (6, 4) and np.isfinite(hist["kappa"]).all()
    assert hist["e_in"][-1, 1] > hist["e_in"][0, 1]  # the max-κ copy grows its perturbation
    x2, hist2 = a.optimise([MIN, MAX, MIN, MAX], iterations=6, lr=0.05, seed=1, micro_batch=1, path_every=4)
    # in float32 the two batchings round differently (by up to 4e-5 after 6 steps on an AVX2 CPU, where the
    # kernels for one sample and for four block the sums differently); in float64 they must agree to rounding
    np.testing.assert_allclose(x2, x, atol=1e-3)
    a64 = Adversary(_model(), x0.astype(np.float64), target.astype(np.float64), steps=3)
    x64, hist64 = a64.optimise([MIN, MAX, MIN, MAX], iterations=6, lr=0.05, seed=1)
    x64_1, hist64_1 = a64.optimise([MIN, MAX, MIN, MAX], iterations=6, lr=0.05, seed=1, micro_batch=1)
    np.testing.assert_allclose(x64_1, x64, atol=1e-10)
    np.testing.assert_allclose(hist64_1["kappa"], hist64["kappa"], atol=1e-10)
    assert hist2["visited_at"].tolist() == [0, 4, 6] and hist2["visited"].shape == (3, 4, 8, 8, 4)
    np.testing.assert_allclose(hist2["visited"][-1], x2)
    np.testing.assert_allclose(np.sqrt(((hist2["visited"][0] - x0) ** 2).sum(axis=(1, 2, 3))), hist2["e_in"][0],
                               rtol=1e-4)
    p = adv.search_path(a.runner, x0, target, hist2["visited"], hist2["visited_at"], 3, 2, seed=0)
    assert p["e_in"].shape == p["iou"].shape == (3, 4) and p["iteration"].tolist() == [0, 4, 6]
    code = Adversary(model, x0, target, steps=3, objective="code")
    xc, _ = code.optimise([MIN, MAX], iterations=3, lr=0.05, seed=1)
    assert np.isfinite(xc).all()
    with pytest.raises(ValueError, match="objective"):
        Adversary(model, x0, target, steps=3, objective="mine")


def _result(delta_lo, delta_hi, noise, e_lo, e_hi, iou_lo=(1.0, 1.0), frames=(0, 96, 256)) -> Adversarial:
    """An Adversarial whose copies (min, max) change the lattice by the given amounts at each frame."""
    f = len(frames)
    x0 = np.full((10, 10, 4), 0.5)
    rooster = np.zeros((10, 10, 4))
    rooster[2:8, 2:8, 3] = 1.0
    x = np.stack([x0.copy(), x0.copy()])
    x[0, 0, 0, 0] += e_lo  # one pixel: ‖x̃‖ = max|x̃| = e
    x[1, 0, 0, 0] += e_hi
    states = np.repeat(rooster[None, None, None], f, 1).repeat(3, 2)  # [1, F, 3, H, W, 4]
    states[..., 5, 5, 0] += 1.0  # every run is at distance 1 from the rooster (not the change between runs)
    for k in range(f):
        states[0, k, 1, 9, 9, 0] += delta_lo[k]
        states[0, k, 2, 9, 9, 0] += delta_hi[k]
        if iou_lo[min(k, len(iou_lo) - 1)] < 0.5:
            states[0, k, 1, ..., 3] = 0.0  # the shape is gone
    return Adversarial(label="m", steps=96, frames=list(frames), objective="paper", x0=x0, rooster=rooster, x=x,
                       modes=np.array([MIN, MAX]), history={}, states=states, noise=np.array(noise, float),
                       seconds=1.0, iterations=5, cached=False)


def test_rows_best_copies_and_claims():
    r = _result(delta_lo=[0, 3.0, 3.0], delta_hi=[0, 0.5, 4.0], noise=[0, 1.0, 2.0], e_lo=0.4, e_hi=2.0,
                iou_lo=(1.0, 0.0))
    assert r.best(MIN) == 0 and r.best(MAX) == 1
    lo = r.row("min")
    # the min copy also lost its opaque square (36 pixels of α = 1) from n = 96 on
    assert lo["index"] == 1 and np.isclose(lo["e_in"], 0.4) and np.isclose(lo["kappa"], 0.4 - np.sqrt(9 + 36))
    assert r.row("unperturbed")["kappa"] == 0.0 and np.isclose(r.row("max")["kappa"], 1.5)
    assert r.iou[1, 1] == 0.0 and r.iou[1, 0] == 1.0
    rows = claims.fig11(r)
    assert [c.verdict for c in rows] == [True, True, True]  # ‖x̃‖ = 0.4 ≤ 10% of ‖x⁰‖ = 10; the rooster stays
    assert "max |x̃| = 0.400" in rows[0].evidence and "at n = 256" in rows[1].evidence
    # the max copy's change at 96 above the mask noise: not kept
    r = _result(delta_lo=[0, 3.0, 3.0], delta_hi=[0, 1.5, 4.0], noise=[0, 1.0, 2.0], e_lo=2.0, e_hi=2.0)
    assert [c.verdict for c in claims.fig11(r)] == [False, False, True]
    r = _result(delta_lo=[0, 3.0], delta_hi=[0, 0.5], noise=[0, 1.0], e_lo=0.4, e_hi=2.0, frames=(0, 96))
    assert claims.fig11(r)[1].verdict is None and claims.fig11(r)[2].verdict is None  # nothing beyond n = 96
    # the final min copy is too large, but the search passed a small one that already broke the rooster
    r = _result(delta_lo=[0, 3.0, 3.0], delta_hi=[0, 0.5, 4.0], noise=[0, 1.0, 2.0], e_lo=2.0, e_hi=2.0,
                iou_lo=(1.0, 0.0))
    assert claims.fig11(r)[0].verdict is False
    r.path = {"iteration": np.array([0, 5, 10]), "e_in": np.array([[0.1], [0.5], [2.0]]),
              "max_abs": np.array([[0.1], [0.2], [0.3]]), "delta": np.array([[0.0], [5.0], [6.0]]),
              "to_rooster": np.array([[1.0], [1.5], [2.5]]), "iou": np.array([[1.0], [0.3], [0.2]])}
    first = claims.smallest_destroying(r)
    assert first["iteration"] == 5 and first["e_in"] == 0.5
    c = claims.fig11(r)[0]
    assert c.verdict is True and "iteration 5" in c.evidence


@pytest.mark.parametrize("grow,fade,verdict", [(1.2, 0.0, True), (1.3, 0.0, False), (1.0, 0.06, False),
                                               (1.0, 0.04, True)])
def test_the_extrapolated_rooster_is_stable_if_its_distance_and_overlap_hold(grow, fade, verdict):
    r = _result(delta_lo=[0, 3.0, 3.0], delta_hi=[0, 0.5, 4.0], noise=[0, 1.0, 2.0], e_lo=0.4, e_hi=2.0)
    ref = r.row("unperturbed")  # at distance 1 from the rooster, IoU 1, at every frame
    ref["to_rooster"] = np.array([1.0, 1.0, grow])  # the unperturbed run drifts by n = 256
    ref["iou"] = np.array([1.0, 1.0, 1.0 - fade])
    rows = r.row
    r.row = lambda which: ref if which == "unperturbed" else rows(which)
    c = claims.stability(r)
    assert c.verdict is verdict and "n = 256: IoU" in c.evidence and "1.25×" in c.threshold
    assert claims.fig11(r)[2].text == c.text


@pytest.mark.parametrize("name,value", [("objective", "mine"), ("iterations", 0), ("copies", 0), ("lr", 0),
                                        ("snapshots", [-1])])
def test_bad_parameters_are_rejected_naming_them(name, value):
    with pytest.raises(ValueError, match=name):
        registry.resolve("adversarial_stability", {"profile": "smoke", name: value})


def test_snapshots_include_the_horizon():
    P, _ = registry.resolve("adversarial_stability", {"profile": "quick"})
    assert P.horizon == 96 and P.snapshots == [0, 32, 64, 96, 256] and adv.MODEL == "C32_t32"


def test_run_adversarial_is_cached_with_its_search_path(dirs, monkeypatch):
    from types import SimpleNamespace

    model = _model(dtype="float32")
    job = SimpleNamespace(key="fake", label="C=6 t=1", train=SimpleNamespace(t=1))
    fake = SimpleNamespace(job=job, weights_hash="0123", model=lambda: model)
    monkeypatch.setattr(adv, "stability_models", lambda profile, symmetric, names: {"C32_t32": fake})
    P, _ = registry.resolve("adversarial_stability", {"profile": "smoke", "horizon": 2, "snapshots": [0, 4],
                                                       "iterations": 4, "eval_masks": 1})
    r, tr = adv.run_fig11(P, progress=False)
    assert tr is fake and not r.cached and r.frames == [0, 2, 4] and r.states.shape[:3] == (1, 3, 3)
    assert r.path["iteration"].tolist() == [0, 1, 2, 3, 4] and r.path["e_in"].shape == (5, 1)
    assert set(r.history) == {"kappa", "e_in", "e_delta", "e_target", "loss"}
    again, _ = adv.run_fig11(P, progress=False)
    assert again.cached and again.seconds == r.seconds
    np.testing.assert_array_equal(again.x, r.x)
    np.testing.assert_array_equal(again.path["iou"], r.path["iou"])
    frames, kept = adv.video_frames(again, 4, every=2)
    assert frames.shape == (3, 3, 80, 80, 4) and kept == [0, 2, 4]
    assert len(claims.fig11(again)) == 3
