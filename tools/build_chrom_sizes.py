#!/usr/bin/env python
"""Regenerate ``src/refractor/reference/data/chrom_sizes.tsv`` from UCSC ``chrom.sizes`` files.

Nothing here types a length: rows are copied from two UCSC-format ``chrom.sizes`` files
(``hg38.chrom.sizes``, ``hg19.chrom.sizes``) and each is cross-checked against a second,
independent copy of the same UCSC file; any disagreement on a primary chromosome aborts.
Sources, repositories and commits are recorded in ``data/PROVENANCE.md``.

Only the primary assembly is kept (``chr1``..``chr22``, ``chrX``, ``chrY``, ``chrM``): the
shipped gene table holds nothing else. hg19 and GRCh37 share coordinates on chr1-22, X and Y;
hg19's ``chrM`` (NC_001807) is 2 bp longer than GRCh37's ``MT`` (rCRS), so taking hg19's length
accepts every GRCh37 mitochondrial position.

Usage::

    python tools/build_chrom_sizes.py --hg38 A --hg38-check B --hg19 C --hg19-check D [--out F]

``--hg19-check`` may number X and Y as 24 and 25 (ASCAT convention); they are compared as such.
"""
from __future__ import annotations

import argparse
from pathlib import Path

PRIMARY = [f"chr{i}" for i in range(1, 23)] + ["chrX", "chrY", "chrM"]


def read_sizes(path: Path, *, ascat: bool = False) -> dict[str, int]:
    out = {}
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        name, length = line.split("\t")[:2]
        if ascat and name in ("chr24", "chr25"):
            name = {"chr24": "chrX", "chr25": "chrY"}[name]
        out[name] = int(length)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hg38", type=Path, required=True)
    ap.add_argument("--hg38-check", type=Path, required=True)
    ap.add_argument("--hg19", type=Path, required=True)
    ap.add_argument("--hg19-check", type=Path, required=True)
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).parents[1] / "src/refractor/reference/data/chrom_sizes.tsv")
    a = ap.parse_args()
    rows = ["build\tchrom\tlength"]
    for build, main_f, check_f in (("GRCh38", a.hg38, a.hg38_check), ("GRCh37", a.hg19, a.hg19_check)):
        sizes, check = read_sizes(main_f), read_sizes(check_f, ascat=True)
        for c in PRIMARY:
            if c not in sizes:
                raise SystemExit(f"{main_f}: no {c}")
            if c in check and check[c] != sizes[c]:
                raise SystemExit(f"{build} {c}: {sizes[c]} ({main_f}) != {check[c]} ({check_f})")
            rows.append(f"{build}\t{c}\t{sizes[c]}")
        confirmed = sum(c in check for c in PRIMARY)
        print(f"{build}: {len(PRIMARY)} chromosomes, {confirmed} confirmed by {check_f}")
    a.out.write_text("\n".join(rows) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
