"""The book's in-browser player (book/_static/nca_player.js) against the library, in headless Chromium.

The JavaScript NCA step is held to :func:`nca_core.core.reference.step` (float64) and to the
TensorFlow engine (float32) after 64 steps, for a Gray-Scott model (periodic, ``ID_LAP``) and two
morph models (zero boundary, ``ID_DIFF_LAP`` and ``ID_LAP_AV``, with explicit update masks); the
JavaScript PDE step to :func:`nca_core.data.gray_scott.solve`. The "Explore the models" page is
built in a small book (a root page, model, explore) and checked in the browser: no console errors, the
initial conditions, the step counter, and what a click changes.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nca_core.book import player
from nca_core.chapters.morph.measure import targets
from nca_core.core import kernels, reference
from nca_core.core.config import ACTIVATIONS
from nca_core.data import gray_scott as gs
from nca_core.runs.cache import lookup
from nca_core.view import web

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "book" / "_static" / "nca_player.js"
STEPS = 64
TOC = """format: jb-book
root: book/player_intro
parts:
  - caption: The model
    chapters:
      - file: book/model
  - caption: Explore the models
    chapters:
      - file: book/explore
"""

# runs `steps` NCA steps of model `id` from x0 (float64, base64) with masks (uint8 [steps, H, W], base64) or none
RUN_NCA = """
const [id, H, W, x0b64, masksb64, steps, precision, done] = arguments;
const dec = (s, T) => { const b = Uint8Array.from(atob(s), c => c.charCodeAt(0)); return new T(b.buffer); };
const enc = a => { const b = new Uint8Array(new Float64Array(a).buffer); let s = "";
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
  return btoa(s); };
const base = new URL("_static/models/", location.href).href;
NCAPlayer.loadData(id, base).then(rec => {
  const sim = new NCAPlayer.NCASim(NCAPlayer.prepareModel(rec), H, W, {precision});
  sim.state.set(dec(x0b64, Float64Array));
  const masks = masksb64 === null ? null : dec(masksb64, Uint8Array);
  const m = masks === null ? 0 : masks.length / steps;
  for (let n = 0; n < steps; n++) sim.step(masks === null ? null : masks.subarray(n * m, (n + 1) * m));
  done(enc(sim.state));
}).catch(e => done("error: " + e));
"""

RUN_PDE = """
const [pde, H, W, x0b64, steps, done] = arguments;
const b = Uint8Array.from(atob(x0b64), c => c.charCodeAt(0));
const sim = new NCAPlayer.GrayScott(pde, H, W);
sim.state.set(new Float64Array(b.buffer));
for (let n = 0; n < steps; n++) sim.step();
const out = new Uint8Array(new Float64Array(sim.state).buffer); let s = "";
for (let i = 0; i < out.length; i += 8192) s += String.fromCharCode.apply(null, out.subarray(i, i + 8192));
done(btoa(s));
"""

# the state of the page's player, as base64 float64
PLAYER_STATE = """
const p = document.querySelector('.nca-player').ncaPlayer;
const which = arguments[0] === 'pde' ? p.pde : p.nca;
const b = new Uint8Array(new Float64Array(which.state).buffer); let s = "";
for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
return [btoa(s), which.H, which.W, p.model.channels];
"""


def b64(a: np.ndarray, dtype=np.float64) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype).tobytes()).decode()


def unb64(s: str, shape) -> np.ndarray:
    assert not s.startswith("error"), s
    return np.frombuffer(base64.b64decode(s), np.float64).reshape(shape)


def browser(chrome):
    # performance logs: the requests the page makes
    d = chrome("--window-size=1200,1000", capabilities={"goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}})
    d.set_script_timeout(300)
    return d


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A minimal page with the player script and the exported models (no player element)."""
    folder = tmp_path_factory.mktemp("player")
    (folder / "_static").mkdir()
    shutil.copy(JS, folder / "_static" / "nca_player.js")
    result = player.export(folder / "_static" / "models")
    assert not result.missing, result.missing
    (folder / "page.html").write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                                      '<script src="_static/nca_player.js"></script></body></html>')
    return folder


@pytest.fixture(scope="module")
def page(exported, chrome):
    d = browser(chrome)
    try:
        d.get((exported / "page.html").as_uri())
        yield d
    finally:
        d.quit()


