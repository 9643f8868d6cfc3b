"""Human names and kind names: shared by queries, exports and the compiled database."""
from __future__ import annotations

from typing import get_args

from pydantic import BaseModel

from refractor.errors import InputError
from refractor.kb._validate import SINGULAR
from refractor.kb.schema import KINDS, AgentClass

AGENT_CLASSES: frozenset[str] = frozenset(get_args(AgentClass))


def display_name(kind: str, record: BaseModel) -> str:
    """A human name for any record; kinds without a ``name`` field get one derived.

    Sources use their title, evidence and claims the start of the statement (~80 chars),
    neosubstrates ``agent -> substrate (potency)``, contradictions their topic.
    """
    name = getattr(record, "name", None)
    if isinstance(name, str) and name:
        return name
    if kind == "sources":
        return record.title
    if kind == "neosubstrates":
        return f"{record.agent} -> {record.substrate} ({record.potency})"
    if kind == "contradictions":
        return record.topic
    text = getattr(record, "statement", None) or getattr(record, "id")
    return text if len(text) <= 80 else text[:79].rsplit(" ", 1)[0] + "…"


def normalise_kind(kind: str) -> str:
    """The folder name of ``kind`` (``mechanism`` -> ``mechanisms``); InputError if unknown."""
    if kind in KINDS:
        return kind
    for plural, singular in SINGULAR.items():
        if kind in (singular, singular.replace(" ", "_")) and plural in KINDS:
            return plural
    raise InputError(f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}", column="kind")


__all__ = ["AGENT_CLASSES", "display_name", "normalise_kind"]
