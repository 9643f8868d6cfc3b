"""Issue 15: outputs that scale - the streaming writer gives the same JSON as the records'
own ``to_dict``; Parquet tables hold the same calls as the TSVs; ``--outputs`` chooses what is
written; the report's compact data say the same as the calls."""
from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from _minikb import make_cohort
from refractor.errors import InputError
from refractor.interpret import interpret
from refractor.report import PARQUET_FILES, parse_outputs, write_outputs
from refractor.report._collect import _JsonText
from refractor.report._html import cohort_data


@pytest.fixture()
def result(kb):
    # A: CRBN nonsense (loss of the lenalidomide target, PMID cited in the mini KB) and
    # lenalidomide-refractory; B: high MCL1 (venetoclax resistance); C: BCL2 G101V
    c = make_cohort(
        [dict(sample="A", disease="MM", refractory_agents=["lenalidomide"]),
         dict(sample="B/x", disease="AML", subtype="M5"), dict(sample="C", disease="CLL")],
        {"A": ["variant", "history"], "B/x": ["expression"], "C": ["variant"]},
        variants=[dict(sample="A", gene="CRBN", consequence="nonsense", protein_change="p.Q99*",
                       vaf=0.4, source="in.maf:2"),
                  dict(sample="C", gene="BCL2", consequence="missense", protein_change="p.G101V",
                       vaf=0.1, source="in.maf:3")],
        expression=[dict(sample="B/x", gene="MCL1", value=150.0)])
    return interpret(c, kb)


def test_streamed_json_is_the_records_own(result):
    """The JSON written straight from the records (orjson) is the records' own ``to_dict``:
    same keys in the same order, same values (numbers parsed back to the same floats)."""
    to_json = _JsonText()
    for r in result:
        text = to_json(r)
        assert to_json._direct is True  # the fast path was checked and taken
        doc = json.loads(text)
        ref = r.to_dict()
        assert doc == ref and list(doc) == list(ref)
        assert [list(a) for a in doc["agents"]] == [list(a) for a in ref["agents"]]


def test_workers_write_the_same_files(result, tmp_path, kb):
    """The per-sample pass split over forked worker processes writes the same bytes as the
    pass in one process (JSON, agents.tsv, every Parquet table, and the report, whose plots
    and matrix data a worker builds during the pass)."""
    one, two = tmp_path / "one", tmp_path / "two"
    write_outputs(result, one, kb=kb, workers=1)
    write_outputs(result, two, kb=kb, workers=2)
    for name in ("agents.tsv", "cohort_levels.tsv", "mechanisms.tsv"):
        assert (one / name).read_bytes() == (two / name).read_bytes()
    for f in (one / "samples").iterdir():
        assert f.read_bytes() == (two / "samples" / f.name).read_bytes()
    for name in ("agents.parquet", "observations.parquet", "traces.parquet", "cohort_levels.parquet",
                 "mechanisms.parquet"):
        assert pq.read_table(one / name).equals(pq.read_table(two / name))
    assert (one / "report.html").read_bytes() == (two / "report.html").read_bytes()
    assert not (two / ".parts").exists()


def test_agents_tsv_is_what_pandas_writes(result, tmp_path, kb):
    """agents.tsv (joined from per-chunk text) is byte for byte pandas' to_csv of the same
    long table (the format earlier runs wrote)."""
    from refractor.report import agent_table

    write_outputs(result, tmp_path / "o", kb=kb, outputs="tsv,parquet")
    text = (tmp_path / "o" / "agents.tsv").read_text()
    ref = agent_table(result)
    assert text == ref.to_csv(sep="\t", index=False)
    # the Parquet copy holds the same values and types (no-knowledge score null)
    got = pd.read_parquet(tmp_path / "o" / "agents.parquet")
    pd.testing.assert_frame_equal(got, ref, check_dtype=True)
    # only Parquet asked for: the same table, and no agents.tsv left behind
    write_outputs(result, tmp_path / "p", kb=kb, outputs="parquet")
    assert not (tmp_path / "p" / "agents.tsv").exists()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "p" / "agents.parquet"), ref)


def test_parquet_tables_match_tsvs(result, tmp_path, kb):
    out = tmp_path / "o"
    paths = write_outputs(result, out, kb=kb)
    assert {f"parquet:{f}" for f in PARQUET_FILES.values()} <= set(paths)
    lv_tsv = pd.read_csv(out / "cohort_levels.tsv", sep="\t", index_col="sample", keep_default_na=False)
    lv_pq = pd.read_parquet(out / "cohort_levels.parquet").set_index("sample").fillna("")
    assert lv_pq.equals(lv_tsv)
    ag_tsv = pd.read_csv(out / "agents.tsv", sep="\t", keep_default_na=False)
    ag_pq = pd.read_parquet(out / "agents.parquet")
    assert list(ag_pq.columns) == list(ag_tsv.columns)
    assert ag_pq["level"].tolist() == ag_tsv["level"].tolist()
    meta = pq.read_schema(out / "agents.parquet").metadata
    assert meta[b"refractor.kb_hash"].decode() == result.kb_hash
    # CRBN loss in A is a detected mechanism with its observation; the lenalidomide trace cites it
    obs = pd.read_parquet(out / "observations.parquet")
    a = obs[(obs["sample"] == "A") & (obs["gene"] == "CRBN")]
    assert len(a) and set(a["status"]) <= {"detected", "possible"} and a["source"].iloc[0] == "in.maf:2"
    # the clonal fraction and its read-count interval (schema 1.2) are columns too
    assert {"clonal_fraction", "ccf_low", "ccf_high"} <= set(obs.columns)
    tr = pd.read_parquet(out / "traces.parquet")
    len_a = tr[(tr["sample"] == "A") & (tr["agent"] == "lenalidomide")]
    assert len(len_a) and (len_a["contribution"] > 0).any()


