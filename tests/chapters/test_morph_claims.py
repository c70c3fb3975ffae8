"""The morph-task claims: Fig 7's checks on the real data, and the chapter wrappers of Figs 8–9 on hand-made runs.

Fig 7 (:func:`fig7`): "a check that fails is 'not reproduced'; a check that passes on a set-up other than
the paper's (other ``names``, or ``pad`` ≠ 10) is 'not tested here'". Each broken set-up below breaks one thing
and rebuilds the rest consistently, so only the matching claim turns False.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nca_core.chapters.morph import claims
from nca_core.chapters.morph.measure import Fig8Results, Fig9Results, Morph, Run, colour_error, run_fig7, shape_iou
from nca_core.data import morph as data

PAPER = list(data.MORPH_SEQUENCE)


def task(names=PAPER, pad: int = 10, max_shift: int = 10, seed: int = 0):
    """The data of the ``morphing_task`` notebook for these parameters."""
    return run_fig7(SimpleNamespace(names=list(names), pad=pad, copies=8, max_shift=max_shift, seed=seed,
                                    input_noise=[1e-3, 0.05, 0.2]))


@pytest.fixture(scope="module")
def paper():
    return task()


def fig7(frames, lattice, y, shifts, names=PAPER, pad=10):
    return claims.fig7(frames, lattice, y, shifts, names, pad)


def verdicts(cs) -> list:
    return [c.verdict for c in cs]


def rolled(lattice: np.ndarray, shifts: list[dict]) -> np.ndarray:
    """The copies as the data module makes them: periodic rolls, ``[T, R, H, W, 4]``."""
    return np.stack([data.shift(lattice, s["dy"], s["dx"]) for s in shifts], axis=1)


def translated(lattice: np.ndarray, shifts: list[dict]) -> np.ndarray:
    """Zero-filled translations (what leaves the lattice is lost), ``[T, R, H, W, 4]``."""
    h, w = lattice.shape[1:3]
    big = np.pad(lattice, [(0, 0), (h, h), (w, w), (0, 0)])
    return np.stack([np.roll(big, (s["dy"], s["dx"]), axis=(1, 2))[:, h:2 * h, w:2 * w] for s in shifts], axis=1)


# ------------------------------------------------------------------ Fig 7
def test_fig7_paper_setup_reproduces_every_check(paper):
    c = fig7(paper.frames, paper.lattice, paper.y, paper.shifts)
    assert verdicts(c) == [True, True, True]
    assert c[0].evidence == ("T = 4 (alien → microbe → rooster → rooster), 3 transitions; last two frames identical: "
                             "yes (max difference 0)")
    assert c[1].evidence == ("images 60×60×4, values in [0, 1]; lattice 80×80 (pad 10); largest absolute value in "
                             "the border 0; interior equals the image: yes")
    largest = max(max(abs(s["dy"]), abs(s["dx"])) for s in paper.shifts)
    assert c[2].evidence == (f"8 copies, largest shift {largest} cells ≤ pad 10; copies equal to a zero-filled "
                             "translation: 8/8; α mass kept without wrap-around: 100.0% (worst copy)")


def _last_frame_differs(f, lat, y, sh):
    f[3] = f[1]  # alien → microbe → rooster → microbe
    return f, None, None, sh


def _dropped_frame(f, lat, y, sh):
    return f[1:], None, None, sh  # microbe → rooster → rooster: T = 3


def _repeated_frame(f, lat, y, sh):
    f[1] = f[0]  # alien → alien → rooster → rooster: a transition that changes nothing
    return f, None, None, sh


def _above_one(f, lat, y, sh):
    f[0, 30, 30, 0] = 1.5
    return f, None, None, sh


def _negative(f, lat, y, sh):
    f[1, 5, 7, 1] = -0.25
    return f, None, None, sh


def _border(f, lat, y, sh):
    lat[:, 40, 3, 0] = 0.2  # column 3 lies in the 10-cell border
    return f, lat, translated(lat, sh), sh


def _interior(f, lat, y, sh):
    lat = data.pad_lattice(f[::-1])  # the lattice holds other images than the frames
    return f, lat, rolled(lat, sh), sh


def _small_images(f, lat, y, sh):
    return f[:, 1:-1, 1:-1], None, None, sh  # 58×58 images in a 78×78 lattice


def _wrong_shift(f, lat, y, sh):
    sh = [dict(s) for s in sh]
    sh[0]["dy"] += 1  # the recorded shift is not the one applied
    return f, lat, y, sh


def _wraps(f, lat, y, sh):
    sh = [{"dy": 12, "dx": 0, "flip": None, "angle": 0.0}, *sh[1:]]  # 12 > pad: rows leave the lattice
    return f, lat, rolled(lat, sh), sh


def _cut_off(f, lat, y, sh):
    f, lat, y, sh = _wraps(f, lat, y, sh)
    return f, lat, translated(lat, sh), sh  # the rows that leave the lattice are dropped instead of wrapped


@pytest.mark.parametrize("breaks,expect,needle", [
    (_last_frame_differs, [False, True, True], "last two frames identical: no (max difference "),
    (_dropped_frame, [False, True, True], "T = 3 (alien → microbe → rooster → rooster), 2 transitions; last two "
                                           "frames identical: yes"),
    (_repeated_frame, [False, True, True], "last two frames identical: yes (max difference 0)"),
    (_above_one, [True, False, True], "values in [0, 1.5]"),
    (_negative, [True, False, True], "values in [-0.25, 1]"),
    (_border, [True, False, True], "largest absolute value in the border 0.2;"),
    (_interior, [True, False, True], "interior equals the image: no"),
    (_small_images, [True, False, True], "images 58×58×4, values in [0, 1]; lattice 78×78 (pad 10)"),
    (_wrong_shift, [True, True, False], "copies equal to a zero-filled translation: 7/8"),
    (_wraps, [True, True, False], "largest shift 12 cells"),
    (_cut_off, [True, True, False], "translation: 8/8; α mass kept without wrap-around: 9"),
])
def test_fig7_broken_setup_fails_the_matching_check(paper, breaks, expect, needle):
    f, lat, y, sh = breaks(paper.frames.copy(), paper.lattice.copy(), paper.y.copy(), list(paper.shifts))
    if lat is None:  # the frames changed: the lattice and the copies follow them
        lat = data.pad_lattice(f)
        y = rolled(lat, sh)
    c = fig7(f, lat, y, sh)
    broken = expect.index(False)
    assert c[broken].verdict is False and needle in c[broken].evidence
    assert verdicts(c) == expect  # the other checks still pass


def test_fig7_wrapped_copy_loses_alpha_mass(paper):
    f, lat, y, sh = _wraps(paper.frames, paper.lattice, paper.y, paper.shifts)
    kept = translated(lat, sh[:1])[..., 3].sum() / lat[..., 3].sum()
    assert 0.9 < kept < 1.0
    ev = fig7(f, lat, y, sh)[2].evidence
    assert f"copies equal to a zero-filled translation: 7/8; α mass kept without wrap-around: {100 * kept:.1f}%" in ev


@pytest.mark.parametrize("seed", range(12))
def test_fig7_every_shift_seed_of_the_paper_setup_reproduces_every_check(seed):
    """Shifts within the padding never wrap; the α-mass check must not depend on float32 rounding."""
    d = task(seed=seed)
    assert verdicts(fig7(d.frames, d.lattice, d.y, d.shifts)) == [True, True, True]


def test_fig7_shift_check_holds_for_a_single_shift_within_the_padding(paper):
    """The copy keeps all of its α mass; comparing two float32 sums taken in different orders must not matter."""
    sh = [{"dy": -8, "dx": 8, "flip": None, "angle": 0.0}]  # 2 cells from the edge: nothing leaves the lattice
    y = rolled(paper.lattice, sh)
    assert np.array_equal(y, translated(paper.lattice, sh))
    c = fig7(paper.frames, paper.lattice, y, sh)[2]
    assert "copies equal to a zero-filled translation: 1/1; α mass kept without wrap-around: 100.0%" in c.evidence
    assert c.verdict is True


def test_fig7_non_paper_names_leave_the_sequence_claim_untested():
    names = ["microbe", "alien", "rooster", "rooster"]
    d = task(names)
    c = fig7(d.frames, d.lattice, d.y, d.shifts, names)
    assert c[0].verdict is None
    assert c[0].evidence == ("T = 4 (microbe → alien → rooster → rooster), 3 transitions; last two frames identical: "
                             "yes (max difference 0); the names differ from the paper's sequence")


@pytest.mark.parametrize("names,pad", [(["microbe", "alien", "rooster", "rooster"], 10), (PAPER, 12)])
def test_fig7_checks_passing_on_a_non_paper_setup_are_not_tested(names, pad):
    """fig7_claims' contract: a check that passes on other names or pad ≠ 10 is "not tested here"."""
    d = task(names, pad=pad)
    c = fig7(d.frames, d.lattice, d.y, d.shifts, names, pad)
    assert "interior equals the image: yes" in c[1].evidence and "8/8" in c[2].evidence  # the checks pass
    assert [c[1].verdict, c[2].verdict] == [None, None]


