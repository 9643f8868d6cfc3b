"""Which expression file this is: the layouts quantifiers and pipelines write, recognised by header.

Each layout says which column holds the gene, which hold values, for which samples, and in what
unit. Recognised (headers as each tool documents them):

- salmon ``quant.sf`` / ``quant.genes.sf``: ``Name Length EffectiveLength TPM NumReads`` (one sample);
- kallisto ``abundance.tsv``: ``target_id length eff_length est_counts tpm`` (one sample);
- RSEM ``*.genes.results``: ``gene_id transcript_id(s) length effective_length expected_count TPM
  FPKM``; ``*.isoforms.results``: ``transcript_id gene_id ...`` (one sample, TPM column);
- featureCounts: ``#`` command line, then ``Geneid Chr Start End Strand Length <one column per BAM>``
  (read counts; converted to TPM with the Length column);
- GDC STAR "augmented" gene counts: ``# gene-model`` line, ``gene_id gene_name gene_type
  unstranded ... tpm_unstranded ...`` and four ``N_*`` summary rows (the ``tpm_unstranded`` column);
- a genes x samples matrix (TPM): a gene column, optional annotation columns (nf-core/rnaseq
  ``gene_name``, cBioPortal ``Entrez_Gene_Id``, ``Description`` ...), then one column per sample;
- STAR ``ReadsPerGene.out.tab`` is recognised only to say it cannot be used (counts, no lengths).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from refractor.errors import InputError

#: header names (lower case) of columns that annotate genes rather than hold a sample's values
ANNOTATION_COLUMNS = {
    "gene_name", "gene_symbol", "symbol", "hugo_symbol", "description", "entrez_gene_id", "entrez_id",
    "entrez", "gene_type", "gene_biotype", "biotype", "chr", "chrom", "chromosome", "start", "end",
    "strand", "length", "gene_length", "transcript_id", "transcript_id(s)", "hgnc_id", "hgnc_symbol",
}
#: of those, the ones holding a gene symbol, preferred in this order over an Ensembl id column
SYMBOL_COLUMNS = ("gene_name", "hgnc_symbol", "gene_symbol", "symbol", "hugo_symbol", "description")

ENSEMBL_GENE = re.compile(r"^(ENS[A-Z]*G\d+)(\.\d+)?(_PAR_Y)?$")
ENSEMBL_TX = re.compile(r"^ENS[A-Z]*T\d+(\.\d+)?(_PAR_Y)?$")


@dataclass
class Layout:
    """Where the genes and the values of one expression file are."""

    kind: str
    gene_col: str
    value_cols: list[str]
    samples: list[str]
    unit: str = "tpm"  # "tpm" or "counts" (then ``length_col`` converts them)
    symbol_col: str | None = None
    length_col: str | None = None
    transcript_level: bool = False
    skip_prefix: str | None = None  # rows whose gene starts so are summaries (GDC/STAR N_*)
    notes: list[str] = field(default_factory=list)


def _file_sample(path: str | Path, suffixes: tuple[str, ...]) -> str:
    """A one-sample file's sample id: its name without the tool's suffix, else its folder's name
    (salmon and kallisto write ``<sample>/quant.sf`` / ``<sample>/abundance.tsv``)."""
    p = Path(path)
    name = p.name[:-3] if p.name.endswith(".gz") else p.name
    for suf in suffixes:
        if name.endswith(suf) and len(name) > len(suf):
            return name[: -len(suf)].rstrip("._-")
    return p.parent.name or name


_BAM_SUFFIXES = (".bam", ".sam", ".cram", "Aligned.sortedByCoord.out", "Aligned.out", ".sorted", ".sort",
                 ".markdup", ".dedup", ".md", ".Aligned")


def bam_sample(col: str) -> str:
    """featureCounts names sample columns by the BAM path: ``/data/S1.Aligned.sortedByCoord.out.bam``
    -> ``S1``."""
    name = col.replace("\\", "/").rsplit("/", 1)[-1]
    changed = True
    while changed:
        changed = False
        for suf in _BAM_SUFFIXES:
            if name.endswith(suf) and len(name) > len(suf):
                name, changed = name[: -len(suf)].rstrip("._-") or name, True
    return name


def check_gct_size(data: bytes, n_rows: int, n_samples: int, path: str | Path) -> None:
    """GCT 1.2 declares its size on line 2 (``<rows><TAB><samples>``): a file holding fewer rows was cut
    short (a copy or download interrupted at a line end, which nothing else can tell), one holding
    other numbers was edited without updating the line. Either is an InputError at line 2."""
    line = data.split(b"\n", 2)[1].decode("utf-8", "replace").strip() if data.count(b"\n") >= 1 else ""
    cells = line.split("\t")
    if len(cells) < 2 or not all(c.strip().isascii() and c.strip().isdigit() for c in cells[:2]):
        raise InputError(f"GCT line 2 must give the numbers of rows and samples (<rows><TAB><samples>), got {line!r}",
                         path=str(path), line=2)
    rows, samples = int(cells[0]), int(cells[1])
    if (rows, samples) != (n_rows, n_samples):
        cut = " (truncated file?)" if n_rows < rows else ""
        raise InputError(f"GCT line 2 declares {rows} rows and {samples} samples, but the file holds {n_rows} rows "
                         f"and {n_samples} samples{cut}", path=str(path), line=2)


def detect(header: list[str], first_cell: str | None, path: str | Path, header_line: int | None) -> Layout:
    """The :class:`Layout` of a (non-GCT) expression file from its header and first data cell."""
    low = [h.lower() for h in header]
    spath = str(path)
    if header and header[0].startswith("N_unmapped"):  # headerless: the "header" is the first summary row
        raise InputError("STAR ReadsPerGene.out.tab holds read counts without gene lengths, which cannot be turned "
                         "into TPM; give TPM (salmon/RSEM/kallisto, or featureCounts output with its Length column)",
                         path=spath, line=1)
    if low[:5] == ["name", "length", "effectivelength", "tpm", "numreads"]:
        return Layout("salmon quant.sf", header[0], [header[3]],
                      [_file_sample(path, (".quant.genes.sf", ".quant.sf", "quant.genes.sf", "quant.sf"))],
                      transcript_level=bool(first_cell and (ENSEMBL_TX.match(first_cell) or "|" in first_cell)))
    if low[:5] == ["target_id", "length", "eff_length", "est_counts", "tpm"]:
        return Layout("kallisto abundance.tsv", header[0], [header[4]],
                      [_file_sample(path, (".abundance.tsv", "abundance.tsv"))], transcript_level=True)
    if "tpm" in low and "expected_count" in low and low[0] in ("gene_id", "transcript_id"):
        iso = low[0] == "transcript_id"
        return Layout("RSEM " + ("isoforms" if iso else "genes") + ".results", header[low.index("gene_id")],
                      [header[low.index("tpm")]],
                      [_file_sample(path, (".isoforms.results", ".genes.results"))])
    if low[:6] == ["geneid", "chr", "start", "end", "strand", "length"]:
        if len(header) < 7:
            raise InputError("featureCounts table has no sample column", path=spath, line=header_line)
        cols = header[6:]
        return Layout("featureCounts", header[0], cols, [bam_sample(c) for c in cols], unit="counts",
                      length_col=header[5])
    if "tpm_unstranded" in low and "gene_id" in low:
        return Layout("GDC STAR gene counts", header[low.index("gene_id")], [header[low.index("tpm_unstranded")]],
                      [_file_sample(path, (".rna_seq.augmented_star_gene_counts.tsv", ".tsv"))],
                      symbol_col=header[low.index("gene_name")] if "gene_name" in low else None, skip_prefix="N_")
    if len(header) < 2:
        raise InputError("expression matrix needs a gene column and at least one sample column "
                         "(is it comma- or space-separated? columns must be separated by tabs or commas)",
                         path=spath, line=header_line)
    gene_col = header[0]
    symbol_col = None
    if not ENSEMBL_GENE.match(first_cell or "") and low[0] in SYMBOL_COLUMNS + ("gene", "genes", ""):
        symbol_col = None  # the first column already holds symbols
    else:
        symbol_col = next((header[low.index(c)] for c in SYMBOL_COLUMNS if c in low[1:]), None)
    values = [h for h, lo in zip(header[1:], low[1:]) if lo not in ANNOTATION_COLUMNS]
    counts_cols = [h for h in values if h.lower() in ("numreads", "est_counts", "expected_count", "counts", "count")]
    if counts_cols:
        raise InputError(f"column {counts_cols[0]!r} holds read counts, not TPM; give the TPM column (or the "
                         "quantifier's own output file, which Refractor reads whole)", path=spath,
                         line=header_line, column=counts_cols[0])
    if not values:
        raise InputError("expression matrix has no sample column (only gene and annotation columns)",
                         path=spath, line=header_line)
    return Layout("genes x samples matrix", gene_col, values, list(values), symbol_col=symbol_col)


__all__ = ["Layout", "detect", "check_gct_size", "bam_sample", "ANNOTATION_COLUMNS", "ENSEMBL_GENE", "ENSEMBL_TX"]
