"""One notation for the update across the pages that state it: the introduction's table, the model page (the
reference, in the article's symbols) and the local-stability page (Fig 10), whose light-cone radius is n·f."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _markdown(notebook: str) -> str:
    cells = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


PAGES = {"intro": (ROOT / "book" / "intro.md").read_text(encoding="utf-8"),
         "model": (ROOT / "book" / "model.md").read_text(encoding="utf-8"),
         "local_stability": _markdown("local_stability")}

#: symbols an earlier page used for what the table now names otherwise: the network f_θ (now F), the stencil
#: set K in K * x (now g * x, K being their number), the mask m^n (now σ^(n)), the fire rate q (now f), the
#: stencils g_k (now g^k, as the article) and the state x^n (now x^(n))
RETIRED = {r"f_\\theta": "F", r"K \* x": "g * x", r"m\^n": r"\sigma^{(n)}", r"\$q\b|\bq = ": "f",
           r"g_k\b": "g^k", r"x\^n\b|x\^\{n\+1\}|x\^0\b": "x^{(n)}"}


def test_no_page_uses_a_retired_symbol():
    for page, text in PAGES.items():
        for pattern, now in RETIRED.items():
            assert not re.search(pattern, text), f"{page} writes {pattern!r}; the notation is {now!r}"


def test_every_symbol_of_the_introductions_table_is_the_model_pages():
    table = PAGES["intro"].split("## Notation")[1].split("\n## ")[0]
    symbols = [s for row in re.findall(r"^\| (\$.+?) \|", table, flags=re.M) for s in re.findall(r"\$([^$]+)\$", row)]
    assert len(symbols) >= 10, symbols
    model = PAGES["model"]
    # n, t, C and ξ are the chapters' (the data's sampling, the channels, the noise), not the update's
    missing = [s for s in symbols if s not in ("n", "t", "C", r"\xi") and s.replace(" ", "") not in
               model.replace(" ", "")]
    assert missing == [], missing
    assert "fire rate *f*" in PAGES["local_stability"] and "*n*·*f*" in PAGES["local_stability"]
