"""Read the knowledge-base source files: YAML lists with line numbers, merged per kind.

Layout of a data directory::

    kb.yaml                      name, version, description
    <kind>/*.yaml                one YAML list of entries of that kind per file (kind = folder)
    scoring/base.yaml            version, possible_factor, levels, score_to_level
    scoring/rules_*.yaml         YAML lists of AgentRule entries

Nothing here validates records; :mod:`refractor.kb._validate` does. This module only turns
bytes into plain Python data that remembers where each entry (and each value) came from,
and reports unreadable files as :class:`~refractor.errors.KBProblem` instead of raising.
"""
from __future__ import annotations

import functools
import hashlib
import marshal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from refractor._atomic import atomic_write
from refractor.errors import KBProblem
from refractor.kb.schema import KINDS

try:  # the C loader is ~10x faster; pure Python is the fallback
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

SCORING_DIR = "scoring"
_PARSE_CACHE_VERSION = 1
META_FILE = "kb.yaml"


@dataclass
class RawEntry:
    """One entry of a source file, as plain data, with its origin.

    Attributes
    ----------
    file : str
        Path relative to the data directory, with forward slashes.
    line : int
        1-based line where the entry starts.
    data : Any
        The parsed YAML value (normally a mapping).
    node : yaml.Node
        The YAML node, used to find the line of a nested field.
    """

    file: str
    line: int
    data: Any
    node: Any = None
    path: Path | None = None
    index: int = 0

    @property
    def entry_id(self) -> str:
        """The entry's ``id`` if it has a string one, else ``#<line>``."""
        if isinstance(self.data, dict) and isinstance(self.data.get("id"), str):
            return self.data["id"]
        return f"entry at line {self.line}"

    def line_of(self, loc: tuple[Any, ...]) -> int:
        """1-based line of the value at ``loc`` (mapping keys / sequence indices) in this entry.

        Walks as far down ``loc`` as the YAML tree allows and returns the deepest line found.
        """
        node = self.node
        if node is None and self.path is not None:  # read from the parse cache: compose lazily
            node = self.node = _entry_node(self.path, self.index)
        line = self.line
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                nxt = None
                for key, value in node.value:
                    if getattr(key, "value", None) == part:
                        nxt = value
                        line = key.start_mark.line + 1
                        break
                if nxt is None:
                    return line
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


@dataclass
class RawKB:
    """Everything read from one data directory, before validation."""

    data_dir: Path | None
    meta: dict[str, Any] = field(default_factory=dict)
    entries: dict[str, list[RawEntry]] = field(default_factory=dict)  # kind -> entries
    scoring_base: RawEntry | None = None
    scoring_rules: list[RawEntry] = field(default_factory=list)
    problems: list[KBProblem] = field(default_factory=list)
    content_hash: str = ""
    files: list[str] = field(default_factory=list)


def default_data_dir() -> Path:
    """The packaged data directory (``refractor/kb/data``)."""
    return Path(__file__).resolve().parent / "data"


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _NeedsFullConstructor(Exception):
    """The document uses merge keys or complex keys: let PyYAML construct it."""


def _build(node: Any, loader: Any, dup: list[tuple[int, Any]]) -> Any:
    """Plain data from a composed node, ~3x faster than SafeConstructor; records duplicate keys."""
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR_TAG else loader.construct_object(node)
    if isinstance(node, yaml.SequenceNode):
        return [_build(n, loader, dup) for n in node.value]
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for k, v in node.value:
            if k.tag == _MERGE_TAG or not isinstance(k, yaml.ScalarNode):
                raise _NeedsFullConstructor
            key = _build(k, loader, dup)
            if key in out:
                dup.append((k.start_mark.line + 1, key))
            out[key] = _build(v, loader, dup)
        return out
    raise _NeedsFullConstructor  # pragma: no cover - unknown node type


def _parse(text: str, rel: str) -> tuple[Any, Any, KBProblem | None]:
    """Parse one YAML document; return (data, node, problem).

    Duplicate mapping keys (which YAML loaders silently resolve to the last value) are a problem.
    """
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            dup: list[tuple[int, Any]] = []
            try:
                data = _build(node, loader, dup) if node is not None else None
            except _NeedsFullConstructor:
                data = loader.construct_document(node)
            if dup:
                line, key = dup[0]
                return None, None, KBProblem(f"{rel}:{line}", None, None,
                                             f"duplicate key {key!r} in one mapping (YAML keeps only the last)")
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        col = f" at column {mark.column + 1}" if mark is not None else ""
        what = exc.problem or "invalid YAML"
        if exc.context:
            what += f" {exc.context}"
            ctx = exc.context_mark
            if ctx is not None and mark is not None and (ctx.line, ctx.column) != (mark.line, mark.column):
                what += f" (started at line {ctx.line + 1}, column {ctx.column + 1})"
        return None, None, KBProblem(f"{rel}{where}", None, None, f"YAML syntax error{col}: {what}")
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return None, None, KBProblem(rel, None, None, f"YAML error: {exc}")
    return data, node, None


@functools.lru_cache(maxsize=64)
def _nodes(path: Path, stamp: tuple[int, int]) -> list[Any]:
    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_Loader)
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _entry_node(path: Path, index: int) -> Any:
    st = path.stat()
    nodes = _nodes(path, (st.st_mtime_ns, st.st_size))
    return nodes[index] if index < len(nodes) else None


