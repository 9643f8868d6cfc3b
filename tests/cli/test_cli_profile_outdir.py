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


_KILL = r"""
import os, shutil, sys
from pathlib import Path
out = Path(sys.argv[1]).resolve()
where = sys.argv[2]
real_rename, real_rmtree = os.rename, shutil.rmtree

def rename(src, dst):
    real_rename(src, dst)
    if where == "between-renames" and Path(src) == out:
        os._exit(9)  # killed: OUTDIR is in its backup, the new run not yet moved in

def rmtree(path, *a, **k):
    if where == "deleting-backup" and Path(path).name.startswith(".refractor-old-"):
        os._exit(9)  # killed: the new run is in, the backup not yet deleted
    return real_rmtree(path, *a, **k)

os.rename, shutil.rmtree = rename, rmtree
from refractor.cli import main
main(sys.argv[3:])
"""


@pytest.mark.parametrize("where", ["between-renames", "deleting-backup"])
def test_next_run_recovers_from_a_run_killed_mid_swap(cohort, tmp_path, where):
    """A run killed (no cleanup code runs) between the two renames leaves OUTDIR missing and
    the previous run in a ``.refractor-old-*`` folder: the next run restores it first, so a
    failure of that run still leaves the previous one in place; killed while deleting the
    backup, the new run is in and the next run deletes the leftover."""
    import subprocess
    import sys

    out = tmp_path / "out"
    two = _sheet(cohort, "sample,disease,maf,clinical\nMM01,MM,cohort.maf,clinical.tsv\nMM03,MM,cohort.maf,clinical.tsv\n")
    one = _sheet(cohort, "sample,disease,maf,clinical\nMM03,MM,cohort.maf,clinical.tsv\n", "one.csv")
    assert main(["profile", str(two), "-o", str(out), "-q"]) == 0
    first = _tree(out)
    p = subprocess.run([sys.executable, "-c", _KILL, str(out), where, "profile", str(one), "-o",
                        str(out), "-q"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 9, p.stderr
    left = sorted(x.name for x in tmp_path.iterdir() if x.name.startswith(".refractor-"))
    if where == "between-renames":
        assert not out.exists()
        assert any(n.startswith(".refractor-old-out-") for n in left)
        assert any(n.startswith(".refractor-new-out-") for n in left)
        # the next run restores the previous run before it writes; it then fails in its
        # final step, and OUTDIR still holds the previous (two-sample) run, whole
        from refractor.report._outdir import replacing_dir

        with pytest.raises(RuntimeError):
            with replacing_dir(out):
                raise RuntimeError("fails midway")
        assert _tree(out) == first
    else:
        assert sorted(x.name for x in (out / "samples").iterdir()) == ["MM03.json"]
        assert [n for n in left if n.startswith(".refractor-old-out-")]
    assert main(["profile", str(one), "-o", str(out), "-q"]) == 0
    assert sorted(x.name for x in (out / "samples").iterdir()) == ["MM03.json"]
    assert sorted(x.name for x in tmp_path.iterdir()) == ["in", "out"]  # nothing left over


def test_recovery_leaves_other_outdirs_and_live_runs_alone(tmp_path):
    """Leftovers are matched by OUTDIR name and process id: another OUTDIR's backup (``out-2``
    shares the prefix), a folder of a live process and an earlier version's unnamed backup are
    never touched."""
    from refractor.report._outdir import recover

    dead = 999_999  # no such process here
    with pytest.raises(ProcessLookupError):
        os.kill(dead, 0)
    keep = [tmp_path / f".refractor-old-out-2-{dead}-abc", tmp_path / f".refractor-new-out-{os.getpid()}-x1",
            tmp_path / ".refractor-old-k2j3h4"]
    for d in keep:
        d.mkdir()
    stale = tmp_path / f".refractor-new-out-{dead}-zz"  # a dead run's staging folder of out
    stale.mkdir()
    assert recover(tmp_path / "out") == [f"removed {stale.name}"]
    assert all(d.is_dir() for d in keep) and not stale.exists()
