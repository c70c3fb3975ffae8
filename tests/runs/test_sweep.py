"""Sweeps on Dask: parallel training into the shared cache, a killed worker's task resumes, one training per model.

The workers are real processes (a ``LocalCluster`` of 2, shared by the tests through its scheduler
address); the models are tiny Gray-Scott runs (C = 4, t = 8, 8 frames of 64², 6 epochs, a
checkpoint every 2 epochs), a few seconds each. The task wrappers below are nested functions, so
that they travel to the workers by value; they log each training attempt of a model (the
first epoch it ran, its process, and its end) to files the test reads afterwards.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from nca_core.core.config import NCAConfig, TrainConfig
from nca_core.core.train import Trainer
from nca_core.runs import sweep
from nca_core.runs.cache import lookup, train_or_load
from nca_core.runs.job import Job, gray_scott_spec

EPOCHS, EVERY, KILL_AT = 6, 2, 4


def tiny(seed: int) -> Job:
    return Job(NCAConfig.gray_scott(channels=4),
               TrainConfig.gray_scott(t=8, epochs=EPOCHS, seed=seed, chunk_size=None, checkpoint_every=EVERY),
               gray_scott_spec(8, 64), label=f"tiny seed={seed}")


@pytest.fixture(scope="module")
def scheduler():
    """The address of a LocalCluster of 2 single-threaded worker processes."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit=0, dashboard_address=":0",
                      env={"TF_CPP_MIN_LOG_LEVEL": "2", "TF_NUM_INTRAOP_THREADS": "1"}) as cluster:
        yield cluster.scheduler_address


def logging_task(log_dir: str, kill_key: str | None = None):
    """``sweep.train_task`` that logs every attempt to ``log_dir/<key>.log``: ``task <pid> <time>`` when it
    begins, ``start <epoch> <pid> <time>`` at the first epoch it trains, ``end <pid> <time>`` when it
    finished. The attempt of ``kill_key`` that starts at epoch 0 kills its own process after epoch
    ``KILL_AT`` (its checkpoint of epoch ``KILL_AT`` is written)."""

    def task(job, retrain=False, results=None, weights=None):
        import os
        import time
        from pathlib import Path

        from nca_core.core.train import Trainer
        from nca_core.runs.sweep import train_task

        log = Path(log_dir) / f"{job.key}.log"
        fit = Trainer.fit

        def logged_fit(self, progress=True, callback=None, snapshot_every=0):
            first = []

            def cb(epoch, loss):
                if not first:
                    first.append(epoch)
                    with open(log, "a") as f:
                        f.write(f"start {epoch} {os.getpid()} {time.time()}\n")
                if job.key == kill_key and first == [0] and epoch == KILL_AT:
                    os._exit(1)  # the worker dies mid-task (after epochs 0..KILL_AT-1 and their checkpoint)

            result = fit(self, progress, cb, snapshot_every)
            with open(log, "a") as f:
                f.write(f"end {os.getpid()} {time.time()}\n")
            return result

        with open(log, "a") as f:
            f.write(f"task {os.getpid()} {time.time()}\n")
        Trainer.fit = logged_fit
        try:
            return train_task(job, retrain, results, weights)
        finally:
            Trainer.fit = fit

    return task


def attempts(log_dir: Path, job: Job, tasks: bool = False) -> list[list[str]]:
    """The log lines of ``job`` (without the ``task`` lines unless ``tasks``), split."""
    path = log_dir / f"{job.key}.log"
    lines = [ln.split() for ln in path.read_text().splitlines()] if path.exists() else []
    return [ln for ln in lines if tasks or ln[0] != "task"]


