"""Stability chapter (Figs 10–11): how a trained morph-task NCA responds to perturbed initial states.

``masks`` (rollouts whose update masks are shared by a whole batch: common random numbers) ·
``local`` (Fig 10: one-pixel perturbation maps, the noise floor, timings) · ``adversarial``
(Fig 11: initial states optimised to minimise or maximise κⁿ) · ``store`` (the arrays of both,
cached under ``results/stability/``) · ``claims`` · ``figures``.
"""
