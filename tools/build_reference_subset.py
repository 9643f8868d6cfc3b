#!/usr/bin/env python
"""Regenerate Refractor's shipped reference tables by FILTERING the shared reference files.

Nothing here types a coordinate: every row is copied from ``/work/shared/reference``
(``genes_GRCh{37,38}.tsv.gz``, ``exons_GRCh{37,38}.tsv.gz``, built by that folder's
``build_reference.py``; provenance in its ``PROVENANCE.txt``).

Outputs in ``src/refractor/reference/data/``:

- ``genes_<build>.tsv.gz``: every gene, columns ``GENE_COLUMNS``.
- ``exons_<build>.tsv.gz``: canonical-transcript (MANE Select) exons of ``EXON_GENES`` only.
- ``ensembl_genes.tsv.gz``: HGNC symbol -> Ensembl gene id without version (GENCODE v44 gene of
  the GRCh38 table), so expression matrices keyed by ``ENSG...`` ids can be read by symbol.

Usage::

    python tools/build_reference_subset.py [--shared /work/shared/reference] [--out DIR]

Output is deterministic (gzip mtime 0, rows in source order).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
from pathlib import Path

import pandas as pd

BUILDS = ("GRCh38", "GRCh37")
GENE_COLUMNS = [
    "gene", "chrom", "start", "end", "strand",
    "locus_start", "locus_end", "entrez_id", "hgnc_id",
]
EXON_COLUMNS = ["gene", "transcript", "chrom", "strand", "exon_number", "start", "end"]
# Genes whose exon structure the interpreter may need for splice events (exon skipping from
# STAR junctions). CRBN exon 10 skipping is the one the KB uses today; the others are
# blood-cancer resistance genes with reported isoforms (IKZF1 IK6, BCL2L1 xS/xL, CD19 exon 2,
# BCL2L11 deletion isoforms) kept so new events need no new data.
EXON_GENES = [
    "CRBN", "IKZF1", "IKZF3", "CUL4B", "DDB1", "COPS7B", "COPS8", "CSNK1A1", "GSPT1",
    "BCL2", "MCL1", "BCL2L1", "BCL2L11", "BAX", "BAK1", "BBC3", "PMAIP1",
    "TNFRSF10A", "TNFRSF10B", "CFLAR", "CASP8", "XIAP",
    "TP53", "SF3B1", "CD19", "MYC", "IRF4", "FLT3", "NPM1", "DNMT3A", "NRAS", "KRAS",
]


def _write_tsv_gz(df: pd.DataFrame, path: Path) -> str:
    buf = io.StringIO()
    df.to_csv(buf, sep="\t", index=False, lineterminator="\n")
    raw = buf.getvalue().encode("utf-8")
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw)
    return hashlib.md5(path.read_bytes()).hexdigest()


def build(shared: Path, out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    log = []
    for b in BUILDS:
        genes = pd.read_csv(shared / f"genes_{b}.tsv.gz", sep="\t", dtype=str, keep_default_na=False)
        genes = genes[GENE_COLUMNS]
        md5 = _write_tsv_gz(genes, out / f"genes_{b}.tsv.gz")
        log.append(f"genes_{b}.tsv.gz\t{len(genes)} genes\tmd5 {md5}")
        exons = pd.read_csv(shared / f"exons_{b}.tsv.gz", sep="\t", dtype=str, keep_default_na=False)
        exons = exons[exons["gene"].isin(EXON_GENES)][EXON_COLUMNS]
        missing = sorted(set(EXON_GENES) - set(exons["gene"]))
        md5 = _write_tsv_gz(exons, out / f"exons_{b}.tsv.gz")
        log.append(
            f"exons_{b}.tsv.gz\t{len(exons)} exons of {exons['gene'].nunique()} genes\tmd5 {md5}"
            + (f"\tno exons in source for: {','.join(missing)}" if missing else "")
        )
    genes = pd.read_csv(shared / "genes_GRCh38.tsv.gz", sep="\t", dtype=str, keep_default_na=False)
    ens = pd.DataFrame({"gene": genes["gene"], "ensembl_gene": genes["ensembl_gene"].str.split(".").str[0]})
    ens = ens[ens["ensembl_gene"] != ""]
    md5 = _write_tsv_gz(ens, out / "ensembl_genes.tsv.gz")
    log.append(f"ensembl_genes.tsv.gz\t{len(ens)} genes\tmd5 {md5}")
    return log


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=here.parent / "shared" / "reference")
    ap.add_argument("--out", type=Path, default=here / "src" / "refractor" / "reference" / "data")
    args = ap.parse_args()
    for line in build(args.shared, args.out):
        print(line)


if __name__ == "__main__":
    main()
