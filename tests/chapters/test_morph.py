"""The morph-task experiments (Figs 8–9): jobs, training with and without input noise,
the rollout measures, the locality check, the video frames and the claim logic."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.book import registry
from nca_core.chapters.morph import claims as emoji_claims
from nca_core.chapters.morph import figures as emoji_figs
from nca_core.chapters.morph import jobs as emoji
from nca_core.chapters.morph import measure as emoji_eval
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA
from nca_core.core.train import Trainer
from nca_core.runs import cache as experiments
from nca_core.runs import job as job_module
from nca_core.runs import sweep
from nca_core.view.images import hidden_quadrants


def _fake(cfg: NCAConfig, params_: dict, t: int = 2, label: str = "m", loss: float = 1.0) -> SimpleNamespace:
    """A stand-in for experiments.Trained with hand-set weights."""
    job = SimpleNamespace(nca=cfg, train=SimpleNamespace(t=t), label=label, key=label)
    res = SimpleNamespace(params=params_, train_loss=loss, diverged=False)
    return SimpleNamespace(job=job, result=res, model=lambda: NCA(cfg, params=params_))


def _zero(cfg: NCAConfig) -> dict:
    f, h, c = cfg.n_features, cfg.hidden, cfg.channels
    return {"w_hidden": np.zeros((f, h), np.float32), "w_out": np.zeros((h, c), np.float32),
            "b_out": np.zeros(c, np.float32)}


def _diffusion(channels: int = 4, fire_rate: float = 1.0, d: float = 0.2) -> tuple[NCAConfig, dict]:
    """A linear ID_LAP NCA that is one Euler step of u_t = d·Δu per channel (zero boundary)."""
    cfg = NCAConfig(channels=channels, observable=4, kernel_set="ID_LAP", activation="linear",
                    hidden=channels, fire_rate=fire_rate, boundary="zero")
    p = _zero(cfg)
    for c in range(channels):
        p["w_hidden"][2 * c + 1, c] = d  # features are channel-major: [c·ID, c·LAP, ...]
    p["w_out"] = np.eye(channels, dtype=np.float32)
    return cfg, p


# ---------------------------------------------------------------- jobs
def test_quick_profile_jobs_share_runs_and_name_the_stability_models():
    A, _ = registry.resolve("kernels_activations", {"profile": "quick"})
    B, _ = registry.resolve("channels_sampling", {"profile": "quick"})
    ja, jb = emoji.fig8_jobs(A), emoji.fig9_jobs(B)
    assert ja.kernels["ID_DIFF_LAP"].key == ja.activations["relu"].key == jb.channels[16].key == jb.sampling[32].key
    assert len(ja.all()) == 8  # 4 kernel sets + 3 other activations + the no-noise ablation
    assert ja.no_noise.train.input_noise == 0 and ja.activations["relu"].train.input_noise == 1e-3
    stab = emoji.stability_jobs(B)
    got = {k: (j.nca.channels, j.train.t, j.nca.kernel_set) for k, j in stab.items()}
    assert got == {"C32_t32": (32, 32, "ID_DIFF_LAP"), "C16_t64": (16, 64, "ID_DIFF_LAP"),
                   "C32_t32_sym": (32, 32, "ID_LAP_AV")}
    assert all(j.nca.activation == "relu" and j.nca.fire_rate == 0.5 and j.data["copies"] == 8 for j in stab.values())
    assert stab["C32_t32"] == jb.channels[32] and stab["C16_t64"] == jb.sampling[64]
    assert stab["C32_t32_sym"] == jb.symmetric
    assert len(jb.all()) == 4 + 4 - 1 + 1  # C 4, 8, 16, 32; t 2, 8, 32, 64 (C=16 t=32 shared); the symmetric model


def test_the_grid_tier_trains_models_above_16_channels_with_the_long_recipe():
    """The grid recipe falls 1.5× behind the long one at C = 32 (benchmarks/bench_morph_ends.py), so at ``grid``
    every model with more than 16 channels is the long tier's model (the same cache key: shipped, not retrained),
    and every model with 16 or fewer keeps the grid recipe and its key."""
    from nca_core.chapters.symmetry.jobs import symmetry_jobs

    G, _ = registry.resolve("channels_sampling", {"profile": "grid"})
    L, _ = registry.resolve("channels_sampling", {"profile": "long"})
    grid, long = emoji.fig9_jobs(G), emoji.fig9_jobs(L)
    assert grid.channels[32].key == long.channels[32].key == "a2c4e7e5a0871209"
    assert grid.symmetric.key == long.symmetric.key == "4a37bc6af7d6a778"
    assert (grid.channels[32].train.epochs, grid.channels[32].train.chunk_size, grid.channels[32].train.lr) == \
        (600, 8, 5e-3)
    assert grid.channels[16].key == "9b00887d91e223cd"  # the shipped grid C = 16, t = 32 model
    for c in (4, 6, 8, 10, 12, 14, 16):
        tc = grid.channels[c].train
        assert (tc.epochs, tc.chunk_size, tc.lr, tc.lr_schedule) == (120, 2, 3e-3, "cosine"), c
    assert all(j.train.epochs == 120 for j in grid.sampling.values())
    assert emoji.stability_jobs(G)["C32_t32"] == emoji.stability_jobs(L)["C32_t32"]
    S = {p: registry.resolve("symmetry", {"profile": p})[0] for p in ("grid", "long")}
    assert {k: j.key for k, j in symmetry_jobs(S["grid"]).items()} == \
        {k: j.key for k, j in symmetry_jobs(S["long"]).items()}
    # switched off, the grid recipe trains C = 32 too (the ends check's model)
    F, _ = registry.resolve("channels_sampling", {"profile": "grid", "long_recipe_above": 0})
    fast = emoji.fig9_jobs(F)
    assert fast.channels[32].key == "ef9394d3e687ae9c" and fast.channels[32].train.epochs == 120
    assert fast.channels[16].key == grid.channels[16].key
    # the other tiers are untouched: their recipe is the same at every C
    Q, _ = registry.resolve("channels_sampling", {"profile": "quick"})
    assert {j.train.epochs for j in emoji.fig9_jobs(Q).all()} == {100}
    with pytest.raises(ValueError, match=r"long_recipe_above.*-1"):
        registry.resolve("channels_sampling", {"profile": "grid", "long_recipe_above": -1})


def test_paper_profile_jobs_are_the_authors_settings():
    A, _ = registry.resolve("kernels_activations", {"profile": "paper"})
    j = emoji.fig8_jobs(A).activations["relu"]
    assert (j.nca.channels, j.train.t, j.train.epochs, j.train.lr, j.train.chunk_size) == (16, 64, 8000, 1e-3, None)
    assert (j.train.state_reg, j.train.input_noise, j.train.augment_every) == (0.0, 1e-3, 0)
    assert j.data == job_module.emoji_spec(copies=8)


def test_schedule_arguments_keep_every_existing_key():
    """job()'s schedule arguments at their defaults change no cache key; a schedule makes a new one."""
    quick = emoji.job(16, 32, epochs=100, lr=5e-3, chunk_size=8)
    assert quick.key == "6142695078da787e"  # the shipped quick C=16 t=32 ID_DIFF_LAP relu model
    assert emoji.job(16, 32, epochs=100, lr=5e-3, chunk_size=8, lr_schedule="constant", lr_min=1e-4).key == quick.key
    assert emoji.job().key == emoji.job(lr_schedule="constant", warmup=0).key
    cos = emoji.job(16, 32, epochs=100, lr=5e-3, chunk_size=8, lr_schedule="cosine", lr_min=1e-5)
    assert cos.key != quick.key and cos.train.lr_schedule == "cosine" and cos.train.lr_min == 1e-5
    assert cos.label == quick.label + " cosine"
    assert emoji.job(16, 32, epochs=100, lr=5e-3, chunk_size=8, warmup=10).key != quick.key


