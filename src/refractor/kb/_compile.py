"""Compile a :class:`KnowledgeBase` into an embedded SQLite database.

Layout
------
* one table per kind (``agents``, ``mechanisms`` ...): ``id`` primary key, ``name`` (human
  name, derived where the kind has none), every scalar field as a column, ``json`` (the whole
  record in its JSON form);
* link tables for the many-to-many references (``mechanism_agent``, ``mechanism_gene``,
  ``strategy_mechanism``, ``evidence_agent``, ``evidence_disease``, ``entry_source`` ...);
* ``search``: an FTS5 index over every entry (plain table + LIKE when FTS5 is unavailable);
* ``meta``: kb name, version, content hash, schema version.

The file lives in ``$REFRACTOR_CACHE_DIR`` (default ``~/.cache/refractor``), named by content
hash and schema version, and is written atomically (temporary file + ``os.replace``), so
concurrent builders never see a half-written database.
"""
from __future__ import annotations

import enum
import json
import os
import sqlite3
import tempfile
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from refractor.kb.schema import KINDS, Logic

if TYPE_CHECKING:  # pragma: no cover
    from refractor.kb._knowledge import KnowledgeBase

#: bump when the table layout changes (part of the cache file name)
DB_SCHEMA_VERSION = 1
_SCALARS = (str, int, float, bool)
#: prose fields put first in the search body, so snippets show prose rather than ids
_LEAD = ("description", "statement", "topic", "title", "function", "mechanism_of_action", "handling")


