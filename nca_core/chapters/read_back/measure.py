"""Reading the rule back: sparse regression (PySINDy) of a reaction–diffusion PDE from rollouts.

A candidate right-hand side is a sparse combination of the library

.. math::

    \\Theta(A, B) = (1, A, B, A^2, AB, B^2, A^2B, AB^2, A^3, B^3, \\nabla^2 A, \\nabla^2 B),

with the 9-point Laplacian of the solver (:func:`nca_core.data.gray_scott.laplacian`), so that the
Gray-Scott PDE is exactly ``ΔA = 0.1∇²A − AB² + α − αA`` and ``ΔB = 0.05∇²B + AB² − (γ + α)B`` in it.

* **strong form**: one-step increments ``x⁽ⁿ⁺¹⁾ − x⁽ⁿ⁾ = Θ(x⁽ⁿ⁾) ξ`` (forward Euler, dt = 1);
* **weak form in time**: over windows of w steps, ``x⁽ⁿ⁺ʷ⁾ − x⁽ⁿ⁾ = Σₖ Θ(x⁽ᵏ⁾) ξ`` (k = n … n+w−1): the
  increments integrated, so a path that strays between the ends of the window and comes back weighs less;
* **Gray-Scott fit**: the four coefficients (D_A, D_B, α, γ) whose t-step PDE rollout from each sampled
  frame of a rollout lands nearest its next sampled frame (least squares, scipy).

The regressions are PySINDy's sequentially thresholded least squares (``pysindy.STLSQ``) on cells and
steps drawn at random (seeded), ``R²`` per equation on the same rows.

What :func:`run` computes is stored (:mod:`nca_core.runs.store`) and shipped: each model's read-backs under the
model, its weights and every setting (kind ``read_back``), the positive control and the true PDE's end state under
the settings alone (kind ``read_back_control``, :data:`~nca_core.runs.store.NO_MODEL`), so a run loads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import version
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

from nca_core import validate
from nca_core.chapters.between_frames.measure import nca_rollout
from nca_core.chapters.read_back.jobs import read_back_jobs
from nca_core.core.checkpoint import data_fingerprint
from nca_core.data import gray_scott as pde
from nca_core.runs import store, sweep
from nca_core.runs.cache import Trained

#: the library's terms, in order
TERMS = ("1", "A", "B", "A²", "AB", "B²", "A²B", "AB²", "A³", "B³", "∇²A", "∇²B")
#: STLSQ's threshold: coefficients below it are set to zero (the smallest true one, α = 0.0623, is 12× larger)
THRESHOLD = 0.005
#: the coefficients the Gray-Scott fit finds, in order
FITTED = ("D_A", "D_B", "α", "γ")
#: STLSQ's ridge penalty (small: a regularisation of the least squares, not a prior)
RIDGE = 1e-6


def library(x: np.ndarray) -> np.ndarray:
    """Θ of states ``x [..., H, W, 2]``: ``[..., H, W, 12]`` in the order of :data:`TERMS`."""
    a, b = x[..., 0].astype(np.float64), x[..., 1].astype(np.float64)
    return np.stack([np.ones_like(a), a, b, a * a, a * b, b * b, a * a * b, a * b * b, a ** 3, b ** 3,
                     pde.laplacian(a), pde.laplacian(b)], axis=-1)


def truth(params: pde.GrayScottParams) -> np.ndarray:
    """The Gray-Scott PDE's coefficients in the library, ``[2, 12]`` (rows: ΔA, ΔB)."""
    xi = np.zeros((2, len(TERMS)))
    i = {t: k for k, t in enumerate(TERMS)}
    xi[0, i["1"]], xi[0, i["A"]], xi[0, i["AB²"]], xi[0, i["∇²A"]] = params.alpha, -params.alpha, -1.0, params.d_a
    xi[1, i["B"]], xi[1, i["AB²"]], xi[1, i["∇²B"]] = -(params.gamma + params.alpha), 1.0, params.d_b
    return xi * params.dt


