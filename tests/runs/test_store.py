"""The stability chapters' array cache and its shipped copies (``artefacts/``): found, shipped only from
shipped models, a damaged shipped file ignored and recomputed; and the shipped arrays of the repository
are intact, belong to shipped models, and are what the stability chapters load at the long profile."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.runs import store

ROOT = Path(__file__).resolve().parents[2]


def _trained(source: str = "shipped") -> SimpleNamespace:
    return SimpleNamespace(source=source, job=SimpleNamespace(key="0123456789abcdef", label="C=4 t=2"),
                           weights_hash="fedcba987654")


def _arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"counts": rng.integers(0, 50, (2, 9)), "x": rng.random((3, 8, 8, 4)).astype(np.float32)}


def _same(found, arrays) -> bool:
    return found is not None and set(found[0]) == set(arrays) and all(
        np.array_equal(found[0][k], v) and found[0][k].dtype == v.dtype for k, v in arrays.items())


def test_saved_arrays_load_back_and_nothing_is_shipped_without_the_flag(dirs):
    k = store.key("model", "weights", {"stride": 4})
    assert store.load("local", k) is None
    store.save("local", k, _arrays(), {"seconds": 2.5}, _trained())
    found = store.load("local", k, _trained())
    assert _same(found, _arrays()) and found[1] == {"seconds": 2.5}
    assert not (dirs / "artefacts").exists()


def test_shipped_copy_is_found_without_the_cache(dirs, monkeypatch):
    monkeypatch.setenv(store.SHIP_ENV, "1")
    k = store.key("model", "weights", {"stride": 4})
    store.save("local", k, _arrays(), {"seconds": 2.5}, _trained())
    shipped = dirs / "artefacts" / "stability" / "local" / f"{k}.npz"
    manifest = store.shipped()
    assert [m["path"] for m in manifest] == [shipped]
    assert manifest[0]["sha256"] == hashlib.sha256(shipped.read_bytes()).hexdigest()
    assert (manifest[0]["model_key"], manifest[0]["weights"], manifest[0]["kind"]) == (
        "0123456789abcdef", "fedcba987654", "local")
    assert shipped.stat().st_size < store.path("local", k).stat().st_size  # compressed
    store.path("local", k).unlink()
    assert _same(store.load("local", k), _arrays())  # from artefacts/, the cache being empty


def test_a_result_found_in_the_cache_is_shipped_by_a_shipping_run(dirs, monkeypatch):
    k = store.key("adversarial", 1)
    store.save("adversarial", k, _arrays(), {"frames": [0, 96]}, _trained())
    assert store.shipped() == []
    monkeypatch.setenv(store.SHIP_ENV, "1")
    store.load("adversarial", k, _trained())
    assert [m["key"] for m in store.shipped()] == [k]


def test_results_of_models_that_are_not_shipped_are_not_shipped(dirs, monkeypatch):
    monkeypatch.setenv(store.SHIP_ENV, "1")
    for source in ("cache", "trained"):
        k = store.key(source)
        store.save("local", k, _arrays(), {}, _trained(source))
        assert store.ship("local", k, _trained(source)) is None
    assert store.shipped() == []


def test_a_cached_model_is_shipped_when_its_shipped_folder_holds_the_same_weights(dirs, monkeypatch):
    """A model shipped by the run that trained it is found in the results cache first (source "cache"): its
    results are shipped if ``weights/<key>`` holds the same weights, and not if the weights differ."""
    import json

    monkeypatch.setenv(store.SHIP_ENV, "1")
    cached = dirs / "results" / "models" / "0123456789abcdef"
    shipped = dirs / "weights" / "0123456789abcdef"
    model = SimpleNamespace(**vars(_trained("cache")), path=cached)
    k = store.key("cached and shipped")
    store.save("regimes", k, _arrays(), {}, model)
    assert store.shipped() == []  # no shipped folder: a fresh clone lacks the model
    for folder, sha in ((cached, "aa" * 32), (shipped, "bb" * 32)):
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text(json.dumps({"weights.npz": sha}))
    assert store.ship("regimes", k, model) is None  # other weights under the same key
    (shipped / "manifest.json").write_text(json.dumps({"weights.npz": "aa" * 32}))
    assert store.ship("regimes", k, model) is not None
    assert [m["key"] for m in store.shipped()] == [k]


@pytest.mark.parametrize("damage", ["flip", "truncate", "manifest"])
def test_a_damaged_shipped_file_is_ignored_and_recomputed(dirs, monkeypatch, damage):
    monkeypatch.setenv(store.SHIP_ENV, "1")
    k = store.key("damaged", damage)
    store.save("local", k, _arrays(), {}, _trained())
    store.path("local", k).unlink()
    shipped = store.shipped_path("local", k)
    data = bytearray(shipped.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
        shipped.write_bytes(bytes(data))
    elif damage == "truncate":
        shipped.write_bytes(bytes(data[:100]))
    else:
        shipped.with_suffix(".json").write_text("{")
    assert not store.shipped_intact("local", k) and store.load("local", k) is None
    monkeypatch.delenv(store.SHIP_ENV)
    store.save("local", k, _arrays(), {}, _trained())  # what a chapter does when load gives None
    assert _same(store.load("local", k), _arrays())


# ---------------------------------------------------------------- the repository's shipped arrays
SHIPPED = store.shipped()


def test_the_repository_ships_the_stability_arrays():
    assert {m["kind"] for m in SHIPPED} >= {"local", "adversarial", "adversarial_eval", "symmetry", "between_frames",
                                           "read_back", "read_back_control", "morph", "morph_cone", "morph_video"}


@pytest.mark.parametrize("m", SHIPPED, ids=[f"{m['kind']}-{m['key']}" for m in SHIPPED])
def test_each_shipped_array_file_is_intact_and_belongs_to_a_shipped_model(m):
    assert store.shipped_intact(m["kind"], m["key"])
    if m["model_key"] is None:  # computed from no model (store.NO_MODEL): nothing it could be an orphan of
        assert m["weights"] is None
        return
    weights = ROOT / "weights" / m["model_key"] / "weights.npz"
    assert weights.exists(), f"{m['label']}: its model {m['model_key']} is not shipped (an orphan: delete it)"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
    assert digest == m["weights"], f"{m['label']}: shipped for other weights than weights/{m['model_key']}"


def test_the_readme_lists_every_shipped_array_file():
    text = (ROOT / "artefacts" / "README.md").read_text()
    assert all(m["key"] in text for m in SHIPPED)


@pytest.fixture()
def empty_cache(tmp_path, monkeypatch):
    """The real shipped weights and artefacts, an empty results cache: a fresh clone."""
    for name in ("NCA_WEIGHTS_DIR", "NCA_ARTEFACTS_DIR", store.SHIP_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path / "results"))
    return tmp_path / "results"


def test_fig10_maps_at_the_long_profile_are_loaded_not_computed(empty_cache):
    from nca_core.book import registry
    from nca_core.chapters.local import measure

    P, _ = registry.resolve("local_stability", {"profile": "long", "timing_pixels": 0})
    R = measure.run_fig10(P)
    assert R.maps and all(m.cached for m in R.maps.values())
    assert not (empty_cache / "stability").exists()


def test_fig11_states_at_the_long_profile_are_loaded_not_computed(empty_cache):
    from nca_core.book import registry
    from nca_core.chapters.adversarial import measure

    P, _ = registry.resolve("adversarial_stability", {"profile": "long"})
    R, _ = measure.run_fig11(P)
    assert R.cached and R.states.size and R.path
    assert not (empty_cache / "stability").exists()  # neither the search nor its evaluation was run


def test_fig12_errors_at_the_long_profile_are_loaded_not_computed(empty_cache, monkeypatch):
    from nca_core.book import registry
    from nca_core.chapters.symmetry import measure

    def no_rollouts(*a, **k):
        raise AssertionError("a shipped model's Fig 12 numbers were computed again")

    monkeypatch.setattr(measure, "errors", no_rollouts)
    monkeypatch.setattr(measure, "equivariance_error", no_rollouts)
    P, _ = registry.resolve("symmetry", {"profile": "long"})
    R = measure.run_fig12(P, progress=False)
    assert R.finals.shape[:2] == (4, len(R.names)) and len(R.equivariance) == 4
    assert not (empty_cache / "stability").exists()


def test_between_frames_and_read_back_at_the_long_profile_are_loaded_not_computed(empty_cache, monkeypatch):
    from nca_core.book import registry
    from nca_core.chapters.between_frames import measure as between
    from nca_core.chapters.read_back import measure as read_back

    def no_computation(*a, **k):
        raise AssertionError("a shipped model's numbers were computed again")

    for module, names in ((between, ("track", "snapshots")), (read_back, ("strong", "weak", "fit_gray_scott"))):
        for name in names:
            monkeypatch.setattr(module, name, no_computation)
    monkeypatch.setattr(between.pde, "solve", no_computation)  # the PDE module both use: nothing solved either
    P, _ = registry.resolve("between_frames", {"profile": "long"})
    R = between.run(P)
    assert sorted(R.test) == [4, 6, 16, 32] and all(R.snapshots[t] for t in R.test)
    P, _ = registry.resolve("read_back", {"profile": "long"})
    B = read_back.run(P)
    assert sorted(B.strong) == [4, 6, 16, 32] and "true PDE" in B.ends and B.ends["true PDE"].ndim == 2
    assert not (empty_cache / "stability").exists()


def test_morph_rollouts_light_cone_and_videos_at_the_long_profile_are_loaded_not_computed(empty_cache, monkeypatch):
    """Figs 8 and 9 and videos S1–S3 at the profile make book shows: every rollout measure, the light cone and the
    three videos come from the shipped artefacts; no model is rolled out."""
    from nca_core.book import registry
    from nca_core.chapters.morph import figures, measure

    def no_rollouts(*a, **k):
        raise AssertionError("a shipped model's morph-task numbers were computed again")

    for module, name in ((measure, "_measured"), (measure, "light_cone"), (figures, "write_video")):
        monkeypatch.setattr(module, name, no_rollouts)
    monkeypatch.setenv("NCA_FIGURE_DIR", str(empty_cache.parent / "figures"))
    P, _ = registry.resolve("kernels_activations", {"profile": "long"})
    R = measure.run_fig8(P)
    assert len(R.runs()) == 8 and all(r.morph.obs.shape[1:] == (80, 80, 4) for r in R.runs())
    videos = figures.fig8_videos(R.video_models(), R.targets[0], P.extrapolate * P.t, P.video_every)
    assert sorted(videos) == ["S1", "S2", "S3"] and all(p.stat().st_size > 100_000 for p in videos.values())
    P, _ = registry.resolve("channels_sampling", {"profile": "long"})
    R = measure.run_fig9(P)
    assert len(R.runs()) == 8 and R.cone is not None and R.cone["change"].shape == (80, 80)
    assert not (empty_cache / "stability").exists()
