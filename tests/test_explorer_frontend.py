"""The explorer notebook in a real JupyterLab, driven through Chromium with real input events.

The test starts JupyterLab (the ``explore`` extra, fixture ``jupyterlab``) on 127.0.0.1 in a temporary
folder holding a copy of ``notebooks/explore.ipynb`` (the shipped models; an empty results cache), opens
it in headless Chromium (fixture ``chrome``) and, through the page's menus, buttons and the mouse:
Run All shows no error and no framework log; *play* advances the step; a fast drag (moves 20–40 ms
apart) erases the band under its path and nothing else; choosing another model redraws; a second Run
All in the same kernel succeeds; the figures land beside the notebook; its link to the book's player
page opens that page. The kernel's
state is read back by a second client of the same kernel (``jupyter_client``, through the kernel's
connection file), which runs nothing the notebook does not.
"""

from __future__ import annotations

import ast
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from nca_core.view.widgets import capsule

ROOT = Path(__file__).resolve().parents[1]
MORPH, GS = "morph_C16_t32", "gray_scott_t32"
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"


def wait(what, timeout: float, step: float = 0.2, message: str = ""):
    """``what()`` once it is truthy, polling; fails after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s: {message}")
        time.sleep(step)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser(request):
    """A headless Chromium; skipped (with the reason) only where none can be installed."""
    try:
        request.getfixturevalue("chromium")
    except (subprocess.CalledProcessError, FileNotFoundError, PermissionError) as err:
        pytest.skip(f"no browser: Debian's chromium and chromedriver could not be installed ({err})")
    driver = request.getfixturevalue("chrome")("--window-size=1500,1100")
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def lab(jupyterlab, tmp_path_factory):
    """JupyterLab serving a folder with a copy of the explorer notebook: ``(url, folder, token)``."""
    root = tmp_path_factory.mktemp("lab")
    work = root / "work"  # the repository's layout: the notebook and the book page it links to
    (work / "notebooks").mkdir(parents=True)
    (work / "book").mkdir()
    shutil.copy(ROOT / "notebooks" / "explore.ipynb", work / "notebooks" / "explore.ipynb")
    shutil.copy(ROOT / "book" / "explore.md", work / "book" / "explore.md")
    settings = root / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # every cell in the page (no virtual scrolling), so the test sees all prompts and outputs
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    docmanager = root / "settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)  # no autosave: its dialogs (a file changed on disk) would cover the page
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    labconfig = root / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(json.dumps(  # no "news?" pop-up over the page
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "JPY_SESSION_NAME")}
    env.update(NCA_RESULTS_DIR=str(root / "results"), JUPYTER_CONFIG_DIR=str(root / "config"),
               JUPYTER_RUNTIME_DIR=str(root / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(root / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"))
    env.pop("NCA_WEIGHTS_DIR", None)  # the shipped weights
    env.pop("NCA_FIGURE_DIR", None)  # figures beside the notebook, as a reader's run writes them
    port, token = free_port(), secrets.token_hex(16)
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         "--allow-root"],  # CI runs as root
        env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                return r.status == 200
        except OSError:
            return proc.poll() is not None  # died: stop waiting (checked below)

    wait(up, 90, 0.3, "JupyterLab did not start")
    assert proc.poll() is None, (root / "lab.log").read_text()[-3000:]
    yield url, work, token, root
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


class Kernel:
    """A second client of the notebook's kernel: evaluates expressions in its namespace."""

    def __init__(self, url: str, token: str, runtime: Path):
        from jupyter_client import BlockingKernelClient

        with urllib.request.urlopen(f"{url}/api/sessions?token={token}", timeout=5) as r:
            sessions = json.load(r)
        assert len(sessions) == 1, sessions
        self.client = BlockingKernelClient()
        self.client.load_connection_file(str(runtime / f"kernel-{sessions[0]['kernel']['id']}.json"))
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def eval(self, expr: str, timeout: float = 120):
        """The JSON value of ``expr`` in the kernel (run silently: no prompt number, no history)."""
        reply = self.client.execute("", silent=True, store_history=False, timeout=timeout, reply=True,
                                    user_expressions={"r": f"__import__('json').dumps({expr})"})
        result = reply["content"]["user_expressions"]["r"]
        assert result["status"] == "ok", result
        return json.loads(ast.literal_eval(result["data"]["text/plain"]))

    def state(self, path: Path) -> np.ndarray:
        """The explorer's state ``x`` now (saved by the kernel, read here)."""
        self.eval(f"__import__('numpy').save({str(path)!r}, app.state.x) or 0")
        return np.load(path)

    def close(self):
        self.client.stop_channels()


