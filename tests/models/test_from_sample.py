"""predict_from_sample: interpreter per-sample JSON -> model perturbations -> IC50/Emax shifts.

Expected biology (references):
* c-FLIP up-regulation and caspase-8 loss make cells resistant to TRAIL (Irmler et al., Nature
  1997, doi:10.1038/40657; Albeck et al., PLoS Biol 2008, PMID 19053173).
* MCL1 up-regulation causes venetoclax resistance (seed review; KB mechanism
  ``mcl1-upregulation``), a higher CRBN exon-10-skipped fraction causes IMiD resistance (KB
  ``crbn-exon10-skipping``).
"""
from __future__ import annotations

import json
import math

import pytest

from refractor.errors import InputError
from refractor.models import predict_from_sample

from sample_docs import mechanism, observation, sample_doc


def _obs(gene, kind, value, unit):
    return observation(gene, kind, value, unit)


def _sample(mechanisms, agents=("trail-based-therapy",), sid="S1"):
    return sample_doc([mechanism(slug, status, obs, axis="trail")
                       for slug, status, obs in mechanisms], agents, sid)


def test_trail_resistance_mechanisms_shift_ic50_with_sources_and_assumptions():
    sample = _sample([
        ("cflip-upregulation", "detected", [_obs("CFLAR", "expression", 3.0, "log2_ratio")]),
        ("casp8-loss", "detected", []),
        ("cd38-antigen-loss", "detected", []),  # no model term anywhere
        ("bax-loss", "not_detected", []),  # absent: must not be applied
    ])
    df = predict_from_sample(sample, models=["trail"])
    pred = df[df["status"] == "predicted"]
    assert list(pred["agent"]) == ["trail-based-therapy"]
    row = pred.iloc[0]
    assert row["ic50_fold"] > 3  # resistance: IC50 shifted right
    assert "flip_level=8" in row["perturbations"]  # 2**3 from the measured log2 ratio
    assert "casp8_level=0.05" in row["perturbations"]  # documented default
    assert "bax" not in row["perturbations"]
    assert "measured CFLAR expression log2 ratio 3" in row["sources"]
    assert "casp8_level: default" in row["assumptions"]
    missing = df[df["status"] == "not_modelled"]
    assert list(missing["mechanisms"]) == ["cd38-antigen-loss"]


def test_measured_level_scales_the_effect():
    def fold(log2):
        s = _sample([("cflip-upregulation", "detected",
                      [_obs("CFLAR", "expression", log2, "log2_ratio")])])
        return predict_from_sample(s, models=["trail"]).iloc[0]["ic50_fold"]

    low, high = fold(1.0), fold(8.0)
    assert 1.0 <= low < high


def test_possible_call_is_marked_and_json_path_accepted(tmp_path):
    s = _sample([("xiap-overexpression", "possible", [])])
    path = tmp_path / "s.json"
    path.write_text(json.dumps(s))
    row = predict_from_sample(path, models=["trail"]).iloc[0]
    assert "call is 'possible'" in row["assumptions"]
    assert row["emax_shift"] < -0.3  # XIAP blocks PARP cleavage after MOMP (Albeck 2008)


def test_bcl2_and_glue_models_receive_measured_levels():
    s = _sample(
        [("mcl1-upregulation", "detected", [_obs("MCL1", "expression", 2.0, "log2_ratio")]),
         ("crbn-exon10-skipping", "detected", [_obs("CRBN", "splicing", 0.6, "PSI")])],
        agents=("venetoclax", "lenalidomide"),
    )
    df = predict_from_sample(s, models=["bcl2", "glue"])
    ven = df[df["agent"] == "venetoclax"].iloc[0]
    len_ = df[df["agent"] == "lenalidomide"].iloc[0]
    assert ven["perturbations"] == "mcl1_up=4"
    assert len_["perturbations"] == "crbn_exon10=0.6"
    for row in (ven, len_):  # both shift towards resistance: IC50 up or maximal effect down
        shifted = (math.isnan(row["ic50"]) or row["ic50_fold"] > 1.2) or row["emax_shift"] < -0.1
        assert shifted, row.to_dict()


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"sample": "x", "mechanisms": [}', "not valid JSON"),
        ('{"sample": "x", "mechanisms": []}', "not a refractor.sample-report document"),
        ('{"schema": "refractor.sample-report", "schema_version": "9.9", "sample": "x"}',
         "schema_version '9.9' is not readable"),
        ('{"schema": "refractor.sample-report", "schema_version": "1.1", "sample": "x", '
         '"mechanisms": [{"status": "detected"}]}', "malformed refractor.sample-report"),
    ],
)
def test_bad_sample_json(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as info:
        predict_from_sample(path)
    assert str(path) in str(info.value)


def test_bad_json_reports_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n "sample": "x",\n "mechanisms": [,]\n}')
    with pytest.raises(InputError) as info:
        predict_from_sample(path)
    assert info.value.line == 3


def test_unknown_model_is_an_input_error():
    with pytest.raises(InputError, match="unknown model"):
        predict_from_sample(_sample([]), models=["nope"])


