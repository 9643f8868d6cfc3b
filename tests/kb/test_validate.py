"""Bad KB files are rejected with precise messages: file:line, entry id, field path, message."""
from __future__ import annotations

import pytest

from refractor.errors import KBProblem, KnowledgeBaseError
from refractor.kb import KnowledgeBase, validate

from .conftest import VALID


def _strs(problems: list[KBProblem]) -> list[str]:
    return [str(p) for p in problems]


def test_valid_mini_kb_has_no_problems():
    assert validate(VALID) == []


def test_yaml_syntax_error_names_file_and_lines(make_kb):
    problems = validate(make_kb("yaml_syntax"))
    assert _strs(problems) == [
        "mechanisms/broken.yaml:5: YAML syntax error at column 1: found unexpected end of stream "
        "while scanning a quoted scalar (started at line 3, column 16)"
    ]


def test_unknown_field(make_kb):
    assert validate(make_kb("unknown_field")) == [
        KBProblem("mechanisms/extra.yaml:8", "crbn-extra-field", "mechanism_of_action",
                  "unknown field (not in the schema)")
    ]


def test_bad_enum_value_says_what_was_given(make_kb):
    [p] = validate(make_kb("bad_enum"))
    assert (p.file, p.entry, p.field) == ("mechanisms/bad_enum.yaml:3", "crbn-bad-enum", "category")
    assert p.message.startswith("Input should be 'drug_target', 'degradation_machinery'")
    assert p.message.endswith("(got 'drug-target')")


def test_duplicate_id_across_files(make_kb):
    assert validate(make_kb("duplicate_id")) == [
        KBProblem("mechanisms/more.yaml:2", "crbn-low-expression", "id",
                  "duplicate mechanism id 'crbn-low-expression' (first defined in mechanisms/mechanisms.yaml:13)")
    ]


def test_duplicate_id_within_one_file(tmp_path, make_kb):
    kb = make_kb()
    text = (kb / "genes" / "genes.yaml").read_text()
    (kb / "genes" / "genes.yaml").write_text(text + "\n- id: CRBN\n  name: again\n  roles: [biomarker]\n"
                                              "  sources: [{source: seed:003}]\n")
    [p] = validate(kb)
    assert str(p) == "genes/genes.yaml:16 [CRBN] .id: duplicate gene id 'CRBN' (first defined in genes/genes.yaml:1)"


def test_dangling_agent_with_suggestion(make_kb):
    assert _strs(validate(make_kb("dangling_agent"))) == [
        "mechanisms/dangling.yaml:6 [crbn-dangling-agent] .agents.1: unknown agent 'lenalidomid' "
        "(did you mean 'lenalidomide'?)"
    ]


def test_dangling_mechanism_from_strategy_and_biomarker(make_kb):
    assert _strs(validate(make_kb("dangling_mechanism"))) == [
        "biomarkers/dangling.yaml:3 [biomarker-dangling] .mechanism: unknown mechanism 'bcl2-g101a' "
        "(did you mean 'bcl2-g101v'?)",
        "strategies/dangling.yaml:7 [strategy-dangling] .addresses.1.mechanism: unknown mechanism "
        "'crbn-exon11-skipping' (did you mean 'crbn-exon10-skipping'?)",
    ]


def test_dangling_source_in_provenance(make_kb):
    [p] = validate(make_kb("dangling_source"))
    assert (p.file, p.entry, p.field) == ("genes/dangling.yaml:6", "IKZF3", "sources.1.source")
    assert p.message.startswith("unknown source 'pmid:12345'")


def test_evidence_and_claim_must_resolve_to_a_source(make_kb):
    assert _strs(validate(make_kb("evidence_no_source"))) == [
        "evidence/no_source.yaml:6 [ev-no-source] .source: unknown source 'pmid:99999999'",
        "claims/no_source.yaml:4 [qc-no-source] .source: unknown source 'seed:001' (did you mean 'seed:004'?)",
    ]


