"""The review page in a real browser: headless Chromium (Debian's chromium and chromium-driver, which
`make setup` installs), driven by Selenium, opens the review link served by local AWS's function URL
(IAM enforced, review_page_deployment.py), reads the outline, approves it with feedback and sees the
confirmation; the execution then finishes with the page's decision.

SCREENSHOT_DIR=<folder> (`make screenshot` sets docs/) also saves the review page as the reviewer sees
it, before deciding, to <folder>/review-page.png; without it the test writes no file."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait

from durable_api import wait_for_status
from durable_bedrock.review_link import review_link
from review_page_deployment import ReviewPage, waiting_review

# Debian's paths; chromium-driver is built from chromium's source package, so the versions match.
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Characters that HTML must escape, in what the reviewer reads; awaits_review.py's outline has its own.
TOPIC = 'Green tea <for beginners> & "first steeps"'
OUTLINE_SHOWN = '- Warm the pot <b>first</b>\n- Steep "3 minutes" & pour'
FEEDBACK = "Add a line on water temperature <80 °C> & timing"


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: `make setup` installs Debian's chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start; the browser
    # opens only this test's own page on loopback. --disable-dev-shm-usage: containers' /dev/shm is small.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=en-US"):
        options.add_argument(argument)
    # A driver path in the Service skips Selenium Manager (selenium's DriverFinder._binary_paths), which
    # would download a driver or a browser; SE_OFFLINE=true (its offline mode) forbids that should it run.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_window_size(900, 800)
    try:
        yield driver
    finally:
        driver.quit()


def heading(driver: webdriver.Chrome) -> str:
    return str(driver.find_element(By.TAG_NAME, "h1").text)


def save_screenshot(driver: webdriver.Chrome) -> None:
    """The whole page (the window as tall as the document) when SCREENSHOT_DIR names a folder."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    # The window's size includes the browser's own frame: add it to the document's height.
    height = driver.execute_script(
        "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight"
    )
    driver.set_window_size(900, int(height))
    assert driver.save_screenshot(str(Path(folder) / "review-page.png"))


def test_a_reviewer_approves_the_outline_with_feedback_in_a_browser(browser, review_page: ReviewPage):
    lam, name, version, page_url = review_page
    arn, callback_id = waiting_review(lam, name, version, topic=TOPIC)

    browser.get(review_link(page_url, arn, callback_id))

    assert heading(browser) == "Review the outline"
    paragraphs = [p.text for p in browser.find_elements(By.CSS_SELECTOR, "h2 + p")]
    assert TOPIC in paragraphs  # shown as text: the browser parsed no <for> element out of it
    assert browser.find_element(By.TAG_NAME, "pre").text == OUTLINE_SHOWN
    assert browser.find_elements(By.CSS_SELECTOR, "pre b, script, for") == []  # escaped, not markup
    # Opening the link decided nothing: the execution still waits on its callback.
    events = [e["EventType"] for e in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]]
    assert "CallbackStarted" in events and "CallbackSucceeded" not in events, events
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    save_screenshot(browser)

    review_form = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "notes").send_keys(FEEDBACK)
    browser.find_element(By.CSS_SELECTOR, 'button[value="approve"]').click()

    # The form's POST loaded the page's answer. While the old document goes, chromedriver may answer a look
    # at its node with "Node with given id does not belong to the document" (a WebDriverException that is not
    # a StaleElementReferenceException): asked again, it says stale. A page that never changes still times out.
    WebDriverWait(browser, 30, ignored_exceptions=[WebDriverException]).until(staleness_of(review_form))
    assert heading(browser) == "Decision sent", browser.page_source
    assert "The outline is approved: the draft is being written." in browser.find_element(By.TAG_NAME, "body").text
    execution = wait_for_status(lam, arn, timeout=60)
    assert execution["Status"] == "SUCCEEDED", execution
    review = json.loads(execution["Result"])["review"]
    assert (review["decision"], review["by"], review["feedback"]) == ("approved", "page", FEEDBACK)