def test_every_quick_profile_model_is_shipped():
    """`make book` at the quick profile loads every model of the chapter instead of training it."""
    A, _ = registry.resolve("kernels_activations", {"profile": "quick"})
    B, _ = registry.resolve("channels_sampling", {"profile": "quick"})
    root = experiments.weights_dir()
    for j in [*emoji.fig8_jobs(A).all(), *emoji.fig9_jobs(B).all()]:
        assert (root / j.key / "manifest.json").exists(), j.label


def test_stability_models_load_by_name_without_training(monkeypatch, tmp_path):
    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path))
    monkeypatch.setattr(Trainer, "fit", lambda *a, **k: pytest.fail("a shipped model was retrained"))
    models = emoji_eval.stability_models("quick", progress=False)
    assert sorted(models) == ["C16_t64", "C32_t32", "C32_t32_sym"]
    assert all(m.source == "shipped" and np.isfinite(m.result.train_loss) for m in models.values())
    assert models["C32_t32_sym"].job.nca.kernel_set == "ID_LAP_AV" and models["C16_t64"].job.train.t == 64


def test_stability_models_by_name_touch_only_those_models(monkeypatch):
    """A chapter that needs one model must not train (or wait for) the others: Fig 11 at a tier
    whose C16 t=64 model was not trained yet hung on that model."""
    asked = []
    monkeypatch.setattr(sweep, "run", lambda jobs, **kw: asked.extend(j.key for j in jobs) or
                        [SimpleNamespace(job=j) for j in jobs])
    P, _ = registry.resolve("channels_sampling", {"profile": "quick", "symmetric": False})
    wanted = emoji.stability_jobs(P)["C32_t32"]
    models = emoji_eval.stability_models("quick", progress=False, symmetric=False, names=["C32_t32"])
    assert list(models) == ["C32_t32"] and asked == [wanted.key]
    with pytest.raises(ValueError, match=r"names: \['C32_t32_sym'\].*expected some of \['C16_t64', 'C32_t32'\]"):
        emoji_eval.stability_models("quick", symmetric=False, names=["C32_t32_sym"])


