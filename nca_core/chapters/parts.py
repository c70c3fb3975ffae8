"""The captions of the book's parts that the chapters belong to (several chapters share a part)."""

GRAY_SCOTT = "Learning a reaction–diffusion system"
MORPH = "Morphing between images"
STABILITY = "How stable is what was learnt?"
#: our own questions, which the paper leaves open; the report counts their answers apart from the paper's claims
BEYOND = "Beyond the paper"
#: the parts whose rows are questions of our own, not claims of the paper
QUESTIONS = (BEYOND,)
