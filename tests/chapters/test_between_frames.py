"""Between the frames: the step-by-step comparison against oracles (the PDE itself, a model exact only at the
frames, a model that never moves), the questions' logic, the models it reads and its refusals."""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.chapters.between_frames import claims, measure
from nca_core.chapters.between_frames.measure import Between, Track, track
from nca_core.chapters.between_frames.notebooks import BETWEEN_FRAMES
from nca_core.data import gray_scott as pde
from nca_core.runs import sweep


def _y0(size: int = 16) -> np.ndarray:
    a = np.ones((2, size, size))
    a[0, 4:9, 5:11] = 0.0
    a[1, 2:5, :] = 0.0
    return np.stack([a, 1.0 - a], -1).astype(np.float32)


def _pde_rollout(hidden: int = 0):
    """The PDE itself as a model (hidden channels that stay at 0)."""
    def roll(x, m):
        ys = pde.solve(x[..., :2], m)[1:]
        return np.concatenate([ys, np.zeros(ys.shape[:-1] + (hidden,), ys.dtype)], -1)
    return roll


def _frame_jumper(t: int):
    """Exact at every multiple of t, frozen in between (holds the last frame): the frames agree, the path does not."""
    done = [0]

    def roll(x, m):
        out, y, n = [], x[..., :2], done[0]
        for _ in range(m):
            n += 1
            if n % t == 0:
                y = pde.solve(y, t)[-1]
            out.append(y)
        done[0] = n
        return np.stack(out)
    return roll


def test_the_pde_tracks_itself_exactly():
    tr = track(_pde_rollout(hidden=3), 4, _y0(), 12, block=5)
    assert tr.distance.shape == (13,) and np.all(tr.distance == 0.0)
    assert np.isnan(tr.pde_step[0]) and np.all(tr.pde_step[1:] > 0)
    assert tr.hidden.shape == (13, 3) and np.all(tr.hidden == 0.0)
    np.testing.assert_array_equal(tr.frames, [4, 8, 12])
    np.testing.assert_array_equal(tr.between, [1, 2, 3, 5, 6, 7, 9, 10, 11])
    s = tr.summary()
    assert s["per_step"] == 0.0 and s["excursion"] == 1.0 and s["first"] == 0.0


