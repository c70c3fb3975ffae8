"""Fig 6's models under the noise they were trained with (nca_core.chapters.gray_scott.renoise): the rollout against
independent NumPy references on hand-set NCAs, its errors, its cache, its table and figure."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.chapters.gray_scott import quality, renoise
from nca_core.chapters.gray_scott.measure import Comparison, NoiseResults
from nca_core.core.config import DIVERGENCE_THRESHOLD, NCAConfig
from nca_core.core.model import NCA
from nca_core.data import gray_scott as pde


def _ic(size: int = 16) -> np.ndarray:
    return np.random.default_rng(3).random((size, size, 2)).astype(np.float32)


def _random_nca() -> NCA:
    """A Gray-Scott NCA with random, non-trivial weights (a fresh one is the identity map)."""
    cfg = NCAConfig.gray_scott()
    rng = np.random.default_rng(1)
    p = {"w_hidden": rng.normal(0, 0.2, (cfg.n_features, cfg.hidden)),
         "w_out": rng.normal(0, 0.01, (cfg.hidden, cfg.channels)), "b_out": rng.normal(0, 0.01, cfg.channels)}
    return NCA(cfg, params={k: v.astype(np.float32) for k, v in p.items()})


def _constant_drift(c: float) -> NCA:
    """The hand-set NCA whose every step adds ``c`` to every channel of every cell (zero weights, bias ``c``)."""
    cfg = NCAConfig.gray_scott()
    return NCA(cfg, params={"w_hidden": np.zeros((cfg.n_features, cfg.hidden), np.float32),
                            "w_out": np.zeros((cfg.hidden, cfg.channels), np.float32),
                            "b_out": np.full(cfg.channels, c, np.float32)})


def test_without_noise_it_is_the_plain_rollout_in_blocks_that_need_not_divide_the_steps():
    m, ic = _random_nca(), _ic()
    r = renoise.renoised_rollout(m, ic, 20, 0.0, 7)  # blocks of 7, 7 and 6
    ref = m.trajectory(m.prepare_state(ic).numpy(), 20)[-1, 0, ..., :2]
    assert r.diverged_at is None
    np.testing.assert_allclose(r.final, ref, rtol=0, atol=1e-6)


def test_the_identity_nca_gives_the_blend_before_every_block_drawn_from_the_seeded_generator():
    m, ic = NCA(NCAConfig.gray_scott(), seed=0), _ic()  # a fresh NCA: the identity map
    xi, steps, every = 0.3, 10, 4  # blends at steps 0, 4 and 8
    rng = np.random.default_rng(5)
    x = m.prepare_state(ic).numpy()
    for _ in range(3):
        x = (1 - np.float32(xi)) * x + np.float32(xi) * rng.uniform(size=x.shape).astype(np.float32)
    r = renoise.renoised_rollout(m, ic, steps, xi, every, seed=5)
    np.testing.assert_allclose(r.final, x[0, ..., :2], rtol=0, atol=1e-6)
    again = renoise.renoised_rollout(m, ic, steps, xi, every, seed=5)
    other = renoise.renoised_rollout(m, ic, steps, xi, every, seed=6)
    assert np.array_equal(again.final, r.final) and not np.allclose(other.final, r.final)


@pytest.mark.parametrize("xi,every", [(0.0, 4), (0.2, 4), (0.9, 3), (0.5, 4)])
def test_the_step_it_blows_up_at_or_its_end_is_the_references(xi, every):
    """Adding 100 a step blows up unless the blends pull the state back enough: at ξ = 0.5 every 4 steps the
    state settles below 800, at ξ = 0.2 it heads for 2000 (the threshold is 1000)."""
    c, ic, seed, steps = 100.0, _ic(), 2, 60
    rng = np.random.default_rng(seed)
    x = NCA(NCAConfig.gray_scott(), seed=0).prepare_state(ic).numpy().astype(np.float64)
    expected = None
    for n in range(1, steps + 1):  # the reference: blend before each block, then add c per step
        if (n - 1) % every == 0 and xi:
            x = (1 - xi) * x + xi * rng.uniform(size=x.shape).astype(np.float32)
        x = x + c
        if np.abs(x).max() > DIVERGENCE_THRESHOLD:
            expected = n
            break
    r = renoise.renoised_rollout(_constant_drift(c), ic, steps, xi, every, seed=seed)
    assert r.diverged_at == expected
    if expected is None:
        np.testing.assert_allclose(r.final, x[0, ..., :2], rtol=1e-6)
    else:
        assert r.final is None
    assert {0.0: 10, 0.5: None}.get(xi, expected) == expected  # 1 + 10·100 > 1000: the IC is at most 1


@pytest.mark.parametrize("kw,name", [({"xi": 1.5}, "xi"), ({"xi": -0.1}, "xi"), ({"every": 0}, "every"),
                                     ({"steps": 0}, "steps"), ({"seed": -1}, "seed")])
def test_bad_arguments_are_named(kw, name):
    args = {**dict(steps=8, xi=0.2, every=4, seed=0), **kw}
    with pytest.raises(ValueError, match=name):
        renoise.renoised_rollout(NCA(NCAConfig.gray_scott(), seed=0), _ic(), **args)


def test_an_ic_of_the_wrong_shape_is_refused_with_its_shape():
    with pytest.raises(ValueError, match=r"ic has shape \(16, 16, 3\)"):
        renoise.renoised_rollout(NCA(NCAConfig.gray_scott(), seed=0), np.zeros((16, 16, 3)), 8, 0.2, 4)


def test_the_test_is_computed_once_then_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("NCA_ARTEFACTS_DIR", str(tmp_path / "artefacts"))
    m = _random_nca()
    tr = SimpleNamespace(job=SimpleNamespace(key="k", label="hand"), weights_hash="w", source="trained",
                         model=lambda: m)
    first = renoise.renoised_test(tr, _ic(), 12, 0.2, 4)

    def fail(*a, **k):
        raise AssertionError("recomputed")

    monkeypatch.setattr(renoise, "renoised_rollout", fail)
    loaded = renoise.renoised_test(tr, _ic(), 12, 0.2, 4)
    assert np.array_equal(loaded.final, first.final) and loaded.diverged_at is None
    with pytest.raises(AssertionError, match="recomputed"):  # another ξ is another result
        renoise.renoised_test(tr, _ic(), 12, 0.3, 4)


def _results():
    """Hand-made results: ξ = 0 bounded both ways; ξ = 0.5 blows up without noise and grows the PDE's state with it."""
    ic = pde.test_ic(64)
    ref = pde.solve(ic, 2048, pde.preset("published"), every=2048)[-1]
    frozen = np.asarray(ic, np.float32)
    test = {(0.0, 0): Comparison(np.full(3, 1.0), None, {2048: (frozen, ref)}),
            (0.5, 0): Comparison(np.full(3, np.nan), 300, {2048: (None, ref)})}
    noise = NoiseResults([0.0, 0.5], [0], {}, test, ref)
    def q(state):
        return quality.state_quality(state, ref, ic, 2048)

    rows = {(0.0, 0): renoise.Row(q(frozen), q(frozen), renoise.Renoised(frozen, None)),
            (0.5, 0): renoise.Row(q(None), q(ref), renoise.Renoised(ref, None))}
    return noise, renoise.RenoisedResults(rows, 2048, 32, {k: c.diverged_at for k, c in test.items()})


