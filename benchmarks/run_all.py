#!/usr/bin/env python
"""Run every benchmark and validation script in turn (``make bench``).

Runs ``benchmarks/bench_*.py`` then ``benchmarks/validate_*.py`` (alphabetical), each in its
own Python process with the current interpreter, streaming its output, and ends with a table
of exit codes and wall times. Exit status: 0 when every script exited 0, else 1.

Usage: python benchmarks/run_all.py [-k SUBSTRING ...] [--list]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts() -> list[Path]:
    """Benchmark scripts first, then validation scripts."""
    return sorted(HERE.glob("bench_*.py")) + sorted(HERE.glob("validate_*.py"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", action="append", default=[], metavar="SUBSTRING",
                    help="only scripts whose name contains SUBSTRING (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the scripts and exit")
    args = ap.parse_args(argv)
    todo = [s for s in scripts() if not args.k or any(k in s.name for k in args.k)]
    if args.list:
        print("\n".join(s.name for s in todo))
        return 0
    if not todo:
        print("no script matches", file=sys.stderr)
        return 1
    summary = []
    for s in todo:
        print(f"\n{'=' * 100}\n== {s.name}\n{'=' * 100}", flush=True)
        t = time.perf_counter()
        rc = subprocess.run([sys.executable, str(s)], cwd=HERE.parent).returncode
        summary.append((s.name, rc, time.perf_counter() - t))
    print(f"\n{'=' * 100}\n{'script':<34s} {'exit':>5s} {'wall':>9s}")
    for name, rc, wall in summary:
        print(f"{name:<34s} {rc:5d} {wall:8.1f}s{'' if rc == 0 else '   FAILED'}")
    return 0 if all(rc == 0 for _, rc, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
