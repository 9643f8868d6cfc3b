#!/usr/bin/env python
"""Micro-benchmark of Refractor's readers on a synthetic cohort (one command, prints figures).

Generates in a temporary directory:
- a 1,000,000-row MAF (10,000 samples x 100 variants, GDC columns, gzip off),
- a 500-gene x 10,000-sample TPM matrix (TSV),
- CBS segments for 10,000 samples (40 segments each, 400,000 rows),
then times ``read_maf``, ``read_expression`` and ``read_segments`` (gene-level values for the
500 matrix genes, and for all ~19,300 genes on 100 samples) and reports wall and CPU seconds
and peak RSS (``ru_maxrss``; includes the generator's own memory, printed first).

Usage: python benchmarks/bench_io.py [--rows 1000000] [--samples 10000] [--genes 500]
Target (issue 3): the whole interpretation of such a cohort <= 20 s / <= 2 GB on 2 cores, so
reading must take a small part of that.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


CLASSES = ["Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Silent", "Splice_Site", "In_Frame_Del", "Intron"]


def make_maf(path: Path, rows: int, samples: int, genes: list[str], rng) -> None:
    s = rng.integers(0, samples, rows)
    g = rng.integers(0, len(genes), rows)
    pos = rng.integers(1, 200, rows)
    alt = rng.integers(1, 60, rows)
    df = pd.DataFrame(
        {
            "Hugo_Symbol": np.asarray(genes, dtype=object)[g],
            "Entrez_Gene_Id": 0,
            "Center": "synthetic",
            "NCBI_Build": "GRCh38",
            "Chromosome": "chr1",
            "Start_Position": rng.integers(1, 240_000_000, rows),
            "Variant_Classification": np.asarray(CLASSES, dtype=object)[rng.integers(0, len(CLASSES), rows)],
            "Tumor_Sample_Barcode": pd.Series(s).map(lambda i: f"S{i:05d}").to_numpy(),
            "HGVSp_Short": pd.Series(pos).map(lambda p: f"p.G{p}V").to_numpy(),
            "t_alt_count": alt,
            "t_depth": alt + rng.integers(1, 200, rows),
        }
    )
    with open(path, "w") as fh:
        fh.write("#version 2.4\n")
        df.to_csv(fh, sep="\t", index=False)


def make_expression(path: Path, genes: list[str], samples: int, rng) -> None:
    mat = rng.gamma(2.0, 10.0, size=(len(genes), samples)).round(3)
    df = pd.DataFrame(mat, columns=[f"S{i:05d}" for i in range(samples)])
    df.insert(0, "gene", genes)
    df.to_csv(path, sep="\t", index=False)


def make_segments(path: Path, samples: int, per_sample: int, rng) -> None:
    chroms = [str(c) for c in range(1, 23)]
    n = samples * per_sample
    sid = np.repeat(np.arange(samples), per_sample)
    # per sample: 2 segments on each of 20 chromosomes, breakpoint at 60 Mb
    chrom = np.tile(np.repeat(chroms[:per_sample // 2], 2), samples)
    first = np.tile([True, False], n // 2)
    start = np.where(first, 1, 60_000_001)
    end = np.where(first, 60_000_000, 250_000_000)
    mean = rng.normal(0, 0.3, n).round(4)
    df = pd.DataFrame({"ID": pd.Series(sid).map(lambda i: f"S{i:05d}").to_numpy(), "chrom": chrom,
                       "loc.start": start, "loc.end": end, "num.mark": 100, "seg.mean": mean})
    df.to_csv(path, sep="\t", index=False)


_CHILD = """
import json, resource, sys, time
from refractor.io import read_expression, read_maf, read_segments
kind, path, extra = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
t0, c0 = time.perf_counter(), time.process_time()
fn = {"maf": read_maf, "expression": read_expression, "segments": read_segments}[kind]
out = fn(path, **extra)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, "rows": len(out),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
"""


def timed(label: str, kind: str, path: Path, **extra) -> dict:
    """Run one reader in a fresh interpreter so its peak RSS is its own."""
    res = subprocess.run([sys.executable, "-c", _CHILD, kind, str(path), json.dumps(extra)],
                         capture_output=True, text=True, check=True)
    r = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"{label:<52s} wall {r['wall']:6.2f} s  cpu {r['cpu']:6.2f} s  rows out {r['rows']:>10,d}  "
          f"peak RSS {r['rss_mb']:6.0f} MB")
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--genes", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    from refractor.reference import gene_table

    rng = np.random.default_rng(args.seed)
    all_genes = gene_table("GRCh38")["gene"].tolist()
    genes = [str(g) for g in rng.choice(all_genes, args.genes, replace=False)]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t0 = time.perf_counter()
        make_maf(d / "cohort.maf", args.rows, args.samples, genes, rng)
        make_expression(d / "expr.tsv", genes, args.samples, rng)
        make_segments(d / "cohort.seg", args.samples, 40, rng)
        print(f"generated inputs in {time.perf_counter() - t0:.1f} s: "
              + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in sorted(d.iterdir())))
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (wall > cpu means waiting for a core)")
        timed(f"read_maf ({args.rows:,} rows)", "maf", d / "cohort.maf")
        timed(f"read_expression ({args.genes} genes x {args.samples:,} samples)", "expression", d / "expr.tsv")
        timed(f"read_segments ({args.samples:,} samples, {args.genes} genes)", "segments", d / "cohort.seg", genes=genes)
        first = [f"S{i:05d}" for i in range(100)]
        timed("read_segments (100 samples, all ~19,300 genes)", "segments", d / "cohort.seg", samples=first)


if __name__ == "__main__":
    main()