def cache_dir() -> Path:
    """``$REFRACTOR_CACHE_DIR`` or ``~/.cache/refractor``."""
    env = os.environ.get("REFRACTOR_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "refractor"


def database_path(kb: "KnowledgeBase") -> Path:
    """Where the database of ``kb`` lives (it may not exist yet)."""
    return cache_dir() / f"kb-{kb.content_hash}-s{DB_SCHEMA_VERSION}.sqlite"


def _is_scalar(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_scalar(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return True
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _is_scalar(args[0])
    return isinstance(annotation, type) and (issubclass(annotation, _SCALARS) or issubclass(annotation, enum.Enum))


def scalar_columns(kind: str) -> list[str]:
    """Scalar fields of ``kind`` stored as their own column (besides id, name, json)."""
    model = KINDS[kind]
    return [f for f, info in model.model_fields.items() if f not in ("id", "name") and _is_scalar(info.annotation)]


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


def _profile_genes(term: Any) -> Iterator[str]:
    if isinstance(term, Logic):
        for sub in (term.all or []) + (term.any or []) + ([term.not_] if term.not_ is not None else []):
            yield from _profile_genes(sub)
    elif getattr(term, "gene", None):
        yield term.gene


def _links(kb: "KnowledgeBase") -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """Link tables: name -> (columns, rows)."""
    L: dict[str, tuple[tuple[str, ...], list[tuple]]] = {
        "entry_source": (("kind", "id", "source_id"), []),
        "agent_target": (("agent_id", "gene_id"), []),
        "regimen_component": (("regimen_id", "agent_id", "position"), []),
        "mechanism_agent": (("mechanism_id", "agent_id"), []),
        "mechanism_agent_class": (("mechanism_id", "agent_class"), []),
        "mechanism_gene": (("mechanism_id", "gene_id"), []),
        "mechanism_disease": (("mechanism_id", "disease_id"), []),
        "biomarker_gene": (("biomarker_id", "gene_id"), []),
        "biomarker_disease": (("biomarker_id", "disease_id"), []),
        "strategy_mechanism": (("strategy_id", "mechanism_id", "link"), []),
        "strategy_agent": (("strategy_id", "agent_id"), []),
        "strategy_disease": (("strategy_id", "disease_id"), []),
        "evidence_agent": (("evidence_id", "agent_id", "interaction"), []),
        "evidence_disease": (("evidence_id", "disease_id"), []),
        "evidence_conflict": (("evidence_id", "other_id"), []),
        "claim_disease": (("claim_id", "disease_id"), []),
        "trial_arm_agent": (("trial_id", "arm", "agent_id"), []),
        "trial_disease": (("trial_id", "disease_id"), []),
        "scoring_rule_agent": (("rule_id", "agent_id"), []),
        "scoring_rule_agent_class": (("rule_id", "agent_class"), []),
    }

    def add(table: str, *row: Any) -> None:
        L[table][1].append(row)

    for kind, recs in ((k, kb.records(k)) for k in KINDS):
        for rid, rec in recs.items():
            for s in getattr(rec, "sources", []) or []:
                add("entry_source", kind, rid, s.source)
            if isinstance(getattr(rec, "source", None), str):
                add("entry_source", kind, rid, rec.source)
    for a in kb.agents.values():
        for g in a.targets:
            add("agent_target", a.id, g)
        for i, c in enumerate(a.components):
            add("regimen_component", a.id, c, i)
    for m in kb.mechanisms.values():
        for x in m.agents:
            add("mechanism_agent", m.id, x)
        for x in m.agent_classes:
            add("mechanism_agent_class", m.id, x)
        for x in m.genes:
            add("mechanism_gene", m.id, x)
        for x in m.diseases:
            add("mechanism_disease", m.id, x)
    for b in kb.biomarkers.values():
        for g in dict.fromkeys(_profile_genes(b.profile)):
            add("biomarker_gene", b.id, g)
        for d in b.diseases:
            add("biomarker_disease", b.id, d)
    for s in kb.strategies.values():
        for link in s.addresses:
            add("strategy_mechanism", s.id, link.mechanism, link.link)
        for x in s.agents:
            add("strategy_agent", s.id, x)
        for x in s.diseases:
            add("strategy_disease", s.id, x)
    for e in kb.evidence.values():
        for use in e.agents:
            add("evidence_agent", e.id, use.agent, use.interaction.value)
        for d in e.diseases:
            add("evidence_disease", e.id, d)
        for o in e.conflicts_with:
            add("evidence_conflict", e.id, o)
    for c in kb.claims.values():
        for d in c.diseases:
            add("claim_disease", c.id, d)
    for t in kb.trials.values():
        for arm in t.arms:
            for x in arm.agents:
                add("trial_arm_agent", t.id, arm.name, x)
        for d in t.diseases:
            add("trial_disease", t.id, d)
    for rule in kb.scoring.rules if kb.scoring else []:
        for x in rule.agents:
            add("scoring_rule_agent", rule.id, x)
        for x in rule.agent_classes:
            add("scoring_rule_agent_class", rule.id, x)
    return L


def _fts5_available(con: sqlite3.Connection) -> bool:
    try:
        con.execute("CREATE VIRTUAL TABLE temp._probe USING fts5(x)")
        con.execute("DROP TABLE temp._probe")
        return True
    except sqlite3.OperationalError:
        return False


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_database(kb: "KnowledgeBase", path: Path) -> None:
    """Write the full database of ``kb`` to ``path`` (which must not exist)."""
    from refractor.kb._export import export_items

    con = sqlite3.connect(path)
    try:
        fts = _fts5_available(con)
        with con:
            for kind in KINDS:
                cols = scalar_columns(kind)
                extra = ["subject_kind", "subject_id"] if kind in ("evidence", "claims") else []
                all_cols = ["id", "name", *cols, *extra, "json"]
                con.execute(f"CREATE TABLE {_q(kind)} (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
                            + "".join(f"{_q(c)}, " for c in cols + extra) + "json TEXT NOT NULL)")
                rows = []
                for item in export_items(kb, kind):
                    subject = item.get("subject") or {}
                    row = [item["id"], item["name"], *(item.get(c) for c in cols)]
                    if extra:
                        row += [subject.get("kind"), subject.get("id")]
                    rows.append((*row, json.dumps(item, ensure_ascii=False)))
                marks = ", ".join("?" * len(all_cols))
                con.executemany(f"INSERT INTO {_q(kind)} VALUES ({marks})", rows)
            for table, (cols, rows) in _links(kb).items():
                con.execute(f"CREATE TABLE {_q(table)} ({', '.join(map(_q, cols))})")
                con.execute(f"CREATE INDEX {_q(table + '_0')} ON {_q(table)} ({_q(cols[0])})")
                con.execute(f"CREATE INDEX {_q(table + '_1')} ON {_q(table)} ({_q(cols[1])})")
                con.executemany(f"INSERT INTO {_q(table)} VALUES ({', '.join('?' * len(cols))})", rows)
            con.execute("CREATE TABLE scoring (id TEXT PRIMARY KEY, json TEXT NOT NULL)")
            if kb.scoring is not None:
                con.executemany("INSERT INTO scoring VALUES (?, ?)",
                                [(r.id, r.model_dump_json(by_alias=True)) for r in kb.scoring.rules])
            if fts:
                con.execute("CREATE VIRTUAL TABLE search USING fts5(kind UNINDEXED, id UNINDEXED, name, body)")
            else:
                con.execute("CREATE TABLE search (kind TEXT, id TEXT, name TEXT, body TEXT)")
            search_rows = []
            for kind in KINDS:
                for item in export_items(kb, kind):
                    lead = [item[k] for k in _LEAD if isinstance(item.get(k), str)]
                    rest = {k: v for k, v in item.items() if k not in ("id", "name", *_LEAD)}
                    body = " ".join([*lead, *_texts(rest), item["id"]])
                    search_rows.append((kind, item["id"], item["name"], body))
            con.executemany("INSERT INTO search VALUES (?, ?, ?, ?)", search_rows)
            con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            con.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("kb_name", kb.name),
                ("kb_version", kb.version),
                ("content_hash", kb.content_hash),
                ("schema_version", str(DB_SCHEMA_VERSION)),
                ("fts5", "1" if fts else "0"),
                ("scoring_version", kb.scoring.version if kb.scoring else ""),
            ])
    finally:
        con.close()


def build_database(kb: "KnowledgeBase", path: Path | None = None) -> Path:
    """Build the database of ``kb`` unless it already exists; return its path.

    Parameters
    ----------
    path : Path, optional
        Target file; by default :func:`database_path` in the cache directory.
    """
    target = Path(path) if path is not None else database_path(kb)
    if target.exists():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    except OSError:
        if path is not None:
            raise
        # an unwritable cache (read-only home, container) must not stop queries: use /tmp
        target = Path(tempfile.gettempdir()) / "refractor-cache" / target.name
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # sqlite creates the file itself
    try:
        write_database(kb, Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


__all__ = ["DB_SCHEMA_VERSION", "build_database", "cache_dir", "database_path", "scalar_columns",
           "write_database"]
