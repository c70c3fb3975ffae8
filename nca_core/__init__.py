"""nca_core: Neural Cellular Automata for spatio-temporal patterns.

The library behind the NCA companion to Richardson, Antal, Blythe & Schumacher,
"Learning spatio-temporal patterns with Neural Cellular Automata",
PLOS Computational Biology 20(4): e1011589 (2024).

Layers (each imports only the ones after it; ``tests/test_layers.py`` checks this):

* :mod:`nca_core.cli` — the ``nca-book`` command;
* :mod:`nca_core.book` — the book's machinery: the registry that collects the chapters' notebooks,
  the reproduction report, model status, the in-browser player's and the explorer's models;
* :mod:`nca_core.chapters` — the paper's chapters, one package each with the same modules
  (notebooks, jobs, measure, claims, figures);
* :mod:`nca_core.runs` — what a model is (jobs), the results cache (train or load by configuration
  hash), the one way to train a list of models, notebook parameters and declarations;
* :mod:`nca_core.core` — the TensorFlow engine: NCA, trainer, configs, checkpoints, and the
  NumPy reference step; it knows nothing of the paper;
* :mod:`nca_core.data` — NumPy data: the Gray-Scott solver and ICs, the morph images, noise;
* :mod:`nca_core.view` — pictures, videos, figure files;
* :mod:`nca_core.fileio`, :mod:`nca_core.validate` — atomic writes, error messages.
"""

__version__ = "0.1.0"
