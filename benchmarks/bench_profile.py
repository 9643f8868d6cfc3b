#!/usr/bin/env python
"""Benchmark of the whole ``refractor profile`` command on synthetic cohorts (issue 15).

One command: ``python benchmarks/bench_profile.py [--sizes 100,1000,10000] [--baseline DIR]``.
For each cohort size it

1. generates a seeded synthetic cohort (``_synthetic.generate``: 100 MAF rows per sample,
   500-gene TPM matrix, CBS segments, clinical TSV, samplesheet);
2. times ``refractor profile SAMPLESHEET -o OUTDIR`` as a subprocess (the CLI as a user runs it,
   start-up included; peak RSS is the child's own high-water mark, from ``os.wait4``);
3. in the same run, times pandas merely reading the same four files (``pd.read_csv``), in a
   fresh process: the yardstick of the issue's "within 10x the read time";
4. in another fresh process, times the phases of the same path (read, interpret, materialise,
   write, and the writing steps: the per-sample pass, tables, HTML, annotated MAF) through
   ``refractor.cli._profile.run_profile``, with the CPU seconds of that process and of its
   worker processes;
5. with ``--baseline DIR``: the first run for a size stores its outputs in ``DIR/<n>``; a later
   run compares its calls against them (cohort_levels, mechanisms, agents tables and every
   per-sample JSON, parsed, ``schema_version`` aside) and exits 1 on any difference. Store a
   baseline from the unmodified code, then compare after a change.

It prints, per size, each phase, the total, the ratio to pandas' read, the peak RSS and the cost
per sample, against the targets (<= 10x pandas read, stretch 3x; <= 2 GB peak, stretch 1 GB).
Nothing the benchmark writes is deleted before the end of the whole run (each CLI run gets a
fresh OUTDIR): on ext4 without a journal (this machine's ``/``) the kernel skips inodes freed in
the last 60-300 s when it allocates new ones (``recently_deleted`` in ``find_inode_bit``), so
creating 10,000 files right after deleting 10,000 others cost ~1 ms of kernel CPU per file here
(measured with ``perf``: 0.75 ms per empty file created, against ~0.05 ms on a settled disk).
Deleting between runs made the benchmark measure its own clean-up; run it on a settled disk
(not straight after a large install, the test suite or ``rm -r``) for figures that describe
Refractor: the benchmark first times the creation of 1,000 empty files and says when the disk is
not settled (over 150 us per file; ~20-60 us when it is).
Peak RSS of the CLI is the largest single process of its tree (``ru_maxrss`` from ``wait4``:
the main process or one of the forked workers, whose pages are largely shared with it).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
TARGET_RATIO, STRETCH_RATIO = 10.0, 3.0
TARGET_GB, STRETCH_GB = 2.0, 1.0

_PANDAS = r"""
import sys, time, json
import pandas as pd
d = sys.argv[1]
t = time.perf_counter()
pd.read_csv(d + "/samplesheet.csv")
pd.read_csv(d + "/cohort.maf", sep="\t")
pd.read_csv(d + "/expression.tsv", sep="\t")
pd.read_csv(d + "/segments.seg", sep="\t")
pd.read_csv(d + "/clinical.tsv", sep="\t")
print(json.dumps({"read": time.perf_counter() - t}))
"""

_PHASES = r"""
import inspect, json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from refractor.cli._profile import _kb_genes, run_profile
from refractor.io import read_samplesheet
from refractor.kb import KnowledgeBase
kb = KnowledgeBase.load()
t = {"startup+kb": time.perf_counter() - t0}
t1 = time.perf_counter()
import refractor.io as rio  # as the CLI: the gene-level tables restricted to the KB's genes
kw = {"restrict": rio.GENE_TABLES} if hasattr(rio, "GENE_TABLES") else {}
cohort = read_samplesheet(Path(sys.argv[1]), genes=_kb_genes(kb), **kw)
t["read"] = time.perf_counter() - t1
if "timings" in inspect.signature(run_profile).parameters:
    run_profile(cohort, kb, Path(sys.argv[2]), title="bench", progress=False, timings=t)
