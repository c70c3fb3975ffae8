"""Trainer: gradient correctness, learning, propagation semantics, divergence, resume, validation."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from nca_core.core.checkpoint import load_state
from nca_core.core.config import NCAConfig, TrainConfig
from nca_core.core.kernels import LAP, correlate_numpy
from nca_core.core.model import PARAM_NAMES
from nca_core.core.result import TrainResult
from nca_core.core.train import Trainer, train

HEAT_NCA = dict(channels=4, observable=1, kernel_set="ID_LAP", activation="relu", fire_rate=1.0, boundary="periodic")
QUICK = dict(chunk_size=None, state_reg=0.0, select_after=0.0, select_requires_decrease=False)


def heat_data(R=3, T=5, t=2, S=16, D=0.15, seed=0):
    """Trajectories of the heat equation (one Euler step = u + D·LAP u) from smooth random fields."""
    rng = np.random.default_rng(seed)
    u = rng.random((R, S, S))
    for _ in range(3):
        u = u + 0.2 * correlate_numpy(u, LAP)
    frames = [u]
    for _ in range(T - 1):
        for _ in range(t):
            u = u + D * correlate_numpy(u, LAP)
        frames.append(u)
    return np.stack(frames)[..., None].astype("float32")


def test_training_lowers_loss_by_a_large_factor():
    y = heat_data()
    res = train(NCAConfig(**HEAT_NCA), TrainConfig(t=2, epochs=300, lr=3e-3, **QUICK), y, progress=False)
    assert not res.diverged
    assert len(res.loss) == 300
    # epoch 0 is evaluated with the initial (identity) map
    assert res.min_loss < res.loss[0] / 4, (res.loss[0], res.min_loss)
    assert res.best_loss == pytest.approx(res.min_loss)


def test_gradient_matches_finite_differences():
    """The compiled BPTT gradient of the full training loss (with regulariser) vs central differences."""
    rng = np.random.default_rng(3)
    nc = NCAConfig(channels=3, observable=2, kernel_set="ID_DIFF_LAP", activation="tanh", fire_rate=0.5,
                   boundary="zero", dtype="float64")
    tc = TrainConfig(t=3, epochs=1, chunk_size=None, state_reg=0.5)
    y = rng.random((3, 2, 6, 6, 2))
    tr = Trainer(nc, tc, y)
    params = [tf.constant(rng.normal(0, 0.3, s)) for s in [(12, 12), (12, 3), (3,)]]
    x = tf.constant(rng.random((2, 6, 6, 3)) * 1.4 - 0.2)  # some values outside [0,1]: regulariser active
    yb = tf.constant(y[1])
    seed = tf.constant([5, 9], tf.int64)
    grads, _, _, _ = tr.grads_fn(params, x, yb, seed)

    # evaluated under XLA like the training step: the stateless mask draws differ between eager and XLA
    loss_xla = tf.function(lambda ps: tr.loss_fn(ps, x, yb, seed)[0], jit_compile=True)

    def total(ps):
        return float(loss_xla(ps))

    eps = 1e-6
    for i in range(3):
        for _ in range(4):
            idx = tuple(rng.integers(0, n) for n in params[i].shape)
            plus = [p.numpy().copy() for p in params]
            minus = [p.numpy().copy() for p in params]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            fd = (total([tf.constant(p) for p in plus]) - total([tf.constant(p) for p in minus])) / (2 * eps)
            assert grads[i].numpy()[idx] == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_epoch_propagates_and_reinitialises():
    """Identity initial map: after one epoch slot m+1 holds slot m's input, trajectory 0 the truth."""
    y = heat_data(R=3, T=4)
    tr = Trainer(NCAConfig(**HEAT_NCA), TrainConfig(t=2, epochs=1, **QUICK), y)
    st = tr.initial_state()
    X_before = st.inputs.copy()
    tr.run_epoch(st, 0)
    R, M = 3, 3
    X = np.asarray(st.inputs).reshape(M, R, 16, 16, 4)  # the slots stay tensors between epochs
    Xb = X_before.reshape(M, R, 16, 16, 4)
    np.testing.assert_array_equal(X[0], Xb[0])  # slot 0 keeps the initial conditions
    for m in range(1, M):
        np.testing.assert_allclose(X[m, 0, ..., :1], y[m, 0], atol=0)  # re-initialised to the truth
        np.testing.assert_array_equal(X[m, 0, ..., 1:], 0)  # hidden channels zeroed
        np.testing.assert_allclose(X[m, 1:], Xb[m - 1, 1:], atol=1e-6)  # propagated (identity map)


