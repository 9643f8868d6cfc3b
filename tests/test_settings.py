"""refractor.settings: one typed settings object, resolved flag -> environment -> packaged default."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import refractor
from refractor.errors import InputError
from refractor.settings import KBLimits, Limits, Settings, default_cache_dir, packaged_kb_dir


def test_resolution_order_flag_then_environment_then_default(tmp_path):
    env = {"REFRACTOR_KB_DIR": str(tmp_path / "env-kb"), "REFRACTOR_CACHE_DIR": str(tmp_path / "env-cache")}
    flagged = Settings.resolve(kb_dir=tmp_path / "flag-kb", cache_dir=tmp_path / "flag-cache", environ=env)
    assert (flagged.kb_dir, flagged.cache_dir) == (tmp_path / "flag-kb", tmp_path / "flag-cache")
    from_env = Settings.resolve(environ=env)
    assert (from_env.kb_dir, from_env.cache_dir) == (tmp_path / "env-kb", tmp_path / "env-cache")
    default = Settings.resolve(environ={"REFRACTOR_KB_DIR": "  "})  # blank counts as unset
    assert default.kb_dir == packaged_kb_dir() == Path(refractor.__file__).resolve().parent / "kb" / "data"
    assert default.cache_dir == default_cache_dir() == Path.home() / ".cache" / "refractor"
    assert default.limits == Limits()


def test_settings_are_frozen_and_replaced_not_changed(tmp_path):
    s = Settings.resolve(environ={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.kb_dir = tmp_path  # type: ignore[misc]
    other = s.with_kb_dir(tmp_path)
    assert other.kb_dir == tmp_path and s.kb_dir == packaged_kb_dir() and s.with_kb_dir(None) is s


def test_limits_from_the_environment_and_their_errors():
    s = Settings.resolve(environ={"REFRACTOR_KB_MAX_ALIASES": "7", "REFRACTOR_KB_MAX_FILE_BYTES": "1000"})
    assert (s.limits.kb.max_aliases, s.limits.kb.max_file_bytes) == (7, 1000)
    with pytest.raises(InputError, match="REFRACTOR_KB_MAX_FILE_BYTES='-1' must be >= 0"):
        Settings.resolve(environ={"REFRACTOR_KB_MAX_FILE_BYTES": "-1"})
    with pytest.raises(InputError, match="max_aliases must be a whole number >= 0"):
        KBLimits(max_aliases=1.5)  # type: ignore[arg-type]


def test_input_file_limits_are_part_of_the_settings():
    """The io readers' caps (refractor.io.IOLimits) resolve with the other settings."""
    from refractor.io import IOLimits

    s = Settings.resolve(environ={"REFRACTOR_MAX_COLUMNS": "12", "REFRACTOR_KB_MAX_ALIASES": "3"})
    assert s.limits.io == IOLimits(max_columns=12) and s.limits.kb.max_aliases == 3
    assert Settings.resolve(environ={}).limits.io == IOLimits()
    explicit = Limits(io=IOLimits(max_cell_chars=10))
    assert Settings.resolve(limits=explicit, environ={"REFRACTOR_MAX_COLUMNS": "12"}).limits is explicit


def test_suite_caches_are_isolated_from_the_home_folder():
    """tests/conftest.py points every test's cache at a temp folder, never ~/.cache."""
    assert Settings.resolve().cache_dir != default_cache_dir()


def test_importing_refractor_and_settings_touches_no_disk_or_environment():
    code = textwrap.dedent("""
        import os, sys
        opened = []
        sys.addaudithook(lambda ev, args: opened.append(str(args[0])) if ev == "open" else None)
        import refractor, refractor.settings
        bad = [p for p in opened if not p.endswith((".py", ".pyc")) and "__pycache__" not in p
               and "site-packages" not in p and "/lib/python" not in p and os.path.isfile(p)]
        print(bad)
        sys.exit(1 if bad else 0)
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": ":".join(sys.path), "REFRACTOR_KB_MAX_ALIASES": "not-a-number"})
    assert res.returncode == 0, res.stdout + res.stderr  # and a bad variable is not read at import