def coefficients(xi: np.ndarray) -> dict[str, float]:
    """D_A, D_B, α, γ read from library coefficients ``[2, 12]``: D_A = ξ_A[∇²A], D_B = ξ_B[∇²B], α = ξ_A[1]
    (the feed), γ = −ξ_B[B] − α."""
    i = {t: k for k, t in enumerate(TERMS)}
    alpha = float(xi[0, i["1"]])
    return {"D_A": float(xi[0, i["∇²A"]]), "D_B": float(xi[1, i["∇²B"]]), "α": alpha,
            "γ": float(-xi[1, i["B"]] - alpha)}


def true_coefficients(params: pde.GrayScottParams) -> dict[str, float]:
    return {"D_A": params.d_a, "D_B": params.d_b, "α": params.alpha, "γ": params.gamma}


@dataclass
class Fit:
    """A regression: the coefficients ``xi [2, 12]``, R² per equation, the rows used and what was regressed."""

    xi: np.ndarray
    r2: tuple[float, float]
    rows: int
    form: str

    @property
    def coefficients(self) -> dict[str, float]:
        return coefficients(self.xi)

    def terms(self, eq: int, tol: float = 0.0) -> str:
        """The right-hand side of equation ``eq`` (0: A, 1: B) as text (:func:`right_hand_side`)."""
        return right_hand_side(self.xi[eq], tol)

    @property
    def short_form(self) -> str:
        """``strong`` or ``weak (w steps)``, for a table's narrow first column."""
        if self.form.startswith("weak, windows of "):
            return f"weak ({self.form.removeprefix('weak, windows of ')})"
        return self.form.split(",")[0]


#: a space no line breaks at: inside a term (``− 0.512 A``) and inside a table's labels
NBSP = "\u00a0"


def right_hand_side(coefficients: np.ndarray, tol: float = 0.0, digits: int = 3) -> str:
    """A right-hand side ``Σ c·term`` as text, ``0.195 − 0.512 A + 0.497 A² …``: ``digits`` significant digits,
    a true minus sign, the terms whose ``|c|`` exceeds ``tol`` in the order of :data:`TERMS`. A line may break only
    between terms (no-break spaces inside one), so a narrow table cell never parts a coefficient from its term."""
    out = []
    for c, t in zip(coefficients, TERMS):
        if abs(c) <= tol:
            continue
        num = t if abs(c) == 1.0 and t != "1" else f"{abs(c):.{digits}g}" + ("" if t == "1" else NBSP + t)
        sign = "−" if c < 0 else "+"
        out.append((sign + NBSP if out else ("−" if c < 0 else "")) + num)
    return " ".join(out) or "0"


def _sample(n: int, rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(rows, n), replace=False))


def regress(theta: np.ndarray, target: np.ndarray, form: str, threshold: float = THRESHOLD) -> Fit:
    """STLSQ of ``target [N, 2]`` on ``theta [N, 12]`` (``pysindy.STLSQ``), with R² per equation."""
    import pysindy as ps

    if theta.ndim != 2 or theta.shape[1] != len(TERMS) or target.shape != (theta.shape[0], 2):
        raise ValueError(f"theta {theta.shape} and target {target.shape}; accepted: [N, {len(TERMS)}] and [N, 2]")
    if theta.shape[0] < len(TERMS):
        raise ValueError(f"{theta.shape[0]} rows; accepted: at least {len(TERMS)}")
    opt = ps.STLSQ(threshold=threshold, alpha=RIDGE, max_iter=20)
    opt.fit(theta, target)
    xi = np.asarray(opt.coef_)
    pred = theta @ xi.T
    r2 = tuple(float(1.0 - np.sum((target[:, k] - pred[:, k]) ** 2) / np.sum((target[:, k] - target[:, k].mean()) ** 2))
               for k in range(2))
    return Fit(xi, r2, int(theta.shape[0]), form)


def strong(traj: np.ndarray, rows: int, seed: int = 0, skip: int = 0) -> Fit:
    """Strong form from states ``traj [N + 1, B, H, W, 2]`` (every step), steps ≥ ``skip`` only."""
    x = traj[skip:]
    if len(x) < 2:
        raise ValueError(f"traj has {len(traj)} states after skip={skip}; accepted: at least 2")
    theta = library(x[:-1]).reshape(-1, len(TERMS))
    dx = (x[1:] - x[:-1]).astype(np.float64).reshape(-1, 2)
    idx = _sample(len(theta), rows, seed)
    return regress(theta[idx], dx[idx], "strong, one step")


