"""Morph-task chapter (Figs 7–9, videos S1–S3): jobs, measure, claims, figures (Fig 7: task_figures)."""
