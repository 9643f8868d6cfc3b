"""Audit the knowledge base for resistance-knowledge gaps (issue 11, "Knowledge gaps").

Prints, for the packaged KB (or ``--data-dir``):

* agents (not regimens) that no scoring rule covers - they cannot get a resistance call;
* agents with no mechanism at all - neither linked by a mechanism's ``agents`` / ``agent_classes``
  nor referenced by a mechanism term of a scoring rule covering them;
* mechanisms whose only biomarker rules read treatment history (no measured data can reveal them);
* mechanisms that carry no biomarker rule at all (for context; ``kb stats`` shows them too).

``--before REV`` also audits the packaged KB as it was at git revision REV (read with ``git archive``
from this checkout) and prints the counts before and after, so the effect of a curation pass can be
re-measured::

    PYTHONPATH=src python tools/kb_audit.py --before 0c81aa7
"""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from refractor.kb import KnowledgeBase, default_data_dir
from refractor.kb.schema import AllTerm, HistoryTerm, Logic, MaxTerm, MechanismTerm


def _leaves(term: Any) -> list[Any]:
    if isinstance(term, Logic):
        kids = term.all or term.any or ([term.not_] if term.not_ is not None else [])
        return [leaf for k in kids for leaf in _leaves(k)]
    return [term]


def _rule_mechanisms(rule: Any) -> set[str]:
    out: set[str] = set()
    for t in rule.terms:
        for m in (t.max if isinstance(t, MaxTerm) else [t]):
            if isinstance(m, MechanismTerm):
                out.add(m.mechanism)
            elif isinstance(m, AllTerm):
                out.update(m.all)
            elif isinstance(m, HistoryTerm):
                pass
    return out


def _covered(kb: KnowledgeBase, rule: Any) -> set[str]:
    out = set(rule.agents)
    for c in rule.agent_classes:
        out.update(a.id for a in kb.agents.values() if a.agent_class == c)
    return out


def audit(kb: KnowledgeBase) -> dict[str, list[str]]:
    """The four gap lists (sorted ids) for ``kb``."""
    agents = [a for a in kb.agents.values() if a.agent_class != "regimen"]
    rules = kb.scoring.rules
    covered: set[str] = set()
    scored_mechs: dict[str, set[str]] = {}
    for r in rules:
        who = _covered(kb, r)
        covered |= who
        for a in who:
            scored_mechs.setdefault(a, set()).update(_rule_mechanisms(r))
    no_rule = sorted(a.id for a in agents if a.id not in covered)
    no_mech = sorted(a.id for a in agents
                     if not kb.mechanisms_for_agent(a.id) and not scored_mechs.get(a.id))
    by_mech: dict[str, list[Any]] = {}
    for b in kb.biomarkers.values():
        by_mech.setdefault(b.mechanism, []).append(b)
    history_only = sorted(m for m, bs in by_mech.items()
                          if all(leaf.kind == "history" for b in bs for leaf in _leaves(b.profile)))
    no_biomarker = sorted(m for m in kb.mechanisms if m not in by_mech)
    return {
        "agents_without_scoring_rule": no_rule,
        "agents_without_any_mechanism": no_mech,
        "mechanisms_with_history_only_biomarkers": history_only,
        "mechanisms_without_biomarker": no_biomarker,
    }


KB_PATH = "src/refractor/kb/data"
ROOT = Path(__file__).resolve().parents[1]


def _at_revision(rev: str, tmp: Path) -> Path:
    """The packaged KB data folder as of git revision ``rev``, extracted under ``tmp``."""
    raw = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, KB_PATH],
                         check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        tar.extractall(tmp, filter="data")
    return tmp / KB_PATH


def _print(title: str, result: dict[str, list[str]]) -> None:
    print(title)
    for key, ids in result.items():
        print(f"  {key}: {len(ids)}")
        if ids:
            print("    " + ", ".join(ids))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None, help="KB data folder (default: packaged)")
    ap.add_argument("--before", metavar="REV", default=None,
                    help="also audit the packaged KB at git revision REV and print before/after counts")
    args = ap.parse_args(argv)
    data_dir = args.data_dir or default_data_dir()
    after = audit(KnowledgeBase.load(data_dir))
    if args.before:
        with tempfile.TemporaryDirectory() as tmp:
            before = audit(KnowledgeBase.load(_at_revision(args.before, Path(tmp))))
        _print(f"BEFORE (KB at {args.before})", before)
        print()
        _print("AFTER", after)
        print()
        print("counts before -> after")
        for key in after:
            print(f"  {key}: {len(before[key])} -> {len(after[key])}")
    else:
        _print("KB audit", after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
