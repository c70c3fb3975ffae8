"""Every notebook runs under papermill at profile=smoke; the book builds from them; a browser opens it.

The executed smoke notebooks are produced once per session (fixture ``smoke_book``) in a
temporary copy of the book, with a temporary results cache, so nothing in the repository
is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import papermill as pm
import pytest

from nca_core.cli import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]
FIGURES = {
    "gray_scott_data": ["fig3_training_data.png"],
    "time_sampling": ["fig4_time_sampling.png", "fig4_loss_curves.png", "fig5_pde_vs_nca.png",
                      "S4_pde.mp4", "S5_nca.mp4", "S6_difference.mp4"],
    "noise": ["fig6_noise.png"],
    "morphing_task": ["fig7_sequence.png", "fig7_lattice.png", "fig7_shifted_copies.png", "fig7_input_noise.png"],
}
# time_sampling runs with the override as papermill's command line passes it: as text
OVERRIDES = {"time_sampling": {"sampling": "[4, 32]"}}


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory):
    root = tmp_path_factory.mktemp("book")
    for f in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / f, root / f)
    shutil.copytree(ROOT / "book", root / "book", ignore=shutil.ignore_patterns("_executed"))
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    out = root / "book" / "_executed"
    out.mkdir()
    env = {"NCA_RESULTS_DIR": str(root / "results"), "NCA_WEIGHTS_DIR": str(root / "no-weights"),
           "NCA_FIGURE_DIR": str(out / "figures"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        for name in NOTEBOOKS:
            pm.execute_notebook(str(root / "notebooks" / f"{name}.ipynb"), str(out / f"{name}.ipynb"),
                                parameters={"profile": "smoke", **OVERRIDES.get(name, {})}, cwd=str(out),
                                kernel_name="python3", progress_bar=False)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return root


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_at_smoke_and_writes_its_figures(smoke_book, name):
    import nbformat

    nb = nbformat.read(smoke_book / "book" / "_executed" / f"{name}.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    for fig in FIGURES[name]:
        path = smoke_book / "book" / "_executed" / "figures" / fig
        assert path.exists() and path.stat().st_size > 1000, fig
    # the claims table is computed in the run
    text = "".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                   for o in c.get("outputs", []))
    assert "| claim (paper) |" in text and "*Provenance:* profile **smoke**" in text


def test_source_notebooks_are_clean_and_parameterised():
    import nbformat

    for name in NOTEBOOKS:
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.get("outputs") and not c.get("execution_count") for c in code), name
        first = code[0]
        assert "parameters" in first.metadata.get("tags", []), name
        assert first.source.lstrip().startswith("profile = "), name
        for line in first.source.splitlines():
            assert "#" in line, f"{name}: parameter line without a comment: {line}"


@pytest.mark.parametrize(
    "name,params,needle",
    [("time_sampling", {"profile": "fast"}, "profile"),
     ("time_sampling", {"profile": "smoke", "sampling": [0]}, "sampling"),
     ("noise", {"profile": "smoke", "noise_levels": [1.5]}, "noise_levels"),
     ("noise", {"profile": "smoke", "chanels": 32}, "chanels"),
     ("morphing_task", {"profile": "smoke", "pad": 5, "max_shift": 8}, "max_shift")],
)
def test_bad_parameters_fail_at_once_naming_them(tmp_path, name, params, needle):
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters=params, kernel_name="python3", progress_bar=False)
    assert needle in str(err.value)
    assert "ValueError" in str(err.value)


def _chromium() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        # the test set-up installs Debian's chromium where it is missing (CI runs as root)
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"], check=True,
                       capture_output=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        browser = shutil.which("chromium") or shutil.which("chromium-browser")
        driver = shutil.which("chromedriver")
    return browser, driver


@pytest.fixture(scope="session")
def built_book(smoke_book):
    exe = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(exe), "build", str(smoke_book), "--warningiserror", "--keep-going", "--all"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return smoke_book / "_build" / "html"


def test_book_builds_with_warnings_as_errors(built_book):
    for page in ("book/intro.html", "book/model.html", *(f"book/_executed/{n}.html" for n in NOTEBOOKS)):
        assert (built_book / page).exists(), page
    html = (built_book / "book" / "_executed" / "time_sampling.html").read_text()
    assert "Fig. " in html  # numbered, captioned figures
    assert "(Paper Fig 4.)" in html and "<video" in html


def test_built_page_in_headless_chromium(built_book):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = _chromium()
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--allow-file-access-from-files"):
        opts.add_argument(arg)
    d = webdriver.Chrome(service=Service(executable_path=driver), options=opts)
    try:
        d.set_page_load_timeout(60)
        d.get((built_book / "book" / "_executed" / "gray_scott_data.html").as_uri())
        imgs = d.execute_script("return Array.from(document.images).filter(i => i.src.includes('.png'))"
                                ".map(i => [i.src, i.complete && i.naturalWidth > 0]);")
        assert imgs and all(ok for _, ok in imgs), imgs
        # matplotlib's jshtml animation: a slider and play buttons
        assert d.execute_script("return document.querySelectorAll('input[type=range]').length") >= 1
        assert d.execute_script("return document.querySelectorAll('.anim-buttons button, .anim-controls button')"
                                ".length") >= 3
        d.get((built_book / "book" / "model.html").as_uri())
        import time

        for _ in range(60):  # MathJax typesets asynchronously
            n = d.execute_script("return document.querySelectorAll('mjx-container').length")
            if n:
                break
            time.sleep(0.5)
        assert n > 3, "MathJax did not typeset the equations"
    finally:
        d.quit()
