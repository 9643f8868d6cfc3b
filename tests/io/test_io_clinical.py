"""Clinical tables: Refractor TSV, cBioPortal, TCGA-style annotation."""
import pandas as pd
import pytest

from refractor.errors import InputError
from refractor.interpret import interpret
from refractor.io import read_clinical, read_samplesheet
from refractor.io._clinical import split_agents
from refractor.kb import KnowledgeBase
from refractor.kb._resolve import name_key


def test_design_contract(data):
    c = read_clinical(data / "clinical.tsv")
    assert c["sample"].tolist() == ["S1", "S2", "S3"]
    s1 = c.iloc[0]
    assert s1["disease"] == "MM" and s1["subtype"] is None and s1["line"] == 3
    assert s1["prior_agents"] == ["lenalidomide", "bortezomib", "dexamethasone"]
    assert s1["refractory_agents"] == ["Lenalidomide"]  # as written: the KB resolves names
    assert s1["origin"]["refractory_agents"] == {"path": str(data / "clinical.tsv"), "line": 2,
                                                  "column": "refractory_agents"}
    assert c.iloc[1]["subtype"] == "M5" and c.iloc[2]["subtype"] == "t(11;14)"
    assert pd.isna(c.iloc[2]["line"])


def test_cbioportal(data):
    c = read_clinical(data / "cbioportal_clinical.txt")
    assert c["sample"].tolist() == ["P-001-T01", "P-002-T01", "P-003-T01"]
    assert c["disease"].tolist() == ["AML", "PCM", "CLLSLL"]  # ONCOTREE_CODE, as written
    # the KB resolves OncoTree codes (its disease abbreviations, sourced to OncoTree): plasma cell
    # myeloma is multiple myeloma, CLL/SLL is one disease (CLL)
    kb = KnowledgeBase.load()
    assert [kb.resolve_disease(d) for d in c["disease"]] == ["AML", "MM", "CLL"]


def test_column_mapping(tmp_path):
    p = tmp_path / "annot.tsv"
    p.write_text("barcode\tfab\tOS\nTCGA-1\tM4\t1\nTCGA-2\tNA\t0\n")
    c = read_clinical(p, columns={"sample": "barcode", "subtype": "fab"}, disease="AML")
    assert c[["sample", "disease", "subtype"]].values.tolist() == [["TCGA-1", "AML", "M4"], ["TCGA-2", "AML", None]]
    with pytest.raises(InputError) as e:
        read_clinical(p, columns={"sample": "Tumor_Sample_Barcode"})
    assert e.value.line == 1


def test_duplicate_sample(tmp_path):
    p = tmp_path / "c.tsv"
    p.write_text("sample\tdisease\nA\tMM\nB\tMM\nA\tAML\n")
    with pytest.raises(InputError) as e:
        read_clinical(p)
    assert (e.value.line, e.value.column) == (4, "sample")


def _clinical_sheet(tmp_path, rows: list[str], header="sample\tdisease\trefractory_agents\tprior_agents\tline"):
    (tmp_path / "clinical.tsv").write_text("\n".join([header, *rows]) + "\n")
    samples = [r.split("\t")[0] for r in rows]
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("sample,disease,clinical\n" + "".join(f"{s},,clinical.tsv\n" for s in samples))
    return sheet


def test_unknown_agent_in_clinical_file_names_file_line_column(tmp_path):
    """Issue 11: a misspelt agent in the clinical TSV was dropped silently (venetoclax then read
    `susceptible` for a venetoclax-refractory CLL). It is an input error naming file, line and
    column, with the closest KB name."""
    sheet = _clinical_sheet(tmp_path, ["C1\tCLL\tvenetoclax\t\t2", "C2\tCLL\tvenetoclx\t\t2"])
    with pytest.raises(InputError) as e:
        interpret(read_samplesheet(sheet), KnowledgeBase.load())
    err = e.value
    assert (err.path, err.line, err.column) == (str(tmp_path / "clinical.tsv"), 3, "refractory_agents")
    assert "unknown agent 'venetoclx'" in err.problem and "did you mean 'venetoclax'" in err.problem