@pytest.mark.parametrize("names,pad,breaks,claim", [
    (["alien", "microbe", "rooster"], 10, None, 0),  # T = 3: no fixed final image
    (PAPER, 12, _border, 1),
    (["microbe", "alien", "rooster", "rooster"], 10, _wraps, 2),
])
def test_fig7_checks_failing_on_a_non_paper_setup_are_not_reproduced(names, pad, breaks, claim):
    """fig7_claims' contract: a check that fails is "not reproduced", whatever the set-up."""
    d = task(names, pad=pad)
    f, lat, y, sh = d.frames, d.lattice, d.y, d.shifts
    if breaks is not None:
        f, lat, y, sh = breaks(f.copy(), lat.copy(), y.copy(), list(sh))
    assert fig7(f, lat, y, sh, names, pad)[claim].verdict is False


# ------------------------------------------------------------------ Figs 8–9 wrappers
def _morph(label: str, loss: float, iou: float = 0.8, detail: float = 10.0, t: int = 32, diverged: bool = False,
           colour: float = 0.05, extrapolation: float | None = None) -> Morph:
    ext = loss if extrapolation is None else extrapolation
    return Morph(label=label, t=t, steps=[0, t, 2 * t, 3 * t, 8 * t], obs=np.zeros((5, 2, 2, 4)),
                 errors=np.array([loss, loss, loss]), extrapolation_error=ext, iou=iou, detail=detail, colour=colour,
                 diverged_at=None, train_loss=loss, training_diverged=diverged)


