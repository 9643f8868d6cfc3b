"""BCL2-family apoptotic switch with BH3 mimetics: spec and convenience constructor.

The model text is ``antimony/bcl2.ant`` (nM, h). Each drug is a clamped dose parameter that
occupies the anti-apoptotic grooves in rapid equilibrium (Ki values below). MCL1 is synthesised
and degraded (half-life 2 h, within the 1-4 h reported by Tron et al. 2018); the synthesis rate
is set so that the steady state equals the stated level (``MCL1_ref * mcl1_level``), and a
drug-induced change of synthesis after time 0 (``mcl1_synthesis``, e.g. azacitidine) lowers MCL1
with that half-life. Protein levels
are relative to a reference cell (1 = reference totals ``*_ref``); measured levels (e.g. the
Cloete et al. 2023 DLBCL profiles) enter through the ``*_level`` parameters.

The model defaults (BCL2 = BCL-XL = MCL1) are NOT a BCL2-dependent cell. Sample predictions
(:func:`~refractor.models.predict_from_sample`) and ``refractor simulate`` use :data:`REFERENCE`,
a CLL-like BCL2-dependent, BIM-primed cell (Del Gaizo Moore et al. J Clin Invest 2007,
PMID 17200714; relative levels assumed): venetoclax IC50 ~2 nM at 24 h, G101V ~170-fold.
"""
from __future__ import annotations

import math

from refractor.models._model import Model
from refractor.models._spec import AgentSpec, ModelSpec, Parameter, Perturbation, ReferenceSample

_SOUERS = "Souers et al. Nat Med 2013 (ABT-199 Ki: BCL2 <0.010 nM, BCL-XL 48 nM, MCL1 >444 nM)"
_KOTSCHY = "Kotschy et al. Nature 2016 (S63845 MCL1 Ki <1.2 nM, no binding to BCL2/BCL-XL)"
_TRON = ("Tron et al. Nat Commun 2018 doi:10.1038/s41467-018-07551-w (AZD5991: MCL1 IC50 0.7 nM "
         "by FRET, Kd 0.17 nM by SPR, >10,000-fold selective; MCL1 half-life 1-4 h)")
_TSE08 = ("Tse et al. Cancer Res 2008 doi:10.1158/0008-5472.CAN-07-5836 PMID 18451170 (ABT-263 "
          "Ki < 1 nM for Bcl-2, Bcl-xL and Bcl-w)")
_ROOSWINKEL = ("Blood 123(18):2806 'Antiapoptotic potency of Bcl-2 proteins primarily relies on "
               "their stability' (Bcl-2, Bcl-xL, Bcl-w stable; Mcl-1, Bfl-1, Bcl-B limited by "
               "proteasomal turnover); Blood 132(10):1007 (BCL-2 has a long protein half-life)")
_LEVERSON = "Leverson et al. Sci Transl Med 2015 (A-1331852 BCL-XL Ki <0.01 nM, BCL2 6 nM)"
_BLOMBERY = ("Blombery et al. Cancer Discov 2019 doi:10.1158/2159-8290.CD-18-1119 PMID 30514704 "
             "(G101V lowers venetoclax affinity ~180-fold, SPR)")
_CHEN = ("Chen et al. Mol Cell 2005 PMID 15694340 (BH3 peptide IC50s by solution competition: "
         "BIM/PUMA bind all pro-survival proteins, NOXA only MCL1/A1; affinities vary 10,000-fold)")
_BH3_NOTE = ("pattern from " + "Chen 2005 PMID 15694340 / Certo et al. Cancer Cell 2006 PMID 16697956; "
             "the numeric tables (IC50s, not Kd) could not be retrieved with the search tool, "
             "so the value stays assumed")
_CLOETE = "Cloete et al. npj Syst Biol Appl 2023 doi:10.1038/s41540-023-00286-5"
_DELGAIZO = ("Del Gaizo Moore et al. J Clin Invest 2007 doi:10.1172/JCI28281 PMID 17200714 "
             "(CLL cells need BCL2 to sequester BIM: BCL2-dependent, BIM-primed BH3 profile)")
_UNVERIFIED = "value from the cited paper as commonly quoted; not verified by search"


def _P(name, value, unit, desc, ref, assumed=False, note=None,  # noqa: N802
       bounds=(0.0, math.inf)) -> Parameter:
    return Parameter(name, value, unit, desc, ref, assumed, note, bounds)


