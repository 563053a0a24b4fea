"""The call for practices: what governments and partners submit, and the calls they answer.

A ``Submission`` is what a submitter typed into the public form (``content``, as the form
cleaned it) with who they are; it is never a practice and never public. A reviewer turns it
into a draft practice (``practice``), asks the submitter for more information, or declines it;
the practice then goes through the ordinary workflow, and only publishing it makes it public.

The submitter follows it through a private link (``token``): no account. Each step is a
``SubmissionEvent`` with the message sent, if any; those events are the submission's history
and carry no personal data, so erasing the submitter's name, organisation and email
(``erase_submitters``) leaves only the record that they were erased.

A ``Call`` is a themed call with a deadline; submissions made through it carry it, and its
page lists the practices published from it.
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Every field's length is bounded: the form's limits are these.
TITLE_LENGTH = 250
SHORT_TEXT = 300
LONG_TEXT = 10_000


def new_token() -> str:
    """An unguessable status link: 32 random bytes, as ``secrets`` advises for such links."""
    return secrets.token_urlsafe(32)


class CallQuerySet(models.QuerySet):
    def open_on(self, day) -> "CallQuerySet":
        return self.filter(opens_on__lte=day, deadline__gte=day)


class Call(models.Model):
    """A themed call for practices, open until its deadline (included)."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    text = models.TextField(
        _("text"), help_text=_("What the call asks for, and why. Plain text; blank lines part it.")
    )
    themes = models.ManyToManyField(
        "practices.Theme", verbose_name=_("themes"), blank=True, related_name="calls"
    )
    opens_on = models.DateField(_("opens on"), default=timezone.localdate)
    deadline = models.DateField(
        _("deadline"), help_text=_("The last day submissions are taken for this call.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call for practices")
        verbose_name_plural = _("calls for practices")
        ordering = ["-deadline", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("opens_on")),
                name="practices_call_deadline_after_opening",
            ),
            models.CheckConstraint(
                condition=~models.Q(slug=""), name="practices_call_slug_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practices:call-detail", kwargs={"slug": self.slug})

    def is_open(self, day=None) -> bool:
        day = day or timezone.localdate()
        return self.opens_on <= day <= self.deadline


class SubmissionQuerySet(models.QuerySet):
    def waiting(self) -> "SubmissionQuerySet":
        """What a reviewer has to act on: received, or answered by the submitter."""
        return self.filter(state__in=[Submission.State.RECEIVED, Submission.State.IN_REVIEW])

    def to_erase(self, before) -> "SubmissionQuerySet":
        """Decided before ``before`` with the submitter's details still held."""
        return self.filter(decided_at__lt=before, submitter_erased_at__isnull=True)


class Submission(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_REVIEW = "in_review", _("In review")
        MORE_INFORMATION = "more_information", _("More information asked")
        ACCEPTED = "accepted", _("Turned into a practice")
        DECLINED = "declined", _("Declined")

    DECIDED_STATES = (State.ACCEPTED, State.DECLINED)

    token = models.CharField(_("status link token"), max_length=64, unique=True, editable=False)
    call = models.ForeignKey(
        Call,
        verbose_name=_("call"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
    )
    title = models.CharField(_("title"), max_length=TITLE_LENGTH)
    # What the form cleaned: every field of the practice the submitter could give, countries as
    # ISO codes, themes and the like as slugs, figures' values as decimal strings.
    content = models.JSONField(_("what was submitted"))
    language = models.CharField(
        _("language"), max_length=8, help_text=_("The submitter's: their emails are in it.")
    )
    submitter_name = models.CharField(_("submitter's name"), max_length=200, blank=True)
    submitter_organisation = models.CharField(
        _("submitter's organisation"), max_length=200, blank=True
    )
    submitter_email = models.EmailField(_("submitter's email"), max_length=254, blank=True)
    # The address the form was sent to (scheme and host): the emails' links use SITE_URL, or
    # this where SITE_URL is not set.
    site_url = models.CharField(_("site address"), max_length=200, blank=True)
    submitter_erased_at = models.DateTimeField(
        _("submitter's details erased at"), null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.RECEIVED
    )
    practice = models.ForeignKey(
        "practices.Practice",
        verbose_name=_("practice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "updated_at"], name="practices_sub_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["accepted", "declined"], decided_at__isnull=False)
                | (~models.Q(state__in=["accepted", "declined"]) & models.Q(decided_at=None)),
                name="practices_submission_decided_when_decided",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.token:
            self.token = new_token()
        super().save(*args, **kwargs)

    def status_url(self) -> str:
        return reverse("practices:submission-status", kwargs={"token": self.token})

    def absolute(self, path: str) -> str:
        return (settings.SITE_URL or self.site_url).rstrip("/") + path

    @property
    def is_published(self) -> bool:
        return (
            self.practice is not None
            and self.practice.publication_state == self.practice.PublicationState.PUBLISHED
        )

    @property
    def erased(self) -> bool:
        return self.submitter_erased_at is not None


class SubmissionEvent(models.Model):
    """One step of a submission, in the order taken: its history, and what the status page
    tells the submitter. No personal data: the submitter's answers are part of the submission,
    not of who they are."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        TAKEN = "taken", _("Taken into review")
        ASKED = "asked", _("More information asked")
        ANSWERED = "answered", _("Answered")
        ACCEPTED = "accepted", _("Turned into a practice")
        PUBLISHED = "published", _("Published")
        DECLINED = "declined", _("Declined")
        ERASED = "erased", _("Submitter's details erased")

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    message = models.TextField(_("message"), blank=True, max_length=LONG_TEXT)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("submission step")
        verbose_name_plural = _("submission steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d})"
