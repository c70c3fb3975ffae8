"""The notebook explorer, driven without a browser: its state against the library, the widgets through their values.

The models are the shipped ones (``weights/``) found through :func:`nca_core.book.explorer.catalogue`.
"""

from __future__ import annotations

import numpy as np
import pytest

from nca_core.book import explorer
from nca_core.data import gray_scott as gs_data
from nca_core.view import widgets
from nca_core.view.widgets import Explorer, ExplorerState

MORPH, MORPH2, GS = "morph_C16_t32", "morph_C32_t32", "gray_scott_t32"


@pytest.fixture(scope="module")
def entries():
    found, _ = explorer.catalogue(profiles=("quick",), shipped=False)
    by_name = {e.name: e for e in found}
    if not {MORPH, MORPH2, GS} <= set(by_name):
        pytest.skip(f"shipped models missing: {sorted({MORPH, MORPH2, GS} - set(by_name))}")
    return by_name


@pytest.fixture(scope="module")
def models(entries):
    return {name: entries[name].load() for name in (MORPH, MORPH2, GS)}


@pytest.fixture(scope="module")
def ncas():
    """The library's NCA of each model, loaded on their own (not through the explorer)."""
    from nca_core.book import player
    from nca_core.runs.cache import lookup

    jobs = player.player_jobs("quick")
    return {name: lookup(jobs[name][1]).model() for name in (MORPH, MORPH2, GS)}


@pytest.fixture(scope="module")
def app(entries):
    return Explorer([entries[MORPH], entries[MORPH2], entries[GS]], seed=3)


def library_state(nca, model, steps, seed, ic=None):
    """The library's rollout from the model's initial condition, at ``steps``."""
    x0 = model.initial_conditions[ic or next(iter(model.initial_conditions))](seed)
    return nca.rollout(x0, steps, seed=seed)[-1, 0]


# ------------------------------------------------------------------------- the state
def test_catalogue_lists_every_shipped_model_by_name():
    found, missing = explorer.catalogue()
    names = [e.name for e in found]
    assert len(names) == len(set(names)) and not missing
    assert {MORPH, MORPH2, "morph_C16_t64", "morph_C32_t32_sym", GS, "gray_scott_t16", "gray_scott_t4"} <= set(names)
    from nca_core.runs.cache import weights_dir

    shipped = {p.name for p in weights_dir().iterdir() if (p / "job.json").is_file()}
    keys = {e.load().settings["weights"].split("key ")[1].rstrip(")") for e in found}
    assert shipped <= keys  # every shipped model can be chosen


@pytest.mark.parametrize("name,seed", [(MORPH, 3), (GS, 0)])
def test_state_after_n_steps_is_the_librarys_rollout(models, ncas, name, seed):
    m = models[name]
    s = ExplorerState(m, seed=seed)
    s.goto(100)  # crosses a keyframe (every 64 steps)
    np.testing.assert_array_equal(s.x, library_state(ncas[name], m, 100, seed))
    s.goto(37)  # back: replayed from the keyframe at 0
    np.testing.assert_array_equal(s.x, library_state(ncas[name], m, 37, seed))
    for _ in range(3):
        s.step_n(1)
    np.testing.assert_array_equal(s.x, library_state(ncas[name], m, 40, seed))


def test_gray_scott_pde_is_the_solvers(models):
    m = models[GS]
    s = ExplorerState(m, ic=explorer.GS_ICS[1])  # training IC 1
    s.goto(90)
    ref = gs_data.solve(gs_data.training_ics()[0], 90, gs_data.preset("published"))[-1]
    np.testing.assert_allclose(s.pde, ref, rtol=0, atol=1e-6)
    np.testing.assert_allclose(s.difference(), s.x[..., :2] - ref, atol=1e-6)


@pytest.mark.parametrize("name,mode", [(MORPH, "erase"), (MORPH, "invert"), (MORPH, "paint"),
                                       (GS, "erase"), (GS, "invert"), (GS, "paint")])
