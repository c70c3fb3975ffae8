"""The one noise model of the paper: a blend of a state with noise, ``(1 − a)·x + a·η``.

Fig 6 blends the Gray-Scott frames with ``η ~ U(0, 1)`` (amplitude ξ), the morph task blends
its inputs (amplitude a), and the trainer blends both on the fly. Each caller draws ``η`` from
its own seeded source (NumPy or TensorFlow), so this module is the only place the blend is
written; it works on NumPy arrays and TensorFlow tensors alike.
"""

from __future__ import annotations

from typing import Any


def blend(x: Any, amount: Any, noise: Any) -> Any:
    """``(1 − a)·x + a·η`` elementwise, for ``a = amount`` and noise ``η`` of ``x``'s shape.

    ``amount`` is used as given (a Python float, a NumPy scalar or a tensor), so the
    arithmetic, and with it every rounding, is that of the caller's types.
    """
    return (1 - amount) * x + amount * noise
