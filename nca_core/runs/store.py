"""A cache for the stability chapter's arrays (perturbation maps, optimised initial states).

Each result is one ``.npz`` file, ``results/stability/<kind>/<key>.npz``, where ``key`` hashes
the model's cache key, its weights and every parameter that changes the numbers. The file
holds the arrays and a JSON ``meta`` string; it is written atomically
(:func:`nca_core.fileio.write_npz`), and a file that cannot be read is ignored and recomputed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from nca_core import fileio
from nca_core.core.checkpoint import config_hash
from nca_core.runs.cache import results_dir

#: bump when the meaning of a stored array changes: every old entry is then ignored
FORMAT = 1


def key(*parts: Any) -> str:
    """The hash of JSON-serialisable ``parts`` (model key, weights hash, parameters)."""
    return config_hash("stability", FORMAT, *parts)


def path(kind: str, key: str) -> Path:
    """Where the result ``key`` of ``kind`` (``"local"``, ``"adversarial"``) is stored."""
    return results_dir() / "stability" / kind / f"{key}.npz"


def load(kind: str, key: str) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """The stored arrays and meta data, or None (missing or unreadable)."""
    p = path(kind, key)
    if not p.exists():
        return None
    try:
        arrays = fileio.read_npz(p)
        meta = json.loads(str(arrays.pop("meta")))
    except Exception:
        return None
    return arrays, meta


def save(kind: str, key: str, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Path:
    """Store ``arrays`` (any names but ``path`` and ``meta``) and ``meta`` (JSON-serialisable) atomically."""
    text = json.dumps(meta, sort_keys=True, default=lambda o: o.item() if isinstance(o, np.generic) else str(o))
    return fileio.write_npz(path(kind, key), meta=np.array(text), **arrays)


def seed_of(*tags: int) -> int:
    """A seed for the RNG derived from integer ``tags`` (distinct tags give unrelated seeds)."""
    return int(np.random.SeedSequence([int(t) for t in tags]).generate_state(1)[0])
