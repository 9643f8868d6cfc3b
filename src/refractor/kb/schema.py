"""Typed records of the knowledge base: the one vocabulary every part of Refractor speaks.

The human-editable source files live in ``refractor/kb/data/<kind>/*.yaml``; each file is a
YAML list of entries of one kind (the folder names the kind). These pydantic models validate
every entry. Records are immutable (``frozen``) and round-trip through one JSON form
(``model_dump(mode="json")``).

Identifiers
-----------
* agents, mechanisms, biomarkers, strategies, evidence, claims, trials, contradictions,
  model systems: lower-case slugs (``lenalidomide``, ``crbn-exon10-skipping``).
* genes: HGNC symbols (``CRBN``, ``BCL2L1``).
* diseases: short upper-case codes (``MM``, ``AML``, ``MM-LEN-REF``).
* sources: ``seed:<000..004>`` (a seed review itself), ``ref:<seed>-<n>`` (reference *n* of a
  seed's bibliography, e.g. ``ref:003-45``), ``pmid:<digits>`` or ``doi:<doi>`` (primary
  literature added by curators).
"""
from __future__ import annotations

import math

from enum import Enum
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG_RE = r"^[a-z0-9][a-z0-9.+-]*$"
GENE_RE = r"^[A-Z0-9][A-Za-z0-9.-]*$"
DISEASE_RE = r"^[A-Z0-9][A-Z0-9-]*$"
SOURCE_RE = r"^(pmid:\d+|doi:10\.\S+|seed:00[0-4]|ref:00[0-4]-\d+|url:\S+|isbn:\S+)$"

Slug = Annotated[str, Field(pattern=SLUG_RE)]
GeneId = Annotated[str, Field(pattern=GENE_RE)]
DiseaseId = Annotated[str, Field(pattern=DISEASE_RE)]
SourceId = Annotated[str, Field(pattern=SOURCE_RE)]


class FrozenList(list):
    """A list that refuses changes in place: records are shared by every caller in the process.

    Still a ``list`` (equality, JSON, pydantic serialisation); ``list(x)`` gives a mutable copy.
    """

    def _read_only(self, *args: object, **kwargs: object) -> None:
        raise TypeError("knowledge-base records are read-only; copy with list(...) to change one")

    append = extend = insert = pop = remove = clear = sort = reverse = _read_only
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only  # type: ignore[assignment]

    def __reduce_ex__(self, protocol: object) -> tuple:  # copy / pickle without calling append
        return (type(self), (list(self),))


class FrozenDict(dict):
    """A dict that refuses changes in place (see :class:`FrozenList`); ``dict(x)`` copies."""

    def _read_only(self, *args: object, **kwargs: object) -> None:
        raise TypeError("knowledge-base records are read-only; copy with dict(...) to change one")

    __setitem__ = __delitem__ = __ior__ = pop = popitem = clear = update = setdefault = _read_only  # type: ignore

    def __reduce_ex__(self, protocol: object) -> tuple:
        return (type(self), (dict(self),))


def _frozen(value: object) -> object:
    if type(value) is list:
        return FrozenList(_frozen(v) for v in value)
    if type(value) is dict:
        return FrozenDict({k: _frozen(v) for k, v in value.items()})
    return value


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _freeze_containers(self) -> "_Record":
        """Frozen models still hold mutable lists and dicts: make those read-only too."""
        for name, value in list(self.__dict__.items()):
            if type(value) in (list, dict):
                object.__setattr__(self, name, _frozen(value))
        return self


# --------------------------------------------------------------------------- enums
class EvidenceLevel(str, Enum):
    """How a claim was established, strongest first (the order is used for ranking)."""

    clinical_trial = "clinical_trial"
    patient_cohort = "patient_cohort"
    case_report = "case_report"
    xenograft = "xenograft"
    cell_line = "cell_line"
    crispr_screen = "crispr_screen"
    biochemical = "biochemical"
    review_statement = "review_statement"

    @property
    def rank(self) -> int:
        """0 = strongest."""
        return list(EvidenceLevel).index(self)


class Significance(str, Enum):
    resistance = "resistance"
    reduced_sensitivity = "reduced_sensitivity"
    sensitivity = "sensitivity"
    overcomes = "overcomes"
    adverse = "adverse"
    mechanism_of_action = "mechanism_of_action"
    prognostic = "prognostic"
    prevalence = "prevalence"


class Direction(str, Enum):
    supports = "supports"
    does_not_support = "does_not_support"


