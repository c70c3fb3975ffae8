"""The image-morphing experiments of the paper (Figs 8–9, videos S1–S3): jobs and sweeps.

Every model of the emoji chapters is a :func:`job`: the paper's morph task (alien → microbe
→ rooster → rooster on the 80×80 lattice, shift augmentation variant (a)) with one choice
of channels, time sampling, kernel set and activation. The notebooks call the functions
here with their resolved parameters; the evaluation and the claim checks are in
:mod:`nca_core.emoji_eval`.
"""

from __future__ import annotations

from types import SimpleNamespace

from nca_core.runs.cache import Job, Trained, emoji_spec, sweep
from nca_core.core.config import NCAConfig
from nca_core.core.config import TrainConfig


def job(channels: int = 16, t: int = 64, kernel_set: str = "ID_DIFF_LAP", activation: str = "relu",
        epochs: int = 8000, lr: float = 1e-3, chunk_size: int = 0, seed: int = 0, input_noise: float = 1e-3,
        copies: int = 8) -> Job:
    """One morph-task training run.

    Args:
        channels, t, kernel_set, activation: the model and the time sampling.
        epochs, lr: Nadam training length and (constant) learning rate.
        chunk_size: pairs per gradient step; 0 = all pairs in one step per epoch (the
            authors' emoji trainer).
        seed: seed of the weights, shuffles and masks (the data shifts use seed 0).
        input_noise: a of the input-noise augmentation, applied once (variant a); 0 = none.
        copies: randomly shifted copies of the sequence (R; the paper's runs used 8).
    """
    label = f"C={channels} t={t} {kernel_set} {activation}" + ("" if input_noise else " no noise")
    return Job(
        nca=NCAConfig.emoji(channels=int(channels), kernel_set=kernel_set, activation=activation),
        train=TrainConfig.emoji(t=int(t), epochs=int(epochs), lr=float(lr), chunk_size=int(chunk_size) or None,
                                seed=int(seed), input_noise=float(input_noise)),
        data=emoji_spec(copies=int(copies)),
        label=label,
    )


def _training(P: SimpleNamespace) -> dict:
    """The training settings shared by every model of a notebook."""
    return dict(epochs=P.epochs, lr=P.lr, chunk_size=P.chunk_size, seed=P.seed, input_noise=P.input_noise,
                copies=P.copies)


# ------------------------------------------------------------------ Fig 8
def fig8_jobs(P: SimpleNamespace) -> dict[str, Job]:
    """The kernel-set sweep (relu) and the activation sweep (``ID_DIFF_LAP``), keyed
    ``"kernels/<set>"`` and ``"activation/<name>"``; the shared run appears under both."""
    kw = _training(P)
    jobs = {f"kernels/{k}": job(P.channels, P.t, k, "relu", **kw) for k in P.kernel_sets}
    jobs.update({f"activation/{a}": job(P.channels, P.t, "ID_DIFF_LAP", a, **kw) for a in P.activations})
    if P.noise_ablation:
        jobs["no_noise"] = job(P.channels, P.t, "ID_DIFF_LAP", "relu", **{**kw, "input_noise": 0.0})
    return jobs


# ------------------------------------------------------------------ Fig 9
def fig9_jobs(P: SimpleNamespace) -> dict[str, Job]:
    """The channel slice at ``channel_t`` and the time-sampling slice at ``sampling_channels``
    (relu, ``ID_DIFF_LAP``), keyed ``"channels/<C>"`` and ``"sampling/<t>"``, plus the
    symmetric (``ID_LAP_AV``) model of the largest C, keyed ``"symmetric"``."""
    kw = _training(P)
    jobs = {f"channels/{c}": job(c, P.channel_t, "ID_DIFF_LAP", "relu", **kw) for c in P.channel_list}
    jobs.update({f"sampling/{t}": job(P.sampling_channels, t, "ID_DIFF_LAP", "relu", **kw) for t in P.sampling})
    if P.symmetric:
        jobs["symmetric"] = job(max(P.channel_list), P.channel_t, "ID_LAP_AV", "relu", **kw)
    return jobs


