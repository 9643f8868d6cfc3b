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
    """One splitter for the clinical file, CLI flags and HTTP API (review finding); names stay
    as written and are resolved once, by the knowledge base (issue 11)."""
    from refractor.io._clinical import split_agents
    from refractor.kb import KnowledgeBase

    assert split_agents("Lenalidomide; Pomalidomide") == ["Lenalidomide", "Pomalidomide"]
    assert split_agents("lenalidomide,pomalidomide") == ["lenalidomide", "pomalidomide"]
    assert split_agents([" Lenalidomide ", "CC  220"]) == ["Lenalidomide", "CC 220"]
    assert split_agents(None) == [] and split_agents("NA") == []
    kb = KnowledgeBase.load()
    assert kb.resolve_agents(split_agents([" Lenalidomide ", "CC 220"])) == ["lenalidomide", "iberdomide"]