def model_jobs() -> dict:
    """The job of each exported model (from the longest-trained tier that has it)."""
    return {k: job for k, (_, job, _, _) in player.chosen_models().items()}


def js_rollout(page, model_id, x0, masks, precision, steps=STEPS):
    h, w, c = x0.shape
    out = page.execute_async_script(RUN_NCA, model_id, h, w, b64(x0), None if masks is None else b64(masks, np.uint8),
                                    steps, precision)
    return unb64(out, x0.shape)


def library_rollouts(job, x0, masks):
    """64 steps of the NumPy reference (float64) and of the TensorFlow engine (float32), same masks."""
    tr = lookup(job)
    params, config = reference.load(tr.path)
    model = tr.model()
    x, y = x0.astype(np.float64), x0.astype(np.float32)[None]
    for n in range(STEPS):
        m = None if masks is None else masks[n][..., None].astype(np.float64)
        x = reference.step(params, config, x, m)
        y = model.step(y) if m is None else model.step(y, mask=m[None])
    return x, y[0]


@pytest.mark.parametrize("model_id", ["gray_scott_t32", "morph_C16_t32", "morph_C32_t32_sym"])
def test_js_nca_matches_the_library_after_64_steps(page, model_id, record_property):
    job = model_jobs()[model_id]
    c = job.nca.channels
    assert job.nca.kernel_set == {"gray_scott_t32": "ID_LAP", "morph_C16_t32": "ID_DIFF_LAP",
                                  "morph_C32_t32_sym": "ID_LAP_AV"}[model_id]
    if job.data["kind"] == "gray_scott":
        assert job.nca.boundary == "periodic" and job.nca.fire_rate == 1.0
        obs, masks = gs.test_ic(128, "float64"), None  # fire rate 1: every cell updates
    else:
        assert job.nca.boundary == "zero"
        obs = targets()[0].astype(np.float64)
        rng = np.random.default_rng(7)
        masks = (rng.random((STEPS,) + obs.shape[:2]) < job.nca.fire_rate).astype(np.uint8)
    x0 = np.concatenate([obs, np.zeros(obs.shape[:2] + (c - obs.shape[-1],))], -1)
    ref64, tf32 = library_rollouts(job, x0, masks)
    assert np.abs(ref64 - x0).max() > 1e-2  # the model does something in 64 steps
    js32 = js_rollout(page, model_id, x0, masks, "float32")
    js64 = js_rollout(page, model_id, x0, masks, "float64")
    err = {"js32_vs_reference64": float(np.abs(js32 - ref64).max()),
           "js64_vs_reference64": float(np.abs(js64 - ref64).max()),
           "js32_vs_tensorflow32": float(np.abs(js32 - tf32).max())}
    for k, v in err.items():
        record_property(k, v)
    print(model_id, err)
    assert err["js32_vs_reference64"] < 1e-4, err
    assert err["js32_vs_tensorflow32"] < 1e-4, err
    assert err["js64_vs_reference64"] < 1e-9, err  # the same arithmetic in double precision


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("boundary,mask", [("periodic", "pixel"), ("zero", "channel"), ("reflect", "channel")])
def test_js_step_matches_reference_for_every_activation_and_boundary(page, exported, activation, boundary, mask):
    """A made-up model whose sizes are not multiples of the player's blocks (C = 5, H = 21, K = 6)."""
    kernel_set, c, h, size = "ID_DIFF_LAP_AV", 5, 21, 11
    rng = np.random.default_rng(3)
    k = len(kernels.kernel_names(kernel_set))
    params = {"w_hidden": rng.normal(0, 0.2, (k * c, h)).astype(np.float32),
              "w_out": rng.normal(0, 0.03, (h, c)).astype(np.float32),
              "b_out": rng.normal(0, 0.01, c).astype(np.float32)}
    config = {"channels": c, "observable": 2, "hidden": h, "kernel_set": kernel_set, "activation": activation,
              "boundary": boundary, "fire_rate": 0.5, "mask": mask}
    model_id = f"made_up_{activation}_{boundary}"
    rec = web.model_record(model_id, "made up", "morph", config, params, kernels.kernel_names(kernel_set),
                           kernels.kernel_stack(kernel_set), {})
    web.write_data_file(exported / "_static" / "models", model_id, rec)
    x0 = rng.random((size, size, c))
    steps = 16
    masks = (rng.random((steps, size, size) + ((c,) if mask == "channel" else ())) < 0.5).astype(np.uint8)
    x = x0
    for n in range(steps):
        x = reference.step(params, config, x, masks[n] if mask == "channel" else masks[n][..., None])
    js = js_rollout(page, model_id, x0, masks, "float64", steps)
    assert 1e-2 < np.abs(x - x0).max() and np.abs(x).max() < 1e3
    assert np.abs(js - x).max() < 1e-9


