"""Other regions of parameter space: the regime measures against oracles (sine waves, fronts, hand-made pieces,
each preset's own PDE), the target against a model that IS the Euler step and one that never moves, the questions
on hand-made outcomes, the models declared and the refusals."""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.chapters.regimes import claims, jobs, measure
from nca_core.chapters.regimes.measure import Outcome, Regimes, Signature
from nca_core.chapters.regimes.notebooks import REGIMES_NOTEBOOK
from nca_core.data import gray_scott as pde


# ------------------------------------------------------------------ the regime of a run
def test_reversals_count_the_turns_of_an_oscillation_and_not_a_front():
    n = np.arange(0, 1001, 4)
    wave = 0.3 * np.sin(2 * np.pi * n / 100)  # 10 periods: 20 turns
    front = 0.6 / (1 + np.exp(-(n - 500) / 20.0))  # a front passing the cell: one rise, no turn
    settle = 0.5 * (1 - np.exp(-n / 50.0)) + 0.02 * np.sin(n / 7.0)  # rises, then wobbles below the swing
    frames = np.stack([wave, front, settle], -1)
    count = measure.reversals(frames)
    assert count[0] in (19, 20) and count[1] == 0 and count[2] == 0
    assert measure.reversal_rate(wave[:, None, None]) == pytest.approx(count[0] * 1000 / 1000)
    assert measure.reversals(np.zeros((1, 3)), swing=0.1).tolist() == [0, 0, 0]


def test_pieces_are_the_connected_sets_above_the_threshold():
    b = np.zeros((20, 20))
    b[2:5, 2:5] = 0.5  # 9 cells
    b[10:12, 3:15] = 0.4  # 24 cells
    b[15, 15] = 0.1  # below the threshold
    b[5, 5] = 0.3  # touches the first square diagonally: one piece with it
    assert sorted(measure.pieces(b).tolist()) == [10, 24]
    assert measure.pieces(np.zeros((5, 5))).size == 0


def _sig(**kw) -> Signature:
    base = dict(steps=1024, pieces_mid=10, pieces_end=10, area=20.0, contrast=0.1, coverage=0.2,
                wavelength=10.0, invasion=0.2, rate=0.0)
    return Signature(**{**base, **kw})


@pytest.mark.parametrize("kw,kind", [
    ({"contrast": 0.01}, "flat"),
    ({"contrast": 0.01, "rate": 5.0}, "flat"),
    ({"rate": 2.0}, "oscillating"),
    ({"area": 200.0}, "stripes"),
    ({"pieces_end": 13}, "self-replicating spots"),
    ({"pieces_end": 12}, "stationary spots"),
    ({}, "stationary spots"),
])
def test_classify_follows_the_stated_rules(kw, kind):
    assert measure.classify(_sig(**kw)) == kind == _sig(**kw).kind


@pytest.mark.parametrize("preset", sorted(measure.EXPECTED))
def test_each_presets_pde_shows_its_regime_from_the_training_ics(preset):
    """The oracle of the presets: the solver itself, on the 64 × 64 training ICs over the training horizon."""
    s = measure.pde_signature(pde.preset(preset), pde.training_ics(), 1024)
    assert s.kind == measure.EXPECTED[preset], s.text()
    assert s.image is not None and s.image.shape == (64, 64)


@pytest.mark.parametrize("name,not_kind", [("Solitons", "stationary spots"), ("Chaos", "oscillating"),
                                           ("Waves", "oscillating")])
def test_rejected_candidates_do_not_show_their_regime_here(name, not_kind):
    f, k, _ = measure.REJECTED[name]
    s = measure.pde_signature(pde.GrayScottParams(alpha=f, gamma=k), pde.training_ics(), 1024)
    assert s.kind != not_kind, s.text()
    if name != "Solitons":
        assert s.kind == "flat"  # the training data lose their pattern


