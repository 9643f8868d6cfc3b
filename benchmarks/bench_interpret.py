#!/usr/bin/env python
"""Benchmark of the resistance interpreter on a 10,000-sample synthetic cohort (issue 3).

One command: ``python benchmarks/bench_interpret.py``. It

1. generates, in a temporary directory, a seeded synthetic cohort in standard files
   (``_synthetic.generate``: 10,000 samples, 1,000,000 MAF rows, a 500-gene x 10,000-sample
   TPM matrix, CBS segments, a clinical TSV and a samplesheet);
2. in a fresh Python process (so that its peak RSS is the pipeline's own, not the
   generator's) times
   (a) ``refractor.io.read_samplesheet`` (reading every file),
   (b) ``refractor.interpret.interpret`` (vectorised, columnar) on the whole cohort,
   (c) ``refractor.interpret.interpret_per_sample`` (the plain per-sample loop over the same
       rules) on all samples (default), or with ``--loop-n N`` on a seeded random subset of N
       samples, also timed on its first half so that the fixed and per-sample costs are
       separated and extrapolated linearly to the full cohort (the output says so). The
       extrapolation is a LOWER BOUND: the loop's per-sample cost grows with the cohort
       (it recomputes within-cohort expression percentiles for every sample), e.g. 1,000 of
       10,000 samples extrapolated to 46 s where the measured full loop took 206 s;
3. checks that the vectorised engine and the loop make IDENTICAL calls: mechanism statuses,
   agent levels, scores and assessability for every compared sample, and the full JSON form
   (traces, observations, strategies) of a seeded 1,000 of them (``--json-n``, 0 = all).
   Expression thresholds are within-cohort percentiles, so both engines are run on the
   *same* input cohort (the subset when the loop runs on a subset); differences are printed;
4. prints wall times, the speed-up ratio and the peak resident memory (``VmHWM``, else
   ``ru_maxrss``) against the issue's targets (<= 20 s wall, <= 2 GB peak on 2 cores).

Exit status 0 when the calls are identical (whether or not the targets are met: it is a
benchmark, the figures are printed for the record); 1 when any call differs.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TARGET_WALL_S = 20.0    # issue 3, "Performance"
TARGET_PEAK_GB = 2.0    # issue 3, "Performance"


def _rss_mb() -> float:
    """Peak resident set size of this process so far, MB.

    Linux: ``VmHWM`` of /proc/self/status (the high-water mark of this process's own memory
    map). ``ru_maxrss`` is not used there because Linux carries the parent's peak across
    fork + exec, so it would report the generator's memory. Elsewhere: ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    div = 1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / div


def _compare(vec, loop, label: str, json_n: int, seed: int, limit: int = 20) -> int:
    """Print differences between two CohortResults over the same samples; return their count.

    The matrices are compared for every sample; the full JSON results (traces, observations,
    strategies) for all samples when ``json_n`` is 0, else for a seeded random ``json_n``.
    """
    from refractor.interpret import LEVELS, STATUSES

    problems: list[str] = []
    if vec.samples != loop.samples:
        problems.append(f"sample order differs ({len(vec.samples)} vs {len(loop.samples)} samples)")
    if vec.mechanisms != loop.mechanisms or vec.agents != loop.agents:
        problems.append("mechanism or agent lists differ")
    if problems:
        for p in problems:
            print(f"  DIFF {label}: {p}")
        return len(problems)
    n = 0
    for name, a, b, fmt in (("mechanism status", vec.status, loop.status, STATUSES),
                            ("agent level", vec.levels, loop.levels, LEVELS),
                            ("agent score", vec.scores, loop.scores, None),
                            ("agent assessable", vec.assessable, loop.assessable, None)):
        cols = vec.mechanisms if name == "mechanism status" else vec.agents
        bad = np.argwhere(a != b)
        n += len(bad)
        for i, j in bad[:limit]:
            x, y = (fmt[a[i, j]], fmt[b[i, j]]) if fmt else (a[i, j], b[i, j])
            print(f"  DIFF {label}: {name} {vec.samples[i]} / {cols[j]}: vectorised {x!r} vs loop {y!r}")
    t0 = time.perf_counter()
    json_diff = 0
    idx = range(len(vec.samples))
    if 0 < json_n < len(vec.samples):
        idx = sorted(np.random.default_rng(seed + 1).choice(len(vec.samples), json_n, replace=False))
    for i in idx:
        if vec[i].to_dict() != loop[i].to_dict():
            json_diff += 1
            if json_diff <= limit:
                print(f"  DIFF {label}: full JSON result of sample {vec.samples[i]} differs")
    n += json_diff
    print(f"  compared {len(vec.samples):,} samples x ({len(vec.mechanisms)} mechanism statuses + "
          f"{len(vec.agents)} agent levels/scores/assessability), and the full JSON results "
          f"(traces, observations, strategies) of {len(idx):,} of them "
          f"({time.perf_counter() - t0:.1f} s): {n} difference(s)")
    return n


