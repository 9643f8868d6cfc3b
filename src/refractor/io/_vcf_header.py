"""What a VCF header says about itself: genome build, tumour and normal columns, annotation fields.

Somatic callers write tumour-normal pairs in one VCF; which column is the tumour is declared in
different ways, and reading the normal as the patient's tumour would silently attribute germline
(or no) variants to the sample. Recognised declarations, in order:

- GATK Mutect2 (4.1+): ``##tumor_sample=NAME`` and ``##normal_sample=NAME`` header lines;
- columns named ``TUMOR``/``TUMOUR`` and ``NORMAL`` (Strelka2 somatic, VarScan2 somatic, GDC VCFs);
- VarDict(Java) paired mode: ``INFO/SAMPLE`` of the records names the tumour (its
  ``var2vcf_paired.pl`` writes the first ``-N`` name there), when it equals one of two columns.

The build comes from the header's ``##contig`` lengths (compared with the shipped chromosome
sizes), ``##reference``/``##assembly`` names (``hg19``, ``GRCh38``, GATK bundle
``Homo_sapiens_assembly38``, 1000 Genomes ``human_g1k_v37``, ``hs37d5`` ...), VEP's
``assembly="GRCh38.p14"`` and SnpEff's database name (``GRCh37.75``). Two of them that disagree
are an error, never a silent choice.
"""
from __future__ import annotations

import re

from refractor.errors import InputError
from refractor.reference import agree, chrom_sizes, normalise_build, normalise_chrom

# (pattern, build) for assembly names inside ##reference / ##assembly / ##contig assembly= values
_NAME_PATTERNS = (
    (re.compile(r"GRCh38|hg38|hs38|(?<![a-z])b38(?![0-9])|assembly38", re.I), "GRCh38"),
    (re.compile(r"GRCh37|hg19|hs37d5|hs37|(?<![a-z])b37(?![0-9])|g1k_v37|assembly19", re.I), "GRCh37"),
)
_VEP_ASSEMBLY = re.compile(r'assembly="?([A-Za-z0-9.]+)')
_SNPEFF_DB = re.compile(r"\b(GRCh3[78]|hg19|hg38)[.\w]*", re.I)


def _name_build(text: str) -> str | None:
    hits = {b for rx, b in _NAME_PATTERNS if rx.search(text)}
    return hits.pop() if len(hits) == 1 else None


def _contig_build(header_lines: list[str]) -> str | None:
    """The build whose chromosome lengths the ``##contig=<ID=..,length=..>`` lines match."""
    sizes = {b: chrom_sizes(b) for b in ("GRCh38", "GRCh37")}
    votes: dict[str, int] = {}
    for ln in header_lines:
        if not ln.startswith("##contig="):
            continue
        m_id = re.search(r"[<,]ID=([^,>]+)", ln)
        m_len = re.search(r"[<,]length=(\d+)", ln)
        if not (m_id and m_len):
            continue
        chrom, length = normalise_chrom(m_id.group(1)), int(m_len.group(1))
        if chrom == "chrM":  # rCRS (16,569 bp) in both GRCh37 and GRCh38; hg19's chrM differs
            continue
        for b, s in sizes.items():
            if s.get(chrom) == length:
                votes[b] = votes.get(b, 0) + 1
    if len(votes) == 1:
        return next(iter(votes))
    return None  # none matched, or chrX/Y-only coincidences on both: no claim


def header_builds(header_lines: list[str], path: str) -> str | None:
    """The build the header declares (see the module doc), or ``None``; disagreement -> InputError."""
    claims: list[tuple[str, str, dict]] = []
    where = dict(path=path)
    cb = _contig_build(header_lines)
    if cb:
        claims.append((cb, "VCF ##contig lengths", where))
    for i, ln in enumerate(header_lines, start=1):
        b, who = None, None
        if ln.startswith(("##reference=", "##assembly=")):
            b, who = _name_build(ln.split("=", 1)[1]), ln.split("=", 1)[0].lstrip("#")
        elif ln.startswith("##contig=") and "assembly=" in ln and not cb:
            m = re.search(r"assembly=([^,>]+)", ln)
            b, who = (normalise_build(m.group(1)) or _name_build(m.group(1))) if m else None, "##contig assembly"
        elif ln.startswith("##VEP="):
            m = _VEP_ASSEMBLY.search(ln)
            b, who = (_name_build(m.group(1)) if m else None), "##VEP assembly"
        elif ln.startswith("##SnpEffCmd="):
            m = _SNPEFF_DB.search(ln)
            b, who = (_name_build(m.group(1)) if m else None), "##SnpEffCmd database"
        if b:
            claims.append((b, f"VCF header {who} (line {i})", dict(path=path, line=i)))
    if not claims:
        return None
    # keep one claim per kind of declaration (a header repeats ##contig assembly= on every line)
    seen: dict[tuple[str, str], tuple] = {}
    for c in claims:
        seen.setdefault((c[0], c[1].split(" (line")[0]), c)
    return agree(list(seen.values()))


