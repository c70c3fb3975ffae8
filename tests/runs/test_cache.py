"""Results cache: train once, find again, detect damage, shipped weights, configuration keys."""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.chapters.gray_scott.jobs import job
from nca_core.runs import cache as experiments
from nca_core.runs import job as job_module


def small_job(seed=0):
    # the paper's Gray-Scott run, cut to 1 epoch at t=32 (2 chunks of 64)
    return job(t=32, seed=seed, epochs=1)


def test_second_run_trains_nothing(dirs, monkeypatch):
    first = experiments.train_or_load(small_job(), progress=False)
    assert first.source == "trained"
    calls = []
    monkeypatch.setattr(experiments.Trainer, "fit", lambda *a, **k: calls.append(1))
    second = experiments.train_or_load(small_job(), progress=False)
    assert second.source == "cache" and calls == []
    for k in first.result.params:
        np.testing.assert_array_equal(first.result.params[k], second.result.params[k])


def test_truncated_cache_file_is_detected_and_recomputed(dirs):
    first = experiments.train_or_load(small_job(), progress=False)
    w = first.path / "weights.npz"
    w.write_bytes(w.read_bytes()[:50])  # truncated
    again = experiments.train_or_load(small_job(), progress=False)
    assert again.source == "trained"
    for k in first.result.params:
        np.testing.assert_array_equal(first.result.params[k], again.result.params[k])


def test_shipped_weights_are_used_and_retrain_ignores_them(dirs):
    tr = experiments.train_or_load(small_job(), progress=False)
    (dest,) = experiments.ship([tr])
    assert dest.parent == dirs / "weights"
    import shutil

    shutil.rmtree(dirs / "results")
    found = experiments.train_or_load(small_job(), progress=False)
    assert found.source == "shipped"
    assert experiments.train_or_load(small_job(), retrain=True, progress=False).source == "trained"


def test_different_configuration_different_key():
    assert small_job(0).key != small_job(1).key
    assert job(t=16, seed=0, epochs=1).key != small_job(0).key
    assert job(t=32, seed=0, epochs=1, noise=0.1).key != small_job(0).key
    assert small_job(0).key == small_job(0).key


def test_emoji_data_spec_builds_the_morph_trajectories():
    spec = job_module.emoji_spec(copies=3, seed=1)
    y = job_module.build_data(spec)
    assert y.shape == (4, 3, 80, 80, 4)
    np.testing.assert_array_equal(y[2], y[3])  # rooster twice: the last transition is a fixed point
    assert job_module.build_data(spec).tobytes() == y.tobytes()  # seeded
    with pytest.raises(ValueError, match="names"):
        job_module.emoji_spec(names=("alien", "lizard"))
    with pytest.raises(ValueError, match="kind"):
        job_module.build_data({"kind": "weather"})
