"""``/profile``: resistance calls for samples posted as JSON (the twin of ``refractor profile``).

The body describes one sample in the vocabulary of the :class:`~refractor.io.cohort.Cohort`
tables. It is validated (input limits, unknown fields rejected), turned into a cohort with the
io layer's own vocabulary helpers (MAF ``Variant_Classification`` -> consequence, HGVSp ->
short protein change, genome build aliases; disease and agent names are resolved by the
knowledge base, an unknown one is a 422 naming its field), interpreted with the
app's knowledge base and answered with exactly the per-sample JSON that ``refractor profile``
writes (:meth:`refractor.interpret.SampleResult.to_dict`, schema
``docs/schemas/sample-report.schema.json``).

Data kinds: a list that is given (even empty) marks its kind as assessed for the sample;
``assessed`` adds kinds measured without findings. ``prior_agents``, ``refractory_agents`` or
``line`` make the clinical history assessed, ``subtype`` the subtype — as the samplesheet does.
A single sample has no cohort to rank expression in, so expression thresholds are absolute
(the interpreter says so in the result's warnings).
"""
from __future__ import annotations

import math
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from refractor.api._app import get_kb
from refractor.io._clinical import MAX_LINE, split_agents
from refractor.io.cohort import CONSEQUENCES, DATA_KINDS, Cohort

router = APIRouter(prefix="/profile", tags=["profile"])

#: input limits of one sample (rows per table)
MAX_VARIANTS = 10_000
MAX_COPY_NUMBER = 60_000
MAX_EXPRESSION = 60_000
MAX_SPLICING = 100_000
MAX_METHYLATION = 500_000
MAX_AGENTS = 100
#: largest number of samples of one ``POST /profile/cohort``
MAX_SAMPLES = 1_000

_ID = {"min_length": 1, "max_length": 200}
_GENE = {"min_length": 1, "max_length": 60}
_NUM = {"allow_inf_nan": False}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Variant(_Strict):
    """One somatic variant: give ``consequence`` (normalised class) or ``variant_classification``
    (MAF term, e.g. ``Missense_Mutation``)."""

    gene: str = Field(..., **_GENE, description="HGNC symbol.")
    consequence: Literal[CONSEQUENCES] | None = Field(None, description="Normalised consequence.")  # type: ignore[valid-type]
    variant_classification: str | None = Field(
        None, min_length=1, max_length=60, description="MAF Variant_Classification (GDC vocabulary).")
    protein_change: str | None = Field(None, max_length=200,
                                       description="HGVS protein change, e.g. p.G101V or p.Gly101Val.")
    vaf: float | None = Field(None, ge=0, le=1, **_NUM, description="Variant allele fraction (0..1).")

    @model_validator(mode="after")
    def _one_class(self) -> Variant:
        if (self.consequence is None) == (self.variant_classification is None):
            raise ValueError("give exactly one of 'consequence' or 'variant_classification'")
        return self


class CopyNumber(_Strict):
    gene: str = Field(..., **_GENE)
    log2_ratio: float = Field(..., ge=-20, le=20, **_NUM, description="Tumour/normal log2 copy ratio.")


class Expression(_Strict):
    gene: str = Field(..., **_GENE)
    tpm: float = Field(..., ge=0, **_NUM, description="Transcripts per million.")


class Splicing(_Strict):
    gene: str = Field(..., **_GENE)
    event: str = Field(..., min_length=1, max_length=200, description="Event id, e.g. exon10_skipping.")
    psi: float = Field(..., ge=0, le=1, **_NUM, description="Percent spliced in (0..1).")
    reads: int = Field(0, ge=0, description="Supporting reads.")


class Methylation(_Strict):
    feature: str = Field(..., min_length=1, max_length=200, description="Probe or region id.")
    gene: str | None = Field(None, **_GENE)
    beta: float = Field(..., ge=0, le=1, **_NUM, description="Beta value (0..1).")


_Agent = str
_Agents = list[_Agent] | None


