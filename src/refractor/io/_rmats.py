"""rMATS skipped-exon output (``SE.MATS.JC.txt`` / ``SE.MATS.JCEC.txt``) -> exon-skipping PSI.

rMATS reports, per cassette exon, the skipped exon (``exonStart_0base``, ``exonEnd``: 0-based start,
1-based end) between an "upstream" and a "downstream" exon — the lower- and higher-coordinate
flanks on either strand (rMATS user group, answer of 22 Feb 2023) — with inclusion and skipping
junction counts (``IJC_SAMPLE_1``/``SJC_SAMPLE_1``, one comma-separated value per replicate BAM)
and the length-normalised inclusion level ``IncLevel1``. Refractor's splicing events are exon
*skipping* PSI, so PSI = 1 - IncLevel and reads = IJC + SJC.

An event is the row whose skipped exon and flanks are the canonical (MANE Select) exon k and its
neighbours k-1, k+1 in the shipped exon table of the run's build. Without such a row the event is
written with PSI NaN and 0 reads (measured, uninformative), as for STAR junctions.

Sample ids: rMATS does not write them. Replicate i of group 1 is ``SAMPLE_1`` (one BAM) or
``SAMPLE_1.<i>``; group 2 likewise. A one-BAM run (``--b1 one.bam --statoff``) is one sample and
takes the samplesheet row's id.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from refractor.errors import InputError
from refractor.io._source import read_bytes
from refractor.io._dialect import split_prefix
from refractor.io._table import MISSING, read_table, require_nonempty, to_int
from refractor.reference import exons, normalise_chrom, resolve_build
from refractor.io._attrs import set_attrs

RMATS_COLUMNS = ("chr", "exonStart_0base", "exonEnd", "upstreamES", "upstreamEE", "downstreamES", "downstreamEE",
                 "IJC_SAMPLE_1", "SJC_SAMPLE_1", "IncLevel1")


def is_rmats(header: list[str]) -> bool:
    return "exonStart_0base" in header and "IncLevel1" in header


def _split(cell, n: int, what: str, tab, row: int, col: str, *, integer: bool) -> list[float]:
    text = "" if cell is None else str(cell).strip()
    parts = text.split(",") if text else []
    if len(parts) != n:
        raise tab.error(f"{what}: {text!r} has {len(parts)} value(s) for {n} replicate(s)", row=row, column=col)
    out = []
    for p in parts:
        p = p.strip()
        if p in MISSING:
            out.append(np.nan)
            continue
        try:
            v = float(p)
        except ValueError:
            raise tab.error(f"{what}: {p!r} is not a number", row=row, column=col) from None
        if not np.isfinite(v):
            raise tab.error(f"{what}: {p!r} is not finite", row=row, column=col)
        if v < 0 or (integer and v != round(v)) or (not integer and v > 1):
            raise tab.error(f"{what}: {p!r} is out of range", row=row, column=col)
        out.append(v)
    return out


def read_rmats(path: str | Path, *, build: str | None = None, events: Sequence[tuple[str, int]] | None = None
               ) -> pd.DataFrame:
    """The cohort ``splicing`` table (``sample gene event psi reads source``) from an rMATS SE file."""
    from refractor.io._splicing import DEFAULT_EVENTS, event_name

    b = resolve_build(build, path=path)
    events = DEFAULT_EVENTS if events is None else events
    data = read_bytes(path)
    _, hline = split_prefix(data, 0, "#")
    first = data.split(b"\n", hline)[hline - 1].decode("utf-8").rstrip("\r").split("\t")
    names = [f"{h}.{i}" if h in first[:i] else h for i, h in enumerate(first)]  # rMATS repeats "ID"
    missing = [c for c in RMATS_COLUMNS if c not in names]
    if missing:
        raise InputError(f"rMATS file lacks column {missing[0]!r}", path=str(path), line=hline, column=missing[0])
    tab = read_table(path, data=data, names=names, skip_lines=hline, all_columns=True)
    require_nonempty(tab, "chr", what="chromosome")
    coords = {c: to_int(tab, c, what=c, lo=0) for c in RMATS_COLUMNS[1:7]}
    chrom = normalise_chrom(tab.df["chr"].str.strip()).to_numpy(dtype=object)
    inc1 = tab.df["IncLevel1"].astype(str)
    n1 = len(inc1.iloc[0].split(",")) if len(tab) else 1
    groups = [("1", n1)]
    if "IncLevel2" in names and len(tab) and tab.df["IncLevel2"].astype(str).str.strip().replace("nan", "").ne("").all():
        groups.append(("2", len(tab.df["IncLevel2"].astype(str).iloc[0].split(","))))
    samples = [f"SAMPLE_{g}" if n == 1 else f"SAMPLE_{g}.{i + 1}" for g, n in groups for i in range(n)]
    lines = tab.lines()
    rows = []
    for gene, k in events:
        ex = exons(gene, b).set_index("exon_number")
        if not {k - 1, k, k + 1} <= set(ex.index):
            continue
        skipped = ex.loc[k]
        lo, hi = sorted((ex.loc[k - 1], ex.loc[k + 1]), key=lambda e: int(e["start"]))
        m = ((chrom == skipped["chrom"]) & (coords["exonStart_0base"] + 1 == int(skipped["start"]))
             & (coords["exonEnd"] == int(skipped["end"])) & (coords["upstreamES"] + 1 == int(lo["start"]))
             & (coords["upstreamEE"] == int(lo["end"])) & (coords["downstreamES"] + 1 == int(hi["start"]))
             & (coords["downstreamEE"] == int(hi["end"])))
        hits = np.flatnonzero(m)
        if len(hits) > 1:
            raise tab.error(f"{gene} exon {k} skipping is reported twice (lines {lines[hits[0]]} and "
                            f"{lines[hits[1]]})", row=int(hits[1]))
        for g, n in groups:
            if len(hits):
                r = int(hits[0])
                inc = _split(tab.df[f"IncLevel{g}"].iloc[r], n, f"IncLevel{g}", tab, r, f"IncLevel{g}", integer=False)
                ijc = _split(tab.df[f"IJC_SAMPLE_{g}"].iloc[r], n, f"IJC_SAMPLE_{g}", tab, r, f"IJC_SAMPLE_{g}",
                             integer=True)
                sjc = _split(tab.df[f"SJC_SAMPLE_{g}"].iloc[r], n, f"SJC_SAMPLE_{g}", tab, r, f"SJC_SAMPLE_{g}",
                             integer=True)
                src = f"{path}:{lines[r]}"
            else:
                inc, ijc, sjc, src = [np.nan] * n, [0.0] * n, [0.0] * n, f"{path}:no rMATS event"
            for i in range(n):
                s = f"SAMPLE_{g}" if n == 1 else f"SAMPLE_{g}.{i + 1}"
                reads = (ijc[i] if ijc[i] == ijc[i] else 0) + (sjc[i] if sjc[i] == sjc[i] else 0)
                rows.append((s, gene, event_name(k), 1.0 - inc[i], int(reads), src))
    out = pd.DataFrame(rows, columns=["sample", "gene", "event", "psi", "reads", "source"])
    out["reads"] = out["reads"].astype("Int64")
    set_attrs(out, samples=samples, path=str(path), build=b)
    return out


__all__ = ["read_rmats", "is_rmats"]