def test_outputs_option_chooses_files(result, tmp_path, kb):
    out = tmp_path / "o"
    paths = write_outputs(result, out, kb=kb, outputs="parquet")
    names = {p.name for p in out.iterdir()}
    assert names == set(PARQUET_FILES.values()) | {".refractor-outdir"}
    assert "samples" not in paths and "report" not in paths
    # a later run replaces it as a whole: no Parquet left beside the TSV-only run
    write_outputs(result, out, kb=kb, outputs="tsv,json")
    assert {p.name for p in out.iterdir()} == {".refractor-outdir", "samples", "cohort_levels.tsv",
                                               "agents.tsv", "mechanisms.tsv", "warnings.tsv"}
    assert parse_outputs(None) == parse_outputs("all")
    with pytest.raises(InputError, match="unknown output kind 'xlsx'.*json, tsv, parquet, maf, html"):
        parse_outputs("json,xlsx")


def test_replaced_all_or_nothing_with_new_writers(result, tmp_path, kb, monkeypatch):
    import refractor.report._tables as t

    out = tmp_path / "o"
    write_outputs(result, out, kb=kb, outputs="tsv")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def boom(*a, **k):
        raise RuntimeError("disk full while writing Parquet")

    monkeypatch.setattr(t.pq, "write_table", boom)
    with pytest.raises(RuntimeError):
        write_outputs(result, out, kb=kb)  # fails after JSON and TSVs were staged
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not (out / "samples").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["o"]  # no staging directory left


def test_report_data_say_the_calls(result):
    from refractor.report._html import _digests

    d = cohort_data(result, _digests(result), None)
    k = d["agents"].index("lenalidomide")
    i = d["samples"].index("A")
    # the cohort data carry the same level as the sample's own call
    call = result["A"].agent("lenalidomide")
    assert "0123n"[["susceptible", "low", "intermediate", "high"].index(call.level)] == d["calls"][i][k]
    found = {d["mechanisms"][m] for m, _, _ in d["found"][i]}
    assert found == {m.mechanism for m in result["A"].mechanisms if m.status in ("detected", "possible")}


def test_maf_copy_is_the_io_writers(tmp_path, kb):
    """The one-pass annotated MAF equals io.write_annotated_maf with maf_annotations' columns,
    byte for byte (comment line, original columns, a sample absent from the cohort, a
    tab inside no cell)."""
    from refractor.io import read_maf, write_annotated_maf
    from refractor.report import maf_annotations
    from refractor.report._collect import collect
    from refractor.report._maf import write_maf_copy

    maf = tmp_path / "in.maf"
    maf.write_text("#version 2.4\n"
                   "Hugo_Symbol\tVariant_Classification\tHGVSp_Short\tTumor_Sample_Barcode\tt_alt_count\tt_depth\n"
                   "CRBN\tNonsense_Mutation\tp.Q99*\tA\t20\t50\n"
                   "TP53\tSilent\tp.L5L\tA\t10\t50\n"
                   "BCL2\tMissense_Mutation\tp.G101V\tC\t5\t50\n"
                   "KRAS\tMissense_Mutation\tp.G12D\tZ\t5\t50\n")
    v = read_maf(maf)
    c = make_cohort([dict(sample="A", disease="MM"), dict(sample="C", disease="CLL")],
                    {"A": ["variant"], "C": ["variant"]},
                    variants=[r for r in v.to_dict("records") if r["sample"] != "Z"])
    res = interpret(c, kb)
    write_annotated_maf(maf, maf_annotations(res, maf), tmp_path / "io.maf")
    got = collect(res, json_dir=None, filenames=None, want=frozenset({"maf"}))
    write_maf_copy(maf, res, got, tmp_path / "fast.maf", columns="full")
    fast = (tmp_path / "fast.maf").read_bytes()
    assert fast == (tmp_path / "io.maf").read_bytes()
    # the CRBN nonsense row carries the CRBN mechanism it supports; the TP53 silent row none
    rows = fast.decode().splitlines()
    head = rows[1].split("\t")
    crbn, tp53 = (dict(zip(head, r.split("\t"))) for r in rows[2:4])
    assert "crbn" in crbn["refractor_mechanisms"] and tp53["refractor_mechanisms"] == ""
    # the default (variant) set: the same rows with refractor_mechanisms only
    write_maf_copy(maf, res, got, tmp_path / "variant.maf")
    want = [ln.split("\t")[:head.index("refractor_mechanisms") + 1] for ln in rows[1:]]
    assert [ln.split("\t") for ln in (tmp_path / "variant.maf").read_text().splitlines()[1:]] == want


