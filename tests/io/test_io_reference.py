"""Shipped reference tables and junction coordinates (refractor.reference)."""
import pytest

from refractor.errors import InputError
from refractor.io import read_segments
from refractor.reference import (
    chrom_sizes,
    crbn_exon10_junctions,
    exon_genes,
    exons,
    gene_table,
    junction_between,
    normalise_build,
    normalise_chrom,
)


@pytest.mark.parametrize(
    "build, skip, up, down",
    [
        # /work/shared/reference/README.md "Worked example: CRBN (NM_016302.4)" junction table
        ("GRCh38", (3151046, 3153423), (3152588, 3153423), (3151046, 3152455)),
        ("GRCh37", (3192730, 3195107), (3194272, 3195107), (3192730, 3194139)),
    ],
)
def test_crbn_exon10_junctions_match_reference_readme(build, skip, up, down):
    j = crbn_exon10_junctions(build)
    assert (j.skip.chrom, j.skip.strand) == ("chr3", "-")
    assert (j.skip.start, j.skip.end) == skip
    assert (j.inclusion_upstream.start, j.inclusion_upstream.end) == up
    assert (j.inclusion_downstream.start, j.inclusion_downstream.end) == down


def test_crbn_exons_match_reference_readme():
    # README worked example: exon 10 is 132 bp, chr3:3,152,456-3,152,587 (GRCh38), 3,194,140-3,194,271 (GRCh37)
    e38 = exons("CRBN", "GRCh38").set_index("exon_number")
    e37 = exons("CRBN", "GRCh37").set_index("exon_number")
    assert len(e38) == 11 and e38.loc[1, "transcript"] == "NM_016302.4"
    assert (e38.loc[10, "start"], e38.loc[10, "end"]) == (3152456, 3152587)
    assert (e37.loc[10, "start"], e37.loc[10, "end"]) == (3194140, 3194271)
    assert e38.loc[10, "end"] - e38.loc[10, "start"] + 1 == 132
    assert (e38.loc[9, "start"], e38.loc[11, "end"]) == (3153424, 3151045)


def test_gene_table_spot_checks_from_provenance():
    # PROVENANCE.txt spot checks (canonical span, 1-based)
    g38 = gene_table("GRCh38").set_index("gene")
    g37 = gene_table("GRCh37").set_index("gene")
    assert len(g38) == 19338 and len(g37) == 19211
    assert tuple(g38.loc["KRAS", ["chrom", "start", "end", "strand"]]) == ("chr12", 25205246, 25250929, "-")
    assert tuple(g37.loc["TP53", ["start", "end", "locus_start", "locus_end"]]) == (7571739, 7590808, 7565097, 7590856)
    assert tuple(g38.loc["CRBN", ["start", "end", "locus_start", "locus_end"]]) == (3150011, 3179691, 3144628, 3179727)
    assert g38.loc["BCL2", "entrez_id"] == "596"
    assert list(gene_table().columns) == [
        "gene", "chrom", "start", "end", "strand", "locus_start", "locus_end", "entrez_id", "hgnc_id"]


def test_plus_strand_junction_rule():
    e = exons("COPS7B", "GRCh38").set_index("exon_number")
    assert e.loc[1, "strand"] == "+"
    j = junction_between("COPS7B", 1, 2, "GRCh38")
    assert (j.start, j.end) == (e.loc[1, "end"] + 1, e.loc[2, "start"] - 1)


def test_normalisation_and_errors():
    assert normalise_chrom("3") == "chr3" and normalise_chrom("chrX") == "chrX" and normalise_chrom("MT") == "chrM"
    assert normalise_chrom(["23", "Chr7", "GL000220.1"]).tolist() == ["chrX", "chr7", "GL000220.1"]
    assert normalise_build("37") == "GRCh37" and normalise_build("hg38") == "GRCh38" and normalise_build("hg18") is None
    assert "CRBN" in exon_genes("GRCh37")
    with pytest.raises(InputError, match="unknown genome build"):
        gene_table("hg18")
    with pytest.raises(InputError, match="no shipped GRCh38 exon"):
        exons("NOTAGENE")


# chromosome lengths (UCSC chrom.sizes; data/PROVENANCE.md) ---------------------------------

@pytest.mark.parametrize("build", ["GRCh38", "GRCh37"])
def test_every_shipped_gene_lies_within_its_chromosome(build):
    # two independent sources must agree: the MANE/GENCODE gene table and UCSC's chrom.sizes
    sizes = chrom_sizes(build)
    genes = gene_table(build)
    length = genes["chrom"].map(sizes)
    assert length.notna().all()
    assert (genes["locus_end"] <= length).all() and (genes["end"] <= length).all()
    assert set(sizes) == {f"chr{i}" for i in range(1, 23)} | {"chrX", "chrY", "chrM"}


def test_builds_differ_where_the_assemblies_differ():
    # GRCh38 re-assembled chr1 (248,956,422 bp) vs GRCh37 (249,250,621 bp): values from the two
    # UCSC chrom.sizes files cited in reference/data/PROVENANCE.md; hg19 is accepted for GRCh37
    g38, g37 = chrom_sizes("GRCh38"), chrom_sizes("hg19")
    assert g38["chr1"] == 248_956_422 and g37["chr1"] == 249_250_621  # data/PROVENANCE.md
    assert g38["chrM"] == 16_569  # rCRS, the GRCh38 mitochondrion
    chrom_sizes("GRCh38")["chr1"] = 0  # a copy: the cached table cannot be changed
    assert chrom_sizes("GRCh38")["chr1"] == 248_956_422


def test_segment_exactly_at_chromosome_end_is_fine(tmp_path):
    p = tmp_path / "s.seg"
    p.write_text("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS1\tchr3\t1\t198295559\t9\t-1.0\n")
    cn = read_segments(p, genes=["CRBN"])
    assert cn["log2_ratio"].tolist() == [-1.0]  # CRBN is on chr3: the whole-chromosome loss
