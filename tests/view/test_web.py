"""nca_core.view.web: the data files of the in-browser player (arrays, model records, the folder)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nca_core.view import web


def record(model_id="m", task="morph", c=3, k=2, h=5, **overrides):
    rng = np.random.default_rng(0)
    params = {"w_hidden": rng.normal(size=(k * c, h)), "w_out": rng.normal(size=(h, c)), "b_out": rng.normal(size=c)}
    params.update(overrides.pop("params", {}))
    config = {"channels": c, "observable": 2, "hidden": h, "kernel_set": "ID_LAP", "activation": "relu",
              "boundary": "zero", "fire_rate": 0.5, "mask": "pixel"}
    args = dict(model_id=model_id, label="a model", task=task, nca_config=config, params=params,
                kernels=["ID", "LAP"][:k], stencils=np.zeros((k, 3, 3)), training={"epochs": 3}, pde=None)
    args.update(overrides)
    return web.model_record(**args)


def test_arrays_are_little_endian_base64_and_round_trip():
    assert web.encode_array(np.float32(1.0).reshape(1)) == {"dtype": "float32", "shape": [1], "b64": "AACAPw=="}
    a = np.random.default_rng(1).normal(size=(2, 3, 4)).astype(np.float32)
    back = web.decode_array(json.loads(json.dumps(web.encode_array(a))))
    assert back.dtype == np.float32 and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, a)
    u = web.decode_array(web.encode_array([[0, 1], [255, 7]], "uint8"))
    np.testing.assert_array_equal(u, [[0, 1], [255, 7]])
    with pytest.raises(ValueError, match="non-finite"):
        web.encode_array([1.0, np.nan])
    with pytest.raises(ValueError, match="dtype"):
        web.encode_array([1.0], "float16")


def test_model_record_holds_the_weights_as_float32_and_checks_shapes():
    rec = record()
    assert rec["format"] == web.FORMAT and rec["kernels"] == ["ID", "LAP"] and rec["hidden"] == 5
    assert web.decode_array(rec["arrays"]["w_hidden"]).shape == (6, 5)
    assert web.decode_array(rec["arrays"]["w_hidden"]).dtype == np.float32
    assert "pde" not in rec
    with pytest.raises(ValueError, match="w_out"):
        record(params={"w_out": np.zeros((5, 4))})
    with pytest.raises(ValueError, match="stencils"):
        record(stencils=np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match="model_id"):
        record(model_id="../x")
    with pytest.raises(ValueError, match="pde"):
        record(task="gray_scott")
    pde = {"d_a": 0.1, "d_b": 0.05, "alpha": 0.06, "gamma": 0.062, "dt": 1.0, "extra": "ignored"}
    assert record(task="gray_scott", pde=pde)["pde"] == {k: v for k, v in pde.items() if k != "extra"}


def test_a_data_file_is_a_script_with_json_on_its_third_line(tmp_path):
    rec = record()
    path = web.write_data_file(tmp_path, "m", rec)
    lines = path.read_text().split("\n")
    assert lines[1] == '(window.NCA_PLAYER_DATA = window.NCA_PLAYER_DATA || {})["m"] ='
    assert web.read_data_file(path) == json.loads(json.dumps(rec))
    (tmp_path / "other.js").write_text("var x = 1;\n")
    with pytest.raises(ValueError, match="not an NCA player data file"):
        web.read_data_file(tmp_path / "other.js")
    with pytest.raises(ValueError, match="name"):
        web.script_text("a-b", rec)


def test_the_folder_holds_the_index_and_exactly_the_exported_models(tmp_path):
    web.write_player_data(tmp_path, [record("a"), record("b")], {"morph": {}})
    (tmp_path / "unrelated.js").write_text("var keep = 1;\n")
    files = web.write_player_data(tmp_path, [record("b")], {"morph": {"x": 1}})
    assert sorted(p.name for p in files) == ["b.js", "index.js"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.js", "index.js", "unrelated.js"]  # a.js removed
    index = web.read_data_file(tmp_path / "index.js")
    assert [m["id"] for m in index["models"]] == ["b"] and index["models"][0]["file"] == "b.js"
    assert index["tasks"] == {"morph": {"x": 1}}
    magma = web.decode_array(index["colormaps"]["magma"])
    assert magma.shape == (256, 3) and magma.dtype == np.uint8
    assert magma[0].tolist() == [0, 0, 4] and magma[-1].tolist() == [252, 253, 191]  # matplotlib's ends
    with pytest.raises(ValueError, match="distinct"):
        web.write_player_data(tmp_path, [record("a"), record("a")], {})
