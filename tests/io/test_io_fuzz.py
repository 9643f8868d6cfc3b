"""A seeded mutation fuzzer over the readers ``refractor profile`` uses: whatever is done to a real
input file, the reader either reads it or raises :class:`~refractor.errors.InputError` naming the
file; never another exception, never a crash. A sample of the cases also goes through the CLI as a
subprocess: exit code 2, one ``error:`` line naming the file, no traceback, and OUTDIR absent (or
an earlier run's OUTDIR unchanged).

The seeds are the small real files of tests/data/io and examples/demo_cohort. The cases are fixed
by the seed (``random.Random(SEED)``), so a failure names a case that can be re-run: the message
lists the reader, seed file, mutation and exception. This found the cyvcf2 segmentation fault on a
non-numeric genotype (bad_inputs/cases.yaml ``vcf-genotype-not-a-number``).
"""
from __future__ import annotations

import gzip
import os
import random
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import refractor.io as rio
from refractor.errors import InputError

SEED = 20261202
IO = Path(__file__).parents[1] / "data" / "io"
REAL = IO / "real"
DEMO = Path(__file__).parents[2] / "examples" / "demo_cohort"
SRC = Path(__file__).parents[2] / "src"

# reader -> (seed files, keyword arguments)
SEEDS = {
    "read_maf": ([IO / "mini.maf", DEMO / "cohort.maf", REAL / "gdc_masked_somatic.maf"], {}),
    "read_vcf": ([IO / "vep.vcf", IO / "snpeff.vcf", REAL / "mutect2_tumor_normal.vep.vcf",
                  REAL / "varscan2_somatic.vep.vcf", REAL / "strelka2_somatic.snvs_indels.snpeff.vcf",
                  REAL / "vardict_paired.vep.vcf"], {"sample": "S1"}),
    "read_segments": ([IO / "segments.seg", IO / "segments_alt_header.tsv", DEMO / "segments.seg",
                       REAL / "cnv" / "PT7.modelFinal.seg", REAL / "cnv" / "PT9.call.cns",
                       REAL / "cnv" / "ascat.segments.txt"], {}),
    "read_expression": ([IO / "expression.tsv", IO / "expression.gct", DEMO / "expression_tpm.tsv",
                         REAL / "PT3b.quant.genes.sf", REAL / "featureCounts.txt", REAL / "gdc_star_gene_counts.tsv",
                         REAL / "excel_tpm.csv"], {}),
    "read_junctions": ([IO / "S1_GRCh38.SJ.out.tab", DEMO / "MM02.SJ.out.tab"], {"sample": "S1"}),
    "read_psi": ([IO / "psi.tsv", REAL / "rmats" / "PT12.SE.MATS.JC.txt", IO / "leafcutter_perind.counts"], {}),
    "read_methylation": ([IO / "methylation_long.tsv", IO / "methylation_wide.tsv",
                          REAL / "methylation" / "minfi_annotated_betas.csv"], {}),
    "read_clinical": ([IO / "clinical.tsv", IO / "cbioportal_clinical.txt", DEMO / "clinical.tsv"], {}),
}
CASES_PER_READER = 60
SHEET_CASES = 30
NUMBERS = [b"1e309", b"-1e309", b"NaN", b"inf", b"-inf", b"-1", b"-0", b"9" * 40, b"0x10", b"1,5", b"+5", b" 3 ",
           b"1_000", b"\xc3\xa9", b'"', b'"a', b"'", b"", b"."]


def _rows(data: bytes) -> tuple[list[bytes], list[int], bytes]:
    """Lines, indices of the table lines (header first) and their delimiter."""
    lines = data.split(b"\n")
    idx = [i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith((b"#", b"@"))]
    sep = b"\t" if idx and b"\t" in lines[idx[0]] else b","
    return lines, idx, sep


