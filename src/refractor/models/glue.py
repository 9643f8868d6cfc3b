"""Cereblon molecular-glue (and bifunctional PROTAC) model: spec and convenience constructor.

The model text is ``antimony/glue.ant``. Concentrations in uM, time in h. Agent-specific values
are listed twice: in each :class:`AgentSpec` (what the simulator applies) and as
``Parameter("<name>@<agent>", ...)`` entries carrying the reference or the ``assumed`` flag
(what reports list under assumptions).

Where no number could be verified, values were chosen to respect the published ORDER of IKZF1/3
degradation potency (mezigdomide < iberdomide < pomalidomide <= lenalidomide < thalidomide)
and are marked ``assumed``.
"""
from __future__ import annotations

import math

from refractor.models._model import Model
from refractor.models._spec import AgentSpec, ModelSpec, Parameter, Perturbation, ReferenceSample

_LOPEZ = (
    "Lopez-Girona et al. Leukemia 2012 (CRBN-DDB1 competition IC50 ~3 uM for lenalidomide and "
    "pomalidomide), as quoted in Bjorklund et al. Leukemia 2020 doi:10.1038/s41375-019-0620-8 "
    "('bind cereblon with similar affinity (~3 uM)'; found with the search tool)"
)
_KRONKE15 = "Kronke et al. Nature 2015 doi:10.1038/nature14610 PMID 26131937 (Fig. 1-2)"
_SEED003 = "seed 003_24478cfc54fb994d (IMiD resistance review)"
_STX = "degrader_ternary_stx kinetic_configs (ACBI1 configs; kinetic-degradation repo)"


def _P(name, value, unit, desc, ref, assumed=False, note=None,  # noqa: N802
       bounds=(0.0, math.inf)) -> Parameter:
    return Parameter(name, value, unit, desc, ref, assumed, note, bounds)


_AGENT_VALUES = {
    # agent: (Kd_crbn uM, KdT_IKZF uM, KdT_CK1A uM, KdT_COMP uM)
    "thalidomide": (30.0, 4.0, 40.0, 4.0),
    "lenalidomide": (3.0, 1.6, 2.0, 1.6),
    "pomalidomide": (3.0, 0.4, 20.0, 0.4),
    "iberdomide": (0.15, 0.1, 40.0, 0.1),
    "mezigdomide": (0.03, 0.03, 40.0, 0.03),
}

_KD_REF = {
    "thalidomide": (True, "~10-fold weaker CRBN binding than lenalidomide (published order); "
                    "number not verified"),
    "lenalidomide": (False, _LOPEZ),
    "pomalidomide": (False, _LOPEZ),
    "iberdomide": (True, "Matyskiela et al. J Med Chem 2018 (CC-220, improved Ikaros/Aiolos "
                   "degradation): a CRBN competition IC50 ~150 nM is commonly quoted but the "
                   "number was not found with the search tool; the IC50 is used as the Kd"),
    "mezigdomide": (True, "Hansen et al. J Med Chem 2020 report CC-92480 binds CRBN more tightly "
                    "than iberdomide; 30 nM chosen to respect the order, not verified"),
}