def weak(traj: np.ndarray, window: int, rows: int, seed: int = 0, skip: int = 0) -> Fit:
    """Weak form in time over windows of ``window`` steps starting at ``skip``, ``skip + window``, …"""
    validate.integer("window", window, 1)
    x = traj[skip:]
    k = (len(x) - 1) // window
    if k < 1:
        raise ValueError(f"traj has {len(x)} states after skip={skip}; accepted: more than window={window}")
    theta = np.stack([library(x[j * window:(j + 1) * window]).sum(0) for j in range(k)])  # [k, B, H, W, 12]
    dx = np.stack([x[(j + 1) * window] - x[j * window] for j in range(k)]).astype(np.float64)
    theta, dx = theta.reshape(-1, len(TERMS)), dx.reshape(-1, 2)
    idx = _sample(len(theta), rows, seed)
    return regress(theta[idx], dx[idx], f"weak, windows of {window} steps")


def run_library(xi: np.ndarray, x0: np.ndarray, steps: int) -> np.ndarray:
    """Forward Euler of the library model ``x ← x + Θ(x) ξᵀ`` from ``x0 [..., H, W, 2]``: the final state
    (NaN from a blow-up on)."""
    x = np.asarray(x0, np.float64)
    with np.errstate(all="ignore"):
        for _ in range(validate.integer("steps", steps, 0)):
            x = x + library(x) @ xi.T
            if not np.all(np.abs(x) < 1e6):
                return np.full_like(x, np.nan)
    return x


def fit_gray_scott(frames: np.ndarray, t: int, start: dict[str, float] | None = None,
                   evaluations: int = 60) -> tuple[dict[str, float], float]:
    """The Gray-Scott coefficients whose t-step rollout from each frame lands nearest the next frame (a local least
    squares started at ``start``, at most ``evaluations`` rollouts):
    ``frames [K + 1, B, H, W, 2]`` a model's states every t steps. Returns the coefficients and the RMS mismatch
    per frame (Euclidean over the lattice, mean over frames and trajectories)."""
    from scipy.optimize import least_squares

    validate.integer("t", t, 1)
    names = FITTED
    guess = start or {"D_A": 0.05, "D_B": 0.05, "α": 0.05, "γ": 0.05}
    x0, x1 = frames[:-1].astype(np.float64), frames[1:].astype(np.float64)

    def resid(p):
        params = pde.GrayScottParams(d_a=min(abs(p[0]), 0.45), d_b=min(abs(p[1]), 0.45), alpha=abs(p[2]),
                                     gamma=abs(p[3]))  # Euler-stable diffusion (D < 0.5)
        y = x0
        with np.errstate(all="ignore"):
            for _ in range(t):
                y = y + pde.rhs(y, params)
        r = (y - x1).ravel()
        return np.where(np.isfinite(r), r, 1e3)

    sol = least_squares(resid, [guess[n] for n in names], x_scale=0.05, max_nfev=evaluations)
    out = {n: float(abs(v)) for n, v in zip(names, sol.x)}
    per = np.sqrt(np.sum(resid(sol.x).reshape(x1.shape) ** 2, axis=(2, 3, 4)))
    return out, float(np.mean(per))


# ------------------------------------------------------------------ the chapter's run
@dataclass
class ReadBack:
    """The positive control and, per t, the three read-backs of the NCA's rollouts and their runs from the unseen IC."""

    params: pde.GrayScottParams
    control: Fit
    control_weak: Fit
    models: dict[int, Trained]
    strong: dict[int, Fit] = field(default_factory=dict)
    weak: dict[int, Fit] = field(default_factory=dict)
    gs_fit: dict[int, tuple[dict[str, float], float]] = field(default_factory=dict)
    frames_nca: dict[int, float] = field(default_factory=dict)  # the NCA's own distance to the PDE at the frames
    unseen: dict[int, dict[str, float]] = field(default_factory=dict)  # distance to the true PDE at test_steps
    test_steps: int = 0
    ends: dict[str, np.ndarray] = field(default_factory=dict)  # channel B at test_steps: "PDE", "t=… NCA", …


