"""The host allocator's share of an epoch: glibc's ``malloc`` against TensorFlow's pooling (BFC) allocator.

``nca_core`` switches TensorFlow to its pooling allocator of host memory (``TF_CPU_ALLOCATOR_USE_BFC=true``,
set in :mod:`nca_core.core.backend`). This measures why: for each configuration it trains a few epochs in
a fresh process with each allocator, in one run, and reports seconds per epoch, the share of this machine's
fp32 matmul peak (measured in the same run), the CPU seconds spent in the kernel per epoch and the page faults
per epoch, and whether the two runs' losses are bit-identical (they must be: the allocator decides where the
numbers live, not what they are).

    python benchmarks/bench_allocator.py                      # the grid tier's two configurations
    python benchmarks/bench_allocator.py --only gray_scott_grid --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_train import CONFIGS, in_subprocess, measure_peak_gflops  # noqa: E402

from nca_core.core.backend import BFC_ENV  # noqa: E402
from nca_core.fileio import write_json  # noqa: E402

#: the allocators compared: glibc's malloc (TensorFlow's default) and the pool nca_core turns on
ALLOCATORS = {"malloc": "false", "pool": "true"}
OUT = Path(__file__).resolve().parent / "results" / "allocator.json"


def compare(name: str, peak: float) -> dict:
    """Both allocators on configuration ``name``: each one's measures, the speed-up and the loss check."""
    runs = {}
    for label, value in ALLOCATORS.items():
        r = in_subprocess(name, env={BFC_ENV: value})
        r["fraction_of_peak"] = r["gflops"] / peak
        runs[label] = r
    return {**runs, "speedup": runs["malloc"]["epoch_s"] / runs["pool"]["epoch_s"],
            "identical_losses": runs["malloc"]["losses"] == runs["pool"]["losses"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", choices=list(CONFIGS), default=["gray_scott_grid", "emoji_grid"],
                    help="configurations to measure (default: the grid tier's two)")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    ap.add_argument("--out", type=Path, default=OUT, help=f"where the report is written (default {OUT})")
    args = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    peak = measure_peak_gflops()
    report = {"machine": {"peak_matmul_gflops": peak, "cpus": os.cpu_count()},
              **{name: compare(name, peak) for name in args.only}}
    write_json(args.out, report)
    if args.json:
        print(json.dumps(report))
        return
    print(f"fp32 matmul peak on this machine: {peak:.1f} GFLOP/s ({os.cpu_count()} CPUs)")
    print("\n| configuration | allocator | s/epoch | share of peak | kernel CPU s/epoch | page faults/epoch |")
    print("|---|---|---|---|---|---|")
    for name in args.only:
        for label in ALLOCATORS:
            r = report[name][label]
            print(f"| {name} | {label} | {r['epoch_s']:.2f} | {100 * r['fraction_of_peak']:.1f}% | "
                  f"{r['sys_s']:.2f} | {r['minor_faults']:,.0f} |")
    for name in args.only:
        c = report[name]
        print(f"{name}: the pool is {c['speedup']:.2f}x faster; losses bit-identical: {c['identical_losses']}")


if __name__ == "__main__":
    main()