def _agent_parameters() -> tuple[tuple[AgentSpec, ...], tuple[Parameter, ...]]:
    agents, params = [], []
    for slug, (kd, kdt, kck, kcomp) in _AGENT_VALUES.items():
        agents.append(
            AgentSpec(
                agent=slug,
                dose_species="drug",
                parameters={
                    "Kd_crbn": kd, "KdT_IKZF1": kdt, "KdT_IKZF3": kdt, "KdT_CK1A": kck,
                    "KdT_COMP": kcomp, "KdB_TGT": 1e6, "alpha_TGT": 1.0,
                },
                dose_unit="uM",
                reference=_KD_REF[slug][1],
                note="molecular glue: no drug-substrate binary binding",
            )
        )
        assumed, ref = _KD_REF[slug]
        params.append(_P(f"Kd_crbn@{slug}", kd, "uM", f"{slug}:CRBN binding constant used as Kd (the sourced number is a competition IC50, not a Kd)",
                         "assumed" if assumed else ref, assumed, ref if assumed else None))
        params.append(_P(
            f"KdT_IKZF@{slug}", kdt, "uM", f"IKZF1/3 : CRBN-{slug} ternary Kd", "assumed", True,
            "chosen so that IKZF1/3 DC50 order is mezigdomide < iberdomide < pomalidomide <= "
            "lenalidomide < thalidomide (Bjorklund 2020 doi:10.1038/s41375-019-0620-8: "
            "iberdomide degrades Ikaros/Aiolos faster than pomalidomide)"))
        params.append(_P(
            f"KdT_CK1A@{slug}", kck, "uM", f"CK1a : CRBN-{slug} ternary Kd", "assumed", True,
            "CK1a is degraded by lenalidomide, not pomalidomide (" + _KRONKE15 + "); numbers "
            "assumed"))
    # bifunctional degrader (PROTAC mode)
    agents.append(
        AgentSpec(
            agent="cdk6-protac",
            dose_species="drug",
            parameters={
                "Kd_crbn": 3.0, "KdT_IKZF1": 1e6, "KdT_IKZF3": 1e6, "KdT_CK1A": 1e6,
                "KdT_COMP": 1e6, "KdB_TGT": 0.1, "alpha_TGT": 5.0,
            },
            reference="assumed: pomalidomide-type CRBN ligand (Kd 3 uM, " + _LOPEZ + ")",
            note="bifunctional: binds CRBN and its target (TGT) independently; shows the hook "
                 "effect",
        )
    )
    params += [
        _P("KdB_TGT@cdk6-protac", 0.1, "uM", "PROTAC : target binary Kd", "assumed", True,
           "illustrative warhead affinity"),
        _P("alpha_TGT@cdk6-protac", 5.0, "1", "ternary cooperativity", "assumed", True,
           "illustrative; positive cooperativity as for ACBI1 (degrader_ternary_stx)"),
    ]
    return tuple(agents), tuple(params)


_AGENTS, _AGENT_PARAMS = _agent_parameters()

