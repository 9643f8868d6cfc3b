"""Per-sample JSON round-trips through SampleResult.from_dict, and files written by earlier and by
this version stay readable (anndata's habit: outputs are kept as fixtures that tests must read).

tests/data/report/sample-report-1.0.*.json were written by the release before schema 1.1
(``level`` held a level even for calls that were not assessed); sample-report-1.1.*.json by the
release before schema 1.2 (observations without ``ccf_low`` / ``ccf_high``, no ``fragility``);
sample-report-1.2.*.json by this version (MM01 and CLL01 from ``refractor profile
examples/demo_cohort/samplesheet.csv --fragility``, so they carry the optional ``fragility``
field; EXP1 from ``refractor profile --sample EXP1 --disease MM --prior lenalidomide``, without
it). Do not regenerate the 1.0 / 1.1 files: they are the record of what earlier versions wrote.
"""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from refractor.errors import InputError
from refractor.interpret import LEVELS, SCHEMA_VERSION, SampleResult
from refractor.report import sample_report_schema

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "report"


def _load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("sample-report-*.json")))
def test_fixture_validates_and_is_read(name):
    doc = _load(name)
    jsonschema.Draft202012Validator(sample_report_schema()).validate(doc)
    r = SampleResult.from_dict(doc)
    assert r.sample == doc["sample"] and len(r.agents) == len(doc["agents"])
    for a, d in zip(r.agents, doc["agents"]):
        # one meaning everywhere: a call that was not assessed never reads as a level
        if not d["assessable"]:
            assert a.level in ("not_assessable", "no_knowledge") and not a.is_level
        else:
            assert a.level in LEVELS and a.status == "assessed"


def test_this_version_round_trips_exactly():
    for p in FIXTURES.glob(f"sample-report-{SCHEMA_VERSION}.*.json"):
        doc = _load(p.name)
        assert SampleResult.from_dict(doc).to_dict() == doc, p.name


def test_schema_1_0_not_assessable_level_is_read_as_the_status_word():
    """1.0 wrote level 'susceptible' next to assessable false for an exposure-only sample."""
    doc = _load("sample-report-1.0.EXP1.json")
    lena = next(a for a in doc["agents"] if a["agent"] == "lenalidomide")
    assert lena["level"] == "susceptible" and lena["assessable"] is False  # what 1.0 wrote
    r = SampleResult.from_dict(doc)
    assert r.agent("lenalidomide").level == "not_assessable"
    assert r.agent("lenalidomide").status == "not_assessable"


def test_clonal_fraction_is_in_the_mechanism_entries():
    """The models read clonal_fraction from the per-sample JSON's mechanism entries."""
    doc = _load(f"sample-report-{SCHEMA_VERSION}.CLL01.json")
    g = next(m for m in doc["mechanisms"] if m["mechanism"] == "bcl2-g101v")
    assert g["status"] == "detected" and 0 < g["clonal_fraction"] <= 1
    assert SampleResult.from_dict(doc).mechanism("bcl2-g101v").clonal_fraction == g["clonal_fraction"]


@pytest.mark.parametrize("change, message", [
    ({"schema_version": "9.0"}, "not readable"),
    ({"schema": "something.else"}, "not a refractor.sample-report"),
    ({"agents": [{"agent": "x"}]}, "malformed"),
])
def test_unreadable_documents_are_input_errors(change, message):
    doc = {**_load(f"sample-report-{SCHEMA_VERSION}.MM01.json"), **change}
    with pytest.raises(InputError, match=message):
        SampleResult.from_dict(doc)


def test_fragility_is_optional_and_read_back():
    """Schema 1.2 adds ``fragility`` only when the sensitivity analysis ran: a 1.1 document
    (without it) reads as "not run" (None), a 1.2 one with it gives the fragile calls. In
    MM01 (lenalidomide-refractory) the lenalidomide call sits on the high band's edge: moving
    the refractoriness weight by -10 drops it (the test_fragility.py case)."""
    old = SampleResult.from_dict(_load("sample-report-1.1.MM01.json"))
    assert old.fragility is None and "fragility" not in old.to_dict()
    doc = _load(f"sample-report-{SCHEMA_VERSION}.MM01.json")
    r = SampleResult.from_dict(doc)
    lena = next(f for f in r.fragility if f.agent == "lenalidomide")
    assert lena.call == r.agent("lenalidomide").level == "high"
    assert lena.n_perturbations >= 1 and any("-10" in c for c in lena.changed_by)
    exp1 = SampleResult.from_dict(_load(f"sample-report-{SCHEMA_VERSION}.EXP1.json"))
    assert exp1.fragility is None


def test_build_is_optional_and_read_back():
    """Schema 1.2's optional ``build``: the genome build the sample's coordinates were read on.
    Documents without it (1.0, 1.1 and the 1.2 fixtures above) read as "not recorded" (None) and
    still validate; one with it validates and round-trips. A build other than GRCh38 / GRCh37 is
    not a build Refractor reads coordinates on, so the schema refuses it."""
    old = SampleResult.from_dict(_load("sample-report-1.1.MM01.json"))
    assert old.build is None and "build" not in old.to_dict()
    doc = {**_load(f"sample-report-{SCHEMA_VERSION}.EXP1.json"), "build": "GRCh37"}
    validator = jsonschema.Draft202012Validator(sample_report_schema())
    validator.validate(doc)
    r = SampleResult.from_dict(doc)
    assert r.build == "GRCh37" and r.to_dict() == doc
    assert list(r.to_dict()).index("build") == list(r.to_dict()).index("scoring_version") + 1
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**doc, "build": "hg18"})
