"""``manage.py send_review_digest``: each active reviewer with an email address gets one email
of what waits (plain text and HTML, linked to the admin at SITE_URL); nobody gets one on a
day nothing waits, unless asked to; a dry run prints and sends nothing."""

import datetime
import smtplib
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.utils import timezone

from practices.models import Practice, PracticeRevision
from tests.conftest import make_practice, make_user

pytestmark = pytest.mark.django_db

SITE = "https://kb.example.org"
State = Practice.PublicationState


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def digest(*args) -> str:
    out = StringIO()
    call_command("send_review_digest", *args, stdout=out)
    return out.getvalue()


def nothing_waits() -> None:
    Practice.objects.update(verified_on=timezone.localdate())


def submitted(slug: str, by, days: float) -> Practice:
    return make_practice(
        slug,
        publication_state=State.IN_REVIEW,
        state_changed_by=by,
        state_changed_at=timezone.now() - datetime.timedelta(days=days),
    )


def test_each_active_reviewer_with_an_address_gets_one_email(
    mailoutbox, reviewer, curator, superuser, django_user_model
):
    second = make_user(django_user_model, "second-reviewer", "reviewer")
    gone = make_user(django_user_model, "gone-reviewer", "reviewer")
    gone.is_active = False
    gone.save()
    silent = make_user(django_user_model, "silent-reviewer", "reviewer")
    silent.email = ""
    silent.save()
    # Not in the group, but holding the permission of their own: a reviewer too.
    direct = make_user(django_user_model, "direct-reviewer")
    direct.user_permissions.add(Permission.objects.get(codename="publish_practice"))
    submitted("waiting", curator, days=2)

    out = digest()

    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [reviewer.email, second.email, direct.email]
    )
    assert "Sent the review digest to 3 reviewers." in out


def test_the_email_lists_each_queue_with_its_count_oldest_items_and_links(
    mailoutbox, reviewer, curator
):
    older = submitted("older-submission", curator, days=6)
    submitted("newer-submission", curator, days=1)
    revision = PracticeRevision.objects.create(
        practice=Practice.objects.get(slug="pt-choices-programme"),
        content={},
        base={},
        updated_by=curator,
    )
    stale = Practice.objects.published().may_be_out_of_date().count()

    digest("--limit", "1")

    (message,) = mailoutbox
    assert message.subject == (
        "Review digest: Submissions 0 · In review 2 · Pending revisions 1 · "
        f"May be out of date {stale}"
    )
    text = message.body
    assert "In review (2)" in text
    assert f"- {older.title}\n  Submitted by curator, 6\xa0days ago\n" in text
    assert "Newer Submission" not in text  # the oldest one only, with --limit 1
    assert f"{SITE}/admin/practices/practice/{older.pk}/change/" in text
    assert f"{SITE}/admin/practices/practicerevision/{revision.pk}/change/" in text
    assert (
        f"1 more in the full list: {SITE}/admin/practices/practice/"
        "?publication_state__exact=in_review" in text
    )
    assert f"{SITE}/admin/practices/practice/?publication_state__exact=published" in text
    assert "&amp;" not in text
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'<a href="{SITE}/admin/practices/practice/{older.pk}/change/">{older.title}</a>' in html
    assert "currency=out_of_date" in html


def test_nothing_is_sent_when_nothing_waits(mailoutbox, reviewer):
    nothing_waits()

    out = digest()

    assert mailoutbox == []
    assert "Nothing waits for review: no email sent." in out


def test_always_sends_an_empty_digest_that_says_so(mailoutbox, reviewer):
    nothing_waits()

    digest("--always")

    (message,) = mailoutbox
    assert "Nothing is waiting for review" in message.body
    assert "No change to a published practice is waiting for a decision." in message.body
    assert "Every published practice was verified in the last 3 years." in message.body


def test_a_dry_run_prints_the_emails_and_sends_none(mailoutbox, reviewer, curator):
    submitted("waiting", curator, days=2)

    out = digest("--dry-run")

    assert mailoutbox == []
    assert f"To: {reviewer.email}\nSubject: Review digest: Submissions 0 · In review 1" in out
    assert "Waiting\n  Submitted by curator" in out
    assert "Dry run: 1 email printed, none sent." in out


def test_without_site_url_it_refuses_rather_than_send_broken_links(settings, mailoutbox, reviewer):
    settings.SITE_URL = ""

    with pytest.raises(CommandError, match="Set SITE_URL"):
        digest("--always")

    assert mailoutbox == []


def test_an_address_the_server_refuses_does_not_stop_the_others(
    mailoutbox, monkeypatch, reviewer, django_user_model
):
    second = make_user(django_user_model, "second-reviewer", "reviewer")
    send = EmailMultiAlternatives.send

    def refuse_the_first_reviewer(message, *args, **kwargs):
        if message.to == [reviewer.email]:
            raise smtplib.SMTPRecipientsRefused({reviewer.email: (550, b"No such user")})
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_the_first_reviewer)

    with pytest.raises(CommandError, match=r"to 1 of 2 reviewers; not to reviewer@example\.org"):
        digest("--always")

    assert [message.to for message in mailoutbox] == [[second.email]]
