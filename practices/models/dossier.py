"""A roundtable preparer's saved brief: a named dossier that can be opened again and shared.

A dossier keeps what the brief was made of, never the brief itself: the list's filter (its
query string, read again each time the dossier is opened, so a practice published since is
in it), the practices picked by hand on top of it (added or removed), a note per practice,
the countries in the order the preparer gave them, and a title and session name. Which
practices that gives, and the brief they make, is the catalogue's business
(``practices.catalogue.brief.of_dossier``); this module only keeps the record.

A dossier can be shared read-only through an unguessable link: ``share_token`` is set when
it is shared and cleared when the link is revoked, so the old link then leads nowhere; sharing
again makes a new one.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DossierQuerySet(models.QuerySet):
    def owned_by(self, user) -> "DossierQuerySet":
        """The dossiers ``user`` may open and edit: their own; every dossier for a superuser."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(owner=user)

    def shared(self) -> "DossierQuerySet":
        """Dossiers whose read-only link is live: shared, by an account still active (the
        links of someone who has left stop with their account)."""
        return self.filter(share_token__isnull=False, owner__is_active=True)


class Dossier(models.Model):
    title = models.CharField(_("title"), max_length=200)
    session = models.CharField(
        _("session"),
        max_length=200,
        blank=True,
        help_text=_("The roundtable session it prepares, e.g. “RT 2.2, Puerto Vallarta 2010”."),
    )
    query = models.CharField(
        _("filter"),
        max_length=2000,
        blank=True,
        help_text=_(
            "The practice list's query string (what follows “?” in its address, or the whole "
            "address pasted), e.g. theme=children&cod=US. Empty: every published practice."
        ),
    )
    countries = models.CharField(
        _("countries"),
        max_length=300,
        blank=True,
        help_text=_(
            "ISO codes in the order the brief gives their sections, e.g. MX, US, PH. Empty: "
            "every country of its practices, by name."
        ),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="dossiers",
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # NULL, not "", while it is not shared: many dossiers are unshared at once, and a unique
    # column admits many NULLs but only one empty string.
    share_token = models.CharField(  # noqa: DJ001 (NULL on purpose, as said above)
        _("share token"), max_length=64, null=True, blank=True, editable=False
    )
    shared_at = models.DateTimeField(_("shared at"), null=True, blank=True, editable=False)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-updated_at", "pk"]
        constraints = [
            # Also the index the shared page's lookup by token uses.
            models.UniqueConstraint(
                fields=["share_token"], name="practices_dossier_share_token_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(title=""), name="practices_dossier_title_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.share_token is not None

    def share(self) -> None:
        """Open a read-only link to the dossier: a new, unguessable token each time."""
        self.share_token = secrets.token_urlsafe(32)
        self.shared_at = timezone.now()
        self.save(update_fields=["share_token", "shared_at"])

    def revoke_share(self) -> None:
        """Close the read-only link: its token is forgotten, so the link leads nowhere."""
        self.share_token = None
        self.shared_at = None
        self.save(update_fields=["share_token", "shared_at"])


class DossierPractice(models.Model):
    """A practice the preparer picked by hand for a dossier, or wrote a note on."""

    class Change(models.TextChoices):
        ADDED = "added", _("Added to the filter's practices")
        REMOVED = "removed", _("Removed from the filter's practices")
        NOTE = "note", _("Neither: a note only")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="picks"
    )
    practice = models.ForeignKey(
        "practices.Practice",
        verbose_name=_("practice"),
        on_delete=models.CASCADE,
        related_name="dossier_picks",
    )
    change = models.CharField(
        _("change"), max_length=10, choices=Change.choices, default=Change.ADDED
    )
    note = models.TextField(
        _("note"), blank=True, help_text=_("Shown under the practice in the dossier.")
    )

    class Meta:
        verbose_name = _("hand-picked practice")
        verbose_name_plural = _("hand-picked practices and notes")
        ordering = ["dossier", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "practice"], name="practices_dossierpractice_once"
            ),
            models.CheckConstraint(
                condition=models.Q(change__in=["added", "removed", "note"]),
                name="practices_dossierpractice_change_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice} ({self.get_change_display().lower()})"
