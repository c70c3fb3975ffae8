"""Edits of a trained NCA's weights: ablations and random perturbations, for reading what a model learnt.

Every function takes the weights as :attr:`NCA.params <nca_core.core.model.NCA.params>` (a dict of NumPy
arrays ``w_hidden [K·C, H]``, ``w_out [H, C]``, ``b_out [C]``) and returns a new dict; the input is never
changed. :func:`edited` makes a model that runs them.

- :func:`feature` is the row of ``w_hidden`` that reads channel ``c`` through kernel ``k`` (the perception
  features are channel-major, ``c*K + k``; :mod:`nca_core.core.model`).
- :func:`ablated` zeroes hidden units (their column of ``w_hidden`` and row of ``w_out``: the unit then
  contributes nothing, whatever its activation at 0), perception features (rows of ``w_hidden``: the model
  no longer reads channel ``c`` through kernel ``k``), or the output bias.
- :func:`perturbed` adds relative Gaussian noise: each tensor gets ``σ · rms(W) · N(0, 1)``, so ``σ`` means
  the same for every tensor whatever its scale; ``σ = 0`` returns the weights unchanged.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from nca_core import validate
from nca_core.core.config import NCAConfig
from nca_core.core.model import NCA, PARAM_NAMES


def _copy(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; accepted: a dict with keys {list(PARAM_NAMES)}")
    return {k: np.array(params[k], copy=True) for k in PARAM_NAMES}


def feature(config: NCAConfig, channel: int, kernel: int | str) -> int:
    """The perception feature (row of ``w_hidden``) that reads ``channel`` through ``kernel`` (index or name)."""
    validate.integer("channel", channel, 0, config.channels - 1)
    if isinstance(kernel, str):
        validate.choice("kernel", kernel, config.kernels)
        kernel = config.kernels.index(kernel)
    validate.integer("kernel", kernel, 0, config.n_kernels - 1)
    return channel * config.n_kernels + kernel


def _indices(name: str, values: Iterable[int], size: int) -> list[int]:
    out = [validate.integer(name, int(v), 0, size - 1) for v in values]
    return sorted(set(out))


def ablated(params: dict[str, np.ndarray], *, hidden: Iterable[int] = (), features: Iterable[int] = (),
            bias: bool = False) -> dict[str, np.ndarray]:
    """The weights with hidden units ``hidden`` and perception rows ``features`` zeroed (and ``b_out`` if ``bias``)."""
    p = _copy(params)
    n_features, n_hidden = p["w_hidden"].shape
    h = _indices("hidden", hidden, n_hidden)
    f = _indices("features", features, n_features)
    p["w_hidden"][:, h] = 0.0
    p["w_out"][h, :] = 0.0
    p["w_hidden"][f, :] = 0.0
    if bias:
        p["b_out"][:] = 0.0
    return p


def perturbed(params: dict[str, np.ndarray], sigma: float, seed: int) -> dict[str, np.ndarray]:
    """The weights plus relative Gaussian noise: ``W + σ·rms(W)·N(0, 1)`` per tensor, drawn from ``seed``."""
    validate.number("sigma", sigma, 0.0)
    validate.integer("seed", seed, 0)
    p = _copy(params)
    if sigma == 0:
        return p
    rng = np.random.default_rng(seed)
    for k in PARAM_NAMES:
        w = p[k]
        rms = float(np.sqrt(np.mean(np.square(w, dtype=np.float64)))) if w.size else 0.0
        p[k] = (w + sigma * rms * rng.standard_normal(w.shape)).astype(w.dtype)
    return p


def edited(model: NCA, params: dict[str, np.ndarray]) -> NCA:
    """A new model with ``model``'s configuration and the weights ``params`` (``model`` is unchanged)."""
    return NCA(model.config, params=params)
