"""JSON-safe copies of result structures (shared by the CLI and the HTTP API)."""
from __future__ import annotations

import math
from typing import Any


def json_safe(value: Any) -> Any:
    """Copy of ``value`` that :func:`json.dumps` accepts with ``allow_nan=False``.

    Dicts (keys as ``str``), lists and tuples (as lists) are copied recursively; numpy
    scalars become Python numbers; NaN and infinities become ``None``. numpy is not imported.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        try:
            value = value.item()
        except ValueError:  # an array of several values: left as it is
            return value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


__all__ = ["json_safe"]