def test_cli_progress_covers_every_phase_and_outputs_option(tmp_path, monkeypatch, capsys):
    """One progress bar on stderr goes through reading, interpreting and writing (per sample);
    ``--outputs`` limits what is written; a bad kind is a one-line error, exit 2, no OUTDIR."""
    import io
    from pathlib import Path

    from rich.console import Console

    import refractor.cli._profile as prof
    from refractor.cli import main

    demo = Path(__file__).parents[2] / "examples" / "demo_cohort" / "samplesheet.csv"
    seen: list[str] = []
    real_phase = prof._Bar.phase

    def phase(self, name, total=None):
        seen.append(name)
        return real_phase(self, name, total)

    monkeypatch.setattr(prof._Bar, "phase", phase)
    buf = io.StringIO()
    monkeypatch.setattr(prof, "_err_console", lambda: Console(file=buf, force_terminal=True, width=100))
    out = tmp_path / "o"
    assert main(["profile", str(demo), "-o", str(out), "--outputs", "parquet,html"]) == 0
    assert seen == ["reading", "interpreting", "writing"]
    assert "writing" in buf.getvalue() and "12/12" in buf.getvalue()  # advanced per sample
    assert {p.name for p in out.iterdir()} == {".refractor-outdir", "report.html", *PARQUET_FILES.values()}
    assert "report" in capsys.readouterr().out.lower()
    bad = tmp_path / "bad"
    assert main(["profile", str(demo), "-o", str(bad), "--outputs", "json,pdf"]) == 2
    err = capsys.readouterr().err
    assert "unknown output kind 'pdf'" in err and "Traceback" not in err
    assert not bad.exists()


def test_a_failing_worker_fails_the_run_whole(result, tmp_path, kb, monkeypatch):
    """An error in one worker's chunk reaches the caller as the same exception, and nothing
    is written: no OUTDIR, no staging or part files left beside it."""
    import refractor.report._parallel as par

    real = par.collect

    def flaky(res, **kw):
        if kw["start"] > 0:
            raise ValueError("chunk broke")
        return real(res, **kw)

    monkeypatch.setattr(par, "collect", flaky)
    with pytest.raises(ValueError, match="chunk broke"):
        write_outputs(result, tmp_path / "o", kb=kb, workers=2)
    assert list(tmp_path.iterdir()) == []


def _broken_tables(*args):  # module level: a worker step is sent by reference
    raise OSError("disk full")


def test_a_failing_tables_step_in_a_worker_fails_the_run_whole(result, tmp_path, kb, monkeypatch):
    """The cohort-wide steps run in the workers too (while the report renders here): an error
    there also leaves nothing behind, and an earlier run in OUTDIR stays as it was."""
    import refractor.report._tables as tables

    write_outputs(result, tmp_path / "o", kb=kb, workers=1)
    before = sorted(p.name for p in (tmp_path / "o").rglob("*"))

    monkeypatch.setattr(tables, "tables_task", _broken_tables)
    with pytest.raises(OSError, match="disk full"):
        write_outputs(result, tmp_path / "o", kb=kb, workers=2)
    assert sorted(p.name for p in (tmp_path / "o").rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["o"]


_DAEMON_JOB: list = []  # set before the pool forks: the result is inherited, not pickled


def _write_in_daemon(_):  # module level: run in a multiprocessing pool's (daemonic) worker
    result, out = _DAEMON_JOB
    write_outputs(result, out, workers=2)
    return sorted(p.name for p in (out / "samples").iterdir())


def test_inside_a_pool_worker_the_pass_runs_in_process(result, tmp_path):
    """A daemonic pool worker may not start children: asked for two workers there, the writer
    runs the pass in its own process instead of failing."""
    import multiprocessing

    _DAEMON_JOB[:] = [result, tmp_path / "o"]
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            names = pool.apply(_write_in_daemon, (None,))
    finally:
        _DAEMON_JOB.clear()
    assert names == ["A.json", "B_x.json", "C.json"]


def test_progress_moves_with_chunked_writing():
    """With worker processes the writer reports progress per chunk (834, 1668, ... samples of
    10,000): the bar moves at each report, not only at the end."""
    import refractor.cli._profile as prof

    class Recorder:
        def __init__(self):
            self.completed = []

        def update(self, task, completed=None, **kw):
            if completed:
                self.completed.append(completed)

    bar = prof._Bar(False)
    bar._p = Recorder()
    bar.phase("writing", 10_000)
    for done in range(834, 10_000, 834):
        bar.advance(done)
    bar.advance(10_000)
    assert bar._p.completed == list(range(834, 10_000, 834)) + [10_000]
