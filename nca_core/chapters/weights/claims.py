"""What the weights say: questions with pre-set criteria, answered from a run's numbers.

The criteria are the constants below, fixed before the chapter's first run on the shipped models and never
moved afterwards; the evidence gives the numbers, so a reader can apply another criterion. "Importance" is
the reading *weights × typical activity* unless a question names the weights alone
(:mod:`nca_core.chapters.weights.measure`); "damage" is the ablation's.
"""

from __future__ import annotations

import numpy as np

from nca_core.chapters.question import Question
from nca_core.chapters.weights.jobs import GRAY_SCOTT, MORPH
from nca_core.chapters.weights.measure import ModelWeights, WeightsResults, channel_name, number

#: "the reading ranks them as ablation does": Spearman's ρ of importance with damage at least this
RANK = 0.6
#: a ranking needs at least this many items (fewer: not answered)
MIN_ITEMS = 4
#: "the model reads channel c through the Laplacian": the importance of that feature is at least this fraction
#: of the model's most important feature
LAPLACIAN_READ = 0.1
#: "the model diffuses A and B as the PDE does": the effective diffusion matrix of A, B is within this relative
#: (Frobenius) distance of the PDE's diag(D_A, D_B)
DIFFUSION_TOL = 0.25
#: "adding the typical activity improves the reading": its mean ρ over every model and target exceeds that of the
#: weights alone by at least this
BETTER = 0.1

_WHAT = {"units": "hidden units", "features": "features (channel × kernel)", "channels": "channels"}


def _rho_text(m: ModelWeights, what: str) -> str:
    return f"ρ = {m.rho('activity', what):.2f} (weights alone: {m.rho('weights', what):.2f})"


def ranking(m: ModelWeights, what: str) -> Question:
    """Does the weights × activity reading rank the hidden units / features / channels as ablation does?"""
    text = f"{m.name}: does the reading of the weights rank the {_WHAT[what]} as ablating them does?"
    rule = f"yes if Spearman's ρ of importance with ablation damage ≥ {RANK:g} (weights × typical activity)"
    imp = m.importance("activity", what)
    dmg = np.ravel(m.ablation.damage(what))
    if imp.size < MIN_ITEMS:
        return Question(text, f"{imp.size} {_WHAT[what]}: too few to rank (needs {MIN_ITEMS})", None, rule)
    rho = m.rho("activity", what)
    top = int(np.argmax(np.where(np.isfinite(dmg), dmg, np.finfo(float).max)))
    name = _item(m, what, top)
    ev = (f"{_rho_text(m, what)} over {imp.size}; most damaging ablation: {name} (damage "
          f"{number(dmg[top])}, intact distance {m.ablation.intact:.3g}); its importance ranks "
          f"{int(np.sum(imp > imp[top])) + 1} of {imp.size}")
    if m.ablation.noise:
        ev += f"; mask noise of the distance {m.ablation.noise:.3g}"
    return Question(text, ev, bool(np.isfinite(rho) and rho >= RANK), rule)


def _item(m: ModelWeights, what: str, i: int) -> str:
    if what == "units":
        return f"unit {i}"
    if what == "features":
        return m.feature_name(i)
    return channel_name(m.task, i, m.config.observable)


def kernel_order(m: ModelWeights) -> Question:
    """Does the reading order the kernel families as ablating each family does?"""
    fams = list(m.families)
    text = f"{m.name}: does the reading order the kernel families ({', '.join(fams)}) as ablating each does?"
    rule = "yes if the order by importance equals the order by ablation damage (weights × typical activity)"
    imp = m.importance("activity", "families")
    dmg = m.ablation.damage("families")
    by_imp = [fams[i] for i in np.argsort(-imp, kind="stable")]
    by_dmg = [fams[i] for i in np.argsort(-np.where(np.isfinite(dmg), dmg, np.finfo(float).max), kind="stable")]
    w = m.importance("weights", "families")
    ev = ("; ".join(f"{f}: importance {i:.3g} (weights alone {wi:.3g}), damage {number(d)}"
                    for f, i, wi, d in zip(fams, imp, w, dmg))
          + f"; order by importance {' > '.join(by_imp)}, by damage {' > '.join(by_dmg)}")
    return Question(text, ev, by_imp == by_dmg, rule)


