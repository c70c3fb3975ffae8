"""Lattices as arrays ``[..., H, W, C]``: padding, (input, target) pairs, and the transforms that shift,
mirror and turn them (the augmentations of the trainer, the symmetries of the lattice).

Nothing here knows a task: the morph images (:mod:`nca_core.data.morph`) and the trainer
(:mod:`nca_core.core.train`) both use these.
"""

from __future__ import annotations

import math

import numpy as np

from nca_core import validate

_FLIPS = (None, "rows", "cols")
_PARAM_KEYS = ("dy", "dx", "flip", "angle")
#: the named transforms of the symmetry analysis (Fig 12): the identity, the three lattice rotations,
#: both mirror images, and a 45° rotation that does not map the lattice onto itself
SYMMETRY_TRANSFORMS = ("identity", "rot90", "rot180", "rot270", "flip_rows", "flip_cols", "rot45")


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _float(arr: np.ndarray) -> np.ndarray:
    """``arr`` as it is if it holds floats (float32 or float64 stay so), else as float32."""
    return arr if np.issubdtype(arr.dtype, np.floating) else arr.astype(np.float32)


def _spatial(name: str, a: object, min_ndim: int = 3) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim < min_ndim or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(
            f"{name} has shape {arr.shape} and dtype {arr.dtype}; accepted: a numeric array [..., H, W, C] "
            f"with at least {min_ndim} dimensions"
        )
    return arr.astype(np.float32, copy=False)


def pad_lattice(frames: np.ndarray, pad: int = 10) -> np.ndarray:
    """Zero-pad the spatial axes (-3, -2) by ``pad`` cells on every side.

    A 60×60 image with ``pad=10`` becomes 80×80; all channels are 0 in the border.

    Raises:
        ValueError: if ``pad`` < 0 or ``frames`` has fewer than 3 dimensions.
    """
    pad = validate.integer("pad", pad, 0)
    arr = _spatial("frames", frames)
    widths = [(0, 0)] * arr.ndim
    widths[-3] = widths[-2] = (pad, pad)
    return np.pad(arr, widths)