def test_tpm_is_scaled_by_the_cohort_median_and_exon10_applied_once(tmp_path):
    """Functional (drug-binding) CRBN 2 TPM = total x (1 - PSI 0.55), as the interpreter reads
    it when the exon-10 PSI is measured, against a cohort median of 25 TPM. The model's
    ``crbn_level`` is total CRBN and the exon-10 fraction removes the skipped isoform, so the
    level is returned to the total (2/0.45 = 4.44 TPM -> 0.178): the exon-10 lesion is applied
    once (issue 11). The composite CRBN mechanism is represented through its components only.
    Low CRBN and exon-10 skipping both cause IMiD resistance (seed 003; KB
    ``crbn-low-expression``, ``crbn-exon10-skipping``)."""
    table = tmp_path / "expr.tsv"
    table.write_text("gene\tA\tB\tC\nCRBN\t25\t2\t30\nMCL1\t150\t150\t900\n")
    psi = _obs("CRBN", "splicing", 0.55, "PSI")
    s = _sample(
        [("crbn-low-expression", "detected", [_obs("CRBN", "expression", 2.0, "TPM")]),
         ("crbn-exon10-skipping", "detected", [psi]),
         ("crbn-genetic-alteration-composite", "detected", [psi])],
        agents=("lenalidomide",),
    )
    row = predict_from_sample(s, models=["glue"], reference_levels=table).iloc[0]
    assert row["perturbations"] == "crbn_low=0.1778;crbn_exon10=0.55"
    assert "crbn_exon10 is applied once" in row["assumptions"]
    assert "crbn-genetic-alteration-composite: umbrella" in row["assumptions"]
    assert "2 TPM / reference 25 TPM" in row["sources"]
    assert row["emax_shift"] < -0.1 or math.isnan(row["ic50"]) or row["ic50_fold"] > 1.2
    bad = tmp_path / "bad.tsv"
    bad.write_text("gene\tA\nCRBN\tlots\n")
    with pytest.raises(InputError) as info:
        predict_from_sample(s, models=["glue"], reference_levels=bad)
    assert info.value.line == 2


def test_perturbed_model_without_sample_agents_is_reported():
    s = _sample([("casp8-loss", "detected", [])], agents=("venetoclax",))
    df = predict_from_sample(s, models=["trail"])
    assert list(df["status"]) == ["no_agent"]
    assert df.iloc[0]["perturbations"] == "casp8_level=0.05"


# ---- reference sample of the BCL2-family model ----------------------------------------------
# The reference is a CLL-like BCL2-dependent, BIM-primed cell (Del Gaizo Moore et al. J Clin
# Invest 2007, PMID 17200714). Against it:
# * BCL2 G101V lowers venetoclax affinity ~180-fold (Blombery et al. Cancer Discov 2019,
#   PMID 30514704) -> venetoclax IC50 shift of the same order (>= 50-fold);
# * MCL1 up-regulation confers venetoclax resistance of >= 1 order of magnitude (Cloete et al.
#   npj Syst Biol Appl 2023 doi:10.1038/s41540-023-00286-5; seed reviews);
# * a sample without any modelled mechanism is the reference itself (fold 1).


def _bcl2_fold(mechanisms, agent="venetoclax"):
    df = predict_from_sample(_sample(mechanisms, agents=(agent,)), models=["bcl2"])
    row = df[(df["status"] == "predicted") & (df["agent"] == agent)].iloc[0]
    return row


def test_bcl2_reference_is_bcl2_dependent_and_named_in_every_row():
    row = _bcl2_fold([])
    # venetoclax kills CLL cells at low-nM concentrations (Souers et al. Nat Med 2013)
    assert row["ic50_ref"] < 10 and row["unit"] == "nM"
    assert row["ic50_fold"] == pytest.approx(1.0)
    assert "CLL-like BCL2-dependent" in row["reference"] and "17200714" in row["reference"]
    assert "nothing" in row["assumptions"] or "no modelled mechanism" in row["assumptions"]


def test_g101v_sample_shifts_venetoclax_ic50_by_the_published_order():
    row = _bcl2_fold([("bcl2-g101v", "detected",
                       [_obs("BCL2", "variant", 0.3, "VAF")])])
    # heterozygous: half of the BCL2 protein is G101V (equal allelic expression assumed); the
    # wild-type half still binds venetoclax, so the shift stays below the 180-fold affinity loss
    assert row["perturbations"] == "bcl2_g101v=0.5"
    assert 50 <= row["ic50_fold"] < 180, row.to_dict()
    assert "assumed clonal" in row["assumptions"]


def test_mcl1_upregulation_sample_shifts_venetoclax_ic50_tenfold():
    row = _bcl2_fold([("mcl1-upregulation", "detected", [])])
    assert row["perturbations"] == "mcl1_up=4"
    assert row["ic50_fold"] >= 10, row.to_dict()


def test_every_model_row_states_its_reference():
    s = _sample([("casp8-loss", "detected", []), ("crbn-low-expression", "detected", [])],
                agents=("trail-based-therapy", "lenalidomide", "venetoclax"))
    df = predict_from_sample(s)
    rows = df[df["status"].isin(["predicted", "no_agent"])]
    assert set(rows["model"]) == {"glue", "bcl2", "trail"}
    assert rows["reference"].str.len().min() > 20