_AGENTS = (
    AgentSpec("venetoclax", "D_ven", {}, "nM", _SOUERS),
    AgentSpec("navitoclax", "D_nav", {}, "nM", _TSE08),
    AgentSpec("sonrotoclax", "D_sonro", {}, "nM", "assumed: BCL2-selective, sub-10 pM class",
              note="Ki values assumed; retains activity on BCL2 G101V (assumed 5 % of the loss)"),
    AgentSpec("s63845", "D_s63845", {}, "nM", _KOTSCHY),
    AgentSpec("azd5991", "D_azd5991", {}, "nM", _TRON),
    AgentSpec("a-1331852", "D_a1331852", {}, "nM", _LEVERSON),
)

_PARAMS = (
    _P("fu", 0.1, "1", "free drug fraction in 10 % serum medium", "assumed", True,
       "BH3 mimetics are highly protein bound; sets cellular EC50s in the nM range",
       bounds=(0.0, 1.0)),
    _P("Ki_ven_B2", 0.01, "nM", "venetoclax:BCL2 Ki", _SOUERS, note=_UNVERIFIED),
    _P("Ki_ven_XL", 48.0, "nM", "venetoclax:BCL-XL Ki", _SOUERS, note=_UNVERIFIED),
    _P("Ki_ven_M1", 444.0, "nM", "venetoclax:MCL1 Ki (lower bound)", _SOUERS, note=_UNVERIFIED),
    _P("Ki_nav_B2", 1.0, "nM", "navitoclax:BCL2 Ki (upper bound)", _TSE08,
       note="Ki < 1 nM; the bound is used"),
    _P("Ki_nav_XL", 0.5, "nM", "navitoclax:BCL-XL Ki (below the bound)", _TSE08,
       note="Ki < 1 nM; 0.5 nM chosen below the bound"),
    _P("Ki_nav_M1", 550.0, "nM", "navitoclax:MCL1 Ki", "assumed", True,
       "weak MCL1 binding (" + _TSE08 + " gives no MCL1 number in the abstract; a value was "
       "not found with the search tool)"),
    _P("Ki_sonro_B2", 0.01, "nM", "sonrotoclax:BCL2 Ki", "assumed", True,
       "BCL2-selective, at least as potent as venetoclax"),
    _P("Ki_sonro_XL", 100.0, "nM", "sonrotoclax:BCL-XL Ki", "assumed", True, "selective"),
    _P("Ki_sonro_M1", 1000.0, "nM", "sonrotoclax:MCL1 Ki", "assumed", True, "selective"),
    _P("sonro_g101v_sensitivity", 0.05, "1", "share of the G101V affinity loss for sonrotoclax",
       "assumed", True, "sonrotoclax retains activity against G101V", bounds=(0.0, 1.0)),
    _P("Ki_s63845_M1", 1.2, "nM", "S63845:MCL1 Ki (upper bound)", _KOTSCHY, note=_UNVERIFIED),
    _P("Ki_s63845_B2", 10000.0, "nM", "S63845:BCL2 (no binding)", _KOTSCHY, note=_UNVERIFIED),
    _P("Ki_s63845_XL", 10000.0, "nM", "S63845:BCL-XL (no binding)", _KOTSCHY, note=_UNVERIFIED),
    _P("Ki_azd5991_M1", 0.17, "nM", "AZD5991:MCL1 Kd (SPR; the FRET competition IC50 is 0.7 nM)",
       _TRON, note="numbers as summarised from Tron 2018 (found with the search tool)"),
    _P("Ki_azd5991_B2", 10000.0, "nM", "AZD5991:BCL2", _TRON, note=_UNVERIFIED),
    _P("Ki_azd5991_XL", 10000.0, "nM", "AZD5991:BCL-XL", _TRON, note=_UNVERIFIED),
    _P("Ki_a1331852_XL", 0.01, "nM", "A-1331852:BCL-XL Ki (upper bound)", _LEVERSON,
       note=_UNVERIFIED),
    _P("Ki_a1331852_B2", 6.0, "nM", "A-1331852:BCL2 Ki", _LEVERSON, note=_UNVERIFIED),
    _P("Ki_a1331852_M1", 142.0, "nM", "A-1331852:MCL1 Ki", _LEVERSON, note=_UNVERIFIED),
    _P("bcl2_g101v", 180.0, "1", "fold loss of venetoclax affinity of BCL2 G101V", _BLOMBERY,
       bounds=(1.0, math.inf)),
    _P("bcl2_g101v_fraction", 0.0, "1", "fraction of BCL2 protein carrying G101V", _BLOMBERY,
       note="0.5 in a heterozygous carrier cell (equal allelic expression assumed); BIM/PUMA "
       "and BAX binding of the mutant assumed unchanged (only venetoclax affinity modelled)",
       bounds=(0.0, 1.0)),
    _P("kdeg_M1", 0.35, "1/h", "MCL1 degradation rate (half-life 2 h)", _TRON,
       note="ln2/2 h; Tron 2018 reports an MCL1 half-life of 1-4 h"),
    _P("mcl1_synthesis", 1.0, "1", "MCL1 synthesis after time 0 relative to the steady state",
       _ROOSWINKEL, note="model construct: 1 = unchanged; a drug-induced change (e.g. "
       "azacitidine) lowers MCL1 with its half-life"),
    _P("BCL2_ref", 100.0, "nM", "reference BCL2", "assumed", True, "10^4-10^5 copies/cell"),
    _P("BCLXL_ref", 100.0, "nM", "reference BCL-XL", "assumed", True, "as BCL2"),
    _P("MCL1_ref", 100.0, "nM", "reference MCL1", "assumed", True, "as BCL2"),
    _P("BIM_ref", 60.0, "nM", "reference BIM", "assumed", True, "below anti-apoptotic total"),
    _P("PUMA_ref", 30.0, "nM", "reference PUMA", "assumed", True, "illustrative"),
    _P("NOXA_ref", 30.0, "nM", "reference NOXA", "assumed", True, "illustrative"),
    _P("BAX_ref", 100.0, "nM", "reference BAX", "assumed", True, "illustrative"),
    _P("BAK_ref", 60.0, "nM", "reference BAK", "assumed", True, "illustrative"),
    _P("kon", 3.6, "1/(nM h)", "association rate", "assumed", True, "1e6 /M/s"),
    _P("Kd_BIM", 0.1, "nM", "BIM:anti-apoptotic Kd", "assumed", True, "sub-nM; " + _BH3_NOTE),
    _P("Kd_PUMA", 0.5, "nM", "PUMA:anti-apoptotic Kd", "assumed", True, _BH3_NOTE),
    _P("Kd_NOXA", 1.0, "nM", "NOXA:MCL1 Kd", "assumed", True, _BH3_NOTE),
    _P("Kd_EFF", 1.0, "nM", "active BAX/BAK : anti-apoptotic Kd", "assumed", True, "mode 2"),
    _P("kact", 0.01, "1/(nM h)", "BIM-driven BAX/BAK activation", "assumed", True, "direct activation"),
    _P("kact0", 0.05, "1/h", "basal BAX/BAK activation by other activators", "assumed", True,
       "stands for tBID and other activators present in the Cloete 2023 model"),
    _P("kauto", 0.002, "1/(nM h)", "auto-activation", "assumed", True, "switch-like MOMP"),
    _P("kinact", 0.5, "1/h", "effector inactivation, free or bound", "assumed", True,
       "retrotranslocation of BAX by pro-survival proteins (Edlich et al. Cell 2011)"),
    _P("hmax", 0.5, "1/h", "maximal death hazard", "assumed", True, "death within hours of MOMP"),
    _P("K_A", 5.0, "nM", "free active BAX+BAK for half-maximal hazard", "assumed", True,
       "threshold"),
)

