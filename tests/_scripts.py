"""Import a benchmark or tool script (``benchmarks/*.py``, ``tools/*.py``) as a module, so the
integration tests check the figures the scripts print, computed by the same code."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_script(folder: str, name: str) -> ModuleType:
    """``ROOT/folder/name.py`` as module ``name``; the folder goes on sys.path so that the
    script's own sibling imports (``benchmarks/_validation.py``) resolve."""
    where = str(ROOT / folder)
    if where not in sys.path:
        sys.path.insert(0, where)
    spec = importlib.util.spec_from_file_location(name, ROOT / folder / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
