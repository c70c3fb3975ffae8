"""Gray-Scott reaction–diffusion: the PDE that generates the training data of Figs 3–6.

.. math::

    \\partial_t A = D_A \\nabla^2 A - A B^2 + \\alpha (1 - A), \\qquad
    \\partial_t B = D_B \\nabla^2 B + A B^2 - (\\gamma + \\alpha) B,

discretised with forward Euler (``dt = 1``) and the 9-point Laplacian
``[[.25,.5,.25],[.5,-3,.5],[.25,.5,.25]]`` (the NCA's ``LAP`` stencil) on a periodic
lattice with unit spacing (paper-spec §3). States are ``[..., H, W, 2]`` with channel 0 = A
and channel 1 = B; any leading batch axes are allowed. NumPy only, float32 or float64.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nca_core import validate
from nca_core.data.noise import blend


@dataclass(frozen=True)
class GrayScottParams:
    """Gray-Scott coefficients. Defaults are the published values (paper, Fig 3 caption)."""

    d_a: float = 0.1
    d_b: float = 0.05
    alpha: float = 0.06230
    gamma: float = 0.06268
    dt: float = 1.0

    def __post_init__(self) -> None:
        for f in ("d_a", "d_b", "alpha", "gamma"):
            validate.number(f, getattr(self, f), 0.0)
        validate.number("dt", self.dt, 0.0, open_min=True)
        # explicit Euler is stable for the diffusion part when dt * D * 4 < 2
        if self.dt * max(self.d_a, self.d_b) * 4.0 >= 2.0:
            raise ValueError(
                f"dt={self.dt} with d_a={self.d_a}, d_b={self.d_b} is unstable; accepted: dt*max(D)*4 < 2"
            )


#: Named parameter sets: the published γ, the γ the authors' scripts ran with, and "mitosis".
PRESETS: dict[str, GrayScottParams] = {
    "published": GrayScottParams(),
    "as_run": GrayScottParams(gamma=0.06258),
    "mitosis": GrayScottParams(alpha=0.0367, gamma=0.0649),
    # Other regimes of Pearson's (F, k) map (J. E. Pearson, "Complex patterns in a simple system", Science 261:189,
    # 1993; R. Munafo's xmorphia map of it; presets of P. Neila's WebGL explorer github.com/pmneila/jsexp), α = F,
    # γ = k, each checked with this solver on the training and unseen ICs within 1024 / 2048 steps
    # (nca_core.chapters.regimes.measure.signature):
    # stationary spots: our pick on the spot side of the map's high-k edge (jsexp's "Solitons", F=0.03 k=0.062,
    # divide within our horizon)
    "spots": GrayScottParams(alpha=0.062, gamma=0.0655),
    # a space-filling labyrinth of stripes (jsexp "Mazes")
    "mazes": GrayScottParams(alpha=0.029, gamma=0.057),
    # time-dependent stripes and spots that keep oscillating (Pearson's low-F, low-k region, his class γ)
    "oscillating": GrayScottParams(alpha=0.022, gamma=0.051),
    # chaotic spots and loops that appear, split and die (jsexp "Spots and loops")
    "spots_and_loops": GrayScottParams(alpha=0.018, gamma=0.051),
}


def preset(name: str, **overrides: Any) -> GrayScottParams:
    """A named parameter set (``published``, ``as_run``, ``mitosis``, the regimes of :data:`PRESETS`) with optional
    overrides."""
    validate.choice("preset", name, PRESETS)
    return replace(PRESETS[name], **overrides)


def laplacian(u: np.ndarray) -> np.ndarray:
    """Periodic 9-point Laplacian of ``u[..., H, W]`` (separable form (s⊗s)/4 − 4u, s = 1,2,1)."""
    s = np.roll(u, 1, axis=-1) + 2.0 * u + np.roll(u, -1, axis=-1)
    s = np.roll(s, 1, axis=-2) + 2.0 * s + np.roll(s, -1, axis=-2)
    return 0.25 * s - 4.0 * u


def rhs(state: np.ndarray, params: GrayScottParams = PRESETS["published"]) -> np.ndarray:
    """Right-hand side ``(∂_t A, ∂_t B)`` for a state ``[..., H, W, 2]``."""
    a, b = state[..., 0], state[..., 1]
    ab2 = a * b * b
    da = params.d_a * laplacian(a) - ab2 + params.alpha * (1.0 - a)
    db = params.d_b * laplacian(b) + ab2 - (params.gamma + params.alpha) * b
    return np.stack([da, db], axis=-1).astype(state.dtype, copy=False)


def _check_state(state: Any, dtype: str) -> np.ndarray:
    validate.choice("dtype", dtype, ("float32", "float64"))
    state = np.asarray(state)
    if state.ndim < 3 or state.shape[-1] != 2 or min(state.shape[-3:-1]) < 3:
        raise ValueError(f"state has shape {state.shape}; accepted: [..., H, W, 2] with H, W >= 3")
    if not np.all(np.isfinite(state)):
        raise ValueError("state contains non-finite values; accepted: finite values")
    return state.astype(dtype)


def solve(state0: Any, steps: int, params: GrayScottParams = PRESETS["published"], every: int = 1,
          dtype: str = "float32") -> np.ndarray:
    """Integrate with forward Euler and keep every ``every``-th state.

    Args:
        state0: initial state ``[..., H, W, 2]``.
        steps: number of Euler steps N ≥ 0; ``⌊N/every⌋·every`` steps are run.
        params: coefficients.
        every: sampling interval t ≥ 1.
        dtype: ``"float32"`` or ``"float64"``.

    Returns:
        ``[⌊N/every⌋ + 1, ..., H, W, 2]``: the states at n = 0, every, 2·every, …
    """
    validate.integer("steps", steps, 0)
    validate.integer("every", every, 1)
    x = _check_state(state0, dtype)
    frames = [x.copy()]
    for _ in range(steps // every):
        for _ in range(every):
            x = x + params.dt * rhs(x, params)
        frames.append(x.copy())
    return np.stack(frames)


# --------------------------------------------------------------- initial conditions
_TRAIN_RECTS = (
    [((24, 40), (24, 40))],
    [((16, 24), (16, 24)), ((48, 56), (48, 56)), ((10, 30), (34, 54)), ((34, 54), (10, 30))],
    [((30, 34), (0, 64)), ((40, 44), (30, 34)), ((20, 24), (24, 40))],
    [((4, 24), (16, 24)), ((42, 46), (40, 60)), ((16, 24), (40, 48)), ((40, 48), (16, 24))],
)


def _from_a(a: np.ndarray, dtype: str) -> np.ndarray:
    return np.stack([a, 1.0 - a], axis=-1).astype(dtype)


def training_ics(dtype: str = "float32") -> np.ndarray:
    """The four 64×64 training initial conditions of paper-spec §3.3, ``[4, 64, 64, 2]``.

    A = 1, B = 0 everywhere except in the listed rectangles, where A = 0, B = 1.
    """
    out = []
    for rects in _TRAIN_RECTS:
        a = np.ones((64, 64))
        for (r0, r1), (c0, c1) in rects:
            a[r0:r1, c0:c1] = 0.0
        out.append(_from_a(a, dtype))
    return np.stack(out)


def test_ic(size: int = 128, dtype: str = "float32") -> np.ndarray:
    """The unseen test initial condition with high-frequency components (paper-spec §3.4).

    ``size=128`` (default): a hollow square (ring 10 px thick around a 12×12 hole), vertical
    stripes of period 8 and width 4 in the bottom quarter, horizontal stripes of period 16
    and width 8 in the right quarter. ``size=64``: the earlier version, a solid 16×16
    square and vertical stripes in the bottom quarter.

    Returns:
        ``[size, size, 2]`` with B = 1 − A.
    """
    validate.choice("size", size, (64, 128))
    a = np.ones((size, size))
    rows, cols = np.indices((size, size))
    if size == 128:
        a[32:64, 32:64] = 0.0
        a[42:54, 42:54] = 1.0
        a[(rows >= 96) & (cols % 8 < 4)] = 0.0
        a[(cols >= 96) & (rows % 16 < 8)] = 0.0
    else:
        a[16:32, 16:32] = 0.0
        a[(rows >= 48) & (cols % 8 < 4)] = 0.0
    return _from_a(a, dtype)


def validation_ic(size: int = 128, dtype: str = "float32") -> np.ndarray:
    """A held-out initial condition for choosing among a run's kept models; the book never shows it.

    Unlike the unseen test IC (:func:`test_ic`), so that choosing a model on it does not look at the
    test: a solid 16×16 square, a square ring (outer half-width 12, inner 6), diagonal stripes of
    period 12 in the left fifth and fine vertical stripes of period 6 along the top. About three
    quarters of the lattice is empty (A = 1, B = 0); the PDE's maze covers a quarter of that empty
    region by n = 2048 (the test IC's: two fifths).

    Returns:
        ``[size, size, 2]`` with B = 1 − A (``size`` 128 only).
    """
    validate.choice("size", size, (128,))
    a = np.ones((size, size))
    rows, cols = np.indices((size, size))
    a[72:88, 56:72] = 0.0
    ring = np.maximum(abs(rows - 28), abs(cols - 92))
    a[(ring <= 12) & (ring > 6)] = 0.0
    a[(cols < 24) & ((rows + cols) % 12 < 6)] = 0.0
    a[(rows < 20) & (cols >= 24) & (cols < 64) & (cols % 6 < 3)] = 0.0
    return _from_a(a, dtype)


def training_trajectories(t: int, steps: int = 1024, params: GrayScottParams = PRESETS["published"],
                          dtype: str = "float32") -> np.ndarray:
    """The Fig 3 training data sampled every ``t`` steps: ``y[T, R=4, 64, 64, 2]``, T = ⌊N/t⌋+1."""
    validate.integer("t", t, 1)
    return solve(training_ics(dtype), steps, params, every=t, dtype=dtype)


def add_noise(y: np.ndarray, xi: float, rng: np.random.Generator) -> np.ndarray:
    """The paper's noise model ỹ = (1 − ξ)·y + ξ·η with η ~ U(0, 1) (Fig 6)."""
    validate.number("xi", xi, 0.0, 1.0)
    return blend(np.asarray(y), xi, rng.random(np.shape(y))).astype(np.asarray(y).dtype)
