"""VEP (``CSQ``) or SnpEff (``ANN``) annotated VCF, single- or multi-sample, read with cyvcf2."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from refractor.errors import DataWarning, InputError
from refractor.io._consequence import short_protein_change, so_consequence, term_rank
from refractor.io._limits import IOLimits, resolve_limits
from refractor.io._source import check_input_file, read_bytes
from refractor.io._vcf_header import annotation_fields, first_record_info, header_builds, sample_roles
from refractor.io._vcf_records import check_records
from refractor.reference import agree, resolve_build
from refractor.io._attrs import set_attrs

# htslib's int32 sentinels in FORMAT arrays: missing value ('.') and end of a shorter vector
_INT32_MISSING = -2147483648
_INT32_VECTOR_END = -2147483647
_BOM = b"\xef\xbb\xbf"

def _pick(entries: list[list[str]], idx: dict[str, int], key: str) -> tuple[list[str], str]:
    """One annotation per allele, and why it was chosen.

    VEP (``CSQ``): the entry VEP itself flagged (``PICK=1``, from ``--flag_pick``), else the MANE
    Select transcripts, else ``CANONICAL=YES``, else all; among those the most severe consequence
    (Ensembl's severity order), the first on a tie. Choosing the most severe *among* the
    MANE/canonical entries matters: a variant inside gene A is often also upstream of gene B, and
    both canonical transcripts are listed. SnpEff (``ANN``): the first, which SnpEff sorts by impact.
    """
    if "Consequence" not in idx:  # SnpEff ANN (VEP can write its CSQ format under ANN too)
        return entries[0], "SnpEff first (most severe) annotation"
    if "PICK" in idx:
        for e in entries:
            if e[idx["PICK"]] == "1":
                return e, "VEP PICK flag"
    pool, why = entries, "most severe consequence (no MANE/canonical flag)"
    for f, label in (("MANE_SELECT", "MANE Select"), ("MANE", "MANE Select"), ("CANONICAL", "canonical")):
        if f in idx:
            sel = [e for e in entries if e[idx[f]] not in ("", "-", "NO")]
            if sel:
                pool, why = sel, f"{label} transcript, most severe"
                break
    cons = idx.get("Consequence")
    best = min(pool, key=lambda e: term_rank(e[cons])) if cons is not None else pool[0]
    return best, why


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


def _header(data: bytes, spath: str, limits: IOLimits) -> tuple[list[str], int]:
    """The ``#`` lines at the top of the VCF (at most ``limits.max_vcf_header_lines``) and the
    byte offset of the first record."""
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
    return header_lines, pos


def read_vcf(path: str | Path, *, sample: str | None = None, build: str | None = None, pass_only: bool = True,
             limits: IOLimits | None = None) -> pd.DataFrame:
    """Read an annotated VCF into the cohort ``variants`` table.

    Samples: a tumour-normal VCF's normal column is never read as a sample (how the tumour is
    recognised: :mod:`refractor.io._vcf_header`); ``attrs["samples"]`` lists the other columns,
    ``attrs["tumor_sample"]``/``attrs["normal_samples"]`` what the header declared. A sample
    carries an ALT allele when its genotype (GT) holds it; callers that write no GT (Strelka2
    somatic) have the variant in the tumour column. ``alt_count``/``depth`` (optional columns,
    NaN when the caller gives no counts) and ``vaf`` per sample, the fraction from the first of:
    FORMAT/AF (Mutect2, VarDict, SnpEff-era callers); FORMAT/AD with Number=R (alt / sum of
    depths); VarScan2 AD (alt, Number=1) / (AD + RD); Strelka2 tier-1 counts (SNV: ``{ALT}U`` /
    (``{REF}U`` + ``{ALT}U``), indel: TIR / (TIR + TAR), per the Strelka2 user guide); FreeBayes
    AO / (RO + sum AO); else NaN.

    Annotation: VEP ``CSQ`` (``PICK``, else MANE Select, else canonical, most severe among them)
    or SnpEff ``ANN`` (first); ``attrs["annotation"]`` lists, per row, the transcript and why it
    was chosen. Records whose FILTER is not PASS/``.`` are left out when ``pass_only`` (the
    default). A sites-only VCF (no samples) needs ``sample``: every record counts.
    A negative ``AD`` count or an ``AF`` outside [0, 1] is an error, as are a byte-order mark
    (htslib cannot read one) and more header lines than ``limits.max_vcf_header_lines``.

    Returns the ``variants`` DataFrame; ``attrs``: ``build`` (from the header, see
    :func:`~refractor.io._vcf_header.header_builds`), ``samples``, ``path``.
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
    header_lines, body_start = _header(data, spath, limits)
    if not header_lines or not header_lines[-1].startswith("#CHROM"):
        raise InputError("VCF has no #CHROM header line", path=spath, line=len(header_lines) + 1)
    check_records(data, body_start, header_lines, spath)  # before htslib, which can crash on a bad record
    declared = header_builds(header_lines, spath)
    build = resolve_build(build, default=None, path=spath)
    if declared is not None:
        agree([(declared, "VCF header", dict(path=spath))], requested=build)
    columns = header_lines[-1].rstrip("\r").split("\t")[9:]
    tumor, normals, how = sample_roles(header_lines, columns, first_record_info(data, body_start), spath)
    # htslib would print its own warnings/errors to stderr; every problem becomes an InputError
    # here instead, so silence it while reading (restored to htslib's default, level 3).
    set_htslib_log_level(0)
    try:
        out = _read(VCF, spath, header_lines, sample, pass_only, set(normals))
    finally:
        set_htslib_log_level(3)
    set_attrs(out, build=declared or build, tumor_sample=tumor, normal_samples=list(normals), roles_from=how)
    return out