_PARAMS = (
    _P("CRBN0", 0.05, "uM", "total CRBN", "assumed", True, "low-abundance substrate receptor"),
    _P("crbn_level", 1.0, "1", "relative CRBN expression", _SEED003),
    _P("crbn_exon10_fraction", 0.0, "1", "fraction of CRBN lacking exon 10 (no drug binding)",
       _SEED003, bounds=(0.0, 1.0)),
    _P("crbn_pocket_mutation", 0.0, "1",
       "fraction of CRBN protein with a drug-binding-pocket mutation (no drug binding)", _SEED003,
       bounds=(0.0, 1.0)),
    _P("cop9_activity", 1.0, "1", "COP9-maintained CRL4 activity (scales ubiquitination)",
       _SEED003),
    _P("kub", 20.0, "1/h", "ubiquitination/degradation of ternary-bound substrate", "assumed",
       True, "order of the fast-ubiquitination configs of degrader_ternary_stx"),
    _P("Kd_crbn", 3.0, "uM", "drug:CRBN binding constant (set per agent); the lenalidomide value is a CRBN-DDB1 competition IC50 (IC50, used as Kd)", _LOPEZ),
    _P("degron_mutation", 0.0, "1", "fraction of IKZF1/3 with drug-insensitive degron", _SEED003,
       bounds=(0.0, 1.0)),
    _P("runx_shielding", 0.0, "1", "fraction of IKZF1/3 shielded by RUNX1/3", _SEED003,
       bounds=(0.0, 1.0)),
    _P("competing_substrate", 1.0, "1", "relative abundance of a competing neosubstrate",
       _SEED003),
    _P("irf4_myc_uncoupling", 0.0, "1", "fraction of MYC independent of IKZF1/3-IRF4 (ETV4)",
       _SEED003, bounds=(0.0, 1.0)),
    _P("IKZF1_0", 0.1, "uM", "IKZF1 abundance", "assumed", True, "typical TF abundance"),
    _P("IKZF3_0", 0.1, "uM", "IKZF3 abundance", "assumed", True, "typical TF abundance"),
    _P("CK1A_0", 0.3, "uM", "CK1a abundance", "assumed", True, "typical kinase abundance"),
    _P("COMP_0", 0.1, "uM", "competing neosubstrate abundance", "assumed", True, "illustrative"),
    _P("TGT_0", 0.1, "uM", "PROTAC target abundance", _STX + " (Conc_T_base 0.1 uM)"),
    _P("kdeg_IKZF1", 0.1, "1/h", "basal IKZF1 turnover", "assumed", True, "~7 h half-life"),
    _P("kdeg_IKZF3", 0.1, "1/h", "basal IKZF3 turnover", "assumed", True, "~7 h half-life"),
    _P("kdeg_CK1A", 0.1, "1/h", "basal CK1a turnover", "assumed", True, "~7 h half-life"),
    _P("kdeg_COMP", 0.1, "1/h", "basal competing-substrate turnover", "assumed", True, "as IKZF"),
    _P("kdeg_TGT", 0.1, "1/h", "basal target turnover", _STX + " (kdeg_T 0.1 /h)"),
    _P("kon", 3600.0, "1/(uM h)", "binary association rate", "assumed", True, "1e6 /M/s"),
    _P("kon_t", 878.4, "1/(uM h)", "ternary association rate", _STX + " (kon_T_ternary)"),
    _P("k_irf4", 0.1, "1/h", "IRF4 relaxation", "assumed", True, "IRF4 falls over ~1-2 days"),
    _P("K_irf4", 0.4, "1", "IKZF drive for half IRF4 production", "assumed", True, "shape"),
    _P("k_myc", 0.2, "1/h", "MYC relaxation", "assumed", True, "MYC falls before IRF4 (seed 004)"),
    _P("K_myc", 0.3, "1", "IRF4 for half MYC production", "assumed", True, "shape"),
    _P("kp", 0.0193, "1/h", "proliferation rate (36 h doubling)", "assumed", True,
       "myeloma line doubling time"),
    _P("kdie", 0.02, "1/h", "death rate without MYC", "assumed", True, "illustrative"),
    _P("K_g", 0.5, "1", "MYC for half-maximal growth drive", "assumed", True, "shape"),
) + _AGENT_PARAMS

_HET = ("heterozygous lesion: half of the protein made in carrier cells is mutant (equal "
        "expression of both alleles assumed)")