def _meta(header_lines: list[str], key: str) -> list[str]:
    return [ln.split("=", 1)[1].strip() for ln in header_lines if ln.startswith(f"##{key}=")]


def sample_roles(header_lines: list[str], samples: list[str], first_info: str | None, path: str
                 ) -> tuple[str | None, list[str], str]:
    """``(tumour column or None, normal columns, how it was decided)`` for a VCF's sample columns.

    A declared tumour or normal that names no column is an InputError (the header and the
    columns contradict each other).
    """
    tumors, normals = _meta(header_lines, "tumor_sample"), _meta(header_lines, "normal_sample")
    if tumors or normals:
        for name in tumors + normals:
            if name not in samples:
                raise InputError(f"the header declares sample {name!r} (##tumor_sample/##normal_sample) "
                                 f"but the VCF's sample columns are {', '.join(samples) or 'none'}", path=path)
        # Mutect2 multi-sample mode (e.g. diagnosis and relapse against one normal) declares several
        # tumours: all are samples, and the samplesheet names which one a row is
        tumor = tumors[0] if len(tumors) == 1 else None
        if tumor is None and len(set(samples) - set(normals)) == 1:
            tumor = next(s for s in samples if s not in normals)
        return tumor, normals, "##tumor_sample/##normal_sample header (GATK Mutect2)"
    upper = {s.upper(): s for s in samples}
    if "NORMAL" in upper and ("TUMOR" in upper or "TUMOUR" in upper) and len(samples) == 2:
        return upper.get("TUMOR", upper.get("TUMOUR")), [upper["NORMAL"]], "columns named TUMOR and NORMAL"
    if len(samples) == 2 and first_info:
        m = re.search(r"(?:^|;)SAMPLE=([^;]+)", first_info)
        if m and m.group(1) in samples and any(ln.lower().startswith("##source=vardict") for ln in header_lines):
            tumor = m.group(1)
            return tumor, [s for s in samples if s != tumor], "INFO/SAMPLE of VarDict paired mode"
    return None, [], ""


def first_record_info(data: bytes, body_start: int) -> str | None:
    """INFO (column 8) of the first data record, read from the raw bytes (no parsing)."""
    nl = data.find(b"\n", body_start)
    line = data[body_start: len(data) if nl < 0 else nl].decode("utf-8", "replace")
    cells = line.split("\t")
    return cells[7] if len(cells) > 7 else None


def annotation_fields(vcf, path: str) -> tuple[str, list[str]]:
    """``("CSQ" | "ANN", field names)`` from the INFO header of VEP or SnpEff."""
    for key in ("CSQ", "ANN"):
        try:
            desc = vcf.get_header_type(key)["Description"]
        except KeyError:
            continue
        desc = desc.strip('"')
        m = re.search(r"Format:\s*(.+)$", desc) if key == "CSQ" else None
        if key == "ANN":
            m = re.search(r"'([^']+)'", desc) or re.search(r":\s*(.+)$", desc)
        if not m:
            raise InputError(f"INFO/{key} header has no field list", path=path)
        return key, [f.strip() for f in m.group(1).strip("'\" ").split("|")]
    try:
        vcf.get_header_type("EFF")
        raise InputError("VCF is annotated with SnpEff's old INFO/EFF format; re-annotate with SnpEff 4.1+ "
                         "(INFO/ANN, the default) or Ensembl VEP (INFO/CSQ)", path=path)
    except KeyError:
        pass
    raise InputError("VCF is not annotated: no INFO/CSQ (Ensembl VEP) or INFO/ANN (SnpEff) header; gene and "
                     "consequence come from the annotation, so run VEP or SnpEff on it first (or give a MAF, e.g. "
                     "from vcf2maf)", path=path)


__all__ = ["header_builds", "sample_roles", "first_record_info", "annotation_fields"]
