"""One typed settings object: where the knowledge base and the caches live, and input limits.

Every setting is resolved in one fixed order, in one place (:meth:`Settings.resolve`):

1. an explicit value (a command-line flag such as ``--kb``, or a keyword argument);
2. the environment (``REFRACTOR_KB_DIR``, ``REFRACTOR_CACHE_DIR``, ``REFRACTOR_STATE_DIR``,
   ``REFRACTOR_KB_MAX_FILE_BYTES``, ``REFRACTOR_KB_MAX_ALIASES``, the input-file caps
   ``REFRACTOR_MAX_INPUT_BYTES``, ``REFRACTOR_MAX_COLUMNS``, ``REFRACTOR_MAX_CELL_CHARS``,
   ``REFRACTOR_MAX_VCF_HEADER_LINES`` of :class:`refractor.io.IOLimits`, the service limits of
   :data:`SERVICE_ENV`, ``REFRACTOR_POOL`` and ``REFRACTOR_API_TOKEN``);
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
ENV_STATE_DIR = "REFRACTOR_STATE_DIR"
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


#: environment variable -> ServiceLimits field (documented in ``docs/api.md``)
SERVICE_ENV: dict[str, str] = {
    "REFRACTOR_MAX_BODY_BYTES": "max_body_bytes",
    "REFRACTOR_MAX_SAMPLES": "max_samples",
    "REFRACTOR_MAX_UPLOAD_FILES": "max_upload_files",
    "REFRACTOR_PAGE_SIZE": "page_size",
    "REFRACTOR_MAX_RESPONSE_BYTES": "max_response_bytes",
    "REFRACTOR_REQUEST_TIMEOUT": "request_timeout",
    "REFRACTOR_WORKERS": "workers",
    "REFRACTOR_QUEUE": "queue",
    "REFRACTOR_RETRY_AFTER": "retry_after",
    "REFRACTOR_REPORTS_KEPT": "reports_kept",
    "REFRACTOR_COHORT_JOBS": "cohort_jobs",
    "REFRACTOR_COHORT_JOB_SECONDS": "cohort_job_seconds",
    "REFRACTOR_MAX_COHORT_PATIENTS": "max_cohort_patients",
    "REFRACTOR_JOBS_KEPT": "jobs_kept",
    "REFRACTOR_STATE_MAX_BYTES": "state_max_bytes",
    "REFRACTOR_STATE_MAX_AGE_DAYS": "state_max_age_days",
}
#: the bearer token of the HTTP service (empty: none)
ENV_API_TOKEN = "REFRACTOR_API_TOKEN"
#: where the service runs heavy work: ``process`` (default) or ``thread``
ENV_POOL = "REFRACTOR_POOL"


@dataclass(frozen=True)
class ServiceLimits:
    """Caps of the HTTP service (``refractor serve``), so no request can exhaust it.

    Parameters
    ----------
    max_body_bytes : int
        Largest request body, counted while it streams in (chunked or not): 413 past it.
    max_samples : int
        Most samples of one profile request (JSON cohort or uploaded samplesheet): 422 past it.
    max_upload_files : int
        Most files of one upload (samplesheet plus its data files).
    page_size : int
        Most entries of one list response (``limit`` larger is a 422); ``offset`` pages on.
    max_response_bytes : int
        Largest response body of the heavy endpoints (profiles, simulations): 413 past it,
        with a message saying to post fewer samples or points.
    request_timeout : int
        Seconds one heavy request may take (waiting for a worker included) before it is
        answered 504; its worker process is then stopped and replaced, so the work ends too.
    workers : int
        Worker processes (or threads) running heavy work (profiles, simulations); other
        requests never wait for them.
    queue : int
        Heavy requests allowed to wait for a worker; one more is answered 503 + Retry-After.
    retry_after : int
        Seconds sent in ``Retry-After`` with a 503.
    reports_kept : int
        Reports the service keeps in its state folder (oldest dropped first).
    jobs_kept : int
        Finished cohort jobs the service keeps in its state folder (oldest dropped first).
    state_max_bytes : int
        Largest total size of the state folder's reports and jobs, in bytes: the oldest are
        dropped first to stay under it, and a single report larger than it is refused (413).
    state_max_age_days : int
        Reports and finished jobs older than this many days are dropped.
    cohort_jobs : int
        Virtual-cohort runs and forecasts the web application runs at once (503 past it).
    cohort_job_seconds : int
        Seconds one web cohort job may run: past it the job is stopped (its worker processes
        are terminated), marked failed with the reason, and its slot is freed.
    max_cohort_patients : int
        Most virtual patients per arm (or twins per regimen) of one web cohort job.
    pool : {"process", "thread"}
        Where heavy work runs: worker processes (default; heavy work never holds the serving
        process's interpreter lock) or threads of the serving process.
    token : str or None
        Bearer token required by the service (``None``: no authentication); not shown in repr.
    """

    max_body_bytes: int = 10 * 1024 * 1024
    max_samples: int = 1_000
    max_upload_files: int = 200
    page_size: int = 500
    max_response_bytes: int = 64 * 1024 * 1024
    request_timeout: int = 120
    workers: int = 2
    queue: int = 8
    retry_after: int = 5
    reports_kept: int = 50
    cohort_jobs: int = 1
    #: chosen (ASSUMED generous), not derived from a need. Measured here on 2 processes: a scenario
    #: of 5,000 patients per arm (the default max_cohort_patients) ~1-3 s; a forecast of 10
    #: regimens x 5,000 twins ~10 s, times (1 + observed mechanisms, at most 6) with its
    #: counterfactuals. 10 minutes stops runaway jobs only (e.g. a raised max_cohort_patients)
    cohort_job_seconds: int = 600
    max_cohort_patients: int = 5_000
    jobs_kept: int = 50
    state_max_bytes: int = 1024 * 1024 * 1024
    state_max_age_days: int = 30
    pool: str = "process"
    token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in SERVICE_ENV.values():
            value = getattr(self, name)
            low = 1 if name in ("workers", "page_size", "request_timeout", "reports_kept", "max_samples",
                                "max_cohort_patients", "jobs_kept", "cohort_job_seconds", "state_max_bytes",
                                "state_max_age_days") else 0
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise InputError(f"{name} must be a whole number >= {low}, got {value!r}", column=name)
        if self.pool not in ("process", "thread"):
            raise InputError(f"pool must be 'process' or 'thread', got {self.pool!r}", column="pool")
        if self.token is not None and (not isinstance(self.token, str) or len(self.token) < 16):
            raise InputError("the API token must be a string of at least 16 characters", column="token")


@dataclass(frozen=True)
class Limits:
    """Every input limit, grouped by the part of Refractor that enforces it."""

    kb: KBLimits = field(default_factory=KBLimits)
    io: IOLimits = field(default_factory=IOLimits)
    service: ServiceLimits = field(default_factory=ServiceLimits)


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
    state_dir : Path or None
        Folder where ``refractor serve`` keeps its reports and jobs across restarts (mode
        0700); ``None``: ``cache_dir / "server"`` (see :attr:`server_dir`).
    limits : Limits
        Input caps (YAML size and aliases, ...).
    """

    kb_dir: Path = field(default_factory=packaged_kb_dir)
    cache_dir: Path = field(default_factory=default_cache_dir)
    limits: Limits = field(default_factory=Limits)
    state_dir: Path | None = None

    @property
    def server_dir(self) -> Path:
        """The service's state folder: :attr:`state_dir`, else ``cache_dir / "server"``."""
        return self.state_dir if self.state_dir is not None else self.cache_dir / "server"

    @classmethod
    def resolve(
        cls,
        *,
        kb_dir: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        limits: Limits | None = None,
        state_dir: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> "Settings":
        """Resolve every setting: explicit value, else environment, else packaged default.

        Parameters
        ----------
        kb_dir, cache_dir, state_dir : path, optional
            Explicit values (command-line flags); ``None`` falls through to the environment
            (and, for ``state_dir``, to ``cache_dir / "server"``).
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
        state = _path(state_dir) or _path(env.get(ENV_STATE_DIR))
        if limits is None:
            kb_limits = KBLimits()
            for var, name in ((ENV_KB_MAX_FILE_BYTES, "max_file_bytes"), (ENV_KB_MAX_ALIASES, "max_aliases")):
                if env.get(var, "").strip():
                    kb_limits = replace(kb_limits, **{name: _whole(env[var], var)})
            service = ServiceLimits()
            for var, name in SERVICE_ENV.items():
                if env.get(var, "").strip():
                    service = replace(service, **{name: _whole(env[var], var)})
            if env.get(ENV_POOL, "").strip():
                service = replace(service, pool=env[ENV_POOL].strip().lower())
            if env.get(ENV_API_TOKEN, "").strip():
                service = replace(service, token=env[ENV_API_TOKEN].strip())
            limits = Limits(kb=kb_limits, io=IOLimits.from_env(env), service=service)
        return cls(kb_dir=kb, cache_dir=cache, limits=limits, state_dir=state)

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


__all__ = ["ENV_API_TOKEN", "ENV_POOL", "ENV_CACHE_DIR", "ENV_STATE_DIR", "ENV_KB_DIR", "ENV_KB_MAX_ALIASES", "ENV_KB_MAX_FILE_BYTES",
           "KBLimits", "Limits", "SERVICE_ENV", "ServiceLimits", "Settings", "default_cache_dir",
           "packaged_kb_dir"]