class Basis(str, Enum):
    """Where a statement comes from (mirrors the inventory's ``basis``)."""

    seed = "seed"  # stated in a seed text
    ref_title_only = "ref_title_only"  # only in a reference title of a seed
    literature = "literature"  # primary literature added by curators (PMID/DOI given)
    inferred = "inferred"  # curator inference, stated as such


class Interaction(str, Enum):
    single = "single"
    combination = "combination"
    sequential = "sequential"
    substitute = "substitute"


class SourceRef(_Record):
    """A pointer from an entry to a source, optionally with where in the seed it is said."""

    source: SourceId
    at: str | None = None  # short locating phrase ("003 body: 'about 5% are refractory'")


class Provenanced(_Record):
    sources: list[SourceRef] = Field(min_length=1)
    basis: Basis = Basis.seed
    note: str | None = None


# --------------------------------------------------------------------------- sources
class Source(_Record):
    id: SourceId
    kind: Literal["seed", "ref", "pmid", "doi", "url", "isbn"]
    title: str
    authors: str | None = None
    journal: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    pmid: str | None = None
    doi: str | None = None
    seed_file: str | None = None  # the seed file name for kind == seed, or the seed citing it
    cited_in: list[str] = Field(default_factory=list)  # seed files whose bibliography holds it
    note: str | None = None

    @model_validator(mode="after")
    def _id_matches_kind(self) -> "Source":
        if not self.id.startswith(self.kind + ":"):
            raise ValueError(f"id {self.id!r} does not start with kind {self.kind!r}")
        return self


# --------------------------------------------------------------------------- entities
class Disease(Provenanced):
    id: DiseaseId
    name: str
    kind: Literal["disease", "state", "subtype", "group"] = "disease"
    parent: DiseaseId | None = None
    abbreviations: list[str] = Field(default_factory=list)
    ontology: dict[str, str] = Field(default_factory=dict)  # {"MONDO": "MONDO:0009693"}


GeneRole = Literal[
    "drug_target",
    "ligase_machinery",
    "neosubstrate",
    "downstream_effector",
    "resistance_effector",
    "biomarker",
    "immune_mediator",
    "apoptosis_regulator",
    "death_receptor",
    "decoy_receptor",
    "tumour_suppressor",
    "oncogene",
    "signalling",
    "epigenetic_regulator",
    "antigen",
]


class Gene(Provenanced):
    id: GeneId  # HGNC symbol
    name: str
    aliases: list[str] = Field(default_factory=list)
    entrez_id: int | None = None
    hgnc_id: str | None = None
    roles: list[GeneRole] = Field(min_length=1)
    function: str | None = None


AgentClass = Literal[
    "imid",
    "celmod",
    "monodac",
    "protac",
    "molecular_glue",
    "bh3_mimetic",
    "mcl1_inhibitor",
    "bclxl_inhibitor",
    "anti_cd38",
    "anti_cd20",
    "anti_cd19",
    "antibody",
    "checkpoint_inhibitor",
    "bispecific",
    "car_t",
    "proteasome_inhibitor",
    "hdac_inhibitor",
    "hypomethylating",
    "smac_mimetic",
    "trail_agonist",
    "kinase_inhibitor",
    "epigenetic",
    "chemotherapy",
    "corticosteroid",
    "cytokine",
    "resensitiser",
    "regimen",
    "other",
]


class AgentName(_Record):
    """Another name an agent goes by (brand, development code, abbreviation), with its source.

    Every name resolves to the agent through :meth:`refractor.kb.KnowledgeBase.resolve_agent`;
    a name shared by two agents is a knowledge-base problem (``refractor kb validate``).
    """

    name: str = Field(min_length=1)
    kind: Literal["brand", "code", "abbreviation", "synonym"]
    source: SourceId
    at: str | None = None  # short locating phrase on the source page


class Agent(Provenanced):
    id: Slug
    name: str
    agent_class: AgentClass
    generation: int | None = Field(default=None, ge=1, le=5)  # 1 thalidomide, 2 len, 3 pom, 4 CELMoD
    codes: list[str] = Field(default_factory=list)  # development codes (CC-220) and aliases
    names: list[AgentName] = Field(default_factory=list)  # brand names / codes with their own source
    targets: list[GeneId] = Field(default_factory=list)
    pubchem_cid: int | None = None
    components: list[Slug] = Field(default_factory=list)  # for regimens: agent ids, in order
    status: str | None = None  # "approved (MM)", "investigational" ...
    mechanism_of_action: str | None = None

    @model_validator(mode="after")
    def _regimen_has_components(self) -> "Agent":
        if self.agent_class == "regimen" and len(self.components) < 2:
            raise ValueError("a regimen needs at least two components")
        return self