def _cache_file(raw: bytes) -> Path:
    from refractor.kb._compile import cache_dir

    return cache_dir() / "yaml" / f"{hashlib.sha256(raw).hexdigest()[:32]}.v{_PARSE_CACHE_VERSION}.marshal"


def _cached_parse(path: Path) -> tuple[Any, list[int]] | None:
    """(data, entry lines) of a list file parsed before with the same bytes, or None."""
    try:
        return marshal.loads(_cache_file(path.read_bytes()).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _store_parse(raw: bytes, data: Any, lines: list[int]) -> None:
    target = _cache_file(raw)
    try:
        blob = marshal.dumps((data, lines))
    except ValueError:  # dates or other types marshal cannot hold: simply not cached
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target, "wb", fsync=False) as fh:
            fh.write(blob)
    except OSError:  # a read-only cache is not an error: the next load parses again
        pass


def read_list(path: Path, rel: str) -> tuple[list[RawEntry], list[KBProblem]]:
    """Read a file holding a YAML list of entries.

    An empty file is an empty list. Anything other than a list (of anything) is a problem.
    Parsed files are cached by content (``<cache dir>/yaml``), so an unchanged file is not
    parsed again; YAML nodes (for the line of a nested field) are then composed on demand.
    """
    cached = _cached_parse(path)
    if cached is not None:
        data, lines = cached
        return [RawEntry(rel, line, value, None, path, i)
                for i, (line, value) in enumerate(zip(lines, data))], []
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [KBProblem(rel, None, None, f"cannot read file: {exc}")]
    data, node, problem = _parse(text, rel)
    if problem is not None:
        return [], [problem]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [KBProblem(f"{rel}:{node.start_mark.line + 1}", None, None,
                              f"expected a YAML list of entries, found a {type(data).__name__}")]
    out = [RawEntry(rel, item.start_mark.line + 1, value, item, path, i)
           for i, (item, value) in enumerate(zip(node.value, data))]
    _store_parse(raw, data, [e.line for e in out])
    return out, []


def read_mapping(path: Path, rel: str) -> tuple[RawEntry | None, list[KBProblem]]:
    """Read a file holding one YAML mapping (``kb.yaml``, ``scoring/base.yaml``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [KBProblem(rel, None, None, f"cannot read file: {exc}")]
    data, node, problem = _parse(text, rel)
    if problem is not None:
        return None, [problem]
    if not isinstance(data, dict):
        return None, [KBProblem(rel, None, None,
                                f"expected a YAML mapping, found {type(data).__name__}")]
    return RawEntry(rel, node.start_mark.line + 1, data, node), []


def source_files(data_dir: Path) -> list[Path]:
    """Every file that makes up the KB content, sorted by relative path (the hash order)."""
    files = [data_dir / META_FILE] if (data_dir / META_FILE).is_file() else []
    for sub in sorted(p for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))):
        files.extend(sorted(p for p in sub.iterdir()
                            if p.is_file() and p.suffix in (".yaml", ".yml") and not p.name.startswith(".")))
    return sorted(files, key=lambda p: p.relative_to(data_dir).as_posix())


def content_hash(data_dir: Path, files: list[Path]) -> str:
    """sha256 over (relative path, bytes) of each source file in path order; first 16 hex chars."""
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(data_dir).as_posix().encode() + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


def read_data_dir(data_dir: Path) -> RawKB:
    """Read every source file of ``data_dir``; collect problems, never raise for content."""
    raw = RawKB(data_dir=data_dir)
    if not data_dir.is_dir():
        raw.problems.append(KBProblem(str(data_dir), None, None, "data directory does not exist"))
        return raw
    files = source_files(data_dir)
    raw.files = [p.relative_to(data_dir).as_posix() for p in files]
    raw.content_hash = content_hash(data_dir, files)
    for kind in KINDS:
        raw.entries[kind] = []
    for p in files:
        rel = p.relative_to(data_dir).as_posix()
        if p.suffix == ".yml":
            raw.problems.append(KBProblem(rel, None, None, "not read: KB files must end in .yaml"))
            continue
        if rel == META_FILE:
            entry, problems = read_mapping(p, rel)
            raw.problems.extend(problems)
            raw.meta = entry.data if entry is not None else {}
            continue
        folder = rel.split("/", 1)[0]
        if folder == SCORING_DIR:
            if p.name == "base.yaml":
                raw.scoring_base, problems = read_mapping(p, rel)
            elif p.name.startswith("rules_"):
                entries, problems = read_list(p, rel)
                raw.scoring_rules.extend(entries)
            else:
                problems = [KBProblem(rel, None, None,
                                      "unexpected scoring file: use base.yaml or rules_<topic>.yaml")]
            raw.problems.extend(problems)
        elif folder in KINDS:
            entries, problems = read_list(p, rel)
            raw.entries[folder].extend(entries)
            raw.problems.extend(problems)
        else:
            raw.problems.append(KBProblem(
                rel, None, None,
                f"unknown kind folder {folder!r}; expected one of: {', '.join([*KINDS, SCORING_DIR])}"))
    if META_FILE not in raw.files:
        raw.problems.append(KBProblem(META_FILE, None, None, "missing (name, version, description)"))
    return raw


__all__ = ["RawEntry", "RawKB", "default_data_dir", "read_data_dir", "read_list", "read_mapping"]
