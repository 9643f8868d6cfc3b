"""Regression: atomic_write must not leave outputs private (mkstemp's 0600)."""
import os

from refractor.io import atomic_write


def test_new_file_gets_umask_mode(tmp_path):
    target = tmp_path / "out.tsv"
    with atomic_write(target) as fh:
        fh.write("x\n")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "out.tsv"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    with atomic_write(target) as fh:
        fh.write("new\n")
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_text() == "new\n"


def test_agent_lists_normalise_the_same_from_text_or_list():
    """One normalisation for the clinical file, CLI flags and HTTP API (review finding)."""
    from refractor.io._clinical import split_agents

    assert split_agents("Lenalidomide; Pomalidomide") == ["lenalidomide", "pomalidomide"]
    assert split_agents("lenalidomide,pomalidomide") == ["lenalidomide", "pomalidomide"]
    assert split_agents([" Lenalidomide ", "CC 220"]) == ["lenalidomide", "cc-220"]
    assert split_agents(None) == [] and split_agents("NA") == []
