"""An executed notebook as the book shows it: one tidy parameters cell.

papermill leaves two parameter cells in the notebook it executes: the notebook's own ``parameters`` cell
(the defaults, ``profile = "quick"`` and ``None`` for the rest, each with a comment) and the
``injected-parameters`` cell it adds after it (``profile = "long"`` and any overrides, without comments).
:func:`tidy_parameters` merges them into the injected cell, the one that ran last: every parameter once, with
the value the run used in place of the default and the default cell's comment, wrapped to the width the page
shows (:data:`WIDTH` characters) instead of running off its edge; the default cell is tagged ``remove-cell``,
so the page shows it no more. The code that ran is unchanged in meaning: the same names get the same values.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

#: characters a code line of a page shows without scrolling (checked in Chromium: about 77 fit the column)
WIDTH = 72
HEADER = "# Parameters of this run (None: the profile's value)"

_ASSIGN = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<rest>.*)$")


def _split_comment(rest: str) -> tuple[str, str]:
    """``'"a#b"   # note'`` -> (``'"a#b"'``, ``'note'``): the first ``#`` outside a string starts the comment."""
    quote = None
    for i, ch in enumerate(rest):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return rest[:i].rstrip(), rest[i + 1:].strip()
    return rest.rstrip(), ""


def _assignments(source: str) -> dict[str, tuple[str, str]]:
    out = {}
    for line in source.splitlines():
        m = _ASSIGN.match(line)
        if m:
            out[m.group("name")] = _split_comment(m.group("rest"))
    return out


def merged_source(defaults: str, injected: str, width: int = WIDTH) -> str:
    """The parameter lines of ``defaults`` (the notebook's ``parameters`` cell) with the values of ``injected``
    (papermill's cell) put in, their comments kept and wrapped at ``width``; injected names the defaults do
    not have follow (papermill accepts them; :mod:`nca_core.runs.params` rejects them when the notebook
    resolves its parameters)."""
    given = _assignments(injected)
    rows = [(name, given.get(name, (value, ""))[0], comment) for name, (value, comment) in
            _assignments(defaults).items()]
    rows += [(name, value, "") for name, (value, _) in given.items() if name not in {r[0] for r in rows}]
    col = max((len(f"{n} = {v}") for n, v, _ in rows), default=0) + 2
    lines = [HEADER]
    for name, value, comment in rows:
        code = f"{name} = {value}"
        if not comment:
            lines.append(code)
            continue
        if col + 2 + 20 > width:  # a long value: the comment on the lines above it
            lines += textwrap.wrap(comment, width, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False)
            lines.append(code)
            continue
        parts = textwrap.wrap(comment, width - col - 2, break_on_hyphens=False)
        lines.append(f"{code:<{col}}# {parts[0]}")
        lines += [f"{'':<{col}}# {p}" for p in parts[1:]]
    return "\n".join(lines)


def tidy_parameters(nb) -> bool:
    """Merge ``nb``'s two parameter cells (see the module docstring) in place; False if it has no injected
    cell (nothing to merge)."""
    cells = nb["cells"]
    tagged = {tag: i for i, c in enumerate(cells) for tag in c.get("metadata", {}).get("tags", [])}
    if "parameters" not in tagged or "injected-parameters" not in tagged:
        return False
    default, injected = cells[tagged["parameters"]], cells[tagged["injected-parameters"]]
    text = merged_source("".join(default["source"]), "".join(injected["source"]))
    injected["source"] = text
    tags = default.setdefault("metadata", {}).setdefault("tags", [])
    if "remove-cell" not in tags:
        tags.append("remove-cell")
    return True


def tidy_file(path: str | Path) -> None:
    """:func:`tidy_parameters` on the notebook file ``path`` (rewritten atomically)."""
    import nbformat

    from nca_core import fileio

    nb = nbformat.read(str(path), as_version=4)
    if tidy_parameters(nb):
        fileio.write_bytes(path, nbformat.writes(nb).encode("utf-8"))
