"""Consequence vocabulary and protein-change notation shared by the MAF and VCF readers."""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# MAF Variant_Classification -> cohort consequence (GDC MAF specification vocabulary).
MAF_CLASSES = {
    "Missense_Mutation": "missense",
    "Nonsense_Mutation": "nonsense",
    "Frame_Shift_Del": "frameshift",
    "Frame_Shift_Ins": "frameshift",
    "Splice_Site": "splice_site",
    "In_Frame_Del": "inframe_indel",
    "In_Frame_Ins": "inframe_indel",
    "Translation_Start_Site": "start_lost",
    "Nonstop_Mutation": "stop_lost",
    "Silent": "silent",
}

# Sequence Ontology terms (VEP Consequence, SnpEff Annotation) -> cohort consequence.
SO_TERMS = {
    "stop_gained": "nonsense",
    "frameshift_variant": "frameshift",
    "splice_acceptor_variant": "splice_site",
    "splice_donor_variant": "splice_site",
    "stop_lost": "stop_lost",
    "start_lost": "start_lost",
    "initiator_codon_variant": "start_lost",
    "inframe_insertion": "inframe_indel",
    "inframe_deletion": "inframe_indel",
    "disruptive_inframe_insertion": "inframe_indel",
    "disruptive_inframe_deletion": "inframe_indel",
    "conservative_inframe_insertion": "inframe_indel",
    "conservative_inframe_deletion": "inframe_indel",
    "missense_variant": "missense",
    "synonymous_variant": "silent",
    "stop_retained_variant": "silent",
    "start_retained_variant": "silent",
}
# Also accepted (older MAFs): Oncotator's and TCGA legacy classes for the same events.
MAF_CLASSES.update({
    "Splice_Site_SNP": "splice_site", "Splice_Site_Del": "splice_site", "Splice_Site_Ins": "splice_site",
    "Splice_Site_DNP": "splice_site", "Splice_Site_ONP": "splice_site",
    "Start_Codon_SNP": "start_lost", "Start_Codon_Del": "start_lost", "Start_Codon_Ins": "start_lost",
    "Start_Codon_DNP": "start_lost", "Start_Codon_ONP": "start_lost",
    "Stop_Codon_Del": "stop_lost", "Stop_Codon_Ins": "stop_lost",
    "Nonstop": "stop_lost",
    # AML MAFs from targeted FLT3 assays (e.g. maftools' APL primary/relapse example) classify
    # FLT3 internal tandem duplications as "ITD": in-frame duplications of the juxtamembrane
    # domain (the KB's flt3-itd biomarker, "in-frame insertion")
    "ITD": "inframe_indel",
})
# When one annotation lists several terms ("missense_variant&splice_region_variant") the most
# severe wins, in this order.
SEVERITY = ["nonsense", "frameshift", "splice_site", "stop_lost", "start_lost", "inframe_indel", "missense", "silent", "other"]
_RANK = {c: i for i, c in enumerate(SEVERITY)}


# Ensembl VEP's consequence terms from most to least severe (the order of the table "Calculated
# variant consequences", https://www.ensembl.org/info/genome/variation/prediction/predicted_data.html;
# initiator_codon_variant and the SnpEff-only terms placed beside their VEP equivalents). Used to
# choose among several transcripts' annotations and to rank terms the cohort vocabulary lumps as
# "other" (splice_region before intron before upstream ...).
VEP_ORDER = (
    "transcript_ablation", "splice_acceptor_variant", "splice_donor_variant", "stop_gained",
    "frameshift_variant", "stop_lost", "start_lost", "initiator_codon_variant", "transcript_amplification",
    "feature_elongation", "feature_truncation", "inframe_insertion", "disruptive_inframe_insertion",
    "conservative_inframe_insertion", "inframe_deletion", "disruptive_inframe_deletion",
    "conservative_inframe_deletion", "missense_variant", "protein_altering_variant",
    "splice_donor_5th_base_variant", "splice_region_variant", "splice_donor_region_variant",
    "splice_polypyrimidine_tract_variant", "incomplete_terminal_codon_variant", "start_retained_variant",
    "stop_retained_variant", "synonymous_variant", "coding_sequence_variant", "mature_miRNA_variant",
    "5_prime_UTR_variant", "3_prime_UTR_variant", "non_coding_transcript_exon_variant", "intron_variant",
    "NMD_transcript_variant", "non_coding_transcript_variant", "coding_transcript_variant",
    "upstream_gene_variant", "downstream_gene_variant", "TFBS_ablation", "TFBS_amplification",
    "TF_binding_site_variant", "regulatory_region_ablation", "regulatory_region_amplification",
    "regulatory_region_variant", "intergenic_variant",
)
_VEP_RANK = {t: i for i, t in enumerate(VEP_ORDER)}