def test_two_workers_train_three_models_in_parallel_then_a_notebook_loads_them(dirs, scheduler, monkeypatch):
    logs = dirs / "logs"
    logs.mkdir()
    jobs = [tiny(0), tiny(1), tiny(2), tiny(1)]  # a repeat: trained once
    lines = []
    out = sweep.run(jobs, scheduler=scheduler, progress=False, echo=lines.append, task=logging_task(str(logs)))
    assert [tr.job.key for tr in out] == [j.key for j in jobs[:3]]
    assert [tr.source for tr in out] == ["trained"] * 3
    assert len(lines) == 3 and all(": trained " in ln and "best loss" in ln for ln in lines)
    runs = {j.key: attempts(logs, j) for j in jobs[:3]}
    for key, log in runs.items():  # each model trained once, from epoch 0, to the end
        assert [r[0] for r in log] == ["start", "end"] and log[0][1] == "0", (key, log)
    spans = sorted((float(task[2]), float(log[1][2]), log[0][2])  # (task began, training ended, process)
                   for job, log in zip(jobs, runs.values()) for task in attempts(logs, job, tasks=True)[:1])
    print("spans", [(a - spans[0][0], b - spans[0][0], pid) for a, b, pid in spans])
    assert len({pid for _, _, pid in spans}) == 2  # both workers trained
    assert any(a[0] < b[1] and b[0] < a[1] for i, a in enumerate(spans) for b in spans[i + 1:])  # at the same time
    for tr in out:
        assert tr.path == dirs / "results" / "models" / tr.job.key and (tr.path / "manifest.json").exists()
        assert len(tr.result.loss) == EPOCHS
        assert not (dirs / "results" / "checkpoints" / tr.job.key).exists()
    # a later notebook run (same jobs, this process) loads them without training
    monkeypatch.setattr(Trainer, "fit", lambda *a, **k: pytest.fail("trained again"))
    for tr in out:
        again = train_or_load(tr.job, progress=False)
        assert again.source == "cache"
        for k in tr.result.params:
            np.testing.assert_array_equal(again.result.params[k], tr.result.params[k])
    # and a second sweep submits nothing
    lines.clear()
    assert [tr.source for tr in sweep.run(jobs, scheduler=scheduler, echo=lines.append)] == ["cache"] * 3


def test_killed_worker_task_is_retried_and_resumes_from_its_checkpoint(dirs, scheduler, monkeypatch):
    logs = dirs / "logs"
    logs.mkdir()
    jobs = [tiny(10), tiny(11), tiny(12)]
    victim = jobs[1]
    lines = []
    out = sweep.run(jobs, scheduler=scheduler, progress=False, echo=lines.append,
                    task=logging_task(str(logs), kill_key=victim.key))
    assert [tr.source for tr in out] == ["trained"] * 3
    for job in jobs:
        log = attempts(logs, job)
        if job is victim:  # attempt 1 died at epoch KILL_AT; attempt 2 started from the checkpoint of epoch KILL_AT
            assert [r[:2] for r in log] == [["start", "0"], ["start", str(KILL_AT)], ["end", log[2][1]]], log
            assert log[0][2] != log[1][2]  # in another process
        else:
            assert [r[:2] for r in log] == [["start", "0"], ["end", log[1][1]]], log
    (victim_line,) = [ln for ln in lines if victim.label + ":" in ln]
    assert f"resumed from epoch {KILL_AT}" in victim_line
    # the resumed model is the model of an uninterrupted run (resume is exact)
    trained = {tr.job.key: tr for tr in out}[victim.key]
    assert len(trained.result.loss) == EPOCHS
    monkeypatch.setenv("NCA_RESULTS_DIR", str(dirs / "straight"))
    straight = train_or_load(victim, progress=False)
    np.testing.assert_allclose(straight.result.loss, trained.result.loss, rtol=1e-5)  # thread counts differ
    for k in straight.result.params:
        np.testing.assert_allclose(straight.result.params[k], trained.result.params[k], rtol=1e-4, atol=1e-6)


def test_two_tasks_for_the_same_model_train_it_once(dirs, scheduler):
    from distributed import Client

    logs = dirs / "logs"
    logs.mkdir()
    job = tiny(20)
    task = logging_task(str(logs))
    with Client(scheduler, set_as_default=False) as c:  # two tasks of one model, past the sweep's deduplication
        futures = [c.submit(task, job, False, str(dirs / "results"), str(dirs / "weights"), key=f"twin-{i}",
                            workers=[w]) for i, w in enumerate(sorted(c.scheduler_info()["workers"]))]
        results = c.gather(futures)
    assert sorted(r["source"] for r in results) == ["cache", "trained"]
    assert len({r["worker"] for r in results}) == 2
    log = attempts(logs, job, tasks=True)
    assert sorted(r[0] for r in log) == ["end", "start", "task", "task"]  # one training
    (end,) = [float(r[2]) for r in log if r[0] == "end"]
    assert all(float(r[2]) < end for r in log if r[0] == "task")  # the second task began before the model existed:
    #                                                               it waited for the lock, then loaded
    assert lookup(job).source == "cache"