@pytest.mark.parametrize("ns,needle", [({"profile": "smoke", "kernel_sets": ["ID_FOO"]}, "kernel_sets"),
                                       ({"profile": "smoke", "activations": "sigmoid"}, "activations"),
                                       ({"profile": "smoke", "channels": 3}, "channels")])
def test_bad_emoji_parameters_are_rejected(ns, needle):
    with pytest.raises(ValueError, match=needle):
        registry.resolve("kernels_activations", ns)
    with pytest.raises(ValueError, match="channel_list"):
        registry.resolve("channels_sampling", {"profile": "smoke", "channel_list": [2, 8]})


# ---------------------------------------------------------------- training
def _tiny(input_noise: float, **train):
    j = emoji.job(channels=6, t=2, epochs=3, lr=5e-3, chunk_size=3, copies=2, input_noise=input_noise)
    tc = j.train.__class__(**{**j.train.to_dict(), **train})
    return Trainer(j.nca, tc, job_module.build_data(j.data))


def test_morph_training_with_and_without_input_noise_completes_and_records():
    with_noise = _tiny(1e-3).fit(progress=False)
    without = _tiny(0.0).fit(progress=False)
    for r in (with_noise, without):
        assert len(r.loss) == 3 and np.isfinite(r.loss).all()
        assert isinstance(r.diverged, bool) and (r.diverged_epoch is None) == (not r.diverged)
    # the augmentation really reaches the inputs: the first epoch already differs
    assert with_noise.loss[0] != without.loss[0]


def test_morph_training_divergence_is_recorded_not_raised():
    r = _tiny(0.0, lr=0.9, divergence_threshold=1.5, epochs=6).fit(progress=False)
    assert r.diverged and r.diverged_epoch is not None and len(r.loss) <= 6
    assert all(np.isfinite(v).all() for v in r.params.values())