def stability_jobs(P: SimpleNamespace) -> dict[str, Job]:
    """The models the stability analyses (Figs 10–12) load, from the Fig 9 sweeps.

    ``"C32_t32"``: largest C of the channel slice at ``channel_t`` (C=32, t=32 at the quick
    and paper profiles); ``"C16_t64"``: ``sampling_channels`` at the largest t of the
    sampling slice (C=16, t=64 at quick); ``"C32_t32_sym"``: the ``ID_LAP_AV`` model.
    """
    jobs = fig9_jobs(P)
    out = {"C32_t32": jobs[f"channels/{max(P.channel_list)}"],
           "C16_t64": job(P.sampling_channels, 64 if 64 in P.sampling else max(P.sampling), **_training(P))}
    if "symmetric" in jobs:
        out["C32_t32_sym"] = jobs["symmetric"]
    return out


def train_all(jobs: dict[str, Job], retrain: bool = False, progress: bool = True,
              desc: str = "models") -> dict[str, Trained]:
    """Train or load each distinct job once (shared runs are trained once), keyed as given."""
    unique: dict[str, Job] = {}
    for j in jobs.values():
        unique.setdefault(j.key, j)
    trained = dict(zip(unique, sweep(list(unique.values()), retrain=retrain, progress=progress, desc=desc)))
    return {name: trained[j.key] for name, j in jobs.items()}


def by_kind(items: dict, kind: str) -> dict:
    """The entries ``"<kind>/<value>"`` of a sweep dict, keyed by value (an int for channels
    and sampling)."""
    out = {}
    for k, v in items.items():
        head, _, value = k.partition("/")
        if head == kind:
            out[int(value) if kind in ("channels", "sampling") else value] = v
    return out


def video_models(trained: dict[str, Trained]) -> dict[str, Trained]:
    """The models of videos S1/S2 (relu, ``ID_DIFF_LAP``) and S3 (linear), where the sweep has them."""
    out = {}
    relu = reference(trained)
    if relu is not None:
        out["S1"] = relu
    if "activation/linear" in trained:
        out["S3"] = trained["activation/linear"]
    return out


def reference(items: dict):
    """The entry of the reference model (relu, ``ID_DIFF_LAP``, with input noise) of a Fig 8
    sweep dict, or None when the sweep does not include it."""
    return items.get("activation/relu", items.get("kernels/ID_DIFF_LAP"))


def data_hash(j: Job) -> str:
    """Fingerprint of a job's training data (as the trainer records it)."""
    from nca_core.paper.morph.task_figures import data_hash as fingerprint
    from nca_core.runs.cache import build_data

    return fingerprint(build_data(j.data))


def stability_models(profile: str = "quick", retrain: bool = False, progress: bool = True,
                     **overrides) -> dict[str, Trained]:
    """Load (or train) the stability chapters' models by name: ``"C32_t32"``, ``"C16_t64"``,
    ``"C32_t32_sym"`` (see :func:`stability_jobs`), with the ``channels_sampling`` notebook's
    parameters at ``profile`` plus ``overrides``. At the quick profile they are shipped."""
    from nca_core.runs import params

    P, _ = params.resolve("channels_sampling", {"profile": profile, **overrides})
    return train_all(stability_jobs(P), retrain=retrain, progress=progress, desc="stability models")


def sweep_keys(named: dict[str, Job], jobs: dict[str, Job]) -> dict[str, str]:
    """For each named job (e.g. :func:`stability_jobs`), the key of the same run in a sweep dict."""
    by_run = {}
    for k, j in jobs.items():
        by_run.setdefault(j.key, k)
    missing = [n for n, j in named.items() if j.key not in by_run]
    if missing:
        raise ValueError(f"named={missing!r} are not accepted: the sweep does not include those runs")
    return {n: by_run[j.key] for n, j in named.items()}
