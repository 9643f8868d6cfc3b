"""Input limits (``io/_limits.py``) and file-system oddities (``io/_source.py``) (issue 12)."""
from __future__ import annotations

import gzip
import os
import tracemalloc

import pytest

from refractor.errors import InputError
from refractor.io import IOLimits, read_maf, read_samplesheet
from refractor.io._limits import ENV
from refractor.io._source import read_bytes

MAF = "Hugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\nBCL2\tMissense_Mutation\tS1\n"


# --- limits --------------------------------------------------------------------------------

def test_limits_defaults_and_environment():
    d = IOLimits()
    assert (d.max_input_bytes, d.max_columns, d.max_cell_chars, d.max_vcf_header_lines) == (
        1 << 30, 50_000, 100_000, 20_000)
    env = {ENV["max_columns"]: "12", ENV["max_input_bytes"]: "2_000"}
    assert IOLimits.from_env(env) == IOLimits(max_input_bytes=2000, max_columns=12)
    with pytest.raises(InputError, match=r"REFRACTOR_MAX_COLUMNS='many' is not a whole number"):
        IOLimits.from_env({ENV["max_columns"]: "many"})
    with pytest.raises(InputError, match=r"REFRACTOR_MAX_CELL_CHARS='0' must be >= 1"):
        IOLimits.from_env({ENV["max_cell_chars"]: "0"})
    with pytest.raises(InputError, match="max_columns must be a whole number >= 1"):
        IOLimits(max_columns=-1)


def test_gzip_bomb_stops_while_decompressing(tmp_path):
    # 64 MB of one byte compresses to ~64 KB; with a 4 MB cap decompression must stop near the
    # cap (chunks of 1 MB), not after holding the whole expansion in memory
    bomb = tmp_path / "bomb.maf.gz"
    with gzip.open(bomb, "wb") as gz:
        gz.write(MAF.encode())
        chunk = b"#" * (1 << 20)
        for _ in range(64):
            gz.write(chunk)
    assert bomb.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="decompressed size exceeds the limit of 4,194,304"):
            read_bytes(bomb, limits=IOLimits(max_input_bytes=4 << 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20  # far below the 64 MB expansion


def test_multi_member_gzip_is_read_whole(tmp_path):
    # bgzip writes many gzip members; all of them are content
    p = tmp_path / "two.maf.gz"
    p.write_bytes(gzip.compress(MAF.encode()) + gzip.compress(b"MCL1\tSilent\tS2\n"))
    assert read_maf(p)["gene"].tolist() == ["BCL2", "MCL1"]


# --- paths ---------------------------------------------------------------------------------

def test_directory_is_named_as_a_directory(tmp_path):
    with pytest.raises(InputError) as e:
        read_maf(tmp_path)
    assert e.value.problem == "file is a directory, not a file" and e.value.path == str(tmp_path)


def test_symlink_loop(tmp_path):
    a, b = tmp_path / "a.maf", tmp_path / "b.maf"
    os.symlink(b, a)
    os.symlink(a, b)
    with pytest.raises(InputError) as e:
        read_maf(a)
    assert e.value.problem == "file is a symbolic link loop (too many levels of symbolic links)"


def test_fifo_is_not_read(tmp_path):
    f = tmp_path / "fifo.maf"
    os.mkfifo(f)
    with pytest.raises(InputError) as e:  # reading it would block forever
        read_maf(f)
    assert e.value.problem == "file is not a regular file (a FIFO, socket or device)"


def test_samplesheet_names_the_row_of_a_bad_path(tmp_path):
    (tmp_path / "adir").mkdir()
    os.symlink(tmp_path / "loop2", tmp_path / "loop1")
    os.symlink(tmp_path / "loop1", tmp_path / "loop2")
    sheet = tmp_path / "s.csv"
    for cell, problem in [("adir", "maf file is a directory, not a file: "),
                          ("loop1", "maf file is a symbolic link loop (too many levels of symbolic links): "),
                          ("nope.maf", "maf file not found: ")]:
        sheet.write_text(f"sample,disease,maf\n# a comment line\nS1,MM,{cell}\n")
        with pytest.raises(InputError) as e:
            read_samplesheet(sheet)
        assert (e.value.line, e.value.column) == (3, "maf")
        assert e.value.problem == problem + str(tmp_path / cell)


def test_gzip_samplesheet_and_inputs(tmp_path, data):
    (tmp_path / "m.maf").write_text((data / "mini.maf").read_text())
    sheet = tmp_path / "s.csv.gz"
    sheet.write_bytes(gzip.compress(b"# comment first\nsample,disease,maf\nS1,MM,m.maf\n"))
    c = read_samplesheet(sheet)
    assert c.inputs == {"maf": ((tmp_path / "m.maf").resolve(),)}


def test_limits_live_in_the_one_settings_object(monkeypatch):
    from refractor.io._limits import resolve_limits
    from refractor.settings import Settings

    s = Settings.resolve(environ={"REFRACTOR_MAX_CELL_CHARS": "42"})
    assert s.limits.io == IOLimits(max_cell_chars=42)
    monkeypatch.setenv("REFRACTOR_MAX_VCF_HEADER_LINES", "9")
    assert resolve_limits().max_vcf_header_lines == 9  # resolved through Settings at call time
    assert resolve_limits(IOLimits()) == IOLimits()  # an explicit value wins


def test_settings_import_stays_light():
    # refractor.settings holds IOLimits; importing it must not load the readers' heavy libraries
    import subprocess
    import sys

    code = "import sys, refractor.settings, refractor.io; print(sorted({'pandas', 'pyarrow', 'cyvcf2'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