def _cells(rng: random.Random, data: bytes, kind: str) -> bytes:
    lines, idx, sep = _rows(data)
    if not idx:
        return data
    h = idx[0]
    body = idx[1:] or idx
    if kind == "duplicate column name":
        cells = lines[h].split(sep)
        cells[rng.randrange(len(cells))] = cells[rng.randrange(len(cells))]
        lines[h] = sep.join(cells)
    elif kind == "drop a column":
        j = rng.randrange(len(lines[h].split(sep)))
        for i in idx if rng.random() < 0.5 else [h]:
            cells = lines[i].split(sep)
            if j < len(cells):
                del cells[j]
            lines[i] = sep.join(cells)
    elif kind == "swap two header names":
        cells = lines[h].split(sep)
        if len(cells) > 1:
            a, b = rng.sample(range(len(cells)), 2)
            cells[a], cells[b] = cells[b], cells[a]
            lines[h] = sep.join(cells)
    else:
        i = rng.choice(body)
        cells = lines[i].split(sep)
        if kind == "extra field":
            cells.append(b"extra")
        elif kind == "missing field" and len(cells) > 1:
            cells.pop()
        elif kind == "odd sub-value":  # one part of a cell such as a VCF sample's GT:AD or a list
            j = rng.choice([j for j, c in enumerate(cells) if b":" in c] or range(len(cells)))
            seps = [s for s in (b":", b",", b"|", b";", b"/") if s in cells[j]]
            if seps:
                s = rng.choice(seps)
                parts = cells[j].split(s)
                parts[rng.randrange(len(parts))] = rng.choice(NUMBERS + [b"x"])
                cells[j] = s.join(parts)
        else:  # "odd value": huge, NaN, inf, negative, decimal comma, quote, empty ...
            cells[rng.randrange(len(cells))] = rng.choice(NUMBERS)
        lines[i] = sep.join(cells)
    return b"\n".join(lines)


def _header_only(data: bytes) -> bytes:
    lines, idx, _ = _rows(data)
    return b"\n".join(lines[: idx[0] + 1 if idx else 1]) + b"\n"


def _flip(rng: random.Random, data: bytes, n: int) -> bytes:
    b = bytearray(data)
    for _ in range(n):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def _at(rng: random.Random, data: bytes, insert: bytes) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + insert + data[i:]


def _gzip_truncated(rng: random.Random, data: bytes) -> bytes:
    z = gzip.compress(data, mtime=0)
    return z[: rng.randrange(2, len(z))]


