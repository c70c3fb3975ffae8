"""Every shipped model still loads under its cache key and runs exactly as before the restructure."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nca_core.core.config import NCAConfig, TrainConfig
from nca_core.runs import cache
from nca_core.runs import job as job_module

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = json.loads((ROOT / "tests" / "assets" / "shipped_rollouts.json").read_text())
FOLDERS = sorted(p.name for p in (ROOT / "weights").iterdir() if (p / "manifest.json").exists())


def test_the_golden_file_covers_every_model_made_before_it():
    assert set(GOLDEN) <= set(FOLDERS)


@pytest.mark.parametrize("name", FOLDERS)
def test_shipped_model_loads_under_its_key(name):
    folder = ROOT / "weights" / name
    res = cache._load_model_folder(folder)  # None if a file does not match its SHA-256
    assert res is not None, f"{name}: damaged or unreadable"
    job_info = json.loads((folder / "job.json").read_text())
    job = job_module.Job(NCAConfig.from_dict(res.nca_config.to_dict()),
                         TrainConfig.from_dict(res.train_config.to_dict()), job_info["data"], job_info.get("label", ""),
                         job_info.get("select", ""), job_info.get("select_every", 0))
    assert job.key == name == job_info["key"]  # today's hashing gives the folder its name back
    assert cache.lookup(job) is not None


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_shipped_model_rolls_out_as_recorded(name):
    from nca_core.core.model import NCA

    nca = NCA.load(ROOT / "weights" / name)
    x0 = np.random.default_rng(0).random((2, 24, 24, nca.config.observable)).astype("float32")
    last = nca.rollout(x0, steps=16, seed=3, every=8)[-1]
    want = GOLDEN[name]
    assert float(np.mean(last)) == pytest.approx(want["mean"], rel=1e-6, abs=1e-7)
    np.testing.assert_allclose(last[0, 12, 12, :4], want["first"], rtol=1e-5, atol=1e-6)
    assert json.loads((ROOT / "weights" / name / "result.json").read_text())["best_loss"] == want["best_loss"]


@pytest.mark.parametrize("profile", ["quick", "long"])
def test_every_model_the_book_needs_at_a_shipped_tier_is_in_weights(profile):
    """``make book`` on a fresh clone (profile ``best``) trains nothing: every model each notebook
    needs at the quick and long tiers is a folder of ``weights/`` whose files match their hashes."""
    from nca_core.book import registry

    needed = {j.key: f"{name}: {j.label}" for name in registry.NOTEBOOKS for j in registry.jobs(name, profile)}
    assert needed, "no notebook trains a model"
    absent = sorted(f"{what} ({key})" for key, what in needed.items() if key not in FOLDERS)
    assert not absent, f"{profile}: not shipped: {absent}"
    damaged = [key for key in needed if cache._load_model_folder(ROOT / "weights" / key) is None]
    assert not damaged, f"{profile}: damaged folders: {damaged}"


def _readme_rows() -> dict[str, list[str]]:
    import re

    rows: dict[str, list[str]] = {}
    for line in (ROOT / "weights" / "README.md").read_text().splitlines():
        m = re.match(r"\| `([0-9a-f]{16})` \|", line)
        if m:
            rows.setdefault(m.group(1), []).append(line)
    return rows


def test_weights_readme_states_each_models_best_loss_and_epoch_as_recorded():
    """Every shipped folder has a row in ``weights/README.md``; the best loss it states is the one
    in ``result.json`` and the epoch, where stated, counts from 1 (``best_epoch + 1``)."""
    import re

    rows = _readme_rows()
    assert set(FOLDERS) <= set(rows), f"no README row: {sorted(set(FOLDERS) - set(rows))}"
    for key, lines in rows.items():
        res = json.loads((ROOT / "weights" / key / "result.json").read_text())
        for line in lines:
            cells = [c.strip() for c in line.strip("|").split("|")]
            loss_cell = next(c for c in cells[2:] if re.match(r"^[\d.]+( \(|$)", c))
            loss = loss_cell.split()[0]
            assert float(loss) == pytest.approx(res["best_loss"], abs=0.6 * 10 ** -len(loss.split(".")[1])), (key, loss)
            epoch = re.match(r"^[\d.]+ \((?:epoch )?(\d+)", loss_cell)
            if epoch:
                assert int(epoch.group(1)) == res["best_epoch"] + 1, (key, loss_cell)
