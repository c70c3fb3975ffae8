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


def test_shipping_the_same_model_again_keeps_the_shipped_folder(dirs):
    """A model shipped once is not rewritten by a notebook that names it differently (same key, same weights);
    a retrained model with other weights under the key replaces it."""
    import dataclasses
    import json

    tr = experiments.train_or_load(small_job(), progress=False)
    (dest,) = experiments.ship([tr])
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    renamed = dataclasses.replace(tr, job=dataclasses.replace(tr.job, label="published t=32 seed=0"))
    experiments.ship([renamed])
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before
    other = experiments.train_or_load(small_job(), retrain=True, progress=False)
    other.result.params["b_out"][:] += 1.0  # other weights under the same key
    other.result.save(other.path)
    experiments.ship([dataclasses.replace(other, job=renamed.job)])
    assert json.loads((dest / "job.json").read_text())["label"] == "published t=32 seed=0"


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


# ------------------------------------------------------------------ selection rules
def test_a_selection_rule_is_part_of_the_key_only_when_set():
    import dataclasses

    plain = small_job()
    ruled = dataclasses.replace(plain, select="nca_core.chapters.gray_scott.quality:select_validated", select_every=1)
    assert ruled.key != plain.key
    assert dataclasses.replace(ruled, select_every=2).key != ruled.key
    assert dataclasses.replace(ruled, select="", select_every=0).key == plain.key  # old keys stay valid
    with pytest.raises(ValueError, match="select='no colon'"):
        dataclasses.replace(plain, select="no colon", select_every=1)
    with pytest.raises(ValueError, match="select_every=3 is not accepted without select"):
        dataclasses.replace(plain, select_every=3)
    with pytest.raises(ValueError, match="select_every"):
        dataclasses.replace(plain, select="a.b:c", select_every=0)
    with pytest.raises(ValueError, match="select='nca_core.nowhere:f'"):
        job_module.selection_rule("nca_core.nowhere:f")


def test_train_or_load_applies_the_rule_keeps_its_choice_and_ships_it(dirs, monkeypatch):
    import dataclasses

    seen = {}

    def rule(j, result):  # keeps the snapshot of epoch 1 and says so
        seen["snapshots"] = sorted(result.snapshots)
        return dataclasses.replace(result, params=dict(result.snapshots[1]), best_epoch=0,
                                   extra={**result.extra, "selection": {"epoch": 1}})

    monkeypatch.setattr(experiments, "selection_rule", lambda path: rule)
    j = dataclasses.replace(job(t=32, seed=0, epochs=2), select="tests.fake:rule", select_every=1)
    tr = experiments.train_or_load(j, progress=False)
    assert seen["snapshots"] == [1, 2]  # the rule chose among the snapshots it asked for
    again = experiments.lookup(j)
    assert again.source == "cache" and again.result.extra["selection"] == {"epoch": 1} and again.result.best_epoch == 0
    for k, v in tr.result.snapshots[1].items():
        np.testing.assert_array_equal(again.result.params[k], v)
    assert not np.array_equal(again.result.params["w_out"], again.result.final_params["w_out"])
    assert experiments.fileio.read_json(again.path / "job.json")["select"] == "tests.fake:rule"


def test_a_rule_that_cannot_be_imported_fails_before_the_training_not_after_it(dirs, monkeypatch):
    """The rule is imported first: a misspelt one names itself at once, and no epoch is trained."""
    import dataclasses

    monkeypatch.setattr(experiments.Trainer, "fit", lambda *a, **k: pytest.fail("trained before the rule failed"))
    j = dataclasses.replace(job(t=32, seed=0, epochs=2), select="nca_core.chapters.gray_scott.quality:no_such_rule",
                            select_every=1)
    with pytest.raises(ValueError, match="select='nca_core.chapters.gray_scott.quality:no_such_rule' is not accepted"):
        experiments.train_or_load(j, progress=False)


def test_a_rule_is_applied_to_the_same_run_without_it_instead_of_training_again(dirs, monkeypatch):
    import dataclasses

    base = job(t=32, seed=0, epochs=2)
    trained = experiments.train_or_load(base, progress=False, snapshot_every=1)  # e.g. a benchmark's run
    monkeypatch.setattr(experiments.Trainer, "fit", lambda *a, **k: pytest.fail("trained again"))
    monkeypatch.setattr(experiments, "selection_rule", lambda path: lambda j, r: dataclasses.replace(
        r, params=dict(r.snapshots[1]), best_epoch=0, extra={"selection": {"epoch": 1}}))
    ruled = dataclasses.replace(base, select="tests.fake:rule", select_every=1)
    tr = experiments.train_or_load(ruled, progress=False)
    assert tr.path.name == ruled.key != base.key and tr.result.extra["selection"] == {"epoch": 1}
    for k, v in trained.result.snapshots[1].items():
        np.testing.assert_array_equal(tr.result.params[k], v)
    # a base run without the snapshots the rule needs is not used
    sparse = dataclasses.replace(base, select="tests.fake:rule", select_every=2, label="every 2")
    assert experiments._select_from_base(dataclasses.replace(sparse, select_every=1)) is not None
    monkeypatch.setattr(experiments, "lookup", lambda j: None if j.select else dataclasses.replace(
        trained, result=dataclasses.replace(trained.result, snapshots={})))
    assert experiments._select_from_base(ruled) is None
