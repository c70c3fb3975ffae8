"""The NCA step in plain NumPy, read from a saved model: the specification of one update.

This is the whole model in a few obvious lines, independent of the TensorFlow engine
(:mod:`nca_core.core.model`, which forms its stencils from shifted slices with a
hand-written adjoint). The tests hold the engine to it, and any other implementation (the
book's in-browser player, say) can be checked against it. One step of a state
``x[H, W, C]`` is

.. math::

    z_{c·K+k} = g_k \\star x_c, \\qquad
    x' = x + σ ⊙ \\big(u(z W_{hidden})\\, W_{out} + b_{out}\\big),

with ``g_k`` the 3×3 stencils of the kernel set applied as cross-correlation under the
boundary's ghost cells (periodic: wrap; zero: 0; reflect: mirror including the edge cell),
``u`` the activation and ``σ`` the update mask (``[H, W, 1]`` per pixel or ``[H, W, C]``
per channel; all ones when ``fire_rate`` is 1). A saved model is a folder with
``weights.npz`` (``w_hidden [K·C, H]``, ``w_out [H, C]``, ``b_out [C]``) and ``config.json``
(the ``nca_config``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from nca_core.core.kernels import correlate_numpy, kernel_stack


def activation(name: str, z: np.ndarray) -> np.ndarray:
    """The activation ``u`` by name (gelu: the tanh approximation; leaky_relu: slope 0.01)."""
    if name == "relu":
        return np.maximum(z, 0)
    if name == "linear":
        return z
    if name == "tanh":
        return np.tanh(z)
    if name == "swish":
        return z / (1 + np.exp(-z))
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "gelu":
        return 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))
    raise ValueError(f"activation={name!r} is not accepted; accepted: relu, linear, tanh, swish, leaky_relu, gelu")


def perceive(x: np.ndarray, kernel_set: str, boundary: str) -> np.ndarray:
    """Perception features ``[..., H, W, K·C]`` of ``x[..., H, W, C]``, channel-major (feature ``c·K + k``)."""
    feats = [correlate_numpy(x[..., c], g, boundary) for c in range(x.shape[-1]) for g in kernel_stack(kernel_set)]
    return np.stack(feats, axis=-1)


def step(params: dict[str, np.ndarray], config: dict[str, Any], x: np.ndarray,
         mask: np.ndarray | None = None) -> np.ndarray:
    """One update of ``x[..., H, W, C]`` (float64) with the given update ``mask`` (None: every cell updates).

    Args:
        params: ``w_hidden``, ``w_out``, ``b_out``.
        config: the ``nca_config`` dict (``kernel_set``, ``boundary``, ``activation``).
        x: the state.
        mask: ``[..., H, W, 1]`` or ``[..., H, W, C]`` of 0/1, or None.
    """
    x = np.asarray(x, np.float64)
    z = perceive(x, config["kernel_set"], config["boundary"])
    hidden = activation(config["activation"], z @ np.asarray(params["w_hidden"], np.float64))
    dx = hidden @ np.asarray(params["w_out"], np.float64) + np.asarray(params["b_out"], np.float64)
    return x + (dx if mask is None else mask * dx)


def load(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The weights and the ``nca_config`` of a saved model folder, with NumPy and JSON alone."""
    path = Path(path)
    with np.load(path / "weights.npz") as z:
        params = {k: z[k] for k in z.files}
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))["nca_config"]
    return params, config