class Neosubstrate(Provenanced):
    """One row of the IMiD/CELMoD neosubstrate spectrum: agent x substrate, graded potency."""

    id: Slug
    agent: Slug
    substrate: GeneId
    potency: Literal["strong", "moderate", "weak", "none", "reported", "unknown"]
    consequence: str | None = None


MechanismCategory = Literal[
    "drug_target",
    "degradation_machinery",
    "substrate",
    "downstream_plasticity",
    "signalling_bypass",
    "epigenetic",
    "immune_microenvironment",
    "apoptotic_balance",
    "death_receptor",
    "drug_exposure",
    "clonal_genetic",
    "lineage_state",
    "other",
]


class Mechanism(Provenanced):
    id: Slug
    name: str
    category: MechanismCategory
    axis: Literal["crbn", "bcl2", "trail", "immune", "other"]
    description: str
    genes: list[GeneId] = Field(default_factory=list)
    agents: list[Slug] = Field(default_factory=list)  # affected agents (ids)
    agent_classes: list[AgentClass] = Field(default_factory=list)  # or whole classes
    diseases: list[DiseaseId] = Field(min_length=1)
    evidence_level: EvidenceLevel
    effect: Literal["resistance", "sensitivity"] = "resistance"
    assay: str | None = None  # how one would measure it (free text)
    model_term: str | None = None  # name of the mechanistic-model perturbation, if any


# --------------------------------------------------------------------------- biomarker rules
Comparison = Literal["<", "<=", ">", ">=", "==", "!="]


class VariantFeature(_Record):
    """A somatic variant in ``gene``.

    ``consequences`` are normalised classes: ``missense``, ``nonsense``, ``frameshift``,
    ``splice_site``, ``inframe_indel``, ``start_lost``, ``stop_lost``, ``silent``,
    ``loss_of_function`` (nonsense | frameshift | splice_site | start_lost),
    ``nonsynonymous`` (everything except silent / non-coding). ``protein_changes`` match exact
    HGVS p. short forms (``p.G101V``); ``codons`` match a reference residue and position
    (``G101``) whatever the alternate residue; ``positions`` match a residue range.
    """

    kind: Literal["variant"]
    gene: GeneId
    consequences: list[str] = Field(default_factory=lambda: ["nonsynonymous"])
    protein_changes: list[str] = Field(default_factory=list)
    codons: list[str] = Field(default_factory=list)
    positions: tuple[int, int] | None = None  # inclusive residue range, e.g. the degron
    min_vaf: float | None = Field(default=None, ge=0, le=1)
    #: ``any`` (default); ``biallelic``: no wild-type copy left in the cells carrying it (the
    #: estimated mutant copy number reaches the local total, e.g. a truncation with LOH);
    #: ``monoallelic``: a wild-type copy is left (same dosage as a single-copy loss). Estimated
    #: from VAF, purity and local copy number (refractor.interpret._clonality).
    allelic: Literal["any", "biallelic", "monoallelic"] = "any"


class CopyNumberFeature(_Record):
    """Gene-level copy number as log2 ratio (tumour/normal), from segments overlapping the gene."""

    kind: Literal["copy_number"]
    gene: GeneId
    comparison: Comparison
    threshold: float
    unit: Literal["log2_ratio"] = "log2_ratio"


class ExpressionFeature(_Record):
    """mRNA level of ``gene``.

    When the cohort has at least ``min_cohort`` samples with expression, the threshold is the
    within-cohort ``percentile`` (0-100); otherwise the documented absolute ``threshold`` in
    ``unit`` is used and the call carries a warning saying so.
    """

    kind: Literal["expression"]
    gene: GeneId
    comparison: Comparison
    percentile: float | None = Field(default=None, ge=0, le=100)
    threshold: float | None = None
    unit: Literal["TPM", "log2_TPM", "z_score"] = "TPM"
    min_cohort: int = 20
    threshold_source: str | None = None  # where the absolute value comes from / "assumed"
    #: count only the isoform that keeps the exon: value = TPM x (1 - PSI of this splicing event
    #: of the same gene) when the sample's PSI is measured (e.g. drug-binding CRBN = total CRBN
    #: without the exon-10-skipped isoform); the total otherwise, and the observation says so
    functional_isoform: "IsoformAdjustment | None" = None

    @model_validator(mode="after")
    def _has_threshold(self) -> "ExpressionFeature":
        if self.percentile is None and self.threshold is None:
            raise ValueError("an expression feature needs a percentile or an absolute threshold")
        return self


