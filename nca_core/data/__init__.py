"""Training data in NumPy alone.

``gray_scott`` (the PDE solver, its coefficients, the training and test initial conditions) ·
``morph`` (the emoji images, the padded lattice, shifted copies, augmentation transforms) ·
``noise`` (the blend ``(1 − a)·x + a·η`` every chapter uses).

May import: ``validate``.
"""
