"""The public submission form: what a submitter sends is kept for the reviewers only, a wrong
field keeps what was typed and names the problem, floods and robots are refused without a 500,
and the submitter's private status page says where the submission stands."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from practices.models import Call, Practice, Submission, Theme
from tests.catalogue.submission_forms import (
    SUBMITTER,
    form_data,
    rows,
    submit,
    submitted,
    text,
)

pytestmark = pytest.mark.django_db


def errors(response) -> list[str]:
    """The problems the page's summary lists, in order."""
    summary = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S)
    if not summary:
        return []
    return [
        unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r"<li>(.*?)</li>", summary.group(0), re.S)
    ]


# -- a valid submission ---------------------------------------------------------------------


def test_a_submission_is_received_and_its_status_page_says_so(client):
    response = submit(client)
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert response["Location"] == submission.status_url() + "?new=1"
    assert submission.state == Submission.State.RECEIVED
    assert submission.submitter_email == SUBMITTER["email"]
    assert submission.content["figures"] == [
        {"label": "families advised", "value": "1200", "unit": "families", "year": 2022}
    ]
    assert submission.content["countries"][0] == {
        "country": "PH",
        "role": "COO",
        "involvement": "implementing",
    }

    page = client.get(response["Location"])
    assert page.status_code == 200
    body = text(page)
    assert "Thank you: your practice was received." in body
    assert "Received" in body and submission.title in body
    # The page is private: out of search engines and caches, its link never sent to another
    # site (and sent to this one, so that the answer form's CSRF check sees its origin).
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "same-origin"
    # And it does not name who submitted it: the link may be forwarded.
    assert SUBMITTER["name"] not in body and SUBMITTER["email"] not in body


def test_the_submitter_is_emailed_the_status_link_in_their_language(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = submitted(client)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [SUBMITTER["email"]]
    assert "We received your practice" in message.subject
    assert "http://testserver" + submission.status_url() in message.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        # In French "1,200" may be 1.2: the French form is sent with the value unambiguous.
        french = Client().post(
            "/fr/submit/",
            form_data(email="autre@ministere.example", **{"figures-0-value": "1200"}),
        )
    assert french.status_code == 302
    assert Submission.objects.get(submitter_email="autre@ministere.example").language == "fr"
    assert mail.outbox[0].subject.startswith("Nous avons reçu")
    assert "/fr/submit/status/" in mail.outbox[0].body


def test_a_submission_is_nowhere_public(client):
    submission = submitted(client)
    for url in (
        "/practices/?q=Zqhome",
        "/practices/export.json",
        "/practices/feed.atom",
        "/countries/ph/",
        "/",
    ):
        assert submission.title not in text(client.get(url)), url
    assert not Practice.objects.filter(title_en=submission.title).exists()


def test_an_unknown_status_link_is_a_404(client):
    assert client.get("/submit/status/" + "x" * 43 + "/").status_code == 404
    assert client.get("/submit/status/short/").status_code == 404


# -- a wrong submission -----------------------------------------------------------------------


def test_an_invalid_submission_keeps_what_was_typed_and_names_each_problem(client):
    data = form_data(
        themes=[],
        criteria=["implemented"],
        email="not-an-email",
        end_year="2010",
        **rows(
            "countries",
            [{"country": "PH", "role": "", "involvement": "implementing"}],
            4,
        ),
        **rows(
            "figures",
            [{"label": "families advised", "value": "12,5", "unit": "families", "year": "2022"}],
            3,
        ),
    )
    response = client.post("/submit/", data)
    assert response.status_code == 200
    assert not Submission.objects.exists()
    assert len(mail.outbox) == 0
    problems = errors(response)
    assert any(p.startswith("Themes:") for p in problems)
    assert any(p.startswith("I confirm that:") for p in problems)
    assert any(p.startswith("Your email:") for p in problems)
    assert any(p.startswith("End year:") and "before the start year" in p for p in problems)
    assert any(p.startswith("Country 1, role:") for p in problems)
    # The decimal comma is refused with what to write, never read as 125.
    assert any(p.startswith("Figure 1, number:") and "12,5" in p for p in problems)
    assert len(problems) == 6, problems
    body = response.content.decode()
    # What was typed is still there.
    assert 'value="Zqhome Family Reunion Desks"' in body
    assert "Consular desks advise families on reunification papers." in body
    assert 'value="12,5"' in body
    assert 'value="Ministry of Zqfamily Affairs"' in body
    assert re.search(r'<option value="PH" selected>', body)
    assert re.search(r'value="implemented"[^>]*checked', body)


def test_an_evaluated_practice_needs_its_evaluation(client):
    response = client.post("/submit/", form_data(evidence_level="independent"))
    problems = errors(response)
    assert {p.split(":")[0] for p in problems} == {
        "Evaluated by",
        "Year of the evaluation",
        "Method of the evaluation",
        "What the evaluation found",
    }
    response = client.post(
        "/submit/",
        form_data(
            evidence_level="independent",
            evaluator="The ministry itself",
            evaluation_year="2021",
            evaluation_method="internal_review",
            evaluation_findings="It works.",
        ),
    )
    assert [p.split(":")[0] for p in errors(response)] == ["Method of the evaluation"]
    assert not Submission.objects.exists()


def test_every_field_is_bounded(client):
    response = client.post(
        "/submit/",
        form_data(title="T" * 251, description="d" * 10_001, **{"sources-0-url": "x" * 600}),
    )
    problems = errors(response)
    assert any(p.startswith("Title of the practice:") for p in problems)
    assert any(p.startswith("Description:") for p in problems)
    assert any(p.startswith("Source 1, web address:") for p in problems)
    assert not Submission.objects.exists()


def test_more_rows_than_the_form_takes_are_refused_with_a_message(client):
    data = form_data(**rows("figures", [], 1000))
    response = client.post("/submit/", data)
    assert response.status_code == 200
    assert any("10" in p for p in errors(response))
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "tampered",
    [
        {"countries-0-country": "ZZ"},
        {"themes": ["no-such-theme"]},
        {"scope": "galactic"},
        {"start_year": "١٩٩٩"},
        {"countries-TOTAL_FORMS": "many"},
    ],
)
def test_tampered_values_are_named_not_a_500(client, tampered):
    response = client.post("/submit/", form_data(**tampered))
    assert response.status_code == 200
    assert errors(response)
    assert not Submission.objects.exists()


