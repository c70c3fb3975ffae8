"""The shared results cache and the shipped weights: train or load a :class:`~nca_core.runs.job.Job`.

Every trained model is identified by a hash of its full configuration: the architecture
(:class:`~nca_core.core.config.NCAConfig`), the training procedure
(:class:`~nca_core.core.config.TrainConfig`), the data specification (how the training data are
generated) and :data:`FORMAT_VERSION`. :func:`train_or_load` looks for that hash

1. in the results cache (``results/models/<hash>/``; ``$NCA_RESULTS_DIR`` overrides),
2. in the shipped weights (``weights/<hash>/``, committed to the repository;
   ``$NCA_WEIGHTS_DIR`` overrides),

and trains (resumably, with checkpoints in ``results/checkpoints/<hash>/``) only when
neither has it. A model folder is written to a temporary folder and renamed into place,
with a ``manifest.json`` of SHA-256 sums written last; a folder whose files do not match
their sums (a truncated copy, say) is discarded and recomputed. While a model trains, its
process holds an exclusive lock on ``results/locks/<hash>.lock`` (``fcntl.flock``, released by
the system when the process dies), so a second process asking for the same model (another
worker of a sweep, a notebook) waits and then loads it instead of training it again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from nca_core import fileio
from nca_core.core.checkpoint import read_meta
from nca_core.core.model import NCA
from nca_core.core.result import TrainResult
from nca_core.core.train import Trainer
from nca_core.runs.job import FORMAT_VERSION, Job, build_data, selection_rule


# ---------------------------------------------------------------- locations
def _repo_root() -> Path | None:
    here = Path(__file__).resolve().parents[2]
    return here if (here / "pyproject.toml").exists() else None


def _location(env: str, name: str) -> Path:
    value = os.environ.get(env)
    if value:
        return Path(value)
    root = _repo_root()
    return root / name if root else Path.home() / ".cache" / "nca_core" / name


def results_dir() -> Path:
    """Root of the results cache: ``$NCA_RESULTS_DIR``, else ``<repo>/results``."""
    return _location("NCA_RESULTS_DIR", "results")


def weights_dir() -> Path:
    """Root of the shipped weights: ``$NCA_WEIGHTS_DIR``, else ``<repo>/weights``."""
    return _location("NCA_WEIGHTS_DIR", "weights")


@dataclass
class Trained:
    """A trained model with where it came from."""

    job: Job
    result: TrainResult
    source: str  # "cache", "shipped" or "trained"
    path: Path

    def model(self) -> NCA:
        """The NCA with the selected (best) weights."""
        return self.result.model()

    @property
    def weights_hash(self) -> str:
        return _sha256(self.path / "weights.npz")[:12]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_model_folder(folder: Path, job: Job, result: TrainResult) -> Path:
    """Save ``result`` to ``folder`` atomically (temporary folder, manifest last, rename)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        result.save(tmp)
        fileio.write_json(tmp / "job.json", {"key": job.key, "label": job.label, "data": job.data,
                                             "format_version": FORMAT_VERSION,
                                             **({"select": job.select, "select_every": job.select_every}
                                                if job.select else {})})
        files = sorted(p.name for p in tmp.iterdir())
        fileio.write_json(tmp / "manifest.json", {name: _sha256(tmp / name) for name in files})
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _load_model_folder(folder: Path) -> TrainResult | None:
    """Load a model folder if it is complete and intact, else None."""
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return None
    try:
        sums = fileio.read_json(manifest)
        for name, digest in sums.items():
            if _sha256(folder / name) != digest:
                return None
        return TrainResult.load(folder)
    except Exception:
        return None


def lookup(job: Job) -> Trained | None:
    """The cached or shipped model of ``job``, if there is an intact one."""
    for source, root in (("cache", results_dir() / "models"), ("shipped", weights_dir())):
        folder = root / job.key
        if folder.exists():
            res = _load_model_folder(folder)
            if res is not None:
                return Trained(job, res, source, folder)
    return None


