"""The columnar cohort: what every reader produces and what the interpreter consumes.

A :class:`Cohort` is a handful of long-format pandas DataFrames keyed by ``sample``. One
sample is simply a cohort of one (:meth:`Cohort.subset`). Readers in ``refractor.io`` fill
these tables; ``refractor.interpret`` evaluates the knowledge base's biomarker rules on them
column-wise (never a Python loop per sample).

Tables and columns (dtypes in brackets)
---------------------------------------
samples      sample[str] disease[str] subtype[str|None] line[Int64]
             prior_agents[list[str]] refractory_agents[list[str]]
             disease and agent names as written (resolved by the KB at interpretation;
             ``Cohort.origin`` says where each came from)
             purity[float (0, 1], NaN = not given; optional column]
assessed     sample[str] kind[str]   which data kinds were measured for which sample; kinds are
             the biomarker feature kinds: variant, copy_number, expression, splicing,
             methylation, protein, history, subtype. A rule whose data kind is not assessed for
             a sample yields ``not_assessable`` — never a silent "not detected".
variants     sample gene consequence[str] protein_change[str, "" if none] vaf[float, NaN]
             source[str "file:line"]; optional alt_count[float] depth[float] (tumour reads with
             the ALT allele / at the site, NaN = not given; the interpreter's CCF interval)
             consequence is normalised to: missense, nonsense, frameshift, splice_site,
             inframe_indel, start_lost, stop_lost, silent, other (non-coding / unknown).
copy_number  sample gene log2_ratio[float] source[str]
expression   sample gene value[float] (TPM)
splicing     sample gene event[str] psi[float 0..1] reads[int] source[str]
methylation  sample feature[str] gene[str|None] beta[float 0..1] region[str|None] (the probe's
             position relative to its gene, e.g. TSS200 / Body; None when not annotated)
protein      sample gene value[float] unit[str]

``inputs`` records the files a cohort was read from, per samplesheet column
(``{"maf": (Path, ...), ...}``), so callers (e.g. the annotated-MAF writer) never re-parse the
samplesheet.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

DATA_KINDS = (
    "variant",
    "copy_number",
    "expression",
    "splicing",
    "methylation",
    "protein",
    "history",
    "subtype",
)

COLUMNS: dict[str, list[str]] = {
    "samples": ["sample", "disease", "subtype", "line", "prior_agents", "refractory_agents", "purity"],
    "assessed": ["sample", "kind"],
    "variants": ["sample", "gene", "consequence", "protein_change", "vaf", "source"],
    "copy_number": ["sample", "gene", "log2_ratio", "source"],
    "expression": ["sample", "gene", "value"],
    "splicing": ["sample", "gene", "event", "psi", "reads", "source"],
    "methylation": ["sample", "feature", "gene", "beta", "region"],
    "protein": ["sample", "gene", "value", "unit"],
}

#: optional columns a table keeps when a producer gives them (absent columns are not added)
OPTIONAL_COLUMNS: dict[str, list[str]] = {"variants": ["alt_count", "depth"]}
#: the gene-level tables that ``read_samplesheet(genes=..., restrict=...)`` can restrict to a gene set
GENE_TABLES = ("copy_number", "variants", "expression")

CONSEQUENCES = (
    "missense",
    "nonsense",
    "frameshift",
    "splice_site",
    "inframe_indel",
    "start_lost",
    "stop_lost",
    "silent",
    "other",
)


def empty(table: str) -> pd.DataFrame:
    """An empty DataFrame with the columns of ``table``."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS[table]})


@dataclass(frozen=True)
class Cohort:
    """Measured data for one or more samples, in long columnar tables (see module doc)."""

    samples: pd.DataFrame
    assessed: pd.DataFrame = field(default_factory=lambda: empty("assessed"))
    variants: pd.DataFrame = field(default_factory=lambda: empty("variants"))
    copy_number: pd.DataFrame = field(default_factory=lambda: empty("copy_number"))
    expression: pd.DataFrame = field(default_factory=lambda: empty("expression"))
    splicing: pd.DataFrame = field(default_factory=lambda: empty("splicing"))
    methylation: pd.DataFrame = field(default_factory=lambda: empty("methylation"))
    protein: pd.DataFrame = field(default_factory=lambda: empty("protein"))
    build: str = "GRCh38"
    #: files the cohort was read from, per samplesheet column (``{"maf": (Path, ...)}``)
    inputs: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    #: where each sample's disease and agent names came from, for error messages: sample ->
    #: {field: InputError keywords}, e.g. ``{"S1": {"refractory_agents": {"path": "c.tsv",
    #: "line": 3, "column": "refractory_agents"}}}``; the names stay as written in ``samples``
    #: and are resolved by the knowledge base when the cohort is interpreted
    origin: dict = field(default_factory=dict, compare=False, repr=False)
    #: the readers' DataWarning messages (data used with a caveat: counts converted to TPM, absolute
    #: copy number read against a diploid genome, every VCF record filtered ...), for reports
    read_warnings: tuple[str, ...] = field(default=(), compare=False, repr=False)
    #: the samples a reader's warning concerns, for a warning raised while reading a file that
    #: only some of the cohort's samples use (a per-sample VCF, expression or junction file):
    #: message -> sample ids. A message absent from it concerns the whole cohort.
    read_warning_samples: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False,
                                                             repr=False)

    @property
    def sample_ids(self) -> list[str]:
        return self.samples["sample"].tolist()

    def __len__(self) -> int:
        return len(self.samples)

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def subset(self, samples: list[str]) -> "Cohort":
        """The same cohort restricted to ``samples`` (order kept)."""
        keep = set(samples)
        kw = {
            name: getattr(self, name)[getattr(self, name)["sample"].isin(keep)].reset_index(drop=True)
            for name in COLUMNS
        }
        # reader warnings about files none of the kept samples use are left out
        scoped = {m: tuple(x for x in ss if x in keep) for m, ss in self.read_warning_samples.items()}
        kw["read_warnings"] = tuple(m for m in self.read_warnings if scoped.get(m, True))
        kw["read_warning_samples"] = {m: ss for m, ss in scoped.items() if ss}
        return replace(self, **kw)

    def is_assessed(self, sample: str, kind: str) -> bool:
        a = self.assessed
        return bool(((a["sample"] == sample) & (a["kind"] == kind)).any())


__all__ = ["Cohort", "COLUMNS", "OPTIONAL_COLUMNS", "DATA_KINDS", "CONSEQUENCES", "empty"]
