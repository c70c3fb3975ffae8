"""Analyses behind Figs 3–6: PDE comparison, divergence, pattern statistics, claims."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.book import registry
from nca_core.chapters.gray_scott import claims as gs
from nca_core.chapters.gray_scott.measure import compare_to_pde, invasion, pattern_statistics
from nca_core.chapters.measures import moving_average
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA, init_params
from nca_core.data import gray_scott as pde


def test_identity_nca_against_pde_gives_the_frozen_distance():
    ic = pde.test_ic(64)
    nca = NCA(NCAConfig.gray_scott(), seed=0)  # untrained: the identity map
    c = compare_to_pde(nca, ic, 40, snapshots=[0, 40], video_every=10, block=16)
    ref = pde.solve(ic, 40)
    frozen = np.sqrt(np.sum((ref - ic) ** 2, axis=(1, 2, 3)))
    np.testing.assert_allclose(c.distance, frozen, rtol=1e-4, atol=1e-5)
    assert c.test_loss == pytest.approx(frozen[1:].mean(), rel=1e-4)
    np.testing.assert_allclose(c.snapshots[40][1], ref[40], atol=1e-6)
    assert c.video_steps == [0, 10, 20, 30, 40] and c.video_nca.shape == (5, 64, 64)


def test_exploding_nca_is_marked_diverged():
    cfg = NCAConfig.gray_scott()
    p = init_params(cfg, 0)
    p["b_out"][:] = 200.0  # every step adds 200: |x| > 1e3 after 5 steps
    c = compare_to_pde(NCA(cfg, params=p), pde.test_ic(64), 20, snapshots=[20])
    assert c.diverged_at == 5
    assert np.isnan(c.test_loss) and c.snapshots[20][0] is None


def test_pattern_statistics_on_known_fields():
    rows, cols = np.indices((64, 64))
    stripes = np.zeros((64, 64, 2))
    stripes[..., 1] = (cols % 8 < 4).astype(float)
    s = pattern_statistics(stripes)
    assert s["coverage"] == pytest.approx(0.5)
    assert s["wavelength"] == pytest.approx(8.0, rel=0.25)
    flat = np.full((64, 64, 2), 0.3)
    f = pattern_statistics(flat)
    assert f["contrast"] < 1e-12 and np.isnan(f["wavelength"]) and f["coverage"] == 1.0


def test_moving_average_window():
    x, m, s, n = moving_average(np.array([2.0, 0.0, 1.0]), np.array([3.0, 1.0, np.nan]), window=3)
    np.testing.assert_array_equal(x, [0.0, 1.0, 2.0])
    np.testing.assert_allclose(m, [1.0, 2.0, 3.0])  # NaN ignored
    np.testing.assert_array_equal(n, [1, 2, 1])


def test_moving_average_pools_the_seeds_of_each_x():
    """Two seeds per ξ: one value per distinct ξ, from every seed of the window's ξ (no jump between the two
    points of one ξ, as a window over points had at the ends)."""
    xs = np.array([0.0, 0.0, 0.5, 0.5, 1.0, 1.0])
    ys = np.array([1.0, 3.0, 5.0, 7.0, 9.0, np.nan])
    x, m, s, n = moving_average(xs, ys, window=3)
    np.testing.assert_array_equal(x, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(m, [np.mean([1, 3, 5, 7]), np.mean([1, 3, 5, 7, 9]), np.mean([5, 7, 9])])
    np.testing.assert_allclose(s, [np.std([1, 3, 5, 7]), np.std([1, 3, 5, 7, 9]), np.std([5, 7, 9])])
    np.testing.assert_array_equal(n, [4, 5, 3])


def test_fig3_claims_hold_for_the_training_data():
    traj = pde.solve(pde.training_ics(), 1024, every=64)
    claims = gs.fig3(traj, list(range(0, 1025, 64)))
    assert [c.verdict for c in claims] == [True, True]


def test_invasion_tells_growing_from_frozen_patterns():
    ic = pde.test_ic(128)
    grown = pde.solve(ic, 2048, every=2048)[-1]
    assert invasion(grown, ic) > 0.3  # the PDE maze grows into the empty region (39% by n = 2048)
    assert invasion(ic, ic) == 0.0  # a frozen initial condition does not


def test_trajectory_equals_rollout_step_by_step():
    cfg = NCAConfig.emoji(channels=6)
    rng = np.random.default_rng(0)
    p = init_params(cfg, 1)
    p["w_out"] = rng.normal(0, 0.05, p["w_out"].shape).astype("float32")
    nca = NCA(cfg, params=p)
    x0 = rng.random((2, 12, 12, 4))
    a = nca.trajectory(x0, 9, seed=3, start=5)
    b = nca.rollout(x0, 9, seed=3, every=1, start=5)[1:]
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_spearman_ranks_ties_by_their_mean_rank():
    from nca_core.chapters.measures import spearman

    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert np.isnan(spearman([1, 2, 3], [5, 5, 5]))  # identical losses: no trend, not ρ = 1
    assert spearman([1, 2, 3, 4], [1, 1, 2, 2]) == pytest.approx(np.corrcoef([0, 1, 2, 3], [0.5, 0.5, 2.5, 2.5])[0, 1])
    assert np.isnan(spearman([1, np.nan], [2, 3]))


def test_fig4_table_counts_best_epochs_from_1_as_the_provenance_line_does():
    """The time-sampling page's table and the provenance line under its figure name the same best epochs
    (``best_epoch`` is stored from 0; both show it from 1)."""

    from nca_core.book import report
    from nca_core.chapters.gray_scott.measure import SamplingResults

    def model(best):
        tc = SimpleNamespace(lr=1e-3, lr_min=1e-5, lr_schedule="cosine", epochs=2000)
        return SimpleNamespace(result=SimpleNamespace(loss=np.ones(2000), train_loss=0.5, best_epoch=best,
                                                      diverged=False, train_config=tc))

    models = {(4, 0): model(1838), (32, 0): model(1999)}
    test = {(t, 0): SimpleNamespace(test_loss=15.0, diverged_at=None) for t in (4, 32)}
    R = SamplingResults([4, 32], [0], models, {k: 0.5 for k in models}, test, {4: 0, 32: 0}, np.zeros(1), 1.0)
    R.chained = {(4, 0): 0.75}  # t = 32's run has no chained loss: its cell stays blank
    rows = R.table().splitlines()[2:]
    assert [r.split(" | ")[5] for r in rows] == ["1839", "2000"]
    assert [r.split(" | ")[4] for r in rows] == ["0.75", ""]
    assert report.training(models.values()).endswith("best epochs 1839, 2000")


def test_unseen_test_is_cached_and_a_cached_test_is_the_computed_one(dirs, monkeypatch):
    """The second call reads the store (compare_to_pde is not called again) and returns the same distances,
    divergence and final state; a diverged model round-trips with no final state."""

    from nca_core.chapters.gray_scott import measure

    ic = pde.test_ic(64)
    params = pde.preset("published")
    final = pde.solve(ic, 24, params, every=24)[-1]
    cfg = NCAConfig.gray_scott()
    exploding = init_params(cfg, 0)
    exploding["b_out"][:] = 200.0
    models = {"identity": NCA(cfg, seed=0), "exploding": NCA(cfg, params=exploding)}
    first = {}
    for name, nca in models.items():
        tr = SimpleNamespace(job=SimpleNamespace(key=name, label=name), weights_hash=name, source="cache",
                             model=lambda nca=nca: nca)
        first[name] = measure.unseen_test(tr, ic, 24, params, final)
        with monkeypatch.context() as m:
            m.setattr(measure, "compare_to_pde", lambda *a, **k: pytest.fail("recomputed"))
            again = measure.unseen_test(tr, ic, 24, params, final)
        np.testing.assert_array_equal(again.distance, first[name].distance)
        assert again.diverged_at == first[name].diverged_at
        a, b = again.snapshots[24][0], first[name].snapshots[24][0]
        assert (a is None and b is None) or np.array_equal(a, b)
        np.testing.assert_array_equal(again.snapshots[24][1], final)
    assert first["exploding"].diverged_at == 5 and first["identity"].diverged_at is None


def test_small_t_trains_until_the_propagated_chain_has_spanned_the_trajectory_long_enough():
    from nca_core.chapters.gray_scott.jobs import epochs_for_chain

    # 1024/t transitions per trajectory, one more of the chain per epoch, then 150 epochs on the whole chain
    assert [epochs_for_chain(t, 300, 150) for t in (1, 2, 4, 6, 8, 32)] == [1174, 662, 406, 321, 300, 300]
    assert epochs_for_chain(2, 300, 0) == 300  # the fixed count of the other tiers
    with pytest.raises(ValueError, match="chain_epochs=-1"):
        epochs_for_chain(2, 300, -1)
    grid = {j.train.t: j.train.epochs for j in registry.jobs("time_sampling", "grid", {"seeds": [0]})}
    assert grid == {1: 1174, 2: 662, 4: 406, 6: 321, 8: 300, 12: 300, 16: 300, 24: 300, 32: 300}
    assert {j.train.epochs for j in registry.jobs("time_sampling", "long")} == {2000}


@pytest.mark.parametrize("seeds,ts,diverged", [
    (1, [2, 4, 8, 16, 32], {}),
    (3, [2, 4, 8, 16, 32], {}),
    # the full grid, a test and a training divergence: six entries, and C's titles right under the key
    (4, [1, 2, 4, 6, 8, 12, 16, 24, 32], {"test": (2, 3), "training": (6, 1)}),
])
def test_fig4_key_covers_neither_panel_a_nor_any_picture_or_title(tmp_path, monkeypatch, seeds, ts, diverged):
    """Fig 4's key sits under panel B: it overlaps no axes, nor their titles (inside A it covered the test curve
    once that came down towards the train curve; with six entries it covered C's titles)."""
    import matplotlib

    matplotlib.use("Agg")
    from nca_core.chapters.gray_scott import figures
    from tests.chapters.test_gray_scott_claims import comparison, sampling

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    base = {2: (1.1, 1.2), 4: (0.8, 0.9), 8: (1.4, 1.3), 16: (0.6, 0.7), 32: (0.4, 0.5)}
    train = {t: base.get(t, (1.0, 1.1)) for t in ts}
    test = {t: comparison(loss=15.0) for t in ts}
    if "test" in diverged:
        test[diverged["test"]] = comparison(loss=20.0, diverged_at=900)
    R = sampling(train, test, baseline=80.0, seeds=seeds)
    if "training" in diverged:
        R.models[diverged["training"]].result.diverged = True
    fig = figures.fig4(R)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    key = fig.legends[0].get_window_extent(renderer)
    assert len(fig.legends[0].get_texts()) == (3 if seeds == 1 else 4) + len(diverged)
    for ax in fig.axes:
        assert not key.overlaps(ax.get_window_extent(renderer)), ax.get_title()
        if ax.get_title():
            assert not key.overlaps(ax.title.get_window_extent(renderer)), ax.get_title()
    assert 0 <= key.y0 and key.x1 <= fig.bbox.x1  # inside the saved picture


