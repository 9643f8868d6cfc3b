"""Compile a model's SBML with AMICI once and keep the compiled module in the cache folder.

AMICI (Froehlich et al., Bioinformatics 2021, doi:10.1093/bioinformatics/btab227) turns SBML
into C++ with symbolic (sparse) Jacobians and builds a Python extension; that takes ~15-60 s
per model, so the result is kept under ``<cache_dir>/amici/<module>/`` where ``<module>`` is
``refractor_`` plus the first 16 hex digits of the sha256 of (SBML text, AMICI version, build
options). The folder holds a ``MANIFEST`` sealed with :func:`refractor._cachefile.seal` (the
sha256 of every file of the importable package, bound to the source digest); before a cached
module is imported (importing runs its native code) the folder and every file must pass
:func:`~refractor._cachefile.untrusted_reason` and match the manifest, else it is reported
with a :class:`~refractor.errors.CacheWarning` and rebuilt.

Only imported when ``backend="amici"`` is asked for (or chosen by ``"auto"``).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from refractor._cachefile import seal, unseal, untrusted_reason, warn_rebuild, write_cache_file
from refractor.errors import ModelError

#: bump when the build options below change (part of the cache key)
BUILD_FORMAT = "1: no observables, no sensitivity code, no conservation laws"
_MANIFEST = "MANIFEST"
_LOCK = threading.Lock()
_LOADED: dict[str, Any] = {}  # module name -> imported module (an extension cannot be reloaded)


def source_digest(sbml: str, amici_version: str) -> bytes:
    h = hashlib.sha256()
    for part in (sbml, amici_version, BUILD_FORMAT):
        h.update(part.encode())
        h.update(b"\x00")
    return h.digest()


def _package_files(folder: Path, name: str) -> dict[str, str]:
    """sha256 of every file of the importable package ``folder/name`` (relative path -> hex)."""
    out: dict[str, str] = {}
    base = folder / name
    for path in sorted(base.rglob("*")):
        if "__pycache__" in path.parts or path.is_dir():
            continue
        out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def verify(folder: Path, name: str, digest: bytes) -> str | None:
    """Why the cached build in ``folder`` must not be imported, or ``None`` if it may be."""
    reason = (untrusted_reason(folder, folder=True)
              or untrusted_reason(folder / name, folder=True))
    if reason:
        return f"folder {reason}"
    manifest = folder / _MANIFEST
    if not manifest.exists():
        return "has no manifest (interrupted build?)"
    reason = untrusted_reason(manifest)
    if reason:
        return f"manifest {reason}"
    try:
        listed = json.loads(unseal(manifest.read_bytes(), digest))
    except ValueError as exc:
        return f"manifest: {exc}"
    actual = _package_files(folder, name)
    if actual != listed:
        return "package files differ from the manifest (altered or incomplete)"
    for rel in actual:
        reason = untrusted_reason(folder / rel)
        if reason:
            return f"{rel} {reason}"
    return None


@contextlib.contextmanager
def _toolchain_on_path():
    """AMICI calls ``cmake``/``swig`` by name: prefer the ones installed beside this Python
    (the pip packages AMICI depends on) over older system copies."""
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + old
    try:
        yield
    finally:
        os.environ["PATH"] = old


def _build(sbml: str, name: str, target: Path) -> None:
    import logging

    from amici.importers.sbml import SbmlImporter

    importer = SbmlImporter(sbml, from_file=False)
    with _toolchain_on_path():
        importer.sbml2amici(name, str(target), observation_model=[],
                            generate_sensitivity_code=False, compute_conservation_laws=False,
                            verbose=logging.ERROR)


def load_module(sbml: str, cache_dir: Path) -> Any:
    """The AMICI model module of ``sbml``: imported from the cache, else compiled first."""
    try:
        import amici
        import amici.sim.sundials  # noqa: F401 - generated modules check its SWIG version
    except ImportError as exc:  # pragma: no cover - callers check first
        raise ModelError("backend 'amici' needs the optional AMICI package: "
                         "pip install 'refractor[amici]'") from exc
    digest = source_digest(sbml, amici.__version__)
    name = f"refractor_{digest.hex()[:16]}"
    with _LOCK:
        if name in _LOADED:
            return _LOADED[name]
        root = Path(cache_dir) / "amici"
        root.mkdir(parents=True, exist_ok=True, mode=0o755)
        reason = untrusted_reason(root, folder=True)
        if reason:  # another user could swap a verified build before it is imported
            raise ModelError(f"AMICI model cache folder {root} {reason}")
        folder = root / name
        if folder.exists() or folder.is_symlink():
            reason = verify(folder, name, digest)
            if reason is None:
                module = amici.import_model_module(name, str(folder))
                _LOADED[name] = module
                return module
            warn_rebuild(folder, reason, "compiled AMICI model")
            if folder.is_symlink() or not folder.is_dir():
                folder.unlink()
            else:
                shutil.rmtree(folder)
        # build under the final name (the generated build files record their folder), in a
        # private scratch folder first, then publish it with one rename
        scratch = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
        try:
            work = scratch / name
            _build(sbml, name, work)
            os.chmod(work, 0o755)
            listed = _package_files(work, name)
            write_cache_file(work / _MANIFEST, seal(json.dumps(listed).encode(), digest))
            try:
                os.rename(work, folder)
            except OSError:  # another process published it meanwhile: use and verify that
                pass
        except Exception as exc:
            raise ModelError(f"AMICI could not compile the model: {exc}") from exc
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        reason = verify(folder, name, digest)
        if reason is not None:
            raise ModelError(f"compiled AMICI model in {folder} {reason}")
        module = amici.import_model_module(name, str(folder))
        _LOADED[name] = module
        return module


__all__ = ["BUILD_FORMAT", "load_module", "source_digest", "verify"]
