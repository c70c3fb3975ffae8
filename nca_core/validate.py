"""Argument checks that raise ``ValueError`` naming the field, the value and what is accepted."""

from __future__ import annotations

import math
from typing import Any, Iterable


def choice(field: str, value: Any, accepted: Iterable[Any]) -> Any:
    """Check that ``value`` is one of ``accepted``."""
    accepted = tuple(accepted)
    if value not in accepted:
        raise ValueError(
            f"{field}={value!r} is not accepted; accepted values: {', '.join(map(repr, accepted))}"
        )
    return value


def integer(field: str, value: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    """Check that ``value`` is an integer (bools excluded) in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, (int,)) and not _is_integral(value):
        raise ValueError(f"{field}={value!r} is not accepted; accepted: an integer{_bounds(minimum, maximum)}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{field}={value!r} is not accepted; accepted: an integer{_bounds(minimum, maximum)}")
    return value


def number(
    field: str,
    value: Any,
    minimum: float | None = None,
    maximum: float | None = None,
    open_min: bool = False,
) -> float:
    """Check that ``value`` is a finite real number in ``[minimum, maximum]``.

    With ``open_min`` the lower bound is excluded (``value > minimum``).
    """
    try:
        ok = not isinstance(value, bool) and math.isfinite(float(value))
    except (TypeError, ValueError):
        ok = False
    if ok:
        v = float(value)
        low_bad = minimum is not None and (v <= minimum if open_min else v < minimum)
        ok = not low_bad and not (maximum is not None and v > maximum)
    if not ok:
        lo = "(" if open_min else "["
        rng = f" in {lo}{'-inf' if minimum is None else minimum}, {'inf' if maximum is None else maximum}]"
        raise ValueError(f"{field}={value!r} is not accepted; accepted: a finite number{rng}")
    return float(value)


def _is_integral(value: Any) -> bool:
    try:
        import numpy as np

        return isinstance(value, np.integer)
    except ImportError:  # pragma: no cover
        return False


def _bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" in [{minimum}, {maximum}]"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""
