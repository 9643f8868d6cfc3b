"""rMATS skipped-exon output as exon-skipping PSI (fixture tests/data/io/real/rmats/).

CRBN exon 10 (GRCh38 chr3:3,152,456-3,152,587, minus strand) sits between exon 11
(3,150,011-3,151,045, rMATS "upstream": lower coordinates) and exon 9 (3,153,424-3,153,488);
rMATS writes starts 0-based. Its IncLevel is the inclusion fraction, so skipping PSI = 1 - 0.782.
"""
import pytest

from refractor.errors import InputError
from refractor.io import cohort_from_flags, read_psi


@pytest.fixture
def se(data):
    return data / "real" / "rmats" / "PT12.SE.MATS.JC.txt"


def test_canonical_event_only(se):
    s = read_psi(se)
    crbn = s[s["gene"] == "CRBN"].iloc[0]
    assert crbn["psi"] == pytest.approx(1 - 0.782) and crbn["reads"] == 100  # IJC 90 + SJC 10
    assert crbn["source"].endswith(":2")  # the row with a non-canonical flank (line 3) is not the KB event
    cd19 = s[s["gene"] == "CD19"].iloc[0]
    assert cd19["reads"] == 0 and cd19["psi"] != cd19["psi"]  # not in the file: measured, uninformative


def test_one_bam_run_is_the_samplesheet_sample(se):
    c = cohort_from_flags(sample="PT12", disease="MM", psi=se)
    assert set(c.splicing["sample"]) == {"PT12"}


def test_grch37_build_moves_the_exon(se):
    """On GRCh37 CRBN exon 10 is at 3,194,140-3,194,271: the GRCh38 row is not it."""
    s = read_psi(se, build="GRCh37")
    assert s[s["gene"] == "CRBN"]["reads"].iloc[0] == 0


def test_replicate_count_mismatch(tmp_path, se):
    bad = tmp_path / "SE.MATS.JC.txt"
    bad.write_text(se.read_text().replace("\t90\t10\t", "\t90,5\t10\t", 1))
    with pytest.raises(InputError, match="replicate") as e:
        read_psi(bad)
    assert e.value.line == 2
