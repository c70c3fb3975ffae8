"""The fixed 3×3 perception stencils of the NCA and the kernel sets of the paper.

Every stencil is applied as a cross-correlation (paper-spec §1.2):

.. math::

    z(i, j) = \\sum_{a, b \\in \\{-1, 0, 1\\}} g(a, b)\\, x(i + a, j + b),

with ``a`` the row offset (down is positive) and ``b`` the column offset (right is
positive). Rows of the matrices below are ``a = -1, 0, 1`` and columns ``b = -1, 0, 1``.

* ``ID``: identity.
* ``SOBEL_X``: ``(1/8) [[-1,0,1],[-2,0,2],[-1,0,1]]``, exact ∂/∂col on linear fields.
* ``SOBEL_Y``: its transpose, exact ∂/∂row (positive downwards).
* ``LAP``: the 9-point Laplacian ``[[.25,.5,.25],[.5,-3,.5],[.25,.5,.25]]``; it gives
  exactly 2 on ``i²`` and ``j²`` and 0 on ``i·j``.
* ``AV``: the uniform 3×3 average.

``DIFF`` in a kernel-set name stands for the pair (Sobel x, Sobel y), so it counts as
two kernels. The sets used by the paper are ``ID_LAP`` (Gray-Scott), ``ID_LAP_AV`` (the
symmetric set), ``ID_DIFF`` and ``ID_DIFF_LAP`` (the default emoji set).
"""

from __future__ import annotations

import numpy as np

#: ghost cells of the lattice: wrap-around, zero, or mirror including the edge cell
BOUNDARIES = ("periodic", "zero", "reflect")

ID = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float64)
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64) / 8.0
SOBEL_Y = SOBEL_X.T.copy()
LAP = np.array([[0.25, 0.5, 0.25], [0.5, -3.0, 0.5], [0.25, 0.5, 0.25]], dtype=np.float64)
AV = np.full((3, 3), 1.0 / 9.0, dtype=np.float64)

#: Named stencils. ``DIFF`` is not here: it expands to ``SOBEL_X, SOBEL_Y``.
STENCILS: dict[str, np.ndarray] = {
    "ID": ID,
    "SOBEL_X": SOBEL_X,
    "SOBEL_Y": SOBEL_Y,
    "LAP": LAP,
    "AV": AV,
}

#: Tokens of a kernel-set name and the stencils each contributes, in perception order.
_TOKENS: dict[str, tuple[str, ...]] = {
    "ID": ("ID",),
    "DIFF": ("SOBEL_X", "SOBEL_Y"),
    "LAP": ("LAP",),
    "AV": ("AV",),
}

#: Every kernel set accepted by :class:`nca_core.core.config.NCAConfig` (the TF code's strings).
KERNEL_SETS: tuple[str, ...] = (
    "ID_LAP",
    "ID_LAP_AV",
    "ID_DIFF",
    "ID_DIFF_LAP",
    "ID_AV",
    "ID_DIFF_AV",
    "ID_DIFF_LAP_AV",
    "LAP_AV",
    "DIFF_LAP_AV",
    "DIFF_AV",
)

#: The four sets the paper trains with.
PAPER_KERNEL_SETS: tuple[str, ...] = ("ID_LAP", "ID_LAP_AV", "ID_DIFF", "ID_DIFF_LAP")


def kernel_names(kernel_set: str) -> tuple[str, ...]:
    """Stencil names of a kernel set, in perception order.

    Args:
        kernel_set: one of :data:`KERNEL_SETS`, e.g. ``"ID_DIFF_LAP"``.

    Returns:
        e.g. ``("ID", "SOBEL_X", "SOBEL_Y", "LAP")``.

    Raises:
        ValueError: if ``kernel_set`` is not a known set.
    """
    if kernel_set not in KERNEL_SETS:
        raise ValueError(
            f"kernel_set={kernel_set!r} is not a known kernel set; accepted: {', '.join(KERNEL_SETS)}"
        )
    names: list[str] = []
    for token in kernel_set.split("_"):
        names.extend(_TOKENS[token])
    return tuple(names)


def kernel_stack(kernel_set: str) -> np.ndarray:
    """The stencils of a kernel set stacked as an array of shape ``[K, 3, 3]``."""
    return np.stack([STENCILS[n] for n in kernel_names(kernel_set)])


def is_symmetric(kernel_set: str) -> bool:
    """True if every stencil of the set is invariant under the 8 lattice symmetries (D4)."""
    for g in kernel_stack(kernel_set):
        for k in range(4):
            r = np.rot90(g, k)
            if not (np.array_equal(r, g) and np.array_equal(r.T, g)):
                return False
    return True


def correlate_numpy(x: np.ndarray, g: np.ndarray, boundary: str = "periodic") -> np.ndarray:
    """Reference (slow, obvious) 3×3 cross-correlation of ``x[..., H, W]`` with ``g``.

    Used by the tests as an independent oracle for the TensorFlow perception.

    Args:
        x: array whose last two axes are rows and columns.
        g: 3×3 stencil.
        boundary: ``"periodic"`` (wrap), ``"zero"`` (zero ghost cells) or ``"reflect"``
            (mirror including the edge cell, numpy ``symmetric``).
    """
    modes = {"periodic": "wrap", "zero": "constant", "reflect": "symmetric"}
    if boundary not in modes:
        raise ValueError(f"boundary={boundary!r} is not accepted; accepted: {', '.join(modes)}")
    pad = [(0, 0)] * (x.ndim - 2) + [(1, 1), (1, 1)]
    xp = np.pad(x, pad, mode=modes[boundary])
    h, w = x.shape[-2:]
    out = np.zeros_like(x, dtype=np.result_type(x, g))
    for a in (-1, 0, 1):
        for b in (-1, 0, 1):
            out = out + g[a + 1, b + 1] * xp[..., 1 + a : 1 + a + h, 1 + b : 1 + b + w]
    return out
