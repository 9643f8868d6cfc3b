"""Strategies addressing a sample's detected / possible mechanisms, ranked; harmful ones flagged.

Ranking (best first): number of *detected* mechanisms addressed, then number of *possible*
mechanisms addressed, then the strategy's evidence level (clinical trial first), then the
strongest link to an addressed mechanism (seed > literature > inferred), then id.
Strategies the KB marks ``harmful: true`` are never suggested; they are returned separately
as ``flagged_harmful`` whenever they address a mechanism found in the sample.
Strategies restricted to diseases are offered when the sample's disease is related to one of them
(itself, a parent or a child: an "MM" sample of unknown state sees strategies for "MM-LEN-REF").
"""
from __future__ import annotations

from refractor.interpret._kbview import LINK_RANK, KBView
from refractor.interpret._results import StrategySuggestion


def rank_strategies(
    view: KBView, found: tuple[tuple[str, str], ...], disease: str | None
) -> tuple[tuple[StrategySuggestion, ...], tuple[StrategySuggestion, ...]]:
    """``found``: sorted (mechanism, status) pairs with status detected or possible."""
    status = dict(found)
    seen: dict[str, object] = {}
    for m, _ in found:
        for s in view.strategies_for(m):
            seen.setdefault(s.id, s)
    rows = []
    for s in seen.values():
        if s.diseases and not view.in_context(s.diseases, disease):
            continue
        links = [a for a in s.addresses if a.mechanism in status]
        det = sorted({a.mechanism for a in links if status[a.mechanism] == "detected"})
        pos = sorted({a.mechanism for a in links if status[a.mechanism] == "possible"})
        link = min(links, key=lambda a: LINK_RANK.get(a.link, 9)).link
        key = (-len(det), -len(pos), s.evidence_level.rank, LINK_RANK.get(link, 9), s.id)
        rows.append((key, s, tuple(det + pos), len(det), len(pos), link))
    rows.sort(key=lambda r: r[0])
    good, bad = [], []
    for key, s, addr, nd, npos, link in rows:
        target = bad if s.harmful else good
        target.append(StrategySuggestion(
            strategy=s.id, name=s.name, kind=s.kind, agents=tuple(s.agents), addresses=addr,
            detected_addressed=nd, possible_addressed=npos, evidence_level=s.evidence_level.value,
            link=link, harmful=s.harmful, rank=len(target) + 1))
    return tuple(good), tuple(bad)


__all__ = ["rank_strategies"]