# ---------------------------------------------------------------- measures
def test_identity_model_errors_are_the_frame_distances():
    y = emoji_eval.targets()
    cfg = NCAConfig.emoji(channels=6)
    m = emoji_eval.evaluate(_fake(cfg, _zero(cfg), t=3), y, extrapolate=4, samples=2)
    assert m.steps == [0, 3, 6, 9, 12]
    expect = [np.linalg.norm(y[0] - y[k]) for k in (1, 2, 3)]
    np.testing.assert_allclose(m.errors, expect, rtol=1e-5)
    np.testing.assert_allclose(m.extrapolation_error, expect[-1], rtol=1e-5)
    assert m.diverged_at is None and m.obs.shape == (5, 80, 80, 4)
    np.testing.assert_allclose(m.obs, np.broadcast_to(y[0], m.obs.shape), atol=0.5 / 255)  # 8-bit pictures
    assert m.iou == pytest.approx(float(emoji_eval.shape_iou(y[0], y[3])))


def test_blown_up_rollout_is_marked_diverged():
    y = emoji_eval.targets()
    cfg = NCAConfig.emoji(channels=4, fire_rate=1.0)
    p = _zero(cfg)
    p["b_out"][:] = 50.0  # +50 per step: |x| > 1e3 after 20 steps
    m = emoji_eval.evaluate(_fake(cfg, p, t=4), y, extrapolate=8)
    assert m.diverged_at == 32 and np.isnan(m.obs[-1]).all() and m.extrapolation_error == np.inf
    assert np.isfinite(m.errors[:3]).all()


def _stored_fake(cfg: NCAConfig, p: dict, t: int = 2, label: str = "m") -> SimpleNamespace:
    """:func:`_fake` with what the store keys a model by (a weights hash) and a source that is shipped."""
    tr = _fake(cfg, p, t, label)
    tr.weights_hash, tr.source = "feedc0ffee00", "shipped"
    return tr


def _random_weights(cfg: NCAConfig, scale: float = 0.1) -> dict:
    rng = np.random.default_rng(1)
    return {k: rng.normal(0, scale, v.shape).astype(np.float32) for k, v in _zero(cfg).items()}


def test_evaluation_is_stored_shipped_and_loaded_without_a_rollout(dirs, monkeypatch):
    """A model's rollout measures are computed once and then loaded, from the results cache or (with it empty:
    a fresh clone) from the shipped artefacts, equal to the computed ones; a damaged shipped file is recomputed."""
    y = emoji_eval.targets()
    cfg = NCAConfig.emoji(channels=6)
    tr = _stored_fake(cfg, _random_weights(cfg), t=3)
    monkeypatch.setenv("NCA_SHIP_ARTEFACTS", "1")
    first = emoji_eval.evaluated(tr, y, extrapolate=4, samples=2)
    monkeypatch.delenv("NCA_SHIP_ARTEFACTS")
    computed = emoji_eval.evaluate(tr, y, extrapolate=4, samples=2)
    shipped = list((dirs / "artefacts" / "stability" / emoji_eval.KIND).glob("*.npz"))
    assert len(shipped) == 1 and shipped[0].stat().st_size < 200_000  # compressed, 8-bit pictures
    for f in (dirs / "results" / "stability" / emoji_eval.KIND).glob("*.npz"):
        f.unlink()  # a fresh clone: only the shipped copy
    tr.model = lambda: (_ for _ in ()).throw(AssertionError("rolled out again"))
    loaded = emoji_eval.evaluated(tr, y, extrapolate=4, samples=2)
    for m in (first, loaded):
        assert m.steps == computed.steps and m.diverged_at == computed.diverged_at
        np.testing.assert_array_equal(m.obs, computed.obs)
        np.testing.assert_array_equal(m.errors, computed.errors)
        assert (m.iou, m.detail, m.colour, m.extrapolation_error) == (
            computed.iou, computed.detail, computed.colour, computed.extrapolation_error)
    assert np.abs(computed.obs[-1] - computed.obs[0]).max() > 0.01  # the model really moved
    with pytest.raises(AssertionError, match="rolled out again"):  # other parameters: another entry
        emoji_eval.evaluated(tr, y, extrapolate=5, samples=2)
    shipped[0].write_bytes(shipped[0].read_bytes()[:-10])  # damaged: ignored, so computed again
    with pytest.raises(AssertionError, match="rolled out again"):
        emoji_eval.evaluated(tr, y, extrapolate=4, samples=2)


