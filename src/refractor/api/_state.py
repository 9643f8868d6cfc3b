"""The service's state folder: reports and cohort jobs kept across restarts.

``refractor serve`` keeps what its pages link to — the reports of uploaded samples and the
virtual-cohort jobs — as one JSON file each under :attr:`refractor.settings.Settings.server_dir`
(``REFRACTOR_STATE_DIR`` or ``serve --state-dir``; default ``<cache folder>/server``)::

    server/reports/<id>.json     one report (what its page and downloads need)
    server/jobs/<id>.json        one job (status, progress, result or error)
    server/servers/<id>.lock     held (flock) by each running server while it runs

Safety:

* the folder and its sub-folders are private (mode 0700) and must belong to the current user;
  files are written atomically (temporary file, then rename) with mode 0600;
* ids are 144-bit random strings (:func:`new_id`): unguessable, and checked against
  ``[A-Za-z0-9_-]{24}`` before any path is built, so no request can name a file elsewhere;
  files are opened without following symbolic links and must be regular files owned by the
  current user (:func:`refractor._cachefile.untrusted_reason`).

Eviction (at start and after every write): entries older than ``state_max_age_days`` are
dropped; then the oldest reports beyond ``reports_kept`` and the oldest finished jobs beyond
``jobs_kept``; then the oldest entries of either kind until the folder holds at most
``state_max_bytes``. Running jobs are never dropped. A single report larger than
``state_max_bytes`` is refused (413).

Restart: a job that was queued or running when its server stopped can never finish. When a
server opens the folder, and whenever it reads such a job later, an unfinished job whose server
no longer holds its lock is marked failed with the reason "server restarted".
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from refractor._cachefile import untrusted_reason, write_cache_file
from refractor._jsonsafe import json_safe
from refractor.api._errors import PayloadTooLarge, ServiceError, error_body
from refractor.errors import InputError

try:  # POSIX: a server's lock is released by the OS when its process ends, however it ends
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: unfinished foreign jobs count as orphaned
    fcntl = None  # type: ignore[assignment]

SCHEMA = "refractor.service-state"
SCHEMA_VERSION = "1"
KINDS = ("reports", "jobs")
#: a state id: 18 random bytes, URL-safe base64
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{24}$")
UNFINISHED = ("queued", "running")
RESTARTED = "the server restarted before this job finished (server restarted); start it again"
_DAY = 86_400.0
_TMP_AGE = 3_600.0  # seconds after which a leftover temporary file is removed


def new_id() -> str:
    """A fresh unguessable id (144 random bits)."""
    return secrets.token_urlsafe(18)


def valid_id(value: str) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def _private_dir(path: Path, what: str) -> None:
    """Create ``path`` (mode 0700) or check that it is a folder of ours; make it private."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700, parents=True)
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise InputError(f"cannot use the {what}: {exc.strerror}", path=path) from None
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise InputError(f"the {what} is not a folder (or is a symbolic link)", path=path)
    uid = getattr(os, "getuid", lambda: None)()
    if uid is not None and st.st_uid != uid:
        raise InputError(f"the {what} is owned by user id {st.st_uid}, not by you (user id {uid})",
                         path=path)
    if stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(path, 0o700)


class _Entry(NamedTuple):
    mtime: float
    size: int
    kind: str
    id: str
    finished: bool