def test_unknown_disease_in_clinical_file_names_file_line(tmp_path):
    sheet = _clinical_sheet(tmp_path, ["C1\tCLLL\t\t\t"])
    with pytest.raises(InputError, match=r"did you mean 'CLL'") as e:
        interpret(read_samplesheet(sheet), KnowledgeBase.load())
    assert (e.value.line, e.value.column) == (2, "disease")


def test_brand_name_and_code_in_clinical_file_give_the_drug_own_resistance(tmp_path):
    """Venclexta (US brand of venetoclax) and ABT-199 (its development code), both sourced in the
    KB agent entry: clinical refractoriness to the drug itself is high-level resistance (KB rule
    convention), so each history makes venetoclax `high`; CC-5013 (lenalidomide's code) makes
    lenalidomide `high` in MM for the same reason."""
    sheet = _clinical_sheet(tmp_path, ["B1\tCLL\tVenclexta\t\t2", "B2\tCLL\tABT-199\t\t2",
                                       "B3\tPlasma Cell Myeloma\tCC-5013\t\t2"])
    r = interpret(read_samplesheet(sheet), KnowledgeBase.load())
    assert r["B1"].agent("venetoclax").level == "high" and r["B2"].agent("venetoclax").level == "high"
    assert r["B3"].disease == "MM" and r["B3"].agent("lenalidomide").level == "high"


def test_agent_class_in_a_history_is_an_error_naming_its_members(tmp_path):
    """'IMiD' names a class (thalidomide, lenalidomide, pomalidomide), not the drug the disease is
    refractory to; the history rules score each drug differently, so the user must name it."""
    sheet = _clinical_sheet(tmp_path, ["M1\tMM\tIMiD\t\t3"])
    with pytest.raises(InputError, match=r"'IMiD' is an agent class .*lenalidomide") as e:
        interpret(read_samplesheet(sheet), KnowledgeBase.load())
    assert e.value.line == 2


@pytest.mark.parametrize("value", ["1e30", "-1", "inf", "2.5"])
def test_line_out_of_range_is_a_clean_error(tmp_path, value):
    """Issue 12: `line` = 1e30 ended in a traceback (int overflow); lines of therapy are whole
    numbers from 0 to 50 (the HTTP API's limit), the same bound as the --line flag."""
    p = tmp_path / "c.tsv"
    p.write_text(f"sample\tdisease\tline\nA\tMM\t{value}\n")
    with pytest.raises(InputError) as e:
        read_clinical(p)
    assert (e.value.line, e.value.column) == (2, "line")


def test_every_kb_name_resolves_the_same_on_the_clinical_history_path(tmp_path):
    """The two paths cannot diverge again (issue 11: 49 names the KB resolved became unknown ids
    in clinical histories). Every agent id, name, code and sourced brand/code the KB declares is
    written into a clinical TSV; the interpreted history holds exactly what
    ``KnowledgeBase.resolve_agents`` gives (regimens with their components)."""
    kb = KnowledgeBase.load()
    names = {}
    for a in kb.agents.values():
        for n in [a.id, a.name, *a.codes, *(x.name for x in a.names)]:
            names.setdefault(name_key(n), (n, a.id))
    cells = {k: n for k, (n, _) in names.items() if split_agents(n) == [n]}
    unsplittable = sorted(n for k, (n, _) in names.items() if k not in cells)
    assert unsplittable == []  # a name holding "," or ";" could not be written in a list cell
    rows = [f"S{i}\tMM\t{n}\t\t" for i, n in enumerate(cells.values())]
    sheet = _clinical_sheet(tmp_path, rows)
    cohort = read_samplesheet(sheet)
    from refractor.interpret._prepare import prepare
    from refractor.interpret._kbview import view_of

    prep = prepare(cohort, view_of(kb))
    for i, (key, n) in enumerate(cells.items()):
        expected = frozenset(kb.resolve_agents([n], expand_regimens=True))
        assert names[key][1] in expected and prep.refractory[i] == expected, n
    assert len(cells) > 150
    # and every disease code, name and abbreviation, through the same file
    dnames = {name_key(x): (x, d.id) for d in kb.diseases.values()
              for x in [d.id, d.name, *d.abbreviations]}
    rows = [f"D{i}\t{x}\t\t\t" for i, (x, _) in enumerate(dnames.values())]
    prep = prepare(read_samplesheet(_clinical_sheet(tmp_path, rows)), view_of(kb))
    assert list(prep.disease) == [d for _, d in dnames.values()]
