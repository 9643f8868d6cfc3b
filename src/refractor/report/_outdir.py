"""Output directories written as a whole: checked before the work, swapped in at the end.

A run builds every output in a hidden sibling directory of OUTDIR, then swaps it in with two
renames (old OUTDIR -> backup, new -> OUTDIR) and deletes the backup. If the swap fails midway
the old OUTDIR is renamed back, so OUTDIR always holds one complete run: the previous one or
the new one, never a mix and never half a run.

A run killed between the two renames (or while deleting the backup) cannot clean up after
itself; the next run into the same OUTDIR does (:func:`recover`) before it writes anything:
the staging and backup folders carry OUTDIR's name and the process id of their run, so
leftovers of a dead run are told apart from those of a run still going (and from other
OUTDIRs in the same folder). If OUTDIR is missing, the dead run's backup is the previous
complete run and is renamed back; if OUTDIR is there, the new run had been swapped in and
the backup is deleted; a dead run's staging folder is deleted.

Replacing a directory deletes what was in it, so an existing OUTDIR is replaced only when it
is empty or was written by a Refractor run: it holds the marker file :data:`MARKER` (every run
writes one), or, for runs written before the marker existed, nothing but the files a run
writes. Anything else is an :class:`~refractor.errors.InputError` before any work is done.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from refractor.errors import InputError

#: the file that marks a directory as a run's output (so a later run may replace it)
MARKER = ".refractor-outdir"
#: top-level names of a run written before the marker existed (``*.refractor.maf`` besides)
RUN_FILES = frozenset({"samples", "cohort_levels.tsv", "agents.tsv", "mechanisms.tsv", "report.html"})
_STAGE, _OLD = ".refractor-new-", ".refractor-old-"


def _is_run_output(d: Path) -> bool:
    if (d / MARKER).is_file():
        return True
    for e in d.iterdir():
        if e.name == "samples" and e.is_dir() and not e.is_symlink():
            if any(not (f.is_file() and f.suffix == ".json") for f in e.iterdir()):
                return False
        elif not (e.is_file() and (e.name in RUN_FILES or e.name.endswith(".refractor.maf"))):
            return False
    return True


def _existing_ancestor(p: Path) -> Path:
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_outdir(outdir: str | Path) -> Path:
    """The absolute OUTDIR if a run can be written there, else the InputError saying why.

    Call it before the work: it checks that OUTDIR is not a file, that no parent is a file,
    that an existing OUTDIR holds only an earlier run's outputs (so replacing it loses nothing
    else), and that a directory can actually be created beside it (a probe, so read-only file
    systems such as ``/proc`` are caught too). Nothing is left behind.
    """
    out = Path(os.path.abspath(outdir))
    try:
        if out.exists() or out.is_symlink():
            if not out.is_dir():
                raise InputError("output path exists and is not a directory", path=outdir)
            if not _is_run_output(out):
                raise InputError("output directory exists and holds files a Refractor run did not write; "
                                 "choose a new or empty directory (it would be replaced as a whole)", path=outdir)
        base = _existing_ancestor(out.parent)
        if not base.is_dir():
            raise InputError(f"cannot create the output directory: {base} is a file, not a directory", path=outdir)
        probe = tempfile.mkdtemp(prefix=_STAGE, dir=base)
        os.rmdir(probe)
    except InputError:
        raise
    except OSError as exc:
        why = "permission denied" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else (exc.strerror or str(exc))
        raise InputError(f"cannot write the output directory here ({why})", path=outdir) from None
    return out


def _prefix(kind: str, out: Path) -> str:
    """Name prefix of a staging (``new``) or backup (``old``) folder of ``out``."""
    return (_STAGE if kind == "new" else _OLD) + out.name + "-"


def _dead_run(name: str, prefix: str) -> bool:
    """Is ``name`` a folder ``<prefix><pid>-<random>`` of a process that is no longer
    running? (Other names - another OUTDIR's, earlier versions' without a process id - are
    never touched.)"""
    m = re.fullmatch(r"(\d+)-[^-]+", name[len(prefix):]) if name.startswith(prefix) else None
    if m is None:
        return False
    try:
        os.kill(int(m.group(1)), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def recover(outdir: str | Path) -> list[str]:
    """Clean up after a run into ``outdir`` that was killed mid-swap or mid-write; returns
    what was done (one line per folder). See the module docstring."""
    out = Path(os.path.abspath(outdir))
    parent = out.parent
    if not parent.is_dir():
        return []
    done = []
    old_p, new_p = _prefix("old", out), _prefix("new", out)
    backups = sorted((p for p in parent.iterdir() if _dead_run(p.name, old_p)),
                     key=lambda p: p.lstat().st_mtime, reverse=True)
    for b in backups:
        if not (out.exists() or out.is_symlink()) and (b.is_symlink() or (b / MARKER).is_file()
                                                        or _is_run_output(b)):
            os.rename(b, out)  # OUTDIR was moved away and the new run never moved in
            done.append(f"restored {out.name} from {b.name}")
        else:
            if b.is_symlink():
                b.unlink()
            else:
                shutil.rmtree(b, ignore_errors=True)
            done.append(f"removed {b.name}")
    for st in [p for p in parent.iterdir() if _dead_run(p.name, new_p)]:
        shutil.rmtree(st, ignore_errors=True)
        done.append(f"removed {st.name}")
    return done


@contextlib.contextmanager
def replacing_dir(outdir: str | Path) -> Iterator[Path]:
    """Yield an empty staging directory; on normal exit it replaces ``outdir`` as a whole.

    The staging directory is a hidden sibling of ``outdir`` (same file system, so the final
    renames are atomic). If the block raises, or the swap fails, the staging directory and any
    parent directories created for it are removed and ``outdir`` is left as it was.
    """
    out = check_outdir(outdir)
    recover(out)
    missing = []
    p = out.parent
    while not p.exists():
        missing.append(p)
        p = p.parent
    stage = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f"{_prefix('new', out)}{os.getpid()}-", dir=out.parent))
        (stage / MARKER).write_text(
            "This directory is the output of one Refractor run; the next run into it replaces it as a whole.\n",
            encoding="utf-8")
        yield stage
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(stage, 0o777 & ~umask)  # mkdtemp makes 0700; give the usual mode
        _swap(stage, out)
        stage = None
    except BaseException:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        for d in missing:  # deepest first
            with contextlib.suppress(OSError):
                d.rmdir()
        raise


def _swap(new: Path, out: Path) -> None:
    """Rename ``new`` to ``out``; an existing ``out`` goes to a backup first, restored on failure."""
    if not (out.exists() or out.is_symlink()):
        os.rename(new, out)
        return
    backup = Path(tempfile.mkdtemp(prefix=f"{_prefix('old', out)}{os.getpid()}-", dir=out.parent))
    os.rmdir(backup)  # a free unique name
    os.rename(out, backup)
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(backup, out)
        raise
    if backup.is_symlink():  # OUTDIR was a link to a directory: the link is replaced, not its target
        backup.unlink()
    else:
        shutil.rmtree(backup, ignore_errors=True)


__all__ = ["check_outdir", "replacing_dir", "recover", "MARKER", "RUN_FILES"]
