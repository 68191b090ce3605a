"""End-to-end in a real headless browser (Debian's chromium + chromium-driver, driven by selenium).

A reader opens their invitation link, starts the study, rates three images by
clicking the form, and the three ratings are in the database.  A screenshot of
the rating page is saved (``MAMMO_WGAN_SCREENSHOT=path.png`` keeps a copy, used
for the README image).  Skipped, with the reason, only when chromium or
chromedriver is not installed (``apt-get install -y chromium chromium-driver``).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gan_lib.validation import db

from validation_support import make_study, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()),
        reason="needs Debian's chromium and chromedriver: apt-get install -y chromium chromium-driver",
    ),
]


@pytest.fixture()
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-extensions", "--window-size=1100,760",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_reader_rates_three_images_in_a_browser(tmp_path, browser):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    def click_and_wait_for_next_page(element_id: str) -> None:
        button = browser.find_element(By.ID, element_id)
        button.click()
        # Wait until the form POST navigated away; chromedriver may report transient errors mid-navigation.
        wait = WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,))
        wait.until(ec.staleness_of(button))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    study = make_study(tmp_path, n_real=5, n_generated=5, repeats=0)
    conn = db.connect(study.db_path)
    try:
        _, token = db.add_reader(conn, "Dr Browser")
    finally:
        conn.close()
    choices = [("synthetic", 4, 2, "checkerboard texture"), ("real", 2, 5, ""), ("synthetic", 5, 1, "")]
    screenshot = tmp_path / "reader_study.png"

    with running_server(study) as base:
        browser.get(f"{base}/invite/{token}")
        assert "Welcome, Dr Browser" in browser.page_source
        click_and_wait_for_next_page("start")
        for number, (answer, confidence, realism, note) in enumerate(choices, start=1):
            assert f"Image {number} of 10" in browser.find_element(By.CLASS_NAME, "counter").text
            width = WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,)).until(lambda d: d.execute_script(
                "const img = document.getElementById('study-image'); return img.complete && img.naturalWidth;"))
            assert width == 32  # the PNG really loaded through the authenticated image route
            browser.find_element(By.CSS_SELECTOR, f"input[name=answer][value={answer}]").click()
            browser.find_element(By.CSS_SELECTOR, f"input[name=confidence][value='{confidence}']").click()
            browser.find_element(By.CSS_SELECTOR, f"input[name=realism][value='{realism}']").click()
            browser.find_element(By.NAME, "note").send_keys(note)
            if number == 1:
                browser.save_screenshot(str(screenshot))
            click_and_wait_for_next_page("submit")
        assert "Image 4 of 10" in browser.find_element(By.CLASS_NAME, "counter").text

    conn = db.connect(study.db_path)
    try:
        rows = conn.execute("SELECT r.answer, r.confidence, r.realism, r.note FROM ratings AS r "
                            "JOIN assignments AS a USING (reader_id, item_id, repeat) ORDER BY a.position").fetchall()
    finally:
        conn.close()
    assert [tuple(row) for row in rows] == choices
    assert screenshot.stat().st_size > 0
    if os.environ.get("MAMMO_WGAN_SCREENSHOT"):
        shutil.copyfile(screenshot, os.environ["MAMMO_WGAN_SCREENSHOT"])