else:  # the code path before issue 15: the same steps as its run_profile, timed one by one
    from refractor.interpret import interpret
    from refractor.report import write_outputs
    t1 = time.perf_counter(); result = interpret(cohort, kb); t["interpret"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    for i in range(len(result)):
        result[i]
    t["materialise"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    write_outputs(result, Path(sys.argv[2]), {"maf": list(cohort.inputs.get("maf", ()))}, kb=kb, title="bench")
    t["write"] = time.perf_counter() - t1
with open("/proc/self/status") as fh:
    t["peak_mb"] = next(int(l.split()[1]) / 1024 for l in fh if l.startswith("VmHWM:"))
import resource
for who, name in ((resource.RUSAGE_SELF, "cpu_self"), (resource.RUSAGE_CHILDREN, "cpu_workers")):
    ru = resource.getrusage(who)
    t[name] = ru.ru_utime + ru.ru_stime
    if who == resource.RUSAGE_CHILDREN:
        t["peak_workers_mb"] = ru.ru_maxrss / 1024
print(json.dumps(t))
"""


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return env


_CPU: list[float] = []  # CPU seconds (user + system) of the last command run


def _run(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; wall seconds, the child's peak RSS (MB, ru_maxrss of that child) and stdout
    (its CPU seconds, user + system, are appended to ``_CPU``: less sensitive to a loaded
    machine than wall time)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    _CPU.append(ru.ru_utime + ru.ru_stime)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{err.decode()[-3000:]}")
    return wall, ru.ru_maxrss / 1024.0, out.decode()


def _report_ready_ms(report: Path) -> int | None:
    """Milliseconds until the report's script has drawn the page in headless Chromium (the
    ``data-ready-ms`` it sets on <body>), or None without Chromium or report."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None or not report.is_file():
        return None
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                          "--virtual-time-budget=20000", "--dump-dom", report.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    m = re.search(r'data-ready-ms="(\d+)"', dom)
    return int(m.group(1)) if m else None


def _du(path: Path) -> dict[str, float]:
    sizes: dict[str, float] = {}
    for f in path.rglob("*"):
        if f.is_file():
            key = f.relative_to(path).parts[0]
            sizes[key] = sizes.get(key, 0) + f.stat().st_size / 1e6
    return sizes


def _load(path: Path):
    # observation sources name the input file, which lives in this run's temporary directory;
    # schema_version is not a call (1.1 -> 1.2 added only the optional ``fragility`` field)
    doc = json.loads(re.sub(r"/[^\"]*?/bench-profile-[^/]+/", "/", path.read_text("utf-8")))
    doc.pop("schema_version", None)
    return doc


def _compare(new: Path, base: Path) -> int:
    """Differences in calls between two OUTDIRs (tables and per-sample JSON, parsed)."""
    import pandas as pd

    bad = 0
    for name in ("cohort_levels.tsv", "mechanisms.tsv", "agents.tsv"):
        a = pd.read_csv(new / name, sep="\t", keep_default_na=False)
        b = pd.read_csv(base / name, sep="\t", keep_default_na=False)
        if not a.equals(b):
            bad += 1
            print(f"  DIFFERENT: {name}")
    na = sorted(p.name for p in (new / "samples").iterdir())
    nb = sorted(p.name for p in (base / "samples").iterdir())
    if na != nb:
        bad += 1
        print(f"  DIFFERENT: per-sample JSON file names ({len(na)} vs {len(nb)})")
    else:
        for f in na:
            if _load(new / "samples" / f) != _load(base / "samples" / f):
                bad += 1
                print(f"  DIFFERENT: samples/{f}")
                if bad > 20:
                    break
    return bad


#: microseconds per new empty file above which the disk is taken as unsettled (see the docstring:
#: ~20 us here on a settled disk, ~600 us within minutes of deleting thousands of files)
UNSETTLED_US = 150.0


def _file_creation_us(folder: Path, n: int = 1000) -> float:
    """Microseconds to create one empty file in ``folder`` (the files are left for the end)."""
    folder.mkdir()
    t = time.perf_counter()
    for i in range(n):
        os.close(os.open(folder / f"f{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    return 1e6 * (time.perf_counter() - t) / n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--repeat", type=int, default=1,
                    help="pairs of runs per size (pandas read, then the CLI): the ratio printed is "
                         "the median of the pairs' ratios, which survives a machine whose speed "
                         "drifts; min and max are printed too")
    ap.add_argument("--baseline", type=Path, help="store (first run) or compare (later runs) outputs")
    ap.add_argument("--outputs", default=None, help="passed to refractor profile --outputs")
    args = ap.parse_args(argv)
    cli = [sys.executable, "-c", "from refractor.cli import main; main()"]
    rows, failures = [], 0
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        probe = _file_creation_us(Path(tmp) / "probe")
        settled = probe <= UNSETTLED_US
        print(f"file creation on this disk: {probe:.0f} us per file "
              f"({'settled' if settled else 'NOT settled: files were deleted here in the last minutes; the per-sample JSON writing is then overstated - wait ~5 min and run again'})",
              flush=True)
        for n in [int(s) for s in args.sizes.split(",")]:
            d = Path(tmp) / f"c{n}"
            # in a child: this process stays small, so the CLI child's ru_maxrss is its own
            _run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); from _synthetic "
                  f"import generate; generate(__import__('pathlib').Path({str(d)!r}), n_samples={n}, "
                  f"maf_rows={100 * n})"])
            sheet = d / "samplesheet.csv"
            walls, peaks, cpus, reads, read_cpus, ratios = [], [], [], [], [], []
            for k in range(args.repeat):
                _, _, out = _run([sys.executable, "-c", _PANDAS, str(d)])
                reads.append(json.loads(out)["read"])
                read_cpus.append(_CPU[-1])
                # a fresh OUTDIR per run, and nothing deleted until the end (see the docstring)
                outdir = Path(tmp) / f"out{n}-{k}"
                cmd = cli + ["profile", str(sheet), "-o", str(outdir), "--quiet"]
                if args.outputs:
                    cmd += ["--outputs", args.outputs]
                w, pk, _ = _run(cmd)
                walls.append(w)
                cpus.append(_CPU[-1])
                peaks.append(pk)
                ratios.append(w / reads[-1])
            mid = len(walls) // 2
            wall = sorted(walls)[mid]
            pandas_read, pandas_cpu = sorted(reads)[mid], sorted(read_cpus)[mid]
            if args.repeat > 1:
                r = sorted(ratios)
                print(f"[{n}] CLI / pandas read, pair by pair: median {r[mid]:.1f}x (min {r[0]:.1f}x, "
                      f"max {r[-1]:.1f}x, {len(r)} pairs)", flush=True)
            peak = max(peaks)
            sizes = _du(outdir)
            ready = _report_ready_ms(outdir / "report.html")
            if ready is not None:
                print(f"[{n}] report.html ready in headless Chromium after {ready} ms (target < 3000 ms)")
            _, _, out = _run([sys.executable, "-c", _PHASES, str(sheet), str(Path(tmp) / f"ph{n}")])
            phases = json.loads(out)
            if args.baseline:
                base = args.baseline / str(n)
                if base.exists():
                    diff = _compare(outdir, base)
                    print(f"[{n}] calls vs baseline {base}: {'IDENTICAL' if not diff else f'{diff} DIFFERENCES'}")
                    failures += diff
                else:
                    base.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copytree(outdir, base)
                    print(f"[{n}] baseline stored in {base}")
            cpu = sorted(cpus)[len(cpus) // 2]
            rows.append((n, pandas_read, wall, peak, phases, sizes, cpu, pandas_cpu,
                         sorted(ratios)[mid]))
            print(f"[{n}] done: CLI {wall:.1f} s, pandas read {pandas_read:.2f} s, peak {peak:.0f} MB", flush=True)

    print("\nrefractor profile SAMPLESHEET -o OUTDIR (subprocess, whole CLI) vs pandas reading the same files")
    print("wall: seconds; cpu: user+system seconds of the process (pandas' process includes its "
          "own start-up and import of pandas)")
    print(f"{'samples':>8} {'pandas':>7} {'CLI':>7} {'ratio':>6} {'pd cpu':>7} {'CLI cpu':>8} {'ratio':>6} "
          f"{'peak MB':>8} {'ms/sample':>9} | "
          "phases (in-process, s): startup+kb read interpret materialise write | outputs MB")
    for n, pr, wall, peak, ph, sizes, cpu, pcpu, _ in rows:
        phase = " ".join(f"{k}={ph.get(k, 0):.2f}" for k in
                         ("startup+kb", "read", "interpret", "materialise", "write"))
        steps = [k for k in ph if k.startswith("write:")]
        if steps:  # the writing steps (issue 15: per-sample pass in worker processes)
            phase += " [" + " ".join(f"{k[6:]}={ph[k]:.2f}" for k in steps) + "]"
        if "cpu_self" in ph:
            phase += (f" cpu main={ph['cpu_self']:.1f} workers={ph['cpu_workers']:.1f}"
                      f" (workers' peak {ph.get('peak_workers_mb', 0):.0f} MB)")
        out = ", ".join(f"{k} {v:.1f}" for k, v in sorted(sizes.items(), key=lambda kv: -kv[1]) if v >= 0.05)
        print(f"{n:>8} {pr:>7.2f} {wall:>7.2f} {wall / pr:>5.1f}x {pcpu:>7.2f} {cpu:>8.2f} {cpu / pcpu:>5.1f}x "
              f"{peak:>8.0f} {1000 * wall / n:>9.2f} | "
              f"{phase} (phase peak {ph.get('peak_mb', 0):.0f} MB) | {out}")
    n, pr, wall, peak, *_, ratio = rows[-1]
    if not settled:
        print(f"\nNOTE: the disk was not settled ({probe:.0f} us per new file): the figures overstate "
              "the cost of writing the per-sample JSON files")
    print(f"\ntargets at {n} samples: ratio {ratio:.1f}x (median of the pairs' ratios; target <= "
          f"{TARGET_RATIO:g}x, stretch {STRETCH_RATIO:g}x): "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}; peak "
          f"{peak / 1024:.2f} GB (target <= {TARGET_GB:g} GB, stretch {STRETCH_GB:g} GB): "
          f"{'met' if peak / 1024 <= TARGET_GB else 'NOT met'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
