"""The models of the notebook explorer (:mod:`nca_core.view.widgets`), from the cache and the shipped weights.

:func:`catalogue` lists every model the explorer can show, loaded only when chosen:

1. the in-browser player's models first (:func:`nca_core.paper.player.player_jobs`: the paper's
   default morph model, the stability chapter's models, one Gray-Scott model per t), with its labels;
2. every other model a notebook of the registry trains (:func:`nca_core.paper.registry.jobs`) at the
   given profiles, labelled by notebook and job;
3. any other model folder in the shipped ``weights/`` (labelled from its ``job.json``).

A model is listed when it is found (:func:`nca_core.runs.cache.lookup`: the cache, then the shipped
weights); with ``train_missing`` the player's models that are not found are trained first (meant
for the ``smoke`` profile, where that takes seconds). :func:`explorer_model` turns a trained model
into the bundle the widgets run: the NCA's compiled rollout (the stepping settings: kernels,
activation, boundary and mask are the model's own; the fire rate is the explorer's control), the
initial conditions and, for Gray-Scott, the PDE solver with the coefficients of its training data.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable

import numpy as np

from nca_core.data import gray_scott as gs_data
from nca_core.paper import player, registry
from nca_core.view.widgets import ExplorerModel, ModelEntry

#: the initial conditions of the Gray-Scott models (name → A field, B = 1 − A)
GS_ICS = ("unseen test IC (128×128)", "training IC 1 (64×64)", "training IC 2 (64×64)", "training IC 3 (64×64)",
          "training IC 4 (64×64)", "random squares (128×128)", "draw your own (128×128, empty)")
#: the initial conditions of the morph models (the first is the one they were trained from)
MORPH_ICS = ("alien (the training start)", "microbe", "rooster", "empty (draw your own)")


def random_squares(seed: int, size: int = 128) -> np.ndarray:
    """A random Gray-Scott initial condition: A = 1 with 4–9 rectangles (sides 4–17) of A = 0, B = 1 − A."""
    rng = np.random.default_rng(seed)
    a = np.ones((size, size), np.float32)
    for _ in range(int(rng.integers(4, 10))):
        h, w = (int(v) for v in rng.integers(4, 18, size=2))
        i0, j0 = int(rng.integers(0, size - h)), int(rng.integers(0, size - w))
        a[i0:i0 + h, j0:j0 + w] = 0.0
    return np.stack([a, 1.0 - a], axis=-1)


def gray_scott_ics() -> dict[str, Callable[[int], np.ndarray]]:
    """The Gray-Scott initial conditions the explorer offers: ``{name: f(seed) → [H, W, 2]}``."""
    train = gs_data.training_ics("float32")
    empty = np.stack([np.ones((128, 128), np.float32), np.zeros((128, 128), np.float32)], -1)
    ics: dict[str, Callable[[int], np.ndarray]] = {GS_ICS[0]: lambda seed: gs_data.test_ic(128, "float32")}
    for k in range(4):
        ics[GS_ICS[1 + k]] = (lambda k: lambda seed: train[k].copy())(k)
    ics[GS_ICS[5]] = random_squares
    ics[GS_ICS[6]] = lambda seed: empty.copy()
    return ics


def morph_ics() -> tuple[dict[str, Callable[[int], np.ndarray]], np.ndarray]:
    """The morph initial conditions (``{name: f(seed) → [80, 80, 4]}``) and the targets ``[4, 80, 80, 4]``."""
    from nca_core.paper.morph.measure import targets

    y = np.asarray(targets(), np.float32)  # alien, microbe, rooster, rooster
    ics = {MORPH_ICS[k]: (lambda k: lambda seed: y[k].copy())(k) for k in range(3)}
    ics[MORPH_ICS[3]] = lambda seed: np.zeros_like(y[0])
    return ics, y


def rollout_advance(nca: Any) -> Callable[[np.ndarray, int, int, int, float], np.ndarray]:
    """``advance(x[H, W, C], n, start, seed, fire_rate)`` by the NCA's compiled rollout.

    The state after ``n`` steps is ``NCA.rollout(x, n, seed, start=start)`` of the model with its fire
    rate replaced (one compiled model per fire rate used, sharing the weights), so the masks are the
    library's own: step ``k`` draws from ``(seed, k)``.
    """
    from nca_core.core.model import NCA

    models: dict[float, Any] = {}

    def advance(x: np.ndarray, n: int, start: int, seed: int, fire_rate: float) -> np.ndarray:
        if n == 0:
            return x
        rate = round(float(fire_rate), 6)
        if rate not in models:
            cfg = dataclasses.replace(nca.config, fire_rate=rate)
            models[rate] = nca if cfg == nca.config else NCA(cfg, params=nca.params)
        return models[rate].rollout(x, n, seed=seed, frames=[n], start=start)[-1, 0]

    return advance


def pde_advance(preset: str) -> Callable[[np.ndarray, int], np.ndarray]:
    """``pde(y[H, W, 2], n)``: n forward-Euler steps of the Gray-Scott PDE (:func:`nca_core.data.gray_scott.solve`)."""
    params = gs_data.preset(preset)

    def pde(y: np.ndarray, n: int) -> np.ndarray:
        return y if n == 0 else gs_data.solve(y, n, params, every=n)[-1]

    return pde


def settings(tr: Any) -> dict[str, Any]:
    """What the explorer shows of how a model was trained (architecture, then training)."""
    cfg, s = tr.result.nca_config, player.training_summary(tr)
    data = s["data"]
    if data.get("kind") == "gray_scott":
        what = f"Gray-Scott trajectories ({data.get('preset')}), {data.get('steps')} steps, frames t apart"
    else:
        what = f"emoji {' → '.join(data.get('names', []))}, {data.get('copies')} shifted copies"
    epochs = s["epochs"] if s["epochs_run"] == s["epochs"] else f"{s['epochs_run']} of {s['epochs']}"
    lr = f"{s['lr']:g}" + ("" if s["lr_schedule"] == "constant" else f" ({s['lr_schedule']})")
    return {"channels C": cfg.channels, "kernels": cfg.kernel_set, "activation": cfg.activation,
            "boundary": cfg.boundary, "fire rate (trained)": cfg.fire_rate, "mask": cfg.mask, "data": what,
            "t (steps between frames)": s["t"], "epochs": epochs, "learning rate": lr, "seed": s["seed"],
            "best epoch": s["best_epoch"] + 1, "best loss": f"{s['best_loss']:.4g}",
            "diverged": s["diverged"], "weights": f"{s['source']} {s['weights_sha256']} (key {s['key']})"}


def explorer_model(name: str, label: str, tr: Any) -> ExplorerModel:
    """The explorer's bundle of a trained model (:class:`~nca_core.runs.cache.Trained`)."""
    nca = tr.model()
    cfg = nca.config
    common = dict(name=name, label=label, channels=cfg.channels, observable=cfg.observable,
                  fire_rate=cfg.fire_rate, advance=rollout_advance(nca), params=nca.params, settings=settings(tr))
    if tr.job.data["kind"] == "gray_scott":
        return ExplorerModel(task="gray_scott", initial_conditions=gray_scott_ics(),
                             pde=pde_advance(tr.job.data["preset"]), **common)
    ics, y = morph_ics()
    names = list(tr.job.data.get("names", ["alien", "microbe", "rooster", "rooster"]))
    return ExplorerModel(task="morph", initial_conditions=ics, targets=(tr.job.train.t, names, y), **common)


