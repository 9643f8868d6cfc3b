"""STAR junctions -> CRBN exon-10 skipping PSI; PSI tables."""
import pytest

from refractor.errors import InputError
from refractor.io import read_junctions, read_psi


def test_psi_grch38(data):
    s = read_junctions(data / "S1_GRCh38.SJ.out.tab", sample="S1")
    r = s.iloc[0]
    assert (r["sample"], r["gene"], r["event"]) == ("S1", "CRBN", "exon10_skipping")
    # skip 30, inclusion 40 (9->10) and 50 (10->11): PSI = 30 / (30 + 45)
    assert r["psi"] == pytest.approx(30 / (30 + 45)) and r["reads"] == 120
    assert r["source"] == f"{data / 'S1_GRCh38.SJ.out.tab'}:2,3,4"


def test_psi_grch37(data):
    r = read_junctions(data / "S1_GRCh37.SJ.out.tab", sample="S1", build="GRCh37").iloc[0]
    assert r["psi"] == pytest.approx(10 / (10 + 80)) and r["reads"] == 170


def test_wrong_build_is_an_error_not_uninformative(data):
    """A GRCh38-aligned SJ.out.tab read as GRCh37 has reads only at the GRCh38 CRBN junctions; it
    used to give "no informative junction" (PSI NaN, a silent not-assessed); it is the wrong build."""
    with pytest.raises(InputError, match="aligned to GRCh38; give build GRCh38"):
        read_junctions(data / "S1_GRCh38.SJ.out.tab", sample="S1", build="GRCh37")
    with pytest.raises(InputError, match="aligned to GRCh37"):
        read_junctions(data / "S1_GRCh37.SJ.out.tab", sample="S1")  # default GRCh38


def test_strand_must_match(tmp_path):
    p = tmp_path / "SJ.out.tab"
    p.write_text("chr3\t3151046\t3153423\t1\t1\t0\t30\t0\t40\n")  # + strand: not the CRBN intron
    r = read_junctions(p, sample="x").iloc[0]
    assert r["reads"] == 0


def test_junction_errors(tmp_path):
    p = tmp_path / "SJ.out.tab"
    p.write_text("chr3\t3151046\t3153423\t2\t2\t0\t30\t0\t40\nchr3\t3152588\t3153423\t2\t2\t1\tmany\t1\t50\n")
    with pytest.raises(InputError) as e:
        read_junctions(p, sample="x")
    assert (e.value.line, e.value.column) == (2, "unique_reads")
    q = tmp_path / "short.tab"
    q.write_text("chr3\t3151046\t3153423\t2\n")
    with pytest.raises(InputError) as e:
        read_junctions(q, sample="x")
    assert e.value.line == 1 and "expected 9 fields" in e.value.problem


def test_psi_table(data, tmp_path):
    s = read_psi(data / "psi.tsv")
    assert s[["sample", "psi"]].values.tolist() == [["S1", 0.35], ["S2", 0.02]]
    assert s["reads"].tolist() == [80, 150]
    p = tmp_path / "bad.tsv"
    p.write_text("sample\tgene\tevent\tpsi\nS1\tCRBN\texon10_skipping\t1.5\n")
    with pytest.raises(InputError) as e:
        read_psi(p)
    assert (e.value.line, e.value.column) == (2, "psi")


def _kb_splicing_events():
    from refractor.kb import KnowledgeBase

    events = set()

    def walk(term):
        if getattr(term, "kind", None) == "splicing":
            events.add((term.gene, term.event))
        for child in getattr(term, "all", None) or getattr(term, "any", None) or ():
            walk(child)

    for b in KnowledgeBase.load().biomarkers.values():
        walk(b.profile)
    return events


def test_every_kb_splicing_event_is_computed_from_junctions():
    """A KB splicing rule whose event the junction reader never computes would be silently
    unassessable from STAR files (it was for CD19 exon 2); the two lists must agree."""
    from refractor.io._splicing import DEFAULT_EVENTS, event_name

    computed = {(gene, event_name(exon)) for gene, exon in DEFAULT_EVENTS}
    kb_events = _kb_splicing_events()
    assert ("CRBN", "exon10_skipping") in kb_events  # the walk found the rules at all
    assert kb_events <= computed


def test_cd19_exon2_skipping_from_junctions(tmp_path):
    """CD19 exon-2 skipping (CAR-T epitope loss, Sotillo et al. 2015, PMID 26516065): junction
    coordinates taken from the shipped MANE exon table (CD19 is on the + strand)."""
    import gzip

    import pandas as pd

    from refractor.reference import __file__ as ref_init
    from pathlib import Path

    exons = pd.read_csv(Path(ref_init).parent / "data" / "exons_GRCh38.tsv.gz", sep="\t")
    cd19 = exons[exons["gene"] == "CD19"].set_index("exon_number")
    e1, e2, e3 = (cd19.loc[k] for k in (1, 2, 3))
    # STAR SJ.out.tab: 1-based first and last intronic base
    skip = (e1["end"] + 1, e3["start"] - 1)
    inc_up = (e1["end"] + 1, e2["start"] - 1)
    inc_down = (e2["end"] + 1, e3["start"] - 1)
    p = tmp_path / "SJ.out.tab"
    p.write_text("".join(f"chr16\t{a}\t{b}\t1\t1\t1\t{n}\t0\t40\n"
                         for (a, b), n in ((skip, 60), (inc_up, 20), (inc_down, 20))))
    out = read_junctions(p, sample="R1")
    r = out[out["gene"] == "CD19"].iloc[0]
    assert r["event"] == "exon2_skipping"
    assert r["psi"] == pytest.approx(60 / (60 + 20)) and r["reads"] == 100
