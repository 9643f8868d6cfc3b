"""The KB as the one resolver of agent and disease names (issue 11).

Biology/provenance behind the expectations (each name is declared, with its source, in the
packaged KB's agent entry; the tests read the source back rather than trusting the code):
* ABT-199, GDC-0199 and RG7601 are development codes of venetoclax, Venclexta its US brand
  (J Hematol Oncol review "ABT-199 (venetoclax) and BCL-2 inhibitors in clinical development";
  Drugs.com venetoclax monograph).
* CC-5013 / Revlimid are lenalidomide (Mark & Niesvizky 2007, doi:10.17925/OHR.2007.00.2.26);
  CC-4047 / Pomalyst / Imnovid are pomalidomide (NCI Drug Dictionary); CC-220 iberdomide and
  CC-92480 mezigdomide are named so in seed 003; BGB-11417 is sonrotoclax.
* OncoTree's PCM ("Plasma Cell Myeloma") is multiple myeloma and CLLSLL is CLL/SLL.
"""
from __future__ import annotations

import pytest

from refractor.errors import InputError, NotFoundError
from refractor.kb import KnowledgeBase, validate
from refractor.kb._resolve import name_key


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.mark.parametrize("name,agent,via,source", [
    ("ABT-199", "venetoclax", "code", "url:http://www.jhoonline.org/content/8/1/129/abstract"),
    ("GDC-0199", "venetoclax", "code", "url:http://www.jhoonline.org/content/8/1/129/abstract"),
    ("Venclexta", "venetoclax", "brand", "url:https://www.drugs.com/ppa/venetoclax.html"),
    ("CC-5013", "lenalidomide", "code", "doi:10.17925/OHR.2007.00.2.26"),
    ("Revlimid", "lenalidomide", "brand", "doi:10.17925/OHR.2007.00.2.26"),
    ("CC-4047", "pomalidomide", "code",
     "url:https://www.cancer.gov/publications/dictionaries/cancer-drug/def/pomalidomide"),
    ("Imnovid", "pomalidomide", "brand",
     "url:https://www.cancer.gov/publications/dictionaries/cancer-drug/def/pomalidomide"),
    ("BGB-11417", "sonrotoclax", "code",
     "url:https://join.targetedonc.com/view/fda-breakthrough-designation-signals-new-therapeutic-avenue-in-r-r-mcl"),
    ("Velcade", "bortezomib", "brand",
     "url:https://www.cancernetwork.com/view/pharmacology-pharmacokinetics-and-practical-applications-bortezomib"),
])
def test_brand_names_and_development_codes_resolve_with_their_source(kb, name, agent, via, source):
    res = kb.explain_agent(name)
    assert (res.id, res.via, res.source) == (agent, via, source)
    assert source in kb.sources  # the source is a KB record (kb validate checks the reference)
    assert name in res.reason and agent in res.reason and source in res.reason


@pytest.mark.parametrize("name,agent", [
    ("CC-220", "iberdomide"), ("CC-92480", "mezigdomide"),  # seed 003 development codes
    ("cc 220", "iberdomide"), ("cc220", "iberdomide"), ("abt199", "venetoclax"),
    ("VENETOCLAX", "venetoclax"), ("Revlimid\u00ae", "lenalidomide"),
    ("R-CHOP", "r-chop"), ("r chop", "r-chop"), ("PVd", "pvd"),  # regimens
    ("axicabtagene ciloleucel", "axicabtagene-ciloleucel"), ("axi-cel", "axicabtagene-ciloleucel"),
])
def test_case_blank_and_hyphen_insensitive(kb, name, agent):
    assert kb.resolve_agent(name) == agent


def test_regimens_expand_to_their_components(kb):
    # R-CHOP = rituximab + cyclophosphamide + doxorubicin + vincristine + prednisone (KB regimen)
    assert kb.resolve_agents(["R-CHOP"], expand_regimens=True) == [
        "r-chop", "rituximab", "cyclophosphamide", "doxorubicin", "vincristine", "prednisone"]
    assert kb.resolve_agents(["Rd", "lenalidomide"]) == ["rd", "lenalidomide"]


def test_typo_is_an_input_error_with_did_you_mean_and_where(kb):
    with pytest.raises(InputError) as e:
        kb.resolve_agent("venetoclx", where="--refractory")
    assert e.value.column == "--refractory" and e.value.exit_code == 2
    assert "unknown agent 'venetoclx'" in str(e.value) and "did you mean 'venetoclax'" in str(e.value)
    with pytest.raises(InputError) as e:
        kb.resolve_agents(["lenalidomide", "Revlimd"],
                          where={"path": "c.tsv", "line": 7, "column": "prior_agents"})
    assert (e.value.path, e.value.line, e.value.column) == ("c.tsv", 7, "prior_agents")
    assert "'Revlimid' (lenalidomide)" in str(e.value)  # the suggestion says which drug