def test_bad_scheduler_address_fails_fast_with_a_clear_message(dirs):
    for address, why in [("tcp://127.0.0.1:9", "Timed out"), ("nonsense://host", "unknown address scheme"),
                         (str(dirs / "no-such-scheduler.json"), "no such scheduler file")]:
        t0 = time.monotonic()
        with pytest.raises(ValueError) as e:
            sweep.run([tiny(0)], scheduler=address, timeout=2)
        assert time.monotonic() - t0 < 6
        msg = str(e.value)
        assert f"--scheduler={address!r}" in msg and why in msg and "accepted: the address of a running Dask" in msg
    assert not (dirs / "results").exists()  # nothing was trained


def test_workers_and_scheduler_are_validated():
    for bad in (0, -1, 1.5, "two"):
        with pytest.raises(ValueError, match=r"--workers=.* is not accepted; accepted: an integer"):
            sweep.run([tiny(0)], workers=bad)
    with pytest.raises(ValueError, match="--workers=2 and --scheduler='tcp://x:1': give exactly one"):
        with sweep.client(workers=2, scheduler="tcp://x:1"):
            pass
    with pytest.raises(ValueError, match="--scheduler='' is not accepted"):
        sweep.connect("")


def test_checkpoint_epoch_reads_the_checkpoint_of_the_cache(dirs):
    job = tiny(30)
    assert sweep.checkpoint_epoch(job) is None

    class Stop(Exception):
        pass

    def stop(epoch, loss):
        if epoch == 3:
            raise Stop

    from nca_core.runs.cache import results_dir
    from nca_core.runs.job import build_data

    with pytest.raises(Stop):
        Trainer(job.nca, job.train, build_data(job.data),
                checkpoint_dir=results_dir() / "checkpoints" / job.key).fit(progress=False, callback=stop)
    assert sweep.checkpoint_epoch(job) == 2
    lines = []
    (tr,) = sweep.run([job], progress=False, echo=lines.append)  # in this process: the default
    assert tr.source == "trained" and "resumed from epoch 2" in lines[0]


def test_in_process_sweep_hands_over_each_model_as_it_finishes(dirs, monkeypatch):
    """``on_model`` gets each model before the next one trains (``--ship`` ships as it goes), and the
    models already trained stay delivered when a later one fails."""
    seen = []

    def on_model(tr):
        seen.append(tr.job.key)

    real = sweep.train_or_load
    jobs = [tiny(11), tiny(12), tiny(13)]

    def fail_third(job, **kw):
        if job.key == jobs[2].key:
            assert seen == [jobs[0].key, jobs[1].key]  # the first two were handed over already
            raise RuntimeError("interrupted")
        return real(job, **kw)

    monkeypatch.setattr(sweep, "train_or_load", fail_third)
    with pytest.raises(RuntimeError, match="interrupted"):
        sweep.run(jobs, progress=False, echo=lambda text: None, on_model=on_model)
    assert seen == [jobs[0].key, jobs[1].key]
    monkeypatch.setattr(sweep, "train_or_load", real)
    out = sweep.run(jobs, progress=False, echo=lambda text: None, on_model=on_model)
    assert seen == [j.key for j in jobs[:2]] + [j.key for j in jobs] and [t.job.key for t in out] == seen[2:]


def test_existing_reads_what_is_there_trains_only_the_smoke_tier_and_names_what_is_missing(dirs, monkeypatch):
    jobs = {"a": tiny(0), "b": tiny(1)}
    with pytest.raises(ValueError) as err:
        sweep.existing(jobs, "between_frames", "long")
    msg = str(err.value)
    assert "tier='long'" in msg and jobs["a"].key in msg and jobs["b"].key in msg
    assert "`nca-book models between_frames --profile long`" in msg
    train_or_load(jobs["a"], progress=False)
    with pytest.raises(ValueError) as err:  # only the missing one is named
        sweep.existing(jobs, "between_frames", "long")
    assert jobs["a"].key not in str(err.value) and jobs["b"].key in str(err.value)
    train_or_load(jobs["b"], progress=False)
    monkeypatch.setattr(sweep, "train_or_load", lambda *a, **k: pytest.fail("trained"))
    found = sweep.existing(jobs, "between_frames", "long")
    assert {k: tr.job.key for k, tr in found.items()} == {k: j.key for k, j in jobs.items()}
    assert all(tr.source == "cache" for tr in found.values())