# The one mechanism -> perturbation and gene -> perturbation table of this model (HGNC keys).
# Not mapped: 'bcl2-dependence-high' (a high BCL2 : MCL1/BCL-XL ratio) is a venetoclax
# SENSITIVITY marker in the KB and is what the BCL2-dependent reference cell already
# represents; scaling BCL2 up would model it as extra drug buffer, the opposite of its meaning.
_PERTS = (
    Perturbation("mcl1_up", "mcl1_level", "scale", 4.0, "MCL1 up-regulation", _CLOETE,
                 ("mcl1-upregulation",), ("MCL1",)),
    Perturbation("bclxl_up", "bclxl_level", "scale", 4.0, "BCL-XL up-regulation", _CLOETE,
                 ("bclxl-upregulation",), ("BCL2L1",)),
    Perturbation("bcl2_up", "bcl2_level", "scale", 4.0, "BCL2 over-expression", _CLOETE,
                 ("bcl2-family-overexpression",), ("BCL2",)),
    Perturbation("bcl2_g101v", "bcl2_g101v_fraction", "set", 0.5,
                 "BCL2 G101V (venetoclax affinity ~180-fold lower) in half of the BCL2 protein "
                 "of a heterozygous carrier cell (equal allelic expression assumed)", _BLOMBERY,
                 ("bcl2-g101v",)),
    Perturbation("bax_loss", "bax_level", "scale", 0.1, "BAX loss of function", _CLOETE,
                 ("bax-loss",), ("BAX",)),
    Perturbation("bak_loss", "bak_level", "scale", 0.1, "BAK loss (level x value)", _CLOETE,
                 (), ("BAK1",)),
    Perturbation("bim_loss", "bim_level", "scale", 0.3, "lower BIM (BH3-only loss)", _CHEN,
                 ("bh3-only-loss",), ("BCL2L11",)),
    Perturbation("puma_loss", "puma_level", "scale", 0.3, "lower PUMA (BH3-only loss)", _CHEN,
                 ("bh3-only-loss",), ("BBC3",)),
    Perturbation("noxa_loss", "noxa_level", "scale", 0.3, "lower NOXA (BH3-only loss)", _CHEN,
                 ("bh3-only-loss",), ("PMAIP1",)),
    Perturbation("azacitidine_mcl1_reduction", "mcl1_synthesis", "scale", 0.5,
                 "azacitidine-like fall of MCL1 synthesis from time 0 (assumed 50 %); MCL1 "
                 "then falls with its 2 h half-life", "assumed; half-life from " + _TRON, ()),
)