def train_or_load(job: Job, retrain: bool = False, progress: bool = True, snapshot_every: int = 0) -> Trained:
    """Load ``job``'s model from the cache or the shipped weights, or train it (resumably).

    Args:
        job: what to train.
        retrain: ignore cached and shipped models and train again (into the cache).
        progress: tqdm bar while training.
        snapshot_every: when training, keep the weights every this many epochs
            (``result.snapshots``, saved with the model; 0 = none).
    """
    if not retrain:
        found = lookup(job)
        if found is not None:
            return found
    with training_lock(job.key, progress):
        if not retrain:
            found = lookup(job)  # trained by another process while this one waited for the lock
            if found is not None:
                return found
            selected = _select_from_base(job)
            if selected is not None:
                return selected
        # the rule is imported before the training, not after it: a rule that cannot be imported (a typo, or a
        # worker whose modules were loaded before the code changed) fails now, not after hours of training
        select = selection_rule(job.select) if job.select else None
        y = build_data(job.data)
        ckpt = results_dir() / "checkpoints" / job.key
        every = snapshot_every or job.select_every
        if job.select_every and every % job.select_every:
            every = job.select_every  # the rule's snapshots come first
        result = Trainer(job.nca, job.train, y, checkpoint_dir=ckpt).fit(progress=progress, snapshot_every=every)
        if select is not None and not result.diverged:
            result = select(job, result)
        folder = _write_model_folder(results_dir() / "models" / job.key, job, result)
        shutil.rmtree(ckpt, ignore_errors=True)
    return Trained(job, _load_model_folder(folder) or result, "trained", folder)


def _select_from_base(job: Job) -> Trained | None:
    """A job with a selection rule whose run without the rule (the same training, another key) is cached or
    shipped with the snapshots the rule needs: apply the rule to that run instead of training again."""
    if not job.select:
        return None
    base = lookup(dataclasses.replace(job, select="", select_every=0))
    if base is None or base.result.diverged:
        return None
    epochs = len(base.result.loss)
    if any(e not in base.result.snapshots for e in range(job.select_every, epochs + 1, job.select_every)):
        return None
    result = selection_rule(job.select)(job, base.result)
    folder = _write_model_folder(results_dir() / "models" / job.key, job, result)
    return Trained(job, _load_model_folder(folder) or result, "trained", folder)


def checkpoint_progress(key: str) -> tuple[int, float] | None:
    """(epochs done, seconds spent) of model ``key``'s resumable checkpoint in the results cache, or
    None if it has none or it is unreadable. Reads only the checkpoint's small metadata entry."""
    meta = read_meta(results_dir() / "checkpoints" / key / "checkpoint.npz")
    return None if meta is None else (int(meta["epoch"]), float(meta["seconds"]))


@contextlib.contextmanager
def training_lock(key: str, verbose: bool = False) -> Iterator[Path]:
    """Hold the exclusive lock of model ``key`` (``results/locks/<key>.lock``), waiting for it if needed.

    ``fcntl.flock`` on a file in the results cache: one holder at a time across processes (and
    machines, on a shared filesystem whose locks span clients, as NFSv4's do); the system
    releases it when the holder dies, so a killed worker never leaves a stale lock. Where
    ``fcntl`` does not exist (Windows) nothing is locked.
    """
    path = results_dir() / "locks" / f"{key}.lock"
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield path
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as f:  # the file stays: removing it would race with a waiting process
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if verbose:
                print(f"waiting for model {key}: another process is training it", file=sys.stderr, flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ship(trained: Iterable[Trained]) -> list[Path]:
    """Copy trained models into the shipped-weights folder (for committing). A model already shipped with the
    same weights is left as it is (another notebook may name the same model differently: the label is not
    rewritten)."""
    paths = []
    for tr in trained:
        dest = weights_dir() / tr.job.key
        same = (_load_model_folder(dest) is not None
                and _sha256(dest / "weights.npz") == _sha256(tr.path / "weights.npz"))
        if tr.path.resolve() != dest.resolve() and not same:
            _write_model_folder(dest, tr.job, tr.result)
        paths.append(dest)
    return paths
