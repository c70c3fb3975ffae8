"""Tests for nca_core.data.morph: emoji assets, pairs and augmentation primitives."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nca_core.data import lattice
from nca_core.data import morph as D

ASSET_DIR = Path(D.__file__).resolve().parents[1] / "assets" / "emoji"


# --------------------------------------------------------------------------- assets
@pytest.mark.parametrize("name", sorted(D.EMOJI))
def test_shipped_png_is_120_rgba_and_not_blank(name):
    path = ASSET_DIR / f"{name}.png"
    assert path.is_file()
    with Image.open(path) as img:
        assert img.mode == "RGBA" and img.size == (120, 120)
        arr = np.array(img)
    assert arr.dtype == np.uint8
    coverage = (arr[..., 3] > 0).mean()
    assert 0.25 < coverage < 0.9
    # Glyph touches the crop box: alpha > 0 somewhere in the first/last row or column.
    alpha = arr[..., 3] > 0
    assert alpha.any(0).all() or alpha.any(1).all()
    assert arr[..., :3][alpha].std() > 10  # a coloured picture, not a flat blob


def test_license_and_images_differ():
    text = (ASSET_DIR / "LICENSE.md").read_text()
    assert "Apache" in text and "Noto" in text and "render_emoji.py" in text
    imgs = [D.load_emoji(n, 120) for n in sorted(D.EMOJI)]
    for i in range(3):
        for j in range(i + 1, 3):
            assert np.abs(imgs[i] - imgs[j]).mean() > 0.05


@pytest.mark.parametrize("name", sorted(D.EMOJI))
def test_load_emoji_strided_subsample(name):
    with Image.open(ASSET_DIR / f"{name}.png") as img:
        raw = np.array(img).astype(np.float32) / 255
    full = D.load_emoji(name, 120)
    small = D.load_emoji(name, 60)
    assert full.dtype == small.dtype == np.float32
    assert full.shape == (120, 120, 4) and small.shape == (60, 60, 4)
    np.testing.assert_array_equal(full, raw)
    np.testing.assert_array_equal(small, raw[::2, ::2])
    assert 0.0 <= small.min() and small.max() <= 1.0
    pm = D.load_emoji(name, 60, premultiply=True)
    np.testing.assert_allclose(pm[..., :3], small[..., :3] * small[..., 3:], rtol=1e-6)
    np.testing.assert_array_equal(pm[..., 3], small[..., 3])
    small[:] = 0  # returned arrays are fresh copies: mutating one changes nothing
    assert D.load_emoji(name, 60).max() > 0


def test_morph_frames_and_constants():
    assert D.MORPH_SEQUENCE == ("alien", "microbe", "rooster", "rooster")
    assert D.EMOJI == {"alien": "U+1F47E", "microbe": "U+1F9A0", "rooster": "U+1F413"}
    f = D.morph_frames()
    assert f.shape == (4, 60, 60, 4) and f.dtype == np.float32
    np.testing.assert_array_equal(f[1], D.load_emoji("microbe"))
    np.testing.assert_array_equal(f[2], f[3])


# --------------------------------------------------------------------------- lattice / pairs
def test_pad_lattice_and_channels():
    f = D.morph_frames()
    p = lattice.pad_lattice(f)
    assert p.shape == (4, 80, 80, 4) and p.dtype == np.float32
    np.testing.assert_array_equal(p[:, 10:70, 10:70], f)
    inner = np.zeros((80, 80), bool)
    inner[10:70, 10:70] = True
    assert not p[:, ~inner].any()
    assert lattice.pad_lattice(f, 0).shape == f.shape
    c = lattice.pad_channels(p, 16)
    assert c.shape == (4, 80, 80, 16)
    np.testing.assert_array_equal(c[..., :4], p)
    assert not c[..., 4:].any()


def test_make_pairs_time_major():
    t, r = 4, 3
    m_idx = np.arange(t)[:, None, None, None, None]
    r_idx = np.arange(r)[None, :, None, None, None]
    y = np.broadcast_to(10 * m_idx + r_idx, (t, r, 5, 6, 2)).astype(np.float32)
    x, yy = lattice.make_pairs(y)
    assert x.shape == yy.shape == ((t - 1) * r, 5, 6, 2)
    for m in range(t - 1):
        for k in range(r):
            assert np.all(x[m * r + k] == 10 * m + k)
            assert np.all(yy[m * r + k] == 10 * (m + 1) + k)


# --------------------------------------------------------------------------- transforms
def _marker(h=80, w=80, c=4, pos=(20, 55)):
    a = np.zeros((h, w, c), np.float32)
    a[pos] = 1.0
    return a


def test_shift_and_flip_exact():
    a = _marker()
    s = lattice.shift(a, 3, -7)
    assert s[23, 48].tolist() == [1.0] * 4 and s.sum() == 4
    wrap = lattice.shift(a, 70, 30)  # periodic
    assert wrap[(20 + 70) % 80, (55 + 30) % 80, 0] == 1
    assert lattice.flip(a, "rows")[80 - 1 - 20, 55, 0] == 1
    assert lattice.flip(a, "cols")[20, 80 - 1 - 55, 0] == 1
    batch = np.stack([a, 2 * a])  # leading axes untouched
    np.testing.assert_array_equal(lattice.shift(batch, 1, 2)[1], 2 * lattice.shift(a, 1, 2))


def test_rotate_right_angles_exact():
    rng = np.random.default_rng(0)
    a = rng.random((2, 80, 80, 5)).astype(np.float32)
    for k in range(-4, 9):
        np.testing.assert_array_equal(lattice.rotate(a, 90 * k), np.rot90(a, k, axes=(-3, -2)))
    np.testing.assert_array_equal(lattice.rotate(a, 360), a)
    np.testing.assert_array_equal(lattice.rotate(lattice.rotate(a, 90), -90), a)
    np.testing.assert_allclose(
        lattice._rotate_bilinear(a, 90.0), np.rot90(a, 1, axes=(-3, -2)), atol=1e-5
    )
    np.testing.assert_allclose(lattice._rotate_bilinear(a, 360.0), a, atol=1e-5)
    # counter-clockwise as displayed: top-right corner moves to the top-left corner
    m = _marker(pos=(0, 79))
    assert lattice.rotate(m, 90)[0, 0, 0] == 1


def test_rotate_bilinear_properties():
    rng = np.random.default_rng(1)
    a = rng.random((31, 47, 3)).astype(np.float32)  # non-square: 90 goes the generic path
    r = lattice.rotate(a, 90)
    assert r.shape == a.shape and r.dtype == np.float32
    r37 = lattice.rotate(a, 37)
    assert a.min() - 1e-6 <= r37.min() and r37.max() <= a.max() + 1e-6  # convex combos
    const = np.full((20, 20, 2), 0.3, np.float32)  # edge mode "nearest": no dark corners
    np.testing.assert_allclose(lattice.rotate(const, 45), const, atol=1e-6)
    # channels rotate alike
    np.testing.assert_allclose(r37[..., 1], lattice.rotate(a[..., 1:2], 37)[..., 0], atol=1e-7)


def _expected_rotated(pos, angle, h, w):
    ci, cj = (h - 1) / 2, (w - 1) / 2
    th = math.radians(angle)
    di, dj = pos[0] - ci, pos[1] - cj
    # forward map of the inverse mapping used by rotate
    return ci + math.cos(th) * di - math.sin(th) * dj, cj + math.sin(th) * di + math.cos(th) * dj


@pytest.mark.parametrize("seed", range(6))
def test_marker_pixel_same_transform_keeps_input_and_target_aligned(seed):
    rng = np.random.default_rng(seed)
    h = w = 80
    pos = tuple(int(v) for v in rng.integers(15, 65, size=2))
    x = np.zeros((h, w, 16), np.float32)  # input: observable + hidden channels
    y = np.zeros((h, w, 4), np.float32)  # target: observable channels
    x[pos] = 1.0
    y[pos] = 1.0
    p = lattice.random_transforms(rng, 1, 10, flip=True, rotate=True)[0]
    for angle in (p["angle"], 37.0, 90.0 * int(rng.integers(1, 4))):
        params = dict(p, angle=angle)
        tx, ty = lattice.apply_transform(x, params), lattice.apply_transform(y, params)
        np.testing.assert_array_equal(tx[..., :4], ty)  # aligned, all channels alike
        np.testing.assert_array_equal(tx[..., 4:], tx[..., :1].repeat(12, -1))
        fi, fj = pos
        if params["flip"] == "rows":
            fi = h - 1 - fi
        elif params["flip"] == "cols":
            fj = w - 1 - fj
        ei, ej = _expected_rotated((fi, fj), angle, h, w)
        ei, ej = ei + params["dy"], ej + params["dx"]
        got = np.unravel_index(np.argmax(ty[..., 0]), (h, w))
        if angle % 90 == 0:
            assert got == (round(ei) % h, round(ej) % w)
            assert ty[..., 0].max() == 1.0 and ty[..., 0].sum() == 1.0
        else:
            di = (got[0] - ei + h / 2) % h - h / 2  # periodic distance
            dj = (got[1] - ej + w / 2) % w - w / 2
            assert abs(di) <= 1 and abs(dj) <= 1


def test_random_transforms_ranges_and_seed():
    ps = lattice.random_transforms(np.random.default_rng(3), 2000, 10, flip=True, rotate=True)
    dys = np.array([p["dy"] for p in ps] + [p["dx"] for p in ps])
    assert dys.min() == -10 and dys.max() == 9
    flips = [p["flip"] for p in ps]
    assert set(flips) == {None, "rows", "cols"}
    assert 0.45 < flips.count(None) / len(ps) < 0.55
    angles = np.array([p["angle"] for p in ps])
    assert angles.min() >= 0 and angles.max() < 360 and np.all(angles == np.round(angles))
    plain = lattice.random_transforms(np.random.default_rng(3), 50, 5)
    assert all(p["flip"] is None and p["angle"] == 0 for p in plain)
    assert all(-5 <= p["dy"] <= 4 and -5 <= p["dx"] <= 4 for p in plain)
    assert plain == lattice.random_transforms(np.random.default_rng(3), 50, 5)
    assert lattice.random_transforms(np.random.default_rng(0), 3, 0)[0]["dy"] == 0


def test_add_input_noise():
    x = np.full((64, 64, 16), 0.5, np.float32)
    out = D.add_input_noise(x, 0.2, np.random.default_rng(0))
    assert out.dtype == np.float32 and out.shape == x.shape
    assert 0.4 - 1e-6 <= out.min() and out.max() <= 0.6 + 1e-6
    assert abs(out.mean() - 0.5) < 2e-3 and out.std() > 0.05
    np.testing.assert_array_equal(out, D.add_input_noise(x, 0.2, np.random.default_rng(0)))
    np.testing.assert_array_equal(D.add_input_noise(x, 0.0, np.random.default_rng(0)), x)
    pure = D.add_input_noise(x, 1.0, np.random.default_rng(0))
    assert abs(pure.mean() - 0.5) < 5e-3 and pure.min() >= 0 and pure.max() < 1


def test_emoji_trajectories_variant_a():
    y, params = D.emoji_trajectories(seed=5)
    assert y.shape == (4, 8, 80, 80, 4) and y.dtype == np.float32 and len(params) == 8
    base = lattice.pad_lattice(D.morph_frames())
    for r, p in enumerate(params):
        assert -10 <= p["dy"] <= 9 and -10 <= p["dx"] <= 9
        np.testing.assert_array_equal(y[:, r], np.roll(base, (p["dy"], p["dx"]), (-3, -2)))
    y2, params2 = D.emoji_trajectories(seed=5)
    np.testing.assert_array_equal(y, y2)
    assert params == params2
    assert params != D.emoji_trajectories(seed=6)[1]
    x, t = lattice.make_pairs(y)
    assert x.shape == (24, 80, 80, 4)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "call, param",
    [
        (lambda: D.load_emoji("cat"), "name"),
        (lambda: D.load_emoji("alien", size=64), "size"),
        (lambda: D.morph_frames(["alien", "dog"]), "name"),
        (lambda: D.morph_frames([]), "names"),
        (lambda: lattice.pad_lattice(np.zeros((4, 4, 1)), -1), "pad"),
        (lambda: lattice.pad_lattice(np.zeros((4, 4)), 1), "frames"),
        (lambda: lattice.make_pairs(np.zeros((1, 2, 4, 4, 1))), "y"),
        (lambda: lattice.make_pairs(np.zeros((3, 4, 4, 1))), "y"),
        (lambda: lattice.pad_channels(np.zeros((4, 4, 8)), 4), "channels"),
        (lambda: lattice.shift(np.zeros((4, 4, 1)), 1.5, 0), "dy"),
        (lambda: lattice.flip(np.zeros((4, 4, 1)), "diag"), "axis"),
        (lambda: lattice.rotate(np.zeros((4, 4, 1)), float("nan")), "angle_deg"),
        (lambda: lattice.rotate(np.zeros((4, 4)), 10), "^a has shape"),
        (lambda: lattice.random_transforms(np.random.default_rng(), -1, 10), "n"),
        (lambda: lattice.random_transforms(np.random.default_rng(), 1, -2), "max_shift"),
        (lambda: lattice.random_transforms(42, 1, 2), "rng"),
        (lambda: lattice.apply_transform(np.zeros((4, 4, 1)), {"flip": "x"}), "flip"),
        (lambda: lattice.apply_transform(np.zeros((4, 4, 1)), {"scale": 2}), "params"),
        (lambda: D.add_input_noise(np.zeros(3), 1.5, np.random.default_rng()), "amount"),
        (lambda: D.add_input_noise(np.zeros(3), -0.1, np.random.default_rng()), "amount"),
        (lambda: D.emoji_trajectories(copies=0), "copies"),
        (lambda: D.emoji_trajectories(seed=-1), "seed"),
    ],
)
def test_bad_arguments_raise_value_error_naming_parameter(call, param):
    with pytest.raises(ValueError, match=param):
        call()