class _Record:
    """FORMAT arrays of one record, fetched once and only when asked for."""

    def __init__(self, rec, ad_alt_only: bool):
        self.rec, self.keys, self._cache = rec, set(rec.FORMAT or ()), {}
        self.ad_alt_only = ad_alt_only

    def get(self, key: str):
        if key not in self._cache:
            try:
                self._cache[key] = self.rec.format(key) if key in self.keys else None
            except Exception:  # noqa: BLE001 - a FORMAT field cyvcf2 cannot convert is not usable
                self._cache[key] = None
        return self._cache[key]


def _count(arr, si: int, j: int) -> float:
    """Read count at ``arr[si, j]`` as float; missing ('.') or absent -> NaN."""
    if arr is None or arr.ndim != 2 or arr.shape[1] <= j:
        return np.nan
    v = arr[si, j]
    return float(v) if v >= 0 else np.nan


def _vaf(r: _Record, si: int, a: int, ref: str, alt: str, s: str, spath: str, line: int
         ) -> tuple[float, float, float]:
    """``(allele fraction, ALT reads, depth)`` of ALT ``a`` (1-based) in sample column ``si`` (see
    :func:`read_vcf`). The fraction is FORMAT/AF where given, else ALT reads / depth; the counts
    come from the first of AD (Number=R), VarScan2 AD/RD, Strelka2 tier-1 counts, FreeBayes AO/RO
    (NaN when none)."""
    alt_n, depth = np.nan, np.nan
    ad = r.get("AD")
    if ad is not None and not r.ad_alt_only and ad.ndim == 2 and ad.shape[1] > a:
        raw_ad = ad[si]
        neg = (raw_ad < 0) & (raw_ad != _INT32_MISSING) & (raw_ad != _INT32_VECTOR_END)
        if neg.any():
            raise InputError(f"FORMAT/AD of sample {s} has a negative read count ({int(raw_ad[neg][0])})",
                             path=spath, line=line)
        row = raw_ad.astype(float)
        row[raw_ad < 0] = np.nan  # missing ('.')
        if not np.isnan(row[a]):
            alt_n, depth = row[a], np.nansum(row)
    else:
        pairs = []
        if r.ad_alt_only and ad is not None:  # VarScan2: AD = alt depth, RD = ref depth
            pairs.append((_count(ad, si, 0), _count(r.get("RD"), si, 0)))
        if len(ref) == 1 and len(alt) == 1 and ref.upper() in "ACGT" and alt.upper() in "ACGT":
            pairs.append((_count(r.get(alt.upper() + "U"), si, 0), _count(r.get(ref.upper() + "U"), si, 0)))
        pairs.append((_count(r.get("TIR"), si, 0), _count(r.get("TAR"), si, 0)))  # Strelka2 indel tier 1
        ao = r.get("AO")
        if ao is not None and ao.ndim == 2 and ao.shape[1] >= a:
            alts = np.array([_count(ao, si, j) for j in range(ao.shape[1])])
            pairs.append((alts[a - 1], _count(r.get("RO"), si, 0) + np.nansum(alts) - alts[a - 1]))
        for an, rn in pairs:
            if not (np.isnan(an) or np.isnan(rn)):
                alt_n, depth = an, an + rn
                break
    af = r.get("AF")
    if af is not None and af.ndim == 2 and af.shape[1] >= a and not np.isnan(af[si, a - 1]):
        return float(af[si, a - 1]), alt_n, depth
    return (alt_n / depth if depth > 0 else np.nan), alt_n, depth


