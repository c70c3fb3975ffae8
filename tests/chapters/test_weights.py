"""What the weights say: the readings against oracles (a zeroed weight reads zero; hand-set NCAs that are one
Euler step of a diffusion or of the linear part of Gray-Scott read exactly the channels that diffuse, and their
effective diffusion is the PDE's), ablations that cannot do damage do none, the questions' verdicts on
hand-made results, the models it reads, the cache and its refusals."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.chapters.weights import claims, measure
from nca_core.chapters.weights.jobs import GRAY_SCOTT, MORPH
from nca_core.chapters.weights.measure import Ablation, Activity, ModelWeights, WeightsResults
from nca_core.chapters.weights.notebooks import WEIGHTS
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA
from nca_core.data import gray_scott as pde
from nca_core.runs import sweep

GS = pde.PRESETS["published"]


def _random(kernel_set: str = "ID_DIFF_LAP", channels: int = 6, fire_rate: float = 1.0, seed: int = 0,
            boundary: str = "periodic") -> NCA:
    """A small relu NCA with random weights (its output layer not zero, so it changes the state)."""
    cfg = NCAConfig(channels=channels, observable=2, kernel_set=kernel_set, activation="relu", fire_rate=fire_rate,
                    boundary=boundary, dtype="float64")
    rng = np.random.default_rng(seed)
    p = {"w_hidden": rng.normal(0, 0.3, (cfg.n_features, cfg.hidden)), "w_out": rng.normal(0, 0.05,
         (cfg.hidden, cfg.channels)), "b_out": rng.normal(0, 0.005, cfg.channels)}
    return NCA(cfg, params=p)


def _linear_gray_scott(hidden_channels: int = 2) -> NCA:
    """The linear ID_LAP NCA that is one Euler step of the linear part of Gray-Scott (no AB² term), with
    ``hidden_channels`` extra channels it neither reads nor writes."""
    C = 2 + hidden_channels
    cfg = NCAConfig(channels=C, observable=2, kernel_set="ID_LAP", activation="linear", hidden=2, fire_rate=1.0,
                    boundary="periodic", dtype="float64")
    w_hidden = np.zeros((2 * C, 2))
    w_hidden[0, 0], w_hidden[1, 0] = -GS.alpha, GS.d_a  # A·ID, A·LAP → ΔA
    w_hidden[2, 1], w_hidden[3, 1] = -(GS.gamma + GS.alpha), GS.d_b  # B·ID, B·LAP → ΔB
    w_out = np.zeros((2, C))
    w_out[0, 0] = w_out[1, 1] = 1.0
    b_out = np.zeros(C)
    b_out[0] = GS.alpha
    return NCA(cfg, params={"w_hidden": w_hidden, "w_out": w_out, "b_out": b_out})


def _diffusion(d: tuple[float, ...], activation: str = "linear") -> NCA:
    """One Euler step of u_t = d_c Δu per channel c (d_c = 0: channel c does not diffuse); with relu, each
    channel's d·Δu is relu(d·Δu) − relu(−d·Δu)."""
    C = len(d)
    relu = activation == "relu"
    cfg = NCAConfig(channels=C, observable=2, kernel_set="ID_LAP", activation=activation, hidden=2 * C,
                    fire_rate=1.0, boundary="periodic", dtype="float64")
    w_hidden, w_out = np.zeros((2 * C, 2 * C)), np.zeros((2 * C, C))
    for c, dc in enumerate(d):
        w_hidden[2 * c + 1, 2 * c] = dc
        w_out[2 * c, c] = 1.0
        if relu:
            w_hidden[2 * c + 1, 2 * c + 1], w_out[2 * c + 1, c] = -dc, -1.0
    return NCA(cfg, params={"w_hidden": w_hidden, "w_out": w_out, "b_out": np.zeros(C)})


