"""The call for practices as its people use it: a ministry submits a practice from the header's
link in a browser without JavaScript, corrects what the form names, and follows it on its
private page; a reviewer asks a question, reads the answer, turns it into a draft and publishes
it; the private page then links the published practice."""

import re

import pytest

from tests.browser.conftest import REVIEWER
from tests.browser.test_browse import assert_no_serious_violation

pytestmark = pytest.mark.browser

TITLE = "Consular family desks of the Zqbrowser ministry"


def fill_practice(page):
    page.fill("#id_title", TITLE)
    page.fill("#id_summary", "Desks in consulates that help families apply to reunite.")
    page.fill("#id_description", "Consular desks advise families on reunification papers.")
    page.select_option("#id_kind", "service")
    page.select_option("#id_scope", "bilateral")
    page.select_option("#id_status", "ongoing")
    page.fill("#id_start_year", "2018")
    page.fill("#id_lead_organisation", "African Union")
    page.select_option("#id_countries-0-country", "PH")
    page.select_option("#id_countries-0-role", "COO")
    page.select_option("#id_countries-1-country", "IT")
    page.select_option("#id_countries-1-role", "COD")
    page.check("input[name=themes][value=family-reunification]")
    page.fill("#id_figures-0-label", "families advised")
    page.fill("#id_figures-0-value", "12,5")  # a decimal comma: the form must ask, not guess
    page.fill("#id_figures-0-unit", "families")
    page.fill("#id_figures-0-year", "2022")
    page.fill("#id_sources-0-citation", "Ministry report on the desks")
    page.fill("#id_sources-0-url", "https://ministry.example/desks.pdf")
    for value in ("implemented", "gcm", "principles", "replicable", "accurate"):
        page.check(f"input[name=criteria][value={value}]")
    page.fill("#id_name", "Browser Submitter")
    page.fill("#id_organisation", "Zqbrowser ministry")
    page.fill("#id_email", "submitter@ministry.example")


def test_a_submitter_and_a_reviewer_take_a_practice_to_publication(page_without_js, page, axe):
    submitter = page_without_js
    submitter.goto("/")
    submitter.get_by_role("link", name="Submit a practice").first.click()
    submitter.wait_for_url("**/submit/")
    fill_practice(submitter)
    submitter.get_by_role("button", name="Send the practice").click()

    # The decimal comma is named; everything typed is still there.
    summary = submitter.locator(".error-summary")
    assert "Figure 1, number" in summary.inner_text()
    assert submitter.input_value("#id_title") == TITLE
    assert submitter.input_value("#id_figures-0-value") == "12,5"
    assert submitter.is_checked("input[name=criteria][value=accurate]")
    submitter.fill("#id_figures-0-value", "1,200")
    submitter.get_by_role("button", name="Send the practice").click()

    submitter.wait_for_url(re.compile(r"/submit/status/[\w-]{40,}/\?new=1"))
    status_url = submitter.url.split("?")[0]
    assert "Thank you: your practice was received." in submitter.inner_text("main")
    assert submitter.inner_text(".submission-status") == "Received"

    # The private page passes axe (run where scripts run: axe is one).
    reviewer = page
    reviewer.goto(status_url)
    assert_no_serious_violation(axe, reviewer, status_url)

    # The reviewer finds it on the desk and asks a question.
    username, password = REVIEWER
    reviewer.goto("/admin/login/")
    reviewer.fill("#id_username", username)
    reviewer.fill("#id_password", password)
    reviewer.click("input[type=submit]")
    reviewer.wait_for_url("**/admin/")
    reviewer.get_by_role("link", name=TITLE).click()
    assert "https://ministry.example/desks.pdf" in reviewer.inner_text("#content-main")
    assert reviewer.locator('a[href^="https://ministry.example"]').count() == 0
    reviewer.fill("#id_ask-message", "Which consulates have a desk?")
    reviewer.get_by_role("button", name="Send the question").click()
    assert "asked for more information" in reviewer.inner_text(".messagelist")

    # The submitter reads it on the private page and answers.
    submitter.goto(status_url)
    assert submitter.inner_text(".submission-status") == "More information asked"
    assert "Which consulates have a desk?" in submitter.inner_text("main")
    submitter.fill("#id_message", "Rome and Milan.")
    submitter.get_by_role("button", name="Send the answer").click()
    assert "Your answer was sent to the reviewers." in submitter.inner_text("main")
    assert submitter.inner_text(".submission-status") == "In review"

    # The reviewer reads the answer, makes the draft and publishes it as any other practice.
    reviewer.reload()
    assert "Rome and Milan." in reviewer.inner_text("#content-main")
    chosen = reviewer.locator("#id_accept-organisation option:checked").inner_text()
    assert chosen == "African Union (AU)"
    reviewer.get_by_role("button", name="Make the draft practice").click()
    reviewer.wait_for_url(re.compile(r"/admin/practices/practice/\d+/change/"))
    reviewer.get_by_role("button", name="Submit for review").click()
    reviewer.get_by_role("button", name="Publish", exact=True).click()
    assert "published" in reviewer.inner_text(".messagelist").lower()

    submitter.goto(status_url)
    assert submitter.inner_text(".submission-status") == "Published"
    submitter.get_by_role("link", name="Read your practice in the knowledge base").click()
    assert submitter.inner_text("h1") == TITLE
    facts = submitter.inner_text("main")
    assert "1,200" in facts and "Philippines" in facts
    assert "Browser Submitter" not in submitter.content()
    assert "submitter@ministry.example" not in submitter.content()


def test_the_form_fits_a_phone(phone):
    phone.goto("/submit/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