def test_perturb_changes_the_disc_and_nothing_beyond(models, name, mode):
    s = ExplorerState(models[name], seed=1)
    s.goto(20)
    before, pde_before = s.x.copy(), None if s.pde is None else s.pde.copy()
    i, j, r = 40, 44, 6
    n = s.perturb(i, j, mode, radius=r, colour="#ff8000")
    inside = widgets.disc(s.shape, i, j, r)
    assert n == inside.sum() > 100
    changed = np.any(s.x != before, axis=-1)
    assert not changed[~inside].any()
    assert changed[i, j]
    if name == MORPH:
        expect = {"erase": np.zeros(4), "invert": 1 - before[i, j, :4], "paint": [1.0, 128 / 255, 0.0, 1.0]}[mode]
        np.testing.assert_allclose(s.x[i, j, :4], expect, atol=1e-6)
    else:
        assert not np.any(s.pde != pde_before, axis=-1)[~inside].any()
        expect = {"erase": [1, 0], "paint": [0, 1], "invert": 1 - pde_before[i, j]}[mode]
        np.testing.assert_allclose(s.pde[i, j], expect, atol=1e-6)
        nca = 1 - before[i, j, :2] if mode == "invert" else s.pde[i, j]
        np.testing.assert_allclose(s.x[i, j, :2], nca, atol=1e-6)
    # the run continues from the edited state; the edit is part of the timeline from step 20 on
    edited = s.x.copy()
    s.step_n(5)
    assert s.step == 25
    s.goto(10)
    s.goto(20)
    np.testing.assert_array_equal(s.x, edited)
    s.goto(19)
    s.step_n(1)
    np.testing.assert_array_equal(s.x, edited)


def test_edits_at_step_0_edit_the_initial_condition(models):
    s = ExplorerState(models[GS], ic=explorer.GS_ICS[-1])  # draw your own: empty
    assert np.all(s.pde[..., 0] == 1)
    s.perturb(64, 64, "paint", radius=8)
    drawn = s.x.copy()
    s.step_n(10)
    s.reset()
    np.testing.assert_array_equal(s.x, drawn)  # reset keeps the drawing
    s.reset(explorer.GS_ICS[-1])
    assert np.all(s.pde[..., 0] == 1)  # choosing the IC again clears it


def test_fire_rate_and_seed_are_live_and_reproducible(models, ncas):
    m = models[MORPH]
    s = ExplorerState(m, seed=0)
    s.set_fire_rate(1.0)
    s.step_n(30)
    np.testing.assert_allclose(s.x, ncas[MORPH].__class__(
        ncas[MORPH].config.__class__(**{**ncas[MORPH].config.to_dict(), "fire_rate": 1.0}),
        params=ncas[MORPH].params).rollout(m.initial_conditions[explorer.MORPH_ICS[0]](0), 30)[-1, 0], atol=1e-6)
    a = ExplorerState(m, seed=5)
    b = ExplorerState(m, seed=5)
    a.step_n(12)
    b.step_n(12)
    np.testing.assert_array_equal(a.x, b.x)  # same seed, same masks
    b.goto(0)
    assert b.reseed() == 6
    b.step_n(12)
    assert np.abs(a.x - b.x).max() > 1e-3  # another seed, other masks


def test_random_ic_depends_on_the_seed_only():
    a, b, c = explorer.random_squares(1), explorer.random_squares(1), explorer.random_squares(2)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (128, 128, 2) and np.any(a != c)
    np.testing.assert_array_equal(a[..., 1], 1 - a[..., 0])


@pytest.mark.parametrize("kwargs,needle", [
    ({"radius": 0}, "radius=0 is not accepted; accepted: a finite number in (0.0, inf]"),
    ({"radius": -2}, "radius=-2"),
    ({"mode": "smudge"}, "mode='smudge' is not accepted; accepted values: 'erase', 'invert', 'paint'"),
    ({"colour": "red"}, "colour='red' is not accepted; accepted: (r, g, b) with each in [0, 1], or '#rrggbb'"),
    ({"colour": (2, 0, 0)}, "colour=(2, 0, 0)"),
    ({"i": 80}, "i=80 is not accepted; accepted: an integer in [0, 79]"),
])
def test_bad_input_names_parameter_value_and_what_is_accepted(models, kwargs, needle):
    s = ExplorerState(models[MORPH])
    args = {"i": 10, "j": 10, "mode": "erase", "radius": 3, **kwargs}
    with pytest.raises(ValueError) as err:
        s.perturb(**args)
    assert needle in str(err.value)
    with pytest.raises(ValueError, match="fire_rate=1.5 is not accepted"):
        s.set_fire_rate(1.5)
    with pytest.raises(ValueError, match="ic='nowhere' is not accepted; accepted values: 'alien"):
        s.reset("nowhere")
    with pytest.raises(ValueError, match="view='B' is not accepted; accepted values: 'RGBA', 'hidden', 'all'"):
        s.panels("B")


