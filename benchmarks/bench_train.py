"""Training throughput of nca_core on this machine, as ratios measured in one run.

For the paper's two training configurations it measures seconds per epoch, NCA
lattice-steps per second, achieved GFLOP/s, that as a fraction of this machine's fp32
matmul peak (measured here, in the same run), the speed-up over a naive implementation
(TensorFlow's depthwise convolution with automatic gradients, the same XLA compilation),
and the peak resident memory of a process that trains. For the emoji configuration it also
measures the gradient-checkpointing (``recompute``) option: time and memory.

    python benchmarks/bench_train.py            # table
    python benchmarks/bench_train.py --json     # one JSON line

FLOPs are counted as in paper-spec §7: forward MACs per cell ``9·K·C + K·C·H + H·C``,
2 FLOP per MAC, forward + backward = 3 × forward.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

CONFIGS = {
    # paper's Gray-Scott config: C=8, ID_LAP, 64x64, 128 pairs (t=32: 32 transitions x 4 trajectories), chunks of 64
    "gray_scott": dict(nca=dict(channels=8, observable=2, kernel_set="ID_LAP", fire_rate=1.0, boundary="periodic"),
                       train=dict(t=32, chunk_size=64, state_reg=0.01), T=33, R=4, S=64, epochs=7),
    # paper's emoji config: C=16, ID_DIFF_LAP, 80x80, 24 pairs (3 transitions x 8 copies), t=64, fire rate 0.5
    "emoji": dict(nca=dict(channels=16, observable=4, kernel_set="ID_DIFF_LAP", fire_rate=0.5, boundary="zero"),
                  train=dict(t=64, chunk_size=None, state_reg=0.0), T=4, R=8, S=80, epochs=3),
    # the grid tier's Gray-Scott recipe: as the paper's at t=32, but 16 optimiser steps per epoch (chunks of 8)
    "gray_scott_grid": dict(nca=dict(channels=8, observable=2, kernel_set="ID_LAP", fire_rate=1.0, boundary="periodic"),
                            train=dict(t=32, chunk_size=8, state_reg=0.01), T=33, R=4, S=64, epochs=7),
    # the quick profile of the morph chapter: as above at t=32, three gradient steps of 8 pairs per epoch
    "emoji_quick": dict(nca=dict(channels=16, observable=4, kernel_set="ID_DIFF_LAP", fire_rate=0.5, boundary="zero"),
                        train=dict(t=32, chunk_size=8, state_reg=0.0), T=4, R=8, S=80, epochs=4),
    # the grid tier's morph recipe: as above, twelve gradient steps of 2 pairs per epoch
    "emoji_grid": dict(nca=dict(channels=16, observable=4, kernel_set="ID_DIFF_LAP", fire_rate=0.5, boundary="zero"),
                       train=dict(t=32, chunk_size=2, state_reg=0.0), T=4, R=8, S=80, epochs=4),
}


def flops_per_epoch(cfg: dict) -> float:
    c = cfg["nca"]["channels"]
    k = {"ID_LAP": 2, "ID_DIFF_LAP": 4}[cfg["nca"]["kernel_set"]]
    h = 4 * c
    macs_cell = 9 * k * c + k * c * h + h * c
    samples = (cfg["T"] - 1) * cfg["R"]
    chunk = cfg["train"]["chunk_size"] or samples
    trained = samples // chunk * chunk
    lattice_steps = trained * cfg["train"]["t"]
    return 3 * 2 * macs_cell * cfg["S"] ** 2 * lattice_steps, lattice_steps


def measure_peak_gflops() -> float:
    """Best of a few large fp32 matmuls (XLA and plain graph), GFLOP/s."""
    import tensorflow as tf

    n = 2048
    a = tf.random.normal([n, n])
    b = tf.random.normal([n, n])
    best = 0.0
    for jit in (True, False):
        f = tf.function(lambda a, b: tf.matmul(a, b), jit_compile=jit)
        f(a, b).numpy()
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(5):
                r = f(a, b)
            r.numpy()
            best = max(best, 5 * 2 * n**3 / (time.perf_counter() - t0) / 1e9)
    return best


def naive_perceive(x, kernel_set, boundary):
    """Reference perception: explicit padding + tf.nn.depthwise_conv2d, automatic gradient."""
    import tensorflow as tf

    from nca_core.core.kernels import kernel_stack

    g = kernel_stack(kernel_set).astype(x.dtype.as_numpy_dtype)  # [K,3,3]
    c = x.shape[-1]
    w = np.tile(np.transpose(g, (1, 2, 0))[:, :, None, :], (1, 1, c, 1))  # [3,3,C,K]
    if boundary == "periodic":
        xp = tf.concat([x[:, -1:], x, x[:, :1]], 1)
        xp = tf.concat([xp[:, :, -1:], xp, xp[:, :, :1]], 2)
        return tf.nn.depthwise_conv2d(xp, w, [1, 1, 1, 1], "VALID")
    return tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME")


def run_one(name: str, naive: bool, recompute: int) -> dict:
    """Train a few epochs of one configuration in this process and time them."""
    import nca_core.core.model as model_mod
    from nca_core.core.config import NCAConfig, TrainConfig
    from nca_core.core.train import Trainer

    if naive:
        model_mod.perceive = naive_perceive
    cfg = CONFIGS[name]
    rng = np.random.default_rng(0)
    nca = NCAConfig(**cfg["nca"])
    y = rng.random((cfg["T"], cfg["R"], cfg["S"], cfg["S"], nca.observable)).astype("float32")
    epochs = cfg["epochs"]
    tc = TrainConfig(epochs=epochs, recompute=recompute, select_after=0.0, **cfg["train"])
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stamps: list[float] = []
    usage: list[resource.struct_rusage] = []
    losses: list[float] = []

    def stamp(epoch: int, loss: float) -> None:
        stamps.append(time.perf_counter())
        usage.append(resource.getrusage(resource.RUSAGE_SELF))
        losses.append(float(loss))

    Trainer(nca, tc, y).fit(progress=False, callback=stamp)
    epoch_s = float(np.median(np.diff(stamps[1:])))  # the first epoch includes compilation
    timed = len(stamps) - 2  # the epochs epoch_s is taken over (from the end of the second)
    flop, lattice_steps = flops_per_epoch(cfg)
    return {
        "epoch_s": epoch_s,
        # CPU seconds in the kernel and in the process, and page faults, per epoch (the epochs timed above)
        "sys_s": (usage[-1].ru_stime - usage[1].ru_stime) / timed,
        "user_s": (usage[-1].ru_utime - usage[1].ru_utime) / timed,
        "minor_faults": (usage[-1].ru_minflt - usage[1].ru_minflt) / timed,
        "losses": losses,
        "lattice_steps_per_s": lattice_steps / epoch_s,
        "gflops": flop / epoch_s / 1e9,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss) / 1024,
    }


def in_subprocess(name: str, naive: bool = False, recompute: int = 0, env: dict | None = None) -> dict:
    """Run :func:`run_one` in a fresh process so its peak memory is its own (``env``: extra variables)."""
    cmd = [sys.executable, __file__, "--worker", name, "--recompute", str(recompute)] + (["--naive"] if naive else [])
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    ap.add_argument("--only", nargs="+", choices=list(CONFIGS), help="measure only these configurations")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive reference (faster)")
    ap.add_argument("--worker", choices=list(CONFIGS), help=argparse.SUPPRESS)
    ap.add_argument("--naive", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--recompute", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(run_one(args.worker, args.naive, args.recompute)))
        return

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    peak = measure_peak_gflops()
    report: dict = {"machine": {"peak_matmul_gflops": peak, "cpus": os.cpu_count()}}
    for name in args.only or list(CONFIGS):
        r = in_subprocess(name)
        r["fraction_of_peak"] = r["gflops"] / peak
        if not args.no_naive:
            n = in_subprocess(name, naive=True)
            r["naive_epoch_s"] = n["epoch_s"]
            r["speedup_vs_naive"] = n["epoch_s"] / r["epoch_s"]
        if name == "emoji":
            rc = in_subprocess(name, recompute=8)
            r["recompute_8"] = {"epoch_s": rc["epoch_s"], "peak_rss_mb": rc["peak_rss_mb"],
                                "memory_saved_mb": r["peak_rss_mb"] - rc["peak_rss_mb"],
                                "time_ratio": rc["epoch_s"] / r["epoch_s"]}
        report[name] = r
    if args.json:
        print(json.dumps(report))
        return
    print(f"fp32 matmul peak on this machine: {peak:.1f} GFLOP/s ({os.cpu_count()} CPUs)")
    for name in CONFIGS:
        if name not in report:
            continue
        r = report[name]
        print(f"\n{name}: {r['epoch_s']:.3f} s/epoch, {r['lattice_steps_per_s']:.0f} lattice-steps/s, "
              f"{r['gflops']:.1f} GFLOP/s = {100 * r['fraction_of_peak']:.1f}% of peak, "
              f"peak RSS {r['peak_rss_mb']:.0f} MB")
        if "speedup_vs_naive" in r:
            print(f"  naive depthwise-conv reference: {r['naive_epoch_s']:.3f} s/epoch -> "
                  f"{r['speedup_vs_naive']:.2f}x faster")
        if "recompute_8" in r:
            rc = r["recompute_8"]
            print(f"  recompute=8: {rc['epoch_s']:.3f} s/epoch ({rc['time_ratio']:.2f}x time), peak RSS "
                  f"{rc['peak_rss_mb']:.0f} MB (saves {rc['memory_saved_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