def test_a_diverged_rollout_is_stored_as_diverged(dirs):
    y = emoji_eval.targets()
    cfg = NCAConfig.emoji(channels=4, fire_rate=1.0)
    p = _zero(cfg)
    p["b_out"][:] = 50.0
    emoji_eval.evaluated(_stored_fake(cfg, p, t=4), y, extrapolate=8)
    tr = _stored_fake(cfg, p, t=4)
    tr.model = None  # loaded, not rolled out
    m = emoji_eval.evaluated(tr, y, extrapolate=8)
    assert m.diverged_at == 32 and np.isnan(m.obs[-1]).all() and np.isfinite(m.obs[0]).all()
    assert m.extrapolation_error == np.inf and m.colour < np.inf


def test_light_cone_is_stored_and_loaded_as_computed(dirs):
    y0 = emoji_eval.targets()[0]
    cfg, p = _diffusion(fire_rate=1.0, d=0.05)
    tr = _stored_fake(cfg, p)
    computed = emoji_eval.cone_of(tr, y0, 5)
    tr.model = None
    loaded = emoji_eval.cone_of(tr, y0, 5)
    assert set(loaded) == set(computed)
    for k, v in computed.items():
        assert np.array_equal(loaded[k], v) and type(loaded[k]) is type(v), k


def test_videos_are_stored_and_copied_without_a_rollout(dirs, monkeypatch):
    """S1–S3 are encoded once; then each is the stored file's bytes, written into the figure folder, and the
    model is not rolled out; a video whose drawing code changed is drawn again."""
    monkeypatch.setenv("NCA_FIGURE_DIR", str(dirs / "figures"))
    y0 = emoji_eval.targets()[0]  # the book's 80×80 lattice: the videos' panel labels need its width
    cfg = NCAConfig.emoji(channels=8)
    models = {"S1": _stored_fake(cfg, _random_weights(cfg), label="a"),
              "S3": _stored_fake(cfg, _random_weights(cfg, 0.2), label="b")}
    made = emoji_figs.fig8_videos(models, y0, 6)
    assert sorted(made) == ["S1", "S2", "S3"]
    first = {k: p.read_bytes() for k, p in made.items()}
    assert all(len(b) > 1000 for b in first.values())
    for p in made.values():
        p.unlink()
    for tr in models.values():
        tr.model = lambda: (_ for _ in ()).throw(AssertionError("rolled out again"))
    again = emoji_figs.fig8_videos(models, y0, 6)
    assert {k: p.read_bytes() for k, p in again.items()} == first
    monkeypatch.setattr(emoji_figs, "_drawing_code", lambda: "changed")
    with pytest.raises(AssertionError, match="rolled out again"):
        emoji_figs.fig8_videos(models, y0, 6)


def test_loss_axis_of_a_sweep_figure_starts_and_ends_at_a_label(dirs, monkeypatch):
    """Paper Fig 8 A: losses from about 11 to 45 on a log axis are labelled 10, 20, 30, 40, 50, so that the lower
    part of the axis has a label (it had none below 20)."""
    import matplotlib.pyplot as plt

    monkeypatch.setenv("NCA_FIGURE_DIR", str(dirs / "figures"))
    y = emoji_eval.targets()
    rows = {}
    for i, (label, last) in enumerate((("ID_LAP", 21.0), ("ID_DIFF_LAP", 11.0))):
        loss = np.geomspace(45.0, last, 50)
        tr = SimpleNamespace(result=SimpleNamespace(loss=loss, diverged=False))
        rows[label] = SimpleNamespace(trained=tr, morph=_morph(label, last))
    fig = emoji_figs.sweep_figure(rows, y, "A: training loss, relu", "fig8_test")
    ax = fig.axes[0]
    fig.canvas.draw()
    lo, hi = ax.get_ylim()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text() and lo <= t.get_position()[1] <= hi]
    assert (lo, hi) == (10.0, 50.0) and labels == ["10", "20", "30", "40", "50"], (lo, hi, labels)
    plt.close("all")