def test_the_table_and_summary_say_what_each_model_does_without_noise_and_with_it():
    _, rn = _results()
    table = rn.table().splitlines()
    assert table[2].startswith("| 0 | 0 | invasion 0.00 of the PDE's") and "meets the target" not in table[2]
    assert "| 0.5 | 0 | blows up at n = 300 | invasion 1.00 of the PDE's, wavelength off by 0.0%: meets the target |" \
        == table[3]
    assert rn.summary().startswith("Of the 2 models, 1 blow up from the unseen IC without noise and 0 meet")
    assert rn.summary().endswith("every 32 steps, 0 blow up and 1 meet the target.")


def test_the_figure_shows_each_seed_without_noise_above_with_it(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from nca_core.chapters.gray_scott.figures import fig6_renoised

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    noise, rn = _results()
    fig = fig6_renoised(noise, rn)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["diverged\nn=300"]  # ξ = 0.5 without noise: top row, second column
    assert fig.axes[0].get_ylabel() == "seed 0\nno noise" and fig.axes[3].get_ylabel() == "seed 0\nits noise"
    assert [ax.get_title(loc="left") for ax in fig.axes[:3]] == ["ξ=0.00", "ξ=0.50", "PDE n=2048"]
    assert (tmp_path / "fig6_renoised.png").is_file()
    plt.close(fig)