def _run(m: Morph, epochs: int = 8000, diverged_epoch: int | None = None) -> Run:
    result = SimpleNamespace(loss=[m.train_loss] * epochs, diverged=diverged_epoch is not None,
                             diverged_epoch=diverged_epoch, train_loss=m.train_loss)
    job = SimpleNamespace(key=m.label, label=m.label)
    return Run(job=job, trained=SimpleNamespace(job=job, result=result), morph=m)


def _morphs(runs: dict) -> dict:
    return {k: r.morph for k, r in runs.items()}


@pytest.fixture()
def fig8_runs():
    kernels = {"ID_LAP": _run(_morph("a", 20)), "ID_LAP_AV": _run(_morph("b", 21)), "ID_DIFF": _run(_morph("c", 15)),
               "ID_DIFF_LAP": _run(_morph("d", 12.5, extrapolation=40.0))}
    activations = {"relu": _run(_morph("x relu", 12, extrapolation=11.5)),
                   "linear": _run(_morph("x linear", 25, iou=0.6, detail=14)),
                   "tanh": _run(_morph("x tanh", 13, detail=11))}
    no_noise = _run(_morph("nn", 30, diverged=True, extrapolation=55.0), epochs=120, diverged_epoch=117)
    return kernels, activations, no_noise


def test_fig8_passes_the_sweeps_the_ablation_and_the_relu_reference(fig8_runs):
    kernels, activations, no_noise = fig8_runs
    got = claims.fig8(Fig8Results(kernels, activations, no_noise, np.zeros(1)))
    assert got == claims.fig8_claims(_morphs(kernels), _morphs(activations), no_noise.morph,
                                     activations["relu"].morph)
    assert verdicts(got) == [True, True, True, True]
    assert got[3].evidence.endswith("55.0 without noise, 11.5 with noise")  # relu, not the ID_DIFF_LAP kernel run


def test_fig8_linear_claim_names_the_best_activation_not_the_label_tail(fig8_runs):
    kernels, activations, no_noise = fig8_runs
    activations = {k: _run(_morph(f"C=16 t=32 {k} cosine", r.morph.train_loss, iou=r.morph.iou,
                                  detail=r.morph.detail)) for k, r in activations.items()}
    got = claims.fig8(Fig8Results(kernels, activations, no_noise, np.zeros(1)))
    assert got[2].evidence.endswith("detail error 14.0 against 10.0 for relu")


