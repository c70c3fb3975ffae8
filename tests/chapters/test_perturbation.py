"""Oracle tests of the parameter-perturbation chapter: σ = 0 is the unperturbed rollout, an unperturbed curve is the
mask noise floor, damage grows with σ on the hand-set Euler-step NCA, the critical size of hand-made curves, the
questions' verdicts on hand-made results, the figures' resolution and text size."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.chapters.perturbation import claims, figures, measure
from nca_core.chapters.perturbation.measure import Curve, Perturbation, Task
from nca_core.core import surgery
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA
from nca_core.data import gray_scott as pde


def stochastic(seed: int = 0) -> NCA:
    """A morph-like model (fire rate ½) with every weight non-zero."""
    cfg = NCAConfig(channels=6, observable=4, kernel_set="ID_LAP", activation="relu", hidden=12, fire_rate=0.5,
                    boundary="zero")
    rng = np.random.default_rng(seed)
    p = {"w_hidden": rng.normal(0, 0.2, (cfg.n_features, cfg.hidden)),
         "w_out": rng.normal(0, 0.1, (cfg.hidden, cfg.channels)), "b_out": rng.normal(0, 0.01, cfg.channels)}
    return NCA(cfg, params={k: v.astype(np.float32) for k, v in p.items()})


def euler(d: tuple[float, float] = (0.2, 0.07)) -> NCA:
    """The hand-set relu NCA that is one Euler step of the heat equation per channel (tests/core/test_model.py)."""
    cfg = NCAConfig(channels=2, observable=2, kernel_set="ID_LAP", activation="relu", fire_rate=1.0,
                    boundary="periodic", dtype="float64")
    w_hidden = np.zeros((4, 8))
    w_hidden[1, 0], w_hidden[1, 1] = d[0], -d[0]
    w_hidden[3, 2], w_hidden[3, 3] = d[1], -d[1]
    w_out = np.zeros((8, 2))
    w_out[0, 0], w_out[1, 0], w_out[2, 1], w_out[3, 1] = 1.0, -1.0, 1.0, -1.0
    return NCA(cfg, params={"w_hidden": w_hidden, "w_out": w_out, "b_out": np.zeros(2)})


def mean_task(x0: np.ndarray, steps: int, level: float = 0.5) -> Task:
    """A hand-made task: score = the mean of channel 0, score2 = its spread; lost when the mean leaves
    [0, level]."""
    def judge(states):
        m = states[..., 0].mean(axis=(1, 2))
        return m, states[..., 0].std(axis=(1, 2)), ~((m >= 0) & (m <= level))

    return Task("hand", x0, steps, judge, None, lambda s: measure._uint8(s[..., 0]), {"steps": steps})


# ------------------------------------------------------------------ rollouts
def test_sigma_zero_gives_exactly_the_unperturbed_rollout_with_the_same_masks():
    model = stochastic()
    x0 = np.random.default_rng(1).uniform(0, 1, (1, 10, 10, 4)).astype(np.float32)
    same = measure.final_state(model, surgery.perturbed(model.params, 0.0, seed=7), x0, 9, seed=3)
    np.testing.assert_array_equal(same, model.rollout(x0, 9, seed=3)[-1])
    # other masks give another state (the model is stochastic), other weights another still
    assert np.abs(measure.final_state(model, model.params, x0, 9, seed=4) - same).max() > 1e-3
    assert np.abs(measure.final_state(model, surgery.perturbed(model.params, 0.1, 7), x0, 9, 3) - same).max() > 1e-4


def test_the_noise_floor_is_two_unperturbed_runs_with_different_masks(monkeypatch):
    model = stochastic()
    x0 = np.random.default_rng(2).uniform(0, 1, (10, 10, 4)).astype(np.float32)
    c = measure.sweep_model("m", model, mean_task(x0, 8, level=1.0), [0.01, 0.1], [0.25], draws=3, seed=5,
                            progress=False)
    ref = model.rollout(x0, 8, seed=measure.store.seed_of(5, 0))[-1, 0, ..., :4]
    for d in range(3):
        other = model.rollout(x0, 8, seed=measure.store.seed_of(5, 1, d))[-1, 0, ..., :4]
        want = np.sqrt(np.sum((other.astype(np.float64) - ref) ** 2) / np.sum(ref.astype(np.float64) ** 2))
        assert c.floor["damage"][d] == pytest.approx(want, rel=1e-6)
    assert c.floor["damage"].min() > 0 and not c.deterministic

    # the perturbation curve of a model whose weights are not perturbed is exactly the noise floor, at every σ
    monkeypatch.setattr(measure.surgery, "perturbed", lambda params, sigma, seed: dict(params))
    flat = measure.sweep_model("m", model, mean_task(x0, 8, level=1.0), [0.01, 0.1], [0.25], draws=3, seed=5,
                               progress=False)
    for k in ("damage", "score", "score2", "lost"):
        for row in flat.sigma[k]:
            np.testing.assert_array_equal(row, flat.floor[k])


def test_a_deterministic_model_has_no_noise_floor():
    model = euler()
    x0 = np.random.default_rng(3).random((12, 12, 2))
    c = measure.sweep_model("heat", model, mean_task(x0, 5, level=1.0), [0.01], [0.5], draws=2, progress=False)
    assert c.deterministic and np.all(c.floor["damage"] == 0.0) and c.reference["lost"] is False


def test_damage_grows_with_sigma_on_the_euler_step_nca():
    """Median damage over 16 draws increases with σ; to first order it is linear in σ (each draw a ray)."""
    model = euler()
    x0 = np.random.default_rng(4).random((16, 16, 2))
    sig = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    c = measure.sweep_model("heat", model, mean_task(x0, 10, level=1.0), sig, [0.25, 1.0], draws=16, progress=False)
    med = np.median(c.sigma["damage"], axis=1)
    assert np.all(np.diff(med) > 0), med
    np.testing.assert_allclose(c.sigma["damage"][1] / c.sigma["damage"][0], 10.0, rtol=0.02)
    # dropping every hidden unit stops the model: its state stays x0, whatever the draw
    ref = model.rollout(x0, 10)[-1, 0]
    np.testing.assert_allclose(c.drop["damage"][1], np.linalg.norm(x0 - ref) / np.linalg.norm(ref), rtol=1e-12)
    assert c.units.tolist() == [2, 8]


def test_damage_is_relative_and_a_blown_up_state_is_infinitely_damaged():
    ref = np.ones((1, 4, 4, 2))
    got = measure.relative_distance(np.stack([ref[0], 2 * ref[0], 1e4 * ref[0], np.full_like(ref[0], np.nan)]), ref)
    assert got.tolist() == [0.0, 1.0, np.inf, np.inf]  # 10⁴ is beyond the divergence threshold: blown up


def test_dropped_units_are_nested_and_counted():
    order = measure.drop_order(32, seed=3)
    assert sorted(order.tolist()) == list(range(32))
    assert [measure.dropped(f, 32) for f in (1 / 32, 0.01, 0.25, 1.0)] == [1, 1, 8, 32]
    assert measure.dropped(0.0, 32) == 0
    with pytest.raises(ValueError, match="fraction=1.5"):
        measure.dropped(1.5, 32)


def test_sweep_rejects_bad_grids():
    model = euler()
    x0 = np.zeros((8, 8, 2))
    with pytest.raises(ValueError, match="sigmas"):
        measure.sweep_model("x", model, mean_task(x0, 2), [0.1, 0.01], [0.5], 1, progress=False)
    with pytest.raises(ValueError, match="rows"):
        measure.sweep_model("x", model, mean_task(x0, 2), [0.01, 0.1], [0.5], 1, rows=[0.5], progress=False)


# ------------------------------------------------------------------ the tasks' criteria
def test_the_pde_meets_the_gray_scott_target_and_a_flat_state_does_not():
    task = measure.gray_scott_task(128, 2048)  # the quality target's own test (the PDE invades by then)
    ref = pde.solve(task.x0, 2048, pde.preset("published"))[-1]
    score, score2, lost = task.judge(np.stack([ref, np.zeros_like(ref), np.full_like(ref, np.inf)]))
    assert score[0] == pytest.approx(1.0) and score2[0] == pytest.approx(0.0)
    assert lost.tolist() == [False, True, True]
    assert task.extra()["invasion_pde"] > 0


def test_the_morph_criterion_is_the_adversarial_chapters():
    task = measure.morph_task(2)
    assert task.steps == 6
    y = measure.targets()
    rooster = y[-1]
    score, score2, _ = task.judge(np.stack([rooster, np.zeros_like(rooster), y[0]]))
    assert score[0] == 1.0 and score2[0] == 0.0 and score[1] == 0.0
    lost = task.decide(np.array([0.9, 0.3, 0.9]), np.array([10.0, 10.0, 25.0]), 0.9, 12.0)
    assert lost.tolist() == [False, True, True]  # IoU below 0.5; distance ≥ 2 × the undisturbed 12


# ------------------------------------------------------------------ the critical size
def test_critical_size_of_hand_made_curves():
    xs = [1e-3, 1e-2, 1e-1, 1.0]

    def lost(shares, d=4):
        return np.array([[k < round(s * d) for k in range(d)] for s in shares])

    assert measure.critical(xs, lost([0, 0.25, 0.75, 1])) == pytest.approx(np.sqrt(1e-2 * 1e-1))
    assert measure.critical(xs, lost([0, 0, 0.5, 1])) == 0.1  # reached at a grid point: exactly it, not 0.1000…02
    assert measure.critical([0.05, 0.1], lost([0.25, 0.5])) == 0.1
    assert measure.critical(xs, lost([0.5, 1, 1, 1])) == 1e-3  # at most the smallest tried
    assert measure.critical(xs, lost([0, 0.25, 0.25, 0])) == float("inf")
    assert measure.critical(xs, lost([0, 0.75, 0, 0])) == pytest.approx(10 ** (-3 + 2 / 3))  # the first crossing
    assert "σ* ≤ 0.001" in measure.describe_critical(xs, lost([1, 1, 1, 1]))
    assert "never lost" in measure.describe_critical(xs, lost([0, 0, 0, 0]))
    assert "25% of the draws lost at 0.01, 75% at 0.1" in measure.describe_critical(xs, lost([0, 0.25, 0.75, 1]))
    with pytest.raises(ValueError, match="xs"):
        measure.critical([1.0, 0.1], lost([0, 1]))
    with pytest.raises(ValueError, match="xs"):
        measure.critical([0.1], lost([0, 1]))


# ------------------------------------------------------------------ questions on hand-made results
def curve(name: str, task: str, crit_index: int | None, deterministic: bool = True, drop_index: int | None = None,
          baseline_lost: bool = False, damage_scale: float = 1.0) -> Curve:
    """A hand-made sweep: σ = 0.001 … 1 (7 points), 4 draws, lost from ``crit_index`` on (never: None)."""
    sig = np.array([1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0])
    fr = np.array([1 / 16, 1 / 8, 1 / 4, 1 / 2])
    d = 4

    def group(x, idx):
        lost = np.zeros((len(x), d), bool)
        if idx is not None:
            lost[idx:] = True
        dmg = np.outer(x, np.ones(d)) * damage_scale
        return {"damage": dmg, "score": np.where(lost, 0.1, 0.9), "score2": np.where(lost, 0.5, 0.05), "lost": lost}

    floor = {"damage": np.zeros(d) if deterministic else np.array([0.02, 0.025, 0.03, 0.028]),
             "score": np.full(d, 0.9), "score2": np.full(d, 0.05), "lost": np.full(d, baseline_lost)}
    return Curve(name, task, None, sig, fr, np.array([2, 4, 8, 16]), group(sig, crit_index), group(fr, drop_index),
                 floor, {"score": 0.9, "score2": 0.05, "lost": baseline_lost},
                 {0.0: np.zeros((4, 4), np.uint8), 0.1: np.full((4, 4), 200, np.uint8)}, deterministic, 32)


def results(gs_crit=(2, 4, 6), mo_crit=(5, 6, None)) -> Perturbation:
    gs = {t: curve(f"Gray-Scott t = {t}", "gray_scott", k, drop_index=1) for t, k in zip((4, 16, 32), gs_crit)}
    mo = {n: curve(f"morph {n}", "morph", k, deterministic=False, damage_scale=0.01)
          for n, k in zip(("C32_t32", "C16_t64", "C32_t32_sym"), mo_crit)}
    return Perturbation(gs, mo, 32, "C32_t32")


def test_questions_on_hand_made_results():
    R = results()
    frag = claims.fragile(R)
    # all four draws lost from one grid point on: σ* half-way (in log σ) from the point before
    assert [c.critical_sigma for c in R.curves] == pytest.approx([np.sqrt(3e-5), np.sqrt(3e-3), np.sqrt(0.3),
                                                                  np.sqrt(3e-2), np.sqrt(0.3), np.inf])
    assert [q.verdict for q in frag] == [True, True, False, False, False, False]
    assert "σ* = 0.00548 (0% of the draws lost at 0.003, 100% at 0.01)" in frag[0].evidence
    drops = claims.dropping(R)
    assert [q.verdict for q in drops] == [True] * 3 + [False] * 3  # GS: lost from 1/8 on; morph never
    hidden = claims.hidden_by_noise(R)
    assert [q.verdict for q in hidden] == [None] * 3 + [True] * 3  # morph damage 1e-5…1e-4 under the floor 0.02
    assert "no update noise" in hidden[0].evidence
    q = claims.which_more_fragile(R)
    assert q.verdict is True
    assert "medians: Gray-Scott 0.0548, morph 0.548 (ratio morph / Gray-Scott 10.00)" in q.evidence
    assert claims.which_more_fragile(results(gs_crit=(6, 6, 6), mo_crit=(2, 2, 2))).verdict is False
    q = claims.time_sampling(R)
    assert q.verdict is True and "rank correlation of t with σ* 1.00" in q.evidence
    assert claims.time_sampling(results(gs_crit=(6, 4, 2))).verdict is False
    # never lost on the grid ranks above every lost one, the two tied: ρ = 1.5 / √3 = 0.87
    q = claims.time_sampling(results(gs_crit=(2, None, None)))
    assert q.verdict is True and "σ* ∞ (never lost on the grid)" in q.evidence and "0.87" in q.evidence
    every = claims.questions(R)
    assert len(every) == 6 + 6 + 6 + 2 and all(x.threshold for x in every)


def test_a_median_damage_that_blew_up_is_said_in_words_not_inf():
    R = results()
    c = R.morph["C32_t32"]
    c.sigma["damage"][-1, :3] = np.inf  # 3 of the 4 draws at the largest σ blew up: an infinite median
    ev = claims.hidden_by_noise(R)[3].evidence
    assert "σ = 1: blown up (half the draws or more)" in ev and "inf" not in ev
    assert "σ = 0.3: 0.003" in ev


def test_a_model_that_already_lost_it_answers_nothing():
    R = results()
    R.gray_scott[4] = curve("Gray-Scott t = 4", "gray_scott", 2, baseline_lost=True)
    assert claims.fragile(R)[0].verdict is None and "already misses the quality target" in claims.fragile(R)[0].evidence
    assert claims.dropping(R)[0].verdict is None
    q = claims.time_sampling(R)
    assert q.verdict is None and "t = [16, 32]" in q.evidence


def test_stored_sweeps_round_trip_through_the_store(dirs):
    c = curve("morph C32_t32", "morph", 3, deterministic=False)
    arrays, meta = measure._to_arrays(c)
    back = measure._from_arrays(arrays, meta, None)
    assert back.cached and back.name == c.name and back.task == "morph" and back.reference == c.reference
    for g in ("sigma", "drop", "floor"):
        for k in measure.MEASURES:
            np.testing.assert_array_equal(getattr(back, g)[k], getattr(c, g)[k])
    assert back.critical_sigma == c.critical_sigma and sorted(back.rows) == [0.0, 0.1]

    # a sweep is computed once, then loaded
    class Job:
        key, label = "k", "hand"

    tr = SimpleNamespace(job=Job(), weights_hash="w", source="cache", model=euler)
    P = SimpleNamespace(sigmas=[0.01, 0.1], fractions=[0.5], draws=2, perturb_seed=0, recompute=False)
    task = mean_task(np.random.default_rng(5).random((8, 8, 2)), 3, level=1.0)
    first = measure.stored_sweep("heat", tr, task, P, rows=[0.1], progress=False)
    again = measure.stored_sweep("heat", tr, task, P, rows=[0.1], progress=False)
    assert not first.cached and again.cached
    np.testing.assert_array_equal(first.sigma["damage"], again.sigma["damage"])


def test_the_long_tier_sweeps_are_shipped_and_loaded_not_computed(tmp_path, monkeypatch):
    """A fresh clone (the real shipped weights and artefacts, an empty results cache) loads every sweep."""
    from nca_core.book import registry
    from nca_core.runs import store

    for name in ("NCA_WEIGHTS_DIR", "NCA_ARTEFACTS_DIR", store.SHIP_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path / "results"))
    P, _ = registry.resolve("perturbation", {"profile": "long"})
    R = measure.run(P, progress=False)
    assert sorted(R.gray_scott) == [4, 16, 32] and sorted(R.morph) == ["C16_t64", "C32_t32", "C32_t32_sym"]
    assert all(c.cached and c.trained.source == "shipped" for c in R.curves)
    assert not (tmp_path / "results" / "stability").exists()
    # what the page shows: every undisturbed model keeps its pattern, so every question can be answered
    assert not any(c.baseline_lost for c in R.curves)
    assert all(q.verdict is not None for q in claims.questions(R) if "update noise" not in q.text)


# ------------------------------------------------------------------ figures
def test_figures_are_readable(dirs, monkeypatch):
    from PIL import Image

    from nca_core.view import plotting
    from nca_core.view.ticks import overlapping_text

    monkeypatch.setenv("NCA_FIGURE_DIR", str(dirs / "figures"))
    R = results()
    for c in R.curves:  # damage over three and a half decades, as the shipped sweeps: 1-2-5 labels would touch
        c.sigma["damage"] = c.sigma["damage"] * np.geomspace(1, 3, len(c.sigmas))[:, None]
    R.morph["C32_t32"].rows = {0.0: np.zeros((8, 8, 4), np.uint8), 0.1: np.full((8, 8, 4), 200, np.uint8)}
    for f in (figures.sigma, figures.drop, figures.rows):
        assert not overlapping_text(f(R)), f.__name__  # no tick label touches another (the log damage axes did)
    pngs = sorted((dirs / "figures").glob("*.png"))
    assert [p.name for p in pngs] == sorted(measure_names())
    for p in pngs:
        im = Image.open(p)
        assert float(im.text[plotting.SMALLEST_TEXT_KEY]) >= 0.95 * plotting.MIN_PT, p.name
        assert round(im.info["dpi"][0]) >= 150, p.name


def measure_names() -> list[str]:
    from nca_core.chapters.perturbation.notebooks import PERTURBATION

    return list(PERTURBATION.figures)