def test_bad_scoring_references(make_kb):
    problems = validate(make_kb("bad_scoring"))
    assert [(p.file, p.field, p.message) for p in problems] == [
        ("scoring/rules_bad.yaml:2", "agents.1", "unknown agent 'iberdomide' (did you mean 'pomalidomide'?)"),
        ("scoring/rules_bad.yaml:4", "terms.0.mechanism", "unknown mechanism 'crbn-lost'"),
        ("scoring/rules_bad.yaml:7", "terms.1.max.1.agents.0",
         "unknown agent 'lenalidomid' (did you mean 'lenalidomide'?)"),
        ("scoring/rules_bad.yaml:8", "terms.2.all.1", "unknown mechanism 'ikzf1-loss'"),
        ("scoring/rules_bad.yaml:10", "overrides.pomalidomid",
         "unknown agent 'pomalidomid' (did you mean 'pomalidomide'?)"),
        ("scoring/rules_bad.yaml:11", "overrides.pomalidomide.crbn-gone", "unknown mechanism 'crbn-gone'"),
        ("scoring/rules_bad.yaml:12", "overrides.venetoclax",
         "agent 'venetoclax' is overridden but not covered by this rule"),
    ]
    assert {p.entry for p in problems} == {"bad-rule"}


def test_nested_profile_errors_name_the_branch_meant(make_kb):
    """Union noise is removed: one message per mistake, with the path inside the AND/OR tree."""
    first, second = _strs(validate(make_kb("bad_profile")))
    # the list of feature kinds grows with the schema; its start is fixed
    assert first.startswith("biomarkers/bad.yaml:6 [crbn-bad-profile] .profile.any.0: unknown kind 'expresion'; "
                            "expected one of: 'variant', 'copy_number', 'expression', 'splicing', ")
    assert second == ("biomarkers/bad.yaml:7 [crbn-bad-profile] .profile.any.1.gene: String should match pattern "
                      "'^[A-Z0-9][A-Za-z0-9.-]*$' (got 'crbn')")


def test_dangling_references_inside_profiles(make_kb):
    kb = make_kb()
    (kb / "biomarkers" / "more.yaml").write_text(
        "- id: nested-refs\n  name: refs inside a profile\n  mechanism: crbn-low-expression\n"
        "  profile:\n    all:\n      - {kind: history, status: refractory, agents: [lenalidomid]}\n"
        "      - {kind: subtype, values: [M5], diseases: [AML]}\n"
        "      - not: {kind: expression, gene: CRBNX, comparison: '<', percentile: 10}\n"
        "  sources: [{source: seed:003}]\n")
    assert _strs(validate(kb)) == [
        "biomarkers/more.yaml:6 [nested-refs] .profile.all.0.agents.0: unknown agent 'lenalidomid' "
        "(did you mean 'lenalidomide'?)",
        "biomarkers/more.yaml:7 [nested-refs] .profile.all.1.diseases.0: unknown disease 'AML'",
        "biomarkers/more.yaml:8 [nested-refs] .profile.all.2.not.gene: unknown gene 'CRBNX' (did you mean 'CRBN'?)",
    ]


def test_file_that_is_not_a_list(make_kb):
    assert _strs(validate(make_kb("not_a_list"))) == [
        "trials/mapping.yaml:1: expected a YAML list of entries, found a dict"]


def test_every_problem_is_collected_not_just_the_first(make_kb):
    kb = make_kb("yaml_syntax", "bad_enum", "dangling_agent", "evidence_no_source", "bad_scoring")
    problems = validate(kb)
    files = {p.file.split(":")[0] for p in problems}
    assert files == {"mechanisms/broken.yaml", "mechanisms/bad_enum.yaml", "mechanisms/dangling.yaml",
                     "evidence/no_source.yaml", "claims/no_source.yaml", "scoring/rules_bad.yaml"}
    assert len(problems) == 1 + 1 + 1 + 2 + 7
    with pytest.raises(KnowledgeBaseError) as info:
        KnowledgeBase.load(kb)
    assert info.value.problems == problems
    assert "mechanisms/dangling.yaml:6 [crbn-dangling-agent] .agents.1" in str(info.value)