MUTATIONS = {
    "truncated mid-line": lambda rng, d: d[: rng.randrange(1, len(d))],
    "truncated mid-UTF-8 sequence": lambda rng, d: d[: max(1, len(d) // 2)] + "é€".encode()[: rng.choice([1, 3, 4])],
    "truncated gzip stream": _gzip_truncated,
    "whole gzip": lambda rng, d: gzip.compress(d, mtime=0),
    "gzip magic on plain text": lambda rng, d: b"\x1f\x8b" + d,
    "byte flips": lambda rng, d: _flip(rng, d, rng.randint(1, 5)),
    "NUL byte": lambda rng, d: _at(rng, d, b"\x00"),
    "Latin-1 byte": lambda rng, d: _at(rng, d, "Ü".encode("latin-1")),
    "stray quote": lambda rng, d: _at(rng, d, b'"'),
    "CRLF line ends": lambda rng, d: d.replace(b"\n", b"\r\n"),
    "CR line ends": lambda rng, d: d.replace(b"\n", b"\r"),
    "mixed line ends": lambda rng, d: b"".join(ln + rng.choice([b"\n", b"\r\n", b"\r"]) for ln in d.split(b"\n")),
    "byte-order mark": lambda rng, d: b"\xef\xbb\xbf" + d,
    "delimiter swap": lambda rng, d: d.replace(*rng.sample([b"\t", b",", b";", b" ", b"|"], 2)),
    "duplicate column name": lambda rng, d: _cells(rng, d, "duplicate column name"),
    "drop a column": lambda rng, d: _cells(rng, d, "drop a column"),
    "swap two header names": lambda rng, d: _cells(rng, d, "swap two header names"),
    "extra field": lambda rng, d: _cells(rng, d, "extra field"),
    "missing field": lambda rng, d: _cells(rng, d, "missing field"),
    "odd value": lambda rng, d: _cells(rng, d, "odd value"),
    "odd sub-value": lambda rng, d: _cells(rng, d, "odd sub-value"),
    "empty file": lambda rng, d: b"",
    "white space only": lambda rng, d: b" \n\t\n",
    "header only": lambda rng, d: _header_only(d),
    "very long line": lambda rng, d: d + b"A" * 200_000 + b"\n",
    "blank and comment lines inside": lambda rng, d: d.replace(b"\n", b"\n\n# note\n", 2),
}
# what a path can be instead of a file: made in place of the file, not written
HAZARDS = ("directory", "symbolic link loop")


def _make(rng: random.Random, src: Path, dest: Path) -> str:
    """Write a mutated copy of ``src`` at ``dest`` (or a hazard in its place); the mutation's name.

    A VCF loses its ``##contig`` lines half of the time first (many VCFs have none, and htslib
    then accepts records it would otherwise reject, or crashes on them)."""
    if rng.random() < 0.05:
        hazard = rng.choice(HAZARDS)
        if hazard == "directory":
            dest.mkdir()
        else:
            os.symlink(dest.name, dest)
        return hazard
    data = src.read_bytes()
    name = rng.choice(sorted(MUTATIONS))
    if data.startswith(b"##fileformat=VCF") and rng.random() < 0.5:
        data = b"\n".join(ln for ln in data.split(b"\n") if not ln.startswith(b"##contig="))
        name = "no ##contig lines + " + name
    dest.write_bytes(MUTATIONS[name.split(" + ")[-1]](rng, data))
    return name


def _outcome(call, paths_ok: tuple[str, ...]) -> str | None:
    """None when ``call`` succeeds or raises an InputError naming one of ``paths_ok``, else why not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DataWarnings are a success with a caveat
            call()
    except InputError as exc:
        if exc.path is None or not any(p in str(exc) for p in paths_ok):
            return f"InputError without the file's path: {exc}"
        if "\n" in str(exc):
            return f"InputError message spans lines: {exc!r}"
    except Exception as exc:  # noqa: BLE001 - any other exception is the bug this test looks for
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.mark.parametrize("reader", sorted(SEEDS))
def test_reader_survives_mutations(tmp_path, reader):
    rng = random.Random(f"{SEED}-{reader}")
    files, kwargs = SEEDS[reader]
    failures = []
    for k in range(CASES_PER_READER):
        src = rng.choice(files)
        case = tmp_path / f"case{k}"
        case.mkdir()
        dest = case / src.name
        mutation = _make(rng, src, dest)
        why = _outcome(lambda: getattr(rio, reader)(dest, **kwargs), (str(dest),))
        if why:
            failures.append(f"case {k}: {src.name} + {mutation}: {why}")
    assert not failures, f"{reader}: {len(failures)} of {CASES_PER_READER} cases\n" + "\n".join(failures)


SHEET_FILES = ("samplesheet.csv", "mini.maf", "segments.seg", "expression.gct", "S1_GRCh38.SJ.out.tab", "clinical.tsv")


def _sheet_cases(tmp_path: Path) -> list[tuple[int, str, str, Path]]:
    """``(case, file mutated, mutation, folder)`` of each samplesheet case: a copy of tests/data/io
    (the samplesheet and the files it names) with one of them mutated."""
    rng = random.Random(f"{SEED}-samplesheet")
    out = []
    for k in range(SHEET_CASES):
        d = tmp_path / f"sheet{k}"
        d.mkdir()
        for f in SHEET_FILES:
            shutil.copy(IO / f, d / f)
        target = rng.choice(SHEET_FILES + ("samplesheet.csv",) * 3)
        (d / target).unlink()
        out.append((k, target, _make(rng, IO / target, d / target), d))
    return out


def test_samplesheet_survives_mutations(tmp_path):
    failures = []
    for k, target, mutation, d in _sheet_cases(tmp_path):
        why = _outcome(lambda: rio.read_samplesheet(d / "samplesheet.csv"), (str(d),))
        if why:
            failures.append(f"case {k}: {target} + {mutation}: {why}")
    assert not failures, f"{len(failures)} of {SHEET_CASES} cases\n" + "\n".join(failures)


def _profile(args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "refractor", "profile", *args, "-q", "--outputs", "tsv"],
                          capture_output=True, text=True, env=env, timeout=300)


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_cli_refuses_mutated_inputs_cleanly(tmp_path):
    """Three failing cases through ``refractor profile`` in a subprocess: exit 2, the error on one
    stderr line naming a file of the case, no traceback; a fresh OUTDIR is not created and an
    earlier run's OUTDIR is left byte for byte as it was."""
    failing = [c for c in _sheet_cases(tmp_path) if _raises(c[3] / "samplesheet.csv")]
    assert len(failing) >= 3
    earlier = tmp_path / "earlier"
    done = _profile([str(IO / "samplesheet.csv"), "-o", str(earlier)])
    assert done.returncode == 0, done.stderr
    before = _tree(earlier)
    for i, (k, target, mutation, d) in enumerate(failing[:3]):
        out = earlier if i == 0 else tmp_path / f"out{k}"
        r = _profile([str(d / "samplesheet.csv"), "-o", str(out)])
        where = f"case {k}: {target} + {mutation}"
        assert r.returncode == 2, f"{where}: exit {r.returncode}\n{r.stderr}"
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and str(d) in lines[0], f"{where}: {r.stderr}"
        assert "Traceback" not in r.stderr + r.stdout, where
        if out == earlier:
            assert _tree(earlier) == before, f"{where}: the earlier OUTDIR changed"
        else:
            assert not out.exists(), f"{where}: OUTDIR {out} was created"


def _raises(sheet: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rio.read_samplesheet(sheet)
    except InputError:
        return True
    return False
