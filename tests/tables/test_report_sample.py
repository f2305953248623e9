"""The report on the bundled DiabPeerS sample: summary header, reliability section,
methods-and-results draft with every number from the run, the journal workbook, and the
Word document (its XML, and a PDF through LibreOffice where installed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.reliability.agreement import agreement
from chatcode.tables.journal import cell_text
from chatcode.tables.layouts import build_tables, table_specs
from chatcode.tables.report import write_report


@pytest.fixture(scope="module")
def sample():
    corpus, codes, cb = chatcode.load_sample()
    return corpus, codes, cb, chatcode.coded_posts(corpus, codes, cb, coder="A", pass_="main")


@pytest.fixture(scope="module")
def report(sample, tmp_path_factory):
    corpus, codes, cb, coded = sample
    return write_report(coded, tmp_path_factory.mktemp("r") / "report", codes=codes,
                        synthetic=True)


@pytest.fixture(scope="module")
def tables(sample):
    coded = sample[3]
    return {t.id: t for t in build_tables(coded, tables=[s.id for s in table_specs(
        coded.codebook)])}


def test_the_summary_header_counts_the_corpus(report, sample):
    posts = sample[0].posts
    page = (report / "report.html").read_text(encoding="utf-8")
    roles = posts.drop_duplicates(S.AUTHOR)[S.ROLE].value_counts()
    assert f"<dt>Corpus</dt><dd>{len(posts):,} posts" in page
    assert f"{roles['participant']} participants, {roles['moderator']} moderators" in page
    first, last = posts[S.TIMESTAMP].min(), posts[S.TIMESTAMP].max()
    assert f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" in page
    assert "Synthetic data.</strong>" in page and "Mann-Whitney U test" in page
    assert "diabpeers version 1: 25 codes in 4 dimensions" in page
    # the contents list links every section
    for anchor in re.findall(r'<li><a href="#([^"]+)">', page):
        assert f'<section id="{anchor}">' in page


def test_the_reliability_section_compares_every_other_pass(report):
    page = (report / "report.html").read_text(encoding="utf-8")
    assert "Inter-coder agreement: A/main vs B/pretest (87 posts)" in page
    assert "Intra-coder agreement: A/main vs A/retest (259 posts)" in page
    assert page.count("never varies") >= 11


def test_the_long_weekly_table_goes_to_the_workbook(report, tables):
    from openpyxl import load_workbook

    page = (report / "report.html").read_text(encoding="utf-8")
    rows = len(tables["participation"].data)
    assert f"The {rows:,} rows of this table are on the sheet <strong>Participation per " \
        "week</strong>" in page
    ws = load_workbook(report / "tables.xlsx")["Participation per week"]
    assert ws.max_row >= 5 + rows and isinstance(ws.cell(row=6, column=3).value, int)


def test_the_methods_paragraph_takes_every_number_from_the_run(report, sample, tables):
    corpus, codes, cb, coded = sample
    text = (report / "methods.md").read_text(encoding="utf-8")
    t7 = tables["7"].data.set_index(S.CODE)
    mood = t7.loc["mood_question"]
    assert (f"posts with Mood questions received more responses (*M* = "
            f"{mood[S.MEAN_WITH]:.2f}, *SD* = {mood[S.SD_WITH]:.2f}, *n* = "
            f"{mood[S.N_WITH]:,}) than posts without (*M* = {mood[S.MEAN_WITHOUT]:.2f}, "
            f"*SD* = {mood[S.SD_WITHOUT]:.2f}, *n* = {mood[S.N_WITHOUT]:,}), *U* = "
            f"{cell_text(mood[S.STATISTIC], 'stat')}, *p* < .001") in text
    assert "*U* = 481496," in text  # U printed as an integer
    pre = agreement(codes, cb, coders=["A/main", "B/pretest"]).dimensions.iloc[0]
    ci = f"[{pre['kappa_ci_low']:.2f}, {pre['kappa_ci_high']:.2f}]".replace("0.", ".")
    assert f"Topic, κ = {pre['kappa']:.2f}".replace("0.", ".") + f", 95% CI {ci}" in text
    assert f"The corpus comprised {len(corpus.posts):,} posts" in text
    assert "The mean delay from a post to a reply was 7.45 hours (7 h 27 min" in text
    # every number in the text is one the run produced or a date, count or convention
    page = (report / "report.html").read_text(encoding="utf-8")
    assert "<em>M</em> = 1.51" in page


def _docx_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_the_word_document_has_three_line_journal_tables(report, tables, sample):
    from chatcode.tables.figures import report_sections

    xml = _docx_xml(report / "report.docx")
    # the codebook's tables, then the report's own: time to first response and the network
    added = report_sections(sample[3], list(tables.values()))
    assert [t.kind for t in added] == ["time_to_response", "network"]
    assert xml.count("<w:tbl>") == len(tables) + len(added)
    first = xml[xml.index("<w:tbl>"):xml.index("</w:tbl>")]
    assert '<w:gridSpan w:val="4"/>' in first  # "With" spans n, %, M, SD
    rows = re.findall(r"<w:tr[ >].*?</w:tr>", first, flags=re.S)
    cells = [re.findall(r"<w:tc>.*?</w:tc>", r, flags=re.S) for r in rows]
    # three rules: above the header, below the header, below the last row
    assert all('<w:top w:val="single"' in c for c in cells[0])
    assert all('<w:bottom w:val="single"' in c for c in cells[1] + cells[-1])
    assert not any("<w:bottom" in c for r in cells[2:-1] for c in r)
    assert "<w:insideV" not in first and 'w:val="double"' not in first
    assert ">With<" in first and ">Without<" in first and ">481496<" in first
    assert "Methods and results (draft)" in xml and "Note. " in xml
    assert "<w:orient" in xml or 'w:orient="landscape"' in xml


def test_tables_format_docx(cli, tmp_path):
    here = Path(__file__).parents[1] / "fixtures" / "tables"
    out = tmp_path / "t.docx"
    res = cli("tables", here / "corpus", here / "codes.csv", "--codebook",
              here / "codebook.yaml", "-t", "7", "-o", out)
    assert res.returncode == 0, res.stderr
    xml = _docx_xml(out)
    assert xml.count("<w:tbl>") == 1 and "Responses to nudging approaches" in xml
    assert cli("tables", here / "corpus", here / "codes.csv", "--codebook",
               here / "codebook.yaml", "-f", "docx").returncode == 2


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed: the .docx is checked "
                    "through its XML above instead")
def test_the_word_document_opens_in_libreoffice(report, tmp_path):
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(report / "report.docx")], check=True, capture_output=True,
                   timeout=300)
    pdf = tmp_path / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium and chromedriver are not "
                    "installed (Debian: apt-get install chromium chromium-driver)")
def test_the_page_renders_in_headless_chromium(report, tmp_path, monkeypatch):
    """Open report.html in a real headless Chromium (no network, a fresh profile): the
    sections and figures render, nothing overflows the page sideways, and the screenshots
    the README shows are saved into docs/."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    monkeypatch.setenv("SE_OFFLINE", "true")  # never let Selenium Manager go online
    browser, driver_path = _chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--hide-scrollbars",
                f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1500"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get((report / "report.html").as_uri())
        assert driver.title == "Engagement report: diabpeers"
        sections = driver.find_elements(By.CSS_SELECTOR, "section h2")
        assert [s.text for s in sections][:4] == [
            "Summary", "Methods and results (draft)", "Reliability",
            "Table 7. Responses to nudging and call-to-action approaches"]
        figures = driver.find_elements(By.CSS_SELECTOR, "figure svg")
        # 6 figures of the codebook's tables, time to first response and the network
        assert len(figures) == len(list((report / "figures").glob("*.svg"))) == 8
        assert all(f.size["height"] > 150 for f in figures)
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        # the screenshots the README shows: into docs/ with CHATCODE_UPDATE_SCREENSHOTS=1
        docs = (Path(__file__).parents[2] / "docs"
                if os.environ.get("CHATCODE_UPDATE_SCREENSHOTS") == "1" else tmp_path)
        (docs / "report-screenshot.png").write_bytes(driver.get_screenshot_as_png())
        table7 = driver.find_element(By.ID, "table-7")
        driver.execute_script("arguments[0].scrollIntoView()", table7)
        (docs / "report-table7.png").write_bytes(table7.screenshot_as_png)
    finally:
        driver.quit()
    for name in ("report-screenshot.png", "report-table7.png"):
        assert (docs / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
