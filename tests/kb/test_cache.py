"""Caches that cannot lie: every damaged, altered, stale or foreign cache file is rebuilt, with a warning.

The compiled database and the YAML parse cache only make loading faster; what the KB says must
come from the curated YAML files. So each corruption class below must end with the same
answers as a clean build, a :class:`CacheWarning` naming the file, and a verified file on disk.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import sqlite3
import tempfile

import pytest

from refractor._cachefile import seal, unseal
from refractor.errors import CacheWarning
from refractor.kb import KnowledgeBase
from refractor.kb import _knowledge
from refractor.kb._compile import database_path, database_problem
from refractor.kb._yaml import cache_file
from refractor.settings import Settings

from .conftest import VALID


@pytest.fixture
def fresh(tmp_path):
    """A KB with its own, empty cache folder (nothing shared with other tests)."""
    settings = Settings.resolve(cache_dir=tmp_path / "cache")
    kb = KnowledgeBase.load(VALID, settings=settings)
    return kb, settings


def _clean_db(kb):
    db = kb.database()
    assert database_problem(db, kb.content_hash) is None
    return db


def _reload(settings):
    """The same KB folder loaded again in a 'new process' (in-process KB cache forgotten)."""
    _knowledge._CACHE.clear()
    return KnowledgeBase.load(VALID, settings=settings)


def _sql(db, *statements):
    con = sqlite3.connect(db)
    try:
        with con:
            for s in statements:
                con.execute(s)
    finally:
        con.close()


# --------------------------------------------------------------------------- compiled database
def _garbage(db):
    db.write_bytes(b"this is not an SQLite database\n" * 200)


def _truncated(db):
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


def _empty(db):
    db.write_bytes(b"")


def _missing_table(db):
    _sql(db, "DROP TABLE mechanism_agent")


def _altered_row(db):  # well-formed, but says something the YAML does not
    _sql(db, "UPDATE search SET body = 'venetoclax ibrutinib' WHERE id = 'crbn-low-expression'")


def _unsealed(db):  # e.g. written by a Refractor that stored no hash
    _sql(db, "DELETE FROM meta WHERE key = 'payload_sha256'")


def _stale(db):  # a database of other KB content under this name (its own digest recomputed)
    from refractor.kb._compile import payload_digest

    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE meta SET value = '0123456789abcdef' WHERE key = 'content_hash'")
        con.execute("UPDATE meta SET value = ? WHERE key = 'payload_sha256'", (payload_digest(con),))
    con.close()


@pytest.mark.parametrize("damage, reason", [
    (_garbage, "not a usable database"),
    (_truncated, "not a usable database|integrity check|do not match"),
    (_empty, "not a usable database"),
    (_missing_table, "do not match their stored hash"),
    (_altered_row, "do not match their stored hash"),
    (_unsealed, "has no stored hash of its tables"),
    (_stale, "built from KB content '0123456789abcdef'"),
])
def test_damaged_database_is_rebuilt_with_a_warning(fresh, damage, reason):
    kb, settings = fresh
    db = _clean_db(kb)
    damage(db)
    again = _reload(settings)  # a later process finds the damaged file
    with pytest.warns(CacheWarning, match=reason) as record:
        hits = again.search("G101V")
    assert record[0].message.path == str(db) and record[0].message.what == "compiled KB database"
    assert "bcl2-g101v" in set(hits.id)
    assert database_problem(db, kb.content_hash) is None  # replaced by a verified build
    # the altered search row is gone: the lenalidomide mechanism is not a venetoclax hit
    assert "crbn-low-expression" not in set(again.search("ibrutinib").id)


def test_database_damaged_while_in_use_is_rebuilt_on_the_next_query(fresh):
    """The old failure: one damaged file made every later search (and /kb/search) fail."""
    kb, _ = fresh
    db = _clean_db(kb)
    assert "bcl2-g101v" in set(kb.search("G101V").id)
    _garbage(db)
    with pytest.warns(CacheWarning, match="not a usable database"):
        assert "bcl2-g101v" in set(kb.search("G101V").id)
    assert "bcl2-g101v" in set(kb.search("G101V").id)  # and stays usable


def test_database_owned_by_another_user_is_not_trusted(fresh, monkeypatch):
    kb, settings = fresh
    db = _clean_db(kb)
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 1)  # as seen by another user, db is foreign
    with pytest.warns(CacheWarning, match=f"owned by user id {real}, not by you"):
        _reload(settings).database()
    monkeypatch.undo()
    assert database_problem(db, kb.content_hash) is None


@pytest.mark.parametrize("mode", [0o664, 0o646])
def test_database_writable_by_others_is_not_trusted(fresh, mode):
    kb, settings = fresh
    db = _clean_db(kb)
    os.chmod(db, mode)
    with pytest.warns(CacheWarning, match="writable by other users"):
        _reload(settings).database()
    assert db.stat().st_mode & 0o777 == 0o644  # rebuilt with a safe mode


def test_symlinked_database_is_not_trusted(fresh, tmp_path):
    kb, settings = fresh
    db = _clean_db(kb)
    elsewhere = tmp_path / "planted.sqlite"
    os.replace(db, elsewhere)
    db.symlink_to(elsewhere)
    with pytest.warns(CacheWarning, match="symbolic link"):
        _reload(settings).database()
    assert not db.is_symlink() and database_problem(db, kb.content_hash) is None


def test_fallback_folder_prepared_by_someone_else_is_not_used(tmp_path, monkeypatch):
    """An unwritable cache folder falls back to the temp dir, but never to a folder others can write."""
    shared_tmp = tmp_path / "tmp"
    planted = shared_tmp / f"refractor-cache-{os.getuid()}"
    planted.mkdir(parents=True)
    os.chmod(planted, 0o777)  # world-writable: anyone could have placed a database there
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    kb = KnowledgeBase.load(VALID, settings=Settings.resolve(cache_dir=blocker / "cache"))
    db = kb.database()
    assert db.parent != planted and db.parent.parent == shared_tmp
    assert db.parent.stat().st_mode & 0o777 == 0o700 and database_problem(db, kb.content_hash) is None


def test_fallback_folder_of_another_user_is_not_used(tmp_path, monkeypatch):
    from refractor._cachefile import private_temp_dir

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real = os.getuid()
    theirs = tmp_path / f"refractor-cache-{real + 1}"
    theirs.mkdir(mode=0o700)  # made by us here; seen by user real+1 it belongs to someone else
    monkeypatch.setattr(os, "getuid", lambda: real + 1)
    chosen = private_temp_dir()
    assert chosen != theirs and chosen.parent == tmp_path and chosen.stat().st_mode & 0o777 == 0o700
    monkeypatch.setattr(os, "getuid", lambda: real)
    assert private_temp_dir() == tmp_path / f"refractor-cache-{real}"  # our own is created and reused
    assert private_temp_dir() == tmp_path / f"refractor-cache-{real}"


def test_database_planted_in_the_fallback_folder_is_rebuilt(tmp_path, monkeypatch):
    shared_tmp = tmp_path / "tmp"
    shared_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    kb = KnowledgeBase.load(VALID, settings=Settings.resolve(cache_dir=blocker / "cache"))
    db = kb.database()
    _altered_row(db)
    kb._db_path = None
    with pytest.warns(CacheWarning, match="do not match their stored hash"):
        assert kb.database() == db
    assert database_problem(db, kb.content_hash) is None


def test_database_path_is_named_by_content_and_layout(fresh):
    kb, settings = fresh
    assert kb.database() == database_path(kb, settings.cache_dir)
    assert kb.database().parent == settings.cache_dir


# --------------------------------------------------------------------------- YAML parse cache
RULES = VALID / "scoring" / "rules_imid.yaml"


def _parse_cache(settings):
    return cache_file(settings.cache_dir, RULES.read_bytes())


def _venetoclax_g101v_weight(kb):
    rule = next(r for r in kb.scoring.rules if r.id == "venetoclax")
    return next(t.weight for t in rule.terms if getattr(t, "mechanism", None) == "bcl2-g101v")


def test_altered_parse_cache_is_not_trusted(fresh):
    """The reported failure: a BCL2 weight set to 0 in the parse cache changed venetoclax calls.

    The curated rule (tests/data/kb/valid/scoring/rules_imid.yaml) gives BCL2 G101V weight 60
    for venetoclax; the KB must say 60 whatever the cache holds.
    """
    kb, settings = fresh
    assert _venetoclax_g101v_weight(kb) == 60
    target = _parse_cache(settings)
    blob = target.read_bytes()
    source_digest = hashlib.sha256(RULES.read_bytes()).digest()
    payload = unseal(blob, source_digest)
    data, lines = marshal.loads(payload)
    for rule in data:
        for term in rule.get("terms", []):
            if term.get("mechanism") == "bcl2-g101v":
                term["weight"] = 0
    tampered = marshal.dumps((data, lines))
    target.write_bytes(blob[: -len(payload)] + tampered)  # payload edited, stored hashes left as they were
    with pytest.warns(CacheWarning, match="payload does not match its stored hash") as record:
        again = _reload(settings)
    assert record[0].message.what == "YAML parse cache"
    assert _venetoclax_g101v_weight(again) == 60 and again.content_hash == kb.content_hash
    # the cache was rewritten from the YAML: a third load is silent and still says 60
    assert _venetoclax_g101v_weight(_reload(settings)) == 60


@pytest.mark.parametrize("damage, reason", [
    (lambda b: b[: len(b) // 2], "payload does not match|truncated"),
    (lambda b: b"", "truncated or foreign"),
    (lambda b: b"\x00garbage" * 10, "truncated or foreign"),
    (lambda b: seal(marshal.dumps(([1, 2], [1])), b"\x00" * 32), "built from other source content"),
    (lambda b: seal(marshal.dumps(("x", [1])), hashlib.sha256(RULES.read_bytes()).digest()), "wrong shape"),
])
def test_damaged_parse_cache_is_rebuilt(fresh, damage, reason):
    kb, settings = fresh
    target = _parse_cache(settings)
    target.write_bytes(damage(target.read_bytes()))
    with pytest.warns(CacheWarning, match=reason):
        again = _reload(settings)
    assert _venetoclax_g101v_weight(again) == 60 and len(again.scoring.rules) == len(kb.scoring.rules)


def test_parse_cache_of_another_user_is_not_trusted(fresh, monkeypatch):
    kb, settings = fresh
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 1)
    with pytest.warns(CacheWarning, match="not by you"):
        again = _reload(settings)
    assert _venetoclax_g101v_weight(again) == 60


def test_parse_cache_files_are_private_to_their_owner(fresh):
    kb, settings = fresh
    assert _parse_cache(settings).stat().st_mode & 0o022 == 0
