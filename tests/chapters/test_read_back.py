"""Reading the rule back: the library holds the PDE exactly, the regressions recover PDEs they are given (strong
and weak form, another parameter set, pure diffusion), the Gray-Scott fit finds the coefficients of frames it
is given, the questions' logic and the refusals."""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.chapters.read_back import claims, measure
from nca_core.chapters.read_back.measure import TERMS, ReadBack
from nca_core.data import gray_scott as pde


def _traj(params: pde.GrayScottParams, steps: int = 24) -> np.ndarray:
    return pde.solve(pde.training_ics()[:2, :32, :32], steps, params, dtype="float64")


def test_the_library_holds_the_pde_exactly():
    x = np.random.default_rng(0).random((3, 9, 9, 2))
    for params in (pde.PRESETS["published"], pde.PRESETS["mitosis"]):
        np.testing.assert_allclose(measure.library(x) @ measure.truth(params).T, pde.rhs(x, params), atol=1e-12)
        assert measure.coefficients(measure.truth(params)) == pytest.approx(measure.true_coefficients(params))
    ic = pde.training_ics()[:1, :16, :16].astype(np.float64)
    np.testing.assert_allclose(measure.run_library(measure.truth(pde.PRESETS["published"]), ic, 5),
                               pde.solve(ic, 5, dtype="float64")[-1], atol=1e-10)


@pytest.mark.parametrize("preset", ["published", "mitosis"])
def test_strong_and_weak_forms_recover_the_pde_they_are_given(preset):
    params = pde.PRESETS[preset]
    y = _traj(params)
    true = measure.true_coefficients(params)
    for fit in (measure.strong(y, 20000, seed=1), measure.weak(y, 6, 20000, seed=1, skip=2)):
        assert all(e < 1e-3 for e in claims.errors(fit.coefficients, true).values()), fit.form
        assert min(fit.r2) > 0.9999
        np.testing.assert_array_equal(fit.xi != 0, measure.truth(params) != 0)  # no spurious term, none missing


def test_pure_diffusion_reads_back_as_diffusion_alone():
    y = _traj(pde.PRESETS["published"], 1)[0]
    frames = [y]
    for _ in range(20):  # ∂A = 0.2∇²A, ∂B = 0.1∇²B
        frames.append(frames[-1] + np.stack([0.2 * pde.laplacian(frames[-1][..., 0]),
                                             0.1 * pde.laplacian(frames[-1][..., 1])], -1))
    fit = measure.strong(np.stack(frames), 20000)
    want = np.zeros((2, len(TERMS)))
    want[0, TERMS.index("∇²A")], want[1, TERMS.index("∇²B")] = 0.2, 0.1
    np.testing.assert_allclose(fit.xi, want, atol=1e-8)


def test_the_gray_scott_fit_finds_the_coefficients_of_its_frames():
    params = pde.PRESETS["mitosis"]
    frames = _traj(params, 16)[::4]
    start = measure.true_coefficients(pde.PRESETS["published"])
    found, mismatch = measure.fit_gray_scott(frames, 4, start, evaluations=100)
    assert all(e < 0.01 for e in claims.errors(found, measure.true_coefficients(params)).values()), found
    assert mismatch < 1e-3


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="theta"):
        measure.regress(np.zeros((20, 5)), np.zeros((20, 2)), "x")
    with pytest.raises(ValueError, match="rows"):
        measure.regress(np.zeros((5, len(TERMS))), np.zeros((5, 2)), "x")
    with pytest.raises(ValueError, match="window"):
        measure.weak(np.zeros((4, 1, 8, 8, 2)), 5, 100)
    with pytest.raises(ValueError, match="traj"):
        measure.strong(np.zeros((3, 1, 8, 8, 2)), 100, skip=2)


def test_questions_answer_yes_for_the_truth_and_no_for_a_wrong_pde():
    params = pde.PRESETS["published"]
    y = _traj(params)
    good = measure.strong(y, 20000)
    wrong = measure.strong(_traj(pde.PRESETS["mitosis"]), 20000)
    true = measure.true_coefficients(params)
    R = ReadBack(params, good, measure.weak(y, 4, 20000), {4: None, 8: None}, strong={4: good, 8: wrong},
                 weak={4: good, 8: wrong}, gs_fit={4: (true, 0.0), 8: (wrong.coefficients, 1.0)},
                 frames_nca={4: 0.5, 8: 0.5},
                 unseen={4: {"NCA": 2.0, "strong": 0.0, "weak": 0.0, "Gray-Scott fit": 0.0},
                         8: {"NCA": 2.0, "strong": np.nan, "weak": 1.0, "Gray-Scott fit": 1.0}}, test_steps=10)
    qs = claims.questions(R)
    assert [q.verdict for q in claims.control(R)] == [True, True]
    assert [q.verdict for q in claims.nca(R)] == [True, True, False, False]
    assert [q.verdict for q in claims.gray_scott_fit(R)] == [True, False]
    assert [q.verdict for q in claims.unseen(R)] == [True, False]
    blown = claims.unseen(R)[1].evidence  # a read-back that blew up is said so, not printed as nan
    assert "strong blew up, weak 1" in blown and "nan" not in blown.lower()
    assert all(q.threshold for q in qs) and len(qs) == 10


