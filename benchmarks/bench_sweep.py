"""Parallel speed-up of ``nca-book models --workers N``: the same models trained on 1 and on 2 workers.

The models are the paper's Gray-Scott run (Fig 4: C = 8, ``ID_LAP``, 64², t = 32, chunks of 64),
cut to a few epochs, for several seeds. Each configuration trains every model from scratch
into a fresh results cache (nothing shipped is found), through :func:`nca_core.runs.sweep.run`:
one Dask task per model on a ``LocalCluster`` of N single-threaded worker processes that
share this machine's cores (``TF_NUM_INTRAOP_THREADS = cores // N``). The wall time counts
everything a user waits for: starting the cluster, the workers' imports and XLA compilations,
training, writing the models. Both worker counts run in one invocation, so their ratio is
measured under the same conditions; the load average and the busiest other processes are
recorded beside the numbers, because a benchmark run beside other work is contended, and so
are the CPU seconds the sweep got (this process and its worker processes): ``cores_obtained``,
CPU seconds over wall seconds, says how much of the machine it actually had.

    python benchmarks/bench_sweep.py                       # 4 models × 8 epochs, workers 1 and 2
    python benchmarks/bench_sweep.py --models 6 --epochs 20 --workers 1 2 --json benchmarks/results/sweep.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def busiest_processes(n: int = 5) -> list[dict]:
    """The ``n`` processes using the most CPU now (pid, nice, %CPU, command), this one excluded."""
    try:
        out = subprocess.run(["ps", "-eo", "pid=,ni=,pcpu=,args=", "--sort=-pcpu"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    rows = []
    for line in out.splitlines():
        pid, ni, pcpu, args = line.split(None, 3)
        if int(pid) != os.getpid() and float(pcpu) >= 5:
            rows.append({"pid": int(pid), "nice": ni, "cpu_percent": float(pcpu), "command": args[:100]})
    return rows[:n]


def _cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its finished children (the worker processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def one(jobs: list, workers: int | None) -> dict:
    """Train ``jobs`` from scratch on ``workers`` local workers (None: in this process); timings."""
    from nca_core.runs import sweep

    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        os.environ["NCA_RESULTS_DIR"] = str(Path(tmp) / "results")
        os.environ["NCA_WEIGHTS_DIR"] = str(Path(tmp) / "weights")  # empty: everything is trained
        load = os.getloadavg()[0]
        cpu0 = _cpu_seconds()
        t0 = time.perf_counter()
        trained = sweep.run(jobs, workers=workers, progress=False, echo=lambda s: print("  " + s, flush=True))
        wall = time.perf_counter() - t0
        cpu = _cpu_seconds() - cpu0
    assert all(tr.source == "trained" for tr in trained)
    return {"workers": workers, "wall_seconds": round(wall, 1), "models": len(trained),
            "models_per_hour": round(3600 * len(trained) / wall, 1),
            "training_seconds": [round(tr.result.seconds, 1) for tr in trained],
            "cpu_seconds": round(cpu, 1), "cores_obtained": round(cpu / wall, 2),
            "loadavg_1min_before": round(load, 2), "loadavg_1min_after": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, default=4, help="models (seeds 0..models-1)")
    ap.add_argument("--epochs", type=int, default=8, help="epochs per model")
    ap.add_argument("--t", type=int, default=32, help="time sampling of the Gray-Scott runs")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to compare")
    ap.add_argument("--json", type=Path, help="write the report there")
    args = ap.parse_args()
    for name in ("models", "epochs", "t"):
        if getattr(args, name) < 1:
            ap.error(f"--{name}={getattr(args, name)} is not accepted; accepted: an integer >= 1")
    if any(w < 1 for w in args.workers):
        ap.error(f"--workers={args.workers} is not accepted; accepted: integers >= 1")

    from nca_core.chapters.gray_scott.jobs import job

    jobs = [job(t=args.t, seed=s, epochs=args.epochs) for s in range(args.models)]
    report = {"benchmark": "sweep", "what": f"{args.models} Gray-Scott models (paper config, t={args.t}, "
                                           f"{args.epochs} epochs) trained from scratch on a LocalCluster",
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0]},
              "other_processes_at_start": busiest_processes(), "runs": []}
    for w in args.workers:
        print(f"{w} worker(s):", flush=True)
        r = one(jobs, w)
        print(f"  {r['wall_seconds']} s wall, {r['models_per_hour']} models/h, {r['cores_obtained']} cores obtained",
              flush=True)
        report["runs"].append(r)
    walls = {r["workers"]: r["wall_seconds"] for r in report["runs"]}
    base = walls.get(1)
    report["speedup_vs_1_worker"] = {str(w): round(base / s, 2) for w, s in walls.items()} if base else {}
    report["other_processes_at_end"] = busiest_processes()
    print(json.dumps(report["speedup_vs_1_worker"]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print("wrote", args.json)


if __name__ == "__main__":
    main()