def test_chunks_drop_the_remainder_and_update_per_chunk():
    y = heat_data(R=3, T=5)  # 12 samples, chunks of 5 -> 2 updates per epoch, 2 samples untrained
    tr = Trainer(NCAConfig(**HEAT_NCA), TrainConfig(t=1, epochs=3, **{**QUICK, "chunk_size": 5}), y)
    assert (tr.n_chunks, tr.chunk) == (2, 5)
    st = tr.initial_state()
    tr.run_epoch(st, 0)
    assert int(st.optimiser["iterations"]) == 2
    acc = Trainer(NCAConfig(**HEAT_NCA), TrainConfig(t=1, epochs=3, accumulate=True, **{**QUICK, "chunk_size": 5}), y)
    st = acc.initial_state()
    acc.run_epoch(st, 0)
    assert int(st.optimiser["iterations"]) == 1  # Algorithm 2: one update per epoch


def test_same_seed_same_result_and_different_seed_differs():
    y = heat_data()
    nc = NCAConfig(**{**HEAT_NCA, "fire_rate": 0.5})
    a = train(nc, TrainConfig(t=2, epochs=5, seed=1, **QUICK), y, progress=False)
    b = train(nc, TrainConfig(t=2, epochs=5, seed=1, **QUICK), y, progress=False)
    c = train(nc, TrainConfig(t=2, epochs=5, seed=2, **QUICK), y, progress=False)
    np.testing.assert_array_equal(a.loss, b.loss)
    for k in PARAM_NAMES:
        np.testing.assert_array_equal(a.final_params[k], b.final_params[k])
    assert not np.array_equal(a.loss, c.loss)


def test_divergence_is_recorded_not_raised():
    y = heat_data()
    res = train(NCAConfig(**HEAT_NCA), TrainConfig(t=2, epochs=40, lr=50.0, **QUICK), y, progress=False)
    assert res.diverged
    assert res.diverged_epoch is not None and res.diverged_epoch < 40
    assert len(res.loss) == res.diverged_epoch + 1
    for v in res.params.values():
        assert np.all(np.isfinite(v))
    # the kept model is usable
    traj = res.model().rollout(y[0, 0], steps=4)
    assert np.all(np.isfinite(traj))


def test_resume_after_interruption_is_exact(tmp_path):
    y = heat_data()
    nc = NCAConfig(**{**HEAT_NCA, "fire_rate": 0.5})
    tc = TrainConfig(t=2, epochs=7, checkpoint_every=2, seed=3, **QUICK)
    straight = train(nc, tc, y, checkpoint_dir=tmp_path / "a", progress=False)

    class Stop(Exception):
        pass

    def killer(epoch, loss):
        if epoch == 4:
            raise Stop

    with pytest.raises(Stop):
        Trainer(nc, tc, y, checkpoint_dir=tmp_path / "b").fit(progress=False, callback=killer)
    seen = []
    resumed = Trainer(nc, tc, y, checkpoint_dir=tmp_path / "b").fit(progress=False,
                                                                     callback=lambda epoch, loss: seen.append(epoch))
    assert seen[0] == 4  # resumed from the checkpoint written after epoch 3
    np.testing.assert_array_equal(straight.loss, resumed.loss)
    for k in PARAM_NAMES:
        np.testing.assert_array_equal(straight.final_params[k], resumed.final_params[k])
        np.testing.assert_array_equal(straight.params[k], resumed.params[k])
    # a different configuration does not pick up that checkpoint
    other = Trainer(nc, TrainConfig(t=2, epochs=7, checkpoint_every=2, seed=4, **QUICK), y,
                    checkpoint_dir=tmp_path / "b")
    assert load_state(other.checkpoint_dir / "checkpoint.npz", other.key) is None


