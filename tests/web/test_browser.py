"""The web application in headless Chromium (Debian's ``chromium`` + ``chromium-driver``,
driven by Selenium; no browser download): every page renders without console errors (a CSP
violation is one), keyboard navigation works, the upload -> report flow works in a real
browser, a model plot appears, and axe-core (vendored in ``tests/web/data/axe-core``) finds no
serious or critical accessibility violation. Screenshots go to ``test-artefacts/browser``
(or ``$REFRACTOR_ARTEFACTS/browser``).

Biology on the way: BCL2 p.G101V in CLL -> venetoclax ``high`` (Blombery et al. Cancer Discov
2019, PMID 30514704).
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "data" / "axe-core" / "axe.min.js"
DEMO = ROOT / "examples" / "demo_cohort"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTEFACTS = Path(os.environ.get("REFRACTOR_ARTEFACTS", ROOT / "test-artefacts")) / "browser"

PAGES = ["/", "/search?q=venetoclax", "/browse/agent/venetoclax", "/browse/mechanism/bcl2-g101v",
         "/browse/gene/BCL2", "/browse/disease/CLL", "/browse/strategy/imid-plus-pd1-blockade",
         "/browse/evidence/tp53-venetoclax-aml-failure", "/browse/source/pmid:30514704",
         "/browse/contradiction/ct04-universality-of-resistance", "/browse/agent", "/upload",
         "/playground?model=bcl2&agent=venetoclax&perturbation=bcl2_g101v", "/login"]
if importlib.util.find_spec("refractor.cohort") is not None:
    PAGES.append("/cohort")


def _missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            return f"{path} not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import httpx
    from _serve import serving

    with serving(tmp_path_factory.mktemp("browser-log"),
                 REFRACTOR_CACHE_DIR=str(tmp_path_factory.mktemp("browser-cache")),
                 REFRACTOR_MAX_COHORT_PATIENTS="300000") as (base, _):  # a job long enough to cancel
        httpx.get(base + "/", timeout=60)  # load the KB before the browser's first page
        yield base


@pytest.fixture(scope="module")
def browser():
    why = _missing()
    if why:
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never download anything
    profile = tempfile.mkdtemp(prefix="refractor-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1000"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(120)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def _shot(driver, name: str) -> None:
    safe = "".join(c if c.isalnum() else "_" for c in name).strip("_") or "home"
    driver.save_screenshot(str(ARTEFACTS / f"{safe[:80]}.png"))


def _axe(driver) -> list[dict]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => "
        "({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target)}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_without_console_errors_and_passes_axe(server, browser, path):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("browser")  # drop earlier entries
    browser.get(server + path)
    try:  # the load event has fired; under a loaded full suite the DOM was once read too early
        WebDriverWait(browser, 30).until(lambda d: d.find_elements("tag name", "h1"))
    except TimeoutException:
        raise AssertionError(f"{path}: no <h1> after 30 s; page starts: {browser.page_source[:500]!r}") from None
    assert browser.find_element("tag name", "h1").text
    errors = _console_errors(browser)
    assert not errors, errors
    _shot(browser, path)
    serious = [v for v in _axe(browser) if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=1)


def test_api_docs_render_offline(server, browser):
    browser.get_log("browser")
    browser.get(server + "/docs")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 60).until(lambda d: d.find_elements("css selector", ".opblock"))
    assert not _console_errors(browser)
    _shot(browser, "docs")


def test_keyboard_skip_link_then_search(server, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    active = browser.switch_to.active_element
    assert active.text == "Skip to content"
    active.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main"
    box = browser.find_element("id", "q")
    box.send_keys("G101V", Keys.ENTER)
    # ENTER submits the form: wait for the results page (under load the old page is still shown)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(
        lambda b: b.find_elements("css selector", "a[href='/browse/mechanism/bcl2-g101v']"))


def test_single_sample_form_to_report_in_the_browser(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("browser")
    browser.get(server + "/upload")
    browser.find_element("id", "s-sample").send_keys("CLL-G101V")
    browser.find_element("id", "s-disease").send_keys("CLL")
    browser.find_element("id", "s-variants").send_keys("BCL2, missense, p.G101V, 0.45")
    browser.find_element("css selector", "form[action='/upload/sample'] button[type=submit]").click()
    WebDriverWait(browser, 120).until(lambda d: "/report/" in d.current_url)
    row = browser.find_element("xpath", "//h2[starts-with(., 'Sample CLL-G101V')]/following::table[2]"
                                        "//tr[th/a[normalize-space()='venetoclax' or normalize-space()='Venetoclax']]")
    assert "high" in row.text
    assert not _console_errors(browser)
    _shot(browser, "report-single-sample")
    serious = [v for v in _axe(browser) if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=1)
    browser.find_element("link text", "This sample in the mechanistic models").click()
    WebDriverWait(browser, 120).until(lambda d: "/sample-model" in d.current_url)
    assert "bcl2" in browser.find_element("tag name", "table").text
    _shot(browser, "sample-model")


def test_samplesheet_upload_in_the_browser(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/upload")
    browser.find_element("id", "samplesheet").send_keys(str(DEMO / "samplesheet.csv"))
    data = [str(p) for p in sorted(DEMO.iterdir())
            if p.is_file() and p.suffix != ".py" and p.name != "samplesheet.csv"]
    browser.find_element("id", "files").send_keys("\n".join(data))
    browser.find_element("css selector", "form[action='/upload/samplesheet'] button[type=submit]").click()
    WebDriverWait(browser, 180).until(lambda d: "/report/" in d.current_url)
    table = browser.find_element("css selector", "#results table")
    import csv
    import io

    samples = [r["sample"] for r in csv.DictReader(io.StringIO((DEMO / "samplesheet.csv").read_text()))]
    assert all(s in table.text for s in samples)
    _shot(browser, "report-samplesheet")


def test_model_plot_appears(server, browser):
    browser.get(server + "/playground")
    from selenium.webdriver.support.ui import Select, WebDriverWait

    Select(browser.find_element("id", "pg-model")).select_by_value("bcl2")
    Select(browser.find_element("id", "pg-agent")).select_by_value("venetoclax")
    # only the chosen model's perturbations are offered
    assert browser.find_element("css selector", "[data-model='bcl2'] input").is_displayed()
    assert not browser.find_element("css selector", "[data-model='glue'] input").is_displayed()
    browser.find_element("css selector", "form[action='/playground'] button[type=submit]").click()
    WebDriverWait(browser, 120).until(lambda d: d.find_elements("css selector", "svg#dose-plot"))
    svg = browser.find_element("css selector", "svg#dose-plot")
    assert svg.size["width"] > 200 and svg.get_attribute("role") == "img"
    assert browser.find_elements("css selector", "svg#dose-plot path[d^='M']")
    assert "nM" in browser.find_element("css selector", "#results table").text
    _shot(browser, "playground-bcl2-venetoclax")


def _start_cohort_job(server, browser, patients: int) -> None:
    """From the scenario form, start the OPTIMISMM scenario with ``patients`` per arm (console
    log emptied first); skipped where virtual cohorts are not installed."""
    if importlib.util.find_spec("refractor.cohort") is None:
        pytest.skip("refractor.cohort (virtual cohorts) is not part of this install")
    from selenium.webdriver.support.ui import Select

    browser.get_log("browser")
    browser.get(server + "/cohort")
    Select(browser.find_element("id", "co-scenario")).select_by_value("optimismm-len-pretreated")
    box = browser.find_element("id", "co-n")
    box.clear()
    box.send_keys(str(patients))
    browser.find_element("css selector", "form[action='/cohort/run'] button[type=submit]").click()


def test_cohort_job_page_in_the_browser(server, browser):
    """The scenario runner: form -> job page with progress -> result with a KM plot (axe-clean)."""
    _start_cohort_job(server, browser, 300)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 300).until(lambda d: d.find_elements("css selector", "svg[id^='km-']"))
    assert not _console_errors(browser)
    _shot(browser, "cohort-job")
    serious = [v for v in _axe(browser) if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=1)


def test_cancel_a_cohort_job_in_the_browser(server, browser):
    """The job page's Cancel button stops a long run (300,000 virtual patients per arm, ~15 s): the page
    comes back saying it was cancelled, with no console error and no serious axe violation."""
    _start_cohort_job(server, browser, 300_000)
    from selenium.webdriver.support.ui import WebDriverWait

    button = WebDriverWait(browser, 60).until(
        lambda d: d.find_elements("css selector", "form[action$='/cancel'] button[type=submit]"))
    serious = [v for v in _axe(browser) if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=1)
    button[0].click()
    from selenium.common.exceptions import StaleElementReferenceException

    # the page reloads itself when the job ends: an element found just before the reload is stale
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "Cancelled:" in d.find_element("tag name", "main").text)
    assert browser.find_element("id", "job").get_attribute("data-job-status") == "cancelled"
    assert not browser.find_elements("css selector", "form[action$='/cancel']")
    assert not _console_errors(browser)
    _shot(browser, "cohort-job-cancelled")
    serious = [v for v in _axe(browser) if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=1)