def reads_laplacian(m: ModelWeights, channel: int) -> Question:
    """Gray-Scott: does the model read channel A (0) or B (1) through the Laplacian, as the PDE does?"""
    name = channel_name(m.task, channel, m.config.observable)
    text = f"{m.name}: does the model read {name} through the Laplacian (as the PDE does: ∇²{name})?"
    rule = (f"yes if the importance of {name}·LAP ≥ {LAPLACIAN_READ:g} × the model's most important feature "
            "(weights × typical activity)")
    if "LAP" not in m.config.kernels:
        return Question(text, f"the model has no Laplacian kernel ({', '.join(m.config.kernels)})", None, rule)
    r = m.reading("activity").features
    k = m.config.kernels.index("LAP")
    share = r[channel, k] / r.max() if r.max() > 0 else 0.0
    d = m.ablation.damage("features")
    rank = int(np.sum(np.ravel(d) > d[channel, k])) + 1
    lap = [channel_name(m.task, c, m.config.observable) for c in range(m.config.channels)
           if r.max() > 0 and r[c, k] >= LAPLACIAN_READ * r.max()]
    ev = (f"{name}·LAP: {share:.2f} of the largest feature importance; ablating it: damage {number(d[channel, k])} "
          f"(ranks {rank} of {d.size} features); channels read through the Laplacian by this criterion: "
          f"{', '.join(lap) or 'none'}")
    return Question(text, ev, bool(share >= LAPLACIAN_READ), rule)


def diffuses_like_the_pde(m: ModelWeights, D_A: float, D_B: float) -> Question:
    """Gray-Scott: is the effective diffusion of A and B (the update's mean response to ∇²A, ∇²B) the PDE's?"""
    text = (f"{m.name}: does one NCA step diffuse A and B as one step of the PDE does (D_A = {D_A:g}, "
            f"D_B = {D_B:g}, no cross-diffusion)?")
    rule = f"yes if ‖D_NCA − diag(D_A, D_B)‖ ≤ {DIFFUSION_TOL:g} × ‖diag(D_A, D_B)‖ (Frobenius)"
    D = m.diffusion
    if not np.all(np.isfinite(D)) or D.shape != (2, 2):
        return Question(text, "needs a Laplacian kernel and two observable channels", None, rule)
    ref = np.diag([D_A, D_B])
    err = float(np.linalg.norm(D - ref) / np.linalg.norm(ref))
    ev = (f"D_NCA = [[{D[0, 0]:.4f}, {D[0, 1]:.4f}], [{D[1, 0]:.4f}, {D[1, 1]:.4f}]] (rows ΔA, ΔB; columns ∇²A, ∇²B); "
          f"relative distance {err:.2f}; D_A / D_B: NCA {D[0, 0] / D[1, 1]:.2f}, PDE {D_A / D_B:.2f}"
          if D[1, 1] != 0 else f"D_NCA = {np.round(D, 4).tolist()}; relative distance {err:.2f}")
    return Question(text, ev, bool(err <= DIFFUSION_TOL), rule)


def gradient_over_laplacian(m: ModelWeights) -> Question:
    """Morph: does the model lean on the gradient (Sobel) kernels more than on the Laplacian?"""
    text = f"{m.name}: does the model read its channels more through the gradient (Sobel) than the Laplacian?"
    rule = "yes if the gradient family's importance ≥ the Laplacian's (weights × typical activity); the damage of " \
           "ablating each family is the evidence the reading is checked against"
    fams = m.families
    if "gradient" not in fams or "Laplacian" not in fams:
        return Question(text, f"the model's kernels are {', '.join(m.config.kernels)}: no gradient and Laplacian "
                        "to compare", None, rule)
    r = m.reading("activity")
    g, lap = r.family(fams["gradient"]), r.family(fams["Laplacian"])
    names = list(fams)
    dmg = dict(zip(names, m.ablation.damage("families")))
    w = m.reading("weights")
    ev = (f"importance gradient {g:.3g}, Laplacian {lap:.3g} (ratio {g / lap:.2f}; weights alone "
          f"{w.family(fams['gradient']):.3g} vs {w.family(fams['Laplacian']):.3g}); ablating every gradient "
          f"feature: damage {number(dmg['gradient'])}, every Laplacian feature: {number(dmg['Laplacian'])}"
          if lap > 0 else f"importance gradient {g:.3g}, Laplacian 0")
    return Question(text, ev, bool(g >= lap), rule)


