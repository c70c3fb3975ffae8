"""The captions of the book's parts that the chapters belong to (several chapters share a part)."""

GRAY_SCOTT = "Learning a reaction–diffusion system"
MORPH = "Morphing between images"
STABILITY = "How stable is what was learnt?"