class SampleIn(_Strict):
    """One sample in the vocabulary of the Cohort tables (see :mod:`refractor.io.cohort`)."""

    sample: str = Field(..., **_ID)
    disease: str = Field(..., min_length=1, max_length=100, description="Disease code or name (MM, AML, CLL ...).")
    subtype: str | None = Field(None, max_length=100)
    line: int | None = Field(None, ge=0, le=MAX_LINE, description="Line of therapy.")
    prior_agents: _Agents = Field(None, max_length=MAX_AGENTS, description="Agents given before.")
    refractory_agents: _Agents = Field(None, max_length=MAX_AGENTS, description="Agents the disease is refractory to.")
    build: str | None = Field(None, max_length=20, description=(
        "Genome build (GRCh38 or GRCh37); default: the build the other samples of the request "
        "declare, else GRCh38."))
    variants: list[Variant] | None = Field(None, max_length=MAX_VARIANTS)
    copy_number: list[CopyNumber] | None = Field(None, max_length=MAX_COPY_NUMBER)
    expression: list[Expression] | None = Field(None, max_length=MAX_EXPRESSION)
    splicing: list[Splicing] | None = Field(None, max_length=MAX_SPLICING)
    methylation: list[Methylation] | None = Field(None, max_length=MAX_METHYLATION)
    assessed: list[Literal[DATA_KINDS]] | None = Field(  # type: ignore[valid-type]
        None, max_length=len(DATA_KINDS),
        description="Extra data kinds measured (with no findings); given lists count already.")

    @model_validator(mode="after")
    def _agents(self) -> SampleIn:
        for name in ("prior_agents", "refractory_agents"):
            for a in getattr(self, name) or []:
                if not isinstance(a, str) or not a.strip() or len(a) > 100:
                    raise ValueError(f"{name}: agent names must be non-empty strings of <= 100 characters")
        return self


class CohortIn(_Strict):
    """Body of ``POST /profile/cohort``."""

    samples: list[SampleIn] = Field(..., min_length=1, max_length=MAX_SAMPLES)


_LISTS = {"variants": "variant", "copy_number": "copy_number", "expression": "expression",
          "splicing": "splicing", "methylation": "methylation"}


def to_cohort(samples: list[SampleIn]) -> Cohort:
    """The :class:`Cohort` of the posted samples, put together by the io layer
    (:func:`refractor.io.make_cohort`, as for files); InputError on contradictory values."""
    import pyarrow as pa

    from refractor.io import make_cohort
    from refractor.io._consequence import maf_consequence, normalise_protein_changes
    from refractor.reference import agree, resolve_build

    records: list[dict] = []
    assessed: list[tuple[str, str]] = []
    tables: dict[str, list[list[dict]]] = {t: [] for t in _LISTS}
    where: dict[str, dict] = {}
    claims = []
    origin: dict[str, dict] = {}
    for k, s in enumerate(samples):
        field = (lambda name, k=k: f"samples[{k}].{name}") if len(samples) > 1 else (lambda name: name)
        # a duplicated id is reported at its second use
        where[s.sample] = {"sample": {"column": field("sample")}, "data": {"column": field("assessed")}}
        declared = resolve_build(s.build, default=None, column=field("build"))
        if declared is not None:
            claims.append((declared, f"sample {s.sample!r}", {"column": field("build")}))
        assessed += [(s.sample, kd) for kd in s.assessed or []]
        assessed += [(s.sample, kind) for name, kind in _LISTS.items() if getattr(s, name) is not None]
        records.append({
            # names as posted: the knowledge base resolves them when the cohort is interpreted and
            # an unknown one is a 422 naming its JSON field (``origin``), with a "did you mean"
            "sample": s.sample, "disease": s.disease.strip(), "subtype": s.subtype,
            "line": s.line, "prior_agents": split_agents(s.prior_agents or []),
            "refractory_agents": split_agents(s.refractory_agents or []),
            "history": s.prior_agents is not None or s.refractory_agents is not None or s.line is not None,
        })
        origin[s.sample] = {name: {"column": field(name)} for name in ("disease", "prior_agents", "refractory_agents")}
        vs = s.variants or []
        if vs:
            mapped = maf_consequence(pa.array([v.variant_classification for v in vs], pa.string())).to_pylist()
            pcs = normalise_protein_changes(pa.array([v.protein_change for v in vs], pa.string())).to_pylist()
            tables["variants"].append([
                {"sample": s.sample, "gene": v.gene.strip(),
                 "consequence": v.consequence if v.consequence is not None else mapped[i],
                 "protein_change": pcs[i], "vaf": math.nan if v.vaf is None else v.vaf,
                 "source": f"variants:{i + 1}"} for i, v in enumerate(vs)])
        tables["copy_number"].append([{"sample": s.sample, "gene": c.gene.strip(), "log2_ratio": c.log2_ratio,
                                       "source": f"copy_number:{i + 1}"} for i, c in enumerate(s.copy_number or [])])
        tables["expression"].append([{"sample": s.sample, "gene": e.gene.strip(), "value": e.tpm}
                                      for e in s.expression or []])
        tables["splicing"].append([{"sample": s.sample, "gene": e.gene.strip(), "event": e.event.strip(),
                                    "psi": e.psi, "reads": e.reads, "source": f"splicing:{i + 1}"}
                                   for i, e in enumerate(s.splicing or [])])
        tables["methylation"].append([{"sample": s.sample, "feature": m.feature.strip(),
                                       "gene": m.gene.strip() if m.gene else None, "beta": m.beta}
                                      for m in s.methylation or []])
    return make_cohort(records, assessed=assessed, tables=tables, build=agree(claims), where=where,
                       origin=origin)


