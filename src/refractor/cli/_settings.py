"""The ``--kb`` flag shared by every command, and the settings it resolves to.

One flag name everywhere (``refractor kb --kb DIR``, ``profile --kb``, ``simulate --kb``,
``serve --kb``); resolution (flag -> ``REFRACTOR_KB_DIR`` -> packaged KB) happens in
:meth:`refractor.settings.Settings.resolve`, never here.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from refractor.settings import Settings

KB_HELP = "Knowledge-base folder (default: $REFRACTOR_KB_DIR, else the packaged KB)."
OLD_KB_HELP = "Deprecated: old name of --kb."


def kb_settings(kb: Optional[Path], old: Optional[Path] = None) -> "Settings":
    """Settings for one command run: ``--kb`` (or its old name ``--data-dir``) -> environment -> default."""
    from refractor.settings import Settings

    return Settings.resolve(kb_dir=kb if kb is not None else old)


__all__ = ["KB_HELP", "OLD_KB_HELP", "kb_settings"]
