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
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from refractor.errors import InputError, KBProblem
from refractor.kb._yaml import cached_parse, compose_list, parse, store_parse
from refractor.kb.schema import KINDS
from refractor.settings import ENV_KB_MAX_FILE_BYTES, KBLimits, Settings, packaged_kb_dir

SCORING_DIR = "scoring"
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
    return packaged_kb_dir()


def check_data_dir(data_dir: Path) -> None:
    """Raise a one-line :class:`~refractor.errors.InputError` unless ``data_dir`` is a readable folder."""
    try:
        if not data_dir.exists():
            if data_dir.is_symlink():
                raise InputError("knowledge-base folder is a symbolic link that leads nowhere (a loop or a "
                                 "missing target)", path=data_dir)
            raise InputError("knowledge-base folder not found", path=data_dir)
        if not data_dir.is_dir():
            raise InputError("is a file, not a knowledge-base folder (kb.yaml plus one folder per kind)",
                             path=data_dir)
        if not os.access(data_dir, os.R_OK | os.X_OK):
            raise InputError("knowledge-base folder is not readable (permission denied)", path=data_dir)
    except OSError as exc:  # e.g. a name too long, a symlink loop
        raise InputError(f"cannot open knowledge-base folder: {exc.strerror or exc}", path=data_dir) from None


@functools.lru_cache(maxsize=64)  # keyed by path and file stamp, holds YAML nodes only
def _nodes(path: Path, stamp: tuple[int, int]) -> list[Any]:
    return compose_list(path.read_text(encoding="utf-8"))


def _entry_node(path: Path, index: int) -> Any:
    st = path.stat()
    nodes = _nodes(path, (st.st_mtime_ns, st.st_size))
    return nodes[index] if index < len(nodes) else None


def _too_big(path: Path, rel: str, limits: KBLimits) -> KBProblem:
    return KBProblem(rel, None, None, f"refused: file is {path.stat().st_size} bytes, more than the limit of "
                     f"{limits.max_file_bytes} ({ENV_KB_MAX_FILE_BYTES})")


def _rel(filename: str | None, data_dir: Path) -> str:
    try:
        return Path(filename).relative_to(data_dir).as_posix() if filename else str(data_dir)
    except ValueError:
        return str(filename)


def _read_text(path: Path, rel: str, limits: KBLimits) -> tuple[bytes, str] | KBProblem:
    """The bytes and text of a source file within the size limit, or the problem."""
    try:
        if path.stat().st_size > limits.max_file_bytes:
            return _too_big(path, rel, limits)
        raw = path.read_bytes()
        return raw, raw.decode("utf-8")
    except OSError as exc:
        return KBProblem(rel, None, None, f"cannot read file: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        return KBProblem(rel, None, None, f"cannot read file: not UTF-8 text ({exc.reason} at byte {exc.start})")


def read_list(path: Path, rel: str, settings: Settings | None = None) -> tuple[list[RawEntry], list[KBProblem]]:
    """Read a file holding a YAML list of entries.

    An empty file is an empty list. Anything other than a list (of anything) is a problem.
    Parsed files are cached by content (``<cache dir>/yaml``, verified on load), so an
    unchanged file is not parsed again; YAML nodes (for the line of a nested field) are then
    composed on demand.
    """
    settings = settings or Settings.resolve()
    got = _read_text(path, rel, settings.limits.kb)
    if isinstance(got, KBProblem):
        return [], [got]
    raw, text = got
    cached = cached_parse(settings.cache_dir, raw)
    if cached is not None:
        data, lines = cached
        return [RawEntry(rel, line, value, None, path, i)
                for i, (line, value) in enumerate(zip(lines, data))], []
    data, node, problem = parse(text, rel, settings.limits.kb)
    if problem is not None:
        return [], [problem]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [KBProblem(f"{rel}:{node.start_mark.line + 1}", None, None,
                              f"expected a YAML list of entries, found a {type(data).__name__}")]
    out = [RawEntry(rel, item.start_mark.line + 1, value, item, path, i)
           for i, (item, value) in enumerate(zip(node.value, data))]
    store_parse(settings.cache_dir, raw, data, [e.line for e in out])
    return out, []


def read_mapping(
    path: Path, rel: str, settings: Settings | None = None
) -> tuple[RawEntry | None, list[KBProblem]]:
    """Read a file holding one YAML mapping (``kb.yaml``, ``scoring/base.yaml``)."""
    limits = (settings or Settings.resolve()).limits.kb
    got = _read_text(path, rel, limits)
    if isinstance(got, KBProblem):
        return None, [got]
    data, node, problem = parse(got[1], rel, limits)
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


def read_data_dir(data_dir: Path, settings: Settings | None = None) -> RawKB:
    """Read every source file of ``data_dir``; collect problems, never raise for content.

    ``settings`` gives the cache folder and the YAML limits (default: resolved from the
    environment).
    """
    settings = settings or Settings.resolve()
    raw = RawKB(data_dir=data_dir)
    try:
        check_data_dir(data_dir)
        files = source_files(data_dir)
    except InputError as exc:
        raw.problems.append(KBProblem(str(data_dir), None, None, exc.problem))
        return raw
    except OSError as exc:  # a kind folder that cannot be listed
        raw.problems.append(KBProblem(str(data_dir), None, None, f"cannot list folder: {exc.strerror or exc}"))
        return raw
    raw.files = [p.relative_to(data_dir).as_posix() for p in files]
    try:  # sizes first: one huge file must not be read whole just to hash it
        raw.problems.extend(_too_big(p, rel, settings.limits.kb) for p, rel in zip(files, raw.files)
                            if p.stat().st_size > settings.limits.kb.max_file_bytes)
        if not raw.problems:
            raw.content_hash = content_hash(data_dir, files)
    except OSError as exc:
        raw.problems.append(KBProblem(_rel(exc.filename, data_dir), None, None,
                                      f"cannot read file: {exc.strerror or exc}"))
    if raw.problems:
        return raw
    for kind in KINDS:
        raw.entries[kind] = []
    for p in files:
        rel = p.relative_to(data_dir).as_posix()
        if p.suffix == ".yml":
            raw.problems.append(KBProblem(rel, None, None, "not read: KB files must end in .yaml"))
            continue
        if rel == META_FILE:
            entry, problems = read_mapping(p, rel, settings)
            raw.problems.extend(problems)
            raw.meta = entry.data if entry is not None else {}
            continue
        folder = rel.split("/", 1)[0]
        if folder == SCORING_DIR:
            if p.name == "base.yaml":
                raw.scoring_base, problems = read_mapping(p, rel, settings)
            elif p.name.startswith("rules_"):
                entries, problems = read_list(p, rel, settings)
                raw.scoring_rules.extend(entries)
            else:
                problems = [KBProblem(rel, None, None,
                                      "unexpected scoring file: use base.yaml or rules_<topic>.yaml")]
            raw.problems.extend(problems)
        elif folder in KINDS:
            entries, problems = read_list(p, rel, settings)
            raw.entries[folder].extend(entries)
            raw.problems.extend(problems)
        else:
            raw.problems.append(KBProblem(
                rel, None, None,
                f"unknown kind folder {folder!r}; expected one of: {', '.join([*KINDS, SCORING_DIR])}"))
    if META_FILE not in raw.files:
        raw.problems.append(KBProblem(META_FILE, None, None, "missing (name, version, description)"))
    return raw


__all__ = ["RawEntry", "RawKB", "check_data_dir", "default_data_dir", "read_data_dir", "read_list",
           "read_mapping", "source_files"]