def _interpret(samples: list[SampleIn], kb):
    from refractor.interpret import interpret

    return interpret(to_cohort(samples), kb)


def level_records(result) -> list[dict[str, Any]]:
    """Sample x agent calls as records, the rows of ``cohort_levels.tsv`` written by
    ``refractor profile`` (the level, or ``not_assessable``)."""
    levels = result.call_frame()
    levels.insert(0, "disease", result.diseases)
    df = levels.reset_index().astype(object)
    return df.where(df.notna(), None).to_dict(orient="records")


@router.post("", summary="Resistance calls for one sample (the per-sample JSON of `refractor profile`)")
async def profile(body: SampleIn, request: Request, kb=Depends(get_kb)) -> dict[str, Any]:
    from refractor.api._pool import run_heavy  # the bounded worker pool (never the event loop)

    return await run_heavy(request, sample_document, body, kb)


def sample_document(body: SampleIn, kb) -> dict[str, Any]:
    """The document of ``POST /profile`` (runs in a worker)."""
    return _interpret([body], kb)[0].to_dict()


@router.post("/cohort", summary="Resistance calls for up to 1,000 samples: per-sample JSON and "
             "the sample x agent level table")
async def profile_cohort(body: CohortIn, request: Request, kb=Depends(get_kb)) -> dict[str, Any]:
    from refractor.api._pool import run_heavy
    from refractor.errors import InputError

    most = request.app.state.settings.limits.service.max_samples
    if len(body.samples) > most:
        raise InputError(f"{len(body.samples)} samples in one request; at most {most} "
                         "(REFRACTOR_MAX_SAMPLES)", column="samples")
    return await run_heavy(request, cohort_document, body, kb)


def cohort_document(body: CohortIn, kb) -> dict[str, Any]:
    """The document of ``POST /profile/cohort`` (runs in a worker)."""
    result = _interpret(body.samples, kb)
    return {"kb_version": result.kb_version, "kb_hash": result.kb_hash,
            "scoring_version": result.scoring_version, "build": result.build,
            "samples": [r.to_dict() for r in result], "levels": level_records(result)}


__all__ = ["router", "SampleIn", "CohortIn", "Variant", "to_cohort", "level_records",
           "MAX_VARIANTS", "MAX_EXPRESSION", "MAX_COPY_NUMBER", "MAX_SPLICING",
           "MAX_METHYLATION", "MAX_SAMPLES"]
