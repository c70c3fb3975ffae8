"""Fig 6's models tested under the noise they were trained with: measure.compare_to_pde's ``noise`` against
independent NumPy references on hand-set NCAs, its errors, its cache; renoise's table, summary and figure."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.chapters.gray_scott import measure, renoise
from nca_core.chapters.gray_scott.measure import Comparison, NoiseResults
from nca_core.core.config import DIVERGENCE_THRESHOLD, NCAConfig
from nca_core.core.model import NCA
from nca_core.data import gray_scott as pde

PARAMS = pde.preset("published")


def _ic(size: int = 16) -> np.ndarray:
    return np.random.default_rng(3).random((size, size, 2)).astype(np.float32)


def _identity() -> NCA:
    return NCA(NCAConfig.gray_scott(), seed=0)  # a fresh NCA: its output layer is zero, the identity map


def _random_nca() -> NCA:
    """A Gray-Scott NCA with random, non-trivial weights."""
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


def test_the_identity_nca_gets_the_blend_before_every_block_from_the_seeded_generator_and_the_pde_none():
    ic, xi, steps, every = _ic(), 0.3, 10, 4  # blends at n = 0, 4 and 8
    rng = np.random.default_rng(5)
    x = _identity().prepare_state(ic).numpy()
    for _ in range(3):
        x = (1 - np.float32(xi)) * x + np.float32(xi) * rng.uniform(size=x.shape).astype(np.float32)
    c = measure.compare_to_pde(_identity(), ic, steps, PARAMS, snapshots=[steps], seed=5, noise=xi, noise_every=every)
    plain = measure.compare_to_pde(_identity(), ic, steps, PARAMS, snapshots=[steps], seed=5)
    np.testing.assert_allclose(c.snapshots[steps][0], x[0, ..., :2], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(c.snapshots[steps][1], plain.snapshots[steps][1])  # the PDE runs without noise
    np.testing.assert_array_equal(plain.snapshots[steps][0], ic)  # and the plain identity rollout stays put
    again = measure.compare_to_pde(_identity(), ic, steps, PARAMS, snapshots=[steps], seed=5, noise=xi,
                                   noise_every=every)
    other = measure.compare_to_pde(_identity(), ic, steps, PARAMS, snapshots=[steps], seed=6, noise=xi,
                                   noise_every=every)
    assert np.array_equal(again.snapshots[steps][0], c.snapshots[steps][0])
    assert not np.allclose(other.snapshots[steps][0], c.snapshots[steps][0])


def test_without_noise_the_blocks_change_nothing():
    m, ic = _random_nca(), _ic()
    a = measure.compare_to_pde(m, ic, 20, PARAMS, snapshots=[20])
    b = measure.compare_to_pde(m, ic, 20, PARAMS, snapshots=[20], block=7)  # blocks of 7, 7 and 6
    np.testing.assert_allclose(a.snapshots[20][0], b.snapshots[20][0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.distance, b.distance, rtol=1e-5)


@pytest.mark.parametrize("xi,every", [(0.0, 4), (0.2, 4), (0.9, 3), (0.5, 4)])
def test_the_step_it_blows_up_at_or_its_end_is_the_references(xi, every):
    """Adding 100 a step blows up unless the blends pull the state back enough: at ξ = 0.5 every 4 steps the
    state settles below 800, at ξ = 0.2 it heads for 2000 (the threshold is 1000)."""
    c, ic, seed, steps = 100.0, _ic(), 2, 60
    rng = np.random.default_rng(seed)
    x = _identity().prepare_state(ic).numpy().astype(np.float64)
    expected = None
    for n in range(1, steps + 1):  # the reference: blend before each block, then add c per step
        if (n - 1) % every == 0 and xi:
            x = (1 - xi) * x + xi * rng.uniform(size=x.shape).astype(np.float32)
        x = x + c
        if np.abs(x).max() > DIVERGENCE_THRESHOLD:
            expected = n
            break
    r = measure.compare_to_pde(_constant_drift(c), ic, steps, PARAMS, snapshots=[steps], seed=seed, noise=xi,
                               noise_every=every)
    assert r.diverged_at == expected
    if expected is None:
        np.testing.assert_allclose(r.snapshots[steps][0], x[0, ..., :2], rtol=1e-6)
    else:
        assert r.snapshots[steps][0] is None
    assert {0.0: 10, 0.5: None}.get(xi, expected) == expected  # 1 + 10·100 > 1000: the IC is at most 1


@pytest.mark.parametrize("kw,name", [({"noise": 1.5}, "noise"), ({"noise": -0.1}, "noise"),
                                     ({"noise_every": 0}, "noise_every")])
def test_bad_noise_arguments_are_named(kw, name):
    args = {**dict(noise=0.2, noise_every=4), **kw}
    with pytest.raises(ValueError, match=f"{name}="):
        measure.compare_to_pde(_identity(), _ic(), 8, PARAMS, **args)


def test_the_noisy_test_is_cached_apart_from_the_plain_one_which_noise_zero_is(tmp_path, monkeypatch):
    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("NCA_ARTEFACTS_DIR", str(tmp_path / "artefacts"))
    m, ic = _random_nca(), _ic()
    tr = SimpleNamespace(job=SimpleNamespace(key="k", label="hand"), weights_hash="w", source="trained",
                         model=lambda: m)
    plain = measure.unseen_test(tr, ic, 12, PARAMS, None)
    noisy = measure.unseen_test(tr, ic, 12, PARAMS, None, noise=0.2, noise_every=4)
    assert not np.allclose(plain.snapshots[12][0], noisy.snapshots[12][0])

    def fail(*a, **k):
        raise AssertionError("recomputed")

    monkeypatch.setattr(measure, "compare_to_pde", fail)
    assert np.array_equal(measure.unseen_test(tr, ic, 12, PARAMS, None, noise=0.2, noise_every=4).snapshots[12][0],
                          noisy.snapshots[12][0])
    assert np.array_equal(measure.unseen_test(tr, ic, 12, PARAMS, None, noise=0.0).snapshots[12][0],
                          plain.snapshots[12][0])
    with pytest.raises(AssertionError, match="recomputed"):  # another ξ is another test
        measure.unseen_test(tr, ic, 12, PARAMS, None, noise=0.3, noise_every=4)


def _results():
    """Hand-made tests: ξ = 0 frozen at the IC both ways; ξ = 0.5 blows up without noise and ends at the PDE's
    state with it."""
    ic = pde.test_ic(64)
    ref = pde.solve(ic, 2048, PARAMS, every=2048)[-1]
    frozen = np.asarray(ic, np.float32)
    d = np.full(3, 1.0)
    plain = {(0.0, 0): Comparison(d, None, {2048: (frozen, ref)}), (0.5, 0): Comparison(d, 300, {2048: (None, ref)})}
    noisy = {(0.0, 0): Comparison(d, None, {2048: (frozen, ref)}), (0.5, 0): Comparison(d, None, {2048: (ref, ref)})}
    models = dict.fromkeys(plain)
    return NoiseResults([0.0, 0.5], [0], models, plain, ref), NoiseResults([0.0, 0.5], [0], models, noisy, ref)


def test_the_table_and_summary_say_what_each_model_does_without_noise_and_with_it():
    plain, noisy = _results()
    table = renoise.table(plain, noisy).splitlines()
    assert table[2] == ("| 0 | 0 | invasion 0.00 of the PDE's, wavelength off by 19.6%, contrast 0.390 (PDE 0.145) "
                        "| invasion 0.00 of the PDE's, wavelength off by 19.6%, contrast 0.390 (PDE 0.145) |")
    assert table[3].startswith("| 0.5 | 0 | blows up at n = 300 | invasion 1.00 of the PDE's, wavelength off by "
                               "0.0%, contrast")
    assert table[3].endswith(": meets the target |")
    s = renoise.summary(plain, noisy, 32)
    assert s.startswith("Of the 2 models, 1 blow up from the unseen IC without noise and 0 meet")
    assert s.endswith("every 32 steps, 0 blow up and 1 meet the target.")


def test_the_figure_shows_each_seed_without_noise_above_with_it(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from nca_core.chapters.gray_scott.figures import fig6_renoised

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    fig = fig6_renoised(*_results())
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["diverged\nn=300"]  # ξ = 0.5 without noise: top row, second column
    assert fig.axes[0].get_ylabel() == "seed 0\nno noise" and fig.axes[3].get_ylabel() == "seed 0\nits noise"
    assert [ax.get_title(loc="left") for ax in fig.axes[:3]] == ["ξ=0.00", "ξ=0.50", "PDE n=2048"]
    assert len(fig.axes[1].images) == 0 and len(fig.axes[4].images) == 1  # with noise, ξ = 0.5 has a state
    assert (tmp_path / "fig6_renoised.png").is_file()
    plt.close(fig)