def _read(VCF, spath: str, header_lines: list[str], sample: str | None, pass_only: bool, normals: set[str]
          ) -> pd.DataFrame:
    try:
        vcf = VCF(spath, gts012=False, lazy=False)  # lazy records segfault on .FORMAT (cyvcf2)
    except Exception as exc:  # cyvcf2/htslib failure to open
        raise InputError(f"cannot parse VCF ({exc})", path=spath) from None
    key, fields = annotation_fields(vcf, spath)
    idx = {f: i for i, f in enumerate(fields)}
    gene_f = idx.get("SYMBOL", idx.get("Gene_Name"))
    ens = None
    if gene_f is None and "Gene" in idx:  # VEP without --symbol: Ensembl gene ids, mapped to symbols
        from refractor.reference import ensembl_gene_symbols

        gene_f, ens = idx["Gene"], ensembl_gene_symbols()
    cons_f = idx.get("Consequence", idx.get("Annotation"))
    prot_f = idx.get("HGVSp", idx.get("HGVS.p"))
    tx_f = idx.get("Feature", idx.get("Feature_ID"))
    if gene_f is None or cons_f is None:
        raise InputError(f"INFO/{key} lacks a gene (SYMBOL/Gene_Name/Gene) or consequence field", path=spath)
    try:
        ad_alt_only = vcf.get_header_type("AD").get("Number") == "1" and "RD" in {
            h.split("ID=")[1].split(",")[0] for h in header_lines if h.startswith("##FORMAT=<ID=")}
    except KeyError:
        ad_alt_only = False
    samples = list(vcf.samples)
    if not samples and sample is None:
        raise InputError("sites-only VCF (no sample columns): name the sample it belongs to", path=spath)
    read_cols = [(si, s) for si, s in enumerate(samples) if s not in normals]
    out_s, out_g, out_c, out_p, out_v, out_src, picked = [], [], [], [], [], [], []
    out_a, out_d = [], []
    no_gene = n_records = n_pass = 0
    line = len(header_lines)
    try:
        for rec in vcf:
            line += 1
            n_records += 1
            if pass_only and rec.FILTER is not None and rec.FILTER.upper() != "PASS":
                continue
            n_pass += 1
            raw = rec.INFO.get(key)
            if raw is None:
                continue
            entries = [e.split("|") for e in str(raw).split(",")]
            if any(len(e) != len(fields) for e in entries):
                raise InputError(f"INFO/{key} entry has the wrong number of '|' fields (expected {len(fields)})", path=spath, line=line)
            alts = rec.ALT
            r = _Record(rec, ad_alt_only) if samples else None
            has_gt = r is not None and "GT" in r.keys
            gts = rec.genotypes if has_gt else None
            for a, alt in enumerate(alts, start=1):
                if alt in ("*", "<NON_REF>", "."):
                    continue  # spanning deletion / gVCF placeholder: not an allele of this record
                e, why = _pick(_for_allele(entries, idx, alt, rec.REF, a, len(alts)), idx, key)
                gene, cons = e[gene_f].strip(), so_consequence(e[cons_f])
                if ens is not None:
                    gene = ens.get(gene.split(".")[0], gene)
                if not gene or gene == "-":
                    no_gene += 1  # intergenic / regulatory annotation: no gene a rule could name
                    continue
                prot = short_protein_change(e[prot_f]) if prot_f is not None else ""
                carriers, vafs = ([sample], [np.nan]) if not samples else ([], [])
                counts = [(np.nan, np.nan)] * len(carriers)
                for si, s in read_cols:
                    if has_gt and a not in gts[si][:-1]:
                        continue
                    v, an, dp = _vaf(r, si, a, rec.REF, alt, s, spath, line)
                    if not (np.isnan(v) or 0.0 <= v <= 1.0):
                        raise InputError(f"allele fraction {v:g} for sample {s} is outside [0, 1]", path=spath, line=line)
                    if not has_gt and len(read_cols) > 1 and not v > 0:
                        if np.isnan(v):
                            raise InputError(f"FORMAT has no GT and no allele counts for sample {s}: cannot tell "
                                             "which sample carries the variant", path=spath, line=line)
                        continue
                    carriers.append(s)
                    vafs.append(v)
                    counts.append((an, dp))
                tx = e[tx_f] if tx_f is not None else ""
                for s, v, (an, dp) in zip(carriers, vafs, counts):
                    out_s.append(s), out_g.append(gene), out_c.append(cons), out_p.append(prot), out_v.append(v)
                    out_a.append(an), out_d.append(dp)
                    out_src.append(f"{spath}:{line}")
                    picked.append(f"{tx} ({why})" if tx else why)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot parse VCF record ({exc})", path=spath, line=line + 1) from None
    if n_records and not n_pass:
        warnings.warn(DataWarning(f"{spath}: all {n_records:,} records have a FILTER other than PASS and were left out; "
                                  "the sample reads as having no variant"), stacklevel=3)
    out = pd.DataFrame(
        {"sample": out_s, "gene": out_g, "consequence": out_c, "protein_change": out_p,
         "vaf": np.asarray(out_v, dtype=float), "source": out_src,
         "alt_count": np.asarray(out_a, dtype=float), "depth": np.asarray(out_d, dtype=float)}
    )
    set_attrs(out, samples=[s for _, s in read_cols] or [sample], path=spath, annotation=picked,
                     alleles_without_gene=no_gene)
    return out


__all__ = ["read_vcf"]