def test_js_pde_matches_solve_after_64_steps(page, record_property):
    params = gs.preset("published")
    x0 = gs.test_ic(128, "float64")
    pde = {k: getattr(params, k) for k in ("d_a", "d_b", "alpha", "gamma", "dt")}
    js = unb64(page.execute_async_script(RUN_PDE, pde, 128, 128, b64(x0), STEPS), x0.shape)
    for dtype in ("float32", "float64"):
        want = gs.solve(x0, STEPS, params, dtype=dtype)[-1]
        assert np.abs(want - x0).max() > 1e-2
        err = float(np.abs(js - want).max())
        record_property(f"pde_vs_solve_{dtype}", err)
        print(f"PDE vs solve ({dtype}): {err:.2e}")
        assert err < 1e-5, err


def test_js_masks_are_bernoulli_of_the_fire_rate(page):
    frac = page.execute_script("""
        const sim = {fireRate: 0.3, rng: NCAPlayer.makeRng(5), maskBuf: new Uint8Array(100000)};
        const m = NCAPlayer.NCASim.prototype.drawMask.call(sim);
        return m.reduce((a, b) => a + b, 0) / m.length;""")
    assert abs(frac - 0.3) < 0.01


# ------------------------------------------------------------------ the built page
@pytest.fixture(scope="module")
def explore_page(tmp_path_factory, exported):
    """A small book (a root page with the bibliography, model, explore) built like the real one, with the models."""
    root = tmp_path_factory.mktemp("explore_book")
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    (root / "_toc.yml").write_text(TOC)
    shutil.copytree(ROOT / "book", root / "book", ignore=shutil.ignore_patterns("_executed", "models"))
    shutil.copytree(exported / "_static" / "models", root / "book" / "_static" / "models")
    (root / "book" / "_executed" / "extra").mkdir(parents=True)  # html_extra_path of _config.yml
    (root / "book" / "player_intro.md").write_text("# The player\n\n```{bibliography}\n```\n")
    exe = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(exe), "build", str(root), "--warningiserror", "--keep-going"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = root / "_build" / "html" / "book" / "explore.html"
    assert html.is_file()
    return html


def console_errors(d) -> list[str]:
    """The page's console errors so far, without the address and position they name."""
    return [re.sub(r"^\S+ \d+:\d+ ", "", e["message"]) for e in d.get_log("browser")
            if e["level"] in ("SEVERE", "ERROR")]


def requests(d) -> list[str]:
    """The addresses the browser requested since the last call (from its performance log)."""
    out = []
    for entry in d.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            out.append(msg["params"]["request"]["url"])
    return out


@pytest.fixture(scope="module")
def explore(explore_page, chrome):
    """The explore page open in Chromium, with ``baseline``: the console errors of a page of the same
    book without the player (the theme's own; see test_page_loads_every_model_without_console_errors)."""
    d = browser(chrome)
    try:
        d.get((explore_page.parent / "model.html").as_uri())
        d.baseline = set(console_errors(d))
        d.get(explore_page.as_uri())
        d.execute_async_script("const done = arguments[0]; const p = document.querySelector('.nca-player').ncaPlayer;"
                               "p.ready.then(() => done(true));")
        yield d
    finally:
        d.quit()


def player_state(d, which="nca"):
    s, h, w, c = d.execute_script(PLAYER_STATE, which)
    return unb64(s, (h, w, c if which == "nca" else 2))


def select(d, model_id):
    d.execute_async_script("const done = arguments[1]; const p = document.querySelector('.nca-player').ncaPlayer;"
                           "p.select(arguments[0]).then(() => done(true));", model_id)


