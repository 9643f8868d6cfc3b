"""Hostile KB source files: alias bombs, recursive aliases, deep nesting and huge files are refused.

Each must end in a KB problem naming the file (``kb validate`` exit 3), quickly, never a
45-second hang, a MemoryError or a RecursionError traceback.
"""
from __future__ import annotations

import time

import pytest

from refractor.errors import InputError, KnowledgeBaseError
from refractor.kb import KnowledgeBase, validate
from refractor.settings import KBLimits, Limits, Settings

# the 8-line "billion laughs" from the report: 9**8 (43 million) strings from 72 aliases
BOMB = """\
- a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


def _messages(problems):
    return [str(p) for p in problems]


def test_alias_bomb_is_refused_quickly(make_kb):
    kb_dir = make_kb()
    (kb_dir / "genes" / "bomb.yaml").write_text(BOMB)
    t0 = time.process_time()
    problems = validate(kb_dir)
    assert time.process_time() - t0 < 2.0
    assert _messages(problems) == [
        "genes/bomb.yaml: refused: expands to more than 2000000 YAML nodes through aliases (an alias bomb?)"]
    with pytest.raises(KnowledgeBaseError, match="genes/bomb.yaml: refused"):
        KnowledgeBase.load(kb_dir)


def test_too_many_aliases_are_refused_unless_the_limit_is_raised(make_kb):
    kb_dir = make_kb()
    text = "- &g {id: ALIASTEST, name: x}\n" + "- *g\n" * 101
    (kb_dir / "genes" / "many.yaml").write_text(text)
    msgs = _messages(validate(kb_dir))
    assert msgs == ["genes/many.yaml: refused: more than 100 YAML aliases (*name); raise the limit with "
                    "REFRACTOR_KB_MAX_ALIASES if they are intended"]
    roomy = Settings.resolve(limits=Limits(kb=KBLimits(max_aliases=200)))
    assert not any("aliases" in m for m in _messages(validate(kb_dir, settings=roomy)))


def test_alias_limit_from_the_environment(make_kb, monkeypatch):
    kb_dir = make_kb()
    (kb_dir / "genes" / "few.yaml").write_text("- &g {id: ALIASTEST, name: x}\n- *g\n- *g\n")
    monkeypatch.setenv("REFRACTOR_KB_MAX_ALIASES", "1")
    assert any("more than 1 YAML aliases" in m for m in _messages(validate(kb_dir)))


def test_recursive_alias_is_refused(make_kb):
    kb_dir = make_kb()
    (kb_dir / "genes" / "loop.yaml").write_text("- &a [*a]\n")
    assert _messages(validate(kb_dir)) == [
        "genes/loop.yaml: refused: recursive alias at line 1 (a node contains itself)"]


@pytest.mark.parametrize("text", [
    "- x: " + "[" * 300 + "]" * 300 + "\n",  # flow nesting
    "- x:\n" + "".join("  " * i + "- \n" for i in range(1, 300)),  # block nesting
])
def test_deep_nesting_is_refused(make_kb, text):
    kb_dir = make_kb()
    (kb_dir / "genes" / "deep.yaml").write_text(text)
    msgs = _messages(validate(kb_dir))
    assert len(msgs) == 1 and msgs[0].startswith("genes/deep.yaml") and "nested deeper than 100 levels" in msgs[0]


def test_file_size_limit(make_kb, monkeypatch):
    kb_dir = make_kb()
    size = (kb_dir / "genes" / "genes.yaml").stat().st_size
    monkeypatch.setenv("REFRACTOR_KB_MAX_FILE_BYTES", str(size - 1))
    msgs = _messages(validate(kb_dir))
    assert f"genes/genes.yaml: refused: file is {size} bytes, more than the limit of {size - 1} " \
           "(REFRACTOR_KB_MAX_FILE_BYTES)" in msgs


def test_bad_limit_in_the_environment_is_an_input_error(monkeypatch):
    monkeypatch.setenv("REFRACTOR_KB_MAX_ALIASES", "lots")
    with pytest.raises(InputError, match="REFRACTOR_KB_MAX_ALIASES='lots' is not a whole number"):
        KnowledgeBase.load()


def test_anchors_within_the_limit_still_work(make_kb):
    """Aliases are legal YAML: a curator may share one sources list between entries."""
    kb_dir = make_kb()
    path = kb_dir / "genes" / "genes.yaml"
    text = path.read_text()
    first = "sources: [{source: seed:003}]"
    assert text.count(first) == 2
    text = text.replace(first, "sources: *src").replace("sources: *src", "sources: &src [{source: seed:003}]", 1)
    path.write_text(text)
    kb = KnowledgeBase.load(kb_dir)
    assert [s.source for s in kb.genes["CRBN"].sources] == [s.source for s in kb.genes["IKZF1"].sources] \
        == ["seed:003"]
