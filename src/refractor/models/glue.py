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

from refractor.models._simulate import Model
from refractor.models._spec import AgentSpec, ModelSpec, Parameter, Perturbation, ReferenceSample

_LOPEZ = (
    "Lopez-Girona et al. Leukemia 2012 (CRBN-DDB1 competition IC50 ~3 uM for lenalidomide and "
    "pomalidomide), as quoted in Bjorklund et al. Leukemia 2020 doi:10.1038/s41375-019-0620-8"
)
_KRONKE15 = "Kronke et al. Nature 2015 doi:10.1038/nature14610 PMID 26131937 (Fig. 1-2)"
_SEED003 = "seed 003_24478cfc54fb994d (IMiD resistance review)"
_STX = "degrader_ternary_stx kinetic_configs (ACBI1 configs; kinetic-degradation repo)"


def _P(name, value, unit, desc, ref, assumed=False, note=None) -> Parameter:  # noqa: N802
    return Parameter(name, value, unit, desc, ref, assumed, note)


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
    "iberdomide": (False, "Matyskiela et al. J Med Chem 2018 (CC-220 CRBN IC50 ~150 nM); value "
                   "from the brief, not verified by search"),
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
        params.append(_P(f"Kd_crbn@{slug}", kd, "uM", f"{slug}:CRBN dissociation constant",
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
       _SEED003),
    _P("cop9_activity", 1.0, "1", "COP9-maintained CRL4 activity (scales ubiquitination)",
       _SEED003),
    _P("kub", 20.0, "1/h", "ubiquitination/degradation of ternary-bound substrate", "assumed",
       True, "order of the fast-ubiquitination configs of degrader_ternary_stx"),
    _P("Kd_crbn", 3.0, "uM", "drug:CRBN Kd (set per agent)", _LOPEZ),
    _P("degron_mutation", 0.0, "1", "fraction of IKZF1/3 with drug-insensitive degron", _SEED003),
    _P("runx_shielding", 0.0, "1", "fraction of IKZF1/3 shielded by RUNX1/3", _SEED003),
    _P("competing_substrate", 1.0, "1", "relative abundance of a competing neosubstrate",
       _SEED003),
    _P("irf4_myc_uncoupling", 0.0, "1", "fraction of MYC independent of IKZF1/3-IRF4 (ETV4)",
       _SEED003),
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

_PERTS = (
    Perturbation("crbn_low", "crbn_level", "scale", 0.1, "CRBN expression lowered (default 10 %)",
                 _SEED003, ("crbn-low-expression", "crbn-copy-loss", "crbn-promoter-methylation")),
    Perturbation("crbn_exon10", "crbn_exon10_fraction", "set", 0.5,
                 "fraction of exon-10-skipped CRBN (binds DDB1, not drug)", _SEED003,
                 ("crbn-exon10-skipping",)),
    Perturbation("cop9_loss", "cop9_activity", "scale", 0.3,
                 "COP9 signalosome copy loss (2q37) lowers CRL4 activity", _SEED003,
                 ("cop9-signalosome-2q37-loss",)),
    Perturbation("ikzf_degron", "degron_mutation", "set", 0.5,
                 "fraction of IKZF1/3 with degron mutation (heterozygous = 0.5)", _SEED003,
                 ("ikzf-degron-mutation",)),
    Perturbation("runx_shielding", "runx_shielding", "set", 0.7,
                 "RUNX1/3 occupancy of IKZF1/3 shielding them from CRBN", _SEED003,
                 ("runx-shielding-ikzf",)),
    Perturbation("competing_substrates", "competing_substrate", "scale", 10.0,
                 "competing CRBN neosubstrates in excess", _SEED003,
                 ("crbn-substrate-competition",)),
    Perturbation("irf4_myc_uncoupling", "irf4_myc_uncoupling", "set", 0.7,
                 "MYC maintained independently of IKZF1/3 (ETV4-type plasticity)", _SEED003,
                 ("etv4-transcriptional-plasticity",)),
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
    t_end=96.0,
    time_unit="h",
    references=(_LOPEZ, _KRONKE15, _SEED003, _STX),
    reference_sample=REFERENCE,
)


def glue_model() -> Model:
    """A :class:`Model` of :data:`SPEC` (compiled lazily, once per process)."""
    return Model(SPEC)


__all__ = ["SPEC", "REFERENCE", "glue_model"]