def test_fig4_loss_curves_draw_every_model_and_name_each_t_once_with_its_seeds(tmp_path, monkeypatch):
    """At the paper's grid (9 t × 4 seeds) the key has one entry per t, not 36; every seed's curve is drawn, in
    its t's colour."""
    import matplotlib

    matplotlib.use("Agg")
    from nca_core.chapters.gray_scott import figures

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    ts = [1, 2, 4, 6, 8, 12, 16, 24, 32]
    models = {(t, s): SimpleNamespace(job=SimpleNamespace(train=SimpleNamespace(t=t), label=f"t={t} seed={s}"),
                                      result=SimpleNamespace(loss=np.linspace(2.0, 0.5, 50) * (1 + 0.1 * s)))
              for t in ts for s in range(4)}
    models[(1, 3)].result.loss = np.linspace(2.0, 0.5, 1174)  # a longer run is drawn to its end
    fig = figures.fig4_loss_curves(models)
    ax = fig.axes[0]
    assert len(ax.lines) == 36
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"t={t} (4 seeds)" for t in ts]
    colour = {line.get_label(): line.get_color() for line in ax.lines if not line.get_label().startswith("_")}
    same_t = [tuple(line.get_color()) for line in ax.lines[:4]]
    assert len(set(same_t)) == 1 and len({tuple(c) for c in colour.values()}) == 9
    assert max(len(line.get_xdata()) for line in ax.lines) == 1174
    fig.canvas.draw()
    key = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    assert not key.overlaps(ax.get_window_extent()) and key.x1 <= fig.bbox.x1  # beside the curves, in the picture
    assert (tmp_path / figures.FIG4_LOSS).exists()
