"""Time to quality, morph half: how many epochs and seconds each recipe needs to draw the rooster.

For the morph model of the book's quick tier (C = 16, t = 32, ``ID_DIFF_LAP``, relu), each recipe
is trained through the results cache (resumable; a second run only evaluates) with the weights
kept every ``--every`` epochs. Each kept model is rolled out from the clean alien
(``nca_core.chapters.morph.measure.evaluate``, averaged over ``--samples`` mask realisations): the
rooster distance at 3t and at 8t; and the cheap one-transition error from the true frames
relative to "no change" (``nca_core.chapters.morph.quality``). The shipped ``quick`` model is the
baseline, evaluated in the same run: the target is a rooster distance at 3t ≤ 2/3 of its. The
loss-flatness criterion of the shipped tier (the last 10% of the epochs lower the best loss by
< 5%) is reported for every kept model, over the epochs up to it.

    python benchmarks/bench_morph_time_to_quality.py --recipes paper cosine --epochs 2000 --every 100
    python benchmarks/bench_morph_time_to_quality.py --evaluate-only    # cached runs only, train nothing

Writes ``benchmarks/results/morph_time_to_quality.json`` and ``.png`` (``--out``: another folder);
prints a table of the epochs and seconds each recipe needs to reach the target. Seconds are the
run's own epoch time (``result.seconds``; the shipped baseline's were measured beside other work):
compare recipes measured on the same machine, alone on it; ``--retrain RECIPE ...`` trains cached recipes again, so
that their seconds are this run's (the report's ``trained_in_this_run``), and ``--stem`` names the report.
"""

from __future__ import annotations

import dataclasses
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


import _quality_common as common  # noqa: E402

from nca_core.chapters.morph import jobs, measure, quality  # noqa: E402
from nca_core.runs import cache  # noqa: E402

MODEL = dict(channels=16, t=32, kernel_set="ID_DIFF_LAP", activation="relu")
#: recipe name → training settings of the morph job (``epochs`` None: ``--epochs``)
RECIPES = {
    "quick": dict(lr=5e-3, chunk_size=8, epochs=100),  # the shipped quick model: the baseline
    "paper": dict(lr=1e-3, chunk_size=0),  # constant 1e-3, one step per epoch over all pairs
    "cosine": dict(lr=5e-3, chunk_size=8, lr_schedule="cosine", lr_min=1e-5),
    "cosine-paper-lr": dict(lr=1e-3, chunk_size=8, lr_schedule="cosine", lr_min=1e-5),
    # more optimiser steps per epoch: the 24 pairs in chunks of 4, 2 or 1 (6, 12, 24 steps), a short cosine
    "steps6": dict(lr=5e-3, chunk_size=4, lr_schedule="cosine", lr_min=1e-5, epochs=120),
    "steps12": dict(lr=3e-3, chunk_size=2, lr_schedule="cosine", lr_min=1e-5, epochs=120),
    "steps12-lr5e-3": dict(lr=5e-3, chunk_size=2, lr_schedule="cosine", lr_min=1e-5, epochs=120),
    "steps24": dict(lr=2e-3, chunk_size=1, lr_schedule="cosine", lr_min=1e-5, epochs=120),
    # steps12 with its cosine over half the epochs: the rate comes down sooner
    "steps12-60": dict(lr=3e-3, chunk_size=2, lr_schedule="cosine", lr_min=1e-5, epochs=60),
}
#: the target: rooster distance at 3t at most this fraction of the quick model's
TARGET_FRACTION = 2 / 3
EXTRAPOLATE = 8


def recipe_job(name: str, epochs: int, **model) -> cache.Job:
    """The morph run of recipe ``name`` (``epochs`` unless the recipe sets its own) for :data:`MODEL`
    with ``model``'s changes (channels, t)."""
    return jobs.job(**{**MODEL, **model}, **{"epochs": epochs, **RECIPES[name]})


def evaluate(trained: cache.Trained, samples: int) -> list[dict]:
    """Quality of every kept model of a run (snapshots and the selected best model); no target yet."""
    res, t = trained.result, trained.job.train.t
    y = measure.targets()
    rows = []
    for label, n, params in common.kept_models(res):
        kept = dataclasses.replace(trained, result=dataclasses.replace(res, params=params))
        m = measure.evaluate(kept, y, extrapolate=EXTRAPOLATE, samples=samples)
        e = quality.transition_error(kept.model(), y, t, samples=samples)
        drop = quality.loss_drop(res.loss[:n])
        rows.append(common.row(label, n, res, distance_t=float(m.errors[0]), distance_2t=float(m.errors[1]),
                               distance_3t=float(m.errors[2]), distance_8t=m.extrapolation_error, iou=m.iou,
                               transition_ratio=e.ratio, transition_errors=e.errors.tolist(),
                               transition_still=e.still.tolist(), loss_drop=drop,
                               loss_flat=quality.loss_flat(res.loss[:n])))
        print(f"  epoch {label}: rooster distance at 3t {m.errors[2]:.2f}, at {EXTRAPOLATE}t "
              f"{m.extrapolation_error:.2f}, transition error / no change {e.ratio:.2f}, "
              f"last 10% of epochs lowered the loss by {drop:.1%}", flush=True)
    return rows


