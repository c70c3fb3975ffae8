"""``nca-book``: run the notebooks, build the book, train a model into the cache.

    nca-book run [NOTEBOOK ...] --profile quick [-p NAME VALUE ...] [--ship] [--jobs N]
    nca-book build
    nca-book train --t 32 --seed 0 --epochs 200 [--noise 0.3] [--schedule cosine] [--ship]
    nca-book models NOTEBOOK ... --profile quick [-p NAME VALUE ...] [--workers N | --scheduler ADDRESS] [--ship]
                    [--retrain]
    nca-book status [NOTEBOOK ...] --profile long [-p NAME VALUE ...] [--check]
    nca-book toc
    nca-book player

``run`` executes notebooks with papermill into ``book/_executed/`` (``--jobs N``: N at a time; figures as PNG
files in ``book/_executed/figures/``; ``--ship`` also copies what the stability chapters compute from shipped
models into the shipped ``artefacts/``, :mod:`nca_core.runs.store`); ``build`` builds the Jupyter Book from the executed
notebooks without re-executing them; ``train`` trains one Gray-Scott model of the paper
into the results cache (``--ship`` also copies it into the shipped ``weights/``);
``models`` trains (or finds) every model a notebook needs, without running the notebook,
for example in the background before a ``run`` (in this process by default; ``--workers N``: one task
per missing model on a local Dask cluster of N worker processes; ``--scheduler ADDRESS``: on a running
Dask scheduler, e.g. of a SLURM cluster, see :mod:`nca_core.runs.sweep`); ``status`` lists every
model the notebooks need at a profile and where it is (shipped, cached, training, part-trained,
missing; ``--check``: exit status 1 unless all are ready; ``run`` prints the missing ones before it
starts, since it trains them); ``toc`` writes ``_toc.yml`` from the notebook
registry (:mod:`nca_core.book.registry`, the one place a notebook is declared; ``build``
does it too); ``player`` writes the model files of the in-browser player of the page "Explore the
models" into ``book/_static/models/`` from the cached or shipped models, training nothing
(``build`` does it too).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported (also for the kernels)

import argparse  # noqa: E402
import contextlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from nca_core.book import executed, registry
from nca_core.runs.job import distinct
from nca_core.runs.params import PROFILES, parsed

#: ``run --profile best``: per notebook, the longest-trained profile it can run without training
BEST = "best"

#: the notebooks of the book, in reading order (from the registry)
NOTEBOOKS = tuple(registry.NOTEBOOKS)


def repo_root() -> Path:
    """The repository (folder with ``_toc.yml``): the current folder or one above it."""
    for p in [Path.cwd(), *Path.cwd().parents]:
        if (p / "_toc.yml").exists() and (p / "notebooks").is_dir():
            return p
    here = Path(__file__).resolve().parents[1]
    if (here / "_toc.yml").exists():
        return here
    raise SystemExit("nca-book: run it inside the companion repository (no _toc.yml found)")


def executed_dir(root: Path) -> Path:
    return root / "book" / "_executed"


def check_parameters(notebook: str, profile: str, overrides: dict[str, Any]) -> None:
    """Fail before running anything if the profile or a parameter is unknown or invalid."""
    registry.resolve(notebook, {"profile": profile, **overrides})


def notebook_names(given: list[str]) -> list[str]:
    """The notebooks named on the command line (``X`` or ``X.ipynb``), all of them if none."""
    names = [Path(n).stem if n.endswith(".ipynb") else n for n in given] or list(NOTEBOOKS)
    for n in names:
        if n not in NOTEBOOKS:
            raise ValueError(f"notebook={n!r} is not accepted; accepted: {', '.join(NOTEBOOKS)}")
    return names


def check_overrides(names: list[str], overrides: dict[str, Any]) -> None:
    """Every ``-p NAME`` must be a parameter of at least one of the notebooks ``names``."""
    unknown = [k for k in overrides if not any(k in registry.declared(n) for n in names)]
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(map(repr, unknown))}; accepted: "
                         f"{', '.join(sorted(set().union(*(registry.declared(n) for n in names))))}")


def _status_module():
    """:mod:`nca_core.book.status`, imported with TensorFlow's start-up lines silenced."""
    with _stderr_to(Path(os.devnull)):
        from nca_core.book import status
    return status