def term_rank(terms: str) -> int:
    """Severity rank (0 = most severe) of the most severe of ``&``-joined SO terms; unknown -> last."""
    return min((_VEP_RANK.get(t.strip(), len(VEP_ORDER)) for t in re.split(r"[&,]", terms)), default=len(VEP_ORDER))


def _map_unique(arr, fn, unchanged=None) -> pa.Array:
    """Apply ``fn`` to each distinct string of an arrow array; gather the results with ``take``.
    ``unchanged`` (optional): a vectorised test of the distinct values that ``fn`` returns as
    they are (those are kept without a Python call)."""
    enc = pc.dictionary_encode(arr)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks() if enc.num_chunks else pa.array([], pa.dictionary(pa.int32(), pa.string()))
    if unchanged is None:
        mapped = pa.array([fn(v) for v in enc.dictionary.to_pylist()], type=pa.string())
    else:
        values = enc.dictionary.to_numpy(zero_copy_only=False).astype(object)
        for i in np.flatnonzero(~unchanged(enc.dictionary)):
            values[i] = fn(values[i])
        mapped = pa.array(values, type=pa.string())
    idx = enc.indices
    if idx.null_count:
        mapped = pa.concat_arrays([mapped, pa.array([fn(None)], type=pa.string())])
        idx = pc.fill_null(idx, len(mapped) - 1)
    return pc.take(mapped, idx)


def maf_consequence(values) -> pa.Array:
    """Vectorised Variant_Classification -> consequence (unknown classes -> ``other``)."""
    return _map_unique(values, lambda v: MAF_CLASSES.get(v, "other") if v is not None else "other")


def so_consequence(terms: str) -> str:
    """Most severe cohort consequence among ``&``/``,``-joined SO terms."""
    best = "other"
    for t in re.split(r"[&,]", terms):
        c = SO_TERMS.get(t.strip(), "other")
        if _RANK[c] < _RANK[best]:
            best = c
    return best


_AA3 = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*",
    "Sec": "U", "Pyl": "O", "Xaa": "X", "Xle": "J", "Glx": "Z", "Asx": "B",
}
_AA3_RE = re.compile("|".join(_AA3))


def short_protein_change(hgvsp: str) -> str:
    """HGVS protein change in one-letter form, as MAF ``HGVSp_Short`` writes it.

    ``ENSP0000:p.Gly101Val`` -> ``p.G101V``; ``p.Arg213ProfsTer10`` -> ``p.R213Pfs*10``;
    ``p.(Gly12Asp)`` -> ``p.G12D``; ``%3D`` (VEP's URL-escaped ``=``) -> ``=``.
    Already-short forms and bare ``G101V`` get a ``p.`` prefix. Empty -> ``""``.
    """
    s = hgvsp.strip().replace("%3D", "=")
    if not s or s in ("-", "."):
        return ""
    if ":" in s:
        s = s.split(":", 1)[1]
    if s.startswith("p."):
        s = s[2:]
    s = s.strip("()")
    s = _AA3_RE.sub(lambda m: _AA3[m.group(0)], s)
    return "p." + s


def already_short(values: pa.Array) -> np.ndarray:
    """Which strings :func:`short_protein_change` returns unchanged, found without Python: a
    ``p.`` prefix, no surrounding white space, none of ``:``, ``(``, ``)``, ``%`` or white space
    inside and no three-letter amino-acid code (the one-letter ``p.G101V`` of ``HGVSp_Short``)."""
    plain = pc.match_substring_regex(values, r"^p\.[^:()%\s]*$")
    three = pc.match_substring_regex(values, _AA3_RE.pattern)
    return pc.fill_null(pc.and_(plain, pc.invert(three)), False).to_numpy(zero_copy_only=False)


def _protein_change(u: str | None) -> str:
    return "" if u is None or u.strip() in ("", "NA", ".") else short_protein_change(u)


def normalise_protein_changes(values) -> pa.Array:
    """Vectorised :func:`short_protein_change` over distinct values (missing -> ``""``); values
    already in the short form (:func:`already_short`) are kept without a Python call."""
    return _map_unique(values, _protein_change, unchanged=already_short)


__all__ = ["MAF_CLASSES", "SO_TERMS", "VEP_ORDER", "term_rank", "maf_consequence", "so_consequence", "short_protein_change", "normalise_protein_changes",
           "already_short"]