def test_truncated_checkpoint_restarts_cleanly(tmp_path):
    y = heat_data()
    tc = TrainConfig(t=2, epochs=3, **QUICK)
    ref = train(NCAConfig(**HEAT_NCA), tc, y, progress=False)
    (tmp_path / "checkpoint.npz").write_bytes(b"PK\x03\x04 truncated")
    res = train(NCAConfig(**HEAT_NCA), tc, y, checkpoint_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(ref.loss, res.loss)


def test_result_save_load_round_trip(tmp_path):
    y = heat_data()
    res = train(NCAConfig(**HEAT_NCA), TrainConfig(t=2, epochs=3, **QUICK), y, progress=False)
    res.save(tmp_path / "r")
    back = TrainResult.load(tmp_path / "r")
    np.testing.assert_array_equal(back.loss, res.loss)
    assert back.train_config == res.train_config and back.nca_config == res.nca_config
    for k in PARAM_NAMES:
        np.testing.assert_array_equal(back.params[k], res.params[k])
    a = res.model().rollout(y[0, 0], steps=5, seed=2)
    b = back.model().rollout(y[0, 0], steps=5, seed=2)
    np.testing.assert_array_equal(a, b)


def test_noise_regulariser_and_augmentation_paths_run():
    y = heat_data(R=4)
    res = train(NCAConfig(**HEAT_NCA), TrainConfig(t=2, epochs=4, data_noise=0.2, state_reg=0.01, chunk_size=4,
                                                   select_after=0.0), y, progress=False)
    assert np.all(np.isfinite(res.loss))
    res = train(NCAConfig(**HEAT_NCA), TrainConfig(t=2, epochs=4, augment_every=2, max_shift=3, flip=True, rotate=True,
                                                   input_noise=1e-3, **QUICK), y, progress=False)
    assert np.all(np.isfinite(res.loss))


def test_recompute_gives_the_same_gradient():
    y = heat_data()
    nc = NCAConfig(**HEAT_NCA)
    a = Trainer(nc, TrainConfig(t=4, epochs=1, **QUICK), y)
    b = Trainer(nc, TrainConfig(t=4, epochs=1, recompute=2, **QUICK), y)
    rng = np.random.default_rng(0)
    params = [tf.constant(rng.normal(0, 0.1, s).astype("float32")) for s in [(8, 16), (16, 4), (4,)]]
    x = tf.constant(np.concatenate([y[0], np.zeros(y[0].shape[:-1] + (3,), "float32")], -1))
    seed = tf.constant([0, 1], tf.int64)
    ga = a.grads_fn(params, x, tf.constant(y[1]), seed)[0]
    gb = b.grads_fn(params, x, tf.constant(y[1]), seed)[0]
    for u, v in zip(ga, gb):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    "field,value",
    [("t", 0), ("epochs", 0), ("lr", 0.0), ("chunk_size", 0), ("state_reg", -1.0), ("data_noise", 1.5),
     ("input_noise", -0.1), ("select_after", 2.0), ("recompute", 3), ("accumulate", "yes"), ("seed", -1)],
)
def test_train_config_rejects_bad_values(field, value):
    kw = {"t": 4, field: value}
    with pytest.raises(ValueError, match=field):
        TrainConfig(**kw)


def test_trainer_rejects_bad_data_and_writes_nothing(tmp_path):
    nc = NCAConfig(**HEAT_NCA)
    ck = tmp_path / "ck"
    with pytest.raises(ValueError, match="y has shape"):
        Trainer(nc, TrainConfig(t=2, **QUICK), np.zeros((1, 2, 8, 8, 1)), checkpoint_dir=ck)
    with pytest.raises(ValueError, match="y has shape"):
        Trainer(nc, TrainConfig(t=2, **QUICK), np.zeros((3, 2, 8, 8, 2)), checkpoint_dir=ck)
    with pytest.raises(ValueError, match="chunk_size"):
        Trainer(nc, TrainConfig(t=2, chunk_size=64), heat_data(), checkpoint_dir=ck)
    bad = heat_data()
    bad[1, 0, 3, 3, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        Trainer(nc, TrainConfig(t=2, **QUICK), bad, checkpoint_dir=ck)
    assert not ck.exists()


def test_micro_batches_give_the_chunk_gradient():
    """Summing micro-batch gradients (the CPU speed-up) equals the whole chunk's gradient."""
    y = heat_data(R=4, T=5)  # 16 samples
    nc = NCAConfig(**HEAT_NCA)
    tc = TrainConfig(t=2, epochs=1, state_reg=0.1, chunk_size=16, select_after=0.0)
    whole = Trainer(nc, tc, y, micro_batch=None)
    split = Trainer(nc, tc, y, micro_batch=4)
    rng = np.random.default_rng(1)
    params = [tf.constant(rng.normal(0, 0.2, s).astype("float32")) for s in [(8, 16), (16, 4), (4,)]]
    st = whole.initial_state()
    x, yb = tf.constant(st.inputs), tf.constant(st.targets)
    seed = tf.constant([0, 3], tf.int64)
    ga, la, xa, _ = whole._chunk_grads(params, x, yb, seed)
    gb, lb, xb, _ = split._chunk_grads(params, x, yb, seed)
    assert float(la) == pytest.approx(float(lb), rel=1e-5)
    np.testing.assert_allclose(xa.numpy(), xb.numpy(), atol=1e-6)
    for u, v in zip(ga, gb):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-4, atol=1e-6)


def test_reported_train_loss_skips_the_burn_in():
    loss = np.array([1.0, 9.0, 5.0, 3.0, np.nan, 4.0])
    res = TrainResult(NCAConfig(**HEAT_NCA), TrainConfig(t=2, epochs=6, select_after=0.34), {}, {}, loss, 3, 3.0)
    assert res.min_loss == 1.0  # epoch 0: the untrained identity map
    assert res.train_loss == 3.0  # minimum over epochs >= ceil(0.34 * 6) = 3, NaN ignored


