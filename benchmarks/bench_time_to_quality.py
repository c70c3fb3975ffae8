"""Time to quality: how many epochs and seconds each training recipe needs to show the paper's result.

For the Gray-Scott t = 32 model (Figs 4–5), each recipe is trained through the results cache
(resumable; a second run only evaluates) with the weights kept every ``--every`` epochs. Each
kept model is rolled out from the unseen 128×128 test IC to n = 2048 beside the PDE
(``nca_core.chapters.gray_scott.quality``): invasion of the initially empty region relative to
the PDE's, wavelength against the PDE's; and the cheap one-transition error from the true
frames relative to "no change". The target of the shipped tier is invasion ≥ 50% of the PDE's
with the wavelength within 15%.

    python benchmarks/bench_time_to_quality.py --recipes paper cosine --epochs 2000 --every 100
    python benchmarks/bench_time_to_quality.py --evaluate-only    # cached runs only, train nothing

Writes ``benchmarks/results/time_to_quality.json`` and ``.png`` (``--out``: another folder);
prints a table of the epochs and seconds each recipe needs to reach the target. Seconds are the
run's own epoch time (``result.seconds``): compare recipes measured on the same machine, alone on it;
``--retrain RECIPE ...`` trains cached recipes again, so that their seconds are this run's (the report's
``trained_in_this_run``), and ``--stem`` names the report.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


import _quality_common as common  # noqa: E402

from nca_core.chapters.gray_scott import jobs, quality  # noqa: E402
from nca_core.core.model import NCA  # noqa: E402
from nca_core.data import gray_scott as pde  # noqa: E402
from nca_core.runs import cache  # noqa: E402

#: recipe name → learning-rate settings of TrainConfig (the rest is the paper's Fig 4 run at t = 32)
RECIPES = {
    "paper": dict(lr=1e-3),  # constant 1e-3: the paper's
    "cosine": dict(lr=1e-3, lr_schedule="cosine", lr_min=1e-5),
    "exponential": dict(lr=1e-3, lr_schedule="exponential", lr_min=1e-5),
    "warmup-cosine": dict(lr=2e-3, lr_schedule="cosine", warmup=50, lr_min=1e-5),
    # more optimiser steps per epoch (the same samples per epoch, smaller chunks): steps per epoch
    # = 4096 / (t · chunk); "steps16" is chunk 256 / t, 16 steps at every t (8 at t = 32)
    "steps16": dict(lr=1e-3, lr_schedule="cosine", lr_min=1e-5, steps_per_epoch=16, epochs=300),
    "steps16-warmup": dict(lr=1e-3, lr_schedule="cosine", lr_min=1e-5, warmup=15, steps_per_epoch=16, epochs=300),
    "steps32": dict(lr=1e-3, lr_schedule="cosine", lr_min=1e-5, steps_per_epoch=32, epochs=300),
    "steps16-lr5e-4": dict(lr=5e-4, lr_schedule="cosine", lr_min=1e-5, steps_per_epoch=16, epochs=300),
}
PANELS = [
    ("invasion_ratio", "invasion / PDE's (n = 2048)", [(quality.TARGET_INVASION, None, "--")], None),
    ("wavelength_error", "|wavelength − PDE's| / PDE's (capped at 1)", [(quality.TARGET_WAVELENGTH, None, "--")], 1.0),
    ("transition_ratio", "one-transition error / no change", [(1.0, None, "--")], None),
]


def recipe_job(name: str, epochs: int, t: int = 32) -> cache.Job:
    """The Gray-Scott run of recipe ``name`` at ``t`` (``epochs`` unless the recipe sets its own)."""
    settings = dict(RECIPES[name])
    lr, epochs = settings.pop("lr"), settings.pop("epochs", epochs)
    steps = settings.pop("steps_per_epoch", None)
    if steps is not None:
        settings["chunk_size"] = jobs.chunk_for_steps(t, steps)
    return jobs.job(t, 0, epochs, lr=lr, **settings)


def evaluate(trained: cache.Trained, t: int) -> list[dict]:
    """Quality of every kept model of a run (snapshots and the selected best model)."""
    res = trained.result
    y = pde.training_trajectories(t)
    rows = []
    for label, n, params in common.kept_models(res):
        nca = NCA(res.nca_config, params=params)
        q = quality.unseen_ic_quality(nca)
        e = quality.transition_error(nca, y, t)
        rows.append(common.row(label, n, res, **q.to_dict(), transition_ratio=e.ratio,
                               transition_ratio_late=e.ratio_late, meets_target=quality.meets_target(q)))
        print(f"  epoch {label}: invasion {q.invasion_ratio:.2f} of the PDE's (strict {q.invasion_strict:.3f} vs "
              f"{q.invasion_strict_pde:.3f}), wavelength {q.wavelength:.2f} vs {q.wavelength_pde:.2f}, "
              f"transition error / no change {e.ratio:.2f} (late {e.ratio_late:.2f}), "
              f"target {'met' if quality.meets_target(q) else 'not met'}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = common.parser(__doc__, list(RECIPES), ["paper", "cosine"], 2000, 100)
    ap.add_argument("--t", type=int, default=32, help="time sampling of the model (32: the benchmark's own)")
    args = ap.parse_args(argv)
    common.check_retrain(ap, args)
    report = {"task": f"gray_scott t={args.t}", "epochs": args.epochs, "every": args.every, "recipes": {}}
    for name in args.recipes:
        job = recipe_job(name, args.epochs, args.t)
        trained = common.load_or_train(name, job, args.every, args.evaluate_only, name in args.retrain)
        if trained is not None:
            settings = {**RECIPES[name], "chunk_size": job.train.chunk_size, "epochs": job.train.epochs}
            report["recipes"][name] = common.entry(job, settings, evaluate(trained, args.t), trained)
    stem = "time_to_quality" if args.t == 32 else f"time_to_quality_t{args.t}"
    common.write(report, args.out, args.stem or stem, PANELS,
                 f"Gray-Scott t = {args.t}: quality from the unseen test IC against training epochs and seconds",
                 xs=("epoch", "seconds"))
    common.table(report, "best model: invasion / PDE, wavelength error",
                 lambda b: f"{b['invasion_ratio']:.2f}, {b['wavelength_error']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
