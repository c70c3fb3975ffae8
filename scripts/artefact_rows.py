"""Print an `artefacts/README.md` table row for each shipped artefact of one kind that has none yet.

    python scripts/artefact_rows.py gray_scott_test "the same (Fig 6 at `grid`)"

The row names the kind, the artefact's key, the model it was computed from (as its row in
`weights/README.md` names it, and its key, which the artefact's manifest records) and, from the
command line, what it is for. Paste the rows under the kind's other rows.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def model_name(manifest: dict, weights_readme: str) -> str:
    """What the model's row in `weights/README.md` calls it, e.g. ``t=32 seed=0 ξ=0.1111, Gray-Scott grid recipe
    (`key`)``; the manifest's label where the model has no row; "none (the PDE)" for a result of no model."""
    key = manifest.get("model_key")
    if not key:
        return "none (the PDE)"
    found = re.search(rf"^\| `{key}` \| ([^|]+) \|", weights_readme, flags=re.M)
    return f"{found.group(1).strip() if found else manifest.get('label', '')} (`{key}`)"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    kind, what = argv
    folder = ROOT / "artefacts" / "stability" / kind
    if not folder.is_dir():
        print(f"kind={kind!r} is not accepted; accepted: a folder of artefacts/stability "
              f"({', '.join(sorted(p.name for p in folder.parent.iterdir() if p.is_dir()))})", file=sys.stderr)
        return 2
    readme = (ROOT / "artefacts" / "README.md").read_text()
    weights_readme = (ROOT / "weights" / "README.md").read_text()
    listed = set(re.findall(rf"^\| `{re.escape(kind)}` \| `([0-9a-f]{{16}})` \|", readme, flags=re.M))
    for manifest_file in sorted(folder.glob("*.json")):
        manifest = json.loads(manifest_file.read_text())
        if manifest["key"] not in listed:
            print(f"| `{kind}` | `{manifest['key']}` | {model_name(manifest, weights_readme)} | {what} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