# Reference cell of sample predictions: a venetoclax-sensitive, BCL2-dependent CLL-like cell.
# Profile (BCL2 high relative to MCL1/BCL-XL, BIM held by BCL2) from Del Gaizo Moore 2007; the
# relative numbers are assumed (the same cell as the BCL2-dependent cell of the model tests,
# venetoclax IC50 ~2 nM at 24 h, in the low-nM range reported for CLL cells by Souers 2013).
REFERENCE = ReferenceSample(
    name="CLL-like BCL2-dependent cell",
    description="BCL2 2x, MCL1 0.3x, BCL-XL 0.3x the model's reference totals (100 nM each); "
    "BIM (60 nM) then sits mostly on BCL2 (primed for death)",
    source=_DELGAIZO,
    set={"bcl2_level": 2.0, "mcl1_level": 0.3, "bclxl_level": 0.3},
    diseases=("CLL", "MM", "AML", "DLBCL", "lymphoma"),
    assumed=True,
    note="relative levels assumed to reproduce the qualitative CLL profile; the same reference "
    "is used for every disease, so predictions answer how far a mechanism moves a "
    "venetoclax-sensitive cell",
)

SPEC = ModelSpec(
    name="bcl2",
    title="BCL2-family apoptotic switch with BH3 mimetics",
    antimony_file="bcl2.ant",
    description=(
        "BIM/PUMA bind BCL2, BCL-XL and MCL1, NOXA only MCL1; free BIM activates BAX/BAK, which "
        "anti-apoptotic proteins hold; free active BAX/BAK gives a MOMP hazard. BH3 mimetics "
        "occupy the grooves (rapid equilibrium, published Ki). Readout: viability at 24 h."
    ),
    parameters=_PARAMS,
    agents=_AGENTS,
    perturbations=_PERTS,
    readout="viability",
    readout_kind="viability",
    readout_label="surviving fraction of cells (V, 1 at time 0)",
    concentration_unit="nM",
    t_end=24.0,
    time_unit="h",
    references=(_SOUERS, _TSE08, _KOTSCHY, _TRON, _LEVERSON, _BLOMBERY, _CHEN, _CLOETE,
                _DELGAIZO, _ROOSWINKEL),
    reference_sample=REFERENCE,
    represented={
        "bcl2-dependence-high": "a venetoclax sensitivity marker (high BCL2 : MCL1/BCL-XL); the "
        "BCL2-dependent reference cell already is this state, so it is not applied again",
        "lineage-bcl2-dependence": "the lineage's BCL2 dependence is what the BCL2-dependent "
        "reference cell represents; not applied again",
    },
)

def bcl2_model() -> Model:
    """A :class:`Model` of :data:`SPEC` (compiled lazily, once per process)."""
    return Model(SPEC)


__all__ = ["SPEC", "REFERENCE", "bcl2_model"]
