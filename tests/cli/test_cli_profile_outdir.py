"""``refractor profile``: OUTDIR replaced as a whole, checked before the work; the samplesheet
parsed once, by the library (issue 12, "OUTDIR semantics" and "Shells stay thin")."""
from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

import refractor.report._outdir as outdir_mod
from refractor.cli import main

DEMO = Path(__file__).parents[2] / "examples" / "demo_cohort"


@pytest.fixture
def cohort(tmp_path) -> Path:
    """Two demo samples (MAF + clinical), copied so samplesheets can be rewritten."""
    d = tmp_path / "in"
    d.mkdir()
    for f in ("cohort.maf", "clinical.tsv"):
        shutil.copy(DEMO / f, d / f)
    return d


def _sheet(d: Path, text: str, name: str = "sheet.csv") -> Path:
    p = d / name
    p.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    return p


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_rerun_replaces_outdir_as_a_whole(cohort, tmp_path, capsys):
    out = tmp_path / "out"
    two = _sheet(cohort, "sample,disease,maf,clinical\nMM01,MM,cohort.maf,clinical.tsv\nMM03,MM,cohort.maf,clinical.tsv\n")
    assert main(["profile", str(two), "-o", str(out), "-q"]) == 0
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["MM01.json", "MM03.json"]
    one = _sheet(cohort, "sample,disease,maf,clinical\nMM03,MM,cohort.maf,clinical.tsv\n", "one.csv")
    assert main(["profile", str(one), "-o", str(out), "-q"]) == 0
    # nothing stale from the first run: MM01.json is gone, no backup or staging dir is left
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["MM03.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    assert "MM01" not in (out / "cohort_levels.tsv").read_text()


def test_failed_swap_restores_previous_run(cohort, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    two = _sheet(cohort, "sample,disease,maf,clinical\nMM01,MM,cohort.maf,clinical.tsv\nMM03,MM,cohort.maf,clinical.tsv\n")
    assert main(["profile", str(two), "-o", str(out), "-q"]) == 0
    before = _tree(out)
    real_rename, calls = os.rename, []

    def flaky(src, dst):  # the old OUTDIR moves to its backup, then moving the new run in fails
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(outdir_mod.os, "rename", flaky)
    one = _sheet(cohort, "sample,disease,maf,clinical\nMM03,MM,cohort.maf,clinical.tsv\n", "one.csv")
    capsys.readouterr()
    assert main(["profile", str(one), "-o", str(out), "-q"]) == 1
    assert capsys.readouterr().err == "error: No space left on device\n"  # one line, no traceback
    assert calls[0][0] == "out" and calls[1][1] == "out" and calls[2] == (calls[0][1], "out")
    assert _tree(out) == before  # the previous run, complete and unchanged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]  # no staging, no backup


def test_outdir_problems_found_before_the_work(cohort, tmp_path, capsys, monkeypatch):
    import refractor.interpret

    def never(*a, **k):
        raise AssertionError("the cohort was interpreted before OUTDIR was checked")

    monkeypatch.setattr(refractor.interpret, "interpret", never)
    sheet = _sheet(cohort, "sample,disease,maf\nMM01,MM,cohort.maf\n")
    afile = tmp_path / "afile"
    afile.write_text("x")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    cases = [
        (afile, f"{afile}: output path exists and is not a directory"),
        (afile / "out", f"{afile / 'out'}: cannot create the output directory: {afile} is a file, not a directory"),
        (foreign, f"{foreign}: output directory exists and holds files a Refractor run did not write; "
                  "choose a new or empty directory (it would be replaced as a whole)"),
    ]
    if Path("/proc/self").is_dir():
        cases.append((Path("/proc/refractor-out"), None))
    for target, message in cases:
        assert main(["profile", str(sheet), "-o", str(target), "-q"]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        if message is None:
            assert err.startswith("error: /proc/refractor-out: cannot write the output directory here")
        else:
            assert err == f"error: {message}"
    assert afile.read_text() == "x" and _tree(foreign) == {"notes.txt": b"keep"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "in", "mine"]


@pytest.mark.parametrize("name, text", [
    ("sheet.csv.gz", "sample,disease,maf\nMM01,MM,cohort.maf\n"),           # gzip samplesheet
    ("sheet.csv", "# demo subset\nsample,disease,maf\nMM01,MM,cohort.maf\n"),  # leading comment
    ("sheet.csv", "sample , disease , maf\n MM01 , MM , cohort.maf \n"),      # padded cells
])
def test_samplesheet_read_once_by_the_library(cohort, tmp_path, capsys, name, text):
    out = tmp_path / "out"
    assert main(["profile", str(_sheet(cohort, text, name)), "-o", str(out), "-q"]) == 0
    annotated = (out / "cohort.refractor.maf").read_text()  # the MAF the cohort was read from
    assert "refractor_mechanisms" in annotated.splitlines()[1]


def test_library_writer_replaces_a_linked_outdir(tmp_path):
    # OUTDIR given as a symbolic link to an earlier run: the link is replaced by the new run,
    # the earlier run's directory it pointed to is left alone, and no backup link is left behind
    from refractor.report._outdir import replacing_dir

    old = tmp_path / "old-run"
    (old / "samples").mkdir(parents=True)
    (old / "samples" / "A.json").write_text("{}")
    link = tmp_path / "out"
    link.symlink_to(old)
    with replacing_dir(link) as stage:
        (stage / "report.html").write_text("new")
    assert link.is_dir() and not link.is_symlink()
    assert sorted(p.name for p in link.iterdir()) == [".refractor-outdir", "report.html"]
    assert (old / "samples" / "A.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old-run", "out"]


def test_marked_outdir_with_unknown_files_is_replaced_unmarked_is_not(tmp_path):
    # the marker, not a list of file names, says "a run wrote this": outputs added in later
    # releases do not make an earlier run's directory look foreign
    from refractor.errors import InputError
    from refractor.report._outdir import MARKER, check_outdir, replacing_dir

    out = tmp_path / "out"
    with replacing_dir(out) as stage:
        (stage / "future-output.parquet").write_text("x")
    assert (out / MARKER).is_file()
    assert check_outdir(out) == out  # replaceable
    (out / MARKER).unlink()
    with pytest.raises(InputError, match="holds files a Refractor run did not write"):
        check_outdir(out)
    (out / "future-output.parquet").unlink()
    (out / "report.html").write_text("an old run, before the marker")
    assert check_outdir(out) == out