def show_status(names: list[str], profile: str, overrides: dict[str, Any], check: bool) -> int:
    """Print where each model of ``names`` at ``profile`` is; with ``check``, 1 unless all are ready."""
    for name in names:
        check_parameters(name, profile, registry.overrides_for(name, overrides))
    status = _status_module()
    rows = status.model_status(names, profile, overrides)
    print(f"profile {profile}:")
    print(status.status_table(rows))
    todo = status.missing(rows)
    if todo:
        books = sorted({r.notebook for r in rows if not r.ready}, key=names.index)
        print("to train them (resumable, in the background): "
              + "; ".join(f"nca-book models {n} --profile {profile}" for n in books))
    return 1 if check and todo else 0


def best_profiles(names: list[str], overrides: dict[str, Any]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """``--profile best``: each notebook at the longest-trained profile whose models are all there, or at
    the part of the grid tier that is there (:mod:`nca_core.book.best`); the profiles and, per notebook,
    the restriction of its grid axes."""
    from nca_core.book import best

    chosen = {name: best.choose(name, overrides) for name in names}
    print("nca-book: profile best: " + ", ".join(
        f"{n} {c.profile}" + "".join(f" {k}={v}" for k, v in c.overrides.items()) for n, c in chosen.items()),
        flush=True)
    return {n: c.profile for n, c in chosen.items()}, {n: c.overrides for n, c in chosen.items()}


def warn_missing(names: list[str], profile: str | dict[str, str], overrides: dict[str, Any],
                 restricted: dict[str, dict[str, Any]] | None = None) -> None:
    """Before a run: say which models are neither shipped nor cached (the run trains them first)."""
    profiles = profile if isinstance(profile, dict) else dict.fromkeys(names, profile)
    given = {name: notebook_overrides(name, overrides, restricted) for name in names}
    for name in names:
        check_parameters(name, profiles[name], given[name])
    status = _status_module()
    rows = [r for name in names for r in status.model_status([name], profiles[name], given[name])]
    todo = status.missing(rows)
    if todo:
        epochs = sum(r.epochs - (r.epoch or 0) for r in todo)
        tiers = sorted({profiles[r.notebook] for r in todo})
        print(f"nca-book: {len(todo)} model(s) at profile {'/'.join(tiers)} are neither shipped nor cached; "
              f"the notebooks train them first ({epochs} epochs in all): " + ", ".join(r.label for r in todo)
              + ". " + ", ".join(f"`nca-book status --profile {p}`" for p in tiers) + " lists them.", flush=True)


def notebook_overrides(name: str, overrides: dict[str, Any], restricted: dict[str, dict[str, Any]] | None = None
                       ) -> dict[str, Any]:
    """The parameters given to notebook ``name``: ``restricted`` (``--profile best``'s part of a grid),
    then the command line's ``-p`` where the notebook declares them (these win)."""
    return {**(restricted or {}).get(name, {}), **registry.overrides_for(name, overrides)}


#: notebooks that read what the others recorded (the report: their claims), run after all the others
LAST = ("report",)


def run_notebooks(names: list[str], profile: str | dict[str, str], overrides: dict[str, Any], root: Path,
                  jobs: int = 1, restricted: dict[str, dict[str, Any]] | None = None) -> list[Path]:
    """Execute notebooks with papermill (``profile``: one for all, or one per notebook; ``restricted``:
    per notebook, parameters under the command line's, see :func:`notebook_overrides`); returns the
    executed copies. ``jobs`` > 1: that many at a time, each in a process of its own (the kernels are
    processes anyway; a notebook spends much of its time in one core: imports, figures, videos), the
    notebooks of :data:`LAST` after all the others."""
    profiles = profile if isinstance(profile, dict) else dict.fromkeys(names, profile)
    out_dir = executed_dir(root)
    fig_dir = out_dir / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:  # validate everything first: a failed run writes nothing
        check_parameters(name, profiles[name], notebook_overrides(name, overrides, restricted))
    os.environ["NCA_FIGURE_DIR"] = str(fig_dir)
    log_dir = out_dir / "logs"
    log_dir.mkdir(exist_ok=True)

    def task(name: str) -> tuple[str, str, dict[str, Any], str, str]:
        params = {"profile": profiles[name], **notebook_overrides(name, overrides, restricted)}
        return name, str(root / "notebooks" / f"{name}.ipynb"), params, str(out_dir), str(log_dir / f"{name}.log")

    if jobs <= 1:
        done = []
        for i, name in enumerate(names, 1):
            print(f"nca-book: [{i}/{len(names)}] {name} (profile {profiles[name]}) ...", end=" ", flush=True)
            try:
                seconds = _execute(*task(name))
            except Exception:
                print(f"failed; the kernel's log: {(log_dir / f'{name}.log').relative_to(root)}", flush=True)
                raise
            print(f"{seconds:.0f} s", flush=True)
            done.append(out_dir / f"{name}.ipynb")
        return done
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    first = [n for n in names if n not in LAST]
    print(f"nca-book: {len(names)} notebooks, {jobs} at a time", flush=True)
    count = 0
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for group in (first, [n for n in names if n in LAST]):
            futures = {pool.submit(_execute, *task(n)): n for n in group}
            for f in as_completed(futures):  # each reported as it ends
                name = futures[f]
                if f.exception() is not None:
                    for other in futures:
                        other.cancel()
                    print(f"nca-book: {name} failed; the kernel's log: "
                          f"{(log_dir / f'{name}.log').relative_to(root)}", flush=True)
                    raise f.exception()
                count += 1
                print(f"nca-book: [{count}/{len(names)}] {name} (profile {profiles[name]}) {f.result():.0f} s",
                      flush=True)
    return [out_dir / f"{name}.ipynb" for name in names]


def _execute(name: str, src: str, parameters: dict[str, Any], out_dir: str, log: str) -> float:
    """Run one notebook into ``out_dir`` (its kernel's standard error into ``log``); the seconds it took."""
    import papermill as pm

    t0 = time.perf_counter()
    out = Path(out_dir)
    tmp = out / f".{name}.running.ipynb"
    with _stderr_to(Path(log)):  # the kernel's start-up lines and progress bars go to the log
        pm.execute_notebook(src, str(tmp), parameters=parameters, cwd=out_dir, kernel_name="python3",
                            progress_bar=False, log_output=False)
    executed.tidy_file(tmp)  # one parameters cell on the page, with this run's values
    os.replace(tmp, out / f"{name}.ipynb")
    return time.perf_counter() - t0


@contextlib.contextmanager
def _stderr_to(path: Path):
    """Send this process's standard error, and that of the processes it starts, to ``path``."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "wb") as f:
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def write_toc(root: Path) -> Path:
    """Write ``_toc.yml`` from the registry (only when it changed)."""
    path = root / "_toc.yml"
    text = registry.toc()
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        from nca_core import fileio

        fileio.write_bytes(path, text.encode("utf-8"))
    return path


def write_player(root: Path) -> Path:
    """Write the in-browser player's model files (:mod:`nca_core.book.player`; nothing is trained)."""
    log = executed_dir(root) / "logs" / "player.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with _stderr_to(log):  # TensorFlow's start-up lines go to the log, not the console
        from nca_core.book import player

        folder = root / player.FOLDER
        done = player.export(folder)
    print(f"nca-book: player models {', '.join(done.models)} -> {folder.relative_to(root)}", flush=True)
    for m in done.missing:
        print(f"nca-book: warning: player model {m} is neither cached nor shipped; left out", file=sys.stderr)
    return folder


def build_book(root: Path, extra: list[str] | None = None) -> int:
    write_toc(root)
    missing = [n for n in NOTEBOOKS if not (executed_dir(root) / f"{n}.ipynb").exists()]
    if missing:
        raise SystemExit(f"nca-book build: executed notebooks missing ({', '.join(missing)}); "
                         f"run `nca-book run --profile quick` first")
    write_player(root)
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(root), "--warningiserror", "--keep-going",
           "--all", *(extra or [])]
    return subprocess.call(cmd)