def test_learning_rate_schedules_follow_their_formulas():
    from nca_core.core.config import learning_rate

    const = TrainConfig(t=4, epochs=11, lr=2e-3)
    assert np.all(const.learning_rates() == 2e-3)
    cos = TrainConfig(t=4, epochs=12, lr=2e-3, lr_schedule="cosine", warmup=3, lr_min=1e-4)
    lrs = cos.learning_rates()
    np.testing.assert_allclose(lrs[:3], [2e-3 / 3, 4e-3 / 3, 2e-3])  # linear warm-up ends at the peak
    assert lrs[-1] == pytest.approx(1e-4)  # the floor at the last epoch
    assert lrs[3] == 2e-3  # the decay starts at the peak
    assert lrs[7] == pytest.approx((2e-3 + 1e-4) / 2)  # half way (epochs 3..11): the mean of peak and floor
    assert np.all(np.diff(lrs[3:]) < 0)
    exp = TrainConfig(t=4, epochs=11, lr=1e-3, lr_schedule="exponential", lr_min=1e-5)
    lrs = exp.learning_rates()
    np.testing.assert_allclose(lrs, 1e-3 * 0.01 ** (np.arange(11) / 10))  # geometric from peak to floor
    assert learning_rate(exp, 5) == pytest.approx(1e-4)


def test_constant_rate_configs_hash_as_before_schedules_existed():
    from nca_core.core.checkpoint import config_hash

    d = TrainConfig(t=4).to_dict()
    assert not {"lr_schedule", "warmup", "lr_min"} & set(d)
    assert TrainConfig.from_dict(d) == TrainConfig(t=4)
    s = TrainConfig(t=4, lr_schedule="cosine", warmup=2)
    assert s.to_dict()["lr_schedule"] == "cosine" and TrainConfig.from_dict(s.to_dict()) == s
    assert config_hash(s.to_dict()) != config_hash(d)


def test_each_epoch_steps_with_its_scheduled_rate():
    """Nadam's first step is linear in the rate: in epoch 0 of a 4-epoch warm-up the step is a quarter."""
    from nca_core.core.model import init_params

    y = heat_data()
    nc = NCAConfig(**HEAT_NCA)
    base = dict(t=2, lr=3e-3, **QUICK)  # chunk_size=None: one Nadam step per epoch
    p0 = init_params(nc, 0)
    full = train(nc, TrainConfig(epochs=1, **base), y, progress=False)
    warm = train(nc, TrainConfig(epochs=5, warmup=4, **base), y, progress=False)
    first = Trainer(nc, TrainConfig(epochs=5, warmup=4, **base), y)
    st = first.initial_state()
    first.run_epoch(st, 0)
    for k in ("w_out", "b_out"):  # w_hidden's gradient is 0 while w_out is at its zero initialisation
        step_full = full.final_params[k] - p0[k]
        assert np.abs(step_full).max() > 0
        np.testing.assert_allclose(st.params[k] - p0[k], step_full / 4, rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(warm.lr, [0.75e-3, 1.5e-3, 2.25e-3, 3e-3, 3e-3])


def test_snapshots_are_the_weights_of_shorter_runs_and_survive_save_and_resume(tmp_path):
    y = heat_data()
    nc = NCAConfig(**HEAT_NCA)
    tc = TrainConfig(t=2, epochs=5, lr=3e-3, checkpoint_every=2, **QUICK)
    res = Trainer(nc, tc, y).fit(progress=False, snapshot_every=2)
    assert sorted(res.snapshots) == [2, 4]
    four = train(nc, TrainConfig(t=2, epochs=4, lr=3e-3, **QUICK), y, progress=False)
    for k in PARAM_NAMES:
        np.testing.assert_array_equal(res.snapshots[4][k], four.final_params[k])
    back = TrainResult.load(res.save(tmp_path / "m"))
    for e in (2, 4):
        for k in PARAM_NAMES:
            np.testing.assert_array_equal(back.snapshots[e][k], res.snapshots[e][k])

    class Stop(Exception):
        pass

    def killer(epoch, loss):
        if epoch == 2:
            raise Stop

    with pytest.raises(Stop):
        Trainer(nc, tc, y, checkpoint_dir=tmp_path / "c").fit(progress=False, callback=killer, snapshot_every=2)
    resumed = Trainer(nc, tc, y, checkpoint_dir=tmp_path / "c").fit(progress=False, snapshot_every=2)
    assert sorted(resumed.snapshots) == [2, 4]
    np.testing.assert_array_equal(resumed.snapshots[2]["w_out"], res.snapshots[2]["w_out"])