# The one mechanism -> perturbation and gene -> perturbation table of this model (HGNC keys).
# CRBN: functional (drug-binding) CRBN = total x (1 - exon-10-skipped fraction) x (1 - pocket-
# mutant fraction); the total is scaled only by lesions of the total (expression, copy number,
# methylation), so an exon-10 lesion is applied once, as the isoform fraction.
_PERTS = (
    Perturbation("crbn_low", "crbn_level", "scale", 0.1,
                 "total CRBN lowered (default 10 %; a measured level replaces it)",
                 _SEED003, ("crbn-low-expression", "crbn-copy-loss",
                            "crbn-promoter-methylation"), ("CRBN",),
                 by_biomarker={"crbn-lof-monoallelic": 0.5},  # one functional allele left
                 functional_isoform="crbn_exon10"),
    Perturbation("crbn_high", "crbn_level", "scale", 2.0,
                 "total CRBN raised (sensitivity marker; default x2 assumed, a measured level "
                 "replaces it; never applied below the reference level)",
                 "seed 003 'Biomarkers' (Broyl et al. 2013, HOVON-65/GMMG-HD4)",
                 ("crbn-high-expression",), ("CRBN",), functional_isoform="crbn_exon10"),
    Perturbation("crbn_exon10", "crbn_exon10_fraction", "set", 0.5,
                 "fraction of exon-10-skipped CRBN (binds DDB1, not drug); a measured PSI "
                 "replaces it", _SEED003, ("crbn-exon10-skipping",), ("CRBN",)),
    Perturbation("crbn_pocket_mutation", "crbn_pocket_mutation", "set", 0.5,
                 "CRBN point mutation assumed to abolish drug binding (tri-tryptophan pocket); "
                 + _HET + "; no drug-binding CRBN left (1.0) after a biallelic truncation or a "
                 "homozygous deletion", _SEED003, ("crbn-point-mutation",), ("CRBN",),
                 by_biomarker={"crbn-lof-variant": 1.0, "crbn-homozygous-deletion": 1.0}),
    Perturbation("cop9_loss", "cop9_activity", "scale", 0.3,
                 "CRL4-CRBN ligase activity lowered (COP9 signalosome 2q37 loss, CUL4B or E2 "
                 "loss; default 30 % assumed, a measured copy-number ratio replaces it)",
                 _SEED003, ("cop9-signalosome-2q37-loss", "cul4b-loss", "e2-enzyme-alteration",
                            "degradation-machinery-loss"),
                 ("COPS7B", "COPS8", "CUL4B", "UBE2G1", "UBE2D3")),
    Perturbation("ikzf_degron", "degron_mutation", "set", 0.5,
                 "fraction of IKZF1/3 with degron mutation; " + _HET, _SEED003,
                 ("ikzf-degron-mutation",), ("IKZF1", "IKZF3")),
    Perturbation("runx_shielding", "runx_shielding", "set", 0.7,
                 "RUNX1/3 occupancy of IKZF1/3 shielding them from CRBN", _SEED003,
                 ("runx-shielding-ikzf",), ("RUNX1", "RUNX3")),
    Perturbation("competing_substrates", "competing_substrate", "scale", 10.0,
                 "competing CRBN neosubstrates in excess", _SEED003,
                 ("crbn-substrate-competition",), ("ZNF692",)),
    Perturbation("irf4_myc_uncoupling", "irf4_myc_uncoupling", "set", 0.7,
                 "MYC maintained independently of IKZF1/3-IRF4 (ETV4-type plasticity, IRF4 "
                 "lesions, non-canonical NF-kB/ERK after TRAF2 loss)", _SEED003,
                 ("etv4-transcriptional-plasticity", "irf4-mutation", "irf4-truncated",
                  "crbn-independent-resistance", "traf2-loss-ncnfkb-erk")),
)

# Reference cell of sample predictions: the model defaults, an IMiD-sensitive myeloma cell
# (full-length CRBN, intact COP9 and degrons, IRF4/MYC driven by IKZF1/3; Kronke 2015).
REFERENCE = ReferenceSample(
    name="IMiD-sensitive myeloma cell (model defaults)",
    description="CRBN 0.05 uM, no exon-10 skipping, IKZF1/3-IRF4-MYC dependent, 36 h doubling",
    source=_KRONKE15 + "; " + _SEED003,
    diseases=("MM",),
    assumed=True,
    note="abundances and downstream rates are assumed (see parameters)",
)

SPEC = ModelSpec(
    name="glue",
    title="Cereblon molecular glue / PROTAC degradation -> IKZF1/3 -> IRF4 -> MYC -> viability",
    antimony_file="glue.ant",
    description=(
        "Drug binds CRL4-CRBN; CRBN:drug recruits IKZF1, IKZF3, CK1a or a competing "
        "neosubstrate into a ternary complex that is ubiquitinated and degraded with CRBN "
        "released (catalytic). IKZF1/3 loss lowers IRF4 then MYC and proliferation. A "
        "bifunctional agent (cdk6-protac) also binds its target alone, giving the hook effect."
    ),
    parameters=_PARAMS,
    agents=_AGENTS,
    perturbations=_PERTS,
    readout="viability",
    readout_kind="viability",
    readout_label="viable cells relative to untreated growth (fraction, N/exp(kp t))",
    concentration_unit="uM",
    represented={"crbn-genetic-alteration-composite":
                "umbrella of crbn-point-mutation, crbn-copy-loss and crbn-exon10-skipping: "
                "represented through those calls, never as a second CRBN lesion"},
    t_end=96.0,
    time_unit="h",
    references=(_LOPEZ, _KRONKE15, _SEED003, _STX),
    reference_sample=REFERENCE,
)


def glue_model() -> Model:
    """A :class:`Model` of :data:`SPEC` (compiled lazily, once per process)."""
    return Model(SPEC)


__all__ = ["SPEC", "REFERENCE", "glue_model"]
