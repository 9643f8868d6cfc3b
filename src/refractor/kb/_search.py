"""Full-text search over a compiled KB database (FTS5 when available, LIKE otherwise)."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pandas as pd

from refractor.errors import InputError

MAX_QUERY_CHARS = 200
_TOKEN = re.compile(r"\w[\w.+-]*", re.UNICODE)
COLUMNS = ["kind", "id", "name", "snippet"]


def _tokens(text: str) -> list[str]:
    if not isinstance(text, str) or not text.strip():
        raise InputError("search text is empty", column="text")
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(f"search text longer than {MAX_QUERY_CHARS} characters", column="text")
    tokens = _TOKEN.findall(text)
    if not tokens:
        raise InputError(f"search text {text!r} holds no word to search for", column="text")
    return tokens


def _snippet(body: str, tokens: list[str], width: int = 60) -> str:
    low = body.lower()
    pos = min((p for p in (low.find(t.lower()) for t in tokens) if p >= 0), default=0)
    start = max(0, pos - width // 2)
    text = body[start:start + width * 2]
    return ("…" if start else "") + text + ("…" if start + width * 2 < len(body) else "")


def search_database(path: Path, text: str, limit: int = 50) -> pd.DataFrame:
    """Entries matching every word of ``text`` (prefix match), best first.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind``, ``id``, ``name``, ``snippet``.
    """
    tokens = _tokens(text)
    limit = max(1, min(int(limit), 1000))
    con = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        fts = con.execute("SELECT value FROM meta WHERE key = 'fts5'").fetchone()[0] == "1"
        if fts:
            query = " ".join('"' + t.replace('"', '""') + '"*' for t in tokens)
            # rank first, then build snippets for the rows kept only (snippets are the slow part)
            rows = con.execute(
                "SELECT kind, id, name, snippet(search, 3, '[', ']', '…', 12) FROM search "
                "WHERE search MATCH ?1 AND rowid IN (SELECT rowid FROM search WHERE search MATCH ?1 "
                "ORDER BY bm25(search, 0, 0, 5.0, 1.0) LIMIT ?2) ORDER BY bm25(search, 0, 0, 5.0, 1.0)",
                (query, limit)).fetchall()
        else:  # pragma: no cover - exercised only where SQLite lacks FTS5
            where = " AND ".join("(name LIKE ? OR body LIKE ?)" for _ in tokens)
            args = [x for t in tokens for x in (f"%{t}%", f"%{t}%")]
            raw = con.execute(f"SELECT kind, id, name, body FROM search WHERE {where} LIMIT ?",
                              (*args, limit)).fetchall()
            rows = [(k, i, n, _snippet(b, tokens)) for k, i, n, b in raw]
    finally:
        con.close()
    return pd.DataFrame(rows, columns=COLUMNS)


__all__ = ["MAX_QUERY_CHARS", "search_database"]
