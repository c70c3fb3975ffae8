"""The models of the notebook explorer (:mod:`nca_core.view.widgets`), from the cache and the shipped weights.

:func:`catalogue` lists every model the explorer can show, loaded only when chosen:

1. the in-browser player's models first (:func:`nca_core.book.player.player_jobs`: the paper's
   default morph model, the stability chapter's models, one Gray-Scott model per t), with its labels;
2. every other model a notebook of the registry trains (:func:`nca_core.book.registry.jobs`) at the
   given profiles, labelled by task, notebook and job (``Gray-Scott, noise (quick): t=32 …``);
3. any other model folder in the shipped ``weights/``, labelled by task and its ``job.json``
   (``Gray-Scott, shipped: t=6 seed=0 (key)``).

A model is listed when it is found (:func:`nca_core.runs.cache.lookup`: the cache, then the shipped
weights); the player's models named in ``train`` are trained first when they are not found (meant
for the ``smoke`` profile, where that takes seconds). :func:`explorer_model` turns a trained model
into the bundle the widgets run: the NCA's compiled rollout (the stepping settings: kernels,
activation, boundary and mask are the model's own; the fire rate is the explorer's control), the
initial conditions and, for Gray-Scott, the PDE solver with the coefficients of its training data;
what each task's *erase*, *invert* and *paint* do (:func:`morph_edit`, :func:`gray_scott_edit`) and its
channel views (:func:`morph_views`, :func:`gray_scott_views`) are given with the model.

TensorFlow comes quietly, as everywhere in the package (:mod:`nca_core.core.backend`): a notebook kernel
that uses the explorer shows no framework start-up log lines.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from nca_core.book import player, registry
from nca_core.book.notebooks import EXPLORE_GRAY_SCOTT, EXPLORE_MORPH
from nca_core.data import gray_scott as gs_data
from nca_core.view.images import composite, to_rgb
from nca_core.view.widgets import ExplorerModel, ExplorerState, ModelEntry, hidden_view

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
    from nca_core.chapters.morph.measure import targets

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


# ------------------------------------------------------------------ what each task's edits and views are
def morph_edit(x: np.ndarray, pde: None, cells: np.ndarray, mode: str, rgb: np.ndarray) -> None:
    """An image model's edit of ``cells``, in place: *erase* sets every channel to 0 (transparent, the paper's
    damage); *invert* RGBA → 1 − RGBA, hidden channels kept; *paint* RGB = ``rgb``, alpha 1, hidden kept."""
    if mode == "erase":
        x[cells] = 0.0
    elif mode == "invert":
        x[cells, :4] = 1.0 - x[cells, :4]
    else:
        x[cells, :3] = rgb
        x[cells, 3] = 1.0


def gray_scott_edit(x: np.ndarray, pde: np.ndarray, cells: np.ndarray, mode: str, rgb: np.ndarray) -> None:
    """A Gray-Scott model's edit of ``cells`` in the NCA and the PDE alike, in place: *erase* gives the uniform
    state A = 1, B = 0 (hidden channels 0); *invert* A, B → 1 − A, 1 − B (hidden kept); *paint* a seed of B,
    A = 0, B = 1 (hidden channels 0). The colour is not used."""
    if mode == "invert":
        x[cells, :2] = 1.0 - x[cells, :2]
        pde[cells] = 1.0 - pde[cells]
    else:
        a = 1.0 if mode == "erase" else 0.0
        x[cells] = 0.0
        x[cells, 0], x[cells, 1] = a, 1.0 - a
        pde[cells, 0], pde[cells, 1] = a, 1.0 - a


def morph_views() -> dict[str, Callable[[ExplorerState], list]]:
    """An image model's channel views: ``RGBA`` (over a checkerboard), ``hidden``, and ``all`` (both)."""
    def rgba(s: ExplorerState) -> list:
        return [("RGBA", composite(s.x[..., :4]))]

    return {"RGBA": rgba, "hidden": hidden_view, "all": lambda s: rgba(s) + hidden_view(s)}


def gray_scott_views() -> dict[str, Callable[[ExplorerState], list]]:
    """A Gray-Scott model's channel views: ``B`` and ``A`` (NCA, PDE, NCA − PDE), and ``hidden``."""
    def field(c: int, name: str) -> Callable[[ExplorerState], list]:
        return lambda s: [(f"NCA {name}", to_rgb(s.x[..., c], "magma", 0.0, 1.0)),
                          (f"PDE {name}", to_rgb(s.pde[..., c], "magma", 0.0, 1.0)),
                          (f"NCA − PDE ({name}, −1 to 1)", to_rgb(s.difference()[..., c], "RdBu_r", -1.0, 1.0))]

    return {"B": field(1, "B"), "A": field(0, "A"), "hidden": hidden_view}


def task_name(data: dict[str, Any]) -> str:
    """What a model was trained to do, from its data spec: ``Gray-Scott`` or ``Morph``."""
    return "Gray-Scott" if data.get("kind") == "gray_scott" else "Morph"


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
        return ExplorerModel(initial_conditions=gray_scott_ics(), edit=gray_scott_edit, views=gray_scott_views(),
                             pde=pde_advance(tr.job.data["preset"]), **common)
    ics, y = morph_ics()
    names = list(tr.job.data.get("names", ["alien", "microbe", "rooster", "rooster"]))
    return ExplorerModel(initial_conditions=ics, edit=morph_edit, views=morph_views(), colour=True,
                         targets=(tr.job.train.t, names, y), **common)


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


