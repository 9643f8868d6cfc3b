"""The HTML report in a real browser (headless Chromium): it opens fast on a cohort of
1,000 samples x every agent of the shipped KB, draws the samples x agents table from its
embedded data, and ``report.html#sample=ID`` opens that sample's drill-down.

Skipped, saying why, when Chromium is not installed (``apt-get install chromium``).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed "
                                    "(apt-get install -y chromium); browser tests skipped")
BENCH = Path(__file__).parents[2] / "benchmarks"


def _chromium(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-dev-shm-usage", "--window-size=1400,1000", *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def cohort_report(tmp_path_factory):
    sys.path.insert(0, str(BENCH))
    from _synthetic import generate

    from refractor.cli._profile import _kb_genes, run_profile
    from refractor.io import read_samplesheet
    from refractor.kb import KnowledgeBase

    tmp = tmp_path_factory.mktemp("browser")
    sheet = generate(tmp / "cohort", n_samples=1000, maf_rows=100_000)
    kb = KnowledgeBase.load()
    cohort = read_samplesheet(sheet, genes=_kb_genes(kb))
    result, paths = run_profile(cohort, kb, tmp / "out", title="synthetic 1k", progress=False,
                                outputs="json,html")
    return result, paths["report"]


@needs_chromium
def test_report_opens_fast_and_draws_the_table(cohort_report, tmp_path):
    result, report = cohort_report
    assert len(result.agents) >= 40  # every agent of the shipped KB is a column or listed
    dom = _chromium("--virtual-time-budget=10000", "--dump-dom", report.as_uri()).stdout
    ready = re.search(r'data-ready-ms="(\d+)"', dom)
    assert ready, "the report's script did not run to its end"
    assert int(ready.group(1)) < 3000, f"report took {ready.group(1)} ms to be ready"
    body = dom.split('<table id="calls">', 1)[1].split("</table>", 1)[0]
    assert body.count("<tr>") == 1 + 100  # header + the first page of 100 samples
    assert "1-100 of 1000 sample(s)" in dom
    shot = tmp_path / "report.png"
    _chromium(f"--screenshot={shot}", report.as_uri())
    assert shot.is_file() and shot.stat().st_size > 20_000  # a drawn page, not a blank one


@needs_chromium
def test_hash_opens_one_sample_drill_down(cohort_report):
    result, report = cohort_report
    # the sample with the most mechanisms found: its drill-down must list each of them
    i = int(max(range(len(result)), key=lambda j: int((result.status[j] >= 2).sum())))
    sample = result.samples[i]
    found = [result.mechanisms[k] for k in range(len(result.mechanisms)) if result.status[i, k] >= 2]
    assert found
    dom = _chromium("--virtual-time-budget=10000", "--dump-dom",
                    report.as_uri() + f"#sample={sample}").stdout
    drill = dom.split('<div id="drill"', 1)[1].split("</div>", 1)[0]
    assert "hidden" not in drill.split(">", 1)[0]
    assert sample in drill and all(m in drill for m in found)
    assert f"samples/{sample}.json" in drill  # the full result is one click away