def test_the_new_presets_keep_the_old_ones():
    assert pde.PRESETS["published"] == pde.GrayScottParams()
    assert (pde.PRESETS["mitosis"].alpha, pde.PRESETS["mitosis"].gamma) == (0.0367, 0.0649)
    for p in jobs.REGIMES:
        assert p in pde.PRESETS and pde.PRESETS[p].d_a == 0.1 and pde.PRESETS[p].d_b == 0.05


# ------------------------------------------------------------------ an NCA in a regime
class _State:
    def __init__(self, x):
        self.x = x

    def numpy(self):
        return self.x


class _Model:
    """A model that IS the Euler step of the PDE of ``params`` (or, with ``frozen``, never moves): the parts of
    the NCA's interface that the measures use."""

    def __init__(self, params: pde.GrayScottParams, frozen: bool = False):
        self.params, self.frozen = params, frozen
        self.config = type("Config", (), {"observable": 2})()

    def prepare_state(self, ic):
        return _State(np.asarray(ic, np.float32)[None])

    def trajectory(self, x, m, seed=0, start=0):
        x = np.asarray(x, np.float32)[..., :2]
        if self.frozen:
            return np.repeat(x[None], m, axis=0)
        return pde.solve(x, m, self.params, every=1)[1:]

    def rollout(self, x, steps, seed=0, frames=()):
        traj = self.trajectory(x, steps)
        return np.stack([traj[f - 1] for f in frames])


def test_a_model_that_is_the_euler_step_scores_as_learnt_in_every_kind_of_regime():
    ic = pde.test_ic(64)
    for preset in ("spots", "oscillating"):
        o = measure.outcome(_Model(pde.preset(preset)), preset, ic, 512, shots=(128, 256))
        assert o.test_loss == 0.0 and o.transition == 0.0 and o.relative_loss == 0.0
        assert o.invasion == o.invasion_pde and o.rate == o.rate_pde and o.wavelength == o.wavelength_pde
        assert measure.meets_target(o), measure.criteria(o)
        assert sorted(o.snapshots) == [0, 128, 256, 512]
        np.testing.assert_array_equal(o.snapshots[512][0], o.snapshots[512][1])
    # the two kinds of target were both exercised: the spots' PDE stays put, the oscillating one spreads and turns
    assert not measure.outcome(_Model(pde.preset("spots")), "spots", ic, 512, transition=False).invades


def test_a_model_that_never_moves_misses_an_invading_regime_and_is_as_far_as_a_frozen_ic():
    ic = pde.test_ic(64)
    o = measure.outcome(_Model(pde.preset("mazes"), frozen=True), "mazes", ic, 512, transition=False)
    assert o.invades and o.invasion == 0.0 and not measure.meets_target(o)
    assert o.relative_loss == pytest.approx(1.0, rel=1e-5)
    assert np.isnan(o.transition)


def _outcome(preset="x", ok=True, oscillates=False, transition=0.3, diverged_at=None) -> Outcome:
    rate_pde = 3.0 if oscillates else 0.0
    return Outcome(preset, 2048, invasion=0.4 if ok else 0.05, invasion_pde=0.4, wavelength=10.0, wavelength_pde=10.0,
                   contrast=0.1, contrast_pde=0.1, rate=rate_pde, rate_pde=rate_pde, test_loss=10.0, frozen=20.0,
                   transition=transition, diverged_at=diverged_at)