def _kb_genes(kb) -> set[str]:
    """Genes named by any biomarker rule of the KB (what ``refractor profile`` reads)."""
    from refractor.interpret._prepare import iter_features

    return {getattr(f, "gene", None) for b in kb.biomarkers.values()
            for f in iter_features(b.profile)} - {None}


def child(sheet: Path, loop_n: int, seed: int, json_n: int) -> int:
    """The measured pipeline (run in its own process)."""
    from refractor.interpret import interpret, interpret_per_sample
    from refractor.io import read_samplesheet
    from refractor.kb import KnowledgeBase

    rss0 = _rss_mb()
    t = time.perf_counter()
    kb = KnowledgeBase.load()
    t_kb = time.perf_counter() - t
    # As `refractor profile` does: gene-level copy number only for the genes the KB's rules
    # name (all ~19,300 genes x 10,000 samples would be ~190 M rows; see read_segments).
    genes = _kb_genes(kb)
    t = time.perf_counter()
    cohort = read_samplesheet(sheet, genes=genes)
    t_read = time.perf_counter() - t
    rss_read = _rss_mb()
    n = len(cohort)
    print(f"(a) read_samplesheet: {n:,} samples, {len(cohort.variants):,} variant rows, "
          f"{len(cohort.copy_number):,} gene copy-number rows, {len(cohort.expression):,} "
          f"expression values (copy number for the {len(genes)} KB genes, as the CLI)\n"
          f"                                                                  wall {t_read:6.2f} s   peak RSS {rss_read:6.0f} MB")
    print(f"    KnowledgeBase.load()                                          wall {t_kb:6.2f} s")
    t = time.perf_counter()
    full = interpret(cohort, kb)
    t_vec = time.perf_counter() - t
    rss_vec = _rss_mb()
    print(f"(b) interpret() vectorised, {n:,} samples x {len(full.agents)} agents x "
          f"{len(full.mechanisms)} mechanisms          wall {t_vec:6.2f} s   peak RSS {rss_vec:6.0f} MB")
    t = time.perf_counter()
    frame = full.to_frame()
    t_frame = time.perf_counter() - t
    print(f"    to_frame() (sample x agent level table)                       wall {t_frame:6.2f} s")

    t = time.perf_counter()
    for i in range(n):
        full[i]
    t_mat = time.perf_counter() - t
    rss_mat = _rss_mb()
    print(f"(d) materialise all {n:,} per-sample results with traces (what `refractor profile` does "
          f"before writing JSON; not part of (b))\n"
          f"                                                                  wall {t_mat:6.2f} s   peak RSS {rss_mat:6.0f} MB")

    ids = cohort.sample_ids
    if loop_n <= 0 or loop_n >= n:
        t = time.perf_counter()
        loop = interpret_per_sample(cohort, kb)
        t_loop = time.perf_counter() - t
        t_loop_full, how = t_loop, "measured on all samples"
        print(f"(c) interpret_per_sample() loop, all {n:,} samples                 wall {t_loop:6.2f} s")
        ndiff = _compare(full, loop, "full cohort", json_n, seed)
    else:
        rng = np.random.default_rng(seed)
        pick = rng.choice(n, loop_n, replace=False)
        half = np.sort(pick[: loop_n // 2])
        pick = np.sort(pick)
        sub = cohort.subset([ids[i] for i in pick])
        sub_half = cohort.subset([ids[i] for i in half])
        t = time.perf_counter()
        loop = interpret_per_sample(sub, kb)
        t_loop = time.perf_counter() - t
        t = time.perf_counter()
        interpret_per_sample(sub_half, kb)
        t_half = time.perf_counter() - t
        per = (t_loop - t_half) / (loop_n - len(half))
        fixed = max(t_loop - per * loop_n, 0.0)
        t_loop_full = fixed + per * n
        how = (f"EXTRAPOLATED from a seeded random subset (seed {seed}) of {loop_n:,} samples "
               f"({t_loop:.2f} s) and its first {len(half):,} ({t_half:.2f} s): "
               f"{per * 1e3:.2f} ms/sample + {fixed:.2f} s fixed; a LOWER BOUND: the loop's cost per "
               f"sample grows with the cohort size, see benchmarks/README.md")
        print(f"(c) interpret_per_sample() loop on {loop_n:,} of {n:,} samples        wall {t_loop:6.2f} s")
        print(f"    -> {n:,} samples: {t_loop_full:6.1f} s, {how}")
        t = time.perf_counter()
        vec_sub = interpret(sub, kb)
        t_vsub = time.perf_counter() - t
        print(f"    interpret() vectorised on the same {loop_n:,}-sample subset   wall {t_vsub:6.2f} s"
              f"   (speed-up on the subset {t_loop / t_vsub:5.1f}x)")
        ndiff = _compare(vec_sub, loop, f"{loop_n}-sample subset", json_n, seed)
    ratio = t_loop_full / t_vec
    peak_gb = rss_vec / 1024.0
    total = t_read + t_vec
    print()
    print(f"speed-up vectorised vs per-sample loop ({n:,} samples): {ratio:6.1f}x  "
          f"({t_loop_full:.1f} s vs {t_vec:.2f} s; loop {how})")
    ok = lambda b: "OK " if b else "MISSED"  # noqa: E731
    print(f"[{ok(t_vec <= TARGET_WALL_S)}] interpret() wall           {t_vec:6.2f} s  (target <= {TARGET_WALL_S:g} s)")
    print(f"[{ok(total <= TARGET_WALL_S)}] read + interpret wall      {total:6.2f} s  (target <= {TARGET_WALL_S:g} s)")
    print(f"[{ok(peak_gb <= TARGET_PEAK_GB)}] peak RSS read + interpret {peak_gb:6.2f} GB (target <= {TARGET_PEAK_GB:g} GB; "
          f"interpreter start {rss0:.0f} MB)")
    print(f"[{ok(ndiff == 0)}] identical calls vectorised vs loop: {ndiff} difference(s)")
    lv = frame.apply(lambda c: c.value_counts()).fillna(0).astype(int)
    if "venetoclax" in lv.columns:
        print("venetoclax level distribution (synthetic): "
              + ", ".join(f"{k} {int(v):,}" for k, v in lv["venetoclax"].items()))
    print("BENCH_JSON " + json.dumps({
        "samples": n, "read_s": round(t_read, 3), "interpret_s": round(t_vec, 3),
        "loop_s_full_cohort": round(t_loop_full, 2), "loop_extrapolated": loop_n > 0 and loop_n < n,
        "speedup": round(ratio, 1), "peak_rss_mb": round(rss_vec), "materialise_s": round(t_mat, 2),
        "peak_rss_after_materialise_mb": round(rss_mat), "differences": ndiff}))
    return 1 if ndiff else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--rows", type=int, default=1_000_000, help="MAF rows")
    ap.add_argument("--genes", type=int, default=500, help="genes in the TPM matrix")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--loop-n", type=int, default=0,
                    help="samples for the per-sample loop (seeded random subset, extrapolated "
                         "linearly: a lower bound); default 0 = all samples, measured")
    ap.add_argument("--json-n", type=int, default=1_000,
                    help="samples whose full JSON results are compared (seeded); 0 = all")
    ap.add_argument("--keep", type=Path, help="write the cohort here instead of a temporary dir")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.loop_n, args.seed, args.json_n)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _synthetic import generate

    with tempfile.TemporaryDirectory() as tmp:
        d = args.keep or Path(tmp)
        t = time.perf_counter()
        sheet = generate(d, n_samples=args.samples, maf_rows=args.rows, n_expr_genes=args.genes,
                         seed=args.seed)
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in sorted(d.iterdir()))
        print(f"generated synthetic cohort (seed {args.seed}) in {time.perf_counter() - t:.1f} s: {sizes}")
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; pipeline runs in a fresh "
              f"process so that peak RSS is its own")
        rc = subprocess.run([sys.executable, __file__, "--child", str(sheet), "--loop-n",
                             str(args.loop_n), "--seed", str(args.seed), "--json-n", str(args.json_n)]).returncode
    return rc


if __name__ == "__main__":
    sys.exit(main())