def test_fig8_reference_falls_back_to_the_id_diff_lap_kernel_run(fig8_runs):
    kernels, activations, no_noise = fig8_runs
    del activations["relu"]
    got = claims.fig8(Fig8Results(kernels, activations, no_noise, np.zeros(1)))
    assert got == claims.fig8_claims(_morphs(kernels), _morphs(activations), no_noise.morph,
                                     kernels["ID_DIFF_LAP"].morph)
    assert verdicts(got) == [True, None, True, True]
    assert got[3].evidence.endswith("55.0 without noise, 40.0 with noise")


def test_fig8_without_the_ablation_has_no_noise_claim(fig8_runs):
    kernels, activations, _ = fig8_runs
    got = claims.fig8(Fig8Results(kernels, activations, None, np.zeros(1)))
    assert got == claims.fig8_claims(_morphs(kernels), _morphs(activations))
    assert len(got) == 3 and not any("noise" in c.text for c in got)


def test_fig8_no_noise_run_that_did_not_diverge_is_not_reproduced(fig8_runs):
    kernels, activations, _ = fig8_runs
    calm = _run(_morph("nn", 35, extrapolation=20.0))  # a high loss, but no divergence
    c = claims.fig8(Fig8Results(kernels, activations, calm, np.zeros(1)))[3]
    assert c.verdict is False
    assert c.evidence == ("training did not diverge; final-rooster distance at n = 256: 20.0 without noise, "
                          "11.5 with noise")


@pytest.fixture()
def fig9_results():
    y = data.pad_lattice(data.morph_frames())
    channels = {4: _run(_morph("C4", 30)), 8: _run(_morph("C8", 25)), 16: _run(_morph("C16", 20)),
                32: _run(_morph("C32", 15))}
    sampling = {8: _run(_morph("t8", 20, iou=0.7, detail=12, t=8)), 32: _run(_morph("t32", 15, detail=9))}
    cone = {"pixel": (40, 40), "exact": 14, "visible": 3, "effective": 7, "steps": 16}
    return Fig9Results(channels, sampling, None, {}, cone, y)


def test_fig9_passes_the_channel_slice_the_sampling_slice_and_the_cone(fig9_results):
    R = fig9_results
    got = claims.fig9(R)
    want = claims.fig9_channel_claims(_morphs(R.channels)) + claims.fig9_sampling_claims(_morphs(R.sampling),
                                                                                         R.targets, R.cone)
    assert got == want
    assert verdicts(got) == [True, True, True]
    assert "C=4: 30.0, C=8: 25.0, C=16: 20.0, C=32: 15.0" in got[0].evidence
    assert "detail error t = 8: 12.0, t = 32: 9.0" in got[1].evidence
    R.cone = None
    assert verdicts(claims.fig9(R)) == [True, True, None]


def test_fig9_uses_the_targets_of_the_run(fig9_results):
    R = fig9_results
    R.targets = R.targets.copy()
    R.targets[1] = R.targets[-1]  # the "microbe" is the rooster: no colour error to halve
    got = claims.fig9(R)
    assert got == claims.fig9_channel_claims(_morphs(R.channels)) + claims.fig9_sampling_claims(
        _morphs(R.sampling), R.targets, R.cone)
    assert got[1].verdict is False and "(microbe against rooster: 1.00)" in got[1].evidence
    y = data.pad_lattice(data.morph_frames())
    iou0, col0 = float(shape_iou(y[1], y[-1])), float(colour_error(y[1], y[-1]))
    fresh = claims.fig9_sampling_claims(_morphs(R.sampling), y, R.cone)[0]
    assert fresh.verdict is True and f"(microbe against rooster: {iou0:.2f})" in fresh.evidence
    assert f"(microbe: {col0:.3f})" in fresh.evidence


def test_noise_ablation_reports_the_divergence_epoch(fig8_runs):
    kernels, activations, no_noise = fig8_runs
    s = claims.fig8_noise(Fig8Results(kernels, activations, no_noise, np.zeros(1)))
    assert s == ("Without noise: 120 epochs run, **diverged at epoch 117**, training loss 30.00 (with noise: 12.00); "
                 "distance to the rooster at n = 256: 55.0 (with noise: 11.5).")


