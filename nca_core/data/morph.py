"""The emoji images of the morph task and its training sequence (NumPy only); the lattice transforms
it uses are in :mod:`nca_core.data.lattice`.

Arrays follow the layout ``[..., row, col, channel]``; the spatial axes are -3 (rows,
top to bottom) and -2 (columns, left to right). All array outputs are float32.

The emoji images (paper-spec §4) ship as 120×120 straight-alpha RGBA PNGs rendered
from Google's Noto Color Emoji (Apache 2.0, see ``assets/emoji/LICENSE.md``).
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Sequence

import numpy as np
from PIL import Image

from nca_core import validate
from nca_core.data.lattice import _is_int, pad_lattice, random_transforms, shift
from nca_core.data.noise import blend

EMOJI: dict[str, str] = {"alien": "U+1F47E", "microbe": "U+1F9A0", "rooster": "U+1F413"}
MORPH_SEQUENCE = ("alien", "microbe", "rooster", "rooster")
_SIZES = (60, 120)


@functools.lru_cache(maxsize=None)
def _read_png(name: str) -> np.ndarray:
    ref = importlib.resources.files("nca_core") / "assets" / "emoji" / f"{name}.png"
    with ref.open("rb") as fh, Image.open(fh) as img:
        if img.mode != "RGBA" or img.size != (120, 120):
            raise ValueError(f"{name}.png={img.size} {img.mode} is not accepted; accepted: 120x120 RGBA")
        arr = np.array(img, dtype=np.uint8)
    arr.setflags(write=False)
    return arr


def load_emoji(name: str, size: int = 60, premultiply: bool = False) -> np.ndarray:
    """Load one shipped emoji as a float32 RGBA image in [0, 1].

    The 120×120 PNG bytes are divided by 255. For ``size=60`` the image is subsampled
    by taking every second row and column starting at 0, ``img[::2, ::2]``, with no
    averaging (paper-spec §4). Alpha is straight unless ``premultiply`` is set, in
    which case ``rgb ← rgb · α``.

    Args:
        name: one of ``EMOJI`` ("alien", "microbe", "rooster").
        size: 60 (strided subsample) or 120 (full resolution).
        premultiply: multiply the RGB channels by alpha.

    Returns:
        Array of shape ``[size, size, 4]``, float32.

    Raises:
        ValueError: if ``name`` or ``size`` is not accepted.
    """
    if name not in EMOJI:
        raise ValueError(f"name={name!r} is not accepted; accepted: one of {sorted(EMOJI)}")
    if not _is_int(size) or size not in _SIZES:
        raise ValueError(f"size={size!r} is not accepted; accepted: 60 or 120")
    img = _read_png(name).astype(np.float32) / np.float32(255.0)
    if size == 60:
        img = np.ascontiguousarray(img[::2, ::2])
    if premultiply:
        img[..., :3] *= img[..., 3:4]
    return img


def morph_frames(
    names: Sequence[str] = MORPH_SEQUENCE, size: int = 60, premultiply: bool = False
) -> np.ndarray:
    """Stack emoji frames into a sequence ``[T, size, size, 4]`` (see :func:`load_emoji`).

    Raises:
        ValueError: if ``names`` is empty or a string, or a name/size is not accepted.
    """
    if isinstance(names, str) or len(names) == 0:
        raise ValueError(f"names={names!r} is not accepted; accepted: a non-empty sequence of {sorted(EMOJI)}")
    return np.stack([load_emoji(n, size, premultiply) for n in names])


def add_input_noise(x: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """Blend uniform noise into inputs: ``(1 − a)·x + a·U(0, 1)`` elementwise, all channels.

    Raises:
        ValueError: if ``amount`` is outside [0, 1] or ``rng`` is not a Generator.
    """
    arr = np.asarray(x, dtype=np.float32)
    if isinstance(amount, (bool, np.bool_)) or not isinstance(
        amount, (int, float, np.integer, np.floating)
    ) or not 0.0 <= amount <= 1.0:
        raise ValueError(f"amount={amount!r} is not accepted; accepted: a number in [0, 1]")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng={type(rng).__name__} is not accepted; accepted: a numpy.random.Generator")
    a = np.float32(amount)
    noise = rng.random(arr.shape, dtype=np.float32)
    return blend(arr, a, noise).astype(np.float32)


def emoji_trajectories(
    names: Sequence[str] = MORPH_SEQUENCE,
    copies: int = 8,
    pad: int = 10,
    max_shift: int = 10,
    seed: int = 0,
    premultiply: bool = False,
) -> tuple[np.ndarray, list[dict]]:
    """Shift-augmented emoji trajectories, variant (a) of spec §4 (Figs 8, 9).

    The 60×60 frames are zero-padded by ``pad`` (80×80 for ``pad=10``); trajectory
    ``r`` is the whole sequence periodically rolled by one shift ``(dy_r, dx_r)`` drawn
    by ``random_transforms(np.random.default_rng(seed), copies, max_shift)``, the same
    for all frames and fixed for the run (trajectory 0 included).

    Returns:
        ``(y, params)``: ``y`` of shape ``[T, copies, H, W, 4]`` float32 and the list of
        ``copies`` transform dicts (only ``dy``/``dx`` non-trivial).

    Raises:
        ValueError: for a bad name, ``copies < 1``, ``pad < 0``, ``max_shift < 0`` or a
            ``seed`` that is not a non-negative integer.
    """
    copies = validate.integer("copies", copies, 1)
    seed = validate.integer("seed", seed, 0)
    frames = pad_lattice(morph_frames(names, 60, premultiply), pad)
    params = random_transforms(np.random.default_rng(seed), copies, max_shift)
    y = np.stack([shift(frames, p["dy"], p["dx"]) for p in params], axis=1)
    return y.astype(np.float32, copy=False), params
