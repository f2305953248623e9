"""The workbench in a real headless Chromium: a coder codes with the keyboard, reloads,
undoes; the lead sees agreement and makes a consensus pass. Saves the screenshots the docs
show (to docs/ when CHATCODE_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from chatcode.codebook import load_codebook
from chatcode.coding.codes import read_codes
from chatcode.coding.project import Project, init_project
from chatcode.coding.selection import Selection
from chatcode.corpus import schema as S

FIX = Path(__file__).parents[1] / "fixtures" / "workbench"
DOCS = Path(__file__).parents[2] / "docs" / "img"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--window-size=1280,1000")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="needs the system's Chromium and its driver (Debian: apt-get install -y chromium "
    "chromium-driver; .ci/run installs them)")


def _live():
    spec = importlib.util.spec_from_file_location("workbench_live", FIX / "live.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=DRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def study(tmp_path):
    """anna and ben each have a pretest over w1-w3; ben has coded it already."""
    path = init_project(FIX / "corpus", FIX / "codebook.yaml", tmp_path / "study.ccproj")
    project = Project(path)
    tokens = {n: project.add_coder(n) for n in ("anna", "ben")}
    pretest = Selection("first", pct=50, group="g1")
    anna, ben = (project.assign(n, "pretest", pretest) for n in ("anna", "ben"))
    with project.open_store(ben) as store:
        for pid, support, topic in (("w1", ["informational"], ["food"]),
                                    ("w2", ["informational"], ["food"]),
                                    ("w3", [], ["devices"])):
            store.set_codes(pid, "support", support)
            store.set_codes(pid, "topic", topic)
            store.mark_done(pid)
    project.close()
    server = _live().Server(path).start()
    yield path, server, tokens, anna
    server.stop()


def shot(driver, tmp_path: Path, name: str) -> None:
    driver.save_screenshot(str(tmp_path / name))
    if os.environ.get("CHATCODE_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(tmp_path / name, DOCS / name)


def test_code_with_the_keyboard_reload_undo_and_make_a_consensus_pass(browser, study,
                                                                       tmp_path):
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    path, server, tokens, anna = study
    wait = WebDriverWait(browser, 30, ignored_exceptions=(NoSuchElementException,
                                                          StaleElementReferenceException))

    def press(*keys: str) -> None:
        browser.find_element(By.TAG_NAME, "body").send_keys(*keys)

    def checked(code_id: str) -> bool:
        return browser.find_element(By.ID, code_id).is_selected()

    def on_post(pid: str) -> None:
        def there(d) -> bool:
            root = d.find_element(By.ID, "coder")
            return root.get_attribute("data-post") == pid and root.get_attribute(
                "data-ready") == "1"
        wait.until(there)

    browser.get(f"{server.base}/t/{tokens['anna']}")
    browser.find_element(By.ID, f"open-{anna.id}").click()
    on_post("w1")
    press("1")                                          # informational, in support
    wait.until(lambda d: checked("c-support-informational"))
    press(Keys.TAB, "1")                                # topic: food
    wait.until(lambda d: checked("c-topic-food"))
    assert browser.find_element(By.ID, "saved").text == "saved"
    press(Keys.ENTER)
    on_post("w2")
    press("2", Keys.TAB, "1")                           # emotional; food
    wait.until(lambda d: checked("c-support-emotional") and checked("c-topic-food"))
    press("m")
    memo = browser.find_element(By.ID, "memo")
    memo.send_keys("praise or advice?", Keys.ESCAPE)
    wait.until(lambda d: d.find_element(By.ID, "saved").text == "saved")
    press(Keys.ENTER)
    on_post("w3")
    assert not browser.find_element(By.ID, "responses").is_displayed()
    press("2", Keys.TAB, "2")                           # emotional; devices
    wait.until(lambda d: checked("c-support-emotional") and checked("c-topic-devices"))
    press("r", Keys.SHIFT + Keys.TAB, "?")              # show responses and definitions
    assert browser.find_element(By.ID, "responses").is_displayed()
    assert "Try an overpatch" in browser.find_element(By.ID, "responses").text
    assert "<script>alert(1)</script>" in browser.find_element(By.CSS_SELECTOR,
                                                               ".post.current").text
    shot(browser, tmp_path, "workbench-coder.png")

    browser.refresh()                                   # nothing is lost by a reload
    on_post("w3")
    assert checked("c-support-emotional") and checked("c-topic-devices")
    assert "not confirmed yet" in browser.find_element(By.ID, "post-state").text
    press(Keys.ENTER)
    wait.until(lambda d: "all 3 posts are coded" in d.find_element(By.ID, "saved").text)
    press("u")                                          # undo the confirmation of w3
    on_post("w3")
    wait.until(lambda d: d.find_element(By.ID, "n-done").text == "2")
    press(Keys.ARROW_LEFT)
    on_post("w2")
    assert browser.find_element(By.ID, "memo").get_attribute("value") == "praise or advice?"
    press("j")                                          # back to the post not coded yet
    on_post("w3")
    press(Keys.ENTER)
    wait.until(lambda d: d.find_element(By.ID, "n-done").text == "3")

    cb = load_codebook(FIX / "codebook.yaml")
    codes = read_codes(path, codebook=cb)
    mine = codes[codes[S.CODER].eq("anna") & codes[S.VALUE].eq(1)]
    assert sorted(zip(mine[S.POST_ID], mine[S.CODE], strict=True)) == [
        ("w1", "food"), ("w1", "informational"), ("w2", "emotional"), ("w2", "food"),
        ("w3", "devices"), ("w3", "emotional")]

    browser.delete_all_cookies()                        # now the lead
    browser.get(f"{server.base}/t/{server.lead_token}")
    pair = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".pair h3"))
    assert pair.text == "anna/pretest vs ben/pretest: 3 posts coded by both"
    assert "kappa" in browser.find_element(By.CSS_SELECTOR, "table.agree").text
    assert browser.find_element(By.CSS_SELECTOR, ".differ").text.startswith("2 of 3 posts")
    shot(browser, tmp_path, "workbench-lead.png")
    browser.find_element(By.CSS_SELECTOR, "[id^=make-consensus-]").click()
    on_post("w2")                                       # w1 was agreed: decided already
    compare = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".compare")]
    assert "anna/pretest: emotional" in compare and "ben/pretest: informational" in compare
    press("1")                                          # informational, and emotional too:
    wait.until(lambda d: checked("c-support-informational"))
    press("2")
    wait.until(lambda d: checked("c-support-emotional"))
    shot(browser, tmp_path, "workbench-consensus.png")
    press(Keys.ENTER)
    on_post("w3")
    press("0", Keys.ENTER)                              # support: no code
    wait.until(lambda d: "all 3 posts are coded" in d.find_element(By.ID, "saved").text)

    codes = read_codes(path, codebook=cb)
    agreed = codes[codes[S.PASS].eq("consensus") & codes[S.VALUE].eq(1)]
    assert sorted(zip(agreed[S.POST_ID], agreed[S.CODE], strict=True)) == [
        ("w1", "food"), ("w1", "informational"), ("w2", "emotional"), ("w2", "food"),
        ("w2", "informational"), ("w3", "devices")]
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []                                 # no CSP violation, no script error
