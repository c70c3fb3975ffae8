"""Fig 10: how a trained morph-task NCA responds to one-pixel perturbations of its initial state."""
