"""Launch buttons (Binder; no Colab, which would open a notebook without the package and the shipped models): in
_config.yml, and pointing at the source notebook, not its executed copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_config_has_repository_and_launch_buttons():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = cfg["repository"]
    assert repo["url"].startswith("https://github.com/") and repo["branch"] == "main"
    assert repo["path_to_book"] == ""
    buttons = cfg["launch_buttons"]
    assert buttons["binderhub_url"] == "https://mybinder.org"
    assert "colab_url" not in buttons
    assert buttons["notebook_interface"] in ("classic", "jupyterlab")
    assert cfg["sphinx"]["local_extensions"] == {"launch_paths": "book/_ext", "numbering": "book/_ext",
                                                 "scripts_once": "book/_ext"}
    assert (ROOT / "book" / "_ext" / "launch_paths.py").is_file()


def test_chapter_page_launches_its_source_notebook(tmp_path):
    """A small book built with the real _config.yml: an executed chapter's buttons open notebooks/<name>.ipynb."""
    import nbformat

    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(ROOT / "book" / "_ext", tmp_path / "book" / "_ext")
    shutil.copy(ROOT / "book" / "references.bib", tmp_path / "book" / "references.bib")
    (tmp_path / "book" / "_executed" / "extra").mkdir(parents=True)  # html_extra_path of _config.yml
    (tmp_path / "book" / "_static").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n\nA page.\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter"), nbformat.v4.new_code_cell("1 + 1")]
    nbformat.write(nb, tmp_path / "book" / "_executed" / "time_sampling.ipynb")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       "  - file: book/_executed/time_sampling\n", encoding="utf-8")
    exe = Path(sys.executable).with_name("jupyter-book")
    # as on GitHub Actions: the repository the workflow runs in replaces _config.yml's url
    env = {k: v for k, v in os.environ.items() if k != "NCA_REPOSITORY_URL"}
    env.update(GITHUB_SERVER_URL="https://github.com", GITHUB_REPOSITORY="someone/their-fork")
    proc = subprocess.run([str(exe), "build", str(tmp_path), "--warningiserror", "--keep-going"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    page = (tmp_path / "_build" / "html" / "book" / "_executed" / "time_sampling.html").read_text(encoding="utf-8")
    repo = "someone/their-fork"
    assert cfg["repository"]["url"].removeprefix("https://github.com/") not in page
    binder = f"https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/notebooks/time_sampling.ipynb"
    assert binder in page and "colab.research.google.com" not in page
    assert "_executed/time_sampling.ipynb" not in page.split("launch-buttons")[-1].split("</ul>")[0]
    # every script once (Sphinx 7.4 doubled the inline ones registered late: sphinx-thebe's configuration, whose
    # second copy the browser refused with "Identifier 'THEBE_JS_URL' has already been declared")
    import re

    head = page.split("</head>")[0]
    scripts = re.findall(r"<script[^>]*>.*?</script>", head, flags=re.S)
    assert page.count("const THEBE_JS_URL") == 1 and len(scripts) > 5
    assert len(set(scripts)) == len(scripts), [s for s in scripts if scripts.count(s) > 1]


def test_a_script_registered_twice_is_kept_once():
    from types import SimpleNamespace as JS

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        from scripts_once import once
    finally:
        sys.path.pop(0)
    body = JS(filename=None, priority=500, attributes={"body": "const A = 1"})
    again = JS(filename="", priority=500, attributes={"body": "const A = 1"})
    other = JS(filename="", priority=500, attributes={"body": "const B = 1"})
    file = JS(filename="_static/x.js", priority=500, attributes={})
    assert once([file, body, other, again, file, "old.js", "old.js"]) == [file, body, other, "old.js"]


def test_repository_url_comes_from_the_build_environment():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        from launch_paths import repository_url
    finally:
        sys.path.pop(0)
    assert repository_url({}) is None
    assert repository_url({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "a/b"}) == \
        "https://github.com/a/b"
    assert repository_url({"NCA_REPOSITORY_URL": "https://example.org/x/", "GITHUB_REPOSITORY": "a/b",
                           "GITHUB_SERVER_URL": "https://github.com"}) == "https://example.org/x"
