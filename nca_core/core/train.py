"""Training an NCA on trajectories: the paper's Algorithm 2 as the authors' code runs it.

Data ``y[T, R, H, W, c_obs]`` (frames × trajectories) become ``M·R`` (input, target) pairs,
``X[m·R + r] = y[m, r]``, ``Y[m·R + r] = y[m+1, r]`` with ``M = T − 1``. One epoch:

1. shuffle the pairs (seeded by ``(seed, epoch)``) and split them into chunks of
   ``chunk_size`` (the remainder is not trained that epoch; ``None`` = one chunk of all);
2. per chunk: roll each input forward ``t`` steps with back-propagation through time,
   loss = mean over samples of the Euclidean distance ``‖x̂_obs − y‖₂`` over the lattice and
   the observable channels, plus ``state_reg`` × the step-averaged sum of
   ``max(0,−x) + max(0,x−1)`` over all cells and channels; normalise each parameter's
   gradient by its L2 norm; one Nadam step (or, with ``accumulate=True``, sum the chunk
   gradients and take one step per epoch, as Algorithm 2 is written);
3. propagate: the output from slot m becomes the input of slot m+1 (slot 0 keeps the true
   initial condition, plus its input noise), and the first ``reinit`` trajectories are
   reset to the true frames with hidden channels zeroed;
4. keep the best weights (rule of :class:`TrainConfig`), record the loss; stop with
   ``diverged=True`` on a non-finite or exploding state or loss.

Each chunk's rollout, loss, gradient and update are one XLA-compiled function.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

import numpy as np

from nca_core import validate
from nca_core.core.backend import tf
from nca_core.core.checkpoint import (
    CHECKPOINT_FORMAT,
    TrainState,
    config_hash,
    data_fingerprint,
    load_state,
    save_state,
)
from nca_core.core.config import NCAConfig, TrainConfig, learning_rate
from nca_core.core.model import PARAM_NAMES, init_params, step, step_seed
from nca_core.core.optim import nadam_init, nadam_update, normalise
from nca_core.core.result import TrainResult
from nca_core.data.lattice import apply_transform, make_pairs, pad_channels, random_transforms
from nca_core.data.noise import blend

__all__ = ["Trainer", "train", "select_best"]
#: compile chunks with XLA (True) or as a plain TensorFlow graph (False, for comparison)
JIT_COMPILE = True
#: the micro-batch of the gradient evaluation on a CPU (``micro_batch="auto"``; on a GPU, where large batches
#: are fast, the whole chunk at once)
CPU_MICRO_BATCH = 8


def default_micro_batch() -> int | None:
    """:data:`CPU_MICRO_BATCH` without a GPU, else None; asked when a trainer is made, not at import."""
    return None if tf.config.list_physical_devices("GPU") else CPU_MICRO_BATCH


def select_best(state: TrainState, loss: float, epoch: int, select_from: int, requires_decrease: bool) -> None:
    """The best-model rule, applied after an epoch with a finite ``loss``.

    The lowest loss so far is always remembered (``lowest_params``). The selected model
    (``best_params``) changes only from epoch ``select_from`` on, when ``loss`` beats the best
    so far and, if ``requires_decrease`` (the authors' PDE rule), also the previous epoch's.
    """
    if loss < state.lowest_loss:
        state.lowest_params, state.lowest_loss = dict(state.params), loss
    eligible = epoch >= select_from and (not requires_decrease or loss < state.previous_loss)
    if eligible and loss < state.best_loss:
        state.best_params, state.best_loss, state.best_epoch = dict(state.params), loss, epoch
    state.previous_loss = loss


class Trainer:
    """Trains an NCA on ``y[T, R, H, W, c_obs]``; see the module docstring for the algorithm.

    Args:
        nca_config: the architecture.
        train_config: the training procedure.
        y: trajectories, frames × trajectories × rows × cols × observable channels.
        checkpoint_dir: folder for the resumable checkpoint (optional). A run that finds a
            checkpoint of the same configuration and data there resumes from it.
        micro_batch: evaluate each chunk's gradient in micro-batches of this many samples
            (summed: the same gradient up to rounding). Smaller working sets run faster on a
            CPU; ``None`` evaluates the chunk at once (better on a GPU); ``"auto"`` (the default)
            is :func:`default_micro_batch`.
    """

    def __init__(self, nca_config: NCAConfig, train_config: TrainConfig, y: np.ndarray,
                 checkpoint_dir: str | os.PathLike | None = None, micro_batch: int | str | None = "auto"):
        if not isinstance(nca_config, NCAConfig):
            raise ValueError(f"nca_config={nca_config!r} is not accepted; accepted: an NCAConfig")
        if not isinstance(train_config, TrainConfig):
            raise ValueError(f"train_config={train_config!r} is not accepted; accepted: a TrainConfig")
        self.nca_config, self.train_config = nca_config, train_config
        y = np.asarray(y)
        if y.ndim != 5 or y.shape[0] < 2 or y.shape[4] != nca_config.observable or min(y.shape[2:4]) < 3:
            raise ValueError(
                f"y has shape {y.shape}; accepted: [T >= 2, R, H >= 3, W >= 3, observable={nca_config.observable}]"
            )
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains non-finite values; accepted: finite values")
        self.n_frames, self.n_trajectories = y.shape[:2]
        self.n_transitions = self.n_frames - 1
        self.n_samples = self.n_transitions * self.n_trajectories
        chunk = train_config.chunk_size
        if chunk is not None and chunk > self.n_samples:
            raise ValueError(
                f"chunk_size={chunk} is not accepted; accepted: at most the number of samples M*R={self.n_samples}"
            )
        if train_config.reinit > self.n_trajectories:
            raise ValueError(f"reinit={train_config.reinit} is not accepted; "
                             f"accepted: 0 to R={self.n_trajectories}")
        if train_config.augment_every and self.n_trajectories < 3:
            raise ValueError(f"augment_every={train_config.augment_every} needs R >= 3 trajectories; "
                             f"y has R={self.n_trajectories}")
        self.chunk = chunk or self.n_samples
        self.n_chunks = self.n_samples // self.chunk
        self.dtype = nca_config.dtype
        self.y = y.astype(self.dtype)
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        if micro_batch == "auto":
            micro_batch = default_micro_batch()
        if micro_batch is not None:
            validate.integer("micro_batch", micro_batch, 1)
        self.micro_batch = micro_batch
        self.key = config_hash(CHECKPOINT_FORMAT, nca_config.to_dict(), train_config.to_dict(), data_fingerprint(y))
        self._build_functions()

    # ------------------------------------------------------------ data slots
    def initial_state(self) -> TrainState:
        """The state before epoch 0: pairs from the data, initial weights, fresh optimiser."""
        y, tc, n_traj = self.y, self.train_config, self.n_trajectories
        inputs, targets = make_pairs(y)
        inputs = pad_channels(inputs, self.nca_config.channels)
        if tc.input_noise and not tc.augment_every:
            rng = np.random.default_rng([tc.seed, 1 << 20])
            inputs = blend(inputs, tc.input_noise, rng.random(inputs.shape)).astype(self.dtype)
        params = init_params(self.nca_config, tc.seed)
        return TrainState(
            inputs=inputs, targets=targets, initial_inputs=inputs[:n_traj].copy(), params=params,
            optimiser=nadam_init([params[k] for k in PARAM_NAMES]),
            best_params={k: v.copy() for k, v in params.items()},
            lowest_params={k: v.copy() for k, v in params.items()},
        )

    # ------------------------------------------------------- compiled chunk
    def _build_functions(self):
        nc, tc = self.nca_config, self.train_config
        obs, t = nc.observable, tc.t
        dt = self.dtype
        seg = tc.recompute or t

        def segment(params, x, seed, start):
            reg = tf.zeros((), dt)
            for i in range(seg):  # a short, static segment
                x = step(params, x, nc, step_seed(seed, start + i))
                if tc.state_reg:
                    reg += tf.reduce_sum(tf.nn.relu(-x) + tf.nn.relu(x - 1.0))
            return x, reg

        seg_fn = tf.recompute_grad(segment) if tc.recompute else segment

        def rollout(params, x, seed):
            n_seg = t // seg
            if n_seg == 1:
                return seg_fn(params, x, seed, tf.constant(0))

            def body(j, x, reg):
                x, r = seg_fn(params, x, seed, j * seg)
                return j + 1, x, reg + r

            _, x, reg = tf.while_loop(lambda j, x, r: j < n_seg, body, (tf.constant(0), x, tf.zeros((), dt)),
                                      maximum_iterations=n_seg)
            return x, reg

        def loss_fn(params, x, y, seed, denom=None):
            """Loss of a batch: sum of per-sample distances / denom (default: the batch size)."""
            if tc.data_noise:
                s1, s2 = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
                xi = tf.constant(tc.data_noise, dt)
                x = blend(x, xi, tf.random.stateless_uniform(tf.shape(x), s1, dtype=dt))
                y = blend(y, xi, tf.random.stateless_uniform(tf.shape(y), s2, dtype=dt))
            x, reg = rollout(params, x, seed)
            d = x[..., :obs] - y
            per = tf.sqrt(tf.reduce_sum(tf.square(d), axis=[1, 2, 3]) + 1e-20)
            denom = tf.cast(tf.shape(per)[0], dt) if denom is None else denom
            loss = tf.reduce_sum(per) / denom
            return loss + tc.state_reg * reg / t, (loss, x)

        @tf.function(jit_compile=JIT_COMPILE, reduce_retracing=True)
        def grads_fn(params, x, y, seed, denom=None):
            """Rollout, loss and gradient of one (micro-)batch as one XLA function."""
            with tf.GradientTape() as tape:
                tape.watch(params)
                total, (loss, x_out) = loss_fn(params, x, y, seed, denom)
            grads = tape.gradient(total, params)
            return grads, loss, x_out, tf.reduce_max(tf.abs(x_out))

        @tf.function(jit_compile=JIT_COMPILE, reduce_retracing=True)
        def update_fn(params, opt, grads, lr):
            if tc.normalise_grads:
                grads = normalise(grads)
            return nadam_update(params, grads, opt, lr)

        self.grads_fn, self._update_fn = grads_fn, update_fn
        self.loss_fn = loss_fn

    def _chunk_grads(self, params, x, y, seed):
        """Gradient of a chunk, summed over micro-batches of ``micro_batch`` samples when set."""
        n, m = int(x.shape[0]), self.micro_batch
        if not m or n <= m or n % m:
            return self.grads_fn(params, x, y, seed)
        denom = tf.constant(n, self.dtype)
        grads, loss, outs, xmax = None, 0.0, [], 0.0
        for i in range(n // m):
            g, li, xo, xm = self.grads_fn(params, x[i * m:(i + 1) * m], y[i * m:(i + 1) * m],
                                          tf.random.experimental.stateless_fold_in(seed, i), denom)
            grads = g if grads is None else [a + b for a, b in zip(grads, g)]
            loss, xmax = loss + li, tf.maximum(xmax, xm)
            outs.append(xo)
        return grads, loss, tf.concat(outs, 0), xmax

    # ---------------------------------------------------------------- epoch
    def run_epoch(self, state: TrainState, epoch: int) -> tuple[float, float]:
        """One epoch on ``state`` (updated in place); returns the mean loss and the largest |x|.

        The slots stay TensorFlow tensors from epoch to epoch (``state.inputs`` / ``targets`` become tensors
        after the first; a checkpoint, the augmentation and divergence handling read them as arrays), so an
        epoch copies no slot to or from the host: at t = 2 the slots are 268 MB, and copying them was about
        a quarter of an epoch.
        """
        tc, n_traj = self.train_config, self.n_trajectories
        inputs, targets = tf.convert_to_tensor(state.inputs), tf.convert_to_tensor(state.targets)
        lr = tf.constant(learning_rate(tc, epoch), self.dtype)
        params = [tf.constant(state.params[k]) for k in PARAM_NAMES]
        opt = {k: tf.constant(v) for k, v in state.optimiser.items()}
        if tc.chunk_size is None:
            order = np.arange(self.n_samples)
        else:
            order = np.random.default_rng([tc.seed, epoch]).permutation(self.n_samples)
        trained = order[: self.n_chunks * self.chunk]
        outs, losses, xmaxes, acc = [], [], [], None
        for c in range(self.n_chunks):
            idx = tf.constant(trained[c * self.chunk:(c + 1) * self.chunk])
            seed = tf.constant([tc.seed, epoch * 4096 + c], tf.int64)
            grads, loss, x_out, xm = self._chunk_grads(params, tf.gather(inputs, idx), tf.gather(targets, idx), seed)
            if tc.accumulate:
                acc = grads if acc is None else [a + g for a, g in zip(acc, grads)]
            else:
                params, opt = self._update_fn(params, opt, grads, lr)
            outs.append(x_out)
            losses.append(loss)
            xmaxes.append(xm)
        if tc.accumulate:
            params, opt = self._update_fn(params, opt, acc, lr)
        # untrained samples (the remainder of the chunks) keep their state
        out = tf.tensor_scatter_nd_update(inputs, tf.constant(trained)[:, None], tf.concat(outs, 0))
        # propagate: slot m+1 <- output of slot m; slot 0 keeps the initial condition
        new_inputs = tf.concat([tf.convert_to_tensor(state.initial_inputs), out[:-n_traj]], axis=0)
        if tc.reinit:
            idx, values = self._reinit_slots()
            new_inputs = tf.tensor_scatter_nd_update(new_inputs, idx, values)
        state.inputs, state.targets = new_inputs, targets
        state.params = {k: p.numpy() for k, p in zip(PARAM_NAMES, params)}
        state.optimiser = {k: v.numpy() for k, v in opt.items()}
        return float(tf.reduce_mean(tf.stack(losses))), float(tf.reduce_max(tf.stack(xmaxes)))

    def _reinit_slots(self) -> tuple[tf.Tensor, tf.Tensor]:
        """The slots of the first ``reinit`` trajectories after slot 0, and their true states (made once)."""
        if getattr(self, "_reinit", None) is None:
            tc, n_traj, n = self.train_config, self.n_trajectories, self.n_samples
            idx = np.array([m for m in range(n_traj, n) if (m - n_traj) % n_traj < tc.reinit])
            values = np.stack([pad_channels(self.y[1 + (m - n_traj) // n_traj, (m - n_traj) % n_traj],
                                            self.nca_config.channels) for m in idx])
            self._reinit = (tf.constant(idx[:, None]), tf.constant(values.astype(self.dtype)))
        return self._reinit

    def _augment(self, state: TrainState, epoch: int) -> None:
        """Variant (b): reset trajectories ≥ 2 to trajectory 1, transform them, re-noise inputs."""
        tc, n_traj = self.train_config, self.n_trajectories
        rng = np.random.default_rng([tc.seed, epoch, 7])
        slots = np.array(state.inputs)  # a host copy (the slots may be tensors)
        inputs = slots.reshape((self.n_transitions, n_traj) + slots.shape[1:])
        true_targets = self.y[1:]
        targets = np.array(state.targets).reshape((self.n_transitions, n_traj) + tuple(state.targets.shape[1:]))
        for r, p in zip(range(2, n_traj), random_transforms(rng, n_traj - 2, tc.max_shift, tc.flip, tc.rotate)):
            inputs[:, r] = apply_transform(inputs[:, 1], p)
            targets[:, r] = apply_transform(true_targets[:, 1], p)
        if tc.input_noise:
            inputs[:] = blend(inputs, tc.input_noise, rng.random(inputs.shape))
        state.inputs = inputs.reshape(slots.shape).astype(self.dtype)
        state.targets = targets.reshape(slots.shape[:-1] + (targets.shape[-1],)).astype(self.dtype)
        state.initial_inputs = state.inputs[:n_traj].copy()

    # ------------------------------------------------------------ checkpoint
    def _checkpoint_path(self) -> Path | None:
        return None if self.checkpoint_dir is None else self.checkpoint_dir / "checkpoint.npz"

    def _save_checkpoint(self, state: TrainState) -> None:
        path = self._checkpoint_path()
        if path is not None:
            save_state(path, state, self.key)

    # ------------------------------------------------------------------ fit
    def fit(self, progress: bool = True, callback: Callable[[int, float], None] | None = None,
            snapshot_every: int = 0) -> TrainResult:
        """Train (or resume) and return the :class:`TrainResult`.

        Args:
            progress: show a tqdm bar (epoch, loss, best loss); False = silent.
            callback: called as ``callback(epoch, loss)`` after each epoch.
            snapshot_every: keep a copy of the weights after every this many epochs
                (``result.snapshots``; 0 = none), so that a model can be chosen afterwards by
                another criterion than the training loss (a rollout from an unseen IC, say).
        """
        tc = self.train_config
        path = self._checkpoint_path()
        state = (load_state(path, self.key) if path is not None else None) or self.initial_state()
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=tc.epochs, initial=state.epoch, desc="train", unit="epoch")
        select_from = int(np.ceil(tc.select_after * tc.epochs))
        while state.epoch < tc.epochs and not state.diverged:
            epoch = state.epoch
            t0 = time.perf_counter()
            if tc.augment_every and epoch % tc.augment_every == 0:
                self._augment(state, epoch)
            before = (state.inputs, state.params, state.optimiser)
            loss, xmax = self.run_epoch(state, epoch)
            if not np.isfinite(loss) or not np.isfinite(xmax) or xmax > tc.divergence_threshold:
                state.inputs, state.params, state.optimiser = before
                state.diverged, state.diverged_epoch = True, epoch
                state.losses.append(loss if np.isfinite(loss) else np.nan)
            else:
                state.losses.append(loss)
                select_best(state, loss, epoch, select_from, tc.select_requires_decrease)
            state.epoch = epoch + 1
            if snapshot_every and state.epoch % snapshot_every == 0 and not state.diverged:
                state.snapshots[state.epoch] = dict(state.params)
            state.seconds += time.perf_counter() - t0
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4g}", best=f"{min(state.best_loss, state.lowest_loss):.4g}")
            if callback is not None:
                callback(epoch, loss)
            if state.epoch % tc.checkpoint_every == 0 and state.epoch < tc.epochs and not state.diverged:
                self._save_checkpoint(state)
        if bar is not None:
            bar.close()
        self._save_checkpoint(state)
        if state.best_epoch < 0:  # nothing eligible (short or diverged run): fall back to the lowest loss
            state.best_params, state.best_loss = state.lowest_params, state.lowest_loss
            state.best_epoch = int(np.nanargmin(state.losses)) if np.isfinite(state.lowest_loss) else -1
        return TrainResult(
            nca_config=self.nca_config, train_config=tc, params=state.best_params, final_params=state.params,
            loss=np.asarray(state.losses, np.float64), best_epoch=int(state.best_epoch),
            best_loss=float(state.best_loss), diverged=bool(state.diverged),
            diverged_epoch=state.diverged_epoch, seconds=float(state.seconds), snapshots=state.snapshots,
        )


def train(nca_config: NCAConfig, train_config: TrainConfig, y: np.ndarray,
          checkpoint_dir: str | os.PathLike | None = None, progress: bool = True) -> TrainResult:
    """Convenience wrapper: ``Trainer(nca_config, train_config, y, checkpoint_dir).fit(progress)``."""
    return Trainer(nca_config, train_config, y, checkpoint_dir).fit(progress=progress)