def test_page_loads_every_model_without_console_errors(explore):
    assert "_static/nca_player.js" in explore.page_source
    errors = explore.execute_script("return document.querySelector('.nca-player').ncaPlayer.errors")
    assert errors == []
    ids = explore.execute_script("return document.querySelector('.nca-player').ncaPlayer.index.models.map(m => m.id)")
    assert ids == list(model_jobs())
    for model_id in ids:
        select(explore, model_id)
        assert explore.execute_script("return document.querySelector('.nca-model').value") == model_id
    # The theme logs an error on every page of this book (pydata-sphinx-theme reports an empty theme mode under
    # file://): the player must add none; and no script of the page is refused (sphinx-thebe's was, when it was
    # included twice: book/_ext/scripts_once.py)
    errors = console_errors(explore)  # (the browser hands each entry out once)
    new = [e for e in errors if e not in explore.baseline]
    assert new == [], new
    assert not [e for e in errors + list(explore.baseline) if "SyntaxError" in e], errors + list(explore.baseline)
    # nothing came over a network: every request of the page (scripts, styles, fonts, model files) is for a file
    loaded = requests(explore)
    assert any(u.endswith("models/morph_C32_t32.js") for u in loaded), loaded
    assert all(u.startswith(("file:", "data:")) for u in loaded), [u for u in loaded if not u.startswith("file:")]


def test_info_line_names_the_tier_schedule_and_best_epoch_of_the_model(explore):
    chosen = player.chosen_models()
    for model_id in ("morph_C16_t32", "gray_scott_t32"):
        select(explore, model_id)
        info = explore.find_element("css selector", ".nca-info").text
        _, job, profile, tr = chosen[model_id]
        assert f"Trained {len(tr.result.loss)} epochs (the {profile} profile)" in info, info
        assert f"best epoch {tr.result.best_epoch + 1}," in info and job.key in info, info
        if job.train.lr_schedule != "constant":
            rate = re.search(rf"a {job.train.lr_schedule} learning rate from ([0-9.e-]+) to ([0-9.e-]+),", info)
            assert rate and tuple(map(float, rate.groups())) == (job.train.lr, job.train.lr_min), info


def test_initial_conditions_are_the_librarys(explore):
    select(explore, "morph_C16_t32")
    x = player_state(explore)
    np.testing.assert_array_equal(x[..., :4], targets()[0])
    assert not x[..., 4:].any()
    select(explore, "gray_scott_t32")
    for choice, want in [("test", gs.test_ic(128)), *((f"train{k}", gs.training_ics()[k]) for k in range(4))]:
        explore.execute_script("const s = document.querySelector('.nca-ic'); s.value = arguments[0];"
                               "s.dispatchEvent(new Event('change'));", choice)
        x, y = player_state(explore), player_state(explore, "pde")
        np.testing.assert_array_equal(x[..., :2], want)
        np.testing.assert_array_equal(y, want)
        assert not x[..., 2:].any()


# the box of every control of the player's rows and of its first lattice, in page order
LAYOUT = ("const p = document.querySelector('.nca-player');"
          "return [...p.querySelectorAll('.nca-row *'), p.querySelector('canvas.nca-lattice')].map(e => {"
          "const r = e.getBoundingClientRect(); return [e.tagName, r.left, r.top, r.width, r.height]; })")
# the player's width and the widest of its rows' controls
WIDEST = ("const p = document.querySelector('.nca-player'); return [p.getBoundingClientRect().width,"
          "Math.max(...[...p.querySelectorAll('.nca-row *')].map(e => e.getBoundingClientRect().right))"
          " - p.getBoundingClientRect().left];")


@pytest.mark.parametrize("width, model_id", [(1280, "morph_C32_t32"), (900, "gray_scott_t4"), (1280, "gray_scott_t4")])
def test_nothing_moves_while_playing_and_no_control_is_wider_than_the_player(explore, width, model_id):
    """At the book's column widths (1280: the sidebars leave 676 px; 900: the left one is hidden): the steps/s
    label appears and the counters grow (steps per frame 1 → 32) while playing, and not one control or the
    lattice moves, grows or wraps; the model menu fits the column."""
    explore.set_window_size(width, 1000)
    try:
        select(explore, model_id)
        player_w, right = explore.execute_script(WIDEST)
        still = explore.execute_script(LAYOUT)
        explore.find_element("css selector", ".nca-play").click()
        explore.execute_script("const s = document.querySelector('.nca-speed'); s.value = '32';"
                               "s.dispatchEvent(new Event('input'));")
        seen, moving = [], []
        for _ in range(2):
            time.sleep(1.5)
            seen.append(int(explore.find_element("css selector", ".nca-step").text.split("=")[1]))
            moving.append(explore.execute_script(LAYOUT))
        rate = explore.find_element("css selector", ".nca-rate").text
        explore.find_element("css selector", ".nca-play").click()  # pause
        explore.execute_script("const s = document.querySelector('.nca-speed'); s.value = '1';"
                               "s.dispatchEvent(new Event('input'));")
    finally:
        explore.set_window_size(1200, 1000)
    assert right <= player_w + 0.5, (right, player_w)
    assert 0 < seen[0] < seen[1], seen
    assert rate.endswith("steps/s"), rate
    for m in moving:
        assert m == still, [(a, b) for a, b in zip(still, m) if a != b]
    n = int(explore.find_element("css selector", ".nca-step").text.split("=")[1])
    time.sleep(0.5)
    assert int(explore.find_element("css selector", ".nca-step").text.split("=")[1]) == n  # paused


