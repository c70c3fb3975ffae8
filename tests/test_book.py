"""The Jupyter Book builds with every Sphinx warning treated as an error."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _jupyter_book() -> list[str]:
    """The jupyter-book command of the interpreter running the tests."""
    exe = Path(sys.executable).with_name("jupyter-book")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("jupyter-book")
    assert found, "jupyter-book is not installed (pip install -e '.[dev]')"
    return [found]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_book_builds_without_warnings(tmp_path: Path) -> None:
    cmd = _jupyter_book() + [
        "build",
        str(ROOT),
        "--path-output",
        str(tmp_path),
        "--warningiserror",
        "--keep-going",
        "--all",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    log = proc.stdout[-6000:] + "\n" + proc.stderr[-6000:]
    assert proc.returncode == 0, f"jupyter-book build failed:\n{log}"
    assert "WARNING" not in proc.stderr, log

    html_dir = tmp_path / "_build" / "html"
    intro = html_dir / "book" / "intro.html"
    assert intro.is_file(), f"missing {intro}; built: {sorted(p.name for p in html_dir.iterdir())}"
    assert (html_dir / "index.html").is_file()

    page = intro.read_text(encoding="utf-8")
    # The bibliography (not just the book title) must hold the paper's entry ...
    entries = [
        _text(m) for m in re.findall(r'role="doc-biblioentry">(.*?)</div>', page, flags=re.S)
    ]
    paper = [e for e in entries if "Learning spatio-temporal patterns" in e]
    assert paper, f"paper not in the bibliography; entries: {entries}"
    assert "10.1371/journal.pcbi.1011589" in paper[0]
    # ... and the in-text citations must link to bibliography entries.
    assert re.search(r'<a class="reference internal" href="#id\d+"[^>]*title="[^"]*Richardson', page)
