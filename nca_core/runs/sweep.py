"""The one way to train a list of jobs: in this process, or one ``dask.distributed`` task per missing model.

:func:`run` is what ``nca-book models`` and every chapter call (:func:`keyed` for jobs keyed by
name). Without options it trains the jobs one after the other in this process
(:func:`~nca_core.runs.cache.train_or_load`). With ``workers=N`` it starts a
``LocalCluster`` of N single-threaded worker processes on this machine; with ``scheduler=ADDRESS``
(or the path of a scheduler file) it uses a running Dask scheduler, for example one started by
``dask_jobqueue.SLURMCluster``. Either way:

* jobs are deduplicated by their cache key, and models already in the cache or the shipped
  weights are reported, not submitted; each missing model is one task ``train_or_load(job)``,
  submitted under the Dask key ``nca-train-<key>`` (two clients of one scheduler share it);
* a task trains into the shared results cache: checkpoints every ``checkpoint_every`` epochs in
  ``results/checkpoints/<key>/``, the model written atomically to ``results/models/<key>/``,
  under the model's lock (:func:`~nca_core.runs.cache.training_lock`), so that two processes
  never train the same model;
* a task that raises is retried (``retries``) and a task whose worker dies is rescheduled by the
  scheduler (up to ``distributed.scheduler.allowed-failures`` times); the new attempt resumes
  from the last checkpoint;
* one progress bar runs over the models and one line reports each finished model (best loss,
  training time, the epoch it resumed from).

The results cache (``$NCA_RESULTS_DIR`` or ``<repo>/results``) must be on a filesystem every
worker sees at the same path: the tasks write there and this process loads from there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar
from unittest import mock

from nca_core import validate
from nca_core.runs.cache import Trained, checkpoint_progress, lookup, results_dir, train_or_load, weights_dir
from nca_core.runs.job import Job, distinct

K = TypeVar("K")

#: seconds to wait for a scheduler before giving up (a bad address fails fast)
CONNECT_TIMEOUT = 5.0
#: extra attempts of a task that raised (a dead worker's task is rescheduled by the scheduler)
RETRIES = 2

ACCEPTED_SCHEDULER = ("the address of a running Dask scheduler, such as tcp://host:8786 (printed by "
                      "`dask scheduler` and by cluster.scheduler_address), or the path of an existing "
                      "scheduler file (`dask scheduler --scheduler-file FILE`)")


class SweepError(RuntimeError):
    """Some models could not be trained (the others were)."""


# ---------------------------------------------------------------- the task
def checkpoint_epoch(job: Job) -> int | None:
    """The epoch count of ``job``'s checkpoint in the results cache, if there is a readable one."""
    progress = checkpoint_progress(job.key)
    return None if progress is None else progress[0]


def train_task(job: Job, retrain: bool = False, results: str | None = None, weights: str | None = None
               ) -> dict[str, Any]:
    """One model, in a worker: ``train_or_load(job)`` into the results cache ``results``.

    Returns a small summary (the weights stay in the cache): ``key``, ``label``, ``source``
    (``"trained"``, or ``"cache"`` when another process trained it meanwhile), ``best_loss``,
    ``best_epoch``, ``train_loss``, ``diverged``, ``seconds`` (of training, summed over
    attempts), ``resumed_from`` (the checkpoint's epoch this attempt started from, or None),
    ``worker`` (host:pid).
    """
    values = {"NCA_RESULTS_DIR": results, "NCA_WEIGHTS_DIR": weights}
    with mock.patch.dict(os.environ, {k: v for k, v in values.items() if v is not None}):  # restored afterwards
        resumed = checkpoint_epoch(job)  # the trainer resumes from it (with retrain too)
        tr = train_or_load(job, retrain=retrain, progress=False)
        return summary(tr, resumed)