class IsoformAdjustment(_Record):
    """The splicing event whose skipped isoform is not functional (see ExpressionFeature)."""

    event: str
    min_reads: int = 10  # a PSI on fewer junction reads is not used (unknown reads: used)


ExpressionFeature.model_rebuild()


class SplicingFeature(_Record):
    """Percent spliced-in of a named event (``exon10_skipping`` for CRBN): PSI of the skip."""

    kind: Literal["splicing"]
    gene: GeneId
    event: str
    comparison: Comparison
    threshold: float = Field(ge=0, le=1)
    min_reads: int = 10


class MethylationFeature(_Record):
    """Mean beta value over the probes / regions of ``gene`` in ``region`` (or a feature named
    ``feature``, e.g. a pre-summarised ``CRBN_promoter`` row).

    A methylation row matches when its feature equals ``feature``, or its gene equals ``gene``
    and its region annotation is one of the ``region`` classes (``promoter`` = TSS1500, TSS200,
    5'UTR, 1stExon, promoter; see refractor.interpret._prepare). Several matching probes of one
    sample are averaged (one observation, listing how many probes).
    """

    kind: Literal["methylation"]
    gene: GeneId | None = None
    feature: str | None = None
    region: Literal["promoter", "body", "any"] = "any"
    comparison: Comparison
    threshold: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _names_something(self) -> "MethylationFeature":
        if self.gene is None and self.feature is None:
            raise ValueError("a methylation feature names a gene or a feature")
        return self


class ProteinFeature(_Record):
    kind: Literal["protein"]
    gene: GeneId
    comparison: Comparison
    threshold: float
    unit: str


class HistoryFeature(_Record):
    """Treatment history: refractory to / exposed to any of the agents or agent classes."""

    kind: Literal["history"]
    status: Literal["refractory", "exposed"]
    agents: list[Slug] = Field(default_factory=list)
    agent_classes: list[AgentClass] = Field(default_factory=list)
    min_line: int | None = None

    @model_validator(mode="after")
    def _names_something(self) -> "HistoryFeature":
        if not self.agents and not self.agent_classes:
            raise ValueError("a history feature names agents or agent_classes")
        return self


class SubtypeFeature(_Record):
    """Disease subtype or cytogenetic class, e.g. FAB ``M4``/``M5``, ``t(11;14)``."""

    kind: Literal["subtype"]
    values: list[str] = Field(min_length=1)
    diseases: list[DiseaseId] = Field(default_factory=list)


class DiseaseFeature(_Record):
    """The sample's disease is one of ``diseases`` or a descendant of one (KB disease hierarchy),
    e.g. a lineage whose cells depend on BCL2. Assessable whenever the sample has a disease."""

    kind: Literal["disease"]
    diseases: list[DiseaseId] = Field(min_length=1)


Feature = Annotated[
    Union[
        VariantFeature,
        CopyNumberFeature,
        ExpressionFeature,
        SplicingFeature,
        MethylationFeature,
        ProteinFeature,
        HistoryFeature,
        SubtypeFeature,
        DiseaseFeature,
    ],
    Field(discriminator="kind"),
]


class Logic(_Record):
    """A boolean combination of features: exactly one of ``all``, ``any``, ``not_``."""

    all: list["Term"] | None = None
    any: list["Term"] | None = None
    not_: "Term | None" = Field(default=None, alias="not")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _exactly_one(self) -> "Logic":
        given = [x for x in (self.all, self.any, self.not_) if x is not None]
        if len(given) != 1:
            raise ValueError("a logic node takes exactly one of all / any / not")
        if (self.all is not None and not self.all) or (self.any is not None and not self.any):
            raise ValueError("all / any need at least one term")
        return self


Term = Union[Feature, Logic]
Logic.model_rebuild()


class Biomarker(Provenanced):
    """A declarative rule: when ``profile`` holds, ``mechanism`` is called ``call``."""

    id: Slug
    name: str
    mechanism: Slug
    call: Literal["detected", "possible"] = "detected"
    profile: Term
    assay: str | None = None
    diseases: list[DiseaseId] = Field(default_factory=list)  # empty = any disease
    resolution: str | None = None  # human label: "exact variant", "gene-level LoF" ...


