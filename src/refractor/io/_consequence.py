"""Consequence vocabulary and protein-change notation shared by the MAF and VCF readers."""
from __future__ import annotations

import re

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
# When one annotation lists several terms ("missense_variant&splice_region_variant") the most
# severe wins, in this order.
SEVERITY = ["nonsense", "frameshift", "splice_site", "stop_lost", "start_lost", "inframe_indel", "missense", "silent", "other"]
_RANK = {c: i for i, c in enumerate(SEVERITY)}


def _map_unique(arr, fn) -> pa.Array:
    """Apply ``fn`` to each distinct string of an arrow array; gather the results with ``take``."""
    enc = pc.dictionary_encode(arr)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks() if enc.num_chunks else pa.array([], pa.dictionary(pa.int32(), pa.string()))
    mapped = pa.array([fn(v) for v in enc.dictionary.to_pylist()], type=pa.string())
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


def normalise_protein_changes(values) -> pa.Array:
    """Vectorised :func:`short_protein_change` over distinct values (missing -> ``""``)."""
    return _map_unique(values, lambda u: "" if u is None or u.strip() in ("", "NA", ".") else short_protein_change(u))


__all__ = ["MAF_CLASSES", "SO_TERMS", "maf_consequence", "so_consequence", "short_protein_change", "normalise_protein_changes"]
