"""Depthwise 3×3 perception written as shifted slices, with a hand-written adjoint.

Under XLA on CPU, ``tf.nn.depthwise_conv2d`` is several times slower than forming the
stencils from shifted slices of a padded copy of the state, and the automatic gradient
of periodic padding is slow as well. All paper stencils are separable, so each is two
1-D passes over slices:

* ``LAP = (s ⊗ s)/4 − 4·δ`` with ``s = (1, 2, 1)``;
* ``SOBEL_X = (s ⊗ d)/8`` and ``SOBEL_Y = (d ⊗ s)/8`` with ``d = (−1, 0, 1)``;
* ``AV = (b ⊗ b)/9`` with ``b = (1, 1, 1)``.

The adjoint of a cross-correlation with ``g`` (periodic or zero ghost cells) is the
cross-correlation with the flipped stencil ``g(−a, −b)`` under the same boundary. ID, LAP
and AV are point-symmetric and the Sobel stencils are antisymmetric, so the backward pass
reuses the forward stencils with a sign. The ``reflect`` boundary keeps TensorFlow's
automatic gradient (its adjoint is not a plain correlation).

Features are returned channel-major: feature ``c*K + k`` is kernel ``k`` of channel ``c``.
"""

from __future__ import annotations

from nca_core.core.backend import tf
from nca_core.core.kernels import BOUNDARIES, kernel_names

#: sign of each stencil under point reflection g(-a,-b) = sign * g(a,b)
_FLIP_SIGN = {"ID": 1.0, "LAP": 1.0, "AV": 1.0, "SOBEL_X": -1.0, "SOBEL_Y": -1.0}


def pad1(x: tf.Tensor, boundary: str) -> tf.Tensor:
    """Pad the spatial axes of ``x[B, H, W, C]`` by one ghost cell on each side."""
    if boundary == "periodic":
        x = tf.concat([x[:, -1:], x, x[:, :1]], axis=1)
        return tf.concat([x[:, :, -1:], x, x[:, :, :1]], axis=2)
    if boundary == "zero":
        return tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    if boundary == "reflect":
        return tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    raise ValueError(f"boundary={boundary!r} is not accepted; accepted: {', '.join(BOUNDARIES)}")


def _stencils(x: tf.Tensor, names: tuple[str, ...], boundary: str) -> list[tf.Tensor]:
    """Apply each named stencil to every channel of ``x``; returns a list of [B,H,W,C]."""
    h, w = tf.shape(x)[1], tf.shape(x)[2]
    xp = pad1(x, boundary)

    def combine(pairs):  # Σ c·slice, skipping zeros and multiplications by ±1
        terms = [sl if c == 1.0 else -sl if c == -1.0 else c * sl for c, sl in pairs if c != 0.0]
        return tf.add_n(terms)

    def cols(u, c0, c1, c2):  # 1-D pass along columns: c0*u[j-1] + c1*u[j] + c2*u[j+1]
        return combine(((c0, u[:, :, 0:w]), (c1, u[:, :, 1 : w + 1]), (c2, u[:, :, 2 : w + 2])))

    def rows(u, c0, c1, c2, scale):  # 1-D pass along rows, then scale
        return combine(((c0, u[:, 0:h]), (c1, u[:, 1 : h + 1]), (c2, u[:, 2 : h + 2]))) * scale

    cache: dict[str, tf.Tensor] = {}

    def col_pass(kind):
        if kind not in cache:
            coeffs = {"s": (1.0, 2.0, 1.0), "d": (-1.0, 0.0, 1.0), "b": (1.0, 1.0, 1.0)}[kind]
            cache[kind] = cols(xp, *coeffs)
        return cache[kind]

    out = []
    for name in names:
        if name == "ID":
            out.append(x)
        elif name == "LAP":
            out.append(rows(col_pass("s"), 1.0, 2.0, 1.0, 0.25) - 4.0 * x)
        elif name == "SOBEL_X":
            out.append(rows(col_pass("d"), 1.0, 2.0, 1.0, 0.125))
        elif name == "SOBEL_Y":
            out.append(rows(col_pass("s"), -1.0, 0.0, 1.0, 0.125))
        elif name == "AV":
            out.append(rows(col_pass("b"), 1.0, 1.0, 1.0, 1.0 / 9.0))
        else:  # pragma: no cover - guarded by kernel_names
            raise ValueError(f"unknown stencil {name!r}")
    return out


def _interleave(feats: list[tf.Tensor]) -> tf.Tensor:
    """Stack [B,H,W,C] features channel-major into [B,H,W,C*K]."""
    z = tf.stack(feats, axis=-1)  # [B,H,W,C,K]
    s = tf.shape(z)
    return tf.reshape(z, tf.concat([s[:3], [s[3] * s[4]]], axis=0))


def perceive(x: tf.Tensor, kernel_set: str, boundary: str) -> tf.Tensor:
    """Depthwise perception ``z[..., c*K + k] = (g_k ⋆ x_c)`` of a state ``x[B, H, W, C]``.

    Args:
        x: state tensor ``[B, H, W, C]``.
        kernel_set: name of a kernel set (see :mod:`nca_core.core.kernels`).
        boundary: ``"periodic"``, ``"zero"`` or ``"reflect"``.

    Returns:
        features ``[B, H, W, C*K]``, channel-major.
    """
    names = kernel_names(kernel_set)
    if boundary == "reflect":
        return _interleave(_stencils(x, names, boundary))
    return _perceive_adjointed(x, names, boundary)


def _perceive_adjointed(x: tf.Tensor, names: tuple[str, ...], boundary: str) -> tf.Tensor:
    k = len(names)

    @tf.custom_gradient
    def fwd(x):
        z = _interleave(_stencils(x, names, boundary))

        def grad(dz):
            s = tf.shape(dz)
            dzk = tf.reshape(dz, tf.concat([s[:3], [s[3] // k, k]], axis=0))
            total = None
            for i, name in enumerate(names):
                part = _stencils(dzk[..., i], (name,), boundary)[0]
                if _FLIP_SIGN[name] < 0:
                    part = -part
                total = part if total is None else total + part
            return total

        return z, grad

    return fwd(x)