def _entry(name: str, label: str, tr: Any) -> ModelEntry:
    return ModelEntry(name, label, lambda: explorer_model(name, label, tr))


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text).strip("_")


def _shipped_folders() -> Iterable[Any]:
    """``(label, Trained)`` of every intact model folder in the shipped weights."""
    from nca_core import fileio
    from nca_core.core.result import TrainResult
    from nca_core.runs.cache import Job, lookup, weights_dir

    root = weights_dir()
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if not (folder / "job.json").is_file():
            continue
        try:
            meta = fileio.read_json(folder / "job.json")
            res = TrainResult.load(folder)
            tr = lookup(Job(res.nca_config, res.train_config, meta["data"], meta.get("label", "")))
        except Exception:  # a folder of another format: not the explorer's to judge
            continue
        if tr is not None and tr.job.key == folder.name:
            yield meta.get("label", folder.name), tr


def catalogue(profiles: Iterable[str] = ("quick", "long"), train_missing: bool = False,
              shipped: bool = True) -> tuple[list[ModelEntry], list[str]]:
    """The explorer's models, found in the cache or the shipped weights, and those not found.

    Args:
        profiles: the registry profiles whose models are listed (the first gives the player's models).
        train_missing: train the player's models that are not found (at ``smoke`` this takes seconds).
        shipped: also list shipped model folders no registry job at these profiles names.

    Returns:
        ``(entries, missing)``: chooser entries in menu order; labels of models not found.
    """
    from nca_core.runs.cache import lookup, train_or_load

    profiles = list(profiles)
    entries: list[ModelEntry] = []
    missing: list[str] = []
    seen: set[str] = set()
    for model_id, (label, job) in player.player_jobs(profiles[0]).items():
        tr = train_or_load(job, progress=False) if train_missing else lookup(job)
        if tr is None:
            missing.append(label)
        else:
            entries.append(_entry(model_id, label, tr))
            seen.add(job.key)
    for profile in profiles:
        for nb in registry.NOTEBOOKS.values():
            if nb.jobs is None:
                continue
            for job in registry.jobs(nb.name, profile):
                if job.key in seen:
                    continue
                seen.add(job.key)
                tr = lookup(job)
                if tr is not None:
                    entries.append(_entry(f"{nb.name}_{_slug(job.label)}_{job.key[:6]}",
                                          f"{nb.name} ({profile}): {job.label}", tr))
    if shipped:
        for label, tr in _shipped_folders():
            if tr.job.key not in seen:
                seen.add(tr.job.key)
                entries.append(_entry(f"shipped_{tr.job.key}", f"shipped: {label} ({tr.job.key})", tr))
    return entries, missing
