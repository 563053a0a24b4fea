"""A pending change to a published practice, kept beside the live version until reviewed.

The public keeps seeing the published practice while a curator's change to it waits: the
change is stored as the practice's whole content as the revision would make it
(``content``, written by ``practices.content``), together with the content of the published
practice it was based on (``base``), so that the reviewer's diff, the conflict check and
publishing all work from data, never from a half-written practice. Publishing applies the
content to the live practice in one transaction, keeping its id, slug and URL.

At most one open revision (waiting for review, or sent back to its curator) per practice;
published and discarded ones stay as the record of what was decided.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PracticeRevisionQuerySet(models.QuerySet):
    def open(self) -> "PracticeRevisionQuerySet":
        return self.filter(state__in=PracticeRevision.OPEN_STATES)

    def waiting(self) -> "PracticeRevisionQuerySet":
        """What a reviewer has to decide on, oldest first."""
        return self.filter(state=PracticeRevision.State.PENDING).order_by("updated_at", "pk")


class PracticeRevision(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        SENT_BACK = "sent_back", _("Sent back to the curator")
        PUBLISHED = "published", _("Published")
        DISCARDED = "discarded", _("Discarded")

    OPEN_STATES = (State.PENDING, State.SENT_BACK)

    practice = models.ForeignKey(
        "practices.Practice",
        verbose_name=_("practice"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    content = models.JSONField(_("content"))
    base = models.JSONField(_("published content it was based on"))
    # Raised by every save: a form opened on version 3 cannot overwrite version 4.
    version = models.PositiveIntegerField(_("version"), default=1)
    origin = models.CharField(
        _("made by"),
        max_length=100,
        blank=True,
        help_text=_("The admin form, or the file an import read it from."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last saved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last saved at"), auto_now=True)
    message = models.TextField(
        _("reviewer's message"),
        blank=True,
        help_text=_("Why it was sent back, published or discarded."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = PracticeRevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice"],
                condition=models.Q(state__in=["pending", "sent_back"]),
                name="practices_one_open_revision",
            ),
        ]
        indexes = [models.Index(fields=["state", "updated_at"], name="practices_revision_queue")]

    def __str__(self) -> str:
        return _("Revision of “%(title)s” (%(state)s)") % {
            "title": self.practice.title,
            "state": self.get_state_display().lower(),
        }

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES
