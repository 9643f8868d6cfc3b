"""MAF reading and the annotated-MAF writer."""
import gzip
import math

import pandas as pd
import pytest

from refractor.errors import InputError
from refractor.io import atomic_write, read_maf, write_annotated_maf


def test_read_maf_values(data):
    v = read_maf(data / "mini.maf")
    assert v.attrs["build"] == "GRCh38"
    assert v.attrs["samples"] == ["S1", "S2", "S4"]
    # t_alt_count / t_depth also kept as the optional read-count columns (the CCF interval's input)
    assert list(v.columns) == ["sample", "gene", "consequence", "protein_change", "vaf", "source", "alt_count", "depth"]
    rows = {(r.sample, r.gene): r for r in v.itertuples()}
    bcl2 = rows[("S1", "BCL2")]
    assert (bcl2.consequence, bcl2.protein_change, bcl2.vaf) == ("missense", "p.G101V", 0.25)  # 30/120
    assert (bcl2.alt_count, bcl2.depth) == (30, 120)
    assert bcl2.source == f"{data / 'mini.maf'}:4"  # 2 comment lines + header
    assert rows[("S1", "CRBN")].consequence == "frameshift"
    assert rows[("S2", "CRBN")].consequence == "splice_site" and rows[("S2", "CRBN")].protein_change == ""
    assert math.isnan(rows[("S2", "TP53")].vaf)  # t_depth 0
    assert rows[("S2", "DNMT3A")].consequence == "inframe_indel"
    assert [rows[("S4", g)].consequence for g in ("NRAS", "KRAS", "FLT3", "IKZF1")] == [
        "silent", "other", "stop_lost", "start_lost"]


def test_read_maf_gzip_and_build_mismatch(data, tmp_path):
    gz = tmp_path / "m.maf.gz"
    gz.write_bytes(gzip.compress((data / "mini.maf").read_bytes()))
    assert len(read_maf(gz)) == 9
    with pytest.raises(InputError) as e:
        read_maf(data / "mini.maf", build="GRCh37")
    assert e.value.line == 4 and e.value.column == "NCBI_Build"


def test_legacy_protein_change_columns(tmp_path):
    p = tmp_path / "legacy.maf"
    p.write_text("Hugo_Symbol\tNCBI_Build\tVariant_Classification\tTumor_Sample_Barcode\tamino_acid_change\ti_TumorVAF_WU\n"
                 "BCL2\thg19\tMissense_Mutation\tX1\tG101V\t41.5\n")
    v = read_maf(p)
    assert v.attrs["build"] == "GRCh37"
    assert v.loc[0, "protein_change"] == "p.G101V" and v.loc[0, "vaf"] == pytest.approx(0.415)


def test_write_annotated_maf_keeps_original(data, tmp_path):
    out = tmp_path / "annotated.maf"
    extra = pd.DataFrame({"refractor_mechanism": ["bcl2-g101v", "crbn-loss"], "refractor_level": ["high", None]}, index=[0, 1])
    write_annotated_maf(data / "mini.maf", extra, out)
    src = (data / "mini.maf").read_text().splitlines()
    got = out.read_text().splitlines()
    assert got[:2] == src[:2]
    assert got[2] == src[2] + "\trefractor_mechanism\trefractor_level"
    assert got[3] == src[3] + "\tbcl2-g101v\thigh"
    assert got[4] == src[4] + "\tcrbn-loss\t"
    assert got[5] == src[5] + "\t\t"
    assert len(got) == len(src)
    # the annotated copy is itself a readable MAF with the same variants
    assert read_maf(out)[["sample", "gene", "protein_change"]].equals(read_maf(data / "mini.maf")[["sample", "gene", "protein_change"]])
    gz = tmp_path / "annotated.maf.gz"
    write_annotated_maf(data / "mini.maf", extra, gz)
    assert gzip.decompress(gz.read_bytes()).decode().splitlines() == got
    with pytest.raises(InputError, match="already present"):
        write_annotated_maf(data / "mini.maf", pd.DataFrame({"Hugo_Symbol": ["x"]}), tmp_path / "x.maf")
    with pytest.raises(InputError, match="outside"):
        write_annotated_maf(data / "mini.maf", pd.DataFrame({"a": ["x"]}, index=[99]), tmp_path / "x.maf")
    assert not (tmp_path / "x.maf").exists()


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "report.json"
    with atomic_write(target) as fh:
        fh.write("{}")
    assert target.read_text() == "{}"
    with pytest.raises(RuntimeError):
        with atomic_write(target) as fh:
            fh.write("partial")
            raise RuntimeError("boom")
    assert target.read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_annotate_by_source_line(data, tmp_path):
    v = read_maf(data / "mini.maf")
    lines = v["source"].str.rsplit(":", n=1).str[1].astype(int)
    extra = pd.DataFrame({"level": ["high"]}, index=[int(lines[v["gene"] == "TP53"].iloc[0])])
    out = tmp_path / "a.maf"
    write_annotated_maf(data / "mini.maf", extra, out, key="line")
    got = out.read_text().splitlines()
    assert got[6].startswith("TP53\t") and got[6].endswith("\thigh") and got[3].endswith("\t")


def test_header_only_maf_is_assessed(tmp_path):
    p = tmp_path / "none.maf"
    p.write_text("#version 2.4\nHugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\n")
    assert len(read_maf(p)) == 0
    from refractor.io import cohort_from_flags

    c = cohort_from_flags(sample="P1", disease="CLL", maf=p)
    assert c.is_assessed("P1", "variant") and len(c.variants) == 0