# ------------------------------------------------------------------------- the widgets
def shown(app) -> list[bytes]:
    return [img.value for img in app.images]


def test_step_slider_shows_the_librarys_rollout_at_that_step(app, models, ncas):
    app.chooser.value = MORPH
    app.slider.value = 50
    s = app.state
    assert s.step == 50 and "n = 50" in app.step_label.value
    x = library_state(ncas[MORPH], models[MORPH], 50, seed=3)
    np.testing.assert_array_equal(s.x, x)
    want = ExplorerState(models[MORPH], seed=3)
    want.x = x
    assert shown(app) == [widgets.png(rgb, app.zoom) for _, rgb in want.panels("RGBA")]
    app.step_button.click()
    assert app.state.step == 51 and app.slider.value == 51 and "n = 51" in app.step_label.value
    app.speed.value = 8
    app.play.value = app.play.value + 1  # one tick of the Play widget
    assert app.state.step == 59
    np.testing.assert_array_equal(app.state.x, library_state(ncas[MORPH], models[MORPH], 59, seed=3))
    app.view.value = "all"
    assert len(app.images) == 4  # RGBA and hidden channels 4–7, 8–11, 12–15
    app.view.value = "RGBA"


def mouse(app, kind, i, j, buttons=1, **extra):
    """An ipyevents mouse event over cell (i, j)'s centre of the first picture, as the browser reports it
    (positions relative to the picture's box, in CSS pixels; ``dataX``/``dataY`` 0 as fast drags get)."""
    h, w = app.state.shape
    bw, bh = 1.5 * w * app.zoom, 1.5 * h * app.zoom  # drawn at another size than its pixels: a zoomed page
    event = {"type": kind, "buttons": buttons, "relativeX": (j + 0.5) * bw / w, "relativeY": (i + 0.5) * bh / h,
             "boundingRectWidth": bw, "boundingRectHeight": bh, "dataX": 0, "dataY": 0}
    event.update(extra)
    app.handle_event(event)


