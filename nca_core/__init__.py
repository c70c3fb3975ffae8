"""nca_core: Neural Cellular Automata for spatio-temporal patterns.

The library behind the NCA companion to Richardson, Antal, Blythe & Schumacher,
"Learning spatio-temporal patterns with Neural Cellular Automata",
PLOS Computational Biology 20(4): e1011589 (2024).
"""

__version__ = "0.1.0"
