"""`refractor kb ...` in-process: exit codes and output (the CLI only calls library functions)."""
from __future__ import annotations

import json

import pytest

from refractor.cli import main

from .conftest import BROKEN, VALID


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def kb(*argv: str) -> list[str]:
    return ["kb", "--kb", str(VALID), *argv]


def test_stats_json_and_table(capsys):
    code, out, _ = run(capsys, *kb("stats", "--json"))
    assert code == 0
    st = json.loads(out)
    assert st["counts"]["mechanisms"] == 4 and st["version"] == "0.0.1"
    code, out, _ = run(capsys, *kb("stats"))
    assert code == 0
    assert "mini-kb 0.0.1" in out and st["content_hash"] in out
    assert "mechanisms without biomarkers" in out and "crbn-orphan-gap" in out


def test_query_commands(capsys):
    code, out, _ = run(capsys, *kb("mechanisms", "--agent", "lenalidomide", "--disease", "MM", "--json"))
    assert code == 0
    assert [m["id"] for m in json.loads(out)] == ["crbn-exon10-skipping", "crbn-low-expression", "crbn-orphan-gap"]
    code, out, _ = run(capsys, *kb("strategies", "--mechanism", "crbn-exon10-skipping"))
    assert code == 0 and "avoid-imid-after-exon10" in out and "HARMFUL" in out
    code, out, _ = run(capsys, *kb("evidence", "bcl2-g101v", "--json"))
    assert [(e["id"], e["source"]) for e in json.loads(out)] == [("ev-g101v", "pmid:30514704")]
    code, out, _ = run(capsys, *kb("list", "agents", "--json"))
    assert [a["id"] for a in json.loads(out)][:2] == ["lenalidomide", "pomalidomide"]
    code, out, _ = run(capsys, *kb("list", "claims"))
    assert code == 0 and "qc-2q37-loss-rrmm" in out
    code, out, _ = run(capsys, *kb("show", "crbn-exon10-skipping", "--json"))
    shown = json.loads(out)
    assert shown["item"]["kind"] == "mechanisms" and shown["related"]["biomarkers"] == ["crbn-exon10-psi"]
    code, out, _ = run(capsys, *kb("show", "CRBN"))
    assert code == 0 and "cereblon" in out
    code, out, _ = run(capsys, *kb("search", "exon", "--json"))
    assert code == 0 and "crbn-exon10-skipping" in {h["id"] for h in json.loads(out)}
    code, out, _ = run(capsys, *kb("search", "exon10"))
    assert code == 0 and "[exon10]" in out  # KB text is not parsed as rich markup


def test_error_exit_codes(capsys):
    code, _, err = run(capsys, *kb("show", "crbn-exon11-skipping"))
    assert code == 4 and "no knowledge-base entry with id 'crbn-exon11-skipping'" in err
    code, _, err = run(capsys, *kb("mechanisms", "--agent", "lenalidomide", "--disease", "XYZ"))
    assert code == 4 and "no disease with id 'XYZ'" in err
    code, _, err = run(capsys, *kb("export", "--format", "tsv"))
    assert code == 2 and "name a directory with -o DIR" in err
    code, _, err = run(capsys, *kb("list", "mechanismz"))
    assert code == 2 and "unknown kind 'mechanismz'" in err


def test_validate_prints_every_problem_and_exits_3(capsys, make_kb):
    code, out, _ = run(capsys, "kb", "validate", "--kb", str(VALID))
    assert code == 0 and "ok: no problems found" in out
    broken = make_kb("dangling_agent", "evidence_no_source")
    code, _, err = run(capsys, "kb", "validate", "--kb", str(broken))
    assert code == 3
    assert "3 problem(s) in the knowledge base" in err
    assert "mechanisms/dangling.yaml:6 [crbn-dangling-agent] .agents.1: unknown agent 'lenalidomid'" in err
    assert "evidence/no_source.yaml:6 [ev-no-source] .source: unknown source 'pmid:99999999'" in err
    assert "claims/no_source.yaml:4 [qc-no-source] .source: unknown source 'seed:001'" in err
    code, out, _ = run(capsys, "kb", "validate", "--kb", str(broken), "--json")
    assert code == 3
    assert {"file": "evidence/no_source.yaml:6", "entry": "ev-no-source", "field": "source",
            "message": "unknown source 'pmid:99999999'"} in json.loads(out)
    # query commands on an invalid KB fail the same way
    code, _, err = run(capsys, "kb", "--kb", str(broken), "stats")
    assert code == 3 and "[ev-no-source]" in err


def test_export_build_schema(capsys, tmp_path):
    code, out, _ = run(capsys, *kb("export", "--format", "json"))
    assert code == 0 and json.loads(out)["meta"]["kb_version"] == "0.0.1"
    code, _, err = run(capsys, *kb("export", "-f", "tsv", "-o", str(tmp_path / "t")))
    assert code == 0 and (tmp_path / "t" / "evidence.tsv").is_file() and "wrote 15 file(s)" in err
    code, out, _ = run(capsys, *kb("build"))
    assert code == 0 and out.strip().endswith(".sqlite")
    code, out, _ = run(capsys, "kb", "schema")
    assert code == 0 and json.loads(out)["properties"]["meta"]["properties"]["schema"] == {
        "const": "refractor.kb-export"}


