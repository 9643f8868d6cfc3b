"""Turn pydantic validation errors into :class:`~refractor.errors.KBProblem` rows.

Pydantic reports every branch of a union it tried (``Term = Feature | Logic``, the scoring
terms), with branch labels such as ``tagged-union[...]`` or ``function-after[..., Logic]`` in
the error location. A curator wants one message about the branch they meant, with a plain
field path (``profile.all.0.gene``). This module picks the plausible branch for each union
position from the input itself and strips the labels.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from refractor.kb import schema

_LABEL_CLASS = re.compile(r"(\w+)\]*$")


def _is_label(seg: Any) -> bool:
    if not isinstance(seg, str):
        return False
    if "[" in seg:
        return True
    obj = getattr(schema, seg, None)
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _model_fields(label: str) -> set[str] | None:
    m = _LABEL_CLASS.search(label)
    obj = getattr(schema, m.group(1), None) if m else None
    if not (isinstance(obj, type) and issubclass(obj, BaseModel)):
        return None
    names = set(obj.model_fields)
    names.update(f.alias for f in obj.model_fields.values() if f.alias)
    return names


def _plausibility(label: str, value: Any) -> float:
    """How well ``value`` fits the union branch named by ``label`` (0..1)."""
    if label.startswith("tagged-union["):
        return 1.0 if isinstance(value, dict) and "kind" in value else 0.0
    fields = _model_fields(label)
    if fields is None or not isinstance(value, dict) or not value:
        return 0.5
    return len(fields & set(value)) / len(value)


def _step(value: Any, seg: Any) -> Any:
    if isinstance(value, dict):
        return value.get(seg)
    if isinstance(value, (list, tuple)) and isinstance(seg, int) and 0 <= seg < len(value):
        return value[seg]
    return None


def _split(loc: tuple[Any, ...], data: Any) -> tuple[tuple[Any, ...], list[tuple[tuple, str, float]]]:
    """Clean path and the (position, branch, plausibility) choices an error location made."""
    clean: list[Any] = []
    choices: list[tuple[tuple, str, float]] = []
    value = data
    skip_tag = False
    for seg in loc:
        if skip_tag:  # the discriminator value that follows a tagged-union label
            skip_tag = False
            continue
        if _is_label(seg):
            choices.append((tuple(clean), seg, _plausibility(seg, value)))
            skip_tag = seg.startswith("tagged-union[")
            continue
        clean.append(seg)
        value = _step(value, seg)
    return tuple(clean), choices


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    msg = err.get("msg", "")
    if kind == "extra_forbidden":
        return "unknown field (not in the schema)"
    if kind == "missing":
        return "required field is missing"
    ctx = err.get("ctx") or {}
    if kind == "union_tag_invalid":
        return (f"unknown {ctx.get('discriminator', 'tag').strip(chr(39))} {ctx.get('tag')!r}; "
                f"expected one of: {ctx.get('expected_tags')}")
    if kind == "union_tag_not_found":
        return f"missing {ctx.get('discriminator', 'tag')} (which kind of entry this is)"
    if kind in ("literal_error", "enum", "string_pattern_mismatch", "int_parsing", "float_parsing",
                "bool_parsing", "string_type", "int_type", "float_type", "list_type", "dict_type",
                "union_tag_invalid", "greater_than_equal", "less_than_equal") and "input" in err:
        got = err["input"]
        if isinstance(got, (str, int, float, bool)) or got is None:
            return f"{msg} (got {got!r})"
        return f"{msg} (got a {type(got).__name__})"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return msg


def pydantic_problems(
    exc: ValidationError,
    data: Any,
    where: Callable[[tuple[Any, ...]], str],
    entry: str | None,
) -> list[tuple[str, str | None, str, str]]:
    """Rows (file, entry, field, message) for one failed entry, union noise removed.

    Parameters
    ----------
    exc : ValidationError
        The error raised by ``Model.model_validate(data)``.
    data : Any
        The input that failed.
    where : callable
        Maps a clean field path to the file label (``path:line``).
    entry : str or None
        The entry id used in messages.
    """
    parsed = []
    best: dict[tuple, float] = {}
    for err in exc.errors():
        clean, choices = _split(tuple(err["loc"]), data)
        parsed.append((err, clean, choices))
        for pos, _label, score in choices:
            best[pos] = max(best.get(pos, 0.0), score)
    rows = []
    seen = set()
    for err, clean, choices in parsed:
        if any(score < best[pos] for pos, _label, score in choices):
            continue
        field = ".".join(str(s) for s in clean) or None
        row = (where(clean), entry, field, _message(err))
        if row not in seen:
            seen.add(row)
            rows.append(row)
    return rows


__all__ = ["pydantic_problems"]