# --------------------------------------------------------------------------- strategies
class MechanismLink(_Record):
    mechanism: Slug
    link: Literal["seed", "inferred", "literature"] = "seed"


class Strategy(Provenanced):
    id: Slug
    name: str
    kind: Literal[
        "next_generation_binder",
        "combination",
        "substitute",
        "resensitisation",
        "immunotherapy",
        "synthetic_lethality",
        "monitoring",
        "avoid",
        "other",
    ]
    description: str
    agents: list[Slug] = Field(default_factory=list)
    addresses: list[MechanismLink] = Field(min_length=1)
    evidence_level: EvidenceLevel
    harmful: bool = False  # the KB marks it as harmful: flagged, never suggested
    diseases: list[DiseaseId] = Field(default_factory=list)


# --------------------------------------------------------------------------- evidence
class SubjectRef(_Record):
    kind: Literal["mechanism", "biomarker", "strategy", "agent", "trial", "gene", "neosubstrate"]
    id: str


class AgentUse(_Record):
    agent: Slug
    interaction: Interaction = Interaction.single


class Quantity(_Record):
    """A number as the source gives it, plus a machine value and unit where one exists."""

    value: float | None = None
    low: float | None = None  # ranges and confidence intervals
    high: float | None = None
    unit: str | None = None  # "%", "months", "nM", "fold", "patients" ...
    verbatim: str | None = None  # the text as written ("~12%", "<1%")
    context: str | None = None  # "median PFS, pomalidomide + bortezomib + dex arm"

    @field_validator("value", "low", "high")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("numbers must be finite")
        return v


class Evidence(_Record):
    id: Slug
    subject: SubjectRef
    statement: str
    agents: list[AgentUse] = Field(default_factory=list)
    diseases: list[DiseaseId] = Field(default_factory=list)
    significance: Significance
    direction: Direction = Direction.supports
    level: EvidenceLevel
    numbers: list[Quantity] = Field(default_factory=list)
    source: SourceId
    seed_file: str | None = None  # the seed this item was curated from (None: literature only)
    at: str | None = None
    basis: Basis = Basis.seed
    conflicts_with: list[Slug] = Field(default_factory=list)  # evidence ids it contradicts
    note: str | None = None


class Claim(_Record):
    """A quantitative claim from the seeds (or literature), with its number, unit and source."""

    id: Slug
    statement: str
    quantity: Quantity
    subject: SubjectRef | None = None
    diseases: list[DiseaseId] = Field(default_factory=list)
    source: SourceId
    seed_file: str | None = None
    at: str | None = None
    basis: Basis = Basis.seed
    inventory_id: str | None = None  # QC01 ... in seed-inventory.yaml


# --------------------------------------------------------------------------- trials
class TrialArm(_Record):
    name: str
    agents: list[Slug] = Field(default_factory=list)
    n: int | None = Field(default=None, ge=0)


class TrialOutcome(_Record):
    measure: str  # "median PFS", "ORR", "deaths"
    arm: str | None = None
    quantity: Quantity
    comparator_arm: str | None = None
    p_value: float | None = Field(default=None, ge=0, le=1)


class Trial(Provenanced):
    id: Slug
    name: str
    phase: str | None = None
    diseases: list[DiseaseId] = Field(min_length=1)
    population: str | None = None
    arms: list[TrialArm] = Field(default_factory=list)
    outcomes: list[TrialOutcome] = Field(default_factory=list)
    status: str | None = None  # "stopped early for excess deaths"
    registry_id: str | None = None  # NCT...


class ContradictionSide(_Record):
    statement: str
    source: SourceId
    seed_file: str | None = None
    evidence: Slug | None = None


class Contradiction(_Record):
    id: Slug
    topic: str
    sides: list[ContradictionSide] = Field(min_length=2)
    impact: Literal["high", "medium", "low"]
    handling: str  # what Refractor does about it
    inventory_id: str | None = None  # CT01 ...


class ModelSystem(Provenanced):
    id: Slug
    name: str
    kind: Literal["cell_line", "xenograft", "mouse_model", "primary_cells", "other"]
    diseases: list[DiseaseId] = Field(default_factory=list)
    features: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------- scoring
class LevelDef(_Record):
    order: int = Field(ge=0)
    label: Literal["susceptible", "low", "intermediate", "high"]
    code: str
    comment: str


class ScoreBand(_Record):
    min: float = -math.inf  # inclusive
    level: Literal["susceptible", "low", "intermediate", "high"]