def test_a_sweep_figure_has_no_touching_labels_and_its_legend_off_the_loss(dirs, monkeypatch):
    """Paper Fig 9 C: losses from 54 down to 9.8 (the axis 9 to 60) were labelled at every integer multiple, '9'
    against '10' and '50' against '60', and the legend inside the panel covered the first epochs of t = 32/64.
    No two texts of the figure overlap, and the legend lies outside the loss panel."""
    import matplotlib.pyplot as plt

    from nca_core.view.ticks import overlapping_text

    monkeypatch.setenv("NCA_FIGURE_DIR", str(dirs / "figures"))
    y = emoji_eval.targets()
    rows = {}
    for t, first, last in ((2, 45.0, 35.0), (8, 40.0, 22.0), (32, 50.0, 12.0), (64, 54.0, 9.8)):
        loss = np.geomspace(first, last, 600)
        tr = SimpleNamespace(result=SimpleNamespace(loss=loss, diverged=False))
        rows[f"t = {t}"] = SimpleNamespace(trained=tr, morph=_morph(f"t = {t}", last))
    fig = emoji_figs.sweep_figure(rows, y, "C: training loss, C = 16", "fig9_test")
    ax = fig.axes[0]
    assert not overlapping_text(fig), overlapping_text(fig)
    lo, hi = ax.get_ylim()
    shown = [v for v in ax.get_yticks() if lo <= v <= hi]
    assert len(shown) >= 2 and lo <= 9.8 and hi >= 54.0, (shown, lo, hi)
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(rows)
    plt.close("all")


def test_a_sweep_figures_legend_names_a_model_trained_for_other_epochs(dirs, monkeypatch):
    """The grid tier's Fig 9 channel slice has C = 4–16 at 120 epochs and C = 32 at the long recipe's 600: the
    legend says which model differs, and only that one."""
    import matplotlib.pyplot as plt

    monkeypatch.setenv("NCA_FIGURE_DIR", str(dirs / "figures"))
    y = emoji_eval.targets()
    rows = {}
    for c, epochs in ((4, 120), (16, 120), (32, 600)):
        tr = SimpleNamespace(result=SimpleNamespace(loss=np.geomspace(40.0, 40.0 / c, epochs), diverged=False,
                                                    train_config=SimpleNamespace(epochs=epochs)))
        rows[f"C = {c}"] = SimpleNamespace(trained=tr, morph=_morph(f"C = {c}", 40.0 / c))
    fig = emoji_figs.sweep_figure(rows, y, "A: training loss, t = 32", "fig9_epochs_test")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["C = 4", "C = 16", "C = 32 (600 epochs)"]
    plt.close("all")


@pytest.mark.parametrize("n", [2, 8])
def test_the_gap_under_a_sweep_figures_loss_does_not_grow_with_its_rows(dirs, monkeypatch, n):
    """Paper Fig 9 at the paper's grid has 8 models a slice: the gap between the loss panel and the pictures was a
    fraction of the mean panel height: 1.8 in at 9 rows, 0.9 in at 3. It is SWEEP_GAP inches at any number of
    rows, and nothing in it (axis label, stencil key, column titles) overlaps."""
    import matplotlib.pyplot as plt

    from nca_core.view.ticks import overlapping_text

    monkeypatch.setenv("NCA_FIGURE_DIR", str(dirs / "figures"))
    y = emoji_eval.targets()
    rows = {}
    for i in range(n):
        label = f"ID_DIFF_LAP, C = {4 + 2 * i}"
        loss = np.geomspace(45.0, 10.0 + i, 50)
        tr = SimpleNamespace(result=SimpleNamespace(loss=loss, diverged=False))
        rows[label] = SimpleNamespace(trained=tr, morph=_morph(label, 10.0 + i))
    fig = emoji_figs.sweep_figure(rows, y, "A: training loss, relu", "fig8_gap_test")
    fig.canvas.draw()
    height = fig.get_figheight()
    loss, first = fig.axes[0].get_position(), fig.axes[1].get_position()
    gap = (loss.y0 - first.y1) * height
    assert gap == pytest.approx(emoji_figs.SWEEP_GAP, abs=0.05), gap
    assert "stencils:" in " ".join(t.get_text() for t in fig.axes[0].texts)
    assert not overlapping_text(fig), overlapping_text(fig)
    plt.close("all")