def prompts(driver) -> list[str]:
    return [e.text for e in driver.find_elements("css selector", ".jp-CodeCell .jp-InputPrompt")]


def dismiss_dialogs(driver) -> list[str]:
    """Close any JupyterLab dialog over the page (on a loaded machine, e.g. a lost server connection) with its
    reject button, or Escape; returns their texts, for the error message of what then fails."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    texts = []
    for dialog in driver.find_elements(By.CSS_SELECTOR, "dialog.jp-Dialog"):
        texts.append(" ".join(dialog.text.split()))
        buttons = dialog.find_elements(By.CSS_SELECTOR, ".jp-Dialog-button.jp-mod-reject")
        if buttons:
            buttons[0].click()
        else:
            dialog.send_keys(Keys.ESCAPE)
    if texts:
        wait(lambda: not driver.find_elements(By.CSS_SELECTOR, "dialog.jp-Dialog"), 10,
             message=f"dialog stays: {texts}")
    return texts


def run_all(driver) -> None:
    """Run → Run All Cells, through the menu; returns when every code cell has run."""
    from selenium.webdriver.common.by import By

    def number(text: str) -> int:
        inside = text.strip().strip(":").strip("[]").strip()
        return int(inside) if inside.isdigit() else -1

    last = max([number(t) for t in prompts(driver)] + [0])
    item = "li.lm-Menu-item[data-command='runmenu:run-all']"
    dismissed = []
    for attempt in range(3):  # on a busy machine the notebook may not yet be the page's current widget
        dismissed += dismiss_dialogs(driver)
        driver.find_element(By.XPATH, "//li[contains(@class, 'lm-TabBar-tab')][.//div[text()='explore.ipynb']]").click()
        driver.find_element(By.XPATH, "//div[contains(@class, 'lm-MenuBar-itemLabel') and text()='Run']").click()
        enabled = wait(lambda: driver.find_elements(By.CSS_SELECTOR, f"{item}:not(.lm-mod-disabled)"), 10,
                       message="Run All Cells stays disabled in the Run menu")
        enabled[0].click()
        try:
            wait(lambda: any("*" in t or number(t) > last for t in prompts(driver)), 15)
            break
        except AssertionError:
            if attempt == 2:
                raise AssertionError(f"Run All did not start: prompts {prompts(driver)}; dialogs dismissed: "
                                     f"{dismissed}") from None

    def done():
        texts = prompts(driver)
        return texts and all(number(t) > last for t in texts)

    wait(done, 240, 0.5, f"Run All did not finish: prompts {prompts(driver)}")


def explorer_images(driver):
    return driver.find_elements("css selector", ".jp-OutputArea-output .widget-image")


def test_explorer_in_jupyterlab(browser, lab):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    started = time.monotonic()
    url, work, token, root = lab
    d = browser
    d.get(f"{url}/lab/tree/notebooks/explore.ipynb?token={token}")
    wait(lambda: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell"), 60, message="notebook not shown")
    wait(lambda: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']"), 90,
         message="kernel not idle")

    # ---- Run All: no error, no framework log lines, the explorer drawn
    run_all(d)
    assert not d.find_elements(By.CSS_SELECTOR, STDERR), [e.text[:300] for e in d.find_elements(By.CSS_SELECTOR,
                                                                                                 STDERR)]
    assert "Error displaying widget" not in d.find_element(By.CSS_SELECTOR, ".jp-Notebook").text
    wait(lambda: explorer_images(d), 30, message="no explorer pictures")
    kernel = Kernel(url, token, root / "runtime")
    try:
        assert kernel.eval("app.state.model.name") == MORPH
        assert kernel.eval("app.state.step") == 0

        # ---- play advances the step; pause stops it
        play, pause = d.find_elements(By.CSS_SELECTOR, ".widget-play button")[:2]
        first_picture = explorer_images(d)[0].get_attribute("src")
        play.click()
        wait(lambda: kernel.eval("app.state.step") >= 3, 60, message="play did not advance the step")
        pause.click()
        time.sleep(0.5)
        step = kernel.eval("app.state.step")
        time.sleep(0.6)
        assert kernel.eval("app.state.step") == step > 0  # paused
        wait(lambda: any(e.text.startswith(f"n = {step} ·") for e in d.find_elements(By.CSS_SELECTOR, ".widget-html")),
             10, message="the step number shown is not the kernel's")
        assert explorer_images(d)[0].get_attribute("src") != first_picture  # redrawn

        # ---- a fast drag erases a band under its path and nothing else
        img = explorer_images(d)[0]
        box = d.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];", img)
        h, w = kernel.eval("list(app.state.shape)")
        radius = kernel.eval("app.radius.value")
        assert kernel.eval("app.tool.value") == "erase"
        before = kernel.state(root / "before.npy")
        start, end, moves = (0.2, 0.25), (0.85, 0.75), 30  # fractions of the picture's width and height
        px = [(start[0] + (end[0] - start[0]) * k / moves, start[1] + (end[1] - start[1]) * k / moves)
              for k in range(moves + 1)]
        offsets = [(round((fx - 0.5) * box[0]), round((fy - 0.5) * box[1])) for fx, fy in px]  # from the centre
        chain = ActionChains(d, duration=0)
        chain.move_to_element_with_offset(img, *offsets[0]).click_and_hold()
        for k, (a, b) in enumerate(zip(offsets, offsets[1:])):
            chain.pause(0.02 if k % 2 else 0.04).move_by_offset(b[0] - a[0], b[1] - a[1])
        chain.release().perform()

        def settled(path=root / "after.npy", last=[None]):
            x = kernel.state(path)
            same = last[0] is not None and np.array_equal(x, last[0])
            last[0] = x
            time.sleep(0.3)
            return same

        wait(settled, 30, 0.0, "the drag's edits did not settle")
        after = kernel.state(root / "after.npy")
        cell = [(min(int(fy * h), h - 1), min(int(fx * w), w - 1)) for fx, fy in px]
        changed = np.any(after != before, axis=-1)
        band = capsule((h, w), cell[0], cell[-1], radius + 1.5)  # a cell and a half for pixel rounding
        assert changed.sum() > 100
        assert not changed[~band].any(), f"{changed[~band].sum()} cells changed off the drag's path"
        core = capsule((h, w), cell[0], cell[int(0.8 * moves)], radius - 1.5)  # the last moves may be throttled
        assert np.all(after[core] == 0), f"{np.sum(np.any(after[core] != 0, axis=-1))} cells on the path not erased"
        assert not changed[: h // 8, : w // 8].any()  # nothing drawn to the top-left corner
        assert kernel.eval("app.state.step") == step  # an edit, no step

        # ---- another model: the pictures are redrawn for it
        old = [e.get_attribute("src") for e in explorer_images(d)]
        label = kernel.eval(f"app.entries[{GS!r}].label")
        Select(d.find_elements(By.CSS_SELECTOR, ".widget-dropdown select")[0]).select_by_visible_text(label)
        wait(lambda: len(explorer_images(d)) == 3, 60, message="the Gray-Scott panels did not appear")
        assert kernel.eval("app.state.model.name") == GS and kernel.eval("app.state.step") == 0
        assert all(e.get_attribute("src") not in old for e in explorer_images(d))
        titles = d.find_element(By.CSS_SELECTOR, ".jp-OutputArea-output .widget-vbox").text
        assert "PDE B" in titles and "NCA − PDE" in titles

        # ---- a second Run All in the same kernel: no error, the explorer anew
        run_all(d)
        assert not d.find_elements(By.CSS_SELECTOR, STDERR), [e.text[:300] for e in
                                                              d.find_elements(By.CSS_SELECTOR, STDERR)]
        assert "unknown parameter" not in d.find_element(By.CSS_SELECTOR, ".jp-Notebook").text
        assert kernel.eval("app.state.model.name") == MORPH and kernel.eval("app.state.step") == 0
        shown = kernel.eval("len(app.images) + len(app.target_box.children)")  # the RGBA picture and its target
        wait(lambda: len(explorer_images(d)) == shown == 2, 30, message="the explorer was not drawn again")
    finally:
        kernel.close()
    # figures of the run went beside the notebook copy, not into the repository
    figures = work / "notebooks" / "figures"
    assert sorted(p.name for p in figures.glob("*.png")) == ["explore_gray_scott.png", "explore_morph.png"]
    # the link to the book's player page opens it in JupyterLab too (the book resolves it as well)
    link = [a for a in d.find_elements(By.CSS_SELECTOR, ".jp-RenderedMarkdown a") if a.text == "Explore the models"]
    assert len(link) == 2
    link[0].click()
    wait(lambda: "explore.md" in [t.text for t in d.find_elements(By.CSS_SELECTOR, ".lm-TabBar-tabLabel")], 20,
         message="the link did not open book/explore.md")
    print(f"front-end test: {time.monotonic() - started:.0f} s in the browser")
