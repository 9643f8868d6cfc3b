"""`refractor kb evidence` and `kb show` print the PMID / DOI behind every source (issue 11), so a
reader needs no second lookup; the same citation is in the JSON output.

Identifiers asserted are those recorded (and verified with the search tool) in the KB's sources:
Woyach et al. NEJM 2014 = PMID 24869598, doi:10.1056/NEJMoa1400029; Sotillo et al. Cancer Discov
2015 = PMID 26516065, doi:10.1158/2159-8290.CD-15-1020; seed 004 reference 296 (KEYNOTE-183) carries
only the DOI printed in the seed, 10.1016/S2352-3026(19)30110-3.
"""
from __future__ import annotations

import json

import pytest

from refractor.cli import main
from refractor.kb import KnowledgeBase
from refractor.kb._cite import citation, citations_in, format_citation


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, _ = capsys.readouterr()
    return code, out


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def test_evidence_table_and_json_show_pmid_and_doi(capsys):
    code, out = run(capsys, "kb", "evidence", "btk-c481-mutation")
    assert code == 0
    assert "PMID / DOI" in out and "PMID 24869598" in out
    code, out = run(capsys, "kb", "evidence", "cd19-exon2-skipping", "--json")
    items = json.loads(out)
    cited = {e["id"]: e["citation"] for e in items}
    assert cited["ev-g2-cd19-exon2-skipping-cart19"]["pmid"] == "26516065"
    assert cited["ev-g2-cd19-exon2-skipping-cart19"]["doi"] == "10.1158/2159-8290.CD-15-1020"
    assert all(e["source"] == e["citation"]["source"] for e in items)


def test_show_lists_every_cited_source_with_its_identifiers(capsys):
    code, out = run(capsys, "kb", "show", "btk-c481-variant")
    assert code == 0
    assert "pmid:24869598: PMID 24869598 · doi:10.1056/NEJMoa1400029 (Woyach JA et al., N Engl J Med, 2014)" in out
    code, out = run(capsys, "kb", "show", "btk-c481-mutation", "--json")
    shown = json.loads(out)
    assert [c["source"] for c in shown["citations"]] == [s["source"] for s in shown["item"]["sources"]]


def test_a_source_cites_itself_and_url_sources_say_they_have_no_pmid(kb):
    cites = citations_in(kb, kb.item("pmid:24869598"))
    assert [(c["pmid"], c["doi"]) for c in cites] == [("24869598", "10.1056/NEJMoa1400029")]
    url = "url:http://www.bloodjournal.org/content/129/11/1469"
    assert format_citation(citation(kb, url)).startswith("no PMID/DOI: http://www.bloodjournal.org/")


def test_seed_reference_with_a_printed_doi_shows_it(kb):
    ref = next(s for s in kb.sources.values() if s.kind == "ref" and s.doi == "10.1016/S2352-3026(19)30110-3")
    c = citation(kb, ref.id)
    assert c["doi"] == "10.1016/S2352-3026(19)30110-3" and c["pmid"] is None
    assert format_citation(c) == "doi:10.1016/S2352-3026(19)30110-3"
    # a seed reference without a verified identifier says so and names the paper instead
    bare = next(s for s in kb.sources.values() if s.kind == "ref" and not s.doi and not s.pmid)
    assert format_citation(citation(kb, bare.id)).startswith(f"no PMID/DOI ({bare.id}: ")