def coefficient_tables(R: ReadBack) -> str:
    """Markdown: a table per equation (ΔA, then ΔB), a row per regression — the true PDE, the positive control,
    then each model's strong and weak form — with its R² and the right-hand side it read back. Three columns, the
    labels unbroken, a right-hand side broken only between terms: each table fits the book's column."""
    fits = [(f"PDE, {f.short_form}", f) for f in (R.control, R.control_weak)]
    fits += [(f"t = {t}, {f.short_form}", f) for t in R.models for f in (R.strong[t], R.weak[t])]
    truth_xi = truth(R.params)
    out = []
    for eq, name in enumerate("AB"):
        rows = [f"| read from | R² | Δ{name} = |", "|---|---|---|",
                f"| the true PDE | — | {right_hand_side(truth_xi[eq])} |"]
        rows += [f"| {label.replace(' ', NBSP)} | {fit.r2[eq]:.4f} | {fit.terms(eq)} |" for label, fit in fits]
        out.append("\n".join(rows))
    return "\n\n".join(out)


def models(P: SimpleNamespace) -> dict[int, Trained]:
    """The tier's models, keyed by t (:func:`nca_core.runs.sweep.existing`: trains only the smoke tier's)."""
    return sweep.existing(read_back_jobs(P), "read_back", P.tier)


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.sum((np.asarray(a, np.float64) - b) ** 2)))


#: the end states of the unseen-IC runs of each model, in the order :attr:`ReadBack.ends` names them
ENDS = ("NCA", "strong", "weak", "Gray-Scott fit")


def _settings(P: SimpleNamespace, params: pde.GrayScottParams) -> dict[str, Any]:
    """Everything but the model that the numbers of :func:`run` depend on."""
    return {"steps": P.steps, "rows": P.rows, "seed": P.seed, "window_min": P.window_min, "test_size": P.test_size,
            "test_steps": P.test_steps, "params": [params.d_a, params.d_b, params.alpha, params.gamma, params.dt],
            "threshold": THRESHOLD, "ridge": RIDGE, "pysindy": version("pysindy"),
            "training_ics": data_fingerprint(pde.training_ics()), "test_ic": data_fingerprint(pde.test_ic(P.test_size))}


def _fit_meta(f: Fit) -> dict[str, Any]:
    return {"r2": list(f.r2), "rows": f.rows, "form": f.form}


def _fit(xi: np.ndarray, meta: dict[str, Any]) -> Fit:
    return Fit(xi, tuple(meta["r2"]), int(meta["rows"]), meta["form"])


def control(P: SimpleNamespace, params: pde.GrayScottParams, ref: Callable[[], np.ndarray]
            ) -> tuple[Fit, Fit, np.ndarray]:
    """The positive control (strong and weak form on the PDE's own trajectories ``ref()``) and the true PDE's state
    at ``P.test_steps`` from the unseen IC: from the store if there, else computed and stored."""
    settings = _settings(P, params)
    key = store.key("read_back_control", settings)
    found = store.load("read_back_control", key, store.NO_MODEL)
    if found is not None:
        a, meta = found
        return _fit(a["strong_xi"], meta["strong"]), _fit(a["weak_xi"], meta["weak"]), a["true_end"]
    s, w = strong(ref(), P.rows, P.seed), weak(ref(), max(P.window_min, 1), P.rows, P.seed)
    true_end = pde.solve(pde.test_ic(P.test_size), P.test_steps, params)[-1]
    store.save("read_back_control", key, {"strong_xi": s.xi, "weak_xi": w.xi, "true_end": true_end},
               {"strong": _fit_meta(s), "weak": _fit_meta(w), **settings}, store.NO_MODEL)
    return s, w, true_end


