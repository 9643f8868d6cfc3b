"""VEP (``CSQ``) or SnpEff (``ANN``) annotated VCF, single- or multi-sample, read with cyvcf2."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from refractor.errors import InputError
from refractor.io._consequence import short_protein_change, so_consequence
from refractor.io._limits import IOLimits, resolve_limits
from refractor.io._source import check_input_file, read_bytes
from refractor.reference import agree, normalise_build, resolve_build

# htslib's int32 sentinels in FORMAT arrays: missing value ('.') and end of a shorter vector
_INT32_MISSING = -2147483648
_INT32_VECTOR_END = -2147483647
_BOM = b"\xef\xbb\xbf"

_BUILD_RE = re.compile(r"(GRCh3[78]|hg19|hg38|b37|hs37d5|hs38)", re.I)


def _header_build(header_lines: list[str]) -> str | None:
    for key in ("##reference=", "##assembly=", "##contig="):
        for ln in header_lines:
            if ln.startswith(key):
                m = _BUILD_RE.search(ln)
                if m:
                    return normalise_build(m.group(1))
    return None


def _ann_format(vcf, path: str) -> tuple[str, list[str]]:
    for key in ("CSQ", "ANN"):
        try:
            desc = vcf.get_header_type(key)["Description"]
        except KeyError:
            continue
        desc = desc.strip('"')
        if key == "CSQ":
            m = re.search(r"Format:\s*(.+)$", desc)
        else:
            m = re.search(r"'([^']+)'", desc) or re.search(r":\s*(.+)$", desc)
        if not m:
            raise InputError(f"INFO/{key} header has no field list", path=path)
        return key, [f.strip() for f in m.group(1).strip("'\" ").split("|")]
    raise InputError("VCF is not annotated: no INFO/CSQ (VEP) or INFO/ANN (SnpEff) header", path=path)


def _pick(entries: list[list[str]], idx: dict[str, int], key: str) -> list[str]:
    """Canonical annotation: MANE Select, then CANONICAL=YES, then the first (SnpEff sorts by impact)."""
    if key == "CSQ":
        for f in ("MANE_SELECT", "MANE"):
            if f in idx:
                for e in entries:
                    if e[idx[f]]:
                        return e
        if "CANONICAL" in idx:
            for e in entries:
                if e[idx["CANONICAL"]] == "YES":
                    return e
    return entries[0]


def _for_allele(entries: list[list[str]], idx: dict[str, int], alt: str, ref: str, a: int, n_alt: int) -> list[list[str]]:
    if n_alt == 1:
        return entries
    if "ALLELE_NUM" in idx:
        sel = [e for e in entries if e[idx["ALLELE_NUM"]] == str(a)]
        if sel:
            return sel
    al = idx.get("Allele", 0)
    trimmed = alt[1:] if alt[:1] == ref[:1] and len(alt) != len(ref) else alt
    sel = [e for e in entries if e[al] in (alt, trimmed or "-")]
    return sel or entries


def _starts_with_bom(path: str | Path) -> bool:
    """Whether the (decompressed) text starts with a UTF-8 BOM; unreadable -> False (reported later)."""
    import gzip

    try:
        with open(path, "rb") as fh:
            head = fh.read(3)
            if head[:2] == b"\x1f\x8b":
                fh.seek(0)
                with gzip.GzipFile(fileobj=fh) as gz:
                    head = gz.read(3)
    except (OSError, EOFError, ValueError):
        return False
    return head == _BOM


def _header(data: bytes, spath: str, limits: IOLimits) -> list[str]:
    """The ``#`` lines at the top of the VCF (at most ``limits.max_vcf_header_lines``)."""
    header_lines: list[str] = []
    pos = 0
    while pos < len(data) and data.startswith(b"#", pos):
        if len(header_lines) >= limits.max_vcf_header_lines:
            raise InputError(limits.exceeded("max_vcf_header_lines", "number of header lines"),
                             path=spath, line=len(header_lines) + 1)
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl
        header_lines.append(data[pos:end].decode())
        pos = end + 1
    return header_lines