def test_the_cell_is_taken_from_the_position_in_the_box_and_bad_positions_are_dropped(app):
    app.chooser.value = MORPH
    h, w = app.state.shape
    good = {"relativeX": 30.0, "relativeY": 90.0, "boundingRectWidth": 160.0, "boundingRectHeight": 160.0,
            "dataX": 0, "dataY": 0}
    assert app.cell(good) == (90 * h // 160, 30 * w // 160)
    assert app.cell({**good, "relativeX": 160.0, "relativeY": 0.0}) == (0, w - 1)  # the far edge: the last cell
    for bad in ({"relativeX": 30, "relativeY": 90}, {**good, "relativeX": float("nan")},
                {**good, "relativeY": None}, {**good, "boundingRectWidth": 0}, {**good, "boundingRectHeight": 40},
                {**good, "relativeX": -1}, {**good, "relativeY": 161}, {**good, "relativeX": "left"}):
        assert app.cell(bad) is None, bad


def test_a_click_edits_the_disc_under_it_and_a_drag_its_path(app):
    app.chooser.value = MORPH
    app.slider.value = 30
    app.tool.value, app.radius.value = "erase", 4
    before = app.state.x.copy()
    i, j = 20, 50
    mouse(app, "mousedown", i, j)
    inside = widgets.disc(app.state.shape, i, j, 4)
    changed = np.any(app.state.x != before, axis=-1)
    assert changed[i, j] and not changed[~inside].any()
    assert np.all(app.state.x[inside] == 0)
    # a drag to (20, 70): erased along the path, nothing beyond radius of the segment
    mouse(app, "mousemove", 20, 70)
    assert np.all(app.state.x[20, 50:71, :4] == 0)
    band = widgets.capsule(app.state.shape, (20, 50), (20, 70), 4)
    changed = np.any(app.state.x != before, axis=-1)
    assert np.array_equal(changed, band & np.any(before != 0, axis=-1))
    mouse(app, "mouseup", 0, 0, buttons=0)
    moved = app.state.x.copy()
    mouse(app, "mousemove", 5, 5, buttons=0)  # no button: no edit
    np.testing.assert_array_equal(app.state.x, moved)


def test_a_fast_drag_with_events_without_a_position_edits_its_band_and_nothing_else(app):
    """ipyevents sometimes sends a drag's move with dataX = dataY = 0 or no box: no line to the corner."""
    app.chooser.value = MORPH
    app.slider.value = 40
    app.tool.value, app.radius.value = "erase", 3
    before = app.state.x.copy()
    path = [(30, 10), (32, 20), (35, 30), (38, 40), (40, 55), (41, 70)]
    mouse(app, "mousedown", *path[0])
    for k, (i, j) in enumerate(path[1:]):
        if k == 1:
            mouse(app, "mousemove", 0, 0, boundingRectWidth=0, boundingRectHeight=0)  # a box being reloaded
        if k == 3:
            app.handle_event({"type": "mousemove", "buttons": 1, "dataX": 0, "dataY": 0})  # no position at all
        mouse(app, "mousemove", i, j)
    mouse(app, "mouseup", *path[-1], buttons=0)
    band = np.zeros(app.state.shape, bool)
    for a, b in zip(path, path[1:]):
        band |= widgets.capsule(app.state.shape, a, b, 3)
    changed = np.any(app.state.x != before, axis=-1)
    assert np.array_equal(changed, band & np.any(before != 0, axis=-1))
    assert not changed[:20, :8].any()  # the top-left corner is untouched


def test_an_invert_drag_inverts_each_cell_once(app):
    app.chooser.value = MORPH
    app.slider.value = 40
    app.tool.value, app.radius.value = "invert", 5
    before = app.state.x.copy()
    path = [(40, 20), (40, 24), (41, 27), (40, 30), (40, 26), (40, 22), (40, 34)]  # back and forth, overlapping
    mouse(app, "mousedown", *path[0])
    for cell in path[1:]:
        mouse(app, "mousemove", *cell)
    band = np.zeros(app.state.shape, bool)
    for a, b in zip(path, path[1:]):
        band |= widgets.capsule(app.state.shape, a, b, 5)
    np.testing.assert_allclose(app.state.x[band, :4], 1 - before[band, :4], atol=1e-6)  # inverted once
    np.testing.assert_array_equal(app.state.x[~band], before[~band])
    np.testing.assert_array_equal(app.state.x[..., 4:], before[..., 4:])  # hidden channels kept
    mouse(app, "mouseup", *path[-1], buttons=0)
    mouse(app, "mousedown", *path[0])  # a new stroke inverts again
    np.testing.assert_allclose(app.state.x[40, 20, :4], before[40, 20, :4], atol=1e-6)


def test_stroke_edits_the_capsule_once_and_reports_the_cells(models):
    s = ExplorerState(models[GS], seed=0)
    touched = np.zeros(s.shape, bool)
    n = s.stroke(None, (60, 60), "invert", 4, touched=touched)
    assert n == widgets.disc(s.shape, 60, 60, 4).sum() == touched.sum()
    pde = s.pde.copy()
    n2 = s.stroke((60, 60), (60, 70), "invert", 4, touched=touched)
    assert n2 == (widgets.capsule(s.shape, (60, 60), (60, 70), 4) & ~widgets.disc(s.shape, 60, 60, 4)).sum()
    np.testing.assert_array_equal(s.pde[60, 60], pde[60, 60])  # not inverted back
    assert s.stroke((60, 70), (60, 62), "invert", 4, touched=touched) == 0  # all touched: no edit
    with pytest.raises(ValueError, match="i=200 is not accepted; accepted: an integer in \\[0, 127\\]"):
        s.stroke(None, (200, 3))
    with pytest.raises(ValueError, match="touched of shape \\(3, 3\\)"):
        s.stroke(None, (2, 3), touched=np.zeros((3, 3), bool))


def test_a_model_brings_its_own_edit_and_views(models):
    """The explorer's state runs any model: what an edit does and the views are the model's."""
    import dataclasses

    calls = []
    m = dataclasses.replace(models[MORPH], edit=lambda x, pde, cells, mode, rgb: calls.append((cells.sum(), mode)),
                            views={"one": lambda s: [("mean", np.full(s.shape + (3,), 0.5))]})
    s = ExplorerState(m)
    assert s.perturb(10, 10, "paint", radius=2) == 13 and calls == [(13, "paint")]
    assert [t for t, _ in s.panels()] == ["mean"] and s.panels()[0][1].dtype == np.uint8
    for bad, needle in [({"views": {}}, "views={} is not accepted"), ({"edit": None}, "edit=None is not accepted")]:
        with pytest.raises(ValueError, match=needle):
            dataclasses.replace(models[MORPH], **bad)


def test_switching_models_changes_the_weights(app, ncas):
    app.chooser.value = MORPH
    w1 = app.state.model.params["w_hidden"]
    np.testing.assert_array_equal(w1, ncas[MORPH].params["w_hidden"])
    app.chooser.value = MORPH2
    w2 = app.state.model.params["w_hidden"]
    np.testing.assert_array_equal(w2, ncas[MORPH2].params["w_hidden"])
    assert w1.shape != w2.shape
    assert app.state.step == 0 and app.slider.value == 0 and "C=32" in app.settings.value
    assert "epochs" in app.settings.value and "ID_DIFF_LAP" in app.settings.value


def test_gray_scott_panes_show_nca_pde_and_difference(app, models):
    app.chooser.value = GS
    assert app.ic.options[0] == explorer.GS_ICS[0] and app.view.value == "B"
    app.ic.value = explorer.GS_ICS[2]  # training IC 2
    app.slider.value = 40
    s = app.state
    ref = gs_data.solve(gs_data.training_ics()[1], 40, gs_data.preset("published"))[-1]
    np.testing.assert_allclose(s.pde, ref, atol=1e-6)
    titles = [t.value for t in app.titles]
    assert any("PDE B" in t for t in titles) and any("NCA − PDE" in t for t in titles)
    from nca_core.view.images import to_rgb

    assert app.images[1].value == widgets.png(to_rgb(ref[..., 1], "magma", 0.0, 1.0), app.zoom)
    # fire rate as a live control, and a click edits NCA and PDE alike
    app.fire.value = 0.5
    assert app.state.fire_rate == 0.5
    app.tool.value = "paint"
    mouse(app, "mousedown", 12, 10)
    np.testing.assert_allclose(app.state.pde[12, 10], [0, 1])
    np.testing.assert_allclose(app.state.x[12, 10, :2], [0, 1])


def test_widget_errors_are_shown_and_raised(app):
    app.chooser.value = MORPH
    with pytest.raises(ValueError, match="radius=0"):
        app._run(lambda: app.state.perturb(5, 5, "erase", 0))
    assert "radius=0 is not accepted" in app.error.value


def test_still_figures_take_the_longest_trained_tier_that_is_shipped(dirs, monkeypatch):
    monkeypatch.delenv("NCA_WEIGHTS_DIR")  # the repository's shipped weights; an empty results cache
    label, tr, tier = explorer.figure_model("gray_scott_t32", ["long", "quick"])
    assert "t=32" in label and tr.source == "shipped" and tr.result.train_config.epochs == 2000 and tier == "long"
    _, quick, tier = explorer.figure_model("gray_scott_t32", ["quick"])
    assert quick.result.train_config.epochs == 300 and tier == "quick"
    _, none, tier = explorer.figure_model("gray_scott_t4", ["paper"])  # not shipped at paper, not trained
    assert none is None and tier == "paper"
    with pytest.raises(ValueError, match="model='gray_scott_t7'"):
        explorer.figure_model("gray_scott_t7", ["long", "quick"])