def test_box_blur_matches_direct_window_mean():
    x = np.random.default_rng(0).random((2, 9, 7, 3))
    got = emoji_eval.box_blur(x, 5)
    p = np.pad(x, [(0, 0), (2, 2), (2, 2), (0, 0)])
    want = np.array([[p[:, i:i + 5, j:j + 5].mean(axis=(1, 2)) for j in range(7)] for i in range(9)])
    want = want.transpose(2, 0, 1, 3)  # [i, j, b, c] → [b, i, j, c]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_shape_iou_and_colour_error():
    a = np.zeros((6, 6, 4))
    a[1:3, 1:3] = 1.0
    b = np.zeros((6, 6, 4))
    b[1:3, 1:4] = 1.0
    assert emoji_eval.shape_iou(a, b) == pytest.approx(4 / 6)
    assert emoji_eval.shape_iou(a, a) == 1.0
    assert emoji_eval.colour_error(a, b) == pytest.approx(2 / 6)  # 2 of the 6 opaque target pixels differ by 1 in RGB


def test_light_cone_of_diffusion_spreads_exactly_one_cell_per_step():
    y0 = emoji_eval.targets()[0]
    cfg, p = _diffusion(fire_rate=1.0, d=0.05)
    cone = emoji_eval.light_cone(_fake(cfg, p), y0, 5)
    assert cone["exact"] == 5  # the heat kernel of n Euler steps has support radius n
    assert cone["visible"] < 5 and cone["change"][cone["pixel"]] > 0.1
    assert 0 < cone["effective"] < 5  # the mass of a heat kernel is concentrated near its centre
    cfg, p = _diffusion(fire_rate=0.5)
    cone = emoji_eval.light_cone(_fake(cfg, p), y0, 5)
    assert 1 <= cone["exact"] <= 5
    cfg = NCAConfig.emoji(channels=4)
    cone = emoji_eval.light_cone(_fake(cfg, _zero(cfg)), y0, 5)  # the identity map moves nothing
    assert cone["exact"] == 0 and cone["visible"] == 0 and cone["effective"] == 0


def test_video_trajectory_equals_the_rollout():
    y0 = emoji_eval.targets()[0][20:44, 20:44]
    cfg = NCAConfig.emoji(channels=8)
    p = {k: np.random.default_rng(1).normal(0, 0.1, v.shape).astype(np.float32) for k, v in _zero(cfg).items()}
    tr = _fake(cfg, p)
    states, kept = emoji_figs.trajectory(tr, y0, 9, every=3, seed=4)
    assert kept == [0, 3, 6, 9]
    want = NCA(cfg, params=p).rollout(y0[None], 9, seed=4, every=3)[:, 0]
    np.testing.assert_allclose(states, want, atol=1e-5)
    assert np.abs(states[-1] - states[0]).max() > 1e-3  # the model really moved


def test_hidden_quadrants_place_each_channel_group():
    s = np.zeros((1, 8, 8, 16), np.float32)
    s[..., 3] = 1.0  # opaque black picture
    s[..., 4], s[..., 7] = 20.0, 20.0  # group 4–7: red, opaque
    s[..., 9], s[..., 11] = 20.0, 20.0  # group 8–11: green, opaque
    s[..., 14], s[..., 15] = 20.0, 20.0  # group 12–15: blue, opaque
    q = hidden_quadrants(s)[0]
    assert q.shape == (16, 16, 3)
    np.testing.assert_allclose(q[:8, :8], 0.0)
    np.testing.assert_allclose(q[:8, 8:], np.broadcast_to([1, 0.5, 0.5], (8, 8, 3)), atol=1e-6)
    np.testing.assert_allclose(q[8:, :8], np.broadcast_to([0.5, 1, 0.5], (8, 8, 3)), atol=1e-6)
    np.testing.assert_allclose(q[8:, 8:], np.broadcast_to([0.5, 0.5, 1], (8, 8, 3)), atol=1e-6)