def test_missing_scoring_kb_yaml_and_unknown_folder(make_kb):
    import shutil

    kb = make_kb()
    shutil.rmtree(kb / "scoring")
    (kb / "kb.yaml").unlink()
    (kb / "mechanism").mkdir()
    (kb / "mechanism" / "x.yaml").write_text("[]\n")
    (kb / "genes" / "extra.yml").write_text("[]\n")
    msgs = _strs(validate(kb))
    assert "scoring/: no scoring: add scoring/base.yaml and rules_<topic>.yaml" in msgs
    assert "kb.yaml: missing (name, version, description)" in msgs
    assert "genes/extra.yml: not read: KB files must end in .yaml" in msgs
    assert any(m.startswith("mechanism/x.yaml: unknown kind folder 'mechanism'") for m in msgs)


def test_scoring_base_problems(make_kb):
    kb = make_kb()
    base = kb / "scoring" / "base.yaml"
    base.write_text(base.read_text().replace("possible_factor: 0.5", "possible_factor: 1.5")
                    .replace("{min: 30, level: intermediate}", "{min: 5, level: intermediate}"))
    assert _strs(validate(kb)) == [
        "scoring/base.yaml:2 .possible_factor: Input should be less than or equal to 1 (got 1.5)",
    ]
    base.write_text(base.read_text().replace("possible_factor: 1.5", "possible_factor: 0.5"))
    assert _strs(validate(kb)) == [
        "scoring/base.yaml:11 .score_to_level.2.min: bands must have strictly increasing min: 5 is not above 10"]


def test_missing_required_field_and_bad_reference_kinds(make_kb):
    kb = make_kb()
    (kb / "evidence" / "more.yaml").write_text(
        "- id: ev-bad-subject\n"
        "  subject: {kind: biomarker, id: crbn-exon10-skipping}\n"
        "  statement: the subject is a mechanism id, but the kind says biomarker\n"
        "  level: cell_line\n"
        "  source: seed:003\n"
        "  conflicts_with: [ev-nothing]\n"
    )
    assert _strs(validate(kb)) == [
        "evidence/more.yaml:1 [ev-bad-subject] .significance: required field is missing",
    ]
    (kb / "evidence" / "more.yaml").write_text((kb / "evidence" / "more.yaml").read_text()
                                               + "  significance: resistance\n")
    assert _strs(validate(kb)) == [
        "evidence/more.yaml:2 [ev-bad-subject] .subject.id: unknown biomarker 'crbn-exon10-skipping' "
        "(did you mean 'crbn-exon10-psi'?)",
        "evidence/more.yaml:6 [ev-bad-subject] .conflicts_with.0: unknown evidence item 'ev-nothing'",
    ]


def test_messages_identical_when_parsed_yaml_comes_from_the_cache(make_kb):
    """The second validation reads parsed YAML from the disk cache; lines must not change."""
    from refractor.kb._load import _nodes

    kb = make_kb("bad_profile", "bad_scoring", "dangling_agent")
    first = validate(kb)
    _nodes.cache_clear()
    assert validate(kb) == first and len(first) == 2 + 7 + 1


def test_duplicate_mapping_key_is_a_problem(make_kb):
    kb = make_kb()
    (kb / "model_systems" / "more.yaml").write_text(
        "- id: kms11\n  name: KMS-11\n  kind: cell_line\n  name: KMS11\n  sources: [{source: seed:003}]\n")
    assert [str(p) for p in validate(kb)] == [
        "model_systems/more.yaml:4: duplicate key 'name' in one mapping (YAML keeps only the last)"]


def test_disease_parent_loop(make_kb):
    kb = make_kb()
    f = kb / "diseases" / "diseases.yaml"
    f.write_text(f.read_text().replace("  kind: group\n", "  kind: group\n  parent: MM-LEN-REF\n"))
    msgs = [str(p) for p in validate(kb)]
    assert "diseases/diseases.yaml:4 [HEME] .parent: parent chain loops: HEME -> MM-LEN-REF -> MM -> HEME" in msgs
    assert len(msgs) == 3  # every disease on the loop is reported (HEME, MM, MM-LEN-REF)