def test_the_target_is_the_main_chapters_for_an_invading_maze_and_fits_the_others():
    assert measure.meets_target(_outcome())
    assert not measure.meets_target(_outcome(ok=False))  # invades an eighth of what the PDE does
    assert not measure.meets_target(_outcome(diverged_at=100))
    o = _outcome(oscillates=True)
    o.rate = 0.5  # oscillates 6× slower than the PDE
    assert not measure.meets_target(o)
    o.rate = 1.6
    assert measure.meets_target(o)
    still = Outcome("spots", 2048, 0.0, 0.0, 10.0, 10.0, 0.1, 0.1, 0.0, 0.0, 10.0, 20.0)
    assert not still.invades and measure.meets_target(still)
    still.invasion = 0.3  # the spots' NCA spreads where the PDE's does not
    assert not measure.meets_target(still)
    still.invasion, still.contrast = 0.0, 0.02  # erases the pattern
    assert not measure.meets_target(still)
    grows_a_maze = _outcome()
    grows_a_maze.area, grows_a_maze.area_pde = 400.0, 25.0  # the PDE's pieces are spots, the NCA's a maze
    assert not measure.meets_target(grows_a_maze)
    grows_a_maze.area = 30.0
    assert measure.meets_target(grows_a_maze)
    assert "wavelength within 15%" in measure.target_text()
    assert measure.TARGET_INVASION == 0.5 and measure.TARGET_WAVELENGTH == 0.15  # the main chapter's


# ------------------------------------------------------------------ the questions
def _regimes(outcomes: dict[str, Outcome]) -> Regimes:
    return Regimes(list(outcomes), {}, outcomes, {})


def test_questions_answer_from_hand_made_outcomes():
    good = {"published": _outcome("published"), "spots": _outcome("spots"), "mazes": _outcome("mazes"),
            "oscillating": _outcome("oscillating", oscillates=True, transition=0.6)}
    R = _regimes(good)
    assert claims.patterning(R) == ["spots", "mazes"] and claims.oscillating(R) == ["oscillating"]
    assert claims.alike(R).verdict is True
    assert claims.harder(R).verdict is True  # meets its target, with twice the reference's transition error
    good["oscillating"] = _outcome("oscillating", oscillates=True, transition=0.35)
    assert claims.harder(_regimes(good)).verdict is False  # meets it as easily as the maze
    good["oscillating"] = _outcome("oscillating", ok=False, oscillates=True, transition=0.3)
    assert claims.harder(_regimes(good)).verdict is True  # misses it
    good["mazes"] = _outcome("mazes", ok=False)
    assert claims.alike(_regimes(good)).verdict is False
    # not answered: too few patterning regimes, no oscillating one, no yardstick
    assert claims.alike(_regimes({"published": _outcome(), "spots": _outcome()})).verdict is None
    assert claims.harder(_regimes({"published": _outcome(), "spots": _outcome()})).verdict is None
    bad_ref = {"published": _outcome(ok=False), "oscillating": _outcome(oscillates=True)}
    assert claims.harder(_regimes(bad_ref)).verdict is None
    for q in claims.learnt(R) + [claims.alike(R), claims.harder(R)]:
        assert q.threshold and q.evidence


def test_the_measures_table_says_blew_up_and_not_measured_instead_of_nan():
    blown = Outcome("spots_and_loops", 2048, *[float("nan")] * 2, float("nan"), 10.0, *[float("nan")] * 2,
                    float("nan"), 3.0, float("nan"), 20.0, diverged_at=300)
    table = _regimes({"published": _outcome("published", transition=float("nan")), "spots_and_loops": blown}).table()
    lines = table.splitlines()
    assert lines[2] == "| published | 0.40 / 0.40 | 10.0 / 10.0 | 0.00 / 0.00 | 0.50 | not measured | met |"
    assert lines[3] == ("| spots and loops | blew up / – | blew up / 10.0 | blew up / 3.00 | blew up | not measured "
                        "| missed |")
    assert "nan" not in table.lower() and "inf" not in table.lower()


def test_regime_checks_are_set_up_rows_from_the_signatures():
    sig = {"training ICs": _sig(area=200.0), "unseen IC": _sig(area=150.0)}
    R = Regimes(["published", "spots"], {}, {}, {"published": sig, "spots": sig})
    rows = claims.regime_checks(R)
    assert all(r.setup for r in rows)
    assert [r.verdict for r in rows] == [True, False]  # the maze is stripes; stripes are not stationary spots