# ---------------------------------------------------------------- claims
def _morph(label: str, loss: float, iou: float = 0.8, detail: float = 10.0, t: int = 32, diverged: bool = False,
           colour: float = 0.05) -> emoji_eval.Morph:
    return emoji_eval.Morph(label=label, t=t, steps=[0, t, 2 * t, 3 * t, 8 * t], obs=np.zeros((5, 2, 2, 4)),
                            errors=np.array([loss, loss, loss]), extrapolation_error=loss, iou=iou,
                            detail=detail, colour=colour, diverged_at=None, train_loss=loss,
                            training_diverged=diverged)


def test_fig8_claim_verdicts_follow_the_numbers():
    kern = {"ID_LAP": _morph("a", 20), "ID_LAP_AV": _morph("b", 21), "ID_DIFF": _morph("c", 15),
            "ID_DIFF_LAP": _morph("d", 12)}
    acts = {"relu": _morph("x relu", 12), "linear": _morph("x linear", 25, iou=0.6, detail=14),
            "tanh": _morph("x tanh", 13, detail=11)}
    c = emoji_claims.fig8_claims(kern, acts, _morph("nn", 30, diverged=True), acts["relu"])
    assert [x.verdict for x in c] == [True, True, True, True]
    kern["ID_LAP"] = _morph("a", 14)  # a symmetric set beats a gradient set
    acts["tanh"] = _morph("x tanh", 11)  # relu no longer best
    acts["linear"] = _morph("x linear", 25, iou=0.3)  # shape lost
    c = emoji_claims.fig8_claims(kern, acts, _morph("nn", 30), acts["relu"])
    assert [x.verdict for x in c] == [False, False, False, False]
    c = emoji_claims.fig8_claims({"ID_LAP": kern["ID_LAP"]}, {"relu": acts["relu"]})
    assert [x.verdict for x in c] == [None, None, None]


def test_fig9_claim_verdicts_follow_the_numbers():
    y = emoji_eval.targets()
    good = {4: _morph("4", 30), 8: _morph("8", 25), 16: _morph("16", 20), 32: _morph("32", 15)}
    assert emoji_claims.fig9_channel_claims(good)[0].verdict is True
    bad = {**good, 32: _morph("32", 22)}
    assert emoji_claims.fig9_channel_claims(bad)[0].verdict is False
    assert emoji_claims.fig9_channel_claims({4: good[4], 8: good[8]})[0].verdict is None
    samp = {8: _morph("8", 20, iou=0.7, detail=12, t=8), 32: _morph("32", 15, detail=9)}
    cone = {"pixel": (40, 40), "exact": 14, "visible": 3, "effective": 7, "steps": 16}
    assert [c.verdict for c in emoji_claims.fig9_sampling_claims(samp, y, cone)] == [True, True]
    samp[8] = _morph("8", 20, iou=0.2, detail=12, t=8)
    cone["effective"] = 15  # the change spread far beyond the effective range
    assert [c.verdict for c in emoji_claims.fig9_sampling_claims(samp, y, cone)] == [False, False]
    assert [c.verdict for c in emoji_claims.fig9_sampling_claims({32: samp[32]}, y, None)] == [None, None]
    locality = emoji_claims.fig9_sampling_claims(samp, y, cone)[1].text
    assert "fire rate f = ½" in locality and "p = " not in locality  # the book's notation (book/model.md)


def test_mirror_difference_of_a_symmetric_picture_and_of_the_alien():
    from nca_core.chapters.morph.measure import mirror_difference, targets

    x = np.zeros((8, 8, 4), np.float32)
    x[2:6, 1:7] = [0.2, 0.4, 0.6, 1.0]
    assert mirror_difference(x) == {"largest": 0.0, "pixels": 0, "visible": 24}
    x[2, 1, 3] = 0.5  # one pixel half transparent: it and its mirror differ by 0.5
    assert mirror_difference(x) == {"largest": 0.5, "pixels": 2, "visible": 24}
    alien = mirror_difference(targets()[0])  # the data's alien is not exactly symmetric
    assert alien["largest"] > 0.5 and 0 < alien["pixels"] < alien["visible"]
