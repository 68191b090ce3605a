"""End-to-end in a real headless browser (Debian's chromium + chromium-driver, driven by selenium).

A reader opens their invitation link, starts the study, rates three images by
clicking the form, and the three ratings are in the database.  A screenshot of
the rating page is saved (``MAMMO_WGAN_SCREENSHOT=path.png`` keeps a copy).  The
viewer test keeps one screenshot per state (``MAMMO_WGAN_SCREENSHOT_DIR=dir``
copies them; its ``1_fit_smooth.png`` is the README image).  Skipped, with the reason, only when chromium or
chromedriver is not installed (``apt-get install -y chromium chromium-driver``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from validation_support import make_study, running_server

from gan_lib.validation import db

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
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
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-extensions",
        "--window-size=1100,760",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
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
            width = WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,)).until(
                lambda d: d.execute_script(
                    "const img = document.getElementById('study-image'); return img.complete && img.naturalWidth;"
                )
            )
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
        rows = conn.execute(
            "SELECT r.answer, r.confidence, r.realism, r.note FROM ratings AS r "
            "JOIN assignments AS a USING (reader_id, item_id, repeat) ORDER BY a.position"
        ).fetchall()
    finally:
        conn.close()
    assert [tuple(row) for row in rows] == choices
    assert screenshot.stat().st_size > 0
    if os.environ.get("MAMMO_WGAN_SCREENSHOT"):
        shutil.copyfile(screenshot, os.environ["MAMMO_WGAN_SCREENSHOT"])


@pytest.mark.parametrize("size", [32, 256], ids=["32px", "256px"])
def test_viewing_tools_shortcuts_layout_and_sequence_rule_in_a_browser(tmp_path, browser, size):
    """Window/level, zoom, pan, fit, pixel-exact, keyboard answers and the 1366 x 650 layout; screenshots per state.

    32 px is a quick-profile patch, 256 px a full-profile or whole-image study.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,))
    shots = tmp_path / "screenshots"
    shots.mkdir()

    def viewer(key: str) -> str:
        return browser.execute_script(f"return document.getElementById('viewer').dataset.{key};")

    def shot(state: str) -> None:
        browser.save_screenshot(str(shots / f"{state}.png"))

    def canvas_gray() -> list[int]:  # the red channel of every displayed pixel (the images are gray)
        return browser.execute_script(
            "const c = document.getElementById('study-canvas');"
            "return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)"
            ".filter((_, i) => i % 4 == 0);"
        )

    def source_gray() -> list[int]:  # the PNG as decoded by the browser, untouched
        return browser.execute_script(
            "const img = document.getElementById('study-image'), c = document.createElement('canvas');"
            "c.width = img.naturalWidth; c.height = img.naturalHeight; "
            "const x = c.getContext('2d'); x.drawImage(img, 0, 0);"
            "return Array.from(x.getImageData(0, 0, c.width, c.height).data).filter((_, i) => i % 4 == 0);"
        )

    def set_slider(element_id: str, value: int) -> None:
        browser.execute_script(
            f"const s = document.getElementById('{element_id}'); s.value = {value};s.dispatchEvent(new Event('input'));"
        )

    study = make_study(tmp_path, n_real=4, n_generated=4, repeats=0, size=size)
    conn = db.connect(study.db_path)
    try:
        _, token = db.add_reader(conn, "Dr Viewer")
    finally:
        conn.close()
    # The viewport of a maximised browser on a 1366 x 768 laptop screen (browser bars and taskbar take ~118 px).
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1366, "height": 650, "deviceScaleFactor": 1, "mobile": False}
    )
    with running_server(study) as base:
        browser.get(f"{base}/invite/{token}")
        browser.find_element(By.ID, "start").click()
        wait.until(lambda d: viewer("ready") == "true")

        layout = browser.execute_script(
            "const e = document.documentElement; return [e.scrollWidth, e.scrollHeight, innerWidth, innerHeight];"
        )
        assert layout[0] <= layout[2] and layout[1] <= layout[3], f"page scrolls at 1366 x 650: {layout}"
        assert viewer("rendering") == "smooth" and viewer("zoom") == "1"
        fit_scale = float(viewer("scale"))
        stage_side = browser.execute_script("return document.getElementById('stage').clientHeight;")
        assert fit_scale == pytest.approx(stage_side / size, rel=1e-3)  # the image fills the stage, whatever its size
        assert canvas_gray() == source_gray()  # the default window shows the pixels as stored
        shot("1_fit_smooth")

        browser.find_element(By.ID, "pixel-exact").click()
        assert viewer("rendering") == "pixel-exact" and float(viewer("scale")) == max(1, int(fit_scale))
        assert (
            browser.execute_script("return document.getElementById('study-canvas').style.imageRendering;")
            == "pixelated"
        )
        shot("2_pixel_exact")
        browser.find_element(By.ID, "pixel-exact").click()

        browser.find_element(By.ID, "zoom-in").click()
        browser.find_element(By.ID, "zoom-in").click()
        assert viewer("zoom") == "2" and float(viewer("scale")) == pytest.approx(2 * fit_scale, rel=1e-3)
        stage = browser.find_element(By.ID, "stage")
        ActionChains(browser).move_to_element(stage).click_and_hold().move_by_offset(-60, 40).release().perform()
        assert viewer("pan") == "-60,40"  # within the half-stage of slack that a 2x zoom leaves
        shot("3_zoom_2x_panned")
        browser.find_element(By.ID, "fit").click()
        assert viewer("zoom") == "1" and viewer("pan") == "0,0"

        set_slider("level", 64)
        set_slider("window", 64)
        expected = [min(255, max(0, round((v - (64 - 64 / 2)) * 255 / (64 - 1)))) for v in source_gray()]
        assert canvas_gray() == expected
        shot("4_window_level")
        browser.find_element(By.ID, "reset-window").click()
        assert canvas_gray() == source_gray() and (viewer("level"), viewer("window")) == ("128", "256")

        body = browser.find_element(By.TAG_NAME, "body")
        body.click()
        ActionChains(browser).send_keys("s").send_keys("4").key_down(Keys.SHIFT).send_keys("2").key_up(
            Keys.SHIFT
        ).perform()
        checked = browser.execute_script(
            "return ['answer', 'confidence', 'realism']"
            ".map(n => document.querySelector(`input[name=${n}]:checked`).value);"
        )
        assert checked == ["synthetic", "4", "2"]
        shot("5_answered_by_keyboard")
        ActionChains(browser).send_keys(Keys.ENTER).perform()
        wait.until(lambda d: "Image 2 of 8" in d.find_element(By.CLASS_NAME, "counter").text)

        # The sequence rule, as a script inside the page would try it: answer a later position instead.
        wait.until(lambda d: viewer("ready") == "true")
        browser.execute_script(
            "const p = document.querySelector('input[name=position]'); p.value = Number(p.value) + 3;"
        )
        for name, value in (("answer", "real"), ("confidence", "3"), ("realism", "3")):
            browser.find_element(By.CSS_SELECTOR, f"input[name={name}][value='{value}']").click()
        browser.find_element(By.ID, "submit").click()
        wait.until(lambda d: "not for the image shown" in d.page_source)
        shot("6_out_of_sequence_refused")
        browser.find_element(By.LINK_TEXT, "Current image").click()
        wait.until(lambda d: "Image 2 of 8" in d.find_element(By.CLASS_NAME, "counter").text)

    conn = db.connect(study.db_path)
    try:
        rows = [tuple(r) for r in conn.execute("SELECT answer, confidence, realism, time_on_image_s > 0 FROM ratings")]
    finally:
        conn.close()
    assert rows == [("synthetic", 4, 2, 1)]
    assert sorted(p.name for p in shots.iterdir()) == [
        "1_fit_smooth.png",
        "2_pixel_exact.png",
        "3_zoom_2x_panned.png",
        "4_window_level.png",
        "5_answered_by_keyboard.png",
        "6_out_of_sequence_refused.png",
    ]
    if os.environ.get("MAMMO_WGAN_SCREENSHOT_DIR"):
        shutil.copytree(shots, os.environ["MAMMO_WGAN_SCREENSHOT_DIR"], dirs_exist_ok=True)
