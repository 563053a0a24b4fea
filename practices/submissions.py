"""A submission's steps, each recorded as an event and announced to the submitter by email.

The public form calls ``receive`` and the status page ``answer``; the reviewer's pages call
``take``, ``ask``, ``decline`` and ``accept``; the workflow calls ``practice_published`` when
it publishes a practice, and ``erase_submitters`` runs from the command of that name. Each
step checks the state it starts from under a row lock, so two reviewers cannot both decide,
and a step that does not apply raises ``StepError`` with a message and changes nothing.

Emails go out after the step is committed, in the submitter's language, with the private
status link; a failure to send is logged and never undoes the step. Once the submitter's
details are erased there is nobody to write to.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Practice, Submission, SubmissionEvent

log = logging.getLogger(__name__)

State = Submission.State
Kind = SubmissionEvent.Kind


class StepError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


# -- what the submitter sees --------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    explanation: str


STATUSES = {
    status.key: status
    for status in (
        Status(
            "received",
            gettext_lazy("Received"),
            gettext_lazy("Your submission has arrived. A reviewer will look at it."),
        ),
        Status(
            "in_review",
            gettext_lazy("In review"),
            gettext_lazy("A reviewer is checking your practice against the criteria."),
        ),
        Status(
            "more_information",
            gettext_lazy("More information asked"),
            gettext_lazy(
                "A reviewer needs more information: their question and a form to answer it are "
                "below."
            ),
        ),
        Status(
            "published",
            gettext_lazy("Published"),
            gettext_lazy("Your practice is in the knowledge base, for everyone to read."),
        ),
        Status(
            "declined",
            gettext_lazy("Declined"),
            gettext_lazy(
                "Your practice was not taken into the knowledge base. The reviewer's reason is "
                "below."
            ),
        ),
    )
}

# Each step as the submitter's page tells it; the reviewers' own steps (taking it into review,
# erasing the submitter's details) are not told.
STEPS_TOLD = {
    Kind.RECEIVED: gettext_lazy("Received"),
    Kind.ASKED: gettext_lazy("A reviewer asked for more information"),
    Kind.ANSWERED: gettext_lazy("You answered"),
    Kind.ACCEPTED: gettext_lazy(
        "Taken into the base as a draft practice, to be checked and published"
    ),
    Kind.PUBLISHED: gettext_lazy("Published"),
    Kind.DECLINED: gettext_lazy("Declined"),
}


def status_of(submission: Submission) -> Status:
    """What the status page says: a practice made from it stays "in review" until the ordinary
    workflow publishes it."""
    if submission.state == State.ACCEPTED:
        return STATUSES["published" if submission.is_published else "in_review"]
    return STATUSES[submission.state]


def steps_told(submission: Submission) -> list[tuple[SubmissionEvent, str]]:
    """The steps the status page lists, each with its words for the submitter."""
    return [
        (event, STEPS_TOLD[event.kind])
        for event in submission.events.all()
        if event.kind in STEPS_TOLD
    ]


# -- the steps ------------------------------------------------------------------------------


def _locked(submission: Submission, allowed, step_name) -> Submission:
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    if current.state not in allowed:
        raise StepError(
            _("This submission is “%(state)s”: “%(step)s” no longer applies to it.")
            % {"state": current.get_state_display(), "step": step_name}
        )
    return current


def _record(submission, kind, by=None, message="") -> SubmissionEvent:
    """The step, and its email to the submitter once committed (for the steps that have one)."""
    event = SubmissionEvent.objects.create(submission=submission, kind=kind, by=by, message=message)
    if kind in SUBJECTS:
        transaction.on_commit(lambda: _email(submission.pk, event.pk))
    return event


def receive(
    *,
    content: dict,
    title: str,
    name: str,
    organisation: str,
    email: str,
    language: str,
    call=None,
    site_url: str = "",
) -> Submission:
    with transaction.atomic():
        submission = Submission.objects.create(
            title=title,
            content=content,
            call=call,
            language=language,
            submitter_name=name,
            submitter_organisation=organisation,
            submitter_email=email,
            site_url=site_url,
        )
        _record(submission, Kind.RECEIVED)
    return submission


def take(submission: Submission, user) -> Submission:
    """A reviewer takes a received submission into review (the submitter is told)."""
    with transaction.atomic():
        submission = _locked(submission, (State.RECEIVED,), _("Take into review"))
        submission.state = State.IN_REVIEW
        submission.save(update_fields=["state", "updated_at"])
        _record(submission, Kind.TAKEN, by=user)
    return submission


def ask(submission: Submission, user, message: str) -> Submission:
    with transaction.atomic():
        submission = _locked(
            submission, (State.RECEIVED, State.IN_REVIEW), _("Ask for more information")
        )
        submission.state = State.MORE_INFORMATION
        submission.save(update_fields=["state", "updated_at"])
        _record(submission, Kind.ASKED, by=user, message=message)
    return submission


def answer(submission: Submission, message: str) -> Submission:
    """The submitter's answer, from the status page: back in the reviewers' queue."""
    with transaction.atomic():
        submission = _locked(submission, (State.MORE_INFORMATION,), _("Answer"))
        submission.state = State.IN_REVIEW
        submission.save(update_fields=["state", "updated_at"])
        _record(submission, Kind.ANSWERED, message=message)
    return submission


def _decide(submission, state, user):
    submission.state = state
    submission.decided_at = timezone.now()
    submission.decided_by = user
    submission.save(update_fields=["state", "decided_at", "decided_by", "practice", "updated_at"])


def decline(submission: Submission, user, message: str) -> Submission:
    with transaction.atomic():
        submission = _locked(
            submission,
            (State.RECEIVED, State.IN_REVIEW, State.MORE_INFORMATION),
            _("Decline"),
        )
        _decide(submission, State.DECLINED, user)
        _record(submission, Kind.DECLINED, by=user, message=message)
    return submission


def accept(submission: Submission, user, make_practice) -> Practice:
    """Turn the submission into a draft practice: ``make_practice(submission)`` writes it (the
    reviewer's side knows how), in the same transaction as the step."""
    with transaction.atomic():
        submission = _locked(
            submission,
            (State.RECEIVED, State.IN_REVIEW, State.MORE_INFORMATION),
            _("Turn into a practice"),
        )
        practice = make_practice(submission)
        submission.practice = practice
        _decide(submission, State.ACCEPTED, user)
        _record(submission, Kind.ACCEPTED, by=user)
    return practice


def practice_published(practice: Practice, user=None) -> None:
    """The workflow published ``practice``: each submission it was made from that has not been
    told so yet is (a practice unpublished and published again is announced once)."""
    for submission in Submission.objects.filter(practice=practice, state=State.ACCEPTED).exclude(
        events__kind=Kind.PUBLISHED
    ):
        _record(submission, Kind.PUBLISHED, by=user)


def erase_submitters(now: datetime | None = None, months: int | None = None) -> int:
    """Blank the name, organisation and email of each submission decided more than ``months``
    (``SUBMITTER_DETAILS_MONTHS``) ago; its history keeps only that they were erased.
    Returns how many were erased."""
    now = now or timezone.now()
    months = settings.SUBMITTER_DETAILS_MONTHS if months is None else months
    before = now - timedelta(days=round(months * 365.25 / 12))
    erased = 0
    with transaction.atomic():
        for submission in Submission.objects.select_for_update().to_erase(before):
            submission.submitter_name = ""
            submission.submitter_organisation = ""
            submission.submitter_email = ""
            submission.submitter_erased_at = now
            submission.save(
                update_fields=[
                    "submitter_name",
                    "submitter_organisation",
                    "submitter_email",
                    "submitter_erased_at",
                ]
            )
            SubmissionEvent.objects.create(submission=submission, kind=Kind.ERASED, at=now)
            erased += 1
    return erased


# -- the emails ---------------------------------------------------------------------------

SUBJECTS = {
    Kind.RECEIVED: gettext_lazy("We received your practice: %(title)s"),
    Kind.ASKED: gettext_lazy("More information needed: %(title)s"),
    Kind.ACCEPTED: gettext_lazy("Your practice is in review: %(title)s"),
    Kind.PUBLISHED: gettext_lazy("Your practice is published: %(title)s"),
    Kind.DECLINED: gettext_lazy("Your practice was declined: %(title)s"),
}


def _email(submission_pk: int, event_pk: int) -> None:
    submission = Submission.objects.select_related("practice").get(pk=submission_pk)
    event = SubmissionEvent.objects.get(pk=event_pk)
    if not submission.submitter_email:
        return
    with translation.override(submission.language or settings.LANGUAGE_CODE):
        context = {
            "submission": submission,
            "event": event,
            "kind": event.kind,
            "name": submission.submitter_name,
            "status_url": submission.absolute(submission.status_url()),
            "practice_url": (
                submission.absolute(submission.practice.get_absolute_url())
                if submission.is_published
                else ""
            ),
            "months": settings.SUBMITTER_DETAILS_MONTHS,
        }
        subject = str(SUBJECTS[event.kind]) % {"title": submission.title[:80]}
        body = render_to_string("catalogue/submit/email.txt", context)
    try:
        send_mail(subject, body, None, [submission.submitter_email])
    except Exception:  # noqa: BLE001 (the step stands; the status link tells the same)
        log.exception("Could not email the submitter of submission %s", submission.pk)
