"""What the time-to-quality benchmarks share: the command line, training through the results cache
with snapshots, the kept models of a run, the first epoch at target, the plot, the report and the table.

Each benchmark builds rows, one per kept model (the snapshots, labelled by their epoch, and the
selected best model, labelled ``"best (n)"``), with at least ``epoch``, ``label``, ``seconds`` and
``meets_target``; the plot and the table read named columns of them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable, Iterator

from nca_core import fileio
from nca_core.core.result import Params, TrainResult
from nca_core.runs import cache

OUT = Path(__file__).resolve().parent / "results"


def parser(doc: str, recipes: list[str], default: list[str], epochs: int, every: int) -> argparse.ArgumentParser:
    """The options every time-to-quality benchmark takes."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipes", nargs="+", default=default, choices=sorted(recipes))
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--every", type=int, default=every, help="keep the weights every N epochs")
    ap.add_argument("--evaluate-only", action="store_true", help="use cached runs only; train nothing")
    ap.add_argument("--retrain", nargs="+", default=[], choices=sorted(recipes), metavar="RECIPE",
                    help="train these recipes again even where the cache or weights/ has them (into the cache; the "
                         "same seed gives the same model), so that their seconds are this machine's, measured now")
    ap.add_argument("--out", type=Path, default=OUT, help=f"folder of the report (default {OUT})")
    ap.add_argument("--stem", help="file name of the report, without .json / .png (default: the benchmark's own)")
    return ap


def check_retrain(ap: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """``--retrain`` names only recipes the run includes, and cannot go with ``--evaluate-only``."""
    if args.retrain and args.evaluate_only:
        ap.error(f"--retrain {' '.join(args.retrain)}: trains, and --evaluate-only trains nothing; give one of them")
    stray = [r for r in args.retrain if r not in args.recipes]
    if stray:
        ap.error(f"--retrain {' '.join(stray)}: not among --recipes; accepted: {', '.join(args.recipes)}")


def load_or_train(name: str, job: cache.Job, every: int, evaluate_only: bool,
                  retrain: bool = False) -> cache.Trained | None:
    """The cached (or shipped) run of ``job``, else (or, with ``retrain``, in any case) train it keeping the
    weights every ``every`` epochs; None when it is not cached and ``evaluate_only``."""
    found = None if retrain else cache.lookup(job)
    if found is None and evaluate_only:
        print(f"{name}: not in the cache ({job.key}); skipped")
        return None
    print(f"{name}: {job.key} ({'cached' if found else 'training again' if retrain else 'training'})", flush=True)
    trained = found or cache.train_or_load(job, retrain=retrain, snapshot_every=every)
    if not trained.result.snapshots:
        print(f"{name}: the cached run kept no snapshots; only its best model is evaluated")
    return trained


def seconds_per_epoch(res: TrainResult) -> float:
    return res.seconds / max(1, len(res.loss))


def kept_models(res: TrainResult) -> Iterator[tuple[str, int, Params]]:
    """``(label, epoch, weights)`` of every snapshot, then of the selected best model."""
    for epoch, params in res.snapshots.items():
        yield str(epoch), epoch, params
    yield f"best ({res.best_epoch + 1})", res.best_epoch + 1, res.params


def row(label: str, epoch: int, res: TrainResult, **columns) -> dict:
    """A report row: the kept model's label, epoch, seconds of training to it and its loss, plus ``columns``."""
    return {"epoch": epoch, "label": label, "seconds": epoch * seconds_per_epoch(res), **columns,
            "loss": float(res.loss[epoch - 1])}


def first_at_target(rows: list[dict]) -> dict | None:
    """The earliest snapshot that meets the target (the best model's epoch is only known afterwards)."""
    hits = [r for r in rows if r["meets_target"] and r["label"].isdigit()]
    return min(hits, key=lambda r: r["epoch"]) if hits else None


def entry(job: cache.Job, settings: dict, rows: list[dict], trained: cache.Trained) -> dict:
    """A recipe's part of the report; ``trained_in_this_run`` says whether its seconds were measured by this run
    (else they are those of the run that trained it, maybe on another machine or beside other work)."""
    res = trained.result
    return {"key": job.key, "settings": settings, "rows": rows, "seconds_per_epoch": seconds_per_epoch(res),
            "first_at_target": first_at_target(rows), "trained_in_this_run": trained.source == "trained"}


#: a plot panel: (row column, y label, horizontal lines as (y, legend label or None, line style), cap or None)
Panel = tuple[str, str, list[tuple[float, "str | None", str]], "float | None"]


def plot(report: dict, path: Path, panels: list[Panel], title: str, xs: tuple[str, ...] = ("epoch",)) -> None:
    """One row of ``panels`` per x column of ``xs`` (``"epoch"``, ``"seconds"``), a line per recipe
    through its snapshots (a recipe without snapshots has none)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(xs), len(panels), figsize=(13, 3.6 * len(xs)), squeeze=False)
    for a, x in zip(axes, xs):
        for i, (name, r) in enumerate(report["recipes"].items()):
            rows = sorted((v for v in r["rows"] if v["label"].isdigit()), key=lambda v: v["epoch"])
            if not rows:
                continue
            for ax, (col, _, _, cap) in zip(a, panels):
                ys = [v[col] if cap is None else min(v[col], cap) for v in rows]
                ax.plot([v[x] for v in rows], ys, "o-", color=f"C{i}", label=name)
        for ax, (_, ylabel, lines, _) in zip(a, panels):
            for y, label, ls in lines:
                ax.axhline(y, color="k", lw=0.8, ls=ls, label=label)
            ax.set_ylabel(ylabel)
        for ax in a:
            ax.set_xlabel("epoch" if x == "epoch" else "seconds of training")
            ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write(report: dict, out: Path, stem: str, panels: list[Panel], title: str,
          xs: tuple[str, ...] = ("epoch",)) -> None:
    """``out/<stem>.json`` and, when a recipe was evaluated, ``out/<stem>.png``."""
    out.mkdir(parents=True, exist_ok=True)
    fileio.write_json(out / f"{stem}.json", report)
    if report["recipes"]:
        plot(report, out / f"{stem}.png", panels, title, xs)


def table(report: dict, best_header: str, best_cells: Callable[[dict], str]) -> None:
    """Print the epochs and seconds each recipe needs to first reach the target, and its best model."""
    print(f"\n| recipe | seconds measured | s/epoch | epochs to target | seconds to target | {best_header} |")
    print("|---|---|---|---|---|---|")
    for name, r in report["recipes"].items():
        hit, best = r["first_at_target"], [x for x in r["rows"] if not x["label"].isdigit()][0]
        epochs, seconds = (hit["epoch"], f"{hit['seconds']:.0f}") if hit else ("not reached", "–")
        when = "this run" if r.get("trained_in_this_run") else "when cached"
        print(f"| {name} | {when} | {r['seconds_per_epoch']:.2f} | {epochs} | {seconds} | {best_cells(best)} |")