def _states(model: NCA, steps: int = 6, size: int = 16, seed: int = 1) -> np.ndarray:
    x0 = np.random.default_rng(seed).random((2, size, size, model.config.channels))
    x0[..., 2:] = 0.0
    return model.rollout(x0, steps)[1:]


# ------------------------------------------------------------------ readings
@pytest.mark.parametrize("kind", ["weights", "activity"])
def test_a_zeroed_weight_reads_zero(kind):
    model = _random()
    p = model.params
    p["w_hidden"][5, :] = 0.0  # feature 5 (channel 1, kernel 1) is read by nothing
    p["w_out"][3, :] = 0.0  # unit 3 writes nothing
    z = NCA(model.config, params=p)
    act = measure.activity(p, z.config, _states(z), cells=256)
    r = measure.weights_reading(p, z.config) if kind == "weights" else measure.activity_reading(p, z.config, act)
    K = z.config.n_kernels
    assert r.features.shape == (z.config.channels, K) and r.units.shape == (z.config.hidden,)
    assert r.features[5 // K, 5 % K] == 0.0 and r.units[3] == 0.0
    others = np.delete(r.features.ravel(), 5)
    assert np.all(others > 0) and np.all(np.delete(r.units, 3) > 0)


def test_the_linear_gray_scott_step_reads_the_laplacian_of_a_and_b_only_and_diffuses_as_the_pde():
    model = _linear_gray_scott(hidden_channels=2)
    y0 = pde.training_ics("float64")[:2, 8:40, 8:40]
    states = model.rollout(y0, 8)[1:]
    act = measure.activity(model.params, model.config, states, cells=10_000)
    r = measure.activity_reading(model.params, model.config, act)
    lap = model.config.kernels.index("LAP")
    assert list(np.flatnonzero(r.features[:, lap])) == [0, 1]  # exactly A and B are read through the Laplacian
    assert np.all(r.features[2:] == 0.0)  # the hidden channels are not read at all
    np.testing.assert_allclose(measure.diffusion(model.config, act), np.diag([GS.d_a, GS.d_b]), atol=1e-12)
    # the linear response of a linear model is its weights: J_(A, LAP) = (D_A, 0, 0, 0) in every cell
    np.testing.assert_allclose(act.response_rms.reshape(4, 2)[:, lap], [GS.d_a, GS.d_b, 0, 0], atol=1e-12)
    np.testing.assert_allclose(act.response_rms.reshape(4, 2)[:, 0], [GS.alpha, GS.gamma + GS.alpha, 0, 0], atol=1e-12)


@pytest.mark.parametrize("activation", ["linear", "relu"])
def test_a_diffusion_of_one_channel_is_read_through_the_laplacian_of_that_channel_alone(activation):
    model = _diffusion((0.15, 0.0, 0.0), activation)
    act = measure.activity(model.params, model.config, _states(model, seed=3), cells=100_000)
    for r in (measure.activity_reading(model.params, model.config, act),
              measure.weights_reading(model.params, model.config)):
        assert list(zip(*np.nonzero(r.features))) == [(0, 1)]  # channel 0 through the Laplacian (kernel 1)
        assert r.family([1]) == pytest.approx(r.features[0, 1]) and r.family([0]) == 0.0
    D = measure.diffusion(model.config, act)
    # relu passes d·Δu through one of its two units wherever Δu ≠ 0, which is every cell of a random field
    np.testing.assert_allclose(D, [[0.15, 0.0], [0.0, 0.0]], atol=1e-12)


def test_no_laplacian_kernel_has_no_diffusion():
    model = _random("ID_DIFF")
    act = measure.activity(model.params, model.config, _states(model), cells=64)
    assert np.all(np.isnan(measure.diffusion(model.config, act)))
    assert measure.families(model.config) == {"identity": [0], "gradient": [1, 2]}
    assert measure.families(_random("ID_LAP_AV").config) == {"identity": [0], "Laplacian": [1], "average": [2]}


# ------------------------------------------------------------------ ablations
def _diffusion_ref(d: np.ndarray, y0: np.ndarray, frames: list[int]) -> np.ndarray:
    u, out = y0.astype(np.float64), []
    for n in range(1, max(frames) + 1):
        u = u + d * np.moveaxis(pde.laplacian(np.moveaxis(u, -1, 0)), 0, -1)
        if n in frames:
            out.append(u)
    return np.stack(out)


def test_ablations_that_remove_nothing_do_no_damage_and_removing_the_diffusion_does():
    d = (0.15, 0.07, 0.0)
    model = _diffusion(d, "relu")
    p = model.params
    junk = np.random.default_rng(4).normal(0, 0.3, p["w_hidden"].shape)
    p["w_hidden"][:, 4:] = junk[:, 4:]  # channel 2's two units read junk but write nothing (w_out rows 4, 5 = 0)
    model = NCA(model.config, params=p)
    y0 = np.random.default_rng(5).random((2, 12, 12, 2))
    frames = [2, 4, 6]
    dist = measure.gray_scott_distance(model, y0, _diffusion_ref(np.array(d[:2]), y0, frames), frames)
    abl = measure.ablate(model.params, model.config, dist)
    assert abl.intact == pytest.approx(0.0, abs=1e-10)  # the model is the PDE: at distance 0
    units = abl.damage("units")
    assert np.all(units[4:] == 0.0) and np.all(units[:4] > 1e-3)  # silent units: exactly no damage
    feats = abl.damage("features")
    assert feats[0, 1] > 1e-3 and feats[1, 1] > 1e-3  # without ∇²A (∇²B) A (B) stops diffusing
    assert np.all(feats[:, 0] == 0.0) and feats[2, 1] == 0.0  # features read by no unit that writes
    assert abl.families["Laplacian"] > abl.intact and abl.families["identity"] == abl.intact
    assert abl.channels[2] == abl.intact and abl.noise == 0.0
    # the model given is not changed by the ablations
    np.testing.assert_array_equal(model.params["w_hidden"], p["w_hidden"])


def test_morph_distance_shares_the_masks_and_of_a_still_model_is_the_distance_of_the_start():
    model = _random("ID_DIFF_LAP", channels=6, fire_rate=0.5, boundary="zero")
    cfg = NCAConfig(channels=6, observable=4, kernel_set="ID_DIFF_LAP", activation="relu", fire_rate=0.5,
                    dtype="float64")
    model = NCA(cfg, params=model.params)
    y = np.random.default_rng(6).random((4, 10, 10, 4))
    dist = measure.morph_distance(model, y, t=3, masks=2, seed=7)
    p = model.params
    assert dist(p) == dist(p)  # the same masks every time
    still = {k: np.zeros_like(v) for k, v in p.items()}
    want = np.mean([np.sqrt(np.sum((y[0] - y[k]) ** 2)) for k in (1, 2, 3)])
    assert dist(still) == pytest.approx(want, rel=1e-12)
    assert measure.morph_distance(model, y, 3, 2, 8)(p) != dist(p)  # other masks, another distance


def test_a_blow_up_is_infinite_damage_and_ranks_highest():
    abl = Ablation(1.0, np.array([1.5, np.inf, 1.2, 0.5]), np.ones((2, 2)), np.ones(2), {"identity": 2.0})
    np.testing.assert_allclose(abl.damage("units"), [0.5, np.inf, 0.2, -0.5], rtol=1e-12)
    m = _model_weights(units=np.array([3.0, 4.0, 2.0, 1.0]), ablation=abl)
    assert m.rho("activity", "units") == pytest.approx(1.0)


# ------------------------------------------------------------------ questions on hand-made results
def _model_weights(units=None, features=None, ablation=None, task=GRAY_SCOTT, kernel_set="ID_LAP", channels=2,
                   diffusion=None) -> ModelWeights:
    """A hand-made result whose weights × activity reading is ``units`` and ``features`` exactly."""
    cfg = NCAConfig(channels=channels, observable=2, kernel_set=kernel_set, activation="relu", hidden=len(units),
                    fire_rate=1.0)
    K = cfg.n_kernels
    features = np.ones((channels, K)) if features is None else features
    units = np.asarray(units, float)
    # the weights alone read the units in the opposite order: ‖w_out[u, :]‖ ∝ 1 / units[u]
    params = {"w_hidden": np.ones((cfg.n_features, cfg.hidden)),
              "w_out": np.ones((cfg.hidden, channels)) / units[:, None], "b_out": np.zeros(channels)}
    mean = np.zeros((cfg.n_features, channels))
    if diffusion is not None:
        lap = cfg.kernels.index("LAP")
        for j in range(2):
            mean[j * K + lap, :2] = diffusion[:, j]
    act = Activity(feature_rms=np.ravel(features), unit_rms=units ** 2 / np.sqrt(channels),
                   response_rms=np.ones(cfg.n_features), response_mean=mean)
    if ablation is None:
        ablation = Ablation(0.0, np.asarray(units, float), np.asarray(features, float),
                            np.sqrt(np.sum(np.asarray(features) ** 2, 1)),
                            {f: 1.0 for f in measure.families(cfg)})
    return ModelWeights("hand-made", task, "label", 4, cfg, params, act, ablation)


def test_rankings_answer_yes_no_and_not_answered():
    u = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    same = _model_weights(units=u)  # damage = importance: ρ = 1
    assert claims.ranking(same, "units").verdict is True and "ρ = 1.00" in claims.ranking(same, "units").evidence
    rev = _model_weights(units=u, ablation=Ablation(0.0, u[::-1].copy(), np.ones((2, 2)), np.ones(2), {}))
    assert claims.ranking(rev, "units").verdict is False
    assert claims.ranking(same, "channels").verdict is None  # two channels cannot be ranked
    assert "too few" in claims.ranking(same, "channels").evidence


def test_laplacian_and_diffusion_questions_on_a_model_that_is_the_pde():
    f = np.array([[1.0, 0.5], [1.0, 0.2], [1.0, 0.01]])  # A·LAP 0.5, B·LAP 0.2, h2·LAP 0.01 of the largest (1)
    D = np.diag([GS.d_a, GS.d_b])
    m = _model_weights(units=np.ones(4), features=f, channels=3, diffusion=D)
    assert claims.reads_laplacian(m, 0).verdict is True and claims.reads_laplacian(m, 1).verdict is True
    assert "channels read through the Laplacian by this criterion: A, B" in claims.reads_laplacian(m, 0).evidence
    assert claims.diffuses_like_the_pde(m, GS.d_a, GS.d_b).verdict is True
    assert claims.diffuses_like_the_pde(_model_weights(units=np.ones(4), features=f, channels=3, diffusion=2 * D),
                                        GS.d_a, GS.d_b).verdict is False
    f[1, 1] = 0.05
    assert claims.reads_laplacian(_model_weights(units=np.ones(4), features=f, channels=3), 1).verdict is False


def test_kernel_questions_on_hand_made_morph_models():
    f = np.tile([1.0, 0.5, 0.5, 0.2], (4, 1))  # ID, SOBEL_X, SOBEL_Y, LAP: the gradient outweighs the Laplacian
    fams = {"identity": 3.0, "gradient": 2.0, "Laplacian": 1.0}
    m = _model_weights(units=np.ones(4), features=f, task=MORPH, kernel_set="ID_DIFF_LAP", channels=4,
                       ablation=Ablation(0.0, np.ones(4), f, np.ones(4), fams))
    assert claims.gradient_over_laplacian(m).verdict is True
    assert claims.kernel_order(m).verdict is True
    m.ablation.families = {"identity": 3.0, "gradient": 1.0, "Laplacian": 2.0}
    assert claims.kernel_order(m).verdict is False
    sym = _model_weights(units=np.ones(4), features=np.ones((4, 3)), task=MORPH, kernel_set="ID_LAP_AV", channels=4)
    assert claims.gradient_over_laplacian(sym).verdict is None


def test_every_question_has_a_criterion_and_the_activity_question_compares_the_readings():
    u = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    R = WeightsResults({"a": _model_weights(units=u, channels=4, features=np.ones((4, 2)))}, {}, GS, SimpleNamespace())
    qs = claims.questions(R)
    assert all(q.threshold for q in qs) and {q.label for q in qs} <= {"✅ yes", "❌ no", "➖ not answered here"}
    helps = claims.activity_helps(R)  # the units: ρ = 1 with the activity, −1 from the weights alone
    assert helps.verdict is True and "mean ρ 1.00 with the activity, -1.00 from the weights alone" in helps.evidence
    assert "| hand-made | 0 | 1.00 (-1.00) |" in R.rank_table() and "the PDE" in R.laplacian_table()



def test_the_laplacian_tables_are_narrow_and_say_blow_up_in_words():
    """A row per channel and a column per model (not a column per channel), the effective diffusion apart:
    two tables that fit the book's column; an ablation that blew up is said so."""
    f = np.array([[1.0, 0.5], [0.5, 0.25], [0.2, 0.1], [0.1, 0.05]])
    damage = f.copy()
    damage[1, 1] = np.inf  # zeroing B·LAP blows the rollout up
    m = _model_weights(units=np.ones(3), features=f, channels=4, diffusion=np.array([[0.1, 0.0], [0.0, 0.05]]),
                       ablation=Ablation(0.0, np.ones(3), damage, np.ones(4), {}))
    lap, diff = WeightsResults({"a": m}, {}, GS, SimpleNamespace()).laplacian_table().split("\n\n")
    assert lap.splitlines() == ["| channel read through LAP | hand-made |", "|---|---|", "| A | 0.50 (0.5) |",
                                "| B | 0.25 (blow-up) |", "| h2 | 0.10 (0.1) |", "| h3 | 0.05 (0.05) |"]
    assert diff.splitlines()[2:] == ["| hand-made | 0.1000 | 0.0000 | 0.0000 | 0.0500 |",
                                     f"| the PDE | {GS.d_a * GS.dt:g} | 0 | 0 | {GS.d_b * GS.dt:g} |"]


def test_caveats_name_a_laplacian_below_the_criterion_whose_ablation_matters():
    f = np.array([[1.0, 0.05], [0.5, 0.5], [0.2, 0.2]])  # A·LAP 0.05 of the largest (A·ID): below the criterion
    dmg = np.array([[3.0, 2.0], [0.1, 0.2], [0.3, 0.4]])  # but zeroing it does the second largest damage
    m = _model_weights(units=np.ones(4), features=f, channels=3,
                       ablation=Ablation(0.0, np.ones(4), dmg, np.ones(3), {"identity": 1.0, "Laplacian": 1.0}))
    R = WeightsResults({"m": m}, {}, GS, SimpleNamespace())
    assert claims.reads_laplacian(m, 0).verdict is False
    text = claims.caveats(R)
    assert "hand-made: A·LAP is 0.05 of the largest feature (A·ID) but its ablation ranks 2 of 6" in text
    assert "B·LAP" not in text  # B passes the criterion
    m.ablation.features = np.array([[3.0, 0.0], [0.1, 0.2], [0.3, 0.4]])  # now A·LAP does the least damage
    assert claims.caveats(R) == ""

# ------------------------------------------------------------------ figures
def test_importance_against_damage_is_readable_on_its_symlog_axes(tmp_path, monkeypatch):
    """Readings from 10⁻⁷ to 0.05 and damages on both sides of 0, as the Gray-Scott models have: on the symlog axes
    no label touches another (0 against 10⁻⁵ and 10⁻² did), and the text is ≥ 8 pt at the column's width."""
    import matplotlib

    matplotlib.use("Agg")
    from nca_core.chapters.weights import figures
    from nca_core.view import plotting
    from nca_core.view.ticks import overlapping_text

    monkeypatch.setenv("NCA_FIGURE_DIR", str(tmp_path))
    u = np.array([1e-7, 2e-5, 1e-4, 1e-3, 5e-3, 1e-2, 3e-2, 0.05])
    damage = np.array([-0.08, -0.01, 0.003, 0.02, 0.5, 3.0, 8.0, 30.0])
    f = np.array([[1.0, 0.5], [0.2, 0.1], [0.01, 0.004], [0.002, 1e-4]])
    fd = np.array([[200.0, 10.0], [3.0, 1.0], [0.5, -0.01], [0.02, np.inf]])
    models = {n: _model_weights(units=u, features=f, channels=4,
                                ablation=Ablation(0.0, damage, fd, np.array([300.0, 2.0, -0.02, 0.5]), {}))
              for n in ("Gray-Scott t = 4", "Gray-Scott t = 16")}
    for n, m in models.items():
        m.name = n
    R = WeightsResults(models, {}, GS, SimpleNamespace())
    for fig in (figures.versus(R), figures.kernels(R)):
        assert not overlapping_text(fig)
        assert plotting.smallest_text_pt(fig) >= 0.95 * plotting.MIN_PT
    assert {p.name for p in tmp_path.iterdir()} == {figures.VERSUS, figures.KERNELS}


# ------------------------------------------------------------------ models, refusals
def test_it_reads_the_shipped_models_and_trains_none(monkeypatch):
    keys = {j.label: j.key for j in WEIGHTS.models("long")}
    assert set(keys.values()) == {"844b52d1953d8e62", "e3d9c015de39346d", "34918888ac5d482d",  # Gray-Scott 4, 16, 32
                                  "a2c4e7e5a0871209", "865c7203f75fe190", "4a37bc6af7d6a778"}  # the morph ones
    monkeypatch.setattr(sweep, "lookup", lambda job: None)
    with pytest.raises(ValueError, match="trains none"):
        measure.models(WEIGHTS.at("long"))


def test_bad_input_is_refused():
    model = _random()
    with pytest.raises(ValueError, match="states"):
        measure.activity(model.params, model.config, np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="cells"):
        measure.activity(model.params, model.config, _states(model), cells=0)
    with pytest.raises(ValueError, match="frames"):
        measure.gray_scott_distance(model, np.zeros((1, 8, 8, 2)), np.zeros((2, 1, 8, 8, 2)), [4])
    with pytest.raises(ValueError, match="what"):
        _model_weights(units=np.ones(4)).ablation.damage("weights")
    with pytest.raises(ValueError, match="horizon"):
        WEIGHTS.at("smoke", horizon=8)
    with pytest.raises(ValueError, match="morph"):
        WEIGHTS.at("smoke", morph=["C8"])


def test_the_long_profile_loads_the_shipped_readings_and_ablations_without_a_rollout(tmp_path, monkeypatch):
    """A fresh clone (empty results cache): every model's activity and ablations come from artefacts/."""
    from nca_core.runs import store

    for name in ("NCA_WEIGHTS_DIR", "NCA_ARTEFACTS_DIR", store.SHIP_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path / "results"))

    def no_rollouts(*a, **k):
        raise AssertionError("a shipped model's readings or ablations were computed again")

    monkeypatch.setattr(measure, "activity", no_rollouts)
    monkeypatch.setattr(measure, "ablate", no_rollouts)
    R = measure.run(WEIGHTS.at("long"), progress=False)
    assert len(R.models) == 6 and all(m.cached for m in R.models.values())
    assert [m.name for m in R.of(GRAY_SCOTT)] == ["Gray-Scott t = 4", "Gray-Scott t = 16", "Gray-Scott t = 32"]
    assert not (tmp_path / "results" / "stability").exists()
    text = (measure.store.artefacts_dir() / "README.md").read_text(encoding="utf-8")
    assert all(f"`{m['key']}`" in text for m in store.shipped() if m["kind"] == measure.KIND)
