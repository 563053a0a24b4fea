"""The reviewer's desk: what waits for someone, on the admin's index page and in the digest.

Reviewers (whoever holds ``practices.publish_practice``) see four queues: submissions from the
public form waiting for them, practices in review, pending revisions of published practices,
and published practices that may be out of date. Curators see what came back to them: their
practices sent back to draft and their revisions sent back. Each queue is its count, its
oldest few items and a link to the full list in the admin; two queries a queue whatever its
length (a count and one page, the item's people and practice joined).

``send_review_digest`` mails the reviewers' queues, so the texts of an item are made here,
once, for the page and the email alike.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from practices.models import Currency, Practice, PracticeRevision, Submission

from .verification_admin import CurrencyListFilter
from .workflow import TRANSITIONS

# The oldest items a queue shows; the full list is a link away.
LIMIT = 10

State = Practice.PublicationState


def is_reviewer(user) -> bool:
    return user.has_perm("practices.publish_practice")


# -- the changelists' filters the queues link to ----------------------------------------------


class SentBackFilter(admin.SimpleListFilter):
    """Drafts whose last step was a reviewer sending them back: ``?sent_back=any``, or only
    those the signed-in user submitted: ``?sent_back=mine``."""

    title = gettext_lazy("sent back")
    parameter_name = "sent_back"

    def lookups(self, request, model_admin):
        return [
            ("any", gettext_lazy("Sent back to draft")),
            ("mine", gettext_lazy("Sent back to me")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "any":
            return sent_back(queryset)
        if self.value() == "mine":
            return sent_back(queryset, to=request.user)
        return queryset


def sent_back(queryset, to=None):
    """The drafts of ``queryset`` whose last workflow step was "send back"; with ``to``, only
    those ``to`` last submitted.

    The workflow records each step as a history entry with the step's reason, dated just after
    the practice's ``state_changed_at``: a send-back entry dated at or after it is the last
    step. The submitter is the user of the latest "submitted for review" entry.
    """
    entries = Practice.history.model.objects.filter(id=OuterRef("pk"))
    last_step_was_send_back = entries.filter(
        history_change_reason=TRANSITIONS["send_back"].reason,
        history_date__gte=OuterRef("state_changed_at"),
    )
    queryset = queryset.filter(publication_state=State.DRAFT).filter(
        Exists(last_step_was_send_back)
    )
    if to is None:
        return queryset
    submitter = (
        entries.filter(history_change_reason=TRANSITIONS["submit"].reason)
        .order_by("-history_date", "-history_id")
        .values("history_user")[:1]
    )
    return queryset.annotate(submitted_by=Subquery(submitter)).filter(submitted_by=to.pk)


# -- the queues -------------------------------------------------------------------------------


@dataclass
class Item:
    title: str
    url: str  # the admin page, a path: the digest puts SITE_URL in front
    meta: str  # who and when, as a sentence: "Submitted by ana, 3 days ago"
    at: datetime | date | None = None
    note: str = ""


@dataclass
class Queue:
    key: str
    title: str
    count: int
    empty: str  # said kindly when nothing waits
    list_url: str
    items: list[Item] = field(default_factory=list)

    @property
    def more(self) -> int:
        """How many the queue holds beyond the items shown."""
        return self.count - len(self.items)


def _queue(key, title, empty, list_url, queryset, item, limit) -> Queue:
    return Queue(
        key=key,
        title=title,
        empty=empty,
        list_url=list_url,
        count=queryset.count(),
        items=[item(obj) for obj in queryset[:limit]],
    )


def _url(name: str, *args, query: dict | None = None) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# A step and when it was taken, without and with who took it.
SUBMITTED = (gettext_lazy("Submitted %(when)s"), gettext_lazy("Submitted by %(who)s, %(when)s"))
SAVED = (gettext_lazy("Saved %(when)s"), gettext_lazy("Saved by %(who)s, %(when)s"))
SENT_BACK = (gettext_lazy("Sent back %(when)s"), gettext_lazy("Sent back by %(who)s, %(when)s"))
# A submission's steps are the public's, never a named user's: only the first form is used.
RECEIVED = (gettext_lazy("Received %(when)s"),)
ANSWERED = (gettext_lazy("The submitter answered %(when)s"),)


def _step(words, user, moment: datetime | None, now: datetime) -> str:
    """ "Submitted by ana, 3 days ago"; without the name when nobody was recorded."""
    if moment is None:
        when = ""
    elif (now - moment).total_seconds() < 60:
        when = _("just now")
    else:
        when = _("%(time)s ago") % {"time": timesince(moment, now, depth=1)}
    if user is None:
        return words[0] % {"when": when}
    return words[1] % {"who": _person(user), "when": when}


def _practice_item(words, now):
    """A practice, with its last workflow step: who took it and when."""

    def item(practice) -> Item:
        return Item(
            title=practice.title,
            url=_url("practices_practice_change", practice.pk),
            meta=_step(words, practice.state_changed_by, practice.state_changed_at, now),
            at=practice.state_changed_at,
        )

    return item


def _revision_item(words, now, decided: bool = False):
    """A revision, with who last saved it and when, or (``decided``) who sent it back, when
    and why."""

    def item(revision) -> Item:
        by = revision.decided_by if decided else revision.updated_by
        at = (revision.decided_at or revision.updated_at) if decided else revision.updated_at
        return Item(
            title=revision.practice.title,
            url=_url("practices_practicerevision_change", revision.pk),
            meta=_step(words, by, at, now),
            at=at,
            note=revision.message if decided else "",
        )

    return item


def _verification(practice) -> Item:
    if practice.verified_on:
        on = formats.date_format(practice.verified_on, "DATE_FORMAT")
        if practice.verified_by:
            meta = _("Last verified on %(date)s by %(who)s") % {
                "date": on,
                "who": _person(practice.verified_by),
            }
        else:
            meta = _("Last verified on %(date)s") % {"date": on}
    elif practice.status_as_of:
        meta = _("Never verified; status as of %(year)s") % {"year": practice.status_as_of}
    else:
        meta = _("Never verified")
    return Item(
        title=practice.title,
        url=_url("practices_practice_change", practice.pk),
        meta=meta,
        at=practice.verified_on,
    )


def in_review(limit: int = LIMIT, now: datetime | None = None) -> Queue:
    return _queue(
        "in-review",
        _("In review"),
        _("Nothing is waiting for review: every submitted practice has been decided on."),
        _url("practices_practice_changelist", query={"publication_state__exact": State.IN_REVIEW}),
        Practice.objects.filter(publication_state=State.IN_REVIEW)
        .select_related("state_changed_by")
        .order_by(F("state_changed_at").asc(nulls_first=True), "pk"),
        _practice_item(SUBMITTED, now or timezone.now()),
        limit,
    )


def pending_revisions(limit: int = LIMIT, now: datetime | None = None) -> Queue:
    return _queue(
        "pending-revisions",
        _("Pending revisions"),
        _("No change to a published practice is waiting for a decision."),
        _url(
            "practices_practicerevision_changelist",
            query={"state__exact": PracticeRevision.State.PENDING},
        ),
        PracticeRevision.objects.waiting().select_related("practice", "updated_by"),
        _revision_item(SAVED, now or timezone.now()),
        limit,
    )


def out_of_date(limit: int = LIMIT, today: date | None = None) -> Queue:
    return _queue(
        "out-of-date",
        _("May be out of date"),
        _("Every published practice was verified in the last %(years)s years.")
        % {"years": settings.CURRENCY_YEARS},
        _url(
            "practices_practice_changelist",
            query={
                "publication_state__exact": State.PUBLISHED,
                CurrencyListFilter.parameter_name: Currency.OUT_OF_DATE,
            },
        ),
        Practice.objects.published()
        .may_be_out_of_date(today)
        .select_related("verified_by")
        # Least recently verified first: never verified before any check, and among those,
        # the oldest reported status, then the earliest entered.
        .order_by(
            F("verified_on").asc(nulls_first=True),
            F("status_as_of").asc(nulls_first=True),
            "created_at",
            "pk",
        ),
        _verification,
        limit,
    )


def _submission_item(now):
    def item(submission) -> Item:
        answered = submission.state == Submission.State.IN_REVIEW
        return Item(
            title=submission.title,
            url=_url("practices_submission_change", submission.pk),
            meta=_step(ANSWERED if answered else RECEIVED, None, submission.updated_at, now),
            at=submission.updated_at,
        )

    return item


def submissions(limit: int = LIMIT, now: datetime | None = None) -> Queue:
    """Submissions from the public form that wait for a reviewer: new, or answered."""
    return _queue(
        "submissions",
        _("Submissions"),
        _("No submission from the public form is waiting for a reviewer."),
        _url("practices_submission_changelist"),
        Submission.objects.waiting().order_by("updated_at", "pk"),
        _submission_item(now or timezone.now()),
        limit,
    )


def practices_sent_back(user, limit: int = LIMIT, now: datetime | None = None) -> Queue:
    return _queue(
        "practices-sent-back",
        _("Your practices sent back to draft"),
        _("None of the practices you submitted has been sent back."),
        _url("practices_practice_changelist", query={SentBackFilter.parameter_name: "mine"}),
        sent_back(Practice.objects.all(), to=user)
        .select_related("state_changed_by")
        .order_by(F("state_changed_at").asc(nulls_first=True), "pk"),
        _practice_item(SENT_BACK, now or timezone.now()),
        limit,
    )


def revisions_sent_back(user, limit: int = LIMIT, now: datetime | None = None) -> Queue:
    return _queue(
        "revisions-sent-back",
        _("Your revisions sent back"),
        _("None of your changes to published practices has been sent back."),
        _url(
            "practices_practicerevision_changelist",
            query={"state__exact": PracticeRevision.State.SENT_BACK},
        ),
        PracticeRevision.objects.filter(state=PracticeRevision.State.SENT_BACK)
        .filter(Q(created_by=user) | Q(updated_by=user))
        .select_related("practice", "decided_by")
        .order_by(F("decided_at").asc(nulls_first=True), "updated_at", "pk"),
        _revision_item(SENT_BACK, now or timezone.now(), decided=True),
        limit,
    )


def reviewer_queues(limit: int = LIMIT) -> list[Queue]:
    """What waits for the reviewers, the same for each: eight queries."""
    now = timezone.now()
    return [
        submissions(limit, now),
        in_review(limit, now),
        pending_revisions(limit, now),
        out_of_date(limit, timezone.localdate(now)),
    ]


def desk_for(user, limit: int = LIMIT) -> list[Queue]:
    """The queues ``user`` sees on the admin's index page: a reviewer's three, or what came
    back to a curator; none for a preparer, who has no practice to look after."""
    if is_reviewer(user):
        return reviewer_queues(limit)
    if not user.has_perm("practices.change_practice"):
        return []
    now = timezone.now()
    return [practices_sent_back(user, limit, now), revisions_sent_back(user, limit, now)]
