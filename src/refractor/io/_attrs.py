"""What a reader keeps in ``DataFrame.attrs`` (``samples``, ``path``, ``build`` ...).

pandas deep-copies ``attrs`` into the result of every operation on a frame
(``NDFrame.__finalize__``): the ``samples`` list of a 10,000-sample MAF was copied element by
element some thirty times while a cohort was read (0.26 s of 2.3 s). :func:`set_attrs` stores
lists as :class:`Shared`, a list that a deep copy shares instead of copying; readers and their
callers never change these lists after the reader returns.
"""
from __future__ import annotations

from typing import Any


class Shared(list):
    """A list that ``copy.deepcopy`` returns as is (it is never changed once stored)."""

    def __deepcopy__(self, memo: dict) -> "Shared":
        return self


def set_attrs(df: Any, **values: Any) -> None:
    """``df.attrs.update(values)``, lists stored as :class:`Shared`."""
    df.attrs.update({k: Shared(v) if isinstance(v, list) else v for k, v in values.items()})


__all__ = ["Shared", "set_attrs"]
