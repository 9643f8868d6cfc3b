"""YAML text -> plain data for the KB loader: capped, duplicate-key aware, cached by content.

* :func:`parse` composes one document, refuses alias bombs, recursive aliases, deep nesting
  and duplicate keys, and builds plain Python data (~3x faster than PyYAML's constructor);
* :func:`cached_parse` / :func:`store_parse` keep parse results of list files in
  ``<cache dir>/yaml``, keyed by the sha256 of the file's bytes, sealed with the hash of the
  source and of the payload (:mod:`refractor._cachefile`), so an altered, truncated or
  foreign cache file is rebuilt with a :class:`~refractor.errors.CacheWarning`, never trusted.
"""
from __future__ import annotations

import hashlib
import marshal
from pathlib import Path
from typing import Any

import yaml

from refractor._cachefile import seal, unseal, untrusted_reason, warn_rebuild, write_cache_file
from refractor.errors import KBProblem
from refractor.settings import ENV_KB_MAX_ALIASES, KBLimits

try:  # the C loader is ~10x faster; pure Python is the fallback
    Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    Loader = yaml.SafeLoader

#: bump when the cached payload changes shape (part of the cache file name)
PARSE_CACHE_VERSION = 2
#: deepest nesting accepted; KB records nest about 8 levels (biomarker logic), so 100 is ample
MAX_DEPTH = 100
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_WHAT = "YAML parse cache"


class _NeedsFullConstructor(Exception):
    """The document uses merge keys or complex keys: let PyYAML construct it."""


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def graph_problem(root: Any, limits: KBLimits) -> str | None:
    """Why a composed YAML node graph is too costly to build (aliases, size, depth), or None.

    PyYAML composes an alias as the very node it names, so a node reached twice is an alias
    use; the expanded size counts every such node again, as building the data would.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    aliases = 0
    stack: list[tuple[Any, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(k)] for k in _children(node))
            if sizes[key] > limits.max_nodes:
                return (f"expands to more than {limits.max_nodes} YAML nodes through aliases "
                        "(an alias bomb?)")
            continue
        if key in on_path:
            return f"recursive alias at line {node.start_mark.line + 1} (a node contains itself)"
        if key in sizes:
            aliases += 1
            if aliases > limits.max_aliases:
                return (f"more than {limits.max_aliases} YAML aliases (*name); raise the limit with "
                        f"{ENV_KB_MAX_ALIASES} if they are intended")
            continue
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels at line {node.start_mark.line + 1}"
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node))
    return None


def _build(node: Any, loader: Any, dup: list[tuple[int, Any]]) -> Any:
    """Plain data from a composed node; records duplicate keys."""
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


def parse(text: str, rel: str, limits: KBLimits) -> tuple[Any, Any, KBProblem | None]:
    """Parse one YAML document; return (data, node, problem).

    Duplicate mapping keys (which YAML loaders silently resolve to the last value), alias
    bombs, recursive aliases and nesting deeper than :data:`MAX_DEPTH` are problems.
    """
    try:
        loader = Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:  # aliases and nesting are checked before anything is built
                why = graph_problem(node, limits)
                if why is not None:
                    return None, None, KBProblem(rel, None, None, f"refused: {why}")
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
    except RecursionError:  # pragma: no cover - the composer itself ran out of stack
        return None, None, KBProblem(rel, None, None, f"refused: nested deeper than {MAX_DEPTH} levels")
    return data, node, None


def compose_list(text: str) -> list[Any]:
    """The entry nodes of a YAML list document (for the line of a nested field)."""
    node = yaml.compose(text, Loader=Loader)
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


# --------------------------------------------------------------------------- parse cache
def cache_file(cache_dir: Path, raw: bytes) -> Path:
    """Where the parse of a file with bytes ``raw`` is cached."""
    return cache_dir / "yaml" / f"{hashlib.sha256(raw).hexdigest()[:32]}.v{PARSE_CACHE_VERSION}.cache"


def cached_parse(cache_dir: Path, raw: bytes) -> tuple[list[Any], list[int]] | None:
    """(entries, entry lines) of a list file parsed before with the same bytes, or None.

    A cache file that is not this user's, is writable by others, or whose payload does not
    match its stored hashes is reported (:class:`~refractor.errors.CacheWarning`) and ignored.
    """
    target = cache_file(cache_dir, raw)
    try:
        why = untrusted_reason(target)
    except OSError:  # no such file (or no usable cache folder): a plain miss
        return None
    if why is not None:
        warn_rebuild(target, why, _WHAT)
        return None
    try:
        payload = unseal(target.read_bytes(), hashlib.sha256(raw).digest())
        data, lines = marshal.loads(payload)
        if not (isinstance(data, list) and isinstance(lines, list) and len(data) == len(lines)
                and all(type(n) is int for n in lines)):
            raise ValueError("payload has the wrong shape")
    except (OSError, EOFError, ValueError, TypeError) as exc:
        warn_rebuild(target, str(exc), _WHAT)
        return None
    return data, lines


def store_parse(cache_dir: Path, raw: bytes, data: list[Any], lines: list[int]) -> None:
    """Cache the parse of a list file (silently skipped when the cache is not writable)."""
    try:
        payload = marshal.dumps((data, lines))
    except ValueError:  # dates or other types marshal cannot hold: simply not cached
        return
    target = cache_file(cache_dir, raw)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_cache_file(target, seal(payload, hashlib.sha256(raw).digest()))
    except OSError:  # a read-only cache is not an error: the next load parses again
        pass


__all__ = ["Loader", "MAX_DEPTH", "PARSE_CACHE_VERSION", "cache_file", "cached_parse", "compose_list",
           "graph_problem", "parse", "store_parse"]
