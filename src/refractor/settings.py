"""One typed settings object: where the knowledge base and the caches live, and input limits.

Every setting is resolved in one fixed order, in one place (:meth:`Settings.resolve`):

1. an explicit value (a command-line flag such as ``--kb``, or a keyword argument);
2. the environment (``REFRACTOR_KB_DIR``, ``REFRACTOR_CACHE_DIR``,
   ``REFRACTOR_KB_MAX_FILE_BYTES``, ``REFRACTOR_KB_MAX_ALIASES``, and the input-file caps
   ``REFRACTOR_MAX_INPUT_BYTES``, ``REFRACTOR_MAX_COLUMNS``, ``REFRACTOR_MAX_CELL_CHARS``,
   ``REFRACTOR_MAX_VCF_HEADER_LINES`` of :class:`refractor.io.IOLimits`);
3. the packaged default.

The resolved object is frozen and passed explicitly to the functions that need it
(:meth:`refractor.kb.KnowledgeBase.load`, :func:`refractor.api.create_app`); library calls
given no settings resolve them from the environment at call time. Importing this module
reads no file and no environment variable.

>>> from refractor.settings import Settings
>>> s = Settings.resolve(kb_dir="my_kb", environ={})
>>> s.kb_dir.name, s.limits.kb.max_aliases
('my_kb', 100)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from refractor.errors import InputError
from refractor.io._limits import IOLimits  # light: refractor.io loads its readers lazily

#: environment variable -> what it sets (documented in ``docs/kb.md``)
ENV_KB_DIR = "REFRACTOR_KB_DIR"
ENV_CACHE_DIR = "REFRACTOR_CACHE_DIR"
ENV_KB_MAX_FILE_BYTES = "REFRACTOR_KB_MAX_FILE_BYTES"
ENV_KB_MAX_ALIASES = "REFRACTOR_KB_MAX_ALIASES"


def packaged_kb_dir() -> Path:
    """The knowledge-base folder shipped inside the package (``refractor/kb/data``)."""
    return Path(__file__).resolve().parent / "kb" / "data"


def default_cache_dir() -> Path:
    """``~/.cache/refractor`` (the packaged default of :attr:`Settings.cache_dir`)."""
    return Path.home() / ".cache" / "refractor"


@dataclass(frozen=True)
class KBLimits:
    """Caps on knowledge-base source files, so a hostile folder cannot exhaust memory or time.

    Parameters
    ----------
    max_file_bytes : int
        Largest YAML file read, in bytes (the packaged KB's largest file is far below 1 MB).
    max_aliases : int
        Most YAML alias uses (``*name``) per file. Aliases are legal YAML but let 8 lines
        expand to billions of nodes (a "billion laughs" bomb); curated files need few.
    max_nodes : int
        Most YAML nodes per file after expanding aliases.
    """

    max_file_bytes: int = 16 * 1024 * 1024
    max_aliases: int = 100
    max_nodes: int = 2_000_000

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_aliases", "max_nodes"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InputError(f"{name} must be a whole number >= 0, got {value!r}", column=name)


@dataclass(frozen=True)
class Limits:
    """Every input limit, grouped by the part of Refractor that enforces it."""

    kb: KBLimits = field(default_factory=KBLimits)
    io: IOLimits = field(default_factory=IOLimits)


@dataclass(frozen=True)
class Settings:
    """Where Refractor reads its knowledge base and keeps its caches, and its input limits.

    Build one with :meth:`resolve` (flag -> environment -> packaged default); the constructor
    stores exactly what it is given.

    Attributes
    ----------
    kb_dir : Path
        Knowledge-base data folder (``kb.yaml`` plus one folder per kind).
    cache_dir : Path
        Folder for the compiled SQLite database and the YAML parse cache.
    limits : Limits
        Input caps (YAML size and aliases, ...).
    """

    kb_dir: Path = field(default_factory=packaged_kb_dir)
    cache_dir: Path = field(default_factory=default_cache_dir)
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def resolve(
        cls,
        *,
        kb_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        limits: Limits | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> "Settings":
        """Resolve every setting: explicit value, else environment, else packaged default.

        Parameters
        ----------
        kb_dir, cache_dir : path, optional
            Explicit values (command-line flags); ``None`` falls through to the environment.
        limits : Limits, optional
            Explicit limits; otherwise the environment overrides single fields of the defaults.
        environ : mapping, optional
            The environment to read (default ``os.environ``; tests pass their own).

        Raises
        ------
        InputError
            An environment value that is not a whole number where one is required.
        """
        env = os.environ if environ is None else environ
        kb = _path(kb_dir) or _path(env.get(ENV_KB_DIR)) or packaged_kb_dir()
        cache = _path(cache_dir) or _path(env.get(ENV_CACHE_DIR)) or default_cache_dir()
        if limits is None:
            kb_limits = KBLimits()
            for var, name in ((ENV_KB_MAX_FILE_BYTES, "max_file_bytes"), (ENV_KB_MAX_ALIASES, "max_aliases")):
                if env.get(var, "").strip():
                    kb_limits = replace(kb_limits, **{name: _whole(env[var], var)})
            limits = Limits(kb=kb_limits, io=IOLimits.from_env(env))
        return cls(kb_dir=kb, cache_dir=cache, limits=limits)

    def with_kb_dir(self, kb_dir: str | os.PathLike[str] | None) -> "Settings":
        """These settings with another KB folder (``None``: unchanged)."""
        return self if kb_dir is None else replace(self, kb_dir=Path(kb_dir).expanduser())


def _path(value: str | os.PathLike[str] | None) -> Path | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return Path(value).expanduser()


def _whole(text: str, var: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise InputError(f"environment variable {var}={text!r} is not a whole number", column=var) from None
    if value < 0:
        raise InputError(f"environment variable {var}={text!r} must be >= 0", column=var)
    return value


__all__ = ["ENV_CACHE_DIR", "ENV_KB_DIR", "ENV_KB_MAX_ALIASES", "ENV_KB_MAX_FILE_BYTES", "KBLimits", "Limits",
           "Settings", "default_cache_dir", "packaged_kb_dir"]