def panels(baseline: dict, name: str = "quick", fraction: float = TARGET_FRACTION) -> list[common.Panel]:
    """Rooster distance at 3t (with the target), at 8t, one-transition ratio; the baseline's values dotted."""
    def quick(col: str) -> list:
        return [(baseline[col], f"{name} (shipped)", ":")] if baseline else []

    target = [(fraction * baseline["distance_3t"], f"target: {fraction:.2g} × {name}", "--")] if baseline else []
    return [("distance_3t", "rooster distance at 3t", target + quick("distance_3t"), None),
            ("distance_8t", f"rooster distance at {EXTRAPOLATE}t", quick("distance_8t"), None),
            ("transition_ratio", "one-transition error / no change", [(1.0, None, "--")] + quick("transition_ratio"),
             None)]


def main(argv: list[str] | None = None) -> int:
    ap = common.parser(__doc__, list(RECIPES), ["quick", "paper", "cosine", "cosine-paper-lr"], 2000, 100)
    ap.add_argument("--samples", type=int, default=4, help="mask realisations per measure")
    ap.add_argument("--channels", type=int, default=MODEL["channels"], help="C of the model (the ends of Fig 9)")
    ap.add_argument("--t", type=int, default=MODEL["t"], help="t of the model (the ends of Fig 9)")
    ap.add_argument("--baseline", default="quick", choices=sorted(RECIPES) + ["none"],
                    help="the recipe the target is relative to (quick: the shipped quick model; cosine with "
                         "--epochs 600: the shipped long model, for the ends of Fig 9; none: no target, where "
                         "no model of this C and t is shipped)")
    ap.add_argument("--target-fraction", type=float, default=TARGET_FRACTION,
                    help="target: rooster distance at 3t at most this fraction of the baseline's")
    args = ap.parse_args(argv)
    common.check_retrain(ap, args)
    model = {"channels": args.channels, "t": args.t}
    own = model == {k: MODEL[k] for k in model}
    report = {"task": f"morph C={args.channels} t={args.t} ID_DIFF_LAP relu", "epochs": args.epochs,
              "every": args.every, "samples": args.samples, "recipes": {}}
    baseline: dict = {}  # the quick model's best row
    # the baseline first, always: the target is relative to it
    first = [] if args.baseline == "none" else [args.baseline]
    for name in [*first, *(r for r in args.recipes if r != args.baseline)]:
        job = recipe_job(name, args.epochs, **model)
        trained = common.load_or_train(name, job, args.every, args.evaluate_only, name in args.retrain)
        if trained is None:
            continue
        rows = evaluate(trained, args.samples)
        if name == args.baseline:
            baseline = next(r for r in rows if not r["label"].isdigit())
            report["baseline"] = args.baseline
            report["baseline_distance_3t"] = baseline["distance_3t"]
            report["target_distance_3t"] = args.target_fraction * baseline["distance_3t"]
        target = report.get("target_distance_3t", -1.0)
        for r in rows:
            r["meets_target"] = bool(r["distance_3t"] <= target)
        settings = {k: v for k, v in RECIPES[name].items() if k != "epochs"}
        report["recipes"][name] = common.entry(job, settings, rows, trained)
        report["recipes"][name]["loss_flat"] = quality.loss_flat(trained.result.loss)
    target = report.get("target_distance_3t")
    stem = "morph_time_to_quality" if own else f"morph_time_to_quality_C{args.channels}_t{args.t}"
    common.write(report, args.out, args.stem or stem, panels(baseline, args.baseline, args.target_fraction),
                 f"Morph C = {args.channels}, t = {args.t}: rooster distance from the alien against training epochs "
                 "and seconds", xs=("epoch", "seconds"))
    print(f"\ntarget: rooster distance at 3t ≤ {target:.2f} ({args.baseline}: {report['baseline_distance_3t']:.2f})"
          if target is not None else "\nno target: the quick baseline is not available")
    common.table(report, "best model: distance at 3t, 8t; loss flat",
                 lambda b: f"{b['distance_3t']:.2f}, {b['distance_8t']:.2f}; "
                           f"{'yes' if b['loss_flat'] else 'no'} ({b['loss_drop']:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
