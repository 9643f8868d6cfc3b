"""Golden-style interpretation cases for the second knowledge-gap pass, through real sample files.

Each case of ``gaps2_cases.yaml`` becomes one sample of one cohort: a MAF (variants), a SEG file
(copy number), a PSI table (splicing) and a samplesheet are written to a temporary folder and read
with :func:`refractor.io.read_samplesheet`, then interpreted with the packaged knowledge base. The
biological reason for every expectation, with its reference, is in the case's ``why``.

No coordinate is typed: MAF positions and segment ends are the gene's locus from the shipped MANE
table (``refractor.reference.gene_table("GRCh38")``).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from refractor.interpret import interpret
from refractor.io import read_samplesheet
from refractor.kb import KnowledgeBase
from refractor.reference import gene_table

CASES = yaml.safe_load((Path(__file__).parent / "gaps2_cases.yaml").read_text(encoding="utf-8"))
LEVELS = ["susceptible", "low", "intermediate", "high"]
MAF_CLASS = {"missense": "Missense_Mutation", "nonsense": "Nonsense_Mutation",
             "frameshift": "Frame_Shift_Del", "silent": "Silent"}


def _write_files(folder: Path) -> Path:
    genes = gene_table("GRCh38").set_index("gene")
    maf = ["Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tVariant_Classification\t"
           "Tumor_Sample_Barcode\tHGVSp_Short\tt_alt_count\tt_depth"]
    seg = ["ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean"]
    psi = ["sample\tgene\tevent\tpsi\treads"]
    sheet = ["sample,disease,maf,seg,psi"]
    for case in CASES:
        s = case["id"]
        for gene, cons, change, vaf in case.get("variants", []):
            g = genes.loc[gene]
            maf.append(f"{gene}\tGRCh38\t{g.chrom}\t{g.start}\t{MAF_CLASS[cons]}\t{s}\t{change}\t"
                       f"{round(vaf * 100)}\t100")
        for gene, log2 in case.get("copy_number", {}).items():
            g = genes.loc[gene]
            seg.append(f"{s}\t{g.chrom}\t{g.locus_start}\t{g.locus_end}\t50\t{log2}")
        for gene, event, value, reads in case.get("splicing", []):
            psi.append(f"{s}\t{gene}\t{event}\t{value}\t{reads}")
        sheet.append(f"{s},{case['disease']},"
                     f"{'cases.maf' if case.get('variants') else ''},"
                     f"{'cases.seg' if case.get('copy_number') else ''},"
                     f"{'cases_psi.tsv' if case.get('splicing') else ''}")
    for name, lines in (("cases.maf", maf), ("cases.seg", seg), ("cases_psi.tsv", psi),
                        ("samplesheet.csv", sheet)):
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "samplesheet.csv"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    sheet = _write_files(tmp_path_factory.mktemp("gaps2_cases"))
    return interpret(read_samplesheet(sheet), KnowledgeBase.load())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case, results):
    r = results[case["id"]]
    fired = {m.mechanism: m.status for m in r.mechanisms if m.status in ("detected", "possible")}
    for mech, status in (case.get("found") or {}).items():
        assert fired.get(mech) == status, f"{mech}: expected {status}, got {fired.get(mech)} ({case['why']})"
    for mech in case.get("absent", []):
        assert mech not in fired, f"{mech} fired ({fired[mech]}) but must not ({case['why']})"
    calls = {a.agent: a for a in r.agents}
    for agent, level in case["agents"].items():
        a = calls[agent]
        terms = "; ".join(f"{'+'.join(t.mechanisms) or t.status} {t.contribution:+g}" for t in a.trace)
        assert a.level == level, f"{agent}: expected {level}, got {a.level} (score {a.score:g}: {terms})"
    for agent, level in (case.get("not") or {}).items():
        assert LEVELS.index(calls[agent].level) < LEVELS.index(level), (agent, calls[agent].level)


def test_every_case_sample_was_read_from_the_files(results):
    """The samplesheet path really carried the data: one result per case, and each case's measured
    kinds were assessed (a reader that silently dropped a file would leave them unassessed)."""
    assert set(results.samples) == {c["id"] for c in CASES}
    kinds = {"variants": "variant", "copy_number": "copy_number", "splicing": "splicing"}
    for case in CASES:
        r = results[case["id"]]
        fired = {m.mechanism for m in r.mechanisms if m.status in ("detected", "possible")}
        assert fired, f"{case['id']}: nothing fired although it has {sorted(set(case) & set(kinds))}"