def test_a_model_exact_only_at_the_frames_strays_between_them():
    t = 4
    tr = track(_frame_jumper(t), t, _y0(), 16, block=3)
    assert np.allclose(tr.distance[tr.frames], 0.0, atol=1e-5)
    # between the frames it is as far from the PDE as the PDE has moved since the last frame
    ref = pde.solve(_y0(), 16)
    for n in tr.between:
        held = ref[(n // t) * t]
        want = np.mean(np.sqrt(np.sum((held - ref[n]) ** 2, axis=(1, 2, 3))))
        assert tr.distance[n] == pytest.approx(want, rel=1e-4)
    s = tr.summary()
    assert np.isinf(s["excursion"]) and s["per_step"] >= 1.0  # n = 1: exactly one PDE step away


def test_a_model_that_never_moves_is_as_far_as_the_pde_has_gone():
    def frozen(x, m):
        return np.repeat(np.concatenate([x[..., :2], np.zeros(x.shape[:-1] + (2,), x.dtype)], -1)[None], m, 0)

    tr = track(frozen, 4, _y0(), 8)
    ref = pde.solve(_y0(), 8)
    want = np.mean(np.sqrt(np.sum((ref - ref[0]) ** 2, axis=(2, 3, 4))), axis=1)
    np.testing.assert_allclose(tr.distance, want, rtol=1e-5)
    assert tr.hidden_level() == (0.0, 0.0)


def test_a_blown_up_rollout_has_no_distance_from_then_on():
    def explode(x, m):
        out = np.repeat(np.concatenate([x[..., :2], np.zeros_like(x[..., :2])], -1)[None], m, 0)
        out[2:, 1] = np.nan  # the second trajectory blows up at step 3
        return out

    tr = track(explode, 2, _y0(), 6)
    assert np.all(np.isfinite(tr.distance[:3])) and np.all(np.isnan(tr.distance[3:]))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="y0"):
        track(_pde_rollout(), 4, _y0()[0], 4)
    with pytest.raises(ValueError, match="rollout"):
        track(lambda x, m: np.zeros((m, 16, 16, 2)), 4, _y0(), 4)
    with pytest.raises(ValueError, match="t"):
        track(_pde_rollout(), 0, _y0(), 4)
    with pytest.raises(ValueError, match="start"):
        measure.frame_start(-1, 4)
    assert measure.frame_start(512, 6) == 510 and measure.frame_start(512, 4) == 512


def _between(tracks: dict[int, Track]) -> Between:
    return Between(sorted(tracks), {}, {(t, 0): tr for t, tr in tracks.items()},
                   {t: tr for t, tr in tracks.items()})


def test_questions_answer_from_the_oracles():
    exact = track(_pde_rollout(hidden=2), 4, _y0(), 16)
    jumper = track(_frame_jumper(8), 8, _y0(), 16)
    R = _between({4: exact, 8: jumper})
    by = {}
    for c in claims.questions(R):
        by.setdefault(c.text.split(":")[0], []).append(c)
    track4, excursion4, cold4, startup4, unseen4 = by["t = 4"]
    assert track4.verdict is True and excursion4.verdict is False and cold4.verdict is False
    assert startup4.verdict is False and "stay at 0" in startup4.evidence  # hidden channels never start
    track8, excursion8, cold8, _, unseen8 = by["t = 8"]
    assert track8.verdict is False and excursion8.verdict is True and cold8.verdict is True and unseen8.verdict is True
    cost = [c for c in claims.questions(R) if c.text.startswith("Does coarser")][0]
    assert cost.verdict is None and "at least 3" in cost.evidence  # two time samplings cannot rank
    assert all(c.threshold for c in claims.questions(R))
    assert {c.label for c in claims.questions(R)} <= {"✅ yes", "❌ no", "➖ not answered here"}
    d8 = jumper.distance[8]  # the cold start's distance at the first frame, apart from the number before it
    assert f"at n = 8: {d8:.3g})" in cold8.evidence and "at n = 8 0" not in cold8.evidence, cold8.evidence


def test_coarser_sampling_cost_is_a_rank_correlation():
    def with_ratio(t, r):
        n = 4 * t
        d = np.full(n + 1, 0.5)
        d[0] = 0.0
        s = np.full(n + 1, 0.5 / r)
        return Track(t, 0, d, s, np.zeros((n + 1, 1)))

    R = _between({2: with_ratio(2, 1.0), 4: with_ratio(4, 2.0), 8: with_ratio(8, 3.0)})
    assert claims.cost(R).verdict is True
    R = _between({2: with_ratio(2, 3.0), 4: with_ratio(4, 2.0), 8: with_ratio(8, 1.0)})
    assert claims.cost(R).verdict is False


def test_it_reads_the_time_sampling_models_of_a_tier_and_trains_none(monkeypatch):
    keys = {j.train.t: j.key for j in BETWEEN_FRAMES.models("long")}
    # the long tier's Fig 4 models and the t = 6 check, shipped in weights/
    assert keys == {4: "844b52d1953d8e62", 6: "62c9ba4f4500c307", 16: "e3d9c015de39346d", 32: "34918888ac5d482d"}
    from nca_core.book import registry

    quick = {j.key for j in registry.jobs("time_sampling", "quick")}
    assert {j.key for j in BETWEEN_FRAMES.models("quick")} == quick
    monkeypatch.setattr(sweep, "lookup", lambda job: None)
    with pytest.raises(ValueError, match="trains none"):
        measure.models(BETWEEN_FRAMES.at("long"))


def test_the_report_counts_the_answers_apart_from_the_papers_claims(tmp_path):
    from nca_core import fileio
    from nca_core.book import reproduction

    def record(notebook, figure, verdicts):
        return {"notebook": notebook, "figure": figure, "profile": "long", "models": [], "training": "",
                "claims": [{"claim": f"{figure} {i}", "evidence": "e", "verdict": v, "threshold": "th"}
                           for i, v in enumerate(verdicts)], "setup": []}

    fileio.write_json(tmp_path / "noise__Fig_6.json", record("noise", "Fig 6", [True, False]))
    fileio.write_json(tmp_path / "between_frames__Between.json",
                      record("between_frames", "Between", [False, False, None]))
    rep = reproduction.gather(tmp_path)
    assert rep.totals == {"reproduced": 1, "not reproduced": 1, "not tested": 0, "total": 2}
    text = reproduction.markdown(rep)
    assert "**1 of 2 claims reproduced**" in text
    assert "3 questions of our own" in text and "answered yes 0, no 2, not answered 1" in text
    assert "| figure | question (ours) | this build | verdict |" in text and "❌ no |" in text
    assert "Between 0" not in text.split("### Why these fail")[1].split("###")[0]  # a "no" is not a failed claim


def test_a_models_tracks_are_computed_once_then_loaded(dirs, monkeypatch):
    """What a model's rollouts give is stored per model and settings: a second run loads the same numbers and rolls
    nothing out; other settings are another entry."""
    from types import SimpleNamespace

    rolled = []

    def trajectory(x, m, start=0):
        rolled.append(m)
        return _pde_rollout(hidden=1)(x, m)

    tr = SimpleNamespace(job=SimpleNamespace(key="fake", label="PDE"), weights_hash="0123", source="cache",
                         model=lambda: SimpleNamespace(trajectory=trajectory))
    train_states = lambda: pde.solve(pde.training_ics(), 4, every=1)  # noqa: E731
    ic, params = pde.test_ic(64), pde.PRESETS["published"]
    first = measure.followed(tr, 2, [0, 4], 6, 5, params, train_states, ic)
    assert rolled and len(list((dirs / "results" / "stability" / measure.KIND).glob("*.npz"))) == 1
    rolled.clear()
    again = measure.followed(tr, 2, [0, 4], 6, 5, params, lambda: pytest.fail("the PDE solved again"), ic)
    assert rolled == []
    for a, b in zip([*first[0].values(), first[1]], [*again[0].values(), again[1]]):
        assert (a.t, a.start) == (b.t, b.start)
        for k in ("distance", "pde_step", "hidden"):
            np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
            assert getattr(a, k).dtype == getattr(b, k).dtype
    assert first[0][4].summary() == again[0][4].summary() and list(first[2]) == list(again[2]) == [1, 2, 3]
    for n in first[2]:
        np.testing.assert_array_equal(first[2][n][0], again[2][n][0])
        np.testing.assert_array_equal(first[2][n][1], again[2][n][1])
    measure.followed(tr, 2, [0, 4], 7, 5, params, train_states, ic)  # another horizon: computed
    assert rolled and len(list((dirs / "results" / "stability" / measure.KIND).glob("*.npz"))) == 2
