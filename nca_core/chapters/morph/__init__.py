"""Figs 7–9 and videos S1–S3: morphing between emoji images."""