def read_model(P: SimpleNamespace, params: pde.GrayScottParams, t: int, tr: Trained, ref: Callable[[], np.ndarray],
               true_end: np.ndarray) -> dict[str, Any]:
    """One model's read-backs (strong, weak, Gray-Scott fit), its distance to the PDE at the frames and the runs
    from the unseen IC (:data:`ENDS`: their distances to ``true_end`` and their channel B at the end): from the
    store if there, else computed from its rollout from the training ICs (``P.steps`` steps, the first sampling
    interval skipped: the hidden channels' start-up) and stored. ``ref()``: the PDE's trajectories from the training
    ICs, every step."""
    settings = {"t": t, "fit_frames": P.fit_frames, "fit_evaluations": P.fit_evaluations, "ends": "B",
                **_settings(P, params)}
    key = store.key(tr.job.key, tr.weights_hash, settings)
    found = store.load("read_back", key, tr)
    if found is not None:
        a, meta = found
        return {"strong": _fit(a["strong_xi"], meta["strong"]), "weak": _fit(a["weak_xi"], meta["weak"]),
                "gs_fit": ({k: meta["gs_fit"][k] for k in FITTED}, meta["gs_mismatch"]),  # in their order
                "frames_nca": meta["frames_nca"], "unseen": {k: meta["unseen"][k] for k in ENDS},
                "ends": {k: a[f"end{i}"] for i, k in enumerate(ENDS)}}
    ics = pde.training_ics()
    ic = pde.test_ic(P.test_size)
    roll = nca_rollout(tr.model())
    x = np.concatenate([ics[None], np.asarray(roll(ics, P.steps))[..., :2]])  # [N + 1, 4, 64, 64, 2]
    skip = t if P.steps > 2 * t else 0
    s = strong(x, P.rows, P.seed, skip)
    w = weak(x, max(t, P.window_min), P.rows, P.seed, skip)
    frames = x[skip::t]
    gs, mismatch = fit_gray_scott(frames[: P.fit_frames + 1], t, true_coefficients(params), P.fit_evaluations)
    frames_nca = float(np.mean(np.sqrt(np.sum((frames - ref()[skip::t]) ** 2, axis=(2, 3, 4)))[1:]))
    nca_end = np.asarray(nca_rollout(tr.model())(ic[None], P.test_steps))[-1, 0, ..., :2]
    fitted = pde.GrayScottParams(d_a=gs["D_A"], d_b=gs["D_B"], alpha=gs["α"], gamma=gs["γ"])
    ends = {"NCA": nca_end, "strong": run_library(s.xi, ic, P.test_steps), "weak": run_library(w.xi, ic, P.test_steps),
            "Gray-Scott fit": pde.solve(ic, P.test_steps, fitted, dtype="float64")[-1]}
    unseen = {k: _distance(v, true_end) for k, v in ends.items()}
    ends = {k: v[..., 1] for k, v in ends.items()}  # channel B: what the figure shows
    arrays = {"strong_xi": s.xi, "weak_xi": w.xi, **{f"end{i}": ends[k] for i, k in enumerate(ENDS)}}
    store.save("read_back", key, arrays,
               {"strong": _fit_meta(s), "weak": _fit_meta(w), "gs_fit": gs, "gs_mismatch": mismatch,
                "frames_nca": frames_nca, "unseen": unseen, "model": tr.job.label, **settings}, tr)
    return {"strong": s, "weak": w, "gs_fit": (gs, mismatch), "frames_nca": frames_nca, "unseen": unseen, "ends": ends}


def run(P: SimpleNamespace) -> ReadBack:
    """The positive control on the PDE's own training trajectories (:func:`control`), then each model's read-backs
    (:func:`read_model`); what is stored is loaded, and the PDE solved only if something is computed."""
    params = pde.preset(P.gamma_preset)
    solved: list[np.ndarray] = []

    def ref() -> np.ndarray:  # [N + 1, 4, 64, 64, 2], solved once when first needed
        if not solved:
            solved.append(pde.solve(pde.training_ics(), P.steps, params, every=1))
        return solved[0]

    ctrl, ctrl_weak, true_end = control(P, params, ref)
    out = ReadBack(params, ctrl, ctrl_weak, models(P), test_steps=P.test_steps)
    for t, tr in out.models.items():
        r = read_model(P, params, t, tr, ref, true_end)
        out.strong[t], out.weak[t], out.gs_fit[t] = r["strong"], r["weak"], r["gs_fit"]
        out.frames_nca[t], out.unseen[t] = r["frames_nca"], r["unseen"]
        out.ends.update({f"t = {t}: {k}": v for k, v in r["ends"].items()})
    out.ends["true PDE"] = true_end[..., 1]
    return out
