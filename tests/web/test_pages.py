"""Web pages and their JSON twins (in-process): the knowledge pages show what the KB holds,
the profile flow reaches the right biology, and each page's twin carries what it shows.

Biology checked through the pages:
* BCL2 p.G101V in CLL -> venetoclax ``high``: the mutation lowers venetoclax affinity ~180-fold
  and is acquired at progression on venetoclax (Blombery et al. Cancer Discov 2019,
  PMID 30514704), the source the KB cites for mechanism ``bcl2-g101v``. Posted clonal
  (VAF 0.45, as in tests/api/test_profile_api.py): the scoring discounts subclonal findings.
* IMiD + PD-1 blockade is flagged harmful: KEYNOTE-183/185 were stopped by the FDA for excess
  deaths (seed 003, as cited by strategy ``imid-plus-pd1-blockade``).
* TP53 loss and BH3 mimetics: AML cohort evidence of failure (PMID 31932844) conflicts with
  venetoclax activity in del(17p) CLL (PMID 27178240); both must be shown side by side.
* The BCL2 model with the G101V perturbation needs more venetoclax: its IC50 rises (the same
  ~180-fold affinity loss, Blombery 2019), so the playground's IC50 must be higher than without.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo_cohort"


def _page(client, url: str) -> tuple[str, dict]:
    html = client.get(url)
    assert html.status_code == 200, html.text[:500]
    assert html.headers["content-type"].startswith("text/html")
    sep = "&" if "?" in url else "?"
    twin = client.get(url + sep + "format=json")
    assert twin.status_code == 200 and twin.headers["content-type"].startswith("application/json")
    doc = twin.json()
    assert doc["title"] and f"<h1>{doc['title']}" in html.text.replace("&#39;", "'")  # same context
    return html.text, doc


def test_home_and_search_over_the_whole_kb(client):
    html, doc = _page(client, "/")
    assert {k["kind"] for k in doc["kinds"]} >= {"agent", "mechanism", "gene", "disease", "strategy",
                                                  "evidence", "source"}
    assert 'role="search"' in html and 'name="q"' in html
    html, doc = _page(client, "/search?q=G101V")
    hits = {(h["kind"], h["id"]) for h in doc["hits"]}
    assert ("mechanisms", "bcl2-g101v") in hits
    assert "/browse/mechanism/bcl2-g101v" in html


def test_mechanism_page_links_its_pmid(client):
    html, doc = _page(client, "/browse/mechanism/bcl2-g101v")
    assert any(s["source"] == "pmid:30514704" and s["url"] == "https://pubmed.ncbi.nlm.nih.gov/30514704/"
               for s in doc["sources"])
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/30514704/"' in html
    assert all(e["level"] for e in doc["evidence"])


@pytest.mark.parametrize("kind,id", [("agent", "venetoclax"), ("gene", "BCL2"), ("disease", "CLL"),
                                     ("strategy", "imid-plus-pd1-blockade"),
                                     ("evidence", "tp53-venetoclax-aml-failure"),
                                     ("source", "pmid:30514704"), ("source", "doi:10.1038/nsmb.2874"),
                                     ("contradiction", "ct04-universality-of-resistance")])
def test_every_kind_has_a_page_and_twin(client, kind, id):
    html, doc = _page(client, f"/browse/{kind}/{id}")
    assert doc["kind"] == kind and doc["id"] == id
    assert "<table>" in html and '<th scope="row">' in html


def test_harmful_strategy_is_flagged_in_words(client):
    html, doc = _page(client, "/browse/strategy/imid-plus-pd1-blockade")
    assert [s["id"] for s in doc["harmful"]] == ["imid-plus-pd1-blockade"]
    assert "harmful" in html.lower() and 'role="alert"' in html  # not colour alone


def test_conflicting_evidence_side_by_side(client):
    html, doc = _page(client, "/browse/evidence/tp53-venetoclax-aml-failure")
    pairs = {(c["a"]["id"], c["b"]["id"]) for c in doc["conflicts"]}
    assert ("tp53-venetoclax-aml-failure", "venetoclax-del17p-cll-active") in pairs
    assert 'class="sides"' in html
    assert "https://pubmed.ncbi.nlm.nih.gov/27178240/" in html and "https://pubmed.ncbi.nlm.nih.gov/31932844/" in html


def test_contradictions_between_sources(client):
    html, doc = _page(client, "/browse/contradiction/ct04-universality-of-resistance")
    sides = doc["contradictions"][0]["sides"]
    assert len(sides) >= 2 and len({s["source"] for s in sides}) >= 2
    assert "How Refractor handles it" in html


def test_lists_are_paginated(client):
    _, doc = _page(client, "/browse/evidence")
    assert doc["total"] == int(client.get("/kb/evidence").headers["x-total-count"])
    assert len(doc["entries"]) == min(doc["total"], 500) and doc["offset"] == 0


def test_single_sample_form_to_report(client):
    r = client.post("/upload/sample", data={"sample": "CLL-G101V", "disease": "CLL",
                                            "variants": "BCL2, missense, p.G101V, 0.45",
                                            "prior_agents": "venetoclax"}, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    html, doc = _page(client, url)
    sample = doc["samples"][0]
    ven = next(a for a in sample["agents"] if a["agent"] == "venetoclax")
    assert ven["level"] == "high" and ven["trace"]
    assert any(m["mechanism"] == "bcl2-g101v" and m["status"] == "detected" and m["observations"]
               for m in sample["active_mechanisms"])
    assert doc["disclaimer"] in html.replace("&#39;", "'")
    # downloads: the same per-sample JSON as `refractor profile`, the level TSV, the HTML report
    js = client.get(doc["downloads"]["json"]).json()
    assert js["samples"][0]["sample"] == "CLL-G101V"
    tsv = client.get(doc["downloads"]["tsv"]).text.splitlines()
    header = tsv[0].split("\t")
    assert tsv[1].split("\t")[header.index("venetoclax")] == "high"
    assert client.get(doc["downloads"]["html"]).text.lstrip().lower().startswith("<!doctype html")
    # sample -> model: G101V is represented by the BCL2 model, and raises venetoclax IC50
    html, sm = _page(client, sample["model_url"])
    row = next(r for r in sm["rows"] if r["model"] == "bcl2" and r["agent"] == "venetoclax")
    assert row["status"] == "predicted" and row["ic50_fold"] > 1


def test_samplesheet_upload_to_report(client):
    files = [("samplesheet", ("samplesheet.csv", (DEMO / "samplesheet.csv").read_bytes(), "text/csv"))]
    files += [("files", (p.name, p.read_bytes())) for p in sorted(DEMO.iterdir())
              if p.is_file() and p.suffix != ".py" and p.name != "samplesheet.csv"]
    r = client.post("/upload/samplesheet", files=files, follow_redirects=False)
    assert r.status_code == 303, r.text
    html, doc = _page(client, r.headers["location"])
    import csv
    import io

    expected = [row["sample"] for row in csv.DictReader(io.StringIO((DEMO / "samplesheet.csv").read_text()))]
    assert [s["sample"] for s in doc["samples"]] == expected
    assert len(doc["levels"]) == len(expected)
    # observations cite the uploaded file and line, never the server's temporary folder
    sources = {o["source"] for s in doc["samples"] for m in s["mechanisms"] for o in m["observations"]}
    assert any(src.startswith("cohort.maf:") for src in sources), sources
    for url in (r.headers["location"], *doc["downloads"].values()):
        body = client.get(url).text
        assert "refractor-upload" not in body and "/tmp/" not in body, url


def test_bad_form_value_is_422_naming_the_field(client):
    r = client.post("/upload/sample", data={"sample": "X", "disease": "CLL", "variants": "BCL2, missense, G101V, lots"})
    assert r.status_code == 422 and r.json()["column"] == "variants"


def test_playground_plots_with_units_and_g101v_shift(client):
    html, doc = _page(client, "/playground")
    assert {m["name"] for m in doc["models"]} >= {"bcl2", "glue", "trail"} and doc["result"] is None
    base = "/playground?model=bcl2&agent=venetoclax&lo=0.01&hi=100000&n=16"
    html, wt = _page(client, base)
    _, mut = _page(client, base + "&perturbation=bcl2_g101v")
    assert wt["result"]["unit"] == "nM" and wt["result"]["ic50"] and mut["result"]["ic50"]
    assert mut["result"]["ic50"] > 10 * wt["result"]["ic50"]
    # the perturbed page compares with the reference cell on the same plot
    assert mut["result"]["reference"]["ic50"] == pytest.approx(wt["result"]["ic50"], rel=1e-6)
    assert html.count("<svg") == 2 and 'role="img"' in html and "venetoclax dose (nM, log scale)" in html
    assert "Dose-response points" in html and wt["result"]["assumptions"]
    assert re.search(r"IC50 / DC50</th><td>[0-9.e+-]+ nM", html)


def test_unknown_entry_and_report_are_404(client):
    assert client.get("/browse/mechanism/no-such-thing").status_code == 404
    assert client.get("/report/nope").status_code == 404
    assert client.get("/browse/nonsense/x").status_code == 422


@pytest.mark.parametrize("url", ["/", "/search?q=venetoclax", "/browse/agent/venetoclax", "/upload",
                                 "/playground?model=glue&agent=lenalidomide", "/login", "/docs"])
def test_pages_load_nothing_from_elsewhere_and_no_inline_script(client, url):
    """Offline by construction: scripts, styles and images come from this server (the CSP says
    so too); links to PubMed/DOI are plain anchors, which load nothing."""
    html = client.get(url).text
    loaded = re.findall(r'<(?:script|img|link|iframe|source)\b[^>]*\b(?:src|href)="([^"]*)"', html)
    assert loaded and all(u.startswith("/") or u.startswith("data:") for u in loaded), loaded
    for u in loaded:
        if u.startswith("/"):
            assert client.get(u).status_code == 200, u
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script
    assert not re.search(r"\son[a-z]+=\"", html)  # no inline event handlers
