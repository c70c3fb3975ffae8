"""Print a `weights/README.md` table row for each shipped model folder that has none yet.

    python scripts/weights_rows.py "Fig 4 at `grid`" "beside the test suite"

The row states what `result.json` records: the label, the kept model's loss and epoch (counting from 1),
how the selection rule chose it, and the training time; the "used by" and the time's circumstances come
from the command line (the same for every row printed). Paste the rows into the right table.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def selection(res: dict) -> str:
    """How the kept model was chosen, in words (the rule's trials in ``extra.selection``)."""
    sel = res.get("extra", {}).get("selection")
    if not sel:
        return "lowest loss"
    tried = sel.get("tried", [])
    passed = [t for t in tried if t.get("passed")]
    if not passed:
        return (f"none of the {len(tried)} snapshots tried passed the target from the validation IC; "
                f"the lowest-loss epoch is kept")
    q = passed[0]["quality"]
    which = "the first tried" if tried[0] is passed[0] else f"the first that passed, of {len(tried)} tried"
    return (f"{which}: validation IC invasion {q['invasion_ratio']:.2f} of the PDE's, "
            f"wavelength off by {100 * q['wavelength_error']:.1f}%")


def row(folder: Path, used_by: str, circumstances: str) -> str:
    res = json.loads((folder / "result.json").read_text())
    job = json.loads((folder / "job.json").read_text())
    recipe = "Gray-Scott grid recipe" if job["data"]["kind"] == "gray_scott" else "morph grid recipe"
    loss = f"{res['best_loss']:.3f} (epoch {res['best_epoch'] + 1} of {res['epochs_run']})"
    seconds = f"{res['seconds']:.0f} ({circumstances})" if circumstances else f"{res['seconds']:.0f}"
    return f"| `{folder.name}` | {job['label']}, {recipe} | {used_by} | {loss} | {selection(res)} | {seconds} |"


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    readme = (ROOT / "weights" / "README.md").read_text()
    listed = set(re.findall(r"^\| `([0-9a-f]{16})` \|", readme, flags=re.M))
    for folder in sorted((ROOT / "weights").iterdir()):
        if (folder / "manifest.json").exists() and folder.name not in listed:
            print(row(folder, argv[0], argv[1] if len(argv) > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