def summary(tr: Trained, resumed_from: int | None = None) -> dict[str, Any]:
    """The summary of a trained model that :func:`train_task` returns."""
    r = tr.result
    return {"key": tr.job.key, "label": tr.job.label, "source": tr.source, "path": str(tr.path),
            "best_loss": float(r.best_loss), "best_epoch": int(r.best_epoch), "train_loss": float(r.train_loss),
            "diverged": bool(r.diverged), "seconds": float(r.seconds),
            "resumed_from": resumed_from if tr.source == "trained" else None,
            "worker": f"{socket.gethostname()}:{os.getpid()}"}


def line(i: int, n: int, s: dict[str, Any]) -> str:
    """The report line of a finished model ``s`` (a :func:`summary`)."""
    text = (f"[{i}/{n}] {s['label'] or s['key']}: {s['source']} {s['key']} best loss {s['best_loss']:.4g} "
            f"(epoch {s['best_epoch']}) train loss {s['train_loss']:.4g} diverged={s['diverged']} "
            f"({s['seconds']:.0f} s)")
    if s.get("resumed_from"):
        text += f", resumed from epoch {s['resumed_from']}"
    if s.get("remote"):
        text += f" on {s['worker']}"
    return text


# ---------------------------------------------------------------- clients
def check_workers(workers: Any) -> int:
    """``--workers``: an integer ≥ 1."""
    return validate.integer("--workers", workers, 1)