def test_noise_ablation_reports_no_divergence(fig8_runs):
    kernels, activations, _ = fig8_runs
    calm = _run(_morph("nn", 35, extrapolation=20.0), epochs=8000)
    s = claims.fig8_noise(Fig8Results(kernels, activations, calm, np.zeros(1)))
    assert s == ("Without noise: 8000 epochs run, no divergence, training loss 35.00 (with noise: 12.00); "
                 "distance to the rooster at n = 256: 20.0 (with noise: 11.5).")
    del activations["relu"]  # the reference is then the ID_DIFF_LAP kernel run
    s = claims.fig8_noise(Fig8Results(kernels, activations, calm, np.zeros(1)))
    assert "(with noise: 12.50)" in s and s.endswith("(with noise: 40.0).")


def test_noise_ablation_switched_off(fig8_runs):
    kernels, activations, _ = fig8_runs
    s = claims.fig8_noise(Fig8Results(kernels, activations, None, np.zeros(1)))
    assert s == "The ablation was switched off (`noise_ablation=False`)."


# ------------------------------------------------------------------ values that are not finite
def raw_nonfinite(text: str) -> bool:
    """Does ``text`` hold a number printed without a finite value (a bare nan / inf)?"""
    from nca_core.book.report import words_for_nonfinite

    return words_for_nonfinite(text) != text


def test_a_diverged_training_and_a_blown_up_rollout_are_said_in_words(fig8_runs, fig9_results):
    kernels, activations, no_noise = fig8_runs
    nan, inf = float("nan"), float("inf")
    kernels["ID_LAP"] = _run(_morph("a", nan))  # no finite training loss
    activations["linear"] = _run(_morph("x linear", 25, iou=nan, detail=inf))  # its rollout blew up
    blown = _run(_morph("nn", 30, diverged=True, extrapolation=inf), epochs=120, diverged_epoch=117)
    got = claims.fig8(Fig8Results(kernels, activations, blown, np.zeros(1)))
    assert "ID_LAP: not finite (the training diverged)" in got[0].evidence
    assert got[2].evidence.startswith("at n = 3t: opaque-region IoU with the rooster not finite (the rollout blew "
                                      "up) ")
    assert "detail error not finite (the rollout blew up) against 10.0 for relu" in got[2].evidence
    assert got[3].evidence.endswith("not finite (the rollout blew up) without noise, 11.5 with noise")
    sentence = claims.fig8_noise(Fig8Results(kernels, activations, blown, np.zeros(1)))
    assert "at n = 256: not finite (the rollout blew up) (with noise: 11.5)" in sentence
    R = fig9_results
    R.channels[8] = _run(_morph("C8", nan))
    R.sampling[8] = _run(_morph("t8", 20, iou=nan, detail=inf, colour=nan, t=8))
    got9 = claims.fig9(R)
    assert "C=8: not finite (the training diverged)" in got9[0].evidence
    assert got9[0].verdict is True  # the three finite losses still fall with C
    assert "IoU not finite (the rollout blew up)" in got9[1].evidence and got9[1].verdict is False
    table = claims.table_rows([_run(_morph("z", nan, iou=nan, detail=inf, colour=nan, extrapolation=inf))])
    assert table.splitlines()[-1] == ("| z | no finite loss | blew up, blew up, blew up | blew up | blew up | "
                                      "blew up | blew up | finite |")
    for text in [c.evidence for c in got + got9] + [sentence, table]:
        assert not raw_nonfinite(text), text


def test_a_channel_slice_without_a_finite_loss_has_no_best_c(fig9_results):
    channels = {c: _morph(f"C{c}", float("nan")) for c in (4, 8, 16)}
    (c,) = claims.fig9_channel_claims(channels)
    assert c.verdict is False
    diverged = "not finite (the training diverged)"
    assert c.evidence == (f"training loss C=4: {diverged}, C=8: {diverged}, C=16: {diverged} (Spearman ρ(C, loss) = "
                          "undefined (fewer than two finite losses, or all equal)); best C = none (no training has a "
                          "finite loss)")


def test_fig7_with_a_single_frame_says_there_is_no_pair_to_compare(paper):
    c = fig7(paper.frames[:1], paper.lattice[:1], paper.y[:1], paper.shifts)
    assert c[0].verdict is False
    assert "last two frames identical: no (no max difference: a single frame has no pair to compare)" in c[0].evidence
    assert not raw_nonfinite(c[0].evidence)
