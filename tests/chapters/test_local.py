"""Fig 10: shared-mask rollouts, one-pixel perturbation maps (batched = one by one, exact counts on
the linear diffusion NCA), the map cache and the claim logic."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.book import registry
from nca_core.chapters.local import claims
from nca_core.chapters.local import measure as local
from nca_core.chapters.local.measure import LocalMap, LocalResults
from nca_core.core.config import NCAConfig
from nca_core.core.masks import Rollouts
from nca_core.core.model import NCA


def _random(channels: int = 6, fire_rate: float = 0.5, dtype: str = "float32", seed: int = 0) -> NCA:
    """A small relu NCA with random weights (its output layer not zero, so it changes the state)."""
    cfg = NCAConfig(channels=channels, observable=4, kernel_set="ID_DIFF_LAP", activation="relu",
                    fire_rate=fire_rate, dtype=dtype)
    rng = np.random.default_rng(seed)
    p = {"w_hidden": rng.normal(0, 0.4, (cfg.n_features, cfg.hidden)), "w_out": rng.normal(0, 0.25,
         (cfg.hidden, cfg.channels)), "b_out": rng.normal(0, 0.02, cfg.channels)}
    return NCA(cfg, params={k: v.astype(dtype) for k, v in p.items()})


def _diffusion(d: float = 0.2) -> NCA:
    """The linear ID_LAP NCA that is one Euler step of u_t = d·Δu per channel (zero boundary, deterministic)."""
    cfg = NCAConfig(channels=4, observable=4, kernel_set="ID_LAP", activation="linear", hidden=4, fire_rate=1.0,
                    boundary="zero", dtype="float64")
    p = {"w_hidden": np.zeros((8, 4)), "w_out": np.eye(4), "b_out": np.zeros(4)}
    for c in range(4):
        p["w_hidden"][2 * c + 1, c] = d  # features are channel-major: [c·ID, c·LAP, ...]
    return NCA(cfg, params=p)


def _heat(shape: tuple[int, int], where: tuple[int, int], steps: int, d: float = 0.2) -> np.ndarray:
    """(I + d·L)ⁿ e_p in NumPy: the 9-point Laplacian with zero ghost cells, applied n times."""
    lap = np.array([[0.25, 0.5, 0.25], [0.5, -3.0, 0.5], [0.25, 0.5, 0.25]])
    u = np.zeros(shape)
    u[where] = 1.0
    for _ in range(steps):
        p = np.pad(u, 1)
        u = u + d * sum(lap[a, b] * p[a:a + shape[0], b:b + shape[1]] for a in range(3) for b in range(3))
    return u


# ------------------------------------------------------------ masks
def test_shared_masks_do_not_depend_on_batch_size_or_on_splitting_the_rollout():
    model = _random()
    r = Rollouts(model)
    m = r.masks(7, seed=3, size=(12, 12))
    assert m.shape == (7, 1, 12, 12, 1) and set(np.unique(m.numpy())) <= {0.0, 1.0}
    assert 0.3 < float(np.mean(m)) < 0.7
    x = np.random.default_rng(0).random((3, 12, 12, 4)).astype(np.float32)
    split = r.run(x, [3, 7], masks=m)
    whole = r.run(x, [7], masks=m)[0]
    np.testing.assert_array_equal(split[1], whole)
    np.testing.assert_allclose(r.run(x[1:2], [7], masks=m)[0, 0], whole[1], atol=1e-6)
    # NCA.step with the same explicit masks: the same states
    y = model.prepare_state(x[:1]).numpy()
    for i in range(7):
        y = model.step(y, mask=m[i].numpy())
    np.testing.assert_allclose(y[0], whole[0], atol=1e-5)
    assert r.run(x, [2], masks=m, keep=4).shape == (1, 3, 12, 12, 4)
    with pytest.raises(ValueError, match="exactly one"):
        r.run(x, [2])
    with pytest.raises(ValueError, match="frames"):
        r.run(x, [8], masks=m)


# ------------------------------------------------------------ pixels
def test_locations_cover_the_image_region_centred():
    where, grid = local.locations(4)
    assert grid == (15, 15) and where.shape == (225, 2)
    assert where.min() == 11 and where.max() == 67  # 10 + 1 … 10 + 57: a margin of 1 and 2
    where, grid = local.locations(1)
    assert grid == (60, 60) and where.min() == 10 and where.max() == 69
    with pytest.raises(ValueError, match="stride"):
        local.locations(0)


def test_perturbations_change_one_pixel_of_the_observable_channels():
    x0 = np.full((5, 5, 6), 0.25)
    x = local.perturb(x0, np.array([[1, 2], [3, 3]]), "invert")
    assert x.shape == (2, 5, 5, 6)
    np.testing.assert_array_equal(x[0, 1, 2], [0.75] * 4 + [0.25] * 2)
    assert (x[0] != x0).sum() == 4 and (x[1] != x0).sum() == 4
    assert np.all(local.perturb(x0, np.array([1, 2]), "zero")[0, 1, 2, :4] == 0)
    assert np.all(local.perturb(x0, np.array([1, 2]), "one")[0, 1, 2, :4] == 1)
    with pytest.raises(ValueError, match="perturbation"):
        local.perturb(x0, np.array([1, 2]), "flip")


def test_footprint_of_the_linear_diffusion_nca_is_the_heat_kernel_above_the_threshold():
    model, steps, size = _diffusion(), 6, (20, 20)
    x0 = np.zeros(size + (4,))
    where = np.array([[10, 10], [0, 0], [4, 15]])
    for threshold in (0.01, 0.03, 0.1):
        counts, far = local.footprints(model, x0, steps, where, "one", threshold, batch_size=2)
        want = [(_heat(size, tuple(p), steps) > threshold).sum() for p in where]
        assert counts[0].tolist() == want
    # linear and deterministic: the footprint does not depend on the state it perturbs
    x1 = np.random.default_rng(1).random(size + (4,))
    c1, f1 = local.footprints(model, x1, steps, where, "zero", 0.03, batch_size=3)
    delta = x1[where[:, 0], where[:, 1]].max(-1)  # the size of each zeroing
    want = [(_heat(size, tuple(p), steps) * dv > 0.03).sum() for p, dv in zip(where, delta)]
    assert c1[0].tolist() == want
    ii, jj = np.indices(size)
    for k, p in enumerate(where):
        ch = _heat(size, tuple(p), steps) * delta[k] > 0.03
        assert f1[0, k] == (np.maximum(np.abs(ii - p[0]), np.abs(jj - p[1]))[ch].max() if ch.any() else -1)
    assert (f1 > 0).any()
    # the unperturbed picture: nothing changes, reach −1
    c0, f0 = local.footprints(model, x0, steps, where, "zero", 0.1)
    assert not c0.any() and (f0 == -1).all()


def test_batched_and_one_by_one_maps_agree_exactly_with_common_masks():
    model, steps = _random(seed=2), 8
    x0 = np.random.default_rng(4).random((14, 14, 4)).astype(np.float32)
    where = np.array([[i, j] for i in range(3, 11, 2) for j in range(3, 11, 2)])
    counts, far = local.footprints(model, x0, steps, where, "invert", 0.1, masks=2, batch_size=5, seed=7)
    assert counts.shape == far.shape == (2, len(where)) and counts.any()
    one = np.stack([local.footprints(model, x0, steps, where[k:k + 1], "invert", 0.1, masks=2, batch_size=1,
                                     seed=7)[0][:, 0] for k in range(len(where))], 1)
    np.testing.assert_array_equal(one, counts)
    # and by hand: NCA.step with the shared masks, one pixel at a time
    m = Rollouts(model).masks(steps, local.store.seed_of(7, 0), (14, 14)).numpy()

    def final(x):
        x = model.prepare_state(x[None]).numpy()
        for i in range(steps):
            x = model.step(x, mask=m[i])
        return x[0]

    ref = final(x0)
    by_hand = [int(local.changed(final(x), ref).sum()) for x in local.perturb(x0, where, "invert")]
    assert by_hand == counts[0].tolist()
    t = local.timing(model, x0, steps, where[:3], "invert", 0.1, seed=7)
    assert t["agree"] and t["batched_counts"] == counts[0, :3].tolist() and t["ms_single"] > 0


def test_independent_masks_give_a_noise_floor():
    model = _random(seed=2)
    x0 = np.random.default_rng(4).random((14, 14, 4)).astype(np.float32)
    counts, pixel_share = local.noise_floor(model, x0, 8, pairs=3)
    assert counts.shape == (3,) and counts.max() > 0 and pixel_share.shape == (14, 14)
    assert np.isclose(pixel_share.sum() * 3, counts.sum())
    shared, _ = local.footprints(model, x0, 8, np.array([[7, 7]]), common=True)
    own, _ = local.footprints(model, x0, 8, np.array([[7, 7]]), common=False)
    assert own[0, 0] > shared[0, 0]  # independent masks add the mask noise to the footprint


# ------------------------------------------------------------ cache
def _fake_trained(model: NCA, t: int = 2) -> SimpleNamespace:
    job = SimpleNamespace(key="fake", label=f"C=6 t={t}", train=SimpleNamespace(t=t))
    return SimpleNamespace(job=job, weights_hash="0123", model=lambda: model)


def test_local_map_is_cached_and_keyed_by_its_parameters(dirs):
    P, _ = registry.resolve("local_stability", {"profile": "smoke", "stride": 30, "timing_pixels": 0})
    tr = _fake_trained(_random(seed=5))
    x0 = np.random.default_rng(0).random((80, 80, 4)).astype(np.float32)
    a = local.local_map("C32_t32", tr, x0, P, progress=False)
    assert not a.cached and a.counts.shape == (P.masks, 4) and a.grid.shape == (2, 2)
    assert a.examples.shape[1:] == (80, 80, 4) and len(a.example_index) == len(a.examples) <= P.examples
    assert list(a.mean_counts[a.example_index]) == sorted(a.mean_counts[a.example_index], reverse=True)
    b = local.local_map("C32_t32", tr, x0, P, progress=False)
    assert b.cached and b.seconds == a.seconds
    np.testing.assert_array_equal(a.counts, b.counts)
    P2, _ = registry.resolve("local_stability", {"profile": "smoke", "stride": 30, "timing_pixels": 0,
                                                 "perturbation": "zero"})
    assert not local.local_map("C32_t32", tr, x0, P2, progress=False).cached
    assert len(list((dirs / "results" / "stability" / "local").glob("*.npz"))) == 2


@pytest.mark.parametrize("name,value", [("stride", 61), ("perturbation", "flip"), ("masks", 0),
                                        ("common_masks", "sometimes"), ("batch_size", 0), ("threshold", 2)])
def test_bad_parameters_are_rejected_naming_them(name, value):
    with pytest.raises(ValueError, match=name):
        registry.resolve("local_stability", {"profile": "smoke", name: value})


# ------------------------------------------------------------ claims
def _map(label: str, t: int, counts: list[int], reach: list[int], noise: list[int]) -> LocalMap:
    n = len(counts)
    return LocalMap(name=label, label=label, t=t, steps=3 * t, fire_rate=0.5, locations=np.zeros((n, 2), int),
                    grid_shape=(1, n), counts=np.array([counts]), reach=np.array([reach]),
                    noise_counts=np.array(noise), noise_map=np.zeros((80, 80)), reference=np.zeros((80, 80, 4)),
                    examples=np.zeros((0, 80, 80, 4)), example_index=np.zeros(0, int), seconds=1.0, cached=False)


def test_fig10_claims_from_the_numbers():
    P = SimpleNamespace(common_masks=True, threshold=0.1)
    a = _map("A", 32, [10, 20, 30, 40], [3, 5, 8, 60], [1, 2])  # 3 of 4 within 48: not "mostly"
    b = _map("B", 64, [50, 60, 70, 80], [10, 12, 20, 30], [2, 3])
    rows = claims.fig10(LocalResults({"C32_t32": a, "C16_t64": b}, {}, np.zeros((80, 80, 4)), P))
    assert [c.verdict for c in rows] == [True, False, True]
    assert "mean 25.0, median 25.0 (median reach 6 cells)" in rows[0].evidence and "75.0% within" in rows[1].evidence
    a.reach[0, 3] = 40
    b.noise_counts = np.array([30, 40])  # half the mean footprint: not absorbed
    rows = claims.fig10(LocalResults({"C32_t32": b, "C16_t64": a}, {}, np.zeros((80, 80, 4)), P))
    assert [c.verdict for c in rows] == [None, True, False]  # the first model must have the smaller t
    P.common_masks = False
    rows = claims.fig10(LocalResults({"C32_t32": a, "C16_t64": b}, {}, np.zeros((80, 80, 4)), P))
    assert [c.verdict for c in rows] == [True, None, None] and "noise floor" in rows[0].evidence


# ------------------------------------------------------------ figures
def _job(channels: int, t: int, kernels: str = "ID_DIFF_LAP", schedule: str = "cosine"):
    return SimpleNamespace(nca=SimpleNamespace(channels=channels, kernel_set=kernels, activation="relu"),
                           train=SimpleNamespace(t=t, lr_schedule=schedule))


def test_the_maps_models_are_named_in_words_with_their_codes_keyed():
    from nca_core.chapters.local.figures import model_words

    own, common = model_words({"C32_t32": _job(32, 32), "C16_t64": _job(16, 64)})
    assert own == {"C32_t32": "C = 32 channels, t = 32", "C16_t64": "C = 16 channels, t = 64"}
    assert common == ("Both models: ID_DIFF_LAP kernels, relu, cosine learning-rate schedule\n"
                      "kernels: ID identity · DIFF Sobel x and y (gradients) · LAP Laplacian")
    own, common = model_words({"a": _job(32, 32, schedule="constant"), "b": _job(32, 32, "ID_LAP_AV", "constant")})
    assert own == {"a": "C = 32 channels, t = 32, ID_DIFF_LAP kernels",
                   "b": "C = 32 channels, t = 32, ID_LAP_AV kernels"}  # what differs goes to each model
    assert common.startswith("Both models: relu, constant learning rate\nkernels: ID identity · DIFF")
    assert "AV neighbour average" in common


def test_fig10_titles_say_the_models_in_words_and_no_text_overlaps(dirs, monkeypatch):
    """The maps were titled with the job labels ('C=32 t=32 ID_DIFF_LAP relu cosine'), codes keyed nowhere on the
    page; now in words, the shared settings and the kernel key in one title above, no text over another."""
    import matplotlib.pyplot as plt

    from nca_core.chapters.local import figures
    from nca_core.view.ticks import overlapping_text

    monkeypatch.setenv("NCA_FIGURE_DIR", str(dirs / "figures"))
    maps = {}
    for name, t in (("C32_t32", 32), ("C16_t64", 64)):
        m = _map("C=%d t=%d ID_DIFF_LAP relu cosine" % (32 if t == 32 else 16, t), t, [1, 5, 9, 2], [1, 2, 3, 1], [1])
        m.name, m.locations, m.grid_shape = name, np.array([[30, 30], [30, 34], [34, 30], [34, 34]]), (2, 2)
        m.examples, m.example_index = np.zeros((2, 80, 80, 4)), np.array([2, 1])
        m.counts = np.array([[1, 5, 9, 2]])
        maps[name] = m
    trained = {"C32_t32": SimpleNamespace(job=_job(32, 32)), "C16_t64": SimpleNamespace(job=_job(16, 64))}
    R = LocalResults(maps, trained, np.zeros((80, 80, 4)), SimpleNamespace(threshold=0.1))
    for fig in (figures.fig10(R), figures.fig10_footprints(R)):
        texts = [t.get_text() for t in fig.findobj(plt.Text) if t.get_text()]
        assert not [s for s in texts if "C=" in s or "relu cosine" in s], texts
        assert not overlapping_text(fig), overlapping_text(fig)
    assert fig.axes[0].get_legend_handles_labels()[1][:2] == ["C = 32 channels, t = 32", "C = 16 channels, t = 64"]
    fig = figures.fig10(R)
    assert fig.axes[0].get_title().startswith("A: C = 32 channels, t = 32\npixels changed (> 0.1) at n = 3t = 96")
    assert fig._suptitle.get_text().startswith("Both models: ID_DIFF_LAP kernels")
    plt.close("all")