def catalogue(profiles: Iterable[str] = player.TIERS, train: Iterable[str] = (),
              shipped: bool = True) -> tuple[list[ModelEntry], list[str]]:
    """The explorer's models, found in the cache or the shipped weights, and those not found.

    Args:
        profiles: the registry profiles whose models are listed; each of the player's models comes
            first, from the first of them that has it (:func:`nca_core.book.player.chosen_models`).
        train: the player's models (by name) to train if not found (at ``smoke`` this takes seconds).
        shipped: also list shipped model folders no registry job at these profiles names.

    Returns:
        ``(entries, missing)``: chooser entries in menu order; labels of models not found.
    """
    from nca_core.runs.cache import lookup, train_or_load

    profiles = list(profiles)
    entries: list[ModelEntry] = []
    missing: list[str] = []
    seen: set[str] = set()
    train = set(train)
    for model_id, (label, job, _, tr) in player.chosen_models(tuple(profiles)).items():
        if tr is None and model_id in train:
            tr = train_or_load(job, progress=False)
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
                                          f"{task_name(job.data)}, {nb.name} ({profile}): {job.label}", tr))
    if shipped:
        for label, tr in _shipped_folders():
            if tr.job.key not in seen:
                seen.add(tr.job.key)
                entries.append(_entry(f"shipped_{tr.job.key}",
                                      f"{task_name(tr.job.data)}, shipped: {label} ({tr.job.key})", tr))
    return entries, missing


# ------------------------------------------------------------------ the static page: scripted runs
def figure_model(model_id: str, profiles: Sequence[str], train_missing: bool = False) -> tuple[str, Any, str]:
    """``(label, Trained, profile)`` of the player's model ``model_id`` at the first of ``profiles``
    where it is cached or shipped (e.g. ``["long", "quick"]``: the longer-trained tier where it
    exists); the last profile's model is trained if ``train_missing`` (``Trained`` None if not found
    and not trained)."""
    from nca_core import validate
    from nca_core.runs.cache import train_or_load

    chosen = player.chosen_models(tuple(profiles))
    validate.choice("model", model_id, tuple(chosen))
    label, job, profile, tr = chosen[model_id]
    if tr is None and train_missing:
        tr = train_or_load(job, progress=False)
    return label, tr, profile


def scripted(model: ExplorerModel, steps: Iterable[int], edit_step: int, edit: dict[str, Any], seed: int = 0,
             ic: str | None = None) -> tuple[list[int], list[ExplorerState], list[ExplorerState]]:
    """The same run without and with one edit at ``edit_step`` (``edit``: :meth:`ExplorerState.perturb`'s
    arguments), as states at ``steps``: ``(steps, plain, edited)`` (copies of the explorer's state)."""
    import copy

    from nca_core import validate

    def snap(s: ExplorerState) -> ExplorerState:
        out = copy.copy(s)  # shares the model; the arrays are copied
        out.x, out.pde = s.x.copy(), None if s.pde is None else s.pde.copy()
        return out

    steps = sorted({validate.integer("steps", n, 0) for n in steps})
    validate.integer("edit_step", edit_step, 0)
    plain, edited = ExplorerState(model, ic=ic, seed=seed), ExplorerState(model, ic=ic, seed=seed)
    edited.goto(edit_step)
    edited.perturb(**edit)
    out_plain, out_edited = [], []
    for n in steps:
        plain.goto(n)
        edited.goto(max(n, edit_step))
        out_plain.append(snap(plain))
        out_edited.append(snap(edited) if n >= edit_step else snap(plain))
    return steps, out_plain, out_edited


def morph_figure(model: ExplorerModel, steps: Iterable[int], edit_step: int, seed: int = 0,
                 centre: tuple[int, int] = (40, 40), radius: float = 10):
    """Rows: the morph model's RGBA from the alien, then the same run with a disc erased at ``edit_step``."""
    from nca_core.view.plotting import save_figure, snapshot_grid

    edit = {"i": centre[0], "j": centre[1], "mode": "erase", "radius": radius}
    steps, plain, edited = scripted(model, steps, edit_step, edit, seed)
    rgb = [[s.panels("RGBA")[0][1] / 255.0 for s in run] for run in (plain, edited)]
    fig = snapshot_grid(rgb, ["as trained", f"disc erased\nat n = {edit_step}"], [f"n = {n}" for n in steps],
                        colorbar=False, title=model.label)
    save_figure(fig, EXPLORE_MORPH)
    return fig


def gray_scott_figure(model: ExplorerModel, steps: Iterable[int], edit_step: int, seed: int = 0,
                      centre: tuple[int, int] = (80, 20), radius: float = 5):
    """Rows: B of the NCA, of the PDE and their difference from the unseen test IC, with a spot of B painted
    into both at ``edit_step``."""
    from nca_core.view.plotting import save_figure, snapshot_grid

    edit = {"i": centre[0], "j": centre[1], "mode": "paint", "radius": radius}
    steps, _, edited = scripted(model, steps, edit_step, edit, seed, ic=GS_ICS[0])
    rows = [[s.panels("B")[k][1] / 255.0 for s in edited] for k in range(3)]
    fig = snapshot_grid(rows, ["NCA B", "PDE B", "NCA − PDE\n(B, −1 to 1)"], [f"n = {n}" for n in steps],
                        colorbar=False, title=f"{model.label}; spot of B painted at n = {edit_step}")
    save_figure(fig, EXPLORE_GRAY_SCOTT)
    return fig
