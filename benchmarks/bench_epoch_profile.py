"""Where an epoch's time goes, for the grid tier's two training configurations, measured in one run.

An epoch of :class:`nca_core.core.train.Trainer` is, per chunk, one XLA function (rollout of
``t`` steps, loss, gradient) and one optimiser update, with Python between the chunks and the
propagation of the slots after them. This benchmark times, per configuration:

* ``epoch``: a whole epoch (median of several, after compilation);
* ``forward``: the chunks' rollout and loss without the gradient, and ``backward``: the chunks'
  rollout + loss + gradient calls (``Trainer.grads_fn``) minus ``forward``;
* ``perception``, forward and backward: what it costs inside those XLA functions, measured by
  ablation (the same calls with the perception replaced by the state repeated K times, in a process
  of its own), so that XLA's fusion is what it is in training; the rest of each pass is the network,
  the masks, the state regulariser and the loss;
* ``update``: the optimiser steps; ``glue``: the epoch minus the gradient and update calls
  (Python between chunks, gathers, the propagation of the slots).

and, against this machine's fp32 matmul peak measured in the same run, the epoch's achieved
GFLOP/s (FLOPs counted as in ``bench_train.py``). With ``--micro-batch`` it also times whole
epochs for several micro-batch sizes (the gradient of a chunk evaluated in parts).

    python benchmarks/bench_epoch_profile.py                    # table
    python benchmarks/bench_epoch_profile.py --micro-batch 1 2 4 8
    python benchmarks/bench_epoch_profile.py --json > benchmarks/results/epoch_profile.json

Timings on a machine shared with other work are unreliable (parts may then come out slightly
negative); the report records the load average at start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_train import CONFIGS, flops_per_epoch, measure_peak_gflops  # noqa: E402

PROFILED = ("gray_scott_grid", "emoji_grid")


def _median_seconds(fn, repeats: int) -> float:
    fn()  # compile / warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _trainer(name: str, micro_batch, recompute: int = 0):
    from nca_core.core.config import NCAConfig, TrainConfig
    from nca_core.core.train import Trainer

    cfg = CONFIGS[name]
    rng = np.random.default_rng(0)
    nca = NCAConfig(**cfg["nca"])
    y = rng.random((cfg["T"], cfg["R"], cfg["S"], cfg["S"], nca.observable)).astype("float32")
    tc = TrainConfig(epochs=1000, select_after=0.0, recompute=recompute, **cfg["train"])
    return Trainer(nca, tc, y, micro_batch=micro_batch)


def epoch_seconds(name: str, micro_batch, epochs: int, recompute: int = 0) -> float:
    """Median seconds of an epoch after the first (which compiles)."""
    trainer = _trainer(name, micro_batch, recompute)
    state = trainer.initial_state()
    times = []
    for e in range(epochs + 1):
        t0 = time.perf_counter()
        trainer.run_epoch(state, e)
        times.append(time.perf_counter() - t0)
    return float(np.median(times[1:]))


def _ablate(part: str) -> None:
    """Replace ``part`` of the NCA step by a stand-in of the same shapes that costs almost nothing (in this
    process): ``perception`` by the state repeated K times."""
    import nca_core.core.model as model_mod
    from nca_core.core.backend import tf
    from nca_core.core.kernels import kernel_names

    if part == "perception":
        model_mod.perceive = lambda x, kernel_set, boundary: tf.tile(x, [1, 1, 1, len(kernel_names(kernel_set))])


def profile(name: str, repeats: int, ablate: str = "") -> dict:
    """Seconds per epoch of the gradient, forward and update calls and of a whole epoch of configuration
    ``name``, with ``ablate`` (``perception``) replaced by a stand-in (:func:`_ablate`)."""
    from nca_core.core.backend import tf
    from nca_core.core.model import PARAM_NAMES

    _ablate(ablate)
    trainer = _trainer(name, "auto")
    state = trainer.initial_state()
    params = [tf.constant(state.params[k]) for k in PARAM_NAMES]
    params[1] = tf.constant(np.random.default_rng(1).normal(0, 0.01, state.params["w_out"].shape).astype("float32"))
    opt = {k: tf.constant(v) for k, v in state.optimiser.items()}
    chunk, n_chunks = trainer.chunk, trainer.n_chunks
    x = tf.constant(np.asarray(state.inputs)[:chunk])
    y = tf.constant(np.asarray(state.targets)[:chunk])
    seed = tf.constant([0, 1], tf.int64)
    lr = tf.constant(1e-3)

    def gradient():
        g, loss, xo, xm = trainer._chunk_grads(params, x, y, seed)
        xm.numpy()
        return g

    grads = gradient()

    @tf.function(jit_compile=True)
    def forward_fn(params, x, y, seed):
        total, (loss, xo) = trainer.loss_fn(params, x, y, seed)
        return total, tf.reduce_max(tf.abs(xo))

    parts = {
        "gradient": _median_seconds(gradient, repeats),
        "forward": _median_seconds(lambda: forward_fn(params, x, y, seed)[1].numpy(), repeats),
        "update": _median_seconds(lambda: trainer._update_fn(params, opt, grads, lr)[0][0].numpy(), repeats),
    }
    per_epoch = {k: v * n_chunks for k, v in parts.items()}
    per_epoch["epoch"] = epoch_seconds(name, "auto", repeats)
    return {"seconds_per_epoch": per_epoch, "chunks": n_chunks, "chunk_size": chunk, "t": trainer.train_config.t}


def breakdown(full: dict, no_perception: dict) -> dict:
    """Seconds per epoch of each part, from the full run and the ablation of perception (each in its own process)."""
    s, sp = full["seconds_per_epoch"], no_perception["seconds_per_epoch"]
    out = {
        "epoch": s["epoch"],
        "forward": s["forward"],
        "backward": s["gradient"] - s["forward"],
        "perception (forward)": s["forward"] - sp["forward"],
        "perception (backward)": (s["gradient"] - s["forward"]) - (sp["gradient"] - sp["forward"]),
        "update": s["update"],
        "glue": s["epoch"] - s["gradient"] - s["update"],
    }
    out["network, masks, regulariser, loss (forward)"] = out["forward"] - out["perception (forward)"]
    out["network, masks, regulariser, loss (backward)"] = out["backward"] - out["perception (backward)"]
    return out


def _in_subprocess(args: list[str]) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    ap.add_argument("--only", nargs="+", choices=PROFILED, default=list(PROFILED))
    ap.add_argument("--repeats", type=int, default=5, help="timed repetitions of each part (median)")
    ap.add_argument("--micro-batch", type=int, nargs="*", default=[],
                    help="also time whole epochs with these micro-batch sizes")
    ap.add_argument("--recompute", type=int, nargs="*", default=[],
                    help="also time whole epochs with gradient checkpointing every N steps")
    ap.add_argument("--worker", choices=PROFILED, help=argparse.SUPPRESS)
    ap.add_argument("--epoch-with", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--recompute-with", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--ablate", choices=("perception",), default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker and args.epoch_with is not None:
        mb = "auto" if args.epoch_with < 0 else args.epoch_with
        print(json.dumps({"epoch_s": epoch_seconds(args.worker, mb, args.repeats, args.recompute_with)}))
        return
    if args.worker:
        print(json.dumps(profile(args.worker, args.repeats, args.ablate)))
        return

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    report: dict = {"load_at_start": os.getloadavg()[0]}
    peak = measure_peak_gflops()
    report["machine"] = {"peak_matmul_gflops": peak, "cpus": os.cpu_count()}
    for name in args.only:
        runs = {a: _in_subprocess(["--worker", name, "--repeats", str(args.repeats)] + (["--ablate", a] if a else []))
                for a in ("", "perception")}
        r = {k: runs[""][k] for k in ("chunks", "chunk_size", "t")}
        r["seconds_per_epoch"] = breakdown(runs[""], runs["perception"])
        r["gflops"] = flops_per_epoch(CONFIGS[name])[0] / r["seconds_per_epoch"]["epoch"] / 1e9
        r["fraction_of_peak"] = r["gflops"] / peak
        r["micro_batch_epoch_s"] = {
            m: _in_subprocess(["--worker", name, "--epoch-with", str(m), "--repeats", str(args.repeats)])["epoch_s"]
            for m in args.micro_batch
        }
        r["recompute_epoch_s"] = {
            n: _in_subprocess(["--worker", name, "--epoch-with", "-1", "--recompute-with", str(n),
                               "--repeats", str(args.repeats)])["epoch_s"]
            for n in args.recompute
        }
        report[name] = r
    report["load_at_end"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(report))
        return
    print(f"fp32 matmul peak: {peak:.1f} GFLOP/s; load average {report['load_at_start']:.1f} at start, "
          f"{report['load_at_end']:.1f} at end")
    for name in args.only:
        r = report[name]
        s = r["seconds_per_epoch"]
        print(f"\n{name} (t={r['t']}, {r['chunks']} chunks of {r['chunk_size']}): {s['epoch']:.3f} s/epoch, "
              f"{r['gflops']:.1f} GFLOP/s = {100 * r['fraction_of_peak']:.1f}% of peak")
        for part, sec in s.items():
            if part != "epoch":
                print(f"  {part:32s} {sec:8.3f} s  {100 * sec / s['epoch']:5.1f}% of the epoch")
        for m, e in r["micro_batch_epoch_s"].items():
            print(f"  micro-batch {m}: {e:.3f} s/epoch ({e / s['epoch']:.2f}x)")
        for n, e in r["recompute_epoch_s"].items():
            print(f"  recompute every {n} steps: {e:.3f} s/epoch ({e / s['epoch']:.2f}x)")


if __name__ == "__main__":
    main()
