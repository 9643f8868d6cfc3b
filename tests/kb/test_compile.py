"""The compiled SQLite database: tables, link tables, meta, cache naming, atomic build, search."""
from __future__ import annotations

import os
import sqlite3
import tempfile

import pytest

from refractor.errors import InputError
from refractor.kb import KnowledgeBase
from refractor.kb._compile import DB_SCHEMA_VERSION, build_database
from refractor.settings import Settings

from .conftest import VALID


def _rows(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_database_layout_and_meta(mini_kb):
    db = mini_kb.database()
    assert db.parent == Settings.resolve().cache_dir == mini_kb.settings.cache_dir
    assert db.name == f"kb-{mini_kb.content_hash}-s{DB_SCHEMA_VERSION}.sqlite"
    meta = dict(_rows(db, "SELECT key, value FROM meta"))
    assert meta["kb_version"] == "0.0.1" and meta["content_hash"] == mini_kb.content_hash
    assert meta["schema_version"] == str(DB_SCHEMA_VERSION)
    # one table per kind with scalar columns + json
    assert _rows(db, "SELECT category, axis, evidence_level FROM mechanisms WHERE id = ?", "bcl2-g101v") == [
        ("drug_target", "bcl2", "patient_cohort")]
    assert _rows(db, "SELECT subject_kind, subject_id, source FROM evidence WHERE id = 'ev-g101v'") == [
        ("mechanism", "bcl2-g101v", "pmid:30514704")]
    assert _rows(db, "SELECT count(*) FROM evidence")[0][0] == 3


def test_link_tables(mini_kb):
    db = mini_kb.database()
    assert _rows(db, "SELECT agent_id FROM mechanism_agent WHERE mechanism_id = 'crbn-exon10-skipping'") == [
        ("lenalidomide",), ("pomalidomide",)]
    assert _rows(db, "SELECT gene_id FROM mechanism_gene WHERE mechanism_id = 'bcl2-g101v'") == [("BCL2",)]
    assert _rows(db, "SELECT strategy_id, link FROM strategy_mechanism WHERE mechanism_id = 'crbn-exon10-skipping'") \
        == [("avoid-imid-after-exon10", "inferred")]
    assert _rows(db, "SELECT agent_id, interaction FROM evidence_agent WHERE evidence_id = 'ev-g101v'") == [
        ("venetoclax", "single")]
    assert _rows(db, "SELECT disease_id FROM evidence_disease WHERE evidence_id = 'ev-g101v'") == [("CLL",)]
    assert _rows(db, "SELECT gene_id FROM biomarker_gene WHERE biomarker_id = 'crbn-low' ORDER BY gene_id") == [
        ("CRBN",), ("IKZF1",)]
    assert _rows(db, "SELECT agent_id FROM regimen_component WHERE regimen_id = 'pvd' ORDER BY position") == [
        ("pomalidomide",), ("bortezomib",), ("dexamethasone",)]
    assert ("evidence", "ev-g101v", "pmid:30514704") in _rows(db, "SELECT kind, id, source_id FROM entry_source")


def test_build_once_and_atomically(mini_kb, monkeypatch):
    db = mini_kb.database()
    stamp = db.stat().st_mtime_ns
    kb2 = KnowledgeBase.from_records(**{k: list(mini_kb.records(k).values()) for k in
                                        ("sources", "diseases", "genes", "agents")})
    assert build_database(mini_kb) == db and db.stat().st_mtime_ns == stamp  # not rebuilt
    # a failing build leaves neither the target nor a temporary file behind
    import refractor.kb._compile as comp

    def boom(kb, path):
        sqlite3.connect(path).close()
        raise RuntimeError("disk full")

    monkeypatch.setattr(comp, "write_database", boom)
    with pytest.raises(RuntimeError):
        kb2.database()
    assert not any(p.name.startswith(f"kb-{kb2.content_hash}") for p in Settings.resolve().cache_dir.iterdir())


def test_search_fts_and_like_fallback(tmp_path, monkeypatch, make_kb):
    kb_dir = make_kb()
    kb = KnowledgeBase.load(kb_dir)
    hits = kb.search("venetoclax affinity")
    assert list(hits.columns) == ["kind", "id", "name", "snippet"]
    assert set(hits["id"]) == {"bcl2-g101v", "ev-g101v"}
    assert "[venetoclax]" in hits.iloc[0]["snippet"]
    assert kb.search("exon")["id"].tolist()[:1] and "crbn-exon10-skipping" in kb.search("exon").id.tolist()
    with pytest.raises(InputError, match="search text is empty"):
        kb.search("  ")
    with pytest.raises(InputError, match="longer than 200"):
        kb.search("x" * 201)
    # without FTS5 the same query works through LIKE
    import refractor.kb._compile as comp

    monkeypatch.setattr(comp, "_fts5_available", lambda con: False)
    kb = KnowledgeBase.load(kb_dir, settings=Settings.resolve(cache_dir=tmp_path / "nofts"))
    like = kb.search("venetoclax affinity")
    assert set(like["id"]) == {"bcl2-g101v", "ev-g101v"}
    assert dict(_rows(kb.database(), "SELECT key, value FROM meta"))["fts5"] == "0"


def test_database_goes_to_the_cache_dir_of_the_settings(tmp_path):
    kb = KnowledgeBase.load(VALID, settings=Settings.resolve(cache_dir=tmp_path / "c"))
    assert kb.database().parent == tmp_path / "c"


def test_valid_fixture_is_unchanged_by_builds():
    assert not list(VALID.rglob("*.sqlite")) and not any(p.name.startswith(".") for p in VALID.rglob("*"))
    assert os.access(VALID, os.R_OK)


def test_unwritable_cache_falls_back_to_temp(monkeypatch, tmp_path, mini_kb):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    mini_kb = KnowledgeBase.load(VALID, settings=Settings.resolve(cache_dir=blocker / "cache"))  # under a file
    db = mini_kb.database()
    assert db.parent == tmp_path / "tmp" / f"refractor-cache-{os.getuid()}" and db.exists()
    assert (db.parent.stat().st_mode & 0o777) == 0o700  # private to this user
    assert _rows(db, "SELECT value FROM meta WHERE key = 'content_hash'") == [(mini_kb.content_hash,)]
    assert "bcl2-g101v" in set(mini_kb.search("G101V").id)
