"""Compile a :class:`KnowledgeBase` into an embedded SQLite database.

Layout
------
* one table per kind (``agents``, ``mechanisms`` ...): ``id`` primary key, ``name`` (human
  name, derived where the kind has none), every scalar field as a column, ``json`` (the whole
  record in its JSON form);
* link tables for the many-to-many references (``mechanism_agent``, ``mechanism_gene``,
  ``strategy_mechanism``, ``evidence_agent``, ``evidence_disease``, ``entry_source`` ...);
* ``search``: an FTS5 index over every entry (plain table + LIKE when FTS5 is unavailable);
* ``meta``: kb name, version, content hash, schema version and ``payload_sha256``, a digest
  of every other table's schema and rows.

The file lives in the settings' cache folder (:attr:`refractor.settings.Settings.cache_dir`),
named by content hash and schema version, and is written atomically (temporary file +
``os.replace``), so concurrent builders never see a half-written database. An existing file
is used only after :func:`database_problem` finds nothing wrong with it: owned by this user
and writable by nobody else, readable by SQLite, built from the same KB content, and its
tables still hashing to the stored ``payload_sha256``. Anything else (garbage, a truncated
or empty file, a dropped table, an altered row, a file someone else placed) is reported with
a :class:`~refractor.errors.CacheWarning` and rebuilt.
"""
from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import os
import sqlite3
import tempfile
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from refractor._cachefile import CACHE_FILE_MODE, private_temp_dir, untrusted_reason, warn_rebuild
from refractor.kb.schema import KINDS, Logic

if TYPE_CHECKING:  # pragma: no cover
    from refractor.kb._knowledge import KnowledgeBase

#: bump when the table layout changes (part of the cache file name); 2: meta.payload_sha256
DB_SCHEMA_VERSION = 2
_SCALARS = (str, int, float, bool)
#: prose fields put first in the search body, so snippets show prose rather than ids
_LEAD = ("description", "statement", "topic", "title", "function", "mechanism_of_action", "handling")


_WHAT = "compiled KB database"


def database_path(kb: "KnowledgeBase", cache_dir: Path) -> Path:
    """Where the database of ``kb`` lives in ``cache_dir`` (it may not exist yet)."""
    return Path(cache_dir) / f"kb-{kb.content_hash}-s{DB_SCHEMA_VERSION}.sqlite"


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
            con.execute("INSERT INTO meta VALUES ('payload_sha256', ?)", (payload_digest(con),))
    finally:
        con.close()


def payload_digest(con: sqlite3.Connection) -> str:
    """sha256 over the schema and every row of every table (meta: all but this digest).

    Rows are read in the file's own scan order, which is fixed for an unchanged file; the
    FTS5 index is covered through its shadow tables.
    """
    h = hashlib.sha256()
    objects = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    for obj in objects:
        h.update(repr(obj).encode() + b"\n")
    for typ, name, _, sql in objects:
        if typ != "table" or (sql or "").upper().startswith("CREATE VIRTUAL TABLE"):
            continue
        where = " WHERE key != 'payload_sha256'" if name == "meta" else ""
        h.update(b"\x00" + name.encode() + b"\x00")
        for row in con.execute(f"SELECT * FROM {_q(name)}{where}"):
            h.update(repr(row).encode() + b"\n")
    return h.hexdigest()


def database_problem(path: Path, content_hash: str) -> str | None:
    """Why the existing database at ``path`` must not be used for a KB of ``content_hash``, or None."""
    try:
        why = untrusted_reason(path)
    except OSError as exc:
        return f"cannot be inspected ({exc.strerror or exc})"
    if why is not None:
        return why
    try:
        con = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return "fails SQLite's integrity check"
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("schema_version") != str(DB_SCHEMA_VERSION):
                return f"has table layout {meta.get('schema_version')!r}, not {DB_SCHEMA_VERSION}"
            if meta.get("content_hash") != content_hash:
                return f"was built from KB content {meta.get('content_hash')!r}, not {content_hash!r}"
            if "payload_sha256" not in meta:
                return "has no stored hash of its tables"
            if meta["payload_sha256"] != payload_digest(con):
                return "its tables do not match their stored hash (altered or corrupted)"
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:  # garbage, truncated, empty, a missing table ...
        return f"is not a usable database ({exc})"
    return None


def _usable(target: Path, kb: "KnowledgeBase") -> bool:
    if not os.path.lexists(target):
        return False
    why = database_problem(target, kb.content_hash)
    if why is None:
        return True
    warn_rebuild(target, why, _WHAT)
    return False


def _write(kb: "KnowledgeBase", target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # sqlite creates the file itself
    try:
        write_database(kb, Path(tmp))
        os.chmod(tmp, CACHE_FILE_MODE)
        os.replace(tmp, target)  # also replaces a bad file (ours, or foreign in a folder we own)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return target


def build_database(kb: "KnowledgeBase", path: Path | None = None, *, cache_dir: Path | None = None) -> Path:
    """The path of a verified database of ``kb``: the existing file if it checks out, else a new one.

    Parameters
    ----------
    path : Path, optional
        Target file; by default :func:`database_path` in ``cache_dir``.
    cache_dir : Path, optional
        Cache folder (default: :attr:`refractor.settings.Settings.cache_dir`, resolved now).
        When it cannot be written (read-only home, container) the database goes to a folder
        of the temp directory private to this user instead.
    """
    if path is not None:
        target = Path(path)
    else:
        if cache_dir is None:
            from refractor.settings import Settings

            cache_dir = Settings.resolve().cache_dir
        target = database_path(kb, cache_dir)
    if _usable(target, kb):
        return target
    try:
        return _write(kb, target)
    except OSError:
        if path is not None:
            raise
    target = private_temp_dir() / target.name
    return target if _usable(target, kb) else _write(kb, target)


__all__ = ["DB_SCHEMA_VERSION", "build_database", "database_path", "database_problem", "payload_digest",
           "scalar_columns", "write_database"]