def click_cell(d, row, col):
    """A real mouse click (pointer events through the browser) on the centre of lattice cell (row, col) of the
    first panel."""
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = d.find_element("css selector", "canvas.nca-lattice")
    # wholly in view: an action's offsets count from the centre of the element's visible part
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    w, h, scale = d.execute_script("const r = arguments[0].getBoundingClientRect();"
                                   "const p = document.querySelector('.nca-player').ncaPlayer;"
                                   "return [r.width, r.height, p.grid.scale]", canvas)
    ActionChains(d).move_to_element_with_offset(canvas, (col + 0.5) * scale - w / 2,
                                                (row + 0.5) * scale - h / 2).click().perform()


def set_ic(d, choice):
    d.execute_script("const s = document.querySelector('.nca-ic'); s.value = arguments[0];"
                     "s.dispatchEvent(new Event('change'));", choice)


@pytest.mark.parametrize("model_id", ["morph_C16_t32", "gray_scott_t32"])
def test_click_changes_the_disc_around_it_and_nothing_beyond(explore, model_id):
    select(explore, model_id)
    morph = model_id.startswith("morph")
    if morph:
        row, col, tool = 40, 37, "erase"  # inside the alien
    else:
        set_ic(explore, "train0")  # 64×64, A = 1 (empty) away from the square at rows and columns 24–39
        row, col, tool = 50, 20, "paint"
    explore.execute_script("const p = document.querySelector('.nca-player').ncaPlayer; p.radius = 6;"
                           "p.tool = arguments[0];", tool)
    before = player_state(explore)
    pde_before = None if morph else player_state(explore, "pde")
    click_cell(explore, row, col)
    after = player_state(explore)
    changed = np.argwhere(np.any(after != before, axis=-1))
    assert len(changed) > 20, len(changed)
    dist2 = ((changed - [row, col]) ** 2).sum(1)
    assert dist2.max() <= 36, changed[dist2.argmax()]
    assert [row, col] in changed.tolist()
    if morph:
        assert not after[row, col].any()  # erased: every channel 0
    else:
        ii, jj = np.indices(before.shape[:2])
        disc = (ii - row) ** 2 + (jj - col) ** 2 <= 36
        np.testing.assert_array_equal(np.any(after != before, axis=-1), disc)  # all of it was empty
        np.testing.assert_array_equal(after[disc][:, :2], np.tile([0.0, 1.0], (disc.sum(), 1)))  # a patch of B
        pde = player_state(explore, "pde")
        np.testing.assert_array_equal(np.any(pde != pde_before, axis=-1), disc)  # the PDE is edited alike


def test_dragging_paints_without_gaps(explore):
    from selenium.webdriver.common.action_chains import ActionChains

    select(explore, "gray_scott_t32")
    set_ic(explore, "train0")
    explore.execute_script("const p = document.querySelector('.nca-player').ncaPlayer; p.radius = 2;"
                           "p.tool = 'paint';")
    before = player_state(explore)
    click_cell(explore, 50, 5)  # scrolls the panel into view, paints the start
    canvas = explore.find_element("css selector", "canvas.nca-lattice")
    scale = explore.execute_script("return document.querySelector('.nca-player').ncaPlayer.grid.scale")
    w = canvas.size["width"]
    ActionChains(explore).move_to_element_with_offset(canvas, 5.5 * scale - w / 2, 50.5 * scale - w / 2) \
        .click_and_hold().move_by_offset(50 * scale, 0).release().perform()  # one jump of 50 cells
    row = np.any(player_state(explore) != before, axis=-1)[50]
    assert row[5:56].all() and not row[:3].any() and not row[58:].any()