def train_one(args: argparse.Namespace) -> None:
    from nca_core.chapters.gray_scott import jobs as gray_scott
    from nca_core.runs.cache import ship, train_or_load

    job = gray_scott.job(args.t, args.seed, args.epochs, args.channels, args.preset, args.noise, args.lr,
                         lr_schedule=args.schedule, warmup=args.warmup, lr_min=args.lr_min)
    tr = train_or_load(job, retrain=args.retrain, progress=True, snapshot_every=args.snapshot_every)
    print(f"{job.label}: {tr.source} {tr.path} min loss {tr.result.min_loss:.4g} "
          f"diverged={tr.result.diverged} ({tr.result.seconds:.0f} s)")
    if args.ship:
        print("shipped:", ship([tr])[0])


def train_models(args: argparse.Namespace) -> int:
    """Train (or find) a notebook's models: in this process, or one Dask task per missing model.
    Exit status 1 when some failed (the others are in the cache)."""
    from nca_core import validate

    if args.workers is not None:
        validate.integer("--workers", args.workers, 1)
    names = notebook_names(args.notebooks)
    overrides = {k: parsed(v) for k, v in args.parameter}
    check_overrides(names, overrides)
    jobs = distinct(j for name in names
                    for j in registry.jobs(name, args.profile, registry.overrides_for(name, overrides)))
    from nca_core.runs import sweep  # TensorFlow (and Dask, on a cluster) only now
    from nca_core.runs.cache import ship

    print(f"nca-book: {len(jobs)} model(s) for {', '.join(names)} at profile {args.profile}", flush=True)
    def ship_now(tr) -> None:  # each model as it finishes: an interrupted sweep keeps what it trained
        if tr.source != "shipped":
            print(f"  shipped {tr.job.label}:", ship([tr])[0], flush=True)

    try:
        sweep.run(jobs, workers=args.workers, scheduler=args.scheduler, retrain=args.retrain,
                  on_model=ship_now if args.ship else None)
    except sweep.SweepError as e:
        print(f"nca-book: error: {e}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="nca-book", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="execute notebooks with papermill")
    r.add_argument("notebooks", nargs="*", help=f"notebook names (default: all of {', '.join(NOTEBOOKS)})")
    r.add_argument("--profile", default="quick", choices=PROFILES + (BEST,),
                   help=f"{BEST}: each notebook at the longest-trained profile whose models are all shipped or "
                        "cached (long, else quick), so nothing is trained")
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="override a parameter (value parsed as YAML)")
    r.add_argument("--ship", action="store_true",
                   help="copy the arrays computed from shipped models into artefacts/ (to commit)")
    r.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="run N notebooks at a time, each in a process of its own (the report after the others)")
    b = sub.add_parser("build", help="build the book from the executed notebooks")
    b.add_argument("extra", nargs="*", help="extra jupyter-book arguments")
    t = sub.add_parser("train", help="train one Gray-Scott model of the paper into the cache")
    t.add_argument("--t", type=int, default=32)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--epochs", type=int, default=4000)
    t.add_argument("--channels", type=int, default=8)
    t.add_argument("--noise", type=float, default=0.0)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--schedule", default="constant", help="learning-rate schedule: constant, cosine, exponential")
    t.add_argument("--warmup", type=int, default=0, help="epochs of linear warm-up")
    t.add_argument("--lr-min", type=float, default=1e-5, help="floor of a decaying schedule")
    t.add_argument("--snapshot-every", type=int, default=0, help="keep the weights every N epochs")
    t.add_argument("--preset", default="published")
    t.add_argument("--retrain", action="store_true")
    t.add_argument("--ship", action="store_true", help="copy the model into weights/ (to commit)")
    m = sub.add_parser("models", help="train (or find) every model a notebook needs, without running it")
    m.add_argument("notebooks", nargs="+", metavar="NOTEBOOK",
                   help="notebook names (their models are trained in this order, each once)")
    m.add_argument("--profile", default="quick", choices=PROFILES)
    m.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="override a parameter (value parsed as YAML)")
    m.add_argument("--retrain", action="store_true")
    m.add_argument("--ship", action="store_true", help="copy the models into weights/ (to commit)")
    where = m.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="train the missing models in parallel on a local Dask cluster of N worker processes")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="train the missing models on a running Dask scheduler: its address (tcp://host:8786) "
                            "or scheduler file; the results cache must be on a filesystem the workers share")
    st = sub.add_parser("status", help="where each model the notebooks need at a profile is")
    st.add_argument("notebooks", nargs="*", help="notebook names (default: all)")
    st.add_argument("--profile", default="quick", choices=PROFILES)
    st.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                    help="override a notebook parameter (as for run)")
    st.add_argument("--check", action="store_true", help="exit status 1 unless every model is ready")
    sub.add_parser("toc", help="write _toc.yml from the notebook registry")
    sub.add_parser("player", help="write the in-browser player's model files into book/_static/models/")
    args = ap.parse_args(argv)
    try:
        if args.cmd in ("run", "status"):
            names = notebook_names(args.notebooks)
            overrides = {k: parsed(v) for k, v in args.parameter}
            check_overrides(names, overrides)
            if args.cmd == "status":
                return show_status(names, args.profile, overrides, args.check)
            profile, restricted = best_profiles(names, overrides) if args.profile == BEST else (args.profile, {})
            warn_missing(names, profile, overrides, restricted)
            if args.ship:
                from nca_core.runs import store

                os.environ[store.SHIP_ENV] = "1"  # read by the kernels, which inherit the environment
            from nca_core import validate

            run_notebooks(names, profile, overrides, repo_root(), validate.integer("--jobs", args.jobs, 1), restricted)
            return 0
        if args.cmd == "build":
            return build_book(repo_root(), args.extra)
        if args.cmd == "models":
            return train_models(args)
        if args.cmd == "player":
            write_player(repo_root())
            return 0
        if args.cmd == "toc":
            print(f"nca-book: wrote {write_toc(repo_root())}")
            return 0
        train_one(args)
        return 0
    except ValueError as e:
        print(f"nca-book: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