def test_agent_classes_resolve_for_queries_but_not_for_histories(kb):
    assert kb.resolve_agent("IMiD") == "imid"
    assert {m.id for m in kb.mechanisms_for_agent("IMiD")} <= {
        m.id for a in kb.agents_in_class("imid") for m in kb.mechanisms_for_agent(a.id)}
    with pytest.raises(InputError, match=r"agent class.*lenalidomide"):
        kb.resolve_agents(["IMiD"])


def test_queries_keep_not_found_for_unknown_names(kb):
    with pytest.raises(NotFoundError, match=r"no agent with id 'lenalidomid'; did you mean 'lenalidomide'"):
        kb.mechanisms_for_agent("lenalidomid")
    # a brand name works in queries too
    assert kb.mechanisms_for_agent("Revlimid") == kb.mechanisms_for_agent("lenalidomide")


@pytest.mark.parametrize("name,code", [
    ("MM", "MM"), ("multiple myeloma", "MM"), ("PCM", "MM"), ("Plasma Cell Myeloma", "MM"),
    ("CLLSLL", "CLL"), ("Chronic Lymphocytic Leukemia/Small Lymphocytic Lymphoma", "CLL"),
    ("Acute Myeloid Leukemia", "AML"), ("DLBCLNOS", "DLBCL"), ("RRMM", "MM-RR"),
    ("MONDO:0009693", "MM"), ("mantle cell lymphoma", "MCL"), ("healthy", "NORMAL"),
])
def test_disease_codes_names_and_abbreviations(kb, name, code):
    assert kb.resolve_disease(name) == code


def test_unknown_disease_suggests(kb):
    with pytest.raises(InputError, match=r"unknown disease 'AMLL'; did you mean 'AML'"):
        kb.resolve_disease("AMLL", where="--disease")


def test_every_declared_name_resolves_to_its_own_entry(kb):
    """No name is shadowed: each agent name/code and each disease abbreviation resolves to the
    entry that declares it (kb validate would report a shared one)."""
    for a in kb.agents.values():
        for n in [a.id, a.name, *a.codes, *(x.name for x in a.names)]:
            assert kb.resolve_agent(n) == a.id, n
    for d in kb.diseases.values():
        for n in [d.id, d.name, *d.abbreviations]:
            assert kb.resolve_disease(n) == d.id, n


def test_shared_name_is_a_validation_problem(make_kb):
    """'R' could mean lenalidomide (R2) or rituximab (R-CHOP): a name two agents share cannot
    be resolved, so the KB refuses it at validation time."""
    import yaml

    root = make_kb()
    agents = sorted((root / "agents").glob("*.yaml"))[0]
    items = yaml.safe_load(agents.read_text())
    items[0].setdefault("codes", []).append("SHARED-1")
    items[1].setdefault("codes", []).append("shared 1")
    agents.write_text(yaml.safe_dump(items, sort_keys=False))
    problems = [p for p in validate(root) if "ambiguous" in p.message]
    assert len(problems) == 1 and "'shared 1'" in problems[0].message
    assert problems[0].entry == items[1]["id"]
    assert problems[0].field == f"codes.{len(items[1]['codes']) - 1}"
    assert problems[0].file.startswith(f"agents/{agents.name}:")  # file:line of the entry


def test_name_key():
    assert name_key(" CC\u2011220 ") == name_key("cc220") == name_key("Cc_220") == "cc220"
    assert name_key("R-CHOP") != name_key("R2-CHOP")


def test_a_name_that_shadows_an_agent_class_is_reported_on_the_agent():
    """An agent named 'IMiD' would hide the class from queries; the problem points at the agent."""
    from types import SimpleNamespace as Rec

    from refractor.kb._resolve import agent_index, name_conflicts

    agent = Rec(id="foo", name="IMiD", agent_class="other", codes=[], names=[], sources=[])
    [(entry, field, message)] = name_conflicts(agent_index({"foo": agent}, ["imid"]))
    assert (entry, field) == ("foo", ("name",)) and "'imid'" in message


def test_show_accepts_brand_names_and_abbreviations(kb):
    """`kb show Venclexta` is venetoclax (FDA brand name), `PCM` is multiple myeloma (OncoTree):
    the query path uses the same resolver as the interpreter; an unknown name stays not found."""
    from refractor.errors import NotFoundError

    assert kb.canonical_id("Venclexta") == "venetoclax"
    assert kb.canonical_id("PCM", "diseases") == "MM"
    assert kb.canonical_id("venetoclax") == "venetoclax"
    with pytest.raises(NotFoundError):
        kb.item(kb.canonical_id("nonsense-drug"))