def test_the_read_backs_are_computed_once_then_loaded(dirs, monkeypatch):
    """The control and each model's read-backs are stored under their settings (and the model's key and weights): a
    second run loads the same numbers, solving and regressing nothing; other settings are another entry."""
    from types import SimpleNamespace

    def trajectory(x, m, start=0):  # the PDE itself as the model, one hidden channel
        ys = pde.solve(x[..., :2], m)[1:]
        return np.concatenate([ys, np.zeros(ys.shape[:-1] + (1,), ys.dtype)], -1)

    tr = SimpleNamespace(job=SimpleNamespace(key="fake", label="PDE"), weights_hash="0123", source="cache",
                         model=lambda: SimpleNamespace(trajectory=trajectory))
    P = SimpleNamespace(steps=12, rows=800, seed=0, window_min=4, test_size=64, test_steps=8, fit_frames=2,
                        fit_evaluations=3)
    params = pde.PRESETS["published"]
    ref = lambda: pde.solve(pde.training_ics(), P.steps, params, every=1)  # noqa: E731
    c1 = measure.control(P, params, ref)
    r1 = measure.read_model(P, params, 2, tr, ref, c1[2])
    for name in ("strong", "weak", "fit_gray_scott", "run_library"):
        monkeypatch.setattr(measure, name, lambda *a, **k: pytest.fail("computed again"))
    never = lambda: pytest.fail("the PDE solved again")  # noqa: E731
    c2 = measure.control(P, params, never)
    r2 = measure.read_model(P, params, 2, tr, never, c2[2])
    for a, b in zip(c1[:2] + (r1["strong"], r1["weak"]), c2[:2] + (r2["strong"], r2["weak"])):
        np.testing.assert_array_equal(a.xi, b.xi)
        assert (a.r2, a.rows, a.form) == (b.r2, b.rows, b.form)
    np.testing.assert_array_equal(c1[2], c2[2])
    assert r1["gs_fit"] == r2["gs_fit"] and list(r2["gs_fit"][0]) == ["D_A", "D_B", "α", "γ"]
    assert r1["frames_nca"] == r2["frames_nca"] and list(r1["unseen"].items()) == list(r2["unseen"].items())
    assert list(r2["ends"]) == list(measure.ENDS)
    for k in measure.ENDS:
        np.testing.assert_array_equal(r1["ends"][k], r2["ends"][k])
        assert r1["ends"][k].dtype == r2["ends"][k].dtype
    with pytest.raises(pytest.fail.Exception, match="computed again"):  # another model's weights: computed
        measure.read_model(P, params, 2, SimpleNamespace(**{**vars(tr), "weights_hash": "4567"}), ref, c1[2])


def test_the_coefficient_tables_have_three_columns_unbroken_labels_and_break_only_between_terms():
    """A table per equation (was one of five columns, whose "NCA t = 4" and terms wrapped inside the column's width):
    read from, R², the right-hand side; labels joined by no-break spaces; a line may break only before a term's
    sign, never between a coefficient and its term."""
    params = pde.PRESETS["published"]
    xi = measure.truth(params)
    ctrl = measure.Fit(xi, (1.0, 1.0), 100, "strong, one step")
    noisy = xi + np.array([[0.01, -0.2, 0.0, 0.5, 0, 0, 0, 0, 0, 0, 0, 0]] * 2)
    R = ReadBack(params, ctrl, measure.Fit(xi, (1.0, 1.0), 100, "weak, windows of 4 steps"), {16: None},
                 strong={16: measure.Fit(noisy, (0.93821, 0.9), 100, "strong, one step")},
                 weak={16: measure.Fit(noisy, (0.9, 0.5), 100, "weak, windows of 16 steps")})
    nb = "\u00a0"
    assert measure.right_hand_side(xi[0]) == f"0.0623 −{nb}0.0623{nb}A −{nb}AB² +{nb}0.1{nb}∇²A"
    assert measure.right_hand_side(noisy[1]) == (f"0.01 −{nb}0.2{nb}A −{nb}0.125{nb}B +{nb}0.5{nb}A² +{nb}AB² "
                                                  f"+{nb}0.05{nb}∇²B")
    assert measure.right_hand_side(np.zeros(len(TERMS))) == "0"
    a, b = measure.coefficient_tables(R).split("\n\n")
    assert [r.split(" | ")[0] for r in a.splitlines()] == [
        "| read from", "|---|---|---|", "| the true PDE", f"| PDE,{nb}strong", f"| PDE,{nb}weak{nb}(4{nb}steps)",
        f"| t{nb}={nb}16,{nb}strong", f"| t{nb}={nb}16,{nb}weak{nb}(16{nb}steps)"]
    assert a.splitlines()[0] == "| read from | R² | ΔA = |" and b.splitlines()[0] == "| read from | R² | ΔB = |"
    assert f"| t{nb}={nb}16,{nb}strong | 0.9382 | 0.0723 −{nb}0.262{nb}A +{nb}0.5{nb}A² −{nb}AB² " in a
    for row in (a + "\n" + b).splitlines():
        assert row.count("|") == 4, row  # three cells
    for row in a.splitlines()[2:] + b.splitlines()[2:]:
        rhs = row.split(" | ")[2].removesuffix(" |")
        assert all(chunk[0] in "+−" for chunk in rhs.split(" ")[1:]), rhs  # breaks only before a sign
