"""Shared fixtures: the notebooks executed once at profile=smoke in a temporary copy of the book, and its build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from nca_core.cli import LAST, NOTEBOOKS
from nca_core.cli import _execute as execute

ROOT = Path(__file__).resolve().parents[1]
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
           "NCA_ARTEFACTS_DIR": str(root / "no-artefacts"),
           "NCA_FIGURE_DIR": str(out / "figures"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    (out / "logs").mkdir()
    with mock.patch.dict(os.environ, env):  # restored afterwards
        # two at a time, as `make book` runs them (`nca-book run --jobs 2`: each in a process of its own, the
        # report after the others, each executed copy tidied as `nca-book run` leaves it)
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        def task(name):
            return (name, str(root / "notebooks" / f"{name}.ipynb"), {"profile": "smoke", **OVERRIDES.get(name, {})},
                    str(out), str(out / "logs" / f"{name}.log"))

        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            for group in ([n for n in NOTEBOOKS if n not in LAST], [n for n in NOTEBOOKS if n in LAST]):
                for f in [pool.submit(execute, *task(n)) for n in group]:
                    f.result()  # a failed notebook fails the fixture with its error
    return root


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """Paths of Debian's chromium and chromedriver."""
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


@pytest.fixture()
def dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("NCA_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("NCA_WEIGHTS_DIR", str(tmp_path / "weights"))
    monkeypatch.setenv("NCA_ARTEFACTS_DIR", str(tmp_path / "artefacts"))
    monkeypatch.delenv("NCA_SHIP_ARTEFACTS", raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def chrome(chromium):
    """A factory of selenium drivers for Debian's chromium, headless: ``chrome(*extra_args, capabilities=...)``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = chromium

    def make(*extra_args: str, capabilities: dict | None = None):
        opts = webdriver.ChromeOptions()
        opts.binary_location = browser
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", *extra_args):
            opts.add_argument(arg)
        for key, value in (capabilities or {}).items():
            opts.set_capability(key, value)
        d = webdriver.Chrome(service=Service(executable_path=driver), options=opts)
        d.set_page_load_timeout(60)
        return d

    return make


@pytest.fixture(scope="session")
def jupyterlab() -> str:
    """JupyterLab, from the ``explore`` extra of pyproject.toml: installed into this environment with pip where
    missing (``make test`` installs ``.[dev]``; the extra is the one place its version range is written).
    Returns its version."""
    import importlib.metadata as md
    import json
    import re

    try:
        return md.version("jupyterlab")
    except md.PackageNotFoundError:
        pass
    line = re.search(r"^explore = (\[.*\])\s*$", (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert line, "pyproject.toml: no one-line `explore = [...]` extra"
    reqs = json.loads(line.group(1))
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", *reqs], capture_output=True, text=True)
    assert proc.returncode == 0, f"pip install {reqs} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    return md.version("jupyterlab")
