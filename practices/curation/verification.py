"""A reviewer's record that a practice was checked: when, against what, and what its status
was found to be.

Checking a practice against a newer source (a report, a ministry's page, the organisation
itself) is a reviewer's own act, not an edit waiting for review: it is written directly on
the live practice, published or not, with a history entry of its own whose reason says what
it was verified against, as a workflow transition is (``workflow.apply_transition``). The
public pages show when and against what, never by whom.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from practices.models import Practice

PERMISSION = "practices.verify_practice"
# Stored with the history entry in English, like the workflow's reasons; the checked source
# is the curator's own text. simple-history's reason column is 100 characters long: the
# entry's own "verified against" field keeps the whole text.
VERIFIED_AGAINST = gettext_noop("Verified against %(against)s")
REASON_LENGTH = 100
# The fields a verification writes, and nothing else (a pending edit of the practice, if
# any, is not touched).
FIELDS = ["verified_on", "verified_by", "verified_against", "status", "status_as_of", "updated_at"]


@dataclass(frozen=True)
class Verification:
    verified_on: datetime.date
    verified_against: str
    # Only when the check found a different status, or the same one reported in a later year.
    status: str = ""
    status_as_of: int | None = None


class VerificationError(Exception):
    """A verification that may not be recorded; ``problems`` maps a field to why."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


class VerificationNotPermitted(PermissionDenied):
    pass


def user_may_verify(user) -> bool:
    """Reviewers (and superusers) hold the permission; inactive users hold none."""
    return user.has_perm(PERMISSION)


def verification_problems(
    practice: Practice, verification: Verification, today: datetime.date | None = None
) -> dict[str, str]:
    """Why ``verification`` of ``practice`` may not be recorded, by field; empty if it may."""
    today = today or timezone.localdate()
    problems = {}
    checked = verification.verified_on
    if checked > today:
        problems["verified_on"] = _(
            "A verification cannot be dated in the future: give the day the practice was "
            "checked, today (%(today)s) at the latest."
        ) % {"today": formats.date_format(today)}
    elif practice.verified_on and checked < practice.verified_on:
        problems["verified_on"] = _(
            "The practice was last verified on %(last)s: a check dated before it would not be "
            "the last one. Give a date from %(last)s on."
        ) % {"last": formats.date_format(practice.verified_on)}
    if not verification.verified_against.strip():
        problems["verified_against"] = _(
            "Say what the practice was checked against: a report, a web page, a ministry."
        )
    if verification.status and verification.status not in Practice.Status.values:
        problems["status"] = _("“%(status)s” is not a status.") % {
            "status": verification.status[:40]
        }
    year = verification.status_as_of
    if year is not None and "verified_on" not in problems and year > checked.year:
        problems["status_as_of"] = _(
            "The status cannot have been reported after the check: give %(year)s or earlier."
        ) % {"year": checked.year}
    return problems


def record_verification(
    practice: Practice, user, verification: Verification, today: datetime.date | None = None
) -> Practice:
    """Write ``verification`` on ``practice`` on behalf of ``user``, with a history entry, or
    raise ``VerificationNotPermitted`` (a ``PermissionDenied``) or ``VerificationError``, and
    then nothing is written.

    The last verification date is read again under a row lock: two reviewers recording checks
    at once cannot set it back to the earlier of the two.
    """
    if not user_may_verify(user):
        raise VerificationNotPermitted(
            _("Recording a verification needs a permission your account does not have.")
        )
    with transaction.atomic():
        practice.verified_on = (
            Practice.objects.select_for_update()
            .filter(pk=practice.pk)
            .values_list("verified_on", flat=True)
            .get()
        )
        problems = verification_problems(practice, verification, today)
        if problems:
            raise VerificationError(problems)
        against = verification.verified_against.strip()
        practice.verified_on = verification.verified_on
        practice.verified_by = user
        practice.verified_against = against
        if verification.status:
            practice.status = verification.status
            # A new status found by the check is reported as of the check, unless told.
            practice.status_as_of = verification.status_as_of or verification.verified_on.year
        elif verification.status_as_of:
            practice.status_as_of = verification.status_as_of
        practice._change_reason = reason(against)
        practice._history_user = user
        try:
            practice.save(update_fields=FIELDS)
        finally:
            # Left on the instance, they would label the next, unrelated save too.
            del practice._change_reason
            del practice._history_user
    return practice


def reason(against: str) -> str:
    """The history entry's reason: "Verified against <what>", cut to fit its column."""
    text = VERIFIED_AGAINST % {"against": against}
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"
