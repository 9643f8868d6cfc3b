"""Citations: a KB source id resolved to the PMID / DOI / URL a reader needs, without a second lookup.

Every KB claim points to a source id (``pmid:…``, ``doi:…``, ``ref:003-45``, ``seed:004``,
``url:…``). The :class:`~refractor.kb.schema.Source` record behind it may carry both a PMID and a
DOI (a ``pmid:`` source with its DOI, a seed reference with the DOI printed in the seed).
:func:`citation` gathers them into one small dict; :func:`citations_in` finds every source an
entry cites (``source``, ``sources[].source``, ``sides[].source``).
"""
from __future__ import annotations

from typing import Any

__all__ = ["citation", "citations_in", "format_citation"]


def citation(kb: Any, source_id: str) -> dict[str, Any]:
    """``{"source", "pmid", "doi", "url", "label"}`` for ``source_id`` (None where not known).

    ``label`` is a short human form: first author, journal and year when recorded, else the title.
    An id that is not in the KB (cannot happen in a validated KB) still yields its own PMID/DOI.
    """
    rec = kb.sources.get(source_id)
    kind, _, rest = source_id.partition(":")
    pmid = getattr(rec, "pmid", None) or (rest if kind == "pmid" else None)
    doi = getattr(rec, "doi", None) or (rest if kind == "doi" else None)
    url = rest if kind == "url" else None
    label = None
    if rec is not None:
        bits = [b for b in (rec.authors, rec.journal, str(rec.year) if rec.year else None) if b]
        label = ", ".join(bits) if bits else rec.title
    return {"source": source_id, "pmid": pmid, "doi": doi, "url": url, "label": label}


def format_citation(c: dict[str, Any]) -> str:
    """One line: ``PMID 24869598 · doi:10.1056/NEJMoa1400029``; else the URL, or ``no PMID/DOI`` with the
    source id and its label (seed reviews and seed references whose PMID was never verified)."""
    parts = []
    if c.get("pmid"):
        parts.append(f"PMID {c['pmid']}")
    if c.get("doi"):
        parts.append(f"doi:{c['doi']}")
    if not parts:
        if c.get("url"):
            parts.append(f"no PMID/DOI: {c['url']}")
        else:
            label = f": {c['label']}" if c.get("label") else ""
            parts.append(f"no PMID/DOI ({c['source']}{label})")
    return " · ".join(parts)


def _source_ids(value: Any) -> list[str]:
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "source" and isinstance(v, str):
                out.append(v)
            else:
                out.extend(_source_ids(v))
    elif isinstance(value, list):
        for v in value:
            out.extend(_source_ids(v))
    return out


def citations_in(kb: Any, item: dict[str, Any]) -> list[dict[str, Any]]:
    """Citations of every source an entry (in its export/JSON form) cites, in order, each once.

    A source record itself cites itself, so ``kb show pmid:…`` lists its PMID and DOI too.
    """
    ids = [item["id"]] if item.get("id") in kb.sources else _source_ids(item)
    return [citation(kb, s) for s in dict.fromkeys(ids)]
