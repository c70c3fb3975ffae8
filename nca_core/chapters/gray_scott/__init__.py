"""Figs 3–6 and videos S4–S6: learning the Gray-Scott reaction–diffusion system."""