class MechanismTerm(_Record):
    """Adds ``weight`` when ``mechanism`` is detected (``possible`` adds weight x possible_factor)."""

    mechanism: Slug
    weight: float
    comment: str | None = None


class HistoryTerm(_Record):
    """Adds ``weight`` when the sample's history says refractory to / exposed to these agents."""

    history: Literal["refractory", "exposed"]
    agents: list[Slug] = Field(default_factory=list)
    agent_classes: list[AgentClass] = Field(default_factory=list)
    weight: float
    comment: str | None = None


class MaxTerm(_Record):
    """Alternatives on one axis: only the largest firing member counts.

    ``target_axis: true`` marks the group of lesions of the drug's own target (CRBN, BCL2, the
    antigen, the death receptors); clinical-history terms of the agent belong in it, because
    refractoriness and a target lesion describe the same failure (scoring/base.yaml).
    """

    max: list[Union[MechanismTerm, HistoryTerm]] = Field(min_length=2)
    comment: str | None = None
    target_axis: bool = False


class AllTerm(_Record):
    """A combination that scores only when every listed mechanism is detected or possible."""

    all: list[Slug] = Field(min_length=2)
    weight: float
    comment: str | None = None


ScoreTerm = Union[MechanismTerm, HistoryTerm, MaxTerm, AllTerm]


class AgentRule(_Record):
    """``SCORE FROM (...)`` for a group of agents (HIVdb-style), with per-agent weight overrides."""

    id: Slug
    agents: list[Slug] = Field(default_factory=list)
    agent_classes: list[AgentClass] = Field(default_factory=list)
    terms: list[ScoreTerm] = Field(min_length=1)
    overrides: dict[Slug, dict[Slug, float]] = Field(default_factory=dict)  # agent -> {mechanism: weight}
    comment: str | None = None


class Clonality(_Record):
    """How the clonal (cancer-cell) fraction of a variant scales its mechanism's weight.

    ``factor = min(1, CCF / clonal_ccf)`` (1 when the CCF is unknown); CCF is estimated from
    VAF, purity and local copy number (refractor.interpret._clonality).
    """

    clonal_ccf: float = Field(gt=0, le=1)
    default_purity: float = Field(default=1.0, gt=0, le=1)
    comment: str | None = None


class Scoring(_Record):
    version: str
    possible_factor: float = Field(ge=0, le=1)
    clonality: Clonality | None = None
    levels: list[LevelDef] = Field(min_length=4, max_length=4)
    score_to_level: list[ScoreBand] = Field(min_length=2)
    rules: list[AgentRule] = Field(min_length=1)
    comment: str | None = None


# --------------------------------------------------------------------------- registry
#: folder name under ``kb/data`` -> record type. The order is the compile order.
KINDS: dict[str, type[_Record]] = {
    "sources": Source,
    "diseases": Disease,
    "genes": Gene,
    "agents": Agent,
    "neosubstrates": Neosubstrate,
    "mechanisms": Mechanism,
    "biomarkers": Biomarker,
    "strategies": Strategy,
    "evidence": Evidence,
    "claims": Claim,
    "trials": Trial,
    "contradictions": Contradiction,
    "model_systems": ModelSystem,
}

__all__ = [
    # records (immutable)
    "Agent", "AgentName", "AgentRule", "AgentUse", "AllTerm", "Biomarker", "Claim", "Contradiction",
    "ContradictionSide", "CopyNumberFeature", "Disease", "DiseaseFeature", "Evidence",
    "ExpressionFeature", "Gene", "HistoryFeature", "HistoryTerm", "LevelDef", "Logic", "MaxTerm",
    "Mechanism", "MechanismLink", "MechanismTerm", "MethylationFeature", "ModelSystem",
    "Neosubstrate", "ProteinFeature", "Provenanced", "Quantity", "ScoreBand", "Scoring", "Source",
    "SourceRef", "SplicingFeature", "Strategy", "SubjectRef", "SubtypeFeature", "Trial", "TrialArm",
    "TrialOutcome", "VariantFeature",
    # enumerations and constrained types
    "AgentClass", "Basis", "Comparison", "Direction", "DiseaseId", "EvidenceLevel", "Feature",
    "GeneId", "GeneRole", "Interaction", "MechanismCategory", "ScoreTerm", "Significance", "Slug",
    "SourceId", "Term",
    # identifier patterns, read-only containers, the kind registry
    "DISEASE_RE", "GENE_RE", "SLUG_RE", "SOURCE_RE", "FrozenDict", "FrozenList", "KINDS",
]