def read_vcf(path: str | Path, *, sample: str | None = None, build: str | None = None, pass_only: bool = True,
             limits: IOLimits | None = None) -> pd.DataFrame:
    """Read an annotated VCF into the cohort ``variants`` table.

    A variant counts for a sample only if that sample's genotype carries the alternate
    allele (GT). Per-sample ``vaf`` comes from FORMAT/AF, else FORMAT/AD (alt / total).
    The annotation used is the MANE Select one, else ``CANONICAL=YES``, else the first.
    Records whose FILTER is not PASS/``.`` are left out when ``pass_only`` (documented
    filter, the default). A sites-only VCF (no samples) needs ``sample``: every record counts.
    A negative ``AD`` count or an ``AF`` outside [0, 1] is an error, as are a byte-order mark
    (htslib cannot read one) and more header lines than ``limits.max_vcf_header_lines``.

    Returns the ``variants`` DataFrame; ``attrs``: ``build``, ``samples``, ``path``.
    """
    from cyvcf2 import VCF  # local: keeps `import refractor.io` light
    from cyvcf2.cyvcf2 import set_htslib_log_level

    spath = str(path)
    limits = resolve_limits(limits)
    check_input_file(path)
    if _starts_with_bom(path):  # read_bytes drops a BOM, but htslib re-reads the file itself
        raise InputError("VCF starts with a UTF-8 byte-order mark, which htslib cannot read: "
                         "save it without BOM", path=spath, line=1)
    data = read_bytes(path, limits=limits)
    if not data.startswith(b"##fileformat=VCF"):
        raise InputError("not a VCF: first line must be ##fileformat=VCFv4.x", path=spath, line=1)
    header_lines = _header(data, spath, limits)
    if not header_lines or not header_lines[-1].startswith("#CHROM"):
        raise InputError("VCF has no #CHROM header line", path=spath, line=len(header_lines) + 1)
    declared = _header_build(header_lines)
    build = resolve_build(build, default=None, path=spath)
    if declared is not None:
        agree([(declared, "VCF header", dict(path=spath))], requested=build)
    # htslib would print its own warnings/errors to stderr; every problem becomes an InputError
    # here instead, so silence it while reading (restored to htslib's default, level 3).
    set_htslib_log_level(0)
    try:
        return _read(VCF, spath, header_lines, declared, sample, build, pass_only)
    finally:
        set_htslib_log_level(3)


def _read(VCF, spath: str, header_lines: list[str], declared: str | None, sample: str | None, build: str | None, pass_only: bool) -> pd.DataFrame:
    try:
        vcf = VCF(spath, gts012=False, lazy=True)
    except Exception as exc:  # cyvcf2/htslib failure to open
        raise InputError(f"cannot parse VCF ({exc})", path=spath) from None
    key, fields = _ann_format(vcf, spath)
    idx = {f: i for i, f in enumerate(fields)}
    gene_f = idx.get("SYMBOL", idx.get("Gene_Name"))
    cons_f = idx.get("Consequence", idx.get("Annotation"))
    prot_f = idx.get("HGVSp", idx.get("HGVS.p"))
    if gene_f is None or cons_f is None:
        raise InputError(f"INFO/{key} lacks a gene (SYMBOL/Gene_Name) or consequence field", path=spath)
    samples = list(vcf.samples)
    if not samples and sample is None:
        raise InputError("sites-only VCF (no sample columns): name the sample it belongs to", path=spath)
    out_s, out_g, out_c, out_p, out_v, out_src = [], [], [], [], [], []
    line = len(header_lines)
    try:
        for rec in vcf:
            line += 1
            if pass_only and rec.FILTER not in (None, "PASS"):
                continue
            raw = rec.INFO.get(key)
            if raw is None:
                continue
            entries = [e.split("|") for e in str(raw).split(",")]
            if any(len(e) != len(fields) for e in entries):
                raise InputError(f"INFO/{key} entry has the wrong number of '|' fields (expected {len(fields)})", path=spath, line=line)
            alts = rec.ALT
            gts = rec.genotypes if samples else None
            af = ad = None
            if samples:
                try:
                    af = rec.format("AF")
                except KeyError:
                    af = None
                if af is None:
                    try:
                        ad = rec.format("AD")
                    except KeyError:
                        ad = None
            for a, alt in enumerate(alts, start=1):
                e = _pick(_for_allele(entries, idx, alt, rec.REF, a, len(alts)), idx, key)
                gene, cons = e[gene_f], so_consequence(e[cons_f])
                prot = short_protein_change(e[prot_f]) if prot_f is not None else ""
                if not samples:
                    carriers, vafs = [sample], [np.nan]
                else:
                    carriers, vafs = [], []
                    for si, s in enumerate(samples):
                        if a not in gts[si][:-1]:
                            continue
                        v = np.nan
                        if af is not None and af.shape[1] >= a:
                            v = float(af[si, a - 1])
                        elif ad is not None and ad.shape[1] > a:
                            raw_ad = ad[si]
                            neg = (raw_ad < 0) & (raw_ad != _INT32_MISSING) & (raw_ad != _INT32_VECTOR_END)
                            if neg.any():
                                raise InputError(f"FORMAT/AD of sample {s} has a negative read count "
                                                 f"({int(raw_ad[neg][0])})", path=spath, line=line)
                            row = raw_ad.astype(float)
                            row[raw_ad < 0] = np.nan  # missing ('.')
                            tot = np.nansum(row)
                            v = row[a] / tot if tot > 0 else np.nan
                        if not (np.isnan(v) or 0.0 <= v <= 1.0):
                            raise InputError(f"allele fraction {v:g} for sample {s} is outside [0, 1]", path=spath, line=line)
                        carriers.append(s)
                        vafs.append(v)
                for s, v in zip(carriers, vafs):
                    out_s.append(s), out_g.append(gene), out_c.append(cons), out_p.append(prot), out_v.append(v)
                    out_src.append(f"{spath}:{line}")
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot parse VCF record ({exc})", path=spath, line=line + 1) from None
    out = pd.DataFrame(
        {"sample": out_s, "gene": out_g, "consequence": out_c, "protein_change": out_p,
         "vaf": np.asarray(out_v, dtype=float), "source": out_src}
    )
    out.attrs.update(build=declared or build, samples=samples or [sample], path=spath)
    return out


__all__ = ["read_vcf"]
