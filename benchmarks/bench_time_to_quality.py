"""Time to quality: how many epochs and seconds each training recipe needs to show the paper's result.

For the Gray-Scott t = 32 model (Figs 4–5), each recipe is trained through the results cache
(resumable; a second run only evaluates) with the weights kept every ``--every`` epochs. Each
kept model is rolled out from the unseen 128×128 test IC to n = 2048 beside the PDE
(``nca_core.paper.gray_scott.quality``): invasion of the initially empty region relative to
the PDE's, wavelength against the PDE's; and the cheap one-transition error from the true
frames relative to "no change". The target of the shipped tier is invasion ≥ 50% of the PDE's
with the wavelength within 15%.

    python benchmarks/bench_time_to_quality.py --recipes paper cosine --epochs 2000 --every 100
    python benchmarks/bench_time_to_quality.py --evaluate-only    # cached runs only, train nothing

Writes ``benchmarks/results/time_to_quality.json`` and ``.png``; prints a table of the epochs
and seconds each recipe needs to reach the target. Seconds are the run's own epoch time
(``result.seconds``): compare recipes measured on the same machine, alone on it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


from nca_core import fileio  # noqa: E402
from nca_core.core.model import NCA  # noqa: E402
from nca_core.data import gray_scott as pde  # noqa: E402
from nca_core.paper.gray_scott import jobs, quality  # noqa: E402
from nca_core.runs import cache  # noqa: E402

#: recipe name → learning-rate settings of TrainConfig (the rest is the paper's Fig 4 run at t = 32)
RECIPES = {
    "paper": dict(lr=1e-3),  # constant 1e-3: the paper's
    "cosine": dict(lr=1e-3, lr_schedule="cosine", lr_min=1e-5),
    "exponential": dict(lr=1e-3, lr_schedule="exponential", lr_min=1e-5),
    "warmup-cosine": dict(lr=2e-3, lr_schedule="cosine", warmup=50, lr_min=1e-5),
}
OUT = Path(__file__).resolve().parent / "results"


def recipe_job(name: str, epochs: int, t: int = 32) -> cache.Job:
    settings = dict(RECIPES[name])
    lr = settings.pop("lr")
    return jobs.job(t, 0, epochs, lr=lr, **settings)


def evaluate(trained: cache.Trained, t: int) -> list[dict]:
    """Quality of every kept model of a run (snapshots and the selected best model)."""
    res = trained.result
    y = pde.training_trajectories(t)
    sec_per_epoch = res.seconds / max(1, len(res.loss))
    rows = []
    models = {**{e: p for e, p in res.snapshots.items()}, f"best ({res.best_epoch + 1})": res.params}
    for epoch, params in models.items():
        nca = NCA(res.nca_config, params=params)
        q = quality.unseen_ic_quality(nca)
        e = quality.transition_error(nca, y, t)
        n = epoch if isinstance(epoch, int) else res.best_epoch + 1
        rows.append({"epoch": n, "label": str(epoch), "seconds": n * sec_per_epoch, **q.to_dict(),
                     "transition_ratio": e.ratio, "transition_ratio_late": e.ratio_late,
                     "meets_target": quality.meets_target(q), "loss": float(res.loss[n - 1])})
        print(f"  epoch {epoch}: invasion {q.invasion_ratio:.2f} of the PDE's (strict {q.invasion_strict:.3f} vs "
              f"{q.invasion_strict_pde:.3f}), wavelength {q.wavelength:.2f} vs {q.wavelength_pde:.2f}, "
              f"transition error / no change {e.ratio:.2f} (late {e.ratio_late:.2f}), "
              f"target {'met' if quality.meets_target(q) else 'not met'}", flush=True)
    return rows


def first_at_target(rows: list[dict]) -> dict | None:
    hits = [r for r in rows if r["meets_target"] and r["label"].isdigit()]
    return min(hits, key=lambda r: r["epoch"]) if hits else None


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for i, (name, r) in enumerate(report["recipes"].items()):
        rows = sorted((x for x in r["rows"] if x["label"].isdigit()), key=lambda x: x["epoch"])
        ep = [x["epoch"] for x in rows]
        axes[0].plot(ep, [x["invasion_ratio"] for x in rows], "o-", color=f"C{i}", label=name)
        axes[1].plot(ep, [min(x["wavelength_error"], 1.0) for x in rows], "o-", color=f"C{i}", label=name)
        axes[2].plot(ep, [x["transition_ratio"] for x in rows], "o-", color=f"C{i}", label=name)
    axes[0].axhline(quality.TARGET_INVASION, color="k", lw=0.8, ls="--")
    axes[1].axhline(quality.TARGET_WAVELENGTH, color="k", lw=0.8, ls="--")
    axes[2].axhline(1.0, color="k", lw=0.8, ls="--")
    axes[0].set_ylabel("invasion / PDE's (n = 2048)")
    axes[1].set_ylabel("|wavelength − PDE's| / PDE's (capped at 1)")
    axes[2].set_ylabel("one-transition error / no change")
    for a in axes:
        a.set_xlabel("epoch")
        a.legend(fontsize=8)
    fig.suptitle("Gray-Scott t = 32: quality from the unseen test IC against training epochs", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipes", nargs="+", default=["paper", "cosine"], choices=sorted(RECIPES))
    ap.add_argument("--epochs", type=int, default=2000)
    ap.add_argument("--every", type=int, default=100, help="keep the weights every N epochs")
    ap.add_argument("--evaluate-only", action="store_true", help="use cached runs only; train nothing")
    args = ap.parse_args(argv)
    report = {"task": "gray_scott t=32", "epochs": args.epochs, "every": args.every, "recipes": {}}
    for name in args.recipes:
        job = recipe_job(name, args.epochs)
        found = cache.lookup(job)
        if found is None and args.evaluate_only:
            print(f"{name}: not in the cache ({job.key}); skipped")
            continue
        print(f"{name}: {job.key} ({'cached' if found else 'training'})", flush=True)
        trained = found or cache.train_or_load(job, snapshot_every=args.every)
        if not trained.result.snapshots:
            print(f"{name}: the cached run kept no snapshots; only its best model is evaluated")
        rows = evaluate(trained, 32)
        hit = first_at_target(rows)
        report["recipes"][name] = {"key": job.key, "settings": RECIPES[name], "rows": rows,
                                   "seconds_per_epoch": trained.result.seconds / max(1, len(trained.result.loss)),
                                   "first_at_target": hit}
    OUT.mkdir(exist_ok=True)
    fileio.write_json(OUT / "time_to_quality.json", report)
    if report["recipes"]:
        plot(report, OUT / "time_to_quality.png")
    print("\n| recipe | s/epoch | epochs to target | seconds to target "
          "| best model: invasion / PDE, wavelength error |")
    print("|---|---|---|---|---|")
    for name, r in report["recipes"].items():
        hit, best = r["first_at_target"], [x for x in r["rows"] if not x["label"].isdigit()][0]
        epochs, seconds = (hit["epoch"], f"{hit['seconds']:.0f}") if hit else ("not reached", "–")
        print(f"| {name} | {r['seconds_per_epoch']:.2f} | {epochs} | {seconds} | {best['invasion_ratio']:.2f}, "
              f"{best['wavelength_error']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