def activity_helps(R: WeightsResults) -> Question:
    """Across the models: does weighing the weights by the typical activity rank better than the weights alone?"""
    text = ("Does weighing the weights by the typical activity rank the units, features and channels better than "
            "the weights alone (the Discussion's proposal)?")
    rule = f"yes if the mean ρ over every model and target exceeds the weights alone's by ≥ {BETTER:g}"
    pairs = [(m.rho("activity", w), m.rho("weights", w)) for m in R.models.values() for w in _WHAT]
    pairs = [(a, b) for a, b in pairs if np.isfinite(a) and np.isfinite(b)]
    if not pairs:
        return Question(text, "no ranking could be computed", None, rule)
    a, b = (float(np.mean(v)) for v in zip(*pairs))
    worse = sum(x < y for x, y in pairs)
    ev = f"mean ρ {a:.2f} with the activity, {b:.2f} from the weights alone, over {len(pairs)} rankings " \
         f"({worse} where the weights alone rank better)"
    return Question(text, ev, bool(a - b >= BETTER), rule)


def caveats(R: WeightsResults) -> str:
    """Markdown: where a criterion above says *no* while the ablation says the thing matters (the criterion, not
    the reading, may be at fault), computed from the run so that it holds at every profile."""
    out = []
    for m in R.of(GRAY_SCOTT):
        if "LAP" not in m.config.kernels:
            continue
        k = m.config.kernels.index("LAP")
        r = m.reading("activity").features
        d = np.ravel(m.ablation.damage("features"))
        top = r.flat[int(np.argmax(r))]
        for c in (0, 1):
            rank = int(np.sum(d > d[c * m.config.n_kernels + k])) + 1
            if r[c, k] < LAPLACIAN_READ * top and rank <= d.size // 2:
                name = channel_name(m.task, c, m.config.observable)
                out.append(f"{m.name}: {name}·LAP is {r[c, k] / top:.2f} of the largest feature "
                           f"({m.feature_name(int(np.argmax(r)))}) but its ablation ranks {rank} of {d.size}")
    for m in R.of(MORPH):
        fams = m.families
        if "gradient" in fams and "Laplacian" in fams:
            r = m.reading("activity")
            dmg = dict(zip(fams, m.ablation.damage("families")))
            says = r.family(fams["gradient"]) >= r.family(fams["Laplacian"])
            if says != (dmg["gradient"] >= dmg["Laplacian"]):
                out.append(f"{m.name}: the reading puts the {'gradient' if says else 'Laplacian'} first, removing "
                           f"every feature of each puts the {'Laplacian' if says else 'gradient'} first (damage "
                           f"{number(dmg['gradient'])} without the gradient, {number(dmg['Laplacian'])} without the "
                           "Laplacian)")
    if not out:
        return ""
    return ("**Where a criterion and the ablation disagree.** " + "; ".join(out) + ". The Laplacian criterion "
            "compares with the model's most important feature, which can be a channel read through the identity "
            "that is nearly constant (so that it also acts as a bias); a feature can fall below a tenth of it and "
            "still matter. And a reading of each feature's first-order effect can miss what removing a whole kernel "
            "does over many steps. The criteria stay as they were set; these answers are reported as they fall.")


def questions(R: WeightsResults) -> list[Question]:
    """Every question of the chapter, in the page's order."""
    out = []
    for m in R.models.values():
        out += [ranking(m, w) for w in _WHAT] + [kernel_order(m)]
    for m in R.of(GRAY_SCOTT):
        out += [reads_laplacian(m, 0), reads_laplacian(m, 1), diffuses_like_the_pde(m, R.gamma.d_a * R.gamma.dt,
                                                                                   R.gamma.d_b * R.gamma.dt)]
    for m in R.of(MORPH):
        out.append(gradient_over_laplacian(m))
    out.append(activity_helps(R))
    return out
