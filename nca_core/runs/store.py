"""A cache for what chapters compute from models (the stability chapters' perturbation maps and optimised
initial states, the morph-task rollouts and videos, ...), and their shipped copies.

Each result is one ``.npz`` file, ``results/stability/<kind>/<key>.npz``, where ``key`` hashes
the model's cache key, its weights and every parameter that changes the numbers. The file
holds the arrays and a JSON ``meta`` string; it is written atomically
(:func:`nca_core.fileio.write_npz`), and a file that cannot be read is ignored and recomputed.

Results computed from a *shipped* model are shipped as the weights are (:func:`ship`): the same file,
compressed, in ``artefacts/stability/<kind>/<key>.npz`` (committed; ``$NCA_ARTEFACTS_DIR`` overrides),
beside a manifest ``<key>.json`` that holds the file's SHA-256 and size, the model's cache key and
weights hash, and is written last. :func:`load` looks in the results cache first, then there; a
shipped file that does not match its manifest is ignored (and the result recomputed into the cache).
A run ships what it uses when ``$NCA_SHIP_ARTEFACTS`` is set (``nca-book run --ship``). A result that depends
on no model (e.g. a regression on the PDE's own trajectories) is stored with ``model=``:data:`NO_MODEL` and
shipped like a shipped model's (its manifest's model key and weights hash are ``null``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from nca_core import fileio
from nca_core.core.checkpoint import config_hash
from nca_core.runs import cache
from nca_core.runs.cache import results_dir

#: bump when the meaning of a stored array changes: every old entry is then ignored
FORMAT = 1
#: set (to anything but "" or "0") to ship every result computed from or loaded for a shipped model
SHIP_ENV = "NCA_SHIP_ARTEFACTS"
#: the ``model`` of a result computed from no model (the PDE alone): a fresh clone can compute it, so it is shipped
NO_MODEL = SimpleNamespace(source="shipped", job=SimpleNamespace(key=None, label="no model"), weights_hash=None)


def key(*parts: Any) -> str:
    """The hash of JSON-serialisable ``parts`` (model key, weights hash, parameters)."""
    return config_hash("stability", FORMAT, *parts)


def artefacts_dir() -> Path:
    """Root of the shipped artefacts: ``$NCA_ARTEFACTS_DIR``, else ``<repo>/artefacts``."""
    return cache._location("NCA_ARTEFACTS_DIR", "artefacts")


def path(kind: str, key: str) -> Path:
    """Where the result ``key`` of ``kind`` (``"local"``, ``"adversarial"``, ``"morph"``, ...) is cached."""
    return results_dir() / "stability" / kind / f"{key}.npz"


def shipped_path(kind: str, key: str) -> Path:
    """Where the result ``key`` of ``kind`` is shipped (its manifest: the same name with ``.json``)."""
    return artefacts_dir() / "stability" / kind / f"{key}.npz"


def _read(p: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    try:
        arrays = fileio.read_npz(p)
        meta = json.loads(str(arrays.pop("meta")))
    except Exception:
        return None
    return arrays, meta


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def shipped_intact(kind: str, key: str) -> bool:
    """Whether the shipped result ``key`` exists and matches its manifest (size and SHA-256)."""
    p = shipped_path(kind, key)
    try:
        manifest = fileio.read_json(p.with_suffix(".json"))
        data = p.read_bytes()
        return manifest["bytes"] == len(data) and manifest["sha256"] == _sha256(data)
    except Exception:
        return False


def load(kind: str, key: str, model: Any = None) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """The stored arrays and meta data, from the results cache or else the shipped artefacts, or None
    (missing, unreadable, or shipped but not matching its manifest).

    ``model`` (the :class:`~nca_core.runs.cache.Trained` the result is computed from) lets a run with
    ``$NCA_SHIP_ARTEFACTS`` ship a result it finds in the cache.
    """
    p = path(kind, key)
    found = _read(p) if p.exists() else None
    if found is not None:
        if model is not None and _shipping():
            ship(kind, key, model)
        return found
    if shipped_intact(kind, key):
        return _read(shipped_path(kind, key))
    return None


def save(kind: str, key: str, arrays: dict[str, np.ndarray], meta: dict[str, Any], model: Any = None) -> Path:
    """Store ``arrays`` (any names but ``path`` and ``meta``) and ``meta`` (JSON-serialisable) atomically;
    with ``$NCA_SHIP_ARTEFACTS`` set, also ship them if ``model`` (a ``Trained``) is a shipped model."""
    text = json.dumps(meta, sort_keys=True, default=lambda o: o.item() if isinstance(o, np.generic) else str(o))
    written = fileio.write_npz(path(kind, key), meta=np.array(text), **arrays)
    if model is not None and _shipping():
        ship(kind, key, model)
    return written


def _shipping() -> bool:
    return os.environ.get(SHIP_ENV, "") not in ("", "0")


def _is_shipped(model: Any) -> bool:
    """Whether a fresh clone has ``model``: it was loaded from the shipped weights, or it was loaded from the
    results cache (or just trained there) and the shipped folder of its key holds the same weights (a model
    shipped by the run that trained it is found in the cache first)."""
    if getattr(model, "source", None) == "shipped":
        return True
    if getattr(model, "source", None) not in ("cache", "trained") or getattr(model, "path", None) is None:
        return False
    manifests = [Path(folder) / "manifest.json" for folder in (model.path, cache.weights_dir() / model.job.key)]
    if not all(m.exists() for m in manifests):
        return False
    weights = [json.loads(m.read_text(encoding="utf-8")).get("weights.npz") for m in manifests]
    return weights[0] is not None and weights[0] == weights[1]


def ship(kind: str, key: str, model: Any) -> Path | None:
    """Copy the cached result ``key`` of ``kind`` into the shipped artefacts (compressed, manifest last),
    if ``model`` (the ``Trained`` it was computed from) is shipped; returns the shipped file or None."""
    if not _is_shipped(model):
        return None  # a result of a model a fresh clone does not have would never be used
    if shipped_intact(kind, key):
        return shipped_path(kind, key)
    found = _read(path(kind, key))
    if found is None:
        return None
    arrays, meta = found
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)
    data = buf.getvalue()
    dest = shipped_path(kind, key)
    fileio.write_bytes(dest, data)
    fileio.write_json(dest.with_suffix(".json"), {
        "kind": kind, "key": key, "bytes": len(data), "sha256": _sha256(data), "model_key": model.job.key,
        "weights": model.weights_hash, "label": model.job.label, "arrays": sorted(arrays),
        "format": FORMAT})
    return dest


def shipped() -> list[dict[str, Any]]:
    """The manifests of every shipped result, with its ``path``."""
    root = artefacts_dir() / "stability"
    out = []
    for m in sorted(root.glob("*/*.json")):
        try:
            out.append({**fileio.read_json(m), "path": m.with_suffix(".npz")})
        except Exception:
            continue
    return out


def seed_of(*tags: int) -> int:
    """A seed for the RNG derived from integer ``tags`` (distinct tags give unrelated seeds)."""
    return int(np.random.SeedSequence([int(t) for t in tags]).generate_state(1)[0])