@contextlib.contextmanager
def client(workers: int | None = None, scheduler: str | None = None,
           timeout: float = CONNECT_TIMEOUT) -> Iterator[Any]:
    """A ``distributed.Client``: of a new ``LocalCluster`` of ``workers`` processes, or of ``scheduler``.

    The local workers run one task at a time each and split this machine's cores between them
    (``TF_NUM_INTRAOP_THREADS``). A ``scheduler`` is an address or a scheduler file; one that does
    not answer within ``timeout`` seconds raises ``ValueError`` naming it and what is accepted.
    """
    if (workers is None) == (scheduler is None):
        raise ValueError(f"--workers={workers!r} and --scheduler={scheduler!r}: give exactly one")
    from distributed import Client, LocalCluster

    if workers is not None:
        workers = check_workers(workers)
        threads = str(max(1, (os.cpu_count() or 1) // workers))
        env = {"TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": "1",
               "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
        # memory_limit=0: a training's memory is what it is; no spilling or nanny restarts at 95%.
        # dashboard on a free port (when bokeh is installed), so that two sweeps do not collide
        nanny = logging.getLogger("distributed.nanny")
        level = nanny.level
        try:
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=0,
                              dashboard_address=":0", env=env) as cluster, Client(cluster, set_as_default=False) as c:
                try:
                    yield c
                finally:  # TensorFlow's threads make a worker exit slowly: the nanny's "killing" notice is expected
                    nanny.setLevel(logging.ERROR)
        finally:
            nanny.setLevel(level)
        return
    c = connect(scheduler, timeout)
    try:
        yield c
    finally:
        c.close()


def connect(scheduler: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A client of the running scheduler ``scheduler`` (address or scheduler file), or ``ValueError``."""
    from distributed import Client

    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(f"--scheduler={scheduler!r} is not accepted; accepted: {ACCEPTED_SCHEDULER}")
    is_file = "://" not in scheduler and (Path(scheduler).is_file() or scheduler.endswith(".json")
                                          or os.sep in scheduler)
    if is_file and not Path(scheduler).is_file():
        raise ValueError(f"--scheduler={scheduler!r}: no such scheduler file; accepted: {ACCEPTED_SCHEDULER}")
    t0 = time.monotonic()
    try:
        address = _file_address(scheduler) if is_file else scheduler
        _probe(address, timeout)  # before a Client: a Client that failed to connect is slow to clean up
        return Client(address, timeout=timeout, set_as_default=False)
    except Exception as e:  # OSError/TimeoutError (nobody answers), ValueError (bad address), ...
        cause = " ".join(str(e).split()) or type(e).__name__
        raise ValueError(f"--scheduler={scheduler!r}: could not connect to a Dask scheduler "
                         f"({time.monotonic() - t0:.1f} s, timeout {timeout:g} s: {cause}); "
                         f"accepted: {ACCEPTED_SCHEDULER}") from None


def _file_address(path: str) -> str:
    """The scheduler address a scheduler file (JSON written by ``dask scheduler --scheduler-file``) holds."""
    import json

    try:
        return str(json.loads(Path(path).read_text(encoding="utf-8"))["address"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"not a scheduler file ({type(e).__name__}: {e})") from None


def _probe(address: str, timeout: float) -> None:
    """Open and close one connection to ``address`` within ``timeout`` seconds (``OSError`` otherwise)."""
    import asyncio

    from distributed.comm import connect

    async def probe() -> None:
        comm = await connect(address, timeout=timeout)
        await comm.close()

    asyncio.run(probe())


# ---------------------------------------------------------------- the sweep
def quiet(text: str) -> None:
    """The ``echo`` of a sweep that reports nothing per model (a chapter's notebook: its bar says enough)."""


def run(jobs: Sequence[Job], workers: int | None = None, scheduler: str | None = None, retrain: bool = False,
        progress: bool = True, retries: int = RETRIES, echo: Callable[[str], None] | None = None,
        task: Callable[..., dict[str, Any]] = train_task, timeout: float = CONNECT_TIMEOUT,
        on_model: Callable[[Trained], None] | None = None, desc: str = "models") -> list[Trained]:
    """Train or load every job; returns the models in the order of ``distinct(jobs)``.

    Args:
        jobs: the models (repeats of a key are trained once).
        workers: train on a new ``LocalCluster`` of this many worker processes (≥ 1).
        scheduler: train on the running Dask scheduler at this address or scheduler file.
            Neither: train in this process, one model after the other.
        retrain: train even the models found in the cache or the shipped weights.
        progress: progress bars (per epoch in this process; over the models on a cluster).
        retries: extra attempts of a task that raised.
        echo: where the report lines go (default: ``print``, or ``tqdm.write`` under a bar).
        task: the function a worker runs per job (``train_task``; tests wrap it).
        timeout: seconds to wait for ``scheduler``.
        on_model: called with each model as soon as it is trained or found (e.g. to ship it at once,
            so that an interrupted sweep keeps what it finished).
        desc: the label of the progress bar over the models.

    Raises:
        ValueError: bad ``workers`` or ``scheduler`` (before anything is trained).
        SweepError: some tasks failed after their retries (the others' models are in the cache).
    """
    jobs = distinct(jobs)
    if workers is None and scheduler is None:
        return _in_process(jobs, retrain, progress, echo, on_model, desc)
    if workers is not None:
        check_workers(workers)
    validate.integer("retries", retries, 0)
    found: dict[str, Trained] = {}
    todo = []
    for job in jobs:
        tr = None if retrain else lookup(job)
        if tr is None:
            todo.append(job)
        else:
            found[job.key] = tr
            (echo or _print)(line(len(found), len(jobs), summary(tr)))
            if on_model is not None:
                on_model(tr)
    if todo:
        found.update(_distributed(todo, len(found), len(jobs), workers, scheduler, retrain, progress, retries, echo,
                                  task, timeout, on_model))
    return [found[j.key] for j in jobs]


def keyed(jobs: dict[K, Job], **options: Any) -> dict[K, Trained]:
    """:func:`run` over the values of ``jobs`` (a job under two names is trained once), keyed as given."""
    trained = {tr.job.key: tr for tr in run(list(jobs.values()), **options)}
    return {name: trained[job.key] for name, job in jobs.items()}


def existing(jobs: dict[K, Job], notebook: str, tier: str) -> dict[K, Trained]:
    """The models of ``jobs`` from the cache or the shipped weights, keyed as given: for a chapter that analyses
    models and trains none. At the ``smoke`` tier (two-epoch models that prove the code path; seconds) the
    missing ones are trained; at any other a missing model raises ``ValueError`` naming it and the command
    that trains it."""
    if tier == "smoke":
        return keyed(jobs, progress=False, echo=quiet)
    found = {name: lookup(job) for name, job in jobs.items()}
    missing = [f"{job.label} ({job.key})" for name, job in jobs.items() if found[name] is None]
    if missing:
        raise ValueError(f"tier={tier!r}: models not shipped or cached: {', '.join(missing)}; the {notebook} "
                         f"notebook trains none: `nca-book models {notebook} --profile {tier}` trains them, or "
                         "choose a tier whose models are shipped (`nca-book status` lists them)")
    return found


def _in_process(jobs: list[Job], retrain: bool, progress: bool, echo: Callable[[str], None] | None,
                on_model: Callable[[Trained], None] | None, desc: str) -> list[Trained]:
    """One model after the other in this process, a bar over the models (and one per model's epochs)."""
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc=desc, unit="model")
    out = []
    for i, job in enumerate(jobs, 1):
        if bar is not None:
            bar.set_postfix_str(job.label)
        resumed = checkpoint_epoch(job)
        tr = train_or_load(job, retrain=retrain, progress=progress)
        (echo or _print)(line(i, len(jobs), summary(tr, resumed)))
        if on_model is not None:
            on_model(tr)
        out.append(tr)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return out


def _print(text: str) -> None:
    print(text, flush=True)


def _dashboard(c: Any) -> str:
    """`` (dashboard: URL)`` when the scheduler serves one, else nothing."""
    try:
        info = c.scheduler_info()
        return f" (dashboard: {c.dashboard_link})" if info.get("services", {}).get("dashboard") else ""
    except Exception:
        return ""


def _distributed(todo: list[Job], done: int, total: int, workers: int | None, scheduler: str | None, retrain: bool,
                 progress: bool, retries: int, echo: Callable[[str], None] | None, task: Callable[..., Any],
                 timeout: float, on_model: Callable[[Trained], None] | None = None) -> dict[str, Trained]:
    from distributed import as_completed
    from tqdm.auto import tqdm

    where = f"{workers} local worker(s)" if workers is not None else f"scheduler {scheduler}"
    out: dict[str, Trained] = {}
    failed: list[str] = []
    with client(workers, scheduler, timeout) as c:
        _print(f"nca-book: training {len(todo)} model(s) on {where}{_dashboard(c)}")
        futures = {c.submit(task, job, retrain, str(results_dir()), str(weights_dir()), key=f"nca-train-{job.key}",
                            retries=retries): job for job in todo}
        bar = tqdm(total=len(todo), desc="models", unit="model", disable=not progress, file=sys.stderr)
        say = echo or (lambda text: bar.write(text, file=sys.stdout))
        for fut in as_completed(futures, loop=c.loop):
            job = futures[fut]
            done += 1
            try:
                s = fut.result()
                tr = lookup(job)
                if tr is None:
                    raise SweepError(f"the worker {s['worker']} wrote it to {s['path']}, which this process "
                                     f"does not see under {results_dir()}: the results cache must be on a "
                                     f"filesystem shared by every worker, at the same path")
            except Exception as e:  # the task's exception after its retries, KilledWorker, ...
                failed.append(f"{job.label or job.key}: {type(e).__name__}: {e}")
                say(f"[{done}/{total}] {job.label or job.key}: failed: {type(e).__name__}: {e}")
            else:
                out[job.key] = Trained(job, tr.result, s["source"], tr.path)
                say(line(done, total, {**s, "remote": True}))
                if on_model is not None:
                    on_model(out[job.key])
            bar.update(1)
        bar.close()
    if failed:
        raise SweepError(f"{len(failed)} of {len(todo)} model(s) failed:\n  " + "\n  ".join(failed))
    return out