# ------------------------------------------------------------------ the models and the refusals
def test_the_models_are_the_main_chapters_recipe_and_the_papers_regime_is_its_shipped_grid_model():
    from nca_core.book import registry
    from nca_core.runs.job import selection_rule

    grid = REGIMES_NOTEBOOK.at("grid")
    js = jobs.regime_jobs(grid)
    assert list(js) == ["published", *jobs.REGIMES]
    main = registry.jobs("time_sampling", "grid", {"sampling": [32], "seeds": [0]})
    assert js["published"].key == main[0].key  # the main chapter's grid model: shipped, not trained again
    for p in jobs.REGIMES:
        j = js[p]
        assert j.data["preset"] == p and j.select == jobs.REGIME_RULE and j.train.epochs == 300
        assert j.train.lr_schedule == "cosine" and j.train.t == 32 and j.nca == main[0].nca
    assert selection_rule(jobs.REGIME_RULE) is measure.select_regime
    smoke = REGIMES_NOTEBOOK.models("smoke")
    assert len(smoke) == 2 and all(j.train.epochs == 2 and not j.select for j in smoke)
    assert len(REGIMES_NOTEBOOK.models("quick")) == 6


def test_select_regime_is_the_main_rule_with_the_regimes_target(monkeypatch):
    from nca_core.chapters.gray_scott import quality

    seen = {}

    def fake(job, result, check=None):
        seen["check"] = check
        return "kept"

    monkeypatch.setattr(quality, "select_validated", fake)
    monkeypatch.setattr(measure, "validation_check", lambda m, p: (p == "spots", p))
    job = jobs.regime_job("spots", REGIMES_NOTEBOOK.at("grid"))
    assert measure.select_regime(job, None) == "kept"
    assert seen["check"](None) == (True, "spots")


@pytest.mark.parametrize("call,needle", [
    (lambda: measure.reversals(np.zeros((3, 2)), swing=0.0), "swing"),
    (lambda: measure.reversal_rate(np.zeros((3, 2)), every=0), "every"),
    (lambda: measure.pde_signature(pde.preset("spots"), pde.training_ics(), 12), "steps"),
    (lambda: measure.outcome(None, "spots", pde.test_ic(64), 12), "steps"),
    (lambda: measure.outcome(None, "nosuch", pde.test_ic(64), 16), "preset"),
    (lambda: REGIMES_NOTEBOOK.at("smoke", regimes=["nosuch"]), "regimes"),
])
def test_bad_input_is_refused_naming_it(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()


def test_outcomes_and_signatures_are_stored_and_read_back(dirs):
    from types import SimpleNamespace

    calls = []

    def model():
        calls.append(1)
        return _Model(pde.preset("mazes"))

    tr = SimpleNamespace(job=SimpleNamespace(key="k", label="euler"), weights_hash="w", source="cache", model=model)
    ic = pde.test_ic(64)
    first = measure.stored_outcome(tr, "mazes", ic, 64, (16, 32), 32)
    again = measure.stored_outcome(tr, "mazes", ic, 64, (16, 32), 32)
    assert len(calls) == 1  # the second came from the store
    assert repr(again.to_dict()) == repr(first.to_dict()) and sorted(again.snapshots) == [0, 16, 32, 64]  # NaNs too
    np.testing.assert_array_equal(again.snapshots[64][0], first.snapshots[64][0])
    s1 = measure.stored_signature(pde.preset("spots"), pde.training_ics(), 64)
    s2 = measure.stored_signature(pde.preset("spots"), pde.training_ics(), 64)
    assert s1.text() == s2.text() and np.array_equal(s1.image, s2.image)
    assert list((dirs / "results" / "stability" / "regimes_signature").glob("*.npz"))


def test_the_typical_piece_is_the_one_the_median_patterned_cell_is_in():
    assert measure.typical_area(np.array([500, 3, 4, 5, 6])) == 500  # a maze beside a few fragments
    assert measure.typical_area(np.array([20, 25, 30])) == 25
    assert measure.typical_area(np.zeros(0)) == 0.0
