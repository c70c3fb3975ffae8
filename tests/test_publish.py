"""Publishing: the GitHub Actions workflows pass actionlint, CITATION.cff is valid CFF 1.2.0,
the licence is MIT, and the article's DOI is where readers look for it.

These tests read files and run the actionlint binary; they need neither TensorFlow nor a network.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
CITATION = ROOT / "CITATION.cff"
LICENSE = ROOT / "LICENSE"
CITE_PAGE = ROOT / "book" / "cite.md"
TOC = ROOT / "_toc.yml"
# CFF 1.2.0 JSON Schema, vendored so that validation needs no network (see tests/assets/README.md)
CFF_SCHEMA = Path(__file__).resolve().parent / "assets" / "cff-1.2.0-schema.json"

DOI = "10.1371/journal.pcbi.1011589"
PAPER_AUTHORS = [("Richardson", "Alex D."), ("Antal", "Tibor"), ("Blythe", "Richard A."), ("Schumacher", "Linus J.")]


# --------------------------------------------------------------------------- actionlint


def actionlint_exe() -> str:
    """The actionlint binary installed by the dev extra (next to this interpreter), else on PATH."""
    here = Path(sys.executable).with_name("actionlint")
    exe = str(here) if here.exists() else shutil.which("actionlint")
    assert exe, "actionlint not found: install the dev extra (pip install -e '.[dev]')"
    return exe


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint_exe(), "-no-color", *map(str, files)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def workflow_files() -> list[Path]:
    return sorted(p for p in WORKFLOWS.iterdir() if p.is_file())


def test_workflows_exist_and_are_yaml_workflows() -> None:
    files = workflow_files()
    assert files, f"no workflow in {WORKFLOWS}"
    for f in files:
        assert f.suffix in (".yml", ".yaml"), f"{f.name}: GitHub only runs .yml/.yaml workflows"


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    proc = actionlint(*workflow_files())
    assert proc.returncode == 0 and not proc.stdout.strip(), (
        f"actionlint exit code {proc.returncode}:\n{proc.stdout}{proc.stderr}")


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    """The lint test can fail: actionlint flags a missing runs-on, a bad action input and an unknown property."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\n"
        "jobs:\n"
        "  build:\n"
        "    steps:\n"
        "      - uses: actions/checkout@v7\n"
        "        with:\n"
        "          no-such-input: true\n"
        "      - run: echo ${{ github.no_such_property }}\n",
        encoding="utf-8",
    )
    proc = subprocess.run([actionlint_exe(), "-no-color", str(broken)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "broken.yml" in out
    assert '"runs-on" section is missing' in out, out
    assert "no-such-input" in out, out
    assert 'property "no_such_property" is not defined' in out, out


def _workflow(name: str) -> dict:
    # PyYAML reads the key `on` as True
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def test_book_workflow_builds_tests_and_deploys() -> None:
    wf = _workflow("book.yml")
    on = wf.get("on", wf.get(True))
    assert on["push"]["branches"] == ["main"] and "workflow_dispatch" in on
    jobs = wf["jobs"]
    assert {"build", "test", "deploy"} <= set(jobs)
    build = [s.get("uses", s.get("run", "")) for s in jobs["build"]["steps"]]
    assert any(s.startswith("actions/setup-python@") for s in build)
    assert any(re.match(r"make book\b", s) for s in build)
    assert any(s.startswith("actions/upload-pages-artifact@") for s in build)
    upload = next(s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    deploy = jobs["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])
    assert "build" in deploy["needs"] and "test" in deploy["needs"]
    test_runs = " ".join(s.get("run", "") for s in jobs["test"]["steps"])
    assert "make test" in test_runs and "chromium" in test_runs and "chromium-driver" in test_runs


# --------------------------------------------------------------------------- CITATION.cff


class _CffLoader(yaml.SafeLoader):
    """YAML loader that keeps dates as text, as the CFF schema expects."""


_CffLoader.add_constructor("tag:yaml.org,2002:timestamp", _CffLoader.construct_yaml_str)


def load_cff(text: str) -> dict:
    return yaml.load(text, Loader=_CffLoader)  # noqa: S506 (a SafeLoader subclass)


def cff_errors(data: dict) -> list[str]:
    """Every violation of the CFF 1.2.0 schema, as 'path: message'."""
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))]


def test_vendored_schema_is_cff_1_2_0() -> None:
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"].startswith("https://citation-file-format.github.io/1.2.0/")
    assert schema["properties"]["cff-version"]


def test_citation_cff_is_valid_cff_1_2_0() -> None:
    data = load_cff(CITATION.read_text(encoding="utf-8"))
    errors = cff_errors(data)
    assert not errors, "CITATION.cff does not validate against CFF 1.2.0:\n" + "\n".join(errors)
    assert data["cff-version"] == "1.2.0"


def test_cff_validation_rejects_broken_files() -> None:
    """The validation test can fail: a missing field, a resolver URL as DOI, a misspelt key."""
    good = load_cff(CITATION.read_text(encoding="utf-8"))
    broken = {k: v for k, v in good.items() if k != "authors"}
    assert any("'authors' is a required property" in e for e in cff_errors(broken))
    bad_doi = {**good, "preferred-citation": {**good["preferred-citation"], "doi": f"https://doi.org/{DOI}"}}
    assert any(e.startswith("preferred-citation/doi") for e in cff_errors(bad_doi))
    assert cff_errors({**good, "licence": "MIT"})  # additional properties are not allowed
    assert cff_errors(load_cff(CITATION.read_text(encoding="utf-8").replace("cff-version: 1.2.0", "cff-version: 1.2")))


def test_citation_describes_the_companion_and_prefers_the_paper() -> None:
    data = load_cff(CITATION.read_text(encoding="utf-8"))
    assert data["type"] == "software"
    assert data["authors"] == [{"name": "The NCA companion developers"}]
    assert data["license"] == "MIT"
    init = (ROOT / "nca_core" / "__init__.py").read_text(encoding="utf-8")
    version = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', init, re.M)
    assert version and str(data["version"]) == version.group(1), "CITATION.cff version differs from nca_core"

    paper = data["preferred-citation"]
    assert paper["type"] == "article"
    assert paper["doi"] == DOI
    assert [(a["family-names"], a["given-names"]) for a in paper["authors"]] == PAPER_AUTHORS
    assert paper["title"] == "Learning spatio-temporal patterns with Neural Cellular Automata"
    assert paper["journal"] == "PLOS Computational Biology"
    assert (paper["volume"], paper["issue"], paper["start"], paper["year"]) == (20, 4, "e1011589", 2024)


# --------------------------------------------------------------------------- licence and "How to cite"


def test_license_is_mit_and_notes_the_apache_emoji() -> None:
    text = LICENSE.read_text(encoding="utf-8")
    assert text.startswith("MIT License"), text[:200]
    assert "Permission is hereby granted, free of charge" in text
    assert re.search(r"Copyright \(c\) 2026 The NCA companion developers", text)
    assert "Apache License, Version 2.0" in text and "nca_core/assets/emoji" in text
    assert (ROOT / "nca_core" / "assets" / "emoji" / "LICENSE.md").is_file()


def test_how_to_cite_page_gives_the_doi_and_both_bibtex_entries() -> None:
    page = CITE_PAGE.read_text(encoding="utf-8")
    assert page.lstrip().startswith("# How to cite")
    assert DOI in page
    assert "CITATION.cff" in page and "Cite this repository" in page
    entries = re.findall(r"^@(\w+)\{([^,]+),", page, re.M)
    assert ("article", "richardson2024") in entries and any(kind == "software" for kind, _ in entries), entries
    data = load_cff(CITATION.read_text(encoding="utf-8"))
    assert re.search(r"version\s*=\s*\{" + re.escape(str(data["version"])) + r"\}", page), \
        "the companion's BibTeX version differs from CITATION.cff"


def test_how_to_cite_page_is_the_last_part_of_the_book() -> None:
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    assert toc["parts"][-1] == {"caption": "About", "chapters": [{"file": "book/cite"}]}


@pytest.mark.parametrize("path", ["README.md", "CITATION.cff", "book/cite.md", "book/references.bib"])
def test_doi_is_given_consistently(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert DOI in text, f"{path} does not give the article's DOI"
    for doi in re.findall(r"10\.1371/journal\.pcbi\.\d+", text):
        assert doi == DOI, f"{path} gives a different DOI: {doi}"


def test_the_books_footer_year_is_the_companions_citation_year():
    """The footer's © year (``_config.yml``) is the year the cite page and the licence give the companion."""
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    entry = re.search(r"@software\{nca_companion,.*?year\s*=\s*\{(\d{4})\}", CITE_PAGE.read_text(encoding="utf-8"),
                      re.S)
    assert entry and str(cfg["copyright"]) == entry.group(1)
    assert f"Copyright (c) {entry.group(1)} " in LICENSE.read_text(encoding="utf-8")