def test_a_body_too_large_is_refused_with_a_page(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    response = client.post("/submit/", form_data(description="d" * 60_000))
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_the_form_needs_its_csrf_token():
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/submit/", form_data())
    assert response.status_code == 403
    assert not Submission.objects.exists()
    page = browser.get("/submit/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert browser.post("/submit/", form_data(csrfmiddlewaretoken=token)).status_code == 302


# -- floods and robots -----------------------------------------------------------------------


def test_the_honeypot_refuses_a_robot_and_saves_nothing(client):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 400
    assert "Nothing was saved" in text(response)
    assert not Submission.objects.exists()
    assert len(mail.outbox) == 0


def test_one_address_is_limited_per_hour(client, settings):
    settings.SUBMISSIONS_PER_ADDRESS_PER_HOUR = 3
    for number in range(3):
        submitted(client, email=f"person{number}@example.org")
    response = submit(client, email="person9@example.org")
    assert response.status_code == 429
    assert "try again in an hour" in text(response)
    assert Submission.objects.count() == 3
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post("/submit/", form_data(email="person9@example.org")).status_code == 302


def test_one_email_is_limited_per_day_from_any_address(settings):
    settings.SUBMISSIONS_PER_EMAIL_PER_DAY = 2
    for number in range(2):
        response = Client(REMOTE_ADDR=f"198.51.100.{number + 1}").post("/submit/", form_data())
        assert response.status_code == 302
    response = Client(REMOTE_ADDR="198.51.100.50").post(
        "/submit/", form_data(email=SUBMITTER["email"].upper())
    )
    assert response.status_code == 429
    assert Submission.objects.count() == 2


def test_a_flood_of_robots_is_refused_without_a_500(client, settings):
    settings.SUBMISSIONS_PER_ADDRESS_PER_HOUR = 5
    codes = [submit(client, website="buy now").status_code for _ in range(20)]
    assert codes[:5] == [400] * 5
    assert set(codes[5:]) == {429}
    assert not Submission.objects.exists()


# -- answering a question ----------------------------------------------------------------------


def test_the_submitter_answers_a_question_on_the_status_page(client, reviewer):
    from practices import submissions

    submission = submitted(client)
    submissions.ask(submission, reviewer, "Which consulates have a desk?")
    page = client.get(submission.status_url())
    body = text(page)
    assert "More information asked" in body
    assert "Which consulates have a desk?" in body
    assert 'name="message"' in body

    empty = client.post(submission.status_url(), {"message": ""})
    assert empty.status_code == 200
    assert "Please write your answer" in text(empty)

    answered = client.post(submission.status_url(), {"message": "Rome and Milan."})
    assert answered.status_code == 302
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW
    assert "Rome and Milan." in text(client.get(submission.status_url()))
    # Answering twice is refused, with a page.
    again = client.post(submission.status_url(), {"message": "And Naples."})
    assert again.status_code == 409
    assert submission.events.filter(kind="answered").count() == 1


# -- calls ---------------------------------------------------------------------------------------


def test_a_submission_made_for_an_open_call_carries_it(client):
    today = timezone.localdate()
    call = Call.objects.create(
        title="Zqcall: children on the move",
        slug="children-on-the-move",
        text="We look for practices that protect children.",
        deadline=today + timedelta(days=30),
    )
    call.themes.add(Theme.objects.get(slug="children"))
    page = text(client.get("/submit/"))
    assert "Zqcall: children on the move" in page  # the open calls are listed
    call_page = text(client.get(call.get_absolute_url()))
    assert "Submit a practice to this call" in call_page
    assert "No practice submitted to this call has been published yet." in call_page
    form = text(client.get("/submit/?call=children-on-the-move"))
    assert "You are answering the call" in form
    assert 'name="call" value="children-on-the-move"' in form

    submission = submitted(client, call="children-on-the-move")
    assert submission.call == call
    assert "Zqcall: children on the move" in text(client.get(submission.status_url()))


def test_a_closed_call_takes_the_practice_outside_the_call(client):
    today = timezone.localdate()
    Call.objects.create(
        title="Zqcall closed",
        slug="closed",
        text="Closed.",
        opens_on=today - timedelta(days=60),
        deadline=today - timedelta(days=1),
    )
    form = text(client.get("/submit/?call=closed"))
    assert "closed on" in form
    assert 'name="call"' not in form
    assert "Submit a practice to this call" not in text(client.get("/submit/calls/closed/"))
    submission = submitted(client, call="closed")
    assert submission.call is None
    assert client.get("/submit/calls/no-such-call/").status_code == 404
    unknown = client.get("/submit/?call=no-such-call")
    assert unknown.status_code == 200
    assert "There is no call for practices “no-such-call”" in text(unknown)


def test_the_french_form_refuses_a_comma_before_three_digits_and_says_so(client):
    """In French 1,200 is as likely 1.2 as 1200: the form asks, and its help says what to write."""
    response = client.post("/fr/submit/", form_data(**{"figures-0-value": "1,200"}))
    assert response.status_code == 200
    assert not Submission.objects.exists()
    assert any("1,200" in p for p in errors(response))
    assert "sans séparateur de milliers (17000)" in text(client.get("/fr/submit/"))
    assert client.post("/fr/submit/", form_data(**{"figures-0-value": "1200"})).status_code == 302


@pytest.mark.parametrize("calls", [0, 5])
def test_the_form_and_the_status_page_cost_the_same_whatever_the_base_holds(
    client, django_assert_num_queries, calls
):
    today = timezone.localdate()
    for number in range(calls):
        Call.objects.create(title=f"Call {number}", slug=f"call-{number}", text=".", deadline=today)
    # The countries, the themes, the target groups, the stages, the objectives, the open calls.
    with django_assert_num_queries(6):
        assert client.get("/submit/").status_code == 200
    submission = submitted(client)
    # The submission with its practice and call, and its steps.
    with django_assert_num_queries(2):
        assert client.get(submission.status_url()).status_code == 200
