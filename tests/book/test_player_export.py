"""nca_core.book.player: the in-browser player's models, read from the shipped weights, never trained."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nca_core.book import player, registry
from nca_core.chapters.morph.jobs import stability_jobs
from nca_core.chapters.morph.measure import targets
from nca_core.core import kernels, reference
from nca_core.data import gray_scott as gs
from nca_core.runs.cache import lookup
from nca_core.view import web


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    done = player.export(out)
    assert done.missing == []
    return out


def test_the_players_models_are_the_registrys_quick_jobs():
    chosen = player.player_jobs("quick")
    assert list(chosen) == ["morph_C16_t32", "morph_C32_t32", "morph_C16_t64", "morph_C32_t32_sym",
                            "gray_scott_t32", "gray_scott_t16", "gray_scott_t4"]
    keys = {j.key for n in (player.MORPH_NOTEBOOK, player.GRAY_SCOTT_NOTEBOOK) for j in registry.jobs(n, "quick")}
    assert all(job.key in keys for _, job in chosen.values())
    P, _ = registry.resolve("channels_sampling", {"profile": "quick"})
    for name, job in stability_jobs(P).items():
        assert chosen[f"morph_{name}"][1].key == job.key
    c16 = chosen["morph_C16_t32"][1]
    assert (c16.nca.channels, c16.train.t, c16.nca.kernel_set, c16.nca.activation) == (16, 32, "ID_DIFF_LAP", "relu")
    assert sorted(chosen[f"gray_scott_t{t}"][1].train.t for t in (4, 16, 32)) == [4, 16, 32]


def test_each_model_comes_from_the_longest_trained_tier_that_has_it(tmp_path, monkeypatch):
    from nca_core.runs import cache

    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path / "results"))  # an empty cache: only weights/ counts

    long_jobs, quick_jobs = player.player_jobs("long"), player.player_jobs("quick")
    assert list(long_jobs) == list(quick_jobs)  # the ids are the same at both tiers
    assert all(long_jobs[m][1].key != quick_jobs[m][1].key for m in long_jobs)
    chosen = player.chosen_models()
    tiers = {t: player.player_jobs(t) for t in player.TIERS}
    expected = {}  # the first tier, longest-trained first, whose model of that id is shipped
    for m in long_jobs:
        tier = next(t for t in player.TIERS if cache.lookup(tiers[t][m][1]) is not None)
        expected[m] = (tier, tiers[tier][m][1].key)
    assert {m: (c[2], c[1].key) for m, c in chosen.items()} == expected
    assert {t for t, _ in expected.values()} <= {"grid", "long"}  # every long model is shipped; grid ones as they come
    # a tier that lacks a model hands it to the next one
    real = cache.lookup
    without = {tiers[t]["morph_C32_t32"][1].key for t in ("grid", "long")}
    monkeypatch.setattr(cache, "lookup", lambda job, *a, **k: None if job.key in without else real(job, *a, **k))
    chosen = player.chosen_models()
    assert chosen["morph_C32_t32"][1:3] == (quick_jobs["morph_C32_t32"][1], "quick")
    assert chosen["morph_C16_t32"][2] == expected["morph_C16_t32"][0]
    assert player.chosen_models(("quick",))["morph_C16_t32"][1].key == quick_jobs["morph_C16_t32"][1].key
    with pytest.raises(ValueError, match="profiles"):
        player.chosen_models(())


def test_exported_records_hold_the_shipped_weights_and_settings(folder):
    index = web.read_data_file(folder / "index.js")
    for model_id, (label, job, profile, _) in player.chosen_models().items():
        rec = web.read_data_file(folder / f"{model_id}.js")
        assert rec["training"]["profile"] == profile and profile in ("grid", "long")
        tr = lookup(job)
        params, config = reference.load(tr.path)
        for name in ("w_hidden", "w_out", "b_out"):
            np.testing.assert_array_equal(web.decode_array(rec["arrays"][name]), params[name])
        for key in ("channels", "observable", "hidden", "kernel_set", "activation", "boundary", "fire_rate", "mask"):
            assert rec[key] == config[key], key
        assert rec["kernels"] == list(kernels.kernel_names(config["kernel_set"]))
        np.testing.assert_array_equal(rec["stencils"], kernels.kernel_stack(config["kernel_set"]))
        assert rec["label"] == label and rec["training"]["key"] == job.key and rec["training"]["t"] == job.train.t
        if rec["task"] == "gray_scott":
            assert rec["pde"] == {k: v for k, v in dataclasses.asdict(gs.preset(job.data["preset"])).items()}
        assert {"id": model_id, "file": f"{model_id}.js"}.items() <= next(
            m for m in index["models"] if m["id"] == model_id).items()


def test_shared_initial_conditions_are_the_librarys(folder):
    tasks = web.read_data_file(folder / "index.js")["tasks"]
    np.testing.assert_array_equal(web.decode_array(tasks["morph"]["ic"]), targets()[0])
    assert web.decode_array(tasks["morph"]["targets"]).shape == (4, 80, 80, 4)
    np.testing.assert_array_equal(web.decode_array(tasks["gray_scott"]["test_ic_a"]), gs.test_ic(128)[..., 0])
    np.testing.assert_array_equal(web.decode_array(tasks["gray_scott"]["training_ics_a"]), gs.training_ics()[..., 0])


def test_nothing_is_trained_when_a_model_is_missing(dirs, monkeypatch):
    from nca_core.runs import cache

    monkeypatch.setattr(cache, "train_or_load", lambda *a, **k: pytest.fail("export must not train"))
    done = player.export(dirs / "out")
    assert done.models == [] and len(done.missing) == 7
    assert [p.name for p in done.files] == ["index.js"]


def test_nca_book_build_writes_the_player_files_before_building(tmp_path, monkeypatch):
    from nca_core import cli

    for name in cli.NOTEBOOKS:
        (tmp_path / "book" / "_executed").mkdir(parents=True, exist_ok=True)
        (tmp_path / "book" / "_executed" / f"{name}.ipynb").write_text("{}")
    seen = {}

    def call(cmd):
        seen["cmd"] = cmd
        seen["files"] = sorted(p.name for p in (tmp_path / player.FOLDER).iterdir())
        return 0

    monkeypatch.setattr(cli.subprocess, "call", call)
    assert cli.build_book(tmp_path) == 0
    assert "build" in seen["cmd"] and seen["files"] == sorted(["index.js"] + [f"{m}.js" for m in player.player_jobs()])