@pytest.mark.parametrize("command", [[], ["stats"], ["list"], ["show"], ["search"], ["mechanisms"],
                                     ["strategies"], ["evidence"], ["export"], ["validate"], ["build"],
                                     ["schema"]])
def test_every_kb_command_has_help(capsys, command):
    code, out, _ = run(capsys, "kb", *command, "--help")
    assert code == 0 and "Usage:" in out
    body = out.split("Options", 1)[0]
    assert len(body.split("Usage:", 1)[1].strip().splitlines()) >= 2  # a usage line and a description


def test_serve_is_registered(capsys):
    code, out, _ = run(capsys, "serve", "--help")
    assert code == 0 and "--port" in out and "HTTP API" in out


def test_broken_overlays_exist():
    assert {p.name for p in BROKEN.iterdir() if p.is_dir()} >= {
        "yaml_syntax", "unknown_field", "bad_enum", "duplicate_id", "dangling_agent",
        "dangling_mechanism", "dangling_source", "evidence_no_source", "bad_scoring"}


def test_every_kb_command_is_documented():
    """docs/kb.md names every `refractor kb` command (a new command without docs fails here)."""
    from pathlib import Path

    from refractor.cli._kb import app

    doc = (Path(__file__).resolve().parents[2] / "docs" / "kb.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert len(names) == 11
    missing = [n for n in names if f"`{n}" not in doc]
    assert missing == []


# --------------------------------------------------------------------------- --kb and bad folders
@pytest.mark.parametrize("argv", [
    ["kb", "--kb", "/etc/passwd", "stats"],
    ["kb", "--data-dir", "/etc/passwd", "stats"],  # the old flag name still works
    ["kb", "stats"],  # REFRACTOR_KB_DIR below
    ["profile", "--sample", "S", "--disease", "MM", "--refractory", "lenalidomide", "-o", "OUT"],
    ["serve"],
])
def test_a_file_given_as_kb_folder_is_one_line_exit_2(capsys, monkeypatch, tmp_path, argv):
    """`kb --data-dir /etc/passwd` used to end in a traceback; every command now reads the same
    setting (flag, else REFRACTOR_KB_DIR) and refuses it before doing any work."""
    monkeypatch.setenv("REFRACTOR_KB_DIR", "/etc/passwd")
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err == "error: /etc/passwd: is a file, not a knowledge-base folder (kb.yaml plus one folder per kind)\n"
    assert not (tmp_path / "out").exists()


def test_missing_and_unreadable_kb_folders(capsys, monkeypatch, tmp_path):
    code, _, err = run(capsys, "kb", "--kb", str(tmp_path / "nope"), "stats")
    assert code == 2 and err == f"error: {tmp_path / 'nope'}: knowledge-base folder not found\n"
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access",  # as if the folder had no read permission (we may be root)
                        lambda p, mode, **kw: False if str(p) == str(locked) else real_access(p, mode))
    code, _, err = run(capsys, "kb", "--kb", str(locked), "stats")
    assert code == 2 and err == f"error: {locked}: knowledge-base folder is not readable (permission denied)\n"
    code, _, err = run(capsys, "kb", "validate", "--kb", str(locked))
    assert code == 3 and "knowledge-base folder is not readable" in err


def test_environment_kb_dir_is_used_by_kb_commands(capsys, monkeypatch):
    monkeypatch.setenv("REFRACTOR_KB_DIR", str(VALID))
    code, out, _ = run(capsys, "kb", "stats", "--json")
    assert code == 0 and json.loads(out)["name"] == "mini-kb"
    code, out, _ = run(capsys, "kb", "--kb", str(VALID.parent / "nope"), "stats")  # the flag wins
    assert code == 2


def test_alias_bomb_in_a_kb_folder_is_a_kb_error(capsys, make_kb):
    from .test_yaml import BOMB

    kb_dir = make_kb()
    (kb_dir / "genes" / "bomb.yaml").write_text(BOMB)
    code, out, err = run(capsys, "kb", "--kb", str(kb_dir), "validate")
    assert code == 3 and out == ""
    assert "genes/bomb.yaml: refused: expands to more than 2000000 YAML nodes" in err


def test_symlink_loop_as_kb_folder(capsys, tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    code, _, err = run(capsys, "kb", "--kb", str(loop), "stats")
    assert code == 2
    assert err == f"error: {loop}: knowledge-base folder is a symbolic link that leads nowhere (a loop or a " \
                  "missing target)\n"


def test_damaged_database_is_one_warning_line_and_the_search_still_works(capsys, monkeypatch, tmp_path):
    import warnings

    from refractor.errors import CacheWarning

    monkeypatch.setenv("REFRACTOR_CACHE_DIR", str(tmp_path / "cache"))
    code, out, _ = run(capsys, *kb("search", "G101V", "--json"))
    assert code == 0 and "bcl2-g101v" in {h["id"] for h in json.loads(out)}
    (db,) = (tmp_path / "cache").glob("kb-*.sqlite")
    db.write_bytes(b"not a database")
    from refractor.kb import _knowledge

    _knowledge._CACHE.clear()  # as a new process would
    with warnings.catch_warnings():
        warnings.simplefilter("always", CacheWarning)  # the suite turns warnings into errors
        code, out, err = run(capsys, *kb("search", "G101V", "--json"))
    assert code == 0 and "bcl2-g101v" in {h["id"] for h in json.loads(out)}
    assert err == (f"warning: ignoring compiled KB database {db}: is not a usable database "
                   "(file is not a database); rebuilding it\n")
