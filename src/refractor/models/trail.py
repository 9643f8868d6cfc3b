"""TRAIL extrinsic apoptosis model: EARM 2.0 (M1a) with fitted parameters, plus decoy receptors.

The reaction network and every rate constant are those of EARM 2.0 model M1a ("embedded
together"; Lopez et al., Mol Syst Biol 2013;9:646, PMID 23423320, doi:10.1038/msb.2013.1),
exported to SBML by PySB and fitted to the single-cell reporter data of Albeck et al.
(PLoS Biol 2008;6:e299, doi:10.1371/journal.pbio.0060299, PMID 19053173) and Spencer et al.
(Nature 2009;459:428, doi:10.1038/nature08012). The files (``EARM_2_0_M1a.sbml`` and
``EARM_2_0_M1a_fitted_params.txt``) come from github clopezx/earm @966c0c73 and were converted
once by :mod:`refractor.models._earm_convert` into ``antimony/trail.ant``.

Units: molecules per cell and seconds (``time_unit = "s"``). The agent ``trail-based-therapy``
(KB slug; recombinant TRAIL) is dosed in ng/mL; 50 ng/mL = 3000 ligand molecules per cell
(Albeck 2008; PySB ``earm_1_0.py``).

Read-outs (assignment rules added by the conversion): ``tBid_frac`` (IC-RP, caspase-8
substrate), ``Smac_release`` (IMS-RP, MOMP), ``cPARP_frac`` (EC-RP, effector caspase
substrate) and ``viability = 1 - cPARP_frac`` (the dose-response readout).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from refractor.models._spec import AgentSpec, ModelSpec, Parameter, Perturbation, ReferenceSample

LOPEZ2013 = "PMID 23423320 (Lopez 2013 EARM 2.0 M1a); fitted set clopezx/earm@966c0c73"
ALBECK2008 = "PMID 19053173; doi:10.1371/journal.pbio.0060299 (Albeck 2008)"
SPENCER2009 = "doi:10.1038/nature08012 (Spencer 2009, Suppl. Fig. S5-S8)"

# Initial amounts of EARM 2.0 M1a (fitted set; molecules per HeLa cell).
_INITIAL = (
    ("R_0", 200, "DR4/DR5 death receptors"),
    ("flip_0", 100, "c-FLIP"),
    ("C8_0", 20000, "procaspase-8"),
    ("BAR_0", 1000, "bifunctional apoptosis regulator (caspase-8 inhibitor)"),
    ("Apaf_0", 100000, "Apaf-1"),
    ("C3_0", 10000, "procaspase-3"),
    ("C6_0", 10000, "procaspase-6"),
    ("C9_0", 100000, "procaspase-9"),
    ("PARP_0", 1e6, "PARP (effector-caspase substrate, EC-RP proxy)"),
    ("XIAP_0", 100000, "XIAP"),
    ("Bid_0", 40000, "Bid"),
    ("Bad_0", 1000, "Bad (inert in M1a)"),
    ("Bax_0", 80000, "Bax"),
    ("Bak_0", 20000, "Bak"),
    ("Bcl2_0", 20000, "Bcl-2"),
    ("BclxL_0", 20000, "Bcl-xL"),
    ("Mcl1_0", 20000, "Mcl-1"),
    ("Noxa_0", 1000, "Noxa (inert in M1a)"),
    ("CytoC_0", 500000, "mitochondrial cytochrome c"),
    ("Smac_0", 100000, "mitochondrial Smac"),
)

# Fitted rate constants of EARM 2.0 M1a (identical to antimony/trail.ant).
_RATES = (
    ("bind_L_R_to_LR_kf", 4.86107171690409e-09),
    ("bind_L_R_to_LR_kr", 6.99846511573462e-05),
    ("convert_LR_to_DISC_kc", 0.000100403840159836),
    ("bind_DISC_C8pro_to_DISCC8pro_kf", 1.65261098585303e-06),
    ("bind_DISC_C8pro_to_DISCC8pro_kr", 0.000255159497411491),
    ("catalyze_DISCC8pro_to_DISC_C8A_kc", 8.1035483807451),
    ("bind_C8A_BidU_to_C8ABidU_kf", 7.86934184773797e-06),
    ("bind_C8A_BidU_to_C8ABidU_kr", 1.34785272551909e-05),
    ("catalyze_C8ABidU_to_C8A_BidT_kc", 0.200708346480714),
    ("bind_DISC_flip_kf", 2.0857207094671e-06),
    ("bind_DISC_flip_kr", 0.0729930818740924),
    ("bind_BAR_C8A_kf", 2.45075443929269e-05),
    ("bind_BAR_C8A_kr", 3.17610709986387e-05),
    ("equilibrate_SmacC_to_SmacA_kf", 0.686676586174118),
    ("equilibrate_SmacC_to_SmacA_kr", 0.000778534459490197),
    ("equilibrate_CytoCC_to_CytoCA_kf", 0.0204123437954251),
    ("equilibrate_CytoCC_to_CytoCA_kr", 0.00250716075347289),
    ("bind_CytoCA_ApafI_to_CytoCAApafI_kf", 4.59275858521376e-07),
    ("bind_CytoCA_ApafI_to_CytoCAApafI_kr", 2.89999622203106e-05),
    ("catalyze_CytoCAApafI_to_CytoCA_ApafA_kc", 0.0405997179180617),
    ("convert_ApafA_C9_to_Apop_kf", 3.21319685754714e-07),
    ("convert_ApafA_C9_to_Apop_kr", 0.0116844776455601),
    ("bind_Apop_C3pro_to_ApopC3pro_kf", 7.80376910054667e-10),
    ("bind_Apop_C3pro_to_ApopC3pro_kr", 0.000328024818233104),
    ("catalyze_ApopC3pro_to_Apop_C3A_kc", 1.16846438104808),
    ("bind_Apop_XIAP_kf", 2.07045355316828e-08),
    ("bind_Apop_XIAP_kr", 0.00138597408734315),
    ("bind_SmacA_XIAP_kf", 0.000409440179175145),
    ("bind_SmacA_XIAP_kr", 0.00800511349540015),
    ("bind_C8A_C3pro_to_C8AC3pro_kf", 1.91676191142689e-06),
    ("bind_C8A_C3pro_to_C8AC3pro_kr", 0.000101865323597527),
    ("catalyze_C8AC3pro_to_C8A_C3A_kc", 2.70021494314886),
    ("bind_XIAP_C3A_to_XIAPC3A_kf", 1.82478615124034e-07),
    ("bind_XIAP_C3A_to_XIAPC3A_kr", 1.29218751233725e-05),
    ("catalyze_XIAPC3A_to_XIAP_C3ub_kc", 0.0995049806315798),
    ("bind_C3A_PARPU_to_C3APARPU_kf", 1.88952680291449e-06),
    ("bind_C3A_PARPU_to_C3APARPU_kr", 0.000113879167676526),
    ("catalyze_C3APARPU_to_C3A_PARPC_kc", 13.7682042062834),
    ("bind_C3A_C6pro_to_C3AC6pro_kf", 2.13346468513069e-08),
    ("bind_C3A_C6pro_to_C3AC6pro_kr", 0.00153630693327766),
    ("catalyze_C3AC6pro_to_C3A_C6A_kc", 13.0540541253782),
    ("bind_C6A_C8pro_to_C6AC8pro_kf", 5.05608412886422e-08),
    ("bind_C6A_C8pro_to_C6AC8pro_kr", 9.19773965750875e-05),
    ("catalyze_C6AC8pro_to_C6A_C8A_kc", 0.184886070210927),
    ("equilibrate_BidT_to_BidM_kf", 0.0269565316270506),
    ("equilibrate_BidT_to_BidM_kr", 1.17833873349896e-05),
    ("equilibrate_BaxC_to_BaxM_kf", 0.000340587385351995),
    ("equilibrate_BaxC_to_BaxM_kr", 0.0497503321845253),
    ("equilibrate_BclxLC_to_BclxLM_kf", 0.0684005644509762),
    ("equilibrate_BclxLC_to_BclxLM_kr", 0.141187531234794),
    ("bind_BidM_BaxM_to_BidMBaxM_kf", 3.97367759469701e-09),
    ("bind_BidM_BaxM_to_BidMBaxM_kr", 0.0214826427308859),
    ("catalyze_BidMBaxM_to_BidM_BaxA_kc", 1.82037633016839),
    ("bind_BidM_BakM_to_BidMBakM_kf", 1.94084613010646e-09),
    ("bind_BidM_BakM_to_BidMBakM_kr", 0.000180948088681681),
    ("catalyze_BidMBakM_to_BidM_BakA_kc", 0.0111774412717761),
    ("bind_BaxA_BaxM_to_BaxABaxM_kf", 2.01490602505859e-06),
    ("bind_BaxA_BaxM_to_BaxABaxM_kr", 0.0403112759997391),
    ("catalyze_BaxABaxM_to_BaxA_BaxA_kc", 0.0121928873631789),
    ("bind_BakA_BakM_to_BakABakM_kf", 5.39398246263222e-06),
    ("bind_BakA_BakM_to_BakABakM_kr", 0.00216662807398207),
    ("catalyze_BakABakM_to_BakA_BakA_kc", 0.26475473643879),
    ("bind_BidM_Bcl2_kf", 1.02774233374701e-06),
    ("bind_BidM_Bcl2_kr", 2.79057579739369),
    ("bind_BidM_BclxLM_kf", 1.63672259851101e-07),
    ("bind_BidM_BclxLM_kr", 0.026264964906836),
    ("bind_BidM_Mcl1M_kf", 1.94284236062977e-06),
    ("bind_BidM_Mcl1M_kr", 0.00216483301294691),
    ("bind_BaxA_Bcl2_kf", 1.45310813033356e-08),
    ("bind_BaxA_Bcl2_kr", 0.0719175292830174),
    ("bind_BaxA_BclxLM_kf", 1.20860001954051e-06),
    ("bind_BaxA_BclxLM_kr", 0.0196849099926301),
    ("bind_BakA_BclxLM_kf", 6.26745457195854e-06),
    ("bind_BakA_BclxLM_kr", 0.0672985883891406),
    ("bind_BakA_Mcl1_kf", 1.26613634650415e-05),
    ("bind_BakA_Mcl1_kr", 0.000215721626588817),
    ("bind_BadM_Bcl2_kf", 5.39310671814335e-05),
    ("bind_BadM_Bcl2_kr", 0.440133780707353),
    ("bind_BadM_BclxLM_kf", 4.18775299693102e-05),
    ("bind_BadM_BclxLM_kr", 0.162633496575202),
    ("bind_NoxaM_Mcl1M_kf", 6.11973846275381e-07),
    ("bind_NoxaM_Mcl1M_kr", 0.0196626979805854),
    ("assemble_pore_sequential_Bax_2_kf", 0.00674292875740023),
    ("assemble_pore_sequential_Bax_2_kr", 1.68227951052984e-05),
    ("assemble_pore_sequential_Bax_3_kf", 0.000293788412023444),
    ("assemble_pore_sequential_Bax_3_kr", 0.000433848532489058),
    ("assemble_pore_sequential_Bax_4_kf", 0.00025695283735142),
    ("assemble_pore_sequential_Bax_4_kr", 0.0103409521233448),
    ("assemble_pore_sequential_Bak_2_kf", 1.60541640884841e-05),
    ("assemble_pore_sequential_Bak_2_kr", 0.000239799363456112),
    ("assemble_pore_sequential_Bak_3_kf", 5.74158045565534e-06),
    ("assemble_pore_sequential_Bak_3_kr", 0.0641695603501621),
    ("assemble_pore_sequential_Bak_4_kf", 4.52962110958849e-05),
    ("assemble_pore_sequential_Bak_4_kr", 6.15518614074687e-05),
    ("pore_transport_complex_BaxA_4_CytoCM_kf", 0.000424110057027664),
    ("pore_transport_complex_BaxA_4_CytoCM_kr", 0.00137251617418163),
    ("pore_transport_dissociate_BaxA_4_CytoCC_kc", 727.31653679023),
    ("pore_transport_complex_BaxA_4_SmacM_kf", 9.50153029026972e-06),
    ("pore_transport_complex_BaxA_4_SmacM_kr", 0.00036936772401878),
    ("pore_transport_dissociate_BaxA_4_SmacC_kc", 83.182122265179),
    ("pore_transport_complex_BakA_4_CytoCM_kf", 1.41971181248068e-06),
    ("pore_transport_complex_BakA_4_CytoCM_kr", 0.0512940402805824),
    ("pore_transport_dissociate_BakA_4_CytoCC_kc", 1.05889917146893),
    ("pore_transport_complex_BakA_4_SmacM_kf", 9.6252678394343e-05),
    ("pore_transport_complex_BakA_4_SmacM_kr", 0.000618843088597024),
    ("pore_transport_dissociate_BakA_4_SmacC_kc", 16.7394080868712),
)


def _rate_unit(name: str) -> str:
    second_order = name.endswith("_kf") and not name.startswith("equilibrate_")
    return "1/(molecule/cell)/s" if second_order else "1/s"


_PARAMETERS = (
    Parameter("TRAIL", 50.0, "ng/mL", "TRAIL dose (agent dose parameter)", ALBECK2008),
    Parameter(
        "L_per_ngml", 60.0, "molecules/cell per ng/mL",
        "ligand molecules per cell per ng/mL (3000 = 50 ng/mL SuperKiller TRAIL)", ALBECK2008,
    ),
    *(
        Parameter(n, float(v), "molecules/cell", f"initial {d}", LOPEZ2013)
        for n, v, d in _INITIAL
    ),
    Parameter(
        "L_per_ngml@eftozanermin-alfa", 60.0, "molecules/cell per ng/mL",
        "eftozanermin alfa treated as TRAIL-equivalent ligand per ng/mL", "assumed",
        assumed=True,
        note="eftozanermin alfa dosed as TRAIL-equivalent ng/mL (no potency data in the model)",
    ),
    Parameter(
        "DcR_0", 0.0, "molecules/cell", "TRAIL decoy receptors (DcR1/DcR2)", "assumed",
        assumed=True,
        note="EARM has no decoys; 0 keeps the fitted HeLa model unchanged; decoy binding uses "
        "the DR4/DR5 rate constants (equal affinity assumed)",
    ),
    *(
        Parameter(n, float(v), _rate_unit(n), n.replace("_", " "), LOPEZ2013)
        for n, v in _RATES
    ),
)

_PERTURBATIONS = (
    Perturbation(
        "dr_level", "R_0", "scale", 0.1,
        "DR4/DR5 (TNFRSF10A/B) loss: death-receptor level x value (default 10%, assumed)",
        "PMID 9242610 (DR4/DR5 as the TRAIL death receptors); level assumed",
        ("death-receptor-loss",), ("TNFRSF10A", "TNFRSF10B"),
    ),
    Perturbation(
        "decoy_level", "DcR_0", "set", 2000.0,
        "decoy receptors (TNFRSF10C/D) expressed at value molecules/cell (default 10x DR, "
        "assumed); they sequester TRAIL",
        "PMID 9242610 (Pan 1997: decoy TRID protects from TRAIL); level assumed",
        ("decoy-receptor-expression",), ("TNFRSF10C", "TNFRSF10D"),
    ),
    Perturbation(
        "flip_level", "flip_0", "scale", 10.0,
        "c-FLIP (CFLAR) up-regulation: FLIP x value (default 10x, assumed)",
        "doi:10.1038/40657 (Irmler 1997: c-FLIP inhibits death-receptor signalling)",
        ("cflip-upregulation",), ("CFLAR",),
    ),
    Perturbation(
        "casp8_level", "C8_0", "scale", 0.05,
        "caspase-8 loss or silencing: procaspase-8 x value (default 5%, assumed)",
        ALBECK2008 + " (caspase-8 activity sets the delay to MOMP)",
        ("casp8-loss",), ("CASP8",),
    ),
    Perturbation(
        "xiap_level", "XIAP_0", "scale", 5.0,
        "XIAP over-expression: XIAP x value (default 5x, assumed)",
        ALBECK2008 + " (XIAP/Smac partitioning controls effector-caspase activation)",
        ("xiap-overexpression",), ("XIAP",),
    ),
    Perturbation(
        "bid_level", "Bid_0", "scale", 0.1,
        "Bid loss: Bid x value (default 10%, assumed)",
        SPENCER2009 + " (Bid level vs time to MOMP)",
        ("bid-loss",), ("BID",),
    ),
    Perturbation(
        "bcl2_level", "Bcl2_0", "scale", 10.0,
        "Bcl-2 over-expression: Bcl-2 x value (default 10x, as the GFP-Bcl-2 cells of the "
        "Spencer 2009 data)",
        SPENCER2009, ("mitochondrial-block-bcl2-family", "bcl2-family-overexpression"), ("BCL2",),
    ),
    Perturbation(
        "bclxl_level", "BclxL_0", "scale", 10.0,
        "Bcl-xL (BCL2L1) up-regulation: Bcl-xL x value (default 10x, assumed)",
        SPENCER2009, ("mitochondrial-block-bcl2-family", "bclxl-upregulation"), ("BCL2L1",),
    ),
    Perturbation(
        "mcl1_level", "Mcl1_0", "scale", 10.0,
        "Mcl-1 up-regulation: Mcl-1 x value (default 10x, assumed)",
        LOPEZ2013 + " (Mcl-1 binds Bid and Bak in M1a)",
        ("mitochondrial-block-bcl2-family", "mcl1-upregulation"), ("MCL1",),
    ),
    Perturbation(
        "bax_level", "Bax_0", "scale", 0.1,
        "BAX loss: Bax x value (default 10%, assumed)",
        SPENCER2009 + " (Bax level vs time to MOMP)",
        ("bax-loss",), ("BAX",),
    ),
)

# Reference cell of sample predictions: the HeLa cell of the EARM calibration (fitted
# defaults). No blood-cancer cell has a calibrated EARM parameter set; reports say so.
REFERENCE = ReferenceSample(
    name="HeLa cell of the EARM 2.0 calibration (fitted defaults)",
    description="protein amounts of EARM 2.0 M1a fitted to HeLa single-cell reporter data",
    source=LOPEZ2013 + "; " + ALBECK2008,
    note="not a blood-cancer cell: no calibrated haematological TRAIL parameter set exists",
)

SPEC = ModelSpec(
    name="trail",
    title="TRAIL extrinsic apoptosis (EARM 2.0 M1a, fitted) with decoy receptors",
    antimony_file="trail.ant",
    description=(
        "TRAIL -> DR4/DR5 -> DISC (c-FLIP) -> caspase-8 -> Bid -> Bax/Bak pores (Bcl-2, Bcl-xL, "
        "Mcl-1) -> MOMP (cytochrome c, Smac) -> apoptosome/caspase-9 -> caspase-3 (XIAP) -> "
        "PARP cleavage; caspase-6 feedback. EARM 2.0 M1a with its fitted parameters; TRAIL "
        "decoy receptors added as ligand sequestration."
    ),
    parameters=_PARAMETERS,
    agents=(
        AgentSpec(
            agent="trail-based-therapy", dose_species="TRAIL", dose_unit="ng/mL",
            reference=ALBECK2008,
            note="recombinant TRAIL (SuperKiller TRAIL in the calibration data)",
        ),
        AgentSpec(
            agent="eftozanermin-alfa", dose_species="TRAIL", dose_unit="ng/mL",
            parameters={"L_per_ngml": 60.0},
            reference="PMID 33687950 (DR4/DR5 agonist); potency relative to TRAIL assumed",
            note="assumed: modelled as recombinant TRAIL at equal mass concentration "
            "(receptor clustering by the hexavalent agonist not modelled)",
        ),
    ),
    perturbations=_PERTURBATIONS,
    readout="viability",
    readout_kind="viability",
    readout_label="viability = 1 - cleaved PARP fraction (EC-RP proxy; 1 = no cell killed)",
    concentration_unit="molecules/cell",
    t_end=21600.0,
    time_unit="s",
    references=(LOPEZ2013, ALBECK2008, SPENCER2009, "PMID 9242610", "doi:10.1038/40657"),
    reference_sample=REFERENCE,
)

def time_to_momp(frame: pd.DataFrame, column: str = "Smac_release", level: float = 0.5) -> float:
    """Time (s) at which ``column`` first reaches ``level`` (linear interpolation).

    Returns ``inf`` when the level is never reached (the cell survives the simulated time).
    """
    t = frame["time"].to_numpy(dtype=float)
    y = frame[column].to_numpy(dtype=float)
    return crossing_time(t, y, level)


def crossing_time(t: np.ndarray, y: np.ndarray, level: float) -> float:
    """First time the series ``y(t)`` reaches ``level`` (linear interpolation), else ``inf``."""
    idx = np.nonzero(y >= level)[0]
    if idx.size == 0:
        return float("inf")
    i = int(idx[0])
    if i == 0:
        return float(t[0])
    y0, y1 = y[i - 1], y[i]
    return float(t[i - 1] + (level - y0) * (t[i] - t[i - 1]) / (y1 - y0))


__all__ = ["SPEC", "REFERENCE", "time_to_momp", "crossing_time"]