class StateStore:
    """Reports and jobs of one service, on disk (thread-safe; opened on first use).

    Parameters
    ----------
    folder : Path
        The state folder (``Settings.server_dir``).
    limits : ServiceLimits
        ``reports_kept``, ``jobs_kept``, ``state_max_bytes``, ``state_max_age_days``.
    """

    def __init__(self, folder: Path, limits: Any) -> None:
        self.folder = Path(folder)
        self.limits = limits
        self.instance = new_id()  # this server, named in the jobs it runs
        self.live: dict[str, dict[str, Any]] = {}  # jobs running in this process
        self._lock = threading.RLock()
        self._lockfile: int | None = None
        self._opened = False

    # -- opening and closing ---------------------------------------------------------------

    def open(self) -> "StateStore":
        """Create or check the folder, take this server's lock, fail orphaned jobs, evict."""
        with self._lock:
            if self._opened:
                return self
            self.folder = self.folder.expanduser().resolve()
            _private_dir(self.folder, "service state folder")
            for sub in (*KINDS, "servers"):
                _private_dir(self.folder / sub, "service state folder")
            path = self.folder / "servers" / f"{self.instance}.lock"
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._lockfile = fd
            self._release = weakref.finalize(self, os.close, fd)  # a store never closed
            self._opened = True
            self._recover()
            self.evict()
        return self

    def close(self) -> None:
        """Release this server's lock (its unfinished jobs then count as orphaned)."""
        with self._lock:
            if self._lockfile is None:
                return
            with contextlib.suppress(OSError):
                os.unlink(self.folder / "servers" / f"{self.instance}.lock")
            self._release()  # closes the file: the lock goes with it
            self._lockfile = None
            self._opened = False

    def _server_alive(self, instance: Any) -> bool:
        if instance == self.instance:
            return True
        if not isinstance(instance, str) or not valid_id(instance) or fcntl is None:
            return False
        path = self.folder / "servers" / f"{instance}.lock"
        try:
            fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True  # held: that server is running
        finally:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)  # a lock nobody holds: its server is gone
        return False

    def _recover(self) -> None:
        for jid, doc in list(self._documents("jobs")):
            self._orphan_check(jid, doc)

    def _orphan_check(self, jid: str, doc: dict[str, Any]) -> dict[str, Any]:
        """``doc``, marked failed ("server restarted") and saved if it is unfinished and the
        server that ran it no longer holds its lock."""
        if doc.get("status") in UNFINISHED and jid not in self.live \
                and not self._server_alive(doc.get("server")):
            err = ServiceError(RESTARTED, status=503)
            doc.update(status="failed", error=error_body(503, err))
            with contextlib.suppress(OSError):
                self._write("jobs", jid, doc)
        return doc

    # -- reading and writing ---------------------------------------------------------------

    def _path(self, kind: str, id: str) -> Path | None:
        if kind not in KINDS or not valid_id(id):
            return None
        return self.folder / kind / f"{id}.json"

    def _write(self, kind: str, id: str, doc: dict[str, Any]) -> int:
        path = self._path(kind, id)
        if path is None:
            raise ValueError(f"bad state id {id!r}")
        data = json.dumps({"schema": SCHEMA, "version": SCHEMA_VERSION, "kind": kind, "id": id,
                           "data": json_safe(doc)}, separators=(",", ":"), allow_nan=False).encode()
        if len(data) > self.limits.state_max_bytes:
            raise PayloadTooLarge(f"the {kind[:-1]} would take {len(data)} bytes, more than the state "
                                  f"folder's limit of {self.limits.state_max_bytes} bytes "
                                  "(REFRACTOR_STATE_MAX_BYTES); profile fewer samples")
        write_cache_file(path, data, mode=0o600)  # temporary file, then rename
        return len(data)

    def _read(self, kind: str, id: str) -> dict[str, Any] | None:
        path = self._path(kind, id)
        if path is None:
            return None
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:  # missing, or a symbolic link
            return None
        with os.fdopen(fd, "rb") as fh:
            if untrusted_reason(path) is not None:
                return None
            try:
                doc = json.loads(fh.read())
            except ValueError:
                return None
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or doc.get("id") != id \
                or doc.get("kind") != kind or not isinstance(doc.get("data"), dict):
            return None
        return doc["data"]

    def _documents(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for path in sorted((self.folder / kind).glob("*.json")):
            doc = self._read(kind, path.stem)
            if doc is not None:
                yield path.stem, doc

    def put(self, kind: str, doc: dict[str, Any], id: str | None = None) -> str:
        """Store ``doc`` (a new entry unless ``id`` is given); its id. Then evict."""
        self.open()
        id = id or new_id()
        with self._lock:
            self._write(kind, id, doc)
            self.evict(keep=id)
        return id

    def get(self, kind: str, id: str) -> dict[str, Any] | None:
        """The stored document, or ``None`` (unknown, malformed or unsafe id, or evicted)."""
        self.open()
        live = self.live.get(id) if kind == "jobs" else None
        if live is not None:  # one lookup: the job thread may drop it from ``live`` meanwhile
            return live
        doc = self._read(kind, id)
        if kind == "jobs" and doc is not None:  # its server may have stopped since we started
            doc = self._orphan_check(id, doc)
        return doc

    # -- eviction --------------------------------------------------------------------------

    def _entries(self) -> list[_Entry]:
        """Every stored entry, oldest first; leftover temporary files removed."""
        out = []
        now = time.time()
        for kind in KINDS:
            for entry in os.scandir(self.folder / kind):
                with contextlib.suppress(OSError):
                    st = entry.stat(follow_symlinks=False)
                    if entry.name.endswith(".tmp"):
                        if now - st.st_mtime > _TMP_AGE:
                            os.unlink(entry.path)
                        continue
                    stem = entry.name[:-5] if entry.name.endswith(".json") else ""
                    if not valid_id(stem) or not stat.S_ISREG(st.st_mode):
                        continue  # not ours: never touched, never served
                    finished = True
                    if kind == "jobs":
                        doc = self._read(kind, stem) or {}
                        finished = stem not in self.live and doc.get("status") not in UNFINISHED
                    out.append(_Entry(st.st_mtime, st.st_size, kind, stem, finished))
        return sorted(out)

    def evict(self, now: float | None = None, keep: str | None = None) -> list[str]:
        """Apply the age, count and size caps (module docstring; ``keep``: an id never
        dropped, the one just written); the ids dropped."""
        lim = self.limits
        now = time.time() if now is None else now
        with self._lock:
            entries = self._entries()
            total = sum(e.size for e in entries)
            # running jobs and the entry just written are never dropped
            victims = [e for e in entries if e.finished and e.id != keep]
            dropped: list[str] = []

            def drop(e: _Entry) -> None:
                nonlocal total
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.folder / e.kind / f"{e.id}.json")
                total -= e.size
                dropped.append(e.id)

            for e in victims:
                if now - e.mtime > lim.state_max_age_days * _DAY:
                    drop(e)
            for kind, kept in (("reports", lim.reports_kept), ("jobs", lim.jobs_kept)):
                n = sum(1 for e in entries if e.kind == kind and e.finished and e.id not in dropped)
                for e in [e for e in victims if e.kind == kind and e.id not in dropped][:max(0, n - kept)]:
                    drop(e)
            for e in [e for e in victims if e.id not in dropped]:
                if total <= lim.state_max_bytes:
                    break
                drop(e)
        return dropped


__all__ = ["ID_PATTERN", "KINDS", "RESTARTED", "SCHEMA", "SCHEMA_VERSION", "StateStore", "new_id",
           "valid_id"]