def make_pairs(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Turn trajectories ``y[m, r]`` into flattened (input, target) pairs (spec §2.1).

    With ``M = T - 1``, sample ``m·R + r`` (time-major) has input ``X = y[m, r]`` and
    target ``Y = y[m+1, r]`` for :math:`m = 0 \dots M-1`.

    Args:
        y: array ``[T, R, H, W, C]`` with ``T >= 2``.

    Returns:
        ``(X, Y)``, each ``[M·R, H, W, C]``, in ``y``'s float type (float32 for other types).

    Raises:
        ValueError: if ``y`` is not 5-D or ``T < 2``.
    """
    arr = np.asarray(y)
    if arr.ndim != 5 or arr.shape[0] < 2:
        raise ValueError(f"y has shape {arr.shape}; accepted: [T >= 2, R, H, W, C]")
    arr = _float(arr)
    flat = lambda z: z.reshape((-1,) + arr.shape[2:])  # noqa: E731
    return flat(arr[:-1]).copy(), flat(arr[1:]).copy()


def pad_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """Zero-pad the last axis up to ``channels`` (hidden channels start at 0).

    Raises:
        ValueError: if ``x`` already has more than ``channels`` channels.
    """
    arr = _float(np.asarray(x))
    if arr.ndim < 1:
        raise ValueError(f"x has shape {arr.shape}; accepted: at least one dimension")
    channels = validate.integer("channels", channels, 1)
    if arr.shape[-1] > channels:
        raise ValueError(
            f"channels={channels} is not accepted; accepted: >= the {arr.shape[-1]} channels of x"
        )
    return np.pad(arr, [(0, 0)] * (arr.ndim - 1) + [(0, channels - arr.shape[-1])])


def shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Periodically roll the spatial axes by ``(dy, dx)`` (``np.roll`` semantics).

    Positive ``dy`` moves content down, positive ``dx`` moves it right.
    """
    arr = _spatial("a", a)
    for name, v in (("dy", dy), ("dx", dx)):
        if not _is_int(v):
            raise ValueError(f"{name}={v!r} is not accepted; accepted: an integer")
    return np.roll(arr, (int(dy), int(dx)), axis=(-3, -2))


def flip(a: np.ndarray, axis: str) -> np.ndarray:
    """Mirror the lattice: ``"rows"`` reverses axis -3 (upside down), ``"cols"`` axis -2."""
    arr = _spatial("a", a)
    if axis not in ("rows", "cols"):
        raise ValueError(f"axis={axis!r} is not accepted; accepted: 'rows' or 'cols'")
    return np.flip(arr, axis=-3 if axis == "rows" else -2).copy()


def _rotate_bilinear(arr: np.ndarray, angle_deg: float) -> np.ndarray:
    """Generic inverse-mapping bilinear rotation (order 1, edge mode "nearest")."""
    h, w = arr.shape[-3], arr.shape[-2]
    theta = math.radians(angle_deg)
    c, s = math.cos(theta), math.sin(theta)
    di = np.arange(h, dtype=np.float64)[:, None] - (h - 1) / 2.0
    dj = np.arange(w, dtype=np.float64)[None, :] - (w - 1) / 2.0
    # Counter-clockwise as displayed: output cell (i, j) samples the input at
    # (ci + cos·di + sin·dj, cj − sin·di + cos·dj).
    src_i = (h - 1) / 2.0 + c * di + s * dj
    src_j = (w - 1) / 2.0 - s * di + c * dj
    i0, j0 = np.floor(src_i), np.floor(src_j)
    fi = (src_i - i0).astype(np.float32)[..., None]
    fj = (src_j - j0).astype(np.float32)[..., None]
    i0, j0 = i0.astype(np.intp), j0.astype(np.intp)
    i_lo, i_hi = np.clip(i0, 0, h - 1), np.clip(i0 + 1, 0, h - 1)
    j_lo, j_hi = np.clip(j0, 0, w - 1), np.clip(j0 + 1, 0, w - 1)
    top = (1 - fj) * arr[..., i_lo, j_lo, :] + fj * arr[..., i_lo, j_hi, :]
    bottom = (1 - fj) * arr[..., i_hi, j_lo, :] + fj * arr[..., i_hi, j_hi, :]
    return ((1 - fi) * top + fi * bottom).astype(np.float32)


def rotate(a: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate the lattice counter-clockwise (as displayed, row 0 at top) about its centre.

    The centre is ``((H-1)/2, (W-1)/2)``; output has the input's shape (scipy
    ``ndimage.rotate(..., order=1, reshape=False, mode="nearest")`` semantics). Each
    output cell ``(i, j)`` takes the bilinear interpolation of the input at

    .. math:: (c_i + \\cos\\theta\\,\\delta_i + \\sin\\theta\\,\\delta_j,\\;
              c_j - \\sin\\theta\\,\\delta_i + \\cos\\theta\\,\\delta_j),

    with ``δ = (i, j) − c``; neighbour indices outside the lattice are clamped to the
    edge. Multiples of 90° are done exactly with ``np.rot90`` (for 90°/270° only when
    ``H == W``, since otherwise the shape would change). All channels alike.

    Raises:
        ValueError: if ``angle_deg`` is not a finite real number.
    """
    arr = _spatial("a", a)
    if isinstance(angle_deg, (bool, np.bool_)) or not isinstance(
        angle_deg, (int, float, np.integer, np.floating)
    ) or not math.isfinite(angle_deg):
        raise ValueError(f"angle_deg={angle_deg!r} is not accepted; accepted: a finite number of degrees")
    if float(angle_deg) % 90.0 == 0.0:
        k = int(round(float(angle_deg) / 90.0)) % 4
        if k % 2 == 0 or arr.shape[-3] == arr.shape[-2]:
            return np.rot90(arr, k, axes=(-3, -2)).copy()
    return _rotate_bilinear(arr, float(angle_deg))


def named_transform(a: np.ndarray, name: str) -> np.ndarray:
    """``a[..., H, W, c]`` transformed by ``name``, one of :data:`SYMMETRY_TRANSFORMS`.

    ``rotK`` turns counter-clockwise as displayed by K degrees (:func:`rotate`: multiples of 90
    exactly on a square lattice, 45 by bilinear interpolation about the centre); ``flip_rows``
    turns it upside down, ``flip_cols`` mirrors it left to right.

    Raises:
        ValueError: for a name not in :data:`SYMMETRY_TRANSFORMS`.
    """
    if name not in SYMMETRY_TRANSFORMS:
        raise ValueError(f"transform={name!r} is not accepted; accepted: one of {', '.join(SYMMETRY_TRANSFORMS)}")
    if name == "identity":
        return np.array(_spatial("a", a), copy=True)
    if name.startswith("flip_"):
        return flip(a, name[5:])
    return rotate(a, float(name[3:]))


def random_transforms(
    rng: np.random.Generator, n: int, max_shift: int, flip: bool = False, rotate: bool = False
) -> list[dict]:
    """Draw ``n`` random transform parameter dicts (spec §4, Fig 12).

    For each transform, in this order: ``dy``, ``dx`` integers in
    ``[-max_shift, max_shift - 1]`` (both 0 if ``max_shift == 0``); if ``flip``, a flip
    with probability ½ about a uniformly chosen axis ("rows" or "cols"), else None; if
    ``rotate``, an integer angle in ``[0, 360)`` degrees (as a float), else 0.0.

    Returns:
        List of dicts with keys ``"dy", "dx", "flip", "angle"`` for :func:`apply_transform`.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng={type(rng).__name__} is not accepted; accepted: a numpy.random.Generator")
    n = validate.integer("n", n, 0)
    max_shift = validate.integer("max_shift", max_shift, 0)
    for name, v in (("flip", flip), ("rotate", rotate)):
        if not isinstance(v, (bool, np.bool_)):
            raise ValueError(f"{name}={v!r} is not accepted; accepted: True or False")
    out = []
    for _ in range(n):
        if max_shift > 0:
            dy, dx = (int(v) for v in rng.integers(-max_shift, max_shift, size=2))
        else:
            dy = dx = 0
        axis = None
        if flip and rng.random() < 0.5:
            axis = ("rows", "cols")[int(rng.integers(2))]
        angle = float(rng.integers(0, 360)) if rotate else 0.0
        out.append({"dy": dy, "dx": dx, "flip": axis, "angle": angle})
    return out


def apply_transform(a: np.ndarray, params: dict) -> np.ndarray:
    """Apply flip, then rotation, then shift (spec §4, Fig 12) to all channels of ``a``.

    Apply the same ``params`` to inputs and targets to keep them aligned. Missing keys
    mean the identity (``dy = dx = 0``, ``flip = None``, ``angle = 0``).

    Raises:
        ValueError: if ``params`` is not a dict, has unknown keys or bad values.
    """
    if not isinstance(params, dict) or set(params) - set(_PARAM_KEYS):
        raise ValueError(f"params={params!r} is not accepted; accepted: a dict with keys from {_PARAM_KEYS}")
    axis = params.get("flip")
    if axis not in _FLIPS:
        raise ValueError(f"params['flip']={axis!r} is not accepted; accepted: one of {_FLIPS}")
    out = _spatial("a", a)
    if axis is not None:
        out = flip(out, axis)
    angle = params.get("angle", 0.0)
    if angle != 0:
        out = rotate(out, angle)
    return shift(out, params.get("dy", 0), params.get("dx", 0))
